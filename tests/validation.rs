//! One test per validation error path: each breaks one key of a valid scenario and checks
//! that the error names the key (and the bad value where there is one).

use std::path::Path;

use hashflood::scenario::Scenario;

const VALID: &str = r#"
[time]
start = 2020-06-03T00:00:00Z
duration = "2h"
dt = "1m"
[metrics]
sample_every = "10m"
domination_levels = [0.5, 0.9]
domination_hold = "5m"
[feeds.alpha]
latest_window = 20
trending = { window = "10m", threshold = 50 }
[feeds.beta]
latest_window = 20
top = { window = 15, gravity = 1.5 }
[populations.fans]
size = 100
rate = { dist = "lognormal", mu = 0.0, sigma = 1.0 }
diurnal = "social"
timezones = [{ utc_offset = 9, share = 0.5 }, { utc_offset = -5, share = 0.5 }]
targeting = { mode = "least_dominated", feeds = ["alpha", "beta"] }
content = { fancam = 0.7, meme = 0.3 }
[populations.fans.mobilisation]
initial_active = 0.01
call_to_action = { at = "30m", fraction = 0.1 }
cascade = { model = "independent", p = 0.2, delay = "5m" }
broadcast = { feed = "alpha", rate = 0.06 }
[populations.fans.fatigue]
half_life = "6h"
active_hours = { dist = "exponential", mean = 4.0 }
[populations.others]
size = 50
rate = { dist = "constant", value = 1.0 }
targeting = { mode = "weights", weights = { alpha = 1.0, beta = 1.0 } }
[populations.others.discouragement]
below_share = 0.3
rate = 0.6
action = "move"
[populations.readers]
size = 10
[populations.readers.reading]
rate = { dist = "exponential", mean = 3.0 }
feeds = { alpha = 1.0 }
top_share = 0.5
appeal = { meme = 0.1 }
repost_share = 0.1
[populations.readers.app]
submit = { dist = "exponential", mean = 0.2 }
junk = 0.1
size_mb = { dist = "lognormal", mu = 2.0, sigma = 0.5 }
rating = { rate = 0.06, stars = { dist = "constant", value = 1.0 } }
[app]
capacity = { mb_per_minute = 50.0 }
outage = { window = "30m", recovery = "2h" }
reviewers = 2
service_minutes = { dist = "exponential", mean = 5.0 }
triage = { accuracy = 0.9 }
sla = "4h"
rating = { count = 20, mean = 3.5, alert_below = 2.0 }
visibility = { below = 2.5, factor = 0.5 }
[moderation]
rate_limit = { posts = 10, per = "1h" }
flag = { fancam = 0.1 }
removal_delay = "10m"
suspend_after = 3
detrend_above = 0.5
[network]
generator = "erdos_renyi"
mean_degree = 4.0
populations = ["fans"]
"#;

fn parse(text: &str) -> Result<Scenario, String> {
    hashflood::load::scenario(text, "t", Path::new(".")).map_err(|e| e.to_string())
}

/// Replaces `from` (which must occur in the valid scenario) by `to` and expects an error
/// mentioning every one of `needles`.
fn rejects(from: &str, to: &str, needles: &[&str]) {
    assert!(VALID.contains(from), "fixture lacks {from:?}");
    let broken = VALID.replacen(from, to, 1);
    let msg = match parse(&broken) {
        Ok(_) => panic!("accepted a scenario with {to:?}"),
        Err(m) => m,
    };
    for n in needles {
        assert!(msg.contains(n), "error {msg:?} does not mention {n:?}");
    }
}

