//! Cells a spreadsheet would run as formulas (the OWASP "CSV injection" rule): on
//! export a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
//! leading `'`, which spreadsheets take as "this is text". So that import can strip
//! exactly one `'` and give back the original value, a cell that itself begins with
//! `'` gets one more.

/// The cell to write for `value`.
pub fn escape(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{value}"),
        _ => value.to_string(),
    }
}

/// The value a written cell holds: [`escape`] undone.
pub fn unescape(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_quoted_and_come_back_exactly() {
        for (value, cell) in [
            (
                r#"=HYPERLINK("http://evil.example","click")"#,
                r#"'=HYPERLINK("http://evil.example","click")"#,
            ),
            ("+1 555 0100", "'+1 555 0100"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'quoted", "''quoted"),
            ("''", "'''"),
            ("'", "''"),
        ] {
            assert_eq!(escape(value), cell, "{value:?}");
            assert_eq!(unescape(cell), value, "{cell:?}");
        }
    }

    #[test]
    fn other_cells_are_written_and_read_as_they_are() {
        for value in [
            "",
            "ann@acme.io",
            "Ann",
            "a=b",
            " =1",
            "[\"Sales\"]",
            "{}",
            "1-2",
        ] {
            assert_eq!(escape(value), value);
            assert_eq!(unescape(value), value);
        }
    }
}
