use rusqlite::params;

use super::audit::{self, Changes, Record, Target};
use super::groups::group_id;
use super::{AppId, Result, SqliteStore, StoreError, UserId, begin_write};
use crate::domain::{Field, required_text};

/// A device a user reaches, and the group it is tied to on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachedDevice {
    pub device: String,
    pub via_group: String,
}

impl SqliteStore {
    pub fn create_device(&mut self, app: AppId, name: &str, groups: &[&str]) -> Result<i64> {
        let result = self.create_device_unlogged(app, name, groups);
        let subject = format!("device {name} tied to [{}]", groups.join(", "));
        self.logged(app, "add device", &subject, result)
    }

    fn create_device_unlogged(&mut self, app: AppId, name: &str, groups: &[&str]) -> Result<i64> {
        let name = required_text(name).map_err(|m| StoreError::invalid(Field::DeviceName, m))?;
        let tx = begin_write(&mut self.conn)?;
        if device_id(&tx, app, &name).is_ok() {
            return Err(StoreError::invalid(
                Field::DeviceName,
                format!("a device named '{name}' already exists"),
            ));
        }
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
        let changes = Changes::default()
            .with("name", None::<String>, name.clone())
            .with("groups", Vec::<String>::new(), device_groups(&tx, device)?);
        let record = Record::new(
            Some(app),
            "device.create",
            Target::new("device", Some(device), name),
            changes,
        );
        audit::append(&tx, &self.actor, record)?;
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

/// A device and the groups it is tied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub name: String,
    pub groups: Vec<String>,
}

impl SqliteStore {
    /// Every device of the application with its groups, by name.
    pub fn devices(&self, app: AppId) -> Result<Vec<Device>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.name, (SELECT group_concat(g.name, char(31)) FROM group_devices gd
                             JOIN groups g ON g.id = gd.group_id WHERE gd.device_id = d.id)
             FROM devices d WHERE d.app_id = ?1 ORDER BY d.name",
        )?;
        let rows = stmt.query_map([app.0], |r| {
            let groups: Option<String> = r.get(1)?;
            let mut groups: Vec<String> = groups
                .map(|g| g.split('\u{1f}').map(String::from).collect())
                .unwrap_or_default();
            groups.sort();
            Ok(Device {
                name: r.get(0)?,
                groups,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Ties (`link = true`) or unties a device and a group; returns whether that
    /// changed anything (the tie may already be as asked).
    pub fn link_device(
        &mut self,
        app: AppId,
        device: &str,
        group: &str,
        link: bool,
    ) -> Result<bool> {
        let result = self.link_device_unlogged(app, device, group, link);
        let what = if link { "tie device" } else { "untie device" };
        self.logged(
            app,
            what,
            &format!("device {device}, group {group}"),
            result,
        )
    }

    fn link_device_unlogged(
        &mut self,
        app: AppId,
        device: &str,
        group: &str,
        link: bool,
    ) -> Result<bool> {
        let tx = begin_write(&mut self.conn)?;
        let (name, device) = (device, device_id(&tx, app, device)?);
        let group = group_id(&tx, app, group)?;
        let before = device_groups(&tx, device)?;
        let (sql, op) = if link {
            (
                "INSERT INTO group_devices (group_id, device_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                "device.link",
            )
        } else {
            (
                "DELETE FROM group_devices WHERE group_id = ?1 AND device_id = ?2",
                "device.unlink",
            )
        };
        let changed = tx.execute(sql, params![group, device])? > 0;
        if changed {
            let changes = Changes::default().with("groups", before, device_groups(&tx, device)?);
            let record = Record::new(
                Some(app),
                op,
                Target::new("device", Some(device), name),
                changes,
            );
            audit::append(&tx, &self.actor, record)?;
        }
        tx.commit()?;
        Ok(changed)
    }

    pub fn delete_device(&mut self, app: AppId, name: &str) -> Result<()> {
        let result = self.delete_device_unlogged(app, name);
        self.logged(app, "delete device", &format!("device {name}"), result)
    }

    fn delete_device_unlogged(&mut self, app: AppId, name: &str) -> Result<()> {
        let tx = begin_write(&mut self.conn)?;
        let id = device_id(&tx, app, name)?;
        let changes = Changes::default().with("name", name, None::<String>).with(
            "groups",
            device_groups(&tx, id)?,
            Vec::<String>::new(),
        );
        tx.execute("DELETE FROM group_devices WHERE device_id = ?1", [id])?;
        tx.execute("DELETE FROM devices WHERE id = ?1", [id])?;
        let record = Record::new(
            Some(app),
            "device.delete",
            Target::new("device", Some(id), name),
            changes,
        );
        audit::append(&tx, &self.actor, record)?;
        tx.commit()?;
        Ok(())
    }
}

/// The names of the groups a device is tied to, sorted.
pub(crate) fn device_groups(conn: &rusqlite::Connection, device: i64) -> Result<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT g.name FROM group_devices gd JOIN groups g ON g.id = gd.group_id
             WHERE gd.device_id = ?1 ORDER BY g.name",
        )?
        .query_map([device], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn device_id(conn: &rusqlite::Connection, app: AppId, name: &str) -> Result<i64> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached("SELECT id FROM devices WHERE app_id = ?1 AND name = ?2")?
        .query_row(params![app.0, name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::not_found("device", name))
}
