//! Streamer windows: one native window per channel, holding four webviews —
//! Twitch's player and chat (remote pages, no capability), the app's own panel
//! (stream info + the last ten events) and the app's message box under the chat
//! (`ui/compose.html`: writing in the chat as the signed-in user, see `chat`).
//!
//! Layout: the player gets the room, the chat a column on the right, the panel a strip under
//! the player. On Linux, Tauri ignores child webview bounds and stacks children in the window's
//! `gtk::Box` (docs/platform.md "Multi-webview on Linux", tauri#10420), so there we re-pack the
//! three webviews into two `gtk::Paned`s, which also gives the user draggable dividers. Elsewhere
//! the bounds are set and kept proportional on resize.
//!
//! # Layout
//!
//! - `windows.rs`: the labels, the sizes and the rule that gives the player its room
//!   ([`chat_place`]), opening a window and adding Twitch's pages to it, crash reloads;
//! - `windows/layout.rs`: the GTK packing of the three webviews (Linux);
//! - `windows/layout_other.rs`: bounds for macOS and Windows.

use crate::panes::PaneRule;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use tauri::{
    AppHandle, LogicalPosition, LogicalSize, Manager, Runtime, WebviewBuilder, WebviewUrl,
};

/// The label of a channel's window. Logins are `[a-z0-9_]` (checked by the caller), which are
/// valid label characters.
pub fn window_label(login: &str) -> String {
    format!("streamer-{login}")
}

/// The label of the app's own panel inside a streamer window; capabilities grant IPC to
/// exactly this pattern (`streamer-*-panel`) and never to the player or chat webviews.
pub fn panel_label(login: &str) -> String {
    format!("streamer-{login}-panel")
}

/// The label of the app's message box under a streamer window's chat (`ui/compose.html`);
/// only this pattern (`streamer-*-compose`) may send chat messages (capability
/// `streamer-compose`).
pub fn compose_label(login: &str) -> String {
    format!("streamer-{login}-compose")
}

/// The login a message box webview belongs to, from its label.
pub fn login_of_compose(label: &str) -> Option<&str> {
    label.strip_prefix("streamer-")?.strip_suffix("-compose")
}

/// Whether a window label is a streamer window's (`streamer-<login>`), not one of its webviews'.
pub fn is_streamer_window(label: &str) -> bool {
    label.strip_prefix("streamer-").is_some_and(|login| !login.is_empty() && !login.contains('-'))
}

/// The login a panel webview belongs to, from its label.
pub fn login_of_panel(label: &str) -> Option<&str> {
    label.strip_prefix("streamer-")?.strip_suffix("-panel")
}

/// Default size of a streamer window (docs/ui.md "Streamer window": 1280×800).
const DEFAULT_SIZE: (f64, f64) = (1280.0, 800.0);
/// Width of the chat column.
const CHAT_WIDTH: f64 = 340.0;
/// Height of the events strip under the player.
const PANEL_HEIGHT: f64 = 300.0;
/// The smallest player Twitch allows: smaller, autoplay is blocked (docs/twitch.md §5.1).
pub const PLAYER_MIN: (f64, f64) = (400.0, 300.0);
/// The narrowest chat column; a window that cannot give it beside [`PLAYER_MIN`] hides the chat
/// (docs/ui.md, "Layout").
const CHAT_MIN_WIDTH: f64 = 260.0;
/// The lowest events strip.
const PANEL_MIN_HEIGHT: f64 = 160.0;
/// The height of the message box under the chat: Twitch's answer over the field and its Send
/// button, room for four lines of it in the narrowest chat column, so that a drop reason (the
/// longest Twitch sends is ~110 characters) is read whole (docs/ui.md, "Message box").
pub const COMPOSE_HEIGHT: f64 = 110.0;
/// The least height Twitch's chat keeps above the message box: in a shorter place (the chat
/// over the panel of a low window) the chat is shown alone (docs/ui.md, "Message box").
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const CHAT_ROOM_OVER_BOX: f64 = 100.0;
/// What the panel keeps of its height when the chat is shown over it: its stream header, with
/// the Chat toggle.
const PANEL_HEADER_HEIGHT: f64 = 52.0;
/// The window's minimum inner size: the smallest player over the lowest strip; the chat gives
/// way below `PLAYER_MIN.0 + CHAT_MIN_WIDTH`.
pub const MIN_SIZE: (f64, f64) = (PLAYER_MIN.0, PLAYER_MIN.1 + PANEL_MIN_HEIGHT);

