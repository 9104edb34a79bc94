//! The demo data set: a realistic application to explore the console with.

use crate::auth::PasswordHash;
use crate::domain::Password;
use crate::store::{AppId, Result, SeedUser, Store, StoreError};

/// Every demo user's password.
pub const DEMO_PASSWORD: &str = "demo-password";
pub const DEFAULT_DEMO_USERS: u64 = 60;

/// (group, parent)
const GROUPS: &[(&str, Option<&str>)] = &[
    ("Acme", None),
    ("Engineering", Some("Acme")),
    ("Platform", Some("Engineering")),
    ("Mobile", Some("Engineering")),
    ("Sales", Some("Acme")),
    ("EMEA", Some("Sales")),
    ("Berlin office", Some("EMEA")),
    ("Americas", Some("Sales")),
    ("Partners", None),
    ("Resellers", Some("Partners")),
    ("Support", None),
];

/// (device, groups it is tied to)
const DEVICES: &[(&str, &[&str])] = &[
    ("HQ front door", &["Acme"]),
    ("Build server", &["Engineering"]),
    ("Test iPhone 15", &["Mobile"]),
    ("Staging cluster", &["Platform"]),
    ("Demo kiosk", &["Sales"]),
    ("Berlin printer", &["Berlin office"]),
    ("Partner portal gateway", &["Partners"]),
    ("Support phone line", &["Support", "Resellers"]),
];

const FIRST: &[&str] = &[
    "Alice", "Bob", "Chidi", "Dana", "Eitan", "Fatima", "Grace", "Hiro", "Ines", "Jonas", "Kemal",
    "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
    "Wen", "Ximena", "Yusuf", "Zoë", "Amélie", "Björn", "Chloé", "Dmitri",
];
const LAST: &[&str] = &[
    "Smith",
    "Okafor",
    "Müller",
    "Tanaka",
    "García",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Rossi",
    "Johansson",
    "Dubois",
    "Patel",
    "O'Brien",
    "Silva",
    "Novak",
    "Kim",
    "Larsen",
    "Moreau",
    "Yilmaz",
    "Fischer",
];
const DOMAINS: &[&str] = &[
    "acme.io",
    "example.com",
    "mail.example.org",
    "partner.co.uk",
    "globex.net",
];
/// Coprime with the number of name combinations (30 × 20 × 5).
const STRIDE: u64 = 7919;
const PLANS: &[&str] = &["free", "pro", "team", "enterprise"];
const LOCALES: &[&str] = &["en-GB", "de-DE", "fr-FR", "ja-JP", "pt-BR", "en-US"];

/// Fills an empty application with `count` demo users, groups and devices.
pub fn seed_demo(
    store: &mut Store,
    app: AppId,
    count: u64,
    now: i64,
    progress: impl FnMut(u64),
) -> Result<u64> {
    let existing = store.scope_counts(app)?.all;
    if existing > 0 {
        return Err(StoreError::Invalid(vec![crate::domain::FieldError::new(
            crate::domain::Field::Record,
            format!("the application already has {existing} users; demo fills an empty one"),
        )]));
    }
    let mut group_ids = Vec::new();
    for (name, parent) in GROUPS {
        group_ids.push(store.create_group(app, name, *parent)?.id);
    }
    for (name, groups) in DEVICES {
        store.create_device(app, name, groups)?;
    }
    let hash = PasswordHash::new(&Password::parse(DEMO_PASSWORD).expect("valid demo password"));
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let users = (0..count).map(move |i| demo_user(&mut rng, i, &group_ids, now));
    store.insert_seed_users(app, users, &hash, progress)
}

fn demo_user(rng: &mut fastrand::Rng, i: u64, groups: &[i64], now: i64) -> SeedUser {
    // Walk the name combinations in a scrambled but repeatable order (a stride
    // coprime with their number visits each once) so that neighbours differ.
    let combos = (FIRST.len() * LAST.len() * DOMAINS.len()) as u64;
    let c = ((i % combos) * STRIDE % combos) as usize;
    let first = FIRST[c % FIRST.len()];
    let last = LAST[(c / FIRST.len()) % LAST.len()];
    let domain = DOMAINS[c / (FIRST.len() * LAST.len())];
    let round = i / combos;
    let local = ascii_local(&format!("{first}.{last}"));
    let email = if round == 0 {
        format!("{local}@{domain}")
    } else {
        format!("{local}{round}@{domain}")
    };
    // Some users have only one of the two names, as real sign-ups do.
    let (first_name, last_name) = match rng.u8(0..20) {
        0 => (first.to_string(), String::new()),
        1 => (String::new(), last.to_string()),
        _ => (first.to_string(), last.to_string()),
    };
    let member_of = match rng.u8(0..10) {
        _ if groups.is_empty() => vec![],
        0..=2 => vec![],
        3..=7 => vec![groups[rng.usize(0..groups.len())]],
        _ if groups.len() == 1 => groups.to_vec(),
        _ => {
            let a = rng.usize(0..groups.len());
            let b = (a + 1 + rng.usize(0..groups.len() - 1)) % groups.len();
            vec![a, b].into_iter().map(|g| groups[g]).collect()
        }
    };
    let mut tags = Vec::new();
    if rng.bool() {
        tags.push(("phone".into(), format!("+1 555 01{:02}", rng.u8(0..100))));
    }
    if rng.u8(0..3) == 0 {
        tags.push(("stripe_id".into(), format!("cus_{:014X}", rng.u64(..) >> 8)));
    }
    if rng.u8(0..4) == 0 {
        tags.push(("hubspot_id".into(), rng.u32(100_000..999_999).to_string()));
    }
    if rng.u8(0..3) != 0 {
        tags.push(("plan".into(), PLANS[rng.usize(0..PLANS.len())].into()));
    }
    if rng.bool() {
        tags.push(("locale".into(), LOCALES[rng.usize(0..LOCALES.len())].into()));
    }
    if rng.u8(0..5) == 0 {
        tags.push(("employee_no".into(), format!("E-{:05}", rng.u32(1..99_999))));
    }
    let created_at = now - rng.i64(86_400..2 * 365 * 86_400);
    let last_login = match rng.u8(0..10) {
        0..=2 => 0,
        _ => now - rng.i64(60..90 * 86_400).min(now - created_at),
    };
    SeedUser {
        email,
        first_name,
        last_name,
        groups: member_of,
        tags,
        created_at,
        last_login,
    }
}

/// Folds accents and drops apostrophes so demo names make valid addresses.
fn ascii_local(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'ä' | 'á' | 'à' => Some('a'),
            'é' | 'è' | 'ë' => Some('e'),
            'í' => Some('i'),
            'ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'ç' => Some('c'),
            '\'' => None,
            c => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;

    #[test]
    fn demo_emails_are_valid_and_unique_across_rounds() {
        let mut rng = fastrand::Rng::with_seed(1);
        let mut seen = std::collections::HashSet::new();
        for i in 0..7_000 {
            let u = demo_user(&mut rng, i, &[1, 2, 3], 1_800_000_000);
            let email = Email::parse(&u.email).unwrap_or_else(|e| panic!("{}: {e}", u.email));
            assert!(seen.insert(email.key()), "duplicate {}", u.email);
            assert!(u.last_login == 0 || u.last_login >= u.created_at);
        }
    }

    #[test]
    fn neighbouring_demo_users_differ() {
        let mut rng = fastrand::Rng::with_seed(1);
        let names: std::collections::HashSet<String> = (0..20)
            .map(|i| demo_user(&mut rng, i, &[1], 0).last_name)
            .collect();
        assert!(names.len() > 5, "{names:?}");
    }
}
