//! What a command shows as it works and when it is done, from what the library reports:
//! progress bars on stderr (only on a terminal, a run's only once it has lasted a
//! second), run files refused, a run's report, a sweep's plan and outcome.

use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use hashflood::run::{Event, Results};
use hashflood::sweep::command::{SweepEvent, SweepOutcome};
use hashflood::sweep::slurm::Handed;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use hashflood::report;

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

/// Shows a run's progress from its events (a bar of steps for one run, a bar counting
/// replicates) and, unless quiet, the report of its results with the simulation's time.
pub struct RunProgress {
    enabled: bool,
    started: OnceLock<Instant>,
    elapsed: OnceLock<Duration>,
    steps: Mutex<Option<StepProgress>>,
    count: OnceLock<ProgressBar>,
}

impl RunProgress {
    pub fn new(enabled: bool) -> Self {
        RunProgress {
            enabled,
            started: OnceLock::new(),
            elapsed: OnceLock::new(),
            steps: Mutex::new(None),
            count: OnceLock::new(),
        }
    }

    pub fn show(&self, event: &Event) {
        let steps = || self.steps.lock().unwrap_or_else(PoisonError::into_inner);
        match *event {
            Event::Started {
                steps: n,
                replicates,
            } => {
                self.started.get_or_init(Instant::now);
                if replicates == 1 {
                    *steps() = Some(StepProgress::new(n, self.enabled));
                } else {
                    let bar = count_bar(replicates as u64, "replicates", self.enabled);
                    self.count.get_or_init(|| bar);
                }
            }
            Event::Step(done) => steps().iter_mut().for_each(|bar| bar.set(done)),
            Event::Replicate => self.count.get().iter().for_each(|bar| bar.inc(1)),
            Event::Simulated => {
                steps().take().iter().for_each(StepProgress::finish);
                self.count
                    .get()
                    .iter()
                    .for_each(|bar| bar.finish_and_clear());
                self.elapsed
                    .get_or_init(|| self.started.get().map_or(Duration::ZERO, Instant::elapsed));
            }
            Event::Written(ref results) if self.enabled => print!("{}", self.report(results)),
            Event::Written(_) => {}
        }
    }

    fn report(&self, results: &Results) -> String {
        let elapsed = self.elapsed.get().copied().unwrap_or_default();
        match *results {
            Results::Single(summary) => report::summary(summary, elapsed),
            Results::Replicates {
                scenario,
                metrics,
                replicates,
            } => report::replicated(scenario, metrics, replicates, elapsed),
        }
    }
}

/// Shows a sweep's plan, the run files it refused and a bar counting runs.
pub struct SweepProgress {
    enabled: bool,
    started: OnceLock<Instant>,
    bar: OnceLock<ProgressBar>,
}

impl SweepProgress {
    pub fn new(enabled: bool) -> Self {
        SweepProgress {
            enabled,
            started: OnceLock::new(),
            bar: OnceLock::new(),
        }
    }

    pub fn show(&self, event: SweepEvent) {
        match event {
            SweepEvent::Started(plan) => {
                refused(
                    plan.refused,
                    "warning",
                    "it is renamed *.corrupt and the run is redone",
                );
                if self.enabled {
                    println!("{plan}");
                }
                self.started.get_or_init(Instant::now);
                let bar = count_bar(plan.pending as u64, "runs", self.enabled);
                self.bar.get_or_init(|| bar);
            }
            SweepEvent::Ran => self.bar.get().iter().for_each(|bar| bar.inc(1)),
        }
    }

    /// Clears the bar and says what the sweep did (a sweep that ran: unless quiet).
    pub fn finish(&self, outcome: Option<&SweepOutcome>) {
        self.bar.get().iter().for_each(|bar| bar.finish_and_clear());
        let secs = self
            .started
            .get()
            .map_or(0.0, |t| t.elapsed().as_secs_f64());
        match outcome {
            None => {}
            Some(SweepOutcome::Slurm(Handed::Written { array, merge })) => {
                let (array, merge) = (array.display(), merge.display());
                println!("wrote {array} and {merge}");
                println!(
                    "submit: id=$(sbatch --parsable {array}) && sbatch --dependency=afterok:$id {merge}"
                );
            }
            Some(SweepOutcome::Slurm(Handed::Submitted {
                array_job,
                merge_job,
                dir,
            })) => println!(
                "submitted array job {array_job} and merge job {merge_job} (results in {})",
                dir.display()
            ),
            Some(SweepOutcome::Ran { .. }) if !self.enabled => {}
            Some(SweepOutcome::Ran { ran, complete, dir }) => {
                println!(
                    "ran {ran} runs in {secs:.2} s ({:.1} runs/s)",
                    *ran as f64 / secs.max(1e-9)
                );
                if *complete {
                    println!("complete: wrote {}/runs.csv and points.csv", dir.display());
                } else {
                    println!(
                        "this shard is done; merge the shards with `hashflood merge` to build the tables"
                    );
                }
            }
        }
    }
}

/// Lists run files that do not verify on stderr: the first ten, then how many more.
pub fn refused(refused: &[impl std::fmt::Display], label: &str, action: &str) {
    for r in refused.iter().take(10) {
        eprintln!("{label}: {r}; {action}");
    }
    if refused.len() > 10 {
        eprintln!(
            "{label}: and {} more run files that do not verify ({action})",
            refused.len() - 10
        );
    }
}
