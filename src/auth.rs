//! Password hashing (argon2id, OWASP parameters) and opaque access tokens.

mod firebase;
mod foreign;

use std::cell::RefCell;
use std::sync::OnceLock;

use argon2::password_hash::phc::Output;
use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::phc::{ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::domain::Password;
pub use firebase::FirebaseParams;
use foreign::ForeignHash;

/// A stored password hash this build can verify. Every password hashed here gets
/// argon2id (`$argon2id$v=19$m=19456,t=2,p=1$…`); an imported argon2i, argon2d or
/// weaker one, or one of another system's schemes ([`ForeignHash`]: bcrypt, PBKDF2,
/// scrypt, Firebase's scrypt, salted SHA-2), is kept until the next good login
/// replaces it.
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
        hash_argon2id(password.expose().as_bytes())
    }

    /// Hashes the password a user just logged in with, to replace a weaker stored
    /// hash: the length rule is for passwords set here, not for one another system
    /// accepted.
    pub fn replacing(password: &str) -> PasswordHash {
        hash_argon2id(password.as_bytes())
    }

    /// Takes a stored hash after checking that it can be verified: an argon2 PHC
    /// string with a variant, version and parameters this build computes, or one of
    /// the foreign forms [`ForeignHash`] reads. The error says why not.
    pub fn parse(stored: &str) -> Result<PasswordHash, String> {
        Scheme::parse(stored)?;
        Ok(PasswordHash(stored.to_string()))
    }

    /// The hash's algorithm (`argon2id`, `bcrypt`, `pbkdf2-sha256`, `firebase-scrypt`
    /// …), never the hash itself.
    pub fn scheme(&self) -> &'static str {
        match Scheme::parse(&self.0) {
            Ok(Scheme::Argon2(v)) => v.algorithm.as_str(),
            Ok(Scheme::Foreign(f)) => f.scheme(),
            Err(_) => "unknown",
        }
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

    /// Whether verifying this hash costs less than one verification with today's
    /// argon2id parameters (another variant or version, less memory, fewer passes or
    /// lanes), so that it should be replaced.
    pub fn is_weaker_than_current(&self) -> bool {
        Verifier::parse(&self.0).map_or(true, |v| !v.full_cost)
    }

    /// Checks `password` against this hash, whatever its scheme.
    pub fn verify(&self, password: &str) -> bool {
        match Scheme::parse(&self.0) {
            Ok(Scheme::Argon2(verifier)) => verifier.verify(password),
            Ok(Scheme::Foreign(foreign)) => foreign.verify(password),
            Err(_) => false,
        }
    }
}

/// A stored hash taken apart, by kind.
enum Scheme {
    Argon2(Verifier),
    Foreign(ForeignHash),
}

impl Scheme {
    fn parse(stored: &str) -> Result<Scheme, String> {
        match ForeignHash::parse(stored)? {
            Some(foreign) => Ok(Scheme::Foreign(foreign)),
            None => Verifier::parse(stored).map(Scheme::Argon2),
        }
    }
}

impl Verifier {
    /// Re-computes the hash of `password` with this hash's salt and parameters and
    /// compares in constant time. Argon2's working memory is kept per thread between
    /// calls (wiped after each): allocating 19 MiB afresh costs more or less with the
    /// allocator's state, which made a failed login for an unknown email measurably
    /// slower than for a known one.
    fn verify(&self, password: &str) -> bool {
        let verifier = self;
        let mut computed = [0u8; Output::MAX_LENGTH];
        let computed = &mut computed[..verifier.expected.len()];
        let hashed = WORK_MEMORY.with(|memory| {
            let mut blocks = memory.borrow_mut();
            blocks.resize(verifier.params.block_count(), Block::new());
            let hashed = verifier.argon2().hash_password_into_with_memory(
                password.as_bytes(),
                &verifier.salt,
                computed,
                &mut blocks[..],
            );
            // What is left there derives from the password: wiped, at the same cost
            // for every verification.
            blocks.iter_mut().for_each(Zeroize::zeroize);
            hashed
        });
        if hashed.is_err() {
            return false;
        }
        #[cfg(test)]
        VERIFIED.with(|v| v.borrow_mut().push(verifier.ran()));
        Output::new(computed).is_ok_and(|c| c == verifier.expected)
    }
}

