//! The text filter's index paths (long terms through their trigrams, one- and
//! two-character terms through the trigrams they begin, terms in no user read as
//! nothing) return exactly what testing every user by hand returns, with tags too,
//! and stay exact after users are added and deleted.

mod common;

use std::sync::{Mutex, OnceLock};

use common::*;
use proptest::prelude::*;
use xusers::store::{AppId, NOTHING_TO_READ, Page, SeedUser, Store, User, UserQuery};

/// Few letters, so that random terms often match; accents and capitals to check
/// that both sides fold case the same way.
const LETTERS: &[char] = &['a', 'b', 'q', 'x', 'z', 'É', 'é', 'Z', '.', '-', '1'];

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    app: AppId,
    /// Every user, in email order.
    users: Vec<User>,
}

fn random_text(rng: &mut fastrand::Rng, max: usize) -> String {
    (0..rng.usize(0..=max))
        .map(|_| LETTERS[rng.usize(0..LETTERS.len())])
        .collect()
}

fn random_user(rng: &mut fastrand::Rng, i: usize) -> SeedUser {
    let local: String = random_text(rng, 6)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    SeedUser {
        email: format!("{local}u{i}@{}.io", ["ab", "qx", "zz"][rng.usize(0..3)]),
        first_name: random_text(rng, 5),
        last_name: random_text(rng, 5),
        groups: Vec::new(),
        tags: match rng.u8(0..3) {
            0 => vec![],
            1 => vec![("plan".into(), "pro".into())],
            _ => vec![("plan".into(), "free".into())],
        },
        created_at: 1_800_000_000,
        last_login: 0,
    }
}

/// 1,500 users: enough that common one-letter terms are too many for the index
/// path (sum of their trigrams' users ≥ 1,000) while rare ones take it.
fn world() -> &'static Mutex<World> {
    static WORLD: OnceLock<Mutex<World>> = OnceLock::new();
    WORLD.get_or_init(|| {
        let (dir, mut store, app) = temp_store();
        let mut rng = fastrand::Rng::with_seed(14);
        let users: Vec<SeedUser> = (0..1_500).map(|i| random_user(&mut rng, i)).collect();
        store
            .insert_seed_users(app, users.into_iter(), hash(), |_| ())
            .unwrap();
        // Some users go and some come through the ordinary paths (the triggers).
        let all = store
            .list_users(app, &UserQuery::default(), &Page::First(2_000))
            .unwrap();
        let gone: Vec<_> = all.iter().step_by(7).map(|r| r.id).collect();
        store.delete_users(&gone).unwrap();
        for i in 0..40 {
            let u = random_user(&mut rng, 10_000 + i);
            let d = xusers::domain::UserDraft {
                email: u.email,
                first_name: u.first_name,
                last_name: u.last_name,
                password: Some(PASSWORD.into()),
                ..Default::default()
            };
            add(&mut store, app, d);
        }
        let users = store
            .list_users(app, &UserQuery::default(), &Page::First(10_000))
            .unwrap()
            .into_iter()
            .map(|r| store.user(r.id).unwrap())
            .collect();
        Mutex::new(World {
            _dir: dir,
            store,
            app,
            users,
        })
    })
}

/// The same filter, testing every user by hand.
fn by_hand(users: &[User], q: &UserQuery) -> Vec<String> {
    assert!(!users.is_empty());
    users
        .iter()
        .filter(|user| {
            let fields = [
                Some(user.email.as_str()),
                user.first_name.as_deref(),
                user.last_name.as_deref(),
            ]
            .map(|f| f.unwrap_or_default().to_lowercase());
            q.text
                .iter()
                .all(|t| fields.iter().any(|f| f.contains(t.as_str())))
                && q.tags.iter().all(|t| {
                    user.tags
                        .get(&t.key)
                        .is_some_and(|v| t.value.as_ref().is_none_or(|want| want == v))
                })
        })
        .map(|user| user.email.clone())
        .collect()
}

fn term() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(LETTERS), 1..=4)
        .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_filter_matches_exactly_the_users_that_hold_every_term(
        terms in prop::collection::vec(term(), 1..=2),
        tag in prop::sample::select(vec!["", "tag:plan", "tag:plan=pro"]),
    ) {
        let world = world().lock().unwrap();
        let line = format!("{} {tag}", terms.join(" "));
        let q = UserQuery::default().filter(&line);
        let expected = by_hand(&world.users, &q);
        let listed: Vec<String> = world
            .store
            .list_users(world.app, &q, &Page::First(10_000))
            .unwrap()
            .into_iter()
            .map(|r| r.email)
            .collect();
        prop_assert_eq!(&listed, &expected, "{}", line);
        prop_assert_eq!(
            world.store.count_users(world.app, &q).unwrap(),
            expected.len() as u64,
            "{}", line
        );
    }
}

/// The paths the property test relies on are all taken on its data.
#[test]
fn the_property_data_takes_every_path() {
    let world = world().lock().unwrap();
    let plan = |line: &str| {
        world
            .store
            .query_plans(
                world.app,
                &UserQuery::default().filter(line),
                &Page::First(50),
            )
            .unwrap()[0]
            .clone()
    };
    assert!(
        plan("a").contains("USING INDEX users_search"),
        "{}",
        plan("a")
    );
    assert!(
        plan("u1").contains("VIRTUAL TABLE INDEX 0:M"),
        "{}",
        plan("u1")
    );
    assert_eq!(plan("ü"), NOTHING_TO_READ);
    assert_eq!(plan("x ü"), NOTHING_TO_READ);
}

/// Counts that come from the tag and search indexes alone (one application holds
/// every user) agree with testing every user, and so do the counts made row by row
/// once another application has users too.
#[test]
fn counts_from_the_indexes_match_counting_by_hand_with_one_application_or_two() {
    let mut world = world().lock().unwrap();
    let lines = [
        "tag:plan",
        "tag:plan=pro",
        "tag:plan tag:plan=free",
        "tag:plan=pro tag:plan=free",
        "tag:nope",
        "a",
        "zz",
        "é b",
        "ü",
        "u1@",
        "u1@ tag:plan=pro",
        "a tag:plan",
        "zz.i",
    ];
    let check = |world: &World| {
        for line in lines {
            let q = UserQuery::default().filter(line);
            assert_eq!(
                world.store.count_users(world.app, &q).unwrap(),
                by_hand(&world.users, &q).len() as u64,
                "{line}"
            );
        }
    };
    check(&world);
    let other = world.store.application("other-app").unwrap().id;
    let d = xusers::domain::UserDraft {
        email: "zz.a@other.io".into(),
        first_name: "É".into(),
        tags: vec![("plan".into(), "pro".into())],
        password: Some(PASSWORD.into()),
        ..Default::default()
    };
    let id = add(&mut world.store, other, d);
    check(&world);
    world.store.delete_user(id).unwrap();
}
