//! Reading users on PostgreSQL: pages of a query, counts, one user, their tags and
//! the devices their groups reach (see the SQLite store's users.rs and devices.rs).

use std::collections::{BTreeMap, HashMap};

use postgres::types::{ToSql, Type};
use postgres::{GenericClient, IsolationLevel};

use super::PgStore;
use super::apps::narrow;
use super::page_read;
use super::query::{PageRead, ROW_COLUMNS, Sql, page_sql, where_clause};
use super::short_terms::rare_short_terms;
use crate::store::tags::others_usage;
use crate::store::{
    AppId, Page, Result, Scope, ScopeCounts, StoreError, User, UserId, UserQuery, UserRow,
};

/// The count of the users the query selects (filtered: not a kept count).
fn count_sql(client: &mut impl GenericClient, app: AppId, query: &UserQuery) -> Result<Sql> {
    let rare = rare_short_terms(client, query)?;
    let mut sql = Sql::default();
    let where_sql = where_clause(app, query, &rare, &mut sql);
    // A rare term's matches are counted in the narrow rows that hold all it tests.
    let table = match rare.is_empty() {
        true => "users",
        false => "user_search",
    };
    sql.text = format!("SELECT count(*) FROM {table} u WHERE {where_sql}");
    Ok(sql)
}

/// How a page of the query is found (page_read.rs), with its rare short terms.
struct PagePlan {
    rare: Vec<String>,
    read: PageRead,
}

impl PagePlan {
    fn of(
        client: &mut impl GenericClient,
        app: AppId,
        query: &UserQuery,
        page: &Page,
    ) -> Result<Self> {
        let (rare, read) = page_read::choose(client, app, query, page)?;
        Ok(PagePlan { rare, read })
    }

    /// The page's SQL, and whether its rows come reversed.
    fn sql(&self, app: AppId, query: &UserQuery, page: &Page) -> (Sql, bool) {
        page_sql(app, query, &self.rare, self.read, page)
    }

    /// When a page came back short from a read of only some of the users it might
    /// hold (page_read.rs), the plan that reads more of them.
    fn after_short(&self, found: usize, page: &Page) -> Option<PagePlan> {
        page_read::after_short(self.read, &self.rare, found, page).map(|read| PagePlan {
            rare: self.rare.clone(),
            read,
        })
    }
}

/// PostgreSQL's plan for `sql`, a line each, with the planner settings that differ
/// from the server's defaults.
fn explain(client: &mut impl GenericClient, sql: &Sql) -> Result<String> {
    let lines = client.query(&format!("EXPLAIN (SETTINGS) {}", sql.text), &sql.params())?;
    Ok(lines.iter().map(|l| l.get::<_, String>(0) + "\n").collect())
}

/// Runs `read` in one repeatable-read, read-only transaction. The cancel of a
/// superseded read (connect.rs) may land on any later statement, the rollback that
/// ends a failed transaction or its start included, and leave the session in an
/// aborted transaction that fails every read after it ("current transaction is
/// aborted", seen in a console snapshot): after a failure it is rolled back once more.
fn in_snapshot<T>(
    client: &mut postgres::Client,
    read: impl FnOnce(&mut postgres::Transaction) -> Result<T>,
) -> Result<T> {
    let result = (|| {
        let mut snapshot = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let value = read(&mut snapshot)?;
        snapshot.commit()?;
        Ok(value)
    })();
    if result.is_err() {
        // With no transaction left open, only a warning.
        let _ = client.batch_execute("ROLLBACK");
    }
    result
}

/// A list row from the columns of [`ROW_COLUMNS`].
pub(super) fn read_row(r: &postgres::Row) -> Result<UserRow> {
    let mut groups: Vec<String> = r.get::<_, Option<Vec<String>>>(7).unwrap_or_default();
    groups.sort();
    Ok(UserRow {
        id: UserId(r.get(0)),
        email: r.get(1),
        first_name: r.get(2),
        last_name: r.get(3),
        tag_count: narrow(r.get(4), "a tag count")?,
        created_at: r.get(5),
        last_login: Some(r.get::<_, i64>(6)).filter(|t| *t > 0),
        groups,
    })
}

