//! Terms of one or two characters: the same users on both backends, whether the term
//! is rare (PostgreSQL reads it from `user_search_short`, schema_v12.sql) or common
//! (it walks the sort index), read a page at a time, and PostgreSQL's plans read the
//! index for a term in up to a tenth of the users only.

mod common;

use std::collections::HashMap;

use common::backend::{Backend, Fresh, fresh};
use xusers::demo::seed_demo;
use xusers::store::{Page, Scope, Sort, SortField, Store, UserQuery};

const USERS: u64 = 3_000;
/// Enough users that reading every user costs more than a rare term's index does:
/// at a few thousand the planner rightly reads them all.
const PLANNED_USERS: u64 = 30_000;

fn seeded(backend: Backend, users: u64) -> Option<Fresh> {
    let mut f = fresh(backend)?;
    seed_demo(&mut f.store, f.app, users, 1_800_000_000, |_| {}).unwrap();
    Some(f)
}

/// The same users on SQLite and on PostgreSQL (`None` where PostgreSQL's binaries
/// are absent).
fn seeded_on_both() -> Option<(Fresh, Fresh)> {
    let on_postgres = seeded(Backend::Postgres, USERS)?;
    Some((seeded(Backend::Sqlite, USERS).unwrap(), on_postgres))
}

/// The two-character pieces of the users' emails and names, with how many users
/// hold each, as every user's row shows them.
fn pairs(f: &Fresh) -> HashMap<String, usize> {
    let all = (f.store)
        .list_users(f.app, &UserQuery::default(), &Page::First(usize::MAX))
        .unwrap();
    let mut held: HashMap<String, usize> = HashMap::new();
    for row in all {
        let haystack =
            format!("{}\n{}\n{}", row.email, row.first_name, row.last_name).to_lowercase();
        let chars: Vec<char> = haystack.chars().collect();
        let mut mine: Vec<String> = (chars.windows(2))
            .map(|w| w.iter().collect::<String>())
            .filter(|p| !p.contains('\n'))
            .collect();
        mine.sort();
        mine.dedup();
        for pair in mine {
            *held.entry(pair).or_default() += 1;
        }
    }
    held
}

/// The two-character term the fewest users hold (a few in a hundred: the demo
/// draws names from short lists), and the one most users hold.
fn rare_and_common(held: &HashMap<String, usize>) -> (String, String) {
    let users = held.values().max().unwrap();
    let mut by_users: Vec<(&usize, &String)> = held.iter().map(|(p, n)| (n, p)).collect();
    by_users.sort();
    let rare = by_users[0];
    assert!(*rare.0 <= users / 20, "{rare:?}");
    let common = by_users.last().unwrap();
    assert!(*common.0 > users / 2, "{common:?}");
    (rare.1.clone(), common.1.clone())
}

/// What a query shows: its count, every user it matches in email order, and its
/// first, second and last pages by last name.
fn shown(store: &Store, f_app: xusers::store::AppId, line: &str) -> String {
    shown_in(store, f_app, UserQuery::default(), line)
}

/// [`shown`] within `base`'s scope.
fn shown_in(store: &Store, f_app: xusers::store::AppId, base: UserQuery, line: &str) -> String {
    let query = base.filter(line);
    let emails = |query: &UserQuery, page: &Page| -> Vec<String> {
        (store.list_users(f_app, query, page).unwrap().into_iter())
            .map(|r| r.email)
            .collect()
    };
    let by_last = UserQuery {
        sort: Sort {
            field: SortField::LastName,
            descending: false,
        },
        ..query.clone()
    };
    let all = emails(&query, &Page::First(10_000));
    assert_eq!(store.count_users(f_app, &query).unwrap(), all.len() as u64);
    let first = store.list_users(f_app, &by_last, &Page::First(20)).unwrap();
    let second = match first.last() {
        Some(row) => emails(&by_last, &Page::After(row.cursor(SortField::LastName), 20)),
        None => Vec::new(),
    };
    let first: Vec<&String> = first.iter().map(|r| &r.email).collect();
    format!(
        "{line}: {} users {all:?}\nby last name {first:?} {second:?} … {:?}",
        all.len(),
        emails(&by_last, &Page::Last(20)),
    )
}

