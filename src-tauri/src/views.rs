//! What the app's pages see: the payload of every command's reply and of every event the app
//! emits, as typed structs, and the events' names. `ui/js/*.js` reads these fields by name, so a
//! field renamed here is a page broken there. Nothing here reads or changes the app's state: the
//! modules that do the work build these values. None of them ever holds a token.

use crate::state::SignedInUser;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tev_core::Endpoints;
use tev_core::auth::{AuthState, SignInProgress};
use tev_core::feed::StreamEvent;
use tev_core::helix::Stream;
use tev_core::kind::FeedGroup;
use tev_core::live::Header;
use tev_core::notify::NotifyPolicy;
use tev_core::settings::{ClientIdSource, FeedPrefs, Settings};
use tev_core::watcher::{ConnectionState, WatchedChannel};

pub mod event {
    //! The names of the events the app emits to its pages (heard with `on` of `ui/js/ipc.js`).

    /// The login's state ([`super::AuthView`]), to every page.
    pub const AUTH: &str = "auth";
    /// The EventSub connection's state (`tev_core::watcher::ConnectionState`), to every page.
    pub const CONNECTION: &str = "connection";
    /// A panel's rows changed, without data: the panel reads them with `streamer_events`.
    pub const FEED: &str = "feed";
    /// A channel's stream header (`tev_core::live::Header`), to that channel's panel.
    pub const STREAM_INFO: &str = "stream_info";
    /// A message for the home window ([`super::Notice`]).
    pub const NOTICE: &str = "notice";
    /// Where a streamer window's chat is (`windows::ChatPlace`: `column`, `hidden`,
    /// `over_panel`), to that window's panel, when it changes.
    pub const CHAT_PLACE: &str = "chat_place";
}

/// What the home page shows about the running app (`app_info`).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct AppInfo {
    /// The app's name, for the page's footer.
    pub name: &'static str,
    /// The app's version, beside its name.
    pub version: &'static str,
    /// "Twitch" or "Simulated Twitch at …".
    pub twitch: String,
    /// Whether the endpoints are a simulator's: the page shows a badge.
    pub simulated: bool,
    /// The OAuth endpoint, in the footer's tooltip.
    pub oauth: String,
    /// The Helix endpoint, in the footer's tooltip.
    pub helix: String,
    /// The EventSub WebSocket endpoint, in the footer's tooltip.
    pub eventsub: String,
    /// The redirect URL to register for the loopback flow.
    pub redirect_url: String,
}

impl AppInfo {
    /// The app's facts for `endpoints`, its loopback login listening on `loopback_port`.
    pub fn new(endpoints: &Endpoints, loopback_port: u16) -> Self {
        Self {
            name: "Twitch Event Viewer",
            version: tev_core::VERSION,
            twitch: endpoints.describe(),
            simulated: endpoints.simulated,
            oauth: endpoints.oauth.to_string(),
            helix: endpoints.helix.to_string(),
            eventsub: endpoints.eventsub_ws.to_string(),
            redirect_url: format!("http://localhost:{loopback_port}/callback"),
        }
    }
}

/// The alert rules per channel as the home page shows them (`alerts_get`, `alerts_set`).
#[derive(Debug, Serialize)]
pub struct AlertsView {
    /// The rules, as in the settings (`version`, `channels` by login).
    #[serde(flatten)]
    pub alerts: tev_core::alerts::AlertSettings,
    /// How each channel with rules is watched now, by login: its go-live pushed, polled (over
    /// the connection's budget: no go-live alert), or not yet.
    pub watch: std::collections::BTreeMap<String, tev_core::alerts::Watch>,
}

/// The settings the home page needs (never a secret): `settings_get`, `set_favourite`,
/// `setup_save`, `use_built_in_client`.
#[derive(Debug, Serialize)]
pub struct SettingsView {
    /// The Client ID in use; the first window is the setup form while there is none.
    pub client_id: Option<String>,
    /// Where that Client ID comes from: the settings say which application is used and offer
    /// the other.
    pub client_source: Option<ClientIdSource>,
    /// Whether this build has a Client ID built in: the settings offer to go back to it.
    pub built_in: bool,
    /// The favourite channel's login, starred in the picker.
    pub favourite: Option<String>,
    /// The channels opened lately, newest first.
    pub recent_streamers: Vec<String>,
    /// A problem with the settings file (corrupt file set aside), in words.
    pub warning: Option<String>,
}

