//! Firebase Authentication's modified scrypt: scrypt(password, salt ‖ salt separator,
//! N = 2^mem_cost, r = rounds, p = 1) gives a 32-byte key, which AES-256-CTR (zero IV)
//! uses to encrypt the project's signer key; the result is the user's hash
//! (github.com/firebase/scrypt).

use aes::Aes256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ctr::Ctr128BE;
use ctr::cipher::{KeyIvInit, StreamCipher};
use subtle::ConstantTimeEq;

use super::decode_base64;

/// A project's password hash parameters, as the Firebase console shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirebaseParams {
    pub signer_key: Vec<u8>,
    pub salt_separator: Vec<u8>,
    pub rounds: u32,
    pub mem_cost: u8,
}

impl FirebaseParams {
    /// From the console's base64 texts and numbers; every problem is named.
    pub fn new(
        signer_key: &str,
        salt_separator: &str,
        rounds: u32,
        mem_cost: u32,
    ) -> Result<FirebaseParams, String> {
        let mem_cost = u8::try_from(mem_cost)
            .ok()
            .filter(|m| (1..=20).contains(m))
            .ok_or(format!("--mem-cost {mem_cost} is not from 1 to 20"))?;
        if !(1..=16).contains(&rounds) {
            return Err(format!("--rounds {rounds} is not from 1 to 16"));
        }
        let signer_key = decode_base64(signer_key, "--hash-key")?;
        // Firebase's separator is one byte (`Bw==`); an empty one is allowed.
        let salt_separator = if salt_separator.is_empty() {
            Vec::new()
        } else {
            decode_base64(salt_separator, "--salt-separator")?
        };
        Ok(FirebaseParams {
            signer_key,
            salt_separator,
            rounds,
            mem_cost,
        })
    }

    /// The stored form of one user's hash under these parameters:
    /// `$firebase-scrypt$r=<rounds>,m=<mem_cost>$<separator>$<signer key>$<salt>$<hash>`
    /// (base64). Checks the user's salt and hash are base64 and the hash has the
    /// signer key's length.
    pub fn stored(&self, salt: &str, hash: &str) -> Result<String, String> {
        let salt = decode_base64(salt, "salt")?;
        let hash = decode_base64(hash, "passwordHash")?;
        if hash.len() != self.signer_key.len() {
            return Err(format!(
                "the passwordHash has {} bytes, but the signer key {}: wrong --hash-key?",
                hash.len(),
                self.signer_key.len()
            ));
        }
        Ok(format!(
            "$firebase-scrypt$r={},m={}${}${}${}${}",
            self.rounds,
            self.mem_cost,
            STANDARD.encode(&self.salt_separator),
            STANDARD.encode(&self.signer_key),
            STANDARD.encode(salt),
            STANDARD.encode(hash)
        ))
    }
}

/// A user's Firebase hash with the project's parameters, ready to verify.
pub struct FirebaseScrypt {
    params: FirebaseParams,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl FirebaseScrypt {
    pub(super) fn parse(stored: &str) -> Result<FirebaseScrypt, String> {
        let bad = || "not a $firebase-scrypt$r=…,m=…$separator$key$salt$hash string".to_string();
        let parts: Vec<&str> = stored.split('$').collect();
        let ["", "firebase-scrypt", costs, separator, key, salt, hash] = parts[..] else {
            return Err(bad());
        };
        let (rounds, mem_cost) = costs
            .strip_prefix("r=")
            .and_then(|c| c.split_once(",m="))
            .and_then(|(r, m)| Some((r.parse().ok()?, m.parse().ok()?)))
            .ok_or_else(bad)?;
        let params = FirebaseParams::new(key, separator, rounds, mem_cost)?;
        let salt = decode_base64(salt, "salt")?;
        let hash = decode_base64(hash, "hash")?;
        if hash.len() != params.signer_key.len() {
            return Err("the hash and the signer key differ in length".into());
        }
        Ok(FirebaseScrypt { params, salt, hash })
    }

    pub(super) fn verify(&self, password: &[u8]) -> bool {
        let Ok(scrypt_params) = scrypt::Params::new(self.params.mem_cost, self.params.rounds, 1)
        else {
            return false;
        };
        let salt = [self.salt.as_slice(), &self.params.salt_separator].concat();
        let mut key = [0u8; 32];
        if scrypt::scrypt(password, &salt, &scrypt_params, &mut key).is_err() {
            return false;
        }
        let mut computed = self.params.signer_key.clone();
        let Ok(mut cipher) = Ctr128BE::<Aes256>::new_from_slices(&key, &[0u8; 16]) else {
            return false;
        };
        cipher.apply_keystream(&mut computed);
        computed.ct_eq(&self.hash).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample project parameters, salt and hash of the firebase/scrypt README.
    pub const SIGNER_KEY: &str =
        "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";
    const SAMPLE_SALT: &str = "42xEC+ixf3L2lw==";
    const SAMPLE_HASH: &str =
        "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";

    fn sample() -> FirebaseScrypt {
        let params = FirebaseParams::new(SIGNER_KEY, "Bw==", 8, 14).unwrap();
        FirebaseScrypt::parse(&params.stored(SAMPLE_SALT, SAMPLE_HASH).unwrap()).unwrap()
    }

    #[test]
    fn the_readme_sample_verifies_with_its_password_only() {
        let hash = sample();
        assert!(hash.verify(b"user1password"));
        assert!(!hash.verify(b"user1password "));
        assert!(!hash.verify(b"user2password"));
    }

    #[test]
    fn another_separator_or_key_fails_the_sample() {
        let params = FirebaseParams::new(SIGNER_KEY, "Bg==", 8, 14).unwrap();
        let other = FirebaseScrypt::parse(&params.stored(SAMPLE_SALT, SAMPLE_HASH).unwrap());
        assert!(!other.unwrap().verify(b"user1password"));
        // Another signer key of the same length, the separator right.
        let mut key = STANDARD.decode(SIGNER_KEY).unwrap();
        key[0] ^= 1;
        let params = FirebaseParams::new(&STANDARD.encode(&key), "Bw==", 8, 14).unwrap();
        let other = FirebaseScrypt::parse(&params.stored(SAMPLE_SALT, SAMPLE_HASH).unwrap());
        assert!(!other.unwrap().verify(b"user1password"));
        // The sample's own parameters still verify (what the two cases change is all
        // that fails them).
        assert!(sample().verify(b"user1password"));
    }

    #[test]
    fn bad_parameters_are_named() {
        assert!(
            FirebaseParams::new(SIGNER_KEY, "Bw==", 8, 40)
                .unwrap_err()
                .contains("--mem-cost 40")
        );
        assert!(
            FirebaseParams::new("not base64!", "Bw==", 8, 14)
                .unwrap_err()
                .contains("--hash-key is not base64")
        );
        let params = FirebaseParams::new(SIGNER_KEY, "Bw==", 8, 14).unwrap();
        assert!(
            params
                .stored(SAMPLE_SALT, "c2hvcnQ=")
                .unwrap_err()
                .contains("wrong --hash-key?")
        );
        assert!(FirebaseScrypt::parse("$firebase-scrypt$r=8$x").is_err());
    }
}
