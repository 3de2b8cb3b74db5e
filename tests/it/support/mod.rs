//! Shared test helpers: temp data dirs, running the binary, local servers.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A temp data dir plus a `talkwatch` command preconfigured to use it.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `talkwatch` run in the temp dir (so no repo config is picked up) with this data dir.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_talkwatch"));
        cmd.current_dir(self.dir.path())
            .env_remove("TALKWATCH_CONFIG")
            .env("TALKWATCH_DATA_DIR", self.data_dir())
            .env("TALKWATCH_LOG", "warn");
        cmd
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }
}

/// The repo's demo articles directory.
pub fn demo_articles() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/articles"))
}
pub mod service;
pub mod synapse;
