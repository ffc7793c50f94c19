//! Streamer windows: one native window per channel, holding three webviews —
//! Twitch's player and chat (remote pages, no capability) and the app's own panel
//! (stream info + the last ten events).
//!
//! Layout: the player gets the room, the chat a column on the right, the panel a strip under
//! the player. On Linux, Tauri ignores child webview bounds and stacks children in the window's
//! `gtk::Box` (docs/platform.md "Multi-webview on Linux", tauri#10420), so there we re-pack the
//! three webviews into two `gtk::Paned`s, which also gives the user draggable dividers. Elsewhere
//! the bounds are set and kept proportional on resize.

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

pub use tev_core::config::WindowGeometry as Geometry;

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
    layout::arrange_panel(&window, &panel, on_geometry)?;
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

/// Adds Twitch's player and chat to a streamer window and puts them in their places.
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
    let chat = window.add_child(
        twitch_pane(format!("{label}-chat"), chat_url),
        LogicalPosition::new(cx, cy),
        LogicalSize::new(cw, ch),
    )?;
    #[cfg(target_os = "linux")]
    for wv in [&player, &chat] {
        reload_after_crash(wv);
        crate::panes::confine(wv, rule.clone());
    }
    #[cfg(not(target_os = "linux"))]
    drop(rule);
    tracing::debug!(window = %label, "Twitch's webviews created");
    layout::arrange_twitch(window, &player, &chat)
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

/// Makes a new panel share the WebKit web process of a page of the app that is already open
/// (the home page, else another panel) instead of starting one of its own: a web process costs
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

#[cfg(target_os = "linux")]
mod layout {
    //! GTK packing: Paned(horizontal)[ Paned(vertical)[player slot, Paned(vertical)[panel,
    //! chat-over slot]], chat slot ]. The slots are boxes that take Twitch's webviews when they come; the
    //! chat moves between its column (the chat slot) and the chat-over slot, under the panel's
    //! header, as [`super::chat_place`] says (see [`relayout`]).
    use super::{ChatPlace, Geometry};
    use gtk::prelude::*;
    use std::sync::Arc;
    use tauri::{Emitter, Runtime, Webview, Window};

    use super::bounds;

    const PANEL: &str = "tev-panel";
    const PLAYER: &str = "tev-player";
    const CHAT: &str = "tev-chat";
    const PLAYER_SLOT: &str = "tev-player-slot";
    const CHAT_SLOT: &str = "tev-chat-slot";
    const CHAT_OVER_SLOT: &str = "tev-chat-over-slot";
    const OUTER: &str = "tev-outer";
    const BOTTOM: &str = "tev-bottom";

    /// Lays the window out with the panel in its strip and empty slots for the player and the
    /// chat, and remembers the window's place when it closes.
    pub fn arrange_panel<R: Runtime>(
        window: &Window<R>,
        panel: &Webview<R>,
        on_geometry: impl Fn(Geometry) + Send + Sync + 'static,
    ) -> tauri::Result<()> {
        // Name the panel's GTK widget so the packing below can find it in the window's box.
        panel.with_webview(|pw| pw.inner().set_widget_name(PANEL))?;
        let win = window.clone();
        let on_geometry = Arc::new(on_geometry);
        // Runs after the `with_webview` closure: the main thread's queue is FIFO.
        window.run_on_main_thread(move || {
            // The window's GTK box (not Send: fetched here, on the main thread).
            let Ok(vbox) = win.default_vbox() else {
                tracing::error!("streamer window: no GTK box to lay out");
                return;
            };
            let Some(panel) = vbox.children().into_iter().find(|c| c.widget_name() == PANEL) else {
                tracing::error!("streamer window: the panel is not in the window's box");
                return;
            };
            vbox.remove(&panel);
            let player_slot = gtk::Box::new(gtk::Orientation::Vertical, 0);
            player_slot.set_widget_name(PLAYER_SLOT);
            let chat_slot = gtk::Box::new(gtk::Orientation::Vertical, 0);
            chat_slot.set_widget_name(CHAT_SLOT);
            let chat_over_slot = gtk::Box::new(gtk::Orientation::Vertical, 0);
            chat_over_slot.set_widget_name(CHAT_OVER_SLOT);
            // A pane, not a box: a box would give the panel its natural height (its page's)
            // before the chat over it got any.
            let bottom = gtk::Paned::new(gtk::Orientation::Vertical);
            bottom.set_widget_name(BOTTOM);
            bottom.pack1(&panel, true, false);
            bottom.pack2(&chat_over_slot, true, false);
            let left = gtk::Paned::new(gtk::Orientation::Vertical);
            left.pack1(&player_slot, true, false);
            left.pack2(&bottom, false, false);
            let outer = gtk::Paned::new(gtk::Orientation::Horizontal);
            outer.set_widget_name(OUTER);
            outer.pack1(&left, true, false);
            outer.pack2(&chat_slot, false, false);
            // docs/twitch.md §5.1: the player needs at least 400×300. The chat column asks for
            // no width of its own, so the window can get narrower than a column beside the
            // player: `relayout` hides it then.
            player_slot.set_size_request(super::PLAYER_MIN.0 as i32, super::PLAYER_MIN.1 as i32);
            panel.set_size_request(-1, super::PANEL_MIN_HEIGHT as i32);
            vbox.pack_start(&outer, true, true, 0);
            outer.show_all();
            chat_over_slot.hide();

            let scale = win.scale_factor().unwrap_or(1.0);
            let size = win.inner_size().map(|s| s.to_logical::<f64>(scale)).ok();
            let (w, h) = size.map(|s| (s.width, s.height)).unwrap_or(super::DEFAULT_SIZE);
            let [(_, _, pw, ph), _, _] = bounds(w, h);
            outer.set_position(pw as i32);
            left.set_position(ph as i32);

            // Remember the window's place when it closes.
            let report = {
                let win = win.clone();
                let on_geometry = on_geometry.clone();
                move || {
                    let scale = win.scale_factor().unwrap_or(1.0);
                    let (Ok(pos), Ok(size)) = (win.outer_position(), win.inner_size()) else {
                        return;
                    };
                    let size = size.to_logical::<f64>(scale);
                    let pos = pos.to_logical::<f64>(scale);
                    on_geometry(Geometry {
                        x: pos.x,
                        y: pos.y,
                        width: size.width,
                        height: size.height,
                        maximized: win.is_maximized().unwrap_or(false),
                    });
                }
            };
            let relaid = win.clone();
            win.on_window_event(move |e| match e {
                tauri::WindowEvent::CloseRequested { .. } => report(),
                tauri::WindowEvent::Resized(_) => relayout(&relaid),
                _ => {}
            });
        })?;
        Ok(())
    }

