//! `tev replay <frames.jsonl>`: the recent events per channel, every shown event (`--all`), or
//! what became of each input line (`--explain`).

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
    /// Instead of the events, print for every input line what became of it: a row, a change
    /// to a row, a state update, no row and why, a duplicate, or rejected and why.
    #[arg(long)]
    pub explain: bool,
}

pub fn run(args: Args) -> ExitCode {
    let file = match std::fs::File::open(&args.frames) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tev replay: cannot open {}: {e}", args.frames.display());
            return ExitCode::from(2);
        }
    };
    let options = ReplayOptions { all: args.all, last: args.last, explain: args.explain };
    let out = match replay(std::io::BufReader::new(file), options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tev replay: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let printed: Vec<serde_json::Result<Vec<u8>>> = if args.explain {
        out.explained.iter().map(serde_json::to_vec).collect()
    } else {
        out.events.iter().map(serde_json::to_vec).collect()
    };
    for line in printed {
        let written = line
            .map_err(std::io::Error::other)
            .and_then(|bytes| w.write_all(&bytes))
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
