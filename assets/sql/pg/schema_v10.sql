-- Each group's members including its subgroups (each user once), kept like its direct
-- members so that the Groups pane opens without counting (SQLite's schema_v10.sql and
-- derived_triggers.sql). `group_ancestors` holds one row per group and each group
-- above it, itself included, as on SQLite, so that both backends keep the same tables.

ALTER TABLE groups ADD COLUMN subtree_member_count bigint NOT NULL DEFAULT 0;
CREATE TABLE group_ancestors (
    group_id bigint NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    ancestor_id bigint NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, ancestor_id)
);
-- The groups below a group, itself included.
CREATE INDEX group_ancestors_below ON group_ancestors (ancestor_id, group_id);

-- A database of version 9 has its groups and members already: both are filled once.
INSERT INTO group_ancestors (group_id, ancestor_id)
WITH RECURSIVE up(group_id, ancestor_id) AS (
    SELECT id, id FROM groups
    UNION
    SELECT up.group_id, g.parent_id FROM up JOIN groups g ON g.id = up.ancestor_id
    WHERE g.parent_id IS NOT NULL
)
SELECT group_id, ancestor_id FROM up;
UPDATE groups SET subtree_member_count = (
    SELECT count(DISTINCT m.user_id) FROM memberships m
    JOIN group_ancestors a ON a.group_id = m.group_id WHERE a.ancestor_id = groups.id);

-- A membership counts in its group and each group above, unless the user has another
-- membership below that group already (when added) or still (when removed). BEFORE
-- row triggers: each sees the rows its statement changed before it and not its own,
-- so that a statement adding or removing several of one user's memberships counts
-- them one after another, as SQLite's row triggers do (an AFTER row trigger would see
-- every row of the statement changed).
CREATE FUNCTION subtree_members_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE groups SET subtree_member_count = subtree_member_count + 1
    WHERE id IN (SELECT ancestor_id FROM group_ancestors WHERE group_id = NEW.group_id)
      AND NOT EXISTS (
          SELECT 1 FROM memberships o JOIN group_ancestors a ON a.group_id = o.group_id
          WHERE o.user_id = NEW.user_id AND o.group_id <> NEW.group_id
            AND a.ancestor_id = groups.id);
    RETURN NEW;
END $$;
CREATE TRIGGER subtree_members_added BEFORE INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION subtree_members_added();

CREATE FUNCTION subtree_members_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE groups SET subtree_member_count = subtree_member_count - 1
    WHERE id IN (SELECT ancestor_id FROM group_ancestors WHERE group_id = OLD.group_id)
      AND NOT EXISTS (
          SELECT 1 FROM memberships o JOIN group_ancestors a ON a.group_id = o.group_id
          WHERE o.user_id = OLD.user_id AND o.group_id <> OLD.group_id
            AND a.ancestor_id = groups.id);
    RETURN OLD;
END $$;
CREATE TRIGGER subtree_members_removed BEFORE DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION subtree_members_removed();

-- A new group has no members; it is its own ancestor, then its parent's ancestors are.
CREATE FUNCTION groups_placed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO group_ancestors (group_id, ancestor_id)
    SELECT NEW.id, NEW.id
    UNION ALL
    SELECT NEW.id, ancestor_id FROM group_ancestors WHERE group_id = NEW.parent_id;
    RETURN NULL;
END $$;
CREATE TRIGGER groups_placed AFTER INSERT ON groups
    FOR EACH ROW EXECUTE FUNCTION groups_placed();

-- A group moving takes its subtree along: the subtree's ties to the groups above the
-- old parent go, ties to those above the new parent come. Then each group above only
-- one of the two parents counts the subtree's members that have no other membership
-- below it: one less above the old parent, one more above the new. A deleted group's
-- ties go with it (ON DELETE CASCADE).
CREATE FUNCTION groups_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
       <> (id IN (SELECT ancestor_id FROM group_ancestors WHERE group_id = OLD.parent_id));
    RETURN NULL;
END $$;
CREATE TRIGGER groups_moved AFTER UPDATE OF parent_id ON groups
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION groups_moved();
