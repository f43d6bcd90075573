//! The charts, drawn on any plotters backend (PNG and SVG use the same code).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::{Point, RunData};

/// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

pub type Area<'a, DB> = DrawingArea<DB, Shift>;
type Res = Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn end_hours(d: &RunData) -> f64 {
    d.shares
        .iter()
        .flat_map(|tab| tab.values())
        .flat_map(|v| v.last())
        .map(|p| p.hours)
        .fold(1.0, f64::max)
}

/// A legend beside the plot (it never covers data): coloured lines and labels.
fn legend<DB: DrawingBackend>(area: &Area<DB>, entries: &[(String, RGBColor, bool)]) -> Res {
    let font = ("sans-serif", 15).into_font();
    for (i, (label, c, dashed)) in entries.iter().enumerate() {
        let y = 40 + 22 * i as i32;
        if *dashed {
            for x in [8, 20] {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 8, y)],
                    c.stroke_width(2),
                ))
                .map_err(err)?;
            }
        } else {
            area.draw(&PathElement::new(vec![(8, y), (36, y)], c.stroke_width(2)))
                .map_err(err)?;
        }
        area.draw(&Text::new(label.clone(), (42, y - 8), font.clone()))
            .map_err(err)?;
    }
    Ok(())
}

/// A line for the mean and, with replicates, a shaded 95% band.
fn band_and_line<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    points: &[Point],
    c: RGBColor,
    dashed: bool,
) -> Res {
    if points.iter().any(|p| p.hi > p.lo) {
        let mut outline: Vec<(f64, f64)> = points.iter().map(|p| (p.hours, p.hi)).collect();
        outline.extend(points.iter().rev().map(|p| (p.hours, p.lo)));
        chart
            .draw_series(std::iter::once(Polygon::new(outline, c.mix(0.18).filled())))
            .map_err(err)?;
    }
    let line = points.iter().map(|p| (p.hours, p.mean));
    if dashed {
        chart
            .draw_series(DashedLineSeries::new(line, 6, 4, c.stroke_width(2)))
            .map_err(err)?;
    } else {
        chart
            .draw_series(LineSeries::new(line, c.stroke_width(2)))
            .map_err(err)?;
    }
    Ok(())
}

/// Share of each feed's tabs over time: a panel per feed, a colour per population.
pub fn shares<DB: DrawingBackend>(root: &Area<DB>, d: &RunData) -> Res {
    root.fill(&WHITE).map_err(err)?;
    // The first tab (Latest) always; the others rank by engagement, so only with readers.
    let shown = if d.readers {
        d.tabs.len()
    } else {
        d.tabs.len().min(1)
    };
    let title_case = |t: &String| {
        let mut c = t.chars();
        c.next()
            .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
    };
    let names: Vec<String> = d.tabs[..shown].iter().map(title_case).collect();
    let tabs = match names.split_first() {
        Some((first, [])) => format!("{first} tab"),
        Some((first, rest)) => format!("{first} (solid) and {} (dashed) tabs", rest.join(", ")),
        None => "tabs".into(),
    };
    let bands = if d.replicates > 1 {
        format!(", mean and 95% band of {} replicates", d.replicates)
    } else {
        String::new()
    };
    let (title, body) = root.split_vertically(50);
    title
        .draw(&Text::new(
            format!("{}: who holds each hashtag's {tabs}{bands}", d.scenario),
            (20, 15),
            ("sans-serif", 22).into_font(),
        ))
        .map_err(err)?;
    let end = end_hours(d);
    let panels = body.split_evenly((d.feeds.len().max(1), 1));
    for (feed, panel) in d.feeds.iter().zip(&panels) {
        let (plot, side) = panel.split_horizontally(panel.dim_in_pixel().0 as i32 - 200);
        let mut chart = ChartBuilder::on(&plot)
            .caption(format!("#{feed}"), ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(0.0..end, 0.0..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("hours since start")
            .y_desc("share of the tab")
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        for &level in &d.levels {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, level), (end, level)],
                    3,
                    5,
                    BLACK.mix(0.35).stroke_width(1),
                ))
                .map_err(err)?;
        }
        let mut entries = Vec::new();
        for (i, pop) in d.populations.iter().enumerate() {
            let key = (feed.clone(), pop.clone());
            let Some(latest) = d.shares.first().and_then(|tab| tab.get(&key)) else {
                continue;
            };
            if latest.iter().all(|p| p.hi == 0.0) {
                continue; // never in this feed
            }
            let c = colour(i);
            for (t, name) in names.iter().enumerate() {
                if let Some(points) = d.shares[t].get(&key) {
                    band_and_line(&mut chart, points, c, t > 0)?;
                    entries.push((format!("{pop} {name}"), c, t > 0));
                }
            }
            // Domination times: a marker where each level was first reached and held.
            for (t, tab) in d.tabs[..shown].iter().enumerate() {
                let size = if t == 0 { 7 } else { 5 };
                for &level in &d.levels {
                    if let Some(&t) = d.reached.get(&(
                        feed.clone(),
                        pop.clone(),
                        tab.clone(),
                        format!("{level:?}"),
                    )) {
                        chart
                            .draw_series(std::iter::once(TriangleMarker::new(
                                (t, level),
                                size,
                                c.filled(),
                            )))
                            .map_err(err)?;
                    }
                }
            }
        }
        entries.push(("levels; ▲ reached".into(), RGBColor(150, 150, 150), true));
        legend(&side, &entries)?;
    }
    root.present().map_err(err)
}

