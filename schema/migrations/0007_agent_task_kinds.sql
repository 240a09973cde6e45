ALTER TABLE `migration_tasks` ADD `kind` text DEFAULT 'deploy_platform_modules' NOT NULL;--> statement-breakpoint
ALTER TABLE `migration_tasks` ADD `last_error` text;