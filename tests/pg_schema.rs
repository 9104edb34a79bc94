//! PostgreSQL's schema (assets/sql/pg/): a new database gets it whole, a second open
//! changes nothing, a newer one is refused untouched, and its triggers keep the same
//! rules as SQLite's.

mod common;

use common::pg;
use postgres::{Client, NoTls};
use xusers::store::{Location, PgStore, StoreError};

fn open(database: &str) -> Result<PgStore, StoreError> {
    match database.parse::<Location>().unwrap() {
        Location::Postgres(config) => PgStore::open(&config),
        other => panic!("not PostgreSQL: {other}"),
    }
}

fn look(database: &str) -> Client {
    Client::connect(database, NoTls).unwrap()
}

fn strings(c: &mut Client, sql: &str) -> Vec<String> {
    c.query(sql, &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Every schema object and the rows a migration writes, to compare a database
/// before and after.
fn catalog(c: &mut Client) -> Vec<String> {
    let mut all = strings(
        c,
        "SELECT 'table ' || tablename FROM pg_tables WHERE schemaname = 'public'
         UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public'
         UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
         UNION ALL SELECT 'function ' || proname FROM pg_proc
             WHERE pronamespace = 'public'::regnamespace AND prolang <> 13
         UNION ALL SELECT 'extension ' || extname FROM pg_extension
         UNION ALL SELECT 'version ' || version FROM schema_version
         UNION ALL SELECT 'application ' || id || ' ' || name FROM applications",
    );
    all.sort();
    all
}

#[test]
fn a_new_database_gets_the_whole_schema_at_sqlites_version() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    open(&database).unwrap();
    let mut c = look(&database);
    let tables = strings(
        &mut c,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    assert_eq!(
        tables,
        [
            "applications",
            "audit",
            "audit_horizon",
            "bulk_last_audit",
            "char_users",
            "common_chars",
            "counts_later",
            "devices",
            "group_ancestors",
            "group_devices",
            "groups",
            "login_failures",
            "memberships",
            "schema_version",
            "seed_set_aside",
            "tag_keys",
            "token_stamps",
            "tokens",
            "user_search",
            "user_tags",
            "users"
        ]
    );
    let catalog = catalog(&mut c);
    for expected in [
        "version 14",
        "application 1 default",
        "extension pg_trgm",
        "index users_search_trgm",
        "trigger memberships_added",
        "trigger audit_no_delete",
    ] {
        assert!(
            catalog.iter().any(|o| o == expected),
            "{expected}: {catalog:?}"
        );
    }
    // Substring search uses the trigram index, as SQLite's uses FTS5.
    let access: String = c
        .query_one(
            "SELECT amname::text FROM pg_class i JOIN pg_am a ON a.oid = i.relam
             WHERE i.relname = 'users_search_trgm'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(access, "gin");
}

#[test]
fn opening_it_again_changes_nothing() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    open(&database).unwrap();
    let before = catalog(&mut look(&database));
    open(&database).unwrap();
    open(&database).unwrap();
    assert_eq!(catalog(&mut look(&database)), before);
}

#[test]
fn a_newer_schema_is_refused_naming_both_versions_and_left_as_it_was() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    open(&database).unwrap();
    look(&database)
        .batch_execute("UPDATE schema_version SET version = 15")
        .unwrap();
    let before = catalog(&mut look(&database));
    let refused = open(&database)
        .err()
        .expect("a newer schema must be refused");
    assert!(
        matches!(
            refused,
            StoreError::NewerSchema {
                found: 15,
                supported: 14
            }
        ),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "this database was written by a newer xusers (schema version 15; this build supports up to 14)"
    );
    assert_eq!(catalog(&mut look(&database)), before);
}

/// Each group's (kept, counted afresh) members including its subgroups, by id.
fn subtree_counts(c: &mut Client) -> Vec<(i64, i64)> {
    let rows = c
        .query(
            "WITH RECURSIVE below(top, id) AS (
                 SELECT id, id FROM groups
                 UNION SELECT b.top, g.id FROM groups g JOIN below b ON g.parent_id = b.id
             )
             SELECT g.subtree_member_count,
                    (SELECT count(DISTINCT m.user_id) FROM below b
                     JOIN memberships m ON m.group_id = b.id WHERE b.top = g.id)
             FROM groups g ORDER BY g.id",
            &[],
        )
        .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

#[test]
fn version_10_fills_a_version_9_databases_subtree_counts_and_its_triggers_keep_them() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    let mut c = look(&database);
    c.batch_execute(include_str!("../assets/sql/pg/schema_v9.sql"))
        .unwrap();
    c.batch_execute(
        "CREATE TABLE schema_version (id bigint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
         INSERT INTO schema_version VALUES (1, 9);
         INSERT INTO users (id, app_id, email, email_key, password_hash, search, created_at, updated_at)
         VALUES (1, 1, 'a@x.io', 'a@x.io', 'h', 'a@x.io', 0, 0),
                (2, 1, 'b@x.io', 'b@x.io', 'h', 'b@x.io', 0, 0);
         INSERT INTO groups (id, app_id, name, parent_id)
         VALUES (1, 1, 'Acme', NULL), (2, 1, 'Sales', 1), (3, 1, 'EMEA', 2), (4, 1, 'Support', NULL);
         INSERT INTO memberships VALUES (1, 2), (1, 3), (2, 3), (2, 4);",
    )
    .unwrap();
    open(&database).unwrap();
    let kept = |c: &mut Client| -> Vec<i64> {
        let counts = subtree_counts(c);
        for (kept, counted) in &counts {
            assert_eq!(kept, counted, "{counts:?}");
        }
        counts.into_iter().map(|(kept, _)| kept).collect()
    };
    assert_eq!(kept(&mut c), [2, 2, 2, 1]);
    assert_eq!(
        strings(
            &mut c,
            "SELECT ancestor_id::text FROM group_ancestors WHERE group_id = 3 ORDER BY 1"
        ),
        ["1", "2", "3"]
    );
    // EMEA moves to the top: Acme and Sales keep only the user who is in Sales.
    c.batch_execute("UPDATE groups SET parent_id = NULL WHERE id = 3")
        .unwrap();
    assert_eq!(kept(&mut c), [1, 1, 2, 1]);
    c.batch_execute("UPDATE groups SET parent_id = 1 WHERE id = 3")
        .unwrap();
    assert_eq!(kept(&mut c), [2, 1, 2, 1]);
    // One statement removes both of user 1's memberships; another adds two at once.
    c.batch_execute("DELETE FROM memberships WHERE user_id = 1")
        .unwrap();
    assert_eq!(kept(&mut c), [1, 0, 1, 1]);
    c.batch_execute("INSERT INTO memberships VALUES (1, 2), (1, 3)")
        .unwrap();
    assert_eq!(kept(&mut c), [2, 1, 2, 1]);
    // A new group under EMEA is placed below each of EMEA's ancestors.
    c.batch_execute("INSERT INTO groups (id, app_id, name, parent_id) VALUES (5, 1, 'Paris', 3)")
        .unwrap();
    assert_eq!(
        strings(
            &mut c,
            "SELECT ancestor_id::text FROM group_ancestors WHERE group_id = 5 ORDER BY 1"
        ),
        ["1", "3", "5"]
    );
}

