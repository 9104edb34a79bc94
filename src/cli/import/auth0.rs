//! Auth0: the bulk-import JSON array and the NDJSON user export. `password_hash`
//! (bcrypt) and `custom_password_hash` (argon2, bcrypt, pbkdf2, salted sha256/sha512)
//! are kept for the first login; other algorithms are refused by name.

use std::io::BufRead;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Map, Value};

use super::super::Failure;
use super::row::Row;
use super::stream::{JsonSink, json_users, ndjson_users};
use super::xusers::rfc3339;
use super::{Output, text};
use crate::domain::Field;

pub fn read(mut reader: impl BufRead, out: &mut Output) -> Result<(), Failure> {
    struct Sink<'a>(&'a mut Output);
    impl JsonSink for Sink<'_> {
        fn user(&mut self, position: usize, value: Value) {
            self.0.object(position, value, |user| Ok(to_row(user)));
        }
    }
    // The bulk-import file is one array; the export has one user object per line.
    let first = loop {
        let buffer = reader
            .fill_buf()
            .map_err(|e| Failure::runtime(format!("cannot read: {e}")))?;
        match buffer.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break Some(buffer[i]),
            None if buffer.is_empty() => break None,
            None => {
                let n = buffer.len();
                reader.consume(n);
            }
        }
    };
    let shape =
        "an Auth0 file is a JSON array of users (bulk import) or one user per line (export)";
    match first {
        Some(b'[') => json_users(reader, "users", &[], shape, &mut Sink(out)),
        Some(b'{') => ndjson_users(reader, &mut Sink(out)),
        _ => Err(Failure::usage(shape)),
    }
}

fn to_row(user: Map<String, Value>) -> Row {
    let mut row = Row::new("custom_password_hash");
    let mut full_name = None;
    for (key, value) in user {
        match key.as_str() {
            "email" => row.email = text(&value),
            "given_name" => row.first_name = Some(text(&value)),
            "family_name" => row.last_name = Some(text(&value)),
            "name" => full_name = Some(text(&value)),
            "user_id" => row.tag("auth0_user_id", text(&value)),
            "username" => row.tag("username", text(&value)),
            "nickname" => row.tag("nickname", text(&value)),
            "email_verified" => row.tag("email_verified", text(&value)),
            "blocked" => row.tag("blocked", text(&value)),
            "phone_number" => row.tag("phone", text(&value)),
            "phone_verified" => row.tag("phone_verified", text(&value)),
            "created_at" => row.created = rfc3339(Some(&text(&value)), "created_at", &mut row),
            "last_login" => row.last_login = rfc3339(Some(&text(&value)), "last_login", &mut row),
            "user_metadata" | "app_metadata" => {
                for (k, v) in value.as_object().into_iter().flatten() {
                    row.attribute_tag(&key, k, v);
                }
            }
            "identities" => identities(&value, &mut row),
            "password_hash" => bcrypt_hash(&value, &mut row),
            "custom_password_hash" => custom_hash(&value, &mut row),
            _ => row.drop(&key),
        }
    }
    // `name` is only a fallback (Auth0 fills it with the email when nothing else is
    // known); unused, it is listed as not imported.
    match full_name {
        Some(name)
            if row.first_name.is_none() && row.last_name.is_none() && !name.contains('@') =>
        {
            row.split_name(&name)
        }
        Some(_) => row.drop("name"),
        None => {}
    }
    row
}

/// The connections the user signs in with (`auth0`, `google-oauth2` …) as the tag
/// `providers`; the identities' other details are dropped.
fn identities(value: &Value, row: &mut Row) {
    let mut providers = Vec::new();
    for identity in value.as_array().into_iter().flatten() {
        for (key, value) in identity.as_object().into_iter().flatten() {
            match key.as_str() {
                "provider" => providers.push(text(value)),
                other => row.drop(&format!("identities.{other}")),
            }
        }
    }
    if !providers.is_empty() {
        row.tag("providers", providers.join(","));
    }
}

fn bcrypt_hash(value: &Value, row: &mut Row) {
    let hash = text(value);
    if hash.starts_with("$2") {
        row.password_hash = Some(hash);
    } else {
        row.problem(
            Field::Password,
            "password_hash: Auth0's password_hash is bcrypt ($2a$, $2b$)",
        );
    }
}

/// `{"algorithm", "hash": {"value", "encoding"}, "salt": {"value", "encoding",
/// "position"}}` in the stored form xusers verifies.
fn custom_hash(value: &Value, row: &mut Row) {
    let algorithm = text(&value["algorithm"]);
    let hash = &value["hash"];
    let stored = match algorithm.as_str() {
        "argon2" | "bcrypt" | "pbkdf2" => Ok(text(&hash["value"])),
        "sha256" | "sha512" => salted_sha(&algorithm, hash, &value["salt"]),
        "" => Err("has no algorithm".to_string()),
        other => Err(format!(
            "{other} hashes are not supported (only argon2, bcrypt, pbkdf2, sha256 and sha512)"
        )),
    };
    match stored {
        Ok(stored) => row.password_hash = Some(stored),
        Err(reason) => row.problem(Field::Password, format!("custom_password_hash: {reason}")),
    }
}

fn salted_sha(algorithm: &str, hash: &Value, salt: &Value) -> Result<String, String> {
    if salt.is_null() {
        return Err(format!("an unsalted {algorithm} hash is not supported"));
    }
    let hash = decode(
        &hash["value"],
        hash["encoding"].as_str().unwrap_or("hex"),
        "hash",
    )?;
    let salt_bytes = decode(
        &salt["value"],
        salt["encoding"].as_str().unwrap_or("utf8"),
        "salt",
    )?;
    let position = salt["position"].as_str().unwrap_or("prefix");
    Ok(format!(
        "${algorithm}-salted${position}${}${}",
        STANDARD_NO_PAD.encode(salt_bytes),
        STANDARD_NO_PAD.encode(hash)
    ))
}

fn decode(value: &Value, encoding: &str, what: &str) -> Result<Vec<u8>, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("{what}.value is missing"))?;
    match encoding {
        "utf8" => Ok(text.as_bytes().to_vec()),
        "base64" => STANDARD
            .decode(text)
            .map_err(|_| format!("{what}.value is not base64")),
        "hex" => hex::decode(text).map_err(|_| format!("{what}.value is not hex")),
        other => Err(format!(
            "{what}.encoding {other:?} is not utf8, base64 or hex"
        )),
    }
}
