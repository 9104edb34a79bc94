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
/// terms in `rare` (see short_terms.rs) are looked up in `user_search_short` too, and
/// `u` may then be `user_search` (schema_v12.sql), which holds every column it tests.
pub(super) fn where_clause(app: AppId, q: &UserQuery, rare: &[String], sql: &mut Sql) -> String {
    let (mut parts, scope) = tests(app, q, rare, sql, GroupTest::EachUser);
    parts.extend(scope);
    parts.join(" AND ")
}

/// The `WHERE` clause of the users `u` the query's filter selects, its scope aside.
pub(super) fn unscoped_where(app: AppId, q: &UserQuery, sql: &mut Sql) -> String {
    let mut parts = vec![format!("u.app_id = {}", sql.bind(app.0))];
    parts.extend(filter_tests(q, &[], sql));
    parts.join(" AND ")
}

/// The tests of the users `u` the query selects: its application, text terms and
/// tags; and apart, its scope's.
fn tests(
    app: AppId,
    q: &UserQuery,
    rare: &[String],
    sql: &mut Sql,
    group_test: GroupTest,
) -> (Vec<String>, Option<String>) {
    let mut parts = vec![format!("u.app_id = {}", sql.bind(app.0))];
    let scope = scope_test(q.scope, group_test, sql);
    parts.extend(filter_tests(q, rare, sql));
    (parts, scope)
}

/// How a group's test finds a user's membership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GroupTest {
    /// Looked up for each user tested.
    EachUser,
    /// The group's members read once (and hashed), then each user looked up there:
    /// for a term's tens of thousands of matches in a group of fewer members (`q` in
    /// Support with its subgroups, 17,930 of a million: 40 ms, where the planner
    /// looked each member up among the users: 90 ms).
    AllMembers,
}

/// The test of the users `u` in `scope`, if it selects some.
fn scope_test(scope: Scope, group_test: GroupTest, sql: &mut Sql) -> Option<String> {
    let members = match scope {
        Scope::All => return None,
        Scope::Grouped => return Some("u.group_count > 0".into()),
        Scope::Ungrouped => return Some("u.group_count = 0".into()),
        Scope::Group(group) => format!("memberships m WHERE m.group_id = {}", sql.bind(group)),
        // The kept ancestors (schema_v10.sql), not a recursive query: the planner
        // cannot size that, and joined all of a big subtree's memberships (0.8 s).
        Scope::GroupTree(group) => format!(
            "memberships m JOIN group_ancestors a ON a.group_id = m.group_id
             WHERE a.ancestor_id = {}",
            sql.bind(group)
        ),
    };
    Some(match group_test {
        GroupTest::EachUser => format!("EXISTS (SELECT 1 FROM {members} AND m.user_id = u.id)"),
        // `OFFSET 0` keeps the members a set of their own, not joined user by user.
        GroupTest::AllMembers => format!("u.id IN (SELECT m.user_id FROM {members} OFFSET 0)"),
    })
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

/// How a page's users are found (page_read.rs chooses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PageRead {
    /// The planner's way over `users`: mostly a sort index walked until the page is
    /// full.
    Walk,
    /// Every user the filter matches, read from `user_search` through the terms'
    /// indexes, the group's members (if any) read once and each match looked up among
    /// them; then sorted.
    Matches,
    /// As `Matches` in a group holding a good share of the users: the matches are
    /// sorted, then tested for the group in that order until the page is full; only
    /// the first of them (this many), or all (`None`).
    SortedMatches(Option<i64>),
    /// In email order, the first [`WALKED_FIRST`] users from the page's start in
    /// `user_search`'s email index, each tested for the filter (its rare terms by
    /// their text alone) and the scope; a page that comes back short is read again
    /// from the matches (page_read.rs), as `SortedMatches(Some(_))` in a `wide`
    /// group, else as `Matches`.
    WalkFirst { wide: bool },
    /// The query's one term, a character `ch` listed in `char_users`
    /// (pg/schema_v14.sql), or a `pair` of characters one of which (`ch`) is: `ch`'s
    /// users walked there in email order, each tested for the scope (as
    /// `group_test` says), and for the pair, until the page is full; for a pair,
    /// only the first [`WALKED_FIRST`] of them, read again from the matches when the
    /// page comes back short (page_read.rs), as for `WalkFirst` (`wide`).
    Listed {
        ch: char,
        pair: bool,
        group_test: GroupTest,
        wide: bool,
    },
}

