mod common;

use common::*;
use xusers::auth::PasswordHash;
use xusers::domain::{Password, UserDraft};
use xusers::store::StoreError;

#[test]
fn token_lifecycle_invalidate_one() {
    let (_dir, mut store, app) = temp_store();
    let ann = add_email(&mut store, app, "ann@acme.io");
    let bob = add_email(&mut store, app, "bob@acme.io");
    let t_ann = store.login(app, "ANN@acme.io", PASSWORD).unwrap();
    let t_bob = store.login(app, "bob@acme.io", PASSWORD).unwrap();
    assert_eq!(store.authenticate(app, &t_ann).unwrap(), ann);
    assert_eq!(store.authenticate(app, &t_bob).unwrap(), bob);
    assert!(store.user(ann).unwrap().last_login.is_some());

    let before = store.user(ann).unwrap();
    assert_eq!(store.invalidate_user_tokens(ann).unwrap(), 1);
    assert!(matches!(
        store.authenticate(app, &t_ann),
        Err(StoreError::InvalidToken)
    ));
    assert_eq!(
        store.authenticate(app, &t_bob).unwrap(),
        bob,
        "others keep theirs"
    );
    assert_eq!(
        store.user(ann).unwrap(),
        before,
        "nothing else about the user changes"
    );

    // Logging in again at once (same second, same millisecond) works.
    let again = store.login(app, "ann@acme.io", PASSWORD).unwrap();
    assert_eq!(store.authenticate(app, &again).unwrap(), ann);
}

#[test]
fn login_right_after_invalidation_in_the_same_instant_works() {
    let (_dir, mut store, app) = temp_store();
    let id = add_email(&mut store, app, "fast@acme.io");
    for _ in 0..3 {
        let old = store.login(app, "fast@acme.io", PASSWORD).unwrap();
        store.invalidate_user_tokens(id).unwrap();
        let new = store.login(app, "fast@acme.io", PASSWORD).unwrap();
        assert!(store.authenticate(app, &old).is_err());
        assert_eq!(store.authenticate(app, &new).unwrap(), id);
    }
}

#[test]
fn invalidate_all_ends_every_session_of_the_application_only() {
    let (_dir, mut store, app) = temp_store();
    let other = store.application("other").unwrap().id;
    add_email(&mut store, app, "a@acme.io");
    add_email(&mut store, app, "b@acme.io");
    add_email(&mut store, other, "a@acme.io");
    let ta = store.login(app, "a@acme.io", PASSWORD).unwrap();
    let tb = store.login(app, "b@acme.io", PASSWORD).unwrap();
    let t_other = store.login(other, "a@acme.io", PASSWORD).unwrap();
    assert_eq!(
        store.invalidate_all_tokens(app).unwrap(),
        2,
        "users of the app"
    );
    assert!(store.authenticate(app, &ta).is_err());
    assert!(store.authenticate(app, &tb).is_err());
    assert!(store.authenticate(other, &t_other).is_ok());
    // A token is only valid in its own application.
    assert!(store.authenticate(app, &t_other).is_err());
    let fresh = store.login(app, "b@acme.io", PASSWORD).unwrap();
    assert!(store.authenticate(app, &fresh).is_ok());
}

/// Invalidating all is one write to the application's stamp, whatever the number of
/// tokens: the token rows stay (void), and a token issued right after the stamp works
/// (the stamp is the application's token counter, not a time, so no clock is involved).
#[test]
fn invalidate_all_voids_what_was_issued_before_and_nothing_after() {
    let (dir, mut store, app) = temp_store();
    let ann = add_email(&mut store, app, "ann@acme.io");
    let bob = add_email(&mut store, app, "bob@acme.io");
    let conn = rusqlite::Connection::open(dir.path().join("test.db")).unwrap();
    let rows = || -> i64 {
        conn.query_row("SELECT count(*) FROM tokens", [], |r| r.get(0))
            .unwrap()
    };
    for _ in 0..3 {
        let old_ann = store.login(app, "ann@acme.io", PASSWORD).unwrap();
        let old_bob = store.login(app, "bob@acme.io", PASSWORD).unwrap();
        let before = rows();
        store.invalidate_all_tokens(app).unwrap();
        assert_eq!(rows(), before, "no token row is touched");
        let new_ann = store.login(app, "ann@acme.io", PASSWORD).unwrap();
        assert!(store.authenticate(app, &old_ann).is_err(), "issued before");
        assert!(store.authenticate(app, &old_bob).is_err(), "issued before");
        assert_eq!(
            store.authenticate(app, &new_ann).unwrap(),
            ann,
            "issued after"
        );
    }
    let fresh_bob = store.login(app, "bob@acme.io", PASSWORD).unwrap();
    assert_eq!(store.authenticate(app, &fresh_bob).unwrap(), bob);
    // A login clears its user's void tokens: each user keeps one live token here.
    store.login(app, "ann@acme.io", PASSWORD).unwrap();
    store.invalidate_all_tokens(app).unwrap();
    store.login(app, "ann@acme.io", PASSWORD).unwrap();
    store.login(app, "bob@acme.io", PASSWORD).unwrap();
    assert_eq!(rows(), 2, "the void tokens went at the next login");
}

