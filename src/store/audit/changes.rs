use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{Email, Profile};
use rusqlite::OptionalExtension;

use crate::store::{Result, StoreError, User, UserId};

/// What an entry changed: field → `[before, after]`, `null` where there was or is
/// nothing. Only what differs is kept; a password shows only as `"changed"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Changes(BTreeMap<String, [Value; 2]>);

/// What a password change is recorded as: never the password, a hash or a token.
const PASSWORD_CHANGED: &str = "changed";

impl Changes {
    /// Records `field` when its value differs.
    pub fn set(&mut self, field: &str, before: impl Into<Value>, after: impl Into<Value>) {
        let (before, after) = (before.into(), after.into());
        if before != after {
            self.0.insert(field.to_string(), [before, after]);
        }
    }

    pub fn with(mut self, field: &str, before: impl Into<Value>, after: impl Into<Value>) -> Self {
        self.set(field, before, after);
        self
    }

    /// Adds every field of `other`.
    pub fn extend(&mut self, other: Changes) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each field with its before and after, by field name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value, &Value)> {
        self.0.iter().map(|(k, [b, a])| (k.as_str(), b, a))
    }

    pub fn get(&self, field: &str) -> Option<&[Value; 2]> {
        self.0.get(field)
    }

    /// The changes as JSON (field → `[before, after]`).
    pub fn as_json(&self) -> Value {
        serde_json::to_value(&self.0).expect("changes serialise")
    }

    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("changes serialise")
    }

    pub(crate) fn from_json(text: &str) -> Changes {
        // An entry whose changes no longer parse was tampered with: `verify` names it;
        // reading shows what can be shown.
        serde_json::from_str(text).unwrap_or_default()
    }
}

/// A before or after value as text: `—` for nothing, lists joined with ", ".
pub fn shown(value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "(none)".into(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The columns [`UserFields::from_row`] reads, of the user `u`.
pub(crate) const USER_FIELDS_SQL: &str = "u.email, u.first_name, u.last_name,
    (SELECT json_group_array(name) FROM
        (SELECT g.name FROM memberships m JOIN groups g ON g.id = m.group_id
         WHERE m.user_id = u.id ORDER BY g.name)),
    (SELECT json_group_object(key, value) FROM user_tags t WHERE t.user_id = u.id)";

/// A user's fields as the log compares them: email, names, groups, tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserFields {
    pub email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    /// Sorted.
    groups: Vec<String>,
    tags: BTreeMap<String, String>,
}

impl UserFields {
    pub fn of(email: &Email, profile: &Profile) -> UserFields {
        let mut groups = profile.groups.clone();
        groups.sort();
        UserFields {
            email: email.as_str().to_string(),
            first_name: profile.first_name.clone(),
            last_name: profile.last_name.clone(),
            groups,
            tags: (profile.tags.iter())
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect(),
        }
    }

    /// The user's fields as they are now, in one query (what an edit reads before it
    /// writes, for its entry).
    pub fn read(conn: &rusqlite::Connection, id: UserId) -> Result<UserFields> {
        conn.prepare_cached(&format!(
            "SELECT {USER_FIELDS_SQL} FROM users u WHERE id = ?1"
        ))?
        .query_row([id.0], |r| UserFields::from_row(r, 0))
        .optional()?
        .ok_or(StoreError::UserGone(id))
    }

    /// The fields from the columns of [`USER_FIELDS_SQL`], starting at column `at`.
    pub fn from_row(r: &rusqlite::Row, at: usize) -> rusqlite::Result<UserFields> {
        let json = |i| -> rusqlite::Result<String> { r.get(at + i) };
        Ok(UserFields::stored(
            r.get(at)?,
            r.get(at + 1)?,
            r.get(at + 2)?,
            serde_json::from_str(&json(3)?).unwrap_or_default(),
            serde_json::from_str(&json(4)?).unwrap_or_default(),
        ))
    }

    /// The fields as a database holds them: an absent name is empty, groups in any
    /// order.
    pub fn stored(
        email: String,
        first_name: String,
        last_name: String,
        mut groups: Vec<String>,
        tags: BTreeMap<String, String>,
    ) -> UserFields {
        let name = |s: String| Some(s).filter(|s| !s.is_empty());
        groups.sort();
        UserFields {
            email,
            first_name: name(first_name),
            last_name: name(last_name),
            groups,
            tags,
        }
    }

    /// The group names (kept sorted by whoever changes them).
    pub fn groups_mut(&mut self) -> &mut Vec<String> {
        &mut self.groups
    }

    pub fn tags_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.tags
    }

    pub fn of_user(user: &User) -> UserFields {
        UserFields {
            email: user.email.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            groups: user.groups.clone(),
            tags: user.tags.clone(),
        }
    }

    /// From `before` (none: created) to `after` (none: deleted): each field that
    /// differs, groups as the sorted lists, tags one `tag:KEY` field each.
    pub fn changes(
        before: Option<&UserFields>,
        after: Option<&UserFields>,
        password_changed: bool,
    ) -> Changes {
        let mut changes = Changes::default();
        let field =
            |f: fn(&UserFields) -> Value, side: Option<&UserFields>| side.map_or(Value::Null, f);
        changes.set(
            "email",
            field(|u| u.email.clone().into(), before),
            field(|u| u.email.clone().into(), after),
        );
        changes.set(
            "first_name",
            field(|u| u.first_name.clone().into(), before),
            field(|u| u.first_name.clone().into(), after),
        );
        changes.set(
            "last_name",
            field(|u| u.last_name.clone().into(), before),
            field(|u| u.last_name.clone().into(), after),
        );
        let groups = |side: Option<&UserFields>| side.map_or_else(Vec::new, |u| u.groups.clone());
        changes.set("groups", groups(before), groups(after));
        let no_tags = BTreeMap::new();
        let tags = |side: Option<&UserFields>| side.map_or(&no_tags, |u| &u.tags).clone();
        let (old, new) = (tags(before), tags(after));
        for key in old.keys().chain(new.keys()) {
            changes.set(
                &format!("tag:{key}"),
                old.get(key).cloned(),
                new.get(key).cloned(),
            );
        }
        if password_changed {
            changes.set("password", Value::Null, PASSWORD_CHANGED);
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserDraft;

    fn fields(email: &str, first: &str, groups: &[&str], tags: &[(&str, &str)]) -> UserFields {
        let draft = UserDraft {
            email: email.into(),
            first_name: first.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let changes = draft.validate_changes().unwrap();
        UserFields::of(&changes.email, &changes.profile)
    }

    #[test]
    fn an_edit_records_only_what_differs_tags_one_by_one() {
        let before = fields(
            "ann@acme.io",
            "Ann",
            &["Sales"],
            &[("plan", "free"), ("x", "1")],
        );
        let after = fields(
            "ann@acme.io",
            "Anna",
            &["Support", "Sales"],
            &[("plan", "pro"), ("y", "2")],
        );
        let changes = UserFields::changes(Some(&before), Some(&after), true);
        let json: Value = serde_json::from_str(&changes.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "first_name": ["Ann", "Anna"],
                "groups": [["Sales"], ["Sales", "Support"]],
                "tag:plan": ["free", "pro"],
                "tag:x": ["1", null],
                "tag:y": [null, "2"],
                "password": [null, "changed"],
            })
        );
    }

    #[test]
    fn nothing_changed_is_an_empty_change() {
        let same = fields("ann@acme.io", "Ann", &["Sales"], &[("plan", "pro")]);
        assert!(UserFields::changes(Some(&same), Some(&same), false).is_empty());
    }
}
