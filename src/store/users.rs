use std::collections::{BTreeMap, HashMap};

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::audit::{self, Actor, Batch, Context, Record, Target, UserFields};
use super::groups::group_id;
use super::logged::user_save_logged;
use super::plan::{FEW_FOR_COUNT, FEW_FOR_PAGE, Few, Plan};
use super::query::{Bound, page_clause, where_clause};
use super::{
    AppId, Cursor, Page, Result, Scope, ScopeCounts, SortField, SortKey, SqliteStore, StoreError,
    UserQuery, begin_write, unix_now,
};
use crate::auth::PasswordHash;
use crate::domain::{
    Email, Field, FieldError, NewUser, Profile, UserChanges, UserDraft, email_key, name_sort_key,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub(crate) i64);

/// One line of a user list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// Group names, sorted.
    pub groups: Vec<String>,
    pub tag_count: u32,
    pub created_at: i64,
    /// Unix seconds; `None` when the user never logged in.
    pub last_login: Option<i64>,
}

impl UserRow {
    /// Where this row stands in a list sorted by `field`.
    pub fn cursor(&self, field: SortField) -> Cursor {
        let key = match field {
            SortField::Email => SortKey::Text(email_key(&self.email)),
            SortField::FirstName => SortKey::Text(name_sort_key(&self.first_name)),
            SortField::LastName => SortKey::Text(name_sort_key(&self.last_name)),
            SortField::Created => SortKey::Int(self.created_at),
            SortField::LastLogin => SortKey::Int(self.last_login.unwrap_or(0)),
        };
        Cursor { key, id: self.id.0 }
    }
}

/// A whole user profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login: Option<i64>,
    /// Changes on every edit; an edit based on an older version is refused.
    pub version: i64,
}

pub(super) const ROW_COLUMNS: &str = "u.id, u.email, u.first_name, u.last_name,
     (SELECT count(*) FROM user_tags t WHERE t.user_id = u.id), u.created_at,
     u.last_login,
     (SELECT group_concat(g.name, char(31)) FROM memberships m JOIN groups g ON g.id = m.group_id
      WHERE m.user_id = u.id)";

pub(super) fn read_row(r: &Row) -> rusqlite::Result<UserRow> {
    let groups: Option<String> = r.get(7)?;
    Ok(UserRow {
        id: UserId(r.get(0)?),
        email: r.get(1)?,
        first_name: r.get(2)?,
        last_name: r.get(3)?,
        tag_count: r.get(4)?,
        created_at: r.get(5)?,
        last_login: Some(r.get::<_, i64>(6)?).filter(|t| *t > 0),
        groups: {
            // Sorted here rather than in SQL, which would sort once per row.
            let mut names: Vec<String> = groups
                .map(|g| g.split('\u{1f}').map(String::from).collect())
                .unwrap_or_default();
            names.sort();
            names
        },
    })
}

impl SqliteStore {
    pub fn create_user(
        &mut self,
        app: AppId,
        user: &NewUser,
        hash: &PasswordHash,
    ) -> Result<UserId> {
        let result = self.create_user_unlogged(app, user, hash);
        self.logged(app, "add user", user.email.as_str(), result)
    }

