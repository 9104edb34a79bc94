//! Users on PostgreSQL.

use postgres::types::{ToSql, Type};
use postgres::{GenericClient, Transaction};

use super::reads::read_user;
use super::{PgStore, audit, begin_write};
use crate::auth::PasswordHash;
use crate::domain::{
    Email, Field, FieldError, NewUser, Profile, UserChanges, UserDraft, email_key, name_sort_key,
};
use crate::store::audit::{Changes, Context, Record, UserFields};
use crate::store::logged::user_save_logged;
use crate::store::users::{search_text, user_records};
use crate::store::{AppId, Result, StoreError, UserId, unix_now};

impl PgStore {
    pub fn create_user(
        &mut self,
        app: AppId,
        user: &NewUser,
        hash: &PasswordHash,
    ) -> Result<UserId> {
        let result = self.create_user_unlogged(app, user, hash);
        self.logged(app, "add user", user.email.as_str(), result)
    }

    /// Every problem with a draft: its own rules broken and what the database would
    /// refuse, all at once (see the SQLite store's).
    pub fn draft_problems(
        &self,
        app: AppId,
        draft: &UserDraft,
        editing: Option<UserId>,
        mut broken: Vec<FieldError>,
    ) -> StoreError {
        let email = Email::parse(&draft.email).ok();
        let groups = draft.valid_group_names();
        let mut client = self.client.borrow_mut();
        match conflicts(&mut *client, app, email.as_ref(), &groups, editing) {
            Ok((found, _)) => {
                broken.extend(found);
                StoreError::Invalid(broken)
            }
            Err(e) => e,
        }
    }

    pub fn find_user(&self, app: AppId, email: &str) -> Result<UserId> {
        find_user_id(&mut *self.client.borrow_mut(), app, email)?
            .ok_or_else(|| StoreError::not_found("user", email))
    }

    fn create_user_unlogged(
        &mut self,
        app: AppId,
        user: &NewUser,
        hash: &PasswordHash,
    ) -> Result<UserId> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let (errors, groups) =
            conflicts(&mut tx, app, Some(&user.email), &user.profile.groups, None)?;
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let profile = &user.profile;
        let id = insert_user(
            &mut tx,
            app,
            &user.email,
            profile,
            hash,
            &groups,
            (unix_now(), 0),
        )?;
        let created = UserFields::of(&user.email, profile);
        let records = user_records(app, id, None, Some(&created), None);
        append_all(&mut tx, &self.actor, records, Context::default())?;
        tx.commit()?;
        Ok(id)
    }

    /// Applies an edit (see the SQLite store's): `expected_version` guards against
    /// overwriting someone else's change; a new password also ends every session.
    pub fn update_user(
        &mut self,
        app: AppId,
        id: UserId,
        changes: &UserChanges,
        new_hash: Option<&PasswordHash>,
        expected_version: Option<i64>,
    ) -> Result<()> {
        let before = self.user_for_log(id);
        let result = self.update_user_unlogged(app, id, changes, new_hash, expected_version);
        let (what, subject) = user_save_logged(
            before.as_ref().map(|(_, old)| old.as_str()),
            changes.email.as_str(),
            new_hash.is_some(),
        );
        self.logged(app, what, &subject, result)
    }

    fn update_user_unlogged(
        &mut self,
        app: AppId,
        id: UserId,
        changes: &UserChanges,
        new_hash: Option<&PasswordHash>,
        expected_version: Option<i64>,
    ) -> Result<()> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let version: i64 = tx
            .query_opt(
                "SELECT version FROM users WHERE id = $1 AND app_id = $2",
                &[&id.0, &app.0],
            )?
            .ok_or(StoreError::UserGone(id))?
            .get(0);
        if expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::Conflict);
        }
        let (errors, groups) = conflicts(
            &mut tx,
            app,
            Some(&changes.email),
            &changes.profile.groups,
            Some(id),
        )?;
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let before = UserFields::of_user(&read_user(&mut tx, id)?);
        let ended = rewrite_user(
            &mut tx,
            id,
            &changes.email,
            &changes.profile,
            new_hash,
            &groups,
        )?;
        let after = UserFields::of(&changes.email, &changes.profile);
        let records = user_records(app, id, Some(&before), Some(&after), ended);
        append_all(&mut tx, &self.actor, records, Context::default())?;
        tx.commit()?;
        Ok(())
    }

    /// Removes the user with their memberships, tags and tokens, atomically.
    pub fn delete_user(&mut self, id: UserId) -> Result<()> {
        self.delete_users(&[id])
    }

    /// Deletes several users in one transaction: all of them, or none when one is
    /// missing; several are one batch in the audit log, with a summary entry.
    pub fn delete_users(&mut self, ids: &[UserId]) -> Result<()> {
        let named: Vec<(AppId, String)> =
            ids.iter().filter_map(|id| self.user_for_log(*id)).collect();
        let result = self.delete_users_unlogged(ids);
        let emails: Vec<&str> = named.iter().map(|(_, email)| email.as_str()).collect();
        match named.first() {
            Some((app, _)) => self.logged(*app, "delete users", &emails.join(", "), result),
            None => result,
        }
    }

    fn delete_users_unlogged(&mut self, ids: &[UserId]) -> Result<()> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let context = Context {
            batch: match ids.len() > 1 {
                true => Some(audit::begin_batch(&mut tx)?),
                false => None,
            },
            source: None,
        };
        let mut app = None;
        for id in ids {
            let before = UserFields::of_user(&read_user(&mut tx, *id)?);
            let owner = AppId(
                tx.query_one("SELECT app_id FROM users WHERE id = $1", &[&id.0])?
                    .get(0),
            );
            // The children first, so that the triggers keeping counts still see the user.
            tx.execute("DELETE FROM memberships WHERE user_id = $1", &[&id.0])?;
            tx.execute("DELETE FROM user_tags WHERE user_id = $1", &[&id.0])?;
            let ended = end_sessions(&mut tx, *id)?;
            // Recorded while the users row still holds the user's chain of entries.
            let records = user_records(owner, *id, Some(&before), None, Some(ended));
            append_all(&mut tx, &self.actor, records, context)?;
            tx.execute("DELETE FROM users WHERE id = $1", &[&id.0])?;
            app = Some(owner);
        }
        if let (Some(_), Some(app)) = (context.batch, app) {
            let changes = Changes::default().with("users", ids.len(), 0);
            let target = audit::app_target(&mut tx, app)?;
            let record = Record::new(Some(app), "users.delete", target, changes);
            audit::append(&mut tx, &self.actor, record.within(context))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The application and email of a user, for the log; `None` once they are gone.
    pub(super) fn user_for_log(&self, id: UserId) -> Option<(AppId, String)> {
        let mut client = self.client.borrow_mut();
        let found = client.query_opt("SELECT app_id, email FROM users WHERE id = $1", &[&id.0]);
        found.ok().flatten().map(|r| (AppId(r.get(0)), r.get(1)))
    }
}

