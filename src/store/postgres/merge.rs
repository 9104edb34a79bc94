//! A merge's writes on a PostgreSQL target (see store/copy/merge.rs), in one
//! transaction under the write lock every writer takes.

use postgres::Transaction;

use super::devices::{device_groups, device_id};
use super::groups::group_id;
use super::import::PgImport;
use super::user_after_user::{self, UserAfterUser};
use super::{PgStore, audit, begin_write};
use crate::store::audit::{Actor, Context, Record};
use crate::store::copy::merge::{
    DeviceMerged, MergeWrites, SourceApp, app_created, device_outcome, imported, readable,
};
use crate::store::import::{ImportOptions, ImportReport, ImportUser, ImportWrites, import_rows};
use crate::store::{AppId, Result, StoreError};

struct PgMerge<'a, 't> {
    tx: &'a mut Transaction<'t>,
    actor: &'a Actor,
    context: Context,
    counts: UserAfterUser,
}

impl<'t> PgMerge<'_, 't> {
    fn import(&mut self, app: AppId) -> PgImport<'_, 't> {
        PgImport {
            tx: self.tx,
            actor: self.actor,
            app,
            context: self.context,
            counts: &mut self.counts,
        }
    }

    fn append(&mut self, record: Record) -> Result<()> {
        audit::append(self.tx, self.actor, record.within(self.context))?;
        Ok(())
    }
}

impl MergeWrites for PgMerge<'_, '_> {
    fn application(&mut self, app: &SourceApp) -> Result<(AppId, bool)> {
        let made = self.tx.query_opt(
            "INSERT INTO applications (name, user_limit, lockout_failures, lockout_secs)
             VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING id",
            &[
                &app.name,
                &app.user_limit,
                &app.lockout_failures,
                &app.lockout_secs,
            ],
        )?;
        if let Some(row) = made {
            let id = AppId(row.get(0));
            let target = audit::app_target(self.tx, id)?;
            self.append(Record::new(
                Some(id),
                "app.create",
                target,
                app_created(app),
            ))?;
            return Ok((id, true));
        }
        let row = self
            .tx
            .query_one("SELECT id FROM applications WHERE name = $1", &[&app.name])?;
        Ok((AppId(row.get(0)), false))
    }

    fn group(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<bool> {
        self.import(app).create_group(name, parent)
    }

    fn device(&mut self, app: AppId, name: &str, groups: &[&str]) -> Result<DeviceMerged> {
        let (device, made) = match device_id(self.tx, app, name) {
            Ok(id) => (id, false),
            Err(StoreError::NotFound { .. }) => {
                let row = self.tx.query_one(
                    "INSERT INTO devices (app_id, name) VALUES ($1, $2) RETURNING id",
                    &[&app.0, &name],
                )?;
                (row.get(0), true)
            }
            Err(e) => return Err(e),
        };
        let before = device_groups(self.tx, device)?;
        for group in groups {
            let group = group_id(self.tx, app, group)?;
            self.tx.execute(
                "INSERT INTO group_devices (group_id, device_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&group, &device],
            )?;
        }
        let after = device_groups(self.tx, device)?;
        let (merged, record) = device_outcome(app, (device, name), made, before, after);
        if let Some(record) = record {
            self.append(record)?;
        }
        Ok(merged)
    }

    fn users(
        &mut self,
        app: AppId,
        users: &mut dyn Iterator<Item = ImportUser>,
        options: &ImportOptions,
    ) -> Result<ImportReport> {
        imported(import_rows(&mut self.import(app), readable(users), options))
    }

    fn summary(&mut self, record: Record) -> Result<()> {
        self.append(record)
    }
}

/// Runs `merge` over the database's writes in one transaction, committed only when
/// it returns `Ok`.
pub(in crate::store) fn write_merge<T>(
    store: &mut PgStore,
    merge: impl FnOnce(&mut dyn MergeWrites) -> Result<T>,
) -> Result<T> {
    let mut client = store.client.borrow_mut();
    let mut tx = begin_write(&mut client)?;
    // The target's statistics predate the users the merge adds: planned for the values
    // at hand, the lookup by email in an application that had few users took another
    // index of it and read all it had gained, every user more (100,000 users took
    // minutes). Planned for any value, it takes the email's own index.
    tx.batch_execute("SET LOCAL plan_cache_mode = force_generic_plan")?;
    let context = Context {
        batch: Some(audit::begin_batch(&mut tx)?),
        source: None,
    };
    let counts = UserAfterUser::begin(&mut tx)?;
    let merged = merge(&mut PgMerge {
        tx: &mut tx,
        actor: &store.actor,
        context,
        counts,
    })?;
    user_after_user::fold(&mut tx)?;
    tx.commit()?;
    Ok(merged)
}
