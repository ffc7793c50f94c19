//! The app's commands, by domain, each a few lines: take what the page sent, call the module that
//! does the work, answer with a payload of `views`. Which page may call which command is up to
//! the capabilities (`capabilities/*.json`): the commands and the capability that grants each are
//! listed once, in `list.rs`.

pub mod app;
pub mod auth;
pub mod channels;
pub mod feed;
pub mod notifications;

use crate::state::AppState;
use std::sync::Arc;
use tauri::State;

include!("list.rs");
pub(crate) use app_commands;

/// The app's state, as a command receives it.
type S<'a> = State<'a, Arc<AppState>>;
