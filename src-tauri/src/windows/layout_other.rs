//! Bounds-based layout for macOS and Windows, kept proportional on resize.
use super::Geometry;
use tauri::{LogicalPosition, LogicalSize, Manager, Runtime, Webview, Window};

use super::bounds;

/// Places the webviews of `window` that exist (Twitch's pages come later) for a window of
/// `w`×`h`.
fn place<R: Runtime>(window: &Window<R>, w: f64, h: f64) {
    let label = window.label().to_string();
    let [player, panel, chat] = bounds(w, h);
    let [chat, compose] = super::under_chat(chat);
    let names = ["player", "panel", "chat", "compose"].map(|n| format!("{label}-{n}"));
    for (name, (x, y, bw, bh)) in names.iter().zip([player, panel, chat, compose]) {
        if let Some(wv) = window.get_webview(name) {
            let _ = wv.set_position(LogicalPosition::new(x, y));
            let _ = wv.set_size(LogicalSize::new(bw, bh));
        }
    }
}

/// Places the panel and keeps the webviews in proportion as the window is resized; remembers
/// the window's place when it closes. The dividers are not draggable here (bounds, no panes), so
/// the remembered ones are handed back unchanged for the next Linux session of the same settings.
pub fn arrange_panel<R: Runtime>(
    window: &Window<R>,
    _panel: &Webview<R>,
    remembered: (Option<f64>, Option<f64>),
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
                    chat_width: remembered.0,
                    panel_height: remembered.1,
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
    _compose: &Webview<R>,
) -> tauri::Result<()> {
    let scale = window.scale_factor().unwrap_or(1.0);
    let s = window.inner_size()?.to_logical::<f64>(scale);
    place(window, s.width, s.height);
    Ok(())
}
