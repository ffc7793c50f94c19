//! The tray icon: whether the favourite channel is live (two icons, and the menu's first line),
//! a menu of the open streamer windows and the live followed channels (a click opens one through
//! the same path as a click on the home window, window cap included), the home window and Quit;
//! and the two choices of how the app lives beside its windows (closing the last window to the
//! tray, starting with the session).
//!
//! On Linux the icon is a StatusNotifierItem exported by libayatana-appindicator, with its menu
//! over `com.canonical.dbusmenu` (docs/platform.md "The tray"). It only shows where a
//! StatusNotifierWatcher runs on the session bus (KDE, most desktops; GNOME only with the
//! AppIndicator extension). Without one the app must not hide in a tray nobody sees: closing
//! quits as before, `--minimized` shows the home window, and the settings say why.

use crate::channels::{self, ChannelsExt};
use crate::error::{ErrorCode, UiError};
use crate::home;
use crate::state::AppState;
use crate::views::TrayView;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tauri::menu::{Menu, MenuBuilder, MenuEvent, MenuItemBuilder};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::ManagerExt;
use tev_core::live::LiveUpdate;

/// The tray icon's id.
const ID: &str = "main";

/// The command-line switch that starts the app with no window shown, only the tray (what the
/// session's autostart entry runs).
pub const MINIMIZED_ARG: &str = "--minimized";

/// The D-Bus name of the desktop's tray host (freedesktop's StatusNotifierItem specification,
/// https://www.freedesktop.org/wiki/Specifications/StatusNotifierItem/StatusNotifierWatcher/).
const WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// How often the live followed channels are read again when nothing pushed a change: a followed
/// channel the app does not watch sends no go-live (only watched channels are subscribed to,
/// within the cost budget, docs/twitch.md §2), so the list is polled; one Helix call a minute.
const POLL: Duration = Duration::from_secs(60);

/// The icon: the app's own, or with a red dot while the favourite is live (`icons/tray-live.svg`,
/// made as the app's icons are: `rsvg-convert -w 64 -h 64`). Decoded at build time.
fn icon(live: bool) -> tauri::image::Image<'static> {
    if live {
        tauri::include_image!("../icons/tray-live.png")
    } else {
        tauri::include_image!("../icons/64x64.png")
    }
}

/// The words the settings show when no tray shows on this desktop.
const NO_TRAY: &str = "Your desktop shows no tray (no StatusNotifierWatcher on the session bus; \
                       on GNOME, the AppIndicator extension adds one): closing the last window \
                       quits the app.";

/// Errors of the tray's options.
#[derive(Debug, thiserror::Error)]
pub enum TrayError {
    /// The option's name is none of the tray's.
    #[error("there is no tray option {0:?}")]
    UnknownOption(String),
    /// The session's autostart entry could not be written or removed.
    #[error("could not change starting with the session: {0}")]
    Autostart(String),
}

impl From<TrayError> for UiError {
    fn from(e: TrayError) -> Self {
        UiError::new(ErrorCode::Settings, e.to_string())
    }
}

/// Whether a tray shows on this desktop now: on Linux, whether the StatusNotifierWatcher's name
/// has an owner on the session bus (asked each time: the user may start a tray later).
#[cfg(target_os = "linux")]
pub fn available() -> bool {
    use gtk::gio;
    use gtk::glib::{ToVariant, VariantTy};
    let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) else {
        return false;
    };
    let reply = bus.call_sync(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameHasOwner",
        Some(&(WATCHER,).to_variant()),
        VariantTy::new("(b)").ok(),
        gio::DBusCallFlags::NONE,
        2000,
        gio::Cancellable::NONE,
    );
    reply.ok().and_then(|v| v.get::<(bool,)>()).is_some_and(|(has,)| has)
}

/// Whether a tray shows on this desktop (Windows and macOS always have one).
#[cfg(not(target_os = "linux"))]
pub fn available() -> bool {
    true
}

/// Whether the app was asked to start with no window, only the tray (and a tray shows).
pub fn start_minimized(args: &[String]) -> bool {
    if !args.iter().any(|a| a == MINIMIZED_ARG) {
        return false;
    }
    if available() {
        return true;
    }
    tracing::info!("asked to start minimised, but no tray shows on this desktop: the window opens");
    false
}

/// Whether closing the last window keeps the app running in the tray: the user chose it and a
/// tray shows now.
pub fn keeps_running(state: &AppState) -> bool {
    let chosen = state.config.load_or_default().is_ok_and(|(s, _)| s.tray.close_to_tray);
    chosen && available()
}

/// The tray's options as the settings show them.
pub fn view(state: &AppState) -> Result<TrayView, UiError> {
    let (s, _) = state.config.load_or_default()?;
    let available = available();
    Ok(TrayView {
        close_to_tray: s.tray.close_to_tray,
        start_with_session: s.tray.start_with_session,
        available,
        why_not: (!available).then(|| NO_TRAY.to_string()),
    })
}

