//! TLS: verification is on by default, a private CA can be trusted with
//! --ca-bundle, and --insecure is an explicit opt-out.

use std::io::Write as _;
use std::sync::Arc;

use predicates::prelude::*;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::support::csctl;

/// A loopback HTTPS server with a self-signed certificate for `localhost`
/// that answers every request with an empty `listZones` answer. Returns
/// the endpoint and the certificate's PEM.
pub(crate) fn self_signed_server() -> (String, String) {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    serve_tls(generated.cert, generated.signing_key)
}

/// A self-signed certificate for `localhost` marked as a CA, as `openssl
/// req -x509` makes it.
fn ca_flagged_server() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let certificate = params.self_signed(&key).unwrap();
    serve_tls(certificate, key)
}

/// Serves `certificate` (a fixed `listZones` answer to every request).
fn serve_tls(certificate: rcgen::Certificate, signing_key: rcgen::KeyPair) -> (String, String) {
    let certificate_pem = certificate.pem();
    let certificate = CertificateDer::from(certificate.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else { return };
                    let mut buffer = vec![0u8; 16384];
                    let _ = tls.read(&mut buffer).await;
                    let body = r#"{"listzonesresponse":{}}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    (
        format!("https://localhost:{port}/client/api"),
        certificate_pem,
    )
}

fn call(home: &std::path::Path, endpoint: &str) -> assert_cmd::Command {
    let mut command = csctl(home);
    command.args([
        "--endpoint",
        endpoint,
        "--api-key",
        "k",
        "--secret-key",
        "s",
    ]);
    command
}

#[test]
fn an_untrusted_certificate_fails_and_says_how_to_trust_it() {
    let (endpoint, _) = self_signed_server();
    let home = tempfile::tempdir().unwrap();
    call(home.path(), &endpoint)
        .args(["call", "listZones"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("TLS handshake failed"))
        .stderr(predicate::str::contains("--ca-bundle"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn a_ca_bundle_makes_the_certificate_trusted() {
    let (endpoint, certificate_pem) = self_signed_server();
    let home = tempfile::tempdir().unwrap();
    let bundle = home.path().join("ca.pem");
    std::fs::File::create(&bundle)
        .unwrap()
        .write_all(certificate_pem.as_bytes())
        .unwrap();
    call(home.path(), &endpoint)
        .args(["--ca-bundle", bundle.to_str().unwrap(), "call", "listZones"])
        .assert()
        .success()
        .stdout("{}\n");
}

#[test]
fn insecure_skips_verification_only_when_asked() {
    let (endpoint, _) = self_signed_server();
    let home = tempfile::tempdir().unwrap();
    call(home.path(), &endpoint)
        .args(["--insecure", "call", "listZones"])
        .assert()
        .success();
}

#[test]
fn a_ca_flagged_self_signed_certificate_in_the_bundle_is_trusted() {
    let (endpoint, certificate_pem) = ca_flagged_server();
    let home = tempfile::tempdir().unwrap();
    let bundle = home.path().join("ca.pem");
    std::fs::write(&bundle, certificate_pem).unwrap();
    call(home.path(), &endpoint)
        .args(["--ca-bundle", bundle.to_str().unwrap(), "call", "listZones"])
        .assert()
        .success()
        .stdout("{}\n");
    // Another name than the certificate's is still refused.
    let other = endpoint.replace("localhost", "127.0.0.1");
    call(home.path(), &other)
        .args(["--ca-bundle", bundle.to_str().unwrap(), "call", "listZones"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("TLS handshake failed"));
}

#[test]
fn verification_turned_off_by_the_environment_warns_too() {
    let (endpoint, _) = self_signed_server();
    let home = tempfile::tempdir().unwrap();
    call(home.path(), &endpoint)
        .env("CLOUDSTACK_VERIFY", "false")
        .args(["call", "listZones"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "csctl: warning: TLS verification is off ($CLOUDSTACK_VERIFY)",
        ));
}
