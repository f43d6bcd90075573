//! hashflood: a parallel agent-based simulator of coordinated hashtag flooding.
//!
//! Data flows one way: files ([`load`]) -> scenario TOML and edge-list bytes ->
//! [`scenario::Scenario`] (validated) -> follower network ([`graph_source`], [`network`])
//! -> engine ([`sim`]) -> metrics ([`metrics`]) -> bytes ([`export`]) -> files
//! ([`output`]). Only [`load`] reads inputs, and only [`output`], [`plot`] and [`sweep`]
//! touch the disk besides it; validation, the network, the engine, the metrics and the
//! exporters do no I/O (a test greps for it).
//! The commands (`run`, `sweep`, `merge`, `plot`, `validate`) are library functions
//! ([`run`], [`sweep::command`], [`plot::stage`]) taking options structs; the binary only
//! parses arguments and prints what they report.
//!
//! ```
//! use hashflood::scenario::{Inputs, Scenario};
//! use hashflood::{graph_source, sim};
//!
//! let toml = r#"
//! [time]
//! duration = "2h"
//! [feeds.Example]
//! latest_window = 20
//! [populations.fans]
//! size = 200
//! rate = { dist = "constant", value = 6.0 }
//! targeting = { mode = "weights", weights = { Example = 1.0 } }
//! [populations.others]
//! size = 200
//! rate = { dist = "constant", value = 2.0 }
//! targeting = { mode = "weights", weights = { Example = 1.0 } }
//! "#;
//! // No edge-list files to read: no inputs (`hashflood::load` reads them from a folder).
//! let scenario = Scenario::from_toml(toml, "example", &Inputs::default()).unwrap();
//! let graph = graph_source::follower_graph(&scenario, 7).unwrap();
//! let out = sim::run(&scenario, &graph, 7, &mut |_| {});
//! // Fans post 3x as much as the others: 3/4 of the feed's posts. About 3,200 posts make
//! // that share's standard deviation sqrt(0.75 * 0.25 / 3200) = 0.008; 0.04 is 5 of them,
//! // and fans posting 2x or 4x as much (0.67 or 0.8) fail.
//! let feed = &out.summary.feeds["Example"];
//! let share = feed.populations["fans"].posts as f64 / feed.posts as f64;
//! assert!((share - 0.75).abs() < 0.04, "expected 0.75, got {share}");
//! // What readers saw last: the share of the Latest window at the end.
//! let latest = feed.populations["fans"].shares["latest"].last;
//! assert!((0.0..=1.0).contains(&latest));
//! ```

pub mod aggregate;
pub mod digest;
pub mod export;
pub mod graph_source;
pub mod load;
pub mod memory;
pub mod metrics;
pub mod network;
pub mod output;
pub mod plot;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod sweep;
