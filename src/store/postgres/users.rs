//! Users on PostgreSQL.

use postgres::GenericClient;

use super::{PgStore, audit, begin_write};
use crate::auth::PasswordHash;
use crate::domain::{Email, Field, FieldError, NewUser, UserDraft, email_key, name_sort_key};
use crate::store::audit::{Record, Target, UserFields};
use crate::store::users::search_text;
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
        let first = profile.first_name.as_deref().unwrap_or("");
        let last = profile.last_name.as_deref().unwrap_or("");
        let id: i64 = tx
            .query_one(
                "INSERT INTO users (app_id, email, email_key, password_hash, first_name, last_name,
                                    first_key, last_key, search, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                &[
                    &app.0,
                    &user.email.as_str(),
                    &user.email.key(),
                    &hash.as_str(),
                    &first,
                    &last,
                    &name_sort_key(first),
                    &name_sort_key(last),
                    &search_text(user.email.as_str(), profile),
                    &unix_now(),
                ],
            )?
            .get(0);
        for group in &groups {
            tx.execute(
                "INSERT INTO memberships (user_id, group_id) VALUES ($1, $2)",
                &[&id, group],
            )?;
        }
        for (key, value) in &profile.tags {
            tx.execute(
                "INSERT INTO user_tags (user_id, key, value) VALUES ($1, $2, $3)",
                &[&id, &key.as_str(), value],
            )?;
        }
        let created = UserFields::of(&user.email, profile);
        let target = Target::new("user", Some(id), user.email.as_str());
        let changes = UserFields::changes(None, Some(&created), true);
        audit::append(
            &mut tx,
            &self.actor,
            Record::new(Some(app), "user.create", target, changes),
        )?;
        tx.commit()?;
        Ok(UserId(id))
    }
}

/// The user of application `app` with `email` (in any case), if there is one.
fn find_user_id(
    client: &mut impl GenericClient,
    app: AppId,
    email: &str,
) -> Result<Option<UserId>> {
    let found = client.query_opt(
        "SELECT id FROM users WHERE app_id = $1 AND email_key = $2",
        &[&app.0, &email_key(email)],
    )?;
    Ok(found.map(|row| UserId(row.get(0))))
}

/// What only the database can refuse (see the SQLite store's `conflicts`): a full
/// application (when adding), an email another user has, unknown groups. Returns the
/// problems and the groups' ids.
fn conflicts(
    client: &mut impl GenericClient,
    app: AppId,
    email: Option<&Email>,
    groups: &[String],
    editing: Option<UserId>,
) -> Result<(Vec<FieldError>, Vec<i64>)> {
    let mut errors = Vec::new();
    if editing.is_none() {
        let row = client.query_one(
            "SELECT user_limit, user_count FROM applications WHERE id = $1",
            &[&app.0],
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
        match client.query_opt(
            "SELECT id FROM groups WHERE app_id = $1 AND name = $2",
            &[&app.0, name],
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
