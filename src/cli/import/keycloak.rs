//! Keycloak's realm export (`realm.json`, or `<realm>-users-N.json`, or a folder of
//! them): users with their password credentials (pbkdf2-sha256, pbkdf2-sha512,
//! pbkdf2 (SHA-1) with their iterations, argon2), attributes and group paths.

use std::io::Read;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Map, Value};

use super::super::Failure;
use super::row::Row;
use super::stream::{JsonSink, json_users};
use super::{Output, millis, text};
use crate::domain::{Field, required_text};

/// Reads one file; in a folder, a file without users (the realm's own) is no error.
pub fn read(reader: impl Read, in_folder: bool, out: &mut Output) -> Result<(), Failure> {
    struct Sink<'a>(&'a mut Output, bool);
    impl JsonSink for Sink<'_> {
        fn user(&mut self, position: usize, value: Value) {
            self.0.object(position, value, |user| Ok(to_row(user)));
        }
        fn users_optional(&self) -> bool {
            self.1
        }
    }
    let shape = "a Keycloak export is a realm ({\"realm\": …, \"users\": [...]})";
    json_users(reader, "users", &[], shape, &mut Sink(out, in_folder))
}

fn to_row(user: Map<String, Value>) -> Row {
    let mut row = Row::new("credentials");
    for (key, value) in user {
        match key.as_str() {
            "email" => row.email = text(&value),
            "firstName" => row.first_name = Some(text(&value)),
            "lastName" => row.last_name = Some(text(&value)),
            "username" => row.tag("username", text(&value)),
            "id" => row.tag("keycloak_id", text(&value)),
            "enabled" => row.tag("enabled", text(&value)),
            "emailVerified" => row.tag("email_verified", text(&value)),
            "createdTimestamp" => row.created = millis(&value, "createdTimestamp", &mut row),
            "attributes" => attributes(&value, &mut row),
            "groups" => groups(&value, &mut row),
            "realmRoles" => row.tag("realm_roles", value.to_string()),
            "federatedIdentities" => federated(&value, &mut row),
            "credentials" => credentials(&value, &mut row),
            _ => row.drop(&key),
        }
    }
    row
}

/// Attributes hold lists of values: one value becomes the tag's value, several
/// become their JSON array (`["a","b"]`), so that none is lost or merged.
fn attributes(value: &Value, row: &mut Row) {
    for (key, values) in value.as_object().into_iter().flatten() {
        match values.as_array().map(Vec::as_slice) {
            Some([]) => {}
            Some([one]) => row.attribute_tag("attributes", key, one),
            _ => row.attribute_tag("attributes", key, &Value::String(values.to_string())),
        }
    }
}

/// A path `/Acme/Sales/EMEA` makes the user a member of `EMEA`, and tells
/// `--create-groups` that `EMEA` sits under `Sales` under `Acme`.
fn groups(value: &Value, row: &mut Row) {
    for path in value.as_array().into_iter().flatten() {
        let path = text(path);
        let mut names = Vec::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            match required_text(part) {
                Ok(name) => names.push(name),
                Err(reason) => {
                    row.problem(Field::Groups, format!("{path:?}: {part:?} {reason}"));
                    names.clear();
                    break;
                }
            }
        }
        for pair in names.windows(2) {
            let pair = (pair[1].clone(), pair[0].clone());
            if !row.group_parents.contains(&pair) {
                row.group_parents.push(pair);
            }
        }
        if let Some(leaf) = names.pop() {
            row.groups.push(leaf);
        }
    }
}

/// Identity-provider links as the tag `providers`; their other details are dropped.
fn federated(value: &Value, row: &mut Row) {
    let mut providers = Vec::new();
    for link in value.as_array().into_iter().flatten() {
        for (key, value) in link.as_object().into_iter().flatten() {
            match key.as_str() {
                "identityProvider" => providers.push(text(value)),
                other => row.drop(&format!("federatedIdentities.{other}")),
            }
        }
    }
    if !providers.is_empty() {
        row.tag("providers", providers.join(","));
    }
}

/// The password credential, whose `secretData` and `credentialData` are JSON texts;
/// other credential types (otp …) are dropped.
fn credentials(value: &Value, row: &mut Row) {
    for credential in value.as_array().into_iter().flatten() {
        let kind = text(&credential["type"]);
        if kind != "password" || row.password_hash.is_some() {
            row.drop(&format!("credentials.{kind}"));
            continue;
        }
        match password_hash(credential) {
            Ok(stored) => row.password_hash = Some(stored),
            Err(reason) => row.problem(Field::Password, format!("credentials: {reason}")),
        }
    }
}

fn password_hash(credential: &Value) -> Result<String, String> {
    let json = |field: &str| -> Result<Value, String> {
        serde_json::from_str(credential[field].as_str().unwrap_or_default())
            .map_err(|_| format!("{field} is not a JSON text"))
    };
    let secret = json("secretData")?;
    let data = json("credentialData")?;
    let b64 = |field: &str| -> Result<String, String> {
        let bytes = STANDARD
            .decode(secret[field].as_str().unwrap_or_default())
            .map_err(|_| format!("secretData.{field} is not base64"))?;
        Ok(STANDARD_NO_PAD.encode(bytes))
    };
    let (salt, hash) = (b64("salt")?, b64("value")?);
    let iterations = data["hashIterations"]
        .as_u64()
        .ok_or("credentialData has no hashIterations")?;
    let algorithm = text(&data["algorithm"]);
    let id = match algorithm.as_str() {
        "pbkdf2" => "pbkdf2-sha1",
        "pbkdf2-sha256" | "pbkdf2-sha512" => &algorithm,
        "argon2" => return argon2(&data["additionalParameters"], iterations, &salt, &hash),
        other => {
            return Err(format!(
                "{other:?} hashes are not supported (only pbkdf2, pbkdf2-sha256, \
                 pbkdf2-sha512 and argon2)"
            ));
        }
    };
    Ok(format!("${id}$i={iterations}${salt}${hash}"))
}

/// Keycloak keeps argon2's parameters as lists of texts (`"memory": ["7168"]`).
fn argon2(parameters: &Value, iterations: u64, salt: &str, hash: &str) -> Result<String, String> {
    let get = |name: &str, default: &str| -> String {
        parameters[name][0].as_str().unwrap_or(default).to_string()
    };
    let version = match get("version", "1.3").as_str() {
        "1.3" => 19,
        "1.0" => 16,
        other => return Err(format!("argon2 version {other:?} is unknown")),
    };
    Ok(format!(
        "$argon2{}$v={version}$m={},t={iterations},p={}${salt}${hash}",
        get("type", "id"),
        get("memory", "7168"),
        get("parallelism", "1"),
    ))
}
