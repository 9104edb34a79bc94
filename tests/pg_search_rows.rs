//! PostgreSQL's `user_search` (pg/schema_v12.sql), the narrow rows a rare short
//! term's page is read from, holds each user's searched and sorted columns as `users`
//! does, and `char_users` (pg/schema_v14.sql) lists each user under each rare
//! character the user's haystack holds, after every kind of write: kept by triggers,
//! and filled by the loads that turn those off (a seed into an empty database, a copy).

mod common;

use common::backend::{Backend, Fresh, fresh};
use xusers::demo::seed_demo;
use xusers::domain::{Email, Password, Profile, UserDraft};
use xusers::store::{
    ImportOptions, ImportUser, Location, MergeOptions, OnConflict, Page, StoreError, UserQuery,
};

fn client(f: &Fresh) -> postgres::Client {
    let Location::Postgres(config) = f.location() else {
        panic!("PostgreSQL's table")
    };
    config.connect(postgres::NoTls).unwrap()
}

/// The rows of `users` missing or different in `user_search`, and those of
/// `user_search` with no such user; then the rows `char_users` lacks or has too many
/// against each user's distinct characters that are not common (counted, as a row
/// twice over is wrong too): none when both mirror `users`.
fn differences(f: &Fresh) -> Vec<String> {
    let columns = "id, app_id, search, email_key, first_key, last_key, created_at, last_login,
                   group_count";
    let listed = "SELECT ch, app_id, email_key, id, count(*) FROM char_users
                  GROUP BY ch, app_id, email_key, id";
    let expected = "SELECT c, app_id, email_key, id, 1::bigint FROM users, LATERAL
                        (SELECT DISTINCT c FROM unnest(string_to_array(search, NULL)) c) d
                    WHERE c NOT IN (SELECT ch FROM common_chars)";
    client(f)
        .query(
            &format!(
                "SELECT 'users ' || x::text FROM (SELECT {columns} FROM users
                     EXCEPT SELECT {columns} FROM user_search) x
                 UNION ALL
                 SELECT 'user_search ' || x::text FROM (SELECT {columns} FROM user_search
                     EXCEPT SELECT {columns} FROM users) x
                 UNION ALL
                 SELECT 'not listed ' || x::text FROM ({expected} EXCEPT {listed}) x
                 UNION ALL
                 SELECT 'listed wrongly ' || x::text FROM ({listed} EXCEPT {expected}) x"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The characters made common.
fn common_chars(f: &Fresh) -> Vec<String> {
    (client(f).query("SELECT ch FROM common_chars ORDER BY ch", &[]))
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn assert_mirrors(f: &Fresh, after: &str) {
    let found = differences(f);
    assert!(found.is_empty(), "after {after}: {found:?}");
}

fn users_named(f: &Fresh, term: &str) -> Vec<String> {
    let query = UserQuery::default().filter(term);
    (f.store.list_users(f.app, &query, &Page::First(1_000)))
        .unwrap()
        .into_iter()
        .map(|r| r.email)
        .collect()
}

#[test]
fn every_write_to_the_users_reaches_their_narrow_rows() {
    let Some(mut f) = fresh(Backend::Postgres) else {
        return;
    };
    // Into an empty database: the seed turns the triggers off and sets indexes aside.
    seed_demo(&mut f.store, f.app, 2_000, 1_800_000_000, |_| {}).unwrap();
    assert_mirrors(&f, "the demo seed");
    // Made common before the first batch was listed: the letters of every domain.
    let common = common_chars(&f);
    for ch in ["@", ".", "e", "o"] {
        assert!(common.contains(&ch.to_string()), "{common:?}");
    }
    assert!(!common.contains(&"q".to_string()), "{common:?}");
    let before = users_named(&f, "q").len();
    assert!(before > 0);

    let quinn = common::add(
        &mut f.store,
        f.app,
        UserDraft {
            first_name: "Zqж".into(),
            groups: vec!["Support".into()],
            ..common::draft("zq@new.io")
        },
    );
    assert_mirrors(&f, "a user added");
    assert!(users_named(&f, "zq").contains(&"zq@new.io".to_string()));
    // A character no one held: its only user, read from its own rows.
    assert_eq!(users_named(&f, "ж"), ["zq@new.io"]);
    // The same email in another application, whose rows are its own.
    let other = f.store.create_application("other", None).unwrap().id;
    let twin = common::add(
        &mut f.store,
        other,
        UserDraft {
            first_name: "Zqж".into(),
            ..common::draft("zq@new.io")
        },
    );
    assert_mirrors(&f, "the same email added in another application");

    let edit = UserDraft {
        email: "renamed@new.io".into(),
        first_name: "Zoe".into(),
        last_name: "Other".into(),
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    f.store
        .update_user(f.app, quinn, &edit, None, None)
        .unwrap();
    assert_mirrors(&f, "an edit (email, names, groups)");
    assert!(users_named(&f, "zq").is_empty());
    assert!(users_named(&f, "ж").is_empty());
    let in_other = |f: &Fresh| -> Vec<String> {
        let query = UserQuery::default().filter("ж");
        (f.store
            .list_users(other, &query, &Page::First(10))
            .unwrap()
            .into_iter())
        .map(|r| r.email)
        .collect()
    };
    assert_eq!(in_other(&f), ["zq@new.io"], "the other application's twin");

    // Only the searched text changes: the sort key folds the accent away.
    let accent = UserDraft {
        email: "renamed@new.io".into(),
        first_name: "Zoé".into(),
        last_name: "Other".into(),
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    f.store
        .update_user(f.app, quinn, &accent, None, None)
        .unwrap();
    assert_mirrors(&f, "an accent added to a name");
    assert!(users_named(&f, "oé").contains(&"renamed@new.io".to_string()));

    f.store
        .login(f.app, "renamed@new.io", common::PASSWORD)
        .unwrap();
    assert_mirrors(&f, "a login");

    let support = (f.store.groups(f.app).unwrap().into_iter())
        .find(|g| g.name == "Support")
        .unwrap();
    let some: Vec<_> = (f
        .store
        .list_users(f.app, &UserQuery::default(), &Page::First(300)))
    .unwrap()
    .into_iter()
    .map(|r| r.id)
    .collect();
    f.store.add_members(f.app, support.id, &some).unwrap();
    assert_mirrors(&f, "members added");
    f.store.remove_member(f.app, support.id, some[0]).unwrap();
    assert_mirrors(&f, "a member removed");
    f.store.delete_group(f.app, "Support").unwrap();
    assert_mirrors(&f, "a group deleted");

    f.store.delete_user(quinn).unwrap();
    f.store.delete_users(&some[..100]).unwrap();
    assert_mirrors(&f, "users deleted");
    assert!(!users_named(&f, "oé").contains(&"renamed@new.io".to_string()));
    assert_eq!(in_other(&f), ["zq@new.io"], "the other application's twin");
    f.store.delete_user(twin).unwrap();
    assert_mirrors(&f, "the twin deleted");
    assert!(in_other(&f).is_empty());
}

#[test]
fn a_copy_and_a_merge_into_postgresql_fill_the_narrow_rows() {
    let Some(mut source) = fresh(Backend::Sqlite) else {
        return;
    };
    seed_demo(&mut source.store, source.app, 1_500, 1_800_000_000, |_| {}).unwrap();
    let Some(mut target) = fresh(Backend::Postgres) else {
        return;
    };
    (source.store.copy_into(&mut target.store, &mut |_| {})).unwrap();
    assert_mirrors(&target, "a copy");
    assert!(common_chars(&target).contains(&"@".to_string()));
    // Analysed by the copy: a rare pair is told from a common one at once (counted in
    // its own index), a rare character is read from its own rows.
    for (term, read, index) in [("hi", 1, "user_search_short"), ("q", 0, "char_users_email")] {
        let query = UserQuery::default().filter(term);
        let plans = (target.store)
            .query_plans(target.app, &query, &Page::First(50))
            .unwrap();
        assert!(plans[read].contains(index), "{term}: {}", plans[read]);
        assert_eq!(
            users_named(&target, term),
            users_named(&source, term),
            "the same users found for {term}"
        );
    }

    // A new user and an edited one, merged into it, arrive through the triggers.
    common::add_email(&mut source.store, source.app, "qq@merged.io");
    let first = &(source
        .store
        .list_users(source.app, &UserQuery::default(), &Page::First(1)))
    .unwrap()[0];
    let edit = UserDraft {
        email: first.email.clone(),
        last_name: "Qqedited".into(),
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    (source
        .store
        .update_user(source.app, first.id, &edit, None, None))
    .unwrap();
    let options = MergeOptions {
        origin: "the test's SQLite file".into(),
        on_conflict: OnConflict::Update,
    };
    (source
        .store
        .merge_into(&mut target.store, &options, &mut |_| {}))
    .unwrap();
    assert_mirrors(&target, "a merge");
    let mut found = users_named(&target, "qq");
    found.sort();
    let mut expected = [first.email.clone(), "qq@merged.io".into()];
    expected.sort();
    assert_eq!(found, expected);
}

/// An import into a new database writes user after user through the triggers: the
/// characters most of its users hold are made common as the users come
/// (store/postgres/user_after_user.rs), and only the others stay listed.
#[test]
fn an_import_into_a_new_database_lists_only_its_rare_characters() {
    let Some(mut f) = fresh(Backend::Postgres) else {
        return;
    };
    let hash = xusers::auth::PasswordHash::new(&Password::parse("imported-pass").unwrap());
    let rows = (0..2_000).map(|i: usize| {
        Ok::<_, StoreError>(ImportUser {
            line: i + 1,
            broken: Vec::new(),
            email: Some(Email::parse(&format!("user{i:04}@x.io")).unwrap()),
            profile: Profile {
                // One in twenty: a twentieth of the users hold `q`.
                first_name: i.is_multiple_of(20).then(|| "Quinn".to_string()),
                ..Default::default()
            },
            group_parents: Vec::new(),
            gives_password: true,
            hash: Some(hash.clone()),
            created: None,
            last_login: None,
        })
    });
    let options = ImportOptions {
        origin: "test rows".into(),
        on_conflict: OnConflict::Fail,
        create_groups: false,
        partial: false,
        dry_run: false,
    };
    f.store.import_users(f.app, rows, options).unwrap();
    assert_mirrors(&f, "an import");
    let common = common_chars(&f);
    for ch in ["u", "s", "@", "0"] {
        assert!(common.contains(&ch.to_string()), "{common:?}");
    }
    assert!(!common.contains(&"q".to_string()), "{common:?}");
    let quinns = users_named(&f, "q");
    let expected: Vec<String> = (0..2_000)
        .step_by(20)
        .map(|i| format!("user{i:04}@x.io"))
        .collect();
    assert_eq!(quinns, expected);
    // Users listed before the common set grew (the first of the import) lose and
    // change their rows as any other.
    let first = |f: &Fresh, email: &str| {
        let query = UserQuery::default().filter(email);
        f.store.list_users(f.app, &query, &Page::First(1)).unwrap()[0].id
    };
    let quinn = first(&f, "user0000@x.io");
    f.store.delete_user(quinn).unwrap();
    let edit = UserDraft {
        email: "user0020@x.io".into(),
        first_name: "Vera".into(),
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    let vera = first(&f, "user0020@x.io");
    f.store.update_user(f.app, vera, &edit, None, None).unwrap();
    assert_mirrors(&f, "early users deleted and edited");
    assert_eq!(users_named(&f, "q"), expected[2..]);
    assert_eq!(users_named(&f, "v"), ["user0020@x.io"]);
}

/// In a database of another encoding than UTF-8 (`SQL_ASCII`, what `initdb` makes
/// with the C locale unless told otherwise) PostgreSQL splits text into bytes, and
/// `char_users` would list the bytes of `é`, not `é`: there a one-character term is
/// found by its text, as any other.
#[test]
fn in_a_sql_ascii_database_a_character_is_found_by_its_text() {
    let Some(cluster) = common::pg::cluster() else {
        return;
    };
    let mut admin = cluster.connect("postgres").unwrap();
    admin
        .batch_execute(
            "CREATE DATABASE ascii_chars ENCODING SQL_ASCII LC_COLLATE 'C' LC_CTYPE 'C'
             TEMPLATE template0",
        )
        .unwrap();
    let location: Location = cluster.connection_string("ascii_chars").parse().unwrap();
    let mut store = xusers::store::Store::open(location).unwrap();
    let app = store.application("default").unwrap().id;
    for (email, first_name) in [("zoe@x.io", "Zoé"), ("bob@x.io", "Bob"), ("ana@y.io", "")] {
        let draft = UserDraft {
            first_name: first_name.into(),
            ..common::draft(email)
        };
        common::add(&mut store, app, draft);
    }
    let query = UserQuery::default().filter("é");
    let found: Vec<String> = (store.list_users(app, &query, &Page::First(10)).unwrap())
        .into_iter()
        .map(|r| r.email)
        .collect();
    assert_eq!(found, ["zoe@x.io"]);
    let [list, _] = store.query_plans(app, &query, &Page::First(10)).unwrap();
    assert!(!list.contains("char_users"), "{list}");
}
