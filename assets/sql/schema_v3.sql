-- Names sort in the reader's alphabet: the store writes each name's folded sort key
-- (accents and case folded away in Rust, see domain::name_sort_key; an empty name
-- folds to a key after every other, so users without that name come last). The
-- store fills these for existing users right after this migration.
ALTER TABLE users ADD COLUMN first_key TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_key TEXT NOT NULL DEFAULT '';
-- The old name indexes ordered by code point; derived_indexes.sql builds their
-- replacements on the keys.
DROP INDEX IF EXISTS users_first;
DROP INDEX IF EXISTS users_last;
