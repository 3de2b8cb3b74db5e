//! Cooldowns: at most `max` requests per key (a person, a room) in a sliding window, with the
//! "slow down" reply given at most once per window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a limiter says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Over the limit; tell the caller once (seconds until a slot frees up).
    SlowDown {
        retry_secs: u64,
    },
    /// Over the limit and already told in this window.
    Quiet,
}

#[derive(Default)]
struct Key {
    hits: VecDeque<Instant>,
    warned_at: Option<Instant>,
}

pub struct Limiter {
    max: usize,
    window: Duration,
    keys: Mutex<HashMap<String, Key>>,
}

impl Limiter {
    /// `max` = 0 disables the limit.
    pub fn new(max: usize, window: Duration) -> Limiter {
        Limiter {
            max,
            window,
            keys: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, key: &str, now: Instant) -> Verdict {
        if self.max == 0 {
            return Verdict::Allow;
        }
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() > 100_000 {
            // Forget idle keys so the map cannot grow without bound.
            let window = self.window;
            keys.retain(|_, k| {
                k.hits
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        let k = keys.entry(key.to_string()).or_default();
        while k
            .hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            k.hits.pop_front();
        }
        if k.hits.len() < self.max {
            k.hits.push_back(now);
            return Verdict::Allow;
        }
        let oldest = *k.hits.front().expect("full window");
        let retry_secs = (self.window.saturating_sub(now.duration_since(oldest)))
            .as_secs()
            .max(1);
        if k.warned_at
            .is_some_and(|w| now.duration_since(w) < self.window)
        {
            Verdict::Quiet
        } else {
            k.warned_at = Some(now);
            Verdict::SlowDown { retry_secs }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_per_window_then_one_warning_then_quiet() {
        let l = Limiter::new(5, Duration::from_secs(30));
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(l.check("u", t0 + Duration::from_secs(i)), Verdict::Allow);
        }
        assert_eq!(
            l.check("u", t0 + Duration::from_secs(10)),
            Verdict::SlowDown { retry_secs: 20 }
        );
        assert_eq!(l.check("u", t0 + Duration::from_secs(11)), Verdict::Quiet);
        assert_eq!(
            l.check("other", t0 + Duration::from_secs(11)),
            Verdict::Allow
        );
        // The first hit leaves the window at t0+30.
        assert_eq!(l.check("u", t0 + Duration::from_secs(30)), Verdict::Allow);
        assert_eq!(
            Limiter::new(0, Duration::from_secs(1)).check("u", t0),
            Verdict::Allow
        );
    }
}
