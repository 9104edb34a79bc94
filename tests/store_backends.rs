//! The store's behaviour, the same on both backends: each test runs once on SQLite
//! and once on PostgreSQL (tests/common/backend.rs). Issue 19 moves the store's
//! tests here as PostgreSQL learns each method.

mod common;

use common::backend::{Backend, fresh};
use rstest::rstest;
use xusers::domain::{NewUser, UserDraft};
use xusers::store::{
    Actor, AuditEntry, AuditPage, AuditQuery, ImportOptions, ImportUser, Location, LoginPolicy,
    OnConflict, Page, Scope, Sort, SortField, Source, Store, StoreError, UserId, UserQuery,
    UserRow,
};

#[rstest]
fn the_default_application_is_there_with_the_schemas_defaults(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(f) = fresh(backend) else {
        return;
    };
    let app = f.store.existing_application("default").unwrap();
    assert_eq!(app.id, f.app);
    assert_eq!(
        (app.name.as_str(), app.user_limit, app.login_policy),
        ("default", None, LoginPolicy::default())
    );
}

#[rstest]
fn an_unknown_application_is_refused_naming_those_there_are(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(f) = fresh(backend) else {
        return;
    };
    let refused = f.store.existing_application("prod").unwrap_err();
    assert_eq!(
        refused.to_string(),
        "no such application: prod (known: default)"
    );
}

#[rstest]
fn applications_are_listed_by_name_with_their_user_counts(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(f) = fresh(backend) else {
        return;
    };
    let listed = f.store.applications().unwrap();
    let names: Vec<_> = listed
        .iter()
        .map(|(app, users)| (app.name.as_str(), *users))
        .collect();
    assert_eq!(names, [("default", 0)]);
}

#[rstest]
fn applications_are_added_once_limited_and_given_a_lockout_each_change_audited(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let shop = f.store.create_application(" shop ", Some(1)).unwrap();
    assert_eq!((shop.name.as_str(), shop.user_limit), ("shop", Some(1)));
    let twice = f.store.create_application("shop", None).unwrap_err();
    assert_eq!(
        twice.to_string(),
        "user: an application named 'shop' already exists"
    );
    // Opened by name, or made on first use.
    assert_eq!(f.store.application("shop").unwrap(), shop);
    let blog = f.store.application("blog").unwrap();
    assert_ne!(blog.id, shop.id);
    // The limit holds: a second user of shop is refused, another application's is not.
    f.store
        .create_user(shop.id, &new_user("ann@x.io", &[]), common::hash())
        .unwrap();
    let full = f
        .store
        .create_user(shop.id, &new_user("bob@x.io", &[]), common::hash())
        .unwrap_err();
    assert_eq!(
        full.to_string(),
        "user: the application's user limit of 1 is reached"
    );
    f.store
        .create_user(blog.id, &new_user("bob@x.io", &[]), common::hash())
        .unwrap();
    f.store.set_user_limit(shop.id, None).unwrap();
    f.store.set_user_limit(shop.id, None).unwrap();
    f.store
        .create_user(shop.id, &new_user("bob@x.io", &[]), common::hash())
        .unwrap();
    let policy = LoginPolicy {
        max_failures: 2,
        window_secs: 60,
    };
    f.store.set_login_policy(shop.id, policy).unwrap();
    let never = LoginPolicy {
        max_failures: 0,
        window_secs: 60,
    };
    assert!(f.store.set_login_policy(shop.id, never).is_err());
    assert_eq!(
        f.store.existing_application("shop").unwrap().login_policy,
        policy
    );
    for _ in 0..2 {
        assert!(
            f.store
                .login(shop.id, "ann@x.io", "wrong password")
                .is_err()
        );
    }
    let locked = f.store.login(shop.id, "ann@x.io", common::PASSWORD);
    assert!(
        matches!(locked, Err(StoreError::InvalidCredentials)),
        "{locked:?}"
    );
    assert!(f.store.login(blog.id, "bob@x.io", common::PASSWORD).is_ok());
    let names: Vec<(String, u64)> = (f.store.applications().unwrap().into_iter())
        .map(|(app, users)| (app.name, users))
        .collect();
    assert_eq!(
        names,
        [
            ("blog".into(), 1),
            ("default".into(), 0),
            ("shop".into(), 2)
        ]
    );
    // 2 applications, 3 users, a limit lifted (once: the second changed nothing), a
    // lockout set, the lockout itself.
    assert_eq!(verified(&f.store), (8, None));
}

