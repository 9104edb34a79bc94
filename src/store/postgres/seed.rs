//! Seeding many users (the demo, benchmarks) on PostgreSQL: each batch's rows go in
//! by `COPY … FROM STDIN BINARY`, their ids drawn from the users' sequence first so
//! that memberships and tags can name them. The triggers that keep counts are off
//! for the batch's transaction (row by row, each updates the same few group and
//! application rows again: 10,000 users took 25 s); the batch's counts are added by
//! a few set-based statements instead. Users are generated and their derived columns
//! computed (seed.rs's `SeedRow`) on another thread while this one writes.

use postgres::Transaction;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};

use super::{PgStore, audit, begin_write};
use crate::auth::{PasswordHash, token_digest};
use crate::store::audit::{Changes, Record};
use crate::store::seed::{BATCH, SeedRow};
use crate::store::{AppId, Result, SeedUser, StoreError, unix_now};

/// Batches made ahead of the writer.
const BATCHES_AHEAD: usize = 4;

impl PgStore {
    /// Inserts many users sharing one password hash, a transaction per batch;
    /// `progress` is told how many are in after each batch.
    pub fn insert_seed_users(
        &mut self,
        app: AppId,
        users: impl Iterator<Item = SeedUser> + Send,
        hash: &PasswordHash,
        progress: impl FnMut(u64),
    ) -> Result<u64> {
        let result = self.insert_seed_users_unlogged(app, users, hash, progress);
        let what = match &result {
            Ok(n) => format!("add demo users ({n})"),
            Err(_) => "add demo users".into(),
        };
        self.logged(app, &what, "demo data", result)
    }

    fn insert_seed_users_unlogged(
        &mut self,
        app: AppId,
        users: impl Iterator<Item = SeedUser> + Send,
        hash: &PasswordHash,
        mut progress: impl FnMut(u64),
    ) -> Result<u64> {
        let done = std::thread::scope(|scope| {
            let (send, batches) = std::sync::mpsc::sync_channel::<Vec<SeedRow>>(BATCHES_AHEAD);
            scope.spawn(move || {
                let mut users = users.map(SeedRow::new).peekable();
                while users.peek().is_some() {
                    // The writer stopped (an error): nothing more is wanted.
                    if send.send(users.by_ref().take(BATCH).collect()).is_err() {
                        break;
                    }
                }
            });
            let mut done = 0u64;
            for batch in batches {
                let mut client = self.client.borrow_mut();
                let mut tx = begin_write(&mut client)?;
                // Transactional: a failed batch leaves the triggers on. The tables'
                // writers wait for the batch meanwhile (its lock), their readers not.
                tx.batch_execute(&triggers("DISABLE"))?;
                copy_batch(&mut tx, app, &batch, hash)?;
                tx.batch_execute(&triggers("ENABLE"))?;
                tx.commit()?;
                done += batch.len() as u64;
                progress(done);
            }
            Ok::<u64, StoreError>(done)
        })?;
        // One entry for the whole load (demo users, not one entry each).
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let target = audit::app_target(&mut tx, app)?;
        let changes = Changes::default().with("seeded_users", 0, done);
        let record = Record::new(Some(app), "users.seed", target, changes);
        audit::append(&mut tx, &self.actor, record)?;
        tx.commit()?;
        // The planner's statistics (and short_terms.rs's) describe the users loaded,
        // without waiting for autovacuum.
        client.batch_execute("ANALYZE users")?;
        Ok(done)
    }

    /// Replaces every token of the application with one per user, as logins would
    /// issue them (see the SQLite store's): the `n`-th user in id order gets
    /// `token_of(n)`, stored as its digest.
    pub fn insert_seed_tokens(
        &mut self,
        app: AppId,
        token_of: impl Fn(u64) -> String,
    ) -> Result<u64> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let issued: i64 = tx
            .query_one(
                "SELECT tokens_issued FROM applications WHERE id = $1",
                &[&app.0],
            )?
            .get(0);
        tx.execute("DELETE FROM tokens WHERE app_id = $1", &[&app.0])?;
        let users: Vec<i64> = tx
            .query(
                "SELECT id FROM users WHERE app_id = $1 ORDER BY id",
                &[&app.0],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let now = unix_now();
        let types = [Type::BYTEA, Type::INT8, Type::INT8, Type::INT8, Type::INT8];
        let sink =
            tx.copy_in("COPY tokens (digest, user_id, app_id, created_at, seq) FROM STDIN BINARY")?;
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        for (n, id) in (1i64..).zip(&users) {
            let digest = token_digest(&token_of(n as u64 - 1));
            let row: [&(dyn ToSql + Sync); 5] = [&&digest[..], id, &app.0, &now, &(issued + n)];
            writer.write(&row)?;
        }
        writer.finish()?;
        let n = users.len() as i64;
        tx.execute(
            "UPDATE applications SET tokens_issued = $2 WHERE id = $1",
            &[&app.0, &(issued + n)],
        )?;
        // One entry for the whole load, as for seeded users (logins are not recorded).
        let target = audit::app_target(&mut tx, app)?;
        let changes = Changes::default().with("seeded_tokens", 0, n);
        let record = Record::new(Some(app), "tokens.seed", target, changes);
        audit::append(&mut tx, &self.actor, record)?;
        tx.commit()?;
        Ok(n.unsigned_abs())
    }
}

