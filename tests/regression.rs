//! Regression tests for issue 9 ("never hang, never panic"): each scenario below was
//! accepted by `validate` and then hung, aborted or panicked. Now it is refused with a
//! message naming the key, or it runs in bounded time and memory.

use hashflood::scenario::{Scenario, ScenarioError};

use super::common::run;

/// A scenario of one feed and one population `p` of `size` agents with `rate`
/// (posts per hour), over `duration`, plus `extra` TOML (appended).
fn one_population(size: u64, rate: &str, duration: &str, extra: &str) -> String {
    format!(
        "[time]\nduration = \"{duration}\"\n[feeds.f]\nlatest_window = 50\n\
         [populations.p]\nsize = {size}\nrate = {rate}\n{extra}"
    )
}

fn parse(toml: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_toml(toml, "regression", &hashflood::scenario::Inputs::default())
}

fn refused(toml: &str) -> String {
    match parse(toml) {
        Ok(_) => panic!("accepted:\n{toml}"),
        Err(e) => e.to_string(),
    }
}

/// Pareto rates with shape 0.5 have no mean; they used to make post times stop
/// advancing. Now each rate is truncated at 3600 posts per hour, the truncations are
/// counted, and the run's volume follows the truncated distribution.
///
/// For X ~ Pareto(xm, a) capped at c: P(X > c) = (xm / c)^a, and
/// E[min(X, c)] = xm + xm^a (c^(1-a) - xm^(1-a)) / (1 - a),
/// E[min(X, c)^2] = xm^2 + 2 xm^a (c^(2-a) - xm^(2-a)) / (2 - a).
#[test]
fn pareto_rates_without_a_mean_run_truncated_at_the_cap() {
    let (n, xm, a, c) = (100_000.0, 0.1f64, 0.5f64, 3600.0f64);
    let s = parse(&one_population(
        n as u64,
        "{ dist = \"pareto\", scale = 0.1, shape = 0.5 }",
        "1h",
        "",
    ))
    .unwrap();
    let out = run(&s, 11);
    // Truncated draws: Binomial(n, (xm/c)^a), mean 527, sd 23.
    let p_cut = (xm / c).powf(a);
    let cut = out.summary.truncated_draws["populations.p.rate"] as f64;
    let sd = (n * p_cut * (1.0 - p_cut)).sqrt();
    assert!(
        (cut - n * p_cut).abs() < 5.0 * sd,
        "{cut} truncated vs {}",
        n * p_cut
    );
    // Posts in one hour: the sum of n capped rates (sd sqrt(n var)) plus Poisson noise.
    let m = xm + xm.powf(a) * (c.powf(1.0 - a) - xm.powf(1.0 - a)) / (1.0 - a);
    let m2 = xm * xm + 2.0 * xm.powf(a) * (c.powf(2.0 - a) - xm.powf(2.0 - a)) / (2.0 - a);
    let expected = n * m;
    let sd = (n * (m2 - m * m) + expected).sqrt();
    let posts = out.summary.totals.posts as f64;
    assert!(
        (posts - expected).abs() < 5.0 * sd,
        "{posts} posts vs {expected} (sd {sd})"
    );
}

/// Lognormal with sigma 30 (mean e^450) used to hang the same way; a constant rate of
/// 1e308 is now refused, naming the key and the cap.
#[test]
fn huge_rates_are_truncated_or_refused() {
    let s = parse(&one_population(
        200,
        "{ dist = \"lognormal\", mu = 0.0, sigma = 30.0 }",
        "10m",
        "",
    ))
    .unwrap();
    let out = run(&s, 3);
    // P(ln X > ln 3600) = P(Z > 0.273) = 0.392: about 78 of 200 (sd 6.9).
    let cut = out.summary.truncated_draws["populations.p.rate"] as f64;
    assert!((cut - 78.4).abs() < 5.0 * 6.9, "{cut} truncated");

    let e = refused(&one_population(
        10,
        "{ dist = \"constant\", value = 1e308 }",
        "1h",
        "",
    ));
    assert!(
        e.contains("populations.p.rate.value") && e.contains("3600"),
        "{e}"
    );
    let e = refused(&one_population(
        10,
        "{ dist = \"uniform\", min = 0.0, max = 5000.0 }",
        "1h",
        "",
    ));
    assert!(e.contains("populations.p.rate.max"), "{e}");
}