#[test]
fn rare_and_common_short_terms_and_single_characters_find_the_same_users_on_both_backends() {
    let Some((on_sqlite, on_postgres)) = seeded_on_both() else {
        return;
    };
    let held = pairs(&on_sqlite);
    let (rare, common) = rare_and_common(&held);
    // Rare too (read from its index), in more users than a page holds.
    let (paged, _) = nearest(&held, USERS, 0.03);
    let single_rare = "q";
    let lines = [
        rare.as_str(),
        paged.as_str(),
        common.as_str(),
        single_rare,
        "a",
        "qz",
        &format!("{common} {rare}"),
        &format!("tag:plan {rare}"),
        &rare.to_uppercase(),
    ];
    for line in lines {
        let sqlite = shown(&on_sqlite.store, on_sqlite.app, line);
        let postgres = shown(&on_postgres.store, on_postgres.app, line);
        assert_eq!(postgres, sqlite);
        if line == rare {
            assert!(!sqlite.contains(": 0 users"), "{sqlite}");
        }
        if line == paged {
            // More than a page: the second (after the first's last row) is there.
            assert!(!sqlite.contains("] [] …"), "{sqlite}");
        }
    }
}

/// PostgreSQL tests a group that holds a tenth of the users or more on a rare term's
/// sorted matches until a page is full, a smaller one on every match.
#[test]
fn rare_short_terms_and_longer_ones_in_a_group_find_the_same_users_on_both_backends() {
    let Some((on_sqlite, on_postgres)) = seeded_on_both() else {
        return;
    };
    let held = pairs(&on_sqlite);
    let (paged, _) = nearest(&held, USERS, 0.03);
    let group = |f: &Fresh, name: &str| {
        (f.store.groups(f.app).unwrap().into_iter())
            .find(|g| g.name == name)
            .unwrap()
            .id
    };
    let tree: fn(i64) -> Scope = Scope::GroupTree;
    let scopes = [("tree", tree), ("direct", Scope::Group)];
    let mut wide_and_not = (0, 0);
    for name in ["Acme", "Engineering", "Support"] {
        for (how, scope) in scopes {
            let in_group = |f: &Fresh| UserQuery {
                scope: scope(group(f, name)),
                ..UserQuery::default()
            };
            let members = (on_sqlite.store)
                .count_users(on_sqlite.app, &in_group(&on_sqlite))
                .unwrap();
            match members * 10 >= USERS {
                true => wide_and_not.0 += 1,
                false => wide_and_not.1 += 1,
            }
            // A longer term in a small group is read from its matches on PostgreSQL too
            // (pg_page_plans.rs), alone and beside a rare short one.
            for line in ["q", paged.as_str(), "qz", "ali", "ali q"] {
                let sqlite = shown_in(&on_sqlite.store, on_sqlite.app, in_group(&on_sqlite), line);
                let postgres = shown_in(
                    &on_postgres.store,
                    on_postgres.app,
                    in_group(&on_postgres),
                    line,
                );
                assert_eq!(postgres, sqlite, "{name} {how} ({members} members)");
            }
        }
    }
    assert!(wide_and_not.0 > 0 && wide_and_not.1 > 0, "{wide_and_not:?}");
}

