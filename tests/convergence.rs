//! Convergence in the time step (issue 11, item 5): a scenario's results must not depend
//! on `time.dt`.
//!
//! For every bundled event scenario (shrunk where needed so that the whole target fits
//! CI, keeping the same story), this runs [`REPLICATES`] seeds at each of dt = 2 min,
//! 1 min and 30 s through the library, takes the headline metrics from each run's summary (domination
//! times of both tabs, impression shares, cascade size, app outage time and rating), and
//! compares each coarse dt's sample with the 30 s one by a Mann–Whitney U test. It also
//! asserts the story at 30 s, so an engine cannot pass by being equally broken at every
//! dt. Run with `--nocapture` for the table of means (95% CI) by dt:
//!
//! ```text
//! cargo test --test convergence -- --nocapture
//! ```
//!
//! # Why the thresholds are what they are
//!
//! * **Family-wise level.** The target makes [`comparisons`] tests in all (metrics x 2
//!   coarse dt, over the four scenarios). Each rejects at p < 0.01 / comparisons
//!   (Bonferroni: P(any false rejection) <= sum of the per-test levels = 0.01), whatever
//!   the dependence between tests (the 30 s sample is shared by two comparisons, metrics
//!   of one run are correlated). So when results truly do not depend on dt, the whole
//!   target fails by chance at most 1% of the time. With 44 metrics: 88 comparisons,
//!   level 1.1e-4, critical |z| = 3.86.
//! * **"Never" is a value.** A time never reached is +inf: it ties with other nevers and
//!   ranks above every time, so "reached in 15 of 20 runs" vs "in 5 of 20" is a
//!   difference the test sees, not a hole in the data.
//! * **Times get one coarse step.** Times are recorded at the end of the step in which
//!   they happen: an event at continuous time t is reported at ceil(t / dt) dt, up to one
//!   step late, on average dt / 2. So a correct engine's 2 min sample sits up to 2 min
//!   above the 30 s one. For time metrics the coarse sample may be shifted by any s in
//!   [-dt, +dt] (dt the coarse one) and the comparison passes if the test accepts at
//!   some shift ([`stats::mann_whitney_shifted`]). Under H0 ("equal up to a shift of at
//!   most dt") the test at the true shift has the nominal level and the best shift can
//!   only have a larger p, so the family-wise level still holds. Against domination
//!   times whose replicate SD is 15 minutes to hours, 2 minutes forgives quantisation
//!   and little else.
//!   Shares, fractions and ratings are not quantised by dt: no tolerance.
//! * **Power.** With 20 replicates per dt, U's null SD is sqrt(20 * 20 * 41 / 12) =
//!   36.97, and a location shift of d SDs between normal samples moves E[U] by
//!   400 (Phi(d / sqrt 2) - 1/2): for d = 1.5 by 0.356 * 400 = 142 = 3.85 null SDs, right
//!   at the critical value, so it is detected about half the time; for d = 2 by
//!   0.421 * 400 = 169 = 4.56 null SDs, detected about 90% of the time (U's spread is
//!   smaller under the alternative). `a_two_sd_shift_is_detected` measures both (and the
//!   level) by simulation: 0.50 and 0.92. So the test detects a real difference of ~2
//!   replicate SDs; smaller ones can pass (more replicates cost CI time linearly).

#[path = "convergence/scenarios.rs"]
mod scenarios;
#[path = "convergence/stats.rs"]
mod stats;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hashflood::aggregate::{MetricStats, metric_paths};
use hashflood::scenario::{Inputs, Scenario};
use hashflood::{graph_source, rng, sim};
use rayon::prelude::*;

use scenarios::Case;
use stats::{bonferroni, critical_z, mann_whitney, mann_whitney_shifted};

/// The time steps compared; the last (finest) is the reference.
const DTS: [(&str, f64); 3] = [("2m", 2.0 / 60.0), ("1m", 1.0 / 60.0), ("30s", 0.5 / 60.0)];
/// Replicates per dt.
const REPLICATES: u64 = 20;
/// The chance that the whole target fails when results do not depend on dt.
const FAMILY_LEVEL: f64 = 0.01;

/// Every comparison the target makes: metrics x coarse dt, over every scenario.
fn comparisons() -> usize {
    scenarios::all()
        .iter()
        .map(|c| c.metrics.len() * (DTS.len() - 1))
        .sum()
}

