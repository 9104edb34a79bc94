-- Invalidating every token of an application takes one write at any size, as
-- Keycloak's realm "not before": each token carries its application's issue number,
-- and invalidating all raises the application's stamp to the last number issued; a
-- token is valid only while its number is above the stamp. A number, not a clock:
-- a token issued in the same millisecond, after the stamp, still works. Tokens
-- issued before this version count as number 1.
ALTER TABLE applications ADD COLUMN tokens_issued INTEGER NOT NULL DEFAULT 1;
ALTER TABLE applications ADD COLUMN tokens_void_through INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN seq INTEGER NOT NULL DEFAULT 1;
-- A token names its application, so that authenticating reads the token and the
-- application's stamp and never the (large) users table.
ALTER TABLE tokens ADD COLUMN app_id INTEGER NOT NULL DEFAULT 0;
UPDATE tokens SET app_id = (SELECT u.app_id FROM users u WHERE u.id = tokens.user_id);

-- The search index now holds each haystack followed by two line feeds, so that every
-- one- or two-character piece of a haystack begins one of its trigrams: the users
-- holding a short term are those of the trigrams it begins, which the index's
-- vocabulary (users_fts_terms) lists in a key range (see store/plan.rs). What it
-- indexes is no column any more, so it keeps no content; the haystack is lower-cased
-- already, so the vocabulary keeps exactly its characters (case_sensitive). The
-- triggers that fed the old index go with it: the next open recreates them and
-- fills the new index (derived_triggers.sql).
DROP TRIGGER IF EXISTS users_added;
DROP TRIGGER IF EXISTS users_removed;
DROP TRIGGER IF EXISTS users_search;
DROP TABLE users_fts;
CREATE VIRTUAL TABLE users_fts USING fts5(
    search, content = '', tokenize = 'trigram case_sensitive 1', detail = 'none'
);
CREATE VIRTUAL TABLE users_fts_terms USING fts5vocab(users_fts, row);
