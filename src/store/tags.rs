use std::collections::{BTreeMap, HashMap};

use rusqlite::params;

use super::{AppId, Result, SqliteStore, UserId};

pub(crate) const TAG_KEY_USAGE_SQL: &str = "SELECT key, users FROM tag_keys WHERE app_id = ?1";

/// Each key's users (as `tag_keys` counts them) but the edited user, whose own `keys`
/// count only their other users; keys nobody else has are left out.
pub(crate) fn others_usage(usage: Vec<(String, u64)>, own: &[String]) -> Vec<(String, u64)> {
    (usage.into_iter())
        .map(|(key, users)| {
            let users = users - u64::from(own.contains(&key));
            (key, users)
        })
        .filter(|(_, users)| *users > 0)
        .collect()
}

impl SqliteStore {
    /// Distinct tag keys on users other than `except`, with how many of them use each.
    pub fn tag_key_usage(&self, app: AppId, except: Option<UserId>) -> Result<Vec<(String, u64)>> {
        let own: Vec<String> = match except {
            Some(user) => self
                .conn
                .prepare_cached("SELECT key FROM user_tags WHERE user_id = ?1")?
                .query_map([user.0], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?,
            None => Vec::new(),
        };
        let mut stmt = self.conn.prepare_cached(TAG_KEY_USAGE_SQL)?;
        let rows = stmt.query_map(params![app.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
        })?;
        Ok(others_usage(
            rows.collect::<rusqlite::Result<Vec<_>>>()?,
            &own,
        ))
    }
}

impl SqliteStore {
    /// The tags of several users in one query.
    pub fn tags_of(&self, users: &[UserId]) -> Result<HashMap<UserId, BTreeMap<String, String>>> {
        let ids = serde_json::to_string(&users.iter().map(|u| u.0).collect::<Vec<_>>())
            .expect("ids serialise");
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.user_id, t.key, t.value FROM json_each(?1) j
             JOIN user_tags t ON t.user_id = j.value",
        )?;
        let mut out: HashMap<UserId, BTreeMap<String, String>> = HashMap::new();
        let rows = stmt.query_map([ids], |r| Ok((UserId(r.get(0)?), r.get(1)?, r.get(2)?)))?;
        for row in rows {
            let (id, key, value) = row?;
            out.entry(id).or_default().insert(key, value);
        }
        Ok(out)
    }
}