/// Per dt (in [`DTS`] order), per metric: the replicates' values ("never" = +inf).
type Samples = Vec<BTreeMap<String, Vec<f64>>>;

/// Runs `case` at every dt, [`REPLICATES`] seeds each (seeds differ between dt: the
/// samples are independent), in parallel; results do not depend on the thread count.
fn simulate(case: &Case) -> Samples {
    let scenarios: Vec<Scenario> = DTS
        .iter()
        .map(|(dt, _)| {
            let text = case.toml(dt);
            Scenario::from_toml(&text, case.name, &Inputs::default())
                .unwrap_or_else(|e| panic!("{} at dt = {dt}: {e}\n{text}", case.name))
        })
        .collect();
    let jobs: Vec<(usize, u64)> = (0..DTS.len())
        .flat_map(|d| (0..REPLICATES).map(move |r| (d, r)))
        .collect();
    let runs: Vec<(usize, BTreeMap<String, serde_json::Value>)> = jobs
        .par_iter()
        .map(|&(d, r)| {
            let s = &scenarios[d];
            let seed = rng::sweep_seed(s.seed, d as u64, r);
            let graph = graph_source::follower_graph(s, seed).unwrap();
            let out = sim::run(s, &graph, seed, &mut |_| {});
            let summary = serde_json::to_value(&out.summary).unwrap();
            (d, metric_paths(&summary))
        })
        .collect();
    let mut samples: Samples = vec![BTreeMap::new(); DTS.len()];
    for (d, values) in runs {
        for m in &case.metrics {
            let v = match values.get(&m.path) {
                Some(serde_json::Value::String(s)) if s == "never" => f64::INFINITY,
                Some(v) => v
                    .as_f64()
                    .unwrap_or_else(|| panic!("{}: {v} is not a number", m.path)),
                None => panic!("{}: no metric {} in the summary", case.name, m.path),
            };
            samples[d].entry(m.path.clone()).or_default().push(v);
        }
    }
    samples
}

/// Mean (95% CI) of the reached values, and how many never got there.
fn describe(values: &[f64]) -> String {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let s = MetricStats::of(&finite, values.len() - finite.len());
    let mut out = match (s.mean, s.ci95) {
        (Some(m), Some([lo, hi])) => format!("{} ({}-{})", num(m), num(lo), num(hi)),
        (Some(m), None) => num(m),
        _ => "-".to_string(),
    };
    if s.never > 0 {
        write!(out, " never {}/{}", s.never, values.len()).unwrap();
    }
    out
}

