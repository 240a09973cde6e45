CREATE TABLE `compat_generations` (
	`key` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `compat_generations_value_idx` ON `compat_generations` (`value`);--> statement-breakpoint
CREATE TABLE `compat_pass_pages` (
	`platform_id` text NOT NULL,
	`revision` integer NOT NULL,
	`page` integer NOT NULL,
	`from_rack` text NOT NULL,
	`until` text,
	`done_at` integer,
	PRIMARY KEY(`platform_id`, `revision`, `page`),
	FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `mip_answers` (
	`customer_id` text NOT NULL,
	`scope` text NOT NULL,
	`body` text NOT NULL,
	`generation` integer NOT NULL,
	`keys` text NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `scope`),
	FOREIGN KEY (`customer_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `compat_platforms` ADD `pass_revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `compat_platforms` ADD `pass_started_at` integer;--> statement-breakpoint
ALTER TABLE `compat_platforms` ADD `pages_total` integer DEFAULT 0 NOT NULL;