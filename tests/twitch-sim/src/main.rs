//! `twitch-sim --port 0 [--scenario demo]`: runs the simulator until killed.

use std::io::Write;

use clap::Parser;

/// Command line.
#[derive(Parser, Debug)]
#[command(
    name = "twitch-sim",
    about = "A local Twitch: OAuth, Helix, EventSub WebSocket, embeds, control API"
)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Scenario to play (`demo`).
    #[arg(long)]
    scenario: Option<String>,
    /// Scenario speed factor (2 = twice as fast).
    #[arg(long)]
    speed: Option<f64>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "twitch_sim=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let opts = twitch_sim::SimOptions {
        port: args.port,
        scenario: args.scenario,
        scenario_speed: args.speed,
    };
    let handle = match twitch_sim::spawn(opts).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("twitch-sim: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    // Other tools wait for this exact first line.
    if writeln!(out, "twitch-sim listening on {}", handle.base_url())
        .and_then(|_| out.flush())
        .is_err()
    {
        return std::process::ExitCode::FAILURE;
    }
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    drop(handle);
    std::process::ExitCode::SUCCESS
}
