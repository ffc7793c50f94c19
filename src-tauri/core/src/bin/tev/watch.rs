//! `tev watch <login>…`

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Channel logins to watch.
    #[arg(required = true)]
    pub logins: Vec<String>,
    /// Human-readable output instead of JSON lines.
    #[arg(long)]
    pub pretty: bool,
}

pub fn run(_args: Args) -> ExitCode {
    eprintln!("tev watch: not available yet");
    ExitCode::from(2)
}
