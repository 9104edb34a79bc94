-- Version 14: the users of each rare character, in email order.
--
-- A one-character term few users hold (`q`: one in fifteen, the Quinns) was read from
-- its GIN index (schema_v11.sql) and all its matches sorted for a page: at a million
-- users its 66,666 matches sat in nearly every block of `user_search`, 17,400 blocks
-- read for each page (45–65 ms from PostgreSQL's buffers, 160–280 ms from outside
-- them). Walking the email index instead reaches the Quinns two thirds down it.
-- `char_users` lists, for each character a user's haystack holds, the user's email
-- key: a page of such a term is the first entries of its range of one B-tree.
-- (And a walk in email order reads `user_search`'s own index: see the end.)
--
-- Only rare characters are listed: those most users hold (`e`, `@`, `.`), whose pages
-- a walk of the sort index finds at once, are in `common_chars` and not listed. Demo
-- users hold ~20 distinct characters, half a rare one on average (500,000 rows at a
-- million users). Pairs of characters are not listed: each user holds ~45, ~10 of
-- them rare (10 million rows, 1.6 GB at a million users).
-- The set of common characters only grows (`grow_common_chars`, run by the loads
-- and imports as users come): a character not in it has every one of its users
-- listed.

CREATE TABLE common_chars (ch text COLLATE "C" PRIMARY KEY);

CREATE TABLE char_users (
    ch text COLLATE "C" NOT NULL,
    app_id bigint NOT NULL,
    email_key text COLLATE "C" NOT NULL,
    id bigint NOT NULL
);

-- The common characters, as one string.
CREATE FUNCTION common_char_string() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(ch, ''), '') FROM common_chars
$$;

-- The distinct characters of a haystack but those of `common`: `translate` drops them
-- at once, where looking each character up in `common_chars` made listing a million
-- users 25 s instead of 6.
CREATE FUNCTION rare_chars(haystack text, common text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT DISTINCT c FROM unnest(string_to_array(translate(haystack, common, ''), NULL)) c
$$;

CREATE FUNCTION char_users_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    common text := common_char_string();
BEGIN
    INSERT INTO char_users (ch, app_id, email_key, id)
    SELECT c, a.app_id, a.email_key, a.id FROM added a, rare_chars(a.search, common) c;
    RETURN NULL;
END $$;
CREATE TRIGGER char_users_added AFTER INSERT ON users
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION char_users_added();

-- A character listed now was listed when the user's rows were written (the common
-- set only grows, and a character's rows go when it joins it): found by key.
CREATE FUNCTION char_users_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    common text := common_char_string();
BEGIN
    DELETE FROM char_users u
    USING removed r, rare_chars(r.search, common) c
    WHERE u.ch = c AND u.app_id = r.app_id AND u.email_key = r.email_key;
    RETURN NULL;
END $$;
CREATE TRIGGER char_users_removed AFTER DELETE ON users
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION char_users_removed();

-- Row by row, and only for a changed haystack or email: most updates (logins, audit
-- marks, versions) change neither and run nothing.
CREATE FUNCTION char_users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    common text := common_char_string();
BEGIN
    DELETE FROM char_users u USING rare_chars(OLD.search, common) c
    WHERE u.ch = c AND u.app_id = OLD.app_id AND u.email_key = OLD.email_key;
    INSERT INTO char_users (ch, app_id, email_key, id)
    SELECT c, NEW.app_id, NEW.email_key, NEW.id FROM rare_chars(NEW.search, common) c;
    RETURN NULL;
END $$;
CREATE TRIGGER char_users_changed AFTER UPDATE OF app_id, search, email_key ON users
    FOR EACH ROW
    WHEN ((OLD.app_id, OLD.search, OLD.email_key)
          IS DISTINCT FROM (NEW.app_id, NEW.search, NEW.email_key))
    EXECUTE FUNCTION char_users_changed();

-- Makes common the characters more than a tenth of a sample of ~20,000 users hold
-- (short_terms.rs's line between rare and common), and drops their rows. Below 1,000
-- users a share says little: nothing changes.
CREATE FUNCTION grow_common_chars() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    total bigint := (SELECT coalesce(sum(user_count), 0) FROM applications);
BEGIN
    IF total < 1000 THEN
        RETURN;
    END IF;
    WITH sampled AS MATERIALIZED (
        SELECT search FROM user_search TABLESAMPLE SYSTEM (least(100, 2000000.0 / total))
    ), counted AS (
        SELECT c, count(*) AS n FROM sampled, LATERAL (
            SELECT DISTINCT x AS c FROM unnest(string_to_array(search, NULL)) x
        ) d
        GROUP BY c
    ), grown AS (
        INSERT INTO common_chars
        SELECT c FROM counted WHERE n * 10 > (SELECT count(*) FROM sampled)
        ON CONFLICT DO NOTHING
        RETURNING ch
    )
    DELETE FROM char_users u USING grown WHERE u.ch = grown.ch;
END $$;

SELECT grow_common_chars();
INSERT INTO char_users (ch, app_id, email_key, id)
SELECT c, u.app_id, u.email_key, u.id
FROM user_search u, rare_chars(u.search, (SELECT common_char_string())) c;
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX char_users_email ON char_users (ch, app_id, email_key) INCLUDE (id);
ANALYZE char_users;

-- A page in email order of a longer term (or a common character) walks the email
-- order until the page is full, testing each user's haystack. Walked over `users`,
-- each step read a ~300-byte row from its own block: `@acme` in Support (17,930 of
-- a million users, 12,400 users walked) took 55–75 ms, 12,500 blocks. The narrow
-- rows' own email index holds what the walk tests (the haystack, the group count)
-- and the id it yields: 155 blocks, 10–13 ms.
CREATE INDEX user_search_email ON user_search (app_id, email_key)
    INCLUDE (search, group_count, id);
