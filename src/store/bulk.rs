//! Acting on many users at once. One transaction, all or nothing; one audit batch (an
//! entry per user changed, as the one-user paths write it, then a summary). The
//! selected ids go into a temporary table (an invalidation of every user but a few
//! reads the users table itself: bulk_invalidation.rs); set-based statements then work
//! through them a chunk at a time, so that progress is reported and a cancel takes
//! effect between chunks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use serde_json::Value as Json;

use super::audit::{
    Appender, Batch, Changes, Context, Pending, Source, Target, USER_FIELDS_SQL, UserFields,
    app_target, newest_user_entry_sql,
};
use super::bulk_chunk::{CHUNK, Changed, Chunk};
use super::bulk_invalidation::{Users, next_chunk};
use super::groups::group_id;
use super::migrations::{pause_removal_triggers, resume_triggers};
use super::selection::everyone_but_count;
use super::users::{SCOPE_COUNTS_SQL, live_token_sql};
use super::{AppId, Result, Selection, SqliteStore, StoreError, begin_write, unix_now};
use crate::domain::{Field, TagKey, tag_value};

/// What to do to every selected user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    Delete,
    InvalidateTokens,
    AddToGroup(String),
    RemoveFromGroup(String),
    SetTag {
        key: TagKey,
        value: String,
    },
    RemoveTag(TagKey),
    /// Several group and tag changes at once, applied in order (as `users set`
    /// applies its options): each user changed gets one entry with all of them.
    Edit(Vec<BulkAction>),
}

/// How far a bulk action is: users worked through, of all selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkProgress {
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkOutcome {
    /// Users changed: a selected user already as asked (in the group, without
    /// tokens) is left alone.
    pub changed: u64,
    /// The audit batch of its entries; `None` when nothing changed (nothing written)
    /// or for a preview.
    pub batch: Option<i64>,
}

impl BulkAction {
    /// The group and tag changes it makes, in order (none for a delete or an
    /// invalidation).
    pub(super) fn edits(&self) -> &[BulkAction] {
        match self {
            BulkAction::Edit(parts) => parts,
            edit if edit.is_edit() => std::slice::from_ref(self),
            _ => &[],
        }
    }

    /// A single group or tag change.
    fn is_edit(&self) -> bool {
        matches!(
            self,
            BulkAction::AddToGroup(_)
                | BulkAction::RemoveFromGroup(_)
                | BulkAction::SetTag { .. }
                | BulkAction::RemoveTag(_)
        )
    }

    /// The op of the batch's summary entry.
    pub(super) fn summary_op(&self) -> &'static str {
        match self {
            BulkAction::Delete => "users.delete",
            BulkAction::InvalidateTokens => "users.invalidate_tokens",
            BulkAction::AddToGroup(_) => "users.add_to_group",
            BulkAction::RemoveFromGroup(_) => "users.remove_from_group",
            BulkAction::SetTag { .. } => "users.set_tag",
            BulkAction::RemoveTag(_) => "users.remove_tag",
            BulkAction::Edit(_) => "users.edit",
        }
    }

    /// The op of each changed user's entry, as the one-user path writes it.
    pub(super) fn user_op(&self) -> &'static str {
        match self {
            BulkAction::Delete => "user.delete",
            BulkAction::InvalidateTokens => "tokens.invalidate",
            _ => "user.update",
        }
    }

    /// What the summary entry records: how many users changed, and how.
    pub(super) fn summary(&self, changed: u64, tokens: i64) -> Changes {
        let mut changes = Changes::default();
        match self {
            BulkAction::Delete => return changes.with("users", changed, 0),
            BulkAction::InvalidateTokens => changes.set("tokens", tokens, 0),
            _ => {}
        }
        let (mut added, mut removed, mut untagged) = (Vec::new(), Vec::new(), Vec::new());
        for edit in self.edits() {
            match edit {
                BulkAction::AddToGroup(name) => added.push(name.as_str()),
                BulkAction::RemoveFromGroup(name) => removed.push(name.as_str()),
                BulkAction::SetTag { key, value } => {
                    changes.set(&tag_field(key), Json::Null, value.as_str())
                }
                BulkAction::RemoveTag(key) => untagged.push(key.as_str()),
                _ => {}
            }
        }
        for (field, names, added) in [
            ("groups_added", added, true),
            ("groups_removed", removed, false),
            ("tags_removed", untagged, false),
        ] {
            match (names.is_empty(), added) {
                (true, _) => {}
                (false, true) => changes.set(field, Json::Null, names),
                (false, false) => changes.set(field, names, Json::Null),
            }
        }
        changes.with("changed_users", Json::Null, changed)
    }

    /// Refuses what cannot be done, before anything is read.
    pub(super) fn check(&self) -> Result<()> {
        if let BulkAction::Edit(parts) = self
            && !parts.iter().all(BulkAction::is_edit)
        {
            return Err(StoreError::invalid(
                Field::Record,
                "only group and tag changes can be made together",
            ));
        }
        for edit in self.edits() {
            if let BulkAction::SetTag { value, .. } = edit {
                tag_value(value).map_err(|m| StoreError::invalid(Field::TagValue(0), m))?;
            }
        }
        Ok(())
    }
}

