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

/// `text` as it fits in `width` columns, cut in its middle: its start and its end
/// stay (an email keeps its domain), with `…` where the middle was.
pub fn fit_middle(text: &str, width: usize) -> Cow<'_, str> {
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    let room = width.saturating_sub(1);
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > room / 2 {
            break;
        }
        used += w;
        tail.push(c);
    }
    let head = fit(text, width - used);
    let head = head.strip_suffix('…').unwrap_or(&head);
    Cow::Owned(format!("{head}…{}", tail.iter().rev().collect::<String>()))
}

/// An email as it fits in `width` columns: whole when it fits; else its local part is
/// cut (with `…`) and its domain kept whole, so the cut can never read like an address
/// at another domain; when not even the domain fits, cut at its end like [`fit`].
/// Text without `@` is cut like [`fit`].
pub fn fit_email(text: &str, width: usize) -> Cow<'_, str> {
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    match text.rfind('@') {
        Some(at) if text[at..].width() + 2 <= width => {
            let domain = &text[at..];
            let local = fit(&text[..at], width - domain.width());
            Cow::Owned(format!("{local}{domain}"))
        }
        _ => fit(text, width),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_keeps_its_whole_domain_or_is_cut_at_its_end() {
        let email = "someone.with.a.long.address@example-company.com";
        assert_eq!(fit_email(email, 30), "someone.w…@example-company.com");
        assert_eq!(fit_email(email, 30).width(), 30);
        // The domain and one letter with the ellipsis is the least that keeps the domain.
        assert_eq!(
            fit_email(email, 22),
            "…@example-company.com".replacen('…', "s…", 1)
        );
        assert_eq!(fit_email(email, 20), "someone.with.a.long…");
        assert_eq!(fit_email(email, 12), "someone.wit…");
        assert!(matches!(fit_email("bob@acme.io", 11), Cow::Borrowed(_)));
        assert_eq!(fit_email("Sales EMEA and Partners", 10), "Sales EME…");
        assert_eq!(fit_email("日本語@日本.jp", 12), "日…@日本.jp");
    }

    #[test]
    fn a_middle_cut_keeps_both_ends_within_the_width() {
        let email = "a-very-long-local-part-for-testing@departments.example.co.uk";
        let cut = fit_middle(email, 30);
        assert_eq!(cut.width(), 30);
        assert!(cut.starts_with("a-very-long-loc"), "{cut}");
        assert!(cut.ends_with("example.co.uk"), "{cut}");
        assert!(cut.contains('…'), "{cut}");
        assert!(matches!(fit_middle("bob@acme.io", 11), Cow::Borrowed(_)));
        assert_eq!(fit_middle("日本語日本語", 7).width(), 7);
    }

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
