-- Triggers that keep counters, tag-key usage and the search index current. The
-- search index gets each haystack with two line feeds after it (schema_v4.sql):
-- what is deleted from it must be exactly what was inserted.
-- Like the indexes, they are dropped during bulk loads and recreated after.

CREATE TRIGGER IF NOT EXISTS memberships_added AFTER INSERT ON memberships BEGIN
    UPDATE users SET group_count = group_count + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER IF NOT EXISTS memberships_removed AFTER DELETE ON memberships BEGIN
    UPDATE users SET group_count = group_count - 1 WHERE id = OLD.user_id;
END;

-- Each group's direct member count (schema_v6.sql).
CREATE TRIGGER IF NOT EXISTS group_members_added AFTER INSERT ON memberships BEGIN
    UPDATE groups SET member_count = member_count + 1 WHERE id = NEW.group_id;
END;
CREATE TRIGGER IF NOT EXISTS group_members_removed AFTER DELETE ON memberships BEGIN
    UPDATE groups SET member_count = member_count - 1 WHERE id = OLD.group_id;
END;

-- Each group's members including its subgroups (schema_v10.sql): a membership counts
-- in its group and each group above, unless the user has another membership below
-- that group already (when added) or still (when removed).
CREATE TRIGGER IF NOT EXISTS subtree_members_added AFTER INSERT ON memberships BEGIN
    UPDATE groups SET subtree_member_count = subtree_member_count + 1
    WHERE id IN (SELECT ancestor_id FROM group_ancestors WHERE group_id = NEW.group_id)
      AND NOT EXISTS (
          SELECT 1 FROM memberships o JOIN group_ancestors a ON a.group_id = o.group_id
          WHERE o.user_id = NEW.user_id AND o.group_id != NEW.group_id
            AND a.ancestor_id = groups.id);
END;
CREATE TRIGGER IF NOT EXISTS subtree_members_removed AFTER DELETE ON memberships BEGIN
    UPDATE groups SET subtree_member_count = subtree_member_count - 1
    WHERE id IN (SELECT ancestor_id FROM group_ancestors WHERE group_id = OLD.group_id)
      AND NOT EXISTS (
          SELECT 1 FROM memberships o JOIN group_ancestors a ON a.group_id = o.group_id
          WHERE o.user_id = OLD.user_id AND a.ancestor_id = groups.id);
END;
-- A new group has no members; it is its own ancestor, then its parent's ancestors are.
CREATE TRIGGER IF NOT EXISTS groups_placed AFTER INSERT ON groups BEGIN
    INSERT INTO group_ancestors (group_id, ancestor_id)
    SELECT NEW.id, NEW.id
    UNION ALL
    SELECT NEW.id, ancestor_id FROM group_ancestors WHERE group_id = NEW.parent_id;
END;
-- A group moving takes its subtree along: the subtree's ties to the groups above the
-- old parent go, ties to those above the new parent come. Then each group above only
-- one of the two parents counts the subtree's members that have no other membership
-- below it: one less above the old parent, one more above the new. A deleted group's
-- ties go with it (ON DELETE CASCADE).
CREATE TRIGGER IF NOT EXISTS groups_moved AFTER UPDATE OF parent_id ON groups
WHEN OLD.parent_id IS NOT NEW.parent_id BEGIN
    DELETE FROM group_ancestors
    WHERE group_id IN (SELECT group_id FROM group_ancestors WHERE ancestor_id = NEW.id)
      AND ancestor_id IN (SELECT ancestor_id FROM group_ancestors WHERE group_id = OLD.parent_id);
    INSERT INTO group_ancestors (group_id, ancestor_id)
    SELECT below.group_id, above.ancestor_id
    FROM group_ancestors below, group_ancestors above
    WHERE below.ancestor_id = NEW.id AND above.group_id = NEW.parent_id;
    UPDATE groups SET subtree_member_count = subtree_member_count
        + (CASE WHEN id IN (SELECT ancestor_id FROM group_ancestors WHERE group_id = NEW.parent_id)
           THEN 1 ELSE -1 END)
        * (SELECT count(*) FROM (
               SELECT DISTINCT m.user_id FROM memberships m
               JOIN group_ancestors s ON s.group_id = m.group_id WHERE s.ancestor_id = NEW.id
           ) AS moved
           WHERE NOT EXISTS (
               SELECT 1 FROM memberships o JOIN group_ancestors a ON a.group_id = o.group_id
               WHERE o.user_id = moved.user_id AND a.ancestor_id = groups.id
                 AND o.group_id NOT IN
                     (SELECT group_id FROM group_ancestors WHERE ancestor_id = NEW.id)))
    WHERE (id IN (SELECT ancestor_id FROM group_ancestors WHERE group_id = NEW.parent_id))
       != (id IN (SELECT ancestor_id FROM group_ancestors WHERE group_id = OLD.parent_id));
