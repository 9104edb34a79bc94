//! A page that walks a sort index, walked on two connections at once. A filter that
//! matches too many users to read from its own index is tested row by row along the
//! sort order, and the walk lasts until a page of rows has passed: when the matches
//! sit late in that order (at a million users `q` is in 66,666 haystacks, all of
//! them `quinn.*` emails three quarters of the way down), that is most of the index.
//! The list is cut into parts at sort keys sampled from the users; two connections
//! take the parts in walking order, each the next one when done, and the page is
//! complete once the parts up to it hold enough rows. The parts partition the list,
//! so the rows are exactly the plain query's.

use std::sync::{Mutex, PoisonError};

use rusqlite::InterruptHandle;
use rusqlite::types::Value;

use super::plan::{FEW_FOR_PAGE, Plan};
use super::query::Bound;
use super::users::page_sql;
use super::{
    AppId, Cursor, Page, Result, SortField, SortKey, SqliteStore, Store, StoreError, UserQuery,
    UserRow,
};

/// Below this many users in the application a walk is short (a few milliseconds):
/// it is not split.
const SPLIT_FROM_USERS: u64 = 50_000;
/// Parts the list is cut into: small enough that the connection still walking a
/// part nobody needs wastes little, few enough that each part's query is long.
const PARTS: usize = 8;
/// Users sampled, at ids drawn at random, to place the cuts: evenly spaced ids can
/// fall in step with the order users were made in (the demo's names repeat every so
/// many ids) and cut the list into parts of very different sizes.
const SAMPLES: usize = 128;

/// The parts' rows as they come in, and whether the walk is over.
struct Walk {
    next: usize,
    /// Per part, in walking order: its rows, once read.
    read: Vec<Option<Vec<UserRow>>>,
    over: bool,
    failed: Option<StoreError>,
}

impl Walk {
    /// Whether the parts read so far, in order, hold `n` rows or are all of them.
    fn complete(&self, n: usize) -> bool {
        let mut rows = 0;
        for part in &self.read {
            match part {
                Some(part) => rows += part.len(),
                None => return rows >= n,
            }
        }
        true
    }
}

impl SqliteStore {
    /// One page of the query's users, exactly as [`SqliteStore::list_users`] reads it, the
    /// walk shared with `helper` (another connection to the same database) when it
    /// tests rows one by one over many users.
    pub fn list_users_split(
        &self,
        helper: &Mutex<Store>,
        app: AppId,
        query: &UserQuery,
        page: &Page,
    ) -> Result<Vec<UserRow>> {
        self.list_users_split_from(helper, app, query, page, SPLIT_FROM_USERS)
    }

    pub(crate) fn list_users_split_from(
        &self,
        helper: &Mutex<Store>,
        app: AppId,
        query: &UserQuery,
        page: &Page,
        from_users: u64,
    ) -> Result<Vec<UserRow>> {
        let (n, backwards) = match page {
            Page::First(n) => (*n, false),
            Page::Last(n) => (*n, true),
            _ => return self.list_users(app, query, page),
        };
        if query.is_everyone() {
            return self.list_users(app, query, page);
        }
        let _snapshot = self.snapshot(query)?;
        let plan = self.plan(query, FEW_FOR_PAGE)?;
        let cuts = self.cuts_worth_splitting(app, query, &plan, from_users)?;
        self.stop_if_interrupted()?;
        let Some(cuts) = cuts else {
            return self.page_of_plan(app, query, &plan, page);
        };
        let parts = cuts.len() + 1;
        // Part `i` in walking order is part `list_part(i)` in list order.
        let list_part = |i: usize| if backwards { parts - 1 - i } else { i };
        let read_part = |store: &SqliteStore, i: usize| -> Result<Vec<UserRow>> {
            let part = list_part(i);
            let start = part.checked_sub(1).map(|p| &cuts[p]);
            let end = cuts.get(part);
            let (page, bound) = if backwards {
                let page = match end {
                    Some(end) => Page::Before(end.clone(), n),
                    None => Page::Last(n),
                };
                (page, start.map(Bound::AtOrAfter))
            } else {
                let page = match start {
                    Some(start) => Page::AtOrAfter(start.clone(), n),
                    None => Page::First(n),
                };
                (page, end.map(Bound::Before))
            };
            let (sql, params, reversed) = page_sql(app, query, &plan, &page, bound);
            let mut rows = store.page_rows(&sql, params, reversed)?;
            if backwards {
                rows.reverse();
            }
            Ok(rows)
        };
        let walk = Mutex::new(Walk {
            next: 0,
            read: vec![None; parts],
            over: false,
            failed: None,
        });
        let own_interrupt = self.interrupt_handle();
        // A helper is another connection to the same SQLite file.
        let helper_interrupt = match &*lock(helper) {
            Store::Sqlite(helper) => helper.interrupt_handle(),
            Store::Postgres(_) => return self.page_of_plan(app, query, &plan, page),
        };
        std::thread::scope(|s| {
            s.spawn(|| {
                if let Store::Sqlite(helper) = &*lock(helper) {
                    walk_parts(helper, &own_interrupt, &walk, &read_part, n);
                }
            });
            walk_parts(self, &helper_interrupt, &walk, &read_part, n);
        });
        let walk = walk.into_inner().unwrap_or_else(PoisonError::into_inner);
        if let Some(failed) = walk.failed {
            return Err(failed);
        }
        let mut rows: Vec<UserRow> = walk
            .read
            .into_iter()
            .map_while(|p| p)
            .flatten()
            .take(n)
            .collect();
        if backwards {
            rows.reverse();
        }
        Ok(rows)
    }