impl SettingsView {
    /// What the home page sees of `s`, with the problem met reading it, if any.
    pub fn new(s: &Settings, warning: Option<String>) -> Self {
        let choice = s.client_choice();
        Self {
            client_source: choice.as_ref().map(|c| c.source),
            client_id: choice.map(|c| c.id),
            built_in: tev_core::settings::bundled_client_id().is_some(),
            favourite: s.favourite.clone(),
            recent_streamers: s.recent_streamers.clone(),
            warning,
        }
    }
}

/// The result of the setup check (`setup_save`).
#[derive(Debug, Serialize)]
pub struct SetupResult {
    /// What the check found, in words, for under the setup form.
    pub message: String,
}

/// The login's state as the pages see it (the `auth` event, `auth_state`, a panel's snapshot):
/// [`AuthState`]'s fields, with words for each login step and the signed-in user's display name
/// and avatar when known. Never a token: [`AuthState`] has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AuthView {
    /// Nobody is signed in.
    SignedOut {
        /// Why, when it was not the user's choice (or a login that failed), in words.
        reason: Option<String>,
    },
    /// A login is in progress.
    SigningIn {
        /// Its step, with words for it.
        progress: Progress,
    },
    /// Signed in.
    SignedIn {
        /// Twitch user id.
        user_id: String,
        /// Twitch login: the name shown when no display name is known.
        login: String,
        /// Display name: Helix's once learnt, else the owner's, if any.
        display_name: Option<String>,
        /// The avatar for the home window's account corner, once learnt; absent until then.
        #[serde(skip_serializing_if = "Option::is_none")]
        profile_image_url: Option<String>,
        /// Granted scopes.
        scopes: Vec<String>,
        /// When the current access token expires (it is refreshed before).
        expires_at: DateTime<Utc>,
        /// True when the login lives in memory only (no keychain, user's choice).
        session_only: bool,
    },
    /// The stored login could not be renewed for now; it is retried.
    Expired {
        /// Why, in words.
        reason: String,
    },
}

/// Where a login would be kept, for the sign-in screen (`keychain_status`): it offers to stay
/// signed in for this run only when no keychain can keep the login, and says so once chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KeychainView {
    /// The system keychain answers: a login is kept there, across restarts.
    Available,
    /// No usable keychain (no Secret Service, or a locked one that does not answer).
    Unavailable {
        /// Why, in words (never a secret: keychain errors carry none).
        detail: String,
    },
    /// The user chose to stay signed in for this run only: the login lives in memory.
    SessionOnly,
}

/// A login's step, as the home page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The step and what comes with it (the device code, the consent page's address).
    #[serde(flatten)]
    pub step: SignInProgress,
    /// The step in words.
    pub message: &'static str,
}

impl AuthView {
    /// What the pages see of `auth`; `user` is the signed-in user as Helix knows them, used
    /// only while it is the same login.
    pub fn new(auth: &AuthState, user: Option<&SignedInUser>) -> Self {
        match auth.clone() {
            AuthState::SignedOut { reason } => Self::SignedOut { reason },
            AuthState::SigningIn { progress } => Self::SigningIn {
                progress: Progress { message: step_words(&progress), step: progress },
            },
            AuthState::SignedIn {
                user_id,
                login,
                display_name,
                scopes,
                expires_at,
                session_only,
            } => {
                let user = user.filter(|u| u.login == login);
                Self::SignedIn {
                    display_name: user.map(|u| u.display_name.clone()).or(display_name),
                    profile_image_url: user.map(|u| u.profile_image_url.clone()),
                    user_id,
                    login,
                    scopes,
                    expires_at,
                    session_only,
                }
            }
            AuthState::Expired { reason } => Self::Expired { reason },
        }
    }
}

/// A login step in words.
fn step_words(step: &SignInProgress) -> &'static str {
    match step {
        SignInProgress::Starting => "Starting…",
        SignInProgress::OpeningBrowser { .. } => "Opening your browser…",
        SignInProgress::WaitingForBrowser { .. } => "Browser opened — approve in Twitch",
        SignInProgress::DeviceCode { .. } => {
            "Enter this code on Twitch's activation page (opened in your browser)"
        }
        SignInProgress::Exchanging => "Finishing the login…",
    }
}

/// A channel row for the home window's picker (`search_channels`, `followed_channels`).
#[derive(Debug, Serialize)]
pub struct ChannelRow {
    /// Broadcaster id.
    pub id: String,
    /// Login: what opening the channel takes.
    pub login: String,
    /// Display name, shown.
    pub display_name: String,
    /// Live now: the row says so.
    pub is_live: bool,
    /// The category streamed, if live (empty if not known).
    pub game_name: String,
    /// The stream's title (empty if not known).
    pub title: String,
    /// The channel's avatar, if known.
    pub profile_image_url: Option<String>,
}

