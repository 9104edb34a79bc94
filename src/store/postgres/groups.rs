//! Groups and their members on PostgreSQL (see the SQLite store's groups.rs and
//! members.rs): the same checks and audit entries; member counts kept by the
//! schema's triggers.

use std::collections::HashMap;

use postgres::{GenericClient, Transaction};

use super::apps::narrow;
use super::reads::read_user;
use super::users::append_all;
use super::{PgStore, audit, begin_write};
use crate::domain::{Field, creates_cycle, required_text};
use crate::store::audit::{Changes, Context, Record, Target, UserFields};
use crate::store::users::user_records;
use crate::store::{
    Actor, AppId, Group, GroupRef, GroupSummary, MembersAdded, Result, StoreError, UserId,
    cycle_reason, unix_now,
};

impl PgStore {
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
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let parent_id = match parent {
            Some(p) => Some(group_id(&mut tx, app, p)?),
            None => None,
        };
        if find_group(&mut tx, app, &name)?.is_some() {
            return Err(StoreError::invalid(
                Field::GroupName,
                format!("a group named '{name}' already exists"),
            ));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO groups (app_id, name, parent_id) VALUES ($1, $2, $3) RETURNING id",
                &[&app.0, &name, &parent_id],
            )?
            .get(0);
        let changes = Changes::default()
            .with("name", None::<String>, name.clone())
            .with("parent", None::<String>, parent.map(str::trim));
        let target = Target::new("group", Some(id), &name);
        let record = Record::new(Some(app), "group.create", target, changes);
        audit::append(&mut tx, &self.actor, record)?;
        tx.commit()?;
        Ok(Group {
            id,
            name,
            parent_id,
        })
    }

    /// Moves `name` under `parent` (or to the top with `None`); refuses cycles.
    pub fn set_group_parent(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<()> {
        let result = self.in_write(|tx, actor| {
            let id = group_id(tx, app, name)?;
            move_in(tx, actor, app, id, name, parent)
        });
        let subject = format!("group {name} under {}", parent.unwrap_or("the top"));
        self.logged(app, "move group", &subject, result)
    }

    pub fn rename_group(&mut self, app: AppId, old: &str, new: &str) -> Result<()> {
        let result = self.in_write(|tx, actor| {
            let id = group_id(tx, app, old)?;
            rename_in(tx, actor, app, id, old, new)
        });
        let subject = format!("group {old} -> {new}");
        self.logged(app, "rename group", &subject, result)
    }

    /// Deletes a group: its members stay (they only leave it), its devices stay (only
    /// the tie goes), and its child groups move up to its parent.
    pub fn delete_group(&mut self, app: AppId, name: &str) -> Result<()> {
        let result = self.in_write(|tx, actor| {
            let id = group_id(tx, app, name)?;
            delete_in(tx, actor, app, id, name)
        });
        self.logged(app, "delete group", &format!("group {name}"), result)
    }

    /// Renames and moves `group` in one go, unless someone else changed it since it
    /// was read.
    pub fn edit_group(
        &mut self,
        app: AppId,
        group: &GroupRef,
        name: &str,
        parent: Option<&str>,
    ) -> Result<()> {
        let result = self.in_write(|tx, actor| {
            check_version(tx, app, group)?;
            rename_in(tx, actor, app, group.id, &group.name, name)?;
            move_in(tx, actor, app, group.id, name.trim(), parent)
        });
        let subject = format!(
            "group {} -> {name} under {}",
            group.name,
            parent.unwrap_or("the top")
        );
        self.logged(app, "edit group", &subject, result)
    }

    /// Deletes `group` as [`PgStore::delete_group`] does, unless someone else changed
    /// it since it was read.
    pub fn delete_group_read(&mut self, app: AppId, group: &GroupRef) -> Result<()> {
        let result = self.in_write(|tx, actor| {
            check_version(tx, app, group)?;
            delete_in(tx, actor, app, group.id, &group.name)
        });
        let subject = format!("group {}", group.name);
        self.logged(app, "delete group", &subject, result)
    }

    /// Runs `write` in a write transaction, committed when it succeeds.
    fn in_write(
        &mut self,
        write: impl FnOnce(&mut Transaction, &Actor) -> Result<()>,
    ) -> Result<()> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        write(&mut tx, &self.actor)?;
        tx.commit()?;
        Ok(())
    }

    /// The id of the group called `name`.
    pub fn group_named(&self, app: AppId, name: &str) -> Result<i64> {
        group_id(&mut *self.client.borrow_mut(), app, name)
    }

    /// All groups of the application, parents before children, siblings by name.
    pub fn groups(&self, app: AppId) -> Result<Vec<Group>> {
        list_groups(&mut *self.client.borrow_mut(), app)
    }

    /// The group tree (parents first) with the member counts the triggers keep (direct
    /// and with subgroups) and device counts.
    pub fn group_summaries(&self, app: AppId) -> Result<Vec<GroupSummary>> {
        let mut client = self.client.borrow_mut();
        let groups = list_groups(&mut *client, app)?;
        let counts = client.prepare(
            "SELECT member_count, subtree_member_count, version,
                    (SELECT count(*) FROM group_devices WHERE group_id = $1)
             FROM groups WHERE id = $1",
        )?;
        let mut depth: HashMap<i64, usize> = HashMap::new();
        let mut out = Vec::with_capacity(groups.len());
        for group in groups {
            let d = (group.parent_id)
                .and_then(|p| depth.get(&p))
                .map_or(0, |d| d + 1);
            depth.insert(group.id, d);
            let row = client.query_one(&counts, &[&group.id])?;
            out.push(GroupSummary {
                group,
                depth: d,
                members: narrow(row.get(0), "member_count")?,
                with_subgroups: narrow(row.get(1), "subtree_member_count")?,
                devices: narrow(row.get(3), "a device count")?,
                version: row.get(2),
            });
        }
        Ok(out)
    }

    /// Whether group `group` still exists in the application.
    pub fn group_exists(&self, app: AppId, group: i64) -> Result<bool> {
        match group_name(&mut *self.client.borrow_mut(), app, group) {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Adds `users` to the group, in one transaction: all of them or none (see the
    /// SQLite store's members.rs).
    pub fn add_members(
        &mut self,
        app: AppId,
        group: i64,
        users: &[UserId],
    ) -> Result<MembersAdded> {
        let result = self.add_members_unlogged(app, group, users);
        let subject = format!("{} user(s) to group #{group}", users.len());
        self.logged(app, "add members", &subject, result)
    }

    fn add_members_unlogged(
        &mut self,
        app: AppId,
        group: i64,
        users: &[UserId],
    ) -> Result<MembersAdded> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let name = group_name(&mut tx, app, group)?;
        let mut done = MembersAdded {
            group: name.clone(),
            added: Vec::new(),
            already: Vec::new(),
        };
        for user in users {
            if is_member(&mut tx, app, *user, group)? {
                done.already.push(*user);
            } else if !done.added.contains(user) {
                // A user named twice is added once.
                done.added.push(*user);
            }
        }
        let context = Context {
            batch: match done.added.len() > 1 {
                true => Some(audit::begin_batch(&mut tx)?),
                false => None,
            },
            source: None,
        };
        let before_count: i64 = tx
            .query_one(
                "SELECT count(*) FROM memberships WHERE group_id = $1",
                &[&group],
            )?
            .get(0);
        for user in &done.added {
            let before = UserFields::of_user(&read_user(&mut tx, *user)?);
            tx.execute(
                "INSERT INTO memberships (user_id, group_id) VALUES ($1, $2)",
                &[&user.0, &group],
            )?;
            touch(&mut tx, *user)?;
            let after = UserFields::of_user(&read_user(&mut tx, *user)?);
            let records = user_records(app, *user, Some(&before), Some(&after), None);
            append_all(&mut tx, &self.actor, records, context)?;
        }
        if context.batch.is_some() {
            let after_count = before_count + done.added.len() as i64;
            let changes = Changes::default().with("members", before_count, after_count);
            let target = Target::new("group", Some(group), &name);
            let record = Record::new(Some(app), "group.add_members", target, changes);
            audit::append(&mut tx, &self.actor, record.within(context))?;
        }
        tx.commit()?;
        Ok(done)
    }

    /// Takes `user` out of the group (the user is not deleted); refused with
    /// [`StoreError::NotMember`] when the user is no longer in it.
    pub fn remove_member(&mut self, app: AppId, group: i64, user: UserId) -> Result<()> {
        let result = self.remove_member_unlogged(app, group, user);
        let subject = format!("user #{} from group #{group}", user.0);
        self.logged(app, "remove member", &subject, result)
    }

    fn remove_member_unlogged(&mut self, app: AppId, group: i64, user: UserId) -> Result<()> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        group_name(&mut tx, app, group)?;
        if !is_member(&mut tx, app, user, group)? {
            return Err(StoreError::NotMember(user));
        }
        let before = UserFields::of_user(&read_user(&mut tx, user)?);
        tx.execute(
            "DELETE FROM memberships WHERE user_id = $1 AND group_id = $2",
            &[&user.0, &group],
        )?;
        touch(&mut tx, user)?;
        let after = UserFields::of_user(&read_user(&mut tx, user)?);
        let records = user_records(app, user, Some(&before), Some(&after), None);
        append_all(&mut tx, &self.actor, records, Context::default())?;
        tx.commit()?;
        Ok(())
    }
}

