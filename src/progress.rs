//! The progress bar: on stderr, only on a terminal, only once a run has lasted a second.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Reports steps done; shows nothing for short runs or when stderr is not a terminal.
pub struct StepProgress {
    bar: ProgressBar,
    started: Instant,
    visible: bool,
    enabled: bool,
}

impl StepProgress {
    pub fn new(steps: u32, enabled: bool) -> Self {
        let bar = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} steps, {eta} left",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        StepProgress {
            bar,
            started: Instant::now(),
            visible: false,
            enabled: enabled && std::io::stderr().is_terminal(),
        }
    }

    pub fn set(&mut self, done: u32) {
        if self.enabled && !self.visible && self.started.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.visible = true;
        }
        self.bar.set_position(done as u64);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A bar counting finished items (replicates), on stderr only when it is a terminal.
pub fn count_bar(total: u64, what: &str, enabled: bool) -> ProgressBar {
    let target = if enabled && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {what}, {{eta}} left"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}
