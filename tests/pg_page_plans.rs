//! How PostgreSQL plans a page of the list, where its planner left alone chose what
//! cost seconds at a million users: a group with its subgroups joined every
//! membership of the subtree before sorting, and pages ran parallel workers and JIT
//! compilation for a keystroke's fifty rows.

mod common;

use std::collections::HashSet;

use common::backend::{Backend, Fresh, execute_behind_the_store, fresh};
use xusers::demo::seed_demo;
use xusers::store::{Location, Page, Scope, Sort, SortField, UserId, UserQuery, UserRow};

const USERS: u64 = 30_000;

fn seeded() -> Option<Fresh> {
    let mut f = fresh(Backend::Postgres)?;
    seed_demo(&mut f.store, f.app, USERS, 1_800_000_000, |_| {}).unwrap();
    Some(f)
}

/// Every page a console asks for: the first and last, after and before a row.
fn pages(f: &Fresh, query: &UserQuery) -> [Page; 4] {
    let first = f.store.list_users(f.app, query, &Page::First(80)).unwrap();
    let cursor = first.last().unwrap().cursor(query.sort.field);
    [
        Page::First(80),
        Page::Last(80),
        Page::After(cursor.clone(), 80),
        Page::Before(cursor, 80),
    ]
}

/// The id of the group named `name`.
fn group_named(f: &Fresh, name: &str) -> i64 {
    (f.store.groups(f.app).unwrap().into_iter())
        .find(|g| g.name == name)
        .unwrap()
        .id
}

/// A new group at the top of the tree holding `members`: its id.
fn group_of(f: &mut Fresh, name: &str, members: &[UserId]) -> i64 {
    let group = f.store.create_group(f.app, name, None).unwrap();
    f.store.add_members(f.app, group.id, members).unwrap();
    group.id
}

/// The plan of the first page of `query`.
fn first_page_plan(f: &Fresh, query: &UserQuery) -> String {
    let [list, _] = f.store.query_plans(f.app, query, &Page::First(50)).unwrap();
    list
}

/// What a rare term's page (its ids read first, then their rows) reads its ids from:
/// the plan's line under their limit.
fn ids_read(plan: &str) -> &str {
    let lines: Vec<&str> = plan.lines().collect();
    let mut limits = (lines.iter().enumerate()).filter(|(_, l)| l.contains("Limit  (cost"));
    let _page = limits.next();
    let (at, _) = limits.next().expect("the ids' limit");
    (lines[at + 1..].iter())
        .find(|l| l.contains("->"))
        .unwrap_or(&"")
}

#[test]
fn a_page_of_a_group_with_its_subgroups_walks_the_sort_index_and_sorts_nothing() {
    let Some(f) = seeded() else { return };
    let subtree = UserQuery {
        scope: Scope::GroupTree(group_named(&f, "Acme")),
        ..UserQuery::default()
    };
    let members = f.store.count_users(f.app, &subtree).unwrap();
    assert!(members > USERS / 2, "a big subtree: {members}");
    let sorts = [
        (SortField::FirstName, "users_first_key"),
        (SortField::Email, "users_email"),
        (SortField::Created, "users_created"),
    ];
    for (field, index) in sorts {
        for descending in [false, true] {
            let query = UserQuery {
                sort: Sort { field, descending },
                ..subtree.clone()
            };
            for page in pages(&f, &query) {
                let [list, _] = f.store.query_plans(f.app, &query, &page).unwrap();
                let what = format!("{field:?} {descending} {page:?}: {list}");
                assert!(list.contains(&format!("using {index} on users")), "{what}");
                assert!(list.contains("group_ancestors"), "{what}");
                assert!(!list.contains("Recursive"), "{what}");
                assert!(!list.contains("Sort"), "{what}");
            }
        }
    }
}

