//! CSV tables whose columns follow the scenario's tabs: one row type per file, written
//! by the exporters and read back by the charts (`hashflood plot`).
//!
//! Numbers are written by the `csv` crate's serde writer, so a table with per-tab columns
//! formats every value exactly as a fixed struct row would.

use serde::{Serialize, Serializer};

use crate::metrics::round6;
use crate::scenario::Scenario;

/// One value of a row.
pub enum Cell<'a> {
    Float(f64),
    Count(u64),
    Text(&'a str),
}

impl Serialize for Cell<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Float(x) => s.serialize_f64(*x),
            Cell::Count(n) => s.serialize_u64(*n),
            Cell::Text(t) => s.serialize_str(t),
        }
    }
}

/// A row of a table with per-tab columns.
pub trait Row: Sized {
    /// The columns of a table over these tabs.
    fn header(tabs: &[String]) -> Vec<String>;

    /// The row's values, in the order of [`Row::header`].
    fn cells(&self) -> Vec<Cell<'_>>;

    /// Reads a row back; `tabs` are those the header names.
    fn parse(row: &Fields, tabs: &[String]) -> Result<Self, String>;

    /// The tabs a header names.
    fn tabs(header: &[String]) -> Vec<String>;
}

/// Where a series row is: the sample time, the feed and the population (the first four
/// columns of the time series and the aggregate series).
#[derive(Debug, Clone, PartialEq)]
pub struct SampleKey {
    pub hours: f64,
    pub step: u32,
    pub feed: String,
    pub population: String,
}

impl SampleKey {
    /// The key of step `step`, feed `feed` and population `pop` of `s`.
    pub fn of(s: &Scenario, step: u32, feed: usize, pop: usize) -> Self {
        SampleKey {
            // As every other writer computes hours (same rounding).
            hours: round6(step as f64 * (s.time.dt_seconds / 3600.0)),
            step,
            feed: s.feeds[feed].name.clone(),
            population: s.populations[pop].name.clone(),
        }
    }

    /// Its columns.
    pub fn header() -> Vec<String> {
        ["hours", "step", "feed", "population"]
            .map(String::from)
            .into()
    }

    /// Its values.
    pub fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            Cell::Float(self.hours),
            Cell::Count(self.step as u64),
            Cell::Text(&self.feed),
            Cell::Text(&self.population),
        ]
    }

    /// Reads it back.
    pub fn parse(r: &Fields) -> Result<Self, String> {
        Ok(SampleKey {
            hours: r.number("hours")?,
            step: r.number("step")?,
            feed: r.text("feed")?.into(),
            population: r.text("population")?.into(),
        })
    }
}

/// Writes a table: its header, then one line per row.
pub fn write<R: Row>(tabs: &[String], rows: &[R]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(R::header(tabs))
        .and_then(|()| rows.iter().try_for_each(|r| w.serialize(r.cells())))
        .expect("writing CSV to memory cannot fail");
    w.into_inner().expect("in-memory writer")
}

/// Reads a table written by [`write()`]: its tabs and rows.
pub fn read<R: Row>(bytes: &[u8]) -> Result<(Vec<String>, Vec<R>), String> {
    let mut r = csv::Reader::from_reader(bytes);
    let header: Vec<String> = r
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let tabs = R::tabs(&header);
    let mut rows = Vec::new();
    for record in r.records() {
        let record = record.map_err(|e| e.to_string())?;
        let fields = Fields {
            header: &header,
            record: &record,
        };
        rows.push(R::parse(&fields, &tabs)?);
    }
    Ok((tabs, rows))
}

/// One line of a table, by column name.
pub struct Fields<'a> {
    header: &'a [String],
    record: &'a csv::StringRecord,
}

impl Fields<'_> {
    /// The text of column `name`.
    pub fn text(&self, name: &str) -> Result<&str, String> {
        let i = self
            .header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no column {name:?}"))?;
        self.record
            .get(i)
            .ok_or_else(|| format!("line {} has no column {name:?}", self.line()))
    }

    /// Column `name` as a number.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<T, String> {
        let text = self.text(name)?;
        text.parse().map_err(|_| {
            format!(
                "line {}: column {name:?} holds {text:?}, not a number",
                self.line()
            )
        })
    }

    fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }
}

/// The tabs of a header whose per-tab columns are `TAB{suffix}`, in order.
pub fn tabs_with_suffix(header: &[String], suffix: &str) -> Vec<String> {
    header
        .iter()
        .filter_map(|h| h.strip_suffix(suffix))
        .map(str::to_string)
        .collect()
}
