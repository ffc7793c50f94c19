//! twitch-sim: a local Twitch for tests, benchmarks and the quick start.
//!
//! One HTTP server on 127.0.0.1 serves OAuth (`/oauth2/*`, `/activate`), Helix (`/helix/*`),
//! the EventSub WebSocket (`/ws`), embed pages (`/embed/*`) and a control API (`/_sim/*`),
//! behaving as `docs/twitch.md` describes Twitch. See `README.md` beside this crate.

pub mod catalog;
pub mod control;
pub mod door;
pub mod embed;
pub mod eventsub_ws;
pub mod helix;
pub mod oauth;
pub mod observe;
pub mod payloads;
pub mod scenario;
pub mod world;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::sync::watch;

use crate::world::{Shared, Sim};

/// How to start the simulator.
#[derive(Clone, Debug, Default)]
pub struct SimOptions {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// A scenario to play in the background (`"demo"`), or none.
    pub scenario: Option<String>,
    /// Speeds the scenario up (2.0 = twice as fast); `None` or non-positive = human pace.
    pub scenario_speed: Option<f64>,
}

/// A running simulator. Dropping it stops the server and closes every WebSocket.
pub struct SimHandle {
    /// Where it listens.
    addr: SocketAddr,
    /// Shared state, for in-process inspection.
    sim: Shared,
    /// Tells the server and the socket tasks to stop.
    shutdown: watch::Sender<bool>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared simulator state (for in-process tools; tests should prefer `/_sim/*`).
    pub fn sim(&self) -> &Shared {
        &self.sim
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Starts the simulator on 127.0.0.1 and returns once it accepts connections.
pub async fn spawn(opts: SimOptions) -> std::io::Result<SimHandle> {
    if let Some(s) = opts.scenario.as_deref()
        && !scenario::known(s)
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("unknown scenario {s:?} (known: demo)"),
        ));
    }
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = watch::channel(false);
    let sim: Shared = Arc::new(Sim::new(format!("http://{addr}"), rx.clone()));
    let app = router(sim.clone());
    let mut stop = rx.clone();
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|v| *v).await;
            })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "twitch-sim server stopped");
        }
    });
    if let Some(name) = opts.scenario.clone() {
        let speed = opts.scenario_speed.filter(|s| *s > 0.0).unwrap_or(1.0);
        tokio::spawn(scenario::play(sim.clone(), name, speed));
    }
    Ok(SimHandle { addr, sim, shutdown: tx })
}

/// The whole HTTP surface.
fn router(sim: Shared) -> axum::Router {
    let observed = axum::middleware::from_fn_with_state(sim.clone(), observe::observe);
    axum::Router::new()
        .merge(oauth::routes().layer(observed.clone()))
        .merge(helix::routes(sim.clone()).layer(observed))
        .merge(eventsub_ws::routes())
        .merge(control::routes())
        .merge(embed::routes())
        .with_state(sim)
}
