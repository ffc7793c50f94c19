//! Twitch's two panes (player, chat) stay on Twitch. They have no address bar, so a page they
//! show must be Twitch's: a click in an ad or an extension frame that sends a pane elsewhere would
//! otherwise make it a perfect phishing frame (docs/ui.md, "Twitch's panes").
//!
//! - A pane shows only `https` pages of `twitch.tv` and its subdomains (and, when simulated, the
//!   simulator's origin). A top-level page from anywhere else is not shown: its URL goes to the
//!   system browser (`webbrowser`, which honours `$BROWSER`) and the pane stays where it was.
//! - A new-window request (a chat link, `target="_blank"`) never opens a window of the app: its
//!   URL goes to the system browser.
//! - Downloads are refused (WebKitGTK would save an attachment to `~/Downloads` unasked).
//!
//! On Linux the check is made on the main frame's response (WebKitGTK's `decide-policy` of type
//! `RESPONSE`, `webkit_response_policy_decision_is_main_frame_main_resource`): its navigation
//! decisions are made for subframes too, with no way to tell them apart, and Twitch's pages frame
//! ads and extensions from other hosts, which must keep loading inside their frames.

use url::Url;

/// Which pages a pane may show.
#[derive(Debug, Clone, Default)]
pub struct PaneRule {
    /// The simulator's origin, when the app runs against it (`TEV_TWITCH_BASE_URL`); `None`
    /// against Twitch.
    simulator: Option<url::Origin>,
}

impl PaneRule {
    /// The rule for Twitch, plus the simulator at `simulator` when there is one.
    pub fn new(simulator: Option<&Url>) -> Self {
        Self { simulator: simulator.map(Url::origin) }
    }

    /// Whether a pane may show the page at `url`.
    pub fn allows(&self, url: &Url) -> bool {
        if self.simulator.as_ref().is_some_and(|o| *o == url.origin()) {
            return true;
        }
        url.scheme() == "https"
            && matches!(url.host(), Some(url::Host::Domain(h))
                if h.eq_ignore_ascii_case("twitch.tv")
                    || h.to_ascii_lowercase().ends_with(".twitch.tv"))
    }
}

/// Opens `url` in the system browser when it is a web page (`http`/`https`: never `file:`,
/// `data:`, `javascript:` or a custom scheme); `what` says why, for the log. Any thread.
pub fn hand_to_browser(url: &Url, what: &'static str) {
    if !matches!(url.scheme(), "http" | "https") {
        tracing::info!(scheme = url.scheme(), what, "a pane's link with another scheme: dropped");
        return;
    }
    // Only the host is logged: a URL's query may carry anything.
    tracing::info!(host = url.host_str().unwrap_or(""), what, "a pane's link sent to the browser");
    let url = url.to_string();
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = webbrowser::open(&url) {
            tracing::warn!(error = %e, "could not open the browser");
        }
    });
}

/// Confines a pane (Linux): pages from elsewhere and new windows go to the browser, downloads
/// are refused. Must run on the main thread (`with_webview` runs its closure at once there).
#[cfg(target_os = "linux")]
pub fn confine<R: tauri::Runtime>(webview: &tauri::Webview<R>, rule: PaneRule) {
    let label = webview.label().to_string();
    let done = webview.with_webview(move |pw| {
        use gtk::prelude::*;
        use webkit2gtk::{
            DownloadExt, NavigationPolicyDecision, NavigationPolicyDecisionExt,
            PolicyDecisionExt, PolicyDecisionType,
            ResponsePolicyDecision, ResponsePolicyDecisionExt, URIRequestExt, WebContextExt,
            WebViewExt,
        };
        let view = pw.inner();
        let pane = label.clone();
        view.connect_decide_policy(move |_, decision, kind| match kind {
            // The main frame's page arrived: shown only if it is Twitch's.
            PolicyDecisionType::Response => {
                let Some(d) = decision.downcast_ref::<ResponsePolicyDecision>() else {
                    return false;
                };
                if !d.is_main_frame_main_resource() {
                    return false;
                }
                let url =
                    d.request().and_then(|r| r.uri()).and_then(|u| Url::parse(u.as_str()).ok());
                match url {
                    Some(url) if rule.allows(&url) => false,
                    other => {
                        decision.ignore();
                        tracing::info!(webview = %pane, "a page from elsewhere kept out of the pane");
                        if let Some(url) = other {
                            hand_to_browser(&url, "left Twitch");
                        }
                        true
                    }
                }
            }
            // `target="_blank"`, `window.open`: never a window of the app.
            PolicyDecisionType::NewWindowAction => {
                let action = decision
                    .downcast_ref::<NavigationPolicyDecision>()
                    .and_then(|d| d.navigation_action());
                decision.ignore();
                let Some(action) = action else { return true };
                let url =
                    action.request().and_then(|r| r.uri()).and_then(|u| Url::parse(u.as_str()).ok());
                match url {
                    // A window the user asked for (a click); pop-ups by script alone are dropped.
                    Some(url) if action.is_user_gesture() => hand_to_browser(&url, "new window"),
                    _ => tracing::info!(webview = %pane, "a pop-up without a click: dropped"),
                }
                true
            }
            _ => false,
        });
        // Downloads start in the web context, which every webview of the app shares: refuse
        // those of this pane, and let go of the handler with it.
        let Some(context) = view.context() else { return };
        let weak = view.downgrade();
        let pane = label.clone();
        let id = context.connect_download_started(move |_, download| {
            let ours = weak.upgrade();
            if ours.is_some() && download.web_view() == ours {
                download.cancel();
                tracing::warn!(webview = %pane, "download refused");
            }
        });
        let id = std::cell::Cell::new(Some(id));
        view.connect_destroy(move |_| {
            if let Some(id) = id.take() {
                context.disconnect(id);
            }
        });
    });
    if let Err(e) = done {
        tracing::error!(error = %e, "a Twitch pane could not be confined");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("a test URL")
    }

    #[test]
    fn twitchs_https_hosts_are_allowed_and_nothing_else() {
        let rule = PaneRule::new(None);
        for ok in [
            "https://www.twitch.tv/popout/lumenforge/chat?popout=",
            "https://player.twitch.tv/?channel=lumenforge&parent=localhost",
            "https://twitch.tv/lumenforge",
            "https://passport.TWITCH.tv/login",
        ] {
            assert!(rule.allows(&url(ok)), "{ok}");
        }
        for no in [
            "http://www.twitch.tv/",
            "https://twitch.tv.example.com/",
            "https://eviltwitch.tv/",
            "https://www.twitch.tv.evil/",
            "https://example.com/?u=https://www.twitch.tv/",
            "data:text/html,hi",
            "file:///etc/passwd",
            "http://127.0.0.1:4567/embed/chat",
        ] {
            assert!(!rule.allows(&url(no)), "{no}");
        }
    }

    #[test]
    fn the_simulators_origin_is_allowed_only_when_simulated_and_only_that_origin() {
        let rule = PaneRule::new(Some(&url("http://127.0.0.1:4567/")));
        assert!(rule.allows(&url("http://127.0.0.1:4567/embed/player?channel=a")));
        assert!(rule.allows(&url("https://www.twitch.tv/")));
        assert!(!rule.allows(&url("http://localhost:4567/embed/player")));
        assert!(!rule.allows(&url("http://127.0.0.1:4568/embed/player")));
        assert!(!rule.allows(&url("https://127.0.0.1:4567/embed/player")));
    }
}
