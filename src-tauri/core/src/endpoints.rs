//! Every Twitch URL the app talks to, in one value.
//!
//! The defaults are Twitch's real hosts. One environment variable, `TEV_TWITCH_BASE_URL`,
//! points all of them at a single base (the local simulator, `tests/twitch-sim`), which
//! serves the same paths: `/oauth2/*`, `/helix/*`, `/ws`, `/activate` and embed pages.

use serde::Serialize;
use url::Url;

/// The environment variable that points every endpoint at one base URL.
pub const BASE_URL_VAR: &str = "TEV_TWITCH_BASE_URL";

/// With [`BASE_URL_VAR`], a base URL for the OAuth endpoints alone (`<it>/oauth2/`).
/// Twitch's OAuth is a host of its own (`id.twitch.tv`, apart from `api.twitch.tv` and
/// `eventsub.wss.twitch.tv`), so it can be out of reach while the others answer; tests put it
/// behind a door that refuses connections. Ignored without [`BASE_URL_VAR`].
pub const OAUTH_URL_VAR: &str = "TEV_TWITCH_OAUTH_URL";

/// Errors from building the endpoints.
#[derive(Debug, thiserror::Error)]
pub enum EndpointsError {
    /// The base URL given in `TEV_TWITCH_BASE_URL` could not be used.
    #[error("TEV_TWITCH_BASE_URL is not a usable http(s) URL: {0}")]
    BadBase(String),
}

/// The URLs of Twitch's services (or of a simulator standing in for them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoints {
    /// `https://id.twitch.tv/oauth2/` — authorize, token, device, validate, revoke.
    pub oauth: Url,
    /// `https://api.twitch.tv/helix/` — the REST API.
    pub helix: Url,
    /// `wss://eventsub.wss.twitch.tv/ws` — the EventSub WebSocket (docs/twitch.md §1.1).
    pub eventsub_ws: Url,
    /// Where the device flow's user code is entered (`verification_uri` normally comes from
    /// Twitch's answer; this is only the fallback and the sim's page).
    pub activate: Url,
    /// True when these point at a simulator rather than Twitch; the UI says "Simulated Twitch".
    pub simulated: bool,
    /// The simulator's base URL, if any (used for the embed pages).
    base: Option<Url>,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self::twitch()
    }
}

fn fixed(s: &str) -> Url {
    // These literals are constants of this file, checked by the tests below.
    Url::parse(s).unwrap_or_else(|e| unreachable!("constant URL {s} failed to parse: {e}"))
}

impl Endpoints {
    /// Twitch's production endpoints.
    pub fn twitch() -> Self {
        Self {
            oauth: fixed("https://id.twitch.tv/oauth2/"),
            helix: fixed("https://api.twitch.tv/helix/"),
            eventsub_ws: fixed("wss://eventsub.wss.twitch.tv/ws"),
            activate: fixed("https://www.twitch.tv/activate"),
            simulated: false,
            base: None,
        }
    }

