//! Devices on PostgreSQL (see the SQLite store's devices.rs): a device is tied to
//! groups, and a user reaches the devices of their groups and of the groups above.

use postgres::{GenericClient, Transaction};

use super::groups::group_id;
use super::{PgStore, audit, begin_write};
use crate::domain::{Field, required_text};
use crate::store::audit::{Changes, Record, Target};
use crate::store::{AppId, Device, ReachedDevice, Result, StoreError, UserId};

impl PgStore {
    pub fn create_device(&mut self, app: AppId, name: &str, groups: &[&str]) -> Result<i64> {
        let result = self.create_device_unlogged(app, name, groups);
        let subject = format!("device {name} tied to [{}]", groups.join(", "));
        self.logged(app, "add device", &subject, result)
    }

    fn create_device_unlogged(&mut self, app: AppId, name: &str, groups: &[&str]) -> Result<i64> {
        let name = required_text(name).map_err(|m| StoreError::invalid(Field::DeviceName, m))?;
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        if device_id(&mut tx, app, &name).is_ok() {
            return Err(StoreError::invalid(
                Field::DeviceName,
                format!("a device named '{name}' already exists"),
            ));
        }
        let device: i64 = tx
            .query_one(
                "INSERT INTO devices (app_id, name) VALUES ($1, $2) RETURNING id",
                &[&app.0, &name],
            )?
            .get(0);
        for group in groups {
            let group = group_id(&mut tx, app, group)?;
            tx.execute(
                "INSERT INTO group_devices (group_id, device_id) VALUES ($1, $2)",
                &[&group, &device],
            )?;
        }
        let changes = Changes::default()
            .with("name", None::<String>, name.clone())
            .with(
                "groups",
                Vec::<String>::new(),
                device_groups(&mut tx, device)?,
            );
        let target = Target::new("device", Some(device), name);
        let record = Record::new(Some(app), "device.create", target, changes);
        audit::append(&mut tx, &self.actor, record)?;
        tx.commit()?;
        Ok(device)
    }

    /// Every device of the application with its groups, by name.
    pub fn devices(&self, app: AppId) -> Result<Vec<Device>> {
        let rows = self.client.borrow_mut().query(
            "SELECT d.name, (SELECT array_agg(g.name) FROM group_devices gd
                             JOIN groups g ON g.id = gd.group_id WHERE gd.device_id = d.id)
             FROM devices d WHERE d.app_id = $1 ORDER BY d.name COLLATE \"C\"",
            &[&app.0],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let mut groups: Vec<String> =
                    r.get::<_, Option<Vec<String>>>(1).unwrap_or_default();
                groups.sort();
                Device {
                    name: r.get(0),
                    groups,
                }
            })
            .collect())
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
        let subject = format!("device {device}, group {group}");
        self.logged(app, what, &subject, result)
    }

    fn link_device_unlogged(
        &mut self,
        app: AppId,
        name: &str,
        group: &str,
        link: bool,
    ) -> Result<bool> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let device = device_id(&mut tx, app, name)?;
        let group = group_id(&mut tx, app, group)?;
        let before = device_groups(&mut tx, device)?;
        let (sql, op) = match link {
            true => (
                "INSERT INTO group_devices (group_id, device_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                "device.link",
            ),
            false => (
                "DELETE FROM group_devices WHERE group_id = $1 AND device_id = $2",
                "device.unlink",
            ),
        };
        let changed = tx.execute(sql, &[&group, &device])? > 0;
        if changed {
            let after = device_groups(&mut tx, device)?;
            let changes = Changes::default().with("groups", before, after);
            let target = Target::new("device", Some(device), name);
            audit::append(
                &mut tx,
                &self.actor,
                Record::new(Some(app), op, target, changes),
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    pub fn delete_device(&mut self, app: AppId, name: &str) -> Result<()> {
        let result = self.delete_device_unlogged(app, name);
        self.logged(app, "delete device", &format!("device {name}"), result)
    }

    fn delete_device_unlogged(&mut self, app: AppId, name: &str) -> Result<()> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let id = device_id(&mut tx, app, name)?;
        let changes = Changes::default().with("name", name, None::<String>).with(
            "groups",
            device_groups(&mut tx, id)?,
            Vec::<String>::new(),
        );
        tx.execute("DELETE FROM group_devices WHERE device_id = $1", &[&id])?;
        tx.execute("DELETE FROM devices WHERE id = $1", &[&id])?;
        let target = Target::new("device", Some(id), name);
        let record = Record::new(Some(app), "device.delete", target, changes);
        audit::append(&mut tx, &self.actor, record)?;
        tx.commit()?;
        Ok(())
    }

    /// The devices tied to these groups or to a group above them, each once, named
    /// with the first group (by name) that reaches it.
    pub fn devices_reached(&self, groups: &[i64]) -> Result<Vec<ReachedDevice>> {
        let rows = self.client.borrow_mut().query(
            "WITH RECURSIVE reach(id) AS (
                 SELECT unnest($1::bigint[])
                 UNION
                 SELECT g.parent_id FROM groups g JOIN reach r ON g.id = r.id
                 WHERE g.parent_id IS NOT NULL
             )
             SELECT d.name, min(g.name COLLATE \"C\") FROM reach r
             JOIN group_devices gd ON gd.group_id = r.id
             JOIN devices d ON d.id = gd.device_id
             JOIN groups g ON g.id = gd.group_id
             GROUP BY d.id, d.name ORDER BY d.name COLLATE \"C\"",
            &[&groups],
        )?;
        Ok(rows
            .iter()
            .map(|r| ReachedDevice {
                device: r.get(0),
                via_group: r.get(1),
            })
            .collect())
    }

    /// The devices a user reaches through their groups and those groups' ancestors.
    pub fn user_devices(&self, user: UserId) -> Result<Vec<ReachedDevice>> {
        let groups: Vec<i64> = (self.client.borrow_mut())
            .query(
                "SELECT group_id FROM memberships WHERE user_id = $1",
                &[&user.0],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        self.devices_reached(&groups)
    }
}

/// The names of the groups a device is tied to, sorted.
pub(super) fn device_groups(tx: &mut Transaction, device: i64) -> Result<Vec<String>> {
    let rows = tx.query(
        "SELECT g.name FROM group_devices gd JOIN groups g ON g.id = gd.group_id
         WHERE gd.device_id = $1 ORDER BY g.name COLLATE \"C\"",
        &[&device],
    )?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

pub(super) fn device_id(client: &mut impl GenericClient, app: AppId, name: &str) -> Result<i64> {
    let found = client.query_opt(
        "SELECT id FROM devices WHERE app_id = $1 AND name = $2",
        &[&app.0, &name],
    )?;
    found
        .map(|r| r.get(0))
        .ok_or_else(|| StoreError::not_found("device", name))
}
