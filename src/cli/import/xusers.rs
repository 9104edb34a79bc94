//! xusers' own shapes: the export's CSV columns, or JSON (the export document, or a
//! plain array of user objects with the export's field names).

use std::collections::BTreeMap;
use std::io::Read;

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::super::Failure;
use super::row::Row;
use super::stream::{JsonSink, json_users};
use super::{Item, Output};
use crate::domain::{Field, FieldError};
use crate::export::{DOCUMENT_VERSION, csv_cell};

/// One user as xusers writes it (the export's field names).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnRow {
    email: String,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    last_login: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    password_hash: Option<String>,
}

const SHAPE: &str = "a JSON import is an array of users or an export document";

pub fn read_json(reader: impl Read, out: &mut Output) -> Result<(), Failure> {
    struct Sink<'a>(&'a mut Output);
    impl JsonSink for Sink<'_> {
        fn user(&mut self, position: usize, value: Value) {
            self.0.object(position, value, |object| {
                serde_json::from_value::<OwnRow>(Value::Object(object))
                    .map(into_row)
                    .map_err(|e| e.to_string())
            });
        }
        fn field(&mut self, _key: &str, version: Value) -> Result<(), Failure> {
            // Not a version number, or newer than this build: it cannot promise to read it.
            if version.as_u64().is_none_or(|v| v > DOCUMENT_VERSION) {
                return Err(Failure::usage(format!(
                    "the export document's version is {version}, but this build reads only \
                     version {DOCUMENT_VERSION} and older (a newer xusers may have written it)"
                )));
            }
            Ok(())
        }
    }
    json_users(reader, "users", &["version"], SHAPE, &mut Sink(out))
}

pub fn read_csv(reader: impl Read, out: &mut Output) -> Result<(), Failure> {
    let mut reader = csv::Reader::from_reader(reader);
    let headers = reader
        .headers()
        .map_err(|e| Failure::usage(format!("not CSV: {e}")))?
        .clone();
    for record in reader.records() {
        let record = record.map_err(|e| Failure::usage(format!("not CSV: {e}")))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut object = serde_json::Map::new();
        let mut unreadable = None;
        for (name, cell) in headers.iter().zip(record.iter()) {
            let cell = csv_cell::unescape(cell);
            let value = match name {
                _ if cell.is_empty() && name != "email" => continue,
                "groups" | "tags" => match serde_json::from_str(cell) {
                    Ok(v) => v,
                    Err(e) => {
                        unreadable = Some(format!("{name}: not JSON: {e}"));
                        break;
                    }
                },
                _ => Value::String(cell.to_string()),
            };
            object.insert(name.to_string(), value);
        }
        let read = match unreadable {
            Some(problem) => Err(problem),
            None => serde_json::from_value::<OwnRow>(Value::Object(object))
                .map(into_row)
                .map_err(|e| e.to_string()),
        };
        out.send(match read {
            Ok(row) => Item::Row(line, Box::new(row)),
            Err(problem) => Item::Bad(line, FieldError::new(Field::Record, problem)),
        });
    }
    Ok(())
}

fn into_row(own: OwnRow) -> Row {
    let mut row = Row::new("password_hash");
    row.created = rfc3339(own.created.as_deref(), "created", &mut row);
    row.last_login = rfc3339(own.last_login.as_deref(), "last_login", &mut row);
    row.email = own.email;
    row.first_name = own.first_name;
    row.last_name = own.last_name;
    row.groups = own.groups;
    row.tags = own.tags.into_iter().collect();
    row.password = own.password.map(Into::into);
    row.password_hash = own.password_hash;
    row
}

pub(super) fn rfc3339(text: Option<&str>, field: &str, row: &mut Row) -> Option<i64> {
    let text = text?;
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(t) => Some(t.unix_timestamp()),
        Err(_) => {
            row.problem(
                Field::Record,
                format!("{field}: {text:?} is not an RFC 3339 time"),
            );
            None
        }
    }
}
