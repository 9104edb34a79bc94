//! A user as the JSON output shows it: `users list --format json`, `whoami`, each user
//! of an export.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::store::{Result, Store, User, UserId, UserRow};

/// A user as the JSON output shows it (a stable shape scripts rely on).
#[derive(Debug, Serialize)]
pub struct UserJson {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub created: String,
    pub last_login: Option<String>,
}

impl UserJson {
    pub fn from_row(row: UserRow, tags: BTreeMap<String, String>) -> UserJson {
        UserJson {
            email: row.email,
            first_name: Some(row.first_name).filter(|s| !s.is_empty()),
            last_name: Some(row.last_name).filter(|s| !s.is_empty()),
            groups: row.groups,
            tags,
            created: rfc3339(row.created_at),
            last_login: row.last_login.map(rfc3339),
        }
    }

    pub fn from_user(user: User) -> UserJson {
        UserJson {
            email: user.email,
            first_name: user.first_name,
            last_name: user.last_name,
            groups: user.groups,
            tags: user.tags,
            created: rfc3339(user.created_at),
            last_login: user.last_login.map(rfc3339),
        }
    }
}

/// A page of list rows as user objects, with their tags read in one query.
pub fn users_json(store: &Store, rows: Vec<UserRow>) -> Result<Vec<UserJson>> {
    let ids: Vec<UserId> = rows.iter().map(|r| r.id).collect();
    let mut tags = store.tags_of(&ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let t = tags.remove(&row.id).unwrap_or_default();
            UserJson::from_row(row, t)
        })
        .collect())
}

pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}
