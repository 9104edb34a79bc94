//! Seeding many users (the demo, benchmarks) on PostgreSQL: each batch's rows go in
//! by `COPY … FROM STDIN BINARY`, their ids drawn from the users' sequence first so
//! that memberships and tags can name them. The triggers that keep counts are off
//! for the batch's transaction; the batch's counts, taken from the rows in hand, are
//! added by a few set-based statements instead. Into an empty users table the
//! secondary indexes are set aside for the load (seed_indexes.rs). Users are
//! generated and their derived columns computed (seed.rs's `SeedRow`) on another
//! thread while this one writes.

use postgres::Transaction;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};

use super::{PgStore, audit, begin_write, search_rows, seed_indexes};
use crate::auth::{PasswordHash, token_digest};
use crate::store::audit::{Changes, Record};
use crate::store::seed::SeedRow;
use crate::store::{AppId, Result, SeedUser, StoreError, unix_now};

/// Users per transaction: more than SQLite's, as each batch writes the counters of
/// every group and tag key it touches (up to 10,000 keys) once.
const BATCH: usize = 50_000;

/// Batches made ahead of the writer.
const BATCHES_AHEAD: usize = 2;

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
        seed_indexes::lock(&mut self.client.borrow_mut())?;
        let off = TriggersOff::choose(&mut self.client.borrow_mut())?;
        let mut set_aside = false;
        let loaded = std::thread::scope(|scope| {
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
                // Transactional: a failed batch leaves the triggers on.
                off.begin(&mut tx, app, &batch)?;
                if done == 0 {
                    set_aside = seed_indexes::set_aside_if_empty(&mut tx)?;
                }
                copy_batch(&mut tx, app, &batch, hash)?;
                off.end(&mut tx)?;
                tx.commit()?;
                done += batch.len() as u64;
                progress(done);
            }
            Ok::<u64, StoreError>(done)
        });
        // Built again whether the load ended or failed: what it committed stays.
        let mut client = self.client.borrow_mut();
        let restored = match set_aside {
            true => seed_indexes::restore(&mut client),
            false => Ok(()),
        };
        let unlocked = seed_indexes::unlock(&mut client);
        drop(client);
        let done = loaded?;
        restored?;
        unlocked?;
        // One entry for the whole load (demo users, not one entry each).
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let target = audit::app_target(&mut tx, app)?;
        let changes = Changes::default().with("seeded_users", 0, done);
        let record = Record::new(Some(app), "users.seed", target, changes);
        audit::append(&mut tx, &self.actor, record)?;
        tx.commit()?;
        // The planner's statistics (and short_terms.rs's) describe what was loaded, and
        // its rows are marked visible to all, without waiting for autovacuum: at a
        // million users, autovacuum's own passes over the new rows in the first minutes
        // doubled the time of a rare term's page while they ran.
        client.batch_execute(
            "VACUUM (ANALYZE) users, user_search, char_users, memberships, user_tags, groups,
             group_ancestors",
        )?;
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
    // A run of ids drawn at once: every writer holds the write lock, so none draws
    // one meanwhile (one nextval per user cost more than the users' COPY).
    let n = batch.len() as i64;
    let first: i64 = tx
        .query_one(
            "SELECT setval(s, nextval(s) + $1 - 1) - $1 + 1
             FROM pg_get_serial_sequence('users', 'id') AS s",
            &[&n],
        )?
        .get(0);
    let ids: Vec<i64> = (first..first + n).collect();
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
    add_counts(tx, app, &ids, batch)?;
    // The triggers that keep them are off.
    search_rows::add_loaded(tx, first, first + n - 1)
}

/// How a batch's transaction turns the triggers that keep counts off.
enum TriggersOff {
    /// `session_replication_role = replica`, for a role that may set it (a
    /// superuser, as pg_restore's `--disable-triggers` asks): the foreign keys' row
    /// by row checks go too (they were most of the load's time), replaced by one
    /// check of the batch's application and groups, locked as those checks lock them.
    /// The users the memberships and tags name are the batch's own.
    Replica,
    /// `ALTER TABLE … DISABLE TRIGGER USER`, for the tables' owner: the tables'
    /// writers wait for the batch meanwhile (its lock), their readers not.
    UserTriggers,
}

impl TriggersOff {
    fn choose(client: &mut postgres::Client) -> Result<TriggersOff> {
        let replica: bool = client
            .query_one(
                "SELECT has_parameter_privilege('session_replication_role', 'SET')",
                &[],
            )?
            .get(0);
        Ok(match replica {
            true => TriggersOff::Replica,
            false => TriggersOff::UserTriggers,
        })
    }

