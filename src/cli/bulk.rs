//! `users delete`, `users set` and `tokens invalidate` over the users a selection
//! names (`--scope --group --has-tag --filter`, as `users list` selects) instead of
//! emails: `--dry-run` says what would change, a terminal is asked first (elsewhere
//! `--yes` is needed), and the change is one bulk action with one audit batch.

use std::io::{BufRead, IsTerminal};
use std::sync::atomic::AtomicBool;

use clap::Args;

use super::Failure;
use super::output::{outln, plural, to_stdout};
use super::selection::{ScopeArg, Selection as Options};
use crate::inert::inert;
use crate::store::{Application, BulkAction, Selection, SortField, Source, Store};

/// Emails named by `--dry-run` and the question.
const SAMPLE: usize = 5;

/// Which users, in place of emails: the selection options of `users list`, the tag
/// one called `--has-tag` (`users set` keeps `--tag` for setting a tag).
#[derive(Debug, Args)]
pub struct Chosen {
    /// Select users: all, in at least one group, or in none
    #[arg(long, value_enum, conflicts_with = "group")]
    scope: Option<ScopeArg>,
    /// Select the members of this group or of any group below it
    #[arg(long, value_name = "NAME")]
    group: Option<String>,
    /// With --group: only its direct members, not those of its subgroups
    #[arg(long, requires = "group")]
    direct: bool,
    /// Select users with this tag (KEY) or tag value (KEY=VALUE); repeatable
    #[arg(long = "has-tag", value_name = "KEY[=VALUE]")]
    has_tag: Vec<String>,
    /// Select users whose email, first or last name contains this text (any case)
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Say how many users would change, and name the first few; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask (required when not on a terminal)
    #[arg(long)]
    pub yes: bool,
}

impl Chosen {
    /// The users the options select (`tags`: more `--has-tag`s, given as `--tag`), or
    /// `None` when no selection option was given.
    pub fn selection(
        &self,
        store: &Store,
        app: &Application,
        tags: &[String],
    ) -> Result<Option<Selection>, Failure> {
        let tags: Vec<String> = self.has_tag.iter().chain(tags).cloned().collect();
        let given = self.scope.is_some()
            || self.group.is_some()
            || !tags.is_empty()
            || self.filter.is_some();
        if !given {
            return Ok(None);
        }
        let options = Options {
            scope: self.scope.unwrap_or(ScopeArg::All),
            group: self.group.clone(),
            direct: self.direct,
            tag: tags,
            filter: self.filter.clone(),
            sort: SortField::Email,
            desc: false,
        };
        Ok(Some(Selection::of_query(options.query(store, app)?)))
    }
}

/// What a command does to each user, in its messages.
#[derive(Debug, Clone, Copy)]
pub enum Verb {
    Delete,
    Change,
    InvalidateTokens,
}

impl Verb {
    fn ask(self, users: &str) -> String {
        match self {
            Verb::Delete => format!("Delete {users}?"),
            Verb::Change => format!("Change {users}?"),
            Verb::InvalidateTokens => format!("Invalidate the tokens of {users}?"),
        }
    }

    fn would(self, n: u64) -> String {
        match self {
            Verb::Delete => format!("would delete {n} {}", plural(n)),
            Verb::Change => format!("would change {n} {}", plural(n)),
            Verb::InvalidateTokens => format!("would end the sessions of {n} {}", plural(n)),
        }
    }

    fn done(self, n: u64) -> String {
        match self {
            Verb::Delete => format!("Deleted {n} {}", plural(n)),
            Verb::Change => format!("Changed {n} {}", plural(n)),
            Verb::InvalidateTokens => format!("Ended the sessions of {n} {}", plural(n)),
        }
    }
}

/// Does `action` to the selected users, after asking; with `--dry-run` only says
/// what it would do.
pub fn run(
    store: &mut Store,
    app: &Application,
    selection: &Selection,
    action: &BulkAction,
    chosen: &Chosen,
    verb: Verb,
) -> Result<(), Failure> {
    let count = store.selection_count(app.id, selection)?;
    let sample = store.selection_sample(app.id, selection, SAMPLE)?;
    let named = naming(count, &sample);
    if chosen.dry_run {
        let outcome = store.bulk_preview(app.id, selection, action)?;
        outln!("Selected {named}")?;
        return outln!(
            "Dry run: {}; nothing was changed.",
            verb.would(outcome.changed)
        );
    }
    if count == 0 {
        return outln!("No user is selected; nothing was changed.");
    }
    if !chosen.yes && !confirmed(&verb.ask(&named))? {
        return Err(Failure::runtime("nothing was changed"));
    }
    let bar = indicatif::ProgressBar::new(count);
    let outcome = store.bulk(
        app.id,
        selection,
        action,
        Source::Cli,
        &mut |p| bar.set_position(p.done),
        &AtomicBool::new(false),
    )?;
    bar.finish_and_clear();
    outln!("{}", verb.done(outcome.changed))
}

/// "3 users: a@x.io, b@x.io and c@x.io", "1,234 users: a@x.io, … and 1,229 more".
fn naming(count: u64, sample: &[String]) -> String {
    let mut emails: Vec<String> = sample.iter().map(|e| inert(e).into_owned()).collect();
    let more = count.saturating_sub(emails.len() as u64);
    let list = match (emails.pop(), more) {
        (None, _) => return format!("{count} {}", plural(count)),
        (Some(last), 0) if emails.is_empty() => last,
        (Some(last), 0) => format!("{} and {last}", emails.join(", ")),
        (Some(last), more) => {
            emails.push(last);
            format!("{} and {more} more", emails.join(", "))
        }
    };
    format!("{count} {}: {list}", plural(count))
}

/// Asks `question` on the terminal; without one, changing needs `--yes`.
pub fn confirmed(question: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "not on a terminal: pass --yes to go ahead without asking",
        ));
    }
    to_stdout(|out| write!(out, "{question} [y/N] "))?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
