//! End-to-end tests of the command line.

use crate::support::Env;

#[test]
fn ask_on_an_empty_store_loads_the_demo_and_answers() {
    let env = Env::new();
    let out = env.cmd().args(["ask", "Is territory negotiable for Russia?"]).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("loaded the bundled demo corpus"), "{stderr}");
    assert!(stdout.contains("ushakov-territory-not-negotiable"), "{stdout}");
}
