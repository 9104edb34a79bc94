-- Everything here and in derived_triggers.sql can be dropped and rebuilt from the
-- tables (bulk loads do so); every statement is idempotent and runs at each open, so a
-- load interrupted half-way is repaired the next time the database is opened.

CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users(app_id, email_key);
-- The filter's haystack (and scope) beside the default sort: filtered pages sorted by
-- email, and counts, test rows in this index and read the table only for matches.
CREATE INDEX IF NOT EXISTS users_search ON users(app_id, email_key, search, group_count);
-- Names sort by their folded keys (schema_v3.sql).
CREATE INDEX IF NOT EXISTS users_first_key ON users(app_id, first_key, id);
CREATE INDEX IF NOT EXISTS users_last_key ON users(app_id, last_key, id);
CREATE INDEX IF NOT EXISTS users_created ON users(app_id, created_at, id);
CREATE INDEX IF NOT EXISTS users_login ON users(app_id, last_login, id);
CREATE INDEX IF NOT EXISTS groups_parent ON groups(parent_id);
-- The groups below a group, itself included (schema_v10.sql).
CREATE INDEX IF NOT EXISTS group_ancestors_below ON group_ancestors(ancestor_id, group_id);
CREATE INDEX IF NOT EXISTS group_devices_device ON group_devices(device_id);
CREATE INDEX IF NOT EXISTS memberships_group ON memberships(group_id, user_id);
CREATE INDEX IF NOT EXISTS user_tags_key ON user_tags(key, value, user_id);
-- The trigger that drops a tag key nobody uses any more finds it by key alone
-- (derived_triggers.sql): without this, each tag removed read every key.
CREATE INDEX IF NOT EXISTS tag_keys_key ON tag_keys(key);
-- A user's live tokens are counted (seq above the application's stamp) from this
-- index alone; it replaces the index on user_id only.
DROP INDEX IF EXISTS tokens_user;
CREATE INDEX IF NOT EXISTS tokens_user_seq ON tokens(user_id, seq);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(app_id, email_key, at);
