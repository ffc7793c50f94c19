//! The smallest Tauri app: one window showing a static "Hello, world" page. It is what the
//! benchmarks in tests/perf compare the app against, so it stays exactly the template's shape.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    match tauri::Builder::default().run(tauri::generate_context!()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tev-bench-baseline: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
