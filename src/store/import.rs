//! Bulk import in one transaction: all or nothing, unless asked to keep the good rows.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::audit::{self, Actor, Batch, Changes, Context, Record, Source, Target, UserFields};
use super::migrations::{pause_indexing, resume_indexing};
use super::users::{audit_user, conflicts, find_user_id, insert_user, rewrite_user};
use super::{AppId, Result, SqliteStore, StoreError, UserId, begin_write, unix_now};
use crate::auth::PasswordHash;
use crate::domain::{Email, Field, FieldError, Profile};

/// What to do with a row whose email (in any case) is already a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    Fail,
    Skip,
    Update,
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// What is imported (the file, the system it comes from): the audit log's summary
    /// entry of the import names it.
    pub origin: String,
    pub on_conflict: OnConflict,
    /// Create groups a row names that do not exist (at the top of the tree).
    pub create_groups: bool,
    /// Keep the good rows when others fail (otherwise nothing is written).
    pub partial: bool,
    /// Check everything, write nothing.
    pub dry_run: bool,
}

/// A row of the file, checked against its own rules; the store checks the rest.
#[derive(Debug, Clone)]
pub struct ImportUser {
    /// Where the row is in its file, for the report.
    pub line: usize,
    /// The problems with the row's own rules. A broken row is never written, but it is
    /// still checked against the database (with what of it passed the rules), so that
    /// all of its problems are reported together.
    pub broken: Vec<FieldError>,
    /// `None` when the email breaks its rules.
    pub email: Option<Email>,
    /// For a broken row, only the group names are filled in.
    pub profile: Profile,
    /// (group, parent) pairs, parents first, that `create_groups` makes into a tree
    /// (a group that exists keeps its place).
    pub group_parents: Vec<(String, String)>,
    /// Whether the row gives a password or a password_hash (valid or not).
    pub gives_password: bool,
    /// Required for a new user; for an update, a new password. Only a row that passed
    /// its rules has one.
    pub hash: Option<PasswordHash>,
    pub created: Option<i64>,
    pub last_login: Option<i64>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    /// Failed rows with every problem found, by line.
    pub failed: Vec<(usize, Vec<FieldError>)>,
    /// Whether anything was written.
    pub written: bool,
}

impl SqliteStore {
    /// Takes the rows one by one as they are read, so that a file of any size is never
    /// held whole; an `Err` from the rows (a file that stops making sense half-way)
    /// ends the import with nothing written.
    pub fn import_users<E: From<StoreError>>(
        &mut self,
        app: AppId,
        users: impl IntoIterator<Item = std::result::Result<ImportUser, E>>,
        options: ImportOptions,
    ) -> Result<ImportReport, E> {
        let origin = options.origin.clone();
        let result = match self.import_rows(app, users, options) {
            // The file stopped making sense: nothing was written, the caller says why.
            Ok(Err(unreadable)) => return Err(unreadable),
            Ok(Ok(report)) => Ok(report),
            Err(e) => Err(e),
        };
        let (what, subject) = described(&origin, &result);
        Ok(self.logged(app, &what, &subject, result)?)
    }

    /// The import, with the database's errors apart from the rows' own.
    fn import_rows<E>(
        &mut self,
        app: AppId,
        users: impl IntoIterator<Item = std::result::Result<ImportUser, E>>,
        options: ImportOptions,
    ) -> Result<std::result::Result<ImportReport, E>> {
        let tx = begin_write(&mut self.conn)?;
        let unindexed_after = pause_indexing(&tx)?;
        let context = Context {
            batch: Some(Batch::begin(&tx)?),
            source: Some(Source::Import),
        };
        let mut writes = SqliteImport {
            tx: &tx,
            actor: &self.actor,
            app,
            context,
        };
        let report = match import_rows(&mut writes, users, &options)? {
            Ok(report) => report,
            Err(unreadable) => return Ok(Err(unreadable)),
        };
        if report.written {
            writes.summary(summary(&report, &options))?;
            resume_indexing(&tx, unindexed_after)?;
            tx.commit()?;
        }
        Ok(Ok(report))
    }
}

