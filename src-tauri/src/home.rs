//! The home window: built at start from its description in `tauri.conf.json` (which does not
//! create it), its messages ("notices"), and what a cold start with a watch link does with it.
//!
//! At a cold start with a `watch/<login>` link the user asked for one streamer window. The home
//! window is then built hidden on a blank page of the app, so that the link's panel has the web
//! process it shares with the home page to itself while it loads: both pages starting at the same
//! moment made the panel's first paint with its rows ~150 ms later (BENCHMARKS.md "Start-up";
//! docs/bench-log.md, session 6). The home page loads once that panel is on screen
//! (`streamer_painted`), or [`PAGE_AT_LATEST`] after the start, and the window is shown then only
//! if no streamer window is open; else it comes up when the last streamer window closes (as a
//! video-call app's main window does after a meeting opened from a link), or whenever something
//! brings it forward.

use crate::views::{Notice, event};
use crate::windows;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tauri::{AppHandle, Emitter, EventTarget, Manager, Runtime, WebviewUrl, WebviewWindow};

/// The home window's (and webview's) label, as in `tauri.conf.json` and the capabilities.
pub const LABEL: &str = "home";

/// The blank page the home window shows until its own page may load (`ui/blank.html`).
const BLANK_PAGE: &str = "blank.html";
/// The home page (`ui/index.html`), relative to the blank page's address.
const HOME_PAGE: &str = "index.html";

/// At a cold start with a link, the home page loads at the latest this long after the start
/// even if the link's panel never said it is on screen (the login is slow, the link failed).
pub const PAGE_AT_LATEST: Duration = Duration::from_secs(2);

/// At most this many notices wait for the page; older ones give way to newer.
const KEPT_NOTICES: usize = 8;

/// What was asked of the home window while its blank page still loaded; the later ask is the
/// larger one (showing the window loads its page too).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Asked {
    #[default]
    Nothing,
    /// Its page ([`load_page`]).
    Page,
    /// Its page, and the window brought forward ([`show`]).
    Shown,
}

/// Where the home window is with the blank page it starts on behind a link.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Blank {
    /// Not on the blank page (its own page loads or is loaded).
    #[default]
    No,
    /// The blank page is still loading; what was asked for meanwhile.
    Loading { asked: Asked },
    /// The blank page is on screen; the home page is still to load.
    Loaded,
}

/// What an ask for the home page gets ([`Home::take_page_turn`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// The page loads now.
    Now,
    /// When the blank page has loaded.
    Later,
    /// The window is not on the blank page: nothing to load.
    NotBlank,
}

/// The home window's state, managed by the app.
#[derive(Default)]
pub struct Home {
    /// The blank page's progress. Navigating away from it while it still loads, or showing the
    /// window then, crashed the new web process, each on its own (WebKitGTK 2.50, seen here: a
    /// link at a cold start that failed at once left a white home window, and the reload after
    /// the crash did not bring it back), so both wait for its load to finish.
    blank: Mutex<Blank>,
    /// The home page has its `notice` listener in place (it read the auth state after adding it)
    /// since it last started loading.
    listening: AtomicBool,
    /// The notices kept until the home page listens: at a cold start a refused link is known
    /// before the page has loaded, and an event emitted then would reach nobody.
    waiting: Mutex<Vec<Notice>>,
}

impl Home {
    /// Keeps a notice for the page if it does not listen yet; returns it back if it does.
    fn keep_unless_listening(&self, n: Notice) -> Option<Notice> {
        let Ok(mut waiting) = self.waiting.lock() else { return Some(n) };
        if self.listening.load(Ordering::SeqCst) {
            return Some(n);
        }
        if waiting.len() == KEPT_NOTICES {
            waiting.remove(0);
        }
        waiting.push(n);
        None
    }

    /// The page listens from now on: the notices it missed.
    fn now_listening(&self) -> Vec<Notice> {
        let Ok(mut waiting) = self.waiting.lock() else { return Vec::new() };
        self.listening.store(true, Ordering::SeqCst);
        std::mem::take(&mut *waiting)
    }

