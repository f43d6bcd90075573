//! Small shared checks: durations, probabilities, rates, weights, the start time.

use std::time::Duration;

use super::Units;
use crate::scenario::error::{ScenarioError, invalid, number};

/// Checks weights are finite, non-negative and not all zero; returns them summing to 1.
pub(super) fn normalised(path: &str, w: Vec<f64>, what: &str) -> Result<Vec<f64>, ScenarioError> {
    for (i, &x) in w.iter().enumerate() {
        if !(x.is_finite() && x >= 0.0) {
            return Err(invalid(
                format!("{path}[{i}]"),
                x,
                &format!("a {what} >= 0"),
            ));
        }
    }
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return Err(invalid(
            path,
            format!("{w:?}"),
            &format!("at least one {what} > 0"),
        ));
    }
    Ok(w.into_iter().map(|x| x / total).collect())
}
pub(super) fn probability(path: &str, p: f64) -> Result<(), ScenarioError> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(invalid(path, p, "a probability in [0, 1]"))
    }
}
/// The hazard `{table}.rate` (events per hour: required, finite, >= 0) per time step,
/// i.e. times dt in hours. The old per-step probability `{table}.p` is refused, with the
/// rate that means the same at this dt: -ln(1 - p) per step.
pub(super) fn hazard_per_step(
    table: &str,
    rate: Option<f64>,
    old_p: Option<f64>,
    units: &Units,
) -> Result<f64, ScenarioError> {
    let key = format!("{table}.rate");
    let steps_per_hour = 3600.0 / units.dt;
    if let Some(p) = old_p {
        let equivalent = if (0.0..1.0).contains(&p) {
            format!(
                "; p = {} at dt = {} is rate = {}",
                number(p),
                units.dt_text,
                three_digits(-(-p).ln_1p() * steps_per_hour)
            )
        } else {
            String::new()
        };
        return Err(ScenarioError::PerStepProbability {
            path: format!("{table}.p"),
            replacement: key,
            equivalent,
        });
    }
    let Some(rate) = rate else {
        return Err(ScenarioError::Missing {
            path: key,
            expected: "a rate in events per hour (a number >= 0)".into(),
        });
    };
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(invalid(
            key,
            number(rate),
            "a rate in events per hour, finite and >= 0",
        ));
    }
    Ok(rate / steps_per_hour)
}
/// `x` rounded to three significant digits, as a message shows it.
fn three_digits(x: f64) -> String {
    number(format!("{x:.2e}").parse().expect("formatted as a number"))
}
pub(super) fn duration(path: &str, text: &str) -> Result<Duration, ScenarioError> {
    humantime::parse_duration(text).map_err(|e| {
        invalid(
            path,
            quoted(text),
            &format!("a duration such as \"90s\", \"1m\", \"6h\" or \"2days\" ({e})"),
        )
    })
}
pub(super) fn utc_second_of_day(start: &toml::value::Datetime) -> Result<f64, ScenarioError> {
    let expected =
        "a date-time with a time zone, e.g. 2020-06-03T00:00:00Z or 2020-06-02T19:00:00-05:00";
    let (Some(_), Some(t), Some(offset)) = (start.date, start.time, start.offset) else {
        return Err(invalid("time.start", start, expected));
    };
    let offset_minutes = match offset {
        toml::value::Offset::Z => 0,
        toml::value::Offset::Custom { minutes } => minutes as i64,
    };
    let local = t.hour as i64 * 3600 + t.minute as i64 * 60 + t.second.unwrap_or(0) as i64;
    Ok((local - offset_minutes * 60).rem_euclid(86_400) as f64)
}
pub(super) fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}
