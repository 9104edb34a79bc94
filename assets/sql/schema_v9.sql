-- Each user's newest audit entry, which their history's chain starts from, moves out
-- of the users row (schema_v5.sql) into a narrow table of its own: a bulk action
-- writes a new entry for up to every user, and pointing each wide users row at it
-- rewrote the whole table (a million rows for "invalidate all"), where this rewrites
-- a few bytes per user. A user's pointer goes with the user (a reused id starts a
-- new chain).
CREATE TABLE user_audit_heads (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL
);
INSERT INTO user_audit_heads (user_id, seq)
    SELECT id, last_audit FROM users WHERE last_audit IS NOT NULL;
ALTER TABLE users DROP COLUMN last_audit;