    /// All endpoints under one base URL, laid out as the simulator serves them.
    pub fn with_base(base: &str) -> Result<Self, EndpointsError> {
        let mut base =
            Url::parse(base.trim()).map_err(|e| EndpointsError::BadBase(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(EndpointsError::BadBase(format!(
                "scheme {} or host missing",
                base.scheme()
            )));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let join = |p: &str| base.join(p).map_err(|e| EndpointsError::BadBase(e.to_string()));
        let mut ws = join("ws")?;
        let ws_scheme = if base.scheme() == "https" { "wss" } else { "ws" };
        ws.set_scheme(ws_scheme)
            .map_err(|()| EndpointsError::BadBase("cannot derive the WebSocket URL".into()))?;
        Ok(Self {
            oauth: join("oauth2/")?,
            helix: join("helix/")?,
            eventsub_ws: ws,
            activate: join("activate")?,
            simulated: true,
            base: Some(base),
        })
    }

    /// The endpoints the environment asks for: `TEV_TWITCH_BASE_URL` if set (with the OAuth
    /// endpoints at `TEV_TWITCH_OAUTH_URL` if that is set too), else Twitch.
    pub fn from_env() -> Result<Self, EndpointsError> {
        match std::env::var(BASE_URL_VAR) {
            Ok(v) if !v.trim().is_empty() => {
                let mut e = Self::with_base(&v)?;
                if let Ok(o) = std::env::var(OAUTH_URL_VAR)
                    && !o.trim().is_empty()
                {
                    e.oauth = Self::with_base(&o)?.oauth;
                }
                Ok(e)
            }
            _ => Ok(Self::twitch()),
        }
    }

    /// The base URL of the simulator, when simulated.
    pub fn base(&self) -> Option<&Url> {
        self.base.as_ref()
    }

    /// The player page for a channel, loaded top-level in its own webview (docs/twitch.md §5.1,
    /// §5.3: top-level avoids the `frame-ancestors` check; `parent` is then only syntax).
    pub fn player_url(&self, login: &str) -> Url {
        match &self.base {
            Some(base) => {
                let mut u = base.join("embed/player").unwrap_or_else(|_| base.clone());
                u.query_pairs_mut().append_pair("channel", login);
                u
            }
            None => {
                let mut u = fixed("https://player.twitch.tv/");
                u.query_pairs_mut()
                    .append_pair("channel", login)
                    .append_pair("parent", "localhost")
                    .append_pair("autoplay", "true");
                u
            }
        }
    }

    /// The chat page for a channel: Twitch's popout chat, which refuses to be framed but
    /// works top-level (docs/twitch.md §5.1).
    pub fn chat_url(&self, login: &str) -> Url {
        match &self.base {
            Some(base) => {
                let mut u = base.join("embed/chat").unwrap_or_else(|_| base.clone());
                u.query_pairs_mut().append_pair("channel", login);
                u
            }
            None => {
                let mut u = fixed("https://www.twitch.tv/");
                u.path_segments_mut()
                    .map(|mut s| {
                        s.pop_if_empty().extend(["popout", login, "chat"]);
                    })
                    .ok();
                u.set_query(Some("popout="));
                u
            }
        }
    }

    /// The origins the app's own pages may talk to (for logging and the about panel).
    pub fn describe(&self) -> String {
        if self.simulated {
            format!("Simulated Twitch at {}", self.base.as_ref().map(Url::as_str).unwrap_or("?"))
        } else {
            "Twitch".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_twitchs_hosts() {
        let e = Endpoints::twitch();
        assert_eq!(e.oauth.as_str(), "https://id.twitch.tv/oauth2/");
        assert_eq!(e.helix.as_str(), "https://api.twitch.tv/helix/");
        assert_eq!(e.eventsub_ws.as_str(), "wss://eventsub.wss.twitch.tv/ws");
        assert!(!e.simulated);
        // docs/twitch.md §5.1: top-level player with a syntactically valid parent.
        assert_eq!(
            e.player_url("lumenforge").as_str(),
            "https://player.twitch.tv/?channel=lumenforge&parent=localhost&autoplay=true"
        );
        assert_eq!(
            e.chat_url("lumenforge").as_str(),
            "https://www.twitch.tv/popout/lumenforge/chat?popout="
        );
    }

    #[test]
    fn one_base_points_everything_at_the_simulator() {
        let e = Endpoints::with_base("http://127.0.0.1:4567").expect("valid base");
        assert_eq!(e.oauth.as_str(), "http://127.0.0.1:4567/oauth2/");
        assert_eq!(e.helix.as_str(), "http://127.0.0.1:4567/helix/");
        assert_eq!(e.eventsub_ws.as_str(), "ws://127.0.0.1:4567/ws");
        assert_eq!(e.activate.as_str(), "http://127.0.0.1:4567/activate");
        assert_eq!(e.player_url("a_b").as_str(), "http://127.0.0.1:4567/embed/player?channel=a_b");
        assert_eq!(e.chat_url("a_b").as_str(), "http://127.0.0.1:4567/embed/chat?channel=a_b");
        assert!(e.simulated);
        let tls = Endpoints::with_base("https://sim.example/twitch/").expect("valid base");
        assert_eq!(tls.eventsub_ws.as_str(), "wss://sim.example/twitch/ws");
        assert_eq!(tls.helix.as_str(), "https://sim.example/twitch/helix/");
    }

    #[test]
    fn a_bad_base_is_a_clear_error() {
        for bad in ["", "not a url", "ftp://x/", "file:///etc/passwd", "mailto:a@b"] {
            let err = Endpoints::with_base(bad).expect_err(bad);
            assert!(err.to_string().contains("TEV_TWITCH_BASE_URL"), "{err}");
        }
    }
}
