//! TLS on the peer and API ports, with rustls and ring: PEM files read with errors that name
//! them, the server and client configurations, and what a member and a client hold.
//!
//! The flags follow etcd's (`etcd --peer-cert-file --peer-key-file --peer-trusted-ca-file`,
//! `--cert-file --key-file --trusted-ca-file`, etcdctl's `--cacert --cert --key`). The peer port
//! is always mutual TLS: a member presents its certificate to the peers it dials, and a peer
//! that presents none signed by the peer CA is refused in the handshake, before any Raft
//! message is read (etcd's `--peer-client-cert-auth`). The API port asks clients for a
//! certificate only when it has a CA for them (etcd's `--client-cert-auth`).

pub mod accept;
pub mod generate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use thiserror::Error;

/// PEM files larger than this are not certificates or keys.
const MAX_PEM_BYTES: u64 = 1 << 20;

#[derive(Debug, Error)]
pub enum TlsError {
    #[error("{what} {}: {error}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{what} {}: {why}", path.display())]
    Invalid {
        what: &'static str,
        path: PathBuf,
        why: String,
    },
    #[error("{0}")]
    Config(String),
    #[error("generating certificates: {0}")]
    Generate(String),
    #[error("{} already exists: refusing to overwrite it", .0.display())]
    Exists(PathBuf),
    #[error("writing {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// A certificate, its key and (optionally) the CA that signs the other side's certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: Option<PathBuf>,
}

/// A member's peer TLS: how it accepts peers and how it dials them, both with its own
/// certificate and the peer CA.
#[derive(Clone)]
pub struct PeerTls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    pub connector: tokio_rustls::TlsConnector,
}

impl std::fmt::Debug for PeerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PeerTls")
    }
}

impl PeerTls {
    /// From `--peer-cert`, `--peer-key` and `--peer-ca` (all three: the peer port is mutual).
    pub fn load(files: &TlsFiles) -> Result<PeerTls, TlsError> {
        let Some(ca) = &files.ca else {
            return Err(TlsError::Config(
                "peer TLS needs --peer-ca: peers must present a certificate signed by it".into(),
            ));
        };
        let server = server_config(files, "peer")?;
        let client = client_config(ca, Some((&files.cert, &files.key)), "peer")?;
        Ok(PeerTls {
            acceptor: tokio_rustls::TlsAcceptor::from(server),
            connector: tokio_rustls::TlsConnector::from(client),
        })
    }
}

/// The crypto every config here uses.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read_pem(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    let read = |error| TlsError::Read {
        what,
        path: path.to_path_buf(),
        error,
    };
    let len = std::fs::metadata(path).map_err(read)?.len();
    if len > MAX_PEM_BYTES {
        return Err(TlsError::Invalid {
            what,
            path: path.to_path_buf(),
            why: format!("{len} bytes: not a PEM certificate or key"),
        });
    }
    std::fs::read(path).map_err(read)
}

/// Every certificate in a PEM file (a chain: the leaf first).
pub fn load_certs(
    what: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read_pem(what, path)?;
    let invalid = |why: String| TlsError::Invalid {
        what,
        path: path.to_path_buf(),
        why,
    };
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("not PEM: {e}")))?;
    if certs.is_empty() {
        return Err(invalid("no CERTIFICATE block in it".into()));
    }
    Ok(certs)
}

/// The private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(what: &'static str, path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read_pem(what, path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| TlsError::Invalid {
        what,
        path: path.to_path_buf(),
        why: match e {
            rustls::pki_types::pem::Error::NoItemsFound => "no PRIVATE KEY block in it".into(),
            e => format!("not a PEM private key: {e}"),
        },
    })
}

fn load_roots(what: &'static str, path: &Path) -> Result<Arc<RootCertStore>, TlsError> {
    let mut roots = RootCertStore::empty();
    for c in load_certs(what, path)? {
        roots.add(c).map_err(|e| TlsError::Invalid {
            what,
            path: path.to_path_buf(),
            why: format!("not a usable CA certificate: {e}"),
        })?;
    }
    Ok(Arc::new(roots))
}

