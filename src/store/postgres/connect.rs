//! A connection to PostgreSQL, over TLS (rustls, with the system's trusted
//! certificates) whenever the connection string allows or demands it.

use std::sync::OnceLock;

use postgres::config::SslMode;
use postgres::{Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::Result;

/// Connects as `config` says. `sslmode=require` refuses a server without TLS;
/// `prefer` (the default) uses TLS when the server offers it (never on a unix socket).
pub fn connect(config: &Config) -> Result<Client> {
    Ok(match config.get_ssl_mode() {
        SslMode::Disable => config.connect(NoTls)?,
        _ => config.connect(tls())?,
    })
}

/// Verifies the server against the certificates the system trusts (where an
/// organisation adds its own authority); with none found, no server is trusted. They
/// are read once per process: reading and parsing them took most of a connection's
/// time, and the console opens one for each of its workers.
fn tls() -> MakeRustlsConnect {
    static TLS: OnceLock<MakeRustlsConnect> = OnceLock::new();
    let tls = TLS.get_or_init(|| match MakeRustlsConnect::with_native_certs() {
        Ok((tls, _unreadable)) => tls,
        Err(_) => MakeRustlsConnect::new(
            rustls::ClientConfig::builder()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
        ),
    });
    tls.clone()
}
