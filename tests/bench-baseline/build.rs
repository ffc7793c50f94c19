//! Tauri's standard build script: embeds tauri.conf.json and the page.

fn main() {
    tauri_build::build()
}