/// The groups of the application, parents before children, siblings by name (in
/// byte order, as on SQLite).
fn list_groups(client: &mut impl GenericClient, app: AppId) -> Result<Vec<Group>> {
    let rows = client.query(
        "WITH RECURSIVE tree(id, name, parent_id, path) AS (
             SELECT id, name, parent_id, name FROM groups WHERE app_id = $1 AND parent_id IS NULL
             UNION ALL
             SELECT g.id, g.name, g.parent_id, t.path || chr(31) || g.name
             FROM groups g JOIN tree t ON g.parent_id = t.id
         )
         SELECT id, name, parent_id FROM tree ORDER BY path COLLATE \"C\"",
        &[&app.0],
    )?;
    Ok(rows
        .iter()
        .map(|r| Group {
            id: r.get(0),
            name: r.get(1),
            parent_id: r.get(2),
        })
        .collect())
}

fn find_group(client: &mut impl GenericClient, app: AppId, name: &str) -> Result<Option<i64>> {
    let found = client.query_opt(
        "SELECT id FROM groups WHERE app_id = $1 AND name = $2",
        &[&app.0, &name],
    )?;
    Ok(found.map(|r| r.get(0)))
}

pub(super) fn group_id(client: &mut impl GenericClient, app: AppId, name: &str) -> Result<i64> {
    find_group(client, app, name)?.ok_or_else(|| StoreError::not_found("group", name))
}