impl PgStore {
    /// One page of the query's users, in list order: chosen and read in one snapshot,
    /// so that what the choice read (the common characters, which an import may
    /// change meanwhile) holds for every read of the page.
    pub fn list_users(&self, app: AppId, query: &UserQuery, page: &Page) -> Result<Vec<UserRow>> {
        let (found, reversed) = in_snapshot(&mut self.client.borrow_mut(), |snapshot| {
            let mut plan = PagePlan::of(snapshot, app, query, page)?;
            let (mut sql, reversed) = plan.sql(app, query, page);
            let mut found = snapshot.query(&sql.text, &sql.params())?;
            while let Some(more) = plan.after_short(found.len(), page) {
                plan = more;
                (sql, _) = plan.sql(app, query, page);
                found = snapshot.query(&sql.text, &sql.params())?;
            }
            Ok((found, reversed))
        })?;
        let mut rows = found.iter().map(read_row).collect::<Result<Vec<_>>>()?;
        if reversed {
            rows.reverse();
        }
        Ok(rows)
    }

    /// How many users the query matches: read from the kept counts when the scope
    /// alone selects (all, grouped, ungrouped, a group with or without its
    /// subgroups), else counted.
    pub fn count_users(&self, app: AppId, query: &UserQuery) -> Result<u64> {
        if query.filters_nothing() {
            let counts = self.scope_counts(app)?;
            match query.scope {
                Scope::All => return Ok(counts.all),
                Scope::Grouped => return Ok(counts.grouped),
                Scope::Ungrouped => return Ok(counts.ungrouped),
                Scope::Group(group) | Scope::GroupTree(group) => {
                    let column = match query.scope {
                        Scope::Group(_) => "member_count",
                        _ => "subtree_member_count",
                    };
                    let row = self.client.borrow_mut().query_opt(
                        &format!("SELECT {column} FROM groups WHERE id = $1 AND app_id = $2"),
                        &[&group, &app.0],
                    )?;
                    return row.map_or(Ok(0), |r| narrow(r.get(0), column));
                }
            }
        }
        let mut client = self.client.borrow_mut();
        let sql = count_sql(&mut *client, app, query)?;
        let row = client.query_one(&sql.text, &sql.params())?;
        narrow(row.get(0), "a count")
    }

    /// PostgreSQL's plans (`EXPLAIN`) for a page of the list and for its count, so that
    /// losing an index shows up in tests and diagnostics.
    pub fn query_plans(&self, app: AppId, query: &UserQuery, page: &Page) -> Result<[String; 2]> {
        let mut client = self.client.borrow_mut();
        let (list, _) = PagePlan::of(&mut *client, app, query, page)?.sql(app, query, page);
        let list = explain(&mut *client, &list)?;
        let count = count_sql(&mut *client, app, query)?;
        let count = explain(&mut *client, &count)?;
        Ok([list, count])
    }

    /// The sizes of the three panes, from the counts the triggers keep.
    pub fn scope_counts(&self, app: AppId) -> Result<ScopeCounts> {
        let row = self.client.borrow_mut().query_one(
            "SELECT user_count, grouped_count FROM applications WHERE id = $1",
            &[&app.0],
        )?;
        let all: u64 = narrow(row.get(0), "user_count")?;
        let grouped: u64 = narrow(row.get(1), "grouped_count")?;
        Ok(ScopeCounts {
            all,
            grouped,
            ungrouped: all - grouped,
        })
    }

    /// One user, read in one snapshot so that its version matches what is shown.
    pub fn user(&self, id: UserId) -> Result<User> {
        in_snapshot(&mut self.client.borrow_mut(), |snapshot| {
            read_user(snapshot, id)
        })
    }

