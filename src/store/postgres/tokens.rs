//! Logins and access tokens on PostgreSQL (see the SQLite store's tokens.rs): the
//! same argon2id checks (crate::auth), tokens stored as SHA-256 digests only, the
//! same lockout and the same audit entries.

use serde_json::Value;

use super::apps::narrow;
use super::reads::read_user;
use super::users::{LIVE_TOKEN, end_sessions, find_user_id};
use super::{PgStore, audit, begin_write};
use crate::auth::{PasswordHash, check_login_password, new_token, token_digest};
use crate::domain::email_key;
use crate::store::audit::{Changes, Record, Target};
use crate::store::{AppId, Result, StoreError, UserId, unix_now};

impl PgStore {
    /// Checks email and password and issues a new access token; every failure reads
    /// the same and costs one full argon2id verification.
    pub fn login(&mut self, app: AppId, email: &str, password: &str) -> Result<String> {
        let result = self.login_unlogged(app, email, password);
        self.logged(app, "log in", email, result)
    }

    fn login_unlogged(&mut self, app: AppId, email: &str, password: &str) -> Result<String> {
        let key = email_key(email);
        let now = unix_now();
        let mut client = self.client.borrow_mut();
        let policy = client.query_one(
            "SELECT lockout_failures, lockout_secs FROM applications WHERE id = $1",
            &[&app.0],
        )?;
        let (max_failures, window_secs): (i64, i64) = (policy.get(0), policy.get(1));
        let since = now - window_secs;
        let failures: i64 = client
            .query_one(
                "SELECT count(*) FROM login_failures
                 WHERE app_id = $1 AND email_key = $2 AND at > $3",
                &[&app.0, &key, &since],
            )?
            .get(0);
        let found = match find_user_id(&mut *client, app, email)? {
            Some(id) if failures < max_failures => client
                .query_opt("SELECT password_hash FROM users WHERE id = $1", &[&id.0])?
                .map(|r| (id, r.get::<_, String>(0))),
            _ => None,
        };
        let stored = found
            .as_ref()
            .and_then(|(_, h)| PasswordHash::parse(h).ok());
        let checked = check_login_password(stored.as_ref(), password);
        let found_id = found.as_ref().map(|(id, _)| id.0);
        let (Some((id, _)), true) = (found, checked.matches) else {
            let mut tx = begin_write(&mut client)?;
            tx.execute(
                "DELETE FROM login_failures WHERE app_id = $1 AND email_key = $2 AND at <= $3",
                &[&app.0, &key, &since],
            )?;
            tx.execute(
                "INSERT INTO login_failures (app_id, email_key, at) VALUES ($1, $2, $3)",
                &[&app.0, &key, &now],
            )?;
            if failures + 1 == max_failures {
                let changes = Changes::default()
                    .with("failed_logins", failures, failures + 1)
                    .with("locked_minutes", Value::Null, window_secs / 60);
                let target = Target::new("login", found_id, key.clone());
                let record = Record::new(Some(app), "login.lockout", target, changes);
                audit::append(&mut tx, &self.actor, record)?;
            }
            tx.commit()?;
            return Err(StoreError::InvalidCredentials);
        };
        let token = new_token();
        let mut tx = begin_write(&mut client)?;
        tx.execute(
            "DELETE FROM login_failures WHERE app_id = $1 AND email_key = $2",
            &[&app.0, &key],
        )?;
        if let Some(hash) = checked.replacement {
            tx.execute(
                "UPDATE users SET password_hash = $2 WHERE id = $1",
                &[&id.0, &hash.as_str()],
            )?;
        }
        let issued = tx.query_one(
            "UPDATE applications SET tokens_issued = tokens_issued + 1 WHERE id = $1
             RETURNING tokens_issued, tokens_void_through",
            &[&app.0],
        )?;
        let (seq, void_through): (i64, i64) = (issued.get(0), issued.get(1));
        // The user's tokens that no longer work go now.
        tx.execute(
            "DELETE FROM tokens AS t WHERE t.user_id = $1 AND NOT t.seq > greatest($2,
                 coalesce((SELECT s.void_through FROM token_stamps s WHERE s.user_id = t.user_id), 0))",
            &[&id.0, &void_through],
        )?;
        tx.execute("DELETE FROM token_stamps WHERE user_id = $1", &[&id.0])?;
        tx.execute(
            "INSERT INTO tokens (digest, user_id, app_id, created_at, seq)
             VALUES ($1, $2, $3, $4, $5)",
            &[&token_digest(&token), &id.0, &app.0, &now, &seq],
        )?;
        tx.execute(
            "UPDATE users SET last_login = $2 WHERE id = $1",
            &[&id.0, &now],
        )?;
        tx.commit()?;
        Ok(token)
    }

    /// The user whose live token this is, in application `app`.
    pub fn authenticate(&self, app: AppId, token: &str) -> Result<UserId> {
        let mut client = self.client.borrow_mut();
        let statement = match self.authenticate.get() {
            Some(statement) => statement.clone(),
            None => {
                let statement = client.prepare(&format!(
                    "SELECT t.user_id FROM tokens t JOIN applications a ON a.id = t.app_id
                     WHERE t.digest = $1 AND t.app_id = $2 AND {LIVE_TOKEN}"
                ))?;
                self.authenticate.get_or_init(|| statement).clone()
            }
        };
        let found = client.query_opt(&statement, &[&token_digest(token), &app.0])?;
        found
            .map(|r| UserId(r.get(0)))
            .ok_or(StoreError::InvalidToken)
    }

    /// Ends every session of one user; returns how many tokens still worked.
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

    fn invalidate_user_tokens_unlogged(&mut self, user: UserId) -> Result<usize> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let email = read_user(&mut tx, user)?.email;
        let app = AppId(
            tx.query_one("SELECT app_id FROM users WHERE id = $1", &[&user.0])?
                .get(0),
        );
        let n = end_sessions(&mut tx, user)?;
        let changes = Changes::default().with("tokens", n, 0);
        let target = Target::new("user", Some(user.0), email);
        let record = Record::new(Some(app), "tokens.invalidate", target, changes);
        audit::append(&mut tx, &self.actor, record)?;
        tx.commit()?;
        Ok(n)
    }

    /// Voids every token of the application issued so far; returns its user count.
    pub fn invalidate_all_tokens(&mut self, app: AppId) -> Result<usize> {
        let result = self.invalidate_all_tokens_unlogged(app);
        let what = match &result {
            Ok(n) => format!("invalidate every token ({n} users)"),
            Err(_) => "invalidate every token".into(),
        };
        self.logged(app, &what, "every user", result)
    }

    fn invalidate_all_tokens_unlogged(&mut self, app: AppId) -> Result<usize> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let users: usize = narrow(
            tx.query_one(
                "UPDATE applications SET tokens_void_through = tokens_issued WHERE id = $1
                 RETURNING user_count",
                &[&app.0],
            )?
            .get(0),
            "user_count",
        )?;
        let changes = Changes::default().with("signed_out_users", Value::Null, users);
        let target = audit::app_target(&mut tx, app)?;
        let record = Record::new(Some(app), "tokens.invalidate_all", target, changes);
        audit::append(&mut tx, &self.actor, record)?;
        tx.commit()?;
        Ok(users)
    }
}
