//! Processes act at continuous times, not at step boundaries (issue 11, items 3-4):
//! network delays are exponential and unrounded, and reading, app use and ratings follow
//! each agent's own period (its fatigue end, its time zone).
//!
//! Each count is checked against its exact distribution with a tolerance of 5 standard
//! deviations (a false alarm below 1e-6 per check); a mean off by 7.3 standard
//! deviations fails with probability above 0.99, and each test says what that is.

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
    // Power: 1,072 activations (sd 25) are checked to 123; a mean delay 10% too long
    // costs 74 of them and usually passes, one 30% too long (13 min) costs 180 and fails
    // with probability 0.99. The test is for rounding (20 sd), not fine calibration.
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

/// 1000 agents posting 60 an hour once a call at 90 s reaches a `fraction` of them, in
/// a 10-minute run at steps of `dt`.
fn called(fraction: f64, dt: &str) -> hashflood::scenario::Scenario {
    scenario(&format!(
        r#"
[time]
duration = "10m"
dt = "{dt}"
[metrics]
sample_every = "10m"
[feeds.tag]
[populations.fans]
size = 1000
rate = {{ dist = "constant", value = 60.0 }}
[populations.fans.mobilisation]
initial_active = 0.0
call_to_action = {{ at = "90s", fraction = {fraction} }}
"#
    ))
}

