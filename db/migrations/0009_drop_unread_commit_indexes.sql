DROP INDEX `commit_files_path_idx`;--> statement-breakpoint
DROP INDEX `commit_parents_parent_idx`;