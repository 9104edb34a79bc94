//! The plans of the lookups that run per login, request or form, gathered from the
//! modules that own their SQL (so that none of those modules needs another's).

use rusqlite::types::Value;

use super::plan::{TAG_KEY_USERS, TAG_VALUE_USERS, probe_sql};
use super::tags::TAG_KEY_USAGE_SQL;
use super::tokens::{AUTHENTICATE_SQL, RECENT_FAILURES_SQL};
use super::users::{FIND_USER_SQL, SCOPE_COUNTS_SQL};
use super::{Result, SqliteStore};

impl SqliteStore {
    /// SQLite's plan for each lookup that runs per login, request, form or filter
    /// keystroke: by email, by token, recent login failures, the pane counters, tag-key
    /// usage and the planner's tag probes.
    pub fn lookup_plans(&self) -> Result<Vec<(&'static str, String)>> {
        [
            ("find by email", FIND_USER_SQL.to_string()),
            ("authenticate", AUTHENTICATE_SQL.to_string()),
            ("recent login failures", RECENT_FAILURES_SQL.to_string()),
            ("pane counts", SCOPE_COUNTS_SQL.to_string()),
            ("tag-key usage", TAG_KEY_USAGE_SQL.to_string()),
            ("tag key probe", probe_sql(TAG_KEY_USERS, false)),
            ("tag value probe", probe_sql(TAG_VALUE_USERS, false)),
        ]
        .into_iter()
        .map(|(what, sql)| {
            // The plan does not depend on the values: NULL stands in for each.
            let params = vec![Value::Null; self.conn.prepare(&sql)?.parameter_count()];
            Ok((what, self.explain(&sql, params)?))
        })
        .collect()
    }
}
