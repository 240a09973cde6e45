CREATE TABLE `idempotency_keys` (
	`caller_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`state` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`locked_until` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`caller_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expiry_idx` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
CREATE TABLE `migration_tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`migration_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`server_id` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `migration_tasks_server_idx` ON `migration_tasks` (`server_id`,`state`);--> statement-breakpoint
CREATE INDEX `migration_tasks_migration_idx` ON `migration_tasks` (`migration_id`);--> statement-breakpoint
CREATE TABLE `migrations` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`source_platform_id` text NOT NULL,
	`source_provider_id` text NOT NULL,
	`target_platform_id` text NOT NULL,
	`target_provider_id` text NOT NULL,
	`scope` text NOT NULL,
	`initiator_id` text NOT NULL,
	`initiator_kind` text NOT NULL,
	`state` text NOT NULL,
	`segments_done` integer NOT NULL,
	`segments_total` integer,
	`history` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_progress_at` integer NOT NULL,
	`stalled_at` integer,
	`version` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `migrations_customer_idx` ON `migrations` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `migrations_source_provider_idx` ON `migrations` (`source_provider_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `migrations_target_provider_idx` ON `migrations` (`target_provider_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `migrations_state_idx` ON `migrations` (`state`,`last_progress_at`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`provider_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`migration_id` text,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_status` integer,
	`last_error` text,
	`next_attempt_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_provider_idx` ON `webhook_deliveries` (`provider_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due_idx` ON `webhook_deliveries` (`state`,`next_attempt_at`);