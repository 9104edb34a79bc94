//! `users import` through the release binary, on files it writes first:
//! - 100,000 users with argon2id PHC hashes: target ≤ 5 s, peak RSS ≤ 100 MB (the file
//!   is read row by row, so memory stays flat);
//! - 100,000 Firebase users (the firebase/scrypt README's sample hash): ≤ 10 s (hashes
//!   are checked at login, not at import);
//! - 200 users with plaintext passwords on one thread (`--jobs 1`) and on every core:
//!   target ≥ 1.7× faster on a two-core machine;
//! - and in process, the first login of users with foreign hashes (verified beside the
//!   argon2id hash that replaces them) against an argon2id login: target within 2×.
//!
//! With `XUSERS_BENCH_PG` naming an empty PostgreSQL database, the PHC users are also
//! imported there in two halves, the second into the first: an import in linear time
//! takes as long for each (before schema version 13, 5,000 users into an empty
//! database took 60 s, and each user more took longer).
//!
//! Prints `metric` lines. `XUSERS_BENCH_IMPORT_USERS=N` sets the large files' size.
//!
//!     cargo bench --bench import
//!     XUSERS_BENCH_IMPORT_USERS=20000 XUSERS_BENCH_PG='host=/tmp/pg dbname=empty' cargo bench --bench import

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use xusers::auth::PasswordHash;
use xusers::domain::{Password, UserDraft};
use xusers::store::Store;

const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$iGSr6oB4y+c48E3NuDr72g$pAeaZBdHWF2Up0wnsdnDp053XbQ+rdOxj99D7Ee5qDI";
const FIREBASE_KEY: &str =
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";
const FIREBASE_SALT: &str = "42xEC+ixf3L2lw==";
const FIREBASE_HASH: &str =
    "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
/// First logins per scheme; the median is reported.
const LOGINS: usize = 15;

fn main() {
    let users: usize = std::env::var("XUSERS_BENCH_IMPORT_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();

    let phc = dir.path().join("phc.json");
    write_phc_users(&phc, 0..users);
    let (took, rss) = import(dir.path(), "phc", &phc, &[]);
    println!(
        "metric import_phc_{users}_seconds {:.2} s",
        took.as_secs_f64()
    );
    println!("metric import_phc_{users}_peak_rss {:.1} MB", rss);

    let firebase = dir.path().join("firebase.json");
    write_users(&firebase, users, "{\"users\":[", "]}", |i| {
        format!(
            "{{\"localId\":\"uid{i}\",\"email\":\"user{i}@test.com\",\"emailVerified\":true,\
             \"passwordHash\":\"{FIREBASE_HASH}\",\"salt\":\"{FIREBASE_SALT}\",\
             \"displayName\":\"Test User {i}\",\"createdAt\":\"1508893925000\"}}"
        )
    });
    let params = [
        "--from",
        "firebase",
        "--hash-key",
        FIREBASE_KEY,
        "--salt-separator",
        "Bw==",
        "--rounds",
        "8",
        "--mem-cost",
        "14",
    ];
    let (took, rss) = import(dir.path(), "firebase", &firebase, &params);
    println!(
        "metric import_firebase_{users}_seconds {:.2} s",
        took.as_secs_f64()
    );
    println!("metric import_firebase_{users}_peak_rss {:.1} MB", rss);

    let plain = dir.path().join("plain.json");
    write_users(&plain, 200, "[", "]", |i| {
        format!("{{\"email\":\"plain{i}@example.com\",\"password\":\"password number {i}\"}}")
    });
    let (one, _) = import(dir.path(), "plain-1", &plain, &["--jobs", "1"]);
    let (all, _) = import(dir.path(), "plain-all", &plain, &[]);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "metric import_plain_200_one_thread {:.2} s",
        one.as_secs_f64()
    );
    println!(
        "metric import_plain_200_{cores}_threads {:.2} s",
        all.as_secs_f64()
    );
    println!(
        "metric import_plain_200_speedup {:.2} x",
        one.as_secs_f64() / all.as_secs_f64()
    );

    first_logins(dir.path());

    if let Ok(database) = std::env::var("XUSERS_BENCH_PG") {
        let half = users / 2;
        for (name, users) in [("first_half", 0..half), ("second_half", half..2 * half)] {
            let file = dir.path().join(format!("{name}.json"));
            write_phc_users(&file, users);
            let (took, _) = import_into(database.as_ref(), name, &file, &[]);
            println!(
                "metric import_phc_postgres_{name}_of_{}_seconds {:.2} s",
                2 * half,
                took.as_secs_f64()
            );
        }
    }
}