#[test]
fn on_postgresql_a_short_term_in_up_to_a_tenth_of_the_users_reads_its_index_a_commoner_one_walks_the_sort_index()
 {
    let Some(on_postgres) = seeded(Backend::Postgres, PLANNED_USERS) else {
        return;
    };
    let held = pairs(&on_postgres);
    let (rare, common) = rare_and_common(&held);
    let plans = |line: &str| {
        let query = UserQuery::default().filter(line);
        let plans = (on_postgres.store)
            .query_plans(on_postgres.app, &query, &Page::First(50))
            .unwrap();
        // A short term holds no trigram: for its `LIKE` (`~~`) pg_trgm would read its
        // whole index, as the planner chose for `q` at a million users (1.2 s).
        // A longer term is the trigram index's.
        let short = line.chars().count() <= 2;
        for plan in &plans {
            assert_eq!(!plan.contains("~~"), short, "{line}: {plan}");
        }
        // A rare character's page is its own rows' (pg/schema_v14.sql), which test
        // nothing more; its count, and every other term's page, test the text.
        let [list, count] = &plans;
        // (`strpos(u_1.search` when the walk is a subquery of its own.)
        let one_listed = line.chars().count() == 1 && list.contains("char_users_email");
        assert_eq!(
            list.contains("strpos("),
            short && !one_listed,
            "{line}: {list}"
        );
        assert_eq!(count.contains("strpos(search"), short, "{line}: {count}");
        plans
    };
    let [list, count] = plans("q");
    assert!(list.contains("char_users_email"), "q: {list}");
    assert!(count.contains("user_search_short"), "q: {count}");
    // A rare term's page walks the first 4,000 users in email order (the narrow rows'
    // own index, schema_v14.sql), or the first 4,000 users of a rare character it
    // holds (`q` of `qz`), and reads its index only when that comes back short (which
    // `EXPLAIN` does not show); a common one walks until the page is full.
    let first_walk = "rows=4000";
    for rare in [rare.as_str(), "qz"] {
        let [list, count] = plans(rare);
        let walked = list.contains(first_walk) && list.contains("user_search_email");
        let listed = list.contains("Limit") && list.contains("char_users_email");
        assert!(walked || listed, "{rare}: {list}");
        assert!(listed || rare != "qz", "{rare}: {list}");
        assert!(!list.contains("using users_email"), "{rare}: {list}");
        assert!(count.contains("user_search_short"), "{rare}: {count}");
    }
    for common in [common.as_str(), "a"] {
        let [list, count] = plans(common);
        assert!(
            list.contains("Index Only Scan using user_search_email"),
            "{common}: {list}"
        );
        assert!(!list.contains(first_walk), "{common}: {list}");
        assert!(!list.contains("user_search_short"), "{common}: {list}");
        assert!(!count.contains("user_search_short"), "{common}: {count}");
    }
    plans("smith");
    // The line between them: a tenth of the users.
    let (under, under_share) = nearest(&held, PLANNED_USERS, 0.07);
    let (over, over_share) = nearest(&held, PLANNED_USERS, 0.16);
    assert!(
        (0.06..=0.08).contains(&under_share),
        "{under}: {under_share}"
    );
    assert!((0.13..=0.20).contains(&over_share), "{over}: {over_share}");
    let [list, count] = plans(&under);
    assert!(list.contains(first_walk), "{under}: {list}");
    assert!(count.contains("user_search_short"), "{under}: {count}");
    let [list, count] = plans(&over);
    assert!(!list.contains(first_walk), "{over}: {list}");
    assert!(!list.contains("short_grams"), "{over}: {list}");
    assert!(!count.contains("short_grams"), "{over}: {count}");
}

/// The two-character term whose share of the users is nearest `share`, with its share.
fn nearest(held: &HashMap<String, usize>, users: u64, share: f64) -> (String, f64) {
    let share_of = |n: usize| n as f64 / users as f64;
    let (term, n) = (held.iter())
        .min_by(|a, b| {
            let off = |n: usize| (share_of(n) - share).abs();
            off(*a.1).total_cmp(&off(*b.1)).then(a.0.cmp(b.0))
        })
        .unwrap();
    (term.clone(), share_of(*n))
}