/// A tag's field in an entry's changes, as [`UserFields::changes`] names it.
fn tag_field(key: &TagKey) -> String {
    format!("tag:{}", key.as_str())
}

/// The application's token stamps as the action begins.
struct Stamps {
    /// Its tokens up to this issue number are void.
    void_through: i64,
    /// The issue number of its newest token.
    issued: i64,
}

/// A query of user ids (`SELECT id …`) and its parameters.
type IdQuery = (String, Vec<Value>);

/// How many users, first by email, a bulk dialog's sample tests before it reads every
/// user concerned instead: ~90 ms of lookups at a million users when it finds none.
const SAMPLE_WALK: i64 = 20_000;

/// Whether the transaction is kept or, for a preview, rolled back.
#[derive(PartialEq, Eq)]
enum Finish {
    Commit,
    RollBack,
}

impl SqliteStore {
    /// Applies `action` to every user of the selection, in one transaction: all of
    /// them, or — on a failure, or when `cancel` is set — none (the log included).
    /// `progress` hears after each chunk of users.
    pub fn bulk(
        &mut self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
        source: Source,
        progress: &mut dyn FnMut(BulkProgress),
        cancel: &AtomicBool,
    ) -> Result<BulkOutcome> {
        let result = self.with_bulk_settings(|store| {
            store.bulk_unlogged(
                app,
                selection,
                action,
                source,
                (progress, cancel),
                Finish::Commit,
            )
        });
        let what = match &result {
            Ok(outcome) => format!(
                "{} ({} users changed)",
                action.summary_op(),
                outcome.changed
            ),
            Err(_) => action.summary_op().to_string(),
        };
        self.logged(app, &what, "selected users", result)
    }

    /// How many users `action` would change, found by doing it and rolling it back
    /// (so it waits for the write lock like the action itself).
    pub fn bulk_preview(
        &mut self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
    ) -> Result<BulkOutcome> {
        let source = self.actor.source;
        let never = AtomicBool::new(false);
        self.with_bulk_settings(|store| {
            store.bulk_unlogged(
                app,
                selection,
                action,
                source,
                (&mut |_| (), &never),
                Finish::RollBack,
            )
        })
    }

