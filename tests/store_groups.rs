mod common;

use std::sync::atomic::AtomicBool;

use common::*;
use proptest::prelude::*;
use xusers::domain::{Field, UserDraft};
use xusers::store::{
    AppId, BulkAction, ReachedDevice, Selection, Source, Store, StoreError, UserId,
};

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

/// Every group's kept member counts, direct and including subgroups, equal the
/// memberships counted afresh.
fn assert_member_counts_kept(store: &Store, path: &std::path::Path, app: xusers::store::AppId) {
    assert_subtree_counts_kept(path, "the last change");
    let sql = rusqlite::Connection::open(path).unwrap();
    let groups = store.group_summaries(app).unwrap();
    assert!(!groups.is_empty());
    for g in groups {
        let counted: u64 = sql
            .query_row(
                "SELECT count(*) FROM memberships WHERE group_id = ?1",
                [g.group.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(g.members, counted, "{}", g.group.name);
    }
}

#[test]
fn member_counts_are_kept_through_every_change_and_a_bulk_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kept.db");
    let mut store = Store::open(&path).unwrap();
    let app = store.application("default").unwrap().id;
    // The demo load writes memberships without triggers, then recounts.
    xusers::demo::seed_demo(&mut store, app, 300, 1_800_000_000, |_| ()).unwrap();
    assert_member_counts_kept(&store, &path, app);
    let sales = |s: &Store| {
        s.group_summaries(app)
            .unwrap()
            .into_iter()
            .find(|g| g.group.name == "Sales")
            .unwrap()
            .members
    };
    let before = sales(&store);
    let id = add(
        &mut store,
        app,
        UserDraft {
            groups: vec!["Sales".into(), "EMEA".into()],
            ..draft("new@acme.io")
        },
    );
    assert_eq!(sales(&store), before + 1);
    let changes = UserDraft {
        groups: vec!["EMEA".into()],
        password: None,
        ..draft("new@acme.io")
    }
    .validate_changes()
    .unwrap();
    store.update_user(app, id, &changes, None, None).unwrap();
    assert_eq!(sales(&store), before);
    store.delete_user(id).unwrap();
    store.delete_group(app, "Americas").unwrap();
    assert_member_counts_kept(&store, &path, app);
}

#[test]
fn edits_and_deletes_based_on_an_older_version_of_a_group_are_refused() {
    let (_dir, mut store, app) = temp_store();
    group_tree(&mut store, app); // Acme ─ Sales ─ EMEA; Support
    let read = |s: &Store, name: &str| {
        s.group_summaries(app)
            .unwrap()
            .into_iter()
            .find(|g| g.group.name == name)
            .unwrap()
    };
    let sales = read(&store, "Sales").reference();
    store
        .edit_group(app, &sales, "Revenue", Some("Support"))
        .unwrap();
    let revenue = read(&store, "Revenue");
    assert_eq!(revenue.version, sales.version + 2, "renamed and moved");
    // The same edit again, from the version read before it, is refused.
    let err = store.edit_group(app, &sales, "Deals", None).unwrap_err();
    assert!(
        matches!(err, StoreError::GroupChanged(ref n) if n == "Sales"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "Someone else changed group Sales meanwhile"
    );
    let err = store.delete_group_read(app, &sales).unwrap_err();
    assert!(matches!(err, StoreError::GroupChanged(_)));
    assert!(store.group_named(app, "Revenue").is_ok(), "nothing changed");
    // A move into its own subtree is refused with the reason, nothing written.
    let support = read(&store, "Support");
    let err = store
        .edit_group(app, &support.reference(), "Help", Some("EMEA"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("'EMEA' is one of the subgroups of 'Help': that would make a cycle"),
        "{err}"
    );
    assert_eq!(read(&store, "Support"), support, "not even renamed");
    // The current version deletes.
    store
        .delete_group_read(app, &read(&store, "Revenue").reference())
        .unwrap();
    assert!(store.group_named(app, "Revenue").is_err());
}

/// A demo database of 100 users in a file called `name`, closed (to be taken back to
/// an older schema version and upgraded).
fn demo_file(name: &str) -> (tempfile::TempDir, std::path::PathBuf, AppId) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let mut store = Store::open(&path).unwrap();
    let app = store.application("default").unwrap().id;
    xusers::demo::seed_demo(&mut store, app, 100, 1_800_000_000, |_| ()).unwrap();
    (dir, path, app)
}

/// A schema v9 database gets its groups' ancestors and counts of members including
/// subgroups filled, and the triggers that keep them, when it is upgraded: no other
/// trigger is rebuilt (nothing else is recounted).
#[test]
fn upgrading_to_v10_fills_the_members_with_subgroups_and_keeps_them() {
    let (_dir, path, app) = demo_file("v9.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(BACK_TO_V9).unwrap();
    // A counter the upgrade must not recount: were every trigger rebuilt, it would be.
    conn.execute_batch("UPDATE applications SET user_count = user_count + 7")
        .unwrap();
    drop(conn);
    let mut store = Store::open(&path).unwrap();
    assert_subtree_counts_kept(&path, "the upgrade");
    let acme = |s: &Store| {
        s.group_summaries(app)
            .unwrap()
            .into_iter()
            .find(|g| g.group.name == "Acme")
            .unwrap()
    };
    assert!(acme(&store).with_subgroups > acme(&store).members);
    assert_eq!(
        store.scope_counts(app).unwrap().all,
        107,
        "only the new counts filled"
    );
    let triggers = schema_names(&rusqlite::Connection::open(&path).unwrap(), "trigger");
    for name in [
        "subtree_members_added",
        "subtree_members_removed",
        "groups_placed",
        "groups_moved",
    ] {
        assert!(triggers.contains(&name.to_string()), "{name}");
    }
    let before = acme(&store).with_subgroups;
    add(
        &mut store,
        app,
        UserDraft {
            groups: vec!["EMEA".into()],
            ..draft("after@acme.io")
        },
    );
    assert_eq!(
        acme(&store).with_subgroups,
        before + 1,
        "kept after the upgrade"
    );
    assert_subtree_counts_kept(&path, "a user added after the upgrade");
}

/// A schema v5 database gets its member counts filled, and the triggers that keep
/// them, when it is upgraded.
#[test]
fn upgrading_to_v6_fills_the_member_counts_and_keeps_them() {
    let (_dir, path, app) = demo_file("v5.db");
    // Back to version 5: without the v6 columns and the triggers that keep them.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "{BACK_TO_V9}
             DROP TRIGGER group_members_added; DROP TRIGGER group_members_removed;
             ALTER TABLE groups DROP COLUMN member_count; ALTER TABLE groups DROP COLUMN version;
             PRAGMA user_version = 5;"
    ))
    .unwrap();
    drop(conn);
    let mut store = Store::open(&path).unwrap();
    assert_member_counts_kept(&store, &path, app);
    let triggers: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'group_members_%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(triggers, 2);
    add(
        &mut store,
        app,
        UserDraft {
            groups: vec!["Support".into()],
            ..draft("after@acme.io")
        },
    );
    assert_member_counts_kept(&store, &path, app);
}

/// Each group's kept count of members including its subgroups, by group name.
fn with_subgroups(store: &Store, app: AppId) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> = (store.group_summaries(app).unwrap().into_iter())
        .map(|g| (g.group.name, g.with_subgroups))
        .collect();
    counts.sort();
    counts
}

