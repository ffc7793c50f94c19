//! `tev`: the core of Twitch Event Viewer on the command line.
//!
//! Each subcommand lives in its own module; this file only parses and dispatches.

mod auth;
mod replay;
mod watch;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "tev", version, about = "Twitch Event Viewer on the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Live events of one or more channels as JSON lines.
    Watch(watch::Args),
    /// Run recorded EventSub frames through the app's feed and print the recent events.
    Replay(replay::Args),
    /// Log in with Twitch (device or loopback flow).
    Login(auth::LoginArgs),
    /// Log out: revoke at Twitch, delete the keychain entry.
    Logout(auth::LogoutArgs),
    /// Who is signed in (user, scopes, expiry — never the token).
    Whoami(auth::WhoamiArgs),
    /// Read or write the client configuration (Client ID, Client Secret).
    Config(auth::ConfigArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TEV_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Watch(a) => watch::run(a),
        Command::Replay(a) => replay::run(a),
        Command::Login(a) => auth::login(a),
        Command::Logout(a) => auth::logout(a),
        Command::Whoami(a) => auth::whoami(a),
        Command::Config(a) => auth::config(a),
    }
}
