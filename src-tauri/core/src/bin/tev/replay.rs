//! `tev replay <frames.jsonl>`

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tev_core::replay::{ReplayOptions, replay};

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

pub fn run(args: Args) -> ExitCode {
    let file = match std::fs::File::open(&args.frames) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tev replay: cannot open {}: {e}", args.frames.display());
            return ExitCode::from(2);
        }
    };
    let options = ReplayOptions { all: args.all, last: args.last };
    let out = match replay(std::io::BufReader::new(file), options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tev replay: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    for event in &out.events {
        let written = serde_json::to_writer(&mut w, event)
            .map_err(std::io::Error::other)
            .and_then(|()| w.write_all(b"\n"));
        if let Err(e) = written {
            // A closed pipe (`tev replay … | head`) is not an error worth a message.
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("tev replay: writing output: {e}");
                return ExitCode::FAILURE;
            }
            break;
        }
    }
    let _ = w.flush();
    eprintln!("{}", out.counters);
    ExitCode::SUCCESS
}
