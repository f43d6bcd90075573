//! Tabs are data: a tab with a new ranking, defined here and added to every feed, is
//! measured, written, read back and drawn by the same code as Latest and Top, with no
//! change to the metrics, exporters, charts or report.

use hashflood::export::{self, TimeseriesRow, table};
use hashflood::sim::tabs::{ExtraTab, Ranker};
use hashflood::sim::{self, Post};
use hashflood::{aggregate, graph_source, plot, report};

use super::common::scenario;

/// A toy ranking: the first `size` posts the feed ever took in, oldest first.
struct OldestFirst {
    size: usize,
    posts: Vec<Post>,
}

impl Ranker for OldestFirst {
    fn arrive(&mut self, posts: &[Post]) {
        let room = self.size - self.posts.len();
        self.posts.extend(posts.iter().take(room));
    }

    fn remove(&mut self, id: u64) {
        self.posts.retain(|p| p.id != id);
    }

    fn shown(&self) -> Box<dyn Iterator<Item = &Post> + '_> {
        Box::new(self.posts.iter())
    }

    fn len(&self) -> usize {
        self.posts.len()
    }
}

/// "early" posts for the first 30 minutes only; "late" starts at 1 h and keeps posting.
/// The oldest posts are all early's; the latest all late's.
const TWO_WAVES: &str = r#"
[time]
duration = "3h"
dt = "1m"
[metrics]
sample_every = "10m"
domination_levels = [0.5, 0.9]
domination_hold = "10m"
[feeds.F]
latest_window = 10
[populations.early]
size = 50
rate = { dist = "constant", value = 6.0 }
fatigue = { active_hours = { dist = "constant", value = 0.5 } }
[populations.late]
size = 50
rate = { dist = "constant", value = 6.0 }
mobilisation = { initial_active = 0.0, call_to_action = { at = "1h", fraction = 1.0 } }
[populations.readers]
size = 100
reading = { rate = { dist = "constant", value = 2.0 }, feeds = { F = 1.0 }, top_share = 0.5, appeal = { text = 0.2 } }
"#;

fn oldest_first() -> ExtraTab {
    ExtraTab {
        name: "oldest".into(),
        build: Box::new(|_feed| {
            Box::new(OldestFirst {
                size: 8,
                posts: Vec::new(),
            })
        }),
    }
}

#[test]
fn a_tab_defined_outside_the_crate_is_measured_written_and_drawn() {
    let s = scenario(TWO_WAVES);
    let graph = graph_source::follower_graph(&s, 1).unwrap();
    let run = |seed| sim::run_with_tabs(&s, &graph, seed, &[oldest_first()], &mut |_| {});
    let out = run(1);
    assert_eq!(out.tabs, ["latest", "top", "oldest"]);

    // Metrics: shares and domination times of the new tab, beside the others.
    let f = &out.summary.feeds["F"];
    let (early, late) = (&f.populations["early"], &f.populations["late"]);
    assert_eq!(
        early.shares["oldest"].last, 1.0,
        "the oldest posts are early's"
    );
    assert_eq!(late.shares["oldest"].peak, 0.0);
    assert_eq!(
        late.shares["latest"].last, 1.0,
        "the latest posts are late's"
    );
    // Shares are judged at the samples: from the first one (10 minutes).
    assert!(matches!(
        early.shares["oldest"].domination_hours["0.9"],
        hashflood::metrics::When::Hours(h) if (h - 1.0 / 6.0).abs() < 1e-6
    ));
    let with = |tab: &str| early.shares.get(tab).is_some();
    assert!(with("latest") && with("top") && with("oldest"));
    // Readers do not open a tab added in code: no browses or impressions.
    assert_eq!(f.browses["oldest"], 0);
    assert!(f.browses["latest"] > 0 && f.browses["top"] > 0);

    // Exporters: a column and summary keys, read back by the charts' reader.
    let json = String::from_utf8(export::summary_json(&out.summary)).unwrap();
    for key in ["\"oldest\": {", "\"browses_oldest\": 0"] {
        assert!(json.contains(key), "summary.json lacks {key}");
    }
    let csv = export::timeseries_csv(&out, &s);
    let (tabs, rows) = table::read::<TimeseriesRow>(&csv).unwrap();
    assert_eq!(tabs, ["latest", "top", "oldest"]);
    let last_early = rows
        .iter()
        .rfind(|r| r.key.population == "early")
        .expect("rows");
    assert_eq!(last_early.shares[2], 1.0);

    // Replicates: the aggregate series has the tab's band.
    let bands = aggregate::series_bands(&[out.clone(), run(2)]);
    let series = String::from_utf8(export::aggregate_series_csv(&bands, 2, &s)).unwrap();
    assert!(series.lines().next().unwrap().contains("oldest_share_mean"));

    // The terminal report: a column per tab.
    let text = report::summary(&out.summary, std::time::Duration::from_secs(1));
    let header = text.lines().find(|l| l.starts_with("feed")).unwrap();
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert!(
        columns.ends_with(&[
            "latest", "0.5", "at", "0.9", "at", "top", "0.5", "at", "0.9", "at", "oldest", "0.5",
            "at", "0.9", "at", "seen"
        ]),
        "{header}"
    );
    assert!(text.contains("(latest/top/oldest: final share of the tab"));

    // Charts: the shares chart draws and labels the new tab.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("timeseries.csv"), &csv).unwrap();
    std::fs::write(dir.path().join("summary.json"), &json).unwrap();
    let charts = dir.path().join("charts");
    std::fs::create_dir(&charts).unwrap();
    plot::draw_all(dir.path(), &charts, plot::ChartOptions::default()).unwrap();
    let svg = std::fs::read_to_string(charts.join("shares.svg")).unwrap();
    assert!(svg.contains("early Oldest"), "no Oldest line in the legend");
    assert!(svg.contains("Latest (solid) and Top, Oldest (dashed) tabs"));
}

/// Top by brute force: every post it took in or saw engaged, with its total engagement,
/// all scored (MODEL.md: engagement / (age in hours + 2)^gravity) and sorted at every
/// ranking, best first, ties to the younger post.
struct BruteTop {
    size: usize,
    gravity: f64,
    hours_per_step: f64,
    posts: std::collections::HashMap<u64, (Post, u64)>,
    shown: Vec<Post>,
}

impl Ranker for BruteTop {
    fn arrive(&mut self, posts: &[Post]) {
        for p in posts {
            self.posts.entry(p.id).or_insert((*p, 0));
        }
    }

    fn remove(&mut self, id: u64) {
        self.posts.remove(&id);
        self.shown.retain(|p| p.id != id);
    }

    fn engage(&mut self, engaged: &[(Post, u64)]) {
        for (p, n) in engaged {
            self.posts.entry(p.id).or_insert((*p, 0)).1 += n;
        }
    }

    fn refresh(&mut self, now: f64, _visible: &[u64]) {
        let mut all: Vec<(f64, Post)> = self
            .posts
            .values()
            .map(|&(p, e)| {
                let age_hours = ((now - p.t) * self.hours_per_step).max(0.0);
                (e as f64 / (age_hours + 2.0).powf(self.gravity), p)
            })
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(Post::order(&b.1, &a.1)));
        self.shown = all.into_iter().take(self.size).map(|(_, p)| p).collect();
    }

    fn shown(&self) -> Box<dyn Iterator<Item = &Post> + '_> {
        Box::new(self.shown.iter())
    }

    fn len(&self) -> usize {
        self.shown.len()
    }
}

/// The engine's Top tab, which prunes and ranks only what can still rank, shows at every
/// step what a brute-force ranking of every post (fed the same arrivals and engagement)
/// shows: the populations' shares of the two tabs are equal at every sample. Two like
/// populations, readers who engage, a steep gravity and few Top browses (so Top does not
/// freeze on posts it made popular) make Top change often. This rules out, in the
/// engine's wiring of Top: engagement not given to it, posts kept or dropped by the
/// wrong rule (the pruning must keep every post still in Latest, which can still gain
/// engagement; keeping only what Top itself shows drops some whose later engagement
/// then counts afresh), or a ranking at the wrong time.
#[test]
fn top_shows_what_a_brute_force_ranking_of_every_post_shows() {
    let s = scenario(
        r#"
[time]
duration = "3h"
dt = "1m"
[metrics]
sample_every = "1m"
[feeds.F]
latest_window = 20
top = { window = 5, gravity = 8.0 }
[populations.a]
size = 200
rate = { dist = "constant", value = 3.0 }
[populations.b]
size = 200
rate = { dist = "constant", value = 3.0 }
[populations.readers]
size = 2000
reading = { rate = { dist = "constant", value = 6.0 }, feeds = { F = 1.0 }, top_share = 0.05, appeal = { text = 0.02 } }
"#,
    );
    let hours_per_step = s.time.dt_seconds / 3600.0;
    let brute = ExtraTab {
        name: "brute".into(),
        build: Box::new(move |_| {
            Box::new(BruteTop {
                size: 5,
                gravity: 8.0,
                hours_per_step,
                posts: Default::default(),
                shown: Vec::new(),
            })
        }),
    };
    let graph = graph_source::follower_graph(&s, 1).unwrap();
    let out = sim::run_with_tabs(&s, &graph, 7, &[brute], &mut |_| {});
    let (top, brute) = (1, 2);
    assert_eq!(out.tabs[top], "top");
    let mut changes = 0;
    let mut last = None;
    for r in out.series.iter().filter(|r| r.population == 0) {
        assert_eq!(
            r.shares[top], r.shares[brute],
            "a's share of Top after step {}",
            r.step
        );
        changes += usize::from(last.is_some_and(|l| l != r.shares[top]));
        last = Some(r.shares[top]);
    }
    assert!(changes >= 20, "Top changed only {changes} times");
}
