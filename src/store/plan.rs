//! Choosing how to evaluate a query's filters. A filter that matches few users is
//! read from its index (the trigram search index, the tag index) and the few rows are
//! sorted; one that matches many is checked row by row while walking the sort index,
//! which fills a page after a few rows. A cheap probe tells the two apart.

use rusqlite::params;

use super::{Result, Store, UserQuery};

/// Below how many matches a filter's own index is read instead of testing rows one
/// by one. Reading n scattered rows costs ~10 µs each; a page found by walking the
/// email index costs ~0.2 µs per entry walked (page × total / n of them) when the
/// test is text (in the index), ~3 µs when it is a tag (a lookup each). At a million
/// users the two meet near n = 1,000 for text and 5,000 for tags. Counting visits
/// every match either way, against one pass over all users: it pays to read the
/// index up to far more matches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Few {
    pub text: i64,
    pub tags: i64,
}

pub(crate) const FEW_FOR_PAGE: Few = Few {
    text: 1_000,
    tags: 5_000,
};
pub(crate) const FEW_FOR_COUNT: Few = Few {
    text: 10_000,
    tags: 200_000,
};

/// Trigram search needs terms of at least three characters.
const MIN_SEARCH_CHARS: usize = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The FTS5 query for the text terms, when they match few users.
    pub fts: Option<String>,
    /// Per tag filter: whether it matches few users.
    pub narrow_tags: Vec<bool>,
}

impl Plan {
    /// Whether the rows come from a small set (to sort) rather than an index walk.
    pub fn narrow(&self) -> bool {
        self.fts.is_some() || self.narrow_tags.iter().any(|n| *n)
    }
}

/// The FTS5 query for the searchable terms: every trigram of every term, all
/// required (the index keeps no positions, so a longer term is its trigrams).
fn fts_query(q: &UserQuery) -> Option<String> {
    let mut trigrams: Vec<String> = Vec::new();
    for term in &q.text {
        let chars: Vec<char> = term.chars().collect();
        for window in chars.windows(MIN_SEARCH_CHARS) {
            let trigram = format!(
                "\"{}\"",
                window.iter().collect::<String>().replace('"', "\"\"")
            );
            if !trigrams.contains(&trigram) {
                trigrams.push(trigram);
            }
        }
    }
    (!trigrams.is_empty()).then(|| trigrams.join(" AND "))
}

impl Store {
    pub(crate) fn plan(&self, q: &UserQuery, few: Few) -> Result<Plan> {
        let fts = match fts_query(q) {
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
            let n: i64 = self
                .conn
                .prepare_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM user_tags
                     WHERE key = ?1 AND (?2 IS NULL OR value = ?2) LIMIT ?3)",
                )?
                .query_row(params![tag.key, tag.value, few.tags], |r| r.get(0))?;
            narrow_tags.push(n < few.tags);
        }
        Ok(Plan { fts, narrow_tags })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_query_asks_for_every_trigram_quoted_and_skips_short_terms() {
        let q = UserQuery::default().filter(r#"al ali "x"y @acme acm"#);
        assert_eq!(
            fts_query(&q).as_deref(),
            Some(r#""ali" AND """x""" AND "x""y" AND "@ac" AND "acm" AND "cme""#)
        );
        assert_eq!(fts_query(&UserQuery::default().filter("al b")), None);
    }
}
