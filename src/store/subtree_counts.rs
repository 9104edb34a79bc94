//! Each group's members including its subgroups, counted afresh: for when the triggers
//! that keep `groups.subtree_member_count` (schema_v10.sql) were not there — the
//! upgrade to schema v10 and every bulk load.

use std::collections::HashMap;

use rusqlite::Connection;

use super::Result;

/// Every group's ancestors again, from the groups' parents. `UNION` rather than
/// `UNION ALL`: a cycle, were one ever stored, ends the walk.
const REBUILD_ANCESTORS: &str = "
    DELETE FROM group_ancestors;
    INSERT INTO group_ancestors (group_id, ancestor_id)
    WITH RECURSIVE up(group_id, ancestor_id) AS (
        SELECT id, id FROM groups
        UNION
        SELECT up.group_id, g.parent_id FROM up JOIN groups g ON g.id = up.ancestor_id
        WHERE g.parent_id IS NOT NULL
    )
    SELECT group_id, ancestor_id FROM up;
";

/// Rebuilds the groups' ancestors and recounts every group's members including its
/// subgroups: one pass over the memberships in user order, each user counted once in
/// every group it reaches upwards (a count per group in SQL would read the large
/// groups' memberships once for each group above them).
pub(crate) fn recount_subtree_members(conn: &Connection) -> Result<()> {
    conn.execute_batch(REBUILD_ANCESTORS)?;
    let mut ancestors: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut ties = conn.prepare("SELECT group_id, ancestor_id FROM group_ancestors")?;
    let mut rows = ties.query([])?;
    while let Some(row) = rows.next()? {
        ancestors.entry(row.get(0)?).or_default().push(row.get(1)?);
    }
    let mut counts: HashMap<i64, u64> = HashMap::new();
    let mut reached: Vec<i64> = Vec::new();
    let mut flush = |reached: &mut Vec<i64>| {
        reached.sort_unstable();
        reached.dedup();
        for group in reached.drain(..) {
            *counts.entry(group).or_default() += 1;
        }
    };
    let mut memberships =
        conn.prepare("SELECT user_id, group_id FROM memberships ORDER BY user_id")?;
    let mut rows = memberships.query([])?;
    let mut user = None;
    while let Some(row) = rows.next()? {
        let (owner, group): (i64, i64) = (row.get(0)?, row.get(1)?);
        if user != Some(owner) {
            flush(&mut reached);
            user = Some(owner);
        }
        reached.extend(ancestors.get(&group).into_iter().flatten());
    }
    flush(&mut reached);
    conn.execute("UPDATE groups SET subtree_member_count = 0", [])?;
    let mut write = conn.prepare("UPDATE groups SET subtree_member_count = ?2 WHERE id = ?1")?;
    for (group, count) in counts {
        write.execute(rusqlite::params![group, count])?;
    }
    Ok(())
}
