//! The app's metrics: the sampled `app.csv` rows and the summary.

use super::summary::{AppSummary, KindCounts, RatingSummary, WaitSummary};
use super::{AppRow, AppStep, JunkLegit, When, round6};
use crate::scenario::App;

/// Accumulates the app's steps.
#[derive(Debug, Clone)]
pub struct AppRecorder {
    hours_per_step: f64,
    sla_steps: f64,
    alert_below: f64,
    initial_rating: f64,
    submitted: JunkLegit,
    lost: JunkLegit,
    reviewed: JunkLegit,
    waiting: JunkLegit,
    legit_waits: Vec<f64>,
    within_sla: u64,
    outages: u64,
    first_outage: Option<u32>,
    down_steps: u64,
    below_alert: Option<u32>,
    rating: f64,
    rating_count: u64,
    new_ratings: u64,
    since: AppRow,
    rows: Vec<AppRow>,
}

impl AppRecorder {
    pub fn new(app: &App, hours_per_step: f64) -> Self {
        AppRecorder {
            hours_per_step,
            sla_steps: app.sla_steps as f64,
            alert_below: app.alert_below,
            initial_rating: app.initial_mean,
            submitted: JunkLegit::default(),
            lost: JunkLegit::default(),
            reviewed: JunkLegit::default(),
            waiting: JunkLegit::default(),
            legit_waits: Vec::new(),
            within_sla: 0,
            outages: 0,
            first_outage: None,
            down_steps: 0,
            below_alert: None,
            rating: app.initial_mean,
            rating_count: app.initial_count,
            new_ratings: 0,
            since: AppRow {
                step: 0,
                up: true,
                arrivals: JunkLegit::default(),
                lost: JunkLegit::default(),
                reviewed: JunkLegit::default(),
                queue_length: 0,
                rating: app.initial_mean,
                rating_count: app.initial_count,
            },
            rows: Vec::new(),
        }
    }

    pub fn observe(&mut self, step: u32, a: &AppStep, sample: bool) {
        self.submitted += a.arrivals;
        self.lost += a.lost;
        self.reviewed += a.reviewed;
        self.since.arrivals += a.arrivals;
        self.since.lost += a.lost;
        self.since.reviewed += a.reviewed;
        self.waiting = a.waiting;
        self.within_sla += a
            .legit_waits
            .iter()
            .filter(|&&w| w <= self.sla_steps)
            .count() as u64;
        self.legit_waits.extend_from_slice(&a.legit_waits);
        if !a.up {
            self.down_steps += 1;
        }
        if a.outage_starts {
            self.outages += 1;
            // Down from the next step.
            self.first_outage.get_or_insert(step + 1);
        }
        self.rating = a.rating;
        self.rating_count = a.rating_count;
        self.new_ratings += a.new_ratings;
        if a.rating < self.alert_below {
            self.below_alert.get_or_insert(step);
        }
        if sample {
            self.rows.push(AppRow {
                step: step + 1,
                up: a.up,
                queue_length: a.waiting.total(),
                rating: a.rating,
                rating_count: a.rating_count,
                ..self.since.clone()
            });
            self.since.arrivals = JunkLegit::default();
            self.since.lost = JunkLegit::default();
            self.since.reviewed = JunkLegit::default();
        }
    }

    pub fn finish(mut self) -> (Vec<AppRow>, AppSummary) {
        let hours = |step: Option<u32>, end: bool| match step {
            Some(s) => When::Hours(round6((s + end as u32) as f64 * self.hours_per_step)),
            None => When::Never,
        };
        let kind = |of: fn(&JunkLegit) -> u64| KindCounts {
            submitted: of(&self.submitted),
            reviewed: of(&self.reviewed),
            waiting: of(&self.waiting),
            lost: of(&self.lost),
        };
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let waits = &mut self.legit_waits;
        waits.sort_by(f64::total_cmp);
        let quantile = |q: f64| -> f64 {
            if waits.is_empty() {
                return 0.0;
            }
            let i = ((waits.len() - 1) as f64 * q).round() as usize;
            round6(waits[i] * self.hours_per_step)
        };
        let mean = if waits.is_empty() {
            0.0
        } else {
            waits.iter().sum::<f64>() / waits.len() as f64
        };
        let summary = AppSummary {
            // An outage starts at the beginning of a step; a rating falls at its end.
            first_outage_hours: hours(self.first_outage, false),
            outages: self.outages,
            downtime_hours: round6(self.down_steps as f64 * self.hours_per_step),
            legitimate: kind(|c| c.legitimate),
            junk: kind(|c| c.junk),
            legitimate_wait_hours: WaitSummary {
                count: waits.len() as u64,
                mean: round6(mean * self.hours_per_step),
                p50: quantile(0.5),
                p90: quantile(0.9),
                p99: quantile(0.99),
            },
            legitimate_within_sla: ratio(self.within_sla, self.submitted.legitimate),
            legitimate_lost_share: ratio(self.lost.legitimate, self.submitted.legitimate),
            rating: RatingSummary {
                initial: self.initial_rating,
                last: round6(self.rating),
                final_shown: (self.rating * 10.0).round() / 10.0,
                count: self.rating_count,
                new_ratings: self.new_ratings,
                alert_below: self.alert_below,
                below_alert_hours: hours(self.below_alert, true),
            },
        };
        (self.rows, summary)
    }
}
