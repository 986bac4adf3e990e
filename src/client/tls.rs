//! TLS settings for `https://` endpoints: the system's trusted roots (as the
//! platform verifies them), plus an optional CA bundle, or no verification
//! at all when the user asked for `--insecure`.
//!
//! Loading the system's roots costs millions of instructions, so the
//! rustls configuration is built when the first `https://` exchange is
//! made, never for `http://` endpoints. A CA bundle is read and checked
//! when the client is built, so that its errors show before anything runs.
//!
//! A certificate the bundle holds is trusted as the server's own
//! certificate too: a self-signed certificate made the usual way (`openssl
//! req -x509`) is marked as a CA, which WebPKI refuses as a server's
//! certificate (`CaUsedAsEndEntity`), while curl and requests accept it.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};

use super::config::TlsConfig;
use super::error::ClientError;

/// What a TLS configuration is built from, checked when the client is built.
#[derive(Clone, Debug)]
pub(crate) struct TlsSettings {
    insecure: bool,
    /// The CA bundle's certificates, trusted on top of the system's roots.
    extra_roots: Vec<CertificateDer<'static>>,
}

impl TlsSettings {
    /// Reads the CA bundle, if any: a file that cannot be read or holds no
    /// PEM certificate is an error now rather than at the first request.
    pub(crate) fn load(config: &TlsConfig) -> Result<Self, ClientError> {
        let mut extra_roots = Vec::new();
        if let Some(path) = &config.ca_bundle {
            let pem = std::fs::read(path).map_err(|error| {
                ClientError::TlsSetup(format!("cannot read CA bundle {}: {error}", path.display()))
            })?;
            let no_certificate =
                || ClientError::TlsSetup(format!("{} holds no PEM certificate", path.display()));
            extra_roots = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| no_certificate())?;
            if extra_roots.is_empty() {
                return Err(no_certificate());
            }
        }
        Ok(Self {
            insecure: config.insecure,
            extra_roots,
        })
    }

    /// The rustls configuration: HTTP/1.1 offered by ALPN, certificates
    /// verified by the platform's rules (with the extra roots) unless
    /// `insecure`.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, ClientError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|error| ClientError::TlsSetup(error.to_string()))?
            .dangerous();
        let verifier: Arc<dyn ServerCertVerifier> = if self.insecure {
            Arc::new(AcceptAnyCertificate { provider })
        } else if self.extra_roots.is_empty() {
            Arc::new(
                rustls_platform_verifier::Verifier::new(provider)
                    .map_err(|error| ClientError::TlsSetup(error.to_string()))?,
            )
        } else {
            Arc::new(BundleVerifier {
                inner: Arc::new(
                    rustls_platform_verifier::Verifier::new_with_extra_roots(
                        self.extra_roots.iter().cloned(),
                        provider,
                    )
                    .map_err(|error| ClientError::TlsSetup(error.to_string()))?,
                ),
                bundle: self.extra_roots.clone(),
            })
        };
        let mut config = builder
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    /// A configuration for a client that never speaks TLS (an `http://`
    /// endpoint, no `https://` proxy): it trusts no certificate, and costs
    /// nothing to build.
    pub(crate) fn unused_config(&self) -> Result<Arc<ClientConfig>, ClientError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| ClientError::TlsSetup(error.to_string()))?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        Ok(Arc::new(config))
    }
}

/// The platform's verification with the CA bundle's certificates as extra
/// roots, which also accepts a server certificate that is exactly one of
/// the bundle's, for the server's name and not expired, even when it is
/// marked as a CA.
#[derive(Debug)]
struct BundleVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    bundle: Vec<CertificateDer<'static>>,
}

impl ServerCertVerifier for BundleVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let refusal = match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => return Ok(verified),
            Err(refusal) => refusal,
        };
        let expired = matches!(
            refusal,
            rustls::Error::InvalidCertificate(
                CertificateError::Expired
                    | CertificateError::ExpiredContext { .. }
                    | CertificateError::NotValidYet
                    | CertificateError::NotValidYetContext { .. }
                    | CertificateError::Revoked
            )
        );
        if expired
            || !self
                .bundle
                .iter()
                .any(|trusted| trusted.as_ref() == end_entity.as_ref())
        {
            return Err(refusal);
        }
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner
            .verify_tls12_signature(message, certificate, signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner
            .verify_tls13_signature(message, certificate, signature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `--insecure`: any certificate is accepted (the user opted out of
/// verification); handshake signatures are still checked, so the session
/// is at least with the holder of the certificate shown.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
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
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            certificate,
            signature,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            certificate,
            signature,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_bundle_without_certificates_is_refused_at_once() {
        let folder = tempfile::tempdir().unwrap();
        let bundle = folder.path().join("empty.pem");
        std::fs::write(&bundle, "not a certificate\n").unwrap();
        let config = TlsConfig {
            insecure: false,
            ca_bundle: Some(bundle),
        };
        let error = TlsSettings::load(&config).unwrap_err().to_string();
        assert!(error.contains("holds no PEM certificate"), "{error}");
        let missing = TlsConfig {
            insecure: false,
            ca_bundle: Some(folder.path().join("missing.pem")),
        };
        let error = TlsSettings::load(&missing).unwrap_err().to_string();
        assert!(error.contains("cannot read CA bundle"), "{error}");
    }

    #[test]
    fn insecure_settings_need_no_roots() {
        let settings = TlsSettings::load(&TlsConfig {
            insecure: true,
            ca_bundle: None,
        })
        .unwrap();
        let config = settings.client_config().unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}
