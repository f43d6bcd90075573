//! Ingest capacity and outages: the app goes down when arrivals over the last `window`
//! steps exceed capacity x `window`, and stays down for the recovery time.

/// Arrivals over a sliding window and the app's up/down state.
#[derive(Debug, Clone)]
pub struct OutageMeter {
    limit: f64,
    ring: Vec<f64>,
    total: f64,
    /// Down for steps `from..until`.
    down: (u32, u32),
}

impl OutageMeter {
    /// `limit`: the most the app takes over `window` steps (capacity per step x window).
    pub fn new(limit: f64, window: u32) -> Self {
        OutageMeter {
            limit,
            ring: vec![0.0; window as usize],
            total: 0.0,
            down: (0, 0),
        }
    }

    pub fn is_down(&self, step: u32) -> bool {
        (self.down.0..self.down.1).contains(&step)
    }

    /// Records the amount that arrived in `step` (while up); returns whether the window
    /// is now over the limit.
    pub fn record(&mut self, step: u32, amount: f64) -> bool {
        let i = step as usize % self.ring.len();
        self.total += amount - self.ring[i];
        self.ring[i] = amount;
        // Guard against drift of the running sum: only strictly more than the limit.
        self.total > self.limit * (1.0 + 1e-12)
    }

    /// Takes the app down from `from` for `recovery` steps; the window starts empty after.
    pub fn go_down(&mut self, from: u32, recovery: u32) {
        self.down = (from, from + recovery);
        self.ring.iter_mut().for_each(|x| *x = 0.0);
        self.total = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_needs_the_whole_window_over_capacity() {
        // Capacity 10 per step over 3 steps: limit 30.
        let mut m = OutageMeter::new(30.0, 3);
        assert!(!m.record(0, 25.0), "one busy step is not sustained");
        assert!(!m.record(1, 0.0));
        assert!(!m.record(2, 5.0), "exactly at the limit is not over it");
        assert!(!m.record(3, 10.0), "the 25 left the window: 15");
        assert!(
            !m.record(4, 15.0),
            "0 + 5... now 5 + 10 + 15 = 30, not over"
        );
        assert!(m.record(5, 10.1), "10 + 15 + 10.1 = 35.1 is over");
        m.go_down(6, 4);
        assert!(!m.is_down(5) && m.is_down(6) && m.is_down(9) && !m.is_down(10));
        assert!(!m.record(10, 29.0), "the window restarts empty");
    }
}