/// Argon2id with today's parameters and a fresh 16-byte salt, on this thread's reused
/// working memory (as [`Verifier::verify`]): 19 MiB mapped afresh for every hash
/// made hashing on several threads at once barely faster than on one, as the page
/// faults queue on the process's one memory map.
fn hash_argon2id(password: &[u8]) -> PasswordHash {
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    getrandom::fill(&mut salt).expect("the operating system's random source is available");
    let params = Params::default();
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    WORK_MEMORY.with(|memory| {
        let mut blocks = memory.borrow_mut();
        blocks.resize(params.block_count(), Block::new());
        Argon2::default()
            .hash_password_into_with_memory(password, &salt, &mut output, &mut blocks[..])
            .expect("argon2 with default parameters and a 16-byte salt cannot fail");
        blocks.iter_mut().for_each(Zeroize::zeroize);
    });
    let phc = Phc {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("default parameters encode"),
        salt: Some(Salt::new(&salt).expect("a 16-byte salt")),
        hash: Some(Output::new(&output).expect("a 32-byte output")),
    };
    PasswordHash(phc.to_string())
}

/// What a login's password check found, and for a stored hash weaker than today's
/// (a cheaper argon2, a foreign scheme) that the password matched, the argon2id hash
/// that replaces it.
#[derive(Debug)]
pub struct LoginCheck {
    pub matches: bool,
    pub replacement: Option<PasswordHash>,
}

/// Checks a login's password against the stored hash (`None` for an unknown or
/// locked-out email) and never spends less than one full argon2id computation with
/// today's parameters, so that a cheap stored hash does not tell which emails have
/// accounts: an unknown email is checked against the dummy hash; a stored hash weaker
/// than today's is checked while another thread hashes the password with today's
/// argon2id — the replacement when it matches, the cost floor when it does not — so a
/// first login after an import waits for the slower of the two, not for both.
pub fn check_login_password(stored: Option<&PasswordHash>, password: &str) -> LoginCheck {
    let Some(stored) = stored else {
        dummy_hash().verify(password);
        return LoginCheck {
            matches: false,
            replacement: None,
        };
    };
    if !stored.is_weaker_than_current() {
        return LoginCheck {
            matches: stored.verify(password),
            replacement: None,
        };
    }
    // Today's argon2id runs here, on this thread's warm working memory: on a thread
    // made for it, mapping 19 MiB afresh made this path ~5 ms slower than the others.
    let (checked, fresh) = std::thread::scope(|scope| {
        let checked = scope.spawn(|| {
            let checked = stored.verify(password);
            // What the check ran, handed to this thread for the tests' probe.
            #[cfg(test)]
            let checked = (checked, VERIFIED.with(|v| v.take()));
            checked
        });
        let fresh = PasswordHash::replacing(password);
        (checked.join().expect("verifying does not panic"), fresh)
    });
    #[cfg(test)]
    let checked = {
        let (checked, ran) = checked;
        VERIFIED.with(|v| {
            let mut v = v.borrow_mut();
            v.extend(ran);
            v.push(fresh.parameters().to_string());
        });
        checked
    };
    LoginCheck {
        matches: checked,
        replacement: checked.then_some(fresh),
    }
}

/// Argon2 costs above these (far above any real deployment's) are refused: one
/// imported row would make its user's every login take seconds and much memory.
const MAX_ARGON2_KIB: u32 = 256 * 1024;
const MAX_ARGON2_PASSES: u32 = 16;

/// A stored PHC string taken apart into what an argon2 verification needs.
struct Verifier {
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Salt,
    expected: Output,
    /// Costs at least as much as a hash made by [`PasswordHash::new`] today.
    full_cost: bool,
}

