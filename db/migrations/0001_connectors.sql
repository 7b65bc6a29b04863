CREATE TABLE `branches` (
	`repository_id` text NOT NULL,
	`name` text NOT NULL,
	`head_sha` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`repository_id`, `name`),
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `ci_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`repository_id` text NOT NULL,
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`external_id` text NOT NULL,
	`attempt` integer DEFAULT 1 NOT NULL,
	`name` text NOT NULL,
	`branch` text,
	`head_sha` text NOT NULL,
	`status` text NOT NULL,
	`conclusion` text,
	`started_at` integer,
	`completed_at` integer,
	`url` text,
	`source_updated_at` integer NOT NULL,
	`source_delivery_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ci_runs_identity_unique` ON `ci_runs` (`repository_id`,`provider`,`external_id`,`attempt`);--> statement-breakpoint
CREATE INDEX `ci_runs_sequence_idx` ON `ci_runs` (`repository_id`,`branch`,`name`);--> statement-breakpoint
CREATE INDEX `ci_runs_sha_idx` ON `ci_runs` (`repository_id`,`head_sha`);--> statement-breakpoint
CREATE TABLE `commit_files` (
	`repository_id` text NOT NULL,
	`sha` text NOT NULL,
	`path` text NOT NULL,
	`additions` integer,
	`deletions` integer,
	PRIMARY KEY(`repository_id`, `sha`, `path`)
);
--> statement-breakpoint
CREATE INDEX `commit_files_path_idx` ON `commit_files` (`repository_id`,`path`);--> statement-breakpoint
CREATE TABLE `commit_parents` (
	`repository_id` text NOT NULL,
	`sha` text NOT NULL,
	`parent_sha` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`repository_id`, `sha`, `position`)
);
--> statement-breakpoint
CREATE INDEX `commit_parents_parent_idx` ON `commit_parents` (`repository_id`,`parent_sha`);--> statement-breakpoint
CREATE TABLE `commits` (
	`repository_id` text NOT NULL,
	`sha` text NOT NULL,
	`author_name` text NOT NULL,
	`author_email` text NOT NULL,
	`authored_at` integer NOT NULL,
	`committer_name` text NOT NULL,
	`committer_email` text NOT NULL,
	`committed_at` integer NOT NULL,
	`subject` text NOT NULL,
	`body` text DEFAULT '' NOT NULL,
	`additions` integer DEFAULT 0 NOT NULL,
	`deletions` integer DEFAULT 0 NOT NULL,
	`files_changed` integer DEFAULT 0 NOT NULL,
	`url` text,
	PRIMARY KEY(`repository_id`, `sha`),
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `commits_time_idx` ON `commits` (`repository_id`,`committed_at`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider` text NOT NULL,
	`delivery_id` text NOT NULL,
	`repository_id` text NOT NULL,
	`event` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`leased_until` integer,
	`last_error` text,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_provider_delivery_unique` ON `deliveries` (`provider`,`delivery_id`);--> statement-breakpoint
CREATE INDEX `deliveries_queue_idx` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `deliveries_repository_idx` ON `deliveries` (`repository_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`at` integer NOT NULL,
	`repository_id` text NOT NULL,
	`branch` text,
	`sha` text,
	`title` text NOT NULL,
	`link` text,
	`ref_id` text,
	`source_delivery_id` integer,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `events_repository_time_idx` ON `events` (`repository_id`,`at`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_ref_unique` ON `events` (`kind`,`repository_id`,`ref_id`);--> statement-breakpoint
CREATE TABLE `git_imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`repository_id` text NOT NULL,
	`status` text NOT NULL,
	`total` integer,
	`done` integer DEFAULT 0 NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`error` text,
	`requested_by` text,
	`created_at` integer NOT NULL,
	`leased_until` integer,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `git_imports_repository_idx` ON `git_imports` (`repository_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `git_imports_one_active` ON `git_imports` (`repository_id`) WHERE status in ('queued', 'running');--> statement-breakpoint
CREATE TABLE `repositories` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`provider` text NOT NULL,
	`external_name` text,
	`default_branch` text DEFAULT 'main' NOT NULL,
	`git_path` text,
	`webhook_secret` text,
	`previous_webhook_secret` text,
	`previous_secret_expires_at` integer,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `repositories_name_unique` ON `repositories` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `repositories_external_unique` ON `repositories` (`provider`,`external_name`);--> statement-breakpoint
CREATE TABLE `test_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ci_run_id` integer NOT NULL,
	`suite` text NOT NULL,
	`classname` text,
	`name` text NOT NULL,
	`file` text,
	`duration_ms` integer,
	`status` text NOT NULL,
	`failure_message` text,
	FOREIGN KEY (`ci_run_id`) REFERENCES `ci_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `test_results_run_idx` ON `test_results` (`ci_run_id`);--> statement-breakpoint
CREATE INDEX `test_results_name_idx` ON `test_results` (`suite`,`name`);