#[test]
fn versions_11_and_12_index_a_version_10_databases_short_terms_in_narrow_rows_and_keep_new_users_there()
 {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    let mut c = look(&database);
    c.batch_execute(include_str!("../assets/sql/pg/schema_v9.sql"))
        .unwrap();
    c.batch_execute(include_str!("../assets/sql/pg/schema_v10.sql"))
        .unwrap();
    c.batch_execute(
        "CREATE TABLE schema_version (id bigint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
         INSERT INTO schema_version VALUES (1, 10);
         INSERT INTO users (id, app_id, email, email_key, password_hash, search, created_at, updated_at)
         VALUES (1, 1, 'qa@x.io', 'qa@x.io', 'h', 'qa@x.io', 0, 0),
                (2, 1, 'b@x.io', 'b@x.io', 'h', E'b@x.io\nzoé', 0, 0);",
    )
    .unwrap();
    open(&database).unwrap();
    assert!(catalog(&mut c).contains(&"version 14".to_string()));
    assert!(catalog(&mut c).contains(&"index user_search_short".to_string()));
    // Version 14 listed each user under each character (too few users for any to be
    // common), accents and line breaks as stored.
    assert_eq!(
        strings(
            &mut c,
            "SELECT string_agg(ch || ' ' || id, ',' ORDER BY id, ch) FROM char_users
             WHERE ch IN ('q', 'z', 'é', E'\\n')"
        ),
        ["q 1,\n 2,z 2,é 2"]
    );
    assert!(!catalog(&mut c).contains(&"index users_search_short".to_string()));
    // Each character and each pair, as stored; the upgrade left statistics behind.
    assert_eq!(
        strings(&mut c, "SELECT array_to_string(short_grams('qa@x'), ',')"),
        ["q,a,@,x,qa,a@,@x"]
    );
    let analysed: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'user_search_short'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(analysed, 1);
    c.batch_execute(
        "INSERT INTO users (id, app_id, email, email_key, password_hash, search, created_at, updated_at)
         VALUES (3, 1, 'qz@y.io', 'qz@y.io', 'h', 'qz@y.io', 0, 0)",
    )
    .unwrap();
    // Read through the index alone, the users who hold each term (not by walking
    // another index of these three rows whole, as the planner would).
    c.batch_execute(
        "SET enable_seqscan = off; SET enable_indexscan = off; SET enable_indexonlyscan = off",
    )
    .unwrap();
    for (term, users) in [
        ("q", "1,3"),
        ("qz", "3"),
        ("oé", "2"),
        ("é", "2"),
        ("zz", ""),
    ] {
        let plan = strings(
            &mut c,
            &format!(
                "EXPLAIN SELECT id FROM user_search WHERE short_grams(search) @> ARRAY['{term}']"
            ),
        )
        .join("\n");
        assert!(plan.contains("user_search_short"), "{plan}");
        let found = strings(
            &mut c,
            &format!(
                "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM user_search
                 WHERE short_grams(search) @> ARRAY['{term}']"
            ),
        );
        assert_eq!(found, [users], "{term}");
    }
}