impl Verifier {
    fn parse(phc: &str) -> Result<Verifier, String> {
        let phc = Phc::new(phc).map_err(|e| format!("not a PHC hash: {e}"))?;
        let algorithm = Algorithm::try_from(phc.algorithm.as_str()).map_err(|_| {
            format!(
                "{} hashes cannot be verified (only argon2, bcrypt, PBKDF2, scrypt, Firebase \
                 scrypt and salted SHA-2)",
                phc.algorithm
            )
        })?;
        let version = phc
            .version
            .map_or(Ok(Version::default()), Version::try_from)
            .map_err(|_| "an argon2 version other than 16 or 19".to_string())?;
        let params =
            Params::try_from(&phc).map_err(|e| format!("invalid argon2 parameters: {e}"))?;
        let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
            return Err("no salt or no hash in it".into());
        };
        if params.m_cost() > MAX_ARGON2_KIB || params.t_cost() > MAX_ARGON2_PASSES {
            return Err(format!(
                "argon2 parameters m={},t={} are above m={MAX_ARGON2_KIB},t={MAX_ARGON2_PASSES} \
                 (256 MiB, 16 passes): every login of this user would need them",
                params.m_cost(),
                params.t_cost()
            ));
        }
        let current = Params::default();
        let full_cost = algorithm == Algorithm::Argon2id
            && version == Version::default()
            && params.m_cost() >= current.m_cost()
            && params.t_cost() >= current.t_cost()
            && params.p_cost() >= current.p_cost();
        Ok(Verifier {
            algorithm,
            version,
            params,
            salt,
            expected,
            full_cost,
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(self.algorithm, self.version, self.params.clone())
    }

    /// The parameters of a computation that ran, as a PHC prefix.
    #[cfg(test)]
    fn ran(&self) -> String {
        format!(
            "${}$v={}$m={},t={},p={}",
            self.algorithm,
            self.version as u32,
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost()
        )
    }
}

/// Standard base64, with or without padding.
fn decode_base64(text: &str, what: &str) -> Result<Vec<u8>, String> {
    let padded = format!("{text}{}", "=".repeat((4 - text.len() % 4) % 4));
    match STANDARD.decode(padded) {
        Ok(bytes) if !bytes.is_empty() => Ok(bytes),
        Ok(_) => Err(format!("the {what} is empty")),
        Err(_) => Err(format!("the {what} is not base64")),
    }
}

/// A hash to verify against when the email is unknown (or locked out), so that such a
/// login costs one full argon2 verification with today's parameters, as a wrong
/// password does. It is fixed so that no login ever pays for making it.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$QilOv+432OccHdveGLjdWw$5lRPIFS2jmx3filOP67Q/FZGjcIs3vDTQZnH8xR6Z+s";

pub fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
    DUMMY.get_or_init(|| PasswordHash::parse(DUMMY_PHC).expect("a valid PHC string"))
}

