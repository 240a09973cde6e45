CREATE TABLE `compat_platforms` (
	`slot` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform_id` text NOT NULL,
	`revision` integer NOT NULL,
	`computed_at` integer NOT NULL,
	FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `compat_platforms_platform_id_unique` ON `compat_platforms` (`platform_id`);--> statement-breakpoint
CREATE TABLE `compat_servers` (
	`server_id` text PRIMARY KEY NOT NULL,
	`rack_id` text NOT NULL,
	`row_id` text NOT NULL,
	`site_id` text NOT NULL,
	`free_cores` integer NOT NULL,
	`free_memory_gib` integer NOT NULL,
	`verdicts` text NOT NULL,
	`basis` integer NOT NULL,
	`computed_at` integer NOT NULL,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `compat_servers_rack_idx` ON `compat_servers` (`rack_id`,`computed_at`);--> statement-breakpoint
CREATE TABLE `compat_targets` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`platform_id` text NOT NULL,
	`since` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `compat_units` (
	`scope` text NOT NULL,
	`unit_id` text NOT NULL,
	`parent_id` text,
	`site_id` text NOT NULL,
	`servers` integer NOT NULL,
	`aggregates` text NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `unit_id`)
);
--> statement-breakpoint
CREATE INDEX `compat_units_parent_idx` ON `compat_units` (`scope`,`parent_id`);--> statement-breakpoint
CREATE TABLE `outbox_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`customer_id` text NOT NULL,
	`platform_id` text,
	`provider_id` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`provider_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outbox_events_pending_idx` ON `outbox_events` (`created_at`) WHERE delivered_at is null;