//! One integration-test binary (links once); modules by topic.

mod app;
mod cli;
mod common;
mod continuous;
mod determinism;
mod feeds;
mod golden;
mod invariants;
mod kill_run;
mod kill_sweep;
mod load;
mod mechanics;
mod output_safety;
mod regression;
mod slurm;
mod snapshots;
mod sweep;
mod sweep_safety;
mod tabs;
mod theory;
mod validation;
