//! One user as read from any source, before xusers' own rules are applied, and the
//! checks that turn it into what the store imports.

use serde_json::Value;

use crate::auth::PasswordHash;
use crate::domain::{
    Email, Field, FieldError, Password, PasswordInput, Profile, TagKey, UserDraft, tag_value,
};
use crate::store::ImportUser;

/// A user as a source gave it, mapped onto xusers' fields.
#[derive(Debug, Default)]
pub struct Row {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Vec<String>,
    /// (group, parent) pairs for `--create-groups`, parents first.
    pub group_parents: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub created: Option<i64>,
    pub last_login: Option<i64>,
    pub password: Option<PasswordInput>,
    /// A stored hash in one of the forms [`PasswordHash::parse`] reads.
    pub password_hash: Option<String>,
    /// The source's name for the hash, for messages (`password_hash`, `passwordHash` …).
    pub hash_field: &'static str,
    /// Problems found while mapping the source's fields.
    pub problems: Vec<FieldError>,
    /// The source's fields that were not imported, by name.
    pub dropped: Vec<String>,
}

impl Row {
    pub fn new(hash_field: &'static str) -> Row {
        Row {
            hash_field,
            ..Row::default()
        }
    }

    /// A source field that has no place of its own becomes the tag `key` (one of the
    /// documented keys, which follow the tag rules).
    pub fn tag(&mut self, key: &str, value: impl Into<String>) {
        self.tags.push((key.to_string(), value.into()));
    }

    /// A source's free-form attribute `origin.key`: a tag when the key and the value
    /// follow the tag rules (numbers and true/false as text) and the key is not taken,
    /// otherwise listed as dropped. A null carries nothing and is left out.
    pub fn attribute_tag(&mut self, origin: &str, key: &str, value: &Value) {
        let text = match value {
            Value::Null => return,
            Value::String(s) => s.clone(),
            Value::Bool(_) | Value::Number(_) => value.to_string(),
            Value::Array(_) | Value::Object(_) => return self.drop(&format!("{origin}.{key}")),
        };
        let taken = self.tags.iter().any(|(k, _)| k == key);
        if taken || TagKey::parse(key).is_err() || tag_value(&text).is_err() {
            return self.drop(&format!("{origin}.{key}"));
        }
        self.tag(key, text);
    }

    /// Lists a field as not imported (once per user, however often it occurs).
    pub fn drop(&mut self, field: &str) {
        if !self.dropped.iter().any(|d| d == field) {
            self.dropped.push(field.to_string());
        }
    }

    pub fn problem(&mut self, field: Field, message: impl Into<String>) {
        self.problems.push(FieldError::new(field, message));
    }

    /// A full name split into first and last: the first word, and the rest.
    pub fn split_name(&mut self, name: &str) {
        let mut words = name.trim().splitn(2, char::is_whitespace);
        self.first_name = words.next().map(str::to_string);
        self.last_name = words.next().map(|w| w.trim().to_string());
    }
}

/// A row that could not be read at all: only that problem is reported for it.
pub fn unreadable(line: usize, problem: FieldError) -> ImportUser {
    ImportUser {
        line,
        broken: vec![problem],
        email: None,
        profile: Profile::default(),
        group_parents: Vec::new(),
        // Nothing more is known of it: no "needs a password" on top.
        gives_password: true,
        hash: None,
        created: None,
        last_login: None,
    }
}

/// The row as the store takes it, and its plaintext password to hash when the row
/// passed its rules.
pub fn check_row(line: usize, row: Row) -> (ImportUser, Option<Password>) {
    let draft = UserDraft {
        email: row.email,
        password: None,
        first_name: row.first_name.unwrap_or_default(),
        last_name: row.last_name.unwrap_or_default(),
        groups: row.groups,
        tags: row.tags,
    };
    let mut errors = row.problems;
    let gives_password = row.password.is_some()
        || row.password_hash.is_some()
        || errors.iter().any(|e| e.field == Field::Password);
    let changes = draft.validate_changes().map_err(|e| errors.extend(e)).ok();
    let mut hash = None;
    let mut password = None;
    match (row.password, row.password_hash) {
        (Some(_), Some(_)) => errors.push(FieldError::new(
            Field::Password,
            format!("give a password or a {}, not both", row.hash_field),
        )),
        (Some(p), None) => match Password::parse(p.as_str()) {
            Ok(p) => password = Some(p),
            Err(m) => errors.push(FieldError::new(Field::Password, m)),
        },
        (None, Some(h)) => match PasswordHash::parse(&h) {
            Ok(h) => hash = Some(h),
            Err(m) => errors.push(FieldError::new(
                Field::Password,
                format!("{}: {m}", row.hash_field),
            )),
        },
        (None, None) => {}
    }
    let user = ImportUser {
        line,
        broken: Vec::new(),
        email: None,
        profile: Profile::default(),
        group_parents: row.group_parents,
        gives_password,
        hash,
        created: row.created,
        last_login: row.last_login,
    };
    match changes {
        Some(c) if errors.is_empty() => (
            ImportUser {
                email: Some(c.email),
                profile: c.profile,
                ..user
            },
            password,
        ),
        // What of a broken row passed the rules, for the database checks.
        _ => (
            ImportUser {
                email: Email::parse(&draft.email).ok(),
                profile: Profile {
                    groups: draft.valid_group_names(),
                    ..Profile::default()
                },
                broken: errors,
                hash: None,
                ..user
            },
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_that_break_the_tag_rules_are_dropped_by_name() {
        let mut row = Row::new("password_hash");
        row.tag("email_verified", "true");
        let attributes = serde_json::json!({
            "plan": "pro", "seats": 5, "beta": true, "gone": null,
            "bad key": "x", "long": "x".repeat(256), "nested": {"a": 1},
            "list": [1], "email_verified": "no"
        });
        for (key, value) in attributes.as_object().unwrap() {
            row.attribute_tag("user_metadata", key, value);
        }
        row.tags.sort();
        assert_eq!(
            row.tags,
            [
                ("beta".to_string(), "true".to_string()),
                ("email_verified".to_string(), "true".to_string()),
                ("plan".to_string(), "pro".to_string()),
                ("seats".to_string(), "5".to_string()),
            ]
        );
        row.dropped.sort();
        assert_eq!(
            row.dropped,
            [
                "user_metadata.bad key",
                "user_metadata.email_verified",
                "user_metadata.list",
                "user_metadata.long",
                "user_metadata.nested",
            ]
        );
    }

    #[test]
    fn a_full_name_splits_at_its_first_space() {
        let mut row = Row::default();
        row.split_name(" Test User 1 ");
        assert_eq!(row.first_name.as_deref(), Some("Test"));
        assert_eq!(row.last_name.as_deref(), Some("User 1"));
        row.split_name("Cher");
        assert_eq!(
            (row.first_name.as_deref(), row.last_name),
            (Some("Cher"), None)
        );
    }
}
