//! `tev login`, `tev logout`, `tev whoami`, `tev config`

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct LoginArgs {
    /// Use the device code flow (public client).
    #[arg(long, conflicts_with = "loopback")]
    pub device: bool,
    /// Use the loopback authorization-code flow (needs a client secret).
    #[arg(long)]
    pub loopback: bool,
}

#[derive(clap::Args)]
pub struct LogoutArgs {}

#[derive(clap::Args)]
pub struct WhoamiArgs {}

#[derive(clap::Args)]
pub struct ConfigArgs {}

fn not_yet(what: &str) -> ExitCode {
    eprintln!("tev {what}: not available yet");
    ExitCode::from(2)
}

pub fn login(_a: LoginArgs) -> ExitCode {
    not_yet("login")
}
pub fn logout(_a: LogoutArgs) -> ExitCode {
    not_yet("logout")
}
pub fn whoami(_a: WhoamiArgs) -> ExitCode {
    not_yet("whoami")
}
pub fn config(_a: ConfigArgs) -> ExitCode {
    not_yet("config")
}
