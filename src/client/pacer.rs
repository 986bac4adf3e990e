//! Client-side rate limiting.
//!
//! With no `max_requests_per_second` and no throttling seen, the pacer lets
//! every request through at once: csctl slows nobody down by default. A
//! configured rate spaces requests evenly. When the server answers 429, the
//! pacer holds every request until the delay the server gave has passed and
//! from then on sends at most 80% of the rate that was just refused (lower
//! again on each further 429), so a wait on a thousand jobs finishes instead
//! of failing.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The lowest rate the pacer falls to after repeated throttling.
const MIN_RATE: f64 = 1.0;

/// Below this many requests in the last second, a 429 is not about our
/// rate (the server's window is longer, or other clients share the
/// account): the pacer then only waits the delay.
const MIN_RATE_TO_ADAPT: f64 = 5.0;

/// Spaces requests to stay under a rate.
#[derive(Debug)]
pub struct Pacer {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Requests per second allowed; `None`: unlimited.
    rate: Option<f64>,
    /// When the next request may start.
    next_slot: Instant,
    /// Start times of the last second's requests, to measure the rate.
    recent: VecDeque<Instant>,
    /// How many 429 answers were seen.
    throttled: u64,
    /// Until when the last 429 holds every request. A 429 that arrives
    /// before then answers a request sent before the rate was lowered (one
    /// of the burst that met the limit): it does not lower the rate again.
    hold_until: Instant,
}

impl Pacer {
    /// A pacer allowing `rate` requests per second, or any number with `None`.
    pub fn new(rate: Option<f64>) -> Self {
        let rate = rate.filter(|rate| rate.is_finite() && *rate > 0.0);
        Self {
            state: Mutex::new(State {
                rate,
                next_slot: Instant::now(),
                recent: VecDeque::new(),
                throttled: 0,
                hold_until: Instant::now(),
            }),
        }
    }

    /// Waits until the next request may start.
    pub async fn acquire(&self) {
        let wait = {
            let mut state = self.state.lock().expect("pacer lock");
            let now = Instant::now();
            let start = state.next_slot.max(now);
            if let Some(rate) = state.rate {
                state.next_slot = start + Duration::from_secs_f64(1.0 / rate);
            }
            state.recent.push_back(start);
            while state
                .recent
                .front()
                .is_some_and(|t| *t + Duration::from_secs(1) < start)
            {
                state.recent.pop_front();
            }
            start - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Records a 429: hold everything for `delay`, then send slower.
    /// Returns the rate now in force (infinite: none), for the log.
    pub fn throttled(&self, delay: Duration) -> f64 {
        let mut state = self.state.lock().expect("pacer lock");
        let now = Instant::now();
        let observed = state
            .recent
            .iter()
            .filter(|t| **t + Duration::from_secs(1) >= now)
            .count() as f64;
        if observed >= MIN_RATE_TO_ADAPT && now >= state.hold_until {
            let current = state.rate.unwrap_or(f64::INFINITY).min(observed);
            state.rate = Some((current * 0.8).max(MIN_RATE));
        }
        state.next_slot = state.next_slot.max(now + delay);
        state.hold_until = state.hold_until.max(now + delay);
        state.throttled += 1;
        state.rate.unwrap_or(f64::INFINITY)
    }

    /// The current rate limit, if any.
    #[cfg(test)]
    pub fn rate(&self) -> Option<f64> {
        self.state.lock().expect("pacer lock").rate
    }

    /// How many 429 answers were seen.
    pub fn throttled_count(&self) -> u64 {
        self.state.lock().expect("pacer lock").throttled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn unlimited_by_default() {
        let pacer = Pacer::new(None);
        let started = Instant::now();
        for _ in 0..1000 {
            pacer.acquire().await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(pacer.rate(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_configured_rate_spaces_requests() {
        let pacer = Pacer::new(Some(10.0));
        let started = Instant::now();
        for _ in 0..11 {
            pacer.acquire().await;
        }
        // Virtual time: eleven requests at 10/s span one second.
        assert_eq!(started.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_then_slows_down() {
        let pacer = Pacer::new(None);
        for _ in 0..50 {
            pacer.acquire().await;
        }
        let rate = pacer.throttled(Duration::from_millis(300));
        assert_eq!(rate, 40.0);
        let started = Instant::now();
        pacer.acquire().await;
        assert_eq!(started.elapsed(), Duration::from_millis(300));
        assert_eq!(pacer.throttled_count(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_429s_of_one_burst_lower_the_rate_once() {
        // Found by the soak test: the 429s of the sixteen polls in flight
        // together each lowered the rate by a fifth, from 270 to 57
        // requests/s, and the run took twice as long.
        let pacer = Pacer::new(None);
        for _ in 0..50 {
            pacer.acquire().await;
        }
        for _ in 0..16 {
            assert_eq!(pacer.throttled(Duration::from_millis(300)), 40.0);
        }
        assert_eq!(pacer.throttled_count(), 16);
        // A 429 after the hold is news: the rate goes down again.
        tokio::time::advance(Duration::from_millis(300)).await;
        for _ in 0..50 {
            pacer.acquire().await;
        }
        assert!(pacer.throttled(Duration::from_millis(300)) < 40.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_at_a_low_rate_only_waits() {
        let pacer = Pacer::new(None);
        pacer.acquire().await;
        assert_eq!(pacer.throttled(Duration::from_millis(5)), f64::INFINITY);
        assert_eq!(pacer.rate(), None);
    }
}
