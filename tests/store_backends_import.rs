//! Long imports on both backends: the kept counts (users, grouped users, members of
//! each group with and without its subgroups, users of each tag key) and the user
//! limit stay true over imports of more users than PostgreSQL writes between folds
//! of its counts (500, store/postgres/user_after_user.rs).

mod common;

use std::collections::BTreeMap;

use common::backend::{Backend, Fresh, fresh};
use rstest::rstest;
use xusers::domain::{Email, Profile, TagKey, UserDraft};
use xusers::store::{
    ImportOptions, ImportReport, ImportUser, MergeOptions, MergeReport, OnConflict, Store,
    StoreError,
};

const USERS: usize = 1_203;

fn imported_hash() -> &'static xusers::auth::PasswordHash {
    static HASH: std::sync::OnceLock<xusers::auth::PasswordHash> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        xusers::auth::PasswordHash::new(&xusers::domain::Password::parse("imported-pass").unwrap())
    })
}

/// Line `i`'s user: every third in Sales, every fifth in EU (under Sales), tagged
/// `plan` by twos and `floor` by sevens; `round` changes the groups and tags.
fn user(i: usize, round: usize) -> ImportUser {
    let mut groups = Vec::new();
    if (i + round).is_multiple_of(3) {
        groups.push("Sales".to_string());
    }
    if (i + round).is_multiple_of(5) {
        groups.push("EU".to_string());
    }
    let mut tags = BTreeMap::new();
    if (i + round).is_multiple_of(2) {
        tags.insert(TagKey::parse("plan").unwrap(), format!("p{}", i % 4));
    }
    if round == 0 && i.is_multiple_of(7) {
        tags.insert(TagKey::parse("floor").unwrap(), "3".to_string());
    }
    ImportUser {
        line: i + 1,
        broken: Vec::new(),
        email: Some(Email::parse(&format!("user{i:05}@x.io")).unwrap()),
        profile: Profile {
            groups,
            tags,
            ..Default::default()
        },
        group_parents: Vec::new(),
        gives_password: true,
        hash: Some(imported_hash().clone()),
        created: None,
        last_login: None,
    }
}

/// Imports `rows`, updating the users already there; with `partial`, the good rows
/// of a file with bad ones.
fn import(
    store: &mut Store,
    app: xusers::store::AppId,
    rows: Vec<ImportUser>,
    partial: bool,
) -> ImportReport {
    let options = ImportOptions {
        origin: "test rows".into(),
        on_conflict: OnConflict::Update,
        create_groups: false,
        partial,
        dry_run: false,
    };
    let rows = rows.into_iter().map(Ok::<_, StoreError>);
    store.import_users(app, rows, options).unwrap()
}

/// Merges `source` into `target`, a user in both handled as `on_conflict` says.
fn merge(source: &Store, target: &mut Store, on_conflict: OnConflict) -> MergeReport {
    let options = MergeOptions {
        origin: "source".into(),
        on_conflict,
    };
    source.merge_into(target, &options, &mut |_| {}).unwrap()
}

/// The groups the rows name: Sales, and EU under it.
fn sales_and_eu(f: &mut Fresh) {
    f.store.create_group(f.app, "Sales", None).unwrap();
    f.store.create_group(f.app, "EU", Some("Sales")).unwrap();
}

/// What the store keeps counted: (all, grouped), each group's (members, with
/// subgroups), each tag key's users.
type Kept = ((u64, u64), Vec<(String, u64, u64)>, Vec<(String, u64)>);

fn kept(store: &Store, app: xusers::store::AppId) -> Kept {
    let scopes = store.scope_counts(app).unwrap();
    let groups = (store.group_summaries(app).unwrap().into_iter())
        .map(|g| (g.group.name, g.members, g.with_subgroups))
        .collect();
    let mut tags = store.tag_key_usage(app, None).unwrap();
    tags.sort();
    ((scopes.all, scopes.grouped), groups, tags)
}

/// The same, counted from the users: `round` of each line below `users`, earlier
/// rounds' users for the lines the last round did not reach.
fn counted(lines: usize, rounds: &[(usize, usize)]) -> Kept {
    let round_of = |i: usize| {
        (rounds.iter().rev())
            .find(|(_, upto)| i < *upto)
            .map(|(round, _)| *round)
    };
    let (mut grouped, mut sales, mut eu, mut below_sales) = (0, 0, 0, 0);
    let mut tags: BTreeMap<String, u64> = BTreeMap::new();
    let mut floors = 0;
    for i in 0..lines {
        let round = round_of(i).unwrap();
        let (in_sales, in_eu) = ((i + round).is_multiple_of(3), (i + round).is_multiple_of(5));
        grouped += u64::from(in_sales || in_eu);
        sales += u64::from(in_sales);
        eu += u64::from(in_eu);
        below_sales += u64::from(in_sales || in_eu);
        if (i + round).is_multiple_of(2) {
            *tags.entry("plan".into()).or_default() += 1;
        }
        floors += u64::from(round == 0 && i.is_multiple_of(7));
    }
    if floors > 0 {
        tags.insert("floor".into(), floors);
    }
    let groups = vec![("Sales".into(), sales, below_sales), ("EU".into(), eu, eu)];
    ((lines as u64, grouped), groups, tags.into_iter().collect())
}