fn new_user(email: &str, groups: &[&str]) -> NewUser {
    UserDraft {
        email: email.into(),
        password: Some(common::PASSWORD.into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..Default::default()
    }
    .validate_new()
    .unwrap()
}

fn user_count(store: &Store) -> u64 {
    store.applications().unwrap()[0].1
}

#[rstest]
fn a_created_user_is_counted_found_by_email_in_any_case_and_never_added_twice(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ann = f
        .store
        .create_user(f.app, &new_user("Ann@x.io", &[]), common::hash());
    assert!(ann.is_ok(), "{ann:?}");
    assert_eq!(user_count(&f.store), 1);
    assert_eq!(f.store.find_user(f.app, " ANN@X.io").ok(), ann.ok());
    assert_eq!(
        f.store
            .find_user(f.app, "bob@x.io")
            .unwrap_err()
            .to_string(),
        "no such user: bob@x.io"
    );
    let again = f
        .store
        .create_user(f.app, &new_user("ANN@X.IO", &["Nowhere"]), common::hash())
        .unwrap_err();
    assert_eq!(
        again.to_string(),
        "email: already used by another user of this application; groups: no such group: Nowhere"
    );
    assert_eq!(user_count(&f.store), 1, "nothing was written");
}

#[rstest]
fn a_drafts_problems_are_its_own_and_the_databases_all_at_once(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ann = f
        .store
        .create_user(f.app, &new_user("ann@x.io", &[]), common::hash());
    assert!(ann.is_ok(), "{ann:?}");
    let draft = UserDraft {
        email: "ANN@x.io".into(),
        password: Some("short".into()),
        groups: vec!["Nowhere".into()],
        ..Default::default()
    };
    let broken = draft.validate_new().unwrap_err();
    let problems = f
        .store
        .draft_problems(f.app, &draft, None, broken)
        .to_string();
    assert!(
        problems.contains("email: already used by another user of this application")
            && problems.contains("groups: no such group: Nowhere")
            && problems.contains("password"),
        "{problems}"
    );
    let editing_herself = f
        .store
        .draft_problems(f.app, &draft, ann.ok(), Vec::new())
        .to_string();
    assert_eq!(editing_herself, "groups: no such group: Nowhere");
}

/// Five users, each with its own first and last name; two with a `plan` tag.
fn five_users(f: &mut common::backend::Fresh) -> Vec<UserId> {
    [
        ("cy@x.io", "Ann", "Zed", Some("pro")),
        ("ab@x.io", "Bob", "Young", None),
        ("bx@x.io", "Cat", "Xu", Some("free")),
        ("d_e@x.io", "Dan", "Web", None),
        ("ea@x.io", "Eve", "Vos", None),
    ]
    .into_iter()
    .map(|(email, first, last, plan)| {
        let draft = UserDraft {
            first_name: first.into(),
            last_name: last.into(),
            tags: plan
                .map(|p| ("plan".into(), p.into()))
                .into_iter()
                .collect(),
            ..common::draft(email)
        };
        common::add(&mut f.store, f.app, draft)
    })
    .collect()
}

fn emails(rows: &[UserRow]) -> Vec<&str> {
    rows.iter().map(|r| r.email.as_str()).collect()
}

#[rstest]
fn users_are_listed_a_page_at_a_time_from_where_the_last_page_ended(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    five_users(&mut f);
    let all = UserQuery::default();
    let page =
        |store: &Store, q: &UserQuery, page: Page| store.list_users(f.app, q, &page).unwrap();
    let first = page(&f.store, &all, Page::First(2));
    assert_eq!(emails(&first), ["ab@x.io", "bx@x.io"]);
    let cursor = first[1].cursor(SortField::Email);
    let second = page(&f.store, &all, Page::After(cursor.clone(), 2));
    assert_eq!(emails(&second), ["cy@x.io", "d_e@x.io"]);
    let last = page(
        &f.store,
        &all,
        Page::After(second[1].cursor(SortField::Email), 2),
    );
    assert_eq!(emails(&last), ["ea@x.io"]);
    assert_eq!(
        emails(&page(&f.store, &all, Page::Last(2))),
        ["d_e@x.io", "ea@x.io"]
    );
    assert_eq!(
        emails(&page(
            &f.store,
            &all,
            Page::Before(second[0].cursor(SortField::Email), 5)
        )),
        ["ab@x.io", "bx@x.io"]
    );
    assert_eq!(
        emails(&page(&f.store, &all, Page::AtOrAfter(cursor, 2))),
        ["bx@x.io", "cy@x.io"]
    );
    // The other sorts, either way.
    let sorted = |field, descending| UserQuery {
        sort: Sort { field, descending },
        ..UserQuery::default()
    };
    let by_last = page(
        &f.store,
        &sorted(SortField::LastName, false),
        Page::First(2),
    );
    assert_eq!(emails(&by_last), ["ea@x.io", "d_e@x.io"]);
    let next = Page::After(by_last[1].cursor(SortField::LastName), 2);
    assert_eq!(
        emails(&page(&f.store, &sorted(SortField::LastName, false), next)),
        ["bx@x.io", "ab@x.io"]
    );
    let by_first_desc = page(
        &f.store,
        &sorted(SortField::FirstName, true),
        Page::First(3),
    );
    assert_eq!(emails(&by_first_desc), ["ea@x.io", "d_e@x.io", "bx@x.io"]);
    // Created in the same second: the id breaks the tie, in the sort's direction.
    let by_created = page(&f.store, &sorted(SortField::Created, true), Page::First(5));
    assert_eq!(
        emails(&by_created),
        ["ea@x.io", "d_e@x.io", "bx@x.io", "ab@x.io", "cy@x.io"]
    );
    let one = &first[0];
    assert_eq!(
        (
            one.first_name.as_str(),
            one.last_name.as_str(),
            one.tag_count,
            one.last_login
        ),
        ("Bob", "Young", 0, None)
    );
    assert_eq!(page(&f.store, &all, Page::First(5))[2].tag_count, 1);
}

#[rstest]
fn users_are_filtered_by_text_and_tags_and_counted_as_listed(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    five_users(&mut f);
    for (line, expected) in [
        (
            "",
            vec!["ab@x.io", "bx@x.io", "cy@x.io", "d_e@x.io", "ea@x.io"],
        ),
        // A name, in any case; every term must match.
        ("zED", vec!["cy@x.io"]),
        ("x.io ann", vec!["cy@x.io"]),
        // `_` and `%` are letters, not wildcards.
        ("_", vec!["d_e@x.io"]),
        ("%", vec![]),
        ("tag:plan", vec!["bx@x.io", "cy@x.io"]),
        ("tag:plan=pro", vec!["cy@x.io"]),
        ("tag:plan b", vec!["bx@x.io"]),
        ("tag:nope", vec![]),
    ] {
        let query = UserQuery::default().filter(line);
        let listed = f.store.list_users(f.app, &query, &Page::First(10)).unwrap();
        assert_eq!(emails(&listed), expected, "{line:?}");
        let counted = f.store.count_users(f.app, &query).unwrap();
        assert_eq!(counted, expected.len() as u64, "{line:?}");
    }
    let counts = f.store.scope_counts(f.app).unwrap();
    assert_eq!((counts.all, counts.grouped, counts.ungrouped), (5, 0, 5));
    let ungrouped = UserQuery {
        scope: Scope::Ungrouped,
        ..UserQuery::default()
    };
    assert_eq!(f.store.count_users(f.app, &ungrouped).unwrap(), 5);
    let grouped = UserQuery {
        scope: Scope::Grouped,
        ..UserQuery::default()
    };
    assert!(
        f.store
            .list_users(f.app, &grouped, &Page::First(5))
            .unwrap()
            .is_empty()
    );
}

#[rstest]
fn one_user_is_read_whole_with_tags_and_as_a_list_row(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    let cy = f.store.user(ids[0]).unwrap();
    assert_eq!(
        (
            cy.email.as_str(),
            cy.first_name.as_deref(),
            cy.last_name.as_deref()
        ),
        ("cy@x.io", Some("Ann"), Some("Zed"))
    );
    assert_eq!(cy.tags.get("plan").map(String::as_str), Some("pro"));
    assert_eq!((cy.version, cy.last_login, cy.groups.len()), (1, None, 0));
    assert!(cy.created_at > 1_700_000_000 && cy.updated_at == cy.created_at);
    let row = f.store.user_row(ids[0]).unwrap();
    assert_eq!((row.email.as_str(), row.tag_count), ("cy@x.io", 1));
    let tags = f.store.tags_of(&ids[..3]).unwrap();
    assert_eq!(tags.len(), 2, "{tags:?}");
    assert_eq!(tags[&ids[2]]["plan"], "free");
}

fn verified(store: &Store) -> (u64, Option<(i64, String)>) {
    let report = store.verify_audit().unwrap();
    (report.entries, report.broken)
}

#[rstest]
fn an_edit_is_saved_with_its_audit_entries_and_one_based_on_an_old_version_is_refused(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    let opened = f.store.user(ids[0]).unwrap();
    let edit = UserDraft {
        email: "Cyan@x.io".into(),
        password: Some("a brand new password".into()),
        first_name: "Ann".into(),
        last_name: "".into(),
        tags: vec![("plan".into(), "max".into())],
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    let hash = xusers::auth::PasswordHash::new(edit.password.as_ref().unwrap());
    let saved = f
        .store
        .update_user(f.app, ids[0], &edit, Some(&hash), Some(opened.version));
    assert!(saved.is_ok(), "{saved:?}");
    let now = f.store.user(ids[0]).unwrap();
    assert_eq!(
        (now.email.as_str(), now.last_name.as_deref(), now.version),
        ("Cyan@x.io", None, opened.version + 1)
    );
    assert_eq!(now.tags.get("plan").map(String::as_str), Some("max"));
    assert_eq!(f.store.find_user(f.app, "cyan@X.io").ok(), Some(ids[0]));
    // Listed and found under the new email.
    let found = f
        .store
        .list_users(f.app, &UserQuery::default().filter("cyan"), &Page::First(5));
    assert_eq!(emails(&found.unwrap()), ["Cyan@x.io"]);
    // Someone else saved meanwhile: the edit begun before is refused, nothing changes.
    let stale = f
        .store
        .update_user(f.app, ids[0], &edit, None, Some(opened.version))
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict), "{stale:?}");
    assert_eq!(
        stale.to_string(),
        "the user was changed by someone else since it was opened"
    );
    assert_eq!(f.store.user(ids[0]).unwrap(), now);
    // Another user's email is refused, naming the field.
    let taken = UserDraft {
        email: "AB@x.io".into(),
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    let refused = f
        .store
        .update_user(f.app, ids[0], &taken, None, None)
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "email: already used by another user of this application"
    );
    let (entries, broken) = verified(&f.store);
    assert_eq!(
        (entries, broken),
        (7, None),
        "5 creations, an update, a password"
    );
}

