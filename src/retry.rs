//! Waiting before a retry. A leaf module: feed polling and the Matrix reconnect loop both use it.

use std::time::Duration;

/// `d` scaled by a random factor in 0.75..1.25, so retries of many clients do not align.
pub fn jitter(d: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(d.as_nanos());
    let frac = (h.finish() % 1000) as f64 / 1000.0;
    d.mul_f64(0.75 + frac * 0.5)
}
