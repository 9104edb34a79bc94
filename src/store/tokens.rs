use rusqlite::{OptionalExtension, params};

use super::users::find_user_id;
use super::{AppId, Result, Store, StoreError, UserId, unix_now};
use crate::auth::{PasswordHash, dummy_hash, new_token, token_digest};

impl Store {
    /// Checks email and password and issues a new access token. Every failure reads
    /// the same and costs the same (an unknown email is verified against a dummy hash).
    pub fn login(&mut self, app: AppId, email: &str, password: &str) -> Result<String> {
        let found = match find_user_id(&self.conn, app, email)? {
            Some(id) => self
                .conn
                .query_row(
                    "SELECT password_hash FROM users WHERE id = ?1",
                    [id.0],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .map(|hash| (id, hash)),
            None => None,
        };
        let Some((id, stored)) = found else {
            dummy_hash().verify(password);
            return Err(StoreError::InvalidCredentials);
        };
        let ok = PasswordHash::from_phc(&stored)
            .map(|h| h.verify(password))
            .unwrap_or(false);
        if !ok {
            return Err(StoreError::InvalidCredentials);
        }
        let token = new_token();
        let now = unix_now();
        let tx = self.conn.transaction()?;
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
