//! Waiting before a retry. A leaf module: feed polling and the Matrix reconnect loop both use it.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// Delays for retrying what keeps failing: `min`, doubling up to `max`, each lengthened by a
/// random share of itself (up to double, backon's jitter) so that many clients retrying the same
/// server do not align. Never runs out.
pub fn backoff(min: Duration, max: Duration) -> backon::ExponentialBackoff {
    ExponentialBuilder::new()
        .with_min_delay(min)
        .with_max_delay(max)
        .without_max_times()
        .with_jitter()
        .build()
}

/// `d` scaled by a random factor in 0.75..1.25, so periodic work of many clients (a feed polled
/// every 15 minutes) does not align.
pub fn jitter(d: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(d.as_nanos());
    let frac = (h.finish() % 1000) as f64 / 1000.0;
    d.mul_f64(0.75 + frac * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_with_jitter_on_top() {
        let secs = Duration::from_secs;
        let delays: Vec<Duration> = backoff(secs(1), secs(8)).take(6).collect();
        for (d, nominal) in delays.iter().zip([1, 2, 4, 8, 8, 8]) {
            assert!(*d >= secs(nominal) && *d <= secs(2 * nominal), "{delays:?}");
        }
    }
}