#[test]
fn failures_read_the_same_whether_or_not_the_email_exists() {
    let (_dir, mut store, app) = temp_store();
    add_email(&mut store, app, "ann@acme.io");
    let wrong = store
        .login(app, "ann@acme.io", "wrong password")
        .unwrap_err();
    let unknown = store.login(app, "nobody@acme.io", PASSWORD).unwrap_err();
    assert_eq!(wrong.to_string(), "invalid email or password");
    assert_eq!(unknown.to_string(), wrong.to_string());
    assert!(store.authenticate(app, "not-a-token").is_err());
}

#[test]
fn changing_the_password_ends_sessions_and_only_then() {
    let (_dir, mut store, app) = temp_store();
    let id = add_email(&mut store, app, "pw@acme.io");
    let token = store.login(app, "pw@acme.io", PASSWORD).unwrap();
    let v = store.user(id).unwrap().version;
    let keep = UserDraft {
        email: "pw@acme.io".into(),
        first_name: "Pat".into(),
        ..Default::default()
    };
    store
        .update_user(app, id, &keep.validate_changes().unwrap(), None, Some(v))
        .unwrap();
    assert!(
        store.authenticate(app, &token).is_ok(),
        "edit without password change"
    );

    let new_pw = "brand new password";
    let change = UserDraft {
        password: Some(new_pw.into()),
        ..keep
    }
    .validate_changes()
    .unwrap();
    let hash = PasswordHash::new(&Password::parse(new_pw).unwrap());
    store
        .update_user(app, id, &change, Some(&hash), None)
        .unwrap();
    assert!(store.authenticate(app, &token).is_err());
    assert!(store.login(app, "pw@acme.io", PASSWORD).is_err());
    let t = store.login(app, "pw@acme.io", new_pw).unwrap();
    assert_eq!(store.authenticate(app, &t).unwrap(), id);
}

#[test]
fn the_database_file_holds_no_password_or_token_text() {
    let (dir, mut store, app) = temp_store();
    let secrets = ["Correct-Horse-Battery-1", "pässwörd-ümlaut-2"];
    for (i, pw) in secrets.iter().enumerate() {
        let user = UserDraft {
            password: Some((*pw).into()),
            ..draft(&format!("u{i}@acme.io"))
        }
        .validate_new()
        .unwrap();
        let hash = PasswordHash::new(&user.password);
        store.create_user(app, &user, &hash).unwrap();
    }
    let token = store.login(app, "u0@acme.io", secrets[0]).unwrap();
    drop(store); // checkpoints the WAL into the main file
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(haystack.contains("u0@acme.io"), "the file was read");
    assert!(haystack.contains("$argon2id$"), "hashes are stored");
    for needle in [secrets[0], secrets[1], token.as_str()] {
        assert!(
            !haystack.contains(needle),
            "found {needle:?} in the database files"
        );
    }
}

