//! Password hashes made by other systems, kept as imported until the user's first good
//! login replaces them with argon2id. Each is verified with a well-kept crate; the
//! forms they are stored in are listed on [`ForeignHash::parse`].

use argon2::password_hash::phc::{Output, PasswordHash as Phc};
use pbkdf2::pbkdf2_hmac;
use scrypt::password_hash::PasswordVerifier;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::decode_base64;
use super::firebase::FirebaseScrypt;

/// A stored hash of another scheme, taken apart into what verifying it needs.
pub(super) enum ForeignHash {
    /// `$2a$`, `$2b$` or `$2y$` (bcrypt's own modular crypt string).
    Bcrypt(String),
    /// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`: the salt is used as
    /// its text.
    Django {
        iterations: u32,
        salt: String,
        hash: Vec<u8>,
    },
    /// PHC `$pbkdf2-sha1$`, `$pbkdf2-sha256$` or `$pbkdf2-sha512$` with `i=<iterations>`.
    Pbkdf2 {
        digest: Pbkdf2Digest,
        iterations: u32,
        salt: Vec<u8>,
        hash: Output,
    },
    /// PHC `$scrypt$ln=…,r=…,p=…$salt$hash`.
    Scrypt(String),
    /// Firebase's modified scrypt (see [`FirebaseScrypt`]).
    Firebase(FirebaseScrypt),
    /// `$sha256-salted$prefix|suffix$<base64 salt>$<base64 hash>` (and sha512): one
    /// SHA-2 of the salt put before or after the password, as Auth0 imports them.
    SaltedSha {
        sha512: bool,
        salt_first: bool,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pbkdf2Digest {
    Sha1,
    Sha256,
    Sha512,
}

/// More than this many PBKDF2 iterations would let one imported row stall every login
/// of its user for seconds.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// bcrypt costs above this (each step doubles the work; 16 takes seconds) are refused,
/// for the same reason.
const MAX_BCRYPT_COST: u32 = 16;

/// scrypt needing more memory than this (128 · N · r bytes) or more lanes is refused.
const MAX_SCRYPT_BYTES: u64 = 256 << 20;
const MAX_SCRYPT_LANES: u32 = 16;

impl ForeignHash {
    /// Reads one of the stored forms, or says why it is none of them. `Ok(None)` when
    /// the text is not of a foreign scheme at all (argon2, or unknown).
    pub(super) fn parse(stored: &str) -> Result<Option<ForeignHash>, String> {
        if let Some(rest) = stored.strip_prefix("pbkdf2_sha256$") {
            return parse_django(rest).map(Some);
        }
        if ["$2a$", "$2b$", "$2y$"]
            .iter()
            .any(|p| stored.starts_with(p))
        {
            return match stored.parse::<bcrypt::HashParts>() {
                Ok(parts) if parts.get_cost() > MAX_BCRYPT_COST => Err(format!(
                    "bcrypt cost {} is above {MAX_BCRYPT_COST}: every login of this user \
                     would take seconds",
                    parts.get_cost()
                )),
                Ok(_) => Ok(Some(ForeignHash::Bcrypt(stored.to_string()))),
                Err(e) => Err(format!("not a bcrypt hash: {e}")),
            };
        }
        if stored.starts_with("$firebase-scrypt$") {
            return FirebaseScrypt::parse(stored).map(|f| Some(ForeignHash::Firebase(f)));
        }
        for (prefix, sha512) in [("$sha256-salted$", false), ("$sha512-salted$", true)] {
            if let Some(rest) = stored.strip_prefix(prefix) {
                return parse_salted_sha(rest, sha512).map(Some);
            }
        }
        let digest = match stored.split('$').nth(1) {
            Some("pbkdf2-sha1") => Pbkdf2Digest::Sha1,
            Some("pbkdf2-sha256") => Pbkdf2Digest::Sha256,
            Some("pbkdf2-sha512") => Pbkdf2Digest::Sha512,
            Some("scrypt") => return parse_scrypt(stored).map(Some),
            _ => return Ok(None),
        };
        parse_pbkdf2(stored, digest).map(Some)
    }

    /// The scheme's name, as `users get --format json` shows it.
    pub(super) fn scheme(&self) -> &'static str {
        match self {
            ForeignHash::Bcrypt(_) => "bcrypt",
            ForeignHash::Django { .. } => "django-pbkdf2-sha256",
            ForeignHash::Pbkdf2 { digest, .. } => match digest {
                Pbkdf2Digest::Sha1 => "pbkdf2-sha1",
                Pbkdf2Digest::Sha256 => "pbkdf2-sha256",
                Pbkdf2Digest::Sha512 => "pbkdf2-sha512",
            },
            ForeignHash::Scrypt(_) => "scrypt",
            ForeignHash::Firebase(_) => "firebase-scrypt",
            ForeignHash::SaltedSha { sha512: false, .. } => "sha256-salted",
            ForeignHash::SaltedSha { sha512: true, .. } => "sha512-salted",
        }
    }

    pub(super) fn verify(&self, password: &str) -> bool {
        let password = password.as_bytes();
        match self {
            ForeignHash::Bcrypt(hash) => bcrypt::verify(password, hash).unwrap_or(false),
            ForeignHash::Django {
                iterations,
                salt,
                hash,
            } => {
                let mut computed = vec![0u8; hash.len()];
                pbkdf2_hmac::<Sha256>(password, salt.as_bytes(), *iterations, &mut computed);
                computed.ct_eq(hash).into()
            }
            ForeignHash::Pbkdf2 {
                digest,
                iterations,
                salt,
                hash,
            } => {
                let mut computed = [0u8; Output::MAX_LENGTH];
                let computed = &mut computed[..hash.len()];
                match digest {
                    Pbkdf2Digest::Sha1 => {
                        pbkdf2_hmac::<Sha1>(password, salt, *iterations, computed)
                    }
                    Pbkdf2Digest::Sha256 => {
                        pbkdf2_hmac::<Sha256>(password, salt, *iterations, computed)
                    }
                    Pbkdf2Digest::Sha512 => {
                        pbkdf2_hmac::<Sha512>(password, salt, *iterations, computed)
                    }
                }
                Output::new(computed).is_ok_and(|c| c == *hash)
            }
            ForeignHash::Scrypt(phc) => Phc::new(phc).is_ok_and(|phc| {
                scrypt::Scrypt::default()
                    .verify_password(password, &phc)
                    .is_ok()
            }),
            ForeignHash::Firebase(firebase) => firebase.verify(password),
            ForeignHash::SaltedSha {
                sha512,
                salt_first,
                salt,
                hash,
            } => {
                let (first, second) = if *salt_first {
                    (salt.as_slice(), password)
                } else {
                    (password, salt.as_slice())
                };
                let computed = if *sha512 {
                    Sha512::new()
                        .chain_update(first)
                        .chain_update(second)
                        .finalize()
                        .to_vec()
                } else {
                    Sha256::new()
                        .chain_update(first)
                        .chain_update(second)
                        .finalize()
                        .to_vec()
                };
                computed.ct_eq(hash).into()
            }
        }
    }
}

fn parse_django(rest: &str) -> Result<ForeignHash, String> {
    let [iterations, salt, hash] = rest.split('$').collect::<Vec<_>>()[..] else {
        return Err("a Django hash is pbkdf2_sha256$<iterations>$<salt>$<hash>".into());
    };
    Ok(ForeignHash::Django {
        iterations: iterations_of(iterations)?,
        salt: salt.to_string(),
        hash: decode_base64(hash, "hash")?,
    })
}

fn parse_pbkdf2(stored: &str, digest: Pbkdf2Digest) -> Result<ForeignHash, String> {
    let phc = Phc::new(stored).map_err(|e| format!("not a PHC hash: {e}"))?;
    let iterations = phc
        .params
        .get("i")
        .and_then(|v| v.decimal().ok())
        .ok_or("a PBKDF2 hash needs i=<iterations>")?;
    let (Some(salt), Some(hash)) = (phc.salt, phc.hash) else {
        return Err("no salt or no hash in it".into());
    };
    Ok(ForeignHash::Pbkdf2 {
        digest,
        iterations: iterations_of(&iterations.to_string())?,
        salt: salt.as_ref().to_vec(),
        hash,
    })
}

fn parse_scrypt(stored: &str) -> Result<ForeignHash, String> {
    let phc = Phc::new(stored).map_err(|e| format!("not a PHC hash: {e}"))?;
    let params =
        scrypt::Params::try_from(&phc).map_err(|e| format!("invalid scrypt parameters: {e}"))?;
    let bytes = 128u64 << params.log_n() as u64;
    let bytes = bytes.saturating_mul(params.r().into());
    if bytes > MAX_SCRYPT_BYTES || params.p() > MAX_SCRYPT_LANES {
        return Err(format!(
            "scrypt parameters ln={},r={},p={} need more than {} MiB or {MAX_SCRYPT_LANES} \
             lanes: every login of this user would need them",
            params.log_n(),
            params.r(),
            params.p(),
            MAX_SCRYPT_BYTES >> 20
        ));
    }
    if phc.salt.is_none() || phc.hash.is_none() {
        return Err("no salt or no hash in it".into());
    }
    Ok(ForeignHash::Scrypt(stored.to_string()))
}

fn parse_salted_sha(rest: &str, sha512: bool) -> Result<ForeignHash, String> {
    let [position, salt, hash] = rest.split('$').collect::<Vec<_>>()[..] else {
        return Err("a salted SHA hash is $sha256-salted$prefix|suffix$<salt>$<hash>".into());
    };
    let salt_first = match position {
        "prefix" => true,
        "suffix" => false,
        other => {
            return Err(format!(
                "salt position {other:?} is neither prefix nor suffix"
            ));
        }
    };
    let hash = decode_base64(hash, "hash")?;
    let length = if sha512 { 64 } else { 32 };
    if hash.len() != length {
        return Err(format!("the hash has {} bytes, not {length}", hash.len()));
    }
    Ok(ForeignHash::SaltedSha {
        sha512,
        salt_first,
        salt: decode_base64(salt, "salt")?,
        hash,
    })
}

fn iterations_of(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n @ 1..=MAX_PBKDF2_ITERATIONS) => Ok(n),
        _ => Err(format!(
            "iterations {text:?} are not a number from 1 to {MAX_PBKDF2_ITERATIONS}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery";

    /// Published vectors (the bcrypt crate's cross-checks with Python and Node, the
    /// pbkdf2 crate's RFC-derived PHC vector, Django's hasher tests) and, where none is
    /// published in these forms, ones made with Python's hashlib (an implementation
    /// independent of the crates verifying them here).
    const VECTORS: [(&str, &str, &str); 12] = [
        (
            "bcrypt",
            "correctbatteryhorsestapler",
            "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie",
        ),
        (
            "bcrypt",
            "correctbatteryhorsestapler",
            "$2a$04$n4Uy0eSnMfvnESYL.bLwuuj0U/ETSsoTpRT9GVk5bektyVVa5xnIi",
        ),
        (
            "bcrypt",
            "hunter2",
            "$2y$12$......................21jzCB1r6pN6rp5O2Ev0ejjTAboskKm",
        ),
        (
            "django-pbkdf2-sha256",
            "lètmein",
            "pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY=",
        ),
        (
            "django-pbkdf2-sha256",
            "lètmein",
            "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=",
        ),
        (
            "pbkdf2-sha256",
            "passwordPASSWORDpassword",
            "$pbkdf2-sha256$i=4096,l=40$c2FsdFNBTFRzYWx0U0FMVHNhbHRTQUxUc2FsdFNBTFRzYWx0$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+HGNVGMfaxH6Q",
        ),
        (
            "pbkdf2-sha1",
            PASSWORD,
            "$pbkdf2-sha1$i=27500$a2V5Y2xvYWstc2FsdC0xNg$fsXFZltZVfYkiPYwlkVIixoahC6zECSurWAmg2AEY7bQwxVoYILCQJf2xKHULPjhb2kzZtV3qjlpqaJBWpilEA",
        ),
        (
            "pbkdf2-sha256",
            PASSWORD,
            "$pbkdf2-sha256$i=27500$a2V5Y2xvYWstc2FsdC0xNg$pvJSWKlg8dV72u7hvwIRi+FzAw66gP2b6ljB2SJ8Gxo",
        ),
        (
            "pbkdf2-sha512",
            PASSWORD,
            "$pbkdf2-sha512$i=27500$a2V5Y2xvYWstc2FsdC0xNg$HVpip+SCtsP5QHjuvwi+kJALy6bXMLaY5TINqQWltXs3V7jFbQZcdJyAEs35LfnZ35gFFk3aenRfWArxj2CwZg",
        ),
        (
            "scrypt",
            PASSWORD,
            "$scrypt$ln=10,r=8,p=1$TmFDbC1zYWx0$tXhGs7QW5V//Gx+m4lJ8I8//aNWnS+KJPA2uZfNU4bU",
        ),
        (
            "sha256-salted",
            PASSWORD,
            "$sha256-salted$prefix$cGVwcGVy$jbPd6rUOV66i5r5cVPLgIn/wOt5tYZfSp8jTHPuI/dE=",
        ),
        (
            "sha512-salted",
            PASSWORD,
            "$sha512-salted$suffix$cGVwcGVy$2Al1ypQc1Yej3EtRuh19HkzhxiwwFxv/3/FfvpNtPfEhXLmjmMYCWfS1rQ5IxkoPZGb11xbkjxlWTwf53LOipQ==",
        ),
    ];

    fn parsed(stored: &str) -> ForeignHash {
        ForeignHash::parse(stored)
            .unwrap()
            .expect("a foreign scheme")
    }

    #[test]
    fn published_vectors_verify_with_their_password_only() {
        for (scheme, password, stored) in VECTORS {
            let hash = parsed(stored);
            assert_eq!(hash.scheme(), scheme, "{stored}");
            assert!(hash.verify(password), "{stored}");
            assert!(!hash.verify(&format!("{password}x")), "{stored}");
            assert!(!hash.verify(""), "{stored}");
        }
    }

    #[test]
    fn argon2_and_unknown_texts_are_not_foreign() {
        for text in [
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            "plaintext",
            "$md5$x",
        ] {
            assert!(ForeignHash::parse(text).unwrap().is_none(), "{text}");
        }
    }

    #[test]
    fn corrupt_hashes_are_refused_saying_why() {
        let refused = |stored: &str| match ForeignHash::parse(stored) {
            Err(reason) => reason,
            Ok(_) => panic!("{stored} was taken"),
        };
        assert!(refused("$2b$04$EGdrhbKUv8Oc9vGiXX0HQOx").contains("not a bcrypt hash"));
        assert!(refused("pbkdf2_sha256$many$seasalt$VrX+V8dr").contains("iterations \"many\""));
        assert!(refused("pbkdf2_sha256$0$seasalt$VrX+V8dr").contains("iterations \"0\""));
        assert!(refused("pbkdf2_sha256$30000$seasalt$***").contains("hash is not base64"));
        assert!(refused("pbkdf2_sha256$30000$seasalt").contains("<iterations>$<salt>$<hash>"));
        assert!(
            refused("$pbkdf2-sha256$l=32$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
                .contains("i=<iterations>")
        );
        assert!(refused("$pbkdf2-sha256$i=1000").contains("no salt or no hash"));
        assert!(
            refused("$scrypt$ln=99,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
                .contains("invalid scrypt parameters")
        );
        assert!(
            refused("$sha256-salted$middle$cGVwcGVy$jbPd6rUO")
                .contains("neither prefix nor suffix")
        );
        assert!(refused("$sha256-salted$prefix$cGVwcGVy$aGFzaA").contains("not 32"));
    }

    /// One imported row must not make its user's every login (or a login floor) cost
    /// seconds or gigabytes: costs far above any real deployment's are refused at import.
    #[test]
    fn costs_no_deployment_uses_are_refused_saying_why() {
        let refused = |stored: &str| match ForeignHash::parse(stored) {
            Err(reason) => reason,
            Ok(_) => panic!("{stored} was taken"),
        };
        let bcrypt_at = |cost: u32| bcrypt::hash_with_salt("pw", cost, [7; 16]).unwrap();
        let costly = bcrypt_at(4).format_for_version(bcrypt::Version::TwoB);
        let costly = costly.replacen("$04$", "$17$", 1);
        assert!(refused(&costly).contains("bcrypt cost 17 is above 16"));
        let at_limit = bcrypt_at(4).format_for_version(bcrypt::Version::TwoB);
        let at_limit = at_limit.replacen("$04$", "$16$", 1);
        assert!(ForeignHash::parse(&at_limit).unwrap().is_some());
        // 128 · 2^18 · 8 bytes = 256 MiB is the most; twice that, or 17 lanes, is refused.
        let scrypt = |params: &str| format!("$scrypt${params}$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA");
        assert!(
            ForeignHash::parse(&scrypt("ln=18,r=8,p=1"))
                .unwrap()
                .is_some()
        );
        assert!(refused(&scrypt("ln=19,r=8,p=1")).contains("ln=19,r=8,p=1 need more than 256 MiB"));
        assert!(refused(&scrypt("ln=10,r=8,p=17")).contains("or 16 lanes"));
    }
}