/// What the log says of an import from `origin` that ended so, and its subject.
pub(crate) fn described(origin: &str, result: &Result<ImportReport>) -> (String, String) {
    let what = match result {
        Ok(r) if r.written => format!(
            "import users from {origin} (created {}, updated {}, skipped {}, failed {})",
            r.created,
            r.updated,
            r.skipped,
            r.failed.len()
        ),
        Ok(_) => format!("import users from {origin} (dry run: nothing written)"),
        Err(_) => format!("import users from {origin}"),
    };
    let rows = result.as_ref().map_or(0, |r| {
        r.created + r.updated + r.skipped + r.failed.len() as u64
    });
    (what, format!("{rows} row(s)"))
}

/// What an import writes, row by row, inside its one transaction: each backend's
/// own SQL, so that the rules of an import ([`import_rows`]) are written once.
pub(crate) trait ImportWrites {
    /// Creates the group (under `parent`, by name) unless it exists; records it as
    /// `groups add` does when it is made. Returns whether it was made.
    fn create_group(&mut self, name: &str, parent: Option<&str>) -> Result<bool>;
    fn find_user(&mut self, email: &Email) -> Result<Option<UserId>>;
    /// See `users::conflicts`.
    fn conflicts(
        &mut self,
        email: Option<&Email>,
        groups: &[String],
        editing: Option<UserId>,
    ) -> Result<(Vec<FieldError>, Vec<i64>)>;
    /// Rewrites user `id` as the row gives it, with its audit entries.
    fn update_user(
        &mut self,
        id: UserId,
        row: &ImportUser,
        email: &Email,
        groups: &[i64],
    ) -> Result<()>;
    /// Adds the row's user, with its audit entry.
    fn insert_user(&mut self, row: &ImportUser, email: &Email, groups: &[i64]) -> Result<()>;
    /// Appends the import's summary entry.
    fn summary(&mut self, record: Record) -> Result<()>;
}

/// Checks and writes the rows one by one (see [`SqliteStore::import_users`]); the
/// report says whether the caller is to append the [`summary`] and commit (`written`).
pub(crate) fn import_rows<E>(
    writes: &mut impl ImportWrites,
    users: impl IntoIterator<Item = std::result::Result<ImportUser, E>>,
    options: &ImportOptions,
) -> Result<std::result::Result<ImportReport, E>> {
    let mut report = ImportReport::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for user in users {
        let mut user = match user {
            Ok(user) => user,
            Err(e) => return Ok(Err(e)),
        };
        let mut errors = std::mem::take(&mut user.broken);
        if let Some(email) = &user.email {
            let first = *seen.entry(email.key()).or_insert(user.line);
            if first != user.line {
                // A repeat is that problem alone: whether its email is a user, or the
                // limit is reached, depends on whether the first row was written.
                errors.push(FieldError::new(
                    Field::Email,
                    format!("{email} is already on line {first} of this file"),
                ));
                report.failed.push((user.line, errors));
                continue;
            }
        }
        let email = user.email.as_ref();
        // Groups to create are made only for a row that can be written; for the others
        // they are no problem.
        let mut groups: &[String] = &user.profile.groups;
        if options.create_groups {
            if errors.is_empty() {
                for (child, parent) in &user.group_parents {
                    writes.create_group(parent, None)?;
                    writes.create_group(child, Some(parent))?;
                }
                for name in groups {
                    writes.create_group(name, None)?;
                }
            } else {
                groups = &[];
            }
        }
        let existing = match email {
            Some(email) => writes.find_user(email)?,
            None => None,
        };
        let (found, group_ids) = writes.conflicts(email, groups, existing)?;
        errors.extend(found);
        match (existing, options.on_conflict) {
            (Some(_), OnConflict::Fail) => errors.push(FieldError::new(
                Field::Email,
                "already a user (--on-conflict skip or update to go on)",
            )),
            (Some(_), OnConflict::Skip) if errors.is_empty() => {
                report.skipped += 1;
                continue;
            }
            (None, _) if !user.gives_password => errors.push(FieldError::new(
                Field::Password,
                "a new user needs a password or a password_hash",
            )),
            _ => {}
        }
        if !errors.is_empty() {
            report.failed.push((user.line, errors));
            continue;
        }
        let email = email.expect("a row without problems has a valid email");
        match existing {
            Some(id) => {
                writes.update_user(id, &user, email, &group_ids)?;
                report.updated += 1;
            }
            None => {
                writes.insert_user(&user, email, &group_ids)?;
                report.created += 1;
            }
        }
    }
    report.written = !options.dry_run && (report.failed.is_empty() || options.partial);
    Ok(Ok(report))
}