    /// One user's list row.
    pub fn user_row(&self, id: UserId) -> Result<UserRow> {
        let found = self.client.borrow_mut().query_opt(
            &format!("SELECT {ROW_COLUMNS} FROM users u WHERE u.id = $1"),
            &[&id.0],
        )?;
        read_row(&found.ok_or(StoreError::UserGone(id))?)
    }

    /// The tags of several users, in one query.
    pub fn tags_of(&self, users: &[UserId]) -> Result<HashMap<UserId, BTreeMap<String, String>>> {
        let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let rows = self.client.borrow_mut().query(
            "SELECT user_id, key, value FROM user_tags WHERE user_id = ANY($1)",
            &[&ids],
        )?;
        let mut out: HashMap<UserId, BTreeMap<String, String>> = HashMap::new();
        for r in rows {
            out.entry(UserId(r.get(0)))
                .or_default()
                .insert(r.get(1), r.get(2));
        }
        Ok(out)
    }

    /// Distinct tag keys on users other than `except`, with how many of them use each
    /// (from the counts the triggers keep).
    pub fn tag_key_usage(&self, app: AppId, except: Option<UserId>) -> Result<Vec<(String, u64)>> {
        let mut client = self.client.borrow_mut();
        let own: Vec<String> = match except {
            Some(user) => (client
                .query("SELECT key FROM user_tags WHERE user_id = $1", &[&user.0])?)
            .iter()
            .map(|r| r.get(0))
            .collect(),
            None => Vec::new(),
        };
        let rows = client.query(
            "SELECT key, users FROM tag_keys WHERE app_id = $1 ORDER BY key",
            &[&app.0],
        )?;
        let usage = (rows.iter())
            .map(|r| Ok((r.get(0), narrow(r.get(1), "a tag key's users")?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(others_usage(usage, &own))
    }

    /// The stored password hashes (PHC strings) of several users, in one query.
    pub fn password_hashes_of(&self, users: &[UserId]) -> Result<HashMap<UserId, String>> {
        let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let rows = self.client.borrow_mut().query(
            "SELECT id, password_hash FROM users WHERE id = ANY($1)",
            &[&ids],
        )?;
        Ok(rows.iter().map(|r| (UserId(r.get(0)), r.get(1))).collect())
    }
}

/// One user, read through `client` (a snapshot, or the writing transaction).
pub(super) fn read_user(client: &mut impl GenericClient, id: UserId) -> Result<User> {
    // One round trip each (typed): an import's update reads its user so.
    let user = [(&id.0 as &(dyn ToSql + Sync), Type::INT8)];
    let found = client.query_typed_opt(
        "SELECT id, email, first_name, last_name, created_at, updated_at, last_login, version
         FROM users WHERE id = $1",
        &user,
    )?;
    let r = found.ok_or(StoreError::UserGone(id))?;
    let groups = client
        .query_typed(
            "SELECT g.name FROM memberships m JOIN groups g ON g.id = m.group_id
             WHERE m.user_id = $1 ORDER BY g.name COLLATE \"C\"",
            &user,
        )?
        .iter()
        .map(|g| g.get(0))
        .collect();
    let tags = client
        .query_typed(
            "SELECT key, value FROM user_tags WHERE user_id = $1 ORDER BY key",
            &user,
        )?
        .iter()
        .map(|t| (t.get(0), t.get(1)))
        .collect();
    Ok(User {
        id: UserId(r.get(0)),
        email: r.get(1),
        first_name: Some(r.get::<_, String>(2)).filter(|s| !s.is_empty()),
        last_name: Some(r.get::<_, String>(3)).filter(|s| !s.is_empty()),
        created_at: r.get(4),
        updated_at: r.get(5),
        last_login: Some(r.get::<_, i64>(6)).filter(|t| *t > 0),
        version: r.get(7),
        groups,
        tags,
    })
}
