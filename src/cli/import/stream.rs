//! Reading a file one user at a time, so that memory stays flat whatever its size:
//! a JSON array (at the top, or under a key of the top object) walked element by
//! element with a serde visitor over a buffered reader, or NDJSON value by value.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::super::Failure;

/// Opens a file to read, checked to be UTF-8 throughout first (a cheap pass that
/// names the line of the first bad byte).
pub fn open(path: &Path) -> Result<BufReader<File>, Failure> {
    let cannot =
        |e: std::io::Error| Failure::runtime(format!("cannot read {}: {e}", path.display()));
    let mut file = File::open(path).map_err(cannot)?;
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut lines = 1;
    loop {
        let n = file.read(&mut chunk).map_err(cannot)?;
        pending.extend_from_slice(&chunk[..n]);
        let (valid, bad) = match std::str::from_utf8(&pending) {
            Ok(_) => (pending.len(), false),
            // A character cut by the chunk's end is finished by the next one.
            Err(e) => (e.valid_up_to(), e.error_len().is_some() || n == 0),
        };
        lines += pending[..valid].iter().filter(|b| **b == b'\n').count();
        if bad {
            return Err(Failure::usage(format!(
                "{} is not UTF-8 text (line {lines}); save it as UTF-8",
                path.display()
            )));
        }
        pending.drain(..valid);
        if n == 0 {
            break;
        }
    }
    Ok(BufReader::new(File::open(path).map_err(cannot)?))
}

/// What a JSON file holds, handed over as it is read.
pub trait JsonSink {
    /// A user: the `position`-th element (from 1) of the users' array.
    fn user(&mut self, position: usize, value: Value);
    /// A top-level field other than the users' array that the reader asked for.
    /// An error stops the reading and is the import's failure.
    fn field(&mut self, _key: &str, _value: Value) -> Result<(), Failure> {
        Ok(())
    }
    /// Whether a top-level object without the users' array is no error (the realm
    /// file beside the users' files of a Keycloak folder).
    fn users_optional(&self) -> bool {
        false
    }
}

/// Walks a top-level array, or the array under `users_key` of a top-level object
/// (handing the top-level `fields` to [`JsonSink::field`]). `shape` describes what
/// is expected, for the message when the file is something else.
pub fn json_users(
    reader: impl Read,
    users_key: &str,
    fields: &[&str],
    shape: &str,
    sink: &mut dyn JsonSink,
) -> Result<(), Failure> {
    let mut failure = None;
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let optional = sink.users_optional();
    let top = Top {
        users_key,
        fields,
        shape,
        sink,
        failure: &mut failure,
    };
    let read = top.deserialize(&mut deserializer).and_then(|found| {
        deserializer.end()?;
        Ok(found)
    });
    if let Some(failure) = failure {
        return Err(failure);
    }
    match read {
        Ok(found) if found || optional => Ok(()),
        Ok(_) => Err(Failure::usage(shape)),
        Err(e) if e.is_data() => Err(Failure::usage(format!("{shape} ({e})"))),
        Err(e) => Err(Failure::usage(format!("not JSON: {e}"))),
    }
}

/// Newline-delimited JSON: one user per value.
pub fn ndjson_users(reader: impl Read, sink: &mut dyn JsonSink) -> Result<(), Failure> {
    let values = serde_json::Deserializer::from_reader(reader).into_iter::<Value>();
    for (i, value) in values.enumerate() {
        let value = value.map_err(|e| Failure::usage(format!("not JSON: {e}")))?;
        sink.user(i + 1, value);
    }
    Ok(())
}

/// How a JSON value that should be a user is described when it is not an object.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Top<'a> {
    users_key: &'a str,
    fields: &'a [&'a str],
    shape: &'a str,
    sink: &'a mut dyn JsonSink,
    failure: &'a mut Option<Failure>,
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    /// Whether the users' array was found.
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.shape)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        Users(self.sink).visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.users_key {
                found = map.next_value_seed(Users(&mut *self.sink))?;
            } else if self.fields.contains(&key.as_str()) {
                let value: Value = map.next_value()?;
                if let Err(failure) = self.sink.field(&key, value) {
                    *self.failure = Some(failure);
                    return Err(A::Error::custom("stopped"));
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// The users' array, element by element.
struct Users<'a>(&'a mut dyn JsonSink);

impl<'de> DeserializeSeed<'de> for Users<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Users<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of users")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut position = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            position += 1;
            self.0.user(position, value);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<(usize, Value)>, Vec<String>);

    impl JsonSink for Collect {
        fn user(&mut self, position: usize, value: Value) {
            self.0.push((position, value));
        }
        fn field(&mut self, key: &str, _value: Value) -> Result<(), Failure> {
            self.1.push(key.to_string());
            Ok(())
        }
    }

    fn read(text: &str) -> Result<Collect, Failure> {
        let mut sink = Collect::default();
        json_users(text.as_bytes(), "users", &["version"], "SHAPE", &mut sink)?;
        Ok(sink)
    }

    #[test]
    fn arrays_and_documents_hand_over_each_user_in_order() {
        let array = read(r#"[{"a": 1}, 2]"#).unwrap();
        assert_eq!(
            array.0,
            [(1, serde_json::json!({"a": 1})), (2, serde_json::json!(2))]
        );
        let doc = read(r#"{"big": [[1], {"x": 2}], "users": [{"b": 2}], "version": 1}"#).unwrap();
        assert_eq!(doc.0, [(1, serde_json::json!({"b": 2}))]);
        assert_eq!(doc.1, ["version"], "only the fields asked for");
    }

    #[test]
    fn other_shapes_and_broken_json_are_refused() {
        let message = |text: &str| read(text).err().unwrap().lines.join("");
        assert_eq!(message(r#"{"people": []}"#), "SHAPE");
        assert!(message(r#""users""#).starts_with("SHAPE (invalid type"));
        assert!(message(r#"{"users": 3}"#).contains("an array of users"));
        assert!(message("[{} {}]").starts_with("not JSON"));
        assert!(message("[] []").starts_with("not JSON"));
    }

    #[test]
    fn utf8_is_checked_across_chunk_ends_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("users.json");
        // "é" is cut in two by the first 64 KiB chunk's end.
        let mut text = format!("{}\n", "a".repeat((1 << 16) - 2)).into_bytes();
        text.extend("é\nb\n".as_bytes());
        std::fs::write(&file, &text).unwrap();
        assert!(open(&file).is_ok());
        text.extend(b"\xe9\n");
        std::fs::write(&file, &text).unwrap();
        let refused = open(&file).err().unwrap().lines.join("");
        assert!(
            refused.ends_with("is not UTF-8 text (line 4); save it as UTF-8"),
            "{refused}"
        );
        // A file that ends in the middle of a character.
        std::fs::write(&file, &text[..(1 << 16)]).unwrap();
        assert!(open(&file).is_err());
    }

    #[test]
    fn ndjson_is_one_user_per_value() {
        let mut sink = Collect::default();
        ndjson_users("{\"a\":1}\n{\"b\":2}\n".as_bytes(), &mut sink).unwrap();
        assert_eq!(sink.0.len(), 2);
        assert_eq!(sink.0[1], (2, serde_json::json!({"b": 2})));
        assert!(ndjson_users("{\"a\":1}\n{oops\n".as_bytes(), &mut Collect::default()).is_err());
    }
}
