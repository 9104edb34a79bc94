use rusqlite::{OptionalExtension, params};

use super::audit::{self, Changes, Record};
use super::{LoginPolicy, Result, SqliteStore, StoreError, begin_write};
use crate::domain::Field;

/// The application used when none is named.
pub const DEFAULT_APP: &str = "default";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AppId(pub(crate) i64);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: AppId,
    pub name: String,
    pub user_limit: Option<u64>,
    pub login_policy: LoginPolicy,
}

const APP_COLUMNS: &str = "id, name, user_limit, lockout_failures, lockout_secs";

fn application_row(r: &rusqlite::Row) -> rusqlite::Result<Application> {
    Ok(Application {
        id: AppId(r.get(0)?),
        name: r.get(1)?,
        user_limit: r.get(2)?,
        login_policy: LoginPolicy {
            max_failures: r.get(3)?,
            window_secs: r.get(4)?,
        },
    })
}

impl SqliteStore {
    /// The application called `name`, created on first use (`--app NAME` selects a
    /// namespace of users, much like a realm).
    pub fn application(&mut self, name: &str) -> Result<Application> {
        let name = crate::domain::required_text(name)
            .map_err(|m| StoreError::invalid(Field::Record, format!("application name {m}")))?;
        // Read first: opening an existing application must not wait for a writer.
        if let Ok(app) = self.existing_application(&name) {
            return Ok(app);
        }
        self.insert_application(&name, None)?;
        self.existing_application(&name)
    }

    /// The application called `name`, which must exist, so that a mistyped `--app` is
    /// reported (with the names there are) instead of showing an empty application.
    pub fn existing_application(&self, name: &str) -> Result<Application> {
        if let Some(app) = self
            .conn
            .query_row(
                &format!("SELECT {APP_COLUMNS} FROM applications WHERE name = ?1"),
                [name],
                application_row,
            )
            .optional()?
        {
            return Ok(app);
        }
        let known = self
            .conn
            .prepare("SELECT name FROM applications ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Err(StoreError::UnknownApplication {
            name: name.to_string(),
            known,
        })
    }

    /// Adds the application unless one has the name (another process may have just
    /// added it); records it when added.
    fn insert_application(&mut self, name: &str, user_limit: Option<u64>) -> Result<()> {
        let tx = begin_write(&mut self.conn)?;
        let added = tx.execute(
            "INSERT INTO applications (name, user_limit) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            params![name, user_limit],
        )?;
        if added > 0 {
            tracing::info!(app = name, user_limit, "add application");
            let app = AppId(tx.last_insert_rowid());
            let changes = Changes::default().with("name", None::<String>, name).with(
                "user_limit",
                None::<u64>,
                user_limit,
            );
            let target = audit::app_target(&tx, app)?;
            audit::append(
                &tx,
                &self.actor,
                Record::new(Some(app), "app.create", target, changes),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn set_user_limit(&mut self, app: AppId, limit: Option<u64>) -> Result<()> {
        let result = self.set_user_limit_unlogged(app, limit);
        let limit = limit.map_or("none".into(), |n| n.to_string());
        self.logged(app, "set user limit", &format!("limit {limit}"), result)
    }

    fn set_user_limit_unlogged(&mut self, app: AppId, limit: Option<u64>) -> Result<()> {
        let tx = begin_write(&mut self.conn)?;
        let before = SqliteStore::user_limit(&tx, app)?;
        tx.execute(
            "UPDATE applications SET user_limit = ?2 WHERE id = ?1",
            params![app.0, limit],
        )?;
        let changes = Changes::default().with("user_limit", before, limit);
        let target = audit::app_target(&tx, app)?;
        audit::append_if_changed(
            &tx,
            &self.actor,
            Record::new(Some(app), "app.set_limit", target, changes),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sets how many failed logins within how long lock an email out.
    pub fn set_login_policy(&mut self, app: AppId, policy: LoginPolicy) -> Result<()> {
        let result = self.set_login_policy_unlogged(app, policy);
        let subject = format!(
            "{} failures in {} s",
            policy.max_failures, policy.window_secs
        );
        self.logged(app, "set login lockout", &subject, result)
    }

    fn set_login_policy_unlogged(&mut self, app: AppId, policy: LoginPolicy) -> Result<()> {
        policy.check()?;
        let tx = begin_write(&mut self.conn)?;
        let before = SqliteStore::login_policy(&tx, app)?;
        tx.execute(
            "UPDATE applications SET lockout_failures = ?2, lockout_secs = ?3 WHERE id = ?1",
            params![app.0, policy.max_failures, policy.window_secs],
        )?;
        let changes = Changes::default()
            .with("lockout_failures", before.max_failures, policy.max_failures)
            .with("lockout_seconds", before.window_secs, policy.window_secs);
        let target = audit::app_target(&tx, app)?;
        audit::append_if_changed(
            &tx,
            &self.actor,
            Record::new(Some(app), "app.set_lockout", target, changes),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn login_policy(conn: &rusqlite::Connection, app: AppId) -> Result<LoginPolicy> {
        Ok(conn.query_row(
            "SELECT lockout_failures, lockout_secs FROM applications WHERE id = ?1",
            [app.0],
            |r| {
                Ok(LoginPolicy {
                    max_failures: r.get(0)?,
                    window_secs: r.get(1)?,
                })
            },
        )?)
    }

    pub(crate) fn user_limit(conn: &rusqlite::Connection, app: AppId) -> Result<Option<u64>> {
        Ok(conn
            .query_row(
                "SELECT user_limit FROM applications WHERE id = ?1",
                [app.0],
                |r| r.get::<_, Option<u64>>(0),
            )
            .optional()?
            .flatten())
    }
}

impl SqliteStore {
    /// Adds an application; its name must be new.
    pub fn create_application(
        &mut self,
        name: &str,
        user_limit: Option<u64>,
    ) -> Result<Application> {
        let name = crate::domain::required_text(name)
            .map_err(|m| StoreError::invalid(Field::Record, format!("application name {m}")))?;
        if self.existing_application(&name).is_ok() {
            return Err(StoreError::invalid(
                Field::Record,
                format!("an application named '{name}' already exists"),
            ));
        }
        self.insert_application(&name, user_limit)?;
        self.existing_application(&name)
    }

    /// Every application with its number of users, by name.
    pub fn applications(&self) -> Result<Vec<(Application, u64)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {APP_COLUMNS}, user_count FROM applications ORDER BY name"
        ))?;
        let rows = stmt.query_map([], |r| Ok((application_row(r)?, r.get(5)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
