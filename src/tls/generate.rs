//! The certificates `cluster up --tls` makes for a local cluster: one CA, one certificate per
//! member (its peer and API ports, as server and as client of its peers), one for the CLI.
//! Keys are written 0600 and nothing is ever overwritten.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use super::TlsError;

/// The CA's certificate and key, in the cluster's TLS dir.
pub const CA_CERT: &str = "ca.pem";
pub const CA_KEY: &str = "ca-key.pem";

/// The names every certificate made here is valid for: the loopback addresses a local
/// cluster listens on.
const LOCAL_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// A certificate and its key, as files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The cluster's CA: its key signs every certificate of the cluster.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    dir: PathBuf,
}

fn generate_err(e: rcgen::Error) -> TlsError {
    TlsError::Generate(e.to_string())
}

/// The CA's parameters, derived from its key alone so that [`Ca::load`] rebuilds the same
/// issuer. The name carries a digest of the key: two clusters' CAs never share a name, so a
/// certificate of the other cluster is "signed by an unknown CA", not "a bad signature".
fn ca_params(key: &KeyPair) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    let digest = crc32c::crc32c(key.public_key_raw());
    dn.push(
        DnType::CommonName,
        format!("raftctl cluster CA {digest:08x}"),
    );
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

impl Ca {
    /// Makes a new CA in `dir` (created if need be): `ca.pem` and `ca-key.pem`.
    pub fn create(dir: &Path) -> Result<Ca, TlsError> {
        std::fs::create_dir_all(dir).map_err(|error| TlsError::Write {
            path: dir.to_path_buf(),
            error,
        })?;
        let key = KeyPair::generate().map_err(generate_err)?;
        let params = ca_params(&key);
        let cert = params.self_signed(&key).map_err(generate_err)?;
        write_new(&dir.join(CA_CERT), cert.pem().as_bytes(), 0o644)?;
        write_new(&dir.join(CA_KEY), key.serialize_pem().as_bytes(), 0o600)?;
        Ok(Ca {
            issuer: Issuer::new(params, key),
            dir: dir.to_path_buf(),
        })
    }

    /// The CA that [`Ca::create`] made in `dir`, to sign one more certificate (a new member).
    pub fn load(dir: &Path) -> Result<Ca, TlsError> {
        let path = dir.join(CA_KEY);
        let pem = std::fs::read_to_string(&path).map_err(|error| TlsError::Read {
            what: "the cluster's CA key",
            path: path.clone(),
            error,
        })?;
        let key = KeyPair::from_pem(&pem).map_err(|e| TlsError::Invalid {
            what: "the cluster's CA key",
            path,
            why: e.to_string(),
        })?;
        Ok(Ca {
            issuer: Issuer::new(ca_params(&key), key),
            dir: dir.to_path_buf(),
        })
    }

    pub fn cert_path(&self) -> PathBuf {
        self.dir.join(CA_CERT)
    }

    /// Member `id`'s certificate (`member-ID.pem`, `member-ID-key.pem`): a server on its peer
    /// and API ports and a client of its peers, valid for the loopback names and `hosts`.
    pub fn issue_member(&self, id: u64, hosts: &[String]) -> Result<Pair, TlsError> {
        let mut names: Vec<String> = LOCAL_HOSTS.iter().map(|h| h.to_string()).collect();
        for h in hosts {
            if !names.contains(h) {
                names.push(h.clone());
            }
        }
        let usages = [
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        self.issue(
            &format!("member-{id}"),
            &format!("member {id}"),
            names,
            &usages,
        )
    }

    /// The CLI's client certificate (`client.pem`, `client-key.pem`).
    pub fn issue_client(&self) -> Result<Pair, TlsError> {
        let usages = [ExtendedKeyUsagePurpose::ClientAuth];
        self.issue("client", "raftctl client", Vec::new(), &usages)
    }

    fn issue(
        &self,
        file: &str,
        common_name: &str,
        names: Vec<String>,
        usages: &[ExtendedKeyUsagePurpose],
    ) -> Result<Pair, TlsError> {
        let mut params = CertificateParams::new(names).map_err(generate_err)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = usages.to_vec();
        let key = KeyPair::generate().map_err(generate_err)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(generate_err)?;
        let pair = Pair {
            cert: self.dir.join(format!("{file}.pem")),
            key: self.dir.join(format!("{file}-key.pem")),
        };
        write_new(&pair.cert, cert.pem().as_bytes(), 0o644)?;
        write_new(&pair.key, key.serialize_pem().as_bytes(), 0o600)?;
        Ok(pair)
    }
}

/// Writes a file that must not exist yet, with `mode`, synced.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TlsError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|error| {
            if error.kind() == std::io::ErrorKind::AlreadyExists {
                TlsError::Exists(path.to_path_buf())
            } else {
                TlsError::Write {
                    path: path.to_path_buf(),
                    error,
                }
            }
        })?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|error| TlsError::Write {
            path: path.to_path_buf(),
            error,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{PeerTls, TlsFiles, client_config, server_config};

    #[test]
    fn a_made_ca_signs_members_that_trust_each_other_and_reloads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::create(dir.path()).expect("ca");
        let m1 = ca.issue_member(1, &[]).expect("member 1");
        let files = TlsFiles {
            cert: m1.cert.clone(),
            key: m1.key.clone(),
            ca: Some(ca.cert_path()),
        };
        PeerTls::load(&files).expect("peer tls");
        server_config(&files, "API").expect("api tls");
        // A second run signs with the same CA, read back from its key.
        let again = Ca::load(dir.path()).expect("reload");
        let client = again.issue_client().expect("client");
        client_config(&ca.cert_path(), Some((&client.cert, &client.key)), "client")
            .expect("client config");
        // Nothing is overwritten.
        let e = ca.issue_member(1, &[]).expect_err("exists");
        assert!(matches!(e, TlsError::Exists(_)), "{e}");
        let e = Ca::create(dir.path()).err().expect("ca exists");
        assert!(e.to_string().contains("refusing to overwrite"), "{e}");
        let mode = std::fs::metadata(&m1.key).expect("key").permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
    }
}
