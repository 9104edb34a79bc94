mod common;

use common::*;
use xusers::demo::{DEMO_PASSWORD, seed_demo};
use xusers::store::{Page, UserQuery};

#[test]
fn demo_fills_an_empty_application_with_a_realistic_set() {
    let (_dir, mut store, app) = temp_store();
    let mut progress = Vec::new();
    let n = seed_demo(&mut store, app, 60, 1_800_000_000, |done| {
        progress.push(done)
    })
    .unwrap();
    assert_eq!(n, 60);
    assert_eq!(progress.last(), Some(&60));
    let counts = store.scope_counts(app).unwrap();
    assert_eq!(counts.all, 60);
    assert!(counts.grouped > 0 && counts.ungrouped > 0, "{counts:?}");
    // A group tree at least three levels deep.
    let groups = store.groups(app).unwrap();
    let depth = |mut id: i64| {
        let mut d = 1;
        while let Some(p) = groups.iter().find(|g| g.id == id).unwrap().parent_id {
            id = p;
            d += 1;
        }
        d
    };
    assert!(groups.iter().map(|g| depth(g.id)).max().unwrap() >= 3);
    // Varied tags, and every demo user logs in with the demo password.
    let keys = store.tag_key_usage(app, None).unwrap();
    assert!(keys.len() >= 4, "{keys:?}");
    let rows = store
        .list_users(app, &UserQuery::default(), &Page::First(3))
        .unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert!(store.login(app, &row.email, DEMO_PASSWORD).is_ok());
    }
    // A second run refuses rather than mixing with existing users.
    let err = seed_demo(&mut store, app, 5, 0, |_| ()).unwrap_err();
    assert!(err.to_string().contains("already has 60 users"), "{err}");
    assert_eq!(store.scope_counts(app).unwrap().all, 60);
}

/// The bulk seeder writes the folded name keys too: sorted by first name, the demo's
/// accented names sit with their base letter and users without one come last.
#[test]
fn seeded_users_sort_by_name_in_the_readers_alphabet() {
    let (_dir, mut store, app) = temp_store();
    seed_demo(&mut store, app, 300, 1_800_000_000, |_| ()).unwrap();
    let q = UserQuery {
        sort: xusers::store::Sort {
            field: xusers::store::SortField::FirstName,
            descending: false,
        },
        ..Default::default()
    };
    let firsts: Vec<String> = store
        .list_users(app, &q, &Page::First(300))
        .unwrap()
        .into_iter()
        .map(|r| r.first_name)
        .collect();
    assert_eq!(firsts.len(), 300);
    let named = firsts.iter().take_while(|n| !n.is_empty()).count();
    assert!(
        named > 0 && named < 300,
        "some with and some without a first name"
    );
    assert!(
        firsts[named..].iter().all(String::is_empty),
        "the unnamed come last"
    );
    let folded: Vec<String> = firsts[..named]
        .iter()
        .map(|n| {
            n.replace('é', "e")
                .replace('ö', "o")
                .replace('ë', "e")
                .to_lowercase()
        })
        .collect();
    assert!(folded.is_sorted(), "{firsts:?}");
    assert!(
        firsts.iter().any(|n| n.contains('é')),
        "the demo has accented names"
    );
}