thread_local! {
    static WORK_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

#[cfg(test)]
thread_local! {
    /// The parameters of every argon2 computation that ran to its end on this thread
    /// (recorded after the work, never for a hash that could not be computed): lets
    /// tests check that a failed login did a full verification, without timing it.
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
    use argon2::password_hash::PasswordHasher;

    fn hash_with(algorithm: Algorithm, m: u32, t: u32, password: &str) -> PasswordHash {
        let phc = Argon2::new(
            algorithm,
            Version::V0x13,
            Params::new(m, t, 1, None).unwrap(),
        )
        .hash_password(password.as_bytes())
        .unwrap();
        PasswordHash::parse(&phc.to_string()).unwrap()
    }

    fn recorded(run: impl FnOnce()) -> Vec<String> {
        VERIFIED.with(|v| v.borrow_mut().clear());
        run();
        VERIFIED.with(|v| v.borrow().clone())
    }

    const TODAY: &str = "$argon2id$v=19$m=19456,t=2,p=1";

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hash = PasswordHash::new(&Password::parse("correct horse").unwrap());
        assert!(hash.as_str().starts_with(TODAY), "{}", hash.as_str());
        assert!(hash.verify("correct horse"));
        assert!(!hash.is_weaker_than_current());
        assert!(!hash.verify("correct horse "));
        assert!(PasswordHash::parse(hash.as_str()).is_ok());
    }

    #[test]
    fn the_dummy_hash_has_todays_parameters() {
        let fresh = PasswordHash::new(&Password::parse("correct horse").unwrap());
        assert_eq!(fresh.parameters(), TODAY);
        assert_eq!(dummy_hash().parameters(), fresh.parameters());
        assert!(!dummy_hash().is_weaker_than_current());
        assert!(!dummy_hash().verify("any password"));
    }

    #[test]
    fn verifying_again_on_reused_memory_gives_the_same_answers() {
        let a = PasswordHash::new(&Password::parse("first password").unwrap());
        let b = PasswordHash::new(&Password::parse("second password").unwrap());
        let matches = |h: &PasswordHash, p: &str| h.verify(p);
        for _ in 0..2 {
            assert!(matches(&a, "first password") && matches(&b, "second password"));
            assert!(!matches(&a, "second password") && !matches(&b, "first password"));
        }
        // A hash with other parameters (less memory, argon2i) on the same memory.
        let small = hash_with(Algorithm::Argon2i, 64, 1, "small password");
        assert!(matches(&small, "small password") && !matches(&small, "first password"));
        assert!(matches(&a, "first password"));
    }

    #[test]
    fn only_todays_argon2id_or_stronger_counts_as_full_cost() {
        let weak = [
            hash_with(Algorithm::Argon2id, 64, 1, "pw"),
            hash_with(Algorithm::Argon2i, 19456, 2, "pw"),
            hash_with(Algorithm::Argon2d, 19456, 2, "pw"),
            hash_with(Algorithm::Argon2id, 19456, 1, "pw"),
        ];
        for hash in &weak {
            assert!(hash.is_weaker_than_current(), "{}", hash.parameters());
            assert!(hash.verify("pw"), "{}", hash.parameters());
        }
        let old_version = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x10,
            Params::new(19456, 2, 1, None).unwrap(),
        )
        .hash_password(b"pw")
        .unwrap();
        let old_version = PasswordHash::parse(&old_version.to_string()).unwrap();
        assert!(old_version.is_weaker_than_current());
        let stronger = hash_with(Algorithm::Argon2id, 19456, 3, "pw");
        assert!(!stronger.is_weaker_than_current());
        assert!(stronger.verify("pw"));
    }

    /// The probe records a computation only once it has run: a stored hash that
    /// cannot be taken apart (here a 4-byte salt, below argon2's 8) runs nothing,
    /// records nothing and is never taken for a full verification. (Parsing refuses
    /// what argon2 would, so such a hash stops there, before any computation.)
    #[test]
    fn the_probe_records_only_work_that_ran() {
        let broken = PasswordHash(format!("{TODAY}$c2FsdA$aGFzaA"));
        let why = Verifier::parse(&broken.0)
            .err()
            .expect("refused before any work");
        assert!(why.contains("salt too short"), "{why}");
        assert!(
            recorded(|| {
                assert!(!broken.verify("pw"));
            })
            .is_empty()
        );
        let weak = hash_with(Algorithm::Argon2i, 64, 1, "pw");
        assert_eq!(
            recorded(|| {
                weak.verify("pw");
            }),
            ["$argon2i$v=19$m=64,t=1,p=1"]
        );
    }

    /// Timing is measured by `cargo bench --bench login`; this guards its cause.
    #[test]
    fn a_login_check_never_spends_less_than_one_verification_with_todays_parameters() {
        let today = PasswordHash::new(&Password::parse("right password").unwrap());
        let weak = hash_with(Algorithm::Argon2i, 64, 1, "right password");
        let check = |stored: Option<&PasswordHash>, password: &str| {
            let mut result = None;
            let ran = recorded(|| result = Some(check_login_password(stored, password)));
            let result = result.unwrap();
            let replaced = result.replacement.map(|h| h.parameters().to_string());
            (result.matches, ran, replaced)
        };
        let today_ran = vec![TODAY.to_string()];
        assert_eq!(
            check(Some(&today), "wrong"),
            (false, today_ran.clone(), None)
        );
        assert_eq!(check(None, "wrong"), (false, today_ran.clone(), None));
        assert_eq!(
            check(Some(&today), "right password"),
            (true, today_ran.clone(), None)
        );
        // A weaker hash is checked beside one argon2id computation with today's
        // parameters: the floor of a wrong password, the replacement of a right one.
        let weak_ran = vec!["$argon2i$v=19$m=64,t=1,p=1".to_string(), TODAY.to_string()];
        assert_eq!(check(Some(&weak), "wrong"), (false, weak_ran.clone(), None));
        assert_eq!(
            check(Some(&weak), "right password"),
            (true, weak_ran, Some(TODAY.to_string()))
        );
        let bcrypt =
            PasswordHash::parse("$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie")
                .unwrap();
        assert_eq!(
            check(Some(&bcrypt), "wrong"),
            (false, today_ran.clone(), None)
        );
        assert_eq!(
            check(Some(&bcrypt), "correctbatteryhorsestapler"),
            (true, today_ran, Some(TODAY.to_string()))
        );
    }

    #[test]
    fn foreign_hashes_name_their_scheme_and_count_as_weaker() {
        let today = PasswordHash::new(&Password::parse("right password").unwrap());
        assert_eq!(today.scheme(), "argon2id");
        assert_eq!(
            hash_with(Algorithm::Argon2i, 64, 1, "pw").scheme(),
            "argon2i"
        );
        let django = PasswordHash::parse(
            "pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY=",
        )
        .unwrap();
        assert_eq!(django.scheme(), "django-pbkdf2-sha256");
        assert!(django.is_weaker_than_current());
        assert!(django.verify("lètmein"));
        let replaced = PasswordHash::replacing("short");
        assert!(replaced.as_str().starts_with(TODAY));
        assert!(replaced.verify("short"));
    }

    #[test]
    fn argon2_costs_no_deployment_uses_are_refused_saying_why() {
        let phc =
            |params: &str| format!("$argon2id$v=19${params}$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA");
        for (params, taken) in [
            ("m=262144,t=16,p=4", true),
            ("m=262145,t=1,p=1", false),
            ("m=19456,t=17,p=1", false),
        ] {
            match PasswordHash::parse(&phc(params)) {
                Ok(_) => assert!(taken, "{params} was taken"),
                Err(reason) => {
                    assert!(!taken, "{params}: {reason}");
                    assert!(reason.contains("every login of this user"), "{reason}");
                }
            }
        }
    }

    #[test]
    fn salts_differ() {
        let p = Password::parse("same password").unwrap();
        assert_ne!(PasswordHash::new(&p), PasswordHash::new(&p));
    }

    #[test]
    fn refuses_hashes_it_cannot_verify_saying_why() {
        let refused = |phc: &str| PasswordHash::parse(phc).unwrap_err();
        assert!(refused("plaintext").starts_with("not a PHC hash"));
        assert!(
            refused("$md5-crypt$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
                .contains("md5-crypt hashes cannot be verified")
        );
        assert!(refused("$2b$04$short").contains("not a bcrypt hash"));
        assert!(refused("$argon2id$v=19$m=19456,t=2,p=1").contains("no salt or no hash"));
        assert!(
            refused("$argon2id$v=19$m=1,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
                .contains("invalid argon2 parameters")
        );
        assert!(
            refused("$argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
                .contains("version")
        );
        assert!(
            refused("$argon2id$v=19$m=19456,t=2,p=1,x=3$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
                .contains("invalid argon2 parameters")
        );
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
