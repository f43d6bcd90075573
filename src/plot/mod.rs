//! Charts of a run, drawn from its saved files (PNG and SVG, fonts bundled so they render
//! without system fonts). `hashflood run` draws them with the run; `hashflood plot`
//! re-draws them from a run folder. Plots know nothing of the engine: they read outputs.

mod charts;
pub mod data;
pub mod stage;
pub mod sweep;

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;

pub use data::{PlotDataError, RunData};

/// Why charts could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error(transparent)]
    Data(#[from] PlotDataError),
    #[error("cannot draw {chart}: {message}")]
    Draw { chart: String, message: String },
}

static FONTS: Once = Once::new();

/// Registers the bundled DejaVu Sans as the charts' font (once).
fn fonts() {
    FONTS.call_once(|| {
        // Registration only fails on a malformed font; the bundled one is not.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

/// Draws one chart as PNG and SVG with the same code.
macro_rules! draw {
    ($out:expr, $name:expr, $size:expr, $d:expr, $chart:path) => {{
        let fail = |message: String| PlotError::Draw {
            chart: $name.to_string(),
            message,
        };
        let png = $out.join(format!("{}.png", $name));
        $chart(&BitMapBackend::new(&png, $size).into_drawing_area(), $d).map_err(fail)?;
        let svg = $out.join(format!("{}.svg", $name));
        $chart(&SVGBackend::new(&svg, $size).into_drawing_area(), $d).map_err(fail)?;
    }};
}

/// The teaching animation of one feed's Latest tab: at most 150 frames spread over the
/// run, small enough for a slide.
fn animate(
    out: &Path,
    name: &str,
    d: &RunData,
    feed: &str,
    frames: &[(f64, Vec<String>)],
) -> Result<(), PlotError> {
    let fail = |message: String| PlotError::Draw {
        chart: name.to_string(),
        message,
    };
    let every = frames.len().div_ceil(150).max(1);
    let path = out.join(format!("{name}.gif"));
    let root = BitMapBackend::gif(&path, (480, 400), 120)
        .map_err(|e| fail(e.to_string()))?
        .into_drawing_area();
    for (hours, pops) in frames.iter().step_by(every) {
        charts::window_frame(&root, d, feed, *hours, pops).map_err(fail)?;
    }
    Ok(())
}

/// Draws a sweep chart (a line for one parameter, a heatmap for two) as PNG and SVG;
/// `None` (nothing drawn) for other numbers of parameters.
pub fn draw_sweep(
    out: &Path,
    name: &str,
    chart: &sweep::SweepChart,
) -> Result<Option<()>, PlotError> {
    fonts();
    let size = (1200, 800);
    match chart.params.len() {
        1 => draw!(out, name, size, chart, sweep::line),
        2 => draw!(out, name, size, chart, sweep::heatmap),
        _ => return Ok(None),
    }
    Ok(Some(()))
}

/// Which of a run's charts to draw beyond the static ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChartOptions {
    /// The teaching animation of each feed's Latest tab (`latest-<feed>.gif`). Encoding
    /// it takes most of the charts' time, so it is drawn only when asked for.
    pub gif: bool,
}

/// One chart to draw: its name, as listed, and the drawing.
type Job<'a> = (
    &'static str,
    Box<dyn Fn() -> Result<(), PlotError> + Sync + 'a>,
);

/// Draws every chart of the run in `run_dir` into `out`, in parallel (each chart on its
/// own, so the files do not depend on the threads); returns the chart names.
pub fn draw_all(
    run_dir: &Path,
    out: &Path,
    opts: ChartOptions,
) -> Result<Vec<&'static str>, PlotError> {
    use rayon::prelude::*;
    fonts();
    let d = RunData::load(run_dir)?;
    let d = &d;
    let mut jobs: Vec<Job> = Vec::new();
    let height = 80 + 360 * d.feeds.len().max(1) as u32;
    jobs.push((
        "shares",
        Box::new(move || {
            draw!(out, "shares", (1400, height), d, charts::shares);
            Ok(())
        }),
    ));
    jobs.push((
        "mobilisation",
        Box::new(move || {
            draw!(out, "mobilisation", (1400, 600), d, charts::mobilisation);
            Ok(())
        }),
    ));
    if !d.app.is_empty() {
        jobs.push((
            "app",
            Box::new(move || {
                draw!(out, "app", (1400, 800), d, charts::app);
                Ok(())
            }),
        ));
    }
    if opts.gif {
        for (feed, frames) in &d.windows {
            // Feed names that give the same file name are refused by validation.
            let name = format!("latest-{}", crate::scenario::names::file_safe(feed));
            jobs.push((
                "latest-<feed> (animated)",
                Box::new(move || animate(out, &name, d, feed, frames)),
            ));
        }
    }
    if d.replicates > 1 && !d.distribution.is_empty() {
        let rows = d
            .distribution
            .values()
            .filter(|(t, _)| !t.is_empty())
            .count()
            .max(1) as u32;
        jobs.push((
            "domination",
            Box::new(move || {
                draw!(
                    out,
                    "domination",
                    (1400, 120 + 40 * rows),
                    d,
                    charts::distribution
                );
                Ok(())
            }),
        ));
    }
    jobs.par_iter().try_for_each(|(_, draw)| draw())?;
    Ok(jobs.iter().map(|(name, _)| *name).collect())
}
