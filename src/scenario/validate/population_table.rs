//! Validation of one `[populations.NAME]` table.

use super::checks::{duration, hazard_per_step, normalised, probability, quoted};
use super::{Names, Units};
use crate::scenario::error::{ScenarioError, invalid};
use crate::scenario::limits::*;
use crate::scenario::raw::*;
use crate::scenario::*;

/// Relative activity by local hour for `diurnal = "social"`: quiet before dawn, peaking in
/// the evening, the usual shape of social-media activity curves.
const SOCIAL_PROFILE: [f64; 24] = [
    0.90, 0.60, 0.40, 0.30, 0.25, 0.30, 0.45, 0.65, 0.80, 0.90, 0.95, 1.00, 1.05, 1.05, 1.05, 1.10,
    1.15, 1.20, 1.30, 1.40, 1.50, 1.55, 1.45, 1.20,
];

/// Validates one population; its agents start at global id `first_agent`.
pub(super) fn population(
    name: &str,
    p: &RawPopulation,
    first_agent: u64,
    units: &Units,
    names: &Names,
) -> Result<Population, ScenarioError> {
    let dt = units.dt;
    let feed_index = |path: &str, feed: &str| names.feed_index(path, feed);
    let kinds = &names.kinds;
    let path = format!("populations.{name}");
    if p.size < 1 || p.size >= u32::MAX as i64 {
        return Err(invalid(
            format!("{path}.size"),
            p.size,
            "a whole number from 1 to 4294967294",
        ));
    }
    let rate_per_step = capped_rate(
        &format!("{path}.rate"),
        &p.rate,
        MAX_POSTS_PER_HOUR,
        "posts per hour",
        dt,
    )?;

    let diurnal = diurnal_profile(&format!("{path}.diurnal"), &p.diurnal)?;
    if p.timezones.is_empty() {
        return Err(invalid(
            format!("{path}.timezones"),
            "[]",
            "at least one { utc_offset, share }",
        ));
    }
    if p.timezones.len() > 255 {
        return Err(invalid(
            format!("{path}.timezones"),
            format!("{} entries", p.timezones.len()),
            "at most 255 time zones",
        ));
    }
    let mut timezones = Vec::new();
    for (i, tz) in p.timezones.iter().enumerate() {
        if !(tz.share.is_finite() && tz.share >= 0.0) {
            return Err(invalid(
                format!("{path}.timezones[{i}].share"),
                tz.share,
                "a share >= 0",
            ));
        }
        if !(tz.utc_offset.is_finite() && (-12.0..=14.0).contains(&tz.utc_offset)) {
            return Err(invalid(
                format!("{path}.timezones[{i}].utc_offset"),
                tz.utc_offset,
                "hours from -12 to 14",
            ));
        }
        timezones.push((tz.utc_offset, tz.share));
    }
    let shares = normalised(
        &format!("{path}.timezones"),
        timezones.iter().map(|t| t.1).collect(),
        "share",
    )?;
    for (tz, s) in timezones.iter_mut().zip(shares) {
        tz.1 = s;
    }

    let targeting = match &p.targeting {
        None => Targeting::Weights(vec![1.0 / names.feeds.len() as f64; names.feeds.len()]),
        Some(RawTargeting::Weights { weights }) => {
            Targeting::Weights(names.feed_weights(&format!("{path}.targeting.weights"), weights)?)
        }
        Some(RawTargeting::LeastDominated { feeds }) => {
            let tpath = format!("{path}.targeting.feeds");
            if feeds.is_empty() {
                return Err(invalid(tpath, "[]", "at least one feed name"));
            }
            let mut idx = Vec::new();
            for (i, f) in feeds.iter().enumerate() {
                let fi = feed_index(&format!("{tpath}[{i}]"), f)?;
                if idx.contains(&fi) {
                    return Err(invalid(
                        format!("{tpath}[{i}]"),
                        quoted(f),
                        "each feed listed once",
                    ));
                }
                idx.push(fi);
            }
            Targeting::LeastDominated(idx)
        }
    };

    let cpath = format!("{path}.content");
    let mut content = vec![0.0; kinds.len()];
    for (kind, &w) in &p.content {
        if !(w.is_finite() && w >= 0.0) {
            return Err(invalid(format!("{cpath}.{kind}"), w, "a weight >= 0"));
        }
        content[kinds
            .iter()
            .position(|k| k == kind)
            .expect("kinds collected from all populations")] = w;
    }
    let content = normalised(&cpath, content, "weight")?;

    let mobilisation = match &p.mobilisation {
        None => Mobilisation {
            initial_active: 1.0,
            call_to_action: None,
            cascade: None,
            cascade_delay_steps: 0.0,
            broadcast: None,
        },
        Some(m) => {
            let mpath = format!("{path}.mobilisation");
            probability(&format!("{mpath}.initial_active"), m.initial_active)?;
            let call_to_action = match &m.call_to_action {
                None => None,
                Some(c) => {
                    probability(&format!("{mpath}.call_to_action.fraction"), c.fraction)?;
                    let at = format!("{mpath}.call_to_action.at");
                    let step = duration(&at, &c.at)?.as_secs_f64() / dt;
                    if step >= units.run_steps as f64 {
                        return Err(invalid(
                            at,
                            quoted(&c.at),
                            "a time before the end of the run (time.duration)",
                        ));
                    }
                    Some(CallToAction {
                        at: step,
                        fraction: c.fraction,
                    })
                }
            };
            let delay = |text: &str| -> Result<f64, ScenarioError> {
                Ok(duration(&format!("{mpath}.cascade.delay"), text)?.as_secs_f64() / dt)
            };
            let (cascade, cascade_delay_steps) = match &m.cascade {
                None => (None, 0.0),
                Some(RawCascade::Independent { p, delay: d }) => {
                    probability(&format!("{mpath}.cascade.p"), *p)?;
                    (Some(Cascade::Independent { p: *p }), delay(d)?)
                }
                Some(RawCascade::Threshold {
                    threshold,
                    delay: d,
                }) => {
                    let tpath = format!("{mpath}.cascade.threshold");
                    threshold.check(&tpath, false)?;
                    threshold.checked_scaled(&tpath, 1.0)?;
                    (
                        Some(Cascade::Threshold {
                            threshold: threshold.clone(),
                        }),
                        delay(d)?,
                    )
                }
            };
            let broadcast = match &m.broadcast {
                None => None,
                Some(b) => {
                    let fpath = format!("{mpath}.broadcast.feed");
                    let feed = feed_index(&fpath, &b.feed)?;
                    if !names.trending[feed] {
                        return Err(invalid(
                            fpath,
                            quoted(&b.feed),
                            &format!(
                                "a feed that can trend: add feeds.{}.trending = {{ window, threshold }}",
                                b.feed
                            ),
                        ));
                    }
                    let rate_per_step =
                        hazard_per_step(&format!("{mpath}.broadcast"), b.rate, b.p, units)?;
                    Some(Broadcast {
                        feed,
                        rate_per_step,
                    })
                }
            };
            Mobilisation {
                initial_active: m.initial_active,
                call_to_action,
                cascade,
                cascade_delay_steps,
                broadcast,
            }
        }
    };

    let fatigue = match &p.fatigue {
        None => Fatigue::default(),
        Some(f) => {
            let fpath = format!("{path}.fatigue");
            let half_life_steps = match &f.half_life {
                None => None,
                Some(h) => {
                    let secs = duration(&format!("{fpath}.half_life"), h)?.as_secs_f64();
                    if secs <= 0.0 {
                        return Err(invalid(
                            format!("{fpath}.half_life"),
                            quoted(h),
                            "a duration > 0",
                        ));
                    }
                    Some(secs / dt)
                }
            };
            let active_steps = match &f.active_hours {
                None => None,
                Some(d) => {
                    let apath = format!("{fpath}.active_hours");
                    d.check(&apath, true)?;
                    Some(d.checked_scaled(&apath, 3600.0 / dt)?)
                }
            };
            Fatigue {
                half_life_steps,
                active_steps,
            }
        }
    };

    let discouragement = match &p.discouragement {
        None => None,
        Some(d) => {
            let dpath = format!("{path}.discouragement");
            probability(&format!("{dpath}.below_share"), d.below_share)?;
            let rate_per_step = hazard_per_step(&dpath, d.rate, d.p, units)?;
            if d.action == DiscouragementAction::Move
                && matches!(targeting, Targeting::LeastDominated(_))
            {
                return Err(invalid(
                    format!("{dpath}.action"),
                    "\"move\"",
                    "\"quit\" for a population with targeting.mode = \"least_dominated\" (it already posts where its share is lowest)",
                ));
            }
            let fpath = format!("{dpath}.factor");
            let factor = match (d.action, d.factor) {
                (DiscouragementAction::Escalate, None) => {
                    return Err(invalid(
                        fpath,
                        "nothing",
                        "a posting-rate multiplier > 1 with action = \"escalate\" (e.g. factor = 3.0)",
                    ));
                }
                (DiscouragementAction::Escalate, Some(f)) => {
                    if !(f > 1.0 && f <= MAX_ESCALATION) {
                        return Err(invalid(
                            fpath,
                            f,
                            &format!("a posting-rate multiplier above 1, at most {MAX_ESCALATION}"),
                        ));
                    }
                    f
                }
                (_, Some(f)) => {
                    return Err(invalid(
                        fpath,
                        f,
                        "no factor: it applies only to action = \"escalate\"",
                    ));
                }
                (_, None) => 1.0,
            };
            Some(Discouragement {
                below_share: d.below_share,
                rate_per_step,
                action: d.action,
                factor,
            })
        }
    };

    let reading = match &p.reading {
        None => None,
        Some(r) => {
            let rpath = format!("{path}.reading");
            probability(&format!("{rpath}.top_share"), r.top_share)?;
            probability(&format!("{rpath}.repost_share"), r.repost_share)?;
            Some(Reading {
                rate_per_step: capped_rate(
                    &format!("{rpath}.rate"),
                    &r.rate,
                    MAX_BROWSES_PER_HOUR,
                    "browses per hour",
                    dt,
                )?,
                feeds: names.feed_weights(&format!("{rpath}.feeds"), &r.feeds)?,
                // Indexed like each feed's tabs: Latest, Top.
                tabs: vec![1.0 - r.top_share, r.top_share],
                appeal: names.kind_probabilities(&format!("{rpath}.appeal"), &r.appeal)?,
                repost_share: r.repost_share,
            })
        }
    };

    let app = match &p.app {
        None => None,
        Some(a) => {
            let apath = format!("{path}.app");
            probability(&format!("{apath}.junk"), a.junk)?;
            let rating = match &a.rating {
                None => None,
                Some(r) => {
                    let rate_per_step =
                        hazard_per_step(&format!("{apath}.rating"), r.rate, r.p, units)?;
                    let spath = format!("{apath}.rating.stars");
                    r.stars.check(&spath, false)?;
                    r.stars.checked_scaled(&spath, 1.0)?;
                    Some(RatingUse {
                        rate_per_step,
                        stars: r.stars.clone(),
                    })
                }
            };
            Some(AppUse {
                submit_per_step: capped_rate(
                    &format!("{apath}.submit"),
                    &a.submit,
                    MAX_SUBMISSIONS_PER_HOUR,
                    "submissions per hour",
                    dt,
                )?,
                junk: a.junk,
                size_mb: {
                    let key = format!("{apath}.size_mb");
                    a.size_mb.check_capped(&key, MAX_SUBMISSION_MB, "MB")?;
                    Capped {
                        dist: a.size_mb.checked_scaled(&key, 1.0)?,
                        cap: MAX_SUBMISSION_MB,
                        key,
                    }
                },
                rating,
            })
        }
    };

    Ok(Population {
        name: name.to_string(),
        size: p.size as u32,
        first_agent: first_agent as u32,
        rate_per_step,
        diurnal,
        timezones,
        targeting,
        content,
        mobilisation,
        fatigue,
        discouragement,
        reading,
        app,
    })
}

