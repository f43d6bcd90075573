//! One integration-test binary (links once); modules by topic.

mod cli;
mod common;
mod determinism;
mod golden;
mod theory;
mod validation;
