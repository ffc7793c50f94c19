// The app's commands, listed once: `build.rs` declares them to Tauri's ACL from this list,
// `lib.rs` registers their handlers from it, and `commands::tests` checks the capability files
// against it. Both the build script and the app `include!` this file, so it is no module: it
// holds this macro and nothing else.

/// Hands every command of the app to the macro `$then`, as `module::command => "capability"`:
/// the command is `commands::<module>::<command>`, and it is granted (`allow-<command>`, dashes
/// for underscores) by `capabilities/<capability>.json` and by no other capability. Adding a
/// command means adding it here, writing it in `commands/<module>.rs` and granting it in that
/// capability file.
macro_rules! app_commands {
    ($then:ident) => {
        $then! {
            app::app_info => "app-pages",
            app::settings_get => "app-pages",
            app::setup_save => "app-pages",
            app::use_built_in_client => "app-pages",
            auth::auth_state => "app-pages",
            auth::login_start => "app-pages",
            auth::keychain_status => "app-pages",
            auth::login_for_this_run => "app-pages",
            auth::login_cancel => "app-pages",
            auth::login_open_activation => "app-pages",
            auth::logout => "app-pages",
            channels::search_channels => "app-pages",
            channels::followed_channels => "app-pages",
            channels::followed_live_channels => "app-pages",
            channels::set_favourite => "app-pages",
            channels::open_streamer => "app-pages",
            feed::streamer_snapshot => "app-pages",
            // Only a streamer panel reads its rows after a `feed` signal, says when its first
            // paint is on screen, reads and saves its channel's feed controls and shows its
            // window's chat over it when the window is too narrow for a chat column.
            feed::streamer_events => "streamer-panel",
            feed::streamer_painted => "streamer-panel",
            feed::streamer_chat_toggle => "streamer-panel",
            feed::feed_prefs_get => "streamer-panel",
            feed::feed_prefs_set => "streamer-panel",
            // The moderator view of the panel's channel (may start a login for its scopes).
            feed::feed_moderator_view => "streamer-panel",
            // The panel's explanation of its panes, dismissed for good.
            app::intro_dismiss => "streamer-panel",
            // Only the message box under a streamer window's chat reads the login for it, turns
            // chatting on (a new login with `user:write:chat`) and sends to its channel.
            chat::chat_box => "streamer-compose",
            chat::chat_enable => "streamer-compose",
            chat::chat_cancel => "streamer-compose",
            chat::chat_send => "streamer-compose",
            notifications::notifications_get => "app-pages",
            notifications::notifications_set => "app-pages",
            notifications::alerts_get => "app-pages",
            notifications::alerts_set => "app-pages",
        }
    };
}
