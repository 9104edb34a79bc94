-- The audit log: one entry per change, written in the change's own transaction.
-- Append-only (guard triggers in derived_triggers.sql refuse UPDATE and DELETE) and
-- tamper-evident: `hash` is SHA-256 over the previous entry's hash and this entry's
-- content, so `xusers audit verify` finds an entry changed, removed or reordered.
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,                     -- 1, 2, 3 … in the order written
    time_ms INTEGER NOT NULL,                    -- UTC, ms; never earlier than the entry before
    app TEXT,                                    -- the application's name; NULL for the whole database
    actor TEXT NOT NULL,                         -- user@host, or --actor / XUSERS_ACTOR
    source TEXT NOT NULL,                        -- console, cli, import
    op TEXT NOT NULL,                            -- user.create, group.rename, …
    target_type TEXT NOT NULL,                   -- user, group, device, application, login, audit
    target_id INTEGER,
    target_label TEXT NOT NULL,                  -- readable, as it was then: the email, the group name
    changes TEXT NOT NULL,                       -- JSON: field -> [before, after]
    batch INTEGER,                               -- shared by one import's or bulk action's entries
    target_prev INTEGER,                         -- the entry before this one about the same user
    hash BLOB NOT NULL
);

-- Each user's newest entry: with `target_prev` it chains the user's history, so that
-- no index on the log costs every change a page write (the users row is written anyway).
ALTER TABLE users ADD COLUMN last_audit INTEGER;

-- Where the log starts after `audit prune`: the first entry kept and the hash of the
-- entry before it, which that first entry's hash builds on. Only ever moves forward.
CREATE TABLE audit_horizon (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    first_kept INTEGER NOT NULL,
    anchor BLOB NOT NULL
);
