//! Counting from the filter's own indexes where they alone answer: the tag index
//! counts the users with tags, the search index the users holding one- and
//! two-character terms (the trigrams such a term begins name exactly its users, see
//! plan.rs). Neither index knows applications or scopes, so this serves the All pane
//! while one application holds every user — the usual case, and the one where
//! counting row by row costs most.

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::plan::{MIN_SEARCH_CHARS, Short};
use super::{AppId, Result, Scope, Store, TagFilter, UserQuery};

/// Above this many haystacks a short term is counted row by row instead: its
/// trigrams' lists would be as long to merge.
const SHORT_TERM_LIMIT: i64 = 200_000;

impl Store {
    /// The query's match count when the indexes answer it alone, else `None`.
    pub(crate) fn count_from_indexes(&self, app: AppId, q: &UserQuery) -> Result<Option<u64>> {
        if q.scope != Scope::All || !self.holds_every_user(app)? {
            return Ok(None);
        }
        match (q.text.is_empty(), q.tags.is_empty()) {
            (true, false) => self.count_tagged(&q.tags).map(Some),
            (false, true) => self.count_short_terms(&q.text),
            _ => Ok(None),
        }
    }

    fn holds_every_user(&self, app: AppId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT NOT EXISTS (SELECT 1 FROM applications WHERE id != ?1 AND user_count > 0)",
            )?
            .query_row([app.0], |r| r.get(0))?)
    }

    /// Users carrying every tag: one index range per tag, intersected.
    fn count_tagged(&self, tags: &[TagFilter]) -> Result<u64> {
        let mut selects = Vec::new();
        let mut params = Vec::new();
        for tag in tags {
            params.push(Value::Text(tag.key.clone()));
            match &tag.value {
                Some(value) => {
                    selects.push("SELECT user_id FROM user_tags WHERE key = ? AND value = ?");
                    params.push(Value::Text(value.clone()));
                }
                None => selects.push("SELECT user_id FROM user_tags WHERE key = ?"),
            }
        }
        let sql = format!("SELECT count(*) FROM ({})", selects.join(" INTERSECT "));
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(params), |r| r.get(0))?)
    }

    /// Users holding every term, when all terms are short.
    fn count_short_terms(&self, text: &[String]) -> Result<Option<u64>> {
        let mut groups = Vec::new();
        for term in text {
            if term.chars().count() >= MIN_SEARCH_CHARS {
                return Ok(None);
            }
            match self.short_term(term, SHORT_TERM_LIMIT)? {
                Short::Absent => return Ok(Some(0)),
                Short::Few(trigrams) => groups.push(format!("({})", trigrams.join(" OR "))),
                Short::Many => return Ok(None),
            }
        }
        let n = self
            .conn
            .prepare_cached("SELECT count(*) FROM users_fts WHERE users_fts MATCH ?1")?
            .query_row([groups.join(" AND ")], |r| r.get(0))?;
        Ok(Some(n))
    }
}
