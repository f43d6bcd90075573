//! A share of a tab over time: its peak, last value, and when it reached each level.
//!
//! The share is observed at the metrics' samples (every `metrics.sample_every`), not at
//! every step: a tab's share is a snapshot of a few posts that changes with every
//! arrival, so "at or above a level at every observation for the hold time" would
//! become harder to meet the more often it is observed, and domination times would
//! depend on `time.dt`. On the sample grid they do not.

use super::When;
use super::summary::ShareSummary;

/// Tracks one population's share of one tab of one feed.
#[derive(Debug, Clone)]
pub struct ShareTracker {
    peak: f64,
    peak_step: Option<u32>,
    last: f64,
    /// Per level: the current run of samples at or above it, as the step of its first
    /// sample and the step from which that sample stood (the previous sample's end),
    /// and the first run that lasted `hold` steps.
    run_start: Vec<Option<(u32, u32)>>,
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

    /// Records the share sampled at the end of `step`, standing for the `span` steps up to
    /// it. A level counts as reached at the first sample of a run of samples at or above
    /// it that covers at least `hold` steps.
    pub fn observe(&mut self, step: u32, span: u32, share: f64, levels: &[f64], hold: u32) {
        self.last = share;
        if share > self.peak {
            self.peak = share;
            self.peak_step = Some(step);
        }
        for (l, &level) in levels.iter().enumerate() {
            if share >= level {
                let (first, from) =
                    *self.run_start[l].get_or_insert((step, (step + 1).saturating_sub(span)));
                if self.reached[l].is_none() && step + 1 - from >= hold {
                    self.reached[l] = Some(first);
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
            t.observe(step as u32, 1, share, &[0.5], 3);
        }
        let s = t.summary(&[0.5], |s| s.map_or(When::Never, |s| When::Hours(s as f64)));
        assert_eq!(
            s.domination_hours["0.5"],
            When::Hours(3.0),
            "the first run lasted 2 steps"
        );
        assert_eq!((s.peak, s.last), (0.6, 0.2));
        let mut never = ShareTracker::new(1);
        never.observe(0, 1, 0.9, &[0.5], 2);
        let s = never.summary(&[0.5], |s| s.map_or(When::Never, |s| When::Hours(s as f64)));
        assert_eq!(
            s.domination_hours["0.5"],
            When::Never,
            "a run cut by the end does not count"
        );
    }

    #[test]
    fn a_sample_stands_for_the_steps_since_the_previous_one() {
        // Samples every 10 steps, hold 20: two samples at or above suffice, the first of
        // them is the time reported.
        let mut t = ShareTracker::new(1);
        for (i, share) in [0.4, 0.6, 0.6, 0.6].into_iter().enumerate() {
            t.observe(10 * i as u32 + 9, 10, share, &[0.5], 20);
        }
        let s = t.summary(&[0.5], |s| s.map_or(When::Never, |s| When::Hours(s as f64)));
        assert_eq!(s.domination_hours["0.5"], When::Hours(19.0));
    }
}
