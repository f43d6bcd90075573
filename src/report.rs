//! The short terminal summary printed at the end of a run (text only: the binary prints it).

use std::fmt::Write;
use std::time::Duration;

use std::collections::BTreeMap;

use crate::aggregate::MetricStats;
use crate::metrics::{AppSummary, ShareSummary, Summary, When};
use crate::scenario::Scenario;

fn when(w: &When) -> String {
    match w {
        When::Hours(h) => format!("{h:.2} h"),
        When::Never => "never".into(),
    }
}

/// A tab's final share and the time each level was reached.
fn tab(o: &mut String, s: &ShareSummary, levels: &[String]) {
    let _ = write!(o, " {:>7.3}", s.last);
    for l in levels {
        let _ = write!(o, " {:>9}", when(&s.domination_hours[l]));
    }
}

/// The app's key numbers: outages, the queue, the rating trajectory.
fn app(o: &mut String, a: &AppSummary) {
    let _ = writeln!(
        o,
        "\napp: first outage at {}, {} outage(s), down {:.2} h in all",
        when(&a.first_outage_hours),
        a.outages,
        a.downtime_hours
    );
    for (name, k) in [("legitimate", &a.legitimate), ("junk", &a.junk)] {
        let _ = writeln!(
            o,
            "  {name:<11} {} submitted, {} reviewed, {} waiting, {} lost to outages",
            k.submitted, k.reviewed, k.waiting, k.lost
        );
    }
    let w = &a.legitimate_wait_hours;
    let _ = writeln!(
        o,
        "  legitimate wait: mean {:.2} h, median {:.2} h, 90% {:.2} h; {:.1}% reviewed within the SLA; {:.1}% lost",
        w.mean,
        w.p50,
        w.p90,
        100.0 * a.legitimate_within_sla,
        100.0 * a.legitimate_lost_share
    );
    let r = &a.rating;
    let _ = writeln!(
        o,
        "  rating: {:.2} -> {:.2} (shown {:.1}) over {} ratings, {} new; below {} from {}",
        r.initial,
        r.last,
        r.final_shown,
        r.count,
        r.new_ratings,
        r.alert_below,
        when(&r.below_alert_hours)
    );
}

/// Renders the key numbers of a run as a few aligned lines.
pub fn summary(s: &Summary, elapsed: Duration) -> String {
    let mut o = String::new();
    let secs = elapsed.as_secs_f64();
    let _ = writeln!(
        o,
        "{} · seed {} · {} h simulated in {:.2} s · {} posts ({:.1} M posts/s)",
        s.scenario.name,
        s.seed,
        s.time.hours,
        secs,
        s.totals.posts,
        s.totals.posts as f64 / secs.max(1e-9) / 1e6
    );
    let first = s
        .feeds
        .values()
        .next()
        .and_then(|f| f.populations.values().next());
    let levels: Vec<String> = first
        .and_then(|p| p.shares.values().next())
        .map(|t| t.domination_hours.keys().cloned().collect())
        .unwrap_or_default();
    let readers = s.totals.browses > 0;
    // The first tab (Latest) always; the others rank by engagement, so only with readers.
    let tabs: Vec<&str> = first
        .map(|p| p.shares.iter().map(|(name, _)| name).collect())
        .unwrap_or_default();
    let tabs = &tabs[..if readers {
        tabs.len()
    } else {
        tabs.len().min(1)
    }];
    let _ = write!(o, "\n{:<20} {:<12} {:>9}", "feed", "population", "posts");
    for name in tabs {
        let _ = write!(o, " {name:>7}");
        for l in &levels {
            let _ = write!(o, " {:>9}", format!("{l} at"));
        }
    }
    if readers {
        let _ = write!(o, " {:>7}", "seen");
    }
    let _ = writeln!(o);
    for (feed, f) in &s.feeds {
        for (pop, p) in &f.populations {
            if p.posts == 0 && p.impressions.total == 0 && p.shares.values().all(|t| t.peak == 0.0)
            {
                continue; // never in the feed (e.g. pure readers)
            }
            let _ = write!(o, "{:<20} {:<12} {:>9}", feed, pop, p.posts);
            for name in tabs {
                tab(&mut o, &p.shares[name], &levels);
            }
            if readers {
                let _ = write!(o, " {:>7.3}", p.impressions.share);
            }
            let _ = writeln!(o);
        }
        if f.first_trending_hours != When::Never {
            let categories: Vec<String> = f
                .populations
                .iter()
                .filter(|(_, p)| p.first_trending_category_hours != When::Never)
                .map(|(name, p)| format!("{name} from {}", when(&p.first_trending_category_hours)))
                .collect();
            let _ = writeln!(
                o,
                "{:<20} trending {:.1} h in all, first at {}; category {}",
                "",
                f.trending_hours,
                when(&f.first_trending_hours),
                categories.join(", ")
            );
        }
        let (limited, flagged, removed) = f.populations.values().fold((0, 0, 0), |acc, p| {
            let m = &p.moderation;
            (acc.0 + m.rate_limited, acc.1 + m.flagged, acc.2 + m.removed)
        });
        if limited + flagged + removed > 0 || f.detrended_hours > 0.0 {
            let _ = writeln!(
                o,
                "{:<20} moderation: {limited} posts rate-limited, {flagged} flagged, {removed} removed; de-trended {:.1} h",
                "", f.detrended_hours
            );
        }
    }
    if readers {
        let _ = writeln!(
            o,
            "({}: final share of the tab; seen: share of the feed's impressions; {} browses)",
            tabs.join("/"),
            s.totals.browses
        );
    }
    let _ = writeln!(
        o,
        "\n{:<14} {:>10} {:>12} {:>12} {:>10} {:>10} {:>10} {:>10}",
        "population",
        "size",
        "ever active",
        "by network",
        "quit",
        "moved",
        "escalated",
        "suspended"
    );
    for (name, p) in &s.populations {
        let c = &p.counts;
        let _ = writeln!(
            o,
            "{:<14} {:>10} {:>12} {:>12} {:>10} {:>10} {:>10} {:>10}",
            name, p.size, c.ever_active, c.by_network, c.quit, c.moved, c.escalated, c.suspended
        );
    }
    if let Some(a) = &s.app {
        app(&mut o, a);
    }
    if !s.truncated_draws.is_empty() {
        let list: Vec<String> = s
            .truncated_draws
            .iter()
            .map(|(key, n)| format!("{key} {n}"))
            .collect();
        let _ = writeln!(
            o,
            "\ndraws truncated at their key's cap (see scenarios/README.md, \"Caps\"): {}",
            list.join(", ")
        );
    }
    o
}

