//! What the audit log costs: one edit with and without its entry, the newest page
//! (`audit list --limit 50`, the console pane's first page) and `audit verify`, at a
//! log of 1,000,000 entries. Prints `metric <name> <value> <unit>` lines.
//!
//!     cargo bench --bench audit --features bench-internals                          # 1,000,000 entries
//!     XUSERS_BENCH_ENTRIES=10000 cargo bench --bench audit --features bench-internals # CI-sized
//!
//! The log is made once through the store's real write paths (users created one by
//! one, then re-imported with changed names, a thousand entries per transaction) and
//! kept under target/ for later runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use xusers::auth::PasswordHash;
use xusers::domain::{Password, UserDraft};
use xusers::store::{
    Actor, AppId, AuditPage, AuditQuery, ImportOptions, ImportUser, OnConflict, Source, Store,
    StoreError, UserId,
};

const USERS: usize = 1000;

fn draft(i: usize, round: usize) -> UserDraft {
    UserDraft {
        email: format!("user{i:04}@example.com"),
        password: None,
        first_name: format!("First{round}"),
        last_name: "Benchmark".into(),
        groups: Vec::new(),
        tags: vec![(
            "plan".into(),
            if round.is_multiple_of(2) {
                "pro"
            } else {
                "free"
            }
            .into(),
        )],
    }
}

/// Edits user `i` (round `round`), returning how long the store took.
fn edit(store: &mut Store, app: AppId, id: UserId, i: usize, round: usize) -> Duration {
    let changes = draft(i, round).validate_changes().unwrap();
    let start = Instant::now();
    store.update_user(app, id, &changes, None, None).unwrap();
    start.elapsed()
}

fn dataset(entries: u64) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("audit-{entries}.db"));
    if path.exists() {
        return path;
    }
    let partial = dir.join(format!("audit-{entries}.partial.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
    }
    let start = Instant::now();
    let mut store = Store::open(&partial).unwrap();
    store.set_actor(Actor::named("bench@host", Source::Cli).unwrap());
    let app = store.application("default").unwrap().id;
    let hash = PasswordHash::new(&Password::parse("benchmark password").unwrap());
    let mut ids = Vec::new();
    for i in 0..USERS {
        let mut d = draft(i, 0);
        d.password = Some("benchmark password".into());
        ids.push(
            store
                .create_user(app, &d.validate_new().unwrap(), &hash)
                .unwrap(),
        );
    }
    let mut written = USERS as u64 + 1;
    let mut round = 1;
    while written < entries {
        // One import: an entry per user, and its summary.
        let n = (entries - written).saturating_sub(1).clamp(1, USERS as u64) as usize;
        let rows = (0..n).map(|i| {
            let changes = draft(i, round).validate_changes().unwrap();
            ImportUser {
                line: i + 1,
                broken: Vec::new(),
                email: Some(changes.email),
                profile: changes.profile,
                gives_password: false,
                hash: None,
                created: None,
                last_login: None,
                group_parents: Vec::new(),
            }
        });
        let options = ImportOptions {
            origin: format!("round {round}"),
            on_conflict: OnConflict::Update,
            create_groups: false,
            partial: false,
            dry_run: false,
        };
        let rows = rows.map(Ok::<_, StoreError>);
        let report = store.import_users(app, rows, options).unwrap();
        assert_eq!(report.updated as usize, n);
        written += n as u64 + 1;
        round += 1;
        if round % 50 == 0 {
            eprintln!("{written} entries ({:.0} s)", start.elapsed().as_secs_f64());
        }
    }
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::rename(
            format!("{}{suffix}", partial.display()),
            format!("{}{suffix}", path.display()),
        );
    }
    println!(
        "metric dataset_build_s {:.1} s",
        start.elapsed().as_secs_f64()
    );
    path
}

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let i = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[i].as_secs_f64() * 1000.0
}

fn report(name: &str, times: &mut [Duration]) -> f64 {
    let p50 = percentile(times, 0.5);
    println!("metric {name}_p50 {p50:.3} ms");
    println!("metric {name}_p99 {:.3} ms", percentile(times, 0.99));
    p50
}

fn run_binary(db: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_xusers"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn main() {
    let entries: u64 = std::env::var("XUSERS_BENCH_ENTRIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let db = dataset(entries);
    let mut store = Store::open(&db).unwrap();
    let app = store.application("default").unwrap().id;
    let ids: Vec<UserId> = (0..USERS)
        .map(|i| {
            store
                .find_user(app, &format!("user{i:04}@example.com"))
                .unwrap()
        })
        .collect();
    println!(
        "metric entries {} entries",
        store.verify_audit().unwrap().entries
    );

    // One edit, recorded and not, interleaved so that both see the same cache and noise.
    let recorded = Actor::named("bench@host", Source::Cli).unwrap();
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..400 {
        let i = round % USERS;
        store.set_actor(recorded.clone());
        with.push(edit(&mut store, app, ids[i], i, 1_000 + round));
        store.set_actor(Actor::unrecorded_for_bench());
        without.push(edit(&mut store, app, ids[i], i, 2_000 + round));
    }
    let a = report("edit_with_audit", &mut with);
    let b = report("edit_without_audit", &mut without);
    println!("metric edit_audit_overhead {:.1} %", (a / b - 1.0) * 100.0);

    // The newest page, as the console pane and `audit list` read it.
    let all = AuditQuery::default();
    let mut first: Vec<Duration> = (0..200)
        .map(|_| {
            let start = Instant::now();
            assert_eq!(
                store.audit_page(&all, AuditPage::Newest(50)).unwrap().len(),
                50
            );
            start.elapsed()
        })
        .collect();
    report("first_page_50", &mut first);
    // The hardest filters: text that matches nothing, a rare op (both read every entry).
    for (name, query) in [
        (
            "filter_no_match",
            AuditQuery {
                text: "zzqx".into(),
                ..Default::default()
            },
        ),
        (
            "op_rare",
            AuditQuery {
                op: Some("app.create".into()),
                ..Default::default()
            },
        ),
        (
            "user_history",
            AuditQuery {
                user: Some("user0007@example.com".into()),
                ..Default::default()
            },
        ),
    ] {
        let mut times: Vec<Duration> = (0..5)
            .map(|_| {
                let start = Instant::now();
                store.audit_page(&query, AuditPage::Newest(50)).unwrap();
                start.elapsed()
            })
            .collect();
        report(name, &mut times);
    }
    let mut list: Vec<Duration> = (0..20)
        .map(|_| run_binary(&db, &["audit", "list", "--limit", "50"]))
        .collect();
    report("cli_audit_list_50_process", &mut list);

    let start = Instant::now();
    let verified = store.verify_audit().unwrap();
    assert_eq!(verified.broken, None);
    println!("metric verify_s {:.2} s", start.elapsed().as_secs_f64());
    let mut cli_verify = vec![run_binary(&db, &["audit", "verify"])];
    println!(
        "metric cli_verify_s {:.2} s",
        percentile(&mut cli_verify, 0.5) / 1000.0
    );
}
