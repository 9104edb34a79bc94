//! The store's behaviour, the same on both backends: each test runs once on SQLite
//! and once on PostgreSQL (tests/common/backend.rs). Issue 19 moves the store's
//! tests here as PostgreSQL learns each method.

mod common;

use common::backend::{Backend, fresh};
use rstest::rstest;
use xusers::domain::{NewUser, UserDraft};
use xusers::store::{Location, LoginPolicy, Store, StoreError};

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

/// Until PostgreSQL has a method, it says so and changes nothing.
#[test]
fn what_postgresql_cannot_do_yet_it_refuses_plainly() {
    let Some(mut f) = fresh(Backend::Postgres) else {
        return;
    };
    let refused = f.store.delete_users(&[]).unwrap_err();
    assert!(matches!(refused, StoreError::Unusable(_)), "{refused:?}");
    assert_eq!(
        refused.to_string(),
        "delete_users is not available on PostgreSQL yet"
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
