CREATE TABLE `episode_commits` (
	`episode_id` integer NOT NULL,
	`sha` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`episode_id`, `sha`),
	FOREIGN KEY (`episode_id`) REFERENCES `episodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `episode_file_authors` (
	`episode_id` integer NOT NULL,
	`repository_id` text NOT NULL,
	`author_email` text NOT NULL,
	`path` text NOT NULL,
	`sha` text NOT NULL,
	`opened_at` integer NOT NULL,
	PRIMARY KEY(`episode_id`, `sha`, `path`),
	FOREIGN KEY (`episode_id`) REFERENCES `episodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `episode_file_authors_pair_idx` ON `episode_file_authors` (`repository_id`,`path`,`author_email`,`opened_at`);--> statement-breakpoint
CREATE TABLE `episodes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`repository_id` text NOT NULL,
	`sequence_id` integer NOT NULL,
	`branch` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`likely_flaky` integer DEFAULT false NOT NULL,
	`first_red_sha` text NOT NULL,
	`first_red_run_id` integer NOT NULL,
	`base` text NOT NULL,
	`last_green_sha` text,
	`last_green_run_id` integer,
	`closing_sha` text,
	`closing_run_id` integer,
	`red_commits` integer NOT NULL,
	`range_size` integer NOT NULL,
	`range_truncated` integer DEFAULT false NOT NULL,
	`range_incomplete` integer DEFAULT false NOT NULL,
	`opened_at` integer NOT NULL,
	`closed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`sequence_id`) REFERENCES `linker_sequences`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`first_red_run_id`) REFERENCES `ci_runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`last_green_run_id`) REFERENCES `ci_runs`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`closing_run_id`) REFERENCES `ci_runs`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `episodes_sequence_idx` ON `episodes` (`sequence_id`,`first_red_sha`);--> statement-breakpoint
CREATE INDEX `episodes_status_idx` ON `episodes` (`status`,`opened_at`);--> statement-breakpoint
CREATE INDEX `episodes_repository_idx` ON `episodes` (`repository_id`,`branch`);--> statement-breakpoint
CREATE INDEX `episodes_borrowing_idx` ON `episodes` (`repository_id`,`name`) WHERE base != 'sequence';--> statement-breakpoint
CREATE TABLE `flaky_tests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`repository_id` text NOT NULL,
	`test_key` text NOT NULL,
	`scope` text NOT NULL,
	`name` text NOT NULL,
	`file` text,
	`first_flaky_at` integer NOT NULL,
	`last_flaky_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `flaky_tests_key_unique` ON `flaky_tests` (`repository_id`,`test_key`);--> statement-breakpoint
CREATE INDEX `flaky_tests_last_idx` ON `flaky_tests` (`last_flaky_at`);--> statement-breakpoint
CREATE TABLE `linker_queue` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`repository_id` text NOT NULL,
	`ref` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `linker_queue_repository_idx` ON `linker_queue` (`repository_id`);--> statement-breakpoint
CREATE TABLE `linker_sequences` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`repository_id` text NOT NULL,
	`branch` text NOT NULL,
	`name` text NOT NULL,
	`state` text DEFAULT 'unknown' NOT NULL,
	`head_sha` text,
	`head_run_id` integer,
	`last_green_sha` text,
	`last_green_run_id` integer,
	`open_episode_id` integer,
	`commit_count` integer DEFAULT 0 NOT NULL,
	`pending_runs` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `linker_sequences_key_unique` ON `linker_sequences` (`repository_id`,`branch`,`name`);--> statement-breakpoint
CREATE INDEX `linker_sequences_state_idx` ON `linker_sequences` (`state`);--> statement-breakpoint
CREATE TABLE `linker_state` (
	`key` text PRIMARY KEY NOT NULL,
	`int_value` integer,
	`text_value` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`repository_id` text NOT NULL,
	`from_kind` text NOT NULL,
	`from_ref` text NOT NULL,
	`to_kind` text DEFAULT 'commit' NOT NULL,
	`to_ref` text NOT NULL,
	`rule` text NOT NULL,
	`confidence` real NOT NULL,
	`status` text DEFAULT 'suggested' NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `links_edge_unique` ON `links` (`from_kind`,`from_ref`,`to_kind`,`to_ref`);--> statement-breakpoint
CREATE INDEX `links_to_idx` ON `links` (`repository_id`,`from_kind`,`to_ref`);--> statement-breakpoint
CREATE INDEX `links_rejected_idx` ON `links` (`repository_id`,`from_kind`) WHERE status = 'rejected';--> statement-breakpoint
CREATE TABLE `suspects` (
	`episode_id` integer NOT NULL,
	`sha` text NOT NULL,
	`score` real NOT NULL,
	`reasons` text NOT NULL,
	`in_range` integer DEFAULT true NOT NULL,
	`status` text DEFAULT 'suggested' NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`episode_id`, `sha`),
	FOREIGN KEY (`episode_id`) REFERENCES `episodes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `test_outcomes` (
	`repository_id` text NOT NULL,
	`test_key` text NOT NULL,
	`sha` text NOT NULL,
	`passed` integer NOT NULL,
	`failed` integer NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`repository_id`, `test_key`, `sha`),
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `test_outcomes_time_idx` ON `test_outcomes` (`repository_id`,`test_key`,`last_at`);