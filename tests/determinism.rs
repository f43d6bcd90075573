//! Same scenario + seed = byte-identical outputs, whatever the number of threads.
//! The scenario below uses every random mechanism: posting, mobilisation, the network,
//! readers and reposts, moderation.

use hashflood::export;

use super::common::{run, scenario, with_threads};

/// Exercises every random mechanism across several shards (more than 65,536 agents).
const EVERYTHING: &str = r#"
[time]
start = 2020-06-02T22:00:00Z
duration = "3h"
[metrics]
sample_every = "10m"
domination_hold = "5m"
[feeds.one]
latest_window = 40
trending = { window = "10m", threshold = 400 }
[feeds.two]
latest_window = 40
[populations.fans]
size = 150000
rate = { dist = "lognormal", mu = -1.0, sigma = 1.0 }
diurnal = "social"
timezones = [{ utc_offset = 9, share = 0.6 }, { utc_offset = -5, share = 0.4 }]
targeting = { mode = "least_dominated", feeds = ["one", "two"] }
content = { fancam = 0.6, meme = 0.4 }
[populations.fans.mobilisation]
call_to_action = { at = "20m", fraction = 0.002 }
cascade = { model = "independent", p = 0.15, delay = "5m" }
broadcast = { feed = "one", rate = 0.03 }
[populations.fans.fatigue]
half_life = "2h"
active_hours = { dist = "gamma", shape = 2.0, scale = 1.0 }
[populations.stans]
size = 20000
rate = { dist = "pareto", scale = 0.2, shape = 2.5 }
targeting = { mode = "weights", weights = { one = 1.0, two = 2.0 } }
[populations.stans.mobilisation]
initial_active = 0.01
cascade = { model = "threshold", threshold = { dist = "uniform", min = 0.05, max = 0.3 } }
[populations.opposing]
size = 30000
rate = { dist = "gamma", shape = 0.5, scale = 2.0 }
targeting = { mode = "weights", weights = { one = 2.0, two = 1.0 } }
[populations.opposing.discouragement]
below_share = 0.4
rate = 1.2
action = "move"
[populations.stans.reading]
rate = { dist = "gamma", shape = 2.0, scale = 1.0 }
feeds = { one = 1.0, two = 1.0 }
top_share = 0.6
appeal = { fancam = 0.2, meme = 0.1, text = 0.01 }
repost_share = 0.3
[populations.readers]
size = 100000
[populations.readers.reading]
rate = { dist = "exponential", mean = 3.0 }
feeds = { one = 2.0, two = 1.0 }
appeal = { fancam = 0.001, text = 0.003 }
[populations.readers.app]
submit = { dist = "exponential", mean = 0.001 }
junk = 0.1
[populations.fans.app]
submit = { dist = "lognormal", mu = -1.0, sigma = 1.0 }
junk = 0.95
size_mb = { dist = "gamma", shape = 2.0, scale = 10.0 }
rating = { rate = 0.06, stars = { dist = "uniform", min = 1.0, max = 2.0 } }
[app]
capacity = { mb_per_minute = 3000.0 }
outage = { window = "10m", recovery = "30m" }
reviewers = 5
service_minutes = { dist = "gamma", shape = 2.0, scale = 3.0 }
triage = { accuracy = 0.7 }
rating = { count = 100, mean = 4.0 }
visibility = { below = 3.0, factor = 0.5 }
[moderation]
rate_limit = { posts = 3, per = "30m" }
flag = { fancam = 0.05, meme = 0.02 }
removal_delay = "10m"
suspend_after = 2
detrend_above = 0.5
[network]
generator = "barabasi_albert"
m = 4
populations = ["fans", "stans"]
"#;

fn outputs(threads: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let s = scenario(EVERYTHING);
    with_threads(threads, || {
        let out = run(&s, seed);
        (
            [
                export::timeseries_csv(&out, &s),
                export::app_csv(&out, &s).unwrap(),
            ]
            .concat(),
            export::summary_json(&out.summary),
        )
    })
}

#[test]
fn outputs_are_identical_for_one_two_four_and_33_threads() {
    let one = outputs(1, 5);
    let summary = String::from_utf8(one.1.clone()).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let stans = &parsed["populations"]["stans"];
    assert!(stans["by_network"].as_u64().unwrap() > 0, "the cascade ran");
    assert!(
        parsed["feeds"]["one"]["populations"]["fans"]["impressions"]["reposts"]
            .as_u64()
            .unwrap()
            > 0,
        "reposts ran"
    );
    assert!(
        parsed["populations"]["fans"]["suspended"].as_u64().unwrap() > 0,
        "moderation ran"
    );
    assert_eq!(one, outputs(2, 5), "1 vs 2 threads");
    assert_eq!(one, outputs(4, 5), "1 vs 4 threads");
    // More threads than the scenario's 5 blocks, and a count no power of two divides:
    // blocks split over threads unevenly, and some threads have none.
    assert_eq!(one, outputs(33, 5), "1 vs 33 threads");
}

#[test]
fn different_seeds_give_different_runs() {
    assert_ne!(outputs(2, 5).1, outputs(2, 6).1);
}
