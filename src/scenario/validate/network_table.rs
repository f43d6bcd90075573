//! Validation of the `[network]` table.

use std::collections::BTreeMap;

use super::checks::{probability, quoted};
use crate::network::Generator;
use crate::scenario::error::{ScenarioError, invalid};
use crate::scenario::raw::*;
use crate::scenario::*;

pub(super) fn network_config(
    n: &RawNetwork,
    pops: &BTreeMap<String, RawPopulation>,
    files: &Inputs,
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
            let edges = input_file("network.edges", edges, files)?;
            let nodes = input_file("network.nodes", nodes, files)?;
            (
                NetworkSource::EdgeList {
                    edges,
                    nodes,
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

/// The file that `key` names, as the loader read it; an error under `key` if it could
/// not be read or was not read at all (validation itself reads no file).
fn input_file(key: &str, name: &str, files: &Inputs) -> Result<LoadedFile, ScenarioError> {
    match files.file(name) {
        Some(Ok(file)) => Ok(file.clone()),
        Some(Err(unread)) => Err(invalid(
            key,
            quoted(&unread.path.display().to_string()),
            &unread.expected,
        )),
        None => Err(invalid(
            key,
            quoted(name),
            "a file read before validation (Scenario::from_toml reads no file; load the \
             scenario with hashflood::load)",
        )),
    }
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