/// One batch of users with their memberships and tags, each table by one `COPY`.
fn copy_batch(
    tx: &mut Transaction,
    app: AppId,
    batch: &[SeedRow],
    hash: &PasswordHash,
) -> Result<()> {
    let ids: Vec<i64> = tx
        .query(
            "SELECT nextval(pg_get_serial_sequence('users', 'id'))
             FROM generate_series(1, $1::bigint)",
            &[&(batch.len() as i64)],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let text = Type::TEXT;
    let types = [
        Type::INT8,
        Type::INT8,
        text.clone(),
        text.clone(),
        text.clone(),
        text.clone(),
        text.clone(),
        text.clone(),
        text.clone(),
        text,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
    ];
    let sink = tx.copy_in(
        "COPY users (id, app_id, email, email_key, password_hash, first_name, last_name,
                     first_key, last_key, search, created_at, updated_at, last_login,
                     group_count)
         FROM STDIN BINARY",
    )?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    for (id, row) in ids.iter().zip(batch) {
        let u = &row.user;
        writer.write(&[
            id,
            &app.0,
            &u.email,
            &row.email_key,
            &hash.as_str(),
            &u.first_name,
            &u.last_name,
            &row.first_key,
            &row.last_key,
            &row.search,
            &u.created_at,
            &u.created_at,
            &u.last_login,
            &(u.groups.len() as i64),
        ])?;
    }
    writer.finish()?;
    let sink = tx.copy_in("COPY memberships (user_id, group_id) FROM STDIN BINARY")?;
    let mut writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8]);
    for (id, row) in ids.iter().zip(batch) {
        for group in &row.user.groups {
            writer.write(&[id, group])?;
        }
    }
    writer.finish()?;
    let sink = tx.copy_in("COPY user_tags (user_id, key, value) FROM STDIN BINARY")?;
    let mut writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::TEXT, Type::TEXT]);
    for (id, row) in ids.iter().zip(batch) {
        for (key, value) in &row.user.tags {
            writer.write(&[id, key, value])?;
        }
    }
    writer.finish()?;
    let grouped = batch
        .iter()
        .filter(|row| !row.user.groups.is_empty())
        .count();
    add_counts(tx, app, &ids, grouped as i64)
}

/// `ALTER TABLE … {verb} TRIGGER USER` for the tables whose triggers keep counts.
fn triggers(verb: &str) -> String {
    ["users", "memberships", "user_tags"]
        .map(|table| format!("ALTER TABLE {table} {verb} TRIGGER USER;"))
        .join("\n")
}

/// Adds what the users `ids` (just copied, `grouped` of them in a group) hold to the
/// counts the triggers keep: the application's, each group's (direct, and with its
/// subgroups: each user once per group above), each tag key's.
fn add_counts(tx: &mut Transaction, app: AppId, ids: &[i64], grouped: i64) -> Result<()> {
    let ids = &ids;
    tx.execute(
        "UPDATE applications SET user_count = user_count + cardinality($2::bigint[]),
                                 grouped_count = grouped_count + $3
         WHERE id = $1",
        &[&app.0, ids, &grouped],
    )?;
    tx.execute(
        "UPDATE groups g SET member_count = g.member_count + m.n
         FROM (SELECT group_id, count(*) AS n FROM memberships WHERE user_id = ANY($1)
               GROUP BY group_id) m
         WHERE g.id = m.group_id",
        &[ids],
    )?;
    tx.execute(
        "UPDATE groups g SET subtree_member_count = g.subtree_member_count + s.n
         FROM (SELECT a.ancestor_id, count(DISTINCT m.user_id) AS n
               FROM memberships m JOIN group_ancestors a ON a.group_id = m.group_id
               WHERE m.user_id = ANY($1) GROUP BY a.ancestor_id) s
         WHERE g.id = s.ancestor_id",
        &[ids],
    )?;
    tx.execute(
        "INSERT INTO tag_keys (app_id, key, users)
         SELECT $1, key, count(*) FROM user_tags WHERE user_id = ANY($2) GROUP BY key
         ON CONFLICT (app_id, key) DO UPDATE SET users = tag_keys.users + excluded.users",
        &[&app.0, ids],
    )?;
    Ok(())
}
