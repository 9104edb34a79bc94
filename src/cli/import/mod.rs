//! `users import`: xusers' own CSV or JSON, or another system's export (Firebase,
//! Auth0, Keycloak), read row by row on a thread of its own (memory stays flat),
//! checked, hashed in parallel and written in one transaction.

mod auth0;
mod firebase;
mod keycloak;
mod row;
mod stream;
mod xusers;

use std::collections::{BTreeMap, VecDeque};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use clap::{Args, ValueEnum};
use serde_json::{Map, Value};

use super::Failure;
use super::output::{errln, outln, plural};
use crate::auth::{FirebaseParams, PasswordHash};
use crate::domain::{Field, FieldError, Password};
use crate::export::FileFormat;
use crate::store::{Application, ImportOptions, ImportUser, OnConflict, Store};
use row::Row;

/// `--on-conflict`, of `users import` and `copy --merge`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum ConflictArg {
    Fail,
    Skip,
    Update,
}

impl From<ConflictArg> for OnConflict {
    fn from(arg: ConflictArg) -> OnConflict {
        match arg {
            ConflictArg::Fail => OnConflict::Fail,
            ConflictArg::Skip => OnConflict::Skip,
            ConflictArg::Update => OnConflict::Update,
        }
    }
}

/// The system a file comes from (plain comments on the variants: doc comments would
/// turn `--help` into its long form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Source {
    // xusers' own CSV or JSON (what `users export` writes)
    Xusers,
    // `firebase auth:export` JSON
    Firebase,
    // Auth0's bulk-import JSON array or its NDJSON user export
    Auth0,
    // A Keycloak realm export (a file, or a folder of them)
    Keycloak,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// The system the file comes from
    #[arg(long, value_enum, default_value = "xusers")]
    from: Source,
    /// The file's format, for --from xusers [default: from its extension]
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// What to do with a row whose email is already a user
    #[arg(long, value_enum, default_value = "fail")]
    on_conflict: ConflictArg,
    /// Check everything and report, but write nothing
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows even when others fail
    #[arg(long)]
    partial: bool,
    /// Create groups that rows name but that do not exist yet (Keycloak: the whole path)
    #[arg(long)]
    create_groups: bool,
    /// Firebase: the project's base64_signer_key
    #[arg(long, value_name = "B64")]
    hash_key: Option<String>,
    /// Firebase: the project's base64_salt_separator
    #[arg(long, value_name = "B64", allow_hyphen_values = true)]
    salt_separator: Option<String>,
    /// Firebase: the project's rounds
    #[arg(long, value_name = "N")]
    rounds: Option<u32>,
    /// Firebase: the project's mem_cost
    #[arg(long, value_name = "N")]
    mem_cost: Option<u32>,
    /// Threads that hash plaintext passwords [default: one per core]
    #[arg(long, value_name = "N")]
    jobs: Option<NonZeroUsize>,
}

/// What a source's reader hands over, in file order.
enum Item {
    Row(usize, Box<Row>),
    /// A row that could not be read, with why.
    Bad(usize, FieldError),
    /// The file stopped making sense: the import ends with nothing written.
    Fatal(Failure),
}

/// Where a reader sends what it reads; rows are numbered by position, continued
/// across the files of a folder.
struct Output {
    sender: SyncSender<Vec<Item>>,
    /// Items go over in batches: one handover per row costs more than reading it.
    batch: Vec<Item>,
    offset: usize,
    last: usize,
}

impl Output {
    fn send(&mut self, item: Item) {
        self.batch.push(item);
        if self.batch.len() == CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        // A gone receiver has failed already and says so itself.
        let _ = self.sender.send(std::mem::take(&mut self.batch));
    }

    /// A JSON value that should be a user object, mapped to a row by `map`.
    fn object(
        &mut self,
        position: usize,
        value: Value,
        map: impl FnOnce(Map<String, Value>) -> Result<Row, String>,
    ) {
        let line = self.offset + position;
        self.last = line;
        let problem = |message: String| Item::Bad(line, FieldError::new(Field::Record, message));
        let item = match value {
            Value::Object(object) => match map(object) {
                Ok(row) => Item::Row(line, Box::new(row)),
                Err(message) => problem(message),
            },
            other => problem(format!(
                "a user is a JSON object, not {}",
                stream::json_kind(&other)
            )),
        };
        self.send(item);
    }
}

