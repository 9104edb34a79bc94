//! Bulk actions at scale, each with its audit batch (an entry per user changed and a
//! summary), through `Store::bulk` as the console and the CLI call it. Prints
//! `metric <name> <value> <unit>` lines.
//!
//!     cargo bench --bench bulk                              # 10,000 users (CI)
//!     XUSERS_BENCH_USERS=1000000 cargo bench --bench bulk   # the targets' size
//!     XUSERS_BENCH_ONLY=invalidate_all,delete_tenth cargo bench --bench bulk  # some cases
//!     XUSERS_BENCH_PG=postgres://host/db cargo bench --bench bulk  # on PostgreSQL
//!
//! The users are made by the real binary (`xusers demo --users N`), or copied from
//! `XUSERS_BENCH_DB` (a database `xusers demo` filled, left as it is). On PostgreSQL,
//! `XUSERS_BENCH_PG=postgres://…` names the database: `xusers demo` fills it when
//! empty, else its users are used as they are (and changed); the same cases and
//! metric names. Every user gets
//! a live token first, so that invalidating ends a session for each. With N users:
//! - add a tag to N/10 users (every tenth: spread over the table, not one run of it);
//! - invalidate the tokens of everyone (a selection of all N);
//! - invalidate the tokens of everyone but one user (after a fresh token each): not
//!   the one write that voids everyone's, but each user's tokens ended one by one;
//! - add N/10 users (another tenth) to a group three levels down (Berlin office,
//!   under EMEA, Sales and Acme): each membership counts in every group above it;
//! - move a group with a large subtree (Engineering, from Acme to Partners) and back:
//!   the groups above each parent recount the moved members;
//! - delete N/10 users (another tenth);
//! - cancel: the flag is set between two chunks once a job over everyone is half
//!   done, or 50,000 users in (a deletion, then an invalidation); and once a deletion
//!   of everyone is 90% done (the largest rollback; at a small size, before its last
//!   chunk); measured from setting it to `bulk` returning, the rollback included.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use xusers::domain::TagKey;
use xusers::store::{
    AppId, BulkAction, BulkProgress, Location, Selection, Sort, Source, Store, StoreError, UserId,
    UserQuery,
};

/// How far into a job over everyone the cancel comes at most (half way at CI size).
const MID_WAY: u64 = 50_000;

fn metric(name: &str, value: f64, unit: &str) {
    println!("metric {name} {value:.3} {unit}");
}

fn main() {
    let users: u64 = std::env::var("XUSERS_BENCH_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let location: Location = match std::env::var("XUSERS_BENCH_PG") {
        Ok(database) => {
            let location: Location = database.parse().expect("XUSERS_BENCH_PG: PostgreSQL");
            let store = Store::open(location.clone()).unwrap();
            let app = store.existing_application("default").unwrap().id;
            match store.scope_counts(app).unwrap().all {
                0 => seed(database.as_ref(), users),
                there => println!("# {there} users in {location} already"),
            }
            location
        }
        Err(_) => {
            let path = dir.path().join("bulk.db");
            match std::env::var_os("XUSERS_BENCH_DB") {
                Some(source) => copy_database(Path::new(&source), &path),
                None => seed(path.as_ref(), users),
            }
            Location::Sqlite(path)
        }
    };
    let mut store = Store::open(location).unwrap();
    let app = store.existing_application("default").unwrap().id;
    let start = Instant::now();
    let issued = store
        .insert_seed_tokens(app, |n| format!("bench-token-{n:012}"))
        .unwrap();
    println!(
        "# {issued} users, a live token each ({:.1} s to issue)",
        start.elapsed().as_secs_f64()
    );

    let ids = every_user(&store, app);
    let tenth = |offset: usize| -> Selection {
        Selection::of_ids(ids.iter().skip(offset).step_by(10).copied())
    };
    let everyone = Selection::of_query(UserQuery::default());
    let tag = BulkAction::SetTag {
        key: TagKey::parse("bulk_bench").unwrap(),
        value: "tagged".into(),
    };

    // `XUSERS_BENCH_ONLY` names the cases to run, by commas (`cancel` for the three
    // cancels); all of them when unset.
    let only = std::env::var("XUSERS_BENCH_ONLY").unwrap_or_default();
    let wanted = |case: &str| only.is_empty() || only.split(',').any(|c| c.trim() == case);

    if wanted("cancel") {
        let half_way = |p: BulkProgress| p.done * 2 >= p.total || p.done >= MID_WAY;
        let cancelled = cancel_when(&mut store, app, &everyone, &BulkAction::Delete, half_way);
        metric("cancel_delete_all", cancelled, "s");
        let invalidate = BulkAction::InvalidateTokens;
        let cancelled = cancel_when(&mut store, app, &everyone, &invalidate, half_way);
        metric("cancel_invalidate_all", cancelled, "s");
        // 90% in, or the last chunk's start at a small size (chunks are 2,000 users).
        let late = |p: BulkProgress| p.done * 10 >= p.total * 9 || p.total - p.done <= 2_000;
        let cancelled = cancel_when(&mut store, app, &everyone, &BulkAction::Delete, late);
        metric("cancel_delete_all_at_90pct", cancelled, "s");
    }

    if wanted("add_tag_tenth") {
        let (seconds, changed) = timed("add_tag_tenth", &mut store, app, &tenth(0), &tag);
        assert_eq!(changed as usize, ids.len().div_ceil(10));
        metric("add_tag_tenth", seconds, "s");
        println!("# {changed} users tagged");
    }

    let invalidate = BulkAction::InvalidateTokens;
    if wanted("invalidate_all") {
        let (seconds, changed) = timed("invalidate_all", &mut store, app, &everyone, &invalidate);
        assert_eq!(changed, issued, "every user had a live token");
        metric("invalidate_all", seconds, "s");
    }

    if wanted("invalidate_all_but_one") {
        let again = store
            .insert_seed_tokens(app, |n| format!("bench-token-again-{n:012}"))
            .unwrap();
        assert_eq!(again, issued);
        let all_but_one = Selection {
            except: BTreeSet::from([ids[0]]),
            ..everyone.clone()
        };
        let (seconds, changed) = timed(
            "invalidate_all_but_one",
            &mut store,
            app,
            &all_but_one,
            &invalidate,
        );
        assert_eq!(changed, issued - 1, "each user's tokens but the one's");
        metric("invalidate_all_but_one", seconds, "s");
    }

    if wanted("add_to_group_tenth") {
        let berlin = BulkAction::AddToGroup("Berlin office".into());
        let (seconds, changed) = timed("add_to_group_tenth", &mut store, app, &tenth(1), &berlin);
        assert!(
            changed as usize > ids.len() / 20,
            "most of them were not in it"
        );
        metric("add_to_group_tenth", seconds, "s");
        println!("# {changed} users added to Berlin office");
    }

    if wanted("move_group") {
        for (case, parent) in [("move_group_away", "Partners"), ("move_group_back", "Acme")] {
            let start = Instant::now();
            store
                .set_group_parent(app, "Engineering", Some(parent))
                .unwrap();
            metric(case, start.elapsed().as_secs_f64(), "s");
        }
        let engineering = (store.group_summaries(app).unwrap().into_iter())
            .find(|g| g.group.name == "Engineering")
            .unwrap();
        println!(
            "# Engineering: {} members with its subgroups",
            engineering.with_subgroups
        );
    }

    if wanted("delete_tenth") {
        let (seconds, changed) = timed(
            "delete_tenth",
            &mut store,
            app,
            &tenth(5),
            &BulkAction::Delete,
        );
        assert_eq!(changed as usize, (ids.len() + 4) / 10);
        metric("delete_tenth", seconds, "s");
        println!("# {changed} users deleted");
    }
    assert!(store.verify_audit().unwrap().broken.is_none());
}