#[rstest]
fn deleted_users_are_gone_with_their_tags_counted_out_and_audited_in_one_batch(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    f.store.delete_user(ids[0]).unwrap();
    let gone = f.store.user(ids[0]).unwrap_err();
    assert!(matches!(gone, StoreError::UserGone(_)), "{gone:?}");
    assert_eq!(user_count(&f.store), 4);
    // Several at once: all or none.
    let missing = f.store.delete_users(&[ids[1], ids[0]]).unwrap_err();
    assert!(matches!(missing, StoreError::UserGone(_)), "{missing:?}");
    assert_eq!(user_count(&f.store), 4, "nothing was deleted");
    f.store.delete_users(&[ids[1], ids[2]]).unwrap();
    let left = f
        .store
        .list_users(f.app, &UserQuery::default(), &Page::First(9))
        .unwrap();
    assert_eq!(emails(&left), ["d_e@x.io", "ea@x.io"]);
    assert_eq!(
        f.store
            .count_users(f.app, &UserQuery::default().filter("tag:plan"))
            .unwrap(),
        0
    );
    assert_eq!(f.store.tags_of(&ids).unwrap().len(), 0);
    // 5 creations, one deletion, then two in a batch with its summary.
    assert_eq!(verified(&f.store), (9, None));
}

#[rstest]
fn a_login_issues_a_token_that_authenticates_until_its_sessions_are_ended(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    let wrong = f.store.login(f.app, "ab@x.io", "not the password");
    assert!(
        matches!(wrong, Err(StoreError::InvalidCredentials)),
        "{wrong:?}"
    );
    let nobody = f.store.login(f.app, "nobody@x.io", common::PASSWORD);
    assert!(
        matches!(nobody, Err(StoreError::InvalidCredentials)),
        "{nobody:?}"
    );
    let bob = f.store.login(f.app, "AB@x.io", common::PASSWORD).unwrap();
    let ann = f.store.login(f.app, "cy@x.io", common::PASSWORD).unwrap();
    assert_ne!(bob, ann);
    assert_eq!(f.store.authenticate(f.app, &bob).ok(), Some(ids[1]));
    assert_eq!(f.store.authenticate(f.app, &ann).ok(), Some(ids[0]));
    assert!(f.store.user(ids[1]).unwrap().last_login.is_some());
    let forged = f.store.authenticate(f.app, &bob.replace(&bob[..1], "x"));
    assert!(
        matches!(forged, Err(StoreError::InvalidToken)),
        "{forged:?}"
    );
    // One user's sessions end; the others' go on.
    assert_eq!(f.store.invalidate_user_tokens(ids[1]).unwrap(), 1);
    assert!(matches!(
        f.store.authenticate(f.app, &bob),
        Err(StoreError::InvalidToken)
    ));
    assert_eq!(f.store.authenticate(f.app, &ann).ok(), Some(ids[0]));
    assert_eq!(f.store.invalidate_user_tokens(ids[1]).unwrap(), 0);
    // Every token of the application is void; a new login works again.
    let bob = f.store.login(f.app, "ab@x.io", common::PASSWORD).unwrap();
    assert_eq!(f.store.invalidate_all_tokens(f.app).unwrap(), 5);
    for token in [&bob, &ann] {
        let void = f.store.authenticate(f.app, token);
        assert!(matches!(void, Err(StoreError::InvalidToken)), "{void:?}");
    }
    let again = f.store.login(f.app, "ab@x.io", common::PASSWORD).unwrap();
    assert_eq!(f.store.authenticate(f.app, &again).ok(), Some(ids[1]));
    // 5 creations, two invalidations of one user, one of everyone.
    assert_eq!(verified(&f.store), (8, None));
}

#[rstest]
fn too_many_failed_logins_lock_the_email_out_once_audited(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    for _ in 0..LoginPolicy::default().max_failures {
        let wrong = f.store.login(f.app, "ab@x.io", "not the password");
        assert!(
            matches!(wrong, Err(StoreError::InvalidCredentials)),
            "{wrong:?}"
        );
    }
    let locked = f.store.login(f.app, "AB@x.io", common::PASSWORD);
    assert!(
        matches!(locked, Err(StoreError::InvalidCredentials)),
        "{locked:?}"
    );
    // Another email is not locked.
    assert!(f.store.login(f.app, "cy@x.io", common::PASSWORD).is_ok());
    assert!(f.store.user(ids[1]).unwrap().last_login.is_none());
    assert_eq!(verified(&f.store), (6, None), "5 creations and one lockout");
}

