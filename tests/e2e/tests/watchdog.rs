//! The harness's watchdog: a test binary that hangs (a WebDriver call to an app that went away
//! waits forever) is ended with a clear message and exit code 124 instead of holding the whole
//! suite until CI's limit. Needs no display: the hung "test" here is this binary run again.

use std::process::Command;

const CHILD: &str = "TEV_E2E_WATCHDOG_CHILD";

#[test]
fn a_hung_test_binary_is_ended_with_a_clear_message() {
    if std::env::var_os(CHILD).is_some() {
        // The child: start the watchdog as a launch does, then hang.
        tev_e2e::watchdog();
        std::thread::sleep(std::time::Duration::from_secs(120));
        return;
    }
    let started = std::time::Instant::now();
    let out = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", "a_hung_test_binary_is_ended_with_a_clear_message", "--nocapture"])
        .env(CHILD, "1")
        .env("TEV_E2E_HANG_SECS", "1")
        .output()
        .expect("run the hung child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(124), "the child was not ended by the watchdog: {stderr}");
    assert!(stderr.contains("taken as hung"), "no clear message: {stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(100),
        "the child ran until its own end, not the watchdog's"
    );
}
