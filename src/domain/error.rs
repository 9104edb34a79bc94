use std::fmt;

/// The form field (or part of it) that a validation error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Email,
    Password,
    FirstName,
    LastName,
    Groups,
    /// The key of the tag on this row of the draft (0-based).
    TagKey(usize),
    /// The value of the tag on this row of the draft (0-based).
    TagValue(usize),
    GroupName,
    GroupParent,
    DeviceName,
    /// Not one field: the whole record (e.g. the application's user limit).
    Record,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Email => f.write_str("email"),
            Field::Password => f.write_str("password"),
            Field::FirstName => f.write_str("first name"),
            Field::LastName => f.write_str("last name"),
            Field::Groups => f.write_str("groups"),
            Field::TagKey(row) => write!(f, "tag {} key", row + 1),
            Field::TagValue(row) => write!(f, "tag {} value", row + 1),
            Field::GroupName => f.write_str("group name"),
            Field::GroupParent => f.write_str("parent group"),
            Field::DeviceName => f.write_str("device name"),
            Field::Record => f.write_str("user"),
        }
    }
}

/// One validation problem, naming the field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Collects the errors of several fields so that all of them are reported at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// Keeps the value when valid, records the error (tagged with `field`) otherwise.
    pub fn check<T>(&mut self, field: Field, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    pub fn push(&mut self, field: Field, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// `Ok(value)` when no error was recorded; the value is only built then.
    pub fn finish<T>(self, build: impl FnOnce() -> T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(build())
        } else {
            Err(self.0)
        }
    }
}
