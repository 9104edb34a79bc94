use std::fmt;

const MAX_LOCAL: usize = 64;
const MAX_TOTAL: usize = 254;

/// A trimmed, syntactically valid email address. Uniqueness is enforced on [`Email::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, String> {
        let email = input.trim();
        if email.is_empty() {
            return Err("is required".into());
        }
        if email.chars().count() > MAX_TOTAL {
            return Err(format!("must be at most {MAX_TOTAL} characters"));
        }
        let (local, domain) = email
            .rsplit_once('@')
            .ok_or_else(|| "must look like name@example.com".to_string())?;
        if local.chars().count() > MAX_LOCAL {
            return Err(format!(
                "the part before @ must be at most {MAX_LOCAL} characters"
            ));
        }
        check_local(local)?;
        check_domain(domain)?;
        Ok(Email(email.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness is decided on: the same address in any case is one user.
    pub fn key(&self) -> String {
        email_key(&self.0)
    }
}

/// Lower-cases an address the way [`Email::key`] does, for looking users up by typed text.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 5322 dot-atom: atoms of atext joined by single dots.
fn check_local(local: &str) -> Result<(), String> {
    if local.is_empty() {
        return Err("is missing the part before @".into());
    }
    for atom in local.split('.') {
        if atom.is_empty() {
            return Err("the part before @ cannot start or end with a dot or hold '..'".into());
        }
        if let Some(bad) = atom.chars().find(|c| !is_atext(*c)) {
            return Err(format!("the part before @ cannot contain {bad:?}"));
        }
    }
    Ok(())
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn check_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("is missing the domain after @".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err("the domain needs at least two parts, like example.com".into());
    }
    for label in labels {
        if label.is_empty() {
            return Err("the domain cannot start or end with a dot or hold '..'".into());
        }
        if label.len() > 63 {
            return Err("each part of the domain must be at most 63 characters".into());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a part of the domain cannot start or end with '-'".into());
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!("the domain cannot contain {bad:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_trims() {
        let e = Email::parse("  Alice.Smith+tag@Acme.io ").unwrap();
        assert_eq!(e.as_str(), "Alice.Smith+tag@Acme.io");
        assert_eq!(e.key(), "alice.smith+tag@acme.io");
        assert!(Email::parse("o'brien@sub.example-mail.co.uk").is_ok());
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "   ",
            "alice",
            "alice@",
            "@acme.io",
            "alice@acme",
            "alice@@acme.io",
            ".alice@acme.io",
            "alice.@acme.io",
            "al..ice@acme.io",
            "alice@.acme.io",
            "alice@acme.io.",
            "alice@acme..io",
            "alice@-acme.io",
            "alice@acme-.io",
            "al ice@acme.io",
            "alice@ac_me.io",
            "alice@ac\nme.io",
            "ali\u{1b}[31mce@acme.io",
            "ålice@acme.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn local_part_is_at_most_64() {
        let ok = format!("{}@acme.io", "a".repeat(64));
        let long = format!("{}@acme.io", "a".repeat(65));
        assert!(Email::parse(&ok).is_ok());
        assert!(Email::parse(&long).unwrap_err().contains("at most 64"));
    }

    #[test]
    fn whole_address_is_at_most_254() {
        // 64 + 1 + 189 = 254: labels of 63 chars joined by dots.
        let domain = format!("{}.{}.{}", "b".repeat(63), "c".repeat(63), "d".repeat(61));
        let ok = format!("{}@{}", "a".repeat(64), domain);
        assert_eq!(ok.len(), 254);
        assert!(Email::parse(&ok).is_ok());
        let long = format!("{}@{}", "a".repeat(64), domain + "d");
        assert_eq!(long.len(), 255);
        assert!(Email::parse(&long).unwrap_err().contains("at most 254"));
    }

    #[test]
    fn keys_of_mixed_case_duplicates_agree() {
        let a = Email::parse("Bob@Example.COM").unwrap();
        let b = Email::parse("bob@example.com").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.key(), b.key());
    }
}
