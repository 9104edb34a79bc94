//! Choosing how to evaluate a query's filters. A filter that matches few users is
//! read from its index (the trigram search index, the tag index) and the few rows are
//! sorted; one that matches many is checked row by row while walking the sort index,
//! which fills a page after a few rows. A cheap probe tells the two apart.

use rusqlite::params;
use rusqlite::types::Value;

use super::member_set::{member_params, member_test};
use super::subtree::group_test;
use super::{Result, SqliteStore, UserQuery};

/// Below how many matches a filter's own index is read instead of testing rows one
/// by one. Reading n scattered rows costs ~10 µs each; a page found by walking the
/// email index costs ~0.2 µs per entry walked (page × total / n of them) when the
/// test is text (in the index), ~3 µs when it is a tag (a lookup each). At a million
/// users the two meet near n = 1,000 for text and 5,000 for tags. Counting visits
/// every match either way, against one pass over all users: it pays to read the
/// index up to far more matches.
/// A group's members cost what a tag's users do (a key lookup each), unless they are
/// in the member set (member_set.rs): then a bit each.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Few {
    pub text: i64,
    pub tags: i64,
    pub members: i64,
    /// The most memberships read into the member set for a group with `members` or
    /// more (0: never). Reading one costs ~0.15 µs: 100,000 is a page's worth of
    /// time once per view, where testing a mid-size group's members by key lookups
    /// cost 12 ms a page; a count visits every match and always pays for it.
    pub member_set: i64,
    /// `text` for the members in the set: the search index was read to count them
    /// already, and walking the sort index for a rare term tests most of a million
    /// users however few it finds, so reading them costs what reading a tag's does.
    pub member_text: i64,
}

pub(crate) const FEW_FOR_PAGE: Few = Few {
    text: 1_000,
    tags: 5_000,
    members: 5_000,
    member_set: 100_000,
    member_text: 5_000,
};
pub(crate) const FEW_FOR_COUNT: Few = Few {
    text: 10_000,
    tags: 200_000,
    members: 200_000,
    member_set: i64::MAX,
    member_text: 10_000,
};
/// A selection joins the queries it was made of in one statement: the member set
/// holds one group only.
pub(crate) const FEW_FOR_SELECTION: Few = Few {
    member_set: 0,
    ..FEW_FOR_COUNT
};

/// With the member set, a filter is read from its own index when the index names up
/// to this many users (a short term: its trigrams' haystacks): they are tested in the
/// set, and the members read if few (walking the sort index instead tests every user
/// until a page of members holds the filter: at a million users `q`'s 66,666, in 16
/// trigrams, are read in 30 ms; walking to them took 125 ms).
const MEMBERS_FROM_INDEX: i64 = 100_000;

/// The users who carry a tag key, or a key with a value, as the plan's probes count
/// them: their id column, and where they are.
pub(crate) const TAG_KEY_USERS: [&str; 2] = ["user_id", "user_tags WHERE key = ?"];
pub(crate) const TAG_VALUE_USERS: [&str; 2] = ["user_id", "user_tags WHERE key = ? AND value = ?"];
pub(crate) const FTS_USERS: [&str; 2] = ["rowid", "users_fts WHERE users_fts MATCH ?"];

/// How many (up to a limit, the last parameter) of the users `users` names there
/// are: only those in the member set when `members` (its parameters come after
/// `users`' own).
pub(crate) fn probe_sql([id, users]: [&str; 2], members: bool) -> String {
    let members = match members {
        true => format!(" AND {}", member_test(id)),
        false => String::new(),
    };
    format!("SELECT count(*) FROM (SELECT 1 FROM {users}{members} LIMIT ?)")
}