#[test]
fn a_connection_for_pages_plans_without_parallel_workers_or_jit_and_others_may_use_them() {
    let Some(f) = seeded() else { return };
    // Make both as cheap as can be, for every connection opened from now on.
    execute_behind_the_store(
        f.location(),
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET parallel_setup_cost = 0;
           ALTER DATABASE %1$I SET parallel_tuple_cost = 0;
           ALTER DATABASE %1$I SET min_parallel_table_scan_size = 0;
           ALTER DATABASE %1$I SET min_parallel_index_scan_size = 0;
           ALTER DATABASE %1$I SET jit_above_cost = 0', current_database()); END $$",
        &[],
    );
    let pages = f.another();
    pages.plan_for_pages().unwrap();
    let other = f.another();
    for line in ["a", "q", "smith", "tag:plan=pro smi"] {
        let query = UserQuery::default().filter(line);
        let [list, _] = pages.query_plans(f.app, &query, &Page::First(50)).unwrap();
        assert!(!list.contains("Gather"), "{line}: {list}");
        assert!(!list.contains("JIT"), "{line}: {list}");
        // A rare term's matches are sorted in memory.
        for setting in [
            "jit = 'off'",
            "max_parallel_workers_per_gather = '0'",
            "work_mem = '64MB'",
        ] {
            assert!(list.contains(setting), "{line}: {list}");
        }
        // Another connection (the console's counter's) still may.
        let [list, count] = other.query_plans(f.app, &query, &Page::First(50)).unwrap();
        assert!(count.contains("Gather"), "{line}: {count}");
        assert!(
            list.contains("JIT") && count.contains("JIT"),
            "{line}: {list}"
        );
    }
}

/// A rare two-character term (`hi`, as rare as `q`, which its own rows serve: see
/// below) in a group: in a wide one (Acme with its subgroups, two thirds of the users) its matches are read from their index, sorted, then tested for
/// the group until a page is full; in a smaller one (Support with its subgroups, a
/// fiftieth; Acme's direct members, a fourteenth) the matches that pass the group's
/// test are sorted. Either way the rows are sorted once, whichever way and page. (By
/// first name: in email order the first users are walked first, below.)
#[test]
fn a_rare_short_term_in_a_wide_group_tests_the_group_on_its_sorted_matches_in_a_small_one_on_each()
{
    let Some(f) = seeded() else { return };
    let group = |name: &str| group_named(&f, name);
    let tree: fn(i64) -> Scope = Scope::GroupTree;
    let scopes = [
        ("Acme", tree, true),
        ("Support", tree, false),
        ("Acme", Scope::Group, false),
    ];
    for (name, scope, wide) in scopes {
        let in_group = UserQuery {
            scope: scope(group(name)),
            ..UserQuery::default()
        };
        let members = f.store.count_users(f.app, &in_group).unwrap();
        assert_eq!(members * 10 >= USERS, wide, "{name}: {members}");
        for descending in [false, true] {
            let query = UserQuery {
                sort: Sort {
                    field: SortField::FirstName,
                    descending,
                },
                ..in_group.clone().filter("hi")
            };
            for page in pages(&f, &query) {
                let [list, _] = f.store.query_plans(f.app, &query, &page).unwrap();
                let what = format!("{name} {members} {descending} {page:?}: {list}");
                assert!(list.contains("user_search_short"), "{what}");
                // The matches' sort, and the page's own rows'.
                assert_eq!(list.matches("Sort  (cost").count(), 2, "{what}");
                assert!(list.contains("users_pkey on users"), "{what}");
                // The page's ids come from the group's test over the sorted matches
                // (wide), or from the sort of the matches that passed it.
                assert_eq!(!ids_read(&list).contains("Sort"), wide, "{what}");
                // In the wide group, only the first of the sorted matches, at least a
                // page's worth (the planner's estimate caps the rows it shows).
                let limits: Vec<&str> = (list.lines())
                    .filter(|l| l.contains("Limit  (cost"))
                    .collect();
                assert_eq!(limits.len(), if wide { 3 } else { 2 }, "{what}");
                if let Some(first_matches) = limits.get(2) {
                    let rows = first_matches.split(" rows=").nth(1).unwrap();
                    let rows: u64 = rows.split(' ').next().unwrap().parse().unwrap();
                    assert!(rows >= 80, "{what}");
                }
            }
        }
    }
}

/// The line between the two: a group holding a tenth of the users is wide, one user
/// fewer is not.
#[test]
fn a_group_is_wide_from_a_tenth_of_the_users() {
    let Some(mut f) = seeded() else { return };
    let ids: Vec<_> = (f
        .store
        .list_users(f.app, &UserQuery::default(), &Page::First(3_000)))
    .unwrap()
    .into_iter()
    .map(|r| r.id)
    .collect();
    for (name, members, wide) in [("Tenth", 3_000, true), ("Under", 2_999, false)] {
        let group = group_of(&mut f, name, &ids[..members]);
        let query = UserQuery {
            scope: Scope::Group(group),
            sort: Sort {
                field: SortField::FirstName,
                descending: false,
            },
            ..UserQuery::default()
        }
        .filter("hi");
        let list = first_page_plan(&f, &query);
        assert_eq!(!ids_read(&list).contains("Sort"), wide, "{name}: {list}");
    }
}