    /// How many users of the selection a group or tag action would change — for a
    /// removal those directly in the group or with the tag key, for an addition those
    /// not yet in the group or without that tag value — counted without doing it;
    /// `None` for the other actions.
    pub fn bulk_concerned(
        &self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
    ) -> Result<Option<u64>> {
        let Some(concerned) = self.concerned_sql(app, selection, action)? else {
            return Ok(None);
        };
        let Some((sql, params)) = concerned else {
            return Ok(Some(0));
        };
        let count = (self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM ({sql})"))?)
        .query_row(params_from_iter(params), |r| r.get(0))?;
        Ok(Some(count))
    }

    /// The emails of the first `n` of the users [`SqliteStore::bulk_concerned`] counts,
    /// in email order (a dialog names a few of them, the same ones on PostgreSQL);
    /// `None` for the other actions. The first users by email are walked and each
    /// tested (a lookup or two each), which finds them at once when many are
    /// concerned; when the walk finds too few, every concerned user is read and sorted
    /// (a pass over the selection, as the count is).
    pub fn bulk_concerned_sample(
        &self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
        n: usize,
    ) -> Result<Option<Vec<String>>> {
        let Some(concerned) = self.concerned_sql(app, selection, action)? else {
            return Ok(None);
        };
        let Some((sql, params)) = concerned else {
            return Ok(Some(Vec::new()));
        };
        let limit = Value::Integer(i64::try_from(n).unwrap_or(i64::MAX));
        // Bounded by the walk's last email, so that the walk stops at the page too.
        let walked = format!(
            "SELECT u.email FROM users u
             WHERE u.app_id = ?1 AND u.email_key <= coalesce(
                   (SELECT email_key FROM users WHERE app_id = ?1 ORDER BY email_key
                    LIMIT 1 OFFSET ?2),
                   (SELECT max(email_key) FROM users WHERE app_id = ?1))
               AND EXISTS (SELECT 1 FROM ({sql}) c WHERE c.id = u.id)
             ORDER BY u.email_key LIMIT ?"
        );
        let walk = [Value::Integer(app.0), Value::Integer(SAMPLE_WALK - 1)].into_iter();
        let emails = self.emails(&walked, walk.chain(params.clone()).chain([limit.clone()]))?;
        if emails.len() == n {
            return Ok(Some(emails));
        }
        let every = format!(
            "SELECT u.email FROM users u WHERE u.id IN (SELECT id FROM ({sql}))
             ORDER BY u.email_key LIMIT ?"
        );
        Ok(Some(
            self.emails(&every, params.into_iter().chain([limit]))?,
        ))
    }

    /// The first column of `sql`'s rows, an email each.
    fn emails(&self, sql: &str, params: impl Iterator<Item = Value>) -> Result<Vec<String>> {
        Ok((self.conn.prepare_cached(sql)?)
            .query_map(params_from_iter(params), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The selected users a group or tag action would change, as a query of their ids
    /// and its parameters (`Some(None)`: the selection is empty); `None` for the other
    /// actions.
    fn concerned_sql(
        &self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
    ) -> Result<Option<Option<IdQuery>>> {
        const MEMBER: &str =
            "SELECT 1 FROM memberships m WHERE m.user_id = s.id AND m.group_id = ?";
        const TAGGED: &str = "SELECT 1 FROM user_tags t WHERE t.user_id = s.id AND t.key = ?";
        const VALUED: &str =
            "SELECT 1 FROM user_tags t WHERE t.user_id = s.id AND t.key = ? AND t.value = ?";
        let group =
            |name: &str| -> Result<Value> { Ok(Value::Integer(group_id(&self.conn, app, name)?)) };
        let (holding, subjects, changed_when) = match action {
            BulkAction::RemoveFromGroup(name) => (MEMBER, vec![group(name)?], "EXISTS"),
            BulkAction::AddToGroup(name) => (MEMBER, vec![group(name)?], "NOT EXISTS"),
            BulkAction::RemoveTag(key) => (
                TAGGED,
                vec![Value::Text(key.as_str().to_string())],
                "EXISTS",
            ),
            BulkAction::SetTag { key, value } => (
                VALUED,
                vec![
                    Value::Text(key.as_str().to_string()),
                    Value::Text(value.clone()),
                ],
                "NOT EXISTS",
            ),
            _ => return Ok(None),
        };
        let Some((sql, mut params)) = self.selected_sql(app, selection)? else {
            return Ok(Some(None));
        };
        params.extend(subjects);
        let sql = format!("SELECT s.id FROM ({sql}) s WHERE {changed_when} ({holding})");
        Ok(Some(Some((sql, params))))
    }

    /// Runs `work` with a page cache for many users and without the foreign keys'
    /// per-row upkeep, then gives back the settings before. Every row a bulk action
    /// writes names a user or group read in its own transaction, and a deletion
    /// removes every row that names its users itself (`delete_changed`): enforced, the
    /// keys cost each deleted user a search of each of five tables that hold nothing
    /// of them any more, and each row written a search of its user.
    fn with_bulk_settings<T>(
        &mut self,
        work: impl FnOnce(&mut SqliteStore) -> Result<T>,
    ) -> Result<T> {
        let setting = |store: &SqliteStore, name: &str| -> Result<i64> {
            Ok(store.conn.pragma_query_value(None, name, |r| r.get(0))?)
        };
        let (cache, keys) = (setting(self, "cache_size")?, setting(self, "foreign_keys")?);
        self.conn
            .pragma_update(None, "cache_size", -super::BULK_ACTION_CACHE_KIB)?;
        // Only takes effect outside a transaction, which is where a bulk action starts.
        self.conn.pragma_update(None, "foreign_keys", false)?;
        let result = work(self);
        self.conn.pragma_update(None, "foreign_keys", keys)?;
        self.conn.pragma_update(None, "cache_size", cache)?;
        result
    }

    fn bulk_unlogged(
        &mut self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
        source: Source,
        (progress, cancel): (&mut dyn FnMut(BulkProgress), &AtomicBool),
        finish: Finish,
    ) -> Result<BulkOutcome> {
        action.check()?;
        // An invalidation of every user (but a few) reads them from the users table.
        let everyone = (selection.everyone_but())
            .filter(|_| *action == BulkAction::InvalidateTokens)
            .map(|except| Users::Everyone { app, except });
        let selected = match everyone {
            Some(_) => None,
            None => self.selected_sql(app, selection)?,
        };
        let tx = begin_write(&mut self.conn)?;
        // What the statements compare with: a group's id, a tag key, the stamp up to
        // which the application's tokens are void already, the last token issued.
        let stamps: Stamps = tx.query_row(
            "SELECT tokens_void_through, tokens_issued FROM applications WHERE id = ?1",
            [app.0],
            |r| {
                Ok(Stamps {
                    void_through: r.get(0)?,
                    issued: r.get(1)?,
                })
            },
        )?;
        let subjects = (action.edits().iter())
            .map(|edit| match edit {
                BulkAction::AddToGroup(name) | BulkAction::RemoveFromGroup(name) => {
                    Ok(Value::Integer(group_id(&tx, app, name)?))
                }
                BulkAction::SetTag { key, .. } | BulkAction::RemoveTag(key) => {
                    Ok(Value::Text(key.as_str().to_string()))
                }
                _ => unreachable!("checked: only group and tag changes"),
            })
            .collect::<Result<Vec<Value>>>()?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS bulk_users (id INTEGER PRIMARY KEY);
             CREATE TEMP TABLE IF NOT EXISTS bulk_changed (id INTEGER PRIMARY KEY, seq INTEGER);
             DELETE FROM temp.bulk_users;",
        )?;
        if let Some((sql, params)) = selected {
            // In id order, each id is appended: in the order a query reads them (by
            // email, say), a million went each into the middle of the table.
            tx.execute(
                &format!(
                    "INSERT OR IGNORE INTO temp.bulk_users (id) SELECT id FROM ({sql}) ORDER BY id"
                ),
                params_from_iter(params),
            )?;
        }
        let total: u64 = match &everyone {
            None => tx.query_row("SELECT count(*) FROM temp.bulk_users", [], |r| r.get(0))?,
            Some(_) => everyone_but_count(&tx, app, &selection.except)?,
        };
        let users = everyone.unwrap_or(Users::Selected);
        let mut ended_json = HashMap::new();
        // Ending the sessions of every user of the application is one write at any
        // size, as `invalidate_all_tokens`: its tokens all become void.
        let void_all = *action == BulkAction::InvalidateTokens
            && total > 0
            && total == tx.query_row(SCOPE_COUNTS_SQL, [app.0], |r| r.get::<_, u64>(0))?;
        progress(BulkProgress { done: 0, total });
        let batch = Batch::begin(&tx)?;
        let context = Context {
            batch: Some(batch),
            source: Some(source),
        };
        let actor = self.actor.clone();
        let mut log = Appender::new(&tx, &actor, app, context)?;
        if *action == BulkAction::Delete {
            pause_removal_triggers(&tx)?;
        }
        let (mut done, mut changed, mut tokens) = (0u64, 0u64, 0i64);
        let mut after = i64::MIN;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(StoreError::Cancelled);
            }
            let Some(Chunk {
                last,
                selected: n,
                changed: users_changed,
            }) = (match action {
                BulkAction::InvalidateTokens => {
                    next_chunk(&tx, &users, after, stamps.void_through, &mut ended_json)?
                }
                _ => chunk_changed(&tx, action, stamps.void_through, after)?,
            })
            else {
                break;
            };
            changed += users_changed.len() as u64;
            tokens += users_changed.iter().map(|u| u.tokens).sum::<i64>();
            let ids: Vec<i64> = users_changed.iter().map(|u| u.id).collect();
            let entries: Vec<Pending> = (users_changed.into_iter())
                .map(|user| Pending {
                    target: Target::new("user", Some(user.id), user.email),
                    changes: user.changes,
                    target_prev: user.prev,
                })
                .collect();
            // The statements name each user's new entry by seq: they run while the
            // entries' hashes are worked out.
            log.push_chunk(action.user_op(), &entries, |seqs| {
                tx.execute("DELETE FROM temp.bulk_changed", [])?;
                let mut record =
                    tx.prepare_cached("INSERT INTO temp.bulk_changed (id, seq) VALUES (?1, ?2)")?;
                for (id, seq) in ids.iter().zip(seqs) {
                    record.execute(params![id, seq])?;
                }
                match void_all {
                    true => point_at_entries(&tx),
                    false => apply(&tx, app, action, &subjects, stamps.issued),
                }
            })?;
            after = last;
            done += n;
            progress(BulkProgress { done, total });
        }
        if changed == 0 || finish == Finish::RollBack {
            return Ok(BulkOutcome {
                changed,
                batch: None,
            });
        }
        if void_all {
            tx.execute(
                "UPDATE applications SET tokens_void_through = tokens_issued WHERE id = ?1",
                [app.0],
            )?;
        }
        if *action == BulkAction::Delete {
            resume_triggers(&tx)?;
        }
        let summary = action.summary(changed, tokens);
        let target = app_target(&tx, app)?;
        log.push(action.summary_op(), &target, &summary.to_json(), None)?;
        drop(log);
        tx.execute_batch("DROP TABLE temp.bulk_users; DROP TABLE temp.bulk_changed;")?;
        tx.commit()?;
        Ok(BulkOutcome {
            changed,
            batch: Some(batch.id()),
        })
    }
}

/// The next chunk of the selected users after id `after` (temp.bulk_users), with those
/// of them the action changes; `None` past the last.
fn chunk_changed(
    conn: &Connection,
    action: &BulkAction,
    void_through: i64,
    after: i64,
) -> Result<Option<Chunk>> {
    let (last, selected): (Option<i64>, u64) = conn
        .prepare_cached(
            "SELECT max(id), count(*) FROM
                (SELECT id FROM temp.bulk_users WHERE id > ?1 ORDER BY id LIMIT ?2)",
        )?
        .query_row(params![after, CHUNK], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let Some(last) = last else { return Ok(None) };
    Ok(Some(Chunk {
        last,
        selected,
        changed: changed_in(conn, action, void_through, (after, last))?,
    }))
}

/// The users of the chunk `(after, last]` that the action (a deletion or an edit)
/// changes, with what it changes for each.
fn changed_in(
    conn: &Connection,
    action: &BulkAction,
    void_through: i64,
    (after, last): (i64, i64),
) -> Result<Vec<Changed>> {
    // A deletion needs the live tokens too (bulk_invalidation.rs reads an
    // invalidation's).
    let tokens = match action {
        BulkAction::Delete => concat!(
            "(SELECT count(*) FROM tokens t WHERE t.user_id = u.id AND ",
            live_token_sql!("?3"),
            ")"
        ),
        _ => "?3 * 0",
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT u.id, {}, u.email, {tokens}, {USER_FIELDS_SQL}
         FROM temp.bulk_users b JOIN users u ON u.id = b.id WHERE b.id > ?1 AND b.id <= ?2",
        newest_user_entry_sql!()
    ))?;
    let mut rows = stmt.query(params![after, last, void_through])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let tokens: i64 = r.get(3)?;
        let before = UserFields::from_row(r, 4)?;
        if let Some(changes) = user_changes(action, &before, tokens) {
            out.push(Changed {
                id: r.get(0)?,
                prev: r.get(1)?,
                email: r.get(2)?,
                changes: changes.to_json(),
                tokens,
            });
        }
    }
    Ok(out)
}

