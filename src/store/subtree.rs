//! The groups a group scope covers: the group alone, or with every group below it.

/// The ids of a group and every group below it (one bound parameter: the group).
/// `UNION` rather than `UNION ALL`: a cycle, were one ever stored, ends the walk.
const SUBTREE_SQL: &str = "WITH RECURSIVE sub(id) AS (
         SELECT ? UNION SELECT g.id FROM groups g JOIN sub ON g.parent_id = sub.id
     ) SELECT id FROM sub";

/// The memberships of a scope's group (`m`): `m.group_id = ?`, or with its subgroups
/// `m.group_id IN (subtree)`; either binds the group's id once.
pub(crate) fn group_test(subgroups: bool) -> String {
    if subgroups {
        format!("m.group_id IN ({SUBTREE_SQL})")
    } else {
        "m.group_id = ?".to_string()
    }
}