#[rstest]
fn groups_form_a_tree_whose_member_counts_the_database_keeps(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    common::group_tree(&mut f.store, f.app);
    let twice = f.store.create_group(f.app, " Acme ", None).unwrap_err();
    assert_eq!(
        twice.to_string(),
        "group name: a group named 'Acme' already exists"
    );
    let orphan = f
        .store
        .create_group(f.app, "Lost", Some("Nope"))
        .unwrap_err();
    assert_eq!(orphan.to_string(), "no such group: Nope");
    let names: Vec<String> = (f.store.groups(f.app).unwrap().into_iter())
        .map(|g| g.name)
        .collect();
    assert_eq!(names, ["Acme", "Sales", "EMEA", "Support"]);
    let [acme, sales, emea] =
        ["Acme", "Sales", "EMEA"].map(|g| f.store.group_named(f.app, g).unwrap());
    let added = f
        .store
        .add_members(f.app, sales, &[ids[0], ids[1]])
        .unwrap();
    assert_eq!((added.group.as_str(), added.added.len()), ("Sales", 2));
    let again = f
        .store
        .add_members(f.app, sales, &[ids[1], ids[2]])
        .unwrap();
    assert_eq!((again.added, again.already), (vec![ids[2]], vec![ids[1]]));
    f.store.add_members(f.app, emea, &[ids[0]]).unwrap();
    // (group, depth, direct members, members with subgroups)
    let members = |store: &Store| -> Vec<(String, usize, u64, u64)> {
        (store.group_summaries(f.app).unwrap().into_iter())
            .map(|g| (g.group.name, g.depth, g.members, g.with_subgroups))
            .collect()
    };
    let expected = |sales: u64, tree: u64| {
        vec![
            ("Acme".to_string(), 0, 0, tree),
            ("Sales".to_string(), 1, sales, tree),
            ("EMEA".to_string(), 2, 1, 1),
            ("Support".to_string(), 0, 0, 0),
        ]
    };
    assert_eq!(members(&f.store), expected(3, 3));
    let counts = f.store.scope_counts(f.app).unwrap();
    assert_eq!((counts.grouped, counts.ungrouped), (3, 2));
    let scoped = |scope| UserQuery {
        scope,
        ..UserQuery::default()
    };
    let listed = |store: &Store, q: &UserQuery| {
        let rows = store.list_users(f.app, q, &Page::First(9)).unwrap();
        (
            emails(&rows).join(" "),
            store.count_users(f.app, q).unwrap(),
        )
    };
    assert_eq!(
        listed(&f.store, &scoped(Scope::Group(sales))),
        ("ab@x.io bx@x.io cy@x.io".to_string(), 3)
    );
    assert_eq!(
        listed(&f.store, &scoped(Scope::Group(acme))),
        (String::new(), 0)
    );
    assert_eq!(
        listed(&f.store, &scoped(Scope::GroupTree(acme)).filter("zed")),
        ("cy@x.io".to_string(), 1)
    );
    assert_eq!(
        listed(&f.store, &scoped(Scope::GroupTree(acme))),
        ("ab@x.io bx@x.io cy@x.io".to_string(), 3)
    );
    let cy = f.store.user(ids[0]).unwrap();
    assert_eq!(
        (cy.groups, cy.version),
        (vec!["EMEA".into(), "Sales".into()], 3)
    );
    assert_eq!(f.store.user_row(ids[0]).unwrap().groups, ["EMEA", "Sales"]);
    // Removing a member, and one no longer in the group: still in the tree through
    // EMEA.
    f.store.remove_member(f.app, sales, ids[0]).unwrap();
    let gone = f.store.remove_member(f.app, sales, ids[0]).unwrap_err();
    assert!(matches!(gone, StoreError::NotMember(_)), "{gone:?}");
    assert_eq!(members(&f.store), expected(2, 3));
    // A deleted member leaves the counts too.
    f.store.delete_user(ids[1]).unwrap();
    assert_eq!(members(&f.store), expected(1, 2));
    assert_eq!(f.store.scope_counts(f.app).unwrap().grouped, 2);
    assert!(f.store.group_exists(f.app, sales).unwrap());
    // One edit joins Sales and EMEA at once, the next leaves both: the tree counts
    // the user once, then not at all.
    let edit = |groups: &[&str]| {
        UserDraft {
            email: "ea@x.io".into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        }
        .validate_changes()
        .unwrap()
    };
    f.store
        .update_user(f.app, ids[4], &edit(&["Sales", "EMEA"]), None, None)
        .unwrap();
    assert_eq!(members(&f.store)[0], ("Acme".to_string(), 0, 0, 3));
    assert_eq!(members(&f.store)[2], ("EMEA".to_string(), 2, 2, 2));
    f.store
        .update_user(f.app, ids[4], &edit(&[]), None, None)
        .unwrap();
    assert_eq!(members(&f.store), expected(1, 2));
    let tree = UserQuery {
        scope: Scope::GroupTree(sales),
        ..UserQuery::default()
    };
    assert_eq!(f.store.count_users(f.app, &tree).unwrap(), 2);
    // 5 users, 4 groups, 2 joined with a summary, 1 joined twice, a removal, a
    // deletion, two edits.
    assert_eq!(verified(&f.store), (18, None));
}

