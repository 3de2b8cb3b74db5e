//! What `/healthz` reports: whether the index is open and each enabled adapter is connected.
//! Adapters set their own part; the HTTP server reads the whole.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// The state of one part of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartState {
    pub up: bool,
    /// Short human-readable detail ("connected", "retrying in 8 s: connection refused").
    pub detail: String,
}

/// Shared, cheap to update, read by `/healthz`.
#[derive(Debug, Default)]
pub struct Health {
    parts: Mutex<BTreeMap<String, PartState>>,
}

impl Health {
    pub fn new() -> Health {
        Health::default()
    }

    /// Records the state of a part (`"index"`, `"matrix"`, `"discord"`, ...).
    pub fn set(&self, part: &str, up: bool, detail: impl Into<String>) {
        let mut parts = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        parts.insert(
            part.to_string(),
            PartState {
                up,
                detail: detail.into(),
            },
        );
    }

    pub fn snapshot(&self) -> BTreeMap<String, PartState> {
        self.parts.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// True when every registered part is up.
    pub fn all_up(&self) -> bool {
        self.snapshot().values().all(|p| p.up)
    }
}
