//! A large group's members, read once into a bitmap on a connection and kept while
//! the data stays as it was: testing a user against it is a bit lookup where testing
//! their memberships is a key lookup each (at a million users, counting `tag:locale`
//! over Acme's 671,507 members took 3.5 s that way). SQL reaches it through the
//! function [`member_test`] calls. It is read again when the data changed since:
//! another connection committed (`PRAGMA data_version`) or this one wrote (its total
//! changes), so the set always matches the snapshot it is read in.

use std::sync::{Arc, Mutex};

use fixedbitset::FixedBitSet;
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, params};

use super::subtree::group_test;
use super::{Result, SqliteStore};

const FUNCTION: &str = "xusers_member";

/// The SQL test that the user in column `user` is a member: it binds the group and
/// whether its subgroups count, as [`member_params`] gives them.
pub(crate) fn member_test(user: &str) -> String {
    format!("{FUNCTION}(?, ?, {user})")
}

pub(crate) fn member_params(group: i64, subgroups: bool) -> [rusqlite::types::Value; 2] {
    [group.into(), i64::from(subgroups).into()]
}

/// What the set holds: a scope's members, or that it had more memberships than the
/// most it was asked to read.
struct Held {
    scope: (i64, bool),
    stamp: (i64, u64),
    read_up_to: i64,
    /// The memberships read: all of them when the set is held.
    memberships: i64,
    members: Option<FixedBitSet>,
}

/// The set of one connection, shared with the SQL function registered on it.
#[derive(Clone, Default)]
pub(crate) struct MemberSet(Arc<Mutex<Option<Held>>>);

impl MemberSet {
    /// Registers the SQL function on `conn`. A test of a scope the set does not hold
    /// is an error, never a guess.
    pub(crate) fn register(&self, conn: &Connection) -> rusqlite::Result<()> {
        let held = self.0.clone();
        conn.create_scalar_function(FUNCTION, 3, FunctionFlags::SQLITE_UTF8, move |ctx| {
            let scope = (ctx.get::<i64>(0)?, ctx.get::<i64>(1)? != 0);
            let user: i64 = ctx.get(2)?;
            let held = held.lock().map_err(|_| not_read())?;
            match held.as_ref().filter(|h| h.scope == scope) {
                Some(Held {
                    members: Some(bits),
                    ..
                }) => Ok(usize::try_from(user).is_ok_and(|u| bits.contains(u))),
                _ => Err(not_read()),
            }
        })
    }
}

fn not_read() -> rusqlite::Error {
    rusqlite::Error::UserFunctionError("the group's members were not read".into())
}

impl SqliteStore {
    /// Makes the set hold the scope's members as the data now stands, unless it has
    /// more than `up_to` memberships; returns whether it holds them. Read inside the
    /// snapshot the query then runs in (see `SqliteStore::snapshot`).
    pub(crate) fn read_members(&self, group: i64, subgroups: bool, up_to: i64) -> Result<bool> {
        let scope = (group, subgroups);
        let stamp = self.data_stamp()?;
        let mut held = self.members.0.lock().expect("member set lock");
        if let Some(h) = held
            .as_ref()
            .filter(|h| h.scope == scope && h.stamp == stamp)
        {
            match h.members {
                // Held for a larger limit: it answers for this one too.
                Some(_) => return Ok(h.memberships <= up_to),
                None if h.read_up_to >= up_to => return Ok(false),
                None => {}
            }
        }
        let sql = format!(
            "SELECT m.user_id FROM memberships m WHERE {} LIMIT ?",
            group_test(subgroups, false)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![group, up_to.saturating_add(1)])?;
        let mut bits = FixedBitSet::new();
        let mut read = 0i64;
        let members = loop {
            let Some(row) = rows.next()? else {
                break Some(bits);
            };
            read += 1;
            if read > up_to {
                break None;
            }
            // Row ids are positive.
            let id = usize::try_from(row.get::<_, i64>(0)?).unwrap_or_default();
            if id >= bits.len() {
                bits.grow((id + 1).max(bits.len() * 2));
            }
            bits.insert(id);
        };
        let holds = members.is_some();
        *held = Some(Held {
            scope,
            stamp,
            read_up_to: up_to,
            memberships: read,
            members,
        });
        Ok(holds)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Mutex, OnceLock};

    use proptest::prelude::*;

    use super::super::plan::Few;
    use super::super::{
        AppId, DEFAULT_APP, Page, Scope, SeedUser, Sort, SortField, SqliteStore, UserId, UserQuery,
    };
    use crate::auth::PasswordHash;
    use crate::domain::Password;

    /// Every user tested row by row: no index read, no member set.
    const PLAIN: Few = Few {
        text: 0,
        tags: 0,
        members: 0,
        member_set: 0,
        member_text: 0,
    };