#[test]
fn several_hosts_opening_a_new_database_at_once_migrate_it_once() {
    // Several rounds: a host that loses the race must see the winner's tables.
    for _ in 0..5 {
        let Some(database) = pg::fresh_database() else {
            return;
        };
        let opened: Vec<_> = (0..6)
            .map(|_| {
                let database = database.clone();
                std::thread::spawn(move || open(&database).map(drop))
            })
            .collect();
        for host in opened {
            host.join().unwrap().unwrap();
        }
        let catalog = catalog(&mut look(&database));
        assert_eq!(
            catalog
                .iter()
                .filter(|o| o.starts_with("application "))
                .count(),
            1,
            "{catalog:?}"
        );
    }
}

fn number(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn triggers_keep_the_counts_and_tag_keys() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    open(&database).unwrap();
    let mut c = look(&database);
    c.batch_execute(
        "INSERT INTO users (id, app_id, email, email_key, password_hash, search, created_at, updated_at)
         VALUES (1, 1, 'A@x.io', 'a@x.io', 'h', 'a@x.io', 0, 0),
                (2, 1, 'b@x.io', 'b@x.io', 'h', 'b@x.io', 0, 0);
         INSERT INTO groups (id, app_id, name) VALUES (1, 1, 'Sales'), (2, 1, 'EMEA');
         INSERT INTO memberships VALUES (1, 1), (1, 2), (2, 2);
         INSERT INTO user_tags VALUES (1, 'team', 'red'), (2, 'team', 'blue'), (2, 'floor', '3');",
    )
    .unwrap();
    let counts = "SELECT user_count * 100 + grouped_count FROM applications WHERE id = 1";
    assert_eq!(number(&mut c, counts), 202);
    assert_eq!(
        number(&mut c, "SELECT group_count FROM users WHERE id = 1"),
        2
    );
    assert_eq!(
        number(&mut c, "SELECT member_count FROM groups WHERE id = 2"),
        2
    );
    let team = "SELECT coalesce(sum(users), 0)::bigint FROM tag_keys WHERE key = 'team'";
    assert_eq!(number(&mut c, team), 2);

    // Leaving its last group makes a user ungrouped; as on SQLite, a user's
    // memberships and tags go before the user.
    c.batch_execute(
        "DELETE FROM memberships WHERE user_id = 2;
         DELETE FROM user_tags WHERE user_id = 2; DELETE FROM users WHERE id = 2;",
    )
    .unwrap();
    assert_eq!(number(&mut c, counts), 101);
    assert_eq!(
        number(&mut c, "SELECT member_count FROM groups WHERE id = 2"),
        1
    );
    assert_eq!(number(&mut c, team), 1);
    let floor = "SELECT count(*) FROM tag_keys WHERE key = 'floor'";
    assert_eq!(number(&mut c, floor), 0, "a key no one uses any more goes");
}

