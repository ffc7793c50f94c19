//! What the streamer window says when the webview cannot play Twitch's streams: Twitch sends
//! H.264 video with AAC audio through Media Source Extensions, which WebKitGTK decodes with
//! GStreamer, and a system without GStreamer's H.264 decoder shows a black player
//! (docs/twitch.md §9, "Video"; docs/platform.md, "Video"). The panel's page checks
//! `MediaSource.isTypeSupported` itself (`ui/js/streamer.js`); this module gives it the command
//! that installs the decoder on this system.

/// The command (or, for a system not known here, the words) that installs GStreamer's H.264 and
/// AAC decoders for WebKitGTK on the system `/etc/os-release` describes.
pub fn install_command(os_release: &str) -> &'static str {
    let field = |key: &str| -> String {
        os_release
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_ascii_lowercase())
            .unwrap_or_default()
    };
    let (id, like) = (field("ID"), field("ID_LIKE"));
    let is = |name: &str| id == name || like.split_whitespace().any(|l| l == name);
    if is("debian") || is("ubuntu") {
        "sudo apt install gstreamer1.0-libav gstreamer1.0-plugins-good gstreamer1.0-plugins-bad"
    } else if is("fedora") || is("rhel") {
        // H.264 in Fedora comes from Cisco's OpenH264 (the fedora-cisco-openh264 repository);
        // RPM Fusion's full ffmpeg is the other way (README, "Install").
        "sudo dnf install gstreamer1-plugins-good gstreamer1-plugins-bad-free \
         gstreamer1-plugin-openh264 gstreamer1-plugin-libav"
    } else if is("arch") {
        "sudo pacman -S gst-libav gst-plugins-good gst-plugins-bad"
    } else if is("suse") || is("opensuse") {
        "sudo zypper install gstreamer-plugins-libav gstreamer-plugins-good gstreamer-plugins-bad"
    } else {
        "Install GStreamer's libav plugin (gst-libav) and its good and bad plugin sets with your \
         system's package manager."
    }
}

/// [`install_command`] for the system the app runs on (read once).
pub fn this_systems_install_command() -> &'static str {
    static COMMAND: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    COMMAND.get_or_init(|| {
        let text = std::fs::read_to_string("/etc/os-release")
            .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
            .unwrap_or_default();
        install_command(&text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_of_systems_gets_its_own_package_managers_command() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        assert!(install_command(debian).contains("apt install gstreamer1.0-libav"));
        let mint = "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n";
        assert!(install_command(mint).starts_with("sudo apt install"));
        let fedora = "ID=fedora\nVERSION_ID=41\n";
        assert!(install_command(fedora).contains("dnf install"));
        let arch = "ID=arch\n";
        assert!(install_command(arch).contains("gst-libav"));
        let tumbleweed = "ID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\n";
        assert!(install_command(tumbleweed).contains("zypper"));
        assert!(install_command("ID=nixos\n").contains("gst-libav"));
        // `VERSION_ID=debian` is no `ID`.
        assert!(!install_command("VERSION_ID=debian\n").contains("apt"));
    }
}
