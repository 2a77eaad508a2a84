//! `--rate-limit BYTES_PER_SEC`: a per-connection bandwidth cap, like COS's per-connection
//! ceiling. A token bucket refilled continuously and holding about 1 ms of traffic; every I/O
//! step moves at most that much, so a capped transfer flows smoothly instead of in bursts.

use std::time::{Duration, Instant};

/// Bounds of one step: tiny steps waste syscalls, huge ones make the flow bursty.
const MIN_STEP: u64 = 4 * 1024;
const MAX_STEP: u64 = 1024 * 1024;

pub struct RateLimiter {
    rate: f64,
    /// Capacity of the bucket (= the step), in bytes.
    burst: f64,
    /// May go negative: a step is taken whole and paid for by waiting afterwards.
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    pub fn new(bytes_per_sec: u64) -> Self {
        let rate = bytes_per_sec.max(1);
        let burst = (rate / 1000).clamp(MIN_STEP, MAX_STEP) as f64;
        RateLimiter { rate: rate as f64, burst, tokens: burst, last: Instant::now() }
    }

    /// The most bytes one read or write should move.
    pub fn step(&self) -> usize {
        self.burst as usize
    }

    /// Refill for the time since the last call and say how long to wait before the next step.
    pub fn delay_at(&mut self, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }

    /// Pay for `n` bytes just moved.
    pub fn consume(&mut self, n: usize) {
        self.tokens -= n as f64;
    }

    /// Sleep until the next step may go.
    pub fn pace(&mut self) {
        let wait = self.delay_at(Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

/// Optional pacing: most connections have no limiter.
pub fn pace(limiter: &mut Option<&mut RateLimiter>) -> Option<usize> {
    limiter.as_mut().map(|l| {
        l.pace();
        l.step()
    })
}

pub fn consume(limiter: &mut Option<&mut RateLimiter>, n: usize) {
    if let Some(l) = limiter.as_mut() {
        l.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Move `total` bytes in steps on a simulated clock; returns the simulated duration and the
    /// longest single wait.
    fn simulate(rate: u64, total: u64) -> (Duration, Duration) {
        let mut l = RateLimiter::new(rate);
        let start = l.last;
        let mut now = start;
        let (mut moved, mut longest) = (0u64, Duration::ZERO);
        while moved < total {
            let wait = l.delay_at(now);
            longest = longest.max(wait);
            now += wait;
            let n = (l.step() as u64).min(total - moved);
            l.consume(n as usize);
            moved += n;
        }
        (now - start, longest)
    }

    #[test]
    fn step_is_about_one_millisecond_of_traffic() {
        assert_eq!(RateLimiter::new(50_000_000).step(), 50_000);
        assert_eq!(RateLimiter::new(1_000).step(), MIN_STEP as usize);
        assert_eq!(RateLimiter::new(100_000_000_000).step(), MAX_STEP as usize);
    }

    #[test]
    fn long_transfers_take_bytes_over_rate() {
        for (rate, total) in [(50_000_000u64, 200_000_000u64), (1_000_000, 3_000_000), (7_777_777, 100_000_000)] {
            let (took, longest) = simulate(rate, total);
            // The first step is free (the bucket starts full), every later one is paid for.
            let expected = (total - RateLimiter::new(rate).step() as u64) as f64 / rate as f64;
            let err = (took.as_secs_f64() - expected).abs() / expected;
            assert!(err < 0.001, "rate {rate}: took {took:?}, expected {expected}s");
            // Smooth: no wait is much longer than one step's worth of time (about 1 ms).
            let step_time = RateLimiter::new(rate).step() as f64 / rate as f64;
            assert!(longest.as_secs_f64() <= step_time * 1.01, "rate {rate}: longest wait {longest:?}");
        }
    }

    #[test]
    fn idle_time_refills_only_one_burst() {
        let mut l = RateLimiter::new(1_000_000);
        let t0 = l.last;
        l.consume(l.step());
        // A long pause does not bank more than one step.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(l.delay_at(later), Duration::ZERO);
        l.consume(l.step());
        assert_eq!(l.delay_at(later), Duration::ZERO);
        l.consume(l.step());
        let wait = l.delay_at(later);
        assert!((wait.as_secs_f64() - 0.004096).abs() < 1e-6, "{wait:?}");
    }
}
