//! What a copy moves: every table of the schema both backends share (version 11), in
//! an order where each row's references are in place before it, each column with the
//! one kind of value both keep in it.

/// A column's kind of value; any of them may be NULL where the schema allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A 64-bit integer (SQLite's INTEGER, PostgreSQL's bigint).
    Int,
    /// Text (TEXT, text).
    Text,
    /// Bytes (BLOB, bytea): the audit log's hashes, the tokens' digests.
    Blob,
}

/// One value of a row on its way from one database to the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Int(Option<i64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// Kept by the schema's triggers from the other tables: SQLite builds it again
    /// after a load (store/migrations.rs), PostgreSQL takes it as it is.
    pub derived: bool,
}

impl Table {
    /// The column names, comma-separated, for a statement.
    pub fn column_list(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(name, _)| *name).collect();
        names.join(", ")
    }

    /// The order rows are read in: the key, so that a copy is read the same way twice.
    pub fn order(&self) -> &'static str {
        match self.name {
            "applications" | "users" | "groups" | "devices" => "id",
            "audit" => "seq",
            "audit_horizon" => "id",
            "token_stamps" | "bulk_last_audit" => "user_id",
            "login_failures" => "app_id, email_key, at",
            "tokens" => "digest",
            "tag_keys" => "app_id, key",
            "user_tags" => "user_id, key",
            "memberships" => "user_id, group_id",
            "group_devices" => "group_id, device_id",
            "group_ancestors" => "group_id, ancestor_id",
            other => unreachable!("no order for table {other}"),
        }
    }
}

use Kind::{Blob, Int, Text};

/// Every table, each after those it refers to. The audit log comes whole, hashes and
/// all, so that its chain verifies on the copy as on the original.
pub const TABLES: &[Table] = &[
    Table {
        name: "applications",
        columns: &[
            ("id", Int),
            ("name", Text),
            ("user_limit", Int),
            ("user_count", Int),
            ("grouped_count", Int),
            ("lockout_failures", Int),
            ("lockout_secs", Int),
            ("tokens_issued", Int),
            ("tokens_void_through", Int),
        ],
        derived: false,
    },
    Table {
        name: "users",
        columns: &[
            ("id", Int),
            ("app_id", Int),
            ("email", Text),
            ("email_key", Text),
            ("password_hash", Text),
            ("first_name", Text),
            ("last_name", Text),
            ("first_key", Text),
            ("last_key", Text),
            ("search", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("last_login", Int),
            ("group_count", Int),
            ("version", Int),
            ("last_audit", Int),
        ],
        derived: false,
    },
    Table {
        name: "groups",
        columns: &[
            ("id", Int),
            ("app_id", Int),
            ("name", Text),
            ("parent_id", Int),
            ("member_count", Int),
            ("version", Int),
            ("subtree_member_count", Int),
        ],
        derived: false,
    },
    Table {
        name: "devices",
        columns: &[("id", Int), ("app_id", Int), ("name", Text)],
        derived: false,
    },
    Table {
        name: "group_devices",
        columns: &[("group_id", Int), ("device_id", Int)],
        derived: false,
    },
    Table {
        name: "group_ancestors",
        columns: &[("group_id", Int), ("ancestor_id", Int)],
        derived: true,
    },
    Table {
        name: "memberships",
        columns: &[("user_id", Int), ("group_id", Int)],
        derived: false,
    },
    Table {
        name: "user_tags",
        columns: &[("user_id", Int), ("key", Text), ("value", Text)],
        derived: false,
    },
    Table {
        name: "tag_keys",
        columns: &[("app_id", Int), ("key", Text), ("users", Int)],
        derived: true,
    },
    Table {
        name: "login_failures",
        columns: &[("app_id", Int), ("email_key", Text), ("at", Int)],
        derived: false,
    },
    Table {
        name: "tokens",
        columns: &[
            ("digest", Blob),
            ("user_id", Int),
            ("created_at", Int),
            ("seq", Int),
            ("app_id", Int),
        ],
        derived: false,
    },
    Table {
        name: "token_stamps",
        columns: &[("user_id", Int), ("void_through", Int)],
        derived: false,
    },
    Table {
        name: "audit",
        columns: &[
            ("seq", Int),
            ("time_ms", Int),
            ("app", Text),
            ("actor", Text),
            ("source", Text),
            ("op", Text),
            ("target_type", Text),
            ("target_id", Int),
            ("target_label", Text),
            ("changes", Text),
            ("batch", Int),
            ("target_prev", Int),
            ("hash", Blob),
        ],
        derived: false,
    },
    Table {
        name: "audit_horizon",
        columns: &[("id", Int), ("first_kept", Int), ("anchor", Blob)],
        derived: false,
    },
    Table {
        name: "bulk_last_audit",
        columns: &[("user_id", Int), ("seq", Int)],
        derived: false,
    },
];

/// The tables whose ids a new row takes from a sequence on PostgreSQL.
pub const WITH_IDS: &[&str] = &["applications", "users", "groups", "devices"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_an_order_and_comes_after_the_tables_it_refers_to() {
        let position = |name: &str| TABLES.iter().position(|t| t.name == name).unwrap();
        for table in TABLES {
            assert!(!table.order().is_empty());
        }
        for (child, parent) in [
            ("users", "applications"),
            ("groups", "applications"),
            ("memberships", "users"),
            ("memberships", "groups"),
            ("group_devices", "devices"),
            ("tokens", "users"),
            ("bulk_last_audit", "users"),
        ] {
            assert!(
                position(parent) < position(child),
                "{parent} before {child}"
            );
        }
    }
}
