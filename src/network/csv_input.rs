//! CSV input for [`load_edge_list`](super::load_edge_list): the errors, which name the file,
//! the line and the offending value so the user can fix the input, and a reader of
//! two-column files with a fixed header and correct line numbers.

use std::fmt;
use std::io::{self, Read};

use csv::{ByteRecord, Reader, ReaderBuilder, Trim};

/// Which of the two input files an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFile {
    /// The CSV mapping node ids to populations (`node,population`).
    NodeMap,
    /// The CSV of follow edges (`src,dst`).
    EdgeList,
}

impl fmt::Display for InputFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputFile::NodeMap => "node map",
            InputFile::EdgeList => "edge list",
        })
    }
}

/// A problem with the node map or the edge list, phrased so the user can fix the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgeListError {
    /// The reader failed (I/O error).
    #[error("{file}: cannot read: {message}")]
    Read { file: InputFile, message: String },
    /// Malformed CSV, such as a line with the wrong number of fields.
    #[error("{file}, line {line}: {message}")]
    Syntax {
        file: InputFile,
        line: u64,
        message: String,
    },
    /// The header line is missing or names other columns.
    #[error("{file}: the first line must be the header `{expected}`, found {found}")]
    Header {
        file: InputFile,
        expected: &'static str,
        found: String,
    },
    /// A node id or population name is empty.
    #[error("{file}, line {line}: the {column} column is empty")]
    EmptyField {
        file: InputFile,
        line: u64,
        column: &'static str,
    },
    /// The node map names a population that is not in the network.
    #[error(
        "node map, line {line}: unknown population `{name}`; the populations in the network are: {known}"
    )]
    UnknownPopulation {
        line: u64,
        name: String,
        known: String,
    },
    /// The node map assigns more nodes to a population than it has agents.
    #[error(
        "node map: population `{population}` has {size} agents in the scenario, but the node map \
         assigns {mapped} nodes to it (the first node too many is on line {line})"
    )]
    TooManyNodes {
        population: String,
        size: u32,
        mapped: u64,
        line: u64,
    },
    /// A node id appears twice in the node map.
    #[error("node map, line {line}: node `{node}` is listed a second time")]
    DuplicateNode { line: u64, node: String },
    /// An edge endpoint is not in the node map.
    #[error("edge list, line {line}: {column} node `{node}` is not in the node map")]
    UnknownNode {
        line: u64,
        column: &'static str,
        node: String,
    },
    /// A population range given by the caller exceeds the number of agents.
    #[error("population `{population}` has agent ids {start}..{end}, past the {num_nodes} agents")]
    RangeOutOfBounds {
        population: String,
        start: u32,
        end: u32,
        num_nodes: usize,
    },
}

impl EdgeListError {
    /// Which of the two files the error is about (`None`: the caller's population ranges).
    pub fn file(&self) -> Option<InputFile> {
        match self {
            EdgeListError::Read { file, .. }
            | EdgeListError::Syntax { file, .. }
            | EdgeListError::Header { file, .. }
            | EdgeListError::EmptyField { file, .. } => Some(*file),
            EdgeListError::UnknownPopulation { .. }
            | EdgeListError::TooManyNodes { .. }
            | EdgeListError::DuplicateNode { .. } => Some(InputFile::NodeMap),
            EdgeListError::UnknownNode { .. } => Some(InputFile::EdgeList),
            EdgeListError::RangeOutOfBounds { .. } => None,
        }
    }
}

/// Turns a CSV reader error into one naming the file and line.
fn csv_error(err: csv::Error, file: InputFile) -> EdgeListError {
    match err.kind() {
        csv::ErrorKind::Io(io) => EdgeListError::Read {
            file,
            message: io.to_string(),
        },
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => EdgeListError::Syntax {
            file,
            line: pos.as_ref().map_or(0, |p| p.line()),
            message: format!(
                "expected {expected_len} comma-separated fields like the header, found {len}"
            ),
        },
        _ => match err.position() {
            Some(pos) => EdgeListError::Syntax {
                file,
                line: pos.line(),
                message: err.to_string(),
            },
            None => EdgeListError::Read {
                file,
                message: err.to_string(),
            },
        },
    }
}

/// A two-column CSV file with a fixed header, read record by record. Fields are trimmed;
/// blank lines are skipped.
pub(super) struct CsvInput<R> {
    reader: Reader<LineEnds<R>>,
    record: ByteRecord,
    file: InputFile,
}

impl<R: Read> CsvInput<R> {
    /// Opens `input` and checks that its header is `expected` (`a,b`).
    pub(super) fn open(
        input: R,
        file: InputFile,
        expected: &'static str,
    ) -> Result<Self, EdgeListError> {
        let mut reader = ReaderBuilder::new()
            .trim(Trim::All)
            .from_reader(LineEnds::new(input));
        let header = reader.byte_headers().map_err(|e| csv_error(e, file))?;
        if header.iter().ne(expected.split(',').map(str::as_bytes)) {
            let found: Vec<String> = header.iter().map(lossy).collect();
            let found = if found.is_empty() {
                "an empty file".to_owned()
            } else {
                format!("`{}`", found.join(","))
            };
            return Err(EdgeListError::Header {
                file,
                expected,
                found,
            });
        }
        Ok(CsvInput {
            reader,
            record: ByteRecord::new(),
            file,
        })
    }

    /// Moves to the next record that is not blank; false at the end of the input.
    pub(super) fn advance(&mut self) -> Result<bool, EdgeListError> {
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(e, self.file))?;
            if !more || self.record.iter().any(|f| !f.is_empty()) {
                return Ok(more);
            }
        }
    }

    /// The line the current record starts on (1 is the header).
    pub(super) fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    /// Field `index` of the current record (the reader enforces the field count), which must
    /// not be empty; `column` names it in the error.
    pub(super) fn field(&self, index: usize, column: &'static str) -> Result<&[u8], EdgeListError> {
        match self.record.get(index) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(EdgeListError::EmptyField {
                file: self.file,
                line: self.line(),
                column,
            }),
        }
    }
}

