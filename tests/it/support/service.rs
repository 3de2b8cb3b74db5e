//! A running `talkwatch run` process for tests: its own data dir, env, log file and HTTP port;
//! killed when dropped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Env, eventually};

/// A free port on 127.0.0.1 (bound and released; the service binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub struct Service {
    child: Option<Child>,
    pub port: u16,
    pub log: PathBuf,
    vars: Vec<(String, String)>,
}

impl Service {
    /// Starts `talkwatch run` with `vars` on top of the env's data dir.
    pub fn start(env: &Env, vars: &[(&str, &str)]) -> Service {
        let port = free_port();
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([(
                "TALKWATCH_HTTP__LISTEN".to_string(),
                format!("127.0.0.1:{port}"),
            )])
            .collect();
        let mut service = Service {
            child: None,
            port,
            log: env.path("talkwatch.log"),
            vars,
        };
        service.spawn(env);
        service
    }

    fn spawn(&mut self, env: &Env) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let mut cmd = env.process();
        cmd.env(
            "TALKWATCH_LOG",
            "info,matrix_sdk=warn,matrix_sdk_crypto=warn,matrix_sdk_base=warn",
        )
        // Tests and benchmarks ask fast; cooldowns are tested where a test sets them.
        .env("TALKWATCH_CHAT__USER_LIMIT", "0")
        .env("TALKWATCH_CHAT__ROOM_LIMIT", "0")
        .arg("run")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log);
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().expect("talkwatch run"));
    }

    /// Stops the process (SIGKILL) and starts it again with the same settings.
    pub fn restart(&mut self, env: &Env) {
        self.kill();
        self.spawn(env);
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// Waits for the process to exit on its own; panics with the log after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let log = self.log.clone();
        let child = self.child.as_mut().expect("the service was started");
        let status = eventually(
            timeout,
            async || child.try_wait().ok().flatten(),
            || {
                format!(
                    "talkwatch kept running for {timeout:?}:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            },
        )
        .await;
        self.child = None;
        status
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Polls `/healthz` until it answers 200 (every enabled part up); panics with the log after
    /// `timeout`, or at once if the process exited.
    pub async fn wait_healthy(&mut self, timeout: Duration) {
        let client = reqwest::Client::new();
        let url = self.url("/healthz");
        let log = self.log.clone();
        let mut child = self.child.as_mut();
        eventually(
            timeout,
            async || {
                if let Some(child) = child.as_mut()
                    && let Ok(Some(status)) = child.try_wait()
                {
                    panic!(
                        "talkwatch run exited ({status}):\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
                let r = client.get(&url).send().await.ok()?;
                (r.status() == reqwest::StatusCode::OK).then_some(())
            },
            || {
                format!(
                    "talkwatch did not become healthy within {timeout:?}:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            },
        )
        .await;
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}
