//! Importing users on PostgreSQL: the rules of store/import.rs (`import_rows`), over
//! PostgreSQL's writes, all in one transaction.

use postgres::Transaction;

use super::reads::read_user;
use super::user_after_user::{self, UserAfterUser};
use super::users::{append_all, conflicts, find_user_id, insert_user, rewrite_user};
use super::{PgStore, audit, begin_write};
use crate::domain::{Email, FieldError};
use crate::store::audit::{Actor, Context, Record, Source, Target, UserFields};
use crate::store::import::{ImportWrites, described, group_created, import_rows, summary};
use crate::store::users::user_records;
use crate::store::{AppId, ImportOptions, ImportReport, ImportUser, Result, StoreError, UserId};

impl PgStore {
    /// Takes the rows one by one as they are read (see the SQLite store's); an `Err`
    /// from the rows ends the import with nothing written.
    pub fn import_users<E: From<StoreError>>(
        &mut self,
        app: AppId,
        users: impl IntoIterator<Item = std::result::Result<ImportUser, E>>,
        options: ImportOptions,
    ) -> Result<ImportReport, E> {
        let result = match self.import_rows(app, users, &options) {
            Ok(Err(unreadable)) => return Err(unreadable),
            Ok(Ok(report)) => Ok(report),
            Err(e) => Err(e),
        };
        let (what, subject) = described(&options.origin, &result);
        Ok(self.logged(app, &what, &subject, result)?)
    }

    fn import_rows<E>(
        &mut self,
        app: AppId,
        users: impl IntoIterator<Item = std::result::Result<ImportUser, E>>,
        options: &ImportOptions,
    ) -> Result<std::result::Result<ImportReport, E>> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let context = Context {
            batch: Some(audit::begin_batch(&mut tx)?),
            source: Some(Source::Import),
        };
        let mut counts = UserAfterUser::begin(&mut tx)?;
        let mut writes = PgImport {
            tx: &mut tx,
            actor: &self.actor,
            app,
            context,
            counts: &mut counts,
        };
        let report = match import_rows(&mut writes, users, options)? {
            Ok(report) => report,
            Err(unreadable) => return Ok(Err(unreadable)),
        };
        if report.written {
            writes.summary(summary(&report, options))?;
            user_after_user::fold(&mut tx)?;
            tx.commit()?;
        }
        Ok(Ok(report))
    }
}

/// An import's writes on PostgreSQL.
pub(super) struct PgImport<'a, 't> {
    pub tx: &'a mut Transaction<'t>,
    pub actor: &'a Actor,
    pub app: AppId,
    pub context: Context,
    pub counts: &'a mut UserAfterUser,
}

impl ImportWrites for PgImport<'_, '_> {
    fn create_group(&mut self, name: &str, parent: Option<&str>) -> Result<bool> {
        let added = self.tx.query_opt(
            "INSERT INTO groups (app_id, name, parent_id)
             VALUES ($1, $2, (SELECT id FROM groups WHERE app_id = $1 AND name = $3))
             ON CONFLICT DO NOTHING RETURNING id",
            &[&self.app.0, &name, &parent],
        )?;
        if let Some(row) = &added {
            let target = Target::new("group", Some(row.get(0)), name);
            let changes = group_created(name, parent);
            let record = Record::new(Some(self.app), "group.create", target, changes);
            audit::append(self.tx, self.actor, record.within(self.context))?;
        }
        Ok(added.is_some())
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
        let before = UserFields::of_user(&read_user(self.tx, id)?);
        let ended = rewrite_user(self.tx, id, email, &row.profile, row.hash.as_ref(), groups)?;
        let after = UserFields::of(email, &row.profile);
        let records = user_records(self.app, id, Some(&before), Some(&after), ended);
        append_all(self.tx, self.actor, records, self.context)?;
        self.counts.user_written(self.tx)
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
        let records = user_records(self.app, id, None, Some(&after), None);
        append_all(self.tx, self.actor, records, self.context)?;
        self.counts.user_written(self.tx)
    }

    fn summary(&mut self, mut record: Record) -> Result<()> {
        record.app = Some(self.app);
        audit::append(self.tx, self.actor, record.within(self.context))?;
        Ok(())
    }
}
