-- Search per investigation: one FTS row per investigation (rowid = id * 2) holding its title, and its
-- description followed by its live notes. A search for several words then finds investigations with
-- every word somewhere in them in one FTS query, and a hit names its investigation by rowid alone
-- (no lookup of a note or of the FTS content table for every hit). Notes refresh their
-- investigation's row; an investigation has few notes, so rebuilding its text is cheap.
DROP TRIGGER `investigations_fts_insert`;
--> statement-breakpoint
DROP TRIGGER `investigations_fts_update`;
--> statement-breakpoint
DROP TRIGGER `investigations_fts_delete`;
--> statement-breakpoint
DROP TRIGGER `investigation_notes_fts_insert`;
--> statement-breakpoint
DROP TRIGGER `investigation_notes_fts_update`;
--> statement-breakpoint
DROP TRIGGER `investigation_notes_fts_delete`;
--> statement-breakpoint
DELETE FROM `investigations_fts`;
--> statement-breakpoint
INSERT INTO `investigations_fts` (rowid, title, body, investigation_id)
  SELECT i.id * 2, i.title, i.description || coalesce(char(10) || (
    SELECT group_concat(n.body, char(10)) FROM `investigation_notes` n WHERE n.investigation_id = i.id AND n.deleted_at IS NULL), ''), i.id
  FROM `investigations` i;
--> statement-breakpoint
CREATE TRIGGER `investigations_fts_insert` AFTER INSERT ON `investigations` BEGIN
  INSERT INTO `investigations_fts` (rowid, title, body, investigation_id) VALUES (new.id * 2, new.title, new.description, new.id);
END;
--> statement-breakpoint
CREATE TRIGGER `investigations_fts_update` AFTER UPDATE OF title, description ON `investigations` BEGIN
  DELETE FROM `investigations_fts` WHERE rowid = old.id * 2;
  INSERT INTO `investigations_fts` (rowid, title, body, investigation_id)
    SELECT new.id * 2, new.title, new.description || coalesce(char(10) || (
      SELECT group_concat(n.body, char(10)) FROM `investigation_notes` n WHERE n.investigation_id = new.id AND n.deleted_at IS NULL), ''), new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `investigations_fts_delete` AFTER DELETE ON `investigations` BEGIN
  DELETE FROM `investigations_fts` WHERE rowid = old.id * 2;
END;
--> statement-breakpoint
CREATE TRIGGER `investigation_notes_fts_insert` AFTER INSERT ON `investigation_notes` WHEN new.deleted_at IS NULL BEGIN
  DELETE FROM `investigations_fts` WHERE rowid = new.investigation_id * 2;
  INSERT INTO `investigations_fts` (rowid, title, body, investigation_id)
    SELECT i.id * 2, i.title, i.description || coalesce(char(10) || (
      SELECT group_concat(n.body, char(10)) FROM `investigation_notes` n WHERE n.investigation_id = i.id AND n.deleted_at IS NULL), ''), i.id
    FROM `investigations` i WHERE i.id = new.investigation_id;
END;
--> statement-breakpoint
CREATE TRIGGER `investigation_notes_fts_update` AFTER UPDATE OF body, deleted_at ON `investigation_notes` BEGIN
  DELETE FROM `investigations_fts` WHERE rowid = new.investigation_id * 2;
  INSERT INTO `investigations_fts` (rowid, title, body, investigation_id)
    SELECT i.id * 2, i.title, i.description || coalesce(char(10) || (
      SELECT group_concat(n.body, char(10)) FROM `investigation_notes` n WHERE n.investigation_id = i.id AND n.deleted_at IS NULL), ''), i.id
    FROM `investigations` i WHERE i.id = new.investigation_id;
END;
--> statement-breakpoint
CREATE TRIGGER `investigation_notes_fts_delete` AFTER DELETE ON `investigation_notes` BEGIN
  DELETE FROM `investigations_fts` WHERE rowid = old.investigation_id * 2;
  INSERT INTO `investigations_fts` (rowid, title, body, investigation_id)
    SELECT i.id * 2, i.title, i.description || coalesce(char(10) || (
      SELECT group_concat(n.body, char(10)) FROM `investigation_notes` n WHERE n.investigation_id = i.id AND n.deleted_at IS NULL), ''), i.id
    FROM `investigations` i WHERE i.id = old.investigation_id;
END;
