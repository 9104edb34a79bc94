//! `xusers audit`: read, export, verify and prune the audit log.

use std::io::Write;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{Destination, outln, print_json, print_table};
use super::{Failure, Format};
use crate::domain::{parse_time, rfc3339_ms};
use crate::inert::inert;
use crate::store::{AuditEntry, AuditPage, AuditQuery, Store, shown};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Entries newest first (the newest 100 unless --limit; `audit export` gives all)
    List(ListArgs),
    /// Every entry, oldest first, as JSON lines
    Export,
    /// Recompute the hash chain: exit 1 naming the first entry changed, removed or reordered
    Verify,
    /// Remove the entries older than TIME (the only way entries go; recorded itself)
    Prune {
        /// RFC 3339, or an age such as 90d
        #[arg(long, value_name = "TIME")]
        before: String,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// From this time on: RFC 3339 or an age such as 7d, 12h
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Up to this time: RFC 3339 or an age such as 1h
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Only what this actor did
    #[arg(long, value_name = "A")]
    actor: Option<String>,
    /// Only entries about the user who has or had this email
    #[arg(long, value_name = "EMAIL")]
    user: Option<String>,
    /// Only this op (user.delete), or every op under a prefix (user, group)
    #[arg(long, value_name = "OP")]
    op: Option<String>,
    /// At most this many entries
    #[arg(long, value_name = "N", default_value_t = 100)]
    limit: usize,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// An entry as `audit list --format json` and `audit export` show it (stable).
#[derive(Serialize)]
struct EntryJson<'a> {
    seq: i64,
    time: String,
    app: Option<&'a str>,
    actor: &'a str,
    source: &'a str,
    op: &'a str,
    target: TargetJson<'a>,
    changes: serde_json::Value,
    batch: Option<i64>,
}

#[derive(Serialize)]
struct TargetJson<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    id: Option<i64>,
    label: &'a str,
}

impl<'a> EntryJson<'a> {
    fn of(e: &'a AuditEntry) -> EntryJson<'a> {
        EntryJson {
            seq: e.seq,
            time: rfc3339_ms(e.time_ms),
            app: e.app.as_deref(),
            actor: &e.actor,
            source: &e.source,
            op: &e.op,
            target: TargetJson {
                kind: &e.target.kind,
                id: e.target.id,
                label: &e.target.label,
            },
            changes: e.changes.as_json(),
            batch: e.batch,
        }
    }
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn time_arg(option: &str, text: Option<&str>, now: i64) -> Result<Option<i64>, Failure> {
    text.map(|t| parse_time(t, now).map_err(|e| Failure::usage(format!("{option}: {e}"))))
        .transpose()
}

pub fn run(store: &mut Store, cmd: AuditCommand) -> Result<(), Failure> {
    match cmd {
        AuditCommand::List(args) => list(store, args),
        AuditCommand::Export => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let failed = |e: std::io::Error| Destination::Stdout.failure(e);
            store.audit_for_each(&AuditQuery::default(), |entry| {
                serde_json::to_writer(&mut out, &EntryJson::of(&entry))
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n"))
                    .map_err(failed)
            })?;
            out.flush().map_err(failed)
        }
        AuditCommand::Verify => {
            let report = store.verify_audit()?;
            match (report.broken, report.head) {
                (Some((_, what)), _) => Err(Failure::runtime(format!(
                    "the audit log is not intact: {what} ({} before it intact)",
                    entries(report.entries)
                ))),
                (None, Some(head)) => outln!(
                    "{} intact; the newest entry's hash is {head}",
                    entries(report.entries)
                ),
                (None, None) => outln!("0 entries intact (the log is empty)"),
            }
        }
        AuditCommand::Prune { before } => {
            let now = now_ms();
            let before = time_arg("--before", Some(&before), now)?.expect("given");
            // A time to come would remove what is recorded now, the prunes' own entries too.
            if before > now {
                return Err(Failure::usage(format!(
                    "--before: {} is still to come; prune only what is already past",
                    rfc3339_ms(before)
                )));
            }
            let report = store.prune_audit(before)?;
            match report.entry {
                Some(entry) => outln!(
                    "Removed {} older than {}; the log now starts at entry {} (the prune is entry {entry}).",
                    entries(report.removed),
                    rfc3339_ms(before),
                    report.first_kept,
                ),
                None => outln!(
                    "No entry is older than {}: nothing removed.",
                    rfc3339_ms(before)
                ),
            }
        }
    }
}

const PAGE: usize = 1000;

/// "1 entry", "2 entries".
fn entries(n: u64) -> String {
    format!("{n} {}", if n == 1 { "entry" } else { "entries" })
}

fn list(store: &Store, args: ListArgs) -> Result<(), Failure> {
    let now = now_ms();
    let query = AuditQuery {
        since_ms: time_arg("--since", args.since.as_deref(), now)?,
        until_ms: time_arg("--until", args.until.as_deref(), now)?,
        actor: args.actor,
        user: args.user,
        op: args.op,
        text: String::new(),
    };
    let limit = args.limit;
    let mut entries: Vec<AuditEntry> = Vec::new();
    let mut older_than = None;
    while entries.len() < limit {
        let size = PAGE.min(limit - entries.len());
        let page = match older_than {
            Some(seq) => store.audit_page(&query, AuditPage::OlderThan(seq, size))?,
            None => store.audit_page(&query, AuditPage::Newest(size))?,
        };
        let full = page.len() == size;
        older_than = page.last().map(|e| e.seq);
        entries.extend(page);
        if !full {
            break;
        }
    }
    match args.format {
        Format::Json => print_json(&entries.iter().map(EntryJson::of).collect::<Vec<_>>()),
        Format::Table if entries.is_empty() => {
            eprintln!(
                "No entry matches. (--op takes an op such as user.delete, or what comes \
                 before its dot, such as user; --since and --until take 7d, 12h or RFC 3339.)"
            );
            Ok(())
        }
        Format::Table => {
            let rows = entries
                .iter()
                .map(|e| {
                    let changes: Vec<String> = e
                        .changes
                        .iter()
                        .map(|(field, before, after)| {
                            format!("{field}: {} → {}", shown(before), shown(after))
                        })
                        .collect();
                    vec![
                        e.seq.to_string(),
                        rfc3339_ms(e.time_ms),
                        inert(&e.actor).into_owned(),
                        e.source.clone(),
                        inert(&e.op).into_owned(),
                        inert(&format!("{} {}", e.target.kind, e.target.label)).into_owned(),
                        inert(&changes.join("; ")).into_owned(),
                    ]
                })
                .collect();
            print_table(
                &["SEQ", "TIME", "ACTOR", "SOURCE", "OP", "TARGET", "CHANGES"],
                rows,
            )
        }
    }
}