/// Where the chat is in a streamer window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatPlace {
    /// A column right of the player and the panel (the window is wide enough).
    Column,
    /// Not shown: the window is too narrow for a column beside Twitch's smallest player.
    Hidden,
    /// Over the panel (all but its header), as the user asked with the panel's Chat toggle
    /// while the window is too narrow for a column.
    OverPanel,
}

/// Where the chat goes in a window `width` wide (logical), `over_panel` saying whether the user
/// asked for it over the panel: the player never gets less than [`PLAYER_MIN`], the chat gives
/// way first.
pub fn chat_place(width: f64, over_panel: bool) -> ChatPlace {
    if width >= PLAYER_MIN.0 + CHAT_MIN_WIDTH {
        ChatPlace::Column
    } else if over_panel {
        ChatPlace::OverPanel
    } else {
        ChatPlace::Hidden
    }
}

/// The streamer windows (labels) whose chat the user asked to see over the panel.
static CHAT_OVER_PANEL: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Where each streamer window's panel was last told its chat is.
static CHAT_PLACE_TOLD: Mutex<BTreeMap<String, ChatPlace>> = Mutex::new(BTreeMap::new());

/// Notes that window `label`'s chat is at `place`; whether that is news for its panel.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn told_chat_place(label: &str, place: ChatPlace) -> bool {
    CHAT_PLACE_TOLD.lock().is_ok_and(|mut m| m.insert(label.to_string(), place) != Some(place))
}

/// Whether the user asked for the chat of window `label` over its panel.
fn chat_over_panel(label: &str) -> bool {
    CHAT_OVER_PANEL.lock().map(|s| s.contains(label)).unwrap_or(false)
}

/// The panel's Chat toggle: shows the chat of window `label` over the panel, or hides it again;
/// lays the window out anew. Returns whether it is now asked for over the panel.
pub fn toggle_chat<R: Runtime>(app: &AppHandle<R>, label: &str) -> bool {
    let over = match CHAT_OVER_PANEL.lock() {
        Ok(mut set) => {
            if !set.remove(label) {
                set.insert(label.to_string());
            }
            set.contains(label)
        }
        Err(_) => false,
    };
    if let Some(window) = app.get_window(label) {
        layout::relayout(&window);
    }
    over
}

pub use tev_core::settings::WindowGeometry as Geometry;
use tev_core::settings::placement::{Rect, place_on_screens};