    /// Every group's members in the member set, the filters read from their indexes
    /// below `text` and `tags` matching members.
    fn with_set(text: i64, tags: i64) -> Few {
        Few {
            text,
            tags,
            members: 0,
            member_set: i64::MAX,
            member_text: text,
        }
    }

    const LETTERS: &[char] = &['a', 'b', 'q', 'x', 'É', 'é', '.'];

    fn hash() -> PasswordHash {
        PasswordHash::new(&Password::parse("s3cret-pass").unwrap())
    }

    fn text(rng: &mut fastrand::Rng, max: usize) -> String {
        (0..rng.usize(0..=max))
            .map(|_| LETTERS[rng.usize(0..LETTERS.len())])
            .collect()
    }

    /// Users in 0 to 2 of the groups, some tagged.
    fn users(rng: &mut fastrand::Rng, groups: &[i64], n: usize) -> Vec<SeedUser> {
        (0..n)
            .map(|i| {
                let mut mine: Vec<i64> = (0..rng.usize(0..=2))
                    .map(|_| groups[rng.usize(0..groups.len())])
                    .collect();
                mine.sort();
                mine.dedup();
                SeedUser {
                    email: format!("{}u{i}@{}.io", text(rng, 4), ["ab", "qx"][rng.usize(0..2)])
                        .replace(['É', 'é'], "e"),
                    first_name: text(rng, 4),
                    last_name: text(rng, 4),
                    groups: mine,
                    tags: match rng.u8(0..3) {
                        0 => vec![],
                        1 => vec![("plan".into(), "pro".into())],
                        _ => vec![("plan".into(), "free".into())],
                    },
                    created_at: 1_800_000_000 + rng.i64(0..50),
                    last_login: rng.i64(0..3),
                }
            })
            .collect()
    }

    /// A tree Root > (A > A1, B) and a group apart, and the store holding them.
    fn grouped_store(store: &mut SqliteStore, seed: u64, n: usize) -> (AppId, Vec<i64>) {
        let app = store.application(DEFAULT_APP).unwrap().id;
        let mut groups = Vec::new();
        for (name, parent) in [
            ("Root", None),
            ("A", Some("Root")),
            ("B", Some("Root")),
            ("A1", Some("A")),
            ("Apart", None),
        ] {
            groups.push(store.create_group(app, name, parent).unwrap().id);
        }
        let mut rng = fastrand::Rng::with_seed(seed);
        let seeded = users(&mut rng, &groups, n);
        store
            .insert_seed_users(app, seeded.into_iter(), &hash(), |_| ())
            .unwrap();
        (app, groups)
    }

    struct World {
        store: SqliteStore,
        app: AppId,
        groups: Vec<i64>,
    }

