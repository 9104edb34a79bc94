-- Tables only. Indexes, triggers and the search index are derived data: see derived.sql.

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    user_limit INTEGER CHECK (user_limit IS NULL OR user_limit >= 0),
    user_count INTEGER NOT NULL DEFAULT 0,       -- kept by triggers on users
    grouped_count INTEGER NOT NULL DEFAULT 0     -- users with group_count > 0, likewise
);

-- The application used when none is named always exists.
INSERT INTO applications (name) VALUES ('default');

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
    version INTEGER NOT NULL DEFAULT 1           -- bumped on every edit: detects concurrent edits
);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES groups(id) ON DELETE SET NULL,
    UNIQUE (app_id, name)
);

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

CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
) WITHOUT ROWID;

CREATE TABLE user_tags (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

-- How many users of each application carry each tag key: the suggestions' source.
CREATE TABLE tag_keys (
    app_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    users INTEGER NOT NULL,
    PRIMARY KEY (app_id, key)
) WITHOUT ROWID;

-- Failed logins, for locking an email out for a while after too many.
CREATE TABLE login_failures (
    app_id INTEGER NOT NULL,
    email_key TEXT NOT NULL,
    at INTEGER NOT NULL
);

CREATE TABLE tokens (
    digest BLOB PRIMARY KEY,                     -- SHA-256 of the token; the token itself is never stored
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Substring search over `users.search` (trigram: any substring of three or more
-- characters). Without positions (detail = none) it is several times smaller and
-- faster to build; a longer term then matches rows holding all of its trigrams, a
-- superset, which the exact `instr` test that every query also applies narrows.
CREATE VIRTUAL TABLE users_fts USING fts5(
    search, content = 'users', content_rowid = 'id', tokenize = 'trigram', detail = 'none'
);