/// What `action` changes of a user with the fields `before` and `tokens` live
/// tokens, as their entry records it; `None` for a user already as asked (no live
/// token, already in the group, …), who gets no entry and is left alone.
pub(super) fn user_changes(
    action: &BulkAction,
    before: &UserFields,
    tokens: i64,
) -> Option<Changes> {
    let changes = match action {
        BulkAction::Delete => {
            let mut changes = UserFields::changes(Some(before), None, false);
            changes.extend(Changes::default().with("tokens", tokens, 0));
            changes
        }
        BulkAction::InvalidateTokens if tokens > 0 => Changes::default().with("tokens", tokens, 0),
        BulkAction::InvalidateTokens => Changes::default(),
        _ => {
            let mut after = before.clone();
            for edit in action.edits() {
                edited(&mut after, edit);
            }
            UserFields::changes(Some(before), Some(&after), false)
        }
    };
    (!changes.is_empty()).then_some(changes)
}

/// A user's fields after one group or tag change.
fn edited(fields: &mut UserFields, edit: &BulkAction) {
    match edit {
        BulkAction::AddToGroup(name) => {
            let groups = fields.groups_mut();
            if !groups.contains(name) {
                groups.push(name.clone());
                groups.sort();
            }
        }
        BulkAction::RemoveFromGroup(name) => fields.groups_mut().retain(|g| g != name),
        BulkAction::SetTag { key, value } => {
            fields
                .tags_mut()
                .insert(key.as_str().to_string(), value.clone());
        }
        BulkAction::RemoveTag(key) => {
            fields.tags_mut().remove(key.as_str());
        }
        _ => {}
    }
}

