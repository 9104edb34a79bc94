mod common;

use common::*;
use xusers::domain::{Field, UserDraft};
use xusers::store::{ReachedDevice, Store, StoreError};

#[test]
fn devices_come_through_groups_and_all_their_ancestors() {
    let (_dir, mut store, app) = temp_store();
    group_tree(&mut store, app); // Acme ─ Sales ─ EMEA; Support
    store.create_device(app, "HQ door", &["Acme"]).unwrap();
    store.create_device(app, "Sales kiosk", &["Sales"]).unwrap();
    store
        .create_device(app, "Berlin printer", &["EMEA"])
        .unwrap();
    store
        .create_device(app, "Support phone", &["Support"])
        .unwrap();
    store.create_device(app, "Unlinked", &[]).unwrap();
    let id = add(
        &mut store,
        app,
        UserDraft {
            groups: vec!["EMEA".into()],
            ..draft("emea@acme.io")
        },
    );
    let reached = store.user_devices(id).unwrap();
    let expect = |d: &str, g: &str| ReachedDevice {
        device: d.into(),
        via_group: g.into(),
    };
    assert_eq!(
        reached,
        vec![
            expect("Berlin printer", "EMEA"),
            expect("HQ door", "Acme"),
            expect("Sales kiosk", "Sales"),
        ]
    );
    let lonely = add_email(&mut store, app, "none@acme.io");
    assert!(store.user_devices(lonely).unwrap().is_empty());
}

#[test]
fn groups_list_as_a_tree_and_refuse_cycles() {
    let (_dir, mut store, app) = temp_store();
    group_tree(&mut store, app);
    let names = |s: &Store| {
        s.groups(app)
            .unwrap()
            .into_iter()
            .map(|g| g.name)
            .collect::<Vec<_>>()
    };
    // Each group with its depth and parent, parents before children.
    let tree = |s: &Store| {
        s.group_summaries(app)
            .unwrap()
            .into_iter()
            .map(|g| {
                let parent = g.group.parent_id.map(|p| {
                    s.groups(app)
                        .unwrap()
                        .into_iter()
                        .find(|x| x.id == p)
                        .unwrap()
                        .name
                });
                (g.depth, g.group.name, parent)
            })
            .collect::<Vec<_>>()
    };
    let node = |depth: usize, name: &str, parent: Option<&str>| {
        (depth, name.to_string(), parent.map(str::to_string))
    };
    assert_eq!(names(&store), ["Acme", "Sales", "EMEA", "Support"]);
    let before = tree(&store);
    for (group, parent) in [("Acme", "EMEA"), ("Sales", "Sales"), ("Acme", "Sales")] {
        match store.set_group_parent(app, group, Some(parent)) {
            Err(StoreError::Invalid(e)) => assert_eq!(e[0].field, Field::GroupParent),
            other => panic!("{group} under {parent}: {other:?}"),
        }
    }
    assert_eq!(tree(&store), before, "a refused move changes nothing");
    store
        .set_group_parent(app, "Support", Some("EMEA"))
        .unwrap();
    assert_eq!(
        tree(&store),
        [
            node(0, "Acme", None),
            node(1, "Sales", Some("Acme")),
            node(2, "EMEA", Some("Sales")),
            node(3, "Support", Some("EMEA")),
        ]
    );
    store.set_group_parent(app, "EMEA", None).unwrap();
    assert_eq!(
        tree(&store),
        [
            node(0, "Acme", None),
            node(1, "Sales", Some("Acme")),
            node(0, "EMEA", None),
            node(1, "Support", Some("EMEA")),
        ],
        "EMEA moves to the top with its subtree"
    );
    assert!(
        store.create_group(app, "Sales", None).is_err(),
        "names are unique"
    );
    assert!(matches!(
        store.create_group(app, "X", Some("Nope")),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn tag_key_suggestions_rank_fuzzily_and_skip_the_edited_user() {
    let (_dir, mut store, app) = temp_store();
    let tags = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    add(
        &mut store,
        app,
        UserDraft {
            tags: tags(&[("phone", "1"), ("plan", "pro")]),
            ..draft("a@acme.io")
        },
    );
    add(
        &mut store,
        app,
        UserDraft {
            tags: tags(&[("phone", "2")]),
            ..draft("b@acme.io")
        },
    );
    let me = add(
        &mut store,
        app,
        UserDraft {
            tags: tags(&[("pager", "3")]),
            ..draft("c@acme.io")
        },
    );

    let all = store.suggest_tag_keys(app, None, "p", 10).unwrap();
    let keys: Vec<&str> = all.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys[0], "phone", "ties broken by usage (2 users)");
    assert_eq!(keys.len(), 3);
    let others = store.suggest_tag_keys(app, Some(me), "pa", 10).unwrap();
    let keys: Vec<&str> = others.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(
        keys,
        ["plan"],
        "the user's own key comes from no other user"
    );
    assert_eq!(others[0].matched, vec![0, 2]);
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&path).err().expect("refused");
    let msg = err.to_string();
    assert!(msg.contains("newer xusers") && msg.contains("99"), "{msg}");
    // Reopening an up-to-date database keeps its data.
    let p2 = dir.path().join("ok.db");
    let mut s = Store::open(&p2).unwrap();
    let app = s.application("default").unwrap().id;
    add_email(&mut s, app, "keep@acme.io");
    drop(s);
    let s = Store::open(&p2).unwrap();
    assert!(s.find_user(app, "keep@acme.io").is_ok());
}

/// A database written before the lockout became per-application (schema version 1)
/// is upgraded in place: its users stay and the application gets the default lockout.
#[test]
fn a_database_from_an_older_version_is_upgraded_keeping_its_users() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(include_str!("../assets/sql/schema_v1.sql"))
        .unwrap();
    conn.execute(
        "INSERT INTO users (app_id, email, email_key, password_hash, search, created_at,
                            updated_at)
         VALUES (1, 'Old@acme.io', 'old@acme.io', ?1, 'old@acme.io', 0, 0)",
        [hash().as_str()],
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    drop(conn);
    let err = Store::open_read_only(&path).err().expect("needs upgrading");
    assert!(err.to_string().contains("needs upgrading"), "{err}");
    let mut store = Store::open(&path).unwrap();
    let app = store.existing_application("default").unwrap();
    assert_eq!(app.login_policy, xusers::store::LoginPolicy::default());
    assert_eq!(
        store.scope_counts(app.id).unwrap().all,
        1,
        "counters rebuilt"
    );
    assert!(store.login(app.id, "old@acme.io", PASSWORD).is_ok());
}