    /// The home page is wanted (`asking`: just the page, or the window shown too): whether it
    /// loads now (the blank page is on screen; the first time only), later (the blank page still
    /// loads: the ask is kept for its end), or not at all (it is not on the blank page).
    fn take_page_turn(&self, asking: Asked) -> Turn {
        let Ok(mut blank) = self.blank.lock() else { return Turn::NotBlank };
        match *blank {
            Blank::No => Turn::NotBlank,
            Blank::Loading { asked } => {
                *blank = Blank::Loading { asked: asked.max(asking) };
                Turn::Later
            }
            Blank::Loaded => {
                *blank = Blank::No;
                Turn::Now
            }
        }
    }

    /// The blank page finished loading: what was asked for meanwhile.
    fn blank_loaded(&self) -> Asked {
        let Ok(mut blank) = self.blank.lock() else { return Asked::Nothing };
        match *blank {
            Blank::Loading { asked } => {
                *blank = Blank::Loaded;
                asked
            }
            _ => Asked::Nothing,
        }
    }

    /// The page (re)starts loading: its listener is gone until it reads the auth state again.
    fn page_loading(&self) {
        if let Ok(_waiting) = self.waiting.lock() {
            self.listening.store(false, Ordering::SeqCst);
        }
    }
}

/// Builds the home window from its description in `tauri.conf.json`. With `for_link`, hidden
/// and on the blank page (see the module's text); its page then loads at the latest after
/// [`PAGE_AT_LATEST`]. With `minimized` (a start in the tray), hidden with its own page, until
/// the tray's menu or a second launch shows it. Runs in `setup`, on the main thread, before any other window: WebDriver's
/// automation drives the first webview built (wry), so this one comes first either way.
pub fn build<R: Runtime>(
    app: &tauri::App<R>,
    for_link: bool,
    minimized: bool,
) -> tauri::Result<WebviewWindow<R>> {
    let mut config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == LABEL)
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    config.create = true;
    if for_link {
        config.url = WebviewUrl::App(BLANK_PAGE.into());
        config.visible = false;
        config.focus = false;
        if let Ok(mut blank) = app.state::<Home>().blank.lock() {
            *blank = Blank::Loading { asked: Asked::Nothing };
        }
    } else if minimized {
        config.visible = false;
        config.focus = false;
    }
    let handle = app.handle().clone();
    let window = tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
        .on_page_load(move |_, payload| match payload.event() {
            tauri::webview::PageLoadEvent::Started => handle.state::<Home>().page_loading(),
            tauri::webview::PageLoadEvent::Finished => {
                if payload.url().path().ends_with(BLANK_PAGE) {
                    match handle.state::<Home>().blank_loaded() {
                        Asked::Nothing => {}
                        Asked::Page => load_page(&handle),
                        Asked::Shown => show(&handle),
                    }
                }
            }
        })
        .build()?;
    if for_link {
        let handle = app.handle().clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(PAGE_AT_LATEST).await;
            load_page(&handle);
        });
    }
    Ok(window)
}

/// Loads the home page if the window still shows the blank page, and shows the window if no
/// streamer window is open. Any thread; the first call does it (once the blank page has
/// loaded), later calls do nothing.
pub fn load_page<R: Runtime>(app: &AppHandle<R>) {
    load_page_for(app, Asked::Page);
}

