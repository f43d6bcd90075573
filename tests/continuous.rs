//! Processes act at continuous times, not at step boundaries (issue 11, items 3-4):
//! network delays are exponential and unrounded, and reading, app use and ratings follow
//! each agent's own period (its fatigue end, its time zone).
//!
//! Each count is checked against its exact distribution with a tolerance of 5 standard
//! deviations (a false alarm below 1e-6 per check).

use hashflood::network::FollowerGraph;
use hashflood::sim;

use super::common::{run, scenario, within};

/// Mean and variance of `min(X, cap)` for X ~ Poisson(`lambda`).
fn capped_poisson_moments(lambda: f64, cap: u32) -> (f64, f64) {
    let (mut m1, mut m2, mut pmf, mut below) = (0.0, 0.0, (-lambda).exp(), 0.0);
    for k in 0..cap {
        m1 += k as f64 * pmf;
        m2 += (k * k) as f64 * pmf;
        below += pmf;
        pmf *= lambda / (k + 1) as f64;
    }
    let tail = 1.0 - below;
    m1 += cap as f64 * tail;
    m2 += (cap * cap) as f64 * tail;
    (m1, m2 - m1 * m1)
}

/// `chains` leaders, each followed by a chain of `hops` fans (every fan follows the one
/// before it), all fans joining for sure after a 10-minute mean delay; the run lasts 30
/// minutes at step `dt`.
fn chains(chains: u32, hops: u32, dt: &str) -> (hashflood::scenario::Scenario, FollowerGraph) {
    let s = scenario(&format!(
        r#"
[time]
duration = "30m"
dt = "{dt}"
[metrics]
sample_every = "30m"
[feeds.tag]
[populations.leaders]
size = {chains}
[populations.fans]
size = {fans}
[populations.fans.mobilisation]
initial_active = 0.0
cascade = {{ model = "independent", p = 1.0, delay = "10m" }}
[network]
generator = "erdos_renyi"
mean_degree = 1.0
populations = ["leaders", "fans"]
"#,
        fans = chains * hops
    ));
    let first = |name: &str| {
        let p = s.population_index(name).expect("population");
        s.populations[p].first_agent
    };
    let (leaders, fans) = (first("leaders"), first("fans"));
    let mut edges = Vec::new();
    for c in 0..chains {
        let mut before = leaders + c;
        for h in 0..hops {
            let fan = fans + c * hops + h;
            edges.push((before, fan));
            before = fan;
        }
    }
    (
        s,
        FollowerGraph::from_edges((chains * (hops + 1)) as usize, edges),
    )
}

#[test]
fn network_delays_are_exponential_whatever_the_step() {
    // Each hop takes an exponential delay of mean 10 min from the activation before it, so
    // a chain's activations by 30 min are a Poisson process of rate 1/10 min capped at its
    // length: min(Poisson(3), 4) per chain, independent between chains. Delays rounded up
    // to whole steps (at least one) make every hop slower by half a step or more: at
    // dt = 5 min that is about 0.8 fewer activations per chain, 20 sd over 400 chains.
    let (n, hops) = (400, 4);
    let (mean, var) = capped_poisson_moments(3.0, hops);
    for dt in ["5m", "30s"] {
        let (s, graph) = chains(n, hops, dt);
        let out = sim::run(&s, &graph, 7, &mut |_| {});
        let fans = out.summary.populations["fans"].counts.ever_active as f64;
        within(
            fans,
            n as f64 * mean,
            (n as f64 * var).sqrt(),
            &format!("fans active by 30 min at dt = {dt}"),
        );
    }
}

#[test]
fn a_call_to_action_acts_at_its_time_within_a_step() {
    // A call at 90 s with 10-minute steps: its agents post from 90 s, so by 10 min the
    // expected posts are 1000 agents x 60/h x 8.5 min = 8500 (Poisson), not 10,000 (from
    // the step's start) nor 0 (from the next step).
    let s = scenario(
        r#"
[time]
duration = "10m"
dt = "10m"
[metrics]
sample_every = "10m"
[feeds.tag]
[populations.fans]
size = 1000
rate = { dist = "constant", value = 60.0 }
[populations.fans.mobilisation]
initial_active = 0.0
call_to_action = { at = "90s", fraction = 1.0 }
"#,
    );
    let posts = run(&s, 3).summary.totals.posts as f64;
    within(posts, 8500.0, 8500f64.sqrt(), "posts after a call at 90 s");
}