    fn begin(&self, tx: &mut Transaction, app: AppId, batch: &[SeedRow]) -> Result<()> {
        match self {
            TriggersOff::Replica => {
                tx.batch_execute("SET LOCAL session_replication_role = replica")?;
                lock_references(tx, app, batch)
            }
            TriggersOff::UserTriggers => Ok(tx.batch_execute(&triggers("DISABLE"))?),
        }
    }

    fn end(&self, tx: &mut Transaction) -> Result<()> {
        match self {
            // `SET LOCAL` ends with the transaction.
            TriggersOff::Replica => Ok(()),
            TriggersOff::UserTriggers => Ok(tx.batch_execute(&triggers("ENABLE"))?),
        }
    }
}

/// `ALTER TABLE … {verb} TRIGGER USER` for the tables whose triggers keep counts.
fn triggers(verb: &str) -> String {
    ["users", "memberships", "user_tags"]
        .map(|table| format!("ALTER TABLE {table} {verb} TRIGGER USER;"))
        .join("\n")
}

/// What the foreign keys' checks would have found and locked for the batch, at once:
/// the application, and each group its users join (one of the application's).
fn lock_references(tx: &mut Transaction, app: AppId, batch: &[SeedRow]) -> Result<()> {
    let app_there = tx
        .query_opt(
            "SELECT id FROM applications WHERE id = $1 FOR KEY SHARE",
            &[&app.0],
        )?
        .is_some();
    if !app_there {
        return Err(StoreError::NotFound {
            what: "application",
            name: app.0.to_string(),
        });
    }
    let mut groups: Vec<i64> = batch
        .iter()
        .flat_map(|row| row.user.groups.iter().copied())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let found: Vec<i64> = tx
        .query(
            "SELECT id FROM groups WHERE id = ANY($1) AND app_id = $2 ORDER BY id FOR KEY SHARE",
            &[&groups, &app.0],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    match groups.iter().find(|id| found.binary_search(id).is_err()) {
        Some(missing) => Err(StoreError::NotFound {
            what: "group",
            name: missing.to_string(),
        }),
        None => Ok(()),
    }
}

/// Adds what the users `ids` (just copied from `batch`) hold to the counts the
/// triggers keep: the application's, each group's (direct, and with its subgroups:
/// each user once per group above), each tag key's. Counted from the batch in hand,
/// not read back.
fn add_counts(tx: &mut Transaction, app: AppId, ids: &[i64], batch: &[SeedRow]) -> Result<()> {
    let grouped = batch.iter().filter(|r| !r.user.groups.is_empty()).count() as i64;
    tx.execute(
        "UPDATE applications SET user_count = user_count + $2, grouped_count = grouped_count + $3
         WHERE id = $1",
        &[&app.0, &(ids.len() as i64), &grouped],
    )?;
    let (members, groups): (Vec<i64>, Vec<i64>) = ids
        .iter()
        .zip(batch)
        .flat_map(|(id, row)| row.user.groups.iter().map(move |g| (*id, *g)))
        .unzip();
    tx.execute(
        "UPDATE groups g SET member_count = g.member_count + m.n
         FROM (SELECT group_id, count(*) AS n FROM unnest($1::bigint[]) AS group_id
               GROUP BY group_id) m
         WHERE g.id = m.group_id",
        &[&groups],
    )?;
    tx.execute(
        "UPDATE groups g SET subtree_member_count = g.subtree_member_count + s.n
         FROM (SELECT a.ancestor_id, count(DISTINCT m.user_id) AS n
               FROM unnest($1::bigint[], $2::bigint[]) AS m(user_id, group_id)
               JOIN group_ancestors a ON a.group_id = m.group_id GROUP BY a.ancestor_id) s
         WHERE g.id = s.ancestor_id",
        &[&members, &groups],
    )?;
    let mut users_by_key = std::collections::BTreeMap::<&str, i64>::new();
    for (key, _) in batch.iter().flat_map(|row| &row.user.tags) {
        *users_by_key.entry(key).or_default() += 1;
    }
    let (keys, users): (Vec<&str>, Vec<i64>) = users_by_key.into_iter().unzip();
    tx.execute(
        "INSERT INTO tag_keys (app_id, key, users)
         SELECT $1, key, n FROM unnest($2::text[], $3::bigint[]) AS t(key, n)
         ON CONFLICT (app_id, key) DO UPDATE SET users = tag_keys.users + excluded.users",
        &[&app.0, &keys, &users],
    )?;
    Ok(())
}