    /// Moves Twitch's player and chat from the window's box into their slots.
    pub fn arrange_twitch<R: Runtime>(
        window: &Window<R>,
        player: &Webview<R>,
        chat: &Webview<R>,
    ) -> tauri::Result<()> {
        player.with_webview(|pw| pw.inner().set_widget_name(PLAYER))?;
        chat.with_webview(|pw| pw.inner().set_widget_name(CHAT))?;
        let win = window.clone();
        window.run_on_main_thread(move || {
            let Ok(vbox) = win.default_vbox() else {
                tracing::error!("streamer window: no GTK box to lay out");
                return;
            };
            let root: gtk::Widget = vbox.clone().upcast();
            for (name, slot) in [(PLAYER, PLAYER_SLOT), (CHAT, CHAT_SLOT)] {
                let webview = vbox.children().into_iter().find(|c| c.widget_name() == name);
                let slot = find_named(&root, slot).and_then(|w| w.downcast::<gtk::Box>().ok());
                let (Some(webview), Some(slot)) = (webview, slot) else {
                    tracing::error!(name, "streamer window: a Twitch page has no place to go");
                    continue;
                };
                vbox.remove(&webview);
                slot.pack_start(&webview, true, true, 0);
                webview.show();
            }
        })?;
        relayout(window);
        Ok(())
    }

    /// Puts the chat where [`super::chat_place`] says for the window's width now (its column,
    /// nowhere, or over the panel under its header), keeps the column at least
    /// `CHAT_MIN_WIDTH` wide, and tells the panel where the chat is (`chat_place`) when that
    /// changed. Queued on the main thread.
    pub fn relayout<R: Runtime>(window: &Window<R>) {
        let win = window.clone();
        let queued = window.run_on_main_thread(move || {
            let Ok(vbox) = win.default_vbox() else { return };
            let root: gtk::Widget = vbox.upcast();
            let find = |name: &str| find_named(&root, name);
            let (Some(outer), Some(chat_slot), Some(over_slot), Some(bottom), Some(panel)) = (
                find(OUTER).and_then(|w| w.downcast::<gtk::Paned>().ok()),
                find(CHAT_SLOT).and_then(|w| w.downcast::<gtk::Box>().ok()),
                find(CHAT_OVER_SLOT).and_then(|w| w.downcast::<gtk::Box>().ok()),
                find(BOTTOM).and_then(|w| w.downcast::<gtk::Paned>().ok()),
                find(PANEL),
            ) else {
                return;
            };
            let scale = win.scale_factor().unwrap_or(1.0);
            let Ok(size) = win.inner_size().map(|s| s.to_logical::<f64>(scale)) else { return };
            let place = super::chat_place(size.width, super::chat_over_panel(win.label()));
            // The chat's webview, wherever it is (not there yet before Twitch's pages come).
            let chat = [&chat_slot, &over_slot]
                .into_iter()
                .flat_map(|slot| slot.children())
                .find(|c| c.widget_name() == CHAT);
            let target = if place == ChatPlace::OverPanel { &over_slot } else { &chat_slot };
            if let Some(chat) = chat
                && chat.parent().as_ref() != Some(target.upcast_ref::<gtk::Widget>())
            {
                if let Some(from) = chat.parent().and_then(|p| p.downcast::<gtk::Box>().ok()) {
                    from.remove(&chat);
                }
                target.pack_start(&chat, true, true, 0);
                chat.show();
            }
            let header = super::PANEL_HEADER_HEIGHT as i32;
            match place {
                ChatPlace::Column => {
                    over_slot.hide();
                    chat_slot.show();
                    panel.set_size_request(-1, super::PANEL_MIN_HEIGHT as i32);
                    let widest = (size.width - super::CHAT_MIN_WIDTH) as i32;
                    if outer.position() > widest {
                        outer.set_position(widest);
                    }
                }
                ChatPlace::Hidden => {
                    over_slot.hide();
                    chat_slot.hide();
                    panel.set_size_request(-1, super::PANEL_MIN_HEIGHT as i32);
                }
                ChatPlace::OverPanel => {
                    chat_slot.hide();
                    panel.set_size_request(-1, header);
                    over_slot.show();
                    bottom.set_position(header);
                }
            }
            if super::told_chat_place(win.label(), place) {
                let panel_label = format!("{}-panel", win.label());
                let _ = win.emit_to(
                    tauri::EventTarget::webview(panel_label),
                    crate::views::event::CHAT_PLACE,
                    place,
                );
            }
        });
        if let Err(e) = queued {
            tracing::debug!(error = %e, "the window was not laid out anew");
        }
    }

