-- Version 11: three changes, one version (they were made side by side).
--
-- 1. Count-keeping triggers become statement-level.
-- The triggers that keep counts become statement-level: each sees the rows its
-- statement changed in a transition table and updates each counter once, where the
-- row triggers of schema_v9.sql and schema_v10.sql updated the same group's and
-- application's row again for each row (a bulk action over 10,000 users: 10–28 s).
-- The names stay; users_grouping goes (the membership triggers keep grouped_count,
-- which only they change), and so do the BEFORE row triggers of subtree counts.

DROP TRIGGER memberships_added ON memberships;
DROP TRIGGER memberships_removed ON memberships;
DROP TRIGGER subtree_members_added ON memberships;
DROP TRIGGER subtree_members_removed ON memberships;
DROP TRIGGER users_added ON users;
DROP TRIGGER users_removed ON users;
DROP TRIGGER users_grouping ON users;
DROP TRIGGER user_tags_added ON user_tags;
DROP TRIGGER user_tags_removed ON user_tags;
DROP FUNCTION memberships_added(), memberships_removed(), subtree_members_added(),
    subtree_members_removed(), users_added(), users_removed(), users_grouping(),
    user_tags_added(), user_tags_removed();

-- New memberships (`added`): each group counts its new members; each group above a
-- new membership (itself included) counts each user whose memberships below it are
-- all new; each user counts its new groups, and its application a user whose count
-- was 0.
CREATE FUNCTION memberships_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE groups g SET subtree_member_count = g.subtree_member_count + s.n
    FROM (SELECT ancestor_id, count(*) AS n
          FROM (SELECT m.user_id, a.ancestor_id
                FROM memberships m
                JOIN group_ancestors a ON a.group_id = m.group_id
                LEFT JOIN added x ON x.user_id = m.user_id AND x.group_id = m.group_id
                WHERE m.user_id IN (SELECT user_id FROM added)
                GROUP BY m.user_id, a.ancestor_id
                HAVING bool_and(x.user_id IS NOT NULL)) AS newly_below
          GROUP BY ancestor_id) s
    WHERE g.id = s.ancestor_id;
    UPDATE groups g SET member_count = g.member_count + s.n
    FROM (SELECT group_id, count(*) AS n FROM added GROUP BY group_id) s
    WHERE g.id = s.group_id;
    WITH counted AS (
        UPDATE users u SET group_count = u.group_count + s.n
        FROM (SELECT user_id, count(*) AS n FROM added GROUP BY user_id) s
        WHERE u.id = s.user_id
        RETURNING u.app_id, u.group_count - s.n AS before
    )
    UPDATE applications a SET grouped_count = a.grouped_count + c.n
    FROM (SELECT app_id, count(*) AS n FROM counted WHERE before = 0 GROUP BY app_id) c
    WHERE a.id = c.app_id;
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_added AFTER INSERT ON memberships
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION memberships_added();

-- Removed memberships (`removed`), the other way round: each group above one no
-- longer counts a user with no membership left below it.
CREATE FUNCTION memberships_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE groups g SET subtree_member_count = g.subtree_member_count - s.n
    FROM (SELECT a.ancestor_id, count(DISTINCT r.user_id) AS n
          FROM removed r JOIN group_ancestors a ON a.group_id = r.group_id
          WHERE NOT EXISTS (
              SELECT 1 FROM memberships m JOIN group_ancestors b ON b.group_id = m.group_id
              WHERE m.user_id = r.user_id AND b.ancestor_id = a.ancestor_id)
          GROUP BY a.ancestor_id) s
    WHERE g.id = s.ancestor_id;
    UPDATE groups g SET member_count = g.member_count - s.n
    FROM (SELECT group_id, count(*) AS n FROM removed GROUP BY group_id) s
    WHERE g.id = s.group_id;
    WITH counted AS (
        UPDATE users u SET group_count = u.group_count - s.n
        FROM (SELECT user_id, count(*) AS n FROM removed GROUP BY user_id) s
        WHERE u.id = s.user_id
        RETURNING u.app_id, u.group_count AS after
    )
    UPDATE applications a SET grouped_count = a.grouped_count - c.n
    FROM (SELECT app_id, count(*) AS n FROM counted WHERE after = 0 GROUP BY app_id) c
    WHERE a.id = c.app_id;
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_removed AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION memberships_removed();

