//! `xusers copy` through the built binary: N users SQLite → PostgreSQL (target: the
//! 1,000,000-user database in ≤ 5 minutes), then back into a new SQLite file. Prints
//! `metric copy_to_postgres <s> s` and `metric copy_to_sqlite <s> s`.
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
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Runs `xusers copy` and returns its seconds, after printing its summary.
fn copy(from: &str, to: &str) -> f64 {
    let start = Instant::now();
    let summary = xusers(&["copy", "--from", from, "--to", to]);
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