/// A per-hour rate capped at `cap_per_hour`, converted to per step.
fn capped_rate(
    key: &str,
    rate: &Distribution,
    cap_per_hour: f64,
    unit: &str,
    dt: f64,
) -> Result<Capped, ScenarioError> {
    rate.check_capped(key, cap_per_hour, unit)?;
    let per_step = dt / 3600.0;
    Ok(Capped {
        dist: rate.checked_scaled(key, per_step)?,
        cap: cap_per_hour * per_step,
        key: key.to_string(),
    })
}

fn diurnal_profile(path: &str, d: &RawDiurnal) -> Result<[f64; 24], ScenarioError> {
    let values: Vec<f64> = match d {
        RawDiurnal::Named(n) if n == "flat" => vec![1.0; 24],
        RawDiurnal::Named(n) if n == "social" => SOCIAL_PROFILE.to_vec(),
        RawDiurnal::Named(n) => {
            return Err(invalid(
                path,
                quoted(n),
                "\"flat\", \"social\" or a list of 24 hourly weights",
            ));
        }
        RawDiurnal::Hourly(v) => {
            if v.len() != 24 {
                return Err(invalid(
                    path,
                    format!("a list of {}", v.len()),
                    "24 hourly weights (local hours 0 to 23)",
                ));
            }
            v.clone()
        }
    };
    // Shares summing to 1, times 24: mean 1, so the profile moves activity within the day
    // without changing the daily total.
    let shares = normalised(path, values, "weight")?;
    let mut out = [0.0; 24];
    for (o, s) in out.iter_mut().zip(&shares) {
        *o = s * 24.0;
    }
    Ok(out)
}
