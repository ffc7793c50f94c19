fn main() {
    eprintln!("twitch-sim: not available yet");
    std::process::exit(2);
}
