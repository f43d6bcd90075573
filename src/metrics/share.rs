//! A share of a tab over time: its peak, last value, and when it reached each level.

use super::When;
use super::summary::ShareSummary;

/// Tracks one population's share of one tab of one feed.
#[derive(Debug, Clone)]
pub struct ShareTracker {
    peak: f64,
    peak_step: Option<u32>,
    last: f64,
    /// Per level: the step the current run at or above it started, and the first run
    /// that lasted `hold` steps.
    run_start: Vec<Option<u32>>,
    reached: Vec<Option<u32>>,
}

impl ShareTracker {
    pub fn new(levels: usize) -> Self {
        ShareTracker {
            peak: 0.0,
            peak_step: None,
            last: 0.0,
            run_start: vec![None; levels],
            reached: vec![None; levels],
        }
    }

    /// Records the share at the end of `step`. A level counts as reached at the first
    /// step of a run at or above it that lasts at least `hold` steps.
    pub fn observe(&mut self, step: u32, share: f64, levels: &[f64], hold: u32) {
        self.last = share;
        if share > self.peak {
            self.peak = share;
            self.peak_step = Some(step);
        }
        for (l, &level) in levels.iter().enumerate() {
            if share >= level {
                let start = *self.run_start[l].get_or_insert(step);
                if self.reached[l].is_none() && step + 1 - start >= hold {
                    self.reached[l] = Some(start);
                }
            } else {
                self.run_start[l] = None;
            }
        }
    }

    pub fn summary(&self, levels: &[f64], hours: impl Fn(Option<u32>) -> When) -> ShareSummary {
        ShareSummary {
            peak: self.peak,
            peak_at_hours: hours(self.peak_step),
            last: self.last,
            domination_hours: levels
                .iter()
                .zip(&self.reached)
                .map(|(level, &step)| (format!("{level:?}"), hours(step)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_is_reached_at_the_start_of_a_run_that_holds() {
        let mut t = ShareTracker::new(1);
        for (step, share) in [0.6, 0.6, 0.4, 0.6, 0.6, 0.6, 0.2].into_iter().enumerate() {
            t.observe(step as u32, share, &[0.5], 3);
        }
        let s = t.summary(&[0.5], |s| s.map_or(When::Never, |s| When::Hours(s as f64)));
        assert_eq!(
            s.domination_hours["0.5"],
            When::Hours(3.0),
            "the first run lasted 2 steps"
        );
        assert_eq!((s.peak, s.last), (0.6, 0.2));
        let mut never = ShareTracker::new(1);
        never.observe(0, 0.9, &[0.5], 2);
        let s = never.summary(&[0.5], |s| s.map_or(When::Never, |s| When::Hours(s as f64)));
        assert_eq!(
            s.domination_hours["0.5"],
            When::Never,
            "a run cut by the end does not count"
        );
    }
}
