//! After an end-to-end run — device login, refreshes, a restart that restores the login,
//! revocation at Twitch, logout — no token string appears in the config/data dirs, the logs,
//! `Debug` output, error strings or the serialized UI state (the project's rule: tokens
//! never leave the keychain and memory).

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use support::{PUBLIC, Sim};
use tev_core::auth::{LoginFlow, OAuthClient, OwnerOptions, TokenOwner};
use tev_core::keychain::Keychain;
use tev_core::settings::{ConfigStore, Settings};
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

/// The process-wide log capture: one global subscriber, so every thread and task of every
/// test in this binary logs into it (a per-thread default misses callsites cached elsewhere).
fn logs() -> &'static Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("only subscriber");
        captured
    })
}

fn captured_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().expect("logs")).into_owned()
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

#[tokio::test]
async fn no_token_in_files_logs_debug_or_errors_after_an_end_to_end_run() {
    logs();
    let home = tempfile::tempdir().expect("tempdir");
    let config = ConfigStore::at(home.path().join("config"));
    let data_dir = home.path().join("data");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    config.save(&Settings { client_id: Some(PUBLIC.into()), ..Settings::default() }).expect("save");
    config.update(|s| s.push_recent("lumenforge")).expect("settings");

    // Device login, approved by the simulator as `sim_viewer`.
    let sim = Sim::with_twitch_timings().await;
    sim.config(json!({"auto_approve": "sim_viewer"})).await;
    let keychain = Keychain::with_store(keyring_core::mock::Store::new().expect("mock store"));
    let oauth = OAuthClient::new(sim.endpoints(), PUBLIC, None).expect("client");
    let mut opts = OwnerOptions::default();
    opts.device.poll_interval = Some(std::time::Duration::from_millis(20));
    let nobody = Arc::new(|_: &str| -> Result<(), String> { Ok(()) });
    let owner = TokenOwner::with_opener(oauth, keychain.clone(), opts, nobody);
    owner.login(LoginFlow::Device).await.expect("auto-approved login");
    let mut tokens = Vec::new();
    let mut texts = Vec::new();
    let first = keychain.load_tokens().await.expect("kc").expect("stored");
    tokens.push(first.access.secret().to_string());
    tokens.extend(first.refresh.as_ref().map(|r| r.secret().to_string()));
    // Refreshes: every token issued along the way is collected.
    for _ in 0..5 {
        let c = owner.current().await.expect("creds");
        texts.push(format!("{c:?} {owner:?}"));
        let fresh = owner.refresh_after_401(&c.token).await.expect("refresh");
        texts.push(format!("{fresh:?}"));
        tokens.push(fresh.token.secret().to_string());
        let stored = keychain.load_tokens().await.expect("kc").expect("stored");
        tokens.extend(stored.refresh.as_ref().map(|r| r.secret().to_string()));
    }
    texts.push(format!("{owner:?} {keychain:?} {:?}", owner.oauth()));
    let stored = keychain.load_tokens().await.expect("kc").expect("stored");
    texts.push(format!("{stored:?}"));
    let state = owner.state();
    texts.push(format!("{state:?}"));
    texts.push(serde_json::to_string(&state).expect("state json"));
    config.update(|s| s.push_recent("sim_viewer")).expect("update");
    owner.shutdown();
    drop(owner);

    // A restart restores the login from the keychain.
    let oauth = OAuthClient::new(sim.endpoints(), PUBLIC, None).expect("client");
    let owner = TokenOwner::new(oauth, keychain.clone(), OwnerOptions::default());
    let restored = owner.start().await;
    assert_eq!(restored.login(), Some("sim_viewer"));
    texts.push(format!("{restored:?} {owner:?}"));

    // Errors after revocation at Twitch, then logout.
    sim.post("/_sim/authorizations/revoke", json!({"login": "sim_viewer"})).await;
    texts.push(format!("{:?}", owner.validate_now().await));
    if let Err(e) = owner.current().await {
        texts.push(format!("{e} {e:?}"));
    }
    if let Err(e) = owner.logout().await {
        texts.push(format!("{e} {e:?}"));
    }
    owner.shutdown();

    let logs = captured_text();
    assert!(logs.contains("auth state"), "tracing was captured: {}", &logs[..logs.len().min(3000)]);
    let mut files = Vec::new();
    files_under(home.path(), &mut files);
    assert!(!files.is_empty());
    tokens.sort();
    tokens.dedup();
    assert!(tokens.len() >= 12, "tokens were issued: {}", tokens.len());
    for token in &tokens {
        assert!(token.len() >= 20, "real-looking token");
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