/// A wide group whose members come last among a rare term's matches: a page read from
/// the first of the sorted matches only comes back short, and is read again over all
/// of them.
#[test]
fn a_wide_groups_page_whose_members_come_late_among_a_rare_terms_matches_is_read_over_all_of_them()
{
    let Some(mut f) = seeded() else { return };
    let by_first_name = |query: UserQuery| UserQuery {
        sort: Sort {
            field: SortField::FirstName,
            descending: false,
        },
        ..query
    };
    let everyone =
        |query: &UserQuery| (f.store.list_users(f.app, query, &Page::First(usize::MAX))).unwrap();
    let matches = everyone(&by_first_name(UserQuery::default().filter("hi")));
    assert!(matches.len() > 1_500, "{}", matches.len());
    let late: Vec<_> = matches[matches.len() - 60..].iter().map(|r| r.id).collect();
    let mut members: Vec<_> = (everyone(&UserQuery::default()).into_iter())
        .map(|r| r.id)
        .filter(|id| !matches.iter().any(|m| m.id == *id))
        .take(3_000 - late.len())
        .collect();
    members.extend(&late);
    let group = group_of(&mut f, "Late", &members);
    let query = by_first_name(UserQuery {
        scope: Scope::Group(group),
        ..UserQuery::default()
    })
    .filter("hi");
    let list = first_page_plan(&f, &query);
    assert!(!ids_read(&list).contains("Sort"), "wide: {list}");
    let page = |page: &Page| -> Vec<_> {
        (f.store.list_users(f.app, &query, page).unwrap().into_iter())
            .map(|r| r.id)
            .collect()
    };
    let first = page(&Page::First(50));
    assert_eq!(first, late[..50]);
    let cursor = (f.store.list_users(f.app, &query, &Page::First(50)).unwrap())
        .last()
        .unwrap()
        .cursor(SortField::FirstName);
    assert_eq!(page(&Page::After(cursor, 50)), late[50..]);
    assert_eq!(page(&Page::Last(50)), late[10..]);
}

/// A term of three characters or more in a group of few members: its matches are read
/// from `user_search` (through its trigram index) and looked up among the members,
/// read once, when the planner expects at most five matches per member (`ali` in
/// Support with its subgroups); with more (a group of a hundred), and in a wide group
/// (Acme with its subgroups), the planner's own way over `user_search`: in Acme, the
/// email order walked in its own index (schema_v14.sql), each step's haystack read
/// from it.
#[test]
fn a_longer_term_in_a_group_of_few_members_is_read_from_its_matches_when_they_are_few_per_member() {
    let Some(mut f) = seeded() else { return };
    let hundred: Vec<_> = (f
        .store
        .list_users(f.app, &UserQuery::default(), &Page::First(100)))
    .unwrap()
    .into_iter()
    .map(|r| r.id)
    .collect();
    let small = group_of(&mut f, "Hundred", &hundred);
    let matches = (f.store)
        .count_users(f.app, &UserQuery::default().filter("ali"))
        .unwrap();
    let cases = [
        (Scope::GroupTree(group_named(&f, "Support")), true),
        (Scope::Group(small), false),
        (Scope::GroupTree(group_named(&f, "Acme")), false),
    ];
    for (scope, from_matches) in cases {
        let in_group = UserQuery {
            scope,
            ..UserQuery::default()
        };
        let members = f.store.count_users(f.app, &in_group).unwrap();
        assert_eq!(
            matches <= 5 * members && members * 10 < USERS,
            from_matches,
            "{members} members, {matches} matches"
        );
        let query = in_group.filter("ali");
        for page in pages(&f, &query) {
            let [list, _] = f.store.query_plans(f.app, &query, &page).unwrap();
            let what = format!("{scope:?} {page:?}: {list}");
            let walked = list.contains("Index Only Scan using user_search_email on user_search");
            assert!(!list.contains("using users_email"), "{what}");
            if from_matches {
                // The members, read once, and the matches sorted; the matches found
                // through the trigram index but before the first rows (`pages`' last),
                // which are few: the planner reads those by the email index.
                let near_the_start = matches!(page, Page::Before(..));
                assert_eq!(list.contains("user_search_trgm"), !near_the_start, "{what}");
                assert_eq!(walked, near_the_start, "{what}");
                assert!(list.contains("Hash Semi Join"), "{what}");
                assert_eq!(list.matches("Sort  (cost").count(), 2, "{what}");
            } else {
                // The planner's own way over the narrow rows: the email order walked in
                // their index (Acme), or the hundred members looked up among them.
                assert!(!list.contains("user_search_trgm"), "{what}");
                assert!(list.contains("on user_search"), "{what}");
            }
        }
    }
}

