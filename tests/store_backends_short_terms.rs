//! Terms of one or two characters: the same users on both backends, whether the term
//! is rare (PostgreSQL reads it from `users_search_short`, schema_v11.sql) or common
//! (it walks the sort index), and PostgreSQL's plans read the index for a rare one
//! only.

mod common;

use std::collections::HashMap;

use common::backend::{Backend, Fresh, fresh};
use xusers::demo::seed_demo;
use xusers::store::{Page, Sort, SortField, Store, UserQuery};

const USERS: u64 = 3_000;
/// Enough users that reading every user costs more than a rare term's index does:
/// at a few thousand the planner rightly reads them all.
const PLANNED_USERS: u64 = 30_000;

fn seeded(backend: Backend, users: u64) -> Option<Fresh> {
    let mut f = fresh(backend)?;
    seed_demo(&mut f.store, f.app, users, 1_800_000_000, |_| {}).unwrap();
    Some(f)
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
/// first and last pages by last name.
fn shown(store: &Store, f_app: xusers::store::AppId, line: &str) -> String {
    let query = UserQuery::default().filter(line);
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
    format!(
        "{line}: {} users {all:?}\nby last name {:?} … {:?}",
        all.len(),
        emails(&by_last, &Page::First(20)),
        emails(&by_last, &Page::Last(20)),
    )
}

#[test]
fn rare_and_common_short_terms_and_single_characters_find_the_same_users_on_both_backends() {
    let Some(on_postgres) = seeded(Backend::Postgres, USERS) else {
        return;
    };
    let on_sqlite = seeded(Backend::Sqlite, USERS).unwrap();
    let (rare, common) = rare_and_common(&pairs(&on_sqlite));
    let single_rare = "q";
    let lines = [
        rare.as_str(),
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
    }
}

#[test]
fn on_postgresql_a_rare_short_term_reads_its_index_and_a_common_one_walks_the_sort_index() {
    let Some(on_postgres) = seeded(Backend::Postgres, PLANNED_USERS) else {
        return;
    };
    let (rare, common) = rare_and_common(&pairs(&on_postgres));
    let plans = |line: &str| {
        let query = UserQuery::default().filter(line);
        on_postgres
            .store
            .query_plans(on_postgres.app, &query, &Page::First(50))
            .unwrap()
    };
    for rare in [rare.as_str(), "q", "qz"] {
        let [list, count] = plans(rare);
        assert!(list.contains("users_search_short"), "{rare}: {list}");
        assert!(
            !list.contains("Index Scan using users_email"),
            "{rare}: {list}"
        );
        assert!(count.contains("users_search_short"), "{rare}: {count}");
    }
    for common in [common.as_str(), "a"] {
        let [list, count] = plans(common);
        assert!(
            list.contains("Index Scan using users_email"),
            "{common}: {list}"
        );
        assert!(!list.contains("users_search_short"), "{common}: {list}");
        assert!(!count.contains("users_search_short"), "{common}: {count}");
    }
}