/// Schema version 13: a transaction that sets `xusers.counts_later` (an import, a
/// merge) leaves its count changes in `counts_later` until it calls `fold_counts()`;
/// each fold reads only its own rows; the setting ends with the transaction.
#[test]
fn a_transaction_may_fold_its_count_changes_in_later_and_only_its_own() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    open(&database).unwrap();
    let mut c = look(&database);
    c.batch_execute("INSERT INTO groups (id, app_id, name) VALUES (1, 1, 'Sales')")
        .unwrap();
    let add = |c: &mut postgres::Transaction, id: i64, tag: &str| {
        c.batch_execute(&format!(
            "INSERT INTO users (id, app_id, email, email_key, password_hash, search, created_at, updated_at)
             VALUES ({id}, 1, '{id}@x.io', '{id}@x.io', 'h', '{id}@x.io', 0, 0);
             INSERT INTO memberships VALUES ({id}, 1);
             INSERT INTO user_tags VALUES ({id}, '{tag}', 'v');"
        ))
        .unwrap();
    };
    let kept = "SELECT a.user_count * 10000 + a.grouped_count * 100 + g.member_count
                FROM applications a, groups g WHERE a.id = 1 AND g.id = 1";
    let tags = "SELECT coalesce(sum(users), 0)::bigint FROM tag_keys";
    let waiting = "SELECT count(*) FROM counts_later";
    let mut tx = c.transaction().unwrap();
    tx.batch_execute("SET LOCAL xusers.counts_later = on")
        .unwrap();
    add(&mut tx, 1, "team");
    add(&mut tx, 2, "team");
    let number = |tx: &mut postgres::Transaction, sql: &str| -> i64 {
        tx.query_one(sql, &[]).unwrap().get(0)
    };
    assert_eq!((number(&mut tx, kept), number(&mut tx, tags)), (0, 0));
    assert!(number(&mut tx, waiting) > 0);
    tx.batch_execute("SELECT fold_counts()").unwrap();
    assert_eq!((number(&mut tx, kept), number(&mut tx, tags)), (20202, 2));
    assert_eq!(number(&mut tx, waiting), 0);
    // The next fold reads only what came after the first: one user more.
    add(&mut tx, 3, "floor");
    tx.batch_execute("SELECT fold_counts()").unwrap();
    assert_eq!((number(&mut tx, kept), number(&mut tx, tags)), (30303, 3));
    tx.commit().unwrap();
    // Without the setting (its transaction ended), each statement folds at once.
    let mut tx = c.transaction().unwrap();
    add(&mut tx, 4, "floor");
    assert_eq!((number(&mut tx, kept), number(&mut tx, tags)), (40404, 4));
    assert_eq!(number(&mut tx, waiting), 0);
    tx.commit().unwrap();
}

