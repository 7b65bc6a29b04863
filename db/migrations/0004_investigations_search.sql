-- Full-text search over investigation titles, descriptions and notes (SQLite FTS5).
-- rowid = investigation id * 2 for an investigation's title and description, note id * 2 + 1 for a
-- note, so that the triggers below touch rows by rowid and never scan.
CREATE VIRTUAL TABLE `investigations_fts` USING fts5(title, body, investigation_id UNINDEXED, tokenize = 'porter unicode61');
--> statement-breakpoint
CREATE TRIGGER `investigations_fts_insert` AFTER INSERT ON `investigations` BEGIN
  INSERT INTO `investigations_fts` (rowid, title, body, investigation_id) VALUES (new.id * 2, new.title, new.description, new.id);
END;
--> statement-breakpoint
CREATE TRIGGER `investigations_fts_update` AFTER UPDATE OF title, description ON `investigations` BEGIN
  DELETE FROM `investigations_fts` WHERE rowid = old.id * 2;
  INSERT INTO `investigations_fts` (rowid, title, body, investigation_id) VALUES (new.id * 2, new.title, new.description, new.id);
END;
--> statement-breakpoint
CREATE TRIGGER `investigations_fts_delete` AFTER DELETE ON `investigations` BEGIN
  DELETE FROM `investigations_fts` WHERE rowid = old.id * 2;
END;
--> statement-breakpoint
CREATE TRIGGER `investigation_notes_fts_insert` AFTER INSERT ON `investigation_notes` WHEN new.deleted_at IS NULL BEGIN
  INSERT INTO `investigations_fts` (rowid, title, body, investigation_id) VALUES (new.id * 2 + 1, '', new.body, new.investigation_id);
END;
--> statement-breakpoint
CREATE TRIGGER `investigation_notes_fts_update` AFTER UPDATE OF body, deleted_at ON `investigation_notes` BEGIN
  DELETE FROM `investigations_fts` WHERE rowid = old.id * 2 + 1;
  INSERT INTO `investigations_fts` (rowid, title, body, investigation_id)
    SELECT new.id * 2 + 1, '', new.body, new.investigation_id WHERE new.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `investigation_notes_fts_delete` AFTER DELETE ON `investigation_notes` BEGIN
  DELETE FROM `investigations_fts` WHERE rowid = old.id * 2 + 1;
END;
