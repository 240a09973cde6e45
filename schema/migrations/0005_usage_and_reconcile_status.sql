CREATE TABLE `reconcile_runs` (
	`job` text PRIMARY KEY NOT NULL,
	`ran_at` integer NOT NULL,
	`ok` integer NOT NULL,
	`detail` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `usage_daily` (
	`principal_id` text NOT NULL,
	`day` text NOT NULL,
	`operation` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `day`, `operation`)
);
--> statement-breakpoint
CREATE INDEX `usage_daily_day_idx` ON `usage_daily` (`day`);