//! The app report queue and store rating: MODEL.md checks 2 (M/M/c waits against Erlang C)
//! and 5 (the rating formula), conservation of submissions, the outage rule, triage.

use hashflood::metrics::RunOutput;

use super::common::{mean_var, run, scenario};

/// An app with one submitting population of `size` agents at `per_hour` submissions each.
fn app_scenario(duration: &str, app: &str, users: &str) -> String {
    format!(
        r#"
[time]
duration = "{duration}"
[metrics]
sample_every = "1m"
[feeds.tag]
[app]
{app}
[populations.users]
size = 100
[populations.users.app]
{users}
"#
    )
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load
/// `a` = lambda / mu.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let last = term * a / c as f64 * c as f64 / (c as f64 - a);
    last / (sum + last)
}

/// Check 2: without outages the queue is M/M/c. 3 reviewers at 10 minutes each, 100 users
/// at 0.144/h: lambda = 0.24/min, mu = 0.1/min, utilisation 0.8. Mean wait
/// Wq = C(c, a) / (c mu - lambda).
#[test]
fn mean_wait_matches_erlang_c() {
    let (c, lambda, mu) = (3u32, 0.24, 0.1);
    let expected = erlang_c(c, lambda / mu) / (c as f64 * mu - lambda);
    let s = scenario(&app_scenario(
        "1000h",
        "capacity = { count_per_minute = 1000.0 }\noutage = { window = \"10m\", recovery = \"1h\" }\n\
         reviewers = 3\nservice_minutes = { dist = \"exponential\", mean = 10.0 }\n\
         rating = { count = 1, mean = 3.0 }",
        "submit = { dist = \"constant\", value = 0.144 }",
    ));
    // Replicates are independent; their spread gives the standard error of the mean for
    // this run length (1000 h = 60,000 minutes, ~14,400 arrivals each, starting empty: a
    // transient of a few relaxation times, ~1/(c mu (1 - rho)^2) = 170 min, biases the
    // mean by well under 1% of the run).
    let reps = 8;
    let means: Vec<f64> = (0..reps)
        .map(|seed| {
            let out = run(&s, 40 + seed);
            let app = out.summary.app.expect("app");
            assert_eq!(app.outages, 0);
            app.legitimate_wait_hours.mean * 60.0
        })
        .collect();
    let (mean, var) = mean_var(&means);
    let se = (var / reps as f64).sqrt();
    eprintln!("check 2: mean wait {mean:.3} min, Erlang C {expected:.3} min, se {se:.3}");
    assert!(
        se < 0.05 * expected,
        "runs long enough: standard error {se:.3} min"
    );
    // t with 7 degrees of freedom: 4.5 standard errors is a 0.3% false-alarm rate.
    assert!(
        (mean - expected).abs() < 4.5 * se + 0.01 * expected,
        "mean wait {mean:.3} min, Erlang C {expected:.3} min (se {se:.3})"
    );
}

fn app_run(app: &str, users: &str, duration: &str, seed: u64) -> RunOutput {
    run(&scenario(&app_scenario(duration, app, users)), seed)
}

const BUSY_APP: &str = "capacity = { count_per_minute = 10.0 }\noutage = { window = \"30m\", recovery = \"2h\" }\n\
    reviewers = 2\nservice_minutes = { dist = \"exponential\", mean = 1.0 }\n\
    triage = { accuracy = 0.8 }\nrating = { count = 10, mean = 4.0 }";

#[test]
fn every_submission_is_reviewed_waiting_or_lost() {
    // Arrivals around capacity: outages come and go; triage splits the queue.
    let out = app_run(
        BUSY_APP,
        "submit = { dist = \"exponential\", mean = 6.6 }\njunk = 0.7",
        "24h",
        51,
    );
    let app = out.summary.app.as_ref().unwrap();
    assert!(app.outages >= 2, "outages: {}", app.outages);
    for k in [&app.legitimate, &app.junk] {
        assert!(k.submitted > 0 && k.lost > 0 && k.reviewed > 0);
        assert_eq!(k.submitted, k.reviewed + k.waiting + k.lost, "{k:?}");
    }
    // The sampled series adds up to the same totals.
    let sum = |f: fn(&hashflood::metrics::AppRow) -> u64| out.app_series.iter().map(f).sum::<u64>();
    assert_eq!(sum(|r| r.arrivals.legitimate), app.legitimate.submitted);
    assert_eq!(sum(|r| r.lost.junk), app.junk.lost);
    assert_eq!(
        sum(|r| r.reviewed.total()),
        app.junk.reviewed + app.legitimate.reviewed
    );
}