#[test]
fn the_audit_log_is_append_only_above_its_horizon() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    open(&database).unwrap();
    let mut c = look(&database);
    c.batch_execute(
        "INSERT INTO audit (seq, time_ms, actor, source, op, target_type, target_label, changes, hash)
         SELECT n, n, 'a', 'cli', 'user.create', 'user', 'x', '{}', '\\x00' FROM generate_series(1, 3) n;
         INSERT INTO audit_horizon VALUES (1, 2, '\\x00');",
    )
    .unwrap();
    for (sql, refusal) in [
        (
            "UPDATE audit SET actor = 'b' WHERE seq = 3",
            "the audit log is append-only: entries cannot be changed",
        ),
        (
            "DELETE FROM audit WHERE seq = 2",
            "the audit log is append-only: only audit prune removes entries",
        ),
        (
            "DELETE FROM audit_horizon",
            "the audit log horizon cannot be removed",
        ),
        (
            "UPDATE audit_horizon SET first_kept = 1",
            "the audit log horizon only moves forward",
        ),
    ] {
        let error = c.batch_execute(sql).unwrap_err();
        assert_eq!(error.as_db_error().unwrap().message(), refusal, "{sql}");
    }
    c.batch_execute("DELETE FROM audit WHERE seq = 1; UPDATE audit_horizon SET first_kept = 3")
        .unwrap();
    assert_eq!(number(&mut c, "SELECT count(*) FROM audit"), 2);
}

#[test]
fn sslmode_require_refuses_a_server_without_tls() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    let error = open(&format!("{database} sslmode=require password=s3cr3t-pw"))
        .err()
        .expect("no TLS on the test cluster: require must refuse it");
    let message = error.to_string();
    assert!(message.contains("server does not support TLS"), "{message}");
    assert!(!message.contains("s3cr3t"), "{message}");
}

#[test]
fn a_failed_connection_names_the_cause_but_not_the_password() {
    let missing = "host=/nonexistent/socket/dir user=x password=s3cr3t-pw dbname=x";
    let message = open(missing).err().unwrap().to_string();
    assert!(
        message.starts_with("PostgreSQL: error connecting to server: "),
        "{message}"
    );
    assert!(!message.contains("s3cr3t"), "{message}");
}

#[test]
fn the_default_application_is_there_and_an_unknown_one_is_named_with_those_there_are() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    let store = open(&database).unwrap();
    let app = store.existing_application("default").unwrap();
    assert_eq!((app.name.as_str(), app.user_limit), ("default", None));
    assert_eq!(
        (app.login_policy.max_failures, app.login_policy.window_secs),
        (10, 900)
    );
    look(&database)
        .batch_execute("INSERT INTO applications (name, user_limit) VALUES ('Acme', 5)")
        .unwrap();
    assert_eq!(
        store.existing_application("Acme").unwrap().user_limit,
        Some(5)
    );
    look(&database)
        .batch_execute(
            "INSERT INTO applications (name) VALUES ('zeta'), ('Zeta');
             INSERT INTO users (app_id, email, email_key, password_hash, search, created_at, updated_at)
             SELECT id, 'a@x.io', 'a@x.io', 'h', 'a@x.io', 0, 0 FROM applications WHERE name = 'Acme'",
        )
        .unwrap();
    let listed: Vec<_> = store
        .applications()
        .unwrap()
        .into_iter()
        .map(|(app, users)| (app.name, users))
        .collect();
    let expected = [("Acme", 1), ("Zeta", 0), ("default", 0), ("zeta", 0)];
    assert_eq!(
        listed,
        expected.map(|(name, users)| (name.to_string(), users)),
        "by name in byte order, with their user counts"
    );
    let unknown = store.existing_application("acme").unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "no such application: acme (known: Acme, Zeta, default, zeta)"
    );
}

