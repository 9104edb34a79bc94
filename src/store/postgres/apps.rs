//! Applications on PostgreSQL.

use super::PgStore;
use crate::store::{AppId, Application, LoginPolicy, Result, StoreError};

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
