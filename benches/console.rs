//! The console at scale: drives the real `App` with key events, draws every frame
//! into a 160×48 `TestBackend`, and prints `metric <name> <value> <unit>` lines.
//!
//!     cargo bench --bench console                          # 1,000,000 users
//!     XUSERS_BENCH_USERS=10000 cargo bench --bench console  # CI-sized
//!     XUSERS_BENCH_ONLY=groups,mark_all cargo bench --bench console  # some parts
//!
//! The dataset is made once by the real binary (`xusers demo --users N`) and kept
//! under target/ for later runs; `XUSERS_BENCH_DB=PATH` uses (or makes there) another
//! file instead. `XUSERS_BENCH_DB` may name a PostgreSQL database as `--db` does (a
//! `postgres://` URL or a `key=value` string): the console opens it as `xusers --db`
//! does, and seeds it with `xusers --db … demo --users N` when it has no users. The
//! database must exist; on a local socket (a cluster whose socket folder is /tmp/pg):
//!
//!     XUSERS_BENCH_USERS=200000 XUSERS_BENCH_DB='host=/tmp/pg user=me dbname=bench' cargo bench --bench console
//!
//! Every part runs on PostgreSQL but `cold`: the server keeps what it read in its own
//! shared buffers, which dropping the OS page cache does not empty (it says so).
//! `XUSERS_BENCH_ONLY` names the parts to run, by commas: `cold`,
//! `groups` (the Groups pane's cases), `nav`, `pane_switch`, `sort`, `filter`,
//! `mark_all`, `members` (a group's members view and the user picker), `suggest`,
//! `tokens`; all of them when unset.
//!
//! Filter cases include the hardest a user can type: one- and two-letter terms that
//! match little or nothing, or many users (`qu`: 1 in 30, all two thirds down the
//! email order; `ki`: 1 in 10, spread along it), a tag one user in six carries (alone and with text), a
//! tag key half the users carry; keys come every 30 ms without waiting for rows or
//! counts. Pages and counts are read off the UI thread, as in the console:
//! `key_echo` is key → frame showing the typed key; `first_page` is key → frame
//! showing that key's rows (a key whose page a later key superseded before it came is
//! counted as superseded, not timed); `count` is key → match count, for the last key
//! of each term. `nav`, `pane_switch` and `sort` are key → frame with fresh rows; the
//! first sort by each field and direction is `sort_first`, apart from `sort`.
//! `mark_all` is `*` → frame showing the marks (over everyone, a common tag and a
//! short text); `mark_all_count` is `*` → the exact "N marked" in the title.
//! `groups_open` is `4` → the frame showing the group tree with every group's kept
//! counts, direct and including subgroups (1,000,000 users come with 200 groups).
//! A group's members view and the user picker are measured likewise
//! (`members_and_picker`): the members view of the top group (`members_…`) and of a
//! mid-size one (`mid_members_…`, the group nearest 20,000 members), each opened,
//! browsed, filtered with the user list's terms and sorted.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use xusers::store::{Location, Page, Store, UserQuery, unix_now};
use xusers::tui::action::Action;
use xusers::tui::app::App;
use xusers::tui::events::Event;
use xusers::tui::theme::Theme;
use xusers::tui::update::press_key;
use xusers::tui::update::update;
use xusers::tui::views;

const SIZE: (u16, u16) = (160, 48);
/// How fast the benchmark types into the filter.
const KEY_INTERVAL: Duration = Duration::from_millis(30);
/// Times each filter case is typed.
const ROUNDS: usize = 30;
/// Times each of the user picker's terms is typed.
const PICKER_ROUNDS: usize = 12;
/// Times the Groups pane is opened.
const GROUPS_ROUNDS: usize = 200;

struct Console {
    app: App,
    terminal: Terminal<TestBackend>,
    /// When the key whose rows the list waits for was pressed.
    page_asked: Option<Instant>,
    /// Key → frame with that key's rows, for the keys whose page arrived.
    pages: Vec<Duration>,
    /// Keys whose page a later key superseded before it arrived.
    superseded: usize,
}

impl Console {
    fn draw(&mut self) {
        let app = &self.app;
        self.terminal.draw(|f| views::view(app, f)).unwrap();
    }