/// `mean [lo, hi]` of a metric across replicates, and how many never reached it.
fn stat(m: Option<&MetricStats>, n: usize) -> String {
    let Some(m) = m else { return "-".into() };
    let mut out = match (m.mean, m.ci95) {
        (Some(mean), Some([lo, hi])) => format!("{mean:.3} [{lo:.3}, {hi:.3}]"),
        (Some(mean), None) => format!("{mean:.3}"),
        _ => String::new(),
    };
    if m.never > 0 {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("never in {}/{n}", m.never));
    }
    out
}

/// The key metrics of a replicated run: means with 95% confidence intervals.
pub fn replicated(
    s: &Scenario,
    metrics: &BTreeMap<String, MetricStats>,
    n: usize,
    elapsed: Duration,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} · {n} replicates in {:.2} s · mean [95% confidence interval of the mean]",
        s.name,
        elapsed.as_secs_f64()
    );
    let browses = metrics
        .get("totals.browses")
        .and_then(|m| m.mean)
        .unwrap_or(0.0)
        > 0.0;
    // The first tab (Latest) always; the others rank by engagement, so only with readers.
    let mut tabs = s.tab_names();
    tabs.truncate(if browses { tabs.len() } else { 1 });
    let _ = writeln!(
        o,
        "\n{:<20} {:<12} {:<7} {:<6} reached at (h)",
        "feed", "population", "tab", "level"
    );
    for feed in &s.feeds {
        for pop in &s.populations {
            let base = format!("feeds.{}.populations.{}", feed.name, pop.name);
            if metrics
                .get(&format!("{base}.posts"))
                .and_then(|m| m.mean)
                .unwrap_or(0.0)
                == 0.0
            {
                continue;
            }
            for tab in &tabs {
                for level in &s.metrics.levels {
                    let key = format!("{base}.{tab}.domination_hours.{level:?}");
                    let _ = writeln!(
                        o,
                        "{:<20} {:<12} {:<7} {:<6} {}",
                        feed.name,
                        pop.name,
                        tab,
                        format!("{level:?}"),
                        stat(metrics.get(&key), n)
                    );
                }
            }
        }
    }
    let _ = writeln!(
        o,
        "\n{:<14} {:<36} by network (fraction)",
        "population", "ever active (fraction)"
    );
    for pop in &s.populations {
        let key = |k: &str| metrics.get(&format!("populations.{}.{k}", pop.name));
        let _ = writeln!(
            o,
            "{:<14} {:<36} {}",
            pop.name,
            stat(key("ever_active_fraction"), n),
            stat(key("cascade_fraction"), n)
        );
    }
    if s.app.is_some() {
        let _ = writeln!(o, "\napp");
        for (label, key) in [
            ("first outage (h)", "app.first_outage_hours"),
            ("downtime (h)", "app.downtime_hours"),
            ("legitimate lost (share)", "app.legitimate_lost_share"),
            ("legitimate within SLA", "app.legitimate_within_sla"),
            ("final rating", "app.rating.final"),
            ("rating below alert (h)", "app.rating.below_alert_hours"),
        ] {
            let _ = writeln!(o, "  {label:<26} {}", stat(metrics.get(key), n));
        }
    }
    o
}
