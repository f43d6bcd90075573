//! Validation of the `[app]` table.

use super::Units;
use super::checks::{probability, quoted};
use crate::scenario::error::{ScenarioError, invalid};
use crate::scenario::raw::RawApp;
use crate::scenario::{App, Capacity};

pub(super) fn app(a: &RawApp, units: &Units) -> Result<App, ScenarioError> {
    let positive = |key: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(invalid(key, v, "a number > 0"))
        }
    };
    let (capacity, per_minute) = match (a.capacity.count_per_minute, a.capacity.mb_per_minute) {
        (Some(c), None) => (
            Capacity::Count,
            positive("app.capacity.count_per_minute", c)?,
        ),
        (None, Some(m)) => (
            Capacity::Megabytes,
            positive("app.capacity.mb_per_minute", m)?,
        ),
        _ => {
            return Err(invalid(
                "app.capacity",
                "a table",
                "exactly one of count_per_minute or mb_per_minute",
            ));
        }
    };
    let outage_window_steps = units.steps("app.outage.window", &a.outage.window)?;
    if outage_window_steps == 0 {
        return Err(invalid(
            "app.outage.window",
            quoted(&a.outage.window),
            "a duration >= time.dt",
        ));
    }
    if !(1..=1_000_000).contains(&a.reviewers) {
        return Err(invalid(
            "app.reviewers",
            a.reviewers,
            "a whole number from 1 to 1000000",
        ));
    }
    a.service_minutes.check("app.service_minutes", true)?;
    if let Some(t) = &a.triage {
        probability("app.triage.accuracy", t.accuracy)?;
    }
    if a.rating.count < 1 {
        return Err(invalid(
            "app.rating.count",
            a.rating.count,
            "a count >= 1 (the store shows a rating from the first one)",
        ));
    }
    for (key, v) in [
        ("app.rating.mean", a.rating.mean),
        ("app.rating.alert_below", a.rating.alert_below),
    ] {
        if !(1.0..=5.0).contains(&v) {
            return Err(invalid(key, v, "stars from 1 to 5"));
        }
    }
    let visibility = match &a.visibility {
        None => None,
        Some(v) => {
            if !(1.0..=5.0).contains(&v.below) {
                return Err(invalid(
                    "app.visibility.below",
                    v.below,
                    "stars from 1 to 5",
                ));
            }
            probability("app.visibility.factor", v.factor)?;
            Some((v.below, v.factor))
        }
    };
    let recovery_steps = units.steps("app.outage.recovery", &a.outage.recovery)?;
    if recovery_steps == 0 {
        return Err(invalid(
            "app.outage.recovery",
            quoted(&a.outage.recovery),
            "a duration >= time.dt",
        ));
    }
    Ok(App {
        capacity,
        capacity_per_step: per_minute * units.dt / 60.0,
        outage_window_steps,
        recovery_steps,
        reviewers: a.reviewers as u32,
        service_steps: a
            .service_minutes
            .checked_scaled("app.service_minutes", 60.0 / units.dt)?,
        triage_accuracy: a.triage.as_ref().map(|t| t.accuracy),
        sla_steps: units.steps("app.sla", &a.sla)?,
        initial_count: a.rating.count as u64,
        initial_mean: a.rating.mean,
        alert_below: a.rating.alert_below,
        visibility,
    })
}
