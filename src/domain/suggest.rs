use std::cmp::Reverse;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// A tag key offered while a key is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySuggestion {
    pub key: String,
    /// How many users carry the key.
    pub users: u64,
    /// Character positions in `key` that matched what was typed (for highlighting).
    pub matched: Vec<usize>,
}

/// At most this many candidates are scored by the fuzzy matcher.
const SHORTLIST: usize = 400;

/// Ranks `keys` (with their user counts) against `typed`: best fuzzy match first,
/// then the more widely used key, then alphabetical. The key typed exactly is not offered.
pub fn rank_tag_keys<'a>(
    keys: impl IntoIterator<Item = &'a (String, u64)>,
    typed: &str,
    limit: usize,
) -> Vec<KeySuggestion> {
    let matcher = SkimMatcherV2::default();
    let mut candidates: Vec<&(String, u64)> = keys
        .into_iter()
        .filter(|(key, _)| key != typed && holds_in_order(key, typed))
        .collect();
    if candidates.len() > SHORTLIST {
        // Scoring costs ~0.5 µs a key: of thousands of candidates (a key or two typed
        // among 10,000 keys), score the keys that hold the typed text in one piece
        // first, then the most used.
        let piece = typed.to_ascii_lowercase();
        candidates.select_nth_unstable_by_key(SHORTLIST, |(key, users)| {
            (
                Reverse(key.to_ascii_lowercase().contains(&piece)),
                Reverse(*users),
            )
        });
        candidates.truncate(SHORTLIST);
    }
    // Scores first, positions only for the few that are shown.
    let mut scored: Vec<(i64, &String, u64)> = candidates
        .into_iter()
        .filter_map(|(key, users)| Some((matcher.fuzzy_match(key, typed)?, key, *users)))
        .collect();
    let by_rank = |a: &(i64, &String, u64), b: &(i64, &String, u64)| {
        b.0.cmp(&a.0).then(b.2.cmp(&a.2)).then_with(|| a.1.cmp(b.1))
    };
    if scored.len() > limit && limit > 0 {
        scored.select_nth_unstable_by(limit - 1, by_rank);
        scored.truncate(limit);
    }
    scored.sort_by(by_rank);
    scored
        .into_iter()
        .take(limit)
        .map(|(_, key, users)| KeySuggestion {
            key: key.clone(),
            users,
            matched: matcher
                .fuzzy_indices(key, typed)
                .map(|(_, m)| m)
                .unwrap_or_default(),
        })
        .collect()
}

/// Whether every character of `typed` appears in `key` in order, ignoring ASCII
/// case: what any fuzzy match needs, checked far faster than scoring.
pub fn holds_in_order(key: &str, typed: &str) -> bool {
    let mut rest = key.chars();
    typed
        .chars()
        .all(|t| rest.any(|k| k.eq_ignore_ascii_case(&t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<(String, u64)> {
        [
            ("phone", 40),
            ("phone_work", 3),
            ("hubspot_id", 12),
            ("plan", 20),
            ("stripe_id", 12),
        ]
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect()
    }

    #[test]
    fn best_match_first_with_matched_positions() {
        let s = rank_tag_keys(&keys(), "phn", 10);
        assert_eq!(s[0].key, "phone");
        assert_eq!(s[0].matched, vec![0, 1, 3]);
        assert!(s.iter().all(|k| k.key.starts_with("ph")), "{s:?}");
    }

    #[test]
    fn ties_go_to_the_more_used_key() {
        let s = rank_tag_keys(&keys(), "id", 10);
        let names: Vec<&str> = s.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(names.len(), 2);
        // equal usage (12): alphabetical
        assert_eq!(names, vec!["hubspot_id", "stripe_id"]);
        let more_used = vec![("a_id".to_string(), 1), ("b_id".to_string(), 9)];
        assert_eq!(rank_tag_keys(&more_used, "id", 10)[0].key, "b_id");
    }

    #[test]
    fn empty_input_offers_everything_by_usage_and_limit_applies() {
        let s = rank_tag_keys(&keys(), "", 2);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].key, "phone");
        assert_eq!(s[1].key, "plan");
    }

    #[test]
    fn order_check_never_drops_a_real_match() {
        let matcher = SkimMatcherV2::default();
        for (key, typed) in [
            ("phone", "pn"),
            ("phone", "np"),
            ("Stripe_ID", "sid"),
            ("plan", "PL"),
            ("ext_0042", "e42"),
        ] {
            if matcher.fuzzy_match(key, typed).is_some() {
                assert!(holds_in_order(key, typed), "{key} {typed}");
            }
        }
        assert!(!holds_in_order("phone", "np"));
        assert!(!holds_in_order("plan", "plx"));
    }

    #[test]
    fn thousands_of_candidates_are_shortlisted_by_piece_then_usage() {
        let mut keys: Vec<(String, u64)> = (0..5_000).map(|k| (format!("ext_{k:04}"), 1)).collect();
        keys.push(("rare_e_x_t".into(), 1));
        keys.push(("popular_ext".into(), 500));
        let s = rank_tag_keys(&keys, "ext", 1_000);
        assert_eq!(s.len(), SHORTLIST, "only the shortlist is scored");
        assert!(
            s.iter().all(|k| k.key.contains("ext")),
            "one piece first: {s:?}"
        );
        assert!(
            s.iter().any(|k| k.key == "popular_ext"),
            "the most used is kept"
        );
        // With few candidates nothing is cut.
        assert_eq!(rank_tag_keys(&keys[..10], "ext", 1_000).len(), 10);
    }

    #[test]
    fn exact_key_is_not_suggested() {
        let mut keys = keys();
        keys.push(("plan_tier".into(), 5));
        let s = rank_tag_keys(&keys, "plan", 10);
        let names: Vec<&str> = s.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(
            names,
            ["plan_tier"],
            "the longer key stays, the exact one goes"
        );
    }
}
