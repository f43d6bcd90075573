//! One seeded simulation of a scenario, with its follower graph: the one function the
//! `run` command (single runs and replicates) and sweeps call to simulate.

use crate::graph_source::{self, GraphError};
use crate::metrics::RunOutput;
use crate::network::FollowerGraph;
use crate::scenario::{Network, NetworkSource, Scenario};
use crate::sim;

/// Runs of one scenario with different seeds. A follower graph that does not depend on
/// the seed (an edge list, or no network) is built once, here, and shared by every run;
/// a generated one is built by each run from its seed. Either way a run's result is
/// the same as with a graph built for it alone.
pub struct Simulation<'a> {
    scenario: &'a Scenario,
    shared: Option<FollowerGraph>,
}

impl<'a> Simulation<'a> {
    /// Prepares runs of `scenario`, building its follower graph now if
    /// [`shares_graph`](Self::shares_graph).
    pub fn new(scenario: &'a Scenario) -> Result<Self, GraphError> {
        let shared = if Self::shares_graph(scenario) {
            Some(graph_source::follower_graph(scenario, scenario.seed)?)
        } else {
            None
        };
        Ok(Simulation { scenario, shared })
    }

    /// Whether runs of `scenario` share one follower graph: it has no generated network
    /// (generation is seeded, so a generated network differs between seeds).
    pub fn shares_graph(scenario: &Scenario) -> bool {
        !matches!(
            scenario.network,
            Some(Network {
                source: NetworkSource::Generated(_),
                ..
            })
        )
    }

    /// The scenario simulated.
    pub fn scenario(&self) -> &'a Scenario {
        self.scenario
    }

    /// Simulates the scenario with `seed`, building its follower graph unless it is
    /// shared; `on_step` is told the steps done.
    pub fn run(&self, seed: u64, on_step: &mut dyn FnMut(u32)) -> Result<RunOutput, GraphError> {
        match &self.shared {
            Some(graph) => Ok(sim::run(self.scenario, graph, seed, on_step)),
            None => {
                let graph = graph_source::follower_graph(self.scenario, seed)?;
                Ok(sim::run(self.scenario, &graph, seed, on_step))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::memory;

    fn chain() -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chain/scenario.toml");
        crate::load::scenario_file(&path).unwrap().scenario
    }

    #[test]
    fn an_edge_list_graph_is_shared_and_gives_the_runs_of_a_graph_of_their_own() {
        let s = chain();
        assert!(Simulation::shares_graph(&s));
        let sim = Simulation::new(&s).unwrap();
        assert!(sim.shared.is_some(), "built once");
        for seed in [1, 2] {
            let own = graph_source::follower_graph(&s, seed).unwrap();
            let alone = sim::run(&s, &own, seed, &mut |_| {});
            let shared = sim.run(seed, &mut |_| {}).unwrap();
            assert_eq!(
                serde_json::to_value(&shared.summary).unwrap(),
                serde_json::to_value(&alone.summary).unwrap()
            );
        }
    }

    #[test]
    fn a_generated_graph_is_built_per_seed() {
        let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/tiny.toml");
        let s = crate::load::scenario_file(&tiny).unwrap().scenario;
        assert!(!Simulation::shares_graph(&s));
        assert!(Simulation::new(&s).unwrap().shared.is_none());
    }

    #[test]
    fn a_shared_graph_is_counted_once_in_memory() {
        let s = chain();
        let e = memory::estimate(&s);
        let network = e.parts.iter().find(|p| p.0 == "network").unwrap().1;
        assert!(network > 0);
        let shared = e.clone().share_network();
        // One run at a time needs the same; four at once hold one graph, not four.
        assert_eq!(shared.bytes_for(1, 10), e.bytes_for(1, 10));
        assert_eq!(shared.bytes_for(4, 10) + 3 * network, e.bytes_for(4, 10));
    }
}
