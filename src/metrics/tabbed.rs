//! A value per tab, in the feeds' tab order, serialised as a map keyed by tab name.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// One value per tab, in tab order. It serialises as a map from tab name (after an
/// optional prefix: `browses_` gives `browses_latest`) to value, so that summary fields
/// follow the scenario's tabs without naming any.
#[derive(Debug, Clone, PartialEq)]
pub struct Tabbed<T> {
    prefix: &'static str,
    entries: Vec<(String, T)>,
}

impl<T> Tabbed<T> {
    /// Values keyed by the tabs' names.
    pub fn new(entries: Vec<(String, T)>) -> Self {
        Tabbed {
            prefix: "",
            entries,
        }
    }

    /// Values whose keys are the tabs' names after `prefix`.
    pub fn prefixed(prefix: &'static str, entries: Vec<(String, T)>) -> Self {
        Tabbed { prefix, entries }
    }

    /// The value of the tab called `tab`.
    pub fn get(&self, tab: &str) -> Option<&T> {
        self.entries.iter().find(|(n, _)| n == tab).map(|(_, v)| v)
    }

    /// `(tab name, value)` in tab order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// The values in tab order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<T> std::ops::Index<&str> for Tabbed<T> {
    type Output = T;

    fn index(&self, tab: &str) -> &T {
        self.get(tab)
            .unwrap_or_else(|| panic!("no tab called {tab:?}"))
    }
}

impl<T: Serialize> Serialize for Tabbed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.entries.len()))?;
        for (name, value) in &self.entries {
            map.serialize_entry(&format!("{}{name}", self.prefix), value)?;
        }
        map.end()
    }
}
