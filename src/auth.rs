//! Password hashing (argon2id, OWASP parameters) and opaque access tokens.

use std::cell::RefCell;
use std::sync::OnceLock;

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::Output;
use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::domain::Password;

/// An argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`): the only form a
/// password is ever stored in.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

impl PasswordHash {
    /// Hashes with a fresh random salt and the crate's defaults (argon2id,
    /// m=19 MiB, t=2, p=1 — the OWASP recommendation).
    pub fn new(password: &Password) -> PasswordHash {
        let phc = Argon2::default()
            .hash_password(password.expose().as_bytes())
            .expect("argon2 with default parameters and a generated salt cannot fail");
        PasswordHash(phc.to_string())
    }

    /// Takes an existing PHC string after checking that it parses as argon2.
    pub fn from_phc(phc: &str) -> Result<PasswordHash, String> {
        let parsed = Phc::new(phc).map_err(|e| format!("not a PHC hash: {e}"))?;
        if !parsed.algorithm.as_str().starts_with("argon2") {
            return Err("only argon2 hashes are accepted".into());
        }
        Ok(PasswordHash(phc.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Algorithm, version and cost parameters: the PHC string without salt and hash.
    pub fn parameters(&self) -> &str {
        let end = self
            .0
            .match_indices('$')
            .nth(3)
            .map_or(self.0.len(), |(i, _)| i);
        &self.0[..end]
    }

    /// Whether this hash was made with weaker argon2 parameters (or another variant)
    /// than [`PasswordHash::new`] uses today.
    pub fn is_weaker_than_current(&self) -> bool {
        let Ok(parsed) = Phc::new(&self.0) else {
            return true;
        };
        let current = argon2::Params::default();
        let param = |name: &str| parsed.params.get_decimal(name).unwrap_or(0);
        parsed.algorithm.as_str() != "argon2id"
            || param("m") < current.m_cost()
            || param("t") < current.t_cost()
            || param("p") < current.p_cost()
    }

    /// Re-computes the hash of `password` with this hash's salt and parameters and
    /// compares in constant time. Argon2's working memory is kept per thread between
    /// calls (wiped after each): allocating 19 MiB afresh costs more or less with the
    /// allocator's state, which made a failed login for an unknown email measurably
    /// slower than for a known one.
    pub fn verify(&self, password: &str) -> bool {
        #[cfg(test)]
        VERIFIED.with(|v| v.borrow_mut().push(self.parameters().to_string()));
        let Ok(phc) = Phc::new(&self.0) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
            return false;
        };
        let (Ok(algorithm), Ok(version), Ok(params)) = (
            Algorithm::try_from(phc.algorithm.as_str()),
            phc.version
                .map_or(Ok(Version::default()), Version::try_from),
            Params::try_from(&phc),
        ) else {
            return false;
        };
        let mut computed = [0u8; 64];
        let computed = &mut computed[..expected.len().min(64)];
        let hashed = WORK_MEMORY.with(|memory| {
            let mut blocks = memory.borrow_mut();
            blocks.resize(params.block_count(), Block::new());
            let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                computed,
                &mut blocks[..],
            );
            // What is left there derives from the password: wiped, at the same cost
            // for every verification.
            blocks.iter_mut().for_each(Zeroize::zeroize);
            hashed
        });
        hashed.is_ok() && Output::new(computed).is_ok_and(|computed| computed == *expected)
    }
}

/// A hash to verify against when the email is unknown (or locked out), so that such a
/// login costs one full argon2 verification with today's parameters, as a wrong
/// password does. It is fixed so that no login ever pays for making it.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$QilOv+432OccHdveGLjdWw$5lRPIFS2jmx3filOP67Q/FZGjcIs3vDTQZnH8xR6Z+s";

pub fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
    DUMMY.get_or_init(|| PasswordHash::from_phc(DUMMY_PHC).expect("a valid PHC string"))
}

thread_local! {
    static WORK_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

#[cfg(test)]
thread_local! {
    /// The parameters of every hash verified on this thread: lets tests check that a
    /// failed login did a full verification, without timing it.
    pub(crate) static VERIFIED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// A freshly issued access token, shown once to whoever logged in.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    hex(&bytes)
}

/// What is stored for a token: its SHA-256. Tokens carry 256 random bits, so a fast
/// hash is enough (no salt or stretching needed, unlike passwords).
pub fn token_digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hash = PasswordHash::new(&Password::parse("correct horse").unwrap());
        assert!(
            hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_str()
        );
        assert!(hash.verify("correct horse"));
        assert!(!hash.verify("correct horse "));
        assert!(PasswordHash::from_phc(hash.as_str()).is_ok());
    }

    #[test]
    fn the_dummy_hash_has_todays_parameters() {
        let fresh = PasswordHash::new(&Password::parse("correct horse").unwrap());
        assert_eq!(fresh.parameters(), "$argon2id$v=19$m=19456,t=2,p=1");
        assert_eq!(dummy_hash().parameters(), fresh.parameters());
        assert!(!dummy_hash().is_weaker_than_current());
    }

    #[test]
    fn verifying_again_on_reused_memory_gives_the_same_answers() {
        let a = PasswordHash::new(&Password::parse("first password").unwrap());
        let b = PasswordHash::new(&Password::parse("second password").unwrap());
        for _ in 0..2 {
            assert!(a.verify("first password") && b.verify("second password"));
            assert!(!a.verify("second password") && !b.verify("first password"));
        }
        // A hash with other parameters (less memory, argon2i) on the same memory.
        let small = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(64, 1, 1, None).unwrap(),
        )
        .hash_password(b"small password")
        .unwrap();
        let small = PasswordHash::from_phc(&small.to_string()).unwrap();
        assert!(small.verify("small password") && !small.verify("first password"));
        assert!(a.verify("first password"));
    }

    #[test]
    fn salts_differ() {
        let p = Password::parse("same password").unwrap();
        assert_ne!(PasswordHash::new(&p), PasswordHash::new(&p));
    }

    #[test]
    fn rejects_non_argon2_phc() {
        assert!(PasswordHash::from_phc("plaintext").is_err());
        assert!(PasswordHash::from_phc("$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA").is_err());
    }

    #[test]
    fn tokens_are_256_bit_and_unique() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_eq!(token_digest(&a).len(), 32);
        assert_ne!(token_digest(&a), a.as_bytes());
    }
}
