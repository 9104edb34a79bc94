-- A user's newest audit entry when a bulk action wrote it. The one-user paths go on
-- pointing the users row at the newest entry (schema_v5.sql), which costs them no
-- page they do not write anyway; a bulk action pointing a million wide users rows at
-- their entries rewrote the whole users table, and points this narrow table instead.
-- A user's newest entry is the newer of the two (seqs only grow); both go with the
-- user, so that a reused id starts a new chain.
CREATE TABLE IF NOT EXISTS bulk_last_audit (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL
);