#[rstest]
fn groups_are_renamed_moved_and_deleted_with_their_counts_kept_and_cycles_refused(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    common::group_tree(&mut f.store, f.app);
    let [sales, emea, support] =
        ["Sales", "EMEA", "Support"].map(|g| f.store.group_named(f.app, g).unwrap());
    f.store.add_members(f.app, emea, &[ids[0], ids[1]]).unwrap();
    f.store.add_members(f.app, sales, &[ids[0]]).unwrap();
    f.store.add_members(f.app, support, &[ids[2]]).unwrap();
    // (group, depth, members with subgroups), in tree order.
    let tree = |store: &Store| -> Vec<(String, usize, u64)> {
        (store.group_summaries(f.app).unwrap().into_iter())
            .map(|g| (g.group.name, g.depth, g.with_subgroups))
            .collect()
    };
    let named = |rows: &[(&str, usize, u64)]| -> Vec<(String, usize, u64)> {
        rows.iter()
            .map(|(n, d, c)| (n.to_string(), *d, *c))
            .collect()
    };
    assert_eq!(
        tree(&f.store),
        named(&[
            ("Acme", 0, 2),
            ("Sales", 1, 2),
            ("EMEA", 2, 2),
            ("Support", 0, 1)
        ])
    );
    let cycle = f
        .store
        .set_group_parent(f.app, "Acme", Some("EMEA"))
        .unwrap_err();
    assert_eq!(
        cycle.to_string(),
        "parent group: 'EMEA' is one of the subgroups of 'Acme': that would make a cycle"
    );
    // EMEA moves under Support: Sales keeps the user it holds itself.
    f.store
        .set_group_parent(f.app, "EMEA", Some("Support"))
        .unwrap();
    assert_eq!(
        tree(&f.store),
        named(&[
            ("Acme", 0, 1),
            ("Sales", 1, 1),
            ("Support", 0, 3),
            ("EMEA", 1, 2)
        ])
    );
    f.store.rename_group(f.app, "Support", "Helpdesk").unwrap();
    let taken = f.store.rename_group(f.app, "Helpdesk", "Acme").unwrap_err();
    assert_eq!(
        taken.to_string(),
        "group name: a group named 'Acme' already exists"
    );
    assert_eq!(f.store.user(ids[2]).unwrap().groups, ["Helpdesk"]);
    // An edit made on a group read before someone else changed it is refused.
    let read = f.store.group_summaries(f.app).unwrap()[2].reference();
    assert_eq!(read.name, "Helpdesk");
    let mut other = f.another();
    other
        .set_group_parent(f.app, "Helpdesk", Some("Acme"))
        .unwrap();
    let stale = f
        .store
        .edit_group(f.app, &read, "Support", None)
        .unwrap_err();
    assert_eq!(
        stale.to_string(),
        "Someone else changed group Helpdesk meanwhile"
    );
    let stale = f.store.delete_group_read(f.app, &read).unwrap_err();
    assert!(matches!(stale, StoreError::GroupChanged(_)), "{stale:?}");
    assert_eq!(
        tree(&f.store),
        named(&[
            ("Acme", 0, 3),
            ("Helpdesk", 1, 3),
            ("EMEA", 2, 2),
            ("Sales", 1, 1)
        ])
    );
    // Deleting Helpdesk lifts EMEA to Acme; its own member leaves the tree.
    f.store.delete_group(f.app, "Helpdesk").unwrap();
    assert_eq!(
        tree(&f.store),
        named(&[("Acme", 0, 2), ("EMEA", 1, 2), ("Sales", 1, 1)])
    );
    assert!(f.store.user(ids[2]).unwrap().groups.is_empty());
    assert!(!f.store.group_exists(f.app, support).unwrap());
    let read = f.store.group_summaries(f.app).unwrap()[1].reference();
    f.store
        .edit_group(f.app, &read, "Europe", Some("Sales"))
        .unwrap();
    assert_eq!(
        tree(&f.store),
        named(&[("Acme", 0, 2), ("Sales", 1, 2), ("Europe", 2, 2)])
    );
    assert_eq!(verified(&f.store).1, None);
}

#[rstest]
fn devices_are_tied_to_groups_and_reached_by_their_members_and_subgroups_members(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    common::group_tree(&mut f.store, f.app);
    let emea = f.store.group_named(f.app, "EMEA").unwrap();
    f.store.add_members(f.app, emea, &[ids[0]]).unwrap();
    f.store
        .create_device(f.app, "door", &["Acme", "Support"])
        .unwrap();
    f.store.create_device(f.app, "printer", &["Sales"]).unwrap();
    let twice = f.store.create_device(f.app, " door ", &[]).unwrap_err();
    assert_eq!(
        twice.to_string(),
        "device name: a device named 'door' already exists"
    );
    let lost = f
        .store
        .create_device(f.app, "fax", &["Sales", "Nope"])
        .unwrap_err();
    assert_eq!(lost.to_string(), "no such group: Nope");
    let devices = |store: &Store| -> Vec<(String, Vec<String>)> {
        (store.devices(f.app).unwrap().into_iter())
            .map(|d| (d.name, d.groups))
            .collect()
    };
    assert_eq!(
        devices(&f.store),
        [
            ("door".into(), vec!["Acme".into(), "Support".into()]),
            ("printer".into(), vec!["Sales".into()])
        ],
        "fax was not added"
    );
    let reached = |store: &Store| -> Vec<(String, String)> {
        (store.user_devices(ids[0]).unwrap().into_iter())
            .map(|d| (d.device, d.via_group))
            .collect()
    };
    assert_eq!(
        reached(&f.store),
        [
            ("door".into(), "Acme".into()),
            ("printer".into(), "Sales".into())
        ]
    );
    assert!(f.store.link_device(f.app, "printer", "EMEA", true).unwrap());
    assert!(!f.store.link_device(f.app, "printer", "EMEA", true).unwrap());
    assert_eq!(reached(&f.store)[1], ("printer".into(), "EMEA".into()));
    assert!(f.store.link_device(f.app, "door", "Acme", false).unwrap());
    assert!(!f.store.link_device(f.app, "door", "Acme", false).unwrap());
    f.store.delete_device(f.app, "printer").unwrap();
    assert!(reached(&f.store).is_empty());
    assert_eq!(devices(&f.store), [("door".into(), vec!["Support".into()])]);
    let gone = f.store.delete_device(f.app, "printer").unwrap_err();
    assert_eq!(gone.to_string(), "no such device: printer");
    // 5 users, 4 groups, a member, 2 devices, a tie, an untie, a deletion.
    assert_eq!(verified(&f.store), (15, None));
}