    fn create_user_unlogged(
        &mut self,
        app: AppId,
        user: &NewUser,
        hash: &PasswordHash,
    ) -> Result<UserId> {
        let tx = begin_write(&mut self.conn)?;
        let (errors, groups) = conflicts(&tx, app, Some(&user.email), &user.profile.groups, None)?;
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let now = unix_now();
        let id = insert_user(
            &tx,
            app,
            &user.email,
            &user.profile,
            hash,
            &groups,
            (now, 0),
        )?;
        let created = UserFields::of(&user.email, &user.profile);
        audit_user(
            &tx,
            &self.actor,
            app,
            id,
            None,
            Some(&created),
            None,
            Context::default(),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Applies an edit. `expected_version` (from when the edit began) guards against
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
        let tx = begin_write(&mut self.conn)?;
        let version: Option<i64> = tx
            .query_row(
                "SELECT version FROM users WHERE id = ?1 AND app_id = ?2",
                params![id.0, app.0],
                |r| r.get(0),
            )
            .optional()?;
        let version = version.ok_or_else(|| StoreError::UserGone(id))?;
        if expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::Conflict);
        }
        let (errors, groups) = conflicts(
            &tx,
            app,
            Some(&changes.email),
            &changes.profile.groups,
            Some(id),
        )?;
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        // What the user was, for the audit entry (read only when it is written).
        let before = match self.actor.recorded() {
            true => Some(UserFields::read(&tx, id)?),
            false => None,
        };
        let ended = rewrite_user(&tx, id, &changes.email, &changes.profile, new_hash, &groups)?;
        let after = UserFields::of(&changes.email, &changes.profile);
        audit_user(
            &tx,
            &self.actor,
            app,
            id,
            before.as_ref(),
            Some(&after),
            ended,
            Context::default(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes the user with their memberships, tags and tokens, atomically. The
    /// children go first so that the triggers keeping counts still see the user.
    pub fn delete_user(&mut self, id: UserId) -> Result<()> {
        self.delete_users(&[id])
    }

    /// Deletes several users in one transaction: all of them, or none when one is
    /// missing.
    /// Several users are one batch in the audit log, with a summary entry.
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
        let tx = begin_write(&mut self.conn)?;
        let context = Context {
            batch: if ids.len() > 1 {
                Some(Batch::begin(&tx)?)
            } else {
                None
            },
            source: None,
        };
        let mut app = None;
        for id in ids {
            let before = UserFields::of_user(&read_user(&tx, *id)?);
            let owner = AppId(tx.query_row(
                "SELECT app_id FROM users WHERE id = ?1",
                [id.0],
                |r| r.get(0),
            )?);
            for child in ["memberships", "user_tags"] {
                tx.execute(&format!("DELETE FROM {child} WHERE user_id = ?1"), [id.0])?;
            }
            let ended = end_sessions(&tx, *id)?;
            // Recorded while the users row still holds the user's chain of entries.
            audit_user(
                &tx,
                &self.actor,
                owner,
                *id,
                Some(&before),
                None,
                Some(ended),
                context,
            )?;
            tx.execute("DELETE FROM users WHERE id = ?1", [id.0])?;
            app = Some(owner);
        }
        if let (Some(_), Some(app)) = (context.batch, app) {
            let changes = audit::Changes::default().with("users", ids.len(), 0);
            let record = Record::new(
                Some(app),
                "users.delete",
                audit::app_target(&tx, app)?,
                changes,
            );
            audit::append(&tx, &self.actor, record.within(context))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// One user, read in one snapshot so that its version matches what is shown.
    pub fn user(&self, id: UserId) -> Result<User> {
        let snapshot = self.conn.unchecked_transaction()?;
        read_user(&snapshot, id)
    }
}

/// One user, read through `conn` (a snapshot, or the writing transaction).
pub(crate) fn read_user(conn: &Connection, id: UserId) -> Result<User> {
    let found = conn
        .prepare_cached(
            "SELECT id, email, first_name, last_name, created_at, updated_at, last_login, version
                 FROM users WHERE id = ?1",
        )?
        .query_row([id.0], |r| {
            Ok(User {
                id: UserId(r.get(0)?),
                email: r.get(1)?,
                first_name: Some(r.get::<_, String>(2)?).filter(|s| !s.is_empty()),
                last_name: Some(r.get::<_, String>(3)?).filter(|s| !s.is_empty()),
                created_at: r.get(4)?,
                updated_at: r.get(5)?,
                last_login: Some(r.get::<_, i64>(6)?).filter(|t| *t > 0),
                version: r.get(7)?,
                groups: Vec::new(),
                tags: BTreeMap::new(),
            })
        })
        .optional()?;
    let mut user = found.ok_or(StoreError::UserGone(id))?;
    user.groups = conn
        .prepare_cached(
            "SELECT g.name FROM memberships m JOIN groups g ON g.id = m.group_id
             WHERE m.user_id = ?1 ORDER BY g.name",
        )?
        .query_map([id.0], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    user.tags = conn
        .prepare_cached("SELECT key, value FROM user_tags WHERE user_id = ?1 ORDER BY key")?
        .query_map([id.0], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(user)
}

impl SqliteStore {
    /// The user with this email (any case) in the application.
    pub fn find_user(&self, app: AppId, email: &str) -> Result<UserId> {
        find_user_id(&self.conn, app, email)?.ok_or_else(|| StoreError::not_found("user", email))
    }

    /// One page of the query's users, in list order.
    pub fn list_users(&self, app: AppId, query: &UserQuery, page: &Page) -> Result<Vec<UserRow>> {
        self.list_users_planned(app, query, page, FEW_FOR_PAGE)
    }

    /// A page read with the plan `few` makes.
    pub(crate) fn list_users_planned(
        &self,
        app: AppId,
        query: &UserQuery,
        page: &Page,
        few: Few,
    ) -> Result<Vec<UserRow>> {
        let _snapshot = self.snapshot(query)?;
        let plan = self.plan(query, few)?;
        self.page_of_plan(app, query, &plan, page)
    }

    /// A page read as `plan` says (inside the caller's snapshot, if it needs one).
    pub(super) fn page_of_plan(
        &self,
        app: AppId,
        query: &UserQuery,
        plan: &Plan,
        page: &Page,
    ) -> Result<Vec<UserRow>> {
        if plan.nothing {
            return Ok(Vec::new());
        }
        let (sql, params, reversed) = page_sql(app, query, plan, page, None);
        self.page_rows(&sql, params, reversed)
    }

    /// The rows of a page's SQL, in list order.
    pub(super) fn page_rows(
        &self,
        sql: &str,
        params: Vec<Value>,
        reversed: bool,
    ) -> Result<Vec<UserRow>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows: Vec<UserRow> = stmt
            .query_map(params_from_iter(params), read_row)?
            .collect::<rusqlite::Result<_>>()?;
        if reversed {
            rows.reverse();
        }
        Ok(rows)
    }

    /// A count made with the plan `few` makes.
    pub(crate) fn count_users_planned(
        &self,
        app: AppId,
        query: &UserQuery,
        few: Few,
    ) -> Result<u64> {
        let _snapshot = self.snapshot(query)?;
        if let Some(n) = self.count_from_indexes(app, query, few)? {
            return Ok(n);
        }
        let Some((sql, params)) = self.matching_sql(app, query, "count(*)", few)? else {
            return Ok(0);
        };
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(params), |r| r.get(0))?)
    }

    /// SQLite's plan for a page of the list and for its count (`EXPLAIN QUERY PLAN`
    /// details), so that losing an index shows up in tests and diagnostics; or
    /// [`NOTHING_TO_READ`] when the search index shows that a term is in no user.
    pub fn query_plans(&self, app: AppId, query: &UserQuery, page: &Page) -> Result<[String; 2]> {
        let list = match self.list_sql(app, query, page, FEW_FOR_PAGE)? {
            Some((sql, params, _)) => self.explain(&sql, params)?,
            None => NOTHING_TO_READ.to_string(),
        };
        let count = match self.count_sql(app, query)? {
            Some((sql, params)) => self.explain(&sql, params)?,
            None => NOTHING_TO_READ.to_string(),
        };
        Ok([list, count])
    }

    pub(super) fn list_sql(
        &self,
        app: AppId,
        query: &UserQuery,
        page: &Page,
        few: Few,
    ) -> Result<Option<(String, Vec<Value>, bool)>> {
        let plan = self.plan(query, few)?;
        if plan.nothing {
            return Ok(None);
        }
        Ok(Some(page_sql(app, query, &plan, page, None)))
    }

    /// The count's SQL, or `None` when the plan shows that nothing matches.
    fn count_sql(&self, app: AppId, query: &UserQuery) -> Result<Option<(String, Vec<Value>)>> {
        self.matching_sql(app, query, "count(*)", FEW_FOR_COUNT)
    }

    /// `SELECT columns` over every user the query matches (planned as for a count:
    /// each match is visited), or `None` when the plan shows that nothing matches.
    pub(super) fn matching_sql(
        &self,
        app: AppId,
        query: &UserQuery,
        columns: &str,
        few: Few,
    ) -> Result<Option<(String, Vec<Value>)>> {
        let plan = self.plan(query, few)?;
        if plan.nothing {
            return Ok(None);
        }
        let index = scan_index(query, &plan);
        let (where_sql, params) = where_clause(app, query, &plan, !index.is_empty());
        Ok(Some((
            format!("SELECT {columns} FROM users u {index} WHERE {where_sql}"),
            params,
        )))
    }

    pub(super) fn explain(&self, sql: &str, params: Vec<Value>) -> Result<String> {
        let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let details: Vec<String> = stmt
            .query_map(params_from_iter(params), |r| r.get::<_, String>(3))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(details.join("\n"))
    }

    /// The sizes of the three panes, from counters the triggers keep (no scan).
    pub fn scope_counts(&self, app: AppId) -> Result<ScopeCounts> {
        let (all, grouped): (u64, u64) = self
            .conn
            .prepare_cached(SCOPE_COUNTS_SQL)?
            .query_row([app.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(ScopeCounts {
            all,
            grouped,
            ungrouped: all - grouped,
        })
    }
}

/// A page's SQL under a plan, its parameters, and whether its rows come reversed;
/// `bound` keeps the rows to one part of the list.
pub(super) fn page_sql(
    app: AppId,
    query: &UserQuery,
    plan: &Plan,
    page: &Page,
    bound: Option<Bound>,
) -> (String, Vec<Value>, bool) {
    let (mut where_sql, mut params) = where_clause(app, query, plan, !plan.narrow());
    let (tail, reversed) = page_clause(
        query.sort,
        plan.narrow(),
        page,
        bound,
        &mut where_sql,
        &mut params,
    );
    let index = match query.sort.field {
        SortField::Email => scan_index(query, plan),
        _ => "",
    };
    let sql = format!("SELECT {ROW_COLUMNS} FROM users u {index} WHERE {where_sql}{tail}");
    (sql, params, reversed)
}

/// Filters that test many rows one by one are tested in `users_search`, which holds
/// the haystack and the group count: far fewer pages than the table, which is then
/// read only for the rows that pass (a tag is looked up for those alone).
fn scan_index(query: &UserQuery, plan: &Plan) -> &'static str {
    let filtered = !query.text.is_empty() || query.scope != Scope::All;
    if filtered && !plan.narrow() {
        "INDEXED BY users_search"
    } else {
        ""
    }
}

/// The plan of a query that reads nothing: a text term occurs in no user.
pub const NOTHING_TO_READ: &str = "nothing to read: a text term is in no user";

pub(super) const SCOPE_COUNTS_SQL: &str =
    "SELECT user_count, grouped_count FROM applications WHERE id = ?1";
pub(super) const FIND_USER_SQL: &str = "SELECT id FROM users WHERE app_id = ?1 AND email_key = ?2";

pub(crate) fn find_user_id(conn: &Connection, app: AppId, email: &str) -> Result<Option<UserId>> {
    Ok(conn
        .prepare_cached(FIND_USER_SQL)?
        .query_row(params![app.0, email_key(email)], |r| Ok(UserId(r.get(0)?)))
        .optional()?)
}

/// What only the database can refuse: a full application (when adding), an email
/// another user has, unknown groups. Returns the problems and the groups' ids.
pub(crate) fn conflicts(
    conn: &Connection,
    app: AppId,
    email: Option<&Email>,
    groups: &[String],
    editing: Option<UserId>,
) -> Result<(Vec<FieldError>, Vec<i64>)> {
    let mut errors = Vec::new();
    if editing.is_none()
        && let Some(limit) = SqliteStore::user_limit(conn, app)?
    {
        let count: u64 = conn.query_row(
            "SELECT user_count FROM applications WHERE id = ?1",
            [app.0],
            |r| r.get(0),
        )?;
        if count >= limit {
            errors.push(FieldError::new(
                Field::Record,
                format!("the application's user limit of {limit} is reached"),
            ));
        }
    }
    if let Some(email) = email
        && let Some(other) = find_user_id(conn, app, email.as_str())?
        && Some(other) != editing
    {
        errors.push(FieldError::new(
            Field::Email,
            "already used by another user of this application",
        ));
    }
    let mut ids = Vec::new();
    for name in groups {
        match group_id(conn, app, name) {
            Ok(id) => ids.push(id),
            Err(StoreError::NotFound { .. }) => errors.push(FieldError::new(
                Field::Groups,
                format!("no such group: {name}"),
            )),
            Err(e) => return Err(e),
        }
    }
    Ok((errors, ids))
}

impl SqliteStore {
    /// Every problem with a draft: its own rules broken and, for the fields that do
    /// pass them, what the database would refuse, so that all are reported at once.
    pub fn draft_problems(
        &self,
        app: AppId,
        draft: &UserDraft,
        editing: Option<UserId>,
        mut broken: Vec<FieldError>,
    ) -> StoreError {
        let email = Email::parse(&draft.email).ok();
        let groups = draft.valid_group_names();
        match conflicts(&self.conn, app, email.as_ref(), &groups, editing) {
            Ok((found, _)) => {
                broken.extend(found);
                StoreError::Invalid(broken)
            }
            Err(e) => e,
        }
    }
}

/// Inserts a user whose every check has passed; `times` is (created, last login).
pub(crate) fn insert_user(
    conn: &Connection,
    app: AppId,
    email: &Email,
    profile: &Profile,
    hash: &PasswordHash,
    groups: &[i64],
    (created, last_login): (i64, i64),
) -> Result<UserId> {
    conn.prepare_cached(
        "INSERT INTO users (app_id, email, email_key, password_hash, first_name, last_name,
                            first_key, last_key, search, created_at, updated_at, last_login)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
    )?
    .execute(params![
        app.0,
        email.as_str(),
        email.key(),
        hash.as_str(),
        first_name(profile),
        last_name(profile),
        name_sort_key(first_name(profile)),
        name_sort_key(last_name(profile)),
        search_text(email.as_str(), profile),
        created,
        last_login
    ])?;
    let id = UserId(conn.last_insert_rowid());
    write_links(conn, id, groups, profile)?;
    Ok(id)
}

/// Replaces a user's email, names, groups and tags (and password, which also ends
/// their sessions); bumps the version. With a new password, returns how many
/// sessions it ended.
pub(crate) fn rewrite_user(
    conn: &Connection,
    id: UserId,
    email: &Email,
    profile: &Profile,
    new_hash: Option<&PasswordHash>,
    groups: &[i64],
) -> Result<Option<usize>> {
    conn.execute(
        "UPDATE users SET email = ?2, email_key = ?3, first_name = ?4, last_name = ?5,
             first_key = ?6, last_key = ?7, search = ?8, updated_at = ?9, version = version + 1
         WHERE id = ?1",
        params![
            id.0,
            email.as_str(),
            email.key(),
            first_name(profile),
            last_name(profile),
            name_sort_key(first_name(profile)),
            name_sort_key(last_name(profile)),
            search_text(email.as_str(), profile),
            unix_now()
        ],
    )?;
    let mut ended = None;
    // The same hash (an import or merge of the user as they are) is no new password:
    // it neither ends their sessions nor reads as a change.
    if let Some(hash) = new_hash {
        let changed = conn.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1 AND password_hash IS NOT ?2",
            params![id.0, hash.as_str()],
        )?;
        if changed > 0 {
            ended = Some(end_sessions(conn, id)?);
        }
    }
    conn.execute("DELETE FROM memberships WHERE user_id = ?1", [id.0])?;
    conn.execute("DELETE FROM user_tags WHERE user_id = ?1", [id.0])?;
    write_links(conn, id, groups, profile)?;
    Ok(ended)
}

/// Whether token `t` still works, its application's stamp (schema_v4.sql) being
/// `$app_stamp`: its issue number is above that stamp and its user's (schema_v8.sql),
/// 0 when there is none.
macro_rules! live_token_sql {
    ($app_stamp:literal) => {
        concat!(
            "t.seq > max(",
            $app_stamp,
            ", coalesce((SELECT s.void_through FROM token_stamps s WHERE s.user_id = t.user_id), 0))"
        )
    };
}
pub(crate) use live_token_sql;

/// Ends every session of a user: their tokens go. Returns how many still worked (an
/// "invalidate all" voids tokens without removing them).
pub(crate) fn end_sessions(conn: &Connection, user: UserId) -> Result<usize> {
    let live: usize = conn
        .prepare_cached(concat!(
            "SELECT count(*) FROM tokens t JOIN applications a ON a.id = t.app_id
             WHERE t.user_id = ?1 AND ",
            live_token_sql!("a.tokens_void_through")
        ))?
        .query_row([user.0], |r| r.get(0))?;
    conn.prepare_cached("DELETE FROM tokens WHERE user_id = ?1")?
        .execute([user.0])?;
    Ok(live)
}

/// Appends the entries of a user's creation, edit or deletion ([`user_records`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_user(
    conn: &Connection,
    actor: &Actor,
    app: AppId,
    id: UserId,
    before: Option<&UserFields>,
    after: Option<&UserFields>,
    ended: Option<usize>,
    context: Context,
) -> Result<()> {
    for record in user_records(app, id, before, after, ended) {
        audit::append(conn, actor, record.within(context))?;
    }
    Ok(())
}