#[test]
fn too_many_failures_lock_an_email_out_for_a_while() {
    use xusers::store::LoginPolicy;
    let (dir, mut store, app) = temp_store();
    store
        .set_login_policy(
            app,
            LoginPolicy {
                max_failures: 3,
                window_secs: 900,
            },
        )
        .unwrap();
    add_email(&mut store, app, "ann@acme.io");
    add_email(&mut store, app, "bob@acme.io");
    for _ in 0..3 {
        assert!(store.login(app, "ann@acme.io", "wrong password").is_err());
    }
    let locked = store.login(app, "ANN@acme.io", PASSWORD).unwrap_err();
    assert_eq!(
        locked.to_string(),
        "invalid email or password",
        "the same generic error"
    );
    assert!(
        store.login(app, "bob@acme.io", PASSWORD).is_ok(),
        "others are not locked"
    );
    // Unknown emails count too, and read the same.
    for _ in 0..3 {
        store.login(app, "ghost@acme.io", PASSWORD).unwrap_err();
    }
    // Once the failures are older than the window, the right password works again
    // and clears them.
    rusqlite::Connection::open(dir.path().join("test.db"))
        .unwrap()
        .execute("UPDATE login_failures SET at = at - 1000", [])
        .unwrap();
    assert!(store.login(app, "ann@acme.io", PASSWORD).is_ok());
    assert!(store.login(app, "ann@acme.io", "wrong password").is_err());
    assert!(
        store.login(app, "ann@acme.io", PASSWORD).is_ok(),
        "one failure does not lock"
    );
}

#[test]
fn a_weaker_stored_hash_is_replaced_on_the_next_login() {
    use argon2::password_hash::PasswordHasher;
    let (dir, mut store, app) = temp_store();
    let weak_params = argon2::Params::new(1024, 1, 1, None).unwrap();
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        weak_params,
    )
    .hash_password(PASSWORD.as_bytes())
    .unwrap()
    .to_string();
    let user = draft("old@acme.io").validate_new().unwrap();
    let hash = PasswordHash::parse(&weak).unwrap();
    assert!(hash.is_weaker_than_current());
    store.create_user(app, &user, &hash).unwrap();
    let token = store.login(app, "old@acme.io", PASSWORD).unwrap();
    let stored: String = rusqlite::Connection::open(dir.path().join("test.db"))
        .unwrap()
        .query_row(
            "SELECT password_hash FROM users WHERE email_key = ?1",
            ["old@acme.io"],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    assert!(
        !PasswordHash::parse(&stored)
            .unwrap()
            .is_weaker_than_current()
    );
    assert!(
        store.authenticate(app, &token).is_ok(),
        "the new token still works"
    );
    assert!(store.login(app, "old@acme.io", PASSWORD).is_ok());
}

#[test]
fn the_lockout_is_kept_with_the_application_and_must_be_positive() {
    use xusers::store::LoginPolicy;
    let (dir, mut store, app) = temp_store();
    assert_eq!(
        store.existing_application("default").unwrap().login_policy,
        LoginPolicy::default()
    );
    let policy = LoginPolicy {
        max_failures: 4,
        window_secs: 3600,
    };
    store.set_login_policy(app, policy).unwrap();
    for bad in [
        LoginPolicy {
            max_failures: 0,
            window_secs: 60,
        },
        LoginPolicy {
            max_failures: 3,
            window_secs: 0,
        },
    ] {
        assert!(store.set_login_policy(app, bad).is_err(), "{bad:?}");
    }
    drop(store);
    let other = xusers::store::Store::open(&dir.path().join("test.db")).unwrap();
    assert_eq!(
        other.existing_application("default").unwrap().login_policy,
        policy,
        "another process applies the same policy"
    );
}

#[test]
fn old_failures_are_pruned_as_new_ones_come() {
    let (dir, mut store, app) = temp_store();
    for _ in 0..3 {
        store.login(app, "ghost@acme.io", PASSWORD).unwrap_err();
    }
    let conn = rusqlite::Connection::open(dir.path().join("test.db")).unwrap();
    conn.execute("UPDATE login_failures SET at = at - 1000", [])
        .unwrap();
    store.login(app, "ghost@acme.io", PASSWORD).unwrap_err();
    let kept: i64 = conn
        .query_row("SELECT count(*) FROM login_failures", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 1);
}

#[test]
fn invalidating_a_user_deleted_meanwhile_is_an_error_not_zero_tokens() {
    let (_dir, mut store, app) = temp_store();
    let gone = add_email(&mut store, app, "gone@acme.io");
    store.delete_user(gone).unwrap();
    let err = store.invalidate_user_tokens(gone).unwrap_err();
    assert!(
        matches!(err, StoreError::UserGone(id) if id == gone),
        "{err}"
    );
    assert_eq!(
        err.naming(&[(gone, "gone@acme.io")]).to_string(),
        "no such user: gone@acme.io"
    );
}