    /// The cuts of a walk worth splitting, or `None`.
    fn cuts_worth_splitting(
        &self,
        app: AppId,
        query: &UserQuery,
        plan: &Plan,
        from_users: u64,
    ) -> Result<Option<Vec<Cursor>>> {
        // A group's members in the member set are found a bit test each, and only
        // this connection holds the set. A group too large for the set, with nothing
        // else to test, is a good part of the users: a page fills within a few dozen
        // rows, where starting a second connection's walk cost more (at a million
        // users, Acme's 671,507 members sorted in 2 ms, and now and then 15–20).
        let group_alone = query.scope.group().is_some() && query.filters_nothing();
        if plan.nothing || plan.narrow() || plan.member_set || group_alone {
            return Ok(None);
        }
        if self.scope_counts(app)?.all < from_users {
            return Ok(None);
        }
        let cuts = self.cuts(app, query, PARTS)?;
        Ok((!cuts.is_empty()).then_some(cuts))
    }

    /// A newer request's interrupt that came while only short statements ran here
    /// (they end without looking at it, and the next statement would clear it) still
    /// stops the read.
    fn stop_if_interrupted(&self) -> Result<()> {
        if self.conn.is_interrupted() {
            let interrupted = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT);
            return Err(rusqlite::Error::SqliteFailure(interrupted, None).into());
        }
        Ok(())
    }

    /// Up to `parts - 1` positions in the query's list order that cut the
    /// application's users into about equal parts: sampled at random ids.
    fn cuts(&self, app: AppId, query: &UserQuery, parts: usize) -> Result<Vec<Cursor>> {
        let (low, high): (Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached(ID_RANGE_SQL)?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let (Some(low), Some(high)) = (low, high) else {
            return Ok(Vec::new());
        };
        let field = query.sort.field;
        let mut stmt = self.conn.prepare_cached(&sample_sql(field))?;
        let mut samples = Vec::new();
        // A fixed seed: the same cuts for the same users, whatever the run.
        let mut rng = fastrand::Rng::with_seed(0x7761_6c6b);
        for _ in 0..SAMPLES {
            let id = rng.i64(low..=high);
            let sample = stmt.query_row([id, app.0], |r| {
                let id = r.get(1)?;
                let key = match r.get::<_, Value>(0)? {
                    Value::Text(text) => Some(SortKey::Text(text)),
                    Value::Integer(i) => Some(SortKey::Int(i)),
                    _ => None,
                };
                Ok(key.map(|key| Cursor { key, id }))
            });
            match sample {
                Ok(cursor) => samples.extend(cursor),
                Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(e) => return Err(e.into()),
            }
        }
        // Text keys compare as SQLite compares them (bytes, the BINARY collation).
        samples.sort_by(|a, b| order(a).cmp(&order(b)));
        samples.dedup();
        if query.sort.descending {
            samples.reverse();
        }
        let mut cuts: Vec<Cursor> = (1..parts)
            .filter_map(|p| samples.get(p * samples.len() / parts).cloned())
            .collect();
        cuts.dedup();
        Ok(cuts)
    }
}

