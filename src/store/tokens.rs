use rusqlite::{OptionalExtension, params};

use serde_json::Value;

use super::audit::{self, Changes, Record, Target};
use super::users::{end_sessions, find_user_id, live_token_sql, read_user};
use super::{AppId, Result, SqliteStore, StoreError, UserId, begin_write, unix_now};
use crate::auth::{PasswordHash, check_login_password, new_token, token_digest};
use crate::domain::{Field, email_key};

pub(crate) const RECENT_FAILURES_SQL: &str =
    "SELECT count(*) FROM login_failures WHERE app_id = ?1 AND email_key = ?2 AND at > ?3";
pub(crate) const AUTHENTICATE_SQL: &str = concat!(
    "SELECT t.user_id FROM tokens t JOIN applications a ON a.id = t.app_id
     WHERE t.digest = ?1 AND t.app_id = ?2 AND ",
    live_token_sql!("a.tokens_void_through")
);

/// How many failed logins within how many seconds lock an email out (for that long).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    pub max_failures: u32,
    pub window_secs: i64,
}

impl Default for LoginPolicy {
    /// 10 failures within 15 minutes (the schema's defaults for a new application).
    fn default() -> LoginPolicy {
        LoginPolicy {
            max_failures: 10,
            window_secs: 15 * 60,
        }
    }
}

impl LoginPolicy {
    /// Both numbers must be positive: a lockout cannot be switched off, only widened.
    pub fn check(&self) -> Result<()> {
        if self.max_failures == 0 || self.window_secs <= 0 {
            return Err(StoreError::invalid(
                Field::Record,
                "the lockout needs at least 1 failure and a window of at least 1 second",
            ));
        }
        Ok(())
    }
}

impl SqliteStore {
    /// Checks email and password and issues a new access token. Every failure reads
    /// the same and costs at least one full argon2id verification with today's
    /// parameters: an unknown email is verified against a dummy hash, and so is a
    /// locked-out one (after too many failures within the window); a cheaper stored
    /// hash (or a foreign scheme) is verified beside one argon2id computation with
    /// today's parameters, which replaces it on success.
    pub fn login(&mut self, app: AppId, email: &str, password: &str) -> Result<String> {
        let result = self.login_unlogged(app, email, password);
        self.logged(app, "log in", email, result)
    }

