//! What the app keeps for the lifetime of the process: [`AppState`], managed by the app and
//! reached through a command's `State` or the app handle ([`AppStateExt`]).

use std::sync::Arc;
use tauri::{Manager, Runtime};
use tev_core::Endpoints;
use tev_core::auth::TokenOwner;
use tev_core::helix::Helix;
use tev_core::keychain::Keychain;
use tev_core::live::LiveFeed;
use tev_core::settings::ConfigStore;
use tev_core::watcher::WatcherHandle;
use tokio::sync::RwLock;

/// The pieces that exist once a Client ID is configured.
#[derive(Clone)]
pub struct Connected {
    /// The one owner of the user's tokens.
    pub owner: TokenOwner,
    /// Helix with the owner's tokens.
    pub helix: Helix,
    /// The one EventSub socket of the app.
    pub watcher: WatcherHandle,
}

/// The signed-in user as the pages show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    /// Their login: the name is only shown while this login is the signed-in one.
    pub login: String,
    /// Their display name, from Helix (the token owner only knows the login).
    pub display_name: String,
    /// Their avatar, from Helix, for the home window's account corner.
    pub profile_image_url: String,
}

/// Shared, managed state reachable from every command.
pub struct AppState {
    /// Where Twitch (or the simulator) is; read once at start from `TEV_TWITCH_BASE_URL`.
    pub endpoints: Endpoints,
    /// `settings.json` under the config dir.
    pub config: ConfigStore,
    /// The OS keychain (tokens, client secret), unless the user chose memory for this run.
    os_keychain: Keychain,
    /// Memory for this run, once the user chose to stay signed in for this run only (no usable
    /// keychain): from then on the login (and a Client Secret entered) is kept there, and every
    /// token owner made later in the run finds it there; nothing reaches the OS keychain.
    run_only: std::sync::Mutex<Option<Keychain>>,
    /// The recent events of every channel, on disk, and the headers of open windows.
    pub live: LiveFeed,
    /// Owner, Helix and watcher; `None` until a Client ID is configured.
    pub connected: RwLock<Option<Connected>>,
    /// Ticks each time `connected` is set, for whoever waits for it (a link at a cold start).
    pub connected_changed: tokio::sync::watch::Sender<()>,
    /// True once the start-up attempt to create `connected` has finished (made it, or found
    /// no Client ID, or failed): before that, `None` only means "not yet".
    pub started: tokio::sync::watch::Sender<bool>,
    /// The last device-flow activation URL, for "Open activation page".
    pub activation_url: std::sync::Mutex<Option<String>>,
    /// The signed-in user's display name and avatar, learnt from Helix at sign-in.
    pub user: std::sync::Mutex<Option<SignedInUser>>,
}

/// The OS keychain; `TEV_KEYCHAIN_SERVICE` names another service for the entries (a second
/// profile, or tests that share one Secret Service).
fn keychain_from_env() -> Keychain {
    match std::env::var("TEV_KEYCHAIN_SERVICE") {
        Ok(s) if !s.trim().is_empty() => Keychain::os().with_service(s.trim()),
        _ => Keychain::os(),
    }
}

impl AppState {
    /// The state at start: nothing connected yet.
    pub fn new(endpoints: Endpoints, config: ConfigStore, live: LiveFeed) -> Arc<Self> {
        Arc::new(Self {
            endpoints,
            config,
            os_keychain: keychain_from_env(),
            run_only: std::sync::Mutex::new(None),
            live,
            connected: RwLock::new(None),
            connected_changed: tokio::sync::watch::Sender::new(()),
            started: tokio::sync::watch::Sender::new(false),
            activation_url: std::sync::Mutex::new(None),
            user: std::sync::Mutex::new(None),
        })
    }

    /// Where the login and the Client Secret are kept: memory once the user chose this run
    /// only, else the OS keychain.
    pub fn keychain(&self) -> Keychain {
        self.run_keychain().unwrap_or_else(|| self.os_keychain.clone())
    }

    /// The memory store of this run, if the user chose to stay signed in for this run only.
    pub fn run_keychain(&self) -> Option<Keychain> {
        self.run_only.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The user chose to stay signed in for this run only: the memory store of this run (made
    /// once; choosing again keeps the same one).
    pub fn keep_login_for_this_run(&self) -> Keychain {
        let mut slot = self.run_only.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert_with(Keychain::session_only).clone()
    }

    /// Owner, Helix and watcher, if a Client ID is configured.
    pub async fn connected(&self) -> Option<Connected> {
        self.connected.read().await.clone()
    }

    /// The signed-in user as Helix knows them, once learnt.
    pub fn signed_in_user(&self) -> Option<SignedInUser> {
        self.user.lock().ok().and_then(|u| u.clone())
    }
}

/// Reaches the app's [`AppState`] from anything that reaches the app (the pattern of Tauri's own
/// plugins, e.g. `NotificationExt`).
pub trait AppStateExt<R: Runtime> {
    /// The app's state.
    fn app_state(&self) -> &Arc<AppState>;
}

impl<R: Runtime, T: Manager<R>> AppStateExt<R> for T {
    fn app_state(&self) -> &Arc<AppState> {
        self.state::<Arc<AppState>>().inner()
    }
}
