use rusqlite::{OptionalExtension, params};

use super::users::find_user_id;
use super::{AppId, Result, Store, StoreError, UserId, begin_write, unix_now};
use crate::auth::{PasswordHash, dummy_hash, new_token, token_digest};
use crate::domain::{Password, email_key};

/// How many failed logins within how many seconds lock an email out (for that long).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    pub max_failures: u32,
    pub window_secs: i64,
}

impl Default for LoginPolicy {
    /// 10 failures within 15 minutes.
    fn default() -> LoginPolicy {
        LoginPolicy {
            max_failures: 10,
            window_secs: 15 * 60,
        }
    }
}

impl Store {
    pub fn set_login_policy(&mut self, policy: LoginPolicy) {
        self.login_policy = policy;
    }

    /// Checks email and password and issues a new access token. Every failure reads
    /// the same and costs the same: an unknown email is verified against a dummy hash,
    /// and so is a locked-out one (after too many failures within the window). A
    /// stored hash with weaker parameters than today's is replaced on success.
    pub fn login(&mut self, app: AppId, email: &str, password: &str) -> Result<String> {
        let key = email_key(email);
        let now = unix_now();
        let since = now - self.login_policy.window_secs;
        let failures: u32 = self.conn.query_row(
            "SELECT count(*) FROM login_failures WHERE app_id = ?1 AND email_key = ?2 AND at > ?3",
            params![app.0, key, since],
            |r| r.get(0),
        )?;
        let found = match find_user_id(&self.conn, app, email)? {
            Some(id) if failures < self.login_policy.max_failures => self
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
            .and_then(|(_, h)| PasswordHash::from_phc(h).ok());
        let ok = match &stored {
            Some(hash) => hash.verify(password),
            None => {
                dummy_hash().verify(password);
                false
            }
        };
        let (Some((id, _)), true) = (found, ok) else {
            self.conn.execute(
                "INSERT INTO login_failures (app_id, email_key, at) VALUES (?1, ?2, ?3)",
                params![app.0, key, now],
            )?;
            return Err(StoreError::InvalidCredentials);
        };
        let rehash = stored
            .filter(PasswordHash::is_weaker_than_current)
            .and_then(|_| Password::parse(password).ok())
            .map(|p| PasswordHash::new(&p));
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
        tx.execute(
            "INSERT INTO tokens (digest, user_id, created_at) VALUES (?1, ?2, ?3)",
            params![token_digest(&token), id.0, now],
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
            .prepare_cached(
                "SELECT t.user_id FROM tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.digest = ?1 AND u.app_id = ?2",
            )?
            .query_row(params![token_digest(token), app.0], |r| {
                Ok(UserId(r.get(0)?))
            })
            .optional()?
            .ok_or(StoreError::InvalidToken)
    }

    /// Ends every session of one user; returns how many tokens stopped working.
    pub fn invalidate_user_tokens(&mut self, user: UserId) -> Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM tokens WHERE user_id = ?1", [user.0])?)
    }

    /// Ends every session of every user in the application.
    pub fn invalidate_all_tokens(&mut self, app: AppId) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM tokens WHERE user_id IN (SELECT id FROM users WHERE app_id = ?1)",
            [app.0],
        )?)
    }
}