/// Mobilisation: active (solid) and quit (dashed) fraction of each population.
pub fn mobilisation<DB: DrawingBackend>(root: &Area<DB>, d: &RunData) -> Res {
    root.fill(&WHITE).map_err(err)?;
    let (plot, side) = root.split_horizontally(root.dim_in_pixel().0 as i32 - 200);
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            format!(
                "{}: the cascade — share of each population active (solid) and quit (dashed)",
                d.scenario
            ),
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..end_hours(d), 0.0..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hours since start")
        .y_desc("fraction of the population")
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    let mut entries = Vec::new();
    for (i, pop) in d.populations.iter().enumerate() {
        let c = colour(i);
        if let Some(a) = d.active.get(pop) {
            band_and_line(&mut chart, a, c, false)?;
            entries.push((format!("{pop} active"), c, false));
        }
        if let Some(q) = d.quit.get(pop)
            && q.iter().any(|p| p.hi > 0.0)
        {
            band_and_line(&mut chart, q, c, true)?;
            entries.push((format!("{pop} quit"), c, true));
        }
    }
    legend(&side, &entries)?;
    root.present().map_err(err)
}

/// The app: queue length with outages shaded, and the displayed rating.
pub fn app<DB: DrawingBackend>(root: &Area<DB>, d: &RunData) -> Res {
    root.fill(&WHITE).map_err(err)?;
    let end = d.app.last().map_or(1.0, |p| p.hours);
    let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 / 2);
    let outages: Vec<(f64, f64)> = {
        let mut spans = Vec::new();
        let mut start = None;
        let mut prev = 0.0;
        for p in &d.app {
            match (p.up, start) {
                (false, None) => start = Some(prev),
                (true, Some(s)) => {
                    spans.push((s, prev));
                    start = None;
                }
                _ => {}
            }
            prev = p.hours;
        }
        if let Some(s) = start {
            spans.push((s, end));
        }
        spans
    };
    let queue_max = d.app.iter().map(|p| p.queue).fold(1.0, f64::max) * 1.1;
    let suffix = if d.replicates > 1 {
        " (first replicate)"
    } else {
        ""
    };
    let mut q = ChartBuilder::on(&top)
        .caption(
            format!("{}: app review queue; outages shaded{suffix}", d.scenario),
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, 0.0..queue_max)
        .map_err(err)?;
    q.configure_mesh()
        .x_desc("hours since start")
        .y_desc("submissions waiting")
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    q.draw_series(outages.iter().map(|&(a, b)| {
        Rectangle::new(
            [(a, 0.0), (b, queue_max)],
            RGBColor(213, 94, 0).mix(0.2).filled(),
        )
    }))
    .map_err(err)?;
    q.draw_series(LineSeries::new(
        d.app.iter().map(|p| (p.hours, p.queue)),
        colour(0).stroke_width(2),
    ))
    .map_err(err)?;
    let mut r = ChartBuilder::on(&bottom)
        .caption(
            "displayed store rating (dashed: alert level)",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, 1.0..5.0)
        .map_err(err)?;
    r.configure_mesh()
        .x_desc("hours since start")
        .y_desc("stars")
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    r.draw_series(outages.iter().map(|&(a, b)| {
        Rectangle::new([(a, 1.0), (b, 5.0)], RGBColor(213, 94, 0).mix(0.2).filled())
    }))
    .map_err(err)?;
    if let Some(alert) = d.rating_alert {
        r.draw_series(DashedLineSeries::new(
            vec![(0.0, alert), (end, alert)],
            6,
            4,
            BLACK.mix(0.5).stroke_width(1),
        ))
        .map_err(err)?;
    }
    r.draw_series(LineSeries::new(
        d.app.iter().map(|p| (p.hours, p.rating.clamp(1.0, 5.0))),
        colour(1).stroke_width(2),
    ))
    .map_err(err)?;
    root.present().map_err(err)
}

