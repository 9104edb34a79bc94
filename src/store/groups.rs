use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, Changes, Record, Target};
use super::{Actor, AppId, Result, SqliteStore, StoreError, begin_write};
use crate::domain::{Field, creates_cycle, required_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
}

impl SqliteStore {
    pub fn create_group(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<Group> {
        let result = self.create_group_unlogged(app, name, parent);
        let subject = format!("group {name} under {}", parent.unwrap_or("the top"));
        self.logged(app, "add group", &subject, result)
    }

    fn create_group_unlogged(
        &mut self,
        app: AppId,
        name: &str,
        parent: Option<&str>,
    ) -> Result<Group> {
        let name = required_text(name).map_err(|m| StoreError::invalid(Field::GroupName, m))?;
        let tx = begin_write(&mut self.conn)?;
        let parent_id = match parent {
            Some(p) => Some(group_id(&tx, app, p)?),
            None => None,
        };
        if find_group(&tx, app, &name)?.is_some() {
            return Err(StoreError::invalid(
                Field::GroupName,
                format!("a group named '{name}' already exists"),
            ));
        }
        tx.execute(
            "INSERT INTO groups (app_id, name, parent_id) VALUES (?1, ?2, ?3)",
            params![app.0, name, parent_id],
        )?;
        let id = tx.last_insert_rowid();
        let changes = Changes::default()
            .with("name", None::<String>, name.clone())
            .with("parent", None::<String>, parent.map(str::trim));
        let record = Record::new(
            Some(app),
            "group.create",
            Target::new("group", Some(id), &name),
            changes,
        );
        audit::append(&tx, &self.actor, record)?;
        tx.commit()?;
        Ok(Group {
            id,
            name,
            parent_id,
        })
    }

    /// Moves `name` under `parent` (or to the top with `None`); refuses cycles.
    pub fn set_group_parent(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<()> {
        let result = self.set_group_parent_unlogged(app, name, parent);
        let subject = format!("group {name} under {}", parent.unwrap_or("the top"));
        self.logged(app, "move group", &subject, result)
    }

    fn set_group_parent_unlogged(
        &mut self,
        app: AppId,
        name: &str,
        parent: Option<&str>,
    ) -> Result<()> {
        let tx = begin_write(&mut self.conn)?;
        let id = group_id(&tx, app, name)?;
        move_in(&tx, &self.actor, app, id, name, parent)?;
        tx.commit()?;
        Ok(())
    }

    /// All groups of the application, parents before children, siblings by name.
    pub fn groups(&self, app: AppId) -> Result<Vec<Group>> {
        list_groups(&self.conn, app)
    }
}

fn list_groups(conn: &Connection, app: AppId) -> Result<Vec<Group>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE tree(id, name, parent_id, path) AS (
             SELECT id, name, parent_id, name FROM groups WHERE app_id = ?1 AND parent_id IS NULL
             UNION ALL
             SELECT g.id, g.name, g.parent_id, t.path || char(31) || g.name
             FROM groups g JOIN tree t ON g.parent_id = t.id
         )
         SELECT id, name, parent_id FROM tree ORDER BY path",
    )?;
    let rows = stmt.query_map([app.0], |r| {
        Ok(Group {
            id: r.get(0)?,
            name: r.get(1)?,
            parent_id: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The name of the group's parent, if it has one.
fn parent_name(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT p.name FROM groups g JOIN groups p ON p.id = g.parent_id WHERE g.id = ?1",
        )?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

fn find_group(conn: &Connection, app: AppId, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM groups WHERE app_id = ?1 AND name = ?2")?
        .query_row(params![app.0, name], |r| r.get(0))
        .optional()?)
}

pub(crate) fn group_id(conn: &Connection, app: AppId, name: &str) -> Result<i64> {
    find_group(conn, app, name)?.ok_or_else(|| StoreError::not_found("group", name))
}

impl SqliteStore {
    /// The id of the group called `name`.
    pub fn group_named(&self, app: AppId, name: &str) -> Result<i64> {
        group_id(&self.conn, app, name)
    }
}

/// A group with how many users are direct members and how many devices it is tied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub group: Group,
    /// Levels below the top (0 = a top-level group).
    pub depth: usize,
    pub members: u64,
    /// Distinct users in the group and every group below it.
    pub with_subgroups: u64,
    pub devices: u64,
    /// Bumped by every change of the group itself (see [`GroupRef`]).
    pub version: i64,
}

impl GroupSummary {
    /// Which group this is, and which version of it was read.
    pub fn reference(&self) -> GroupRef {
        GroupRef {
            id: self.group.id,
            name: self.group.name.clone(),
            version: self.version,
        }
    }
}

impl SqliteStore {
    /// The group tree (parents first) with member and device counts: the member
    /// counts are kept (schema v6 and v10), so this reads no membership.
    pub fn group_summaries(&self, app: AppId) -> Result<Vec<GroupSummary>> {
        let groups = list_groups(&self.conn, app)?;
        let mut counts = self.conn.prepare_cached(
            "SELECT member_count, subtree_member_count, version,
                    (SELECT count(*) FROM group_devices WHERE group_id = ?1)
             FROM groups WHERE id = ?1",
        )?;
        let mut depth: HashMap<i64, usize> = HashMap::new();
        let mut out = Vec::with_capacity(groups.len());
        for group in groups {
            let d = group
                .parent_id
                .and_then(|p| depth.get(&p))
                .map_or(0, |d| d + 1);
            depth.insert(group.id, d);
            let (members, with_subgroups, version, devices) = counts
                .query_row([group.id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
            out.push(GroupSummary {
                group,
                depth: d,
                members,
                with_subgroups,
                devices,
                version,
            });
        }
        Ok(out)
    }

    pub fn rename_group(&mut self, app: AppId, old: &str, new: &str) -> Result<()> {
        let result = self.rename_group_unlogged(app, old, new);
        self.logged(
            app,
            "rename group",
            &format!("group {old} -> {new}"),
            result,
        )
    }

    fn rename_group_unlogged(&mut self, app: AppId, old: &str, new: &str) -> Result<()> {
        let tx = begin_write(&mut self.conn)?;
        let id = group_id(&tx, app, old)?;
        rename_in(&tx, &self.actor, app, id, old, new)?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes a group. Its members stay (they only leave it), its devices stay (only
    /// the tie goes), and its child groups move up to its parent, keeping their own
    /// subtrees, so nobody loses a device reached through a grandparent.
    pub fn delete_group(&mut self, app: AppId, name: &str) -> Result<()> {
        let result = self.delete_group_unlogged(app, name);
        self.logged(app, "delete group", &format!("group {name}"), result)
    }

    fn delete_group_unlogged(&mut self, app: AppId, name: &str) -> Result<()> {
        let tx = begin_write(&mut self.conn)?;
        let id = group_id(&tx, app, name)?;
        delete_in(&tx, &self.actor, app, id, name)?;
        tx.commit()?;
        Ok(())
    }
}

/// Renames group `id` (now called `old`) to `new`, bumping its version.
fn rename_in(
    tx: &Connection,
    actor: &Actor,
    app: AppId,
    id: i64,
    old: &str,
    new: &str,
) -> Result<()> {
    let new = required_text(new).map_err(|m| StoreError::invalid(Field::GroupName, m))?;
    if find_group(tx, app, &new)?.is_some_and(|other| other != id) {
        return Err(StoreError::invalid(
            Field::GroupName,
            format!("a group named '{new}' already exists"),
        ));
    }
    if new == old {
        return Ok(());
    }
    tx.execute(
        "UPDATE groups SET name = ?2, version = version + 1 WHERE id = ?1",
        params![id, new],
    )?;
    let changes = Changes::default().with("name", old, new.clone());
    let record = Record::new(
        Some(app),
        "group.rename",
        Target::new("group", Some(id), new),
        changes,
    );
    audit::append(tx, actor, record)?;
    Ok(())
}

/// Puts group `id` (called `name`) under `parent`, or at the top with `None`, bumping
/// its version; refuses cycles.
fn move_in(
    tx: &Connection,
    actor: &Actor,
    app: AppId,
    id: i64,
    name: &str,
    parent: Option<&str>,
) -> Result<()> {
    let parent_id = match parent {
        Some(p) => {
            let pid = group_id(tx, app, p)?;
            let parents: HashMap<i64, Option<i64>> = list_groups(tx, app)?
                .into_iter()
                .map(|g| (g.id, g.parent_id))
                .collect();
            if creates_cycle(&parents, id, pid) {
                return Err(StoreError::invalid(
                    Field::GroupParent,
                    cycle_reason(name, p),
                ));
            }
            Some(pid)
        }
        None => None,
    };
    let before = parent_name(tx, id)?;
    if before.as_deref() == parent.map(str::trim) {
        return Ok(());
    }
    tx.execute(
        "UPDATE groups SET parent_id = ?2, version = version + 1 WHERE id = ?1",
        params![id, parent_id],
    )?;
    let changes = Changes::default().with("parent", before, parent_name(tx, id)?);
    let record = Record::new(
        Some(app),
        "group.move",
        Target::new("group", Some(id), name),
        changes,
    );
    audit::append(tx, actor, record)?;
    Ok(())
}

/// Why `name` cannot go under `parent`.
pub fn cycle_reason(name: &str, parent: &str) -> String {
    if name == parent {
        format!("'{name}' cannot be its own parent: that would make a cycle")
    } else {
        format!("'{parent}' is one of the subgroups of '{name}': that would make a cycle")
    }
}

/// Deletes group `id` (called `name`): its children move up to its parent, its
/// members and device ties go.
fn delete_in(tx: &Connection, actor: &Actor, app: AppId, id: i64, name: &str) -> Result<()> {
    let parent = parent_name(tx, id)?;
    let children = tx.execute(
        "UPDATE groups SET parent_id = (SELECT parent_id FROM groups WHERE id = ?1)
         WHERE parent_id = ?1",
        [id],
    )?;
    let members = tx.execute("DELETE FROM memberships WHERE group_id = ?1", [id])?;
    let devices = tx.execute("DELETE FROM group_devices WHERE group_id = ?1", [id])?;
    tx.execute("DELETE FROM groups WHERE id = ?1", [id])?;
    let changes = Changes::default()
        .with("name", name, None::<String>)
        .with("parent", parent, None::<String>)
        .with("members", members, 0)
        .with("devices", devices, 0)
        .with("subgroups", children, 0);
    let record = Record::new(
        Some(app),
        "group.delete",
        Target::new("group", Some(id), name),
        changes,
    );
    audit::append(tx, actor, record)?;
    Ok(())
}

/// A group as the console last read it: which one, and which version of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    pub id: i64,
    pub name: String,
    pub version: i64,
}

/// Refuses to go on when `group` is gone or was changed since it was read.
fn check_version(tx: &Connection, app: AppId, group: &GroupRef) -> Result<()> {
    let version: Option<i64> = tx
        .prepare_cached("SELECT version FROM groups WHERE id = ?1 AND app_id = ?2")?
        .query_row(params![group.id, app.0], |r| r.get(0))
        .optional()?;
    match version {
        None => Err(StoreError::not_found("group", &group.name)),
        Some(v) if v != group.version => Err(StoreError::GroupChanged(group.name.clone())),
        Some(_) => Ok(()),
    }
}

impl SqliteStore {
    /// Renames and moves `group` in one go (each change recorded as the CLI's
    /// rename and move are), unless someone else changed it since it was read.
    pub fn edit_group(
        &mut self,
        app: AppId,
        group: &GroupRef,
        name: &str,
        parent: Option<&str>,
    ) -> Result<()> {
        let result = (|| {
            let tx = begin_write(&mut self.conn)?;
            check_version(&tx, app, group)?;
            rename_in(&tx, &self.actor, app, group.id, &group.name, name)?;
            let name = name.trim();
            move_in(&tx, &self.actor, app, group.id, name, parent)?;
            tx.commit()?;
            Ok(())
        })();
        let subject = format!(
            "group {} -> {name} under {}",
            group.name,
            parent.unwrap_or("the top")
        );
        self.logged(app, "edit group", &subject, result)
    }

    /// Deletes `group` as [`SqliteStore::delete_group`] does, unless someone else changed it
    /// since it was read.
    pub fn delete_group_read(&mut self, app: AppId, group: &GroupRef) -> Result<()> {
        let result = (|| {
            let tx = begin_write(&mut self.conn)?;
            check_version(&tx, app, group)?;
            delete_in(&tx, &self.actor, app, group.id, &group.name)?;
            tx.commit()?;
            Ok(())
        })();
        self.logged(
            app,
            "delete group",
            &format!("group {}", group.name),
            result,
        )
    }
}