/// A server config from `files`; with a CA, clients must present a certificate it signed.
/// `port` ("peer" or "API") names the flags in errors.
pub fn server_config(files: &TlsFiles, port: &'static str) -> Result<Arc<ServerConfig>, TlsError> {
    let (cert_what, key_what, ca_what) = names(port);
    let chain = load_certs(cert_what, &files.cert)?;
    let key = load_key(key_what, &files.key)?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match &files.ca {
        Some(ca) => {
            let roots = load_roots(ca_what, ca)?;
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots, provider())
                    .build()
                    .map_err(|e| TlsError::Config(format!("{ca_what} {}: {e}", ca.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Invalid {
            what: key_what,
            path: files.key.clone(),
            why: format!("does not fit {cert_what} {}: {e}", files.cert.display()),
        })?;
    Ok(Arc::new(config))
}

/// A client config that trusts `ca` and, given one, presents `identity` (cert, key).
pub fn client_config(
    ca: &Path,
    identity: Option<(&PathBuf, &PathBuf)>,
    port: &'static str,
) -> Result<Arc<ClientConfig>, TlsError> {
    let (cert_what, key_what, ca_what) = names(port);
    let roots = load_roots(ca_what, ca)?;
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key)) => {
            let chain = load_certs(cert_what, cert)?;
            let k = load_key(key_what, key)?;
            builder
                .with_client_auth_cert(chain, k)
                .map_err(|e| TlsError::Invalid {
                    what: key_what,
                    path: key.clone(),
                    why: format!("does not fit {cert_what} {}: {e}", cert.display()),
                })?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// A client config for plain-text endpoints: reqwest wants one, it is never used (built
/// once per process).
pub fn unused_client_config() -> ClientConfig {
    static UNUSED: std::sync::OnceLock<ClientConfig> = std::sync::OnceLock::new();
    UNUSED.get_or_init(build_unused_client_config).clone()
}

fn build_unused_client_config() -> ClientConfig {
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.with_root_certificates(RootCertStore::empty())
                .with_no_client_auth()
        })
        .unwrap_or_else(|_| {
            // The ring provider supports the default versions; this is not reached.
            ClientConfig::builder()
                .with_root_certificates(RootCertStore::empty())
                .with_no_client_auth()
        })
}

/// The flag names errors use for each port's files.
fn names(port: &'static str) -> (&'static str, &'static str, &'static str) {
    match port {
        "peer" => ("--peer-cert", "--peer-key", "--peer-ca"),
        "API" => ("--api-cert", "--api-key", "--api-ca"),
        _ => ("--cert", "--key", "--cacert"),
    }
}

/// The name a certificate must carry to be the one at `addr` (`HOST:PORT`, `[V6]:PORT`).
pub fn server_name(addr: &str) -> Result<ServerName<'static>, TlsError> {
    let host = addr
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(addr)
        .trim_start_matches('[')
        .trim_end_matches(']');
    ServerName::try_from(host.to_string())
        .map_err(|e| TlsError::Config(format!("'{host}' (from {addr}) is not a host name: {e}")))
}

/// The rustls error among `e`'s causes, if any. An `io::Error`'s `source()` skips the error
/// it wraps (and hyper wraps one io::Error in another), so those are opened too.
pub fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        if let Some(r) = x.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        cur = match x
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner),
            None => x.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_come_from_the_host_part() {
        assert!(matches!(
            server_name("127.0.0.1:7380"),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(
            server_name("[::1]:7380"),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(
            server_name("localhost:7380"),
            Ok(ServerName::DnsName(_))
        ));
        assert!(server_name("bad host:1").is_err());
    }

    #[test]
    fn files_that_are_not_pem_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.pem");
        std::fs::write(&p, b"hello").expect("write");
        let e = load_certs("--peer-cert", &p).expect_err("not a cert");
        assert!(e.to_string().starts_with("--peer-cert "), "{e}");
        assert!(e.to_string().contains("no CERTIFICATE block"), "{e}");
        let e = load_key("--peer-key", &p).expect_err("not a key");
        assert!(e.to_string().contains("no PRIVATE KEY block"), "{e}");
        let missing = dir.path().join("missing.pem");
        let e = load_certs("--api-cert", &missing).expect_err("missing");
        assert!(e.to_string().contains("missing.pem"), "{e}");
    }
}
