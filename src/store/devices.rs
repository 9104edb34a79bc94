use rusqlite::params;

use super::groups::group_id;
use super::{AppId, Result, Store, StoreError, UserId};
use crate::domain::{Field, required_text};

/// A device a user reaches, and the group it is tied to on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachedDevice {
    pub device: String,
    pub via_group: String,
}

impl Store {
    pub fn create_device(&mut self, app: AppId, name: &str, groups: &[&str]) -> Result<i64> {
        let name = required_text(name).map_err(|m| StoreError::invalid(Field::Record, m))?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO devices (app_id, name) VALUES (?1, ?2)",
            params![app.0, name],
        )?;
        let device = tx.last_insert_rowid();
        for group in groups {
            let group = group_id(&tx, app, group)?;
            tx.execute(
                "INSERT INTO group_devices (group_id, device_id) VALUES (?1, ?2)",
                params![group, device],
            )?;
        }
        tx.commit()?;
        Ok(device)
    }

    /// Devices tied to any of `groups` or to any ancestor of them, by device name.
    pub fn devices_reached(&self, groups: &[i64]) -> Result<Vec<ReachedDevice>> {
        let ids = serde_json::to_string(groups).expect("ids serialise");
        let mut stmt = self.conn.prepare_cached(
            "WITH RECURSIVE reach(id) AS (
                 SELECT value FROM json_each(?1)
                 UNION
                 SELECT g.parent_id FROM groups g JOIN reach r ON g.id = r.id
                 WHERE g.parent_id IS NOT NULL
             )
             SELECT d.name, min(g.name) FROM reach r
             JOIN group_devices gd ON gd.group_id = r.id
             JOIN devices d ON d.id = gd.device_id
             JOIN groups g ON g.id = gd.group_id
             GROUP BY d.id ORDER BY d.name",
        )?;
        let rows = stmt.query_map([ids], |r| {
            Ok(ReachedDevice {
                device: r.get(0)?,
                via_group: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The devices a user reaches through their groups and those groups' ancestors.
    pub fn user_devices(&self, user: UserId) -> Result<Vec<ReachedDevice>> {
        let groups: Vec<i64> = self
            .conn
            .prepare_cached("SELECT group_id FROM memberships WHERE user_id = ?1")?
            .query_map([user.0], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        self.devices_reached(&groups)
    }
}