/// Time to each Latest domination level across replicates: one row per feed, population
/// and level, a dot per replicate, and how many never got there.
pub fn distribution<DB: DrawingBackend>(root: &Area<DB>, d: &RunData) -> Res {
    root.fill(&WHITE).map_err(err)?;
    let rows: Vec<_> = d
        .distribution
        .iter()
        .filter(|(_, (times, _))| !times.is_empty())
        .collect();
    let end = end_hours(d);
    let (labels, plot) = root.split_horizontally(330);
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            format!(
                "{}: time to dominate the Latest tab, {} replicates",
                d.scenario, d.replicates
            ),
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(10)
        .build_cartesian_2d(0.0..end, 0.0..(rows.len().max(1) as f64))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hours since start")
        .disable_y_mesh()
        .disable_y_axis()
        .draw()
        .map_err(err)?;
    let font = ("sans-serif", 14).into_font();
    let (_, plot_h) = plot.dim_in_pixel();
    let row_px = (plot_h as f64 - 90.0) / rows.len().max(1) as f64;
    for (i, ((feed, pop, level), (times, never))) in rows.iter().enumerate() {
        let y = i as f64 + 0.5;
        let c = colour(d.populations.iter().position(|p| p == pop).unwrap_or(0));
        chart
            .draw_series(
                times
                    .iter()
                    .map(|&t| Circle::new((t, y), 4, c.mix(0.7).filled())),
            )
            .map_err(err)?;
        let label = format!("#{feed} {pop} ≥ {level} (never in {never})");
        let py = 45 + (row_px * (rows.len() - 1 - i) as f64 + row_px / 2.0) as i32;
        labels
            .draw(&Text::new(label, (10, py), font.clone()))
            .map_err(err)?;
    }
    root.present().map_err(err)
}

/// One frame of the teaching animation: the Latest tab of `feed` as a wall of tiles, one
/// per post (oldest top left), coloured by population, with the clock and the shares.
pub fn window_frame<DB: DrawingBackend>(
    root: &Area<DB>,
    d: &RunData,
    feed: &str,
    hours: f64,
    pops: &[String],
) -> Res {
    root.fill(&WHITE).map_err(err)?;
    let (w, h) = root.dim_in_pixel();
    let title = ("sans-serif", 20).into_font();
    root.draw(&Text::new(
        format!("#{feed}: the Latest tab at {hours:.1} h"),
        (14, 10),
        title,
    ))
    .map_err(err)?;
    let cols = 5usize;
    let rows = pops.len().div_ceil(cols).max(1);
    let tile = ((w as i32 - 40) / cols as i32).min((h as i32 - 110) / rows as i32) - 6;
    for (i, pop) in pops.iter().enumerate() {
        let (r, c) = ((i / cols) as i32, (i % cols) as i32);
        let x = 20 + c * (tile + 6);
        let y = 44 + r * (tile + 6);
        let idx = d.populations.iter().position(|p| p == pop).unwrap_or(0);
        root.draw(&Rectangle::new(
            [(x, y), (x + tile, y + tile)],
            colour(idx).filled(),
        ))
        .map_err(err)?;
    }
    let font = ("sans-serif", 16).into_font();
    let mut x = 20;
    let y = h as i32 - 40;
    for (idx, pop) in d.populations.iter().enumerate() {
        let n = pops.iter().filter(|p| *p == pop).count();
        if n == 0
            && !d
                .shares
                .first()
                .and_then(|tab| tab.get(&(feed.to_string(), pop.clone())))
                .is_some_and(|v| v.iter().any(|p| p.hi > 0.0))
        {
            continue;
        }
        let share = if pops.is_empty() {
            0.0
        } else {
            100.0 * n as f64 / pops.len() as f64
        };
        root.draw(&Rectangle::new(
            [(x, y), (x + 14, y + 14)],
            colour(idx).filled(),
        ))
        .map_err(err)?;
        let label = format!("{pop} {share:.0}%");
        root.draw(&Text::new(label.clone(), (x + 20, y - 1), font.clone()))
            .map_err(err)?;
        x += 40 + 9 * label.len() as i32;
    }
    root.present().map_err(err)
}
