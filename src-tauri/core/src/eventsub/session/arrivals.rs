//! For the performance harness only (`tests/perf`): when `TEV_BENCH_ARRIVALS` names a file, the
//! moment each text frame is read off the EventSub socket is appended to it as
//! `<message_id> <epoch ms>` lines, so a row's latency splits into the simulator's part (its
//! send to the frame's arrival) and the app's (arrival to the row painted; BENCHMARKS.md
//! "Latency"). Unset, as in every real use, a frame costs one read of a `OnceLock`. Set, the
//! lines are kept in memory and written at most every 100 ms (a write per frame would add a
//! system call to each of the firehose's frames), so the last ones may reach the file with the
//! next frame: the harness keeps the firehose running until it reads the file.

use std::io::Write;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long lines may wait in memory before they are written.
const WRITE_EVERY: Duration = Duration::from_millis(100);

/// The open file and what is still to be written to it.
struct Sink {
    /// The file named by `TEV_BENCH_ARRIVALS`, opened to append.
    file: std::fs::File,
    /// Lines not yet written.
    pending: Vec<u8>,
    /// When the lines were last written.
    written_at: Instant,
}

/// `None` when the variable is unset (or its file cannot be opened): nothing is recorded.
static SINK: OnceLock<Option<Mutex<Sink>>> = OnceLock::new();

fn open() -> Option<Mutex<Sink>> {
    let path = std::env::var_os("TEV_BENCH_ARRIVALS")?;
    match std::fs::OpenOptions::new().create(true).append(true).open(&path) {
        Ok(file) => {
            Some(Mutex::new(Sink { file, pending: Vec::new(), written_at: Instant::now() }))
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot record the frames' arrival times");
            None
        }
    }
}

/// Notes that `text` (a whole frame) was just read off the socket.
pub(super) fn note(text: &str) {
    let Some(sink) = SINK.get_or_init(open) else { return };
    let Some(id) = message_id(text) else { return };
    let at = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1e3);
    let mut s = sink.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = writeln!(s.pending, "{id} {at:.3}");
    if s.written_at.elapsed() >= WRITE_EVERY {
        let Sink { file, pending, written_at } = &mut *s;
        if let Err(e) = file.write_all(pending) {
            tracing::warn!(error = %e, "cannot record the frames' arrival times");
        }
        pending.clear();
        *written_at = Instant::now();
    }
}

/// The frame's `metadata.message_id`, found as text (the simulator writes its JSON compactly);
/// the frame is parsed properly later, this only labels its arrival.
fn message_id(text: &str) -> Option<&str> {
    const KEY: &str = "\"message_id\":\"";
    let start = text.find(KEY)? + KEY.len();
    let len = text[start..].find('"')?;
    Some(&text[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::message_id;

    #[test]
    fn a_frames_message_id_is_found_in_its_metadata() {
        let frame = r#"{"metadata":{"message_id":"befa7b53-d79d-478f-86b9-120f112b044e","message_type":"notification"},"payload":{}}"#;
        assert_eq!(message_id(frame), Some("befa7b53-d79d-478f-86b9-120f112b044e"));
        assert_eq!(message_id(r#"{"metadata":{}}"#), None);
    }
}