/// Brings a channel's window to the front.
pub fn focus<R: Runtime>(app: &AppHandle<R>, login: &str) {
    if let Some(w) = app.get_window(&window_label(login)) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// What a streamer window shows.
pub struct StreamerPages {
    /// The channel's display name, for the window's title.
    pub title: String,
    /// The panel's initialisation script carrying its first data (`panel::boot_script`).
    pub boot: Option<String>,
    /// Twitch's player embed.
    pub player_url: url::Url,
    /// Twitch's chat embed.
    pub chat_url: url::Url,
    /// Which pages the player and chat may show (see `panes`).
    pub pane_rule: PaneRule,
}

/// Opens the streamer window of `login`, or focuses it if it is open.
///
/// The panel comes first, alone: its page (in the app's own, already running web process) shows
/// the stored events while the window's other places are still empty. Twitch's player and chat
/// are added once the panel says its rows are on screen (`streamer_painted`, see
/// [`add_twitch_pages_now`]), or after [`TWITCH_PAGES_AT_LATEST`]: each starts a web process of
/// its own, and on a two-core machine those two starts delayed the panel's first paint with its
/// rows by a few hundred milliseconds (BENCHMARKS.md "Start-up").
pub fn open_streamer<R: Runtime>(
    app: &AppHandle<R>,
    login: &str,
    pages: StreamerPages,
    geometry: Option<Geometry>,
    on_geometry: impl Fn(Geometry) + Send + Sync + 'static,
) -> tauri::Result<()> {
    let label = window_label(login);
    if app.get_window(&label).is_some() {
        focus(app, login);
        return Ok(());
    }
    let (w, h) = geometry
        .as_ref()
        .filter(|g| g.width >= 400.0 && g.height >= 300.0)
        .map(|g| (g.width, g.height))
        .unwrap_or(DEFAULT_SIZE);
    // Where it was, if the user can still see and grab it there; else on the nearest screen
    // (`tev_core::settings::placement`, docs/ui.md "Streamer window").
    let geometry = geometry.map(|g| on_screen(app, &label, Geometry { width: w, height: h, ..g }));
    let (w, h) = geometry.as_ref().map(|g| (g.width, g.height)).unwrap_or((w, h));
    let mut builder = tauri::window::WindowBuilder::new(app, &label)
        .title(format!("{} — Twitch Event Viewer", pages.title))
        .inner_size(w, h)
        .min_inner_size(MIN_SIZE.0, MIN_SIZE.1);
    builder = match &geometry {
        Some(g) => builder.position(g.x, g.y).maximized(g.maximized),
        None => builder.center(),
    };
    let window = builder.build()?;

    let mut panel_builder = WebviewBuilder::new(
        panel_label(login),
        WebviewUrl::App(format!("streamer.html?login={login}").into()),
    );
    // Its first data comes with it (see `panel::boot_script`): the stored rows are in the
    // page's first paint.
    if let Some(script) = pages.boot {
        panel_builder = panel_builder.initialization_script(script);
    }
    #[cfg(target_os = "linux")]
    let panel_builder = in_own_web_process(app, panel_builder);
    let [_, (x, y, pw, ph), _] = bounds(w, h);
    let panel =
        window.add_child(panel_builder, LogicalPosition::new(x, y), LogicalSize::new(pw, ph))?;
    #[cfg(target_os = "linux")]
    {
        draw_in_software(&panel);
        reload_after_crash(&panel);
    }
    tracing::debug!(%login, "panel webview created");
    let dividers = geometry.map(|g| (g.chat_width, g.panel_height)).unwrap_or_default();
    layout::arrange_panel(&window, &panel, dividers, on_geometry)?;
    let (player_url, chat_url, rule) = (pages.player_url, pages.chat_url, pages.pane_rule);
    let win = window.clone();
    if let Ok(mut pending) = app.state::<TwitchPagesToCome>().adders.lock() {
        pending.insert(
            label.clone(),
            Box::new(move || {
                // Queued, not run in place: the caller may be inside a WebKit signal.
                let w = win.clone();
                let queued = win.run_on_main_thread(move || {
                    if let Err(e) = add_twitch_pages(&w, player_url, chat_url, rule) {
                        // The window closed in between, most likely.
                        tracing::debug!(window = w.label(), error = %e, "Twitch's pages not added");
                    }
                });
                if let Err(e) = queued {
                    tracing::debug!(error = %e, "Twitch's pages not added");
                }
            }),
        );
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(TWITCH_PAGES_AT_LATEST).await;
        add_twitch_pages_now(&app, &label);
    });
    Ok(())
}

/// The monitors' work areas now, in logical pixels (each monitor by its own scale); empty if
/// the platform names none. Main thread (Tauri answers there at once).
fn work_areas<R: Runtime>(app: &AppHandle<R>) -> Vec<Rect> {
    let monitors = app.available_monitors().unwrap_or_else(|e| {
        tracing::debug!(error = %e, "no monitors known; remembered places are used as they are");
        Vec::new()
    });
    monitors
        .iter()
        .map(|m| {
            let (scale, area) = (m.scale_factor(), m.work_area());
            let scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
            Rect {
                x: f64::from(area.position.x) / scale,
                y: f64::from(area.position.y) / scale,
                width: f64::from(area.size.width) / scale,
                height: f64::from(area.size.height) / scale,
            }
        })
        .collect()
}

/// The place window `label` opens at, remembered at `g`: as it was, or moved onto the nearest
/// screen when it would be off the screens there are now (logged, with the reason).
fn on_screen<R: Runtime>(app: &AppHandle<R>, label: &str, g: Geometry) -> Geometry {
    let areas = work_areas(app);
    let placed = place_on_screens(g, &areas);
    if let Some((reason, monitor)) = placed.moved {
        let p = placed.geometry;
        tracing::info!(
            window = %label,
            %reason,
            remembered = ?(g.x, g.y, g.width, g.height),
            placed = ?(p.x, p.y, p.width, p.height),
            monitor = ?areas.get(monitor),
            "remembered place is off the screens there are now; opening on the nearest one"
        );
    }
    placed.geometry
}

