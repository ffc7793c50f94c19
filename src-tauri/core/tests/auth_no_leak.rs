//! Issue 5: "after an end-to-end run, no token string appears in the config/data dirs or
//! the logs" — plus Debug output, error strings and the serialized UI state.

mod auth_fake;

use std::io::Write;
use std::sync::{Arc, Mutex};

use auth_fake::{Fake, signed_in_owner};
use tev_core::Endpoints;
use tev_core::auth::{LoginFlow, OAuthClient, OwnerOptions, TokenOwner};
use tev_core::config::{ConfigStore, Settings};
use tev_core::keychain::Keychain;
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
async fn no_token_in_files_logs_debug_or_errors() {
    logs();

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

    let logs = captured_text();
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

const PUBLIC: &str = "sim-public-client";

async fn sim_signed_in() -> (twitch_sim::SimHandle, TokenOwner, Keychain) {
    let sim = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("sim");
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/_sim/config", sim.base_url()))
        .json(&serde_json::json!({"auto_approve": "sim_viewer"}))
        .send()
        .await
        .expect("config");
    assert!(r.status().is_success());
    let keychain = Keychain::with_store(keyring_core::mock::Store::new().expect("mock store"));
    let oauth =
        OAuthClient::new(Endpoints::with_base(&sim.base_url()).expect("base"), PUBLIC, None)
            .expect("client");
    let mut opts = OwnerOptions::default();
    opts.device.poll_interval = Some(std::time::Duration::from_millis(20));
    let nobody = Arc::new(|_: &str| -> Result<(), String> { Ok(()) });
    let owner = TokenOwner::with_opener(oauth, keychain.clone(), opts, nobody);
    owner.login(LoginFlow::Device).await.expect("auto-approved login");
    (sim, owner, keychain)
}

async fn revoke_all(sim: &twitch_sim::SimHandle) {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/authorizations/revoke", sim.base_url()))
        .json(&serde_json::json!({"login": "sim_viewer"}))
        .send()
        .await
        .expect("revoke");
    assert!(r.status().is_success());
}

/// After an end-to-end run (login, refreshes, restore, logout) no token string is in the
/// config/data dirs, the captured logs, Debug output or error strings.
#[tokio::test]
async fn no_token_anywhere_after_an_end_to_end_run() {
    logs();
    let home = tempfile::tempdir().expect("tempdir");
    let store = tev_core::config::ConfigStore::at(home.path().join("config"));
    store
        .update(|s| {
            s.client_id = Some(PUBLIC.into());
            s.push_recent("lumenforge");
        })
        .expect("settings");

    let (sim, owner, keychain) = sim_signed_in().await;
    let mut tokens = Vec::new();
    let mut texts = Vec::new();
    for _ in 0..3 {
        let c = owner.current().await.expect("creds");
        tokens.push(c.token.secret().to_string());
        texts.push(format!("{c:?} {owner:?}"));
        owner.refresh_after_401(&c.token).await.expect("refresh");
    }
    let stored = keychain.load_tokens().await.expect("kc").expect("stored");
    tokens.push(stored.access.secret().to_string());
    tokens.extend(stored.refresh.as_ref().map(|r| r.secret().to_string()));
    texts.push(format!("{stored:?}"));
    texts.push(serde_json::to_string(&owner.state()).expect("json"));
    revoke_all(&sim).await;
    texts.push(format!("{:?}", owner.validate_now().await));
    if let Err(e) = owner.current().await {
        texts.push(format!("{e} {e:?}"));
    }
    if let Err(e) = owner.logout().await {
        texts.push(format!("{e} {e:?}"));
    }
    owner.shutdown();
    let logs = captured_text();
    assert!(logs.contains("auth state"), "logs captured: {}", &logs[..logs.len().min(3000)]);
    let mut files = Vec::new();
    let mut stack = vec![home.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files.push(std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
    }
    assert!(!files.is_empty());
    assert!(tokens.len() >= 5);
    for t in &tokens {
        assert!(t.len() >= 20, "real-looking token");
        assert!(!logs.contains(t.as_str()), "token in logs");
        assert!(texts.iter().all(|x| !x.contains(t.as_str())), "token in Debug/error text");
        assert!(files.iter().all(|f| !f.contains(t.as_str())), "token in a file");
    }
}
