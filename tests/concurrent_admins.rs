//! Two administrators' consoles and a script running the CLI, editing the same users at
//! once (through the form, marks and a bulk action, `users set`), on either backend:
//! every edit lands or is reported as a conflict ("someone else changed this user") and
//! then lands when made again on the reloaded user; none is lost (the users and the
//! audit log hold every landed edit, and the log's chain verifies), and nobody is ever
//! shown "database is locked" or a deadlock.

mod common;

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use common::backend::Backend;
use common::cli::Env;
use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use rstest::rstest;
use xusers::store::{Location, Store};
use xusers::tui::app::App;
use xusers::tui::screens::form::{FormFocus, UserForm};

const USERS: usize = 4;
const EDITS_EACH: usize = 24;
/// How often console `b` sets a tag on every user instead of editing one.
const MARKING_EVERY: usize = 4;
const SIZE: (u16, u16) = (120, 30);

/// An edit that landed: the user's email and the tag key it added.
type Landed = (String, String);

#[rstest]
fn two_consoles_and_a_script_editing_the_same_users_lose_nothing(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    let emails: Vec<String> = (0..USERS).map(|i| format!("shared{i}@acme.io")).collect();
    for email in &emails {
        env.add(email, "long enough", &[]).success();
    }
    let location = env.location();
    let (to_b, from_a) = channel();
    let (to_a, from_b) = channel();
    let (consoles, script) = std::thread::scope(|s| {
        let (location, emails) = (&location, &emails);
        let a = s.spawn(move || administrator("a", location, emails, (to_b, from_b)));
        let b = s.spawn(move || administrator("b", location, emails, (to_a, from_a)));
        let script = s.spawn(|| script(&env, emails));
        (
            [a.join().unwrap(), b.join().unwrap()],
            script.join().unwrap(),
        )
    });
    let conflicts: usize = consoles.iter().map(|(_, conflicts)| conflicts).sum();
    let mut landed = BTreeSet::new();
    for edit in consoles
        .into_iter()
        .flat_map(|(landed, _)| landed)
        .chain(script)
    {
        assert!(landed.insert(edit.clone()), "{edit:?} reported twice");
    }
    let markings = EDITS_EACH / MARKING_EVERY;
    assert_eq!(
        landed.len(),
        3 * EDITS_EACH + markings * (USERS - 1),
        "every edit landed in the end"
    );

    let store = Store::open(location).unwrap();
    let app = store.existing_application("default").unwrap().id;
    let (mut kept, mut logged) = (BTreeSet::new(), Vec::new());
    for email in &emails {
        let user = store.user(store.find_user(app, email).unwrap()).unwrap();
        kept.extend(user.tags.into_keys().map(|key| (email.clone(), key)));
        for entry in store.user_history(user.id, 10_000).unwrap() {
            for (field, before, after) in entry.changes.iter() {
                if let Some(key) = field.strip_prefix("tag:") {
                    let added = before.is_null() && after == "x";
                    assert!(added, "{email}: {field} {before} → {after}: an edit undone");
                    logged.push((email.clone(), key.to_string()));
                }
            }
        }
    }
    assert_eq!(kept, landed, "the users hold every landed edit, no other");
    logged.sort();
    assert_eq!(
        logged,
        Vec::from_iter(landed),
        "the audit log holds each landed edit once, and no refused one"
    );
    env.cmd().args(["audit", "verify"]).assert().success();
    assert!(
        conflicts >= EDITS_EACH - markings,
        "each round both consoles saved the same user through the form at once: one \
         save of each must have been refused, yet {conflicts} were"
    );
}

