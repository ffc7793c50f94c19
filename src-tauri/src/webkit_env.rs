//! WebKit settings that can only be given through the environment, before WebKit starts.
//!
//! **WebKit's memory monitor is off by default.** Every WebKit web process reads its own
//! `/proc/self/smaps` every 30 s (a walk of all its page tables, parsed with `sscanf`), and the
//! UI process runs a `PressureMonitor` thread reading `/proc/meminfo`. In the app at idle that is
//! most of the CPU it uses: with the monitor on, the app's own part took 66 ms a minute and each
//! of Twitch's two pages ~24; with it off, 24 and 2–3 (BENCHMARKS.md "Idle"). What the
//! monitor buys with the defaults (`WebKitMemoryPressureSettings`: kill threshold 0, so nothing
//! is ever killed; memory released only above a third of min(RAM, 3 GB) per process, or when the
//! system is short of memory) hardly ever applies to the app's pages (80–120 MiB each). The cost
//! is that under system-wide memory pressure WebKit no longer drops its caches by itself.
//! wry creates the web context without a way to pass memory-pressure settings (a longer poll
//! interval would have been the finer tool), so the switch is WebKit's own variable,
//! `WEBKIT_DISABLE_MEMORY_PRESSURE_MONITOR`. `TEV_WEBKIT_MEMORY_MONITOR=1` keeps the monitor on;
//! a value the user set for WebKit's variable is left as it is.

/// WebKit's own switch.
pub const WEBKIT_VAR: &str = "WEBKIT_DISABLE_MEMORY_PRESSURE_MONITOR";
/// The app's way back to WebKit's default.
pub const KEEP_VAR: &str = "TEV_WEBKIT_MEMORY_MONITOR";

/// The variable to set (name, value), given how the environment reads, or `None`.
pub fn memory_monitor_switch(
    get: impl Fn(&str) -> Option<String>,
) -> Option<(&'static str, &'static str)> {
    if get(WEBKIT_VAR).is_some() {
        return None;
    }
    let keep = get(KEEP_VAR).is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"));
    (!keep).then_some((WEBKIT_VAR, "1"))
}

/// Applies the settings above to this process's environment, which WebKit's processes inherit.
///
/// # Safety
/// Changes the process environment: call it first thing in `main`, before any other thread
/// exists (no runtime, no GTK, no logging thread yet).
pub unsafe fn apply() {
    if let Some((name, value)) = memory_monitor_switch(|k| std::env::var(k).ok()) {
        // SAFETY: the caller guarantees no other thread runs yet, so nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var(name, value) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn the_monitor_is_switched_off_unless_asked_for_or_set_by_the_user() {
        assert_eq!(memory_monitor_switch(env(&[])), Some((WEBKIT_VAR, "1")));
        assert_eq!(memory_monitor_switch(env(&[(KEEP_VAR, "1")])), None);
        assert_eq!(memory_monitor_switch(env(&[(KEEP_VAR, " yes ")])), None);
        assert_eq!(
            memory_monitor_switch(env(&[(KEEP_VAR, "0")])),
            Some((WEBKIT_VAR, "1")),
            "only a yes keeps it"
        );
        // The user's own choice for WebKit's variable stands, whatever it says.
        assert_eq!(memory_monitor_switch(env(&[(WEBKIT_VAR, "0")])), None);
    }
}
