//! Names sort in the reader's alphabet: `Émile` with E, `Łukasz` with L, any case.

/// Sorts after every folded name, so that users without the name come last.
const NO_NAME: &str = "\u{10ffff}";

/// The key a first or last name sorts by: each letter transliterated to its plain
/// Latin form (`deunicode`; a character it does not know stays itself) and lower-cased.
/// Stored beside the name and indexed, so that sorting is an index walk.
pub fn name_sort_key(name: &str) -> String {
    if name.is_empty() {
        return NO_NAME.to_string();
    }
    let mut key = String::with_capacity(name.len());
    for c in name.chars() {
        match deunicode::deunicode_char(c) {
            Some(plain) => key.push_str(plain),
            None => key.push(c),
        }
    }
    key.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accented_letters_sort_with_their_base_letter() {
        let mut names = [
            "Yilmaz", "Émile", "zoë", "Eitan", "Łukasz", "fatima", "Müller",
        ];
        names.sort_by_key(|n| name_sort_key(n));
        assert_eq!(
            names,
            [
                "Eitan", "Émile", "fatima", "Łukasz", "Müller", "Yilmaz", "zoë"
            ]
        );
    }

    #[test]
    fn an_absent_name_sorts_after_every_name() {
        for name in ["Zoë", "日本", "\u{10fffe}", "ﬀ"] {
            assert!(name_sort_key("") > name_sort_key(name), "{name}");
        }
    }
}
