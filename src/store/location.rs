//! Where the data is: a SQLite file, or a PostgreSQL database named by a connection
//! string (`--db` / `XUSERS_DB`). Shown, it never includes a password.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use postgres::config::{Host, SslMode};

/// A database `--db` names.
#[derive(Debug, Clone)]
pub enum Location {
    /// A SQLite file: a plain path, or `sqlite:PATH`.
    Sqlite(PathBuf),
    /// A PostgreSQL database: a `postgres://` or `postgresql://` URL, or a libpq
    /// `key=value` string. (Its `Debug` hides the password too.)
    Postgres(Box<postgres::Config>),
}

/// A `--db` text that names no database, said plainly (never with its password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LocationError(String);

/// The keywords of libpq connection strings that PostgreSQL's client library here
/// understands: text starting `KEYWORD=` is a connection string, any other a path (a
/// file whose name starts so is reached as `sqlite:NAME` or `./NAME`).
const LIBPQ_KEYWORDS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "sslmode",
    "sslnegotiation",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];

impl FromStr for Location {
    type Err = LocationError;

    fn from_str(text: &str) -> Result<Location, LocationError> {
        if let Some(path) = text.strip_prefix("sqlite:") {
            return match path.is_empty() {
                true => Err(LocationError(
                    "sqlite: names no file (write sqlite:PATH)".into(),
                )),
                false => Ok(Location::Sqlite(PathBuf::from(path))),
            };
        }
        let url = text.starts_with("postgres://") || text.starts_with("postgresql://");
        if url || starts_with_keyword(text) {
            return text
                .parse::<postgres::Config>()
                .map(|config| Location::Postgres(Box::new(config)))
                .map_err(|e| {
                    LocationError(format!(
                        "not a usable PostgreSQL connection string: {}",
                        parse_failure(&e)
                    ))
                });
        }
        match text.is_empty() {
            true => Err(LocationError("the database location is empty".into())),
            false => Ok(Location::Sqlite(PathBuf::from(text))),
        }
    }
}

/// Why the text did not parse. The parser may quote the one character it did not
/// expect, maybe one of a password: where it is says enough.
fn parse_failure(e: &postgres::Error) -> String {
    let reason = std::error::Error::source(e).map_or_else(|| e.to_string(), ToString::to_string);
    match reason.split_once(": expected") {
        Some((at, _)) => at.to_owned(),
        None => reason,
    }
}

fn starts_with_keyword(text: &str) -> bool {
    text.trim_start()
        .split_once('=')
        .is_some_and(|(key, _)| LIBPQ_KEYWORDS.contains(&key.trim_end()))
}

impl Location {
    /// Reads `--db` as given on the command line: text that is not UTF-8 can only be a
    /// file's path.
    pub fn parse_os(text: &std::ffi::OsStr) -> Result<Location, LocationError> {
        match text.to_str() {
            Some(text) => text.parse(),
            None => Ok(Location::Sqlite(PathBuf::from(text))),
        }
    }

    /// The SQLite file, when the data is in one.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match self {
            Location::Sqlite(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }
}

/// A PostgreSQL location as a `postgresql://` URL without its password (a socket
/// folder as a percent-encoded host, as libpq reads it), so that it can be shown in a
/// header or a message, and pasted back.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = match self {
            Location::Sqlite(path) => return write!(f, "{}", path.display()),
            Location::Postgres(config) => config,
        };
        f.write_str("postgresql://")?;
        if let Some(user) = config.get_user() {
            write!(f, "{}@", encode(user))?;
        }
        let ports = config.get_ports();
        for (i, host) in config.get_hosts().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match host {
                Host::Tcp(name) => f.write_str(&encode(name))?,
                Host::Unix(folder) => f.write_str(&encode(&folder.to_string_lossy()))?,
            }
            let port = ports.get(i).or(ports.first().filter(|_| ports.len() == 1));
            if let Some(port) = port {
                write!(f, ":{port}")?;
            }
        }
        f.write_str("/")?;
        if let Some(dbname) = config.get_dbname() {
            f.write_str(&encode(dbname))?;
        }
        match config.get_ssl_mode() {
            SslMode::Disable => f.write_str("?sslmode=disable"),
            SslMode::Require => f.write_str("?sslmode=require"),
            _ => Ok(()),
        }
    }
}

