CREATE TABLE `compat_flips` (
	`customer_id` text NOT NULL,
	`platform_id` text NOT NULL,
	`server_id` text NOT NULL,
	`site_id` text NOT NULL,
	`relation` text NOT NULL,
	`revision` integer NOT NULL,
	`failed` text NOT NULL,
	`detected_at` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `platform_id`, `server_id`),
	FOREIGN KEY (`customer_id`) REFERENCES `principals`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`platform_id`) REFERENCES `platforms`(`id`) ON UPDATE no action ON DELETE no action
);
