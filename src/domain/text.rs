//! Length rules for the free-text fields (names, tag values, group names).

pub const MAX_TEXT_CHARS: usize = 255;

/// Optional free text such as a first name: trimmed, empty means absent.
pub fn optional_text(input: &str) -> Result<Option<String>, String> {
    let text = input.trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("must be at most {MAX_TEXT_CHARS} characters"));
    }
    Ok((!text.is_empty()).then(|| text.to_string()))
}

/// Required free text such as a group name: trimmed, 1–255 characters.
pub fn required_text(input: &str) -> Result<String, String> {
    optional_text(input)?.ok_or_else(|| "is required".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_text_trims_and_bounds() {
        assert_eq!(optional_text("  Ann ").unwrap().as_deref(), Some("Ann"));
        assert_eq!(optional_text("   ").unwrap(), None);
        assert!(optional_text(&"é".repeat(255)).is_ok());
        assert!(optional_text(&"é".repeat(256)).is_err());
    }

    #[test]
    fn required_text_needs_something() {
        assert_eq!(required_text(" ").unwrap_err(), "is required");
        assert_eq!(required_text(" Ops ").unwrap(), "Ops");
    }
}