/// Appends `records`, each within `context`, in order.
pub(super) fn append_all(
    tx: &mut Transaction,
    actor: &crate::store::Actor,
    records: Vec<Record>,
    context: Context,
) -> Result<()> {
    for record in records {
        audit::append(tx, actor, record.within(context))?;
    }
    Ok(())
}

/// A name as stored: an absent one is empty.
fn first_name(profile: &Profile) -> &str {
    profile.first_name.as_deref().unwrap_or("")
}

fn last_name(profile: &Profile) -> &str {
    profile.last_name.as_deref().unwrap_or("")
}

/// Inserts a user whose every check has passed; `times` is (created, last login).
pub(super) fn insert_user(
    tx: &mut Transaction,
    app: AppId,
    email: &Email,
    profile: &Profile,
    hash: &PasswordHash,
    groups: &[i64],
    (created, last_login): (i64, i64),
) -> Result<UserId> {
    let id = UserId(
        tx.query_typed_one(
            "INSERT INTO users (app_id, email, email_key, password_hash, first_name, last_name,
                                first_key, last_key, search, created_at, updated_at, last_login)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING id",
            &[
                (&app.0, Type::INT8),
                (&email.as_str(), Type::TEXT),
                (&email.key(), Type::TEXT),
                (&hash.as_str(), Type::TEXT),
                (&first_name(profile), Type::TEXT),
                (&last_name(profile), Type::TEXT),
                (&name_sort_key(first_name(profile)), Type::TEXT),
                (&name_sort_key(last_name(profile)), Type::TEXT),
                (&search_text(email.as_str(), profile), Type::TEXT),
                (&created, Type::INT8),
                (&last_login, Type::INT8),
            ],
        )?
        .get(0),
    );
    write_links(tx, id, groups, profile)?;
    Ok(id)
}

/// A user's memberships and tags: a statement each, not one per row, so that an
/// import's user fires the count triggers twice, not once per tag.
fn write_links(tx: &mut Transaction, id: UserId, groups: &[i64], profile: &Profile) -> Result<()> {
    if !groups.is_empty() {
        tx.execute_typed(
            "INSERT INTO memberships (user_id, group_id) SELECT $1, unnest($2)",
            &[(&id.0, Type::INT8), (&groups, Type::INT8_ARRAY)],
        )?;
    }
    if !profile.tags.is_empty() {
        let (keys, values): (Vec<&str>, Vec<&str>) = (profile.tags.iter())
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .unzip();
        tx.execute_typed(
            "INSERT INTO user_tags (user_id, key, value)
             SELECT $1, key, value FROM unnest($2, $3) AS t(key, value)",
            &[
                (&id.0, Type::INT8),
                (&keys, Type::TEXT_ARRAY),
                (&values, Type::TEXT_ARRAY),
            ],
        )?;
    }
    Ok(())
}

