-- Ending the sessions of many users at once (a bulk invalidation) stamps each user
-- instead of deleting their tokens one by one: a token is valid while its issue
-- number is above both its application's stamp (schema_v4.sql) and its user's, if
-- any. A narrow table of its own, not a column of users: authenticating reads it
-- beside the token, and it stays small (empty unless a bulk invalidation left
-- stamps), where a users row is wide and read at random. The void tokens, and the
-- stamp, go at the user's next login.
CREATE TABLE IF NOT EXISTS token_stamps (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    void_through INTEGER NOT NULL
);