/// Load tests issue a token per user without logins; those tokens behave as issued
/// ones: each names its user, and invalidating all ends them.
#[test]
fn seeded_tokens_name_their_users_replace_earlier_ones_and_end_with_invalidate_all() {
    let (_dir, mut store, app) = temp_store();
    let ids = [
        add_email(&mut store, app, "a@acme.io"),
        add_email(&mut store, app, "b@acme.io"),
        add_email(&mut store, app, "c@acme.io"),
    ];
    let token_of = |n: u64| format!("load-test-token-{n}");
    assert_eq!(store.insert_seed_tokens(app, token_of).unwrap(), 3);
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(store.authenticate(app, &token_of(n as u64)).unwrap(), *id);
    }
    assert!(
        store.authenticate(app, &token_of(3)).is_err(),
        "never issued"
    );
    // Seeding again replaces every token, the logins' too.
    let before = store.login(app, "a@acme.io", PASSWORD).unwrap();
    let again = |n: u64| format!("second-run-{n}");
    assert_eq!(store.insert_seed_tokens(app, again).unwrap(), 3);
    assert!(store.authenticate(app, &before).is_err());
    assert!(store.authenticate(app, &token_of(0)).is_err());
    assert_eq!(store.authenticate(app, &again(0)).unwrap(), ids[0]);
    assert_eq!(store.insert_seed_tokens(app, token_of).unwrap(), 3);
    let after = store.login(app, "a@acme.io", PASSWORD).unwrap();
    store.invalidate_all_tokens(app).unwrap();
    assert!(store.authenticate(app, &after).is_err());
    for n in 0..3 {
        assert!(store.authenticate(app, &token_of(n)).is_err());
    }
}

/// A database from before the stamp (schema version 3): its tokens keep working,
/// in their own application only, until everything is invalidated; its users are
/// found by short and long terms in the rebuilt search index.
#[test]
fn an_upgraded_database_keeps_its_tokens_and_its_search() {
    use xusers::store::{Page, Store, UserQuery};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        include_str!("../assets/sql/schema_v1.sql"),
        include_str!("../assets/sql/schema_v2.sql"),
        include_str!("../assets/sql/schema_v3.sql"),
    ] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute(
        "INSERT INTO users (app_id, email, email_key, password_hash, search, created_at,
                            updated_at)
         VALUES (1, 'Old@acme.io', 'old@acme.io', ?1, 'old@acme.io', 0, 0)",
        [hash().as_str()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO tokens (digest, user_id, created_at) VALUES (?1, 1, 0)",
        [xusers::auth::token_digest("old-token")],
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 3).unwrap();
    drop(conn);

    let mut store = Store::open(&path).unwrap();
    let app = store.existing_application("default").unwrap().id;
    let other = store.application("other").unwrap().id;
    let id = store.find_user(app, "old@acme.io").unwrap();
    assert_eq!(store.authenticate(app, "old-token").unwrap(), id);
    assert!(store.authenticate(other, "old-token").is_err());
    for term in ["o", "io", "old", "ld@"] {
        let q = UserQuery::default().filter(term);
        let rows = store.list_users(app, &q, &Page::First(10)).unwrap();
        assert_eq!(rows.len(), 1, "{term}");
        assert_eq!(store.count_users(app, &q).unwrap(), 1, "{term}");
    }
    store.invalidate_all_tokens(app).unwrap();
    assert!(store.authenticate(app, "old-token").is_err());
    let fresh = store.login(app, "old@acme.io", PASSWORD).unwrap();
    assert_eq!(store.authenticate(app, &fresh).unwrap(), id);
    // Version 8's stamps: a bulk invalidation ends the user's sessions, a login right
    // after works.
    let outcome = store
        .bulk(
            app,
            &xusers::store::Selection::of_ids([id]),
            &xusers::store::BulkAction::InvalidateTokens,
            xusers::store::Source::Cli,
            &mut |_| (),
            &std::sync::atomic::AtomicBool::new(false),
        )
        .unwrap();
    assert_eq!(outcome.changed, 1);
    assert!(store.authenticate(app, &fresh).is_err());
    let again = store.login(app, "old@acme.io", PASSWORD).unwrap();
    assert_eq!(store.authenticate(app, &again).unwrap(), id);
}
