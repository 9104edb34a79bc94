//! The tag editor: rows of key = value, with fuzzy suggestions for the key being typed.

use std::collections::HashMap;

use tui_input::Input;

use crate::domain::{KeySuggestion, TagKey, holds_in_order, rank_tag_keys};

/// How many suggestions the popup shows.
pub const SUGGESTIONS: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagColumn {
    Key,
    Value,
}

#[derive(Debug, Clone, Default)]
pub struct TagRow {
    pub key: Input,
    pub value: Input,
}

impl TagRow {
    pub fn new(key: &str, value: &str) -> TagRow {
        TagRow {
            key: Input::new(key.into()),
            value: Input::new(value.into()),
        }
    }

    pub fn is_blank(&self) -> bool {
        self.key.value().is_empty() && self.value.value().is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct TagEditor {
    pub rows: Vec<TagRow>,
    pub row: usize,
    pub column: TagColumn,
    /// Keys used on other users with their user counts, loaded once when the form opens.
    pub known_keys: Vec<(String, u64)>,
    /// Indices of the known keys that could match what is typed, and what that was:
    /// typing on only narrows them, so each keystroke looks at fewer keys.
    pool: Vec<usize>,
    pool_for: String,
    pub suggestions: Vec<KeySuggestion>,
    /// Which suggestion is highlighted (`Tab` takes it).
    pub chosen: usize,
    /// Whether `↑↓` moved the highlight since the suggestions last changed: only then
    /// does `Enter` take it, so what was typed is kept unless chosen otherwise.
    pub picked: bool,
}

impl TagEditor {
    pub fn new(tags: &[(String, String)], known_keys: Vec<(String, u64)>) -> TagEditor {
        let mut rows: Vec<TagRow> = tags.iter().map(|(k, v)| TagRow::new(k, v)).collect();
        if rows.is_empty() {
            rows.push(TagRow::default());
        }
        TagEditor {
            rows,
            row: 0,
            column: TagColumn::Key,
            known_keys,
            pool: Vec::new(),
            pool_for: String::new(),
            suggestions: Vec::new(),
            chosen: 0,
            picked: false,
        }
    }

    pub fn current(&mut self) -> &mut Input {
        let row = &mut self.rows[self.row];
        match self.column {
            TagColumn::Key => &mut row.key,
            TagColumn::Value => &mut row.value,
        }
    }

    /// Re-ranks suggestions for the key under the cursor (called as it is typed).
    pub fn suggest(&mut self) {
        self.chosen = 0;
        self.picked = false;
        self.suggestions = match self.column {
            TagColumn::Key => {
                let typed = self.rows[self.row].key.value().to_string();
                if typed.is_empty() {
                    Vec::new()
                } else {
                    self.narrow_pool(&typed);
                    let keys = self.pool.iter().map(|&i| &self.known_keys[i]);
                    rank_tag_keys(keys, &typed, SUGGESTIONS)
                }
            }
            TagColumn::Value => Vec::new(),
        };
    }

    fn narrow_pool(&mut self, typed: &str) {
        let extends = !self.pool_for.is_empty() && typed.starts_with(&self.pool_for);
        let keys = &self.known_keys;
        self.pool = if extends {
            self.pool
                .iter()
                .copied()
                .filter(|&i| holds_in_order(&keys[i].0, typed))
                .collect()
        } else {
            (0..keys.len())
                .filter(|&i| holds_in_order(&keys[i].0, typed))
                .collect()
        };
        self.pool_for = typed.to_string();
    }

    pub fn dismiss(&mut self) {
        self.suggestions.clear();
    }

    /// Puts the chosen suggestion in the key and moves on to the value.
    pub fn accept(&mut self) -> bool {
        let Some(s) = self.suggestions.get(self.chosen) else {
            return false;
        };
        self.rows[self.row].key = Input::new(s.key.clone());
        self.column = TagColumn::Value;
        self.dismiss();
        true
    }

    pub fn choose(&mut self, delta: isize) {
        let n = self.suggestions.len() as isize;
        if n > 0 {
            self.chosen = (self.chosen as isize + delta).rem_euclid(n) as usize;
            self.picked = true;
        }
    }

    /// `Enter`: takes the suggestion picked with `↑↓`, else keeps the typed key; then
    /// moves on.
    pub fn enter(&mut self) {
        if !(self.picked && self.accept()) {
            self.advance();
        }
    }

    pub fn move_row(&mut self, delta: isize) {
        self.dismiss();
        self.row = (self.row as isize + delta).clamp(0, self.rows.len() as isize - 1) as usize;
    }

    pub fn add_row(&mut self) {
        self.dismiss();
        self.rows.push(TagRow::default());
        self.row = self.rows.len() - 1;
        self.column = TagColumn::Key;
    }

    pub fn remove_row(&mut self) {
        self.dismiss();
        self.rows.remove(self.row);
        if self.rows.is_empty() {
            self.rows.push(TagRow::default());
        }
        self.row = self.row.min(self.rows.len() - 1);
    }

    /// Key → value → the next row (a new one after the last).
    pub fn advance(&mut self) {
        self.dismiss();
        match self.column {
            TagColumn::Key => self.column = TagColumn::Value,
            TagColumn::Value if self.row + 1 < self.rows.len() => {
                self.row += 1;
                self.column = TagColumn::Key;
            }
            TagColumn::Value => self.add_row(),
        }
    }

    /// Rows that hold something, with their row numbers.
    pub fn filled(&self) -> Vec<(usize, (String, String))> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_blank())
            .map(|(i, r)| (i, (r.key.value().to_string(), r.value.value().to_string())))
            .collect()
    }