    fn login_unlogged(&mut self, app: AppId, email: &str, password: &str) -> Result<String> {
        let key = email_key(email);
        let now = unix_now();
        let policy = SqliteStore::login_policy(&self.conn, app)?;
        let since = now - policy.window_secs;
        let failures: u32 =
            self.conn
                .query_row(RECENT_FAILURES_SQL, params![app.0, key, since], |r| {
                    r.get(0)
                })?;
        let found = match find_user_id(&self.conn, app, email)? {
            Some(id) if failures < policy.max_failures => self
                .conn
                .query_row(
                    "SELECT password_hash FROM users WHERE id = ?1",
                    [id.0],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .map(|hash| (id, hash)),
            _ => None,
        };
        let stored = found
            .as_ref()
            .and_then(|(_, h)| PasswordHash::parse(h).ok());
        let checked = check_login_password(stored.as_ref(), password);
        let found_id = found.as_ref().map(|(id, _)| id.0);
        let (Some((id, _)), true) = (found, checked.matches) else {
            // Failures older than the window no longer count: they go, so that
            // guessing at many emails does not grow the table without end.
            let tx = begin_write(&mut self.conn)?;
            tx.execute(
                "DELETE FROM login_failures WHERE app_id = ?1 AND email_key = ?2 AND at <= ?3",
                params![app.0, key, since],
            )?;
            tx.execute(
                "INSERT INTO login_failures (app_id, email_key, at) VALUES (?1, ?2, ?3)",
                params![app.0, key, now],
            )?;
            // The failure that locks the email out is recorded (single logins are not:
            // they would flood the log).
            if failures + 1 == policy.max_failures {
                let changes = Changes::default()
                    .with("failed_logins", failures, failures + 1)
                    .with(
                        "locked_minutes",
                        serde_json::Value::Null,
                        policy.window_secs / 60,
                    );
                let target = Target::new("login", found_id, key.clone());
                audit::append(
                    &tx,
                    &self.actor,
                    Record::new(Some(app), "login.lockout", target, changes),
                )?;
            }
            tx.commit()?;
            return Err(StoreError::InvalidCredentials);
        };
        let rehash = checked.replacement;
        let token = new_token();
        let tx = begin_write(&mut self.conn)?;
        tx.execute(
            "DELETE FROM login_failures WHERE app_id = ?1 AND email_key = ?2",
            params![app.0, key],
        )?;
        if let Some(hash) = rehash {
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                params![id.0, hash.as_str()],
            )?;
        }
        let (seq, void_through): (i64, i64) = tx.query_row(
            "UPDATE applications SET tokens_issued = tokens_issued + 1 WHERE id = ?1
             RETURNING tokens_issued, tokens_void_through",
            [app.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        // Tokens an "invalidate all" or a bulk invalidation ended stay until their
        // user's next login.
        tx.execute(
            concat!(
                "DELETE FROM tokens AS t WHERE t.user_id = ?1 AND NOT ",
                live_token_sql!("?2")
            ),
            params![id.0, void_through],
        )?;
        tx.execute("DELETE FROM token_stamps WHERE user_id = ?1", [id.0])?;
        tx.execute(
            "INSERT INTO tokens (digest, user_id, app_id, created_at, seq)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_digest(&token), id.0, app.0, now, seq],
        )?;
        tx.execute(
            "UPDATE users SET last_login = ?2 WHERE id = ?1",
            params![id.0, now],
        )?;
        tx.commit()?;
        Ok(token)
    }

    /// The user a token belongs to, if the token is still valid in this application.
    pub fn authenticate(&self, app: AppId, token: &str) -> Result<UserId> {
        self.conn
            .prepare_cached(AUTHENTICATE_SQL)?
            .query_row(params![token_digest(token), app.0], |r| {
                Ok(UserId(r.get(0)?))
            })
            .optional()?
            .ok_or(StoreError::InvalidToken)
    }

    /// Ends every session of one user; returns how many tokens stopped working.
    pub fn invalidate_user_tokens(&mut self, user: UserId) -> Result<usize> {
        let result = self.invalidate_user_tokens_unlogged(user);
        match (self.user_for_log(user), &result) {
            (Some((app, email)), Ok(n)) => {
                let what = format!("invalidate tokens ({n} ended)");
                self.logged(app, &what, &email, result)
            }
            _ => result,
        }
    }

    /// A user deleted meanwhile is an error, never "0 tokens ended".
    fn invalidate_user_tokens_unlogged(&mut self, user: UserId) -> Result<usize> {
        let tx = begin_write(&mut self.conn)?;
        let email = read_user(&tx, user)?.email;
        let app = AppId(
            tx.query_row("SELECT app_id FROM users WHERE id = ?1", [user.0], |r| {
                r.get(0)
            })?,
        );
        let n = end_sessions(&tx, user)?;
        let changes = Changes::default().with("tokens", n, 0);
        let target = Target::new("user", Some(user.0), email);
        audit::append(
            &tx,
            &self.actor,
            Record::new(Some(app), "tokens.invalidate", target, changes),
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Ends every session of every user in the application, in one write at any size:
    /// every token issued so far becomes void. Returns how many users the application
    /// has (all of them must log in again).
    pub fn invalidate_all_tokens(&mut self, app: AppId) -> Result<usize> {
        let result = self.invalidate_all_tokens_unlogged(app);
        let what = match &result {
            Ok(n) => format!("invalidate every token ({n} users)"),
            Err(_) => "invalidate every token".into(),
        };
        self.logged(app, &what, "every user", result)
    }

    fn invalidate_all_tokens_unlogged(&mut self, app: AppId) -> Result<usize> {
        let tx = begin_write(&mut self.conn)?;
        let users: usize = tx.query_row(
            "UPDATE applications SET tokens_void_through = tokens_issued WHERE id = ?1
             RETURNING user_count",
            [app.0],
            |r| r.get(0),
        )?;
        // Tokens are not counted (that would read them all): the entry says how many
        // users must log in again.
        let changes = Changes::default().with("signed_out_users", Value::Null, users);
        let target = audit::app_target(&tx, app)?;
        let record = Record::new(Some(app), "tokens.invalidate_all", target, changes);
        audit::append(&tx, &self.actor, record)?;
        tx.commit()?;
        Ok(users)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::VERIFIED;
    use crate::domain::{Password, UserDraft};

    /// Timing is measured by `cargo bench --bench login`; this guards its cause: every
    /// failed login, whatever the reason and whatever is stored, runs one argon2id
    /// computation with today's parameters to its end (the probe records a computation
    /// only after it ran).
    #[test]
    fn every_failed_login_costs_one_full_verification_with_todays_parameters() {
        use argon2::password_hash::PasswordHasher;
        let mut store = SqliteStore::open_in_memory().unwrap();
        let app = store.application("default").unwrap().id;
        let add = |store: &mut SqliteStore, email: &str, hash: &PasswordHash| {
            let user = UserDraft {
                email: email.into(),
                password: Some("right password".into()),
                ..Default::default()
            }
            .validate_new()
            .unwrap();
            store.create_user(app, &user, hash).unwrap();
        };
        let hash = PasswordHash::new(&Password::parse("right password").unwrap());
        add(&mut store, "ann@acme.io", &hash);
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x13,
            argon2::Params::new(64, 1, 1, None).unwrap(),
        )
        .hash_password(b"right password")
        .unwrap()
        .to_string();
        add(
            &mut store,
            "weak@acme.io",
            &PasswordHash::parse(&weak).unwrap(),
        );
        add(&mut store, "broken@acme.io", &hash);
        store
            .conn
            .execute(
                "UPDATE users SET password_hash = 'not a hash' WHERE email_key = 'broken@acme.io'",
                [],
            )
            .unwrap();
        store
            .set_login_policy(
                app,
                LoginPolicy {
                    max_failures: 2,
                    window_secs: 900,
                },
            )
            .unwrap();
        let verified = |store: &mut SqliteStore, email: &str, password: &str| {
            VERIFIED.with(|v| v.borrow_mut().clear());
            let result = store.login(app, email, password);
            (result.is_ok(), VERIFIED.with(|v| v.borrow().clone()))
        };
        let once = vec![hash.parameters().to_string()];
        assert_eq!(
            verified(&mut store, "ann@acme.io", "wrong password"),
            (false, once.clone())
        );
        assert_eq!(
            verified(&mut store, "nobody@acme.io", "any password"),
            (false, once.clone())
        );
        assert_eq!(
            verified(&mut store, "weak@acme.io", "wrong password"),
            (
                false,
                vec!["$argon2i$v=19$m=64,t=1,p=1".to_string(), once[0].clone()]
            ),
            "the weak hash, then today's cost"
        );
        assert_eq!(
            verified(&mut store, "broken@acme.io", "right password"),
            (false, once.clone()),
            "a stored hash that cannot be verified"
        );
        assert_eq!(
            verified(&mut store, "ann@acme.io", "wrong again"),
            (false, once.clone())
        );
        // Locked out now: even the right password fails, at the same cost.
        assert_eq!(
            verified(&mut store, "ann@acme.io", "right password"),
            (false, once)
        );
    }
}