/// Feed and population names are labels in files, charts and reports: 1 to 100
/// characters, no control characters, and no `;` in a population's (it separates
/// populations in some outputs). Each bad name is refused naming its table; names at
/// the limits (100 characters, non-ASCII letters) are accepted.
#[test]
fn feed_and_population_names_are_checked() {
    let base = |feed: &str, pop: &str| {
        format!("[time]\nduration = \"1h\"\n[feeds.{feed}]\n[populations.{pop}]\nsize = 1\n")
    };
    let long = |n: usize| format!("\"{}\"", "x".repeat(n));
    let refused = [
        (base("\"\"", "p"), "a name of 1 to 100 characters"),
        (base(&long(101), "p"), "a name of 1 to 100 characters"),
        (base("\"a\\u0007b\"", "p"), "without control characters"),
        (base("f", "\"a;b\""), "or ';'"),
    ];
    for (text, needle) in refused {
        let e = parse(&text).map(|_| ()).unwrap_err();
        assert!(e.contains(needle), "{text}: {e}");
    }
    assert!(
        parse(&base(&long(100), "\"a;b\"")).is_err(),
        "';' in a population"
    );
    parse(&base(&long(100), "\"fans_été\"")).unwrap();
    parse(&base("\"a;b\"", "p")).unwrap();
}

/// The start's time of day is taken in UTC: 06:30:15 at UTC+02:00 is 04:30:15 UTC,
/// 16,215 s after midnight; 01:00 at UTC-03:30 is 04:30 UTC; 23:00 at UTC+00:00 stays.
#[test]
fn the_start_is_converted_to_utc() {
    for (start, seconds) in [
        ("2020-06-01T06:30:15+02:00", 16_215.0),
        ("2020-06-01T01:00:00-03:30", 16_200.0),
        ("2020-06-01T23:00:00Z", 82_800.0),
    ] {
        let s = parse(&format!(
            "[time]\nstart = {start}\nduration = \"1h\"\n[feeds.f]\n[populations.p]\nsize = 1\n"
        ))
        .unwrap();
        assert_eq!(s.time.start_utc_second_of_day, seconds, "{start}");
    }
}

/// Defaults as scenarios/README.md documents them: seed 1, and a browse opens Top with
/// probability 0.5 when `top_share` is not given.
#[test]
fn documented_defaults_apply() {
    let s = parse(
        "[time]\nduration = \"1h\"\n[feeds.f]\n[populations.p]\nsize = 1\n\
         [populations.p.reading]\nrate = { dist = \"constant\", value = 1.0 }\n\
         feeds = { f = 1.0 }\n",
    )
    .unwrap();
    assert_eq!(s.seed, 1);
    let reading = s.populations[0].reading.as_ref().expect("reading");
    assert_eq!(reading.tabs, [0.5, 0.5], "Latest and Top");
}

/// Feeds and populations are found by name at the index of their table in name order.
#[test]
fn feeds_and_populations_are_found_by_name() {
    let s = parse(
        "[time]\nduration = \"1h\"\n[feeds.b]\n[feeds.a]\n[feeds.c]\n\
         [populations.y]\nsize = 1\n[populations.x]\nsize = 1\n",
    )
    .unwrap();
    assert_eq!(
        ["a", "b", "c", "d"].map(|f| s.feed_index(f)),
        [Some(0), Some(1), Some(2), None]
    );
    assert_eq!(
        ["x", "y", "z"].map(|p| s.population_index(p)),
        [Some(0), Some(1), None]
    );
}

#[test]
fn the_fixture_is_valid() {
    let s = parse(VALID).unwrap();
    assert_eq!(s.time.steps, 120);
    assert_eq!(s.kinds, ["fancam", "meme", "text"]);
}