/// The audit entries of a user's creation (no `before`), edit or deletion (no
/// `after`), in the order written (by either backend): `user.create`; `user.update`
/// with the fields that changed and `user.password` apart (so password changes are
/// found by their op); `user.delete` with what the user held. `ended` is how many
/// sessions ended: with a new password (then `Some`, even `Some(0)`), or with the
/// deletion.
pub(crate) fn user_records(
    app: AppId,
    id: UserId,
    before: Option<&UserFields>,
    after: Option<&UserFields>,
    ended: Option<usize>,
) -> Vec<Record> {
    let label = after.or(before).map_or(String::new(), |u| u.email.clone());
    let record = |op, changes| {
        Record::new(
            Some(app),
            op,
            Target::new("user", Some(id.0), &label),
            changes,
        )
    };
    let sessions = |n: Option<usize>| audit::Changes::default().with("tokens", n.unwrap_or(0), 0);
    let mut records = Vec::new();
    match (before, after) {
        (None, _) => {
            records.push(record(
                "user.create",
                UserFields::changes(None, after, true),
            ));
        }
        (Some(_), None) => {
            let mut changes = UserFields::changes(before, None, false);
            changes.extend(sessions(ended));
            records.push(record("user.delete", changes));
        }
        (Some(_), Some(_)) => {
            let changes = UserFields::changes(before, after, false);
            if !changes.is_empty() {
                records.push(record("user.update", changes));
            }
            if ended.is_some() {
                let changes = sessions(ended).with("password", serde_json::Value::Null, "changed");
                records.push(record("user.password", changes));
            }
        }
    }
    records
}

