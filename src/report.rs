//! The short terminal summary printed at the end of a run.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use hashflood::metrics::{Summary, When};

fn when(w: &When) -> String {
    match w {
        When::Hours(h) => format!("{h:.2} h"),
        When::Never => "never".into(),
    }
}

/// Renders the key numbers of a run as a few aligned lines.
pub fn summary(s: &Summary, elapsed: Duration, dir: &Path) -> String {
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
    let levels: Vec<String> = s
        .feeds
        .values()
        .next()
        .and_then(|f| f.populations.values().next())
        .map(|p| p.latest_domination_hours.keys().cloned().collect())
        .unwrap_or_default();
    let _ = write!(
        o,
        "\n{:<22} {:<14} {:>10} {:>11}",
        "feed", "population", "posts", "final share"
    );
    for l in &levels {
        let _ = write!(o, " {:>11}", format!("{l} reached"));
    }
    let _ = writeln!(o);
    for (feed, f) in &s.feeds {
        for (pop, p) in &f.populations {
            let _ = write!(
                o,
                "{:<22} {:<14} {:>10} {:>11.3}",
                feed, pop, p.posts, p.final_latest_share
            );
            for l in &levels {
                let _ = write!(o, " {:>11}", when(&p.latest_domination_hours[l]));
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
                "{:<22} trending {:.1} h in all, first at {}; category {}",
                "",
                f.trending_hours,
                when(&f.first_trending_hours),
                categories.join(", ")
            );
        }
    }
    let _ = writeln!(
        o,
        "\n{:<14} {:>10} {:>12} {:>12} {:>10} {:>10}",
        "population", "size", "ever active", "by network", "quit", "moved"
    );
    for (name, p) in &s.populations {
        let _ = writeln!(
            o,
            "{:<14} {:>10} {:>12} {:>12} {:>10} {:>10}",
            name, p.size, p.counts.ever_active, p.counts.by_network, p.counts.quit, p.counts.moved
        );
    }
    let _ = writeln!(o, "\nwrote {}", dir.display());
    o
}
