//! Bulk actions on PostgreSQL (see the SQLite store's bulk.rs): one transaction, all
//! or nothing; the selected ids read once, then worked through a chunk at a time, each
//! chunk's users read in one statement and changed by set-based statements over an
//! array of their ids (`= ANY($1)`); one audit batch, an entry per user changed (the
//! same changes as SQLite's, bulk.rs's `user_changes`) and a summary.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use postgres::Transaction;

use super::audit;
use super::groups::group_id;
use super::query::Sql;
use super::selection::selection_where;
use super::users::LIVE_TOKEN;
use super::{PgStore, begin_write};
use crate::store::audit::{Context, Record, Target, UserFields};
use crate::store::bulk::user_changes;
use crate::store::bulk_chunk::CHUNK;
use crate::store::{
    AppId, BulkAction, BulkOutcome, BulkProgress, Result, Selection, Source, StoreError, unix_now,
};

/// A group's id or a tag key: what one edit's statement names.
enum Subject {
    Group(i64),
    Key(String),
}

impl PgStore {
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
        let result = self.bulk_unlogged(app, selection, action, source, (progress, cancel), true);
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

    /// How many users `action` would change, found by doing it and rolling it back.
    pub fn bulk_preview(
        &mut self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
    ) -> Result<BulkOutcome> {
        let source = self.actor.source;
        let never = AtomicBool::new(false);
        self.bulk_unlogged(app, selection, action, source, (&mut |_| (), &never), false)
    }

    /// How many users of the selection a group or tag action would change (see the
    /// SQLite store's), counted without doing it; `None` for the other actions.
    pub fn bulk_concerned(
        &self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
    ) -> Result<Option<u64>> {
        let Some(mut sql) = self.concerned(app, selection, action)? else {
            return Ok(None);
        };
        sql.text = format!("SELECT count(*) FROM users u WHERE {}", sql.text);
        let row = self
            .client
            .borrow_mut()
            .query_one(&sql.text, &sql.params())?;
        Ok(Some(super::apps::narrow(row.get(0), "a count")?))
    }

    /// The emails of the first `n` users [`PgStore::bulk_concerned`] counts, in email
    /// order; `None` for the other actions.
    pub fn bulk_concerned_sample(
        &self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
        n: usize,
    ) -> Result<Option<Vec<String>>> {
        let Some(mut sql) = self.concerned(app, selection, action)? else {
            return Ok(None);
        };
        let limit = sql.bind(i64::try_from(n).unwrap_or(i64::MAX));
        sql.text = format!(
            "SELECT u.email FROM users u WHERE {} ORDER BY u.email_key LIMIT {limit}",
            sql.text
        );
        let rows = self.client.borrow_mut().query(&sql.text, &sql.params())?;
        Ok(Some(rows.iter().map(|r| r.get(0)).collect()))
    }

    /// The test of a user `u` that the group or tag action would change (its text in
    /// `text`); `None` for the other actions.
    fn concerned(
        &self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
    ) -> Result<Option<Sql>> {
        let mut sql = Sql::default();
        let selected = selection_where(app, selection, &mut sql);
        let group = |name: &str| group_id(&mut *self.client.borrow_mut(), app, name);
        let (changed_when, holding) = match action {
            BulkAction::RemoveFromGroup(name) | BulkAction::AddToGroup(name) => {
                let group = sql.bind(group(name)?);
                let when = match action {
                    BulkAction::AddToGroup(_) => "NOT EXISTS",
                    _ => "EXISTS",
                };
                let member = format!(
                    "SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.group_id = {group}"
                );
                (when, member)
            }
            BulkAction::RemoveTag(key) => (
                "EXISTS",
                format!(
                    "SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.key = {}",
                    sql.bind(key.as_str().to_string())
                ),
            ),
            BulkAction::SetTag { key, value } => (
                "NOT EXISTS",
                format!(
                    "SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.key = {}
                       AND t.value = {}",
                    sql.bind(key.as_str().to_string()),
                    sql.bind(value.clone())
                ),
            ),
            _ => return Ok(None),
        };
        sql.text = format!("{selected} AND {changed_when} ({holding})");
        Ok(Some(sql))
    }

