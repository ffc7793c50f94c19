//! One TLS crypto provider for the process: rustls's `ring`. The workspace builds reqwest
//! without a provider of its own (`rustls-no-provider`), so nothing compiles aws-lc-rs, and
//! every HTTP client must be built after [`install`] — [`http_client`] does both. WebSocket
//! connections (tokio-tungstenite) use the same process-wide default (docs/platform.md
//! "WebSocket and TLS").

/// Makes `ring` the process's rustls provider. Idempotent: a provider installed before
/// (by this function, or by the embedding program) stays.
pub fn install() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A reqwest client builder that can build: the provider installed first.
pub fn http_client() -> reqwest::ClientBuilder {
    install();
    reqwest::Client::builder()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_builds_with_ring_as_the_only_provider() {
        let client = http_client().build();
        assert!(client.is_ok(), "{client:?}");
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