/// One page of the query's users, found as `read` says (`rare`: its terms looked up
/// in `user_search_short`): the SQL, and whether its rows come reversed. Read from
/// `user_search`, the page's ids come first and then their rows.
pub(super) fn page_sql(
    app: AppId,
    q: &UserQuery,
    rare: &[String],
    read: PageRead,
    page: &Page,
) -> (Sql, bool) {
    let mut sql = Sql::default();
    let group_test = match read {
        PageRead::Matches => GroupTest::AllMembers,
        PageRead::Walk | PageRead::SortedMatches(_) => GroupTest::EachUser,
        PageRead::Listed {
            ch,
            pair,
            group_test,
            ..
        } => return listed_page_sql(app, q, (ch, pair), group_test, page),
        PageRead::WalkFirst { .. } => return walked_first_page_sql(app, q, page),
    };
    let (mut parts, scope) = tests(app, q, rare, &mut sql, group_test);
    let rows = match (read, scope) {
        (PageRead::SortedMatches(first), Some(scope)) => Rows::MatchesThenScope(scope, first),
        (read, scope) => {
            parts.extend(scope);
            match read {
                PageRead::Walk if q.sort.field == SortField::Email && !q.text.is_empty() => {
                    Rows::NarrowWalk
                }
                PageRead::Walk => Rows::Walk,
                // (A listed character's page was made above.)
                _ => Rows::Matches,
            }
        }
    };
    page_of(sql, parts.join(" AND "), rows, q.sort, page)
}

/// One page of the users `char_users` lists for `ch` (page_read.rs), in email order:
/// for the query's one term, that character, its users are its matches, tested for
/// the scope; for a `pair` holding it, the first of them are also tested for the
/// pair.
fn listed_page_sql(
    app: AppId,
    q: &UserQuery,
    (ch, pair): (char, bool),
    group_test: GroupTest,
    page: &Page,
) -> (Sql, bool) {
    let mut sql = Sql::default();
    let ch = sql.bind(ch.to_string());
    let mut parts = vec![format!("u.app_id = {}", sql.bind(app.0))];
    if !pair {
        parts.extend(match q.scope {
            // Looked up for each listed user, as a value: the planner made `NOT
            // EXISTS` a join with every membership (0.3 s at a million users).
            Scope::Grouped => Some(format!("{GROUP_COUNT} > 0")),
            Scope::Ungrouped => Some(format!("{GROUP_COUNT} = 0")),
            scope => scope_test(scope, group_test, &mut sql),
        });
        return page_of(sql, parts.join(" AND "), Rows::Listed(ch), q.sort, page);
    }
    parts.push(format!("u.ch = {ch}"));
    // On the user's narrow row, `u` there.
    let mut tests = filter_tests(q, &[], &mut sql);
    tests.extend(scope_test(q.scope, group_test, &mut sql));
    let first = sql.bind(WALKED_FIRST);
    let rows = Rows::ListedFirst(tests.join(" AND "), first);
    page_of(sql, parts.join(" AND "), rows, q.sort, page)
}

/// How many users in email order a page of a rare short term walks first (schema
/// v14's covering index, ~60 of its blocks): a term held by one user in eighty,
/// spread evenly, fills a page of fifty there.
const WALKED_FIRST: i64 = 4_000;