#[rstest]
fn the_audit_log_is_read_a_page_at_a_time_filtered_and_along_a_users_own_chain(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    f.store
        .set_actor(Actor::named("Dana", Source::Console).unwrap());
    f.store.create_group(f.app, "Finance", None).unwrap();
    f.store.invalidate_user_tokens(ids[1]).unwrap();
    f.store.delete_user(ids[3]).unwrap();
    // 5 creations, a group, an invalidation, a deletion: seq 1 to 8.
    let seqs = |entries: Vec<AuditEntry>| -> Vec<i64> { entries.iter().map(|e| e.seq).collect() };
    let all = AuditQuery::default();
    let page = |q: &AuditQuery, page| seqs(f.store.audit_page(q, page).unwrap());
    assert_eq!(page(&all, AuditPage::Newest(3)), [8, 7, 6]);
    assert_eq!(page(&all, AuditPage::OlderThan(6, 3)), [5, 4, 3]);
    assert_eq!(page(&all, AuditPage::NewerThan(3, 2)), [5, 4]);
    assert_eq!(page(&all, AuditPage::Oldest(2)), [2, 1]);
    let only = |q: AuditQuery| page(&q, AuditPage::Newest(50));
    let text = |t: &str| AuditQuery {
        text: t.into(),
        ..AuditQuery::default()
    };
    assert_eq!(only(text("dana")), [8, 7, 6], "the actor, in any case");
    assert_eq!(only(text("FINANCE")), [6], "a target's label");
    assert_eq!(only(text("user.")), [8, 5, 4, 3, 2, 1], "an op");
    let op = |op: &str| AuditQuery {
        op: Some(op.into()),
        ..AuditQuery::default()
    };
    assert_eq!(
        only(op("user")),
        [8, 5, 4, 3, 2, 1],
        "every op under a prefix"
    );
    assert_eq!(only(op("user.delete")), [8]);
    assert_eq!(
        only(op("use")),
        Vec::<i64>::new(),
        "a prefix is a whole part"
    );
    let actor = AuditQuery {
        actor: Some("Dana".into()),
        ..AuditQuery::default()
    };
    assert_eq!(only(actor), [8, 7, 6]);
    let user = |email: &str| AuditQuery {
        user: Some(email.into()),
        ..AuditQuery::default()
    };
    assert_eq!(only(user("AB@x.io")), [7, 2], "the user who has it now");
    assert_eq!(
        only(user("D_E@X.IO")),
        [8, 4],
        "a deleted user, by the label"
    );
    let newest = f.store.audit_entry(8).unwrap().unwrap();
    assert_eq!(
        (
            newest.op.as_str(),
            newest.actor.as_str(),
            newest.source.as_str()
        ),
        ("user.delete", "Dana", "console")
    );
    assert_eq!(newest.target.label, "d_e@x.io");
    assert!(f.store.audit_entry(9).unwrap().is_none());
    let window = AuditQuery {
        since_ms: Some(f.store.audit_entry(3).unwrap().unwrap().time_ms),
        until_ms: Some(newest.time_ms),
        ..AuditQuery::default()
    };
    let mut walked = Vec::new();
    f.store
        .audit_for_each(&window, |e| -> Result<(), StoreError> {
            walked.push(e.seq);
            Ok(())
        })
        .unwrap();
    // Entries written within the same millisecond as entry 3 are in the window too.
    let since = window.since_ms.unwrap();
    let within: Vec<i64> = (f.store.audit_page(&all, AuditPage::Oldest(50)).unwrap())
        .iter()
        .rev()
        .filter(|e| e.time_ms >= since)
        .map(|e| e.seq)
        .collect();
    assert_eq!(walked, within);
    assert!(walked.ends_with(&[3, 4, 5, 6, 7, 8]), "{walked:?}");
    assert_eq!(seqs(f.store.user_history(ids[1], 10).unwrap()), [7, 2]);
    assert_eq!(seqs(f.store.user_history(ids[1], 1).unwrap()), [7]);
}

/// Each group's kept count of members including its subgroups beside the one a
/// filtered count walks afresh ("@" is in every email), by name.
fn subtree_counts(store: &Store, app: xusers::store::AppId) -> Vec<(String, u64, u64)> {
    (store.group_summaries(app).unwrap().into_iter())
        .map(|g| {
            let walked = UserQuery {
                scope: Scope::GroupTree(g.group.id),
                ..UserQuery::default()
            }
            .filter("@");
            let counted = store.count_users(app, &walked).unwrap();
            (g.group.name, g.with_subgroups, counted)
        })
        .collect()
}

/// Random trees, memberships and moves, each change checked at once: a seeded walk
/// (the same on both backends) of users joining, leaving, being edited and deleted,
/// and groups being created, moved (mostly under another group) and deleted.
#[rstest]
fn members_with_subgroups_stay_kept_through_random_changes(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    for seed in 0..6 {
        let Some(mut f) = fresh(backend) else {
            return;
        };
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut users: Vec<UserId> = Vec::new();
        for i in 0..6 {
            let parent = (i > 0 && rng.u8(0..5) > 0).then(|| format!("G{}", rng.usize(0..i)));
            f.store
                .create_group(f.app, &format!("G{i}"), parent.as_deref())
                .unwrap();
        }
        for step in 0..40 {
            let groups: Vec<(i64, String)> = (f.store.groups(f.app).unwrap().into_iter())
                .map(|g| (g.id, g.name))
                .collect();
            let pick = |rng: &mut fastrand::Rng| groups[rng.usize(0..groups.len())].clone();
            let some = |rng: &mut fastrand::Rng| -> Vec<String> {
                (0..rng.usize(0..4)).map(|_| pick(rng).1).collect()
            };
            let kind = match (users.is_empty(), groups.len() < 2) {
                (true, _) => 0,
                (false, true) => rng.choice([0, 1, 2, 5]).unwrap(),
                (false, false) => rng.u8(0..8),
            };
            let user = users.get(rng.usize(0..users.len().max(1))).copied();
            let what = match kind {
                0 => {
                    let mut groups = some(&mut rng);
                    groups.sort();
                    groups.dedup();
                    let draft = UserDraft {
                        groups,
                        ..common::draft(&format!("u{step}@x.io"))
                    };
                    users.push(common::add(&mut f.store, f.app, draft));
                    "a user added"
                }
                1 => {
                    let id = user.unwrap();
                    let mut groups = some(&mut rng);
                    groups.sort();
                    groups.dedup();
                    let email = f.store.user(id).unwrap().email;
                    let edit = UserDraft {
                        email,
                        groups,
                        ..Default::default()
                    };
                    let edit = edit.validate_changes().unwrap();
                    f.store.update_user(f.app, id, &edit, None, None).unwrap();
                    "a user's groups set"
                }
                2 => {
                    let id = user.unwrap();
                    f.store.delete_user(id).unwrap();
                    users.retain(|u| *u != id);
                    "a user deleted"
                }
                3 => {
                    let (group, _) = pick(&mut rng);
                    let some: Vec<UserId> = users.iter().copied().filter(|_| rng.bool()).collect();
                    f.store.add_members(f.app, group, &some).unwrap();
                    "members added"
                }
                4 => {
                    let (group, _) = pick(&mut rng);
                    let _ = f.store.remove_member(f.app, group, user.unwrap());
                    "a member removed"
                }
                5 => {
                    let parent = rng.bool().then(|| pick(&mut rng).1);
                    f.store
                        .create_group(f.app, &format!("N{step}"), parent.as_deref())
                        .unwrap();
                    "a group created"
                }
                6 => {
                    let (_, name) = pick(&mut rng);
                    let parent = (rng.u8(0..5) > 0).then(|| pick(&mut rng).1);
                    // A cycle is refused: the counts must hold either way.
                    let _ = f.store.set_group_parent(f.app, &name, parent.as_deref());
                    "a group moved"
                }
                _ => {
                    let (_, name) = pick(&mut rng);
                    f.store.delete_group(f.app, &name).unwrap();
                    "a group deleted"
                }
            };
            for (group, kept, counted) in subtree_counts(&f.store, f.app) {
                assert_eq!(
                    kept, counted,
                    "{group} after {what} (seed {seed}, step {step})"
                );
            }
        }
        assert_eq!(verified(&f.store).1, None);
    }
}

