//! Issue 5: "after an end-to-end run, no token string appears in the config/data dirs or
//! the logs" — plus Debug output, error strings and the serialized UI state.

mod auth_fake;

use std::io::Write;
use std::sync::{Arc, Mutex};

use auth_fake::{Fake, signed_in_owner};
use tev_core::auth::OwnerOptions;
use tev_core::config::{ConfigStore, Settings};
use tev_core::token::TokenSource;

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

// current_thread: the subscriber is per thread, so every task logs into it.
#[tokio::test]
async fn no_token_in_files_logs_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let home = tempfile::tempdir().expect("tempdir");
    let config = ConfigStore::at(home.path().join("config"));
    let data_dir = home.path().join("data");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    config
        .save(&Settings { client_id: Some("fakeclient".into()), ..Settings::default() })
        .expect("save");

    let fake = Fake::start().await;
    let (owner, keychain) = signed_in_owner(&fake, OwnerOptions::default()).await;
    let mut texts = Vec::new();
    for _ in 0..5 {
        let c = owner.current().await.expect("creds");
        texts.push(format!("{c:?}"));
        let fresh = owner.refresh_after_401(&c.token).await.expect("refresh");
        texts.push(format!("{fresh:?}"));
    }
    texts.push(format!("{owner:?} {keychain:?} {:?}", owner.oauth()));
    texts.push(format!("{:?}", keychain.load_tokens().await.expect("kc")));
    let state = owner.state();
    texts.push(format!("{state:?}"));
    texts.push(serde_json::to_string(&state).expect("state json"));
    config.update(|s| s.push_recent("fake_viewer")).expect("update");

    // Errors after revocation at Twitch.
    {
        let mut w = fake.w();
        w.access.clear();
        w.refresh.clear();
    }
    let after = owner.validate_now().await;
    texts.push(format!("{after:?}"));
    if let Err(e) = owner.current().await {
        texts.push(format!("{e} {e:?}"));
    }
    owner.logout().await.ok();
    owner.shutdown();

    let logs = String::from_utf8_lossy(&captured.0.lock().expect("logs")).into_owned();
    assert!(logs.contains("auth state"), "tracing was captured: {logs}");
    let mut files = Vec::new();
    files_under(home.path(), &mut files);
    assert!(!files.is_empty());
    let issued = fake.w().issued.clone();
    assert!(issued.len() >= 12, "tokens were issued: {}", issued.len());
    for token in &issued {
        assert!(!logs.contains(token.as_str()), "token in the logs");
        for t in &texts {
            assert!(!t.contains(token.as_str()), "token in {t}");
        }
        for f in &files {
            let content = std::fs::read(f).expect("read");
            assert!(
                !String::from_utf8_lossy(&content).contains(token.as_str()),
                "token in {}",
                f.display()
            );
        }
    }
}
