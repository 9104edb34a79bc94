//! The groups a group scope covers: the group alone, or with every group below it.

/// The ids of a group and every group below it (one bound parameter: the group).
/// `UNION` rather than `UNION ALL`: a cycle, were one ever stored, ends the walk.
const SUBTREE_SQL: &str = "WITH RECURSIVE sub(id) AS (
         SELECT ? UNION SELECT g.id FROM groups g JOIN sub ON g.parent_id = sub.id
     ) SELECT id FROM sub";

/// The memberships of a scope's group (`m`): `m.group_id = ?`, or with its subgroups
/// `m.group_id IN (subtree)`; either binds the group's id once. `of_one_user`: the
/// test of one user's memberships (`m.user_id` is bound too), which must read that
/// user's few memberships and check each against the subtree: `+` keeps SQLite from
/// probing the key once per group of the subtree instead (at a million users, a
/// filtered count of a large group took 5 s that way, 0.5 s this way).
pub(crate) fn group_test(subgroups: bool, of_one_user: bool) -> String {
    match (subgroups, of_one_user) {
        (true, true) => format!("+m.group_id IN ({SUBTREE_SQL})"),
        (true, false) => format!("m.group_id IN ({SUBTREE_SQL})"),
        (false, _) => "m.group_id = ?".to_string(),
    }
}
