//! Seeding the demo and tokens in bulk (SQLite's bulk load, PostgreSQL's `COPY`): the
//! same generated world on both backends, its kept counts right, its users logging
//! in and its tokens working.

mod common;

use common::backend::{Backend, fresh};
use xusers::auth::PasswordHash;
use xusers::demo::{DEMO_PASSWORD, seed_demo};
use xusers::domain::{Password, UserDraft};
use xusers::store::{AppId, Page, Scope, SeedUser, Store, UserQuery};

/// What a seeded store shows: pane counts, each group with its kept counts and those
/// its listed members give, the tag keys in use, and the first page by email.
fn world(store: &Store, app: AppId) -> String {
    let listed = |scope| {
        let query = UserQuery {
            scope,
            ..UserQuery::default()
        };
        store
            .list_users(app, &query, &Page::First(10_000))
            .unwrap()
            .len() as u64
    };
    let groups: Vec<_> = (store.group_summaries(app).unwrap().into_iter())
        .map(|g| {
            let id = g.group.id;
            let counted = (listed(Scope::Group(id)), listed(Scope::GroupTree(id)));
            assert_eq!((g.members, g.with_subgroups), counted, "{}", g.group.name);
            (g.group.name, g.members, g.with_subgroups, g.devices)
        })
        .collect();
    let counts = store.scope_counts(app).unwrap();
    assert_eq!(counts.all, listed(Scope::All));
    assert_eq!(counts.grouped, listed(Scope::Grouped));
    let page: Vec<_> = (store.list_users(app, &UserQuery::default(), &Page::First(20)))
        .unwrap()
        .into_iter()
        .map(|r| (r.email, r.first_name, r.last_name, r.groups, r.tag_count))
        .collect();
    format!(
        "{counts:?}\n{groups:?}\n{:?}\n{page:?}",
        store.tag_key_usage(app, None).unwrap()
    )
}

#[test]
fn the_demo_and_its_tokens_seed_the_same_world_on_both_backends() {
    let Some(mut on_postgres) = fresh(Backend::Postgres) else {
        return;
    };
    let mut on_sqlite = fresh(Backend::Sqlite).unwrap();
    let mut worlds = Vec::new();
    for f in [&mut on_sqlite, &mut on_postgres] {
        let mut heard = Vec::new();
        let n = seed_demo(&mut f.store, f.app, 300, 1_800_000_000, |n| heard.push(n)).unwrap();
        assert_eq!((n, heard.last()), (300, Some(&300)));
        worlds.push(world(&f.store, f.app));
        let first = (f
            .store
            .list_users(f.app, &UserQuery::default(), &Page::First(1)))
        .unwrap()
        .remove(0);
        assert!(f.store.login(f.app, &first.email, DEMO_PASSWORD).is_ok());
        let seeded = f.store.insert_seed_tokens(f.app, |i| format!("token-{i}"));
        assert_eq!(seeded.unwrap(), 300);
        // The first user in id order has token-0, the last token-299; none other works.
        let ids = |f: &common::backend::Fresh, t: &str| f.store.authenticate(f.app, t).ok();
        assert!(ids(f, "token-0").is_some() && ids(f, "token-299").is_some());
        assert_eq!(ids(f, "token-300"), None);
        assert_eq!(f.store.verify_audit().unwrap().broken, None);
        // The counts are kept again after the load: a new member counts.
        let member = UserDraft {
            groups: vec!["EMEA".into()],
            tags: vec![("plan".into(), "pro".into())],
            ..common::draft("new@x.io")
        };
        common::add(&mut f.store, f.app, member);
        world(&f.store, f.app);
    }
    assert_eq!(worlds[0], worlds[1]);
    // A demo fills an empty application only.
    let again = seed_demo(&mut on_postgres.store, on_postgres.app, 5, 0, |_| ());
    assert!(
        again
            .unwrap_err()
            .to_string()
            .contains("the application already has 301 users"),
    );
}