/// Points each changed user at their new entry (their history's newest) where their
/// users row is not written anyway: in the narrow `bulk_last_audit` (schema_v9.sql).
fn point_at_entries(conn: &Connection) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO bulk_last_audit (user_id, seq) SELECT id, seq FROM temp.bulk_changed
         WHERE true ON CONFLICT (user_id) DO UPDATE SET seq = excluded.seq",
    )?
    .execute([])?;
    Ok(())
}

// Driven by the chunk's few ids (`UPDATE … FROM` would scan every user).
const CHANGED: &str = "(SELECT id FROM temp.bulk_changed)";
const NEWEST_ENTRY: &str = "(SELECT c.seq FROM temp.bulk_changed c WHERE c.id = users.id)";

/// The action's statements over the chunk's changed users, in `temp.bulk_changed`.
/// `subjects` are the edits' group ids and tag keys; `issued` the application's newest
/// token's issue number.
fn apply(
    conn: &Connection,
    app: AppId,
    action: &BulkAction,
    subjects: &[Value],
    issued: i64,
) -> Result<()> {
    match action {
        BulkAction::Delete => return delete_changed(conn, app),
        BulkAction::InvalidateTokens => {
            // Their tokens issued so far become void (schema_v8.sql); those issued
            // after, in this very millisecond, work.
            conn.prepare_cached(&format!(
                "INSERT INTO token_stamps (user_id, void_through) SELECT id, ?1 FROM {CHANGED}
                 WHERE true ON CONFLICT (user_id) DO UPDATE SET void_through = excluded.void_through"
            ))?
            .execute([issued])?;
            return point_at_entries(conn);
        }
        _ => {}
    }
    // Each edit is written for every changed user; one it does not concern (already
    // in the group, another edit changed them) is left as it is.
    for (edit, subject) in action.edits().iter().zip(subjects) {
        match edit {
            BulkAction::AddToGroup(_) => conn
                .prepare_cached(&format!(
                    "INSERT OR IGNORE INTO memberships (user_id, group_id)
                     SELECT id, ?1 FROM {CHANGED}"
                ))?
                .execute([subject])?,
            BulkAction::RemoveFromGroup(_) => conn
                .prepare_cached(&format!(
                    "DELETE FROM memberships WHERE group_id = ?1 AND user_id IN {CHANGED}"
                ))?
                .execute([subject])?,
            BulkAction::SetTag { value, .. } => conn
                .prepare_cached(&format!(
                    "INSERT INTO user_tags (user_id, key, value) SELECT id, ?1, ?2 FROM {CHANGED}
                     WHERE true ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value"
                ))?
                .execute(params![subject, value])?,
            BulkAction::RemoveTag(_) => conn
                .prepare_cached(&format!(
                    "DELETE FROM user_tags WHERE key = ?1 AND user_id IN {CHANGED}"
                ))?
                .execute([subject])?,
            _ => unreachable!("checked: only group and tag changes"),
        };
    }
    // An edit: a newer version (so an edit begun before it is refused), and the
    // user's newest entry, in the row written anyway.
    conn.prepare_cached(&format!(
        "UPDATE users SET version = version + 1, updated_at = ?1, last_audit = {NEWEST_ENTRY}
         WHERE id IN {CHANGED}"
    ))?
    .execute([unix_now()])?;
    Ok(())
}

