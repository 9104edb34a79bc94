//! `users import`: CSV (the export's columns) or JSON (the export's document, or a
//! plain array of user objects), checked row by row, hashed in parallel, written in
//! one transaction.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::export::DOCUMENT_VERSION;
use super::output::FileFormat;
use super::{Failure, csv_cell};
use crate::auth::PasswordHash;
use crate::domain::{Email, Field, FieldError, Password, PasswordInput, Profile, UserDraft};
use crate::store::{Application, ImportOptions, ImportUser, OnConflict, Store};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ConflictArg {
    Fail,
    Skip,
    Update,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// The file's format [default: from its extension]
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
    /// Create groups that rows name but that do not exist yet
    #[arg(long)]
    create_groups: bool,
}

/// One user as a file holds it (the export's field names).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    email: String,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    last_login: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    password_hash: Option<String>,
}

type Problems = Vec<(usize, Vec<FieldError>)>;

pub fn import(store: &mut Store, app: &Application, args: ImportArgs) -> Result<(), Failure> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| Failure::runtime(format!("cannot read {}: {e}", args.file.display())))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        Failure::usage(format!(
            "{} is not UTF-8 text (line {line}); save it as UTF-8",
            args.file.display()
        ))
    })?;
    let format = args
        .format
        .or_else(|| FileFormat::of(&args.file))
        .unwrap_or(FileFormat::Json);
    let (rows, failed) = match format {
        FileFormat::Csv => read_csv(&text)?,
        FileFormat::Json => read_json(&text)?,
    };
    let users = check_rows(rows);
    let options = ImportOptions {
        on_conflict: match args.on_conflict {
            ConflictArg::Fail => OnConflict::Fail,
            ConflictArg::Skip => OnConflict::Skip,
            ConflictArg::Update => OnConflict::Update,
        },
        create_groups: args.create_groups,
        partial: args.partial,
        // Rows that could not be read already sink an all-or-nothing import; the
        // store still checks the rest so that every bad row is reported.
        dry_run: args.dry_run || (!failed.is_empty() && !args.partial),
    };
    let mut report = store.import_users(app.id, users, options)?;
    report.failed.extend(failed);
    report.failed.sort_by_key(|(line, _)| *line);
    for (line, errors) in &report.failed {
        for e in errors {
            eprintln!("xusers: line {line}: {e}");
        }
    }
    let verb = if report.written { "" } else { "would be " };
    println!(
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
    );
    if !report.failed.is_empty() && !args.partial {
        return Err(Failure::usage("bad rows: nothing imported"));
    }
    Ok(())
}

fn read_json(text: &str) -> Result<(Vec<(usize, Row)>, Problems), Failure> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Failure::usage(format!("not JSON: {e}")))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut doc) => match doc.remove("users") {
            _ if newer_than_this_build(doc.get("version")) => {
                return Err(Failure::usage(format!(
                    "the export document's version is {}, but this build reads only \
                     version {DOCUMENT_VERSION} and older (a newer xusers may have written it)",
                    doc["version"]
                )));
            }
            Some(serde_json::Value::Array(items)) => items,
            _ => {
                return Err(Failure::usage(
                    "a JSON import is an array of users or an export document",
                ));
            }
        },
        _ => {
            return Err(Failure::usage(
                "a JSON import is an array of users or an export document",
            ));
        }
    };
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    // JSON rows are numbered from 1, in file order.
    for (i, item) in items.into_iter().enumerate() {
        if !item.is_object() {
            let problem = format!("a user is a JSON object, not {}", json_kind(&item));
            failed.push((i + 1, vec![FieldError::new(Field::Record, problem)]));
            continue;
        }
        match serde_json::from_value::<Row>(item) {
            Ok(row) => rows.push((i + 1, row)),
            Err(e) => failed.push((i + 1, vec![FieldError::new(Field::Record, e.to_string())])),
        }
    }
    Ok((rows, failed))
}