/// The name of the group's parent, if it has one.
fn parent_name(tx: &mut Transaction, id: i64) -> Result<Option<String>> {
    let found = tx.query_opt(
        "SELECT p.name FROM groups g JOIN groups p ON p.id = g.parent_id WHERE g.id = $1",
        &[&id],
    )?;
    Ok(found.map(|r| r.get(0)))
}

/// Renames group `id` (now called `old`) to `new`, bumping its version.
fn rename_in(
    tx: &mut Transaction,
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
        "UPDATE groups SET name = $2, version = version + 1 WHERE id = $1",
        &[&id, &new],
    )?;
    let changes = Changes::default().with("name", old, new.clone());
    let target = Target::new("group", Some(id), new);
    audit::append(
        tx,
        actor,
        Record::new(Some(app), "group.rename", target, changes),
    )?;
    Ok(())
}

/// Puts group `id` (called `name`) under `parent`, or at the top with `None`, bumping
/// its version; refuses cycles.
fn move_in(
    tx: &mut Transaction,
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
        "UPDATE groups SET parent_id = $2, version = version + 1 WHERE id = $1",
        &[&id, &parent_id],
    )?;
    let changes = Changes::default().with("parent", before, parent_name(tx, id)?);
    let target = Target::new("group", Some(id), name);
    audit::append(
        tx,
        actor,
        Record::new(Some(app), "group.move", target, changes),
    )?;
    Ok(())
}

/// Deletes group `id` (called `name`): its children move up to its parent, its
/// members and device ties go.
fn delete_in(tx: &mut Transaction, actor: &Actor, app: AppId, id: i64, name: &str) -> Result<()> {
    let parent = parent_name(tx, id)?;
    let children = tx.execute(
        "UPDATE groups SET parent_id = (SELECT parent_id FROM groups WHERE id = $1)
         WHERE parent_id = $1",
        &[&id],
    )?;
    let members = tx.execute("DELETE FROM memberships WHERE group_id = $1", &[&id])?;
    let devices = tx.execute("DELETE FROM group_devices WHERE group_id = $1", &[&id])?;
    tx.execute("DELETE FROM groups WHERE id = $1", &[&id])?;
    let changes = Changes::default()
        .with("name", name, None::<String>)
        .with("parent", parent, None::<String>)
        .with("members", members, 0)
        .with("devices", devices, 0)
        .with("subgroups", children, 0);
    let target = Target::new("group", Some(id), name);
    audit::append(
        tx,
        actor,
        Record::new(Some(app), "group.delete", target, changes),
    )?;
    Ok(())
}

/// Refuses to go on when `group` is gone or was changed since it was read.
fn check_version(tx: &mut Transaction, app: AppId, group: &GroupRef) -> Result<()> {
    let found = tx.query_opt(
        "SELECT version FROM groups WHERE id = $1 AND app_id = $2",
        &[&group.id, &app.0],
    )?;
    match found.map(|r| r.get::<_, i64>(0)) {
        None => Err(StoreError::not_found("group", &group.name)),
        Some(v) if v != group.version => Err(StoreError::GroupChanged(group.name.clone())),
        Some(_) => Ok(()),
    }
}

/// The group's name; a group of another application, or one deleted meanwhile, is not
/// found.
fn group_name(client: &mut impl GenericClient, app: AppId, group: i64) -> Result<String> {
    let found = client.query_opt(
        "SELECT name FROM groups WHERE id = $1 AND app_id = $2",
        &[&group, &app.0],
    )?;
    found
        .map(|r| r.get(0))
        .ok_or_else(|| StoreError::not_found("group", "it was deleted meanwhile"))
}

/// Whether the user (who must exist in the application) is a direct member.
fn is_member(tx: &mut Transaction, app: AppId, user: UserId, group: i64) -> Result<bool> {
    let found = tx.query_opt(
        "SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND group_id = $2)
         FROM users WHERE id = $1 AND app_id = $3",
        &[&user.0, &group, &app.0],
    )?;
    found.map(|r| r.get(0)).ok_or(StoreError::UserGone(user))
}

/// A user's groups changed: their version moves on (an edit begun before is refused
/// as a conflict) and so does their last change.
fn touch(tx: &mut Transaction, user: UserId) -> Result<()> {
    tx.execute(
        "UPDATE users SET version = version + 1, updated_at = $2 WHERE id = $1",
        &[&user.0, &unix_now()],
    )?;
    Ok(())
}
