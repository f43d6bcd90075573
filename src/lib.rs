//! hashflood: a parallel agent-based simulator of coordinated hashtag flooding.
//!
//! Data flows one way: scenario TOML -> [`scenario::Scenario`] (validated) -> follower
//! network ([`network`]) -> engine ([`sim`]) -> metrics ([`metrics`]) -> bytes
//! ([`export`]) -> files ([`output`]). The engine ([`sim`]), the metrics and the
//! exporters do no I/O (a test greps for it); [`graph_source`] reads edge-list files,
//! validation measures and hashes them, and [`output`], [`plot`] and [`sweep`] write.
//! The commands (`run`, `sweep`, `merge`, `plot`, `validate`) are library functions
//! ([`run`], [`sweep::command`], [`plot::stage`]) taking options structs; the binary only
//! parses arguments and prints what they report.
//!
//! ```
//! use std::path::Path;
//! use hashflood::{graph_source, scenario::Scenario, sim};
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
//! let scenario = Scenario::from_toml(toml, "example", Path::new(".")).unwrap();
//! let graph = graph_source::follower_graph(&scenario, 7).unwrap();
//! let out = sim::run(&scenario, &graph, 7, &mut |_| {});
//! let share = out.summary.feeds["Example"].populations["fans"].latest.last;
//! assert!(share > 0.4, "fans post 3x as much: expected share 0.75, got {share}");
//! ```

pub mod aggregate;
pub mod export;
pub mod graph_source;
pub mod memory;
pub mod metrics;
pub mod network;
pub mod output;
pub mod plot;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod sweep;
