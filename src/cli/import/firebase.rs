//! Firebase's `firebase auth:export` JSON: `{"users": [{"localId", "email",
//! "passwordHash", "salt", "displayName", …}]}`. Hashes are Firebase's modified scrypt
//! under the project's parameters (`--hash-key --salt-separator --rounds --mem-cost`).

use std::io::Read;

use serde_json::{Map, Value};

use super::super::Failure;
use super::row::Row;
use super::stream::{JsonSink, json_users};
use super::{Output, millis, text};
use crate::auth::FirebaseParams;
use crate::domain::Field;

/// The project's hash parameters, or the names of those missing.
pub type Params = Result<FirebaseParams, Vec<&'static str>>;

pub fn read(reader: impl Read, params: &Params, out: &mut Output) -> Result<(), Failure> {
    struct Sink<'a>(&'a mut Output, &'a Params);
    impl JsonSink for Sink<'_> {
        fn user(&mut self, position: usize, value: Value) {
            let params = self.1;
            self.0
                .object(position, value, |user| Ok(to_row(user, params)));
        }
    }
    let shape = "a Firebase export is {\"users\": [...]} (firebase auth:export users.json)";
    json_users(reader, "users", &[], shape, &mut Sink(out, params))
}

fn to_row(user: Map<String, Value>, params: &Params) -> Row {
    let mut row = Row::new("passwordHash");
    let mut hash = None;
    let mut salt = None;
    for (key, value) in user {
        match key.as_str() {
            "email" => row.email = text(&value),
            "displayName" => row.split_name(&text(&value)),
            "localId" => row.tag("firebase_uid", text(&value)),
            "emailVerified" => row.tag("email_verified", text(&value)),
            "disabled" => row.tag("disabled", text(&value)),
            "phoneNumber" => row.tag("phone", text(&value)),
            "createdAt" => row.created = millis(&value, "createdAt", &mut row),
            "lastSignedInAt" => row.last_login = millis(&value, "lastSignedInAt", &mut row),
            "passwordHash" => hash = Some(text(&value)),
            "salt" => salt = Some(text(&value)),
            "customAttributes" => custom_attributes(&value, &mut row),
            "providerUserInfo" => providers(&value, &mut row),
            _ => row.drop(&key),
        }
    }
    match (hash, salt, params) {
        (None, _, _) => {}
        (Some(_), None, _) => row.problem(Field::Password, "passwordHash has no salt"),
        (Some(_), Some(_), Err(missing)) => row.problem(
            Field::Password,
            format!(
                "passwordHash needs the project's hash parameters: {}",
                missing.join(", ")
            ),
        ),
        (Some(hash), Some(salt), Ok(params)) => match params.stored(&salt, &hash) {
            Ok(stored) => row.password_hash = Some(stored),
            Err(reason) => row.problem(Field::Password, format!("passwordHash: {reason}")),
        },
    }
    row
}

/// Custom claims, a JSON object in a string: each claim becomes a tag.
fn custom_attributes(value: &Value, row: &mut Row) {
    match serde_json::from_str::<Map<String, Value>>(&text(value)) {
        Ok(claims) => {
            for (key, value) in &claims {
                row.attribute_tag("customAttributes", key, value);
            }
        }
        Err(_) => row.drop("customAttributes"),
    }
}

/// The sign-in providers linked to the account (`google.com`, `password` …) as the
/// tag `providers`; their other details are dropped.
fn providers(value: &Value, row: &mut Row) {
    let mut ids = Vec::new();
    for provider in value.as_array().into_iter().flatten() {
        for (key, value) in provider.as_object().into_iter().flatten() {
            match key.as_str() {
                "providerId" => ids.push(text(value)),
                other => row.drop(&format!("providerUserInfo.{other}")),
            }
        }
    }
    if !ids.is_empty() {
        row.tag("providers", ids.join(","));
    }
}
