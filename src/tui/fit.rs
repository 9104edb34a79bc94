//! Cutting text to a number of screen columns, so that a cut never reads like
//! another value: whatever is cut ends with `…`.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` as it fits in `width` columns: whole when it fits, else as much as fits
/// before a `…` (a wide character that would straddle the edge is left out too).
pub fn fit(text: &str, width: usize) -> Cow<'_, str> {
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_fits_is_untouched() {
        assert!(matches!(
            fit("bob@acme.io", 11),
            Cow::Borrowed("bob@acme.io")
        ));
    }

    #[test]
    fn a_cut_ends_with_an_ellipsis_within_the_width() {
        assert_eq!(fit("bob.novak@partner.co.uk", 22), "bob.novak@partner.co.…");
        assert_eq!(fit("abc", 1), "…");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn wide_characters_never_straddle_the_edge() {
        // 日本語 is six columns: in four, one character and the ellipsis (three columns).
        assert_eq!(fit("日本語", 4), "日…");
        assert!(fit("日本語", 4).width() <= 4);
    }
}
