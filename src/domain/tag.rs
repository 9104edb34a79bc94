use super::text::{MAX_TEXT_CHARS, no_controls};

/// A tag key: 1–255 of `A-Z a-z 0-9 - _`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TagKey(String);

impl TagKey {
    pub fn parse(input: &str) -> Result<TagKey, String> {
        if input.is_empty() {
            return Err("key is required".into());
        }
        if input.len() > MAX_TEXT_CHARS {
            return Err(format!("key must be at most {MAX_TEXT_CHARS} characters"));
        }
        if let Some(bad) = input.chars().find(|c| !is_key_char(*c)) {
            return Err(format!("key may only hold A-Z a-z 0-9 - _ (found {bad:?})"));
        }
        Ok(TagKey(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A tag value: any text up to 255 characters, kept as typed.
pub fn tag_value(input: &str) -> Result<String, String> {
    if input.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("value must be at most {MAX_TEXT_CHARS} characters"));
    }
    no_controls(input).map_err(|m| format!("value {m}"))?;
    Ok(input.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_allowed_characters() {
        for ok in ["a", "phone", "stripe_id", "x-ref-2", "A_b-C9"] {
            assert!(TagKey::parse(ok).is_ok(), "{ok}");
        }
        assert!(TagKey::parse(&"k".repeat(255)).is_ok());
    }

    #[test]
    fn rejects_bad_keys() {
        for bad in [
            "",
            "two words",
            "dotted.key",
            "clé",
            "日本",
            "tab\t",
            &"k".repeat(256),
        ] {
            assert!(TagKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn values_are_any_text_up_to_255() {
        assert_eq!(tag_value(" +1 555 ").unwrap(), " +1 555 ");
        assert!(tag_value("").is_ok());
        assert!(tag_value(&"日".repeat(255)).is_ok());
        assert!(tag_value(&"日".repeat(256)).is_err());
        assert!(
            tag_value("id\u{1b}]0;x\u{7}")
                .unwrap_err()
                .contains("control characters")
        );
    }
}