/// A followed channel that is live now, for the home window's first choice
/// (`followed_live_channels`).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct LiveChannel {
    /// Login: what opening the channel takes.
    pub login: String,
    /// Display name, shown.
    pub display_name: String,
    /// The category streamed (empty if none).
    pub game_name: String,
    /// The stream's title.
    pub title: String,
    /// How many watch now: the card says so, and the list is sorted by it.
    pub viewer_count: u64,
    /// A 320×180 preview of the stream (Twitch's `{width}x{height}` template filled in), if any.
    pub thumbnail_url: Option<String>,
}

impl LiveChannel {
    /// The card of a live stream (Helix `GET /streams/followed`).
    pub fn new(s: Stream) -> Self {
        let thumbnail = s.thumbnail_url.replace("{width}", "320").replace("{height}", "180");
        Self {
            thumbnail_url: Some(thumbnail).filter(|t| !t.is_empty()),
            login: s.user_login,
            display_name: s.user_name,
            game_name: s.game_name,
            title: s.title,
            viewer_count: s.viewer_count,
        }
    }
}

/// One line of the notification choices (`notifications_get`, `notifications_set`).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct NotifyKind {
    /// The feed's kind (`"raid_incoming"`).
    pub kind: &'static str,
    /// Words for it ("Incoming raid").
    pub label: &'static str,
    /// Notifies?
    pub on: bool,
}

impl NotifyKind {
    /// Every kind that can notify, with words, go-live first, as `policy` has them.
    pub fn all(policy: &NotifyPolicy) -> Vec<Self> {
        tev_core::notify::KINDS
            .iter()
            .map(|(kind, label)| Self { kind, label, on: policy.wants(kind) })
            .collect()
    }
}

/// Everything a streamer panel shows at once when it loads (`streamer_snapshot`, and in its
/// [`PanelBoot`]).
#[derive(Debug, Serialize)]
pub struct Snapshot {
    /// The panel's channel.
    pub channel: WatchedChannel,
    /// Its stream header (live, title, category, viewers), once known.
    pub header: Option<Header>,
    /// Its recent rows, newest first.
    pub events: Vec<StreamEvent>,
    /// The EventSub connection's state, for the panel's chip.
    pub connection: ConnectionState,
    /// The login's state, for the panel's "as …".
    pub auth: AuthView,
    /// Whether the endpoints are a simulator's: the panel shows a badge.
    pub simulated: bool,
    /// When the window opened: the empty list's "listening since".
    pub listening_since: DateTime<Utc>,
    /// How each kind of row is named, grouped and drawn: the page keeps no list of its own.
    pub kinds: &'static [tev_core::kind::KindInfo],
    /// The command that installs an H.264 decoder for WebKitGTK on this system, for the notice
    /// the panel shows when its page cannot play Twitch's streams (`video`).
    pub video_install: &'static str,
    /// Show the explanation of the window's panes and gap rows: until the user dismisses it.
    pub intro: bool,
}

/// One channel's feed choices and the groups they are made of, for its panel
/// (`feed_prefs_get`, `feed_prefs_set`, and in its [`PanelBoot`]).
#[derive(Debug, Serialize)]
pub struct FeedPrefsView {
    /// The channel (broadcaster id) the choices belong to.
    pub channel_id: String,
    /// The kind groups, in the order the filter menu lists them.
    pub groups: &'static [FeedGroup],
    /// The choices.
    pub prefs: FeedPrefs,
    /// A problem with the settings file (corrupt file set aside), in words.
    pub warning: Option<String>,
}

impl FeedPrefsView {
    /// The choices `prefs` of `channel_id`, with the problem met reading them, if any.
    pub fn new(channel_id: String, prefs: FeedPrefs, warning: Option<String>) -> Self {
        Self { channel_id, groups: tev_core::kind::FEED_GROUPS, prefs, warning }
    }
}

/// A panel's first data, given with its window (`window.__TEV_BOOT__` in `ui/js/streamer.js`):
/// what it would otherwise ask for in two round trips after its first paint.
#[derive(Debug, Serialize)]
pub struct PanelBoot {
    /// As `streamer_snapshot` answers.
    pub snapshot: Snapshot,
    /// As `feed_prefs_get` answers.
    pub prefs: FeedPrefsView,
}

