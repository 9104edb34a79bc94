//! Adding users to a group and removing one from it, from the group's side: each user
//! changed gets the `user.update` entry (groups before → after) that the same change
//! made in the user form leaves, and their version moves on, so that a form opened on
//! them before sees the change.

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, Batch, Context, Record, Target, UserFields};
use super::users::audit_user;
use super::{AppId, Result, SqliteStore, StoreError, UserId, begin_write, unix_now};

/// What adding users to a group did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembersAdded {
    /// The group's name when they were added (another administrator may have renamed
    /// it since the caller read it).
    pub group: String,
    /// The users who joined the group.
    pub added: Vec<UserId>,
    /// The users who were in it already (left as they were).
    pub already: Vec<UserId>,
}

impl SqliteStore {
    /// Adds `users` to the group, in one transaction: all of them or, when one is gone
    /// or the group is, none. Users already in it are left as they are. Several users
    /// changed are one batch in the audit log, with a `group.add_members` summary.
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
        let tx = begin_write(&mut self.conn)?;
        let name = group_name(&tx, app, group)?;
        let mut done = MembersAdded {
            group: name.clone(),
            added: Vec::new(),
            already: Vec::new(),
        };
        for user in users {
            if is_member(&tx, app, *user, group)? {
                done.already.push(*user);
            } else if !done.added.contains(user) {
                // A user named twice is added once.
                done.added.push(*user);
            }
        }
        let context = Context {
            batch: if done.added.len() > 1 {
                Some(Batch::begin(&tx)?)
            } else {
                None
            },
            source: None,
        };
        let before_count = direct_members(&tx, group)?;
        for user in &done.added {
            let before = UserFields::read(&tx, *user)?;
            tx.prepare_cached("INSERT INTO memberships (user_id, group_id) VALUES (?1, ?2)")?
                .execute(params![user.0, group])?;
            touch(&tx, *user)?;
            let after = UserFields::read(&tx, *user)?;
            audit_user(
                &tx,
                &self.actor,
                app,
                *user,
                Some(&before),
                Some(&after),
                None,
                context,
            )?;
        }
        if context.batch.is_some() {
            let changes = audit::Changes::default().with(
                "members",
                before_count,
                before_count + done.added.len() as u64,
            );
            let record = Record::new(
                Some(app),
                "group.add_members",
                Target::new("group", Some(group), &name),
                changes,
            );
            audit::append(&tx, &self.actor, record.within(context))?;
        }
        tx.commit()?;
        Ok(done)
    }

    /// Whether group `group` still exists in the application (someone else may have
    /// deleted it).
    pub fn group_exists(&self, app: AppId, group: i64) -> Result<bool> {
        match group_name(&self.conn, app, group) {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Takes `user` out of the group (the user is not deleted). Refused with
    /// [`StoreError::NotMember`] when the user is no longer in it, with
    /// [`StoreError::UserGone`] when the user is gone.
    pub fn remove_member(&mut self, app: AppId, group: i64, user: UserId) -> Result<()> {
        let result = self.remove_member_unlogged(app, group, user);
        let subject = format!("user #{} from group #{group}", user.0);
        self.logged(app, "remove member", &subject, result)
    }

    fn remove_member_unlogged(&mut self, app: AppId, group: i64, user: UserId) -> Result<()> {
        let tx = begin_write(&mut self.conn)?;
        group_name(&tx, app, group)?;
        if !is_member(&tx, app, user, group)? {
            return Err(StoreError::NotMember(user));
        }
        let before = UserFields::read(&tx, user)?;
        tx.prepare_cached("DELETE FROM memberships WHERE user_id = ?1 AND group_id = ?2")?
            .execute(params![user.0, group])?;
        touch(&tx, user)?;
        let after = UserFields::read(&tx, user)?;
        audit_user(
            &tx,
            &self.actor,
            app,
            user,
            Some(&before),
            Some(&after),
            None,
            Context::default(),
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// The group's name; a group of another application, or one deleted meanwhile, is not
/// found.
fn group_name(conn: &Connection, app: AppId, group: i64) -> Result<String> {
    conn.prepare_cached("SELECT name FROM groups WHERE id = ?1 AND app_id = ?2")?
        .query_row(params![group, app.0], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::not_found("group", "it was deleted meanwhile"))
}

/// Whether the user (who must exist in the application) is a direct member.
fn is_member(conn: &Connection, app: AppId, user: UserId, group: i64) -> Result<bool> {
    let found: Option<bool> = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = ?1 AND group_id = ?2)
             FROM users WHERE id = ?1 AND app_id = ?3",
        )?
        .query_row(params![user.0, group, app.0], |r| r.get(0))
        .optional()?;
    found.ok_or(StoreError::UserGone(user))
}

fn direct_members(conn: &Connection, group: i64) -> Result<u64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM memberships WHERE group_id = ?1")?
        .query_row([group], |r| r.get(0))?)
}

/// A user's groups changed: their version moves on (an edit begun before is refused
/// as a conflict) and so does their last change.
fn touch(conn: &Connection, user: UserId) -> Result<()> {
    conn.prepare_cached("UPDATE users SET version = version + 1, updated_at = ?2 WHERE id = ?1")?
        .execute(params![user.0, unix_now()])?;
    Ok(())
}