fn write_links(conn: &Connection, id: UserId, groups: &[i64], profile: &Profile) -> Result<()> {
    let mut member =
        conn.prepare_cached("INSERT INTO memberships (user_id, group_id) VALUES (?1, ?2)")?;
    for g in groups {
        member.execute(params![id.0, g])?;
    }
    let mut tag =
        conn.prepare_cached("INSERT INTO user_tags (user_id, key, value) VALUES (?1, ?2, ?3)")?;
    for (key, value) in &profile.tags {
        tag.execute(params![id.0, key.as_str(), value])?;
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

/// The lower-cased haystack the text filter searches.
pub(crate) fn search_text(email: &str, profile: &Profile) -> String {
    search_haystack(email, first_name(profile), last_name(profile))
}

/// Lower-cased email, then each name the email does not already contain (most
/// addresses hold the names: leaving them out keeps the search index small).
pub(crate) fn search_haystack(email: &str, first: &str, last: &str) -> String {
    let mut haystack = email.to_lowercase();
    for name in [first, last] {
        let name = name.to_lowercase();
        if !name.is_empty() && !haystack.contains(&name) {
            haystack.push('\n');
            haystack.push_str(&name);
        }
    }
    haystack
}

impl SqliteStore {
    /// One user as a list row.
    pub fn user_row(&self, id: UserId) -> Result<UserRow> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM users u WHERE u.id = ?1"
            ))?
            .query_row([id.0], read_row)
            .optional()?
            .ok_or_else(|| StoreError::UserGone(id))
    }
}

impl SqliteStore {
    /// The stored password hashes (PHC strings) of several users, in one query; for
    /// exports that ask for them.
    pub fn password_hashes_of(&self, users: &[UserId]) -> Result<HashMap<UserId, String>> {
        let ids = serde_json::to_string(&users.iter().map(|u| u.0).collect::<Vec<_>>())
            .expect("ids serialise");
        let mut stmt = self.conn.prepare_cached(
            "SELECT u.id, u.password_hash FROM json_each(?1) j JOIN users u ON u.id = j.value",
        )?;
        let rows = stmt.query_map([ids], |r| Ok((UserId(r.get(0)?), r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
