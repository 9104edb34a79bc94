-- Version 12: the narrow rows a filtered page's users are found in.
--
-- A one- or two-character term held by few users (`q`: one in fifteen) is read from
-- its index (schema_v11.sql) and its matches sorted; so is a longer term in a group
-- of few members (`ali` in Support), rather than each member looked up. At a million
-- users those matches sat in nearly every block of `users`, whose rows (hash, names
-- as typed, counters) are ~300 bytes: 37,000 blocks for a page, 60–75 ms.
-- `user_search` holds only what finding, scoping and sorting such a page reads, in
-- under half the blocks; the page's own rows are then read from `users` by id.
--
-- Kept by statement-level triggers on `users`, in the same transaction as the change.
-- A load that turns the users' triggers off (seed, copy) fills it itself
-- (store/postgres/search_rows.rs).
CREATE TABLE user_search (
    id bigint PRIMARY KEY,
    app_id bigint NOT NULL,
    search text COLLATE "C" NOT NULL,
    email_key text COLLATE "C" NOT NULL,
    first_key text COLLATE "C" NOT NULL,
    last_key text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    last_login bigint NOT NULL,
    group_count bigint NOT NULL
);

INSERT INTO user_search
SELECT id, app_id, search, email_key, first_key, last_key, created_at, last_login, group_count
FROM users;

CREATE FUNCTION user_search_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_search
    SELECT id, app_id, search, email_key, first_key, last_key, created_at, last_login,
           group_count
    FROM added;
    RETURN NULL;
END $$;
CREATE TRIGGER user_search_added AFTER INSERT ON users
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION user_search_added();

-- Most updates of users (audit marks, versions, passwords) change none of these
-- columns: only the rows that did are written.
CREATE FUNCTION user_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_search s
    SET app_id = n.app_id, search = n.search, email_key = n.email_key,
        first_key = n.first_key, last_key = n.last_key, created_at = n.created_at,
        last_login = n.last_login, group_count = n.group_count
    FROM changed n
    WHERE s.id = n.id
      AND (s.app_id, s.search, s.email_key, s.first_key, s.last_key, s.created_at,
           s.last_login, s.group_count)
          IS DISTINCT FROM
          (n.app_id, n.search, n.email_key, n.first_key, n.last_key, n.created_at,
           n.last_login, n.group_count);
    RETURN NULL;
END $$;
CREATE TRIGGER user_search_changed AFTER UPDATE ON users
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION user_search_changed();

CREATE FUNCTION user_search_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_search s USING removed r WHERE s.id = r.id;
    RETURN NULL;
END $$;
CREATE TRIGGER user_search_removed AFTER DELETE ON users
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION user_search_removed();

-- The short terms' index moves to the narrow rows (short_terms.rs reads its
-- statistics by this name).
DROP INDEX users_search_short;
-- Built in one pass at a million users (the default 64 MB merges many runs).
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX user_search_short ON user_search USING gin (short_grams(search));
-- A term of three characters or more in a group of few members is read from the
-- narrow rows too (store/postgres/page_read.rs).
CREATE INDEX user_search_trgm ON user_search USING gin (search gin_trgm_ops);
ANALYZE user_search;

-- A tag's key and value go together (`plan` = `pro` is one user in six, where `plan`
-- times `pro` apart gave one in forty): without their combined statistics the planner
-- hashed all 166,704 such tags for `tag:plan=pro smi` (90 ms a page at a million
-- users) where looking each match up took 41 ms.
CREATE STATISTICS user_tags_key_value (mcv) ON key, value FROM user_tags;
ANALYZE user_tags;