/// Writes the users numbered `users`, with argon2id PHC hashes, as an xusers file.
fn write_phc_users(path: &Path, users: std::ops::Range<usize>) {
    let first = users.start;
    write_users(
        path,
        users.len(),
        "{\"format\":\"xusers-users\",\"version\":1,\"users\":[",
        "]}",
        |i| {
            let i = first + i;
            format!(
                "{{\"email\":\"user{i}@example.com\",\"first_name\":\"First{i}\",\"last_name\":\"Last\",\
             \"tags\":{{\"plan\":\"pro\"}},\"created\":\"2024-03-01T09:30:00Z\",\"password_hash\":\"{PHC}\"}}"
            )
        },
    );
}

/// Writes `count` users made by `user` between `head` and `tail`, joined by commas.
fn write_users(path: &Path, count: usize, head: &str, tail: &str, user: impl Fn(usize) -> String) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(head.as_bytes()).unwrap();
    for i in 0..count {
        if i > 0 {
            file.write_all(b",").unwrap();
        }
        file.write_all(user(i).as_bytes()).unwrap();
    }
    file.write_all(tail.as_bytes()).unwrap();
    file.flush().unwrap();
}

/// Imports `file` into a new database; the wall time and the process's peak RSS (MB).
fn import(dir: &Path, name: &str, file: &Path, args: &[&str]) -> (Duration, f64) {
    import_into(dir.join(format!("{name}.db")).as_os_str(), name, file, args)
}

/// Imports `file` into the database `db`; the wall time and the process's peak RSS (MB).
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps the child, to read its own peak RSS"
)]
fn import_into(db: &std::ffi::OsStr, name: &str, file: &Path, args: &[&str]) -> (Duration, f64) {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_xusers"))
        .arg("--db")
        .arg(db)
        .args(["users", "import"])
        .arg(file)
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 reaps the child it was given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let took = started.elapsed();
    assert_eq!(reaped, child.id() as libc::pid_t);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{name} failed"
    );
    (took, usage.ru_maxrss as f64 / 1024.0)
}

/// The first login of users whose stored hash is foreign (verified, then replaced by
/// argon2id) against the login of a user with today's argon2id.
fn first_logins(dir: &Path) {
    let mut store = Store::open(&dir.join("logins.db")).unwrap();
    let app = store.application("default").unwrap().id;
    let firebase = xusers::auth::FirebaseParams::new(FIREBASE_KEY, "Bw==", 8, 14)
        .unwrap()
        .stored(FIREBASE_SALT, FIREBASE_HASH)
        .unwrap();
    // Auth0's recommended bcrypt cost (bcrypt's own default is 12).
    let bcrypt = bcrypt::hash("bcrypt password", 10).unwrap();
    let argon2id = PasswordHash::new(&Password::parse("argon2id password").unwrap());
    let schemes: [(&str, String, &str); 5] = [
        ("argon2id", argon2id.as_str().to_string(), "argon2id password"),
        ("firebase_scrypt", firebase, "user1password"),
        ("bcrypt_cost_10", bcrypt, "bcrypt password"),
        // Keycloak's default PBKDF2 (27,500 iterations), from Python's hashlib.
        (
            "pbkdf2_sha256_27500",
            "$pbkdf2-sha256$i=27500$a2V5Y2xvYWstc2FsdC0xNg$pvJSWKlg8dV72u7hvwIRi+FzAw66gP2b6ljB2SJ8Gxo".into(),
            "correct horse battery",
        ),
        // Django's test vector (600,000 iterations).
        (
            "django_pbkdf2_600000",
            "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=".into(),
            "lètmein",
        ),
    ];
    let mut medians = Vec::new();
    for (name, hash, password) in &schemes {
        let hash = PasswordHash::parse(hash).unwrap();
        let mut samples = Vec::new();
        for i in 0..LOGINS {
            let email = format!("{name}{i}@example.com");
            let user = UserDraft {
                email: email.clone(),
                password: Some("placeholder password".into()),
                ..Default::default()
            }
            .validate_new()
            .unwrap();
            store.create_user(app, &user, &hash).unwrap();
            let started = Instant::now();
            store.login(app, &email, password).unwrap();
            samples.push(started.elapsed());
        }
        samples.sort();
        let median = samples[LOGINS / 2].as_secs_f64() * 1000.0;
        println!("metric login_first_{name}_p50 {median:.1} ms");
        medians.push(median);
    }
    for ((name, ..), median) in schemes.iter().zip(&medians).skip(1) {
        println!(
            "metric login_first_{name}_vs_argon2id {:.2} x",
            median / medians[0]
        );
    }
    println!("# targets: PHC ≤ 5 s and ≤ 100 MB, Firebase ≤ 10 s, speedup ≥ 1.7x, logins ≤ 2x");
}
