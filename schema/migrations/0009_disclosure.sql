CREATE TABLE `disclosure_released` (
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`record` text NOT NULL,
	`members` integer NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`kind`, `key`)
);
