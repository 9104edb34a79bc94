mod common;

use common::*;
use xusers::domain::{Field, UserDraft};
use xusers::store::{AppId, Page, Scope, Sort, SortField, Store, StoreError, UserQuery};

fn emails(rows: &[xusers::store::UserRow]) -> Vec<&str> {
    rows.iter().map(|r| r.email.as_str()).collect()
}

fn all_pages(store: &Store, app: xusers::store::AppId, q: &UserQuery, size: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut page = Page::First(size);
    loop {
        let rows = store.list_users(app, q, &page).unwrap();
        out.extend(rows.iter().map(|r| r.email.clone()));
        match rows.last() {
            Some(last) if rows.len() == size => page = Page::After(last.cursor(q.sort.field), size),
            _ => return out,
        }
    }
}

#[test]
fn create_read_update_delete_with_groups_and_tags() {
    let (_dir, mut store, app) = temp_store();
    group_tree(&mut store, app);
    let id = add(
        &mut store,
        app,
        UserDraft {
            first_name: "Ann".into(),
            groups: vec!["Sales".into(), "Support".into()],
            tags: vec![("phone".into(), "+1 555".into())],
            ..draft("Ann@Acme.io")
        },
    );
    let user = store.user(id).unwrap();
    assert_eq!(user.email, "Ann@Acme.io", "stored as typed");
    assert_eq!(user.first_name.as_deref(), Some("Ann"));
    assert_eq!(user.last_name, None);
    assert_eq!(user.groups, vec!["Sales", "Support"]);
    assert_eq!(user.tags["phone"], "+1 555");

    let changes = UserDraft {
        email: "ann@acme.io".into(),
        password: None,
        last_name: "Lee".into(),
        groups: vec!["EMEA".into()],
        tags: vec![("plan".into(), "pro".into())],
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    store
        .update_user(app, id, &changes, None, Some(user.version))
        .unwrap();
    let after = store.user(id).unwrap();
    assert_eq!(after.first_name, None);
    assert_eq!(after.last_name.as_deref(), Some("Lee"));
    assert_eq!(after.groups, vec!["EMEA"]);
    assert_eq!(after.tags.keys().collect::<Vec<_>>(), vec!["plan"]);
    assert_eq!(after.version, user.version + 1);

    store.delete_user(id).unwrap();
    assert!(matches!(store.user(id), Err(StoreError::UserGone(_))));
    assert!(matches!(
        store.delete_user(id),
        Err(StoreError::UserGone(_))
    ));
}

#[test]
fn a_user_gone_meanwhile_is_named_by_email_never_by_id() {
    let (_d, mut store, app) = temp_store();
    let kept = add_email(&mut store, app, "kept@x.io");
    let gone = add_email(&mut store, app, "gone@x.io");
    store.delete_user(gone).unwrap();
    let err = store.delete_users(&[kept, gone]).unwrap_err();
    assert!(
        !err.to_string().contains(|c: char| c.is_ascii_digit()),
        "no internal id in: {err}"
    );
    let named = err.naming(&[(kept, "kept@x.io"), (gone, "gone@x.io")]);
    assert_eq!(named.to_string(), "no such user: gone@x.io");
    assert!(
        store.user(kept).is_ok(),
        "all or none: the other user stays"
    );
    let unrelated = store.user(gone).unwrap_err().naming(&[(kept, "kept@x.io")]);
    assert!(
        matches!(unrelated, StoreError::UserGone(_)),
        "only the gone user is named"
    );
}

#[test]
fn email_is_unique_per_application_ignoring_case() {
    let (_dir, mut store, app) = temp_store();
    add_email(&mut store, app, "bob@example.com");
    let dup = draft("BOB@Example.COM").validate_new().unwrap();
    match store.create_user(app, &dup, hash()) {
        Err(StoreError::Invalid(errors)) => {
            assert_eq!(errors[0].field, Field::Email);
            assert!(errors[0].message.contains("already used"));
        }
        other => panic!("expected a duplicate error, got {other:?}"),
    }
    // The same address may exist in another application.
    let other = store.application("other").unwrap().id;
    assert!(store.create_user(other, &dup, hash()).is_ok());
    assert_eq!(store.scope_counts(app).unwrap().all, 1);
}

#[test]
fn edit_refuses_an_email_used_by_another_user_and_stale_versions() {
    let (_dir, mut store, app) = temp_store();
    add_email(&mut store, app, "a@acme.io");
    let b = add_email(&mut store, app, "b@acme.io");
    let version = store.user(b).unwrap().version;
    let to_a = UserDraft {
        email: "A@ACME.IO".into(),
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    assert!(matches!(
        store.update_user(app, b, &to_a, None, Some(version)),
        Err(StoreError::Invalid(_))
    ));
    let rename = UserDraft {
        email: "b2@acme.io".into(),
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    store
        .update_user(app, b, &rename, None, Some(version))
        .unwrap();
    assert!(matches!(
        store.update_user(app, b, &rename, None, Some(version)),
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.user(b).unwrap().email, "b2@acme.io");
}

#[test]
fn unknown_group_is_a_field_error_and_writes_nothing() {
    let (_dir, mut store, app) = temp_store();
    let user = UserDraft {
        groups: vec!["Nope".into()],
        ..draft("x@acme.io")
    }
    .validate_new()
    .unwrap();
    let err = store.create_user(app, &user, hash()).unwrap_err();
    assert!(err.to_string().contains("no such group: Nope"), "{err}");
    assert_eq!(store.scope_counts(app).unwrap().all, 0);
}

#[test]
fn user_limit_is_enforced_on_create() {
    let (_dir, mut store, app) = temp_store();
    store.set_user_limit(app, Some(2)).unwrap();
    add_email(&mut store, app, "a@acme.io");
    add_email(&mut store, app, "b@acme.io");
    let third = draft("c@acme.io").validate_new().unwrap();
    let err = store.create_user(app, &third, hash()).unwrap_err();
    assert!(err.to_string().contains("user limit of 2"), "{err}");
    assert_eq!(store.scope_counts(app).unwrap().all, 2);
    store.set_user_limit(app, None).unwrap();
    assert!(store.create_user(app, &third, hash()).is_ok());
}

#[test]
fn scopes_and_counts_agree_with_lists() {
    let (_dir, mut store, app) = temp_store();
    group_tree(&mut store, app);
    for (email, groups) in [
        ("a@acme.io", vec!["Sales"]),
        ("b@acme.io", vec![]),
        ("c@acme.io", vec!["EMEA", "Support"]),
        ("d@acme.io", vec![]),
        ("e@acme.io", vec!["Sales"]),
    ] {
        add(
            &mut store,
            app,
            UserDraft {
                groups: groups.into_iter().map(String::from).collect(),
                ..draft(email)
            },
        );
    }
    let counts = store.scope_counts(app).unwrap();
    assert_eq!((counts.all, counts.grouped, counts.ungrouped), (5, 3, 2));
    let sales = store
        .groups(app)
        .unwrap()
        .into_iter()
        .find(|g| g.name == "Sales")
        .unwrap()
        .id;
    for (scope, expected) in [
        (
            Scope::All,
            vec![
                "a@acme.io",
                "b@acme.io",
                "c@acme.io",
                "d@acme.io",
                "e@acme.io",
            ],
        ),
        (Scope::Grouped, vec!["a@acme.io", "c@acme.io", "e@acme.io"]),
        (Scope::Ungrouped, vec!["b@acme.io", "d@acme.io"]),
        (Scope::Group(sales), vec!["a@acme.io", "e@acme.io"]),
    ] {
        let q = UserQuery {
            scope,
            ..Default::default()
        };
        let rows = store.list_users(app, &q, &Page::First(100)).unwrap();
        assert_eq!(emails(&rows), expected, "{scope:?}");
        assert_eq!(store.count_users(app, &q).unwrap(), expected.len() as u64);
    }
    // Deleting a grouped user updates the counts.
    let c = store.find_user(app, "C@acme.io").unwrap();
    store.delete_user(c).unwrap();
    let counts = store.scope_counts(app).unwrap();
    assert_eq!((counts.all, counts.grouped, counts.ungrouped), (4, 2, 2));
}

#[test]
fn text_tag_and_scope_filters_combine() {
    let (_dir, mut store, app) = temp_store();
    group_tree(&mut store, app);
    let people = [
        (
            "alice@acme.io",
            "Alice",
            "Smith",
            vec!["Sales"],
            vec![("plan", "pro"), ("phone", "1")],
        ),
        (
            "ALI.baba@example.com",
            "Ali",
            "Baba",
            vec![],
            vec![("plan", "pro")],
        ),
        (
            "bob@acme.io",
            "Bob",
            "Alistair",
            vec!["Sales"],
            vec![("plan", "free")],
        ),
        (
            "carol@acme.io",
            "Carol",
            "Müller",
            vec!["Support"],
            vec![("phone", "2")],
        ),
    ];
    for (email, first, last, groups, tags) in people {
        add(
            &mut store,
            app,
            UserDraft {
                first_name: first.into(),
                last_name: last.into(),
                groups: groups.into_iter().map(String::from).collect(),
                tags: tags
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
                ..draft(email)
            },
        );
    }
    let list = |scope, filter: &str| {
        let q = UserQuery {
            scope,
            ..Default::default()
        }
        .filter(filter);
        let rows = store.list_users(app, &q, &Page::First(50)).unwrap();
        assert_eq!(store.count_users(app, &q).unwrap(), rows.len() as u64);
        rows.into_iter().map(|r| r.email).collect::<Vec<_>>()
    };
    // Text matches email, first or last name, in any case.
    assert_eq!(
        list(Scope::All, "ALI"),
        vec!["ALI.baba@example.com", "alice@acme.io", "bob@acme.io"]
    );
    assert_eq!(list(Scope::All, "müller"), vec!["carol@acme.io"]);
    assert_eq!(
        list(Scope::All, "MÜLLER"),
        vec!["carol@acme.io"],
        "unicode case"
    );
    assert_eq!(
        list(Scope::All, "tag:phone"),
        vec!["alice@acme.io", "carol@acme.io"]
    );
    assert_eq!(
        list(Scope::All, "tag:plan=pro"),
        vec!["ALI.baba@example.com", "alice@acme.io"]
    );
    assert_eq!(
        list(Scope::Grouped, "ali tag:plan=pro"),
        vec!["alice@acme.io"]
    );
    assert_eq!(list(Scope::Ungrouped, "ali"), vec!["ALI.baba@example.com"]);
    assert_eq!(
        list(Scope::All, "acme tag:plan tag:phone"),
        vec!["alice@acme.io"]
    );
    assert!(list(Scope::All, "zzz").is_empty());
    // SQL metacharacters are plain text.
    assert!(list(Scope::All, "%").is_empty());
    assert!(list(Scope::All, "' OR 1=1 --").is_empty());
}

#[test]
fn sorting_by_every_field_both_ways() {
    let (_dir, mut store, app) = temp_store();
    for (email, first, last) in [
        ("b@acme.io", "zed", "Adams"),
        ("A@acme.io", "Yann", ""),
        ("c@acme.io", "", "baker"),
    ] {
        add(
            &mut store,
            app,
            UserDraft {
                first_name: first.into(),
                last_name: last.into(),
                ..draft(email)
            },
        );
    }
    store.login(app, "c@acme.io", PASSWORD).unwrap();
    let order = |field, descending| {
        let q = UserQuery {
            sort: Sort { field, descending },
            ..Default::default()
        };
        emails(&store.list_users(app, &q, &Page::First(10)).unwrap())
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(SortField::Email, false),
        ["A@acme.io", "b@acme.io", "c@acme.io"]
    );
    assert_eq!(
        order(SortField::Email, true),
        ["c@acme.io", "b@acme.io", "A@acme.io"]
    );
    // Names sort ignoring case; a missing name sorts last (first when descending).
    assert_eq!(
        order(SortField::FirstName, false),
        ["A@acme.io", "b@acme.io", "c@acme.io"]
    );
    assert_eq!(
        order(SortField::LastName, false),
        ["b@acme.io", "c@acme.io", "A@acme.io"]
    );
    assert_eq!(
        order(SortField::LastName, true),
        ["A@acme.io", "c@acme.io", "b@acme.io"]
    );
    // Created ties (same second) fall back to id: insertion order.
    assert_eq!(
        order(SortField::Created, false),
        ["b@acme.io", "A@acme.io", "c@acme.io"]
    );
    assert_eq!(
        order(SortField::Created, true),
        ["c@acme.io", "A@acme.io", "b@acme.io"]
    );
    assert_eq!(order(SortField::LastLogin, true)[0], "c@acme.io");
    assert_eq!(order(SortField::LastLogin, false)[2], "c@acme.io");
}

/// Adds users with these last names (`u0@acme.io`, `u1@acme.io` …).
fn add_last_names(store: &mut Store, app: AppId, names: &[&str]) {
    for (i, last) in names.iter().enumerate() {
        add(
            store,
            app,
            UserDraft {
                last_name: last.to_string(),
                ..draft(&format!("u{i}@acme.io"))
            },
        );
    }
}

fn last_names(store: &Store, app: AppId, descending: bool, page: usize) -> Vec<String> {
    let q = UserQuery {
        sort: Sort {
            field: SortField::LastName,
            descending,
        },
        ..Default::default()
    };
    // Page by page, so every page edge is crossed by its keyset cursor.
    let mut rows = store.list_users(app, &q, &Page::First(page)).unwrap();
    let mut all = Vec::new();
    while let Some(last) = rows.last() {
        let cursor = last.cursor(SortField::LastName);
        all.extend(rows.iter().map(|r| r.last_name.clone()));
        rows = store
            .list_users(app, &q, &Page::After(cursor, page))
            .unwrap();
    }
    all
}

#[test]
fn names_sort_in_the_readers_alphabet_with_absent_names_last() {
    let (_dir, mut store, app) = temp_store();
    add_last_names(
        &mut store,
        app,
        &[
            "Yilmaz", "", "Émile", "adams", "Łukasz", "Ørsted", "", "Zoë", "Eitan",
        ],
    );
    let want = [
        "adams", "Eitan", "Émile", "Łukasz", "Ørsted", "Yilmaz", "Zoë", "", "",
    ];
    for page in [1, 2, 4, 20] {
        assert_eq!(
            last_names(&store, app, false, page),
            want,
            "pages of {page}"
        );
        let mut reversed = want.to_vec();
        reversed.reverse();
        assert_eq!(
            last_names(&store, app, true, page),
            reversed,
            "pages of {page}"
        );
    }
}

#[test]
fn an_edited_name_moves_to_its_new_place_in_the_sort() {
    let (_dir, mut store, app) = temp_store();
    add_last_names(&mut store, app, &["Brown", "Clark"]);
    let clark = store
        .list_users(app, &UserQuery::default().filter("u1@"), &Page::First(1))
        .unwrap()[0]
        .id;
    let version = store.user(clark).unwrap().version;
    let changes = UserDraft {
        email: "u1@acme.io".into(),
        last_name: "Ábel".into(),
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    store
        .update_user(app, clark, &changes, None, Some(version))
        .unwrap();
    assert_eq!(last_names(&store, app, false, 10), ["Ábel", "Brown"]);
}

#[test]
fn keyset_paging_crosses_page_boundaries_both_ways() {
    let (_dir, mut store, app) = temp_store();
    let mut expected = Vec::new();
    for i in 0..23 {
        let email = format!("user{i:02}@acme.io");
        // Equal first names force the id tie-break across page edges.
        add(
            &mut store,
            app,
            UserDraft {
                first_name: ["Sam", "Ann"][i % 2].into(),
                ..draft(&email)
            },
        );
        expected.push(email);
    }
    for descending in [false, true] {
        for field in SortField::ALL {
            let q = UserQuery {
                sort: Sort { field, descending },
                ..Default::default()
            };
            let whole: Vec<String> = store
                .list_users(app, &q, &Page::First(100))
                .unwrap()
                .into_iter()
                .map(|r| r.email)
                .collect();
            assert_eq!(whole.len(), 23);
            for size in [1, 5, 7, 23] {
                assert_eq!(
                    all_pages(&store, app, &q, size),
                    whole,
                    "{field:?} {descending} {size}"
                );
            }
            // Backwards from the end gives the same rows.
            let last = store.list_users(app, &q, &Page::Last(5)).unwrap();
            assert_eq!(
                emails(&last),
                whole[18..].iter().map(String::as_str).collect::<Vec<_>>()
            );
            let before = store
                .list_users(app, &q, &Page::Before(last[0].cursor(field), 4))
                .unwrap();
            assert_eq!(
                emails(&before),
                whole[14..18].iter().map(String::as_str).collect::<Vec<_>>()
            );
            let at = store
                .list_users(app, &q, &Page::AtOrAfter(last[0].cursor(field), 2))
                .unwrap();
            assert_eq!(
                emails(&at),
                whole[18..20].iter().map(String::as_str).collect::<Vec<_>>()
            );
        }
    }
    expected.sort();
    assert_eq!(all_pages(&store, app, &UserQuery::default(), 4), expected);
}

#[test]
fn delete_cascades_memberships_tags_and_tokens() {
    let (dir, mut store, app) = temp_store();
    group_tree(&mut store, app);
    let id = add(
        &mut store,
        app,
        UserDraft {
            groups: vec!["Sales".into()],
            tags: vec![("k".into(), "v".into())],
            ..draft("gone@acme.io")
        },
    );
    let token = store.login(app, "gone@acme.io", PASSWORD).unwrap();
    store.delete_user(id).unwrap();
    assert!(store.authenticate(app, &token).is_err());
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("test.db")).unwrap();
    for table in ["users", "memberships", "user_tags", "tokens"] {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

/// A database from before the folded name keys (schema version 2) gets them filled
/// for every user at its first open, so its names sort like new ones.
#[test]
fn an_older_database_gets_name_sort_keys_for_its_users() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(include_str!("../assets/sql/schema_v1.sql"))
        .unwrap();
    conn.execute_batch(include_str!("../assets/sql/schema_v2.sql"))
        .unwrap();
    for (i, last) in ["Zoë", "", "Émile"].iter().enumerate() {
        conn.execute(
            "INSERT INTO users (app_id, email, email_key, password_hash, last_name, search,
                                created_at, updated_at)
             VALUES (1, ?1, ?1, ?2, ?3, ?1, 0, 0)",
            rusqlite::params![format!("u{i}@acme.io"), hash().as_str(), last],
        )
        .unwrap();
    }
    conn.pragma_update(None, "user_version", 2).unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let app = store.existing_application("default").unwrap().id;
    assert_eq!(last_names(&store, app, false, 1), ["Émile", "Zoë", ""]);
}