/// Acme ─ Sales ─ EMEA ─ Berlin and Acme ─ Support, with users who reach a group by
/// more than one membership: one in Berlin and Support, one in EMEA and Berlin, one
/// in Berlin, one in Sales.
fn branches_with_shared_members(store: &mut Store, app: AppId) -> [UserId; 4] {
    for (name, parent) in [
        ("Acme", None),
        ("Sales", Some("Acme")),
        ("EMEA", Some("Sales")),
        ("Berlin", Some("EMEA")),
        ("Support", Some("Acme")),
    ] {
        store.create_group(app, name, parent).unwrap();
    }
    let user = |store: &mut Store, email: &str, groups: &[&str]| {
        let groups = groups.iter().map(|g| g.to_string()).collect();
        add(
            store,
            app,
            UserDraft {
                groups,
                ..draft(email)
            },
        )
    };
    [
        user(store, "a@acme.io", &["Berlin", "Support"]),
        user(store, "b@acme.io", &["EMEA", "Berlin"]),
        user(store, "c@acme.io", &["Berlin"]),
        user(store, "d@acme.io", &["Sales"]),
    ]
}

/// Expected counts by group name, in the order [`with_subgroups`] gives them.
fn named(counts: &[(&str, u64)]) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> = counts.iter().map(|(n, c)| (n.to_string(), *c)).collect();
    counts.sort();
    counts
}

