//! Sweep charts: a metric against one swept parameter (mean and 95% CI band), or a
//! heatmap over two (a phase diagram), with the replicates that never got there shown.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::aggregate::MetricStats;

/// One metric over the points of a sweep.
pub struct SweepChart<'a> {
    pub title: String,
    pub metric: &'a str,
    pub params: &'a [String],
    /// Per point: the parameter values (as numbers) and the metric's statistics.
    pub points: Vec<(Vec<f64>, MetricStats)>,
}

type Res = Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Low to high: dark blue to yellow (cividis-like, readable with colour-vision deficiency).
fn shade(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64| (a + (b - a) * t) as u8;
    RGBColor(lerp(0.0, 253.0), lerp(34.0, 231.0), lerp(78.0, 55.0))
}

fn fmt(x: f64) -> String {
    if x.abs() >= 100.0 || x == x.round() {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

/// The metric against one parameter.
pub fn line<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &SweepChart) -> Res {
    root.fill(&WHITE).map_err(err)?;
    let mut pts: Vec<&(Vec<f64>, MetricStats)> = c.points.iter().collect();
    pts.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]));
    let xs: Vec<f64> = pts.iter().map(|p| p.0[0]).collect();
    let (x0, x1) = (
        xs.first().copied().unwrap_or(0.0),
        xs.last().copied().unwrap_or(1.0),
    );
    let ys = pts.iter().flat_map(|p| {
        p.1.ci95
            .map(|c| c.to_vec())
            .or(p.1.mean.map(|m| vec![m]))
            .unwrap_or_default()
    });
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (lo, hi) = if lo.is_finite() {
        (lo.min(0.0), hi * 1.1 + 1e-9)
    } else {
        (0.0, 1.0)
    };
    let pad = ((x1 - x0) * 0.05).max(1e-9);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x0 - pad..x1 + pad, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(c.params[0].as_str())
        .y_desc(c.metric)
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    let blue = RGBColor(0, 114, 178);
    let with_ci: Vec<_> = pts
        .iter()
        .filter_map(|p| p.1.ci95.map(|ci| (p.0[0], ci)))
        .collect();
    if with_ci.len() > 1 {
        let mut outline: Vec<(f64, f64)> = with_ci.iter().map(|&(x, ci)| (x, ci[1])).collect();
        outline.extend(with_ci.iter().rev().map(|&(x, ci)| (x, ci[0])));
        chart
            .draw_series(std::iter::once(Polygon::new(
                outline,
                blue.mix(0.2).filled(),
            )))
            .map_err(err)?;
    }
    let means: Vec<(f64, f64)> = pts
        .iter()
        .filter_map(|p| p.1.mean.map(|m| (p.0[0], m)))
        .collect();
    chart
        .draw_series(LineSeries::new(means.clone(), blue.stroke_width(2)))
        .map_err(err)?;
    chart
        .draw_series(means.iter().map(|&p| Circle::new(p, 4, blue.filled())))
        .map_err(err)?;
    // Replicates that never got there, written above each point that has any.
    let font = ("sans-serif", 13).into_font().color(&RGBColor(213, 94, 0));
    for p in &pts {
        if p.1.never > 0 {
            let total = p.1.n + p.1.never;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("never {}/{total}", p.1.never),
                    (p.0[0], hi * 0.95),
                    font.clone(),
                )))
                .map_err(err)?;
        }
    }
    root.present().map_err(err)
}

/// The metric over two parameters: one cell per point, coloured by the mean.
pub fn heatmap<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &SweepChart) -> Res {
    root.fill(&WHITE).map_err(err)?;
    let axis = |k: usize| {
        let mut v: Vec<f64> = c.points.iter().map(|p| p.0[k]).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let (xs, ys) = (axis(0), axis(1));
    let means: Vec<f64> = c.points.iter().filter_map(|p| p.1.mean).collect();
    let (lo, hi) = means
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &m| {
            (a.min(m), b.max(m))
        });
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..xs.len() as f64, 0.0..ys.len() as f64)
        .map_err(err)?;
    let label =
        |values: &[f64], v: &f64| values.get(*v as usize).map_or(String::new(), |x| fmt(*x));
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(c.params[0].as_str())
        .y_desc(c.params[1].as_str())
        .x_labels(xs.len() * 2 + 1)
        .y_labels(ys.len() * 2 + 1)
        .x_label_formatter(&|v| {
            if v.fract() == 0.5 {
                label(&xs, v)
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| {
            if v.fract() == 0.5 {
                label(&ys, v)
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(err)?;
    let text = ("sans-serif", 13).into_font();
    for (values, s) in &c.points {
        let i = xs.iter().position(|x| x == &values[0]).unwrap_or(0) as f64;
        let j = ys.iter().position(|y| y == &values[1]).unwrap_or(0) as f64;
        let (fill, words) = match s.mean {
            Some(m) => {
                let t = if hi > lo { (m - lo) / (hi - lo) } else { 0.5 };
                (shade(t), fmt(m))
            }
            None => (RGBColor(220, 220, 220), "never".to_string()),
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(i, j), (i + 1.0, j + 1.0)],
                fill.filled(),
            )))
            .map_err(err)?;
        let ink = if s
            .mean
            .is_some_and(|m| hi > lo && (m - lo) / (hi - lo) > 0.55)
        {
            BLACK
        } else {
            WHITE
        };
        let ink = if s.mean.is_none() { BLACK } else { ink };
        chart
            .draw_series(std::iter::once(Text::new(
                words,
                (i + 0.08, j + 0.62),
                text.clone().color(&ink),
            )))
            .map_err(err)?;
        if s.never > 0 && s.mean.is_some() {
            let total = s.n + s.never;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("never {}/{total}", s.never),
                    (i + 0.08, j + 0.32),
                    text.clone().color(&ink),
                )))
                .map_err(err)?;
        }
    }
    root.present().map_err(err)
}
