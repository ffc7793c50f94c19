//! Streamer windows: one native window per channel, holding three webviews —
//! Twitch's player and chat (remote pages, no capability) and the app's own panel
//! (stream info + the last ten events).
//!
//! Layout: the player gets the room, the chat a column on the right, the panel a strip under
//! the player. On Linux, Tauri ignores child webview bounds and stacks children in the window's
//! `gtk::Box` (stack.md, tauri#10420), so there we re-pack the three webviews into two
//! `gtk::Paned`s, which also gives the user draggable dividers. Elsewhere the bounds are set
//! and kept proportional on resize.

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

/// The login a panel webview belongs to, from its label.
pub fn login_of_panel(label: &str) -> Option<&str> {
    label.strip_prefix("streamer-")?.strip_suffix("-panel")
}

/// Default size of a streamer window (UI.md: 1280×800).
const DEFAULT_SIZE: (f64, f64) = (1280.0, 800.0);
/// Width of the chat column.
const CHAT_WIDTH: f64 = 340.0;
/// Height of the events strip under the player.
const PANEL_HEIGHT: f64 = 300.0;

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
    /// The panel's initialisation script carrying its first data (`bridge::boot_script`).
    pub boot: Option<String>,
    /// Twitch's player embed.
    pub player_url: url::Url,
    /// Twitch's chat embed.
    pub chat_url: url::Url,
}

/// Opens the streamer window of `login`, or focuses it if it is open.
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
    let (chat_w, panel_h) = (CHAT_WIDTH, PANEL_HEIGHT);
    let mut builder = tauri::window::WindowBuilder::new(app, &label)
        .title(format!("{} — Twitch Event Viewer", pages.title))
        .inner_size(w, h)
        .min_inner_size(760.0, 520.0);
    builder = match &geometry {
        Some(g) => builder.position(g.x, g.y).maximized(g.maximized),
        None => builder.center(),
    };
    let window = builder.build()?;

    let player_w = (w - chat_w).max(400.0);
    let player_h = (h - panel_h).max(225.0);
    // The panel first: its page (in the app's own, already running web process) shows the
    // stored events while Twitch's pages still start their processes (issue 9, start-up).
    let mut panel_builder = WebviewBuilder::new(
        panel_label(login),
        WebviewUrl::App(format!("streamer.html?login={login}").into()),
    );
    // Its first data comes with it (see `bridge::boot_script`): the stored rows are in the
    // page's first paint.
    if let Some(script) = pages.boot {
        panel_builder = panel_builder.initialization_script(script);
    }
    #[cfg(target_os = "linux")]
    let panel_builder = in_own_web_process(app, panel_builder);
    let panel = window.add_child(
        panel_builder,
        LogicalPosition::new(0.0, player_h),
        LogicalSize::new(player_w, h - player_h),
    )?;
    #[cfg(target_os = "linux")]
    draw_in_software(&panel);
    let player = window.add_child(
        WebviewBuilder::new(format!("{label}-player"), WebviewUrl::External(pages.player_url)),
        LogicalPosition::new(0.0, 0.0),
        LogicalSize::new(player_w, player_h),
    )?;
    let chat = window.add_child(
        WebviewBuilder::new(format!("{label}-chat"), WebviewUrl::External(pages.chat_url)),
        LogicalPosition::new(player_w, 0.0),
        LogicalSize::new(w - player_w, h),
    )?;
    layout::arrange(&window, [&player, &panel, &chat], chat_w, panel_h, on_geometry)?;
    Ok(())
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
/// ~110 MiB PSS (BENCHMARKS.md, memory). Only the app's own pages share: Twitch's player and
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
/// every frame) for nothing (issue 9, BENCHMARKS.md). Twitch's player and chat keep WebKit's
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

#[cfg(target_os = "linux")]
mod layout {
    //! GTK packing: Paned(horizontal)[ Paned(vertical)[player, panel], chat ].
    use super::Geometry;
    use gtk::prelude::*;
    use std::sync::Arc;
    use tauri::{Runtime, Webview, Window};

    const NAMES: [&str; 3] = ["tev-player", "tev-panel", "tev-chat"];