#[test]
fn the_app_goes_down_exactly_when_the_window_is_over_capacity() {
    // Capacity 10 a minute over 30 minutes: down once more than 300 arrived in the window.
    for (per_hour, expect_outage) in [(12.0, true), (3.0, false)] {
        let users = format!("submit = {{ dist = \"constant\", value = {per_hour} }}");
        let out = app_run(BUSY_APP, &users, "12h", 52);
        let rows = &out.app_series;
        let arrivals: Vec<u64> = rows.iter().map(|r| r.arrivals.total()).collect();
        let mut first_over = None;
        for i in 0..rows.len() {
            let window: u64 = arrivals[i.saturating_sub(29)..=i].iter().sum();
            if window > 300 {
                first_over = Some(i);
                break;
            }
        }
        let first_down = rows.iter().position(|r| !r.up);
        match first_over {
            Some(i) => assert_eq!(
                first_down,
                Some(i + 1),
                "down the step after the window passes 300"
            ),
            None => assert_eq!(first_down, None, "never over, never down"),
        }
        assert_eq!(first_down.is_some(), expect_outage, "{per_hour}/h per user");
        // Independently of the recorded arrivals: at 12/h per user, 100 users submit 20
        // a minute, so the window passes 300 at the 301st arrival, a Gamma(301, 20/min)
        // time (15.05 min, sd 0.87), and the app is down from the next step: step 16,
        // within 5 sd steps 12 to 20. A rule that waited for a full window (30 min) or
        // counted capacity per step (10 a minute: down at once) fails.
        if expect_outage {
            let d = first_down.expect("down") as f64;
            let (mean, sd) = (301.0 / 20.0, 301f64.sqrt() / 20.0);
            assert!(
                (d - (mean + 0.5)).abs() < 5.0 * sd + 0.5,
                "down from step {d}, expected about {:.1}",
                mean + 0.5
            );
        }
        if let Some(d) = first_down {
            // Down for exactly the 2 h recovery.
            assert!(rows[d..d + 120].iter().all(|r| !r.up));
            assert!(rows.get(d + 120).is_none_or(|r| r.up));
        }
    }
}

#[test]
fn triage_puts_legitimate_reports_first() {
    // Junk swamps 2 reviewers (utilisation > 1); with accurate triage legitimate reports
    // are served as if the junk were not there.
    let app = |triage: &str| {
        format!(
            "capacity = {{ count_per_minute = 1000.0 }}\noutage = {{ window = \"10m\", recovery = \"1h\" }}\n\
             reviewers = 2\nservice_minutes = {{ dist = \"exponential\", mean = 1.0 }}\n{triage}\n\
             rating = {{ count = 1, mean = 3.0 }}"
        )
    };
    let users = "submit = { dist = \"constant\", value = 1.8 }\njunk = 0.9";
    let without = app_run(&app(""), users, "24h", 53).summary.app.unwrap();
    let with = app_run(&app("triage = { accuracy = 1.0 }"), users, "24h", 53)
        .summary
        .app
        .unwrap();
    assert!(
        with.legitimate_wait_hours.mean * 60.0 < 1.0,
        "legit waits {:?}",
        with.legitimate_wait_hours
    );
    assert!(without.legitimate_wait_hours.mean > 10.0 * with.legitimate_wait_hours.mean);
    assert!(with.junk.waiting > 0, "the junk waits instead");
}