/// A group moving with its subgroups and their members: each group above only the new
/// parent gains the members it did not reach yet, each above only the old one loses
/// those it reaches no other way, and a group above both keeps its count; members
/// added or removed in the moved subtree afterwards count in the groups now above it.
#[test]
fn moving_a_group_counts_its_members_once_above_the_new_parent_and_not_above_the_old() {
    let (dir, mut store, app) = temp_store();
    let path = dir.path().join("test.db");
    let users = branches_with_shared_members(&mut store, app);
    let start = [
        ("Acme", 4),
        ("Sales", 4),
        ("EMEA", 3),
        ("Berlin", 3),
        ("Support", 1),
    ];
    assert_eq!(with_subgroups(&store, app), named(&start));

    // Acme is above both parents; Support had a already.
    store
        .set_group_parent(app, "EMEA", Some("Support"))
        .unwrap();
    let moved = [
        ("Acme", 4),
        ("Sales", 1),
        ("EMEA", 3),
        ("Berlin", 3),
        ("Support", 3),
    ];
    assert_eq!(
        with_subgroups(&store, app),
        named(&moved),
        "EMEA under Support"
    );
    assert_subtree_counts_kept(&path, "EMEA under Support");
    // The moved subtree's ties to the groups above: a member added in it counts in
    // Support and Acme, not in Sales.
    let e = add_email(&mut store, app, "e@acme.io");
    let berlin = store.group_named(app, "Berlin").unwrap();
    store.add_members(app, berlin, &[e]).unwrap();
    let joined = [
        ("Acme", 5),
        ("Sales", 1),
        ("EMEA", 4),
        ("Berlin", 4),
        ("Support", 4),
    ];
    assert_eq!(
        with_subgroups(&store, app),
        named(&joined),
        "e added to Berlin under Support"
    );
    assert_subtree_counts_kept(&path, "e added to Berlin under Support");

    // Support keeps a (a member of its own), Acme keeps a (through Support).
    store.set_group_parent(app, "EMEA", None).unwrap();
    let top = [
        ("Acme", 2),
        ("Sales", 1),
        ("EMEA", 4),
        ("Berlin", 4),
        ("Support", 1),
    ];
    assert_eq!(with_subgroups(&store, app), named(&top), "EMEA at the top");
    assert_subtree_counts_kept(&path, "EMEA at the top");

    // Three levels below EMEA now: Sales' member reaches Berlin and EMEA, leaves Acme.
    store
        .set_group_parent(app, "Sales", Some("Berlin"))
        .unwrap();
    let deep = [
        ("Acme", 1),
        ("Sales", 1),
        ("EMEA", 5),
        ("Berlin", 5),
        ("Support", 1),
    ];
    assert_eq!(
        with_subgroups(&store, app),
        named(&deep),
        "Sales under Berlin"
    );
    assert_subtree_counts_kept(&path, "Sales under Berlin");
    // d, in Sales alone, leaves every group above it, three levels up.
    let (sales, d) = (store.group_named(app, "Sales").unwrap(), users[3]);
    store.remove_member(app, sales, d).unwrap();
    let left = [
        ("Acme", 1),
        ("Sales", 0),
        ("EMEA", 4),
        ("Berlin", 4),
        ("Support", 1),
    ];
    assert_eq!(
        with_subgroups(&store, app),
        named(&left),
        "d out of Sales under Berlin"
    );
    assert_subtree_counts_kept(&path, "d out of Sales under Berlin");
}

