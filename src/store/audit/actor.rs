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
    /// Only `benches/audit.rs` makes an actor whose changes are not recorded, to
    /// measure what recording costs; no build without the feature can.
    #[cfg(feature = "bench-internals")]
    unrecorded: bool,
}

impl Actor {
    /// A named actor (`--actor NAME`): trimmed, not empty, no control characters.
    pub fn named(name: &str, source: Source) -> Result<Actor, String> {
        let name = required_text(name).map_err(|m| format!("the actor {m}"))?;
        Ok(Actor {
            name,
            source,
            #[cfg(feature = "bench-internals")]
            unrecorded: false,
        })
    }

    /// The operating system's user on this host, `user@host`.
    pub fn local(source: Source) -> Actor {
        let user = whoami::username().unwrap_or_else(|_| "unknown".into());
        let host = whoami::hostname().unwrap_or_else(|_| "localhost".into());
        Actor::named(&format!("{user}@{host}"), source)
            .unwrap_or_else(|_| Actor::named("unknown@localhost", source).expect("a valid name"))
    }

    /// For the benchmark only: an actor whose changes leave no audit entry.
    #[cfg(feature = "bench-internals")]
    pub fn unrecorded_for_bench() -> Actor {
        Actor {
            unrecorded: true,
            ..Actor::local(Source::Cli)
        }
    }

    /// Whether this actor's changes are recorded (always, but in the benchmark).
    pub(crate) fn recorded(&self) -> bool {
        #[cfg(feature = "bench-internals")]
        return !self.unrecorded;
        #[cfg(not(feature = "bench-internals"))]
        true
    }

    /// The same actor working through `source` (the console names itself).
    pub fn with_source(mut self, source: Source) -> Actor {
        self.source = source;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}