/// Longest line of a node map or edge list, in bytes: a line holds two ids (or an id
/// and a population name), so a longer one is a wrong file, refused before it is held
/// in memory whole.
pub const MAX_LINE_BYTES: usize = 4096;
/// Characters of an input value quoted in a message, at most.
const EXCERPT_CHARS: usize = 60;

/// A node id or name for a message (invalid UTF-8 shown as U+FFFD), cut to a short
/// excerpt so a message never echoes a huge field.
pub(super) fn lossy(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4 * EXCERPT_CHARS)]);
    if text.chars().count() > EXCERPT_CHARS || bytes.len() > 4 * EXCERPT_CHARS {
        let cut: String = text.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}... ({} bytes)", bytes.len())
    } else {
        text.into_owned()
    }
}

/// Normalises line ends so that the csv crate numbers lines right. That crate counts lines
/// at `\n` only and skips blank lines, then reports the record after a skipped blank line on
/// the blank line's number (BurntSushi/rust-csv#208); a `\r\n` line end counts as a line end
/// plus a blank line, so in CRLF files every line number is off. Outside quoted fields, this
/// turns `\r\n` and a lone `\r` into `\n`, and each blank line after the first non-blank
/// one into `,` (a record of empty fields, which [`CsvInput::advance`] skips). For RFC 4180
/// input, an odd number of quotes so far means "inside a quoted field".
struct LineEnds<R> {
    inner: R,
    /// Transformed bytes not yet handed out, from `start`.
    pending: Vec<u8>,
    start: usize,
    /// A `\r` seen outside quotes, not yet known to be part of `\r\n`.
    carriage_return: bool,
    /// The last byte emitted (`\n` before the first one).
    last: u8,
    quoted: bool,
    /// Whether anything but a line end has been seen (blank lines before the header stay).
    content: bool,
    /// Physical lines ended so far, and bytes of the current one.
    lines: u64,
    line_bytes: usize,
}

impl<R: Read> LineEnds<R> {
    fn new(inner: R) -> Self {
        LineEnds {
            inner,
            pending: Vec::new(),
            start: 0,
            carriage_return: false,
            last: b'\n',
            quoted: false,
            content: false,
            lines: 0,
            line_bytes: 0,
        }
    }

    fn line_end(&mut self) {
        if self.content && self.last == b'\n' {
            self.pending.push(b',');
        }
        self.pending.push(b'\n');
        self.last = b'\n';
        self.lines += 1;
        self.line_bytes = 0;
    }

    fn push(&mut self, c: u8) {
        if std::mem::take(&mut self.carriage_return) {
            self.line_end();
            if c == b'\n' {
                return;
            }
        }
        match c {
            b'\r' if !self.quoted => self.carriage_return = true,
            b'\n' if !self.quoted => self.line_end(),
            _ => {
                self.quoted ^= c == b'"';
                self.content = true;
                self.line_bytes += 1;
                self.pending.push(c);
                self.last = c;
            }
        }
    }
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.start == self.pending.len() {
            let mut raw = [0u8; 8192];
            let n = self.inner.read(&mut raw)?;
            self.pending.clear();
            self.start = 0;
            if n == 0 {
                if std::mem::take(&mut self.carriage_return) {
                    self.line_end();
                    continue;
                }
                return Ok(0);
            }
            for &c in &raw[..n] {
                self.push(c);
                if self.line_bytes > MAX_LINE_BYTES {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "line {} is longer than {MAX_LINE_BYTES} bytes (a line holds two \
                             short fields); is this the right file?",
                            self.lines + 1
                        ),
                    ));
                }
            }
        }
        let n = out.len().min(self.pending.len() - self.start);
        out[..n].copy_from_slice(&self.pending[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per read, so every line end straddles a read boundary somewhere.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn lines_of(input: impl Read) -> Vec<(u64, String)> {
        let mut input = CsvInput::open(input, InputFile::EdgeList, "src,dst").unwrap();
        let mut seen = Vec::new();
        while input.advance().unwrap() {
            seen.push((input.line(), lossy(input.field(0, "src").unwrap())));
        }
        seen
    }

    #[test]
    fn line_numbers_are_physical_lines_whatever_the_line_ends() {
        // Blank lines (before the header too), CRLF, a lone CR, and a quoted id holding a
        // CRLF and a blank line, which must stay as they are.
        let data = "\nsrc,dst\na,b\n\n\nc,d\r\ne,f\r\n\r\ng,h\r\"x\r\n\ny\",z\n\nk,l";
        let expected: Vec<(u64, String)> = [
            (3, "a"),
            (6, "c"),
            (7, "e"),
            (9, "g"),
            (10, "x\r\n\ny"),
            (14, "k"),
        ]
        .iter()
        .map(|&(l, s)| (l, s.to_owned()))
        .collect();
        assert_eq!(lines_of(data.as_bytes()), expected);
        assert_eq!(lines_of(OneByte(data.as_bytes())), expected);
        // A CR at the very end, and a CRLF file from start to end.
        assert_eq!(lines_of("src,dst\ra,b\r".as_bytes()), [(2, "a".to_owned())]);
        let crlf = "src,dst\r\na,b\r\nc,d\r\n\r\ne,f\r\n";
        let lines: Vec<u64> = lines_of(OneByte(crlf.as_bytes()))
            .iter()
            .map(|l| l.0)
            .collect();
        assert_eq!(lines, [2, 3, 5]);
    }
}