/// Every index (as defined) and trigger (with whether it is on) of a PostgreSQL
/// database, to compare with a fresh migrate's.
fn indexes_and_triggers(database: &str) -> Vec<String> {
    let mut c = postgres::Client::connect(database, postgres::NoTls).unwrap();
    let mut all: Vec<String> = c
        .query(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
             UNION ALL SELECT tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
             UNION ALL SELECT 'set aside ' || name FROM seed_set_aside",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    all.sort();
    all
}

/// How many indexes a seed has set aside, as `look` (a session other than the seed's)
/// sees them while the seed runs.
fn set_aside(look: &mut postgres::Client) -> i64 {
    let counted = look.query_one("SELECT count(*) FROM seed_set_aside", &[]);
    counted.unwrap().get(0)
}

fn open_postgres(database: &str) -> Store {
    Store::open(database.parse::<xusers::store::Location>().unwrap()).unwrap()
}

/// A fresh migrate's indexes and triggers, and an empty database (its `default`
/// application) to seed; `None` where PostgreSQL cannot run here.
fn migrated_and_empty() -> Option<(Vec<String>, String, Store, AppId)> {
    let fresh = common::pg::fresh_database()?;
    open_postgres(&fresh);
    let database = common::pg::fresh_database()?;
    let store = open_postgres(&database);
    let app = store.existing_application("default").unwrap().id;
    Some((indexes_and_triggers(&fresh), database, store, app))
}

#[test]
fn a_seed_into_an_empty_postgres_table_leaves_the_schema_of_a_fresh_migrate() {
    let Some((migrated, database, mut store, app)) = migrated_and_empty() else {
        return;
    };
    assert!(migrated.iter().any(|o| o.contains("users_search_trgm")));
    // After each committed batch (before the end builds them again) another session
    // sees the indexes set aside.
    let mut look = postgres::Client::connect(&database, postgres::NoTls).unwrap();
    let mut seen = Vec::new();
    seed_demo(&mut store, app, 300, 1_800_000_000, |_| {
        seen.push(set_aside(&mut look))
    })
    .unwrap();
    assert!(!seen.is_empty() && seen.iter().all(|n| *n > 0), "{seen:?}");
    assert_eq!(indexes_and_triggers(&database), migrated);
    // Into a table with users already (another application's) the indexes stay.
    let other = store.create_application("other", None).unwrap().id;
    let mut seen = Vec::new();
    seed_demo(&mut store, other, 50, 1_800_000_000, |_| {
        seen.push(set_aside(&mut look))
    })
    .unwrap();
    assert_eq!(seen, [0]);
    assert_eq!(indexes_and_triggers(&database), migrated);
    assert_eq!(store.scope_counts(other).unwrap().all, 50);
    assert_eq!(world(&store, app), {
        let mut sqlite = fresh(Backend::Sqlite).unwrap();
        seed_demo(&mut sqlite.store, sqlite.app, 300, 1_800_000_000, |_| ()).unwrap();
        world(&sqlite.store, sqlite.app)
    });
}

#[test]
fn a_seed_failing_midway_keeps_its_whole_batches_and_builds_the_indexes_again() {
    let Some((migrated, database, mut store, app)) = migrated_and_empty() else {
        return;
    };
    let user = |i: usize| SeedUser {
        email: format!("u{i}@x.io"),
        first_name: format!("F{i}"),
        last_name: "L".into(),
        groups: Vec::new(),
        tags: vec![("plan".into(), "pro".into())],
        created_at: 1_800_000_000,
        last_login: 0,
    };
    // The second batch (of 50,000) repeats the first user's email.
    let users = (0..50_000).map(user).chain([user(50_000), user(0)]);
    let hash = PasswordHash::new(&Password::parse(DEMO_PASSWORD).unwrap());
    let mut look = postgres::Client::connect(&database, postgres::NoTls).unwrap();
    let mut heard = Vec::new();
    let failed = store.insert_seed_users(app, users, &hash, |n| {
        heard.push((n, set_aside(&mut look) > 0))
    });
    // The unique email refused the second batch (the server's detail names it).
    let refused = match failed {
        Err(xusers::store::StoreError::Postgres(e)) => e,
        other => panic!("{other:?}"),
    };
    let unique = postgres::error::SqlState::UNIQUE_VIOLATION;
    assert_eq!(refused.code(), Some(&unique), "{refused:?}");
    let detail = refused.as_db_error().and_then(|db| db.detail());
    assert!(detail.is_some_and(|d| d.contains("u0@x.io")), "{refused:?}");
    assert_eq!(
        heard,
        [(50_000, true)],
        "the first batch went in (its indexes set aside), the second not"
    );
    assert_eq!(store.scope_counts(app).unwrap().all, 50_000);
    assert_eq!(
        store.tag_key_usage(app, None).unwrap(),
        [("plan".to_string(), 50_000)]
    );
    assert_eq!(indexes_and_triggers(&database), migrated);
}

#[test]
fn an_open_builds_the_indexes_a_killed_seed_left_set_aside_unless_the_seed_still_runs() {
    let Some((migrated, database, _store, _)) = migrated_and_empty() else {
        return;
    };
    // What a seed killed after its first batch leaves: two indexes set aside.
    let mut c = postgres::Client::connect(&database, postgres::NoTls).unwrap();
    c.batch_execute(
        "INSERT INTO seed_set_aside SELECT indexname, indexdef FROM pg_indexes
         WHERE indexname IN ('users_search_trgm', 'memberships_group');
         DROP INDEX users_search_trgm; DROP INDEX memberships_group;",
    )
    .unwrap();
    let left = indexes_and_triggers(&database);
    assert_ne!(left, migrated);
    // While a seed holds its lock (it builds them at its end), an open leaves them.
    let mut seed = postgres::Client::connect(&database, postgres::NoTls).unwrap();
    seed.execute("SELECT pg_advisory_lock($1)", &[&0x7875_7365_6564_i64])
        .unwrap();
    open_postgres(&database);
    assert_eq!(indexes_and_triggers(&database), left);
    // Released before the next open: a dropped connection's lock goes only once the
    // server has noticed the session end.
    seed.execute("SELECT pg_advisory_unlock($1)", &[&0x7875_7365_6564_i64])
        .unwrap();
    drop(seed);
    open_postgres(&database);
    assert_eq!(indexes_and_triggers(&database), migrated);
}

#[test]
fn a_batch_naming_a_group_not_there_is_refused_whole() {
    let Some((migrated, database, mut store, app)) = migrated_and_empty() else {
        return;
    };
    let user = |i: i64, group: i64| SeedUser {
        email: format!("u{i}@x.io"),
        first_name: String::new(),
        last_name: String::new(),
        groups: vec![group],
        tags: Vec::new(),
        created_at: 1_800_000_000,
        last_login: 0,
    };
    let group = store.create_group(app, "Sales", None).unwrap().id;
    let users = [user(1, group), user(2, 999)].into_iter();
    let hash = PasswordHash::new(&Password::parse(DEMO_PASSWORD).unwrap());
    let refused = store.insert_seed_users(app, users, &hash, |_| ());
    assert_eq!(refused.unwrap_err().to_string(), "no such group: 999");
    assert_eq!(store.scope_counts(app).unwrap().all, 0);
    assert_eq!(indexes_and_triggers(&database), migrated);
}

#[test]
fn a_role_that_is_not_a_superuser_seeds_the_same_world_keeping_the_schema() {
    let Some((migrated, _, _, _)) = migrated_and_empty() else {
        return;
    };
    let database = common::pg::fresh_database().unwrap();
    // The database's owner, as an application's administrators are: it may turn its
    // tables' triggers off, not the foreign keys' checks.
    let (_, name) = database.split_once("dbname=").unwrap();
    let role = format!("owner_of_{name}");
    let mut admin = postgres::Client::connect(&database, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN; ALTER DATABASE {name} OWNER TO {role}"
        ))
        .unwrap();
    let owned = database.replace("user=xusers", &format!("user={role}"));
    let mut store = open_postgres(&owned);
    let mut c = postgres::Client::connect(&owned, postgres::NoTls).unwrap();
    let may: bool = (c.query_one(
        "SELECT has_parameter_privilege('session_replication_role', 'SET')",
        &[],
    ))
    .unwrap()
    .get(0);
    assert!(!may);
    let app = store.existing_application("default").unwrap().id;
    seed_demo(&mut store, app, 300, 1_800_000_000, |_| ()).unwrap();
    assert_eq!(indexes_and_triggers(&owned), migrated);
    let mut sqlite = fresh(Backend::Sqlite).unwrap();
    seed_demo(&mut sqlite.store, sqlite.app, 300, 1_800_000_000, |_| ()).unwrap();
    assert_eq!(world(&store, app), world(&sqlite.store, sqlite.app));
}
