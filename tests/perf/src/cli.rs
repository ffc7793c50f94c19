//! The harness's command-line options: how many runs, how long each phase lasts, which phases to
//! skip. Every option has a default, so `tev-bench` alone runs the full comparison.

/// Command-line options (all optional).
pub struct Opts {
    /// How many times the whole comparison runs (each run: baseline, then app).
    pub runs: usize,
    /// Length of the idle window, seconds.
    pub idle_secs: u64,
    /// Events sent for the growth measurement (after the first 1,000).
    pub growth_events: usize,
    /// Reconnects (`session_reconnect`) during the growth measurement.
    pub growth_reconnects: usize,
    /// Skip the growth measurement.
    pub skip_growth: bool,
    /// Seconds after the growth burst for a second reading (what the app keeps once quiet).
    pub growth_settle_secs: u64,
    /// Skip the latency measurement.
    pub skip_latency: bool,
    /// Start-ups of each kind in the interleaved series at the end of a run (baseline, app's
    /// home, app's streamer window by a link, in turn); 0 skips it.
    pub startup_rounds: usize,
    /// The watched channel is offline in the simulator, so the streamer window's player shows
    /// Twitch's offline screen and decodes no video; by default the channel is live and the
    /// player plays its H.264/AAC stream (docs/twitch.md §9, "Video"). Every streamer-window
    /// figure is labelled with which it was.
    pub no_video: bool,
}

impl Opts {
    /// Reads the options from the command line; exits with status 2 on an unknown option or a
    /// missing number.
    pub fn parse() -> Opts {
        let mut o = Opts {
            runs: 3,
            idle_secs: 60,
            growth_events: 100_000,
            growth_reconnects: 1_000,
            skip_growth: false,
            growth_settle_secs: 60,
            skip_latency: false,
            startup_rounds: 5,
            no_video: false,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut i = 0;
        while i < args.len() {
            let val = |i: usize| -> u64 {
                args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                    eprintln!("{} needs a number", args[i]);
                    std::process::exit(2)
                })
            };
            match args[i].as_str() {
                "--runs" => o.runs = val(i) as usize,
                "--idle-secs" => o.idle_secs = val(i),
                "--growth-events" => o.growth_events = val(i) as usize,
                "--growth-reconnects" => o.growth_reconnects = val(i) as usize,
                "--growth-settle-secs" => o.growth_settle_secs = val(i),
                "--startup-rounds" => o.startup_rounds = val(i) as usize,
                "--skip-growth" => {
                    o.skip_growth = true;
                    i -= 1;
                }
                "--skip-latency" => {
                    o.skip_latency = true;
                    i -= 1;
                }
                "--no-video" => {
                    o.no_video = true;
                    i -= 1;
                }
                other => {
                    eprintln!(
                        "unknown option {other}; options: --runs N --idle-secs N \
                         --growth-events N --growth-reconnects N --growth-settle-secs N \
                         --startup-rounds N --skip-growth --skip-latency --no-video"
                    );
                    std::process::exit(2)
                }
            }
            i += 2;
        }
        o
    }
}
