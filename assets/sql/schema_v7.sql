-- `users_added` both counted a new user and indexed its search text. It is split in
-- two (derived_triggers.sql: `users_added` counts, `users_indexed` indexes) so that an
-- import can pause the indexing and index all its new users in one statement: FTS5
-- writes its pending index to disk at every statement savepoint, so indexing row by
-- row among the other statements of an import made one tiny segment per user, and
-- merging them was half of the import's time. The next open recreates both triggers
-- (and, as after any missing trigger, recomputes what they keep).
DROP TRIGGER IF EXISTS users_added;
