-- Version 13: kept counts folded in once per chunk of an import or a merge.
--
-- An import (or a merge) writes user after user in one transaction, and each of its
-- statements made the count triggers (schema_v11.sql) update the same few rows again:
-- the application's, the groups', the tag keys'. Within one transaction no version of
-- those rows can be pruned, so each update (and each read of them) walked every
-- version the transaction had made before: 5,000 users took 60 s, 10,000 merged
-- 171 s (SQLite: 0.4 s).
--
-- The triggers now write the changes they make to counts as rows of `counts_later`
-- and fold them in at once (`fold_counts`), unless the transaction has set
-- `xusers.counts_later` to `on`: then the rows wait, and the import folds them in
-- every few hundred users and before it commits (store/postgres/import.rs). The rows
-- are deleted in the transaction that wrote them, so that no other ever sees one.
-- What each trigger computes is unchanged: only where its result goes.
--
-- Rows a transaction deleted stay in the table until it ends: each fold has a
-- number (`xusers.fold`, counted in the transaction), and reads only its own rows,
-- through an index, not the earlier folds' rows.

-- The fold the transaction is at.
CREATE FUNCTION counts_fold() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('xusers.fold', true), ''), '0')::bigint
$$;

CREATE TABLE counts_later (
    fold bigint NOT NULL DEFAULT counts_fold(),
    -- `user_count`, `grouped_count` (of application `id`), `member_count`,
    -- `subtree_member_count` (of group `id`), `tag_users` (of tag `key` in
    -- application `id`).
    counter text NOT NULL,
    id bigint NOT NULL,
    key text,
    n bigint NOT NULL
);
CREATE INDEX counts_later_fold ON counts_later (fold);

CREATE FUNCTION fold_counts() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    apps_emptied bigint[];
    keys_emptied text[];
BEGIN
    WITH taken AS (DELETE FROM counts_later WHERE fold = counts_fold() RETURNING *),
    apps AS (
        UPDATE applications a
        SET user_count = a.user_count + s.users, grouped_count = a.grouped_count + s.grouped
        FROM (SELECT id, coalesce(sum(n) FILTER (WHERE counter = 'user_count'), 0) AS users,
                     coalesce(sum(n) FILTER (WHERE counter = 'grouped_count'), 0) AS grouped
              FROM taken WHERE counter IN ('user_count', 'grouped_count') GROUP BY id) s
        WHERE a.id = s.id
    ),
    groups_counted AS (
        UPDATE groups g
        SET member_count = g.member_count + s.members,
            subtree_member_count = g.subtree_member_count + s.below
        FROM (SELECT id, coalesce(sum(n) FILTER (WHERE counter = 'member_count'), 0) AS members,
                     coalesce(sum(n) FILTER (WHERE counter = 'subtree_member_count'), 0) AS below
              FROM taken WHERE counter IN ('member_count', 'subtree_member_count')
              GROUP BY id) s
        WHERE g.id = s.id
    ),
    tags AS (
        INSERT INTO tag_keys (app_id, key, users)
        SELECT id, key, sum(n) FROM taken WHERE counter = 'tag_users' GROUP BY id, key
        ON CONFLICT (app_id, key) DO UPDATE SET users = tag_keys.users + excluded.users
        RETURNING app_id, key, users
    )
    SELECT array_agg(app_id), array_agg(key) INTO apps_emptied, keys_emptied
    FROM tags WHERE users <= 0;
    -- A key no user holds any more is no key (the rows the statement above wrote are
    -- only visible to the next).
    DELETE FROM tag_keys k USING unnest(apps_emptied, keys_emptied) e(app_id, key)
    WHERE k.app_id = e.app_id AND k.key = e.key AND k.users <= 0;
    PERFORM set_config('xusers.fold', (counts_fold() + 1)::text, true);
END $$;

-- Folds this statement's count changes in now, unless the transaction folds later.
CREATE FUNCTION fold_counts_unless_later() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('xusers.counts_later', true), '') <> 'on' THEN
        PERFORM fold_counts();
    END IF;