/// Where the two dividers go in a window of `w`×`h` (logical) as (player width, player
/// height), the positions of the vertical and the horizontal divider: from the chat column
/// width and events strip height the user left (`remembered`, see [`Geometry`]), clamped so
/// that the player keeps [`PLAYER_MIN`], the chat column [`CHAT_MIN_WIDTH`] and the strip
/// [`PANEL_MIN_HEIGHT`] (the player's minimum wins in a window too small for all); what
/// [`bounds`] gives where nothing usable is remembered.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub fn divider_positions(w: f64, h: f64, remembered: (Option<f64>, Option<f64>)) -> (f64, f64) {
    let [(_, _, pw, ph), _, _] = bounds(w, h);
    let usable = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0);
    let pw = match usable(remembered.0) {
        Some(chat) if chat_place(w, false) == ChatPlace::Column => {
            (w - chat).clamp(PLAYER_MIN.0, w - CHAT_MIN_WIDTH)
        }
        _ => pw,
    };
    let ph = match usable(remembered.1) {
        Some(strip) => (h - strip).min(h - PANEL_MIN_HEIGHT).max(PLAYER_MIN.1),
        None => ph,
    };
    (pw, ph)
}

/// The streamer windows whose Twitch pages are still to come (see [`open_streamer`]), managed by
/// the app.
#[derive(Default)]
pub struct TwitchPagesToCome {
    /// What adds them, by window label, until it has run.
    adders: Mutex<HashMap<String, Box<dyn FnOnce() + Send>>>,
}

/// Adds Twitch's player and chat to the streamer window `window_label` now, if they are still
/// to come; the first call does it, later calls do nothing. Any thread.
pub fn add_twitch_pages_now<R: Runtime>(app: &AppHandle<R>, window_label: &str) {
    let to_come = app.state::<TwitchPagesToCome>();
    let add = to_come.adders.lock().ok().and_then(|mut p| p.remove(window_label));
    if let Some(add) = add {
        add();
    }
}

/// Twitch's pages are added at the latest this long after the panel, if its page never says its
/// rows are on screen (it failed to load, say).
pub const TWITCH_PAGES_AT_LATEST: std::time::Duration = std::time::Duration::from_secs(2);

/// Adds Twitch's player and chat to a streamer window, and the app's message box under the
/// chat (it has no use before the chat is there), and puts them in their places.
fn add_twitch_pages<R: Runtime>(
    window: &tauri::Window<R>,
    player_url: url::Url,
    chat_url: url::Url,
    rule: PaneRule,
) -> tauri::Result<()> {
    let label = window.label().to_string();
    let scale = window.scale_factor().unwrap_or(1.0);
    let size = window.inner_size()?.to_logical::<f64>(scale);
    let [(px, py, pw, ph), _, (cx, cy, cw, ch)] = bounds(size.width, size.height);
    let player = window.add_child(
        twitch_pane(format!("{label}-player"), player_url),
        LogicalPosition::new(px, py),
        LogicalSize::new(pw, ph),
    )?;
    let [(cx, cy, cw, ch), (bx, by, bw, bh)] = under_chat((cx, cy, cw, ch));
    let chat = window.add_child(
        twitch_pane(format!("{label}-chat"), chat_url),
        LogicalPosition::new(cx, cy),
        LogicalSize::new(cw, ch),
    )?;
    // The app's own page: it shares the app's web process and draws without the GPU, as the
    // panel does.
    let login = label.strip_prefix("streamer-").unwrap_or_default();
    let compose_builder = WebviewBuilder::new(
        compose_label(login),
        WebviewUrl::App(format!("compose.html?login={login}").into()),
    );
    #[cfg(target_os = "linux")]
    let compose_builder = in_own_web_process(window.app_handle(), compose_builder);
    let compose = window.add_child(
        compose_builder,
        LogicalPosition::new(bx, by),
        LogicalSize::new(bw, bh),
    )?;
    #[cfg(target_os = "linux")]
    {
        for wv in [&player, &chat] {
            reload_after_crash(wv);
            crate::panes::confine(wv, rule.clone());
        }
        draw_in_software(&compose);
        reload_after_crash(&compose);
    }
    #[cfg(not(target_os = "linux"))]
    drop(rule);
    tracing::debug!(window = %label, "Twitch's webviews and the message box created");
    layout::arrange_twitch(window, &player, &chat, &compose)
}

