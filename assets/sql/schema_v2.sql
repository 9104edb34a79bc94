-- Login lockout, per application: this many failed logins for one email within this
-- many seconds lock that email out until the oldest of them is that old.
ALTER TABLE applications ADD COLUMN lockout_failures INTEGER NOT NULL DEFAULT 10
    CHECK (lockout_failures > 0);
ALTER TABLE applications ADD COLUMN lockout_secs INTEGER NOT NULL DEFAULT 900
    CHECK (lockout_secs > 0);
