//! Seeding the demo and tokens in bulk (SQLite's bulk load, PostgreSQL's `COPY`): the
//! same generated world on both backends, its kept counts right, its users logging
//! in and its tokens working.

mod common;

use common::backend::{Backend, fresh};
use xusers::demo::{DEMO_PASSWORD, seed_demo};
use xusers::domain::UserDraft;
use xusers::store::{AppId, Page, Scope, Store, UserQuery};

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
