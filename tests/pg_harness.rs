//! The throwaway PostgreSQL cluster the tests run on (tests/common/pg.rs) works as it
//! promises: it starts, gives each test a database of its own, listens on no TCP port,
//! and goes away with the test process, even one that is killed.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::pg;

#[test]
fn a_cluster_starts_and_two_tests_get_different_empty_databases() {
    let (Some(first), Some(second)) = (pg::fresh_database(), pg::fresh_database()) else {
        return;
    };
    assert_ne!(first, second);
    let mut a = postgres::Client::connect(&first, postgres::NoTls).unwrap();
    let mut b = postgres::Client::connect(&second, postgres::NoTls).unwrap();
    a.batch_execute("CREATE TABLE only_here (x int)").unwrap();
    let seen = |c: &mut postgres::Client| -> i64 {
        c.query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'",
            &[],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!((seen(&mut a), seen(&mut b)), (1, 0));
    let trgm: i64 = b
        .query_one(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(trgm, 1, "pg_trgm (postgresql-contrib) must be installed");
}

#[test]
fn the_cluster_listens_on_its_private_socket_only_and_not_as_root() {
    let Some(cluster) = pg::cluster() else {
        return;
    };
    let mut c = cluster.connect("postgres").unwrap();
    let listen: String = c.query_one("SHOW listen_addresses", &[]).unwrap().get(0);
    assert_eq!(listen, "");
    let socket: String = c
        .query_one("SHOW unix_socket_directories", &[])
        .unwrap()
        .get(0);
    assert_eq!(socket, cluster.dir.display().to_string());
    let owner = std::fs::read_to_string(format!("/proc/{}/status", cluster.pid)).unwrap();
    let uid = owner.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(uid.split_whitespace().nth(1) != Some("0"), "{uid}");
}

/// Run only by the test below, in a child process it then kills.
#[test]
#[ignore = "a child process of the_cluster_goes_away_when_its_test_process_is_killed"]
fn child_starts_a_cluster_and_waits_to_be_killed() {
    if std::env::var_os("XUSERS_PG_CHILD").is_none() {
        return;
    }
    let cluster = pg::cluster().unwrap();
    println!("\ncluster: {} {}", cluster.pid, cluster.dir.display());
    std::thread::sleep(Duration::from_secs(600));
}

#[test]
fn the_cluster_goes_away_when_its_test_process_is_killed() {
    if pg::cluster().is_none() {
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_starts_a_cluster_and_waits_to_be_killed"])
        .args(["--ignored", "--nocapture", "--test-threads=1"])
        .env("XUSERS_PG_CHILD", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    // The harness may have begun the line with the test's name.
    while !line.starts_with("cluster: ") {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child ended early"
        );
    }
    let mut words = line.split_whitespace().skip(1);
    let (pid, dir) = (words.next().unwrap(), words.next().unwrap().to_owned());
    assert!(std::path::Path::new(&dir).join("data").is_dir());
    child.kill().unwrap();
    child.wait().unwrap();
    let started = Instant::now();
    while std::path::Path::new(&dir).exists() || running(pid) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{dir} or server {pid} still there after its test process was killed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether process `pid` still runs (a zombie no one reaped yet has ended).
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}
