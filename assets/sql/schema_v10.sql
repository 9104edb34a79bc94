-- Each group's members including its subgroups (each user once), kept like its direct
-- members (schema_v6.sql) so that the Groups pane opens without counting. The triggers
-- that keep it (derived_triggers.sql) find a group's ancestors in `group_ancestors`,
-- since SQLite allows no recursive query inside a trigger: one row per group and each
-- group above it, itself included. Both are derived from groups and memberships, and
-- rebuilt from them after a bulk load (subtree_counts.rs).
ALTER TABLE groups ADD COLUMN subtree_member_count INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS group_ancestors (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    ancestor_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, ancestor_id)
) WITHOUT ROWID;
