//! How a text field shows its value in the columns it has.

use tui_input::Input;
use unicode_width::UnicodeWidthChar;

use crate::inert::inert_char;

/// The part of an input that fits `width` columns, padded to exactly `width` columns
/// (wide characters count twice), and the cursor's column within it. While `editing`,
/// the text scrolls to keep the cursor in view; otherwise it shows from its start.
/// Either way `…` stands for what is cut, so a cut value never reads as another.
/// Text is shown inert; passwords show one `•` per character.
pub fn visible_text(input: &Input, width: usize, masked: bool, editing: bool) -> (String, u16) {
    let glyph = |c| if masked { Some('•') } else { inert_char(c) };
    let columns = |c: &char| c.width().unwrap_or(0);
    let glyphs: Vec<char> = input.value().chars().filter_map(glyph).collect();
    let cursor_column: usize = (input.value().chars().take(input.cursor()))
        .filter_map(glyph)
        .map(|c| columns(&c))
        .sum();
    // Scrolled so that the cursor sits in the last column, after a leading `…`.
    let skip = if editing && cursor_column >= width {
        cursor_column + 2 - width
    } else {
        0
    };
    let (mut skipped, mut first) = (0, 0);
    while skipped < skip && first < glyphs.len() {
        skipped += columns(&glyphs[first]);
        first += 1;
    }
    let rest = &glyphs[first..];
    let lead = usize::from(skipped > 0);
    let budget = width.saturating_sub(lead);
    let trail = rest.iter().map(columns).sum::<usize>() > budget;
    let budget = budget.saturating_sub(usize::from(trail));
    let mut shown = String::from(if lead > 0 { "…" } else { "" });
    let mut used = 0;
    for c in rest {
        let w = columns(c);
        if used + w > budget {
            break;
        }
        shown.push(*c);
        used += w;
    }
    if trail {
        shown.push('…');
    }
    let used = lead + used + usize::from(trail);
    shown.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    (shown, (cursor_column + lead).saturating_sub(skipped) as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, cursor: usize) -> Input {
        Input::new(text.into()).with_cursor(cursor)
    }

    #[test]
    fn a_cut_value_is_marked_where_it_is_cut() {
        let shown = |input: &Input, editing| visible_text(input, 8, false, editing);
        let long = at("abcdefghij", 10);
        assert_eq!(shown(&long, false).0, "abcdefg…");
        // Editing at the end: scrolled, the cursor in the last column.
        assert_eq!(shown(&long, true), ("…efghij ".into(), 7));
        // Editing in the middle: cut at both ends.
        assert_eq!(
            shown(&at("abcdefghijklmn", 9), true),
            ("…defghi…".into(), 7)
        );
        assert_eq!(shown(&at("abc", 3), true), ("abc     ".into(), 3));
        assert_eq!(shown(&at("abcdefgh", 8), false).0, "abcdefgh");
        // Wide characters count twice and are never split.
        assert_eq!(shown(&at("日本語のテキスト", 0), false).0, "日本語… ");
        assert_eq!(
            visible_text(&at("secret-pass", 11), 6, true, false).0,
            "•••••…"
        );
    }
}