/// Check 5: the displayed rating is (n0 r0 + sum of new) / (n0 + m), and each agent
/// rates at most once.
#[test]
fn displayed_rating_is_the_mean_of_all_ratings() {
    let app = "capacity = { count_per_minute = 1000.0 }\noutage = { window = \"10m\", recovery = \"1h\" }\n\
               reviewers = 1\nservice_minutes = { dist = \"constant\", value = 1.0 }\n\
               rating = { count = 40, mean = 4.5, alert_below = 3.0 }";
    // Stars uniform on [1.5, 3.5) round to 2 or 3 with equal chance: mean 2.5, variance
    // 1/4. The new ratings' sum is then 2.5m +- sqrt(m/4), so the displayed rating is
    // (40 x 4.5 + 2.5m) / (40 + m) within 5 sd of that sum over (40 + m): for m = 100,
    // 3.071 +- 0.18. Other formulas are far off: the old and new means averaged (3.5),
    // the new ones alone (2.5), the last rating alone (2 or 3), the old ones counted
    // twice (3.39), stars capped at 2 (2.71: checked, it fails).
    let users = "rating = { rate = 0.6, stars = { dist = \"uniform\", min = 1.5, max = 3.5 } }";
    let out = app_run(app, users, "10h", 54);
    let r = &out.summary.app.as_ref().unwrap().rating;
    let m = r.new_ratings as f64;
    let sd = (m / 4.0).sqrt() / (40.0 + m);
    assert!(
        (r.last - (40.0 * 4.5 + 2.5 * m) / (40.0 + m)).abs() < 5.0 * sd,
        "{r:?}"
    );
    assert_eq!(r.count, 40 + r.new_ratings);
    assert_eq!(r.final_shown, (r.last * 10.0).round() / 10.0);
    // 100 agents, each rating at 0.6 per hour until it has: by 10 hours
    // Binomial(100, 1 - exp(-0.6 x 10)).
    let q = 1.0 - (-0.6f64 * 10.0).exp();
    assert!(
        (m - 100.0 * q).abs() < 5.0 * (100.0 * q * (1.0 - q)).sqrt() + 1.0,
        "{m} new ratings"
    );
    let every = app_run(
        app,
        "rating = { rate = 1e6, stars = { dist = \"constant\", value = 1.0 } }",
        "1h",
        55,
    );
    assert_eq!(
        every.summary.app.unwrap().rating.new_ratings,
        100,
        "at most once each"
    );
    // Falling below the alert level is timed at the sample where it happens.
    let below = out
        .app_series
        .iter()
        .find(|row| row.rating < 3.0)
        .map(|row| row.step as f64 / 60.0);
    match (below, r.below_alert_hours) {
        (Some(h), hashflood::metrics::When::Hours(t)) => {
            assert!((h - t).abs() < 1e-6, "{h} vs {t}")
        }
        (None, hashflood::metrics::When::Never) => {}
        other => panic!("{other:?}"),
    }
}

/// The alert is for a rating *below* its level. 40 ratings of 3 and new ones of 3 keep
/// the displayed rating at exactly 3.0 (every partial mean is 3k / k), so an alert
/// level of 3.0 is never crossed; new ratings of 2 cross it with the first of them, in
/// the first minute (100 agents rating at 60 an hour: none do in it with odds e^-100).
#[test]
fn a_rating_at_the_alert_level_is_not_below_it() {
    let app = "capacity = { count_per_minute = 1000.0 }\noutage = { window = \"10m\", recovery = \"1h\" }\n\
               reviewers = 1\nservice_minutes = { dist = \"constant\", value = 1.0 }\n\
               rating = { count = 40, mean = 3.0, alert_below = 3.0 }";
    let users = |stars: &str| {
        format!("rating = {{ rate = 60.0, stars = {{ dist = \"constant\", value = {stars} }} }}")
    };
    let at_level = app_run(app, &users("3.0"), "1h", 57);
    let r = at_level.summary.app.unwrap().rating;
    assert!(r.new_ratings > 50, "{r:?}");
    assert_eq!(r.last, 3.0);
    assert_eq!(r.below_alert_hours, hashflood::metrics::When::Never);
    let below = app_run(app, &users("2.0"), "1h", 57);
    let r = below.summary.app.unwrap().rating;
    match r.below_alert_hours {
        hashflood::metrics::When::Hours(h) => assert!((h - 1.0 / 60.0).abs() < 1e-6, "{h}"),
        never => panic!("{never:?}"),
    }
}

/// Issue 11: the rating rate is a hazard. At 60 per hour an agent rates within a 1-minute
/// step with probability 1 - exp(-1) = 0.63 (a chance per step equal to the hazard, 1,
/// would have all 100 rate).
#[test]
fn ratings_follow_their_hazard_within_a_step() {
    let app = "capacity = { count_per_minute = 1000.0 }\noutage = { window = \"1m\", recovery = \"1h\" }\n\
               reviewers = 1\nservice_minutes = { dist = \"constant\", value = 1.0 }\n\
               rating = { count = 40, mean = 4.5 }";
    let users = "rating = { rate = 60.0, stars = { dist = \"constant\", value = 2.0 } }";
    let out = app_run(app, users, "1m", 56);
    let m = out.summary.app.unwrap().rating.new_ratings as f64;
    let q = 1.0 - (-1.0f64).exp();
    assert!(
        (m - 100.0 * q).abs() < 5.0 * (100.0 * q * (1.0 - q)).sqrt(),
        "{m} new ratings, expected {:.1}",
        100.0 * q
    );
}

