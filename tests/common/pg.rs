//! A throwaway PostgreSQL cluster for the tests of one test process: started on first
//! use, in a temporary folder, listening only on a unix socket there (no TCP), run as
//! `nobody` when the tests run as root; a watchdog stops it and removes the folder as
//! soon as the test process ends, however it ends (even killed). Each test gets a
//! database of its own. Where the server binaries are absent, the PostgreSQL cases
//! print one line saying they did not run, and skip.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The superuser `initdb` creates; over the cluster's socket it needs no password.
const SUPERUSER: &str = "xusers";

pub struct Cluster {
    /// Holds the data folder, the socket and the server's log.
    pub dir: PathBuf,
    /// The server's process id.
    pub pid: u32,
    next: AtomicU32,
}

/// The test process's cluster, started on first call; `None` (after printing one line
/// for the whole process) where the PostgreSQL server binaries are absent.
pub fn cluster() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
    CLUSTER
        .get_or_init(|| match bindir() {
            Some(bin) => Some(Cluster::start(&bin)),
            None => {
                // Straight to stderr: the test harness would swallow `eprintln!`.
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "postgresql: not run (initdb not found)"
                );
                None
            }
        })
        .as_ref()
}

/// A connection string for a new, empty database on the test process's cluster, or
/// `None` where PostgreSQL cannot run here (see [`cluster`]).
pub fn fresh_database() -> Option<String> {
    cluster().map(|cluster| cluster.create_database(None))
}

/// A connection string for a new database holding what `fill` wrote into the database
/// `template` (given its connection string) the first time this process asked for it:
/// a set-up made once and copied for each test. `None` where PostgreSQL cannot run
/// here (see [`cluster`]). `fill` must close its connections before it returns.
pub fn copy_of(template: &str, fill: impl FnOnce(&str)) -> Option<String> {
    static MADE: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let cluster = cluster()?;
    {
        // Held while `fill` runs, so that no test copies a template half made.
        let mut made = MADE.lock().unwrap();
        if !made.iter().any(|name| name == template) {
            let mut admin = cluster.connect("postgres").unwrap();
            (admin.batch_execute(&format!("CREATE DATABASE {template}"))).unwrap();
            fill(&cluster.connection_string(template));
            made.push(template.to_string());
        }
    }
    Some(cluster.create_database(Some(template)))
}

/// The folder of PostgreSQL's server binaries: Debian's newest under
/// /usr/lib/postgresql, else what `pg_config --bindir` says.
fn bindir() -> Option<PathBuf> {
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    debian.sort_by_key(|bin| {
        let version = bin.parent().and_then(Path::file_name);
        version.and_then(|v| v.to_str()?.parse::<u32>().ok())
    });
    debian.pop().or_else(|| {
        let out = Command::new("pg_config").arg("--bindir").output().ok()?;
        let bin = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
        bin.join("initdb").is_file().then_some(bin)
    })
}

/// Runs the server's programs as `nobody` when this process is root (PostgreSQL
/// refuses to run as root); as this user otherwise.
fn as_server_user(program: &Path) -> Command {
    if unsafe { libc::geteuid() } != 0 {
        return Command::new(program);
    }
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(program);
    command
}

/// Gives `path` to `nobody` when this process is root.
fn hand_to_server_user(path: &Path) {
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let nobody = unsafe { libc::getpwnam(c"nobody".as_ptr()) };
    assert!(
        !nobody.is_null(),
        "there is no user nobody to run PostgreSQL as"
    );
    let (uid, gid) = unsafe { ((*nobody).pw_uid, (*nobody).pw_gid) };
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

impl Cluster {
    #[expect(
        clippy::zombie_processes,
        reason = "the server outlives this process; the watchdog reaps nothing, it stops it"
    )]
    fn start(bin: &Path) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("xusers-pg-")
            .tempdir_in("/tmp")
            .unwrap()
            .keep();
        hand_to_server_user(&dir);
        let data = dir.join("data");
        let initdb = as_server_user(&bin.join("initdb"))
            .current_dir(&dir)
            .arg("--pgdata")
            .arg(&data)
            .args(["--username", SUPERUSER, "--auth=trust", "--no-sync"])
            .args(["--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"])
            .output()
            .unwrap();
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let server = as_server_user(&bin.join("postgres"))
            .current_dir(&dir)
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&dir)
            // Only the socket; throwaway data needs no durability.
            .args(["-c", "listen_addresses=", "-c", "fsync=off"])
            .args(["-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
            .args(["-c", "max_connections=200"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Its own process group: a Ctrl-C to the tests reaches the watchdog's
            // shutdown, not the server directly.
            .process_group(0)
            .spawn()
            .unwrap();
        let cluster = Cluster {
            pid: server.id(),
            dir,
            next: AtomicU32::new(1),
        };
        cluster.watch();
        cluster.wait_ready();
        cluster
    }

    /// A watchdog, outside this process and its process group, that waits for this
    /// process to end, then stops the server (fast shutdown, killed if it lingers) and
    /// removes the folder.
    #[expect(
        clippy::zombie_processes,
        reason = "the watchdog outlives this process by design"
    )]
    fn watch(&self) {
        let script = r#"
            while kill -0 "$1" 2>/dev/null; do sleep 0.2; done
            kill -INT "$2" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$2" 2>/dev/null || break; sleep 0.2; done
            kill -KILL "$2" 2>/dev/null
            rm -rf "$3"
        "#;
        Command::new("sh")
            .args(["-c", script, "watchdog"])
            .arg(std::process::id().to_string())
            .arg(self.pid.to_string())
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        loop {
            match self.connect("postgres") {
                Ok(_) => return,
                Err(e) if started.elapsed() > Duration::from_secs(60) => panic!(
                    "the test PostgreSQL server did not start: {e}\n{}",
                    std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
                ),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// The connection string of database `dbname` on this cluster.
    pub fn connection_string(&self, dbname: &str) -> String {
        format!(
            "host={} user={SUPERUSER} dbname={dbname}",
            self.dir.display()
        )
    }

    /// A plain client, as the cluster's superuser, for a test to look at a database.
    pub fn connect(&self, dbname: &str) -> Result<postgres::Client, postgres::Error> {
        postgres::Client::connect(&self.connection_string(dbname), postgres::NoTls)
    }

    /// A new database: empty, or a copy of `template`.
    fn create_database(&self, template: Option<&str>) -> String {
        let name = format!("t_{}", self.next.fetch_add(1, Ordering::Relaxed));
        let template = template.map_or(String::new(), |t| format!(" TEMPLATE {t}"));
        let mut admin = self.connect("postgres").unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}{template}"))
            .unwrap();
        self.connection_string(&name)
    }
}

/// Waits until a statement like one of `statements` (SQL `LIKE` patterns) runs on the
/// database of connection string `database`, run by `child`; fails, naming `what`, if
/// `child` ends first.
pub fn wait_until_running(
    database: &str,
    statements: &[&str],
    child: &mut std::process::Child,
    what: &str,
) {
    let dbname = database.rsplit("dbname=").next().unwrap();
    let mut watcher = cluster().unwrap().connect("postgres").unwrap();
    loop {
        let running: i64 = watcher
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE ANY($2)",
                &[&dbname, &statements],
            )
            .unwrap()
            .get(0);
        if running > 0 {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the {what} ended before it could be stopped"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}