/// One administrator at a console: each round it opens the round's user in the form,
/// adds a tag of its own, and saves when the other console is about to save the same
/// user. A refused save is reloaded (Ctrl-R) and the tag added again. Every
/// [`MARKING_EVERY`]th round, console `b` instead marks every user and sets its tag on
/// them all at once, while `a` saves one of them. Returns the edits that landed and
/// how many saves were refused.
fn administrator(
    name: &str,
    location: &Location,
    emails: &[String],
    (to_other, from_other): (Sender<()>, Receiver<()>),
) -> (Vec<Landed>, usize) {
    let store = Store::open(location.clone()).unwrap();
    let application = store.existing_application("default").unwrap();
    let mut app = console_over(store, application, SIZE, None);
    finish_background(&mut app);
    // Both consoles are about to save; the other's ends only if this one does (then
    // `recv` fails rather than waits).
    let meet = || {
        let _ = to_other.send(());
        (from_other.recv_timeout(Duration::from_secs(60))).expect("the other console stopped");
    };
    let (mut landed, mut conflicts) = (Vec::new(), 0);
    for i in 0..EDITS_EACH {
        let email = &emails[i % USERS];
        let tag = format!("{name}_{i:03}");
        if name == "b" && i % MARKING_EVERY == MARKING_EVERY - 1 {
            keys(&mut app, "*mt");
            type_text(&mut app, &format!("{tag}=x"));
            key(&mut app, KeyCode::Enter);
            let asked = format!("Set tag {tag}=x on {USERS} users?");
            assert!(screen(&app).contains(&asked), "{}", screen(&app));
            meet();
            keys(&mut app, "y");
            let status = app.session.status.as_ref().map(|s| s.text.clone());
            let done = format!("Tagged {USERS} users with {tag}=x");
            assert_eq!(status, Some(done), "{}", screen(&app));
            landed.extend(emails.iter().map(|email| (email.clone(), tag.clone())));
            continue;
        }
        select(&mut app, email);
        keys(&mut app, "e");
        add_tag(&mut app, &tag);
        meet();
        loop {
            key_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
            let status = app.session.status.as_ref().map(|s| s.text.clone());
            if app.form.is_none() {
                assert_eq!(status, Some(format!("Saved {email}")), "{}", screen(&app));
                landed.push((email.clone(), tag));
                break;
            }
            assert_eq!(
                status.as_deref(),
                Some("Not saved: someone else changed this user"),
                "{}",
                screen(&app)
            );
            conflicts += 1;
            key_with(&mut app, KeyCode::Char('r'), KeyModifiers::CONTROL);
            add_tag(&mut app, &tag);
        }
    }
    (landed, conflicts)
}

/// Selects the user `email` in the list.
fn select(app: &mut App, email: &str) {
    key(app, KeyCode::Home);
    for _ in 0..USERS {
        if selected_email(app) == email {
            return;
        }
        keys(app, "j");
    }
    panic!("{email} is not listed\n{}", screen(app));
}

/// In the open form: a new tag `tag`=x, typed into a row added with Ctrl-N.
fn add_tag(app: &mut App, tag: &str) {
    for _ in 0..10 {
        if form(app).focus == FormFocus::Tags {
            break;
        }
        key(app, KeyCode::Tab);
    }
    key_with(app, KeyCode::Char('n'), KeyModifiers::CONTROL);
    type_text(app, tag);
    key(app, KeyCode::Enter);
    type_text(app, "x");
    let tags = form(app).draft().tags;
    assert!(tags.contains(&(tag.to_string(), "x".into())), "{tags:?}");
}

fn form(app: &App) -> &UserForm {
    app.form.as_ref().expect("the form is open")
}

/// A script setting tags on the same users with `users set`, one process per edit;
/// each lands (the command applies its change again over a concurrent save) and none
/// says the database was locked or deadlocked.
fn script(env: &Env, emails: &[String]) -> Vec<Landed> {
    (0..EDITS_EACH)
        .map(|i| {
            let (email, key) = (&emails[i % USERS], format!("cli_{i:03}"));
            let out = (env.cmd().args(["users", "set", email, "--tag"]))
                .arg(format!("{key}=x"))
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stderr).to_lowercase();
            assert!(out.status.success(), "{said}");
            assert!(
                !said.contains("locked") && !said.contains("deadlock"),
                "{said}"
            );
            (email.clone(), key)
        })
        .collect()
}

/// `users set` changes only what it names, so when another process saved the user in
/// between it re-reads the user and applies its change again instead of failing.
#[rstest]
fn scripts_setting_tags_on_one_user_at_once_all_land(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    const EACH: usize = 40;
    let Some(env) = Env::on(backend) else {
        return;
    };
    env.add("ann@acme.io", "long enough", &[]).success();
    let scripts: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let env = &env;
            move || {
                for i in 0..EACH {
                    env.cmd()
                        .args(["users", "set", "ann@acme.io", "--tag"])
                        .arg(format!("{name}_{i:02}=x"))
                        .assert()
                        .success();
                }
            }
        })
        .collect();
    std::thread::scope(|s| {
        for script in scripts {
            s.spawn(script);
        }
    });
    let store = Store::open(env.location()).unwrap();
    let app = store.existing_application("default").unwrap().id;
    let user = store
        .user(store.find_user(app, "ann@acme.io").unwrap())
        .unwrap();
    assert_eq!(user.tags.len(), 2 * EACH);
}