/// A rare term's pages in a wide group (Acme with its subgroups, where the first twenty
/// pages' worth of sorted matches are tested for the group): its matches among all the
/// users that are in the group, in order, paged forward and backward to each end, both
/// ways, by email and by first name (its ties broken by id).
#[test]
fn a_rare_terms_pages_in_a_wide_group_are_its_matches_in_the_group_in_order() {
    let Some(f) = seeded() else { return };
    let acme = Scope::GroupTree(group_named(&f, "Acme"));
    let everyone = |query: &UserQuery| -> Vec<UserId> {
        (f.store
            .list_users(f.app, query, &Page::First(usize::MAX))
            .unwrap()
            .into_iter())
        .map(|r| r.id)
        .collect()
    };
    let members: HashSet<UserId> = everyone(&UserQuery {
        scope: acme,
        ..UserQuery::default()
    })
    .into_iter()
    .collect();
    for field in [SortField::Email, SortField::FirstName] {
        for descending in [false, true] {
            let sort = Sort { field, descending };
            let all = everyone(
                &UserQuery {
                    sort,
                    ..UserQuery::default()
                }
                .filter("hi"),
            );
            let expected: Vec<UserId> = all.into_iter().filter(|id| members.contains(id)).collect();
            // More than the first twenty pages' worth of matches hold.
            assert!(expected.len() > 1_000, "{}", expected.len());
            let query = UserQuery {
                scope: acme,
                sort,
                ..UserQuery::default()
            }
            .filter("hi");
            let what = format!("{field:?} {descending}");
            let list = first_page_plan(&f, &query);
            assert!(!ids_read(&list).contains("Sort"), "wide: {what}: {list}");
            let read = |page: &Page| f.store.list_users(f.app, &query, page).unwrap();
            let (forward, backward) = paged_both_ways(read, field, expected.len());
            assert_eq!(forward, expected, "forward, {what}");
            assert_eq!(backward, expected, "backward, {what}");
        }
    }
}

/// The ids of every row `read` finds, read 80 at a time from the first page on and
/// from the last page back, by `field`'s cursors, both in list order. A page read
/// again and again (a cursor ignored) fails past `expected` rows and two pages.
fn paged_both_ways(
    read: impl Fn(&Page) -> Vec<UserRow>,
    field: SortField,
    expected: usize,
) -> (Vec<UserId>, Vec<UserId>) {
    let most = expected + 160;
    let mut forward: Vec<UserId> = Vec::new();
    let mut page = read(&Page::First(80));
    while let Some(last) = page.last() {
        assert!(forward.len() <= most, "forward: {forward:?}");
        forward.extend(page.iter().map(|r| r.id));
        page = read(&Page::After(last.cursor(field), 80));
    }
    let mut backward: Vec<UserId> = Vec::new();
    let mut page = read(&Page::Last(80));
    while let Some(first) = page.first() {
        assert!(backward.len() <= most, "backward: {backward:?}");
        backward.splice(0..0, page.iter().map(|r| r.id));
        page = read(&Page::Before(first.cursor(field), 80));
    }
    (forward, backward)
}

/// The users of `scope` holding `term` as typed (`filter` lowercases it), by email.
fn by_email(scope: Scope, descending: bool, term: &str) -> UserQuery {
    UserQuery {
        scope,
        sort: Sort {
            field: SortField::Email,
            descending,
        },
        text: vec![term.to_string()],
        ..UserQuery::default()
    }
}

/// The scopes a rare character's page is read in, and whether the scope's members
/// are read once (a group of few), not looked up for each listed user.
fn scopes_of_a_rare_character(f: &Fresh) -> [(Scope, bool); 6] {
    [
        (Scope::All, false),
        (Scope::Grouped, false),
        (Scope::Ungrouped, false),
        (Scope::GroupTree(group_named(f, "Acme")), false),
        (Scope::Group(group_named(f, "Acme")), true),
        (Scope::GroupTree(group_named(f, "Support")), true),
    ]
}