/// The builder of one of Twitch's panes. Elsewhere than Linux (where `panes::confine` does it
/// all once the view exists) new windows go to the browser and downloads are refused here;
/// keeping the pane's top-level page on Twitch is done on Linux only so far (macOS's navigation
/// decisions include subframes, which must stay free).
fn twitch_pane<R: Runtime>(label: String, url: url::Url) -> WebviewBuilder<R> {
    let builder = WebviewBuilder::new(label, WebviewUrl::External(url));
    #[cfg(not(target_os = "linux"))]
    let builder = builder
        .on_new_window(|url, _| {
            crate::panes::hand_to_browser(&url, "new window");
            tauri::webview::NewWindowResponse::Deny
        })
        .on_download(|_, event| {
            if matches!(event, tauri::webview::DownloadEvent::Requested { .. }) {
                tracing::warn!("download refused");
            }
            false
        });
    builder
}

/// Opens the streamer window on the main thread (see [`in_own_web_process`]: WebKit views are
/// only reachable there) and waits for the outcome.
pub async fn open_streamer_on_main<R: Runtime>(
    app: &AppHandle<R>,
    login: String,
    pages: StreamerPages,
    geometry: Option<Geometry>,
    on_geometry: impl Fn(Geometry) + Send + Sync + 'static,
) -> tauri::Result<()> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let handle = app.clone();
    app.run_on_main_thread(move || {
        let _ = tx.send(open_streamer(&handle, &login, pages, geometry, on_geometry));
    })?;
    rx.await.map_err(|_| tauri::Error::FailedToReceiveMessage)?
}

/// Makes a new panel (or message box) share the WebKit web process of a page of the app that
/// is already open (the home page, else a panel) instead of starting one of its own: a web process costs
/// ~110 MiB PSS (BENCHMARKS.md "Memory"). Only the app's own pages share: Twitch's player and
/// chat keep their own processes. Falls back to a process of its own when no own page is open
/// (WebKit does the same if the related view is gone). Must run on the main thread, where
/// `with_webview` runs its closure at once.
#[cfg(target_os = "linux")]
fn in_own_web_process<R: Runtime>(
    app: &AppHandle<R>,
    builder: WebviewBuilder<R>,
) -> WebviewBuilder<R> {
    use gtk::glib::thread_guard::ThreadGuard;
    let own = app
        .webviews()
        .into_values()
        .filter(|w| w.label() == "home" || login_of_panel(w.label()).is_some())
        .min_by_key(|w| w.label() != "home");
    let Some(own) = own else { return builder };
    let (tx, rx) = std::sync::mpsc::channel();
    if own.with_webview(move |pw| drop(tx.send(ThreadGuard::new(pw.inner())))).is_err() {
        return builder;
    }
    match rx.try_recv() {
        Ok(view) => builder.with_related_view(view.into_inner()),
        Err(_) => {
            tracing::debug!("no own page's view at hand; the panel gets a web process of its own");
            builder
        }
    }
}

/// The app's own pages (home, panels) draw without GPU compositing: they are a header, a form
/// and ten rows, and a GL context costs their web process memory (and under software GL, CPU at
/// every frame) for nothing (BENCHMARKS.md "Memory"). Twitch's player and chat keep WebKit's
/// default (video wants the GPU).
#[cfg(target_os = "linux")]
pub fn draw_in_software<R: Runtime>(webview: &tauri::Webview<R>) {
    let _ = webview.with_webview(|pw| {
        use webkit2gtk::{SettingsExt, WebViewExt};
        if let Some(settings) = pw.inner().settings() {
            settings
                .set_hardware_acceleration_policy(webkit2gtk::HardwareAccelerationPolicy::Never);
        }
    });
}

