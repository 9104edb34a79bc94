//! A connection to PostgreSQL, over TLS (rustls, with the system's trusted
//! certificates) whenever the connection string allows or demands it.

use std::sync::OnceLock;

use postgres::config::SslMode;
use postgres::{CancelToken, Client, Config, NoTls};
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

/// Cancels the query a connection runs, as the SQLite store's interrupt handle does.
pub struct Canceller {
    token: CancelToken,
    ssl_mode: SslMode,
}

impl Canceller {
    pub(super) fn new(client: &Client, config: &Config) -> Canceller {
        Canceller {
            token: client.cancel_token(),
            ssl_mode: config.get_ssl_mode(),
        }
    }

    /// Asks the server to cancel the connection's running query (if any: one that
    /// ended meanwhile is not cancelled, the next one may be), from a thread of its
    /// own: the request opens a connection, which the caller (the console's UI
    /// thread) must not wait for. A request that fails to connect is dropped: the
    /// query then runs to its end.
    pub fn cancel(&self) {
        let (token, ssl_mode) = (self.token.clone(), self.ssl_mode);
        let spawned = std::thread::Builder::new()
            .name("xusers-cancel".into())
            .spawn(move || {
                let sent = match ssl_mode {
                    SslMode::Disable => token.cancel_query(NoTls),
                    _ => token.cancel_query(tls()),
                };
                if let Err(e) = sent {
                    tracing::debug!("cancelling a query failed: {e}");
                }
            });
        if let Err(e) = spawned {
            tracing::debug!("cancelling a query failed: {e}");
        }
    }
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