/// [`load_page`] for `asking`; what the ask got.
fn load_page_for<R: Runtime>(app: &AppHandle<R>, asking: Asked) -> Turn {
    let turn = app.state::<Home>().take_page_turn(asking);
    if turn != Turn::Now {
        return turn;
    }
    let Some(home) = app.get_webview_window(LABEL) else { return turn };
    match home.url().and_then(|u| u.join(HOME_PAGE).map_err(tauri::Error::InvalidUrl)) {
        Ok(page) => {
            tracing::debug!("the home page loads");
            if let Err(e) = home.navigate(page) {
                tracing::warn!(error = %e, "could not load the home page");
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not tell the home page's address"),
    }
    if !any_streamer_window(app, None) {
        bring_forward(&home);
    }
    turn
}

/// Brings the home window to the front (loading its page first if it is still blank; while
/// the blank page itself still loads, once it has: see [`Home::blank`]).
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    if load_page_for(app, Asked::Shown) == Turn::Later {
        return;
    }
    if let Some(home) = app.get_webview_window(LABEL) {
        bring_forward(&home);
    }
}

fn bring_forward<R: Runtime>(home: &WebviewWindow<R>) {
    let _ = home.unminimize();
    let _ = home.show();
    let _ = home.set_focus();
}

/// A streamer window closed: if it was the last one and the home window is hidden (a cold start
/// with a link kept it back), the home window comes up instead of the app going on unseen.
pub fn streamer_window_closed<R: Runtime>(app: &AppHandle<R>, label: &str) {
    if any_streamer_window(app, Some(label)) {
        return;
    }
    let hidden = app.get_webview_window(LABEL).is_some_and(|h| !h.is_visible().unwrap_or(true));
    if hidden {
        tracing::debug!("the last streamer window closed; the home window comes up");
        show(app);
    }
}

fn any_streamer_window<R: Runtime>(app: &AppHandle<R>, except: Option<&str>) -> bool {
    app.windows().keys().any(|l| windows::is_streamer_window(l) && Some(l.as_str()) != except)
}

/// Shows a message on the home window; kept until its page listens if it does not yet.
pub fn notice<R: Runtime>(app: &AppHandle<R>, code: &str, message: &str) {
    let n = Notice { code: code.to_string(), message: message.to_string() };
    if let Some(n) = app.state::<Home>().keep_unless_listening(n) {
        emit(app, &n);
    }
}

/// The home page has read the auth state, after adding its `notice` listener: what it missed
/// reaches it now.
pub fn page_listens<R: Runtime>(app: &AppHandle<R>) {
    for n in app.state::<Home>().now_listening() {
        emit(app, &n);
    }
}

fn emit<R: Runtime>(app: &AppHandle<R>, n: &Notice) {
    let _ = app.emit_to(EventTarget::webview(LABEL), event::NOTICE, n);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: usize) -> Notice {
        Notice { code: format!("c{i}"), message: format!("m{i}") }
    }

    #[test]
    fn notices_wait_for_the_page_then_pass_straight_through() {
        let home = Home::default();
        assert_eq!(home.keep_unless_listening(n(1)), None, "kept while the page loads");
        assert_eq!(home.keep_unless_listening(n(2)), None);
        assert_eq!(home.now_listening(), vec![n(1), n(2)], "handed over in order, once");
        assert_eq!(home.keep_unless_listening(n(3)), Some(n(3)), "emitted at once now");
        assert!(home.now_listening().is_empty());
        // A reload (or a crash's): kept again until the new page listens.
        home.page_loading();
        assert_eq!(home.keep_unless_listening(n(4)), None);
        assert_eq!(home.now_listening(), vec![n(4)]);
    }

    #[test]
    fn the_home_page_waits_for_the_blank_page_then_loads_once() {
        let home = Home::default();
        let loading = Blank::Loading { asked: Asked::Nothing };
        assert_eq!(home.take_page_turn(Asked::Page), Turn::NotBlank, "nothing to load");
        assert_eq!(home.blank_loaded(), Asked::Nothing);
        *home.blank.lock().expect("lock") = loading;
        assert_eq!(home.take_page_turn(Asked::Page), Turn::Later, "asked while it loads: later");
        assert_eq!(home.blank_loaded(), Asked::Page, "the blank page's end hands the ask back");
        assert_eq!(home.take_page_turn(Asked::Page), Turn::Now, "and the page loads then");
        assert_eq!(home.take_page_turn(Asked::Page), Turn::NotBlank, "once");
        // Not asked for while it loaded: the blank page stays until someone asks.
        *home.blank.lock().expect("lock") = loading;
        assert_eq!(home.blank_loaded(), Asked::Nothing);
        assert_eq!(home.take_page_turn(Asked::Page), Turn::Now);
        assert_eq!(home.take_page_turn(Asked::Page), Turn::NotBlank);
        // Asked to show while it loads: the window comes up at its end, whatever came after.
        *home.blank.lock().expect("lock") = loading;
        assert_eq!(home.take_page_turn(Asked::Shown), Turn::Later);
        assert_eq!(home.take_page_turn(Asked::Page), Turn::Later);
        assert_eq!(home.blank_loaded(), Asked::Shown, "a show is not lost to a later load");
    }

    #[test]
    fn only_the_newest_notices_are_kept() {
        let home = Home::default();
        for i in 0..KEPT_NOTICES + 3 {
            assert_eq!(home.keep_unless_listening(n(i)), None);
        }
        let kept = home.now_listening();
        assert_eq!(kept.len(), KEPT_NOTICES);
        assert_eq!(kept.first(), Some(&n(3)));
        assert_eq!(kept.last(), Some(&n(KEPT_NOTICES + 2)));
    }
}