/// Every kept count next to the same counted afresh: the application's users and
/// grouped users, each user's groups, each group's direct members and members with
/// its subgroups, each tag key's users.
fn kept_and_counted(c: &mut Client) -> Vec<(String, i64, i64)> {
    let rows = c
        .query(
            "WITH RECURSIVE below(top, id) AS (
                 SELECT id, id FROM groups
                 UNION SELECT b.top, g.id FROM groups g JOIN below b ON g.parent_id = b.id
             )
             SELECT 'app ' || id, user_count, (SELECT count(*) FROM users WHERE app_id = a.id)
             FROM applications a
             UNION ALL SELECT 'grouped ' || id, grouped_count,
                 (SELECT count(*) FROM users u WHERE app_id = a.id
                  AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id))
             FROM applications a
             UNION ALL SELECT 'user ' || id, group_count,
                 (SELECT count(*) FROM memberships WHERE user_id = u.id) FROM users u
             UNION ALL SELECT 'group ' || id, member_count,
                 (SELECT count(*) FROM memberships WHERE group_id = g.id) FROM groups g
             UNION ALL SELECT 'subtree ' || id, subtree_member_count,
                 (SELECT count(DISTINCT m.user_id) FROM below b
                  JOIN memberships m ON m.group_id = b.id WHERE b.top = g.id)
             FROM groups g
             UNION ALL SELECT 'key ' || k.key, coalesce(k.users, 0), count(t.user_id)
             FROM tag_keys k FULL JOIN user_tags t ON t.key = k.key
             GROUP BY k.key, k.users
             ORDER BY 1",
            &[],
        )
        .unwrap();
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

fn assert_kept(c: &mut Client) {
    for (what, kept, counted) in kept_and_counted(c) {
        assert_eq!(kept, counted, "{what}");
    }
}

