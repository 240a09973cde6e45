CREATE TABLE `hardware_aliases` (
	`alias` text PRIMARY KEY NOT NULL,
	`grant_id` text NOT NULL,
	`unit_id` text NOT NULL,
	`uses` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`grant_id`) REFERENCES `hardware_id_grants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `hardware_aliases_grant_idx` ON `hardware_aliases` (`grant_id`);--> statement-breakpoint
CREATE TABLE `hardware_id_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`requester_id` text NOT NULL,
	`scope` text NOT NULL,
	`audience` text NOT NULL,
	`max_uses` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`requester_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `hardware_id_grants_customer_idx` ON `hardware_id_grants` (`customer_id`);--> statement-breakpoint
CREATE INDEX `hardware_id_grants_requester_idx` ON `hardware_id_grants` (`requester_id`);--> statement-breakpoint
CREATE INDEX `hardware_id_grants_expires_idx` ON `hardware_id_grants` (`expires_at`);