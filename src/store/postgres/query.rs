//! A user query as PostgreSQL SQL (see the SQLite store's store/query.rs): the same
//! scopes, text terms, tag filters and keyset pages, every value a bound parameter.

use postgres::types::ToSql;

use super::short_terms::is_short;
use crate::store::{AppId, Page, Scope, Sort, SortField, SortKey, UserQuery};

/// SQL text and the parameters its `$n` placeholders bind, in order.
#[derive(Default)]
pub(super) struct Sql {
    pub text: String,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Sql {
    /// Adds a parameter; returns its placeholder.
    pub fn bind(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    pub fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| p.as_ref()).collect()
    }
}

/// The columns of a list row, in the order `users::read_row` reads them.
pub(super) const ROW_COLUMNS: &str = "u.id, u.email, u.first_name, u.last_name,
     (SELECT count(*) FROM user_tags t WHERE t.user_id = u.id), u.created_at, u.last_login,
     (SELECT array_agg(g.name) FROM memberships m JOIN groups g ON g.id = m.group_id
      WHERE m.user_id = u.id)";

/// `LIKE` pattern matching `term` anywhere (its own `%`, `_` and `\` taken literally):
/// the form the trigram index serves.
fn containing(term: &str) -> String {
    let mut pattern = String::from("%");
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The `WHERE` clause (without the keyword) of the users `u` the query selects; the
/// terms in `rare` (see short_terms.rs) are looked up in `users_search_short` too.
pub(super) fn where_clause(app: AppId, q: &UserQuery, rare: &[String], sql: &mut Sql) -> String {
    let (mut parts, scope) = tests(app, q, rare, sql);
    parts.extend(scope);
    parts.join(" AND ")
}

/// The tests of the users `u` the query selects: its application, text terms and
/// tags; and apart, its scope's.
fn tests(
    app: AppId,
    q: &UserQuery,
    rare: &[String],
    sql: &mut Sql,
) -> (Vec<String>, Option<String>) {
    let mut parts = vec![format!("u.app_id = {}", sql.bind(app.0))];
    let scope = scope_test(q.scope, sql);
    parts.extend(filter_tests(q, rare, sql));
    (parts, scope)
}

/// The test of the users `u` in `scope`, if it selects some.
fn scope_test(scope: Scope, sql: &mut Sql) -> Option<String> {
    match scope {
        Scope::All => None,
        Scope::Grouped => Some("u.group_count > 0".into()),
        Scope::Ungrouped => Some("u.group_count = 0".into()),
        Scope::Group(group) => Some(format!(
            "EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.group_id = {})",
            sql.bind(group)
        )),
        // The kept ancestors (schema_v10.sql), not a recursive query: the planner
        // cannot size that, and joined all of a big subtree's memberships (0.8 s).
        Scope::GroupTree(group) => Some(format!(
            "EXISTS (SELECT 1 FROM memberships m JOIN group_ancestors a ON a.group_id = m.group_id
                     WHERE m.user_id = u.id AND a.ancestor_id = {})",
            sql.bind(group)
        )),
    }
}

/// The tests of the query's text terms and tags on the users `u`.
fn filter_tests(q: &UserQuery, rare: &[String], sql: &mut Sql) -> Vec<String> {
    let mut parts = Vec::new();
    for term in &q.text {
        parts.push(match is_short(term) {
            // pg_trgm finds no trigram in a one- or two-character pattern and reads
            // its whole index for `LIKE` (0.4 s at a million users): `strpos` keeps
            // the planner off it.
            true => format!("strpos(u.search, {}) > 0", sql.bind(term.to_lowercase())),
            false => format!("u.search LIKE {}", sql.bind(containing(term))),
        });
        if rare.contains(term) {
            parts.push(format!(
                "short_grams(u.search) @> ARRAY[{}::text]",
                sql.bind(term.clone())
            ));
        }
    }
    for tag in &q.tags {
        let mut clause = format!(
            "EXISTS (SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.key = {}",
            sql.bind(tag.key.clone())
        );
        if let Some(value) = &tag.value {
            clause.push_str(&format!(" AND t.value = {}", sql.bind(value.clone())));
        }
        clause.push(')');
        parts.push(clause);
    }
    parts
}

/// One page of the query's users: the SQL, and whether its rows come reversed. With
/// `rare` terms, every user they match is read (from their index) and sorted; when
/// `wide_scope` (its group holds a good share of the users, short_terms.rs), the
/// scope is tested on the sorted matches until the page is full, not on every match.
pub(super) fn page_sql(
    app: AppId,
    q: &UserQuery,
    rare: &[String],
    wide_scope: bool,
    page: &Page,
) -> (Sql, bool) {
    let mut sql = Sql::default();
    let (mut parts, scope) = tests(app, q, rare, &mut sql);
    let rows = match (rare.is_empty(), scope) {
        (false, Some(scope)) if wide_scope => Rows::MatchesThenScope(scope),
        (walk, scope) => {
            parts.extend(scope);
            match walk {
                true => Rows::Walk,
                false => Rows::Matches,
            }
        }
    };
    page_of(sql, parts.join(" AND "), rows, q.sort, page)
}

/// Where a page's rows come from.
pub(super) enum Rows {
    /// Whichever way the planner picks: mostly the sort index, walked until the page
    /// is full.
    Walk,
    /// All the users the test selects, then sorted: `OFFSET 0` keeps the planner from
    /// walking the sort index instead (it expects matches spread evenly along it).
    Matches,
    /// As `Matches`, sorted, and then tested (this test on the users `u`) in that
    /// order until the page is full.
    MatchesThenScope(String),
}

/// One page in `sort` order of the users `u` that `where_sql` (its parameters bound in
/// `sql`) selects: the SQL, and whether its rows come reversed.
pub(super) fn page_of(
    mut sql: Sql,
    mut where_sql: String,
    rows: Rows,
    sort: Sort,
    page: &Page,
) -> (Sql, bool) {
    let col = sort.field.column();
    let (cursor, limit, backwards, inclusive) = match page {
        Page::First(n) => (None, *n, false, false),
        Page::Last(n) => (None, *n, true, false),
        Page::After(c, n) => (Some(c), *n, false, false),
        Page::AtOrAfter(c, n) => (Some(c), *n, false, true),
        Page::Before(c, n) => (Some(c), *n, true, false),
    };
    // Reading backwards is reading forwards in the opposite direction.
    let descending = sort.descending != backwards;
    if let Some(c) = cursor {
        let op = match (descending, inclusive) {
            (false, false) => ">",
            (false, true) => ">=",
            (true, false) => "<",
            (true, true) => "<=",
        };
        let key = match &c.key {
            SortKey::Text(s) => sql.bind(s.clone()),
            SortKey::Int(i) => sql.bind(*i),
        };
        let id = sql.bind(c.id);
        where_sql.push_str(&format!(" AND ({col}, u.id) {op} ({key}, {id})"));
    }
    let dir = if descending { "DESC" } else { "ASC" };
    // Emails are unique within an application: the id breaks no tie there.
    let tie = match sort.field {
        SortField::Email => String::new(),
        _ => format!(", u.id {dir}"),
    };
    let limit = sql.bind(i64::try_from(limit).unwrap_or(i64::MAX));
    let users = match rows {
        Rows::Walk => format!("users u WHERE {where_sql}"),
        Rows::Matches => format!("(SELECT u.* FROM users u WHERE {where_sql} OFFSET 0) u"),
        Rows::MatchesThenScope(scope) => format!(
            "(SELECT u.* FROM users u WHERE {where_sql} ORDER BY {col} {dir}{tie} OFFSET 0) u
             WHERE {scope}"
        ),
    };
    sql.text = format!("SELECT {ROW_COLUMNS} FROM {users} ORDER BY {col} {dir}{tie} LIMIT {limit}");
    (sql, backwards)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terms_wildcards_are_matched_literally() {
        assert_eq!(containing("A_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}