    fn bulk_unlogged(
        &mut self,
        app: AppId,
        selection: &Selection,
        action: &BulkAction,
        source: Source,
        (progress, cancel): (&mut dyn FnMut(BulkProgress), &AtomicBool),
        commit: bool,
    ) -> Result<BulkOutcome> {
        action.check()?;
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let subjects = (action.edits().iter())
            .map(|edit| match edit {
                BulkAction::AddToGroup(name) | BulkAction::RemoveFromGroup(name) => {
                    Ok(Subject::Group(group_id(&mut tx, app, name)?))
                }
                BulkAction::SetTag { key, .. } | BulkAction::RemoveTag(key) => {
                    Ok(Subject::Key(key.as_str().to_string()))
                }
                _ => unreachable!("checked: only group and tag changes"),
            })
            .collect::<Result<Vec<Subject>>>()?;
        let selected: Vec<i64> = match selection.is_empty() {
            true => Vec::new(),
            false => {
                let mut sql = Sql::default();
                let test = selection_where(app, selection, &mut sql);
                sql.text = format!("SELECT u.id FROM users u WHERE {test} ORDER BY u.id");
                let rows = tx.query(&sql.text, &sql.params())?;
                rows.iter().map(|r| r.get(0)).collect()
            }
        };
        let total = selected.len() as u64;
        progress(BulkProgress { done: 0, total });
        let context = Context {
            batch: Some(audit::begin_batch(&mut tx)?),
            source: Some(source),
        };
        let (mut done, mut changed, mut tokens) = (0u64, 0u64, 0i64);
        for chunk in selected.chunks(CHUNK as usize) {
            if cancel.load(Ordering::Relaxed) {
                return Err(StoreError::Cancelled);
            }
            let (mut ids, mut entries) = (Vec::new(), Vec::new());
            for (id, email, before, live) in read_chunk(&mut tx, chunk)? {
                let Some(changes) = user_changes(action, &before, live) else {
                    continue;
                };
                entries.push((Target::new("user", Some(id), email), changes));
                ids.push(id);
                tokens += live;
            }
            // Recorded while the users' rows still hold their chains of entries.
            audit::append_users(
                &mut tx,
                &self.actor,
                app,
                action.user_op(),
                entries,
                context,
            )?;
            apply(&mut tx, action, &subjects, &ids)?;
            changed += ids.len() as u64;
            done += chunk.len() as u64;
            progress(BulkProgress { done, total });
        }
        if changed == 0 || !commit {
            return Ok(BulkOutcome {
                changed,
                batch: None,
            });
        }
        let target = audit::app_target(&mut tx, app)?;
        let summary = action.summary(changed, tokens);
        let record = Record::new(Some(app), action.summary_op(), target, summary);
        audit::append(&mut tx, &self.actor, record.within(context))?;
        tx.commit()?;
        Ok(BulkOutcome {
            changed,
            batch: context.batch.map(|b| b.id()),
        })
    }
}

/// The chunk's users as their entries compare them: id, email, fields, live tokens.
fn read_chunk(tx: &mut Transaction, ids: &[i64]) -> Result<Vec<(i64, String, UserFields, i64)>> {
    let rows = tx.query(
        &format!(
            "SELECT u.id, u.email, u.first_name, u.last_name,
                    (SELECT array_agg(g.name) FROM memberships m
                     JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id),
                    (SELECT array_agg(t.key) FROM user_tags t WHERE t.user_id = u.id),
                    (SELECT array_agg(t.value) FROM user_tags t WHERE t.user_id = u.id),
                    (SELECT count(*) FROM tokens t JOIN applications a ON a.id = t.app_id
                     WHERE t.user_id = u.id AND {LIVE_TOKEN})
             FROM users u WHERE u.id = ANY($1) ORDER BY u.id"
        ),
        &[&ids],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let list = |i| r.get::<_, Option<Vec<String>>>(i).unwrap_or_default();
            let tags: BTreeMap<String, String> = list(5).into_iter().zip(list(6)).collect();
            let fields = UserFields::stored(r.get(1), r.get(2), r.get(3), list(4), tags);
            (r.get(0), r.get(1), fields, r.get(7))
        })
        .collect())
}

/// The action's statements over the chunk's changed users `ids`; `subjects` are the
/// edits' group ids and tag keys. The triggers keep every count.
fn apply(
    tx: &mut Transaction,
    action: &BulkAction,
    subjects: &[Subject],
    ids: &[i64],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids = &ids;
    match action {
        BulkAction::Delete => {
            // The children first, so that the triggers keeping counts still see the
            // users; their tokens and stamps go with them (ON DELETE CASCADE).
            for table in ["memberships", "user_tags"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE user_id = ANY($1)"),
                    &[ids],
                )?;
            }
            tx.execute("DELETE FROM users WHERE id = ANY($1)", &[ids])?;
            return Ok(());
        }
        BulkAction::InvalidateTokens => {
            tx.execute("DELETE FROM tokens WHERE user_id = ANY($1)", &[ids])?;
            return Ok(());
        }
        _ => {}
    }
    for (edit, subject) in action.edits().iter().zip(subjects) {
        match (edit, subject) {
            (BulkAction::AddToGroup(_), Subject::Group(group)) => tx.execute(
                "INSERT INTO memberships (user_id, group_id) SELECT unnest($1::bigint[]), $2
                 ON CONFLICT DO NOTHING",
                &[ids, group],
            )?,
            (BulkAction::RemoveFromGroup(_), Subject::Group(group)) => tx.execute(
                "DELETE FROM memberships WHERE group_id = $2 AND user_id = ANY($1)",
                &[ids, group],
            )?,
            (BulkAction::SetTag { value, .. }, Subject::Key(key)) => tx.execute(
                "INSERT INTO user_tags (user_id, key, value) SELECT unnest($1::bigint[]), $2, $3
                 ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value",
                &[ids, key, value],
            )?,
            (BulkAction::RemoveTag(_), Subject::Key(key)) => tx.execute(
                "DELETE FROM user_tags WHERE key = $2 AND user_id = ANY($1)",
                &[ids, key],
            )?,
            _ => unreachable!("subjects follow the edits"),
        };
    }
    // A newer version, so that an edit begun before it is refused.
    tx.execute(
        "UPDATE users SET version = version + 1, updated_at = $2 WHERE id = ANY($1)",
        &[ids, &unix_now()],
    )?;
    Ok(())
}