/// Replaces a user's email, names, groups and tags (and password, which also ends
/// their sessions); bumps the version. With a new password, returns how many
/// sessions it ended.
pub(super) fn rewrite_user(
    tx: &mut Transaction,
    id: UserId,
    email: &Email,
    profile: &Profile,
    new_hash: Option<&PasswordHash>,
    groups: &[i64],
) -> Result<Option<usize>> {
    tx.execute_typed(
        "UPDATE users SET email = $2, email_key = $3, first_name = $4, last_name = $5,
             first_key = $6, last_key = $7, search = $8, updated_at = $9, version = version + 1
         WHERE id = $1",
        &[
            (&id.0, Type::INT8),
            (&email.as_str(), Type::TEXT),
            (&email.key(), Type::TEXT),
            (&first_name(profile), Type::TEXT),
            (&last_name(profile), Type::TEXT),
            (&name_sort_key(first_name(profile)), Type::TEXT),
            (&name_sort_key(last_name(profile)), Type::TEXT),
            (&search_text(email.as_str(), profile), Type::TEXT),
            (&unix_now(), Type::INT8),
        ],
    )?;
    let mut ended = None;
    // The same hash (an import or merge of the user as they are) is no new password
    // (the SQLite store's rewrite_user).
    if let Some(hash) = new_hash {
        let changed = tx.execute_typed(
            "UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash IS DISTINCT FROM $2",
            &[(&id.0, Type::INT8), (&hash.as_str(), Type::TEXT)],
        )?;
        if changed > 0 {
            ended = Some(end_sessions(tx, id)?);
        }
    }
    let user = [(&id.0 as &(dyn ToSql + Sync), Type::INT8)];
    tx.execute_typed("DELETE FROM memberships WHERE user_id = $1", &user)?;
    tx.execute_typed("DELETE FROM user_tags WHERE user_id = $1", &user)?;
    write_links(tx, id, groups, profile)?;
    Ok(ended)
}

/// Whether token `t` still works, its application being `a` (see the SQLite store's
/// `live_token_sql`): its issue number is above the application's stamp and its
/// user's.
pub(super) const LIVE_TOKEN: &str = "t.seq > greatest(a.tokens_void_through,
     coalesce((SELECT s.void_through FROM token_stamps s WHERE s.user_id = t.user_id), 0))";

/// Ends every session of a user: their tokens go. Returns how many still worked.
pub(super) fn end_sessions(tx: &mut Transaction, user: UserId) -> Result<usize> {
    let live: i64 = tx
        .query_one(
            &format!(
                "SELECT count(*) FROM tokens t JOIN applications a ON a.id = t.app_id
                 WHERE t.user_id = $1 AND {LIVE_TOKEN}"
            ),
            &[&user.0],
        )?
        .get(0);
    tx.execute("DELETE FROM tokens WHERE user_id = $1", &[&user.0])?;
    Ok(usize::try_from(live).unwrap_or(0))
}

/// The user of application `app` with `email` (in any case), if there is one.
pub(super) fn find_user_id(
    client: &mut impl GenericClient,
    app: AppId,
    email: &str,
) -> Result<Option<UserId>> {
    let found = client.query_typed_opt(
        "SELECT id FROM users WHERE app_id = $1 AND email_key = $2",
        &[(&app.0, Type::INT8), (&email_key(email), Type::TEXT)],
    )?;
    Ok(found.map(|row| UserId(row.get(0))))
}

/// What only the database can refuse (see the SQLite store's `conflicts`): a full
/// application (when adding), an email another user has, unknown groups. Returns the
/// problems and the groups' ids.
pub(super) fn conflicts(
    client: &mut impl GenericClient,
    app: AppId,
    email: Option<&Email>,
    groups: &[String],
    editing: Option<UserId>,
) -> Result<(Vec<FieldError>, Vec<i64>)> {
    let mut errors = Vec::new();
    if editing.is_none() {
        let row = client.query_typed_one(
            // An import's users not yet counted (schema_v13.sql) count too; they are
            // summed only where there is a limit.
            "SELECT user_limit, CASE WHEN user_limit IS NULL THEN user_count
                 ELSE user_count + (SELECT coalesce(sum(n), 0) FROM counts_later
                                    WHERE fold = counts_fold() AND counter = 'user_count'
                                      AND id = $1)::bigint END
             FROM applications WHERE id = $1",
            &[(&app.0, Type::INT8)],
        )?;
        let (limit, count): (Option<i64>, i64) = (row.get(0), row.get(1));
        if let Some(limit) = limit.filter(|limit| count >= *limit) {
            errors.push(FieldError::new(
                Field::Record,
                format!("the application's user limit of {limit} is reached"),
            ));
        }
    }
    if let Some(email) = email {
        let other = find_user_id(client, app, email.as_str())?;
        if other.is_some_and(|other| Some(other) != editing) {
            errors.push(FieldError::new(
                Field::Email,
                "already used by another user of this application",
            ));
        }
    }
    let mut ids = Vec::new();
    for name in groups {
        match client.query_typed_opt(
            "SELECT id FROM groups WHERE app_id = $1 AND name = $2",
            &[(&app.0, Type::INT8), (name, Type::TEXT)],
        )? {
            Some(row) => ids.push(row.get(0)),
            None => errors.push(FieldError::new(
                Field::Groups,
                format!("no such group: {name}"),
            )),
        }
    }
    Ok((errors, ids))
}