/// Turns one tray option (`close_to_tray`, `start_with_session`) on or off; starting with the
/// session writes or removes the session's autostart entry first, and the setting follows it.
pub fn set<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    option: &str,
    on: bool,
) -> Result<TrayView, UiError> {
    match option {
        "close_to_tray" => {
            state.config.update(|s| s.tray.close_to_tray = on)?;
        }
        "start_with_session" => {
            let launcher = app.autolaunch();
            let done = if on { launcher.enable() } else { launcher.disable() };
            done.map_err(|e| TrayError::Autostart(e.to_string()))?;
            state.config.update(|s| s.tray.start_with_session = on)?;
        }
        other => return Err(TrayError::UnknownOption(other.to_string()).into()),
    }
    view(state)
}

/// What the tray shows; rebuilt only when it changes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Shown {
    /// The favourite's display name and whether it is live (`None`: not known, signed out).
    favourite: Option<(String, Option<bool>)>,
    /// The open streamer windows: login and display name, by name.
    open: Vec<(String, String)>,
    /// The followed channels live now: login, display name and category, most watched first.
    live: Vec<(String, String, String)>,
}

impl Shown {
    /// The menu's first line: the favourite and whether it is live.
    fn status(&self) -> String {
        match &self.favourite {
            None => "No favourite channel".to_string(),
            Some((name, Some(true))) => format!("{name} is live"),
            Some((name, Some(false))) => format!("{name} is offline"),
            Some((name, None)) => format!("Favourite: {name}"),
        }
    }

    /// Whether the favourite is live (the icon with the red dot).
    fn favourite_live(&self) -> bool {
        matches!(self.favourite, Some((_, Some(true))))
    }
}

/// Builds the tray icon and keeps it up to date for the app's lifetime. Built on every desktop:
/// where no tray shows now, libayatana registers the icon when one starts.
pub fn build(app: &AppHandle, state: Arc<AppState>) -> tauri::Result<()> {
    let shown = Shown::default();
    let menu = menu(app, &shown)?;
    TrayIconBuilder::with_id(ID)
        .icon(icon(false))
        .tooltip(shown.status())
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event({
            let state = state.clone();
            move |app, event| on_menu(app, &state, &event)
        })
        .build(app)?;
    keep_up_to_date(app.clone(), state);
    Ok(())
}

/// The menu for `shown`: the favourite's state, the open windows, the live followed channels,
/// the home window, Quit.
fn menu<R: Runtime>(app: &AppHandle<R>, shown: &Shown) -> tauri::Result<Menu<R>> {
    let line = |id: &str, text: &str| MenuItemBuilder::with_id(id, text).enabled(false).build(app);
    let mut b = MenuBuilder::new(app).item(&line("status", &shown.status())?).separator();
    if !shown.open.is_empty() {
        b = b.item(&line("open-title", "Open windows")?);
        for (login, name) in &shown.open {
            b = b.text(format!("window:{login}"), name);
        }
        b = b.separator();
    }
    if !shown.live.is_empty() {
        b = b.item(&line("live-title", "Live now")?);
        for (login, name, game) in &shown.live {
            let text = if game.is_empty() { name.clone() } else { format!("{name} · {game}") };
            b = b.text(format!("live:{login}"), text);
        }
        b = b.separator();
    }
    b.text("home", "Show the home window").text("quit", "Quit").build()
}

/// A click in the tray's menu.
fn on_menu(app: &AppHandle, state: &Arc<AppState>, event: &MenuEvent) {
    let id = event.id().as_ref();
    match id {
        "home" => home::show(app),
        "quit" => {
            tracing::info!("quit from the tray");
            app.exit(0);
        }
        _ => {
            let Some(login) = id.strip_prefix("window:").or_else(|| id.strip_prefix("live:"))
            else {
                return;
            };
            let Ok(login) = channels::checked_login(login) else { return };
            let (app, state) = (app.clone(), state.clone());
            tauri::async_runtime::spawn(async move {
                if let Err(e) = channels::open_channel(&app, state, &login).await {
                    // Over the window cap, or Twitch out of reach: said on the home window.
                    tracing::warn!(%login, error = %e.message, "the tray could not open a window");
                    home::notice(&app, "tray", &e.message);
                    home::show(&app);
                }
            });
        }
    }
}

/// Reads what the tray shows now: the open windows from the app, the favourite's state as
/// last pushed (`pushed`, from `stream.online`/`.offline`) or else from Helix, the live
/// followed channels from Helix.
async fn read(app: &AppHandle, state: &AppState, pushed: &HashMap<String, bool>) -> Shown {
    let channels = app.channels();
    let name = |login: &str| channels.display_name(login).unwrap_or_else(|| login.to_string());
    let mut open: Vec<(String, String)> =
        channels.open_logins().into_iter().map(|l| (l.clone(), name(&l))).collect();
    open.sort_by_key(|(_, name)| name.to_lowercase());
    let favourite = state.config.load_or_default().ok().and_then(|(s, _)| s.favourite);
    let signed_in = state.signed_in_user().is_some();
    let connected = if signed_in { state.connected().await } else { None };
    let mut live = Vec::new();
    let mut favourite_live = favourite.as_ref().and_then(|f| pushed.get(f).copied());
    if let Some(c) = &connected {
        match channels::followed_live(c).await {
            Ok(streams) => {
                live = streams.into_iter().map(|s| (s.login, s.display_name, s.game_name)).collect()
            }
            Err(e) => tracing::debug!(error = %e.message, "the tray could not read live follows"),
        }
        if let Some(f) = &favourite
            && favourite_live.is_none()
        {
            let in_follows = live.iter().any(|(l, _, _)| l == f);
            favourite_live = if in_follows {
                Some(true)
            } else {
                c.helix.streams_by_login(std::slice::from_ref(f)).await.ok().map(|s| !s.is_empty())
            };
        }
    }
    let favourite_name = favourite.as_ref().map(|f| {
        live.iter().find(|(l, _, _)| l == f).map(|(_, n, _)| n.clone()).unwrap_or_else(|| name(f))
    });
    Shown { favourite: favourite_name.map(|n| (n, favourite_live)), open, live }
}

