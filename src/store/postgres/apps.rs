//! Applications on PostgreSQL.

use postgres::Transaction;

use super::{PgStore, audit, begin_write};
use crate::domain::{Field, required_text};
use crate::store::audit::{Changes, Record};
use crate::store::{Actor, AppId, Application, LoginPolicy, Result, StoreError};

/// A bigint that the schema keeps within a Rust type's range (its CHECKs), read as one.
pub(super) fn narrow<T: TryFrom<i64>>(value: i64, column: &str) -> Result<T> {
    T::try_from(value).map_err(|_| {
        StoreError::Unusable(format!(
            "the database holds {value} in {column}, out of range"
        ))
    })
}

fn application_row(r: &postgres::Row) -> Result<Application> {
    Ok(Application {
        id: AppId(r.get(0)),
        name: r.get(1),
        user_limit: r
            .get::<_, Option<i64>>(2)
            .map(|limit| narrow(limit, "user_limit"))
            .transpose()?,
        login_policy: LoginPolicy {
            max_failures: narrow(r.get(3), "lockout_failures")?,
            window_secs: r.get(4),
        },
    })
}

/// A user limit as the schema's bigint holds it.
fn limit_column(limit: Option<u64>) -> Result<Option<i64>> {
    limit
        .map(|n| {
            i64::try_from(n).map_err(|_| {
                StoreError::invalid(Field::Record, format!("a user limit of {n} is too large"))
            })
        })
        .transpose()
}

/// The columns [`application_row`] reads, first.
const APP_COLUMNS: &str = "id, name, user_limit, lockout_failures, lockout_secs";

impl PgStore {
    /// The application called `name`, which must exist (see the SQLite store's).
    pub fn existing_application(&self, name: &str) -> Result<Application> {
        let mut client = self.client.borrow_mut();
        if let Some(row) = client.query_opt(
            &format!("SELECT {APP_COLUMNS} FROM applications WHERE name = $1"),
            &[&name],
        )? {
            return application_row(&row);
        }
        let known = client
            .query(
                "SELECT name FROM applications ORDER BY name COLLATE \"C\"",
                &[],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Err(StoreError::UnknownApplication {
            name: name.to_string(),
            known,
        })
    }

    /// Every application with its number of users, by name (in byte order, as on
    /// SQLite).
    pub fn applications(&self) -> Result<Vec<(Application, u64)>> {
        let rows = self.client.borrow_mut().query(
            &format!(
                "SELECT {APP_COLUMNS}, user_count FROM applications ORDER BY name COLLATE \"C\""
            ),
            &[],
        )?;
        rows.iter()
            .map(|r| Ok((application_row(r)?, narrow(r.get(5), "user_count")?)))
            .collect()
    }
}

impl PgStore {
    /// The application called `name`, created on first use (see the SQLite store's).
    pub fn application(&mut self, name: &str) -> Result<Application> {
        let name = required_text(name)
            .map_err(|m| StoreError::invalid(Field::Record, format!("application name {m}")))?;
        if let Ok(app) = self.existing_application(&name) {
            return Ok(app);
        }
        self.insert_application(&name, None)?;
        self.existing_application(&name)
    }

    /// Adds an application; its name must be new.
    pub fn create_application(
        &mut self,
        name: &str,
        user_limit: Option<u64>,
    ) -> Result<Application> {
        let name = required_text(name)
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

    /// Adds the application unless one has the name (another host may have just
    /// added it); records it when added.
    fn insert_application(&mut self, name: &str, user_limit: Option<u64>) -> Result<()> {
        let limit = limit_column(user_limit)?;
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let added = tx.query_opt(
            "INSERT INTO applications (name, user_limit) VALUES ($1, $2)
             ON CONFLICT (name) DO NOTHING RETURNING id",
            &[&name, &limit],
        )?;
        if let Some(row) = added {
            tracing::info!(app = name, user_limit, "add application");
            let app = AppId(row.get(0));
            let changes = Changes::default().with("name", None::<String>, name).with(
                "user_limit",
                None::<u64>,
                user_limit,
            );
            let target = audit::app_target(&mut tx, app)?;
            let record = Record::new(Some(app), "app.create", target, changes);
            audit::append(&mut tx, &self.actor, record)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn set_user_limit(&mut self, app: AppId, limit: Option<u64>) -> Result<()> {
        let result = self.set_user_limit_unlogged(app, limit);
        let shown = limit.map_or("none".into(), |n| n.to_string());
        self.logged(app, "set user limit", &format!("limit {shown}"), result)
    }

    fn set_user_limit_unlogged(&mut self, app: AppId, limit: Option<u64>) -> Result<()> {
        let column = limit_column(limit)?;
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let before: Option<i64> = tx
            .query_one(
                "SELECT user_limit FROM applications WHERE id = $1",
                &[&app.0],
            )?
            .get(0);
        tx.execute(
            "UPDATE applications SET user_limit = $2 WHERE id = $1",
            &[&app.0, &column],
        )?;
        let changes = Changes::default().with("user_limit", before, limit);
        let target = audit::app_target(&mut tx, app)?;
        let record = Record::new(Some(app), "app.set_limit", target, changes);
        append_if_changed(&mut tx, &self.actor, record)?;
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
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let before = tx.query_one(
            "SELECT lockout_failures, lockout_secs FROM applications WHERE id = $1",
            &[&app.0],
        )?;
        let (failures, secs): (i64, i64) = (before.get(0), before.get(1));
        tx.execute(
            "UPDATE applications SET lockout_failures = $2, lockout_secs = $3 WHERE id = $1",
            &[&app.0, &i64::from(policy.max_failures), &policy.window_secs],
        )?;
        let changes = Changes::default()
            .with("lockout_failures", failures, policy.max_failures)
            .with("lockout_seconds", secs, policy.window_secs);
        let target = audit::app_target(&mut tx, app)?;
        let record = Record::new(Some(app), "app.set_lockout", target, changes);
        append_if_changed(&mut tx, &self.actor, record)?;
        tx.commit()?;
        Ok(())
    }
}

/// Appends the entry of an edit, unless it changed nothing (a limit set to what it
/// was).
fn append_if_changed(tx: &mut Transaction, actor: &Actor, record: Record) -> Result<()> {
    if !record.changes.is_empty() {
        audit::append(tx, actor, record)?;
    }
    Ok(())
}