/// A character few users hold (`q`, the Quinns', a fifteenth of them, as one typed
/// alone, in either case) is read in email order from its own rows, `char_users`
/// (pg/schema_v14.sql), whichever scope, way and page: none of `user_search`'s
/// indexes, where all its matches were read and sorted for each page (17,400 blocks
/// at a million users). Its page's ids come in order (only the page's rows are
/// sorted), but in a group of few members, read once.
#[test]
fn a_rare_characters_page_is_read_from_its_own_rows() {
    let Some(f) = seeded() else { return };
    for (scope, members_once) in scopes_of_a_rare_character(&f) {
        for descending in [false, true] {
            // (`filter` lowercases what is typed: a term set as such may not be.)
            for term in ["q", "Q"] {
                let query = by_email(scope, descending, term);
                for page in pages(&f, &query) {
                    let [list, _] = f.store.query_plans(f.app, &query, &page).unwrap();
                    let what = format!("{scope:?} {descending} {term} {page:?}: {list}");
                    assert!(list.contains("char_users_email on char_users"), "{what}");
                    for index in ["user_search_short", "user_search_trgm"] {
                        assert!(!list.contains(index), "{what}");
                    }
                    assert!(list.contains("users_pkey on users"), "{what}");
                    // (The row's groups are joined by hash, whatever the page.)
                    let hashed = list.contains("Hash Semi Join") || list.contains("hashed SubPlan");
                    assert_eq!(hashed, members_once, "{what}");
                    if !members_once {
                        assert_eq!(list.matches("Sort  (cost").count(), 1, "{what}");
                    }
                }
            }
        }
    }
}

/// What `char_users` does not serve is read as before: another sort, another term or
/// a tag beside the character, a common character, a pair of common ones.
#[test]
fn a_rare_character_with_anything_else_to_test_or_sorted_otherwise_is_read_as_before() {
    let Some(f) = seeded() else { return };
    let by_first_name = UserQuery {
        sort: Sort {
            field: SortField::FirstName,
            descending: false,
        },
        ..UserQuery::default()
    };
    let queries = [
        by_first_name.filter("q"),
        UserQuery::default().filter("q hi"),
        UserQuery::default().filter("q tag:plan=pro"),
        UserQuery::default().filter("e"),
        UserQuery::default().filter("hi"),
    ];
    for query in queries {
        let list = first_page_plan(&f, &query);
        assert!(!list.contains("char_users"), "{query:?}: {list}");
    }
}