    pub fn arrange<R: Runtime>(
        window: &Window<R>,
        webviews: [&Webview<R>; 3],
        chat_w: f64,
        panel_h: f64,
        on_geometry: impl Fn(Geometry) + Send + Sync + 'static,
    ) -> tauri::Result<()> {
        // Name each webview's GTK widget so the packing below can find it in the window's box.
        for (wv, name) in webviews.into_iter().zip(NAMES) {
            wv.with_webview(move |pw| pw.inner().set_widget_name(name))?;
        }
        let win = window.clone();
        let on_geometry = Arc::new(on_geometry);
        // Runs after the three `with_webview` closures: the main thread's queue is FIFO.
        window.run_on_main_thread(move || {
            // The window's GTK box (not Send: fetched here, on the main thread).
            let Ok(vbox) = win.default_vbox() else {
                tracing::error!("streamer window: no GTK box to lay out");
                return;
            };
            let children = vbox.children();
            let find = |name: &str| children.iter().find(|c| c.widget_name() == name).cloned();
            let (Some(player), Some(panel), Some(chat)) =
                (find(NAMES[0]), find(NAMES[1]), find(NAMES[2]))
            else {
                tracing::error!("streamer window: webviews not found in the window's box");
                return;
            };
            for c in [&player, &panel, &chat] {
                vbox.remove(c);
            }
            let left = gtk::Paned::new(gtk::Orientation::Vertical);
            left.pack1(&player, true, false);
            left.pack2(&panel, false, false);
            let outer = gtk::Paned::new(gtk::Orientation::Horizontal);
            outer.pack1(&left, true, false);
            outer.pack2(&chat, false, false);
            // twitch.md §5.1: the player needs at least 400×300.
            player.set_size_request(400, 225);
            chat.set_size_request(260, -1);
            panel.set_size_request(-1, 160);
            vbox.pack_start(&outer, true, true, 0);
            outer.show_all();

            let scale = win.scale_factor().unwrap_or(1.0);
            let size = win.inner_size().map(|s| s.to_logical::<f64>(scale)).ok();
            let (w, h) = size.map(|s| (s.width, s.height)).unwrap_or(super::DEFAULT_SIZE);
            outer.set_position((w - chat_w).max(400.0) as i32);
            left.set_position((h - panel_h).max(225.0) as i32);

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
            win.on_window_event(move |e| {
                if matches!(e, tauri::WindowEvent::CloseRequested { .. }) {
                    report();
                }
            });
        })?;
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
mod layout {
    //! Bounds-based layout for macOS and Windows, kept proportional on resize.
    use super::Geometry;
    use tauri::{LogicalPosition, LogicalSize, Runtime, Webview, Window};

    pub fn arrange<R: Runtime>(
        window: &Window<R>,
        webviews: [&Webview<R>; 3],
        chat_w: f64,
        panel_h: f64,
        on_geometry: impl Fn(Geometry) + Send + Sync + 'static,
    ) -> tauri::Result<()> {
        let [player, panel, chat] = webviews.map(Clone::clone);
        let place = move |w: f64, h: f64| {
            let pw = (w - chat_w).max(400.0);
            let ph = (h - panel_h).max(225.0);
            let _ = player.set_position(LogicalPosition::new(0.0, 0.0));
            let _ = player.set_size(LogicalSize::new(pw, ph));
            let _ = panel.set_position(LogicalPosition::new(0.0, ph));
            let _ = panel.set_size(LogicalSize::new(pw, h - ph));
            let _ = chat.set_position(LogicalPosition::new(pw, 0.0));
            let _ = chat.set_size(LogicalSize::new(w - pw, h));
        };
        let win = window.clone();
        window.on_window_event(move |e| match e {
            tauri::WindowEvent::Resized(size) => {
                let scale = win.scale_factor().unwrap_or(1.0);
                let s = size.to_logical::<f64>(scale);
                place(s.width, s.height);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_labels_round_trip_and_never_match_twitchs_webviews() {
        assert_eq!(login_of_panel(&panel_label("lumenforge")), Some("lumenforge"));
        assert_eq!(login_of_panel("streamer-lumenforge-player"), None);
        assert_eq!(login_of_panel("streamer-lumenforge-chat"), None);
        assert_eq!(login_of_panel("home"), None);
    }
}