    fn world() -> &'static Mutex<World> {
        static WORLD: OnceLock<Mutex<World>> = OnceLock::new();
        WORLD.get_or_init(|| {
            let mut store = SqliteStore::open_in_memory().unwrap();
            let (app, groups) = grouped_store(&mut store, 16, 800);
            Mutex::new(World { store, app, groups })
        })
    }

    fn ids(store: &SqliteStore, app: AppId, q: &UserQuery, page: &Page, few: Few) -> Vec<UserId> {
        let rows = store.list_users_planned(app, q, page, few).unwrap();
        rows.into_iter().map(|r| r.id).collect()
    }

    fn term() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(LETTERS), 1..=4)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]

        /// Pages (the first and the one after it) and counts through the member set,
        /// each filter read from its index or tested row by row, are exactly what
        /// testing every user row by row gives.
        #[test]
        fn the_member_set_lists_and_counts_exactly_what_testing_each_user_does(
            terms in prop::collection::vec(term(), 0..=2),
            tag in prop::sample::select(vec!["", "tag:plan", "tag:plan=pro"]),
            group in 0usize..5,
            subgroups: bool,
            field in prop::sample::select(SortField::ALL.to_vec()),
            descending: bool,
            text_few in prop::sample::select(vec![1i64, 20, 1_000]),
            tags_few in prop::sample::select(vec![1i64, 20, 1_000]),
        ) {
            let world = world().lock().unwrap();
            let (store, app) = (&world.store, world.app);
            let id = world.groups[group];
            let line = format!("{} {tag}", terms.join(" "));
            let q = UserQuery {
                scope: if subgroups { Scope::GroupTree(id) } else { Scope::Group(id) },
                sort: Sort { field, descending },
                ..UserQuery::default()
            }
            .filter(&line);
            let few = with_set(text_few, tags_few);
            prop_assert!(store.plan(&q, few).unwrap().member_set || store.plan(&q, few).unwrap().nothing);
            let expected = ids(store, app, &q, &Page::First(10_000), PLAIN);
            let first = store.list_users_planned(app, &q, &Page::First(7), few).unwrap();
            let first_ids: Vec<UserId> = first.iter().map(|r| r.id).collect();
            prop_assert_eq!(&first_ids[..], &expected[..expected.len().min(7)], "{}", line);
            if let Some(last) = first.last() {
                let after = Page::After(last.cursor(field), 7);
                let next = ids(store, app, &q, &after, few);
                let end = expected.len().min(14);
                prop_assert_eq!(&next[..], &expected[first.len()..end], "{}", line);
            }
            let n = expected.len() as u64;
            prop_assert_eq!(store.count_users_planned(app, &q, few).unwrap(), n, "{}", line);
            prop_assert_eq!(store.count_users_planned(app, &q, PLAIN).unwrap(), n, "{}", line);
        }
    }

    /// The paths the property test relies on are taken on its data: the filters read
    /// from their indexes (only the members among their users), or tested row by row.
    #[test]
    fn the_property_data_takes_every_path_through_the_member_set() {
        let world = world().lock().unwrap();
        let (store, app) = (&world.store, world.app);
        let q = UserQuery {
            scope: Scope::GroupTree(world.groups[0]),
            ..UserQuery::default()
        }
        .filter("qx tag:plan=pro");
        let narrow = store.plan(&q, with_set(1_000, 1_000)).unwrap();
        assert!(narrow.member_set && narrow.fts.is_some() && narrow.narrow_tags == [true]);
        let walked = store.plan(&q, with_set(1, 1)).unwrap();
        assert!(walked.member_set && walked.fts.is_none() && walked.narrow_tags == [false]);
        let listed = ids(store, app, &q, &Page::First(10_000), with_set(1_000, 1_000));
        assert!(!listed.is_empty());
        assert_eq!(listed, ids(store, app, &q, &Page::First(10_000), PLAIN));
    }

    /// A group with more memberships than a page's set may hold is tested by reading
    /// each user's few memberships, checked against the subtree (not the key probed
    /// once per group of the subtree); one within it, in the set.
    #[test]
    fn a_group_too_large_for_the_set_is_tested_by_key_lookups() {
        let world = world().lock().unwrap();
        let (store, app) = (&world.store, world.app);
        let q = UserQuery {
            scope: Scope::GroupTree(world.groups[0]),
            ..UserQuery::default()
        };
        let few = |member_set| Few {
            member_set,
            ..with_set(1_000, 1_000)
        };
        let plan = |member_set| {
            let (sql, params, _) = (store.list_sql(app, &q, &Page::First(50), few(member_set)))
                .unwrap()
                .unwrap();
            store.explain(&sql, params).unwrap()
        };
        let lookup = "SEARCH m EXISTS USING PRIMARY KEY (user_id=?)";
        assert!(plan(10).lines().any(|l| l == lookup), "{}", plan(10));
        assert!(
            !plan(10_000).lines().any(|l| l == lookup),
            "{}",
            plan(10_000)
        );
        let listed = ids(store, app, &q, &Page::First(10_000), few(10));
        assert!(!listed.is_empty());
        assert_eq!(
            listed,
            ids(store, app, &q, &Page::First(10_000), few(10_000))
        );
    }

    /// The set is read again once the memberships changed, through this connection
    /// or another one: counts and pages follow at once.
    #[test]
    fn the_set_follows_changes_made_here_and_by_another_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("set.db");
        let mut here = SqliteStore::open(&path).unwrap();
        let (app, groups) = grouped_store(&mut here, 3, 200);
        let mut other = SqliteStore::open(&path).unwrap();
        let q = UserQuery {
            scope: Scope::GroupTree(groups[0]),
            ..UserQuery::default()
        }
        .filter("tag:plan");
        let few = with_set(1_000, 1_000);
        let check = |store: &SqliteStore| {
            let expected = ids(store, app, &q, &Page::First(10_000), PLAIN);
            assert!(!expected.is_empty());
            assert_eq!(ids(store, app, &q, &Page::First(10_000), few), expected);
            let n = store.count_users_planned(app, &q, few).unwrap();
            assert_eq!(n, expected.len() as u64);
            n
        };
        let before = check(&here);
        let outsider = (ids(
            &here,
            app,
            &UserQuery::default().filter("tag:plan"),
            &Page::First(10_000),
            PLAIN,
        )
        .into_iter())
        .find(|id| !ids(&here, app, &q, &Page::First(10_000), PLAIN).contains(id))
        .expect("a tagged user outside the tree");
        here.add_members(app, groups[3], &[outsider]).unwrap();
        assert_eq!(check(&here), before + 1);
        other.remove_member(app, groups[3], outsider).unwrap();
        assert_eq!(check(&here), before);
        check(&other);
    }
}