/// Trigram search needs terms of at least three characters; shorter ones are found
/// through the trigrams they begin.
pub(crate) const MIN_SEARCH_CHARS: usize = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The FTS5 query for the text terms, when they match few users.
    pub fts: Option<String>,
    /// Per tag filter: whether it matches few users.
    pub narrow_tags: Vec<bool>,
    /// The scope is a group with few memberships.
    pub narrow_group: bool,
    /// The scope's members are tested in the member set.
    pub member_set: bool,
    /// A text term occurs in no user's haystack: the query matches nobody.
    pub nothing: bool,
}

impl Plan {
    /// Whether the rows come from a small set (to sort) rather than an index walk.
    pub fn narrow(&self) -> bool {
        self.fts.is_some() || self.narrow_tags.iter().any(|n| *n) || self.narrow_group
    }
}

/// An FTS5 string literal.
pub(crate) fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The FTS5 query for a long term: every trigram of it, all required (the index
/// keeps no positions, so a longer term is its trigrams).
fn long_term_query(term: &str, trigrams: &mut Vec<String>) {
    let chars: Vec<char> = term.chars().collect();
    for window in chars.windows(MIN_SEARCH_CHARS) {
        let trigram = quoted(&window.iter().collect::<String>());
        if !trigrams.contains(&trigram) {
            trigrams.push(trigram);
        }
    }
}

/// What the search index says about a query's text terms.
#[derive(Default)]
struct TextQuery {
    /// The FTS5 query that narrows them, when one can.
    expr: Option<String>,
    /// Some short term's trigrams, part of `expr`, name fewer users than the most
    /// they were read up to.
    below_short: bool,
    /// A short term occurs in no haystack: nobody matches.
    nothing: bool,
}

/// What the search index says about one short term.
pub(crate) enum Short {
    /// Begins no trigram: no haystack holds it.
    Absent,
    /// The trigrams it begins, together in fewer than `few` haystacks.
    Few(Vec<String>),
    /// In too many haystacks to read them from the index.
    Many,
}

impl SqliteStore {
    /// Every haystack is indexed with two characters after it, so every one- or
    /// two-character piece of it begins a trigram: a short term is in exactly the
    /// haystacks of the trigrams it begins, a key range of the index's vocabulary.
    /// Reads that range until the haystacks add up to `few`.
    pub(crate) fn short_term(&self, term: &str, few: i64) -> Result<Short> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT term, doc FROM users_fts_terms WHERE term >= ?1 AND term <= ?2",
        )?;
        let last = format!("{term}{}{}", char::MAX, char::MAX);
        let mut rows = stmt.query(params![term, last])?;
        let mut trigrams = Vec::new();
        let mut haystacks = 0i64;
        while let Some(row) = rows.next()? {
            haystacks += row.get::<_, i64>(1)?;
            if haystacks >= few {
                return Ok(Short::Many);
            }
            trigrams.push(quoted(&row.get::<_, String>(0)?));
        }
        Ok(if trigrams.is_empty() {
            Short::Absent
        } else {
            Short::Few(trigrams)
        })
    }

    /// What the search index says of the text terms, the short ones read up to
    /// `short` haystacks.
    fn text_query(&self, q: &UserQuery, short: i64) -> Result<TextQuery> {
        let mut parts: Vec<String> = Vec::new();
        let mut long = Vec::new();
        let mut below_short = false;
        for term in &q.text {
            if term.chars().count() >= MIN_SEARCH_CHARS {
                long_term_query(term, &mut long);
                continue;
            }
            match self.short_term(term, short)? {
                Short::Absent => {
                    return Ok(TextQuery {
                        nothing: true,
                        ..TextQuery::default()
                    });
                }
                Short::Few(trigrams) => {
                    parts.push(format!("({})", trigrams.join(" OR ")));
                    below_short = true;
                }
                Short::Many => {}
            }
        }
        parts.extend(long);
        Ok(TextQuery {
            expr: (!parts.is_empty()).then(|| parts.join(" AND ")),
            below_short,
            nothing: false,
        })
    }

    pub(crate) fn plan(&self, q: &UserQuery, few: Few) -> Result<Plan> {
        let (narrow_group, member_set) = self.group_plan(q, few)?;
        let (short, few_text) = match member_set {
            Some(_) => (few.text.max(MEMBERS_FROM_INDEX), few.member_text),
            None => (few.text, few.text),
        };
        let text = self.text_query(q, short)?;
        if text.nothing {
            return Ok(Plan {
                nothing: true,
                ..Plan::default()
            });
        }
        // Each probe counts, up to `few`, the users its index names. With the member
        // set, the members among them (all that will be read), once the index names at
        // most MEMBERS_FROM_INDEX: finding `few` members among more users would read
        // many times that, and a walk meets a page of members so common a filter holds
        // soon enough. Reading a short term's trigrams counted the users they name
        // (fewer than `short`), and every term is required: the search index names
        // fewer than that, known without a probe.
        let text_below = text.below_short.then_some(short);
        let probe =
            |users: [&str; 2], params: Vec<Value>, few: i64, below: Option<i64>| -> Result<bool> {
                let count = |members: bool, limit: i64| -> Result<bool> {
                    if !members && below.is_some_and(|below| below <= limit) {
                        return Ok(true);
                    }
                    let mut params = params.clone();
                    if members {
                        params.extend(member_set.iter().flatten().cloned());
                    }
                    params.push(limit.into());
                    let n: i64 = self
                        .conn
                        .prepare_cached(&probe_sql(users, members))?
                        .query_row(rusqlite::params_from_iter(params), |r| r.get(0))?;
                    Ok(n < limit)
                };
                match member_set {
                    None => count(false, few),
                    Some(_) => Ok(count(false, MEMBERS_FROM_INDEX)? && count(true, few)?),
                }
            };
        let fts = match text.expr {
            Some(expr) => {
                probe(FTS_USERS, vec![expr.clone().into()], few_text, text_below)?.then_some(expr)
            }
            None => None,
        };
        let mut narrow_tags = Vec::new();
        for tag in &q.tags {
            // One statement per shape: `(? IS NULL OR value = ?)` would keep the
            // value out of the index range, reading every user with the key.
            narrow_tags.push(match &tag.value {
                Some(value) => probe(
                    TAG_VALUE_USERS,
                    vec![tag.key.clone().into(), value.clone().into()],
                    few.tags,
                    None,
                )?,
                None => probe(TAG_KEY_USERS, vec![tag.key.clone().into()], few.tags, None)?,
            });
        }
        Ok(Plan {
            fts,
            narrow_tags,
            narrow_group,
            member_set: member_set.is_some(),
            nothing: false,
        })
    }

    /// Whether the query's group has few members, and when it has many and the member
    /// set holds them, the parameters of its test there.
    pub(crate) fn group_plan(&self, q: &UserQuery, few: Few) -> Result<(bool, Option<[Value; 2]>)> {
        let Some((group, subgroups)) = q.scope.group() else {
            return Ok((false, None));
        };
        if self.memberships_below(group, subgroups, few.members)? {
            return Ok((true, None));
        }
        let held = few.member_set > 0 && self.read_members(group, subgroups, few.member_set)?;
        Ok((false, held.then(|| member_params(group, subgroups))))
    }

    /// Whether a group (with its subgroups) holds fewer than `few` memberships: a
    /// range of the membership index, read up to `few` entries.
    fn memberships_below(&self, group: i64, subgroups: bool, few: i64) -> Result<bool> {
        let sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM memberships m WHERE {} LIMIT ?)",
            group_test(subgroups, false)
        );
        let n: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![group, few], |r| r.get(0))?;
        Ok(n < few)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_terms_ask_for_every_trigram_quoted_once() {
        let mut trigrams = Vec::new();
        for term in ["ali", r#""x"y"#, "@acme", "acm"] {
            long_term_query(term, &mut trigrams);
        }
        assert_eq!(
            trigrams.join(" AND "),
            r#""ali" AND """x""" AND "x""y" AND "@ac" AND "acm" AND "cme""#
        );
    }
}