#[rstest]
fn a_long_import_and_its_update_keep_every_count_true(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    sales_and_eu(&mut f);
    let first: Vec<ImportUser> = (0..USERS).map(|i| user(i, 0)).collect();
    import(&mut f.store, f.app, first, false);
    assert_eq!(kept(&f.store, f.app), counted(USERS, &[(0, USERS)]));
    // The first 700 again, each in other groups, and none with a floor any more:
    // memberships and tags removed and added, and the key `floor` kept only by the
    // users past line 700.
    let again: Vec<ImportUser> = (0..700).map(|i| user(i, 1)).collect();
    import(&mut f.store, f.app, again, false);
    assert_eq!(
        kept(&f.store, f.app),
        counted(USERS, &[(0, USERS), (1, 700)])
    );
    // Every user a third time, without floors: the key goes with its last user.
    let third: Vec<ImportUser> = (0..USERS).map(|i| user(i, 2)).collect();
    import(&mut f.store, f.app, third, false);
    assert_eq!(kept(&f.store, f.app), counted(USERS, &[(2, USERS)]));
    // The import's way of counting ended with it: the next change counts at once.
    let draft = UserDraft {
        email: "after@x.io".into(),
        password: Some("after-import-pass".into()),
        groups: vec!["EU".into()],
        ..Default::default()
    };
    (f.store)
        .create_user(f.app, &draft.validate_new().unwrap(), imported_hash())
        .unwrap();
    let ((all, grouped), groups, _) = kept(&f.another(), f.app);
    let ((all_before, grouped_before), groups_before, _) = counted(USERS, &[(2, USERS)]);
    assert_eq!((all, grouped), (all_before + 1, grouped_before + 1));
    assert_eq!(groups[1].1, groups_before[1].1 + 1, "EU's members");
}

#[rstest]
fn a_user_limit_holds_across_a_long_import(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    sales_and_eu(&mut f);
    f.store.set_user_limit(f.app, Some(640)).unwrap();
    let rows: Vec<ImportUser> = (0..700).map(|i| user(i, 0)).collect();
    let report = import(&mut f.store, f.app, rows, true);
    assert_eq!(report.created, 640);
    let failed: Vec<usize> = report.failed.iter().map(|(line, _)| *line).collect();
    assert_eq!(failed, (641..=700).collect::<Vec<_>>());
    let (_, errors) = &report.failed[0];
    assert_eq!(
        errors[0].to_string(),
        "user: the application's user limit of 640 is reached"
    );
    assert_eq!(kept(&f.store, f.app), counted(640, &[(0, 640)]));
}

#[rstest]
fn a_long_merge_keeps_every_count_true(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut target) = fresh(backend) else {
        return;
    };
    let mut source = fresh(Backend::Sqlite).unwrap();
    sales_and_eu(&mut source);
    sales_and_eu(&mut target);
    // The target has the first 900 users; the source all of them, in other groups
    // and without floors: 900 updated and 303 added.
    let first: Vec<ImportUser> = (0..900).map(|i| user(i, 0)).collect();
    import(&mut target.store, target.app, first, false);
    let all: Vec<ImportUser> = (0..USERS).map(|i| user(i, 2)).collect();
    import(&mut source.store, source.app, all, false);
    let report = merge(&source.store, &mut target.store, OnConflict::Update);
    assert_eq!((report.users.added, report.users.updated), (303, 900));
    assert_eq!(
        kept(&target.store, target.app),
        counted(USERS, &[(2, USERS)])
    );
}

/// A merge writes its applications' users in turn: one application's users not yet
/// counted are no part of the next one's user limit.
#[rstest]
fn a_merges_applications_each_meet_their_own_user_limit(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut target) = fresh(backend) else {
        return;
    };
    let mut source = fresh(Backend::Sqlite).unwrap();
    let shop = source.store.create_application("shop", None).unwrap().id;
    let users = |emails: std::ops::Range<usize>| -> Vec<ImportUser> {
        emails
            .map(|i| ImportUser {
                profile: Profile::default(),
                ..user(i, 0)
            })
            .collect()
    };
    import(&mut source.store, source.app, users(0..300), false);
    import(&mut source.store, shop, users(300..600), false);
    // Both limited: whichever comes second would see the first one's users.
    let limited = target.store.create_application("shop", Some(300)).unwrap();
    target.store.set_user_limit(target.app, Some(300)).unwrap();
    let report = merge(&source.store, &mut target.store, OnConflict::Fail);
    assert_eq!(report.users.added, 600);
    let listed: Vec<(String, u64)> = (target.store.applications().unwrap().into_iter())
        .map(|(app, users)| (app.name, users))
        .collect();
    assert_eq!(listed, [("default".into(), 300), ("shop".into(), 300)]);
    assert_eq!(limited.user_limit, Some(300));
}
