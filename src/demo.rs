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
    let scale = Scale::build(store, app, count)?;
    let hash = PasswordHash::new(&Password::parse(DEMO_PASSWORD).expect("valid demo password"));
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let users = (0..count).map(move |i| demo_user(&mut rng, i, &scale, now));
    store.insert_seed_users(app, users, &hash, progress)
}

/// How big the demo world is: the named groups and keys suit a small demo; large ones
/// (the million-user benchmark) add generated teams up to 200 groups in four levels and
/// generated tag keys up to 10,000, so that every user carries 3–6 tags.
struct Scale {
    groups: Vec<i64>,
    extra_keys: Vec<String>,
}

const MAX_GROUPS: u64 = 200;
const MAX_KEYS: u64 = 10_000;

impl Scale {
    fn build(store: &mut Store, app: AppId, users: u64) -> Result<Scale> {
        let mut groups = Vec::new();
        // (id, depth) of groups that may take children without passing four levels.
        let mut parents: Vec<(String, usize)> = Vec::new();
        for (name, parent) in GROUPS {
            groups.push(store.create_group(app, name, *parent)?.id);
            let depth = parent
                .and_then(|p| parents.iter().find(|(n, _)| n == p))
                .map_or(0, |(_, d)| d + 1);
            parents.push((name.to_string(), depth));
        }
        for (name, linked) in DEVICES {
            store.create_device(app, name, linked)?;
        }
        let wanted = (users / 5_000).clamp(GROUPS.len() as u64, MAX_GROUPS) as usize;
        for i in 0..wanted - GROUPS.len() {
            let open: Vec<&(String, usize)> = parents.iter().filter(|(_, d)| *d < 3).collect();
            let (parent, depth) = open[i % open.len()].clone();
            let name = format!("Team {:03}", i + 1);
            groups.push(store.create_group(app, &name, Some(&parent))?.id);
            if i % 4 == 0 {
                store.create_device(app, &format!("Team {:03} badge reader", i + 1), &[&name])?;
            }
            parents.push((name, depth + 1));
        }
        let keys = (users / 100).min(MAX_KEYS);
        let extra_keys = if keys > 6 {
            (0..keys).map(|k| format!("ext_{k:04}")).collect()
        } else {
            Vec::new()
        };
        Ok(Scale { groups, extra_keys })
    }
}

fn demo_user(rng: &mut fastrand::Rng, i: u64, scale: &Scale, now: i64) -> SeedUser {
    let groups = &scale.groups;
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
    if !scale.extra_keys.is_empty() {
        let wanted = rng.usize(3..=6);
        while tags.len() < wanted {
            // Skewed: low-numbered keys are common, high-numbered ones rare.
            let r = rng.f64();
            let key = &scale.extra_keys[(r * r * scale.extra_keys.len() as f64) as usize];
            if tags.iter().all(|(k, _)| k != key) {
                tags.push((key.clone(), format!("v{}", rng.u16(..1000))));
            }
        }
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

/// Seeds `users` demo users into `store`'s default application; returns it and the
/// id of its top group, Acme (for unit tests).
#[cfg(test)]
pub(crate) fn seeded_with_acme(store: &mut Store, users: u64) -> (AppId, i64) {
    let app = store.existing_application("default").unwrap().id;
    seed_demo(store, app, users, 0, |_| ()).unwrap();
    let acme = (store.groups(app).unwrap().into_iter())
        .find(|g| g.name == "Acme")
        .unwrap()
        .id;
    (app, acme)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;

    #[test]
    fn a_million_users_get_200_groups_in_four_levels_and_10000_keys() {
        let mut store = Store::open_in_memory().unwrap();
        let app = store.application("default").unwrap().id;
        let scale = Scale::build(&mut store, app, 1_000_000).unwrap();
        assert_eq!(scale.groups.len(), 200);
        assert_eq!(scale.extra_keys.len(), 10_000);
        let groups = store.groups(app).unwrap();
        let depth = |mut id: i64| {
            let mut d = 0;
            while let Some(p) = groups.iter().find(|g| g.id == id).unwrap().parent_id {
                id = p;
                d += 1;
            }
            d
        };
        let deepest = groups.iter().map(|g| depth(g.id)).max().unwrap();
        assert_eq!(deepest, 3, "four levels");
    }

    fn small(groups: &[i64]) -> Scale {
        Scale {
            groups: groups.to_vec(),
            extra_keys: Vec::new(),
        }
    }

    #[test]
    fn large_demo_users_carry_three_to_six_distinct_tags() {
        let scale = Scale {
            groups: vec![1, 2],
            extra_keys: (0..500).map(|k| format!("ext_{k:04}")).collect(),
        };
        let mut rng = fastrand::Rng::with_seed(3);
        for i in 0..2_000 {
            let u = demo_user(&mut rng, i, &scale, 1_800_000_000);
            assert!((3..=6).contains(&u.tags.len()), "{:?}", u.tags);
            let mut keys: Vec<&String> = u.tags.iter().map(|(k, _)| k).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), u.tags.len(), "one value per key");
        }
    }

    #[test]
    fn demo_emails_are_valid_and_unique_across_rounds() {
        let mut rng = fastrand::Rng::with_seed(1);
        let mut seen = std::collections::HashSet::new();
        for i in 0..7_000 {
            let u = demo_user(&mut rng, i, &small(&[1, 2, 3]), 1_800_000_000);
            let email = Email::parse(&u.email).unwrap_or_else(|e| panic!("{}: {e}", u.email));
            assert!(seen.insert(email.key()), "duplicate {}", u.email);
            assert!(u.last_login == 0 || u.last_login >= u.created_at);
        }
    }

    #[test]
    fn neighbouring_demo_users_differ() {
        let mut rng = fastrand::Rng::with_seed(1);
        let names: std::collections::HashSet<String> = (0..20)
            .map(|i| demo_user(&mut rng, i, &small(&[1]), 0).last_name)
            .collect();
        assert!(names.len() > 5, "{names:?}");
    }
}
