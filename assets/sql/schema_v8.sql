-- Ending the sessions of many users at once (a bulk invalidation) stamps each user's
-- row, written anyway for the user's audit entry, instead of deleting their tokens one
-- by one: a token is valid while its issue number is above both its application's
-- stamp (schema_v4.sql) and its user's. The void tokens go at the user's next login.
ALTER TABLE users ADD COLUMN tokens_void_through INTEGER NOT NULL DEFAULT 0;