/// How many rows are checked and hashed together: enough to keep every core busy.
const CHUNK: usize = 64;
/// How many batches of read rows may wait for the writer: bounds memory, whatever
/// the file's size.
const QUEUE: usize = 16;

pub fn import(store: &mut Store, app: &Application, args: ImportArgs) -> Result<(), Failure> {
    let firebase = firebase_params(&args)?;
    let format = args.format.or_else(|| FileFormat::of(&args.file));
    if args.from != Source::Xusers && args.format.is_some() {
        return Err(Failure::usage("--format is only for --from xusers"));
    }
    let files = files_of(&args)?;
    let in_folder = args.file.is_dir();
    let (sender, receiver) = sync_channel(QUEUE);
    let (source, jobs) = (args.from, args.jobs);
    let reader = std::thread::spawn(move || {
        let mut out = Output {
            sender,
            batch: Vec::with_capacity(CHUNK),
            offset: 0,
            last: 0,
        };
        if let Err(failure) = read_files(source, in_folder, format, &firebase, &files, &mut out) {
            out.send(Item::Fatal(failure));
        }
        out.flush();
    });
    let system = match args.from {
        Source::Xusers => "xusers",
        Source::Firebase => "firebase",
        Source::Auth0 => "auth0",
        Source::Keycloak => "keycloak",
    };
    let options = ImportOptions {
        // The audit log's summary entry and the log line name the system and the file.
        origin: format!("{system}: {}", args.file.display()),
        on_conflict: args.on_conflict.into(),
        create_groups: args.create_groups,
        partial: args.partial,
        dry_run: args.dry_run,
    };
    let mut rows = Rows::new(receiver, jobs);
    let imported = store.import_users(app.id, rows.by_ref(), options);
    rows.bar.finish_and_clear();
    let dropped = std::mem::take(&mut rows.dropped);
    drop(rows);
    reader.join().expect("reading does not panic");
    let report = imported?;
    for (line, errors) in &report.failed {
        for e in errors {
            errln!("xusers: line {line}: {e}");
        }
    }
    if !dropped.is_empty() {
        let fields: Vec<String> = dropped
            .iter()
            .map(|(field, users)| format!("{field} ({users} {})", plural(*users as u64)))
            .collect();
        errln!("note: not imported: {}", fields.join(", "));
    }
    let verb = if report.written { "" } else { "would be " };
    outln!(
        "{verb}created {}, {verb}updated {}, skipped {}, failed {}{}",
        report.created,
        report.updated,
        report.skipped,
        report.failed.len(),
        if report.written {
            ""
        } else {
            " — nothing was written"
        }
    )?;
    if !report.failed.is_empty() && !args.partial {
        return Err(Failure::usage("bad rows: nothing imported"));
    }
    Ok(())
}

/// Firebase's hash parameters: wrong ones are refused at once; missing ones are
/// reported on every row that has a hash (it cannot be imported without them).
fn firebase_params(args: &ImportArgs) -> Result<firebase::Params, Failure> {
    let given = [
        args.hash_key.is_some(),
        args.salt_separator.is_some(),
        args.rounds.is_some(),
        args.mem_cost.is_some(),
    ];
    if args.from != Source::Firebase {
        if given.contains(&true) {
            return Err(Failure::usage(
                "--hash-key, --salt-separator, --rounds and --mem-cost are for --from firebase",
            ));
        }
        return Ok(Err(Vec::new()));
    }
    let (Some(key), Some(separator), Some(rounds), Some(mem_cost)) = (
        &args.hash_key,
        &args.salt_separator,
        args.rounds,
        args.mem_cost,
    ) else {
        let names = ["--hash-key", "--salt-separator", "--rounds", "--mem-cost"];
        let missing = names.iter().zip(given).filter(|(_, g)| !g).map(|(n, _)| *n);
        return Ok(Err(missing.collect()));
    };
    FirebaseParams::new(key, separator, rounds, mem_cost)
        .map(Ok)
        .map_err(Failure::usage)
}

/// The file, or for Keycloak the `.json` files of a folder in name order.
fn files_of(args: &ImportArgs) -> Result<Vec<PathBuf>, Failure> {
    if !(args.from == Source::Keycloak && args.file.is_dir()) {
        return Ok(vec![args.file.clone()]);
    }
    let cannot =
        |e: std::io::Error| Failure::runtime(format!("cannot read {}: {e}", args.file.display()));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.file)
        .map_err(cannot)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(cannot)?;
    files.retain(|f| f.extension().is_some_and(|e| e == "json"));
    files.sort();
    if files.is_empty() {
        return Err(Failure::usage(format!(
            "{} holds no .json files",
            args.file.display()
        )));
    }
    Ok(files)
}