CREATE FUNCTION users_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE applications a SET user_count = a.user_count + s.n,
                              grouped_count = a.grouped_count + s.grouped
    FROM (SELECT app_id, count(*) AS n, count(*) FILTER (WHERE group_count > 0) AS grouped
          FROM added GROUP BY app_id) s
    WHERE a.id = s.app_id;
    RETURN NULL;
END $$;
CREATE TRIGGER users_added AFTER INSERT ON users
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION users_added();

CREATE FUNCTION users_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE applications a SET user_count = a.user_count - s.n,
                              grouped_count = a.grouped_count - s.grouped
    FROM (SELECT app_id, count(*) AS n, count(*) FILTER (WHERE group_count > 0) AS grouped
          FROM removed GROUP BY app_id) s
    WHERE a.id = s.app_id;
    RETURN NULL;
END $$;
CREATE TRIGGER users_removed AFTER DELETE ON users
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION users_removed();

CREATE FUNCTION user_tags_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tag_keys (app_id, key, users)
    SELECT u.app_id, t.key, count(*) FROM added t JOIN users u ON u.id = t.user_id
    GROUP BY u.app_id, t.key
    ON CONFLICT (app_id, key) DO UPDATE SET users = tag_keys.users + excluded.users;
    RETURN NULL;
END $$;
CREATE TRIGGER user_tags_added AFTER INSERT ON user_tags
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION user_tags_added();

-- As on SQLite, the store deletes a user's tags before the user: a tag the cascade
-- removed would find no user to name its application.
CREATE FUNCTION user_tags_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tag_keys k SET users = k.users - s.n
    FROM (SELECT u.app_id, t.key, count(*) AS n FROM removed t JOIN users u ON u.id = t.user_id
          GROUP BY u.app_id, t.key) s
    WHERE k.app_id = s.app_id AND k.key = s.key;
    DELETE FROM tag_keys k USING (SELECT DISTINCT key FROM removed) r
    WHERE k.key = r.key AND k.users <= 0;
    RETURN NULL;
END $$;
CREATE TRIGGER user_tags_removed AFTER DELETE ON user_tags
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION user_tags_removed();

-- 2. Where a seed sets indexes aside.
-- A seed into an empty users table loads without the secondary indexes of the tables
-- it fills and builds them once at the end (store/postgres/seed_indexes.rs). Their
-- definitions wait here meanwhile, so that a seed killed midway leaves them for the
-- next open to build again.
CREATE TABLE seed_set_aside (
    name text PRIMARY KEY,
    definition text NOT NULL
);

-- 3. One- and two-character terms.
-- Terms of one or two characters, served by an index as SQLite serves them (from its
-- trigram vocabulary, store/plan.rs): pg_trgm's index needs three characters, so a
-- `LIKE` with such a term read every user. `short_grams` gives each character and
-- each pair of characters of a haystack; a GIN index over it (GIN keeps each key
-- once per row) finds the users who hold a short term through
-- `short_grams(search) @> ARRAY[term]`, which the query adds to its `LIKE` (the
-- index narrows, the `LIKE` decides). The planner's statistics on the indexed
-- expression tell a rare term (read from this index) from a common one (the sort
-- index walked until a page is full).
--
-- PL/pgSQL filling an array by index: of the forms tried (SQL with
-- generate_series, regexp_replace, array_agg), the cheapest to compute on insert.
CREATE FUNCTION short_grams(haystack text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    chars text[] := string_to_array(haystack, NULL);
    n int := cardinality(chars);
    grams text[] := chars;
BEGIN
    FOR i IN 1 .. n - 1 LOOP
        grams[n + i] := chars[i] || chars[i + 1];
    END LOOP;
    RETURN grams;
END $$;

CREATE INDEX users_search_short ON users USING gin (short_grams(search));
-- The statistics that tell a rare term from a common one (short_terms.rs), at once.
ANALYZE users;