    /// The widget named `name` under `root` (depth first), if any.
    fn find_named(root: &gtk::Widget, name: &str) -> Option<gtk::Widget> {
        if root.widget_name() == name {
            return Some(root.clone());
        }
        let container = root.downcast_ref::<gtk::Container>()?;
        container.children().iter().find_map(|c| find_named(c, name))
    }
}

#[cfg(not(target_os = "linux"))]
mod layout {
    //! Bounds-based layout for macOS and Windows, kept proportional on resize.
    use super::Geometry;
    use tauri::{LogicalPosition, LogicalSize, Manager, Runtime, Webview, Window};

    use super::bounds;

    /// Places the webviews of `window` that exist (Twitch's pages come later) for a window of
    /// `w`×`h`.
    fn place<R: Runtime>(window: &Window<R>, w: f64, h: f64) {
        let label = window.label().to_string();
        let names = [format!("{label}-player"), format!("{label}-panel"), format!("{label}-chat")];
        for (name, (x, y, bw, bh)) in names.iter().zip(bounds(w, h)) {
            if let Some(wv) = window.get_webview(name) {
                let _ = wv.set_position(LogicalPosition::new(x, y));
                let _ = wv.set_size(LogicalSize::new(bw, bh));
            }
        }
    }

    pub fn arrange_panel<R: Runtime>(
        window: &Window<R>,
        _panel: &Webview<R>,
        on_geometry: impl Fn(Geometry) + Send + Sync + 'static,
    ) -> tauri::Result<()> {
        let win = window.clone();
        window.on_window_event(move |e| match e {
            tauri::WindowEvent::Resized(size) => {
                let scale = win.scale_factor().unwrap_or(1.0);
                let s = size.to_logical::<f64>(scale);
                place(&win, s.width, s.height);
            }
            tauri::WindowEvent::CloseRequested { .. } => {
                let scale = win.scale_factor().unwrap_or(1.0);
                if let (Ok(pos), Ok(size)) = (win.outer_position(), win.inner_size()) {
                    let s = size.to_logical::<f64>(scale);
                    let p = pos.to_logical::<f64>(scale);
                    on_geometry(Geometry {
                        x: p.x,
                        y: p.y,
                        width: s.width,
                        height: s.height,
                        maximized: win.is_maximized().unwrap_or(false),
                    });
                }
            }
            _ => {}
        });
        Ok(())
    }

    /// Places the webviews anew for the window's size now (the chat over the panel is Linux's
    /// only so far: here a window too narrow for a chat column has none).
    pub fn relayout<R: Runtime>(window: &Window<R>) {
        let scale = window.scale_factor().unwrap_or(1.0);
        if let Ok(s) = window.inner_size() {
            let s = s.to_logical::<f64>(scale);
            place(window, s.width, s.height);
        }
    }

    pub fn arrange_twitch<R: Runtime>(
        window: &Window<R>,
        _player: &Webview<R>,
        _chat: &Webview<R>,
    ) -> tauri::Result<()> {
        let scale = window.scale_factor().unwrap_or(1.0);
        let s = window.inner_size()?.to_logical::<f64>(scale);
        place(window, s.width, s.height);
        Ok(())
    }
}

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
    fn panel_labels_round_trip_and_never_match_twitchs_webviews() {
        assert_eq!(login_of_panel(&panel_label("lumenforge")), Some("lumenforge"));
        assert_eq!(login_of_panel("streamer-lumenforge-player"), None);
        assert_eq!(login_of_panel("streamer-lumenforge-chat"), None);
        assert_eq!(login_of_panel("home"), None);
        assert!(is_streamer_window(&window_label("nightowl")));
        for label in ["home", "streamer-", &panel_label("nightowl"), "streamer-nightowl-chat"] {
            assert!(!is_streamer_window(label), "{label}");
        }
    }
}
