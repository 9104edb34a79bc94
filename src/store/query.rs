//! The typed user query and the SQL it becomes. User text only ever travels as bound
//! parameters; the SQL text is assembled from the fixed fragments below.

use rusqlite::types::Value;

use super::AppId;
use super::member_set::{member_params, member_test};
use super::plan::Plan;
use super::subtree::group_test;

/// Which users a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    All,
    /// In at least one group.
    Grouped,
    /// In no group.
    Ungrouped,
    /// Direct members of one group.
    Group(i64),
    /// Members of one group or of any group below it.
    GroupTree(i64),
}

impl Scope {
    /// The group whose members the scope holds, and whether it includes its subgroups.
    pub fn group(self) -> Option<(i64, bool)> {
        match self {
            Scope::Group(id) => Some((id, false)),
            Scope::GroupTree(id) => Some((id, true)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortField {
    #[default]
    Email,
    FirstName,
    LastName,
    Created,
    LastLogin,
}

impl SortField {
    pub const ALL: [SortField; 5] = [
        SortField::Email,
        SortField::FirstName,
        SortField::LastName,
        SortField::Created,
        SortField::LastLogin,
    ];

    pub fn next(self) -> SortField {
        let i = Self::ALL.iter().position(|f| *f == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The name used on the command line (`--sort`).
    pub fn name(self) -> &'static str {
        match self {
            SortField::Email => "email",
            SortField::FirstName => "first",
            SortField::LastName => "last",
            SortField::Created => "created",
            SortField::LastLogin => "last-login",
        }
    }

    pub fn from_name(name: &str) -> Option<SortField> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub(crate) fn column(self) -> &'static str {
        match self {
            SortField::Email => "u.email_key",
            SortField::FirstName => "u.first_key",
            SortField::LastName => "u.last_key",
            SortField::Created => "u.created_at",
            SortField::LastLogin => "u.last_login",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

/// `tag:key` (present) or `tag:key=value` (present with exactly that value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    pub key: String,
    pub value: Option<String>,
}

impl TagFilter {
    /// Parses `key` or `key=value`.
    pub fn parse(term: &str) -> TagFilter {
        match term.split_once('=') {
            Some((key, value)) => TagFilter {
                key: key.to_string(),
                value: Some(value.to_string()),
            },
            None => TagFilter {
                key: term.to_string(),
                value: None,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserQuery {
    pub scope: Scope,
    /// Substrings that must all appear in the email, first or last name (any case).
    pub text: Vec<String>,
    pub tags: Vec<TagFilter>,
    pub sort: Sort,
}

impl UserQuery {
    /// Reads a filter line: whitespace-separated terms, `tag:key` and `tag:key=value`
    /// terms select by tag, every other term is text; all terms must match.
    pub fn filter(mut self, line: &str) -> UserQuery {
        for term in line.split_whitespace() {
            match term.strip_prefix("tag:") {
                Some(tag) if !tag.is_empty() => self.tags.push(TagFilter::parse(tag)),
                _ => self.text.push(term.to_lowercase()),
            }
        }
        self
    }

    /// Whether it has no text term and no tag filter: its scope alone selects.
    pub(crate) fn filters_nothing(&self) -> bool {
        self.text.is_empty() && self.tags.is_empty()
    }

    /// Whether it selects every user of the application.
    pub(crate) fn is_everyone(&self) -> bool {
        self.scope == Scope::All && self.filters_nothing()
    }
}

/// The value a list is ordered by, taken from a row to page from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Text(String),
    Int(i64),
}

/// A position in a sorted list: the sort value and id of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: SortKey,
    pub id: i64,
}

/// Which slice of a sorted list to read. Rows always come back in list order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    First(usize),
    Last(usize),
    After(Cursor, usize),
    Before(Cursor, usize),
    AtOrAfter(Cursor, usize),
}

impl Page {
    /// The most rows it holds.
    pub fn size(&self) -> usize {
        match self {
            Page::First(n) | Page::Last(n) => *n,
            Page::After(_, n) | Page::Before(_, n) | Page::AtOrAfter(_, n) => *n,
        }
    }
}

/// Aggregate counts for the three panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScopeCounts {
    pub all: u64,
    pub grouped: u64,
    pub ungrouped: u64,
}

/// `WHERE` clause (without the keyword) and its parameters for the query's filters.
/// `walk_index`: whether SQLite may walk an index starting with `app_id` (a page of a
/// large set does; reading a small set, or counting a large one in one sequential
/// scan, must not: `+` rules it out).
pub(crate) fn where_clause(
    app: AppId,
    q: &UserQuery,
    plan: &Plan,
    walk_index: bool,
) -> (String, Vec<Value>) {
    let app_column = if walk_index {
        "u.app_id = ?"
    } else {
        "+u.app_id = ?"
    };
    let mut parts = vec![app_column.to_string()];
    let mut params = vec![Value::Integer(app.0)];
    match q.scope {
        Scope::All => {}
        Scope::Grouped => parts.push("u.group_count > 0".into()),
        Scope::Ungrouped => parts.push("u.group_count = 0".into()),
        Scope::Group(_) | Scope::GroupTree(_) => {}
    }
    let members = match q.scope.group() {
        Some((group, subgroups)) if plan.member_set => member_params(group, subgroups).to_vec(),
        _ => Vec::new(),
    };
    // What a subquery reading few users from an index adds to keep the members only.
    let only_members = |id: &str, params: &mut Vec<Value>| -> String {
        params.extend(members.iter().cloned());
        match members.is_empty() {
            true => String::new(),
            false => format!(" AND {}", member_test(id)),
        }
    };
    if let Some((group, subgroups)) = q.scope.group() {
        // Few members: read them from the membership index; many: test each user
        // met while walking the sort index (in the member set, or by a key lookup).
        if plan.member_set {
            parts.push(member_test("u.id"));
            params.extend(members.iter().cloned());
        } else {
            parts.push(if plan.narrow_group {
                let test = group_test(subgroups, false);
                format!("u.id IN (SELECT m.user_id FROM memberships m WHERE {test})")
            } else {
                let test = group_test(subgroups, true);
                format!("EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND {test})")
            });
            params.push(Value::Integer(group));
        }
    }
    if let Some(expr) = &plan.fts {
        params.push(Value::Text(expr.clone()));
        let members = only_members("rowid", &mut params);
        parts.push(format!(
            "u.id IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ?{members})"
        ));
    }
    for term in &q.text {
        parts.push("instr(u.search, ?) > 0".into());
        params.push(Value::Text(term.to_lowercase()));
    }
    for (i, tag) in q.tags.iter().enumerate() {
        let narrow = plan.narrow_tags.get(i).copied().unwrap_or(false);
        let mut clause = if narrow {
            "u.id IN (SELECT t.user_id FROM user_tags t WHERE t.key = ?"
        } else {
            "EXISTS (SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.key = ?"
        }
        .to_string();
        params.push(Value::Text(tag.key.clone()));
        if let Some(value) = &tag.value {
            clause.push_str(" AND t.value = ?");
            params.push(Value::Text(value.clone()));
        }
        if narrow {
            clause.push_str(&only_members("t.user_id", &mut params));
        }
        clause.push(')');
        parts.push(clause);
    }
    (parts.join(" AND "), params)
}

/// A second edge for a page's rows, in list order: where a walk over one part of the
/// list stops (see walk.rs).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound<'a> {
    /// Only rows before this position.
    Before(&'a Cursor),
    /// Only rows at or after this position.
    AtOrAfter(&'a Cursor),
}

/// `AND ({col}, u.id) {op} (?, ?)` for a position in the list.
fn push_position(col: &str, op: &str, c: &Cursor, where_sql: &mut String, params: &mut Vec<Value>) {
    where_sql.push_str(&format!(" AND ({col}, u.id) {op} (?, ?)"));
    params.push(match &c.key {
        SortKey::Text(s) => Value::Text(s.clone()),
        SortKey::Int(i) => Value::Integer(*i),
    });
    params.push(Value::Integer(c.id));
}

/// Adds the page's keyset conditions, `ORDER BY` and `LIMIT` to a where clause.
/// Returns the SQL tail and whether the rows come back reversed (to be flipped).
pub(crate) fn page_clause(
    sort: Sort,
    narrow: bool,
    page: &Page,
    bound: Option<Bound>,
    where_sql: &mut String,
    params: &mut Vec<Value>,
) -> (String, bool) {
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
        push_position(col, op, c, where_sql, params);
    }
    if let Some(bound) = bound {
        let (c, op) = match (bound, sort.descending) {
            (Bound::Before(c), false) => (c, "<"),
            (Bound::Before(c), true) => (c, ">"),
            (Bound::AtOrAfter(c), false) => (c, ">="),
            (Bound::AtOrAfter(c), true) => (c, "<="),
        };
        push_position(col, op, c, where_sql, params);
    }
    let dir = if descending { "DESC" } else { "ASC" };
    params.push(Value::Integer(limit as i64));
    // `+` keeps SQLite from walking the sort index over every user when the rows
    // come from a small set: sorting that set is cheaper.
    let order = if narrow { "+" } else { "" };
    // Emails are unique within an application: they need no id to break ties, and
    // leaving it out lets any index on email give the order.
    let tie = match sort.field {
        SortField::Email => String::new(),
        _ => format!(", u.id {dir}"),
    };
    (
        format!(" ORDER BY {order}{col} {dir}{tie} LIMIT ?"),
        backwards,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_line_splits_text_and_tag_terms() {
        let q = UserQuery::default().filter("  Ali tag:phone tag:plan=pro @ACME tag: ");
        assert_eq!(q.text, vec!["ali", "@acme", "tag:"]);
        assert_eq!(
            q.tags,
            vec![
                TagFilter {
                    key: "phone".into(),
                    value: None
                },
                TagFilter {
                    key: "plan".into(),
                    value: Some("pro".into())
                }
            ]
        );
    }

    #[test]
    fn sort_fields_cycle_and_round_trip_names() {
        let mut f = SortField::Email;
        for _ in 0..SortField::ALL.len() {
            assert_eq!(SortField::from_name(f.name()), Some(f));
            f = f.next();
        }
        assert_eq!(f, SortField::Email);
    }
}
