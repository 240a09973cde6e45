CREATE TABLE `platforms` (
	`id` text PRIMARY KEY NOT NULL,
	`provider_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`service_profile` text NOT NULL,
	`requirements` text NOT NULL,
	`modules` text NOT NULL,
	`upstream_url` text NOT NULL,
	`auto_accept` integer NOT NULL,
	`revision` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`provider_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `platforms_provider_name_idx` ON `platforms` (`provider_id`,`name`);--> statement-breakpoint
CREATE INDEX `platforms_provider_idx` ON `platforms` (`provider_id`);--> statement-breakpoint
CREATE TABLE `placements` (
	`customer_id` text NOT NULL,
	`server_id` text NOT NULL,
	`platform_id` text NOT NULL,
	`storage_address` text NOT NULL,
	`cores` integer NOT NULL,
	`memory_gib` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `server_id`),
	FOREIGN KEY (`customer_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `placements_server_idx` ON `placements` (`server_id`);--> statement-breakpoint
CREATE INDEX `placements_platform_idx` ON `placements` (`platform_id`);--> statement-breakpoint
CREATE TABLE `racks` (
	`id` text PRIMARY KEY NOT NULL,
	`row_id` text NOT NULL,
	`name` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`row_id`) REFERENCES `rows`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `racks_row_idx` ON `racks` (`row_id`);--> statement-breakpoint
CREATE TABLE `rows` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`name` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rows_site_idx` ON `rows` (`site_id`);--> statement-breakpoint
CREATE TABLE `servers` (
	`id` text PRIMARY KEY NOT NULL,
	`rack_id` text NOT NULL,
	`serial` text NOT NULL,
	`mac` text NOT NULL,
	`dom0_ip` text NOT NULL,
	`internal_ip` text NOT NULL,
	`cpu_arch` text NOT NULL,
	`cpu_vendor` text NOT NULL,
	`cpu_model` text NOT NULL,
	`cores` integer NOT NULL,
	`memory_gib` integer NOT NULL,
	`storage_kind` text NOT NULL,
	`storage_gib` integer NOT NULL,
	`gpus` integer NOT NULL,
	`hypervisor` text NOT NULL,
	`traits` text NOT NULL,
	`certifications` text NOT NULL,
	`private_network_id` text,
	`cores_allocated` integer NOT NULL,
	`memory_allocated_gib` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`rack_id`) REFERENCES `racks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `servers_serial_unique` ON `servers` (`serial`);--> statement-breakpoint
CREATE UNIQUE INDEX `servers_mac_unique` ON `servers` (`mac`);--> statement-breakpoint
CREATE UNIQUE INDEX `servers_dom0_ip_unique` ON `servers` (`dom0_ip`);--> statement-breakpoint
CREATE INDEX `servers_rack_idx` ON `servers` (`rack_id`,`id`);--> statement-breakpoint
CREATE INDEX `servers_internal_ip_idx` ON `servers` (`internal_ip`);--> statement-breakpoint
CREATE TABLE `sites` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`region` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`principal_id` text NOT NULL,
	`hash` text NOT NULL,
	`hint` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`principal_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_unique` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_principal_idx` ON `api_keys` (`principal_id`);--> statement-breakpoint
CREATE TABLE `principals` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`organisation` text NOT NULL,
	`service_level` text DEFAULT 'standard' NOT NULL,
	`server_id` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `principals_kind_idx` ON `principals` (`kind`,`id`);--> statement-breakpoint
CREATE TABLE `provider_settings` (
	`provider_id` text PRIMARY KEY NOT NULL,
	`webhook_url` text,
	`webhook_secret_enc` text NOT NULL,
	`previous_secret_enc` text,
	`previous_secret_expires_at` integer,
	`webhook_disabled_at` integer,
	FOREIGN KEY (`provider_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action
);
