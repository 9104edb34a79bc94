//! A selection of users: those matching any of some queries or named by id, minus
//! exceptions. "Every user the filter shows, but these two" stays a query and two ids
//! however many users it covers, so marking a million users costs nothing.

use std::collections::{BTreeSet, HashSet};

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};

use super::plan::{FEW_FOR_SELECTION, Plan};
use super::query::{page_clause, where_clause};
use super::users::{ROW_COLUMNS, read_row};
use super::{AppId, Page, Result, Sort, SqliteStore, UserId, UserQuery, UserRow};
use crate::domain::email_key;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Users matching any of these (scope, text and tags; their sort is ignored).
    pub queries: Vec<UserQuery>,
    /// Users named one by one.
    pub ids: BTreeSet<UserId>,
    /// Users left out, whatever selected them.
    pub except: BTreeSet<UserId>,
}

impl Selection {
    /// Every user the query matches.
    pub fn of_query(query: UserQuery) -> Selection {
        Selection {
            queries: vec![query],
            ..Selection::default()
        }
    }

    /// These users.
    pub fn of_ids(ids: impl IntoIterator<Item = UserId>) -> Selection {
        Selection {
            ids: ids.into_iter().collect(),
            ..Selection::default()
        }
    }

    /// The query it is, when it is only every user one query matches.
    pub(super) fn only_query(&self) -> Option<&UserQuery> {
        match self.queries.as_slice() {
            [query] if self.ids.is_empty() && self.except.is_empty() => Some(query),
            _ => None,
        }
    }

    /// Whether it names nobody: no query, and every id named is an exception.
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty() && self.ids.is_subset(&self.except)
    }

    /// The users left out when it is every user of the application but those.
    pub(super) fn everyone_but(&self) -> Option<&BTreeSet<UserId>> {
        match self.queries.as_slice() {
            [query] if query.is_everyone() && self.ids.is_empty() => Some(&self.except),
            _ => None,
        }
    }
}

/// How many users the application has but `except`, from its kept count.
pub(super) fn everyone_but_count(
    conn: &Connection,
    app: AppId,
    except: &BTreeSet<UserId>,
) -> Result<u64> {
    Ok(conn.query_row(
        &format!(
            "SELECT user_count - (SELECT count(*) FROM users u {AMONG} AND u.app_id = ?2)
             FROM applications WHERE id = ?2"
        ),
        params![id_list(except), app.0],
        |r| r.get(0),
    )?)
}

/// The users of a JSON array of ids (a parameter), read by id: a join with
/// `json_each` could be planned the other way round, reading the whole array for each
/// user of the application.
const AMONG: &str = "WHERE u.id IN (SELECT value FROM json_each(?))";

/// A JSON array of ids, for `json_each(?)`: one parameter however many ids.
pub(super) fn id_list<'a>(ids: impl IntoIterator<Item = &'a UserId>) -> Value {
    let ids: Vec<i64> = ids.into_iter().map(|id| id.0).collect();
    Value::Text(serde_json::to_string(&ids).expect("ids serialise"))
}

/// Users read per query when walking a whole selection.
pub(super) const WALK_PAGE: usize = 1000;

/// A test of one row `u` against the query, without any index: for rows already in
/// hand (a page, a few ids).
fn row_test(app: AppId, query: &UserQuery) -> (String, Vec<Value>) {
    let (sql, params) = where_clause(app, query, &Plan::default(), false);
    (format!("({sql})"), params)
}

/// A test of one row `u` against the whole selection (any application's row: the
/// caller limits it to one).
fn selection_test(app: AppId, selection: &Selection) -> (String, Vec<Value>) {
    let mut tests = vec!["u.id IN (SELECT value FROM json_each(?))".to_string()];
    let mut params = vec![id_list(&selection.ids)];
    for query in &selection.queries {
        let (test, test_params) = row_test(app, query);
        tests.push(test);
        params.extend(test_params);
    }
    params.push(id_list(&selection.except));
    (
        format!(
            "({}) AND u.id NOT IN (SELECT value FROM json_each(?))",
            tests.join(" OR ")
        ),
        params,
    )
}