/// Whether an export document's `version` is one this build cannot promise to read:
/// newer than it, or not a version number at all.
fn newer_than_this_build(version: Option<&serde_json::Value>) -> bool {
    version.is_some_and(|v| v.as_u64().is_none_or(|v| v > DOCUMENT_VERSION))
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "true or false",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn read_csv(text: &str) -> Result<(Vec<(usize, Row)>, Problems), Failure> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Failure::usage(format!("not CSV: {e}")))?
        .clone();
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Failure::usage(format!("not CSV: {e}")))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut object = serde_json::Map::new();
        for (name, cell) in headers.iter().zip(record.iter()) {
            let cell = csv_cell::unescape(cell);
            let value = match name {
                _ if cell.is_empty() && name != "email" => continue,
                "groups" | "tags" => match serde_json::from_str(cell) {
                    Ok(v) => v,
                    Err(e) => {
                        object.clear();
                        failed.push((
                            line,
                            vec![FieldError::new(
                                Field::Record,
                                format!("{name}: not JSON: {e}"),
                            )],
                        ));
                        break;
                    }
                },
                _ => serde_json::Value::String(cell.to_string()),
            };
            object.insert(name.to_string(), value);
        }
        if object.is_empty() {
            continue;
        }
        match serde_json::from_value::<Row>(serde_json::Value::Object(object)) {
            Ok(row) => rows.push((line, row)),
            Err(e) => failed.push((line, vec![FieldError::new(Field::Record, e.to_string())])),
        }
    }
    Ok((rows, failed))
}

/// Applies each row's own rules and hashes the plaintext passwords of the rows that
/// pass them (in parallel).
fn check_rows(rows: Vec<(usize, Row)>) -> Vec<ImportUser> {
    let mut checked: Vec<(ImportUser, Option<Password>)> = rows
        .into_iter()
        .map(|(line, row)| check_row(line, row))
        .collect();
    let passwords: Vec<Option<Password>> = checked.iter_mut().map(|(_, p)| p.take()).collect();
    let hashes = hash_all(&passwords);
    checked
        .into_iter()
        .zip(hashes)
        .map(|((mut user, _), hash)| {
            if hash.is_some() {
                user.hash = hash;
            }
            user
        })
        .collect()
}

/// The row as the store takes it, and its plaintext password to hash when the row
/// passed its rules.
fn check_row(line: usize, row: Row) -> (ImportUser, Option<Password>) {
    let draft = UserDraft {
        email: row.email,
        password: None,
        first_name: row.first_name.unwrap_or_default(),
        last_name: row.last_name.unwrap_or_default(),
        groups: row.groups,
        tags: row.tags.into_iter().collect(),
    };
    let mut errors = Vec::new();
    let changes = draft.validate_changes().map_err(|e| errors.extend(e)).ok();
    let mut hash = None;
    let mut password = None;
    let gives_password = row.password.is_some() || row.password_hash.is_some();
    match (row.password, row.password_hash) {
        (Some(_), Some(_)) => errors.push(FieldError::new(
            Field::Password,
            "give a password or a password_hash, not both",
        )),
        (Some(p), None) => match Password::parse(PasswordInput::from(p).as_str()) {
            Ok(p) => password = Some(p),
            Err(m) => errors.push(FieldError::new(Field::Password, m)),
        },
        (None, Some(h)) => match PasswordHash::parse(&h) {
            Ok(h) => hash = Some(h),
            Err(m) => errors.push(FieldError::new(
                Field::Password,
                format!("password_hash: {m}"),
            )),
        },
        (None, None) => {}
    }
    let created = parse_time(row.created.as_deref(), "created", &mut errors);
    let last_login = parse_time(row.last_login.as_deref(), "last_login", &mut errors);
    let user = ImportUser {
        line,
        broken: Vec::new(),
        email: None,
        profile: Profile::default(),
        gives_password,
        hash,
        created,
        last_login,
    };
    match changes {
        Some(c) if errors.is_empty() => (
            ImportUser {
                email: Some(c.email),
                profile: c.profile,
                ..user
            },
            password,
        ),
        // What of a broken row passed the rules, for the database checks.
        _ => (
            ImportUser {
                email: Email::parse(&draft.email).ok(),
                profile: Profile {
                    groups: draft.valid_group_names(),
                    ..Profile::default()
                },
                broken: errors,
                hash: None,
                ..user
            },
            None,
        ),
    }
}

fn parse_time(text: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let text = text?;
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(t) => Some(t.unix_timestamp()),
        Err(_) => {
            errors.push(FieldError::new(
                Field::Record,
                format!("{field}: {text:?} is not an RFC 3339 time"),
            ));
            None
        }
    }
}

/// Argon2 takes tens of milliseconds a password: spread them over every core.
fn hash_all(passwords: &[Option<Password>]) -> Vec<Option<PasswordHash>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = passwords.len().div_ceil(cores).max(1);
    let bar = indicatif::ProgressBar::new(passwords.iter().flatten().count() as u64);
    let hashes = std::thread::scope(|scope| {
        let workers: Vec<_> = passwords
            .chunks(chunk)
            .map(|part| {
                let bar = bar.clone();
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
    });
    bar.finish_and_clear();
    hashes
}