/// Percent-encodes what would end or split a URL's part.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Location {
        text.parse()
            .unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    fn postgres(text: &str) -> postgres::Config {
        match parse(text) {
            Location::Postgres(config) => *config,
            other => panic!("{text:?} should be PostgreSQL, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_path_or_sqlite_prefix_is_a_sqlite_file() {
        for (text, path) in [
            ("users.db", "users.db"),
            ("/var/lib/xusers/users.db", "/var/lib/xusers/users.db"),
            ("sqlite:users.db", "users.db"),
            ("sqlite:/tmp/a b.db", "/tmp/a b.db"),
            ("sqlite:host=x", "host=x"),
            ("./host=x", "./host=x"),
            ("weird=name.db", "weird=name.db"),
        ] {
            assert_eq!(
                parse(text).sqlite_path(),
                Some(std::path::Path::new(path)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_command_line_argument_that_is_not_utf8_is_a_path() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"host=\xff.db");
        let location = Location::parse_os(name).unwrap();
        assert_eq!(location.sqlite_path(), Some(std::path::Path::new(name)));
        let url = std::ffi::OsStr::new("postgres://a@b/c");
        assert!(Location::parse_os(url).unwrap().sqlite_path().is_none());
    }

    #[test]
    fn urls_and_key_value_strings_are_postgresql() {
        let url = postgres("postgres://alice@db.example.com:6543/users");
        assert_eq!(url.get_user(), Some("alice"));
        assert_eq!(url.get_dbname(), Some("users"));
        assert_eq!(url.get_ports(), &[6543]);
        assert!(matches!(url.get_hosts(), [Host::Tcp(h)] if h == "db.example.com"));

        let long = postgres("postgresql://bob@localhost/x?sslmode=require");
        assert_eq!(long.get_user(), Some("bob"));
        assert_eq!(long.get_ssl_mode(), SslMode::Require);

        let kv = postgres("host=/tmp dbname=x user=y");
        assert_eq!(kv.get_dbname(), Some("x"));
        assert_eq!(kv.get_user(), Some("y"));
        assert!(matches!(kv.get_hosts(), [Host::Unix(p)] if p == std::path::Path::new("/tmp")));
        assert!(parse("  dbname = x").sqlite_path().is_none());
    }

    #[test]
    fn shown_it_names_the_database_but_never_the_password() {
        for (text, shown) in [
            (
                "postgres://alice:s3cr%23t-pw@db.example.com:6543/users",
                "postgresql://alice@db.example.com:6543/users",
            ),
            (
                "host=/run/pg dbname=x user=y password=s3cr#t-pw sslmode=require",
                "postgresql://y@%2Frun%2Fpg/x?sslmode=require",
            ),
            (
                "postgresql://u:s3cr%23t-pw@a:1,b:2/d",
                "postgresql://u@a:1,b:2/d",
            ),
        ] {
            let location = parse(text);
            assert_eq!(location.to_string(), shown);
            assert!(!format!("{location:?}").contains("s3cr"), "{location:?}");
        }
        assert_eq!(parse("sqlite:/tmp/u.db").to_string(), "/tmp/u.db");
    }

    #[test]
    fn what_it_shows_reads_back_as_the_same_database() {
        let shown = parse("host=/run/pg port=5433 dbname=x user=y").to_string();
        let again = postgres(&shown);
        assert!(
            matches!(again.get_hosts(), [Host::Unix(p)] if p == std::path::Path::new("/run/pg"))
        );
        assert_eq!(
            (again.get_ports(), again.get_dbname(), again.get_user()),
            (&[5433][..], Some("x"), Some("y"))
        );
    }

    #[test]
    fn bad_strings_are_refused_plainly_without_their_password() {
        for text in [
            "postgres://alice:s3cr3t-pw@db:notaport/users",
            "host=/tmp password=s3cr3t-pw sslmode=sometimes",
            "host=/tmp password=s3cr3t-pw nonsense=1",
            "dbname='unterminated password=s3cr3t-pw",
        ] {
            let error = text.parse::<Location>().unwrap_err().to_string();
            assert!(
                error.starts_with("not a usable PostgreSQL connection string: "),
                "{error}"
            );
            assert!(!error.contains("s3cr3t"), "{error}");
        }
        for (text, reason) in [
            (
                "host=/tmp password=s3cr3t-pw sslmode=sometimes",
                "invalid value for option `sslmode`",
            ),
            ("host=/tmp nonsense=1", "unknown option `nonsense`"),
            ("password=s3 cr3t pw", "unexpected character at byte 17"),
        ] {
            let error = text.parse::<Location>().unwrap_err().to_string();
            assert_eq!(
                error,
                format!("not a usable PostgreSQL connection string: {reason}")
            );
        }
        assert_eq!(
            "sqlite:".parse::<Location>().unwrap_err().to_string(),
            "sqlite: names no file (write sqlite:PATH)"
        );
        assert_eq!(
            "".parse::<Location>().unwrap_err().to_string(),
            "the database location is empty"
        );
    }
}
