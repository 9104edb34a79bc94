//! How a page of the list is found on PostgreSQL, where the planner left alone chose
//! what cost a keystroke 0.1–1.3 s at a million users: walking the sort index (its
//! own choice), reading the filter's matches from `user_search` (schema_v12.sql),
//! or sorting those and testing a wide group on them in that order; a rare
//! character alone, in email order, from its own rows (schema_v14.sql).

use postgres::GenericClient;

use super::query::{GroupTest, PageRead, Sql, unscoped_where};
use super::short_terms::rare_short_terms;
use crate::store::{AppId, Page, Result, Scope, SortField, UserQuery};

/// The most of the users a group may hold to be "few"; from this share on, a page of
/// a rare term's sorted matches is found testing a few hundred of them for the group,
/// where testing every match took 0.2 s (`q` in Acme, two thirds of a million users).
const WIDE_SHARE: i64 = 10;

/// How many of its members' lookups a group's page may trade for reading the filter's
/// matches: a match read from `user_search` cost ~1 µs, a member looked up among the
/// users ~5 µs (`ali` in Support with its subgroups, 33,334 matches and 17,930 members
/// of a million users: 36 ms read from the matches, 90 ms from the members, the
/// planner's choice).
const MATCHES_PER_MEMBER: i64 = 5;

/// The query's rare short terms (short_terms.rs), and how a page of it is found.
pub(super) fn choose(
    client: &mut impl GenericClient,
    app: AppId,
    query: &UserQuery,
    page: &Page,
) -> Result<(Vec<String>, PageRead)> {
    let rare = rare_short_terms(client, query)?;
    // A page without text terms (most of a members view's) walks: no group size to ask.
    if query.text.is_empty() {
        return Ok((rare, PageRead::Walk));
    }
    let group = group_size(client, app, query.scope)?;
    let wide = group.is_some_and(|(members, users)| members * WIDE_SHARE >= users);
    if let Some((ch, pair)) = listed_char(client, query)? {
        // A group of few members is read once, not looked up for each listed user.
        let group_test = match group.is_some() && !wide {
            true => GroupTest::AllMembers,
            false => GroupTest::EachUser,
        };
        let read = PageRead::Listed {
            ch,
            pair,
            group_test,
            wide,
        };
        return Ok((rare, read));
    }
    // A rare short term's users spread along the email order fill a page among its
    // first few thousand users (`ki`: 100,003 of a million users, 68 ms read whole
    // from the warm buffers, 0.9 s cold): walked there first; its matches are read
    // only when that comes back short (`qu`, all at `quinn.` two thirds down).
    if !rare.is_empty() && query.sort.field == SortField::Email && (group.is_none() || wide) {
        return Ok((rare, PageRead::WalkFirst { wide }));
    }
    let read = match (rare.is_empty(), group) {
        (false, _) if wide => PageRead::SortedMatches(Some(first_matches_tested(page))),
        (false, _) => PageRead::Matches,
        (true, Some((members, _))) if !wide => {
            let expected = expected_matches(client, app, query)?;
            match expected <= members.saturating_mul(MATCHES_PER_MEMBER) {
                true => PageRead::Matches,
                false => PageRead::Walk,
            }
        }
        (true, _) => PageRead::Walk,
    };
    Ok((rare, read))
}

