use std::fmt;

const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_CHARS: usize = 1024;

/// A plaintext password that meets the length rule. Never trimmed or truncated, never
/// printed (`Debug` hides it), and wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct Password(String);

impl Password {
    pub fn parse(input: &str) -> Result<Password, String> {
        let chars = input.chars().count();
        if chars == 0 {
            return Err("is required".into());
        }
        if chars < MIN_PASSWORD_CHARS {
            return Err(format!(
                "must be at least {MIN_PASSWORD_CHARS} characters (has {chars})"
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
        }
        Ok(Password(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Password text as typed or read, before it is checked: never printed, and wiped from
/// memory when dropped, like [`Password`].
#[derive(Clone, Default, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct PasswordInput(String);

impl PasswordInput {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for PasswordInput {
    /// Takes the string's buffer itself, so no unwiped copy is left behind.
    fn from(text: String) -> PasswordInput {
        PasswordInput(text)
    }
}

impl From<&str> for PasswordInput {
    fn from(text: &str) -> PasswordInput {
        PasswordInput(text.to_string())
    }
}

impl fmt::Debug for PasswordInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordInput(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_text() {
        let typed = PasswordInput::from("hunter2hunter2");
        assert_eq!(format!("{typed:?}"), "PasswordInput(***)");
        let parsed = Password::parse(typed.as_str()).unwrap();
        assert_eq!(format!("{parsed:?}"), "Password(***)");
    }

    #[test]
    fn counts_code_points_not_bytes() {
        assert_eq!("pässwör".len(), 9);
        assert!(Password::parse("pässwör").is_err(), "7 code points");
        assert!(Password::parse("pässwörd").is_ok(), "8 code points");
    }

    #[test]
    fn upper_bound_is_1024() {
        assert!(Password::parse(&"x".repeat(1024)).is_ok());
        assert!(
            Password::parse(&"x".repeat(1025))
                .unwrap_err()
                .contains("at most 1024")
        );
    }

    #[test]
    fn keeps_spaces_and_is_not_printed() {
        let p = Password::parse("  secret  ").unwrap();
        assert_eq!(p.expose(), "  secret  ");
        assert!(!format!("{p:?}").contains("secret"));
        assert_eq!(Password::parse("").unwrap_err(), "is required");
    }
}