/// MODEL.md: below a rating threshold the app loses search visibility, which scales down
/// organic arrivals. 100 users submit 6 an hour each for 10 hours, half of it junk: 3,000
/// legitimate and 3,000 junk submissions expected, each count Poisson (sd 55). With no
/// new ratings the displayed rating stays at its initial mean all run. Below the level
/// (2.0 < 2.5) only a quarter of the legitimate users find the app: 750 (sd 27), junk
/// unchanged. At the level (2.5, not below it) and above it nothing is scaled. Wrong
/// rules are far off: legitimate users lost at the factor instead of kept at it (2,250),
/// junk scaled too (750 junk), hiding at or above the level (750 where 3,000 is due).
#[test]
fn below_its_visibility_level_the_app_loses_legitimate_users() {
    let app = |mean: f64| {
        format!(
            "capacity = {{ count_per_minute = 1000.0 }}\noutage = {{ window = \"10m\", recovery = \"1h\" }}\n\
             reviewers = 50\nservice_minutes = {{ dist = \"constant\", value = 1.0 }}\n\
             rating = {{ count = 40, mean = {mean} }}\nvisibility = {{ below = 2.5, factor = 0.25 }}"
        )
    };
    let users = "submit = { dist = \"constant\", value = 6.0 }\njunk = 0.5";
    let within = |count: u64, expected: f64, what: &str| {
        assert!(
            (count as f64 - expected).abs() < 5.0 * expected.sqrt(),
            "{what}: {count} submitted, expected {expected}"
        )
    };
    for (mean, legitimate) in [(2.0, 750.0), (2.5, 3000.0), (3.0, 3000.0)] {
        let out = app_run(&app(mean), users, "10h", 58);
        let app = out.summary.app.unwrap();
        let what = format!("rating {mean}");
        within(app.legitimate.submitted, legitimate, &what);
        within(app.junk.submitted, 3000.0, &what);
    }
}

/// Sizes drawn above their cap (1e6 MB) are truncated and counted by key. A lognormal
/// with mu = ln(1e6) puts half its draws above the cap: of N submissions the count is
/// Binomial(N, 1/2), within 5 sd (sqrt(N) / 2) of N / 2. Counting none, or only the
/// ones under the cap, fails; so does a count that does not add up over the run.
#[test]
fn submission_sizes_above_their_cap_are_counted_as_truncated() {
    let app = "capacity = { mb_per_minute = 1e12 }\noutage = { window = \"10m\", recovery = \"1h\" }\n\
               reviewers = 50\nservice_minutes = { dist = \"constant\", value = 1.0 }\n\
               rating = { count = 40, mean = 4.0 }";
    let users = format!(
        "submit = {{ dist = \"constant\", value = 6.0 }}\nsize_mb = {{ dist = \"lognormal\", mu = {}, sigma = 1.0 }}",
        1e6f64.ln()
    );
    let out = app_run(app, &users, "2h", 59);
    let app = out.summary.app.as_ref().unwrap();
    let n = (app.legitimate.submitted + app.junk.submitted) as f64;
    assert!(n > 1000.0, "{n} submissions");
    let cut = out.summary.truncated_draws["populations.users.app.size_mb"] as f64;
    assert!(
        (cut - n / 2.0).abs() < 5.0 * n.sqrt() / 2.0,
        "{cut} of {n} sizes truncated"
    );
}

/// A user rates only while it takes part: one that quits first never rates. `users`
/// (2000, 1 post a minute) flood a feed where `b` posts ten times as much, so from the
/// second minute on (the first has no share yet) each quits at 6 an hour; each also
/// rates at 6 an hour from the start. Competing risks: it rates in the first minute with
/// chance 1 - e^-0.1, else before quitting with chance 1/2, so ratings are
/// Binomial(2000, 0.548) (1,095, sd 22); the 4 hours leave e^-48 undecided. A quitter
/// that still rated (its rating kept after its quit) would make nearly 2,000.
#[test]
fn a_user_that_quits_gives_no_rating() {
    let s = scenario(
        r#"
[time]
duration = "4h"
dt = "1m"
[metrics]
sample_every = "1h"
[feeds.x]
latest_window = 20
[app]
capacity = { count_per_minute = 1000.0 }
outage = { window = "10m", recovery = "1h" }
reviewers = 1
service_minutes = { dist = "constant", value = 1.0 }
rating = { count = 1, mean = 3.0 }
[populations.users]
size = 2000
rate = { dist = "constant", value = 60.0 }
[populations.users.discouragement]
below_share = 0.5
rate = 6.0
[populations.users.app]
rating = { rate = 6.0, stars = { dist = "constant", value = 1.0 } }
[populations.b]
size = 2000
rate = { dist = "constant", value = 600.0 }
"#,
    );
    let out = run(&s, 56);
    assert_eq!(out.summary.populations["users"].counts.quit, 2000);
    let first = 1.0 - (-0.1f64).exp();
    let p = first + (1.0 - first) * 0.5;
    let m = out.summary.app.as_ref().unwrap().rating.new_ratings as f64;
    let sd = (2000.0 * p * (1.0 - p)).sqrt();
    assert!(
        (m - 2000.0 * p).abs() < 5.0 * sd,
        "{m} ratings, expected {:.0} +- {:.0}",
        2000.0 * p,
        5.0 * sd
    );
}
