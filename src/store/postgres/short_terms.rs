//! Which of a query's one- and two-character terms are read from their own index
//! (schema_v12.sql's `user_search_short`), as SQLite's plan (store/plan.rs) reads a
//! rare term from its search index and walks the sort index for a common one.
//!
//! The planner alone does not tell them apart well: it expects a term's users spread
//! evenly along the sort index, but a letter may sit in few names (`q`: the Quinns,
//! two thirds down the email order), and checking the index expression row by row
//! (a common term, counted over every user) costs far more than the `LIKE`. So a
//! term is looked up in the index only when the statistics `ANALYZE` keeps on the
//! indexed expression (its most common elements) say that few users hold it; then
//! the page's rows are all read from that index and sorted, never walked to.

use postgres::GenericClient;

use crate::store::{Result, UserQuery};

/// The most of the users (a share) a short term may be in to be read from its index:
/// reading and sorting a tenth of the users costs less than walking the sort index
/// until a page of a term whose users come late.
const RARE_SHARE: f32 = 0.10;

/// How many characters a term may have to be served by `user_search_short`.
const SHORT_CHARS: usize = 2;

/// Whether `term` is short enough for `user_search_short` (and too short for the
/// trigram index).
pub(super) fn is_short(term: &str) -> bool {
    term.chars().count() <= SHORT_CHARS
}

/// The short terms of `query` that few users hold. A term absent from the most
/// common elements is rarer than each of them; with no statistics yet (a table
/// never analysed) none is taken for rare.
pub(super) fn rare_short_terms(
    client: &mut impl GenericClient,
    query: &UserQuery,
) -> Result<Vec<String>> {
    let short: Vec<&String> = (query.text.iter()).filter(|term| is_short(term)).collect();
    if short.is_empty() {
        return Ok(Vec::new());
    }
    let Some(stats) = client.query_opt(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats
         WHERE schemaname = current_schema() AND tablename = 'user_search_short'",
        &[],
    )?
    else {
        return Ok(Vec::new());
    };
    let elems: Vec<String> = stats.get::<_, Option<_>>(0).unwrap_or_default();
    let freqs: Vec<f32> = stats.get::<_, Option<_>>(1).unwrap_or_default();
    Ok(short
        .into_iter()
        .filter(|term| {
            let share = elems
                .iter()
                .position(|e| e == *term)
                .map_or(0.0, |i| freqs[i]);
            share <= RARE_SHARE
        })
        .cloned()
        .collect())
}