/// Reloads the page of `webview` when its web process ends by a crash or by WebKit's memory
/// limit, so a window left open all evening does not stay blank (the app's own pages
/// share one web process, so one crash would take the home page and every panel down at once;
/// Twitch's player and chat get the same care). A page that keeps crashing is reloaded at most
/// [`ReloadBudget::MAX`] times a minute, then left as it is.
#[cfg(target_os = "linux")]
pub fn reload_after_crash<R: Runtime>(webview: &tauri::Webview<R>) {
    let label = webview.label().to_string();
    let _ = webview.with_webview(move |pw| {
        use webkit2gtk::{WebProcessTerminationReason, WebViewExt};
        let budget = std::cell::RefCell::new(ReloadBudget::default());
        pw.inner().connect_web_process_terminated(move |view, reason| {
            if reason == WebProcessTerminationReason::TerminatedByApi {
                return;
            }
            if budget.borrow_mut().allow(std::time::Instant::now()) {
                tracing::warn!(webview = %label, ?reason, "its web process ended; reloading the page");
                view.reload();
            } else {
                tracing::error!(webview = %label, ?reason, "its web process keeps ending; not reloading again");
            }
        });
    });
}

/// How many crash reloads a page gets: [`ReloadBudget::MAX`] in any [`ReloadBudget::WINDOW`].
#[derive(Debug, Default)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub struct ReloadBudget {
    /// When the recent reloads happened, oldest first.
    recent: std::collections::VecDeque<std::time::Instant>,
}

impl ReloadBudget {
    /// Reloads allowed in one window.
    pub const MAX: usize = 3;
    /// The window.
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

    /// Whether a reload at `now` is allowed; counts it if so.
    pub fn allow(&mut self, now: std::time::Instant) -> bool {
        while self.recent.front().is_some_and(|t| now.duration_since(*t) >= Self::WINDOW) {
            self.recent.pop_front();
        }
        if self.recent.len() >= Self::MAX {
            return false;
        }
        self.recent.push_back(now);
        true
    }
}

/// Where the three webviews go in a window of `w`×`h` (logical): player, panel, chat, each as
/// (x, y, width, height). The player gets the room, never less than [`PLAYER_MIN`]; the chat a
/// column when there is room for one beside it, else nothing (docs/ui.md "Layout"); the panel
/// a strip under the player.
fn bounds(w: f64, h: f64) -> [(f64, f64, f64, f64); 3] {
    let pw = match chat_place(w, false) {
        ChatPlace::Column => (w - CHAT_WIDTH).max(PLAYER_MIN.0).min(w - CHAT_MIN_WIDTH),
        _ => w,
    };
    let ph = (h - PANEL_HEIGHT).max(PLAYER_MIN.1);
    [(0.0, 0.0, pw, ph), (0.0, ph, pw, h - ph), (pw, 0.0, w - pw, h)]
}

/// The chat's place split in two: Twitch's chat above, the message box ([`COMPOSE_HEIGHT`]) at
/// its foot.
fn under_chat((x, y, w, h): (f64, f64, f64, f64)) -> [(f64, f64, f64, f64); 2] {
    let bh = COMPOSE_HEIGHT.min(h);
    [(x, y, w, h - bh), (x, y + h - bh, w, bh)]
}