/// Seconds of processor time this process has used: what a case costs whatever else
/// the machine runs (the wall time on a shared machine says more about the others).
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Runs `action` to its end; returns the seconds it took and how many users changed,
/// and prints the processor time it used as `<name>_cpu`.
fn timed(
    name: &str,
    store: &mut Store,
    app: AppId,
    selection: &Selection,
    action: &BulkAction,
) -> (f64, u64) {
    let cpu = cpu_seconds();
    let start = Instant::now();
    let outcome = store
        .bulk(
            app,
            selection,
            action,
            Source::Cli,
            &mut |_| (),
            &AtomicBool::new(false),
        )
        .unwrap();
    let wall = start.elapsed().as_secs_f64();
    metric(&format!("{name}_cpu"), cpu_seconds() - cpu, "s");
    (wall, outcome.changed)
}

/// Starts `action`, sets its cancel flag once its progress is `due` (past its start,
/// before its end), and returns the seconds from setting it to `bulk` returning.
fn cancel_when(
    store: &mut Store,
    app: AppId,
    selection: &Selection,
    action: &BulkAction,
    due: impl Fn(BulkProgress) -> bool,
) -> f64 {
    let cancel = AtomicBool::new(false);
    let mut set = None;
    let result = store.bulk(
        app,
        selection,
        action,
        Source::Cli,
        &mut |p: BulkProgress| {
            // Set here, between two chunks, so that a chunk is always left to refuse:
            // set from another thread, it could land after the last one.
            if set.is_none() && p.done > 0 && p.done < p.total && due(p) {
                set = Some(Instant::now());
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    );
    let returned = Instant::now();
    assert!(matches!(result, Err(StoreError::Cancelled)), "{result:?}");
    returned
        .duration_since(set.expect("the flag was set"))
        .as_secs_f64()
}

/// Every user's id, in email order.
fn every_user(store: &Store, app: AppId) -> Vec<UserId> {
    let mut ids = Vec::new();
    let everyone = Selection::of_query(UserQuery::default());
    store
        .for_each_selected(app, &everyone, Sort::default(), usize::MAX, |rows| {
            ids.extend(rows.iter().map(|r| r.id));
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let distinct: BTreeSet<UserId> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len());
    ids
}

/// `xusers demo` into `database` (a SQLite file's path, or PostgreSQL's connection
/// string).
fn seed(database: &OsStr, users: u64) {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_xusers"))
        .arg("--db")
        .arg(database)
        .args(["--log-level", "off", "demo", "--users", &users.to_string()])
        .status()
        .expect("run xusers demo");
    assert!(status.success(), "seeding failed");
    println!(
        "# seeded {users} users in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

/// A copy of the database at `source` (with its write-ahead log, if any).
fn copy_database(source: &Path, to: &PathBuf) {
    let start = Instant::now();
    std::fs::copy(source, to).expect("copy XUSERS_BENCH_DB");
    let wal = PathBuf::from(format!("{}-wal", source.display()));
    if wal.exists() {
        std::fs::copy(&wal, format!("{}-wal", to.display())).unwrap();
    }
    println!(
        "# copied {} in {:.1} s",
        source.display(),
        start.elapsed().as_secs_f64()
    );
}
