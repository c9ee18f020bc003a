//! The one way an HTTP client is made: rustls on the ring provider, certificates checked against
//! the platform's roots (reqwest's platform verifier), no OpenSSL anywhere.

use std::sync::Once;

/// A `reqwest` client builder with the process's TLS crypto provider in place.
///
/// reqwest is built without a provider of its own (so the tree holds ring only, never aws-lc-rs
/// too) and would panic while building a client if none were installed; every client starts here.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// Makes ring the process-wide rustls provider, once; a no-op if a provider is already installed.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // An error only means another provider got there first (an embedding program's); rustls
        // then uses that one, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