/// A bulk deletion lowers each group once per user deleted, however many of the
/// user's memberships lay below it.
#[test]
fn a_bulk_deletion_lowers_each_group_once_per_user_whatever_memberships_reached_it() {
    let (dir, mut store, app) = temp_store();
    let path = dir.path().join("test.db");
    let [a, b, _, _] = branches_with_shared_members(&mut store, app);
    store
        .bulk(
            app,
            &Selection::of_ids([a, b]),
            &BulkAction::Delete,
            Source::Console,
            &mut |_| (),
            &AtomicBool::new(false),
        )
        .unwrap();
    let left = [
        ("Acme", 2),
        ("Sales", 2),
        ("EMEA", 1),
        ("Berlin", 1),
        ("Support", 0),
    ];
    assert_eq!(with_subgroups(&store, app), named(&left));
    assert_subtree_counts_kept(&path, "the bulk deletion");
}

/// A change of users, memberships or the tree, naming groups and users by their
/// position among those that exist (modulo their number).
#[derive(Debug, Clone)]
enum Change {
    AddUser(Vec<usize>),
    SetGroups(usize, Vec<usize>),
    DeleteUser(usize),
    AddMembers(usize, Vec<usize>),
    RemoveMember(usize, usize),
    CreateGroup(Option<usize>),
    MoveGroup(usize, Option<usize>),
    DeleteGroup(usize),
    /// 0 adds to the group, 1 removes from it, 2 deletes the users.
    Bulk(u8, usize, Vec<usize>),
}

fn change() -> impl Strategy<Value = Change> {
    let few = || proptest::collection::vec(0..16usize, 0..4);
    prop_oneof![
        few().prop_map(Change::AddUser),
        (0..16usize, few()).prop_map(|(u, g)| Change::SetGroups(u, g)),
        (0..16usize).prop_map(Change::DeleteUser),
        (0..16usize, few()).prop_map(|(g, u)| Change::AddMembers(g, u)),
        (0..16usize, 0..16usize).prop_map(|(g, u)| Change::RemoveMember(g, u)),
        proptest::option::of(0..16usize).prop_map(Change::CreateGroup),
        // Mostly under another group: a move between branches of a common ancestor.
        (0..16usize, proptest::option::weighted(0.8, 0..16usize))
            .prop_map(|(g, p)| Change::MoveGroup(g, p)),
        (0..16usize).prop_map(Change::DeleteGroup),
        (0..3u8, 0..16usize, few()).prop_map(|(k, g, u)| Change::Bulk(k, g, u)),
    ]
}

/// The users that exist, with their emails, and how many changes were applied (which
/// makes each new name unique).
#[derive(Default)]
struct World {
    users: Vec<(UserId, String)>,
    made: usize,
}