/// The lowest and highest ids, each read from one end of the table (`min` and `max`
/// in one select would read every row).
const ID_RANGE_SQL: &str = "SELECT (SELECT min(id) FROM users), (SELECT max(id) FROM users)";

/// The first user of the application from an id on, found by id: `+` keeps SQLite
/// from reading every user of the application through an index instead.
fn sample_sql(field: SortField) -> String {
    format!(
        "SELECT {}, u.id FROM users u WHERE u.id >= ?1 AND +u.app_id = ?2 ORDER BY u.id LIMIT 1",
        field.column()
    )
}

/// A position as a value Rust orders as SQLite orders `(key, id)`.
fn order(c: &Cursor) -> (Option<&[u8]>, i64, i64) {
    match &c.key {
        SortKey::Text(text) => (Some(text.as_bytes()), 0, c.id),
        SortKey::Int(i) => (None, *i, c.id),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One connection's share of a walk: takes the next part until the page is complete
/// or a part failed; then stops the other connection's part, which nobody needs.
fn walk_parts(
    store: &SqliteStore,
    other: &InterruptHandle,
    walk: &Mutex<Walk>,
    read_part: &(dyn Fn(&SqliteStore, usize) -> Result<Vec<UserRow>> + Sync),
    n: usize,
) {
    loop {
        let i = {
            let mut walk = lock(walk);
            if walk.over || walk.next == walk.read.len() {
                return;
            }
            walk.next += 1;
            walk.next - 1
        };
        let read = read_part(store, i);
        let mut walk = lock(walk);
        if walk.over {
            // Stopped by the other connection: this part was not needed.
            return;
        }
        match read {
            Ok(rows) => walk.read[i] = Some(rows),
            Err(e) => walk.failed = Some(e),
        }
        if walk.failed.is_some() || walk.complete(n) {
            walk.over = true;
            other.interrupt();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Greater, Less};
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;
    use crate::auth::PasswordHash;
    use crate::domain::Password;
    use crate::store::{Scope, SeedUser, Sort};

    /// Few letters, so that random terms often match.
    const LETTERS: &[char] = &['a', 'b', 'q', 'x', 'z', 'é', '.'];

    struct World {
        _dir: tempfile::TempDir,
        store: SqliteStore,
        helper: Mutex<Store>,
        app: AppId,
        /// Holds most users (with its subgroup), so that its pages walk too.
        group: i64,
    }

    fn text(rng: &mut fastrand::Rng, max: usize) -> String {
        (0..rng.usize(0..=max))
            .map(|_| LETTERS[rng.usize(0..LETTERS.len())])
            .collect()
    }

    fn user(rng: &mut fastrand::Rng, i: usize, groups: &[i64]) -> SeedUser {
        let local: String = text(rng, 5)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        SeedUser {
            email: format!("{local}u{i}@{}.io", ["ab", "qx", "zz"][rng.usize(0..3)]),
            first_name: text(rng, 3),
            last_name: text(rng, 3),
            groups: groups
                .iter()
                .copied()
                .filter(|_| rng.u8(0..10) < 6)
                .collect(),
            tags: match rng.u8(0..3) {
                0 => vec![],
                _ => vec![("plan".into(), "pro".into())],
            },
            // Few distinct values: ties that only the id breaks.
            created_at: 1_800_000_000 + rng.i64(0..50),
            last_login: [0, 1_800_000_000][rng.usize(0..2)],
        }
    }

    /// 9,000 users, a third of them in another application (whose ids the samples
    /// meet too); a group and its subgroup hold over 5,000 of them.
    fn world() -> &'static Mutex<World> {
        static WORLD: OnceLock<Mutex<World>> = OnceLock::new();
        WORLD.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("walk.db");
            let mut store = SqliteStore::open(&path).unwrap();
            let app = store.application("default").unwrap().id;
            let other = store.create_application("other", None).unwrap().id;
            let top = store.create_group(app, "top", None).unwrap().id;
            let sub = store.create_group(app, "sub", Some("top")).unwrap().id;
            let hash = PasswordHash::new(&Password::parse("s3cret-pass").unwrap());
            let mut rng = fastrand::Rng::with_seed(16);
            for round in 0..3 {
                let (into, groups) = match round {
                    1 => (other, vec![]),
                    _ => (app, vec![top, sub]),
                };
                let users: Vec<SeedUser> = (0..3_000)
                    .map(|i| user(&mut rng, round * 3_000 + i, &groups))
                    .collect();
                store
                    .insert_seed_users(into, users.into_iter(), &hash, |_| ())
                    .unwrap();
            }
            let helper = Mutex::new(Store::Sqlite(SqliteStore::open(&path).unwrap()));
            Mutex::new(World {
                _dir: dir,
                store,
                helper,
                app,
                group: top,
            })
        })
    }

    fn scope(i: usize, group: i64) -> Scope {
        [
            Scope::All,
            Scope::Grouped,
            Scope::Ungrouped,
            Scope::Group(group),
            Scope::GroupTree(group),
        ][i]
    }

    fn query(line: &str, scope: Scope, field: usize, descending: bool) -> UserQuery {
        UserQuery {
            scope,
            sort: Sort {
                field: SortField::ALL[field],
                descending,
            },
            ..UserQuery::default()
        }
        .filter(line)
    }

    fn term() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(LETTERS), 1..=3)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn a_split_walk_reads_exactly_the_plain_page(
            terms in prop::collection::vec(term(), 0..=2),
            tag in prop::sample::select(vec!["", "tag:plan"]),
            scope_index in 0..5usize,
            field in 0..5usize,
            descending: bool,
            last: bool,
            n in 1..400usize,
        ) {
            let world = world().lock().unwrap();
            let line = format!("{} {tag}", terms.join(" "));
            let q = query(&line, scope(scope_index, world.group), field, descending);
            let page = if last { Page::Last(n) } else { Page::First(n) };
            let plain = world.store.list_users(world.app, &q, &page).unwrap();
            let split = world
                .store
                .list_users_split_from(&world.helper, world.app, &q, &page, 0)
                .unwrap();
            prop_assert_eq!(split, plain, "{:?} {:?}", q, page);
        }
    }

    /// The property's data takes the split path, with pages that span parts: the
    /// list is cut, the plan walks, and a page reads rows from several parts.
    #[test]
    fn the_property_data_splits_walks_across_parts() {
        let world = world().lock().unwrap();
        for (line, scope) in [("a", Scope::All), ("", Scope::Grouped), ("b", Scope::All)] {
            for field in 0..SortField::ALL.len() {
                let q = query(line, scope, field, field % 2 == 1);
                let plan = world.store.plan(&q, FEW_FOR_PAGE).unwrap();
                assert!(!plan.narrow() && !plan.nothing, "{q:?} walks");
                let cuts = world.store.cuts(world.app, &q, PARTS).unwrap();
                assert_eq!(cuts.len(), PARTS - 1, "{q:?}");
                let page = Page::First(3_000);
                let rows = world
                    .store
                    .list_users_split_from(&world.helper, world.app, &q, &page, 0)
                    .unwrap();
                assert!(rows.len() > 1_000, "{q:?}: {}", rows.len());
                assert_eq!(rows, world.store.list_users(world.app, &q, &page).unwrap());
                // Some rows lie before the first cut, some after it.
                let before_cut = rows
                    .iter()
                    .filter(|r| {
                        let ord = order(&r.cursor(q.sort.field)).cmp(&order(&cuts[0]));
                        ord == if q.sort.descending { Greater } else { Less }
                    })
                    .count();
                assert!(before_cut > 0 && before_cut < rows.len(), "{q:?}");
            }
        }
    }

    /// A group whose members fit in a page's member set is walked on one connection,
    /// which alone holds the set.
    #[test]
    fn a_group_in_the_member_set_is_not_split() {
        let world = world().lock().unwrap();
        let q = query("b", Scope::GroupTree(world.group), 0, false);
        assert!(world.store.plan(&q, FEW_FOR_PAGE).unwrap().member_set);
        let empty = tempfile::tempdir().unwrap();
        let empty = Mutex::new(Store::open(&empty.path().join("empty.db")).unwrap());
        let page = Page::First(3_000);
        let rows = world
            .store
            .list_users_split_from(&empty, world.app, &q, &page, 0)
            .unwrap();
        assert!(rows.len() > 1_000, "{}", rows.len());
        assert_eq!(rows, world.store.list_users(world.app, &q, &page).unwrap());
    }

    /// A group's members with no text or tag to test are walked on one connection,
    /// even when too many for the member set; a filter or a pane scope is split.
    #[test]
    fn a_large_group_alone_is_not_split_but_filtered_it_is() {
        let world = world().lock().unwrap();
        let too_many_for_the_set = Plan::default();
        for scope in [Scope::Group(world.group), Scope::GroupTree(world.group)] {
            let alone = query("", scope, 0, false);
            let cuts = (world.store)
                .cuts_worth_splitting(world.app, &alone, &too_many_for_the_set, 0)
                .unwrap();
            assert_eq!(cuts, None, "{alone:?}");
            for line in ["b", "tag:plan=pro"] {
                let filtered = query(line, scope, 0, false);
                let cuts = (world.store)
                    .cuts_worth_splitting(world.app, &filtered, &too_many_for_the_set, 0)
                    .unwrap();
                assert!(cuts.is_some_and(|c| !c.is_empty()), "{filtered:?}");
            }
        }
        let pane = query("", Scope::Grouped, 0, false);
        let cuts = (world.store)
            .cuts_worth_splitting(world.app, &pane, &too_many_for_the_set, 0)
            .unwrap();
        assert!(cuts.is_some(), "{pane:?}");
    }

    /// The cuts part the list into pieces of about equal size, for every sort (two
    /// of them with many ties that only the id breaks).
    #[test]
    fn cuts_make_parts_of_about_equal_size() {
        let world = world().lock().unwrap();
        for field in 0..SortField::ALL.len() {
            for descending in [false, true] {
                let q = query("", Scope::All, field, descending);
                let all = world
                    .store
                    .list_users(world.app, &q, &Page::First(10_000))
                    .unwrap();
                assert_eq!(all.len(), 6_000);
                let cuts = world.store.cuts(world.app, &q, PARTS).unwrap();
                assert_eq!(cuts.len(), PARTS - 1, "{q:?}");
                let mut starts = vec![0];
                starts.extend(cuts.iter().map(|cut| {
                    all.iter()
                        .position(|r| r.id.0 == cut.id)
                        .expect("a cut is a user's position")
                }));
                starts.push(all.len());
                for part in starts.windows(2) {
                    let size = part[1] - part[0];
                    assert!(size > all.len() / PARTS / 3, "{q:?}: parts at {starts:?}");
                }
            }
        }
    }

    /// The id range is two seeks, and each sample one seek by id, whatever the sort.
    #[test]
    fn samples_are_found_by_id() {
        let world = world().lock().unwrap();
        for field in SortField::ALL {
            let plan = world
                .store
                .explain(
                    &sample_sql(field),
                    vec![Value::Integer(1), Value::Integer(1)],
                )
                .unwrap();
            assert_eq!(
                plan, "SEARCH u USING INTEGER PRIMARY KEY (rowid>?)",
                "{field:?}"
            );
        }
        let plan = world.store.explain(ID_RANGE_SQL, vec![]).unwrap();
        assert!(!plan.contains("SCAN users"), "{plan}");
    }

    /// Below the size worth splitting, and for pages that start at a position, the
    /// plain query reads the page: a helper on an empty database, which would read
    /// no rows for its parts, is never asked.
    #[test]
    fn small_lists_and_positioned_pages_are_not_split() {
        let world = world().lock().unwrap();
        let q = query("a", Scope::All, 0, false);
        let empty = tempfile::tempdir().unwrap();
        let empty = Mutex::new(Store::open(&empty.path().join("empty.db")).unwrap());
        let first = world
            .store
            .list_users(world.app, &q, &Page::First(50))
            .unwrap();
        let after = Page::After(first[0].cursor(SortField::Email), 3_000);
        for (page, from_users) in [
            (Page::First(3_000), SPLIT_FROM_USERS),
            (Page::Last(3_000), SPLIT_FROM_USERS),
            (after, 0),
        ] {
            let split = world
                .store
                .list_users_split_from(&empty, world.app, &q, &page, from_users)
                .unwrap();
            assert!(split.len() > 1_000, "{page:?}");
            assert_eq!(split, world.store.list_users(world.app, &q, &page).unwrap());
        }
    }
}
