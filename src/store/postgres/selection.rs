//! Selections on PostgreSQL (see the SQLite store's selection.rs): the users matching
//! any of some queries or named by id, minus exceptions, tested row by row in one
//! statement; the ids go as one array parameter each (`= ANY($n)`).

use std::collections::HashSet;

use super::PgStore;
use super::apps::narrow;
use super::query::{Rows, Sql, page_of, where_clause};
use super::reads::read_row;
use crate::store::{AppId, Page, Result, Selection, Sort, UserId, UserQuery, UserRow};

/// Ids as an array parameter.
pub(super) fn id_array<'a>(ids: impl IntoIterator<Item = &'a UserId>) -> Vec<i64> {
    ids.into_iter().map(|id| id.0).collect()
}

/// The test of a row `u` of application `app` against the whole selection (its
/// short terms by `LIKE` alone: several queries' tests are joined by `OR`).
pub(super) fn selection_where(app: AppId, selection: &Selection, sql: &mut Sql) -> String {
    let mut tests = vec![format!(
        "u.id = ANY({})",
        sql.bind(id_array(&selection.ids))
    )];
    for query in &selection.queries {
        tests.push(format!("({})", where_clause(app, query, &[], sql)));
    }
    format!(
        "u.app_id = {} AND ({}) AND NOT u.id = ANY({})",
        sql.bind(app.0),
        tests.join(" OR "),
        sql.bind(id_array(&selection.except))
    )
}

impl PgStore {
    /// How many users the selection holds now.
    pub fn selection_count(&self, app: AppId, selection: &Selection) -> Result<u64> {
        if let Some(query) = selection.only_query() {
            return self.count_users(app, query);
        }
        if selection.is_empty() {
            return Ok(0);
        }
        let mut sql = Sql::default();
        let test = selection_where(app, selection, &mut sql);
        sql.text = format!("SELECT count(*) FROM users u WHERE {test}");
        let row = self
            .client
            .borrow_mut()
            .query_one(&sql.text, &sql.params())?;
        narrow(row.get(0), "a count")
    }

    /// The first `n` emails of the selection in email order.
    pub fn selection_sample(
        &self,
        app: AppId,
        selection: &Selection,
        n: usize,
    ) -> Result<Vec<String>> {
        let rows = self.selection_page(app, selection, Sort::default(), &Page::First(n))?;
        Ok(rows.into_iter().map(|row| row.email).collect())
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
        let mut sql = Sql::default();
        let among = sql.bind(id_array(rows));
        let test = selection_where(app, selection, &mut sql);
        sql.text = format!("SELECT u.id FROM users u WHERE u.id = ANY({among}) AND {test}");
        let found = self.client.borrow_mut().query(&sql.text, &sql.params())?;
        Ok(found.iter().map(|r| UserId(r.get(0))).collect())
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
            let query = UserQuery {
                sort,
                ..query.clone()
            };
            return self.list_users(app, &query, page);
        }
        if selection.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::default();
        let test = selection_where(app, selection, &mut sql);
        let (sql, reversed) = page_of(sql, test, Rows::Walk, sort, page);
        let found = self.client.borrow_mut().query(&sql.text, &sql.params())?;
        let mut rows = found.iter().map(read_row).collect::<Result<Vec<_>>>()?;
        if reversed {
            rows.reverse();
        }
        Ok(rows)
    }
}
