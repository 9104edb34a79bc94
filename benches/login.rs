//! Login timing: a wrong password for an existing email, any password for an unknown
//! email, a locked-out email and a wrong password for a user whose stored hash is
//! much cheaper than today's (an imported argon2i with m=64, t=1) must cost the same
//! (within 10%), or the time of a failed login would tell an attacker which emails
//! exist. Prints the median (p50) and p99 of each path as `metric` lines.
//!
//!     cargo bench --bench login

use std::time::{Duration, Instant};

use argon2::password_hash::PasswordHasher;
use xusers::auth::PasswordHash;
use xusers::domain::{Password, UserDraft};
use xusers::store::{AppId, LoginPolicy, Store};

/// Attempts per path; each path's median and 99th percentile are reported.
const ATTEMPTS: usize = 101;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("login.db")).unwrap();
    let app = store.application("default").unwrap().id;
    let locked_app = store.application("locked").unwrap().id;
    // Production parameters: PasswordHash::new is what every user gets.
    let hash = PasswordHash::new(&Password::parse("right password").unwrap());
    for app in [app, locked_app] {
        let user = UserDraft {
            email: "ann@acme.io".into(),
            password: Some("right password".into()),
            ..Default::default()
        }
        .validate_new()
        .unwrap();
        store.create_user(app, &user, &hash).unwrap();
    }
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2i,
        argon2::Version::V0x13,
        argon2::Params::new(64, 1, 1, None).unwrap(),
    )
    .hash_password(b"right password")
    .unwrap()
    .to_string();
    let weak_user = UserDraft {
        email: "weak@acme.io".into(),
        password: Some("right password".into()),
        ..Default::default()
    }
    .validate_new()
    .unwrap();
    store
        .create_user(app, &weak_user, &PasswordHash::parse(&weak).unwrap())
        .unwrap();
    // Keep "ann" open to guessing in one application, locked out in the other.
    let policy = |max_failures| LoginPolicy {
        max_failures,
        window_secs: 3600,
    };
    store.set_login_policy(app, policy(1_000_000)).unwrap();
    store.set_login_policy(locked_app, policy(1)).unwrap();
    store.login(locked_app, "ann@acme.io", "wrong").unwrap_err();

    let paths: [(&str, AppId, &str); 4] = [
        ("wrong_password", app, "ann@acme.io"),
        ("unknown_email", app, "nobody@acme.io"),
        ("locked_out", locked_app, "ann@acme.io"),
        ("weak_hash_wrong_password", app, "weak@acme.io"),
    ];
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); paths.len()];
    // Interleaved, in turns that rotate, so that a slow moment of the machine and the
    // position in a round hit every path alike.
    for round in 0..ATTEMPTS + 3 {
        for turn in 0..paths.len() {
            let i = (round + turn) % paths.len();
            let (_, app, email) = paths[i];
            let started = Instant::now();
            let result = store.login(app, email, "not the password");
            let took = started.elapsed();
            assert!(result.is_err());
            if round >= 3 {
                samples[i].push(took);
            }
        }
    }
    samples.iter_mut().for_each(|s| s.sort());
    let medians: Vec<f64> = samples.iter().map(|s| percentile_ms(s, 50)).collect();
    for ((name, ..), s) in paths.iter().zip(&samples) {
        println!("metric login_{name}_p50 {:.3} ms", percentile_ms(s, 50));
        println!("metric login_{name}_p99 {:.3} ms", percentile_ms(s, 99));
    }
    let fastest = medians.iter().cloned().fold(f64::INFINITY, f64::min);
    let slowest = medians.iter().cloned().fold(0.0, f64::max);
    let spread = (slowest - fastest) / slowest * 100.0;
    println!("metric login_spread {spread:.1} %");
    println!("# {ATTEMPTS} attempts per path; target: spread of the medians within 10%");
}

/// The nearest-rank percentile of sorted samples, in milliseconds.
fn percentile_ms(sorted: &[Duration], percent: usize) -> f64 {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted[rank - 1].as_secs_f64() * 1000.0
}
