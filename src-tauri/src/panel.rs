//! What a streamer window's panel reads and saves: its snapshot, its feed choices (filter,
//! mutes, seen mark, pause: remembered per channel in `settings.json`, see
//! `tev_core::settings::FeedPrefs`) and the first data given with its window. The channel always
//! comes from the calling panel's own label, never from the page, so a page can only ever read or
//! change its own channel.

use crate::error::{ErrorCode, UiError};
use crate::state::{AppState, Connected};
use crate::views::{AuthView, FeedPrefsView, PanelBoot, Snapshot};
use crate::windows;
use chrono::{DateTime, Utc};
use tev_core::settings::FeedPrefsChange;
use tev_core::watcher::WatchedChannel;

/// The login of the panel labelled `label` (`streamer-<login>-panel`); an error for any other
/// page.
pub fn login_of(label: &str) -> Result<&str, UiError> {
    windows::login_of_panel(label).ok_or_else(UiError::not_a_panel)
}

/// What a panel shows of `channel` right now; its window opened at `listening_since`.
pub fn snapshot(
    state: &AppState,
    c: &Connected,
    channel: WatchedChannel,
    listening_since: DateTime<Utc>,
) -> Snapshot {
    Snapshot {
        header: state.live.header(&channel.id),
        events: state.live.events(&channel.id),
        connection: c.watcher.state().borrow().clone(),
        auth: AuthView::new(&c.owner.state(), state.signed_in_user().as_ref()),
        simulated: state.endpoints.simulated,
        listening_since,
        kinds: tev_core::kind::KIND_TABLE,
        video_install: crate::video::this_systems_install_command(),
        intro: !state.config.load_or_default().is_ok_and(|(s, _)| s.intro_dismissed),
        channel,
    }
}

/// The feed choices for `channel_id`, as the panel reads them.
pub fn feed_prefs(state: &AppState, channel_id: String) -> Result<FeedPrefsView, UiError> {
    let (s, warning) = state.config.load_or_default()?;
    let prefs = s.feed_prefs(&channel_id);
    Ok(FeedPrefsView::new(channel_id, prefs, warning.map(|w| w.to_string())))
}

/// Saves a panel's `change` to the feed choices of `channel_id`; the choices as saved.
pub fn save_feed_prefs(
    state: &AppState,
    channel_id: String,
    change: FeedPrefsChange,
) -> Result<FeedPrefsView, UiError> {
    // Checked before anything is written, so a refused change leaves the file as it was.
    change.check(&channel_id)?;
    let mut prefs = None;
    // `update` is one read-modify-write at a time, so two panels saving at once lose nothing.
    let (_, warning) = state.config.update(|s| {
        prefs = change.apply(s, &channel_id, Utc::now()).ok();
    })?;
    let prefs =
        prefs.ok_or_else(|| UiError::new(ErrorCode::Settings, "The choice could not be saved."))?;
    Ok(FeedPrefsView::new(channel_id, prefs, warning.map(|w| w.to_string())))
}

/// The panel's first data, given with its window as an initialisation script (run before the
/// page's own scripts): the snapshot and the feed choices the page would otherwise ask for in
/// two round trips after its first paint, while the main thread is busy creating Twitch's
/// webviews (BENCHMARKS.md "Start-up"). The page still asks once its listeners are in place, for
/// anything that changed in between. `None` (the page asks as before) if it cannot be built.
pub fn boot_script(
    state: &AppState,
    c: &Connected,
    channel: &WatchedChannel,
    opened_at: DateTime<Utc>,
) -> Option<String> {
    let prefs = feed_prefs(state, channel.id.clone()).ok()?;
    let snapshot = snapshot(state, c, channel.clone(), opened_at);
    PanelBoot { snapshot, prefs }.script()
}