    /// Live problems of each row's key: breaks the key rule, or repeats an earlier key.
    pub fn key_problems(&self) -> HashMap<usize, String> {
        let mut problems = HashMap::new();
        let mut seen = HashMap::new();
        for (i, (key, _)) in self.filled() {
            if let Err(e) = TagKey::parse(&key) {
                problems.insert(i, e);
            } else if let Some(first) = seen.insert(key.clone(), i) {
                problems.insert(i, format!("'{key}' is already on row {}", first + 1));
                seen.insert(key, first);
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<(String, u64)> {
        vec![
            ("phone".into(), 40),
            ("plan".into(), 20),
            ("stripe_id".into(), 9),
        ]
    }

    fn typed(editor: &mut TagEditor, text: &str) {
        for c in text.chars() {
            editor
                .current()
                .handle(tui_input::InputRequest::InsertChar(c));
        }
        editor.suggest();
    }

    #[test]
    fn suggestions_follow_the_typed_key_and_accept_fills_it() {
        let mut e = TagEditor::new(&[], known());
        typed(&mut e, "pn");
        let keys: Vec<&str> = e.suggestions.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["phone", "plan"]);
        // Deleting widens the suggestions again.
        e.current().handle(tui_input::InputRequest::DeletePrevChar);
        e.suggest();
        let keys: Vec<&str> = e.suggestions.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys.len(), 3, "{keys:?}");
        typed(&mut e, "n");
        e.choose(1);
        assert!(e.accept());
        assert_eq!(e.rows[0].key.value(), "plan");
        assert_eq!(e.column, TagColumn::Value);
        assert!(e.suggestions.is_empty());
        typed(&mut e, "pro");
        assert!(e.suggestions.is_empty(), "no suggestions for values");
    }

    #[test]
    fn enter_keeps_the_typed_key_unless_one_was_picked() {
        let mut e = TagEditor::new(&[], known());
        typed(&mut e, "st");
        assert_eq!(e.suggestions[0].key, "stripe_id");
        e.enter();
        assert_eq!(e.rows[0].key.value(), "st");
        assert_eq!(e.column, TagColumn::Value);
        assert!(e.suggestions.is_empty());

        e.add_row();
        typed(&mut e, "p");
        e.choose(1);
        let picked = e.suggestions[1].key.clone();
        e.enter();
        assert_eq!(e.rows[1].key.value(), picked);
        assert_eq!(e.column, TagColumn::Value);

        // Typing after picking ranks afresh: the pick is forgotten.
        e.add_row();
        typed(&mut e, "p");
        e.choose(1);
        typed(&mut e, "h");
        e.enter();
        assert_eq!(e.rows[2].key.value(), "ph");
    }

    #[test]
    fn flags_bad_and_repeated_keys_by_row() {
        let e = TagEditor::new(
            &[
                ("plan".into(), "a".into()),
                ("bad key".into(), "b".into()),
                ("plan".into(), "c".into()),
                (String::new(), String::new()),
            ],
            vec![],
        );
        let p = e.key_problems();
        assert_eq!(p.len(), 2);
        assert!(p[&1].contains("A-Z"));
        assert_eq!(p[&2], "'plan' is already on row 1");
        assert_eq!(e.filled().len(), 3, "the blank row is ignored");
    }

    #[test]
    fn rows_are_added_advanced_into_and_removed() {
        let mut e = TagEditor::new(&[("a".into(), "1".into())], vec![]);
        e.advance();
        assert_eq!(e.column, TagColumn::Value);
        e.advance();
        assert_eq!((e.rows.len(), e.row, e.column), (2, 1, TagColumn::Key));
        e.remove_row();
        e.remove_row();
        assert_eq!(e.rows.len(), 1);
        assert!(e.rows[0].is_blank());
    }
}