/// The character whose users `char_users` lists (pg/schema_v14.sql) that a page of
/// the query may walk, and whether the query's term is a pair holding it: a query of
/// one term of one or two characters, in email order. The page is then the first of
/// its users that pass the scope (and the pair). With another term or a tag to test,
/// each listed user might fail it: the terms' indexes together find fewer.
fn listed_char(client: &mut impl GenericClient, query: &UserQuery) -> Result<Option<(char, bool)>> {
    let [term] = query.text.as_slice() else {
        return Ok(None);
    };
    let chars: Vec<String> = term.to_lowercase().chars().map(String::from).collect();
    if !query.tags.is_empty() || query.sort.field != SortField::Email || chars.len() > 2 {
        return Ok(None);
    }
    // In a database of another encoding than UTF-8 (`SQL_ASCII`), `char_users` holds
    // the bytes of each character, not the character.
    let listed: Option<String> = client
        .query_opt(
            "SELECT c FROM unnest($1::text[]) WITH ORDINALITY AS x(c, n)
             WHERE current_setting('server_encoding') = 'UTF8'
               AND NOT EXISTS (SELECT 1 FROM common_chars WHERE ch = c)
             ORDER BY n LIMIT 1",
            &[&chars],
        )?
        .map(|r| r.get(0));
    Ok(listed
        .and_then(|c| c.chars().next())
        .map(|ch| (ch, chars.len() == 2)))
}

/// How to read a page again that came back short from `read`, which looked at only
/// some of the users it might hold: over its matches, those first, then all.
/// A term its index does not tell rare (`rare` empty) is walked to instead.
pub(super) fn after_short(
    read: PageRead,
    rare: &[String],
    found: usize,
    page: &Page,
) -> Option<PageRead> {
    if found >= page.size() {
        return None;
    }
    let wide = match read {
        PageRead::WalkFirst { wide }
        | PageRead::Listed {
            pair: true, wide, ..
        } => wide,
        PageRead::SortedMatches(Some(_)) => return Some(PageRead::SortedMatches(None)),
        _ => return None,
    };
    Some(match (rare.is_empty(), wide) {
        (true, _) => PageRead::Walk,
        (false, true) => PageRead::SortedMatches(Some(first_matches_tested(page))),
        (false, false) => PageRead::Matches,
    })
}

/// How many of a rare term's sorted matches a page in a wide group tests first: in a
/// group of a tenth of the users, twice what a page needs when its members are spread
/// evenly. Sorting only these (a bounded heap) took 40 ms for `q` in Acme at a million
/// users, sorting all 66,666 matches 72 ms; a page that comes back short is read
/// again over all of them.
fn first_matches_tested(page: &Page) -> i64 {
    i64::try_from(page.size().saturating_mul(20)).unwrap_or(i64::MAX)
}

/// The members of the group of `scope` (with its subgroups for a tree) and the users
/// of the application, by the kept counts; `None` for another scope.
fn group_size(
    client: &mut impl GenericClient,
    app: AppId,
    scope: Scope,
) -> Result<Option<(i64, i64)>> {
    let (group, column) = match scope {
        Scope::Group(group) => (group, "member_count"),
        Scope::GroupTree(group) => (group, "subtree_member_count"),
        Scope::All | Scope::Grouped | Scope::Ungrouped => return Ok(None),
    };
    let row = client.query_opt(
        &format!(
            "SELECT g.{column}, a.user_count FROM groups g
             JOIN applications a ON a.id = g.app_id WHERE g.id = $1 AND a.id = $2"
        ),
        &[&group, &app.0],
    )?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// How many users the planner expects the query's filter (its scope aside) to match.
fn expected_matches(client: &mut impl GenericClient, app: AppId, query: &UserQuery) -> Result<i64> {
    let mut sql = Sql::default();
    let filter = unscoped_where(app, query, &mut sql);
    let plan = client.query(
        &format!("EXPLAIN SELECT 1 FROM user_search u WHERE {filter}"),
        &sql.params(),
    )?;
    let top: String = plan.first().map(|r| r.get(0)).unwrap_or_default();
    Ok(rows_of(&top).unwrap_or(i64::MAX))
}

/// The `rows=` of a plan's line.
fn rows_of(line: &str) -> Option<i64> {
    let rest = &line[line.find(" rows=")? + 6..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plans_row_estimate_is_read_from_its_line() {
        let line = "Bitmap Heap Scan on user_search u  (cost=290.85..18667.34 rows=30303 width=14)";
        assert_eq!(rows_of(line), Some(30303));
        assert_eq!(rows_of("Result  (cost=0.00..0.01 width=4)"), None);
    }
}