/// `size` agents reading at 6 browses an hour (and, if `app`, using an app), active for
/// exactly one hour from the start, in a run of 6 hours.
fn one_hour_each(size: u32, extra: &str) -> String {
    format!(
        r#"
[time]
duration = "6h"
[metrics]
sample_every = "1h"
[feeds.tag]
[populations.a]
size = {size}
[populations.a.fatigue]
active_hours = {{ dist = "constant", value = 1.0 }}
[populations.a.reading]
rate = {{ dist = "constant", value = 6.0 }}
feeds = {{ tag = 1.0 }}
{extra}
"#
    )
}

#[test]
fn fatigue_ends_reading_app_use_and_ratings() {
    // Each agent takes part for 1 h of the 6: browses Poisson(N x 6/h x 1 h), submissions
    // Poisson(N x 2/h x 1 h), and an agent rates (hazard 1/h from its activation) only
    // within its hour: Binomial(N, 1 - e^-1). Agents that kept going after their period
    // would give 6x the browses and submissions and N(1 - e^-6) ratings.
    let n = 2000.0;
    let app = "[app]\ncapacity = { count_per_minute = 1000.0 }\noutage = { window = \"10m\", recovery = \"1h\" }\n\
               reviewers = 1\nservice_minutes = { dist = \"constant\", value = 1.0 }\n\
               rating = { count = 1, mean = 3.0 }\n\
               [populations.a.app]\nsubmit = { dist = \"constant\", value = 2.0 }\n\
               rating = { rate = 1.0, stars = { dist = \"constant\", value = 1.0 } }";
    let out = run(&scenario(&one_hour_each(n as u32, app)), 11);
    let f = &out.summary.feeds["tag"];
    let browses = f.browses.values().sum::<u64>() as f64;
    within(browses, n * 6.0, (n * 6.0).sqrt(), "browses");
    let a = out.summary.app.as_ref().unwrap();
    let submitted = (a.legitimate.submitted + a.junk.submitted) as f64;
    within(submitted, n * 2.0, (n * 2.0).sqrt(), "submissions");
    let q = 1.0 - (-1.0f64).exp();
    within(
        a.rating.new_ratings as f64,
        n * q,
        (n * q * (1.0 - q)).sqrt(),
        "ratings",
    );
}

#[test]
fn each_reader_browses_on_its_own_clock() {
    // One reader, in a zone at UTC+0 or UTC+12 (even odds), reading only in local hours
    // 0-11, over UTC hours 0-12: it reads the whole run or not at all. Over 40 runs both
    // happen (all alike: 2^-39), and a run's browses are 0 or Poisson(60/h x 2 x 12 h)
    // (the profile is scaled to a daily mean of 1: 2 in the reading hours). A
    // population-average clock would give every run about half of that.
    let mut profile = vec!["1.0"; 12];
    profile.extend(vec!["0.0"; 12]);
    let s = scenario(&format!(
        r#"
[time]
start = 2020-06-01T00:00:00Z
duration = "12h"
[metrics]
sample_every = "1h"
[feeds.tag]
[populations.r]
size = 1
diurnal = [{}]
timezones = [{{ utc_offset = 0, share = 1.0 }}, {{ utc_offset = 12, share = 1.0 }}]
[populations.r.reading]
rate = {{ dist = "constant", value = 60.0 }}
feeds = {{ tag = 1.0 }}
"#,
        profile.join(", ")
    ));
    let (mut none, mut all) = (0, 0);
    for seed in 0..40 {
        let out = run(&s, seed);
        let browses = out.summary.feeds["tag"].browses.values().sum::<u64>() as f64;
        if browses == 0.0 {
            none += 1;
        } else {
            within(browses, 1440.0, 1440f64.sqrt(), "a day reader's browses");
            all += 1;
        }
    }
    assert!(
        none > 0 && all > 0,
        "{none} runs without browses, {all} with"
    );
}