#[test]
fn a_call_to_action_acts_at_its_time_within_a_step() {
    // A call at 90 s with 10-minute steps: its agents post from 90 s, so by 10 min the
    // expected posts are 1000 agents x 60/h x 8.5 min = 8500 (Poisson), not 10,000 (from
    // the step's start) nor 0 (from the next step).
    let s = called(1.0, "10m");
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

/// An app no test load here takes down (1,000 submissions a minute), with one reviewer
/// and a one-rating start.
const APP: &str = "[app]\ncapacity = { count_per_minute = 1000.0 }\n\
                   outage = { window = \"10m\", recovery = \"1h\" }\nreviewers = 1\n\
                   service_minutes = { dist = \"constant\", value = 1.0 }\n\
                   rating = { count = 1, mean = 3.0 }\n";

/// The first 12 h of a day (from midnight UTC) with `size` agents of population `a`
/// reading `rate` browses an hour on the daily `profile` (24 hourly values); `zones` is
/// the population's `timezones` line (or empty) and `extra` the rest of the scenario.
fn half_a_day(
    size: u32,
    profile: &[&str],
    rate: f64,
    zones: &str,
    extra: &str,
) -> hashflood::scenario::Scenario {
    scenario(&format!(
        r#"
[time]
start = 2020-06-01T00:00:00Z
duration = "12h"
[metrics]
sample_every = "1h"
[feeds.tag]
[populations.a]
size = {size}
diurnal = [{}]
{zones}
[populations.a.reading]
rate = {{ dist = "constant", value = {rate} }}
feeds = {{ tag = 1.0 }}
{extra}
"#,
        profile.join(", ")
    ))
}

#[test]
fn fatigue_ends_reading_app_use_and_ratings() {
    // Each agent takes part for 1 h of the 6: browses Poisson(N x 6/h x 1 h), submissions
    // Poisson(N x 2/h x 1 h), and an agent rates (hazard 1/h from its activation) only
    // within its hour: Binomial(N, 1 - e^-1). Agents that kept going after their period
    // would give 6x the browses and submissions and N(1 - e^-6) ratings. Power: 12,000
    // browses (sd 110) are checked to 6.7%: periods 7% too long fail; 4,000 submissions
    // to 12%; 1,264 ratings (sd 22) to 160, i.e. a rating hazard off by 20%.
    let n = 2000.0;
    let app = format!(
        "{APP}[populations.a.app]\nsubmit = {{ dist = \"constant\", value = 2.0 }}\n\
         rating = {{ rate = 1.0, stars = {{ dist = \"constant\", value = 1.0 }} }}"
    );
    let out = run(&scenario(&one_hour_each(n as u32, &app)), 11);
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

/// An active period that ends inside a step takes part in that step's reading only up to
/// its end. At dt = 1 h, agents active for 1.5 h browse at 6/h for 1.5 h: Poisson(N x 9).
/// The whole last step (2 h: 12 per agent) or none of it (1 h: 6) is 33% off; the
/// fraction of the step measured from the wrong origin (the time over the step number,
/// 1.5 of a step) 67% off. 18,000 browses are checked to 5 sd, 3.7%.
#[test]
fn a_period_ending_inside_a_step_reads_only_until_its_end() {
    let n = 2000.0;
    let toml = one_hour_each(n as u32, "").replace(
        "active_hours = { dist = \"constant\", value = 1.0 }",
        "active_hours = { dist = \"constant\", value = 1.5 }",
    );
    let toml = toml.replace("[time]\n", "[time]\ndt = \"1h\"\n");
    let out = run(&scenario(&toml), 13);
    let browses = out.summary.feeds["tag"].browses.values().sum::<u64>() as f64;
    within(browses, n * 9.0, (n * 9.0).sqrt(), "browses");
}

/// Readers split their browses over feeds by the weights: a population's browses are
/// Poisson with its total rate, so each feed's are Poisson with the rate times its weight
/// (the multinomial split of a Poisson count). 1000 readers at 6 an hour for 6 hours over
/// three feeds weighted 0.2, 0.3 and 0.5: 7,200, 10,800 and 18,000 browses, each within
/// 5 sd (6%, 5%, 4%). With three feeds the second feed's share of what the first left
/// is 0.3 / 0.8; a split that took 0.3 of it, or 0.3 x 0.8, gives the second 24% or 19%
/// of the browses, not 30%.
#[test]
fn readers_split_their_browses_over_feeds_by_weight() {
    let toml = one_hour_each(1000, "")
        .replace("active_hours = { dist = \"constant\", value = 1.0 }", "")
        .replace("[feeds.tag]\n", "[feeds.a]\n[feeds.b]\n[feeds.c]\n")
        .replace(
            "feeds = { tag = 1.0 }",
            "feeds = { a = 0.2, b = 0.3, c = 0.5 }",
        );
    let out = run(&scenario(&toml), 16);
    for (f, w) in [("a", 0.2), ("b", 0.3), ("c", 0.5)] {
        let browses = out.summary.feeds[f].browses.values().sum::<u64>() as f64;
        let mean = 1000.0 * 6.0 * 6.0 * w;
        within(browses, mean, mean.sqrt(), &format!("browses of {f}"));
    }
}

/// Reading decays with a half-life of 1 h and each agent's period (uniform on 0.5-3 h)
/// ends inside a step of 1 h: an agent reading at 6/h for `T` hours browses
/// 6 (1 - 2^-T) / ln 2 times on average, and over `T` ~ U(0.5, 3) that is
/// 6 (1 - E[2^-T]) / ln 2 with E[2^-T] = (2^-0.5 - 2^-3) / (2.5 ln 2): 5.748 per agent.
/// The variance of the total is its mean (Poisson) plus N Var(m(T)), m(T) the mean given
/// `T`, computed here by quadrature. An agent that stops takes its decayed rate out of the
/// next steps (at the decay of the moment it stops): taking out too much removes reading
/// of agents still active, too little leaves a ghost rate that reads on (about 15% more
/// browses when a stop takes out the decay of the step's end instead of its own time).
#[test]
fn a_decaying_reader_stops_inside_a_step_and_leaves_no_rate_behind() {
    let n = 4000.0;
    let toml = one_hour_each(n as u32, "")
        .replace(
            "active_hours = { dist = \"constant\", value = 1.0 }",
            "active_hours = { dist = \"uniform\", min = 0.5, max = 3.0 }\nhalf_life = \"1h\"",
        )
        .replace("[time]\n", "[time]\ndt = \"1h\"\n");
    let out = run(&scenario(&toml), 14);
    let browses = out.summary.feeds["tag"].browses.values().sum::<u64>() as f64;
    let ln2 = std::f64::consts::LN_2;
    let m = |t: f64| 6.0 * (1.0 - (-t * ln2).exp()) / ln2;
    let e_decay = ((-0.5f64).exp2() - (-3f64).exp2()) / (2.5 * ln2);
    let mean = 6.0 * (1.0 - e_decay) / ln2;
    // Var(m(T)) by the midpoint rule over 10,000 points of [0.5, 3].
    let k = 10_000;
    let var_m = (0..k)
        .map(|i| (m(0.5 + 2.5 * (i as f64 + 0.5) / k as f64) - mean).powi(2))
        .sum::<f64>()
        / k as f64;
    let sd = (n * mean + n * var_m).sqrt();
    within(browses, n * mean, sd, "browses of decaying readers");
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
    let zones = "timezones = [{ utc_offset = 0, share = 1.0 }, { utc_offset = 12, share = 1.0 }]";
    let s = half_a_day(1, &profile, 60.0, zones, "");
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

#[test]
fn reading_and_app_use_follow_the_time_of_day() {
    // 20 agents who read (10 browses/h) and submit (5/h) only in local hours 6-11 of
    // the day (the profile, scaled to a daily mean of 1, is 4 then), over the first 12 h
    // of a day (UTC): browses Poisson(20 x 10 x 4 x 6 h = 4,800), submissions
    // Poisson(2,400), for agents at UTC+0 and at UTC+3 (their hours 6-11 are 3-8 UTC).
    // A clock that did not advance with the steps (stuck at midnight) gives none; one an
    // hour off gives 5/6 of them (4,000, 11 sd below); a zone's offset taken the wrong way
    // (UTC-3: hours 9-14 UTC) gives half. Power: each count is checked to 5 sd (7% and
    // 10%), so a rate or hour-share error of 10% fails the browses.
    let mut profile = vec!["0.0"; 6];
    profile.extend(vec!["1.0"; 6]);
    profile.extend(vec!["0.0"; 12]);
    let app =
        format!("[populations.a.app]\nsubmit = {{ dist = \"constant\", value = 5.0 }}\n{APP}");
    let plus_three = "timezones = [{ utc_offset = 3, share = 1.0 }]";
    for (zones, seed) in [("", 4), (plus_three, 5)] {
        let s = half_a_day(20, &profile, 10.0, zones, &app);
        let out = run(&s, seed);
        let browses = out.summary.feeds["tag"].browses.values().sum::<u64>() as f64;
        within(
            browses,
            4800.0,
            4800f64.sqrt(),
            &format!("browses ({zones})"),
        );
        let a = out.summary.app.as_ref().unwrap();
        let submitted = (a.legitimate.submitted + a.junk.submitted) as f64;
        within(
            submitted,
            2400.0,
            2400f64.sqrt(),
            &format!("submissions ({zones})"),
        );
    }
}

/// A burst population posting 5,000 a minute from a call at 1 h for `minutes`, beside a
/// base of 10 a minute; samples every 10 minutes, domination held for `hold`.
fn burst(minutes: u32, hold: &str) -> hashflood::scenario::Scenario {
    scenario(&format!(
        r#"
[time]
duration = "3h"
[metrics]
sample_every = "10m"
domination_levels = [0.9]
domination_hold = "{hold}"
[feeds.tag]
latest_window = 20
[populations.base]
size = 100
rate = {{ dist = "constant", value = 6.0 }}
[populations.burst]
size = 1000
rate = {{ dist = "constant", value = 300.0 }}
[populations.burst.mobilisation]
initial_active = 0.0
call_to_action = {{ at = "1h", fraction = 1.0 }}
[populations.burst.fatigue]
active_hours = {{ dist = "constant", value = {hours} }}
"#,
        hours = minutes as f64 / 60.0
    ))
}

/// The domination hold rule end to end. While the burst posts, a base post is in the
/// 20-post Latest window with chance 0.002 each, so the burst's share is at least 0.9
/// at a sample unless 3 of 20 are base posts (chance 1e-5); before and 5 minutes after
/// the burst, the window is all base posts (share 0). Samples at 70, 80, ... minutes
/// see the burst: a burst of 25 minutes is seen at 2 samples (20 minutes of cover), one
/// of 45 minutes at 4 (40 minutes; steps of 1 minute). Worked out by hand from the rule: reached at the
/// run's first sample (70 min = 1.166667 h) when the cover is at least the hold, never
/// otherwise. A rule that waits for more than the hold, reports the hold's completion,
/// counts samples off by one or judges every step fails one of the cases.
#[test]
fn domination_counts_only_when_held_for_the_hold_time() {
    use hashflood::metrics::When;
    let reached = |minutes, hold| {
        let out = run(&burst(minutes, hold), 5);
        out.summary.feeds["tag"].populations["burst"].shares["latest"].domination_hours["0.9"]
    };
    assert_eq!(
        reached(25, "30m"),
        When::Never,
        "20 minutes held, 30 needed"
    );
    assert_eq!(
        reached(25, "20m"),
        When::Hours(1.166667),
        "20 held, 20 needed"
    );
    // The cover of a run is counted from the end of the sample before it: one step
    // more (the sample step itself counted twice) would reach a 21-minute hold here.
    assert_eq!(
        reached(25, "21m"),
        When::Never,
        "20 minutes held, 21 needed"
    );
    assert_eq!(
        reached(45, "30m"),
        When::Hours(1.166667),
        "40 held, 30 needed"
    );
    assert_eq!(reached(45, "50m"), When::Never, "40 held, 50 needed");
    assert_eq!(
        reached(45, "0s"),
        When::Hours(1.166667),
        "one sample is enough"
    );
}

/// Least-dominated targeting: in each step all of a population's posts go to the feed
/// where its Latest share was lowest at the end of the step before (ties to the first
/// listed), as the contract says. Others flood `x` (600 a minute) and locals post in `y`
/// (60 a minute); fans (60 a minute) leave a feed's window within seconds once they post
/// elsewhere, so they switch feeds often. Checked step by step against the shares the
/// run recorded, and both feeds must be chosen many times: targeting by weights, the
/// most-dominated feed (fans would stay in `x` for good) or the shares of the wrong step
/// fail.
#[test]
fn least_dominated_targeting_floods_the_feed_where_the_share_is_lowest() {
    let s = scenario(
        r#"
[time]
duration = "1h"
[metrics]
sample_every = "1m"
[feeds.x]
latest_window = 20
[feeds.y]
latest_window = 20
[populations.fans]
size = 60
rate = { dist = "constant", value = 60.0 }
targeting = { mode = "least_dominated", feeds = ["x", "y"] }
[populations.others]
size = 600
rate = { dist = "constant", value = 60.0 }
targeting = { mode = "weights", weights = { x = 1.0 } }
[populations.locals]
size = 60
rate = { dist = "constant", value = 60.0 }
targeting = { mode = "weights", weights = { y = 1.0 } }
"#,
    );
    let out = run(&s, 8);
    // Fans' rows of each feed, by sample (one per step).
    let rows = |feed: usize| -> Vec<(f64, u64)> {
        out.series
            .iter()
            .filter(|r| r.feed == feed && r.population == 0)
            .map(|r| (r.shares[0], r.posts))
            .collect()
    };
    let (x, y) = (rows(0), rows(1));
    assert_eq!(x.len(), 60);
    assert_eq!(y[0].1, 0, "no shares yet: the first listed feed");
    let mut chose_y = 0;
    for i in 1..x.len() {
        let to_x = x[i - 1].0 <= y[i - 1].0;
        let (posts_x, posts_y) = (x[i].1, y[i].1);
        if to_x {
            assert_eq!(
                posts_y,
                0,
                "step {i}: shares x {} y {}",
                x[i - 1].0,
                y[i - 1].0
            );
        } else {
            assert_eq!(
                posts_x,
                0,
                "step {i}: shares x {} y {}",
                x[i - 1].0,
                y[i - 1].0
            );
            chose_y += 1;
        }
    }
    assert!(
        (10..=50).contains(&chose_y),
        "y chosen in {chose_y} of 59 steps"
    );
}

/// Broadcast acts only while its feed trends. A flood posts 2,000 a minute for its first
/// 20 minutes (then its period ends), so `x` trends from the end of step 0 until its
/// 5-minute window holds 100 posts or fewer, about 5 minutes later: onlookers activate at
/// hazard 6 an hour for about 24 minutes, then never again. After the flood, the active
/// count is frozen; it is 1 - exp(-6 x 24/60) = 0.91 of them give or take the window's
/// minute. Broadcast that kept acting after trending stopped activates them all.
#[test]
fn broadcast_stops_when_the_feed_stops_trending() {
    let s = scenario(
        r#"
[time]
duration = "2h"
[metrics]
sample_every = "10m"
[feeds.x]
trending = { window = "5m", threshold = 100 }
[populations.flood]
size = 2000
rate = { dist = "constant", value = 60.0 }
[populations.flood.fatigue]
active_hours = { dist = "constant", value = 0.3333333333 }
[populations.onlookers]
size = 2000
[populations.onlookers.mobilisation]
initial_active = 0.0
broadcast = { feed = "x", rate = 6.0 }
"#,
    );
    let out = run(&s, 13);
    let active: Vec<u64> = out
        .series
        .iter()
        .filter(|r| r.population == 1)
        .map(|r| r.active)
        .collect();
    // Samples at 10, 20, ..., 120 minutes: from 30 minutes on, no one more.
    assert!(
        active[2..].iter().all(|&a| a == active[2]),
        "onlookers kept activating after trending stopped: {active:?}"
    );
    // Exposure from the end of step 0 (minute 1) to the end of the last trending step,
    // 24 or 25 minutes: between 1 - exp(-6 x 23/60) and 1 - exp(-6 x 25/60).
    let (lo, hi) = (
        1.0 - (-6.0f64 * 23.0 / 60.0).exp(),
        1.0 - (-6.0f64 * 25.0 / 60.0).exp(),
    );
    let a = active[2] as f64;
    let sd = (2000.0 * lo * (1.0 - lo)).sqrt();
    assert!(
        a > 2000.0 * lo - 5.0 * sd && a < 2000.0 * hi + 5.0 * sd,
        "{a} onlookers active, expected {:.0} to {:.0}",
        2000.0 * lo,
        2000.0 * hi
    );
}

/// The call to action's fraction: each agent answers with chance 0.3, so
/// Binomial(1000, 0.3) answer (sd 14.5), and they post 60 an hour from 90 s to 10 min.
#[test]
fn a_call_to_action_reaches_its_fraction() {
    let s = called(0.3, "1m");
    let out = run(&s, 4);
    let answered = out.summary.populations["fans"].counts.ever_active as f64;
    within(
        answered,
        300.0,
        (1000.0f64 * 0.3 * 0.7).sqrt(),
        "answered the call",
    );
    let posts = out.summary.totals.posts as f64;
    within(
        posts,
        answered * 8.5,
        (answered * 8.5).sqrt(),
        "their posts from 90 s",
    );
}

/// Active periods end at their exact time, whatever the step. 1000 agents post 60 an
/// hour for exactly 30 minutes from the start: Poisson(30,000) posts, sd 173. At 7-minute
/// steps the end falls inside a step (28 to 35 minutes): ending at either boundary gives
/// 28,000 or 35,000; at 1-minute steps, an end one step late gives 31,000 (6 sd).
#[test]
fn an_active_period_ends_at_its_time_whatever_the_step() {
    for (dt, seed) in [("1m", 14), ("7m", 15)] {
        let s = scenario(&format!(
            r#"
[time]
duration = "70m"
dt = "{dt}"
[metrics]
sample_every = "{dt}"
[feeds.tag]
[populations.fans]
size = 1000
rate = {{ dist = "constant", value = 60.0 }}
[populations.fans.fatigue]
active_hours = {{ dist = "constant", value = 0.5 }}
"#
        ));
        let posts = run(&s, seed).summary.totals.posts as f64;
        within(
            posts,
            30_000.0,
            30_000f64.sqrt(),
            &format!("posts at dt {dt}"),
        );
    }
}