#[rstest]
fn pruning_removes_the_older_entries_records_itself_and_the_rest_still_verifies(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    five_users(&mut f);
    std::thread::sleep(std::time::Duration::from_millis(5));
    f.store.create_group(f.app, "Later", None).unwrap();
    let later = f
        .store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap();
    let report = f.store.prune_audit(later[0].time_ms).unwrap();
    assert_eq!(
        (report.removed, report.entry, report.first_kept),
        (5, Some(7), 6)
    );
    let left: Vec<(i64, String)> = (f
        .store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(9)))
    .unwrap()
    .into_iter()
    .map(|e| (e.seq, e.op))
    .collect();
    assert_eq!(
        left,
        [(7, "audit.prune".into()), (6, "group.create".into())]
    );
    assert_eq!(verified(&f.store), (2, None));
    // Nothing older is left: nothing changes.
    let again = f.store.prune_audit(later[0].time_ms).unwrap();
    assert_eq!((again.removed, again.entry, again.first_kept), (0, None, 6));
    assert_eq!(verified(&f.store), (2, None));
}

#[rstest]
fn tag_keys_are_counted_as_users_carry_them_and_suggested_but_the_edited_users_own(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    let tagged = |email: &str, tags: &[(&str, &str)]| {
        UserDraft {
            email: email.into(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
        .validate_changes()
        .unwrap()
    };
    let edit = tagged("ab@x.io", &[("plan", "team"), ("floor", "3")]);
    f.store
        .update_user(f.app, ids[1], &edit, None, None)
        .unwrap();
    let usage = |store: &Store, except| {
        let mut usage = store.tag_key_usage(f.app, except).unwrap();
        usage.sort();
        usage
    };
    assert_eq!(
        usage(&f.store, None),
        [("floor".into(), 1), ("plan".into(), 3)]
    );
    // Editing Bob: his own keys count only the others who carry them.
    assert_eq!(usage(&f.store, Some(ids[1])), [("plan".into(), 2)]);
    let keys = |typed: &str| -> Vec<String> {
        (f.store
            .suggest_tag_keys(f.app, None, typed, 5)
            .unwrap()
            .into_iter())
        .map(|s| s.key)
        .collect()
    };
    assert_eq!(keys("fl"), ["floor"]);
    assert_eq!(keys("pn"), ["plan"]);
    // Keys go with the last user who carried them.
    f.store.delete_user(ids[1]).unwrap();
    assert_eq!(usage(&f.store, None), [("plan".into(), 2)]);
    let untagged = tagged("cy@x.io", &[]);
    f.store
        .update_user(f.app, ids[0], &untagged, None, None)
        .unwrap();
    assert_eq!(usage(&f.store, None), [("plan".into(), 1)]);
}

#[rstest]
fn a_store_opened_read_only_reads_everything_and_refuses_every_write(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    let token = f.store.login(f.app, "ab@x.io", common::PASSWORD).unwrap();
    let mut looking = f.read_only();
    assert_eq!(looking.read_only(), Some(xusers::store::ReadOnly::Asked));
    let all = looking.list_users(f.app, &UserQuery::default(), &Page::First(9));
    assert_eq!(all.unwrap().len(), 5);
    assert_eq!(looking.authenticate(f.app, &token).ok(), Some(ids[1]));
    assert_eq!(looking.user(ids[0]).unwrap().email, "cy@x.io");
    assert_eq!(verified(&looking), (5, None));
    let refused = [
        looking
            .create_user(f.app, &new_user("new@x.io", &[]), common::hash())
            .err(),
        looking.delete_user(ids[0]).err(),
        looking.create_group(f.app, "G", None).err(),
        looking.invalidate_all_tokens(f.app).err(),
        looking.login(f.app, "ab@x.io", common::PASSWORD).err(),
    ];
    for refused in refused {
        assert!(matches!(refused, Some(StoreError::ReadOnly)), "{refused:?}");
    }
    assert_eq!(user_count(&f.store), 5);
    assert_eq!(verified(&f.store), (5, None), "nothing was written");
    assert_eq!(f.store.authenticate(f.app, &token).ok(), Some(ids[1]));
}

/// An import row that passed its own rules.
/// The hash import rows give: not the test users' own, so that an updated user gets a
/// new password (their own hash again would change none).
fn imported_hash() -> &'static xusers::auth::PasswordHash {
    static HASH: std::sync::OnceLock<xusers::auth::PasswordHash> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        xusers::auth::PasswordHash::new(&xusers::domain::Password::parse("imported-pass").unwrap())
    })
}

fn row(line: usize, email: &str, groups: &[&str], gives_password: bool) -> ImportUser {
    ImportUser {
        line,
        broken: Vec::new(),
        email: Some(xusers::domain::Email::parse(email).unwrap()),
        profile: xusers::domain::Profile {
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        },
        group_parents: Vec::new(),
        gives_password,
        hash: gives_password.then(|| imported_hash().clone()),
        created: None,
        last_login: None,
    }
}

