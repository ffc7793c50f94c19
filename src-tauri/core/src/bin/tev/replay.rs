//! `tev replay <frames.jsonl>`

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A file with one EventSub text frame per line.
    pub frames: PathBuf,
    /// Print every shown event in arrival order instead of the recent list.
    #[arg(long)]
    pub all: bool,
    /// How many recent events to keep per channel.
    #[arg(long, default_value_t = 10)]
    pub last: usize,
}

pub fn run(_args: Args) -> ExitCode {
    eprintln!("tev replay: not available yet");
    ExitCode::from(2)
}
