use crate::domain::required_text;

/// Where a change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Console,
    Cli,
    Import,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Console => "console",
            Source::Cli => "cli",
            Source::Import => "import",
        }
    }
}

/// Who makes the changes a store writes, and through what: named in every entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    name: String,
    pub source: Source,
}

impl Actor {
    /// A named actor (`--actor NAME`): trimmed, not empty, no control characters.
    pub fn named(name: &str, source: Source) -> Result<Actor, String> {
        let name = required_text(name).map_err(|m| format!("the actor {m}"))?;
        Ok(Actor { name, source })
    }

    /// The operating system's user on this host, `user@host`.
    pub fn local(source: Source) -> Actor {
        let user = whoami::username().unwrap_or_else(|_| "unknown".into());
        let host = whoami::hostname().unwrap_or_else(|_| "localhost".into());
        Actor::named(&format!("{user}@{host}"), source).unwrap_or(Actor {
            name: "unknown@localhost".into(),
            source,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}