macro_rules! rejects {
    ($($name:ident: $from:expr => $to:expr, [$($needle:expr),+];)+) => {
        $(#[test] fn $name() { rejects($from, $to, &[$($needle),+]); })+
    };
}

rejects! {
    toml_syntax_keeps_line_and_column: "[feeds.beta]" => "[feeds.beta", ["line 13", "column 12"];
    unknown_key_is_named: "size = 50" => "size = 50\nsizee = 3", ["sizee", "unknown field"];
    wrong_type_is_named: "size = 50" => "size = \"fifty\"", ["size", "line"];
    dt_not_a_duration: "dt = \"1m\"" => "dt = \"soon\"", ["time.dt", "\"soon\""];
    dt_zero: "dt = \"1m\"" => "dt = \"0s\"", ["time.dt", "\"0s\"", "> 0"];
    duration_not_whole_steps: "duration = \"2h\"" => "duration = \"90s\"", ["time.duration", "\"90s\"", "whole number"];
    duration_zero: "duration = \"2h\"" => "duration = \"0s\"", ["time.duration", ">= time.dt"];
    start_without_zone: "start = 2020-06-03T00:00:00Z" => "start = 2020-06-03T00:00:00", ["time.start", "time zone"];
    sample_every_zero: "sample_every = \"10m\"" => "sample_every = \"0m\"", ["metrics.sample_every"];
    level_out_of_range: "[0.5, 0.9]" => "[0.5, 1.5]", ["metrics.domination_levels[1]", "1.5"];
    hold_not_a_duration: "domination_hold = \"5m\"" => "domination_hold = \"a while\"", ["metrics.domination_hold"];
    window_zero: "latest_window = 20\ntrending" => "latest_window = 0\ntrending", ["feeds.alpha.latest_window", "0"];
    trending_window_zero: "window = \"10m\"" => "window = \"0s\"", ["feeds.alpha.trending.window"];
    trending_threshold_zero: "threshold = 50" => "threshold = 0", ["feeds.alpha.trending.threshold", "0"];
    size_zero: "size = 100" => "size = 0", ["populations.fans.size", "0"];
    rate_parameter: "sigma = 1.0" => "sigma = -1.0", ["populations.fans.rate.sigma", "-1"];
    rate_can_be_negative: "rate = { dist = \"constant\", value = 1.0 }" => "rate = { dist = \"normal\", mean = 1.0, sd = 1.0 }", ["populations.others.rate.dist", "non-negative"];
    rate_unknown_distribution: "dist = \"lognormal\"" => "dist = \"lognormel\"", ["lognormel", "lognormal"];
    diurnal_unknown: "diurnal = \"social\"" => "diurnal = \"sunny\"", ["populations.fans.diurnal", "\"sunny\""];
    diurnal_wrong_length: "diurnal = \"social\"" => "diurnal = [1.0, 2.0]", ["populations.fans.diurnal", "24"];
    timezones_empty: "timezones = [{ utc_offset = 9, share = 0.5 }, { utc_offset = -5, share = 0.5 }]" => "timezones = []", ["populations.fans.timezones"];
    timezone_offset: "utc_offset = 9," => "utc_offset = 19,", ["populations.fans.timezones[0].utc_offset", "19"];
    weights_unknown_feed: "weights = { alpha = 1.0, beta = 1.0 }" => "weights = { alpha = 1.0, gamma = 1.0 }", ["populations.others.targeting.weights.gamma", "\"gamma\"", "alpha, beta"];
    weights_negative: "weights = { alpha = 1.0, beta = 1.0 }" => "weights = { alpha = 1.0, beta = -1.0 }", ["populations.others.targeting.weights.beta", "-1"];
    weights_all_zero: "weights = { alpha = 1.0, beta = 1.0 }" => "weights = { alpha = 0.0 }", ["populations.others.targeting.weights", "at least one weight > 0"];
    targeting_mode_unknown: "mode = \"weights\"" => "mode = \"random\"", ["random", "weights"];
    least_dominated_unknown_feed: "feeds = [\"alpha\", \"beta\"]" => "feeds = [\"alpha\", \"delta\"]", ["populations.fans.targeting.feeds[1]", "\"delta\""];
    least_dominated_repeated_feed: "feeds = [\"alpha\", \"beta\"]" => "feeds = [\"alpha\", \"alpha\"]", ["populations.fans.targeting.feeds[1]", "once"];
    least_dominated_empty: "feeds = [\"alpha\", \"beta\"]" => "feeds = []", ["populations.fans.targeting.feeds"];
    content_negative: "meme = 0.3" => "meme = -0.3", ["populations.fans.content", "-0.3"];
    timezone_share_negative: "utc_offset = -5, share = 0.5" => "utc_offset = -5, share = -0.5", ["populations.fans.timezones[1]", "-0.5", ">= 0"];
    diurnal_hour_infinite: "diurnal = \"social\"" => "diurnal = [1, 1, 1, inf, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]", ["populations.fans.diurnal[3]", "inf", ">= 0"];
    initial_active_above_one: "initial_active = 0.01" => "initial_active = 1.5", ["populations.fans.mobilisation.initial_active", "1.5"];
    call_to_action_fraction: "fraction = 0.1" => "fraction = -0.1", ["populations.fans.mobilisation.call_to_action.fraction", "-0.1"];
    call_to_action_time: "at = \"30m\"" => "at = \"half past\"", ["populations.fans.mobilisation.call_to_action.at", "\"half past\""];
    cascade_probability: "p = 0.2" => "p = 2.0", ["populations.fans.mobilisation.cascade.p", "2"];
    cascade_delay: "delay = \"5m\"" => "delay = \"later\"", ["populations.fans.mobilisation.cascade.delay", "\"later\""];
    threshold_distribution: "cascade = { model = \"independent\", p = 0.2, delay = \"5m\" }" => "cascade = { model = \"threshold\", threshold = { dist = \"normal\", mean = 0.2, sd = 0.0 } }", ["populations.fans.mobilisation.cascade.threshold.sd", "0"];
    broadcast_unknown_feed: "feed = \"alpha\", rate = 0.06" => "feed = \"omega\", rate = 0.06", ["populations.fans.mobilisation.broadcast.feed", "\"omega\""];
    broadcast_rate_negative: "feed = \"alpha\", rate = 0.06" => "feed = \"alpha\", rate = -1.0", ["populations.fans.mobilisation.broadcast.rate", "-1", "per hour", ">= 0"];
    broadcast_rate_missing: "feed = \"alpha\", rate = 0.06" => "feed = \"alpha\"", ["populations.fans.mobilisation.broadcast.rate", "missing", "per hour"];
    half_life_zero: "half_life = \"6h\"" => "half_life = \"0s\"", ["populations.fans.fatigue.half_life"];
    active_hours_distribution: "mean = 4.0" => "mean = 0.0", ["populations.fans.fatigue.active_hours.mean", "0"];
    discouragement_level: "below_share = 0.3" => "below_share = 30.0", ["populations.others.discouragement.below_share", "30"];
    discouragement_rate_infinite: "rate = 0.6\naction" => "rate = inf\naction", ["populations.others.discouragement.rate", "inf", "finite"];
    discouragement_rate_not_a_number: "rate = 0.6\naction" => "rate = nan\naction", ["populations.others.discouragement.rate", "NaN", "finite"];
    discouragement_action_unknown: "action = \"move\"" => "action = \"cry\"", ["cry", "quit"];
    escalate_needs_factor: "action = \"move\"" => "action = \"escalate\"", ["populations.others.discouragement.factor", "> 1", "escalate"];
    escalate_factor_above_one: "action = \"move\"" => "action = \"escalate\"\nfactor = 0.5", ["populations.others.discouragement.factor", "0.5", "above 1"];
    escalate_factor_of_one: "action = \"move\"" => "action = \"escalate\"\nfactor = 1.0", ["populations.others.discouragement.factor", "1", "above 1"];
    factor_only_with_escalate: "action = \"move\"" => "action = \"move\"\nfactor = 2.0", ["populations.others.discouragement.factor", "escalate"];
    move_needs_weights: "[populations.others.discouragement]" => "[populations.fans.discouragement]\nbelow_share = 0.1\nrate = 6.0\naction = \"move\"\n[populations.others.discouragement]", ["populations.fans.discouragement.action", "least_dominated"];
    network_unknown_population: "populations = [\"fans\"]" => "populations = [\"fanz\"]", ["network.populations[0]", "\"fanz\"", "fans, others"];
    network_repeated_population: "populations = [\"fans\"]" => "populations = [\"fans\", \"fans\"]", ["network.populations[1]"];
    network_empty_population_list: "populations = [\"fans\"]" => "populations = []", ["network.populations"];
    mean_degree_negative: "mean_degree = 4.0" => "mean_degree = -4.0", ["network.mean_degree", "-4"];
    generator_unknown: "generator = \"erdos_renyi\"" => "generator = \"small_world\"", ["small_world", "barabasi_albert"];
    ba_m_zero: "generator = \"erdos_renyi\"\nmean_degree = 4.0" => "generator = \"barabasi_albert\"\nm = 0", ["network.m", "0"];
    ws_k_odd: "generator = \"erdos_renyi\"\nmean_degree = 4.0" => "generator = \"watts_strogatz\"\nk = 3\nbeta = 0.1", ["network.k", "3", "even"];
    ws_beta: "generator = \"erdos_renyi\"\nmean_degree = 4.0" => "generator = \"watts_strogatz\"\nk = 4\nbeta = 1.1", ["network.beta", "1.1"];
    sbm_rows: "generator = \"erdos_renyi\"\nmean_degree = 4.0\npopulations = [\"fans\"]" => "generator = \"block_model\"\ndensity = [[0.1]]\npopulations = [\"fans\", \"others\"]", ["network.density", "1 rows"];
    sbm_row_length: "generator = \"erdos_renyi\"\nmean_degree = 4.0\npopulations = [\"fans\"]" => "generator = \"block_model\"\ndensity = [[0.1, 0.2], [0.1]]\npopulations = [\"fans\", \"others\"]", ["network.density[1]", "1 entries"];
    sbm_entry: "generator = \"erdos_renyi\"\nmean_degree = 4.0\npopulations = [\"fans\"]" => "generator = \"block_model\"\ndensity = [[0.1, 0.2], [0.1, 3.0]]\npopulations = [\"fans\", \"others\"]", ["network.density[1][1]", "3"];
    edge_list_missing_file: "generator = \"erdos_renyi\"\nmean_degree = 4.0\npopulations = [\"fans\"]" => "generator = \"edge_list\"\nedges = \"no-such-edges.csv\"\nnodes = \"no-such-nodes.csv\"", ["network.edges", "no-such-edges.csv"];
    too_many_agents: "size = 100" => "size = 4294967290", ["populations.others.size", "50", "4294967295 agents"];
}

#[test]
fn memory_estimate_is_checked_before_allocating() {
    let big = VALID
        .replacen("size = 100", "size = 200000000", 1)
        .replacen("mean_degree = 4.0", "mean_degree = 100.0", 1);
    let msg = parse(&big).unwrap_err();
    assert!(msg.contains("limits.memory_mb = 8192"), "{msg}");
    assert!(msg.contains("MB"), "{msg}");
    let allowed = format!("[limits]\nmemory_mb = 10000000\n{big}");
    assert!(parse(&allowed).is_ok(), "raising the limit accepts it");
}

rejects! {
    timezone_share_names_its_key: "utc_offset = 9, share = 0.5" => "utc_offset = 9, share = -0.5", ["populations.fans.timezones[0].share", "-0.5"];
    call_to_action_after_the_end: "at = \"30m\"" => "at = \"3h\"", ["populations.fans.mobilisation.call_to_action.at", "\"3h\"", "before the end"];
    broadcast_needs_a_trending_feed: "feed = \"alpha\", rate = 0.06" => "feed = \"beta\", rate = 0.06", ["populations.fans.mobilisation.broadcast.feed", "\"beta\"", "feeds.beta.trending"];
    repeated_domination_level: "[0.5, 0.9]" => "[0.5, 0.5]", ["metrics.domination_levels[1]", "once"];
}

rejects! {
    top_window_zero: "top = { window = 15, gravity = 1.5 }" => "top = { window = 0, gravity = 1.5 }", ["feeds.beta.top.window", "0"];
    top_gravity_negative: "top = { window = 15, gravity = 1.5 }" => "top = { window = 15, gravity = -1.0 }", ["feeds.beta.top.gravity", "-1"];
    top_every_off_the_step_grid: "top = { window = 15, gravity = 1.5 }" => "top = { window = 15, gravity = 1.5, every = \"90s\" }", ["feeds.beta.top.every", "\"90s\"", "whole multiple of time.dt"];
    top_every_zero: "top = { window = 15, gravity = 1.5 }" => "top = { window = 15, gravity = 1.5, every = \"0s\" }", ["feeds.beta.top.every", "\"0s\""];
    reading_rate: "rate = { dist = \"exponential\", mean = 3.0 }" => "rate = { dist = \"exponential\", mean = -3.0 }", ["populations.readers.reading.rate.mean", "-3"];
    reading_unknown_feed: "feeds = { alpha = 1.0 }\ntop_share" => "feeds = { gamma = 1.0 }\ntop_share", ["populations.readers.reading.feeds.gamma", "\"gamma\""];
    reading_top_share: "top_share = 0.5" => "top_share = 1.5", ["populations.readers.reading.top_share", "1.5"];
    reading_appeal_unknown_kind: "appeal = { meme = 0.1 }" => "appeal = { selfie = 0.1 }", ["populations.readers.reading.appeal.selfie", "\"selfie\"", "fancam, meme, text"];
    reading_appeal_probability: "appeal = { meme = 0.1 }" => "appeal = { meme = 2.0 }", ["populations.readers.reading.appeal.meme", "2"];
    reading_repost_share: "repost_share = 0.1" => "repost_share = -0.1", ["populations.readers.reading.repost_share", "-0.1"];
    rate_limit_posts: "rate_limit = { posts = 10, per = \"1h\" }" => "rate_limit = { posts = 0, per = \"1h\" }", ["moderation.rate_limit.posts", "0"];
    rate_limit_per: "rate_limit = { posts = 10, per = \"1h\" }" => "rate_limit = { posts = 10, per = \"0s\" }", ["moderation.rate_limit.per", "\"0s\""];
    flag_unknown_kind: "flag = { fancam = 0.1 }" => "flag = { gif = 0.1 }", ["moderation.flag.gif", "\"gif\""];
    flag_probability: "flag = { fancam = 0.1 }" => "flag = { fancam = 1.1 }", ["moderation.flag.fancam", "1.1"];
    removal_delay_steps: "removal_delay = \"10m\"" => "removal_delay = \"10.5m\"", ["moderation.removal_delay", "whole number"];
    suspend_after_negative: "suspend_after = 3" => "suspend_after = -3", ["moderation.suspend_after", "-3"];
    detrend_above_range: "detrend_above = 0.5" => "detrend_above = 5.0", ["moderation.detrend_above", "5"];
}

rejects! {
    app_capacity_both: "capacity = { mb_per_minute = 50.0 }" => "capacity = { mb_per_minute = 50.0, count_per_minute = 3.0 }", ["app.capacity", "exactly one"];
    app_capacity_negative: "capacity = { mb_per_minute = 50.0 }" => "capacity = { mb_per_minute = -50.0 }", ["app.capacity.mb_per_minute", "-50"];
    app_capacity_zero: "capacity = { mb_per_minute = 50.0 }" => "capacity = { mb_per_minute = 0.0 }", ["app.capacity.mb_per_minute", "0", "> 0"];
    app_outage_window: "outage = { window = \"30m\", recovery = \"2h\" }" => "outage = { window = \"0s\", recovery = \"2h\" }", ["app.outage.window", "\"0s\""];
    app_outage_recovery: "outage = { window = \"30m\", recovery = \"2h\" }" => "outage = { window = \"30m\", recovery = \"soon\" }", ["app.outage.recovery", "\"soon\""];
    app_reviewers: "reviewers = 2" => "reviewers = 0", ["app.reviewers", "0"];
    app_service: "service_minutes = { dist = \"exponential\", mean = 5.0 }" => "service_minutes = { dist = \"exponential\", mean = -5.0 }", ["app.service_minutes.mean", "-5"];
    app_triage: "triage = { accuracy = 0.9 }" => "triage = { accuracy = 1.9 }", ["app.triage.accuracy", "1.9"];
    app_sla: "sla = \"4h\"" => "sla = \"4.5m\"", ["app.sla", "whole number"];
    app_rating_count: "rating = { count = 20, mean = 3.5, alert_below = 2.0 }" => "rating = { count = 0, mean = 3.5, alert_below = 2.0 }", ["app.rating.count", "0", ">= 1"];
    app_outage_recovery_zero: "outage = { window = \"30m\", recovery = \"2h\" }" => "outage = { window = \"30m\", recovery = \"0s\" }", ["app.outage.recovery", "\"0s\""];
    app_rating_mean: "rating = { count = 20, mean = 3.5, alert_below = 2.0 }" => "rating = { count = 20, mean = 6.5, alert_below = 2.0 }", ["app.rating.mean", "6.5"];
    app_rating_alert: "rating = { count = 20, mean = 3.5, alert_below = 2.0 }" => "rating = { count = 20, mean = 3.5, alert_below = 0.5 }", ["app.rating.alert_below", "0.5"];
    app_visibility_below: "visibility = { below = 2.5, factor = 0.5 }" => "visibility = { below = 9.0, factor = 0.5 }", ["app.visibility.below", "9"];
    app_visibility_factor: "visibility = { below = 2.5, factor = 0.5 }" => "visibility = { below = 2.5, factor = 1.5 }", ["app.visibility.factor", "1.5"];
    app_use_submit: "submit = { dist = \"exponential\", mean = 0.2 }" => "submit = { dist = \"exponential\", mean = 0.0 }", ["populations.readers.app.submit.mean", "0"];
    app_use_junk: "junk = 0.1\nsize_mb" => "junk = 1.1\nsize_mb", ["populations.readers.app.junk", "1.1"];
    app_use_size: "size_mb = { dist = \"lognormal\", mu = 2.0, sigma = 0.5 }" => "size_mb = { dist = \"normal\", mean = 2.0, sd = 0.5 }", ["populations.readers.app.size_mb.dist", "non-negative"];
    app_use_rating_rate: "rating = { rate = 0.06," => "rating = { rate = -0.06,", ["populations.readers.app.rating.rate", "-0.06", "per hour"];
    app_use_rating_stars: "stars = { dist = \"constant\", value = 1.0 }" => "stars = { dist = \"uniform\", min = 3.0, max = 1.0 }", ["populations.readers.app.rating.stars.max", "1"];
}

#[test]
fn an_app_user_needs_an_app() {
    let start = VALID.find("[app]").unwrap();
    let end = VALID.find("[moderation]").unwrap();
    let without = format!("{}{}", &VALID[..start], &VALID[end..]);
    let msg = parse(&without).unwrap_err();
    assert!(
        msg.contains("populations.readers.app") && msg.contains("[app]"),
        "{msg}"
    );
}

// Issue 11: processes are rates per hour; the old per-step probabilities (whose meaning
// changed with time.dt) are refused with the key and unit to write instead and, where
// the old value was a probability below 1, the rate that means the same at this dt:
// -ln(1 - p) per step, times the steps in an hour.
rejects! {
    discouragement_p_is_refused: "rate = 0.6\naction" => "p = 0.01\naction", ["populations.others.discouragement.p:", "no longer accepted", "write populations.others.discouragement.rate", "per hour", "p = 0.01 at dt = 1m is rate = 0.603"];
    broadcast_p_is_refused: "feed = \"alpha\", rate = 0.06" => "feed = \"alpha\", p = 0.001", ["populations.fans.mobilisation.broadcast.p:", "write populations.fans.mobilisation.broadcast.rate", "per hour", "p = 0.001 at dt = 1m is rate = 0.06"];
    rating_p_is_refused: "rating = { rate = 0.06," => "rating = { p = 0.001,", ["populations.readers.app.rating.p:", "write populations.readers.app.rating.rate", "per hour", "p = 0.001 at dt = 1m is rate = 0.06"];
    p_beside_rate_is_refused: "rate = 0.6\naction" => "rate = 0.6\np = 0.01\naction", ["populations.others.discouragement.p:", "write populations.others.discouragement.rate", "per hour"];
}

/// The equivalent rate counts the steps in an hour: at dt = 5m, p = 0.01 per step is
/// -ln(0.99) x 12 = 0.1206 per hour; a certainty (p = 1) has no finite rate, and the
/// message says only what to write.
#[test]
fn the_equivalent_rate_follows_dt() {
    let coarse = VALID.replacen("dt = \"1m\"", "dt = \"5m\"", 1).replacen(
        "rate = 0.6\naction",
        "p = 0.01\naction",
        1,
    );
    let msg = parse(&coarse).unwrap_err();
    assert!(msg.contains("p = 0.01 at dt = 5m is rate = 0.121"), "{msg}");
    let certain = VALID.replacen("rate = 0.6\naction", "p = 1.0\naction", 1);
    let msg = parse(&certain).unwrap_err();
    assert!(
        msg.contains("write populations.others.discouragement.rate (events per hour)")
            && !msg.contains(" at dt = "),
        "{msg}"
    );
}