    /// One key press → updated frame; returns how long that took (the key's echo).
    fn press(&mut self, code: KeyCode, modifiers: KeyModifiers) -> Duration {
        let start = Instant::now();
        press_key(&mut self.app, KeyEvent::new(code, modifiers));
        self.draw();
        if self.app.browse.stale() {
            if self.page_asked.is_some() {
                self.superseded += 1;
            }
            self.page_asked = Some(start);
        }
        start.elapsed()
    }

    fn key(&mut self, code: KeyCode) -> Duration {
        self.press(code, KeyModifiers::NONE)
    }

    fn char(&mut self, c: char) -> Duration {
        self.key(KeyCode::Char(c))
    }

    /// A key, then the frame that shows its rows: returns key → fresh frame.
    fn key_until_fresh(&mut self, code: KeyCode) -> Duration {
        let start = Instant::now();
        self.key(code);
        self.settle(|app| !app.browse.stale());
        self.page_asked = None;
        start.elapsed()
    }

    /// Applies what finished off the UI thread, drawing a frame after each, as the
    /// event loop does, until `deadline`.
    fn settle_until(&mut self, deadline: Instant) {
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if let Some(Event::Done(done)) = self.app.next_event(left) {
                self.apply(done);
            }
        }
    }

    /// Applies what finished off the UI thread until `done` holds (at most 30 s);
    /// returns whether it came to hold.
    fn settle(&mut self, done: impl Fn(&App) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done(&self.app) {
            match self
                .app
                .next_event(deadline.saturating_duration_since(Instant::now()))
            {
                Some(Event::Done(action)) => self.apply(action),
                _ => return false,
            }
        }
        true
    }

    fn apply(&mut self, done: Action) {
        update(&mut self.app, done);
        self.draw();
        if !self.app.browse.stale()
            && let Some(asked) = self.page_asked.take()
        {
            self.pages.push(asked.elapsed());
        }
    }

    /// Waits for the pending rows and match count; returns whether they arrived.
    fn await_count(&mut self) -> bool {
        self.settle(|app| !app.browse.stale() && app.browse.count_pending.is_none())
    }
}