END $$;

CREATE OR REPLACE FUNCTION memberships_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO counts_later (counter, id, n)
    SELECT 'subtree_member_count', ancestor_id, count(*)
    FROM (SELECT m.user_id, a.ancestor_id
          FROM memberships m
          JOIN group_ancestors a ON a.group_id = m.group_id
          LEFT JOIN added x ON x.user_id = m.user_id AND x.group_id = m.group_id
          WHERE m.user_id IN (SELECT user_id FROM added)
          GROUP BY m.user_id, a.ancestor_id
          HAVING bool_and(x.user_id IS NOT NULL)) AS newly_below
    GROUP BY ancestor_id;
    INSERT INTO counts_later (counter, id, n)
    SELECT 'member_count', group_id, count(*) FROM added GROUP BY group_id;
    WITH counted AS (
        UPDATE users u SET group_count = u.group_count + s.n
        FROM (SELECT user_id, count(*) AS n FROM added GROUP BY user_id) s
        WHERE u.id = s.user_id
        RETURNING u.app_id, u.group_count - s.n AS before
    )
    INSERT INTO counts_later (counter, id, n)
    SELECT 'grouped_count', app_id, count(*) FROM counted WHERE before = 0 GROUP BY app_id;
    PERFORM fold_counts_unless_later();
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION memberships_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO counts_later (counter, id, n)
    SELECT 'subtree_member_count', a.ancestor_id, -count(DISTINCT r.user_id)
    FROM removed r JOIN group_ancestors a ON a.group_id = r.group_id
    WHERE NOT EXISTS (
        SELECT 1 FROM memberships m JOIN group_ancestors b ON b.group_id = m.group_id
        WHERE m.user_id = r.user_id AND b.ancestor_id = a.ancestor_id)
    GROUP BY a.ancestor_id;
    INSERT INTO counts_later (counter, id, n)
    SELECT 'member_count', group_id, -count(*) FROM removed GROUP BY group_id;
    WITH counted AS (
        UPDATE users u SET group_count = u.group_count - s.n
        FROM (SELECT user_id, count(*) AS n FROM removed GROUP BY user_id) s
        WHERE u.id = s.user_id
        RETURNING u.app_id, u.group_count AS after
    )
    INSERT INTO counts_later (counter, id, n)
    SELECT 'grouped_count', app_id, -count(*) FROM counted WHERE after = 0 GROUP BY app_id;
    PERFORM fold_counts_unless_later();
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION users_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO counts_later (counter, id, n)
    SELECT c.counter, s.app_id, c.n
    FROM (SELECT app_id, count(*) AS n, count(*) FILTER (WHERE group_count > 0) AS grouped
          FROM added GROUP BY app_id) s,
         LATERAL (VALUES ('user_count', s.n), ('grouped_count', s.grouped)) c(counter, n);
    PERFORM fold_counts_unless_later();
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION users_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO counts_later (counter, id, n)
    SELECT c.counter, s.app_id, -c.n
    FROM (SELECT app_id, count(*) AS n, count(*) FILTER (WHERE group_count > 0) AS grouped
          FROM removed GROUP BY app_id) s,
         LATERAL (VALUES ('user_count', s.n), ('grouped_count', s.grouped)) c(counter, n);
    PERFORM fold_counts_unless_later();
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION user_tags_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO counts_later (counter, id, key, n)
    SELECT 'tag_users', u.app_id, t.key, count(*) FROM added t JOIN users u ON u.id = t.user_id
    GROUP BY u.app_id, t.key;
    PERFORM fold_counts_unless_later();
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION user_tags_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO counts_later (counter, id, key, n)
    SELECT 'tag_users', u.app_id, t.key, -count(*) FROM removed t JOIN users u ON u.id = t.user_id
    GROUP BY u.app_id, t.key;
    PERFORM fold_counts_unless_later();
    RETURN NULL;
END $$;
