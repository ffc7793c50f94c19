//! Scenarios: scripted evenings played through the same path as `POST /_sim/events`.

use crate::world::Shared;

/// Is this a scenario name we know?
pub fn known(name: &str) -> bool {
    name == "demo"
}

/// Plays a scenario until the simulator stops.
pub async fn play(_sim: Shared, _name: String, _speed: f64) {}