/// The benchmark's database: a SQLite file made once, or the PostgreSQL database
/// `XUSERS_BENCH_DB` names, seeded when it has no users.
fn dataset(users: u64) -> Location {
    let (dir, path) = match std::env::var_os("XUSERS_BENCH_DB") {
        Some(text) => match Location::parse_os(&text).expect("XUSERS_BENCH_DB") {
            Location::Sqlite(path) => (path.parent().expect("a file").to_path_buf(), path),
            postgres => {
                let empty = Store::open(postgres.clone())
                    .and_then(|mut store| {
                        let app = store.application("default")?;
                        Ok(store.scope_counts(app.id)?.all == 0)
                    })
                    .expect("open the PostgreSQL database");
                if empty {
                    seed(&text, users);
                }
                return postgres;
            }
        },
        None => {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
            let path = dir.join(format!("bench-{users}.db"));
            (dir, path)
        }
    };
    if !path.exists() {
        let partial = dir.join(format!("bench-{users}.partial.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
        }
        seed(partial.as_os_str(), users);
        // Checkpoint the WAL into the file before it is renamed.
        drop(Store::open(&partial).expect("reopen"));
        std::fs::rename(&partial, &path).expect("keep the dataset");
    }
    Location::Sqlite(path)
}

/// Seeds `users` demo users into `db` (as `--db` takes it) with the real binary,
/// timed as `seed`.
fn seed(db: &std::ffi::OsStr, users: u64) {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_xusers"))
        .arg("--db")
        .arg(db)
        .args(["demo", "--users", &users.to_string()])
        .status()
        .expect("run xusers demo");
    assert!(status.success(), "seeding failed");
    metric("seed", start.elapsed().as_secs_f64(), "s");
}

/// Opens the database and draws the first frame with rows and counts; returns the
/// console and how long that took in milliseconds.
fn open_console(location: &Location) -> (Console, f64) {
    let start = Instant::now();
    let mut store = Store::open(location.clone()).unwrap();
    let application = store.application("default").unwrap();
    let app = App::new(
        store,
        application,
        "bench".into(),
        SIZE,
        unix_now(),
        Theme::color(),
    )
    .unwrap();
    let mut console = Console {
        app,
        terminal: Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap(),
        page_asked: None,
        pages: Vec::new(),
        superseded: 0,
    };
    assert!(console.await_count(), "the first page");
    console.draw();
    (console, ms(start.elapsed()))
}

/// Empties the OS page cache (needs root and a writable /proc/sys).
fn drop_page_cache() -> std::io::Result<()> {
    std::process::Command::new("sync").status()?;
    std::fs::write("/proc/sys/vm/drop_caches", "3")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn metric(name: &str, value: f64, unit: &str) {
    println!("metric {name} {value:.3} {unit}");
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    ms(samples[i])
}

fn report(name: &str, samples: &mut [Duration]) {
    assert!(
        samples.len() >= 200,
        "{name}: only {} samples",
        samples.len()
    );
    metric(&format!("{name}_p50"), percentile(samples, 0.50), "ms");
    metric(&format!("{name}_p99"), percentile(samples, 0.99), "ms");
}

/// The processor time the whole process (every thread, ended ones too) has used.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// One round of a filter case: each key's first page, the count, and the processor
/// time the round used (all threads), to tell a round that worked more from one
/// that waited.
fn print_round(
    part: &str,
    round: usize,
    term: &str,
    pages: &[Duration],
    count: Duration,
    cpu: Duration,
) {
    let pages: Vec<String> = pages.iter().map(|p| format!("{:.1}", ms(*p))).collect();
    println!(
        "# round {part} {round:2} {term:?}: first_page [{}] count {:.1} ms, cpu {:.1} ms",
        pages.join(" "),
        ms(count),
        ms(cpu)
    );
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A five-letter piece of one user's email that few others share.
fn rare_term(store: &Store, app: xusers::store::AppId) -> String {
    let last = store
        .list_users(app, &UserQuery::default(), &Page::Last(1))
        .unwrap();
    let email = &last[0].email;
    let at = email.find('@').unwrap();
    email[at.saturating_sub(4)..=at].to_string()
}

fn main() {
    let users: u64 = std::env::var("XUSERS_BENCH_USERS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let location = dataset(users);
    println!("# {location}");

    // `XUSERS_BENCH_ONLY=mark_all,nav` runs only those parts (all when unset); `cold`
    // is the open after dropping the page cache, which slows whatever else runs.
    let only = std::env::var("XUSERS_BENCH_ONLY").unwrap_or_default();
    let wanted = |part: &str| only.is_empty() || only.split(',').any(|p| p.trim() == part);
    if wanted("cold") && location.sqlite_path().is_none() {
        println!(
            "# cold open skipped: PostgreSQL keeps what it read in its shared buffers, which dropping the page cache does not empty"
        );
    } else if wanted("cold") {
        match drop_page_cache() {
            Ok(()) => {
                let (_, took) = open_console(&location);
                metric("open_first_frame_cold", took, "ms");
            }
            Err(why) => println!("# cold open skipped: cannot drop the page cache ({why})"),
        }
    }
    let (mut console, took) = open_console(&location);
    metric("open_first_frame", took, "ms");
    let app_id = console.app.session.application.id;
    let counts = console.app.session.store.scope_counts(app_id).unwrap();
    println!("# {} users", counts.all);
    if wanted("groups") {
        let groups = console.app.session.store.groups(app_id).unwrap().len();
        println!("# {groups} groups");
        let shown = |app: &App| {
            app.groups
                .as_ref()
                .is_some_and(|g| g.loaded && !g.loading())
        };
        let mut open_groups = Vec::new();
        for _ in 0..GROUPS_ROUNDS {
            console.key_until_fresh(KeyCode::Char('1'));
            let start = Instant::now();
            console.char('4');
            assert!(console.settle(shown), "the tree");
            open_groups.push(start.elapsed());
        }
        let tree = &console.app.groups.as_ref().unwrap().tree.groups;
        assert!(
            tree.iter().any(|g| g.with_subgroups > g.members),
            "the tree came with its counts including subgroups"
        );
        report("groups_open", &mut open_groups);
        metric("groups_open_max", percentile(&mut open_groups, 1.0), "ms");
        console.key_until_fresh(KeyCode::Char('1'));
    }

    if wanted("nav") {
        let mut nav = Vec::new();
        for i in 0..400 {
            let code = match i % 10 {
                0..=4 => KeyCode::Down,
                5..=7 => KeyCode::PageDown,
                8 => KeyCode::End,
                _ => KeyCode::Home,
            };
            nav.push(console.key_until_fresh(code));
        }
        for _ in 0..50 {
            nav.push(console.key_until_fresh(KeyCode::End));
            nav.push(console.key_until_fresh(KeyCode::PageUp));
            nav.push(console.key_until_fresh(KeyCode::Up));
        }
        report("nav", &mut nav);
    }

    if wanted("pane_switch") {
        let mut panes = Vec::new();
        for i in 0..300 {
            panes.push(console.key_until_fresh(KeyCode::Char(['2', '3', '1'][i % 3])));
        }
        report("pane_switch", &mut panes);
    }

    if wanted("sort") {
        // The first sort by each field and direction reads its index and rows into the
        // caches (after `cold`, from disk): those ten are timed apart, as `sort_first`.
        let (mut sorts, mut first, mut seen) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..260 {
            let took = console.key_until_fresh(KeyCode::Char(if i % 5 == 4 { 'S' } else { 's' }));
            let sort = console.app.browse.sort;
            if seen.contains(&sort) {
                sorts.push(took);
            } else {
                println!(
                    "# first sort by {} {}: {:.1} ms",
                    sort.field.name(),
                    if sort.descending {
                        "descending"
                    } else {
                        "ascending"
                    },
                    ms(took)
                );
                seen.push(sort);
                first.push(took);
            }
        }
        report("sort", &mut sorts);
        metric("sort_first_p50", percentile(&mut first, 0.5), "ms");
        metric("sort_first_max", percentile(&mut first, 1.0), "ms");
        while console.app.browse.sort != Default::default() {
            console.key_until_fresh(KeyCode::Char('s'));
        }
    }

    if wanted("filter") {
        let rare = rare_term(&console.app.session.store, app_id);
        println!("# rare term: {rare}");
        let cases = [
            "q",
            "qu",
            "ki",
            "qz",
            "xj",
            "ali",
            "@acme",
            rare.as_str(),
            "smith ali",
            "tag:ext_0042=v17",
            "tag:plan=pro",
            "tag:plan=pro smi",
            "tag:locale",
        ];
        let mut echoes: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
        let mut pages: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
        let mut superseded = vec![0usize; cases.len()];
        let mut counts: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
        for round in 0..ROUNDS {
            for (case, term) in cases.iter().enumerate() {
                console.char('/');
                console.pages.clear();
                console.superseded = 0;
                let cpu = cpu_time();
                let mut typed = Instant::now();
                for c in term.chars() {
                    // Keys come every 30 ms whatever is still pending.
                    console.settle_until(typed + KEY_INTERVAL);
                    typed = Instant::now();
                    let echo = console.char(c);
                    assert!(
                        console.app.browse.filter.value().ends_with(c),
                        "the frame shows the key"
                    );
                    echoes[case].push(echo);
                    if round == 0 {
                        println!("# filter {term:?} {c:?}: key echo {:.2} ms", ms(echo));
                    }
                }
                assert!(console.await_count(), "rows and a count for {term}");
                counts[case].push(typed.elapsed());
                print_round(
                    "filter",
                    round,
                    term,
                    &console.pages,
                    typed.elapsed(),
                    cpu_time() - cpu,
                );
                pages[case].append(&mut console.pages);
                superseded[case] += console.superseded;
                console.key_until_fresh(KeyCode::Esc);
            }
        }
        for (case, term) in cases.iter().enumerate() {
            let name = format!("filter {term:?}");
            println!(
                "# {name:<26} key_echo p99 {:5.2} ms · first_page p50 {:6.1} p99 {:6.1} ms ({} superseded of {}) · count p50 {:6.1} p99 {:6.1} ms",
                percentile(&mut echoes[case], 0.99),
                percentile(&mut pages[case], 0.50),
                percentile(&mut pages[case], 0.99),
                superseded[case],
                echoes[case].len(),
                percentile(&mut counts[case], 0.50),
                percentile(&mut counts[case], 0.99),
            );
            let slug: String = term
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            metric(
                &format!("key_echo_p99[{slug}]"),
                percentile(&mut echoes[case], 0.99),
                "ms",
            );
            metric(
                &format!("first_page_p99[{slug}]"),
                percentile(&mut pages[case], 0.99),
                "ms",
            );
        }
        let mut all_echoes: Vec<Duration> = echoes.concat();
        let mut all_pages: Vec<Duration> = pages.concat();
        let mut all_counts: Vec<Duration> = counts.concat();
        let worst = |samples: &mut [Vec<Duration>]| {
            samples
                .iter_mut()
                .map(|s| percentile(s, 0.99))
                .fold(0.0, f64::max)
        };
        report("key_echo", &mut all_echoes);
        metric("key_echo_worst_case_p99", worst(&mut echoes), "ms");
        report("first_page", &mut all_pages);
        metric("first_page_worst_case_p99", worst(&mut pages), "ms");
        metric("count_p99", percentile(&mut all_counts, 0.99), "ms");
        metric("count_worst_case_p99", worst(&mut counts), "ms");
    }

    if wanted("mark_all") {
        // `*` marks everything the pane and filter show: key → frame with the marks in
        // the gutter (the selection is the query, never a million ids); then how long the
        // exact "N marked" takes to arrive, and `u` clears.
        let mut mark_all = Vec::new();
        let mut marked_counts = Vec::new();
        for round in 0..70 {
            for filter in ["", "tag:plan=pro", "ali"] {
                if !filter.is_empty() {
                    console.char('/');
                    for c in filter.chars() {
                        console.char(c);
                    }
                    console.key(KeyCode::Enter);
                    assert!(console.await_count(), "rows and a count for {filter}");
                }
                let start = Instant::now();
                let echo = console.char('*');
                let selected = console.app.browse.list.selected_row().map(|r| r.id);
                assert!(
                    selected.is_some_and(|id| console.app.browse.marks.is_marked(id)),
                    "the frame shows the marks"
                );
                mark_all.push(echo);
                assert!(console.await_count(), "the marked users counted");
                marked_counts.push(start.elapsed());
                if round == 0 {
                    println!(
                        "# * over {filter:?}: {} marked; key → frame {:.2} ms, exact count {:.1} ms",
                        console.app.browse.marks.count.unwrap_or(0),
                        ms(echo),
                        ms(start.elapsed())
                    );
                }
                console.char('u');
                console.await_count();
                if !filter.is_empty() {
                    console.key_until_fresh(KeyCode::Esc);
                }
            }
        }
        report("mark_all", &mut mark_all);
        metric(
            "mark_all_count_p99",
            percentile(&mut marked_counts, 0.99),
            "ms",
        );
    }

    if wanted("members") {
        members_and_picker(&mut console);
    }

    if wanted("suggest") {
        console.char('a');
        for _ in 0..5 {
            console.key(KeyCode::Tab);
        }
        let mut suggest = Vec::new();
        while suggest.len() < 200 {
            for word in ["ext_00", "phon", "ext_9", "plan"] {
                for c in word.chars() {
                    suggest.push(console.char(c));
                }
                console.press(KeyCode::Char('u'), KeyModifiers::CONTROL);
            }
        }
        report("suggest", &mut suggest);
        console.key(KeyCode::Esc);
    }

    if wanted("tokens") {
        // The console's own figure, before the tokens below fill the page cache.
        metric("peak_rss", peak_rss_mb(), "MB");

        let store = &mut console.app.session.store;
        let start = Instant::now();
        let issued = store.insert_seed_tokens(app_id, bench_token).unwrap();
        println!(
            "# {issued} live tokens issued in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        // Tokens drawn at random: half of them live, half never issued.
        let mut rng = fastrand::Rng::with_seed(7);
        let start = Instant::now();
        let mut done = 0u64;
        while start.elapsed() < Duration::from_secs(2) {
            for _ in 0..1000 {
                let n = rng.u64(0..2 * issued);
                let found = store.authenticate(app_id, &bench_token(n)).is_ok();
                assert_eq!(found, n < issued, "token {n}");
            }
            done += 1000;
        }
        metric(
            "authenticate_per_s",
            done as f64 / start.elapsed().as_secs_f64(),
            "per_s",
        );

        let mut invalidations = Vec::new();
        for _ in 0..20 {
            let start = Instant::now();
            store.invalidate_all_tokens(app_id).unwrap();
            invalidations.push(start.elapsed());
        }
        for _ in 0..1000 {
            assert!(
                store
                    .authenticate(app_id, &bench_token(rng.u64(0..issued)))
                    .is_err()
            );
        }
        metric(
            "invalidate_all_p99",
            percentile(&mut invalidations, 0.99),
            "ms",
        );
    }
}

/// A load-test token: any string serves, only its digest is stored.
fn bench_token(n: u64) -> String {
    format!("bench-token-{n:012}")
}

/// The members view of the largest group (Acme with its subgroups: most of the users)
/// and the user picker, at the list's targets: `members_open` is Enter on the group in
/// the tree → frame with its first page; `members_nav` moves in it; `members_filter`
/// types the hard terms into its filter (key → frame with that key's rows); `picker`
/// is a key typed into the picker's search → frame with its first results, for terms
/// of one and two letters, terms matching nobody and common ones.
/// A mid-size group for the members view: the one whose members (its subgroups'
/// included) come nearest this, in the tens of thousands at a million users — above
/// the 5,000 where the page plan turns from the membership index to the sort-index
/// walk, below the 200,000 where the count's does.
const MID_GROUP_MEMBERS: u64 = 20_000;

/// The members view of the group selected in the tree: opening it, moving, filtering
/// with the user list's terms, sorting; then back to the tree. Figures are named
/// `{name}_…`.
/// A sort's target (key → fresh rows), as every key's but a filter's first page.
const SORT_TARGET: Duration = Duration::from_millis(8);

fn members_view(console: &mut Console, name: &str, rare: &str) {
    let mut open = Vec::new();
    for _ in 0..200 {
        open.push(console.key_until_fresh(KeyCode::Enter));
        assert!(console.app.browse.members.is_some(), "the members view");
        console.key(KeyCode::Esc);
        assert!(
            console.settle(|app| app.groups.as_ref().is_some_and(|g| !g.loading())),
            "back in the tree"
        );
    }
    report(&format!("{name}_open"), &mut open);
    console.key_until_fresh(KeyCode::Enter);
    assert!(console.await_count(), "the member count");
    println!("# {:?} members in all", console.app.browse.matches);
    let mut nav = Vec::new();
    for i in 0..300 {
        let code = match i % 10 {
            0..=4 => KeyCode::Down,
            5..=7 => KeyCode::PageDown,
            8 => KeyCode::End,
            _ => KeyCode::Home,
        };
        nav.push(console.key_until_fresh(code));
    }
    report(&format!("{name}_nav"), &mut nav);

    // The user list's filter cases.
    let terms = [
        "q",
        "qu",
        "ki",
        "qz",
        "xj",
        "ali",
        "@acme",
        rare,
        "smith ali",
        "tag:ext_0042=v17",
        "tag:plan=pro smi",
        "tag:locale",
    ];
    let mut pages: Vec<Vec<Duration>> = vec![Vec::new(); terms.len()];
    let mut counts: Vec<Vec<Duration>> = vec![Vec::new(); terms.len()];
    for round in 0..ROUNDS {
        for (case, term) in terms.iter().enumerate() {
            console.char('/');
            console.pages.clear();
            let cpu = cpu_time();
            let mut typed = Instant::now();
            for c in term.chars() {
                console.settle_until(typed + KEY_INTERVAL);
                typed = Instant::now();
                console.char(c);
            }
            assert!(console.await_count(), "rows and a count for {term}");
            counts[case].push(typed.elapsed());
            print_round(
                name,
                round,
                term,
                &console.pages,
                typed.elapsed(),
                cpu_time() - cpu,
            );
            pages[case].append(&mut console.pages);
            // Enter keeps the filter; Esc clears it (a second would leave the view).
            console.key(KeyCode::Enter);
            console.key_until_fresh(KeyCode::Esc);
        }
    }
    for (case, term) in terms.iter().enumerate() {
        println!(
            "# {name} filter {term:?}: first_page p50 {:.1} p99 {:.1} ms · count p50 {:.1} p99 {:.1} ms",
            percentile(&mut pages[case], 0.5),
            percentile(&mut pages[case], 0.99),
            percentile(&mut counts[case], 0.5),
            percentile(&mut counts[case], 0.99),
        );
    }
    report(&format!("{name}_filter_first_page"), &mut pages.concat());
    metric(
        &format!("{name}_filter_count_p99"),
        percentile(&mut counts.concat(), 0.99),
        "ms",
    );

    // Each sort, both ways, back to the default; figures per field and direction too.
    let mut sorts = Vec::new();
    let mut by_sort: Vec<(xusers::store::Sort, Vec<Duration>)> = Vec::new();
    let cpu = cpu_time();
    for i in 0..200 {
        let took = console.key_until_fresh(KeyCode::Char(if i % 5 == 4 { 'S' } else { 's' }));
        sorts.push(took);
        let sort = console.app.browse.sort;
        if took > SORT_TARGET {
            println!(
                "# {name} sort #{i} {sort:?} over the target: {:.1} ms",
                ms(took)
            );
        }
        match by_sort.iter_mut().find(|(s, _)| *s == sort) {
            Some((_, times)) => times.push(took),
            None => by_sort.push((sort, vec![took])),
        }
    }
    println!(
        "# {name} sorts: processor time {:.0} ms over {} sorts",
        ms(cpu_time() - cpu),
        sorts.len()
    );
    for (sort, times) in &mut by_sort {
        let way = if sort.descending {
            "descending"
        } else {
            "ascending"
        };
        println!(
            "# {name} sort by {} {way}: p50 {:.1} p99 {:.1} max {:.1} ms ({} times)",
            sort.field.name(),
            percentile(times, 0.5),
            percentile(times, 0.99),
            percentile(times, 1.0),
            times.len(),
        );
    }
    report(&format!("{name}_sort"), &mut sorts);
    while console.app.browse.sort != Default::default() {
        console.key_until_fresh(KeyCode::Char('s'));
    }
    console.key(KeyCode::Esc);
    assert!(
        console.settle(|app| app.groups.as_ref().is_some_and(|g| !g.loading())),
        "back in the tree"
    );
}

fn members_and_picker(console: &mut Console) {
    console.char('4');
    assert!(
        console.settle(|app| app
            .groups
            .as_ref()
            .is_some_and(|g| g.loaded && !g.loading())),
        "the group tree"
    );
    let group = |app: &App| {
        app.groups
            .as_ref()
            .and_then(|g| g.selected_group())
            .map(|g| (g.group.name.clone(), g.members))
    };
    let rare = rare_term(
        &console.app.session.store,
        console.app.session.application.id,
    );
    println!(
        "# members view of {:?} (direct members)",
        group(&console.app)
    );
    members_view(console, "members", &rare);

    let mid = {
        let pane = console.app.groups.as_ref().unwrap();
        (pane.tree.groups.iter())
            .min_by_key(|g| g.with_subgroups.abs_diff(MID_GROUP_MEMBERS))
            .map(|g| (g.group.name.clone(), g.with_subgroups))
            .unwrap()
    };
    println!(
        "# mid-size group {:?}: members with subgroups {:?}",
        mid.0, mid.1
    );
    console.char('/');
    for c in mid.0.chars() {
        console.char(c);
    }
    console.key(KeyCode::Enter);
    for _ in 0..200 {
        if group(&console.app).is_some_and(|(name, _)| name == mid.0) {
            break;
        }
        console.char('j');
    }
    assert_eq!(
        group(&console.app).map(|(name, _)| name),
        Some(mid.0.clone())
    );
    members_view(console, "mid_members", &rare);
    console.key(KeyCode::Esc);

    let mut picker: Vec<Duration> = Vec::new();
    let mut worst: Vec<(String, f64)> = Vec::new();
    for term in [
        "a", "al", "ali", "q", "qz", "xj", "zzz", "@acme", "smith", "ali smi",
    ] {
        let mut samples = Vec::new();
        for _ in 0..PICKER_ROUNDS {
            console.char('+');
            assert!(
                console.settle(|app| app.picker.as_ref().is_some_and(|p| !p.stale())),
                "the picker"
            );
            for c in term.chars() {
                let start = Instant::now();
                console.char(c);
                assert!(
                    console.settle(|app| app.picker.as_ref().is_some_and(|p| !p.stale())),
                    "results for {term}"
                );
                samples.push(start.elapsed());
            }
            console.key(KeyCode::Esc);
        }
        worst.push((term.to_string(), percentile(&mut samples, 0.99)));
        picker.append(&mut samples);
    }
    for (term, p99) in &worst {
        println!("# picker {term:?}: first results p99 {p99:.1} ms");
    }
    report("picker_first_results", &mut picker);
    let worst = worst.iter().map(|(_, p)| *p).fold(0.0, f64::max);
    metric("picker_first_results_worst_case_p99", worst, "ms");
    console.key(KeyCode::Esc);
    console.char('1');
}