impl PanelBoot {
    /// The initialisation script that hands the data to the page: the data as a JSON string
    /// literal parsed by the page, so no part of it is ever JavaScript. `None` if it cannot be
    /// written.
    pub fn script(&self) -> Option<String> {
        boot_script(self)
    }
}

/// The script that sets `window.__TEV_BOOT__` to `data`, parsed by the page from a JSON string
/// literal.
fn boot_script<T: Serialize>(data: &T) -> Option<String> {
    let json = serde_json::to_string(data).ok()?;
    let literal = serde_json::to_string(&json).ok()?;
    Some(format!("window.__TEV_BOOT__ = JSON.parse({literal});"))
}

/// A message for the home window (the `notice` event): a refused link, a link while signed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// What happened, as a stable snake_case code (`ui/js/home.js` keeps it on the element).
    pub code: String,
    /// What happened, in words.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Every state a login can be in, each step of a login included.
    fn every_auth_state() -> Vec<AuthState> {
        let url = "https://id.twitch.tv/oauth2/authorize?client_id=abc".to_string();
        let at = DateTime::parse_from_rfc3339("2025-01-02T03:04:05Z").expect("a date").to_utc();
        let steps = [
            SignInProgress::Starting,
            SignInProgress::OpeningBrowser { url: url.clone() },
            SignInProgress::WaitingForBrowser { url },
            SignInProgress::DeviceCode {
                user_code: "ABCD-EFGH".into(),
                verification_uri: "https://www.twitch.tv/activate?device-code=ABCDEFGH".into(),
                expires_at: at,
            },
            SignInProgress::Exchanging,
        ];
        let mut all = vec![
            AuthState::SignedOut { reason: None },
            AuthState::SignedOut { reason: Some("Twitch revoked the login".into()) },
            AuthState::SignedIn {
                user_id: "141981764".into(),
                login: "lumenforge".into(),
                display_name: None,
                scopes: vec!["user:read:chat".into()],
                expires_at: at,
                session_only: false,
            },
            AuthState::Expired { reason: "Twitch could not be reached".into() },
        ];
        all.extend(steps.into_iter().map(|progress| AuthState::SigningIn { progress }));
        all
    }

    #[test]
    fn the_auth_view_is_the_core_state_with_words_for_each_login_step() {
        for auth in every_auth_state() {
            let mut expected = serde_json::to_value(&auth).expect("serialises");
            if let AuthState::SigningIn { progress } = &auth {
                expected["progress"]["message"] = json!(step_words(progress));
            }
            let view = serde_json::to_value(AuthView::new(&auth, None)).expect("serialises");
            assert_eq!(view, expected, "{auth:?}");
        }
        let device = AuthState::SigningIn {
            progress: SignInProgress::DeviceCode {
                user_code: "ABCD-EFGH".into(),
                verification_uri: "https://www.twitch.tv/activate".into(),
                expires_at: Utc::now(),
            },
        };
        let view = serde_json::to_value(AuthView::new(&device, None)).expect("serialises");
        assert_eq!(view["progress"]["step"], "device_code");
        assert_eq!(view["progress"]["user_code"], "ABCD-EFGH", "the code the page shows");
        assert!(view["progress"]["message"].as_str().is_some_and(|m| m.contains("code")));
    }

    #[test]
    fn the_signed_in_users_name_and_avatar_are_shown_for_their_own_login_only() {
        let signed_in = every_auth_state()
            .into_iter()
            .find(|a| matches!(a, AuthState::SignedIn { .. }))
            .expect("a signed-in state");
        let user = |login: &str| SignedInUser {
            login: login.into(),
            display_name: "LumenForge".into(),
            profile_image_url: "https://static-cdn.jtvnw.net/lumenforge.png".into(),
        };
        let known = serde_json::to_value(AuthView::new(&signed_in, Some(&user("lumenforge"))))
            .expect("serialises");
        assert_eq!(known["state"], "signed_in");
        assert_eq!(known["display_name"], "LumenForge");
        assert_eq!(known["profile_image_url"], "https://static-cdn.jtvnw.net/lumenforge.png");
        let other = serde_json::to_value(AuthView::new(&signed_in, Some(&user("nightowl"))))
            .expect("serialises");
        assert_eq!(other["display_name"], Value::Null, "another login's name is not shown");
        assert!(other.get("profile_image_url").is_none(), "no avatar until it is known");
    }

    #[test]
    fn a_boot_script_hands_the_page_data_it_parses_never_code() {
        #[derive(Serialize)]
        struct Data {
            display_name: &'static str,
        }
        let nasty = "\"); alert(1); (\"</script>";
        let script = boot_script(&Data { display_name: nasty }).expect("a script");
        let literal = script
            .strip_prefix("window.__TEV_BOOT__ = JSON.parse(")
            .and_then(|s| s.strip_suffix(");"))
            .expect("one assignment of a parsed literal");
        let json: String = serde_json::from_str(literal).expect("a JSON string literal");
        let data: Value = serde_json::from_str(&json).expect("JSON inside it");
        assert_eq!(data, json!({"display_name": nasty}));
    }

    #[test]
    fn a_live_card_has_a_sized_preview_and_the_viewer_count() {
        // Twitch's answer to GET /streams/followed, from
        // https://dev.twitch.tv/docs/api/reference/#get-followed-streams.
        let stream: Stream = serde_json::from_value(json!({
            "id": "42170724654", "user_id": "132954738", "user_login": "aws", "user_name": "AWS",
            "game_id": "417752", "game_name": "Talk Shows & Podcasts", "type": "live",
            "title": "AWS Howdy Partner! Y'all welcome ExtraHop to the show!",
            "viewer_count": 20, "started_at": "2021-03-31T20:57:26Z", "language": "en",
            "thumbnail_url": "https://static-cdn.jtvnw.net/previews-ttv/live_user_aws-{width}x{height}.jpg",
            "tag_ids": [], "tags": ["English"], "is_mature": false
        }))
        .expect("Twitch's example");
        let card = LiveChannel::new(stream);
        assert_eq!(
            card.thumbnail_url.as_deref(),
            Some("https://static-cdn.jtvnw.net/previews-ttv/live_user_aws-320x180.jpg")
        );
        assert_eq!((card.login.as_str(), card.display_name.as_str()), ("aws", "AWS"));
        assert_eq!(card.viewer_count, 20);
    }

    #[test]
    fn a_notice_reaches_the_home_page_as_code_and_message() {
        let n = Notice { code: "bad_link".into(), message: "That link is not one of ours.".into() };
        assert_eq!(
            serde_json::to_value(n).expect("serialises"),
            json!({"code": "bad_link", "message": "That link is not one of ours."})
        );
    }

    #[test]
    fn the_redirect_url_shown_for_setup_uses_the_loopback_port() {
        let endpoints = Endpoints::with_base("http://127.0.0.1:9").expect("endpoints");
        let info = AppInfo::new(&endpoints, 17563);
        assert_eq!(info.redirect_url, "http://localhost:17563/callback");
        assert!(info.simulated, "an address of one's own is the simulator");
    }

    #[test]
    fn every_event_the_pages_listen_for_is_one_the_app_emits() {
        let emitted = [
            event::AUTH,
            event::CONNECTION,
            event::FEED,
            event::STREAM_INFO,
            event::NOTICE,
            event::CHAT_PLACE,
        ];
        let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/js");
        let mut heard = Vec::new();
        for entry in std::fs::read_dir(&ui).expect("ui/js") {
            let text = std::fs::read_to_string(entry.expect("an entry").path()).expect("a page");
            for piece in text.split("on(\"").skip(1) {
                heard.extend(piece.split('"').next().map(str::to_string));
            }
        }
        assert!(heard.len() >= 5, "the pages' listeners were found: {heard:?}");
        for name in &heard {
            assert!(emitted.contains(&name.as_str()), "the pages listen for {name}, never emitted");
        }
        for name in emitted {
            assert!(heard.iter().any(|h| h == name), "{name} is emitted, no page listens");
        }
    }
}

/// What a streamer window's message box reads at start (`chat_box`); later changes of the login
/// come as `auth` events.
#[derive(Debug, Serialize)]
pub struct ChatBox {
    /// The login: signed in (with its scopes), signing in (the step, the device code), out.
    pub auth: AuthView,
    /// The scope sending needs (`user:write:chat`): chatting is on when the login has it.
    pub scope: &'static str,
    /// Twitch's limit on a message, in characters.
    pub max_chars: usize,
}

/// Twitch's answer to a message from the box (`chat_send`), when it answered 200.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChatSent {
    /// Whether the message went to the chat (`is_sent`).
    pub sent: bool,
    /// Why Twitch dropped it, in Twitch's words (`drop_reason.message`, else its code).
    pub reason: Option<String>,
}
