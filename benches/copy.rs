//! `xusers copy` through the built binary: N users SQLite → PostgreSQL (target: the
//! 1,000,000-user database in ≤ 5 minutes), then back into a new SQLite file. Prints
//! `metric copy_to_postgres <s> s` and `metric copy_to_sqlite <s> s`. Then
//! `copy --merge` of the N users into a store of N others (the demo's users in another
//! application), SQLite and PostgreSQL (target: 100,000 into 100,000 well under a
//! minute), and into the copy back, where every user is in both (`--on-conflict
//! update`): `metric merge_into_sqlite`, `merge_update_sqlite`, `merge_into_postgres`.
//!
//!     cargo bench --bench copy                              # 10,000 users
//!     XUSERS_BENCH_USERS=1000000 cargo bench --bench copy   # the target's size
//!
//! The users are made by `xusers demo --users N`, or `XUSERS_BENCH_DB` names a SQLite
//! database to copy (read, not changed). PostgreSQL is a throwaway cluster started
//! for the run (tests/common/pg.rs: its server binaries must be installed).

#[allow(dead_code)]
#[path = "../tests/common/pg.rs"]
mod pg;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn main() {
    let users: u64 = std::env::var("XUSERS_BENCH_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let source = match std::env::var_os("XUSERS_BENCH_DB") {
        Some(db) => db.into(),
        None => {
            let db = dir.path().join("source.db");
            let start = Instant::now();
            xusers(&["--db", path(&db), "demo", "--users", &users.to_string()]);
            println!(
                "# seeded {users} users in {:.1} s",
                start.elapsed().as_secs_f64()
            );
            db
        }
    };
    let postgres = pg::fresh_database().expect("PostgreSQL's server binaries are needed");
    let back = dir.path().join("back.db");
    let to_postgres = copy(path(&source), &postgres);
    println!("metric copy_to_postgres {to_postgres:.1} s");
    let to_sqlite = copy(&postgres, path(&back));
    println!("metric copy_to_sqlite {to_sqlite:.1} s");
    let others = dir.path().join("others.db");
    let others_postgres = pg::fresh_database().expect("a second database");
    for target in [path(&others), &others_postgres] {
        let n = users.to_string();
        xusers(&["--db", target, "--app", "others", "demo", "--users", &n]);
    }
    let into_sqlite = copy_with(path(&source), path(&others), &["--merge"]);
    println!("metric merge_into_sqlite {into_sqlite:.1} s");
    let update = ["--merge", "--on-conflict", "update"];
    let updated = copy_with(path(&source), path(&back), &update);
    println!("metric merge_update_sqlite {updated:.1} s");
    let into_postgres = copy_with(path(&source), &others_postgres, &["--merge"]);
    println!("metric merge_into_postgres {into_postgres:.1} s");
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Runs `xusers copy` and returns its seconds, after printing its summary.
fn copy(from: &str, to: &str) -> f64 {
    copy_with(from, to, &[])
}

/// Runs `xusers copy` with `extra` flags (`--merge`): its seconds.
fn copy_with(from: &str, to: &str, extra: &[&str]) -> f64 {
    let start = Instant::now();
    let summary = xusers(&[&["copy", "--from", from, "--to", to], extra].concat());
    let took = start.elapsed().as_secs_f64();
    print!("# {summary}");
    took
}

fn xusers(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xusers"))
        .args(["--log-level", "off"])
        .args(args)
        .output()
        .expect("run xusers");
    assert!(
        out.status.success(),
        "xusers {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