/// Uniform bounds of +-1e308 overflowed the sampler's range and panicked, in every
/// distribution-valued key; they are refused now, naming the key.
#[test]
fn extreme_distribution_parameters_are_refused_with_the_key() {
    let uniform = "{ dist = \"uniform\", min = -1e308, max = 1e308 }";
    let cases = [
        (
            format!(
                "mobilisation = {{ initial_active = 0.1, cascade = {{ model = \"threshold\", threshold = {uniform} }} }}"
            ),
            "populations.p.mobilisation.cascade.threshold.min",
        ),
        (
            format!("fatigue = {{ active_hours = {uniform} }}"),
            "populations.p.fatigue.active_hours.min",
        ),
        (
            format!(
                "app = {{ submit = {{ dist = \"constant\", value = 1.0 }}, rating = {{ rate = 6.0, stars = {uniform} }} }}\n\
                 [app]\ncapacity = {{ count_per_minute = 10.0 }}\noutage = {{ window = \"10m\", recovery = \"1h\" }}\nreviewers = 1\nrating = {{ count = 10, mean = 3.0, alert_below = 2.0 }}\nservice_minutes = {{ dist = \"constant\", value = 1.0 }}"
            ),
            "populations.p.app.rating.stars.min",
        ),
        (
            format!(
                "app = {{ submit = {{ dist = \"constant\", value = 1.0 }} }}\n\
                 [app]\ncapacity = {{ count_per_minute = 10.0 }}\noutage = {{ window = \"10m\", recovery = \"1h\" }}\nreviewers = 1\nrating = {{ count = 10, mean = 3.0, alert_below = 2.0 }}\nservice_minutes = {uniform}"
            ),
            "app.service_minutes.min",
        ),
    ];
    for (extra, key) in cases {
        let toml = one_population(10, "{ dist = \"constant\", value = 1.0 }", "1h", &extra);
        let e = refused(&toml);
        assert!(e.contains(key), "expected {key} in: {e}\n{toml}");
    }
}

/// Reading and app submission counted per step as Poisson draws whose mean was infinite
/// (a lognormal rate with mu = 700) panicked; the rates are capped now.
#[test]
fn reading_and_app_submissions_with_infinite_mean_rates_run() {
    let huge = "{ dist = \"lognormal\", mu = 700.0, sigma = 1.0 }";
    let extra = format!(
        "reading = {{ rate = {huge}, feeds = {{ f = 1.0 }} }}\n\
         app = {{ submit = {huge} }}\n\
         [app]\ncapacity = {{ count_per_minute = 1000.0 }}\noutage = {{ window = \"10m\", recovery = \"1h\" }}\nreviewers = 1\nrating = {{ count = 10, mean = 3.0, alert_below = 2.0 }}\nservice_minutes = {{ dist = \"constant\", value = 1.0 }}"
    );
    let s = parse(&one_population(
        20,
        "{ dist = \"constant\", value = 1.0 }",
        "10m",
        &extra,
    ))
    .unwrap();
    let out = run(&s, 1);
    let cut = &out.summary.truncated_draws;
    assert_eq!(cut["populations.p.reading.rate"], 20, "{cut:?}");
    assert_eq!(cut["populations.p.app.submit"], 20, "{cut:?}");
    // 20 readers at 3600 browses per hour for 10 minutes: Poisson, mean 12,000.
    let browses = out.summary.totals.browses as f64;
    assert!(
        (browses - 12_000.0).abs() < 5.0 * 12_000f64.sqrt(),
        "{browses}"
    );
}

