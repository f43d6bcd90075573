//! A shard of a sweep: the runs whose index is `I` mod `N`, written `I/N` on the command
//! line, so that several processes or machines share one sweep.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (`0 <= index < count`): the runs whose index is `index` mod
/// `count`. Parsed from `I/N` (`--shard`), shown the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole sweep as one shard (`0/1`).
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Whether the run with index `run` belongs to this shard.
    pub fn holds(&self, run: usize) -> bool {
        run % self.count == self.index
    }
}

/// Why a shard could not be parsed (clap names the option and the value given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected I/N with 0 <= I < N, e.g. 0/4")]
pub struct ShardError;

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        text.split_once('/')
            .and_then(|(i, n)| Some((i.parse::<usize>().ok()?, n.parse::<usize>().ok()?)))
            .filter(|&(i, n)| n >= 1 && i < n)
            .map(|(index, count)| Shard { index, count })
            .ok_or(ShardError)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_as_i_of_n() {
        assert_eq!("1/4".parse(), Ok(Shard { index: 1, count: 4 }));
        assert_eq!("0/1".parse(), Ok(Shard::WHOLE));
        for bad in ["4/4", "0/0", "1", "-1/4", "a/b", "1/4/2", ""] {
            assert_eq!(bad.parse::<Shard>(), Err(ShardError), "{bad}");
        }
        assert_eq!(Shard { index: 2, count: 3 }.to_string(), "2/3");
        assert!(Shard { index: 2, count: 3 }.holds(5));
    }
}