fn num(x: f64) -> String {
    if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// Compares every metric of `case` at each coarse dt with 30 s, prints the table, and
/// returns the comparisons that reject.
fn compare(case: &Case, samples: &Samples) -> Vec<String> {
    let alpha = bonferroni(FAMILY_LEVEL, comparisons());
    let fine = DTS.len() - 1;
    let mut failures = Vec::new();
    let mut table = format!(
        "\n{}: mean (95% CI) of {REPLICATES} replicates by dt; p of Mann-Whitney vs {} \
         (reject below {alpha:.2e}, |z| > {:.2})\n",
        case.name,
        DTS[fine].0,
        critical_z(alpha)
    );
    let header: Vec<String> = DTS.iter().map(|(dt, _)| format!("dt = {dt}")).collect();
    writeln!(
        table,
        "| metric | {} | p (vs {}) |",
        header.join(" | "),
        DTS[fine].0
    )
    .unwrap();
    writeln!(table, "|---|{}---|", "---|".repeat(DTS.len())).unwrap();
    for m in &case.metrics {
        let reference = &samples[fine][&m.path];
        let mut cells: Vec<String> = Vec::new();
        let mut ps: Vec<String> = Vec::new();
        for (d, (dt, dt_hours)) in DTS.iter().enumerate() {
            let x = &samples[d][&m.path];
            cells.push(describe(x));
            if d == fine {
                continue;
            }
            let tolerance = if m.time { *dt_hours } else { 0.0 };
            let (shift, r) = mann_whitney_shifted(x, reference, tolerance);
            ps.push(format!("{dt}: {:.1e}", r.p));
            if r.p < alpha {
                failures.push(format!(
                    "{} {}: dt = {dt} differs from {} (p = {:.1e} < {alpha:.1e}, z = {:.2} \
                     at the most favourable shift {:+.4} h of at most {tolerance:.4} h): \
                     {} vs {}",
                    case.name,
                    m.label,
                    DTS[fine].0,
                    r.p,
                    r.z,
                    shift,
                    describe(x),
                    describe(reference)
                ));
            }
        }
        writeln!(
            table,
            "| {} | {} | {} |",
            m.label,
            cells.join(" | "),
            ps.join(", ")
        )
        .unwrap();
    }
    println!("{table}");
    failures
}

/// Runs the convergence check of the bundled scenario `file`.
fn check(file: &str) {
    let case = scenarios::all()
        .into_iter()
        .find(|c| c.file == file)
        .unwrap_or_else(|| panic!("no case for {file}"));
    let samples = simulate(&case);
    let reference = &samples[DTS.len() - 1];
    let mut failures: Vec<String> = (case.story)(reference)
        .into_iter()
        .map(|f| format!("{} story at dt = {}: {f}", case.name, DTS[DTS.len() - 1].0))
        .collect();
    failures.extend(compare(&case, &samples));
    assert!(
        failures.is_empty(),
        "{} of {} comparisons or story checks failed:\n{}",
        failures.len(),
        case.metrics.len() * (DTS.len() - 1),
        failures.join("\n")
    );
}

#[test]
fn whitelivesmatter_does_not_depend_on_dt() {
    check("whitelivesmatter-2020.toml");
}

#[test]
fn moderated_platform_does_not_depend_on_dt() {
    check("moderated-platform.toml");
}

#[test]
fn iwatch_dallas_does_not_depend_on_dt() {
    check("iwatch-dallas-2020.toml");
}

#[test]
fn classroom_does_not_depend_on_dt() {
    check("classroom.toml");
}

#[test]
fn every_bundled_event_scenario_has_a_case() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut bundled: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml") && !n.starts_with("sweep-"))
        .collect();
    bundled.sort();
    let mut cases: Vec<String> = scenarios::all()
        .iter()
        .map(|c| c.file.to_string())
        .collect();
    cases.sort();
    assert_eq!(
        cases, bundled,
        "a new bundled scenario needs a convergence case"
    );
    // The metric paths are checked against real summaries by the tests above; here,
    // that each case has some and says which are times, and the count that the module
    // comment and docs/convergence.md state.
    for c in scenarios::all() {
        assert!(!c.metrics.is_empty() && c.metrics.iter().any(|m| m.time));
    }
    assert_eq!(
        comparisons(),
        88,
        "update the numbers in the module comment and docs/convergence.md"
    );
}

/// The power and level stated in the module comment, by simulation: normal samples of
/// [`REPLICATES`], 2000 trials each.
#[test]
fn a_two_sd_shift_is_detected() {
    use rand_distr::{Distribution, StandardNormal};
    let alpha = bonferroni(FAMILY_LEVEL, comparisons());
    let mut g = rng::stream(11, rng::Stream::Sweep, 0);
    let sample = |shift: f64, g: &mut rng::SimRng| -> Vec<f64> {
        (0..REPLICATES)
            .map(|_| {
                let z: f64 = StandardNormal.sample(g);
                z + shift
            })
            .collect()
    };
    let trials = 2000;
    let mut rate = |shift: f64, level: f64| {
        (0..trials)
            .filter(|_| {
                let (x, y) = (sample(shift, &mut g), sample(0.0, &mut g));
                mann_whitney(&x, &y).p < level
            })
            .count() as f64
            / trials as f64
    };
    let power2 = rate(2.0, alpha);
    let power15 = rate(1.5, alpha);
    let false_alarms = rate(0.0, 0.05);
    eprintln!(
        "power at level {alpha:.2e}: shift 2 SD {power2:.3}, 1.5 SD {power15:.3}; \
         false alarms at 0.05: {false_alarms:.3}"
    );
    // Binomial SD of a rate from 2000 trials: 0.006 at 0.92, 0.011 at 0.5; the bounds are
    // ~4 SD from the values the module comment states.
    assert!(power2 > 0.89, "2 SD detected in {power2} of trials");
    assert!((0.45..0.55).contains(&power15), "1.5 SD: {power15}");
    assert!(false_alarms <= 0.05 + 0.02, "level 0.05: {false_alarms}");
}