/// The memory estimate wrapped around for about 2 billion agents on a dense network
/// and let the scenario through; it saturates now and the scenario is refused.
#[test]
fn memory_estimates_saturate_instead_of_wrapping() {
    for network in [
        "[network]\ngenerator = \"erdos_renyi\"\nmean_degree = 1000000000.0",
        "[network]\ngenerator = \"erdos_renyi\"\nmean_degree = 1999999999.0",
    ] {
        let toml = one_population(
            2_000_000_000,
            "{ dist = \"constant\", value = 0.0 }",
            "1h",
            network,
        );
        match parse(&toml) {
            Err(ScenarioError::TooLarge { needed_mb, .. }) => {
                assert!(needed_mb > 1 << 30, "{needed_mb} MB for {network}")
            }
            other => panic!("{network}: {other:?}"),
        }
    }
}

/// A time series of 255 feeds x 255 populations sampled every step was not counted.
#[test]
fn the_time_series_counts_in_the_estimate() {
    let mut toml = String::from("[time]\nduration = \"2000m\"\n[metrics]\nsample_every = \"1m\"\n");
    for f in 0..255 {
        toml += &format!("[feeds.f{f}]\n");
    }
    for p in 0..255 {
        toml += &format!("[populations.p{p}]\nsize = 1\n");
    }
    match parse(&toml) {
        Err(ScenarioError::TooLarge { detail, .. }) => {
            assert!(detail.contains("time series"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
}

/// Edge-list files were read whole (to hash them) before the estimate was checked: a
/// huge sparse file took gigabytes or got the process killed. The loader checks its
/// size on disk first now, so it is refused at once without being read.
#[test]
fn a_huge_edge_list_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let edges = dir.path().join("edges.csv");
    std::fs::File::create(&edges)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    std::fs::write(dir.path().join("nodes.csv"), "node,population\n1,p\n").unwrap();
    let toml = one_population(
        1,
        "{ dist = \"constant\", value = 1.0 }",
        "1h",
        "[network]\ngenerator = \"edge_list\"\nedges = \"edges.csv\"\nnodes = \"nodes.csv\"",
    );
    let started = std::time::Instant::now();
    let e = hashflood::load::scenario(&toml, "sparse", dir.path());
    assert!(
        matches!(e, Err(ScenarioError::TooLarge { .. })),
        "{:?}",
        e.map(|s| s.name)
    );
    // Reading 1 TiB of zeros takes minutes; a metadata check takes microseconds.
    assert!(started.elapsed().as_secs() < 5);
}

/// `name = "../../escaped"` wrote outside the output folder.
#[test]
fn scenario_names_cannot_be_paths() {
    for name in ["../../escaped", "/etc", "a/b", ".hidden", ""] {
        let toml = format!(
            "name = {name:?}\n{}",
            one_population(1, "{ dist = \"constant\", value = 1.0 }", "1h", "")
        );
        if name.is_empty() {
            // An empty name means "use the file's name".
            assert_eq!(parse(&toml).unwrap().name, "regression");
            continue;
        }
        let e = refused(&toml);
        assert!(e.starts_with("name = "), "{e}");
    }
}

/// Feeds named `a.b` and `a_b` wrote the same chart file, so one was lost.
#[test]
fn feeds_whose_files_would_collide_are_refused() {
    let toml =
        "[time]\nduration = \"1h\"\n[feeds.\"a.b\"]\n[feeds.a_b]\n[populations.p]\nsize = 1\n";
    let e = refused(toml);
    assert!(e.contains("feeds.a_b") && e.contains("feeds.a.b"), "{e}");
}

/// An edge-list error echoed the whole offending line (a 1.5 GB line gave a 1.5 GB
/// message). Lines are limited to 4096 bytes and values quoted as short excerpts.
#[test]
fn edge_list_errors_quote_short_excerpts() {
    let dir = tempfile::tempdir().unwrap();
    let long_id = "x".repeat(3000);
    std::fs::write(dir.path().join("nodes.csv"), "node,population\n1,p\n2,p\n").unwrap();
    for (edges, expect) in [
        (format!("src,dst\n1,2\n1,{long_id}\n"), "line 3"),
        (format!("src,dst\n1,2\n{}\n", "y".repeat(100_000)), "line 3"),
    ] {
        std::fs::write(dir.path().join("edges.csv"), &edges).unwrap();
        let toml = one_population(
            2,
            "{ dist = \"constant\", value = 1.0 }",
            "1h",
            "[network]\ngenerator = \"edge_list\"\nedges = \"edges.csv\"\nnodes = \"nodes.csv\"",
        );
        let s = hashflood::load::scenario(&toml, "edges", dir.path()).unwrap();
        let e = hashflood::graph_source::follower_graph(&s, 1)
            .map(|_| ())
            .unwrap_err();
        let message = format!("{e:#}");
        assert!(message.len() < 400, "{} bytes: {message}", message.len());
        assert!(message.contains(expect), "{message}");
    }
}

/// A run's fixed work per step counts too: a year of one-second steps over feeds of a
/// million items, browsed every step, would take days even with no posts at all.
#[test]
fn runs_that_would_take_days_are_refused() {
    let toml = "[time]\nduration = \"500days\"\ndt = \"1s\"\n[metrics]\nsample_every = \"1d\"\n\
                [feeds.f]\nlatest_window = 1000000\ntop = { window = 1000000 }\n\
                [populations.p]\nsize = 1\nreading = { rate = { dist = \"constant\", value = 1.0 }, feeds = { f = 1.0 } }\n";
    match parse(toml) {
        Err(ScenarioError::TooMuchWork { detail, .. }) => {
            assert!(detail.contains("per-step bookkeeping"), "{detail}")
        }
        other => panic!("{:?}", other.map(|s| s.name)),
    }
}

/// Found by the property test: a per-step chance of 1e-308 drew geometric skips near
/// u64::MAX, whose sum overflowed; windows far longer than the run were allocated in
/// full (hundreds of MB for a 30-minute run) and were not in the estimate.
#[test]
fn tiny_chances_and_windows_longer_than_the_run_are_harmless() {
    let toml = "[time]\nduration = \"30m\"\n\
                [feeds.f]\ntrending = { window = \"50000000m\", threshold = 1 }\n\
                [populations.p]\nsize = 600\nrate = { dist = \"constant\", value = 60.0 }\n\
                discouragement = { below_share = 0.9, rate = 6e-307 }\n\
                [populations.q]\nsize = 600\nrate = { dist = \"constant\", value = 60.0 }\n\
                app = { submit = { dist = \"constant\", value = 1.0 } }\n\
                [app]\ncapacity = { count_per_minute = 1000.0 }\n\
                outage = { window = \"50000000m\", recovery = \"1h\" }\nreviewers = 1\n\
                rating = { count = 10, mean = 3.0, alert_below = 2.0 }\n\
                service_minutes = { dist = \"constant\", value = 1.0 }\n";
    let s = parse(toml).unwrap();
    let e = hashflood::memory::estimate(&s);
    assert!(
        hashflood::memory::mb(e.bytes_for(1, 1)) < 100,
        "{}",
        e.detail()
    );
    let out = run(&s, 2);
    assert!(out.summary.feeds["f"].trending_hours > 0.0);
}

/// Replicates running in parallel, and the outputs of all of them held until written,
/// were not counted: a scenario that fits once must be refused for many replicates.
#[test]
fn replicates_count_in_the_memory_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "[time]\nduration = \"24h\"\n[metrics]\nsample_every = \"1m\"\n\
                [limits]\nmemory_mb = 36\n[feeds.f]\n[populations.p]\nsize = 10\n\
                rate = { dist = \"constant\", value = 1.0 }\n";
    std::fs::write(dir.path().join("s.toml"), toml).unwrap();
    let s = parse(toml).unwrap();
    let e = hashflood::memory::estimate(&s);
    assert!(hashflood::memory::mb(e.bytes_for(1, 1)) <= 36);
    assert!(hashflood::memory::mb(e.bytes_for(2, 100)) > 36, "{e:?}");
    let out = super::common::hashflood(
        dir.path(),
        &["run", "s.toml", "--replicates", "100", "-q"],
        "2",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("100 replicates") && stderr.contains("limits.memory_mb"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("output").exists(),
        "a refused run creates nothing"
    );
}
