use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::{AppId, Result, Store, StoreError};
use crate::domain::{Field, creates_cycle, required_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
}

impl Store {
    pub fn create_group(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<Group> {
        let name = required_text(name).map_err(|m| StoreError::invalid(Field::GroupName, m))?;
        let tx = self.conn.transaction()?;
        let parent_id = match parent {
            Some(p) => Some(group_id(&tx, app, p)?),
            None => None,
        };
        if find_group(&tx, app, &name)?.is_some() {
            return Err(StoreError::invalid(
                Field::GroupName,
                format!("a group named '{name}' already exists"),
            ));
        }
        tx.execute(
            "INSERT INTO groups (app_id, name, parent_id) VALUES (?1, ?2, ?3)",
            params![app.0, name, parent_id],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Group {
            id,
            name,
            parent_id,
        })
    }

    /// Moves `name` under `parent` (or to the top with `None`); refuses cycles.
    pub fn set_group_parent(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<()> {
        let tx = self.conn.transaction()?;
        let id = group_id(&tx, app, name)?;
        let parent_id = match parent {
            Some(p) => {
                let pid = group_id(&tx, app, p)?;
                let parents: HashMap<i64, Option<i64>> = list_groups(&tx, app)?
                    .into_iter()
                    .map(|g| (g.id, g.parent_id))
                    .collect();
                if creates_cycle(&parents, id, pid) {
                    return Err(StoreError::invalid(
                        Field::GroupParent,
                        format!(
                            "'{p}' is '{name}' or one of its subgroups: that would make a cycle"
                        ),
                    ));
                }
                Some(pid)
            }
            None => None,
        };
        tx.execute(
            "UPDATE groups SET parent_id = ?2 WHERE id = ?1",
            params![id, parent_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// All groups of the application, parents before children, siblings by name.
    pub fn groups(&self, app: AppId) -> Result<Vec<Group>> {
        list_groups(&self.conn, app)
    }
}

fn list_groups(conn: &Connection, app: AppId) -> Result<Vec<Group>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE tree(id, name, parent_id, path) AS (
             SELECT id, name, parent_id, name FROM groups WHERE app_id = ?1 AND parent_id IS NULL
             UNION ALL
             SELECT g.id, g.name, g.parent_id, t.path || char(31) || g.name
             FROM groups g JOIN tree t ON g.parent_id = t.id
         )
         SELECT id, name, parent_id FROM tree ORDER BY path",
    )?;
    let rows = stmt.query_map([app.0], |r| {
        Ok(Group {
            id: r.get(0)?,
            name: r.get(1)?,
            parent_id: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn find_group(conn: &Connection, app: AppId, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM groups WHERE app_id = ?1 AND name = ?2")?
        .query_row(params![app.0, name], |r| r.get(0))
        .optional()?)
}

pub(crate) fn group_id(conn: &Connection, app: AppId, name: &str) -> Result<i64> {
    find_group(conn, app, name)?.ok_or_else(|| StoreError::not_found("group", name))
}

impl Store {
    /// The id of the group called `name`.
    pub fn group_named(&self, app: AppId, name: &str) -> Result<i64> {
        group_id(&self.conn, app, name)
    }
}