fn read_files(
    source: Source,
    in_folder: bool,
    format: Option<FileFormat>,
    firebase: &firebase::Params,
    files: &[PathBuf],
    out: &mut Output,
) -> Result<(), Failure> {
    for file in files {
        out.offset = out.last;
        read_file(source, format, firebase, file, in_folder, out)?;
    }
    Ok(())
}

fn read_file(
    source: Source,
    format: Option<FileFormat>,
    firebase: &firebase::Params,
    file: &Path,
    in_folder: bool,
    out: &mut Output,
) -> Result<(), Failure> {
    let reader = stream::open(file)?;
    match source {
        Source::Xusers => match format.unwrap_or(FileFormat::Json) {
            FileFormat::Csv => xusers::read_csv(reader, out),
            FileFormat::Json => xusers::read_json(reader, out),
        },
        Source::Firebase => firebase::read(reader, firebase, out),
        Source::Auth0 => auth0::read(reader, out),
        Source::Keycloak => keycloak::read(reader, in_folder, out),
    }
}

/// The rows as the store takes them: read off the channel a chunk at a time, checked,
/// and their plaintext passwords hashed in parallel.
struct Rows {
    receiver: Receiver<Vec<Item>>,
    /// Received, not yet checked.
    pending: VecDeque<Item>,
    jobs: usize,
    ready: VecDeque<Result<ImportUser, Failure>>,
    /// How many users had each field that was not imported.
    dropped: BTreeMap<String, usize>,
    bar: indicatif::ProgressBar,
}

impl Rows {
    fn new(receiver: Receiver<Vec<Item>>, jobs: Option<NonZeroUsize>) -> Rows {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Rows {
            receiver,
            pending: VecDeque::new(),
            jobs: jobs.map_or(cores, NonZeroUsize::get),
            ready: VecDeque::new(),
            dropped: BTreeMap::new(),
            bar: indicatif::ProgressBar::no_length(),
        }
    }

    fn fill(&mut self) {
        let mut checked = Vec::new();
        while checked.len() < CHUNK {
            if self.pending.is_empty()
                && let Ok(batch) = self.receiver.recv()
            {
                self.pending.extend(batch);
            }
            match self.pending.pop_front() {
                Some(Item::Row(line, row)) => {
                    for field in &row.dropped {
                        *self.dropped.entry(field.clone()).or_default() += 1;
                    }
                    checked.push(row::check_row(line, *row));
                }
                Some(Item::Bad(line, problem)) => {
                    checked.push((row::unreadable(line, problem), None))
                }
                Some(Item::Fatal(failure)) => {
                    self.ready.push_back(Err(failure));
                    break;
                }
                None => break,
            }
        }
        let passwords: Vec<Option<Password>> = checked.iter_mut().map(|(_, p)| p.take()).collect();
        let hashes = hash_all(&passwords, self.jobs, &self.bar);
        for ((mut user, _), hash) in checked.into_iter().zip(hashes) {
            if hash.is_some() {
                user.hash = hash;
            }
            self.ready.push_back(Ok(user));
        }
    }
}

impl Iterator for Rows {
    type Item = Result<ImportUser, Failure>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() {
            self.fill();
        }
        self.ready.pop_front()
    }
}

/// Argon2 takes tens of milliseconds a password: spread them over `jobs` threads.
fn hash_all(
    passwords: &[Option<Password>],
    jobs: usize,
    bar: &indicatif::ProgressBar,
) -> Vec<Option<PasswordHash>> {
    let hashing = passwords.iter().flatten().count();
    if hashing == 0 {
        return passwords.iter().map(|_| None).collect();
    }
    let chunk = passwords.len().div_ceil(jobs.min(hashing)).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = passwords
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|p| {
                            p.as_ref().map(|p| {
                                bar.inc(1);
                                PasswordHash::new(p)
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("hashing does not panic"))
            .collect()
    })
}

/// A JSON value as text: a string as it is, anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A time in milliseconds since 1970 (a number, or a number in a string, as
/// Firebase and Keycloak write them), as seconds.
fn millis(value: &Value, field: &str, row: &mut Row) -> Option<i64> {
    let ms = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    if ms.is_none() {
        row.problem(
            Field::Record,
            format!("{field}: {} is not a time in milliseconds", value),
        );
    }
    ms.map(|ms| ms.div_euclid(1000))
}