/// Applies `change`; a change the store refuses (a cycle, a user not in the group)
/// is fine: the counts must hold either way.
fn apply(store: &mut Store, app: AppId, world: &mut World, change: &Change) {
    let World { users, made } = world;
    *made += 1;
    let groups: Vec<String> = store
        .groups(app)
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    let group = |i: usize| groups.get(i % groups.len().max(1)).cloned();
    let names =
        |picks: &[usize]| -> Vec<String> { picks.iter().filter_map(|&i| group(i)).collect() };
    let user = |users: &[(UserId, String)], i: usize| users.get(i % users.len().max(1)).cloned();
    let id_of = |store: &Store, name: &str| store.group_named(app, name).unwrap();
    match change {
        Change::AddUser(picks) => {
            let email = format!("u{made}@acme.io");
            let draft = UserDraft {
                groups: names(picks),
                ..draft(&email)
            };
            users.push((add(store, app, draft), email));
        }
        Change::SetGroups(u, picks) => {
            if let Some((id, email)) = user(users, *u) {
                let changes = UserDraft {
                    groups: names(picks),
                    password: None,
                    ..draft(&email)
                };
                let changes = changes.validate_changes().unwrap();
                store.update_user(app, id, &changes, None, None).unwrap();
            }
        }
        Change::DeleteUser(u) => {
            if let Some((id, _)) = user(users, *u) {
                store.delete_user(id).unwrap();
                users.retain(|(other, _)| *other != id);
            }
        }
        Change::AddMembers(g, picks) => {
            if let Some(name) = group(*g) {
                let ids: Vec<UserId> = picks
                    .iter()
                    .filter_map(|&i| user(users, i))
                    .map(|u| u.0)
                    .collect();
                store.add_members(app, id_of(store, &name), &ids).unwrap();
            }
        }
        Change::RemoveMember(g, u) => {
            if let (Some(name), Some((id, _))) = (group(*g), user(users, *u)) {
                let _ = store.remove_member(app, id_of(store, &name), id);
            }
        }
        Change::CreateGroup(parent) => {
            let name = format!("New{made}");
            let parent = parent.and_then(group);
            store.create_group(app, &name, parent.as_deref()).unwrap();
        }
        Change::MoveGroup(g, parent) => {
            if let Some(name) = group(*g) {
                let _ = store.set_group_parent(app, &name, parent.and_then(group).as_deref());
            }
        }
        Change::DeleteGroup(g) => {
            if let Some(name) = group(*g) {
                store.delete_group(app, &name).unwrap();
            }
        }
        Change::Bulk(kind, g, picks) => {
            let (Some(name), false) = (group(*g), users.is_empty()) else {
                return;
            };
            let ids: Vec<UserId> = picks
                .iter()
                .filter_map(|&i| user(users, i))
                .map(|u| u.0)
                .collect();
            let action = match kind {
                0 => BulkAction::AddToGroup(name),
                1 => BulkAction::RemoveFromGroup(name),
                _ => BulkAction::Delete,
            };
            store
                .bulk(
                    app,
                    &Selection::of_ids(ids.iter().copied()),
                    &action,
                    Source::Console,
                    &mut |_| (),
                    &AtomicBool::new(false),
                )
                .unwrap();
            if action == BulkAction::Delete {
                users.retain(|(id, _)| !ids.contains(id));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Whatever changes users, memberships or the tree, in whatever order, each group's
    /// kept count of members including its subgroups is the one counted afresh.
    #[test]
    fn members_with_subgroups_stay_kept_through_any_changes(
        tree in proptest::collection::vec(proptest::option::weighted(0.8, 0..16usize), 1..8),
        start in proptest::collection::vec(proptest::collection::vec(0..16usize, 0..4), 0..8),
        changes in proptest::collection::vec(change(), 1..16),
    ) {
        let (dir, mut store, app) = temp_store();
        let path = dir.path().join("test.db");
        let mut world = World::default();
        for (i, parent) in tree.iter().enumerate() {
            let parent = parent.filter(|_| i > 0).map(|p| format!("G{}", p % i));
            store.create_group(app, &format!("G{i}"), parent.as_deref()).unwrap();
        }
        for picks in start {
            apply(&mut store, app, &mut world, &Change::AddUser(picks));
        }
        assert_subtree_counts_kept(&path, "the start");
        for change in &changes {
            apply(&mut store, app, &mut world, change);
            assert_subtree_counts_kept(&path, &format!("{change:?}"));
        }
    }
}