END;

CREATE TRIGGER IF NOT EXISTS users_added AFTER INSERT ON users BEGIN
    UPDATE applications SET user_count = user_count + 1,
        grouped_count = grouped_count + (NEW.group_count > 0)
    WHERE id = NEW.app_id;
END;
-- An import drops this one while it writes and indexes its new users in one
-- statement at the end (migrations.rs, `pause_indexing`).
CREATE TRIGGER IF NOT EXISTS users_indexed AFTER INSERT ON users BEGIN
    INSERT INTO users_fts(rowid, search) VALUES (NEW.id, NEW.search || char(10, 10));
END;
CREATE TRIGGER IF NOT EXISTS users_removed AFTER DELETE ON users BEGIN
    UPDATE applications SET user_count = user_count - 1,
        grouped_count = grouped_count - (OLD.group_count > 0)
    WHERE id = OLD.app_id;
    INSERT INTO users_fts(users_fts, rowid, search) VALUES ('delete', OLD.id, OLD.search || char(10, 10));
END;
CREATE TRIGGER IF NOT EXISTS users_grouping AFTER UPDATE OF group_count ON users
WHEN (OLD.group_count > 0) != (NEW.group_count > 0) BEGIN
    UPDATE applications SET grouped_count = grouped_count + (NEW.group_count > 0) - (OLD.group_count > 0)
    WHERE id = NEW.app_id;
END;
CREATE TRIGGER IF NOT EXISTS users_search AFTER UPDATE OF search ON users BEGIN
    INSERT INTO users_fts(users_fts, rowid, search) VALUES ('delete', OLD.id, OLD.search || char(10, 10));
    INSERT INTO users_fts(rowid, search) VALUES (NEW.id, NEW.search || char(10, 10));
END;

CREATE TRIGGER IF NOT EXISTS user_tags_added AFTER INSERT ON user_tags BEGIN
    INSERT INTO tag_keys (app_id, key, users)
    SELECT app_id, NEW.key, 1 FROM users WHERE id = NEW.user_id
    ON CONFLICT (app_id, key) DO UPDATE SET users = users + 1;
END;
CREATE TRIGGER IF NOT EXISTS user_tags_removed AFTER DELETE ON user_tags BEGIN
    UPDATE tag_keys SET users = users - 1
    WHERE key = OLD.key AND app_id = (SELECT app_id FROM users WHERE id = OLD.user_id);
    DELETE FROM tag_keys WHERE key = OLD.key AND users <= 0;
END;

-- The audit log is append-only: entries change never, and go only below the horizon
-- that `audit prune` (the one way to remove them) moves forward first.
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed');
END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
WHEN OLD.seq >= coalesce((SELECT first_kept FROM audit_horizon), 0) BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: only audit prune removes entries');
END;
CREATE TRIGGER IF NOT EXISTS audit_horizon_kept BEFORE DELETE ON audit_horizon BEGIN
    SELECT RAISE(ABORT, 'the audit log horizon cannot be removed');
END;
CREATE TRIGGER IF NOT EXISTS audit_horizon_forward BEFORE UPDATE ON audit_horizon
WHEN NEW.first_kept < OLD.first_kept BEGIN
    SELECT RAISE(ABORT, 'the audit log horizon only moves forward');
END;