/// The summary entry of an import that is to be written, which its caller appends
/// last (a merge, which imports each application's users, writes one of its own).
pub(crate) fn summary(report: &ImportReport, options: &ImportOptions) -> Record {
    let changes = Changes::default()
        .with("created", 0, report.created)
        .with("updated", 0, report.updated)
        .with("skipped", 0, report.skipped)
        .with("failed", 0, report.failed.len());
    let target = Target::new("import", None, options.origin.as_str());
    Record::new(None, "import", target, changes)
}

/// An import's writes on SQLite.
pub(crate) struct SqliteImport<'a> {
    pub tx: &'a Connection,
    pub actor: &'a Actor,
    pub app: AppId,
    pub context: Context,
}

impl ImportWrites for SqliteImport<'_> {
    fn create_group(&mut self, name: &str, parent: Option<&str>) -> Result<bool> {
        let added = self.tx.execute(
            "INSERT INTO groups (app_id, name, parent_id)
             VALUES (?1, ?2, (SELECT id FROM groups WHERE app_id = ?1 AND name = ?3))
             ON CONFLICT DO NOTHING",
            params![self.app.0, name, parent],
        )?;
        if added > 0 {
            let target = Target::new("group", Some(self.tx.last_insert_rowid()), name);
            let record = Record::new(
                Some(self.app),
                "group.create",
                target,
                group_created(name, parent),
            );
            audit::append(self.tx, self.actor, record.within(self.context))?;
        }
        Ok(added > 0)
    }

    fn find_user(&mut self, email: &Email) -> Result<Option<UserId>> {
        find_user_id(self.tx, self.app, email.as_str())
    }

    fn conflicts(
        &mut self,
        email: Option<&Email>,
        groups: &[String],
        editing: Option<UserId>,
    ) -> Result<(Vec<FieldError>, Vec<i64>)> {
        conflicts(self.tx, self.app, email, groups, editing)
    }

    fn update_user(
        &mut self,
        id: UserId,
        row: &ImportUser,
        email: &Email,
        groups: &[i64],
    ) -> Result<()> {
        let before = UserFields::read(self.tx, id)?;
        let ended = rewrite_user(self.tx, id, email, &row.profile, row.hash.as_ref(), groups)?;
        let after = UserFields::of(email, &row.profile);
        audit_user(
            self.tx,
            self.actor,
            self.app,
            id,
            Some(&before),
            Some(&after),
            ended,
            self.context,
        )
    }

    fn insert_user(&mut self, row: &ImportUser, email: &Email, groups: &[i64]) -> Result<()> {
        let hash =
            (row.hash.as_ref()).expect("a row without problems that gives a password has its hash");
        let id = insert_user(
            self.tx,
            self.app,
            email,
            &row.profile,
            hash,
            groups,
            row.times(),
        )?;
        let after = UserFields::of(email, &row.profile);
        audit_user(
            self.tx,
            self.actor,
            self.app,
            id,
            None,
            Some(&after),
            None,
            self.context,
        )
    }

    fn summary(&mut self, mut record: Record) -> Result<()> {
        record.app = Some(self.app);
        audit::append(self.tx, self.actor, record.within(self.context))?;
        Ok(())
    }
}

impl ImportUser {
    /// (created, last login) of a new user from the row: now and never unless given.
    pub(crate) fn times(&self) -> (i64, i64) {
        (
            self.created.unwrap_or_else(unix_now),
            self.last_login.unwrap_or(0),
        )
    }
}

/// The changes of a group an import made.
pub(crate) fn group_created(name: &str, parent: Option<&str>) -> Changes {
    Changes::default()
        .with("name", None::<String>, name)
        .with("parent", None::<String>, parent)
}
