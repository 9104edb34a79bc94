//! Text from the database is untrusted on a terminal: this makes it inert.

use std::borrow::Cow;

/// Control characters become visible symbols (ESC shows as `␛`), bidirectional
/// overrides and isolates, C1 controls and line/paragraph separators become `�`, and
/// zero-width characters (with the invisible direction marks) are dropped, so that no
/// stored text can move the cursor, recolour the screen, break or reorder a line.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_care) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter_map(inert_char).collect())
}

/// One character as [`inert`] shows it; `None` when it is dropped.
pub fn inert_char(c: char) -> Option<char> {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32),
        '\u{7f}' => Some('\u{2421}'),
        '\u{80}'..='\u{9f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => Some('\u{fffd}'),
        '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' => None,
        c => Some(c),
    }
}

fn needs_care(c: char) -> bool {
    inert_char(c) != Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_untouched_and_borrowed() {
        assert!(matches!(inert("Zoë 日本 O'Brien"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_and_controls_become_visible() {
        assert_eq!(inert("a\u{1b}[31mb"), "a\u{241b}[31mb");
        assert_eq!(
            inert("line\nnext\ttab\r"),
            "line\u{240a}next\u{2409}tab\u{240d}"
        );
        assert_eq!(inert("x\u{9b}31m"), "x\u{fffd}31m");
        assert_eq!(inert("del\u{7f}"), "del\u{2421}");
    }

    #[test]
    fn bidi_overrides_neutralised_and_zero_width_dropped() {
        assert_eq!(inert("user\u{202e}gpj.exe"), "user\u{fffd}gpj.exe");
        assert_eq!(inert("a\u{200b}d\u{2066}m\u{feff}in"), "ad\u{fffd}min");
        assert_eq!(inert("a\u{61c}b\u{2028}c\u{2029}"), "ab\u{fffd}c\u{fffd}");
    }
}
