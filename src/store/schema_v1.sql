CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    user_limit INTEGER CHECK (user_limit IS NULL OR user_limit >= 0)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    email TEXT NOT NULL,                         -- as typed, trimmed
    email_key TEXT NOT NULL,                     -- lower-cased: uniqueness and sort
    password_hash TEXT NOT NULL,                 -- argon2id PHC string
    first_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    last_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    search TEXT NOT NULL,                        -- lower-cased email, first, last: the filter's haystack
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_login INTEGER NOT NULL DEFAULT 0,       -- unix seconds, 0 = never
    group_count INTEGER NOT NULL DEFAULT 0,      -- kept by triggers on memberships
    tag_count INTEGER NOT NULL DEFAULT 0,        -- kept by triggers on user_tags
    version INTEGER NOT NULL DEFAULT 1,          -- bumped on every edit: detects concurrent edits
    UNIQUE (app_id, email_key)
);
CREATE INDEX users_first ON users(app_id, first_name, id);
CREATE INDEX users_last ON users(app_id, last_name, id);
CREATE INDEX users_created ON users(app_id, created_at, id);
CREATE INDEX users_login ON users(app_id, last_login, id);
CREATE INDEX users_grouped ON users(app_id, group_count > 0, email_key);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES groups(id) ON DELETE SET NULL,
    UNIQUE (app_id, name)
);
CREATE INDEX groups_parent ON groups(parent_id);

CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    UNIQUE (app_id, name)
);

CREATE TABLE group_devices (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, device_id)
) WITHOUT ROWID;
CREATE INDEX group_devices_device ON group_devices(device_id);

CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
) WITHOUT ROWID;
CREATE INDEX memberships_group ON memberships(group_id, user_id);

CREATE TABLE user_tags (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
CREATE INDEX user_tags_key ON user_tags(key, value, user_id);

CREATE TABLE tokens (
    digest BLOB PRIMARY KEY,                     -- SHA-256 of the token; the token itself is never stored
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TRIGGER memberships_added AFTER INSERT ON memberships BEGIN
    UPDATE users SET group_count = group_count + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER memberships_removed AFTER DELETE ON memberships BEGIN
    UPDATE users SET group_count = group_count - 1 WHERE id = OLD.user_id;
END;
CREATE TRIGGER user_tags_added AFTER INSERT ON user_tags BEGIN
    UPDATE users SET tag_count = tag_count + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER user_tags_removed AFTER DELETE ON user_tags BEGIN
    UPDATE users SET tag_count = tag_count - 1 WHERE id = OLD.user_id;
END;
