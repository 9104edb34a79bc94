use std::collections::{BTreeMap, HashSet};

use super::email::Email;
use super::error::{Errors, Field, FieldError};
use super::password::{Password, PasswordInput};
use super::tag::{TagKey, tag_value};
use super::text::{optional_text, required_text};

/// What an administrator typed for a user, before any rule is applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserDraft {
    pub email: String,
    /// `None` on edit when "Change password?" is not ticked.
    pub password: Option<PasswordInput>,
    pub first_name: String,
    pub last_name: String,
    pub groups: Vec<String>,
    pub tags: Vec<(String, String)>,
}

/// A user that meets every rule and may be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: Email,
    pub password: Password,
    pub profile: Profile,
}

/// The validated fields of an edit. The password changes only when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChanges {
    pub email: Email,
    pub password: Option<Password>,
    pub profile: Profile,
}

/// Everything about a user besides email and password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Group names, without duplicates, in the order given.
    pub groups: Vec<String>,
    pub tags: BTreeMap<TagKey, String>,
}

impl UserDraft {
    pub fn validate_new(&self) -> Result<NewUser, Vec<FieldError>> {
        let mut errors = Errors::default();
        let email = errors.check(Field::Email, Email::parse(&self.email));
        let password = errors.check(
            Field::Password,
            Password::parse(self.password.as_ref().map_or("", PasswordInput::as_str)),
        );
        let profile = self.profile(&mut errors);
        errors.finish(|| NewUser {
            email: email.unwrap(),
            password: password.unwrap(),
            profile: profile.unwrap(),
        })
    }

    pub fn validate_changes(&self) -> Result<UserChanges, Vec<FieldError>> {
        let mut errors = Errors::default();
        let email = errors.check(Field::Email, Email::parse(&self.email));
        let password = match &self.password {
            Some(p) => errors
                .check(Field::Password, Password::parse(p.as_str()))
                .map(Some),
            None => Some(None),
        };
        let profile = self.profile(&mut errors);
        errors.finish(|| UserChanges {
            email: email.unwrap(),
            password: password.unwrap(),
            profile: profile.unwrap(),
        })
    }

    /// The group names that pass their rules, trimmed, without duplicates: what a
    /// draft with other problems is still checked against the database with.
    pub fn valid_group_names(&self) -> Vec<String> {
        let mut groups = Vec::new();
        for name in self.groups.iter().filter_map(|g| required_text(g).ok()) {
            if !groups.contains(&name) {
                groups.push(name);
            }
        }
        groups
    }

    fn profile(&self, errors: &mut Errors) -> Option<Profile> {
        let first_name = errors.check(Field::FirstName, optional_text(&self.first_name));
        let last_name = errors.check(Field::LastName, optional_text(&self.last_name));
        let mut groups = Vec::new();
        for name in &self.groups {
            if let Some(name) = errors.check(Field::Groups, required_text(name))
                && !groups.contains(&name)
            {
                groups.push(name);
            }
        }
        let mut tags = BTreeMap::new();
        let mut seen = HashSet::new();
        for (row, (key, value)) in self.tags.iter().enumerate() {
            let key = errors.check(Field::TagKey(row), TagKey::parse(key));
            let value = errors.check(Field::TagValue(row), tag_value(value));
            if let Some(key) = key {
                if !seen.insert(key.clone()) {
                    errors.push(
                        Field::TagKey(row),
                        format!("key '{}' is already used on this user", key.as_str()),
                    );
                } else if let Some(value) = value {
                    tags.insert(key, value);
                }
            }
        }
        Some(Profile {
            first_name: first_name?,
            last_name: last_name?,
            groups,
            tags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> UserDraft {
        UserDraft {
            email: " ann@acme.io ".into(),
            password: Some("long enough".into()),
            first_name: "Ann".into(),
            last_name: "".into(),
            groups: vec!["ops".into(), "ops".into()],
            tags: vec![("phone".into(), "+1 555".into())],
        }
    }

    #[test]
    fn valid_draft_becomes_new_user() {
        let user = draft().validate_new().unwrap();
        assert_eq!(user.email.as_str(), "ann@acme.io");
        assert_eq!(user.profile.first_name.as_deref(), Some("Ann"));
        assert_eq!(user.profile.last_name, None, "a first name without a last");
        assert_eq!(user.profile.groups, vec!["ops".to_string()]);
        assert_eq!(user.profile.tags.len(), 1);
    }

    #[test]
    fn reports_every_error_at_once_naming_fields() {
        let bad = UserDraft {
            email: "nope".into(),
            password: Some("short".into()),
            first_name: "x".repeat(256),
            last_name: "".into(),
            groups: vec![],
            tags: vec![
                ("bad key".into(), "v".into()),
                ("k".into(), "1".into()),
                ("k".into(), "2".into()),
            ],
        };
        let errors = bad.validate_new().unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                Field::Email,
                Field::Password,
                Field::FirstName,
                Field::TagKey(0),
                Field::TagKey(2)
            ]
        );
        assert!(errors[4].message.contains("already used"));
    }

    #[test]
    fn password_required_on_create_only() {
        let mut d = draft();
        d.password = None;
        let err = d.validate_new().unwrap_err();
        assert_eq!(err, vec![FieldError::new(Field::Password, "is required")]);
        let changes = d.validate_changes().unwrap();
        assert_eq!(changes.password, None);
        d.password = Some("1234567".into());
        assert_eq!(d.validate_changes().unwrap_err()[0].field, Field::Password);
    }
}
