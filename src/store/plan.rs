//! Choosing how to evaluate a query's filters. A filter that matches few users is
//! read from its index (the trigram search index, the tag index) and the few rows are
//! sorted; one that matches many is checked row by row while walking the sort index,
//! which fills a page after a few rows. A cheap probe tells the two apart.

use rusqlite::params;

use super::subtree::group_test;
use super::{Result, Store, UserQuery};

/// Below how many matches a filter's own index is read instead of testing rows one
/// by one. Reading n scattered rows costs ~10 µs each; a page found by walking the
/// email index costs ~0.2 µs per entry walked (page × total / n of them) when the
/// test is text (in the index), ~3 µs when it is a tag (a lookup each). At a million
/// users the two meet near n = 1,000 for text and 5,000 for tags. Counting visits
/// every match either way, against one pass over all users: it pays to read the
/// index up to far more matches.
/// A group's members cost what a tag's users do (a key lookup each).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Few {
    pub text: i64,
    pub tags: i64,
    pub members: i64,
}

pub(crate) const FEW_FOR_PAGE: Few = Few {
    text: 1_000,
    tags: 5_000,
    members: 5_000,
};
pub(crate) const FEW_FOR_COUNT: Few = Few {
    text: 10_000,
    tags: 200_000,
    members: 200_000,
};

/// How many users (up to a limit) carry a tag key, or a key with a value.
pub(crate) const TAG_KEY_PROBE_SQL: &str =
    "SELECT count(*) FROM (SELECT 1 FROM user_tags WHERE key = ?1 LIMIT ?2)";
pub(crate) const TAG_VALUE_PROBE_SQL: &str =
    "SELECT count(*) FROM (SELECT 1 FROM user_tags WHERE key = ?1 AND value = ?2 LIMIT ?3)";

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

/// What the search index says about one short term.
pub(crate) enum Short {
    /// Begins no trigram: no haystack holds it.
    Absent,
    /// The trigrams it begins, together in fewer than `few` haystacks.
    Few(Vec<String>),
    /// In too many haystacks to read them from the index.
    Many,
}

impl Store {
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

    /// The FTS5 query that narrows the text terms (`None` when none can), and
    /// whether a short term occurs in no haystack at all.
    fn text_query(&self, q: &UserQuery, few: i64) -> Result<(Option<String>, bool)> {
        let mut parts: Vec<String> = Vec::new();
        let mut long = Vec::new();
        for term in &q.text {
            if term.chars().count() >= MIN_SEARCH_CHARS {
                long_term_query(term, &mut long);
                continue;
            }
            match self.short_term(term, few)? {
                Short::Absent => return Ok((None, true)),
                Short::Few(trigrams) => parts.push(format!("({})", trigrams.join(" OR "))),
                Short::Many => {}
            }
        }
        parts.extend(long);
        Ok(((!parts.is_empty()).then(|| parts.join(" AND ")), false))
    }

    pub(crate) fn plan(&self, q: &UserQuery, few: Few) -> Result<Plan> {
        let (expr, nothing) = self.text_query(q, few.text)?;
        if nothing {
            return Ok(Plan {
                nothing,
                ..Plan::default()
            });
        }
        let fts = match expr {
            Some(expr) => {
                let n: i64 = self
                    .conn
                    .prepare_cached(
                        "SELECT count(*) FROM (SELECT rowid FROM users_fts
                         WHERE users_fts MATCH ?1 LIMIT ?2)",
                    )?
                    .query_row(params![expr, few.text], |r| r.get(0))?;
                (n < few.text).then_some(expr)
            }
            None => None,
        };
        let mut narrow_tags = Vec::new();
        for tag in &q.tags {
            // One statement per shape: `(?2 IS NULL OR value = ?2)` would keep the
            // value out of the index range, reading every user with the key.
            let n: i64 = match &tag.value {
                Some(value) => self
                    .conn
                    .prepare_cached(TAG_VALUE_PROBE_SQL)?
                    .query_row(params![tag.key, value, few.tags], |r| r.get(0))?,
                None => self
                    .conn
                    .prepare_cached(TAG_KEY_PROBE_SQL)?
                    .query_row(params![tag.key, few.tags], |r| r.get(0))?,
            };
            narrow_tags.push(n < few.tags);
        }
        let narrow_group = match q.scope.group() {
            Some((group, subgroups)) => self.memberships_below(group, subgroups, few.members)?,
            None => false,
        };
        Ok(Plan {
            fts,
            narrow_tags,
            narrow_group,
            nothing,
        })
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
