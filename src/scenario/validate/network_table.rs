//! Validation of the `[network]` table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::checks::{probability, quoted};
use crate::network::Generator;
use crate::scenario::error::{ScenarioError, invalid};
use crate::scenario::raw::*;
use crate::scenario::*;

pub(super) fn network_config(
    n: &RawNetwork,
    pops: &BTreeMap<String, RawPopulation>,
    base_dir: &Path,
) -> Result<Network, ScenarioError> {
    let names: Vec<&String> = pops.keys().collect();
    let members = |list: &Option<Vec<String>>| -> Result<Vec<usize>, ScenarioError> {
        match list {
            None => Ok((0..names.len()).collect()),
            Some(list) => resolve_populations("network.populations", list, &names),
        }
    };
    let (source, populations) = match n {
        RawNetwork::ErdosRenyi {
            mean_degree,
            populations,
        } => {
            if !(mean_degree.is_finite() && *mean_degree >= 0.0) {
                return Err(invalid("network.mean_degree", mean_degree, "a number >= 0"));
            }
            (
                NetworkSource::Generated(Generator::ErdosRenyi {
                    mean_degree: *mean_degree,
                }),
                members(populations)?,
            )
        }
        RawNetwork::BarabasiAlbert { m, populations } => {
            if !(1..=10_000).contains(m) {
                return Err(invalid("network.m", m, "a whole number from 1 to 10000"));
            }
            (
                NetworkSource::Generated(Generator::BarabasiAlbert { m: *m as u32 }),
                members(populations)?,
            )
        }
        RawNetwork::WattsStrogatz {
            k,
            beta,
            populations,
        } => {
            if !(2..=10_000).contains(k) || k % 2 != 0 {
                return Err(invalid(
                    "network.k",
                    k,
                    "an even whole number from 2 to 10000",
                ));
            }
            probability("network.beta", *beta)?;
            (
                NetworkSource::Generated(Generator::WattsStrogatz {
                    k: *k as u32,
                    beta: *beta,
                }),
                members(populations)?,
            )
        }
        RawNetwork::BlockModel {
            populations,
            density,
        } => {
            let members = resolve_populations("network.populations", populations, &names)?;
            if density.len() != members.len() {
                return Err(invalid(
                    "network.density",
                    format!("{} rows", density.len()),
                    &format!(
                        "one row per entry of network.populations ({})",
                        members.len()
                    ),
                ));
            }
            for (i, row) in density.iter().enumerate() {
                if row.len() != members.len() {
                    return Err(invalid(
                        format!("network.density[{i}]"),
                        format!("{} entries", row.len()),
                        &format!(
                            "{} entries, one per entry of network.populations",
                            members.len()
                        ),
                    ));
                }
                for (j, &d) in row.iter().enumerate() {
                    probability(&format!("network.density[{i}][{j}]"), d)?;
                }
            }
            (
                NetworkSource::Generated(Generator::StochasticBlock {
                    density: density.clone(),
                }),
                members,
            )
        }
        RawNetwork::EdgeList {
            edges,
            nodes,
            undirected,
        } => {
            let edges_path = base_dir.join(edges);
            let nodes_path = base_dir.join(nodes);
            for (key, p) in [
                ("network.edges", &edges_path),
                ("network.nodes", &nodes_path),
            ] {
                if !p.is_file() {
                    return Err(invalid(
                        key,
                        quoted(&p.display().to_string()),
                        "an existing CSV file (relative paths start at the scenario's folder)",
                    ));
                }
            }
            // Absolute, so the resolved scenario written beside a run still finds them.
            let absolute = |p: PathBuf| std::fs::canonicalize(&p).unwrap_or(p);
            (
                NetworkSource::EdgeList {
                    edges: absolute(edges_path),
                    nodes: absolute(nodes_path),
                    undirected: *undirected,
                },
                (0..names.len()).collect(),
            )
        }
    };
    Ok(Network {
        source,
        populations,
    })
}

fn resolve_populations(
    path: &str,
    list: &[String],
    names: &[&String],
) -> Result<Vec<usize>, ScenarioError> {
    if list.is_empty() {
        return Err(invalid(path, "[]", "at least one population name"));
    }
    let mut out = Vec::new();
    for (i, name) in list.iter().enumerate() {
        let idx = names.iter().position(|n| *n == name).ok_or_else(|| {
            let known: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            invalid(
                format!("{path}[{i}]"),
                quoted(name),
                &format!("one of the populations: {}", known.join(", ")),
            )
        })?;
        if out.contains(&idx) {
            return Err(invalid(
                format!("{path}[{i}]"),
                quoted(name),
                "each population listed once",
            ));
        }
        out.push(idx);
    }
    Ok(out)
}
