//! How big a query's group is against its application's users, by the kept counts:
//! it decides how a page of the group's users is read (query.rs's `page_sql`).

use postgres::GenericClient;

use crate::store::{AppId, Result, Scope};

/// How big the query's group is, against the application's users (kept counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GroupShare {
    /// Not a group's scope, or one neither wide nor few.
    Other,
    /// A tenth of the users or more: a rare term's sorted matches hold a page of
    /// members within their first few hundred.
    Wide,
    /// Not wide, and few members ([`FEW_MEMBERS`] or fewer): reading them all costs
    /// less than testing a filter's matches, or walking the sort index to a page of
    /// them.
    Few,
}

/// The most members a group may have to be read member by member under a filter:
/// 20,000 are read and tested in ~40 ms at a million users, where a rare term's
/// matches tested for the group (`q`: 66,666) or a walk to a page of members who
/// hold `ali` took 100–120 ms.
const FEW_MEMBERS: i64 = 20_000;

/// How the group of `scope` (with its subgroups for a tree) compares with the
/// application's users, by the kept counts (see [`GroupShare`]).
pub(super) fn group_share(
    client: &mut impl GenericClient,
    app: AppId,
    scope: Scope,
) -> Result<GroupShare> {
    let (group, column) = match scope {
        Scope::Group(group) => (group, "member_count"),
        Scope::GroupTree(group) => (group, "subtree_member_count"),
        Scope::All | Scope::Grouped | Scope::Ungrouped => return Ok(GroupShare::Other),
    };
    let row = client.query_opt(
        &format!(
            "SELECT g.{column}, a.user_count FROM groups g
             JOIN applications a ON a.id = g.app_id WHERE g.id = $1 AND a.id = $2"
        ),
        &[&group, &app.0],
    )?;
    Ok(
        match row.map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1))) {
            Some((members, users)) if members * 10 >= users => GroupShare::Wide,
            Some((members, _)) if members <= FEW_MEMBERS => GroupShare::Few,
            _ => GroupShare::Other,
        },
    )
}
