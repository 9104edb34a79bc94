//! A merge's writes on a SQLite target (see merge.rs), in one transaction whose new
//! users are indexed for search together at the end, as an import's are.

use rusqlite::{Connection, OptionalExtension, params};

use super::merge::{
    DeviceMerged, MergeWrites, SourceApp, app_created, device_outcome, imported, readable,
};
use crate::store::audit::{self, Actor, Batch, Context, Record};
use crate::store::devices::{device_groups, device_id};
use crate::store::groups::group_id;
use crate::store::import::import_rows;
use crate::store::import::{ImportOptions, ImportReport, ImportUser, ImportWrites, SqliteImport};
use crate::store::migrations::{pause_indexing, resume_indexing};
use crate::store::{AppId, Result, SqliteStore, StoreError, begin_write};

struct SqliteMerge<'a> {
    tx: &'a Connection,
    actor: &'a Actor,
    context: Context,
}

impl SqliteMerge<'_> {
    fn import(&self, app: AppId) -> SqliteImport<'_> {
        SqliteImport {
            tx: self.tx,
            actor: self.actor,
            app,
            context: self.context,
        }
    }

    fn append(&self, record: Record) -> Result<()> {
        audit::append(self.tx, self.actor, record.within(self.context))?;
        Ok(())
    }
}

impl MergeWrites for SqliteMerge<'_> {
    fn application(&mut self, app: &SourceApp) -> Result<(AppId, bool)> {
        let made: Option<i64> = self
            .tx
            .query_row(
                "INSERT INTO applications (name, user_limit, lockout_failures, lockout_secs)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO NOTHING RETURNING id",
                params![
                    app.name,
                    app.user_limit,
                    app.lockout_failures,
                    app.lockout_secs
                ],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = made {
            let target = audit::app_target(self.tx, AppId(id))?;
            self.append(Record::new(
                Some(AppId(id)),
                "app.create",
                target,
                app_created(app),
            ))?;
            return Ok((AppId(id), true));
        }
        let id = self.tx.query_row(
            "SELECT id FROM applications WHERE name = ?1",
            [&app.name],
            |r| r.get(0),
        )?;
        Ok((AppId(id), false))
    }

    fn group(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<bool> {
        self.import(app).create_group(name, parent)
    }

    fn device(&mut self, app: AppId, name: &str, groups: &[&str]) -> Result<DeviceMerged> {
        let (device, made) = match device_id(self.tx, app, name) {
            Ok(id) => (id, false),
            Err(StoreError::NotFound { .. }) => {
                self.tx.execute(
                    "INSERT INTO devices (app_id, name) VALUES (?1, ?2)",
                    params![app.0, name],
                )?;
                (self.tx.last_insert_rowid(), true)
            }
            Err(e) => return Err(e),
        };
        let before = device_groups(self.tx, device)?;
        for group in groups {
            self.tx.execute(
                "INSERT INTO group_devices (group_id, device_id) VALUES (?1, ?2)
                 ON CONFLICT DO NOTHING",
                params![group_id(self.tx, app, group)?, device],
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

/// Runs `merge` over the file's writes in one transaction, committed only when it
/// returns `Ok`.
pub(super) fn write<T>(
    store: &mut SqliteStore,
    merge: impl FnOnce(&mut dyn MergeWrites) -> Result<T>,
) -> Result<T> {
    let tx = begin_write(&mut store.conn)?;
    let unindexed_after = pause_indexing(&tx)?;
    let context = Context {
        batch: Some(Batch::begin(&tx)?),
        source: None,
    };
    let merged = merge(&mut SqliteMerge {
        tx: &tx,
        actor: &store.actor,
        context,
    })?;
    resume_indexing(&tx, unindexed_after)?;
    tx.commit()?;
    Ok(merged)
}