/// One page of the query in email order among the first [`WALKED_FIRST`] users from
/// the page's start: the application and the page's start bound the walk, every other
/// test is made on the users walked.
fn walked_first_page_sql(app: AppId, q: &UserQuery, page: &Page) -> (Sql, bool) {
    let mut sql = Sql::default();
    let walk = format!("u.app_id = {}", sql.bind(app.0));
    let mut tests = filter_tests(q, &[], &mut sql);
    tests.extend(scope_test(q.scope, GroupTest::EachUser, &mut sql));
    let first = sql.bind(WALKED_FIRST);
    let rows = Rows::WalkedFirst(tests.join(" AND "), first);
    page_of(sql, walk, rows, q.sort, page)
}

/// The kept count of the groups of the listed user `u`.
const GROUP_COUNT: &str = "(SELECT s.group_count FROM user_search s WHERE s.id = u.id)";

/// Where a page's rows come from.
pub(super) enum Rows {
    /// Whichever way the planner picks: mostly the sort index, walked until the page
    /// is full.
    Walk,
    /// As `Walk`, in email order, over `user_search`'s email index (schema_v14.sql),
    /// which holds the haystack each step tests (`u` in the test is `user_search`).
    NarrowWalk,
    /// All the users the test selects (`u` in it is `user_search`), then sorted:
    /// `OFFSET 0` keeps the planner from walking the sort index instead (it expects
    /// matches spread evenly along it).
    Matches,
    /// As `Matches` (the first this many in sort order, or all), sorted, and then
    /// tested (this test on the users `u`) in that order until the page is full.
    MatchesThenScope(String, Option<i64>),
    /// As `NarrowWalk`, but over this many users (a placeholder) at most, those that
    /// this test (on the users `u` walked) selects.
    WalkedFirst(String, String),
    /// The first this many (a placeholder) users `char_users` lists (`u` in the
    /// walk's test), in email order, that this test on their narrow rows (`u` there)
    /// selects: email order only.
    ListedFirst(String, String),
    /// The users `char_users` lists for this character (a placeholder), in email
    /// order, each tested until the page is full (`u` in the test is `char_users`):
    /// email order only.
    Listed(String),
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
    let (cursor, backwards, inclusive) = match page {
        Page::First(_) => (None, false, false),
        Page::Last(_) => (None, true, false),
        Page::After(c, _) => (Some(c), false, false),
        Page::AtOrAfter(c, _) => (Some(c), false, true),
        Page::Before(c, _) => (Some(c), true, false),
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
        // Where the listed rows' index finds it (their id is not one of its keys);
        // emails are unique within an application, so the id adds nothing there.
        let cursor = match rows {
            Rows::Listed(_) | Rows::ListedFirst(..) => format!(" AND {col} {op} {key}"),
            _ => format!(" AND ({col}, u.id) {op} ({key}, {})", sql.bind(c.id)),
        };
        where_sql.push_str(&cursor);
    }
    let dir = if descending { "DESC" } else { "ASC" };
    // Emails are unique within an application: the id breaks no tie there.
    let tie = match sort.field {
        SortField::Email => String::new(),
        _ => format!(", u.id {dir}"),
    };
    let order = format!("ORDER BY {col} {dir}{tie}");
    let limit = sql.bind(i64::try_from(page.size()).unwrap_or(i64::MAX));
    // A page read from `user_search`: its ids, then their rows.
    let matches = |rows: String| {
        format!("(SELECT u.id FROM {rows} {order} LIMIT {limit}) p JOIN users u ON u.id = p.id")
    };
    let users = match rows {
        Rows::Walk => format!("users u WHERE {where_sql}"),
        Rows::WalkedFirst(test, first) => format!(
            "(SELECT u.id FROM (SELECT u.id, u.email_key, u.search, u.group_count
                                FROM user_search u WHERE {where_sql} {order} LIMIT {first}) u
              WHERE {test} {order} LIMIT {limit}) p JOIN users u ON u.id = p.id"
        ),
        Rows::NarrowWalk => format!(
            "(SELECT u.id FROM user_search u WHERE {where_sql} {order} LIMIT {limit}) p
             JOIN users u ON u.id = p.id"
        ),
        Rows::Matches => matches(format!(
            "(SELECT u.id, {col} FROM user_search u WHERE {where_sql} OFFSET 0) u"
        )),
        Rows::MatchesThenScope(scope, first) => {
            let first = match first {
                Some(n) => format!("LIMIT {}", sql.bind(n)),
                None => "OFFSET 0".into(),
            };
            // The matches read apart (`OFFSET 0`), then sorted: given the order, the
            // planner walked `user_search`'s email index to them instead (`qu` in
            // Acme: 660,000 users walked to the Quinns, 116 ms warm, 281 ms cold).
            matches(format!(
                "(SELECT u.id, {col} FROM
                    (SELECT u.id, {col} FROM user_search u WHERE {where_sql} OFFSET 0) u
                  {order} {first}) u
                 WHERE {scope}"
            ))
        }
        Rows::ListedFirst(test, first) => format!(
            "(SELECT u.id FROM
                (SELECT u.id, u.email_key FROM char_users u WHERE {where_sql} {order}
                 LIMIT {first}) c
              JOIN user_search u ON u.id = c.id
              WHERE {test} ORDER BY c.email_key {dir} LIMIT {limit}) p
             JOIN users u ON u.id = p.id"
        ),
        Rows::Listed(ch) => format!(
            "(SELECT u.id FROM char_users u WHERE u.ch = {ch} AND {where_sql} {order}
              LIMIT {limit}) p JOIN users u ON u.id = p.id"
        ),
    };
    sql.text = format!("SELECT {ROW_COLUMNS} FROM {users} {order} LIMIT {limit}");
    (sql, backwards)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Given their order and a limit, the planner walked `user_search`'s email index
    /// to a rare term's matches two thirds down it, rather than read them: they are
    /// read apart, then sorted.
    #[test]
    fn a_wide_groups_sorted_matches_are_read_apart_before_they_are_sorted() {
        let query = UserQuery {
            scope: Scope::GroupTree(7),
            ..UserQuery::default()
        }
        .filter("qu");
        let rare = ["qu".to_string()];
        for first in [Some(1_000), None] {
            let read = PageRead::SortedMatches(first);
            let text = page_sql(AppId(1), &query, &rare, read, &Page::First(50))
                .0
                .text;
            let read_apart = text.find("OFFSET 0) u").expect(&text);
            let sorted = text.find("ORDER BY u.email_key ASC").expect(&text);
            assert!(read_apart < sorted, "{text}");
        }
    }

    #[test]
    fn a_terms_wildcards_are_matched_literally() {
        assert_eq!(containing("A_b%c\\"), "%a\\_b\\%c\\\\%");
    }
    #[test]
    fn a_page_read_from_its_matches_reads_the_groups_members_once_the_others_look_each_up() {
        let query = UserQuery {
            scope: Scope::GroupTree(7),
            ..UserQuery::default()
        }
        .filter("ali");
        let text = |read| {
            page_sql(AppId(1), &query, &[], read, &Page::First(50))
                .0
                .text
        };
        let matches = text(PageRead::Matches);
        assert!(
            matches.contains("u.id IN (SELECT m.user_id FROM memberships m"),
            "{matches}"
        );
        assert!(
            !matches.contains("EXISTS (SELECT 1 FROM memberships"),
            "{matches}"
        );
        for read in [PageRead::Walk, PageRead::SortedMatches(Some(1_000))] {
            let each = text(read);
            assert!(
                each.contains("EXISTS (SELECT 1 FROM memberships m"),
                "{each}"
            );
            assert!(!each.contains("u.id IN"), "{each}");
        }
    }
}