#[rstest]
fn an_import_writes_all_or_with_partial_the_good_rows_updating_as_asked(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    f.store.create_group(f.app, "Sales", None).unwrap();
    let token = f.store.login(f.app, "ab@x.io", common::PASSWORD).unwrap();
    let rows = || {
        vec![
            row(1, "new@x.io", &["Sales"], true),
            row(2, "AB@x.io", &["Sales"], true),
            row(3, "New@x.io", &[], true),
            row(4, "other@x.io", &["Nope"], true),
            row(5, "nopass@x.io", &[], false),
        ]
        .into_iter()
        .map(Ok::<_, StoreError>)
    };
    let options = |partial| ImportOptions {
        origin: "test rows".into(),
        on_conflict: OnConflict::Update,
        create_groups: false,
        partial,
        dry_run: false,
    };
    let whole = f.store.import_users(f.app, rows(), options(false)).unwrap();
    assert_eq!((whole.created, whole.updated, whole.written), (1, 1, false));
    let failed: Vec<usize> = whole.failed.iter().map(|(line, _)| *line).collect();
    assert_eq!(failed, [3, 4, 5]);
    assert_eq!(user_count(&f.store), 5, "nothing was written");
    assert_eq!(f.store.authenticate(f.app, &token).ok(), Some(ids[1]));
    let partial = f.store.import_users(f.app, rows(), options(true)).unwrap();
    assert_eq!(
        (partial.created, partial.updated, partial.written),
        (1, 1, true)
    );
    assert_eq!(user_count(&f.store), 6);
    assert_eq!(f.store.user(ids[1]).unwrap().groups, ["Sales"]);
    let sessions = f.store.authenticate(f.app, &token);
    assert!(
        matches!(sessions, Err(StoreError::InvalidToken)),
        "a new password ends them"
    );
    let ops: Vec<String> = (f
        .store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(4)))
    .unwrap()
    .into_iter()
    .map(|e| e.op)
    .collect();
    assert_eq!(
        ops,
        ["import", "user.password", "user.update", "user.create"]
    );
    assert_eq!(verified(&f.store).1, None);
}

#[rstest]
fn of_two_administrators_editing_one_user_the_second_to_save_is_told_and_changes_nothing(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    let ids = five_users(&mut f);
    let mut other = f.another();
    let mine = f.store.user(ids[1]).unwrap();
    let theirs = other.user(ids[1]).unwrap();
    let named = |first: &str| {
        UserDraft {
            email: "ab@x.io".into(),
            first_name: first.into(),
            ..Default::default()
        }
        .validate_changes()
        .unwrap()
    };
    other
        .update_user(f.app, ids[1], &named("Robert"), None, Some(theirs.version))
        .unwrap();
    let late = f
        .store
        .update_user(f.app, ids[1], &named("Bobby"), None, Some(mine.version));
    assert!(matches!(late, Err(StoreError::Conflict)), "{late:?}");
    let saved = f.store.user(ids[1]).unwrap();
    assert_eq!(
        (saved.first_name.as_deref(), saved.version),
        (Some("Robert"), mine.version + 1)
    );
    // Read again, the edit goes through.
    f.store
        .update_user(f.app, ids[1], &named("Bobby"), None, Some(saved.version))
        .unwrap();
    assert_eq!(
        other.user(ids[1]).unwrap().first_name.as_deref(),
        Some("Bobby")
    );
}

#[rstest]
fn administrators_writing_at_once_lose_no_change_and_keep_one_audit_chain(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(f) = fresh(backend) else {
        return;
    };
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let mut store = f.another();
            let app = f.app;
            std::thread::spawn(move || {
                for i in 0..8 {
                    let email = format!("w{w}-{i}@x.io");
                    store
                        .create_user(app, &new_user(&email, &[]), common::hash())
                        .unwrap();
                    let id = store.find_user(app, &email).unwrap();
                    store.invalidate_user_tokens(id).unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    assert_eq!(user_count(&f.store), 24);
    assert_eq!(verified(&f.store), (48, None));
}

/// Until PostgreSQL has a method, it says so and changes nothing.
#[test]
fn what_postgresql_cannot_do_yet_it_refuses_plainly() {
    let Some(f) = fresh(Backend::Postgres) else {
        return;
    };
    let refused = f
        .store
        .scope_counts(f.app)
        .and_then(|_| f.store.lookup_plans());
    let refused = refused.unwrap_err();
    assert!(matches!(refused, StoreError::Unusable(_)), "{refused:?}");
    assert_eq!(
        refused.to_string(),
        "lookup_plans is not available on PostgreSQL yet"
    );
    assert!(f.store.path().is_none(), "a PostgreSQL store has no file");
}

/// The entries PostgreSQL writes chain exactly as SQLite's: copied into a SQLite file,
/// they verify there, and a copy with one field changed does not.
#[test]
fn postgresqls_audit_entries_verify_as_sqlites() {
    let Some(database) = common::pg::fresh_database() else {
        return;
    };
    let mut store = Store::open(database.parse::<Location>().unwrap()).unwrap();
    let app = store.existing_application("default").unwrap().id;
    for email in ["ann@x.io", "bob@x.io"] {
        store
            .create_user(app, &new_user(email, &[]), common::hash())
            .unwrap();
    }
    let mut pg = postgres::Client::connect(&database, postgres::NoTls).unwrap();
    let entries = pg
        .query(
            "SELECT seq, time_ms, app, actor, source, op, target_type, target_id,
                    target_label, changes, batch, target_prev, hash FROM audit ORDER BY seq",
            &[],
        )
        .unwrap();
    let ops: Vec<(String, String)> = entries.iter().map(|e| (e.get(5), e.get(8))).collect();
    assert_eq!(
        ops,
        [
            ("user.create".into(), "ann@x.io".into()),
            ("user.create".into(), "bob@x.io".into())
        ]
    );
    let verified = |tamper: bool| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("copy.db");
        drop(Store::open(&path).unwrap());
        let copy = rusqlite::Connection::open(&path).unwrap();
        for e in &entries {
            let label: String = e.get(8);
            let label = match tamper && e.get::<_, i64>(0) == 2 {
                true => "mallory@x.io".to_string(),
                false => label,
            };
            copy.execute(
                "INSERT INTO audit (seq, time_ms, app, actor, source, op, target_type, target_id,
                                    target_label, changes, batch, target_prev, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                rusqlite::params![
                    e.get::<_, i64>(0),
                    e.get::<_, i64>(1),
                    e.get::<_, Option<String>>(2),
                    e.get::<_, String>(3),
                    e.get::<_, String>(4),
                    e.get::<_, String>(5),
                    e.get::<_, String>(6),
                    e.get::<_, Option<i64>>(7),
                    label,
                    e.get::<_, String>(9),
                    e.get::<_, Option<i64>>(10),
                    e.get::<_, Option<i64>>(11),
                    e.get::<_, Vec<u8>>(12),
                ],
            )
            .unwrap();
        }
        let report = Store::open(&path).unwrap().verify_audit().unwrap();
        (report.entries, report.broken.map(|(seq, _)| seq))
    };
    assert_eq!(verified(false), (2, None));
    assert_eq!(verified(true).1, Some(2));
}