#[test]
fn version_11_keeps_a_version_10_databases_counts_by_statement_each_counter_once() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    let mut c = look(&database);
    c.batch_execute(include_str!("../assets/sql/pg/schema_v9.sql"))
        .unwrap();
    c.batch_execute(include_str!("../assets/sql/pg/schema_v10.sql"))
        .unwrap();
    // Written under version 10's row triggers: 60 users, two levels of groups.
    c.batch_execute(
        "CREATE TABLE schema_version (id bigint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
         INSERT INTO schema_version VALUES (1, 10);
         INSERT INTO users (id, app_id, email, email_key, password_hash, search, created_at, updated_at)
         SELECT i, 1, i || '@x.io', i || '@x.io', 'h', i || '@x.io', 0, 0 FROM generate_series(1, 60) i;
         INSERT INTO groups (id, app_id, name, parent_id)
         VALUES (1, 1, 'Acme', NULL), (2, 1, 'Sales', 1), (3, 1, 'EMEA', 2), (4, 1, 'Support', NULL);
         INSERT INTO memberships SELECT i, 2 + i % 3 FROM generate_series(1, 30) i;
         INSERT INTO user_tags SELECT i, 'plan', 'pro' FROM generate_series(1, 20) i;",
    )
    .unwrap();
    assert_kept(&mut c);
    let before = kept_and_counted(&mut c);
    open(&database).unwrap();
    assert_eq!(
        kept_and_counted(&mut c),
        before,
        "the counts are taken over"
    );
    let row_level = strings(
        &mut c,
        "SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal AND tgtype & 1 = 1
         AND tgrelid IN ('users'::regclass, 'memberships'::regclass, 'user_tags'::regclass)",
    );
    // Version 14's one, which keeps no count: it runs only for a user whose haystack
    // or email changed.
    assert_eq!(
        row_level,
        ["char_users_changed"],
        "no count is kept row by row"
    );

    // Bulk statements, as bulk actions make them: each counter is written once.
    // PostgreSQL 15's per-transaction statistics also hold the session's earlier
    // transactions until it reports them (at most once a second, when idle), so the
    // writes are what the statements add to them; inside a transaction nothing is
    // reported meanwhile.
    let writes = |tx: &mut postgres::Transaction, table: &str| -> i64 {
        let sql = "SELECT (n_tup_upd + n_tup_ins)::bigint FROM pg_stat_xact_user_tables WHERE relname = $1";
        tx.query_one(sql, &[&table]).unwrap().get(0)
    };
    let tables = ["groups", "applications", "tag_keys"];
    let mut tx = c.transaction().unwrap();
    let before: Vec<i64> = tables.iter().map(|t| writes(&mut tx, t)).collect();
    tx.batch_execute(
        "INSERT INTO memberships SELECT i, 3 FROM generate_series(1, 60) i ON CONFLICT DO NOTHING;
         INSERT INTO user_tags SELECT i, 'plan', 'team' FROM generate_series(21, 60) i;",
    )
    .unwrap();
    let added: Vec<i64> = (tables.iter().zip(&before))
        .map(|(t, before)| writes(&mut tx, t) - before)
        .collect();
    // Each changed group once (EMEA's members and subtree together since version 13,
    // Sales's and Acme's subtree); the one application and the one key once each
    // (row by row, each was written per row).
    assert_eq!(added, [3, 1, 1], "writes of {tables:?}");
    tx.commit().unwrap();
    assert_kept(&mut c);
    // User 11 goes with its memberships (in EMEA and Support; no tags): the cascade.
    c.batch_execute(
        "DELETE FROM memberships WHERE group_id = 3 AND user_id % 2 = 0;
         DELETE FROM memberships WHERE user_id BETWEEN 1 AND 9;
         INSERT INTO memberships VALUES (1, 2), (1, 3), (1, 4);
         DELETE FROM user_tags WHERE user_id > 10;
         DELETE FROM users WHERE id = 11;
         DELETE FROM memberships WHERE user_id > 50; DELETE FROM user_tags WHERE user_id > 50;
         DELETE FROM users WHERE id > 50;
         UPDATE groups SET parent_id = 1 WHERE parent_id = 2;
         DELETE FROM memberships WHERE group_id = 2; DELETE FROM groups WHERE id = 2;",
    )
    .unwrap();
    assert_kept(&mut c);
    assert_eq!(
        number(&mut c, "SELECT user_count FROM applications WHERE id = 1"),
        49
    );
}

/// On PostgreSQL as in SQLite's file (store_tokens.rs), no table holds a password or a
/// token as given: passwords as argon2id hashes, tokens as their digests.
#[test]
fn no_table_holds_a_password_or_a_token_as_given() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    let mut store = xusers::store::Store::open(database.parse::<Location>().unwrap()).unwrap();
    let app = store.application("default").unwrap().id;
    let password = "Correct-Horse-Battery-1";
    let user = xusers::domain::UserDraft {
        password: Some(password.into()),
        ..common::draft("u0@acme.io")
    }
    .validate_new()
    .unwrap();
    let hash = xusers::auth::PasswordHash::new(&user.password);
    store.create_user(app, &user, &hash).unwrap();
    let token = store.login(app, "u0@acme.io", password).unwrap();
    let mut c = look(&database);
    let tables = strings(
        &mut c,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
    );
    let mut haystack = String::new();
    for table in tables {
        haystack.extend(strings(
            &mut c,
            &format!("SELECT coalesce(string_agg(x::text, ' '), '') FROM {table} x"),
        ));
    }
    assert!(haystack.contains("u0@acme.io"), "the tables were read");
    assert!(haystack.contains("$argon2id$"), "hashes are stored");
    for needle in [password, token.as_str()] {
        assert!(!haystack.contains(needle), "found {needle:?} in a table");
    }
}