/// Puts `shown` on the tray: its menu, its icon and its tooltip.
fn apply(app: &AppHandle, shown: &Shown) {
    let Some(tray) = app.tray_by_id(ID) else { return };
    match menu(app, shown) {
        Ok(m) => {
            if let Err(e) = tray.set_menu(Some(m)) {
                tracing::warn!(error = %e, "could not change the tray's menu");
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not build the tray's menu"),
    }
    if let Err(e) = tray.set_icon(Some(icon(shown.favourite_live()))) {
        tracing::warn!(error = %e, "could not change the tray's icon");
    }
    let _ = tray.set_tooltip(Some(shown.status()));
    tracing::info!(status = %shown.status(), open = shown.open.len(), live = shown.live.len(), "tray updated");
}

/// Keeps the tray up to date: again when the login or the Twitch application changes, when a
/// window opens or closes, when a watched channel goes live or offline, and every [`POLL`].
fn keep_up_to_date(app: AppHandle, state: Arc<AppState>) {
    tauri::async_runtime::spawn(async move {
        let mut connected = state.connected_changed.subscribe();
        let mut feed = state.live.subscribe();
        let mut auth = None;
        let mut pushed: HashMap<String, bool> = HashMap::new();
        let mut shown: Option<Shown> = None;
        loop {
            if auth.is_none() {
                auth = state.connected().await.map(|c| c.owner.subscribe());
            }
            let now = read(&app, &state, &pushed).await;
            if shown.as_ref() != Some(&now) {
                apply(&app, &now);
                shown = Some(now);
            }
            // Waits for something that changes what the tray shows.
            loop {
                let woke = tokio::select! {
                    _ = tokio::time::sleep(POLL) => Wake::Read,
                    r = connected.changed() => {
                        if r.is_err() { Wake::Stop } else { Wake::NewConnection }
                    }
                    ok = async {
                        match auth.as_mut() {
                            Some(a) => a.changed().await.is_ok(),
                            None => std::future::pending().await,
                        }
                    } => if ok { Wake::Read } else { Wake::NewConnection },
                    _ = app.channels().changed.notified() => Wake::Read,
                    u = feed.recv() => match u {
                        Ok(LiveUpdate::NewEvent(ev)) => match ev.kind.as_str() {
                            "stream_online" => Wake::Pushed(ev.channel_login.clone(), true),
                            "stream_offline" => Wake::Pushed(ev.channel_login.clone(), false),
                            _ => Wake::Nothing,
                        },
                        Ok(_) => Wake::Nothing,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Wake::Read,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => Wake::Stop,
                    },
                };
                match woke {
                    Wake::Nothing => continue,
                    Wake::Read => {}
                    Wake::NewConnection => auth = None,
                    Wake::Pushed(login, live) => {
                        pushed.insert(login, live);
                    }
                    Wake::Stop => return,
                }
                break;
            }
        }
    });
}

/// What woke the tray's loop.
enum Wake {
    /// Nothing the tray shows: wait on.
    Nothing,
    /// Read again.
    Read,
    /// Another login or Twitch application: follow its auth state, and read again.
    NewConnection,
    /// A channel went live (`true`) or offline, pushed over EventSub: read again.
    Pushed(String, bool),
    /// The app is ending.
    Stop,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_says_whether_the_favourite_is_live() {
        let mut s = Shown::default();
        assert_eq!(s.status(), "No favourite channel");
        s.favourite = Some(("LumenForge".into(), Some(true)));
        assert_eq!(s.status(), "LumenForge is live");
        assert!(s.favourite_live());
        s.favourite = Some(("LumenForge".into(), Some(false)));
        assert_eq!(s.status(), "LumenForge is offline");
        assert!(!s.favourite_live());
        s.favourite = Some(("LumenForge".into(), None));
        assert_eq!(s.status(), "Favourite: LumenForge");
        assert!(!s.favourite_live(), "not known is not live");
    }

    #[test]
    fn only_a_switch_of_its_own_starts_the_app_minimised() {
        assert!(!start_minimized(&["twitch-event-viewer".into()]));
        assert!(!start_minimized(&["x".into(), "--minimised".into()]), "the spelling is fixed");
    }
}