/// Checks the pages of `term` in email order in each of `scopes`, forward and backward
/// to each end, both ways, and from a row on: the users the matches read as before
/// find (sorted by first name, where neither `char_users` nor a first walk serves a
/// page), put in email order.
fn assert_pages_in_email_order(f: &Fresh, term: &str, scopes: &[Scope]) {
    let everyone = |query: &UserQuery| -> Vec<UserId> {
        (f.store.list_users(f.app, query, &Page::First(usize::MAX)))
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    let all_by_email = everyone(&UserQuery::default());
    assert_eq!(all_by_email.len() as u64, USERS);
    for &scope in scopes {
        let held: HashSet<UserId> = everyone(
            &UserQuery {
                scope,
                sort: Sort {
                    field: SortField::FirstName,
                    descending: false,
                },
                ..UserQuery::default()
            }
            .filter(term),
        )
        .into_iter()
        .collect();
        assert!(!held.is_empty(), "{term} {scope:?}");
        for descending in [false, true] {
            let mut expected: Vec<UserId> = (all_by_email.iter())
                .filter(|id| held.contains(id))
                .copied()
                .collect();
            if descending {
                expected.reverse();
            }
            let query = by_email(scope, descending, term);
            let what = format!("{term} {scope:?} {descending}");
            let read = |page: &Page| f.store.list_users(f.app, &query, page).unwrap();
            let (forward, backward) = paged_both_ways(read, SortField::Email, expected.len());
            assert_eq!(forward, expected, "forward, {what}");
            assert_eq!(backward, expected, "backward, {what}");
            // From a row on, that row included (the console keeps its place so).
            let rows = read(&Page::First(80));
            let at = rows.len() / 2;
            let from = read(&Page::AtOrAfter(rows[at].cursor(SortField::Email), 80));
            let end = expected.len().min(at + 80);
            assert_eq!(
                from.iter().map(|r| r.id).collect::<Vec<_>>(),
                expected[at..end],
                "at or after, {what}"
            );
        }
    }
}

/// A rare character's pages are its users in the scope, in email order.
#[test]
fn a_rare_characters_pages_are_its_users_in_the_scope_in_email_order() {
    let Some(f) = seeded() else { return };
    let scopes = scopes_of_a_rare_character(&f).map(|(scope, _)| scope);
    assert_pages_in_email_order(&f, "q", &scopes);
}

/// A rare pair of characters in email order (but in a group of few members) is first
/// looked for among the first 4,000 users from the page's start, walked in
/// `user_search`'s email index (schema_v14.sql), before all its matches are read.
#[test]
fn a_rare_pair_in_email_order_walks_the_first_users_before_reading_its_matches() {
    let Some(f) = seeded() else { return };
    for (scope, few_members) in scopes_of_a_rare_character(&f) {
        for descending in [false, true] {
            let query = by_email(scope, descending, "hi");
            for page in pages(&f, &query) {
                let [list, _] = f.store.query_plans(f.app, &query, &page).unwrap();
                let what = format!("{scope:?} {descending} {page:?}: {list}");
                // (Backward for a page read backwards.)
                let walked = list.contains("using user_search_email on user_search");
                assert_eq!(walked, !few_members, "{what}");
                assert_eq!(list.contains("rows=4000"), !few_members, "{what}");
                assert_eq!(list.contains("user_search_short"), few_members, "{what}");
            }
        }
    }
    let by_first_name = UserQuery {
        sort: Sort {
            field: SortField::FirstName,
            descending: false,
        },
        ..UserQuery::default()
    };
    let list = first_page_plan(&f, &by_first_name.filter("hi"));
    assert!(!list.contains("user_search_email"), "{list}");
    assert!(list.contains("user_search_short"), "{list}");
}

/// A pair holding a rare character (`qu`, `az`) walks that character's first 4,000
/// users in `char_users`, each tested for the pair (on its narrow row) and the scope,
/// before all its matches are read; whichever scope, way and page.
#[test]
fn a_pair_holding_a_rare_character_walks_that_characters_users_first() {
    let Some(f) = seeded() else { return };
    for (scope, few_members) in scopes_of_a_rare_character(&f) {
        for term in ["qu", "az"] {
            for descending in [false, true] {
                let query = by_email(scope, descending, term);
                for page in pages(&f, &query) {
                    let [list, _] = f.store.query_plans(f.app, &query, &page).unwrap();
                    let what = format!("{scope:?} {term} {descending} {page:?}: {list}");
                    assert!(list.contains("char_users_email on char_users"), "{what}");
                    assert!(list.contains(&format!("'{term}'::text) > 0")), "{what}");
                    assert!(!list.contains("user_search_short"), "{what}");
                    let hashed = list.contains("Hash Semi Join") || list.contains("hashed SubPlan");
                    assert_eq!(hashed, few_members, "{what}");
                }
            }
        }
    }
}

/// A rare pair's pages, found by the first walk or, when it comes back short, from
/// the matches, are its users in the scope in email order: `qu` sits two thirds down
/// the email order (found among the users of `q`), `az` among those of `z`, `hi`
/// and `ki` are spread along it (walked to).
#[test]
fn a_rare_pairs_pages_are_its_users_in_the_scope_in_email_order() {
    let Some(f) = seeded() else { return };
    let scopes = scopes_of_a_rare_character(&f).map(|(scope, _)| scope);
    for term in ["qu", "az", "hi", "ki"] {
        assert_pages_in_email_order(&f, term, &scopes);
    }
}

/// A tag's key and value are estimated together (schema_v12.sql's statistics): the
/// planner expects about as many users with `plan` = `pro` as hold it, where taking the
/// two apart expected a sixth of them and hashed every such tag for a page.
#[test]
fn a_tags_users_are_estimated_from_its_key_and_value_together() {
    let Some(f) = seeded() else { return };
    let held = (f.store)
        .count_users(f.app, &UserQuery::default().filter("tag:plan=pro"))
        .unwrap();
    assert!(held > USERS / 10, "{held}");
    let Location::Postgres(config) = f.location() else {
        unreachable!("a PostgreSQL store")
    };
    let mut client = config.connect(postgres::NoTls).unwrap();
    let plan: String = client
        .query(
            "EXPLAIN SELECT 1 FROM user_tags WHERE key = 'plan' AND value = 'pro'",
            &[],
        )
        .unwrap()[0]
        .get(0);
    let rows = plan.split(" rows=").nth(1).unwrap();
    let expected: u64 = rows.split(' ').next().unwrap().parse().unwrap();
    assert!(
        expected * 2 > held && expected < held * 2,
        "{held} held, {expected} expected: {plan}"
    );
}
