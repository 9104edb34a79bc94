//! The store's behaviour, the same on both backends: each test runs once on SQLite
//! and once on PostgreSQL (tests/common/backend.rs). Issue 19 moves the store's
//! tests here as PostgreSQL learns each method.

mod common;

use common::backend::{Backend, fresh};
use rstest::rstest;
use xusers::domain::UserDraft;
use xusers::store::{LoginPolicy, StoreError};

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

/// Until PostgreSQL has a method, it says so and changes nothing.
#[test]
fn what_postgresql_cannot_do_yet_it_refuses_plainly() {
    let Some(mut f) = fresh(Backend::Postgres) else {
        return;
    };
    let user = UserDraft {
        email: "ann@x.io".into(),
        password: Some(common::PASSWORD.into()),
        ..Default::default()
    }
    .validate_new()
    .unwrap();
    let refused = f
        .store
        .create_user(f.app, &user, common::hash())
        .unwrap_err();
    assert!(matches!(refused, StoreError::Unusable(_)), "{refused:?}");
    assert_eq!(
        refused.to_string(),
        "create_user is not available on PostgreSQL yet"
    );
    assert!(f.store.path().is_none(), "a PostgreSQL store has no file");
}
