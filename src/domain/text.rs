//! Rules for the free-text fields (names, tag values, group names): a length, and no
//! control characters (an ESC in a name could drive an administrator's terminal).

pub const MAX_TEXT_CHARS: usize = 255;

/// Optional free text such as a first name: trimmed, empty means absent.
pub fn optional_text(input: &str) -> Result<Option<String>, String> {
    let text = input.trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("must be at most {MAX_TEXT_CHARS} characters"));
    }
    no_controls(text)?;
    Ok((!text.is_empty()).then(|| text.to_string()))
}

/// Refuses C0 and C1 control characters (ESC, newline, tab, DEL, CSI …), naming the first.
pub fn no_controls(text: &str) -> Result<(), String> {
    match text.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!(
            "may not contain control characters (found U+{:04X})",
            c as u32
        )),
        None => Ok(()),
    }
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
    fn control_characters_are_refused_by_name() {
        for bad in [
            "Eve\u{1b}[2J",
            "two\nlines",
            "tab\there",
            "del\u{7f}",
            "csi\u{9b}31m",
        ] {
            let err = optional_text(bad).unwrap_err();
            assert!(
                err.starts_with("may not contain control characters (found U+"),
                "{bad:?}: {err}"
            );
        }
        assert_eq!(
            optional_text("a\u{1b}b").unwrap_err(),
            "may not contain control characters (found U+001B)"
        );
        assert!(optional_text("Zoë 日本 O'Brien-Smith").is_ok());
    }

    #[test]
    fn required_text_needs_something() {
        assert_eq!(required_text(" ").unwrap_err(), "is required");
        assert_eq!(required_text(" Ops ").unwrap(), "Ops");
    }
}
