//! The app's commands, by domain, each a few lines: take what the page sent, call the module that
//! does the work, answer with a payload of `views`. Which page may call which command is up to
//! the capabilities (`capabilities/*.json`): the commands and the capability that grants each are
//! listed once, in `list.rs`.

pub mod app;
pub mod auth;
pub mod channels;
pub mod chat;
pub mod feed;
pub mod notifications;
pub mod tray;

use crate::state::AppState;
use std::sync::Arc;
use tauri::State;

include!("list.rs");
pub(crate) use app_commands;

/// The app's state, as a command receives it.
type S<'a> = State<'a, Arc<AppState>>;

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// `(command, capability)` for every command `app_commands!` lists.
    macro_rules! grants {
        ($($module:ident::$command:ident => $capability:literal),* $(,)?) => {
            &[$((stringify!($command), $capability)),*]
        };
    }
    const LISTED: &[(&str, &str)] = app_commands!(grants);

    /// The app's own commands each capability file grants (`allow-<command>`), by capability.
    fn granted() -> BTreeMap<String, BTreeSet<String>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities");
        let mut out = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).expect("capabilities/") {
            let path = entry.expect("an entry").path();
            let text = std::fs::read_to_string(&path).expect("a capability file");
            let file: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            let id = file["identifier"].as_str().expect("an identifier").to_string();
            assert_eq!(path.file_stem().and_then(|s| s.to_str()), Some(id.as_str()), "file name");
            let permissions = file["permissions"].as_array().expect("permissions");
            let own: BTreeSet<String> = permissions
                .iter()
                .filter_map(|p| p.as_str().or_else(|| p["identifier"].as_str()))
                // Plugins' and Tauri's own permissions are `plugin:…`; the app's have no colon.
                .filter(|p| !p.contains(':'))
                .map(|p| {
                    let command = p.strip_prefix("allow-").unwrap_or_else(|| {
                        panic!("{id} names {p}: the app's permissions are allow-<command>")
                    });
                    command.replace('-', "_")
                })
                .collect();
            out.insert(id, own);
        }
        out
    }

    #[test]
    fn each_command_is_granted_by_its_capability_only_and_nothing_unlisted_is_granted() {
        let granted = granted();
        for (command, capability) in LISTED {
            let by: Vec<&String> =
                granted.iter().filter(|(_, c)| c.contains(*command)).map(|(id, _)| id).collect();
            assert_eq!(by, [capability], "{command} must be granted by {capability} alone");
        }
        for (id, commands) in &granted {
            for command in commands {
                assert!(
                    LISTED.iter().any(|(c, _)| c == command),
                    "{id} grants {command}, which is no command of the app"
                );
            }
        }
        let names: BTreeSet<&str> = LISTED.iter().map(|(c, _)| *c).collect();
        assert_eq!(names.len(), LISTED.len(), "a command is listed twice");
    }

    #[test]
    fn the_build_script_and_the_handlers_take_the_list_from_list_rs() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let build = std::fs::read_to_string(root.join("build.rs")).expect("build.rs");
        assert!(build.contains("include!(\"src/commands/list.rs\")"), "build.rs includes list.rs");
        assert!(build.contains("app_commands!(command_names)"), "and declares what it lists");
        let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("lib.rs");
        assert!(lib.contains(".invoke_handler(commands::app_commands!(handlers))"), "lib.rs");
        assert_eq!(lib.matches("generate_handler!").count(), 1, "one handler list, generated");
    }
}
