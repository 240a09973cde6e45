CREATE TABLE `agent_flags` (
	`id` text PRIMARY KEY NOT NULL,
	`server_id` text NOT NULL,
	`field` text NOT NULL,
	`recorded` text NOT NULL,
	`observed` text NOT NULL,
	`reports` integer NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_flags_observation_idx` ON `agent_flags` (`server_id`,`field`,`observed`);--> statement-breakpoint
CREATE INDEX `agent_flags_seen_idx` ON `agent_flags` (`first_seen_at`,`id`);