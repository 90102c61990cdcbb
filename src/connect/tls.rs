//! TLS per libpq `sslmode`, done with rustls and the ring provider.
//!
//! In: an [`SslMode`] and an optional [`RootCert`] (from `sslrootcert`).
//! Out: a [`Connector`] that opens a `postgres::Client` over plain TCP/unix sockets or
//! TLS, and the `postgres::config::SslMode` to pair with it.
//!
//! | sslmode            | TLS                         | certificate checks                  |
//! |--------------------|-----------------------------|-------------------------------------|
//! | disable            | never                       | —                                   |
//! | allow, prefer      | if the server offers it     | none                                |
//! | require            | always                      | none; chain if sslrootcert is given |
//! | verify-ca          | always                      | chain (sslrootcert, else webpki)    |
//! | verify-full        | always                      | chain and host name                 |

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use postgres::{Client, NoTls};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::error::ConnectError;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    /// libpq tries plaintext first; we treat it like `Prefer` (either is accepted).
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// Parses an `sslmode` value.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "disable" => Self::Disable,
            "allow" => Self::Allow,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            _ => return None,
        })
    }

    /// The mode the `postgres` crate enforces around our connector.
    pub(crate) fn postgres_mode(self) -> postgres::config::SslMode {
        match self {
            Self::Disable => postgres::config::SslMode::Disable,
            Self::Allow | Self::Prefer => postgres::config::SslMode::Prefer,
            Self::Require | Self::VerifyCa | Self::VerifyFull => postgres::config::SslMode::Require,
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Disable => "disable",
            Self::Allow => "allow",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        })
    }
}

/// Where trusted CA certificates come from (`sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RootCert {
    /// `sslrootcert=system`: the Mozilla roots compiled in (webpki-roots).
    System,
    /// A PEM file with one or more CA certificates.
    File(PathBuf),
}

impl fmt::Display for RootCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("system"),
            Self::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Opens connections with or without TLS.
pub(crate) enum Connector {
    Plain,
    Tls(MakeRustlsConnect),
}

impl Connector {
    /// Builds the connector for `mode`; reads the `sslrootcert` file if one is needed.
    pub(crate) fn new(mode: SslMode, root: Option<&RootCert>) -> Result<Self, ConnectError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match (mode, root) {
            (SslMode::Disable, _) => return Ok(Self::Plain),
            (SslMode::Allow | SslMode::Prefer, _) | (SslMode::Require, None) => {
                Arc::new(NoVerification {
                    algorithms: provider.signature_verification_algorithms,
                })
            }
            (SslMode::Require | SslMode::VerifyCa, root) => Arc::new(ChainOnly {
                inner: webpki_verifier(root, &provider)?,
            }),
            (SslMode::VerifyFull, root) => webpki_verifier(root, &provider)?,
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ConnectError::invalid(format!("could not set up tls: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Self::Tls(MakeRustlsConnect::new(config)))
    }

    /// One connection attempt with `config`.
    pub(crate) fn connect(&self, config: &postgres::Config) -> Result<Client, postgres::Error> {
        match self {
            Self::Plain => config.connect(NoTls),
            Self::Tls(tls) => config.connect(tls.clone()),
        }
    }
}

fn webpki_verifier(
    root: Option<&RootCert>,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, ConnectError> {
    let roots = match root {
        Some(RootCert::File(path)) => load_roots(path)?,
        Some(RootCert::System) | None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider))
        .build()
        .map_err(|e| ConnectError::invalid(format!("could not set up tls verification: {e}")))
}

/// Reads every certificate in a PEM file into a root store.
fn load_roots(path: &PathBuf) -> Result<RootCertStore, ConnectError> {
    let shown = path.display();
    let unreadable = |e: &dyn fmt::Display| {
        ConnectError::invalid(format!("cannot read sslrootcert `{shown}`: {e}"))
    };
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
        let cert = cert.map_err(|e| unreadable(&e))?;
        roots.add(cert).map_err(|e| unreadable(&e))?;
    }
    if roots.is_empty() {
        return Err(ConnectError::invalid(format!(
            "sslrootcert `{shown}` contains no pem certificate"
        )));
    }
    Ok(roots)
}

/// Accepts any server certificate (libpq `prefer`/`require` without a root cert), but
/// still checks the handshake signatures so the session keys are bound to that cert.
#[derive(Debug)]
struct NoVerification {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Checks the chain against the roots but not the host name (libpq `verify-ca`).
/// rustls verifies the chain before the name, so a name error means the chain passed.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_round_trips() {
        for s in [
            "disable",
            "allow",
            "prefer",
            "require",
            "verify-ca",
            "verify-full",
        ] {
            assert_eq!(SslMode::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(SslMode::parse("verify_full"), None);
        assert_eq!(SslMode::parse("REQUIRE"), None);
    }

    #[test]
    fn connectors_build_without_files() {
        for mode in [
            SslMode::Disable,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ] {
            assert!(Connector::new(mode, None).is_ok(), "{mode}");
            assert!(
                Connector::new(mode, Some(&RootCert::System)).is_ok(),
                "{mode}"
            );
        }
    }

    #[test]
    fn missing_or_empty_root_cert_is_invalid_settings() {
        let err = Connector::new(
            SslMode::VerifyFull,
            Some(&RootCert::File("/nonexistent/ca.pem".into())),
        )
        .err()
        .unwrap();
        assert!(matches!(err, ConnectError::InvalidSettings { .. }));
        assert!(err.to_string().contains("cannot read sslrootcert"), "{err}");

        let empty = tempfile::NamedTempFile::new().unwrap();
        let err = Connector::new(
            SslMode::VerifyCa,
            Some(&RootCert::File(empty.path().to_owned())),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("contains no pem certificate"),
            "{err}"
        );
        // disable never reads the file
        assert!(
            Connector::new(
                SslMode::Disable,
                Some(&RootCert::File("/nonexistent".into()))
            )
            .is_ok()
        );
    }
}