impl SqliteStore {
    /// How many users the selection holds now.
    pub fn selection_count(&self, app: AppId, selection: &Selection) -> Result<u64> {
        if let [query] = selection.queries.as_slice() {
            // The query's own count (from counters and indexes where they answer),
            // corrected by the few exceptions it matches and the ids it does not.
            let (test, test_params) = row_test(app, query);
            let mut params = vec![id_list(&selection.except)];
            params.extend(test_params.iter().cloned());
            let excepted: u64 = self
                .conn
                .prepare_cached(&format!("SELECT count(*) FROM users u {AMONG} AND {test}"))?
                .query_row(params_from_iter(params), |r| r.get(0))?;
            let mut params = vec![id_list(&selection.ids), Value::Integer(app.0)];
            params.extend(test_params);
            params.push(id_list(&selection.except));
            let added: u64 = self
                .conn
                .prepare_cached(&format!(
                    "SELECT count(*) FROM users u {AMONG} AND +u.app_id = ? AND NOT {test}
                       AND u.id NOT IN (SELECT value FROM json_each(?))"
                ))?
                .query_row(params_from_iter(params), |r| r.get(0))?;
            // Saturating: another writer may delete users between these reads.
            return Ok((self.count_users(app, query)? + added).saturating_sub(excepted));
        }
        let Some((sql, params)) = self.selected_sql(app, selection)? else {
            return Ok(0);
        };
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM ({sql})"))?
            .query_row(params_from_iter(params), |r| r.get(0))?)
    }

    /// The first `n` emails of the selection in email order (for "alice@…, bob@… and
    /// 1,232 more").
    pub fn selection_sample(
        &self,
        app: AppId,
        selection: &Selection,
        n: usize,
    ) -> Result<Vec<String>> {
        // Email key → email, the first n of each source merged.
        let mut found = std::collections::BTreeMap::new();
        for query in &selection.queries {
            let query = UserQuery {
                sort: Sort::default(),
                ..query.clone()
            };
            let mut taken = 0;
            let mut page = Page::First(n);
            while taken < n && n > 0 {
                let rows = self.list_users(app, &query, &page)?;
                let Some(last) = rows.last() else { break };
                let next = Page::After(last.cursor(query.sort.field), n);
                let full = rows.len() == n;
                for row in rows {
                    if taken < n && !selection.except.contains(&row.id) {
                        taken += 1;
                        found.insert(email_key(&row.email), row.email);
                    }
                }
                if !full {
                    break;
                }
                page = next;
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT u.email_key, u.email FROM users u
             WHERE u.id IN (SELECT value FROM json_each(?1)) AND +u.app_id = ?2
               AND u.id NOT IN (SELECT value FROM json_each(?3))
             ORDER BY u.email_key LIMIT ?4",
        )?;
        let named = stmt.query_map(
            rusqlite::params![
                id_list(&selection.ids),
                app.0,
                id_list(&selection.except),
                n as i64
            ],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        for row in named {
            let (key, email) = row?;
            found.insert(key, email);
        }
        Ok(found.into_values().take(n).collect())
    }

    /// Which of `rows` the selection holds, in one query (a page's marks).
    pub fn marked_among(
        &self,
        app: AppId,
        selection: &Selection,
        rows: &[UserId],
    ) -> Result<HashSet<UserId>> {
        if rows.is_empty() || selection.is_empty() {
            return Ok(HashSet::new());
        }
        let (test, test_params) = selection_test(app, selection);
        let mut params = vec![id_list(rows), Value::Integer(app.0)];
        params.extend(test_params);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT u.id FROM users u {AMONG} AND +u.app_id = ? AND {test}"
        ))?;
        let marked = stmt.query_map(params_from_iter(params), |r| Ok(UserId(r.get(0)?)))?;
        Ok(marked.collect::<rusqlite::Result<_>>()?)
    }

    /// One page of the selection's users in `sort` order.
    pub fn selection_page(
        &self,
        app: AppId,
        selection: &Selection,
        sort: Sort,
        page: &Page,
    ) -> Result<Vec<UserRow>> {
        if let Some(query) = selection.only_query() {
            // The query's own plan (its indexes) serves it best.
            return self.list_users(
                app,
                &UserQuery {
                    sort,
                    ..query.clone()
                },
                page,
            );
        }
        if selection.is_empty() {
            return Ok(Vec::new());
        }
        // The sort index is walked, each row tested: a walk through every page is one
        // pass over the application's users.
        let (test, test_params) = selection_test(app, selection);
        let mut where_sql = format!("u.app_id = ? AND {test}");
        let mut params = vec![Value::Integer(app.0)];
        params.extend(test_params);
        let (tail, reversed) = page_clause(sort, false, page, None, &mut where_sql, &mut params);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM users u WHERE {where_sql}{tail}"
        ))?;
        let mut rows: Vec<UserRow> = stmt
            .query_map(params_from_iter(params), read_row)?
            .collect::<rusqlite::Result<_>>()?;
        if reversed {
            rows.reverse();
        }
        Ok(rows)
    }

    /// A `SELECT id` of the selection's users (each once), each query read through
    /// its own plan; `None` when it names nobody.
    pub(super) fn selected_sql(
        &self,
        app: AppId,
        selection: &Selection,
    ) -> Result<Option<(String, Vec<Value>)>> {
        let mut parts = Vec::new();
        let mut params = Vec::new();
        for query in &selection.queries {
            if let Some((sql, query_params)) =
                self.matching_sql(app, query, "u.id AS id", FEW_FOR_SELECTION)?
            {
                parts.push(sql);
                params.extend(query_params);
            }
        }
        if !selection.ids.is_empty() {
            parts.push(format!(
                "SELECT u.id AS id FROM users u {AMONG} AND +u.app_id = ?"
            ));
            params.push(id_list(&selection.ids));
            params.push(Value::Integer(app.0));
        }
        if parts.is_empty() {
            return Ok(None);
        }
        params.push(id_list(&selection.except));
        Ok(Some((
            format!(
                "SELECT id FROM ({}) WHERE id NOT IN (SELECT value FROM json_each(?))",
                parts.join(" UNION ")
            ),
            params,
        )))
    }
}