/// Deletes the chunk's changed users with everything they held. The triggers that
/// count and unindex what goes are paused (`pause_removal_triggers`): the counts they
/// keep are lowered here by what the chunk's users held, before it goes.
fn delete_changed(conn: &Connection, app: AppId) -> Result<()> {
    let run = |sql: &str, app: Option<AppId>| -> Result<usize> {
        let mut stmt = conn.prepare_cached(sql)?;
        Ok(match app {
            Some(app) => stmt.execute([app.0])?,
            None => stmt.execute([])?,
        })
    };
    run(
        &format!(
            "UPDATE applications SET user_count = user_count - (SELECT count(*) FROM {CHANGED}),
                grouped_count = grouped_count
                    - (SELECT count(*) FROM users WHERE id IN {CHANGED} AND group_count > 0)
             WHERE id = ?1"
        ),
        Some(app),
    )?;
    run(
        &format!(
            "UPDATE groups SET member_count = member_count - gone.n
             FROM (SELECT group_id, count(*) AS n FROM memberships WHERE user_id IN {CHANGED}
                   GROUP BY group_id) AS gone
             WHERE groups.id = gone.group_id"
        ),
        None,
    )?;
    // Each user goes once from every group it reached, whatever memberships led there.
    run(
        &format!(
            "UPDATE groups SET subtree_member_count = subtree_member_count - gone.n
             FROM (SELECT a.ancestor_id, count(DISTINCT m.user_id) AS n
                   FROM memberships m JOIN group_ancestors a ON a.group_id = m.group_id
                   WHERE m.user_id IN {CHANGED} GROUP BY a.ancestor_id) AS gone
             WHERE groups.id = gone.ancestor_id"
        ),
        None,
    )?;
    run(
        &format!(
            "UPDATE tag_keys SET users = users - gone.n
             FROM (SELECT key, count(*) AS n FROM user_tags WHERE user_id IN {CHANGED}
                   GROUP BY key) AS gone
             WHERE tag_keys.app_id = ?1 AND tag_keys.key = gone.key"
        ),
        Some(app),
    )?;
    run(
        "DELETE FROM tag_keys WHERE app_id = ?1 AND users <= 0",
        Some(app),
    )?;
    // What the search index holds of each, exactly as it was inserted.
    run(
        &format!(
            "INSERT INTO users_fts (users_fts, rowid, search)
             SELECT 'delete', id, search || char(10, 10) FROM users WHERE id IN {CHANGED}"
        ),
        None,
    )?;
    for table in [
        "user_tags",
        "tokens",
        "token_stamps",
        "bulk_last_audit",
        "memberships",
        "users",
    ] {
        let id = if table == "users" { "id" } else { "user_id" };
        run(
            &format!("DELETE FROM {table} WHERE {id} IN {CHANGED}"),
            None,
        )?;
    }
    Ok(())
}
