//! GTK packing: Paned(horizontal)[ Paned(vertical)[player slot, Paned(vertical)[panel,
//! chat-over slot]], chat slot ]. The slots are boxes that take Twitch's webviews when they come.
//! The chat and the app's message box under it are one stack (a vertical box: the chat takes
//! the room, the box [`super::COMPOSE_HEIGHT`]), which moves between its column (the chat slot)
//! and the chat-over slot, under the panel's header, as [`super::chat_place`] says (see
//! [`relayout`]).
use super::{ChatPlace, Geometry};
use gtk::prelude::*;
use std::sync::Arc;
use tauri::{Emitter, Runtime, Webview, Window};

const PANEL: &str = "tev-panel";
const PLAYER: &str = "tev-player";
const CHAT: &str = "tev-chat";
const COMPOSE: &str = "tev-compose";
const CHAT_STACK: &str = "tev-chat-stack";
const PLAYER_SLOT: &str = "tev-player-slot";
const CHAT_SLOT: &str = "tev-chat-slot";
const CHAT_OVER_SLOT: &str = "tev-chat-over-slot";
const OUTER: &str = "tev-outer";
const BOTTOM: &str = "tev-bottom";
const LEFT: &str = "tev-left";

/// Lays the window out with the panel in its strip and empty slots for the player and the
/// chat, the dividers where the user left them (`remembered`: the chat column's width and the
/// events strip's height, see [`super::divider_positions`]), and remembers the window's place
/// and both dividers when it closes.
pub fn arrange_panel<R: Runtime>(
    window: &Window<R>,
    panel: &Webview<R>,
    remembered: (Option<f64>, Option<f64>),
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
        let chat_stack = gtk::Box::new(gtk::Orientation::Vertical, 0);
        chat_stack.set_widget_name(CHAT_STACK);
        chat_slot.pack_start(&chat_stack, true, true, 0);
        // The message box only where the chat keeps room above it (see CHAT_ROOM_OVER_BOX);
        // shown or hidden once the allocation is done, not during it.
        chat_stack.connect_size_allocate(|stack, allocation| {
            let room = f64::from(allocation.height());
            let show = room >= super::COMPOSE_HEIGHT + super::CHAT_ROOM_OVER_BOX;
            let compose = stack.children().into_iter().find(|c| c.widget_name() == COMPOSE);
            if let Some(compose) = compose
                && compose.is_visible() != show
            {
                gtk::glib::idle_add_local_once(move || compose.set_visible(show));
            }
        });
        // A pane, not a box: a box would give the panel its natural height (its page's)
        // before the chat over it got any.
        let bottom = gtk::Paned::new(gtk::Orientation::Vertical);
        bottom.set_widget_name(BOTTOM);
        bottom.pack1(&panel, true, false);
        bottom.pack2(&chat_over_slot, true, false);
        let left = gtk::Paned::new(gtk::Orientation::Vertical);
        left.set_widget_name(LEFT);
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
        let (pw, ph) = super::divider_positions(w, h, remembered);
        outer.set_position(pw.round() as i32);
        left.set_position(ph.round() as i32);

        // Remember the window's place and its dividers when it closes.
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
                let (chat_width, panel_height) = dividers(&win, size.height, remembered);
                on_geometry(Geometry {
                    x: pos.x,
                    y: pos.y,
                    width: size.width,
                    height: size.height,
                    maximized: win.is_maximized().unwrap_or(false),
                    chat_width,
                    panel_height,
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

/// Moves Twitch's player and chat, and the message box, from the window's box into their
/// places: the player into its slot, the chat and the box under it into the chat's stack.
pub fn arrange_twitch<R: Runtime>(
    window: &Window<R>,
    player: &Webview<R>,
    chat: &Webview<R>,
    compose: &Webview<R>,
) -> tauri::Result<()> {
    player.with_webview(|pw| pw.inner().set_widget_name(PLAYER))?;
    chat.with_webview(|pw| pw.inner().set_widget_name(CHAT))?;
    compose.with_webview(|pw| pw.inner().set_widget_name(COMPOSE))?;
    let win = window.clone();
    window.run_on_main_thread(move || {
        let Ok(vbox) = win.default_vbox() else {
            tracing::error!("streamer window: no GTK box to lay out");
            return;
        };
        let root: gtk::Widget = vbox.clone().upcast();
        for (name, slot) in [(PLAYER, PLAYER_SLOT), (CHAT, CHAT_STACK), (COMPOSE, CHAT_STACK)] {
            let webview = vbox.children().into_iter().find(|c| c.widget_name() == name);
            let slot = find_named(&root, slot).and_then(|w| w.downcast::<gtk::Box>().ok());
            let (Some(webview), Some(slot)) = (webview, slot) else {
                tracing::error!(name, "streamer window: a page has no place to go");
                continue;
            };
            vbox.remove(&webview);
            if name == COMPOSE {
                // Its own height under the chat, whatever the chat's page asks for.
                webview.set_size_request(-1, super::COMPOSE_HEIGHT as i32);
                slot.pack_end(&webview, false, false, 0);
            } else {
                slot.pack_start(&webview, true, true, 0);
            }
            webview.show();
        }
    })?;
    relayout(window);
    Ok(())
}

/// Puts the chat (with the message box under it) where [`super::chat_place`] says for the window's width now (its column,
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
        // The chat with the message box under it, wherever it is.
        let chat = [&chat_slot, &over_slot]
            .into_iter()
            .flat_map(|slot| slot.children())
            .find(|c| c.widget_name() == CHAT_STACK);
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

/// The chat column's width and the events strip's height in `window` (`height` high) now, from
/// its panes (main thread). A window closed without a chat column (too narrow, or the chat over
/// the panel) keeps the column width it had from before (`remembered`), so it comes back wide.
fn dividers<R: Runtime>(
    window: &Window<R>,
    height: f64,
    remembered: (Option<f64>, Option<f64>),
) -> (Option<f64>, Option<f64>) {
    let Ok(vbox) = window.default_vbox() else { return remembered };
    let root: gtk::Widget = vbox.upcast();
    let paned = |name| find_named(&root, name).and_then(|w| w.downcast::<gtk::Paned>().ok());
    let chat_width = match (paned(OUTER), find_named(&root, CHAT_SLOT)) {
        (Some(outer), Some(slot)) if slot.is_visible() => {
            Some(f64::from(outer.allocated_width() - outer.position()))
        }
        _ => remembered.0,
    };
    let panel_height = paned(LEFT).map(|left| height - f64::from(left.position()));
    (chat_width, panel_height.or(remembered.1))
}

/// The widget named `name` under `root` (depth first), if any.
fn find_named(root: &gtk::Widget, name: &str) -> Option<gtk::Widget> {
    if root.widget_name() == name {
        return Some(root.clone());
    }
    let container = root.downcast_ref::<gtk::Container>()?;
    container.children().iter().find_map(|c| find_named(c, name))
}
