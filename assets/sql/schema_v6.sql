-- Each group's direct members, kept by triggers on memberships (derived_triggers.sql)
-- so that the Groups pane opens without counting; the store fills it for existing
-- groups right after this migration. And a version, bumped by every change of the
-- group itself (its name, its parent): an edit or delete based on an older version is
-- refused, as for users, so two administrators never overwrite each other unseen.
ALTER TABLE groups ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