#[cfg(target_os = "linux")]
mod layout;
#[cfg(not(target_os = "linux"))]
#[path = "windows/layout_other.rs"]
mod layout;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_places_tile_the_window() {
        let [(px, py, pw, ph), (ax, ay, aw, ah), (cx, cy, cw, ch)] = bounds(1280.0, 800.0);
        assert_eq!((px, py, pw, ph), (0.0, 0.0, 940.0, 500.0), "player: the room");
        assert_eq!((ax, ay, aw, ah), (0.0, 500.0, 940.0, 300.0), "panel: a strip under it");
        assert_eq!((cx, cy, cw, ch), (940.0, 0.0, 340.0, 800.0), "chat: a column");
        // docs/twitch.md §5.1: the player keeps 400×300 however small the window; too narrow
        // for a chat column beside it, the chat gets nothing.
        let [(_, _, pw, ph), _, (cx, _, cw, _)] = bounds(700.0, 500.0);
        assert_eq!((pw, ph, cx, cw), (400.0, 300.0, 400.0, 300.0));
        let [(_, _, pw, ph), (_, ay, _, ah), (_, _, cw, _)] = bounds(MIN_SIZE.0, MIN_SIZE.1);
        assert_eq!((pw, ph, ay, ah, cw), (400.0, 300.0, 300.0, 160.0, 0.0));
    }

    #[test]
    fn remembered_dividers_come_back_within_what_the_window_allows() {
        assert_eq!(divider_positions(1280.0, 800.0, (None, None)), (940.0, 500.0), "as bounds");
        assert_eq!(divider_positions(1280.0, 800.0, (Some(420.0), Some(240.0))), (860.0, 560.0));
        // A chat column wider than the window leaves the player its 400; a strip taller
        // than the window leaves it its 300.
        assert_eq!(divider_positions(1280.0, 800.0, (Some(2000.0), Some(2000.0))), (400.0, 300.0));
        // Thinner than the narrowest column or strip: those minimums win.
        assert_eq!(divider_positions(1280.0, 800.0, (Some(10.0), Some(10.0))), (1020.0, 640.0));
        // Too narrow for a chat column: the player takes the width whatever was remembered.
        assert_eq!(divider_positions(600.0, 500.0, (Some(300.0), Some(160.0))), (600.0, 340.0));
        // The smallest window: the player keeps 400×300 over the lowest strip.
        assert_eq!(divider_positions(MIN_SIZE.0, MIN_SIZE.1, (None, Some(400.0))), (400.0, 300.0));
        // Nonsense from a hand-edited file is ignored.
        let nonsense = (Some(f64::NAN), Some(-5.0));
        assert_eq!(divider_positions(1280.0, 800.0, nonsense), (940.0, 500.0));
    }

    #[test]
    fn the_message_box_sits_at_the_foot_of_the_chat_column() {
        let [_, _, chat] = bounds(1280.0, 800.0);
        let [above, under] = under_chat(chat);
        assert_eq!(above, (940.0, 0.0, 340.0, 800.0 - COMPOSE_HEIGHT));
        assert_eq!(under, (940.0, 800.0 - COMPOSE_HEIGHT, 340.0, COMPOSE_HEIGHT));
        let [above, under] = under_chat((0.0, 0.0, 0.0, 40.0));
        assert_eq!((above.3, under.1, under.3), (0.0, 0.0, 40.0), "never below zero");
    }

    #[test]
    fn the_chat_gives_way_below_a_column_beside_the_smallest_player_and_can_come_back_over_the_panel()
     {
        assert_eq!(chat_place(1280.0, false), ChatPlace::Column);
        assert_eq!(
            chat_place(660.0, true),
            ChatPlace::Column,
            "room for a column: the toggle waits"
        );
        assert_eq!(chat_place(659.0, false), ChatPlace::Hidden);
        assert_eq!(chat_place(MIN_SIZE.0, true), ChatPlace::OverPanel);
        assert!(MIN_SIZE.0 >= PLAYER_MIN.0 && MIN_SIZE.1 >= PLAYER_MIN.1 + PANEL_MIN_HEIGHT);
    }

    #[test]
    fn a_crashing_page_is_reloaded_three_times_a_minute_at_most() {
        let t0 = std::time::Instant::now();
        let mut b = ReloadBudget::default();
        assert!(b.allow(t0));
        assert!(b.allow(t0 + std::time::Duration::from_secs(1)));
        assert!(b.allow(t0 + std::time::Duration::from_secs(2)));
        assert!(!b.allow(t0 + std::time::Duration::from_secs(3)), "a fourth within the minute");
        assert!(!b.allow(t0 + std::time::Duration::from_secs(59)));
        assert!(b.allow(t0 + ReloadBudget::WINDOW), "the first one left the window");
        assert!(!b.allow(t0 + ReloadBudget::WINDOW), "three in the last minute again");
    }

    #[test]
    fn panel_and_box_labels_round_trip_and_never_match_twitchs_webviews() {
        assert_eq!(login_of_panel(&panel_label("lumenforge")), Some("lumenforge"));
        assert_eq!(login_of_panel("streamer-lumenforge-player"), None);
        assert_eq!(login_of_panel("streamer-lumenforge-chat"), None);
        assert_eq!(login_of_panel("home"), None);
        assert_eq!(login_of_compose(&compose_label("lumenforge")), Some("lumenforge"));
        assert_eq!(login_of_compose(&panel_label("lumenforge")), None);
        assert_eq!(login_of_panel(&compose_label("lumenforge")), None);
        assert!(is_streamer_window(&window_label("nightowl")));
        for label in ["home", "streamer-", &panel_label("nightowl"), "streamer-nightowl-chat"] {
            assert!(!is_streamer_window(label), "{label}");
        }
    }
}
