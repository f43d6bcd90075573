//! A generator of scenario TOML text, hostile on purpose, driven by a stream of choices.
//!
//! Shared by the property test (`tests/robustness.rs`, choices from a seeded
//! `Xoshiro256PlusPlus`) and the `generated` fuzz target (choices read from the fuzzer's
//! bytes, so a mutated byte changes one decision and the text stays well-formed). It
//! covers every distribution kind with ordinary and extreme parameters in every
//! distribution-valued key, extreme counts and durations, odd names, many feeds and
//! populations, every table, and line-level mutations of existing scenarios
//! ([`Gen::mutate`]). Each value slot is ordinary, or with probability `wild` extreme; the
//! ordinary values keep a scenario small (at most a few thousand agents, 6 hours), so most
//! scenarios that validate also run quickly.
//!
//! A source that runs dry answers 0, which [`Gen`] reads as "the first option, no
//! optional table, ordinary value": a short input gives a short, plain scenario.

use std::collections::BTreeMap;

/// Where the generator's decisions come from.
pub trait Source {
    /// `bits` (1 to 32) random bits.
    fn bits(&mut self, bits: u32) -> u64;
}

/// Decisions read from a byte string (a fuzzer's input), then zeros.
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data }
    }
}

impl Source for Bytes<'_> {
    fn bits(&mut self, bits: u32) -> u64 {
        let n = bits.div_ceil(8) as usize;
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        let v = head.iter().fold(0u64, |v, &b| v << 8 | u64::from(b));
        v & ((1u64 << bits) - 1)
    }
}

/// Extreme floats, as TOML writes them.
const WILD_FLOATS: &[&str] = &[
    "1e308",
    "-1e308",
    "1e-308",
    "5e-324",
    "0.0",
    "-0.0",
    "-1.0",
    "-1e-9",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "1e19",
    "4294967296.0",
    "1e15",
    "1.0000000001",
    "0.9999999999",
];
/// Extreme integers (and a few values of the wrong type).
const WILD_INTS: &[&str] = &[
    "0",
    "-1",
    "1",
    "255",
    "256",
    "65535",
    "65536",
    "1000000",
    "1000001",
    "4294967294",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "1.5",
    "1e3",
    "\"3\"",
];
/// Extreme or malformed durations.
const WILD_DURATIONS: &[&str] = &[
    "\"1ns\"",
    "\"100000h\"",
    "\"0s\"",
    "\"\"",
    "\"3600\"",
    "\"1M\"",
    "\"7s\"",
    "\"1.5h\"",
    "\"-1h\"",
    "\"1h 1ns\"",
    "\"99999999999999999999h\"",
    "\"1y\"",
    "\"0.1s\"",
    "\"13m\"",
    "\"1 hour\"",
    "\"50000000m\"",
    "\"1h1h1h\"",
    "60",
];
/// Names: ordinary ones, and ones that look like paths or break key syntax.
const NAMES: &[&str] = &["a", "b", "fans", "locals", "Tag1", "TagB", "p_2", "x-y"];
const WILD_NAMES: &[&str] = &[
    "a/b",
    "..",
    "../../escaped",
    "a.b",
    ".",
    "ü",
    "한국",
    "",
    " ",
    "a b",
    "A",
    "a\tb",
    "con",
    "nul\u{0}",
    "a\\b",
    "quote\"d",
];
/// Extreme but well-formed parameter sets, by distribution kind.
const EXTREME_PARAMS: &[(&str, &str)] = &[
    ("constant", "value = 1e308"),
    ("constant", "value = 5e-324"),
    ("constant", "value = -1e308"),
    ("uniform", "min = -1e308, max = 1e308"),
    ("uniform", "min = 0.0, max = 1e308"),
    ("uniform", "min = 1e-308, max = 2e-308"),
    ("uniform", "min = 1.0, max = 1.0000000000000002"),
    ("exponential", "mean = 1e308"),
    ("exponential", "mean = 5e-324"),
    ("exponential", "mean = 1e-300"),
    ("normal", "mean = 1e308, sd = 1e308"),
    ("normal", "mean = -1e308, sd = 5e-324"),
    ("normal", "mean = 0.0, sd = 1e300"),
    ("lognormal", "mu = 700.0, sigma = 1.0"),
    ("lognormal", "mu = 0.0, sigma = 30.0"),
    ("lognormal", "mu = -1e308, sigma = 1e308"),
    ("lognormal", "mu = -745.0, sigma = 0.1"),
    ("gamma", "shape = 1e-308, scale = 1.0"),
    ("gamma", "shape = 1e308, scale = 1e308"),
    ("gamma", "shape = 0.001, scale = 1e-308"),
    ("pareto", "scale = 0.1, shape = 0.5"),
    ("pareto", "scale = 1e-308, shape = 1e-308"),
    ("pareto", "scale = 1e308, shape = 1e308"),
    ("pareto", "scale = 1.0, shape = 1.0"),
];
/// The kinds that keys of non-negative values accept.
const NON_NEGATIVE_DISTS: &[&str] = &[
    "constant",
    "uniform",
    "exponential",
    "lognormal",
    "gamma",
    "pareto",
];
const DISTS: &[&str] = &[
    "constant",
    "uniform",
    "exponential",
    "normal",
    "lognormal",
    "gamma",
    "pareto",
];

/// Scenario text from a [`Source`] of decisions. `wild` is the chance that a value slot
/// gets an extreme value instead of an ordinary one.
pub struct Gen<S> {
    pub src: S,
    pub wild: f64,
}

impl<S: Source> Gen<S> {
    /// A generator whose first decision sets `wild` (0, 0.02, 0.05, 0.15 or 0.4).
    pub fn new(src: S) -> Self {
        let mut g = Gen { src, wild: 0.0 };
        g.wild = [0.0, 0.02, 0.05, 0.15, 0.4][g.below(5)];
        g
    }

    /// True with probability `p` (to 1/65536); false when the source is dry.
    pub fn chance(&mut self, p: f64) -> bool {
        self.src.bits(16) as f64 >= (1.0 - p) * 65536.0
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let bits = if n <= 1 << 8 {
            8
        } else if n <= 1 << 16 {
            16
        } else {
            32
        };
        (self.src.bits(bits) % n as u64) as usize
    }

    /// A float in `[lo, hi)` (24 bits of resolution).
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.src.bits(24) as f64 / (1u64 << 24) as f64)
    }

    /// An integer in `lo..=hi`.
    fn integer(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.src.bits(32) % (hi - lo + 1) as u64) as i64
    }

    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }

    fn wild(&mut self) -> bool {
        self.chance(self.wild)
    }

    /// A float in `[lo, hi)`, or an extreme one.
    fn real(&mut self, lo: f64, hi: f64) -> String {
        if self.wild() {
            self.pick(WILD_FLOATS).to_string()
        } else {
            float(self.uniform(lo, hi))
        }
    }

    /// A probability (sometimes exactly 0 or 1), or an extreme value.
    fn prob(&mut self, hi: f64) -> String {
        match self.below(8) {
            0 => "0.0".into(),
            1 => "1.0".into(),
            _ => self.real(0.0, hi),
        }
    }

    /// A rate per hour: 0, a float in `[0, hi)`, or an extreme one.
    fn rate(&mut self, hi: f64) -> String {
        match self.below(8) {
            0 => "0.0".into(),
            _ => self.real(0.0, hi),
        }
    }

    /// An integer in `[lo, hi]`, or an extreme one.
    fn int(&mut self, lo: i64, hi: i64) -> String {
        if self.wild() {
            self.pick(WILD_INTS).to_string()
        } else {
            self.integer(lo, hi).to_string()
        }
    }

    /// One of `ordinary` (quoted), or an extreme duration.
    fn duration(&mut self, ordinary: &[&str]) -> String {
        if self.wild() {
            self.pick(WILD_DURATIONS).to_string()
        } else {
            format!("\"{}\"", self.pick(ordinary))
        }
    }

    /// A name, odd now and then.
    fn name(&mut self) -> String {
        if self.wild() {
            self.pick(WILD_NAMES).to_string()
        } else {
            self.pick(NAMES).to_string()
        }
    }

    /// A distribution table whose typical values are around `scale`; any kind, with
    /// ordinary or extreme parameters, now and then malformed.
    /// `non_negative` keys get `normal` (which they refuse) only as a wild value.
    fn dist(&mut self, scale: f64, non_negative: bool) -> String {
        let kind = if self.chance(self.wild / 10.0) {
            self.pick(&["weibull", "", "Normal"])
        } else if non_negative && !self.wild() {
            self.pick(NON_NEGATIVE_DISTS)
        } else {
            self.pick(DISTS)
        };
        // Now and then all parameters at once from a list of extreme combinations, since
        // single extreme values are mostly refused on their own.
        let extremes: Vec<&str> = EXTREME_PARAMS
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, p)| *p)
            .collect();
        if !extremes.is_empty() && self.chance(self.wild / 2.0) {
            let params = extremes[self.below(extremes.len())];
            return format!("{{ dist = \"{kind}\", {params} }}");
        }
        let params: Vec<(&str, String)> = match kind {
            "constant" => vec![("value", self.real(0.0, 2.0 * scale))],
            "uniform" => {
                let min = self.uniform(0.0, scale);
                let max = min + self.uniform(0.01, 2.0) * scale;
                let (min, max) = (float(min), float(max));
                let min = if self.wild() {
                    self.pick(WILD_FLOATS).into()
                } else {
                    min
                };
                let max = if self.wild() {
                    self.pick(WILD_FLOATS).into()
                } else {
                    max
                };
                vec![("min", min), ("max", max)]
            }
            "exponential" => vec![("mean", self.real(0.05 * scale, 2.0 * scale))],
            "normal" => vec![
                ("mean", self.real(0.0, scale)),
                ("sd", self.real(0.05 * scale, scale)),
            ],
            "lognormal" => vec![
                ("mu", self.real(scale.ln() - 2.0, scale.ln() + 0.5)),
                ("sigma", self.real(0.1, 1.5)),
            ],
            "gamma" => vec![
                ("shape", self.real(0.2, 3.0)),
                ("scale", self.real(0.1 * scale, scale)),
            ],
            "pareto" => vec![
                ("scale", self.real(0.05 * scale, 0.5 * scale)),
                ("shape", self.real(1.2, 4.0)),
            ],
            _ => vec![("value", float(scale))],
        };
        let mut params: Vec<String> = params
            .into_iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        if self.chance(self.wild / 10.0) && !params.is_empty() {
            let i = self.below(params.len());
            params.remove(i); // a missing parameter
        }
        if self.chance(self.wild / 10.0) {
            params.push("extra = 1.0".into()); // an unknown parameter
        }
        let mut out = format!("{{ dist = \"{kind}\"");
        for p in params {
            out.push_str(", ");
            out.push_str(&p);
        }
        out.push_str(" }");
        out
    }

    /// A list of `n` names drawn from `names` (maybe repeated, maybe unknown).
    fn name_list(&mut self, names: &[String]) -> String {
        let n = 1 + self.below(names.len().min(3));
        let mut out: Vec<String> = Vec::new();
        for _ in 0..n {
            let name = if self.wild() {
                self.name()
            } else {
                names[self.below(names.len())].clone()
            };
            out.push(q(&name));
        }
        if !self.wild() {
            out.dedup();
        }
        format!("[{}]", out.join(", "))
    }

    /// An inline table `{ NAME = weight, ... }` over some of `names`; with `probabilities`
    /// the values are probabilities (up to 0.3).
    fn weights(&mut self, names: &[String], probabilities: bool) -> String {
        let n = 1 + self.below(names.len().min(3));
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let name = if self.wild() {
                self.name()
            } else {
                names[self.below(names.len())].clone()
            };
            let w = if probabilities {
                self.prob(0.3)
            } else if self.chance(0.8) {
                self.real(0.1, 3.0)
            } else {
                self.real(0.0, 1.0)
            };
            out.insert(name, w);
        }
        let parts: Vec<String> = out.iter().map(|(k, v)| format!("{} = {v}", q(k))).collect();
        format!("{{ {} }}", parts.join(", "))
    }

    /// A whole scenario.
    pub fn scenario(&mut self) -> String {
        let mut s = String::new();
        let many = self.chance(0.03);
        if self.chance(0.3) {
            s += &format!("name = {}\n", q(&self.name()));
        }
        if self.chance(0.3) {
            s += &format!("seed = {}\n", self.int(0, 1 << 40));
        }
        // Time: dt first, so that ordinary durations are whole steps.
        let dt = self.duration(&["1m", "30s", "2m", "5m", "10m"]);
        s += "[time]\n";
        if self.chance(0.3) {
            let start = if self.wild() {
                self.pick(&[
                    "2020-06-01T00:00:00",
                    "\"2020-06-01T00:00:00Z\"",
                    "2020-06-01",
                    "23:59:59",
                    "1979-05-27T00:32:00.999999-07:00",
                ])
            } else {
                self.pick(&["2020-06-01T00:00:00Z", "2020-06-02T19:00:00-05:00"])
            };
            s += &format!("start = {start}\n");
        }
        s += &format!("duration = {}\n", self.duration(&["30m", "1h", "2h", "6h"]));
        s += &format!("dt = {dt}\n");
        if self.chance(0.4) {
            s += "[metrics]\n";
            s += &format!("sample_every = {}\n", self.duration(&["10m", "30m", "1h"]));
            let n = self.below(3);
            let levels: Vec<String> = (0..n).map(|_| self.real(0.1, 1.0)).collect();
            s += &format!("domination_levels = [{}]\n", levels.join(", "));
            s += &format!("domination_hold = {}\n", self.duration(&["0s", "10m"]));
        }
        if self.chance(0.1) {
            s += &format!("[limits]\nmemory_mb = {}\n", self.int(0, 8192));
        }

        let feed_count = if many {
            10 + self.below(50)
        } else {
            1 + self.below(3)
        };
        let pop_count = if many {
            10 + self.below(50)
        } else {
            1 + self.below(3)
        };
        let feeds = self.names(feed_count, "Tag");
        let pops = self.names(pop_count, "pop");
        let kinds: Vec<String> = ["text", "fancam", "meme"].map(String::from).to_vec();
        let mut trending = Vec::new();
        for f in &feeds {
            s += &format!("[feeds.{}]\n", q(f));
            if self.chance(0.5) {
                s += &format!("latest_window = {}\n", self.int(1, 50));
            }
            if self.chance(0.4) {
                trending.push(f.clone());
                s += &format!(
                    "trending = {{ window = {}, threshold = {} }}\n",
                    self.duration(&["10m", "30m", "1h"]),
                    self.int(1, 100)
                );
            }
            if self.chance(0.3) {
                let every = if self.chance(0.3) {
                    format!(", every = {}", self.duration(&["30s", "1m", "5m"]))
                } else {
                    String::new()
                };
                s += &format!(
                    "top = {{ window = {}, gravity = {}{every} }}\n",
                    self.int(1, 50),
                    self.real(0.0, 3.0)
                );
            }
        }
        let app = self.chance(0.3);
        let network = self.chance(0.4);
        let max_size = if many { 50 } else { 400 };
        for (i, p) in pops.iter().enumerate() {
            self.population(&mut s, p, &feeds, &trending, &kinds, app, max_size, i == 0);
        }
        if network {
            self.network(&mut s, &pops);
        }
        if self.chance(0.25) {
            s += "[moderation]\n";
            if self.chance(0.5) {
                s += &format!(
                    "rate_limit = {{ posts = {}, per = {} }}\n",
                    self.int(1, 20),
                    self.duration(&["10m", "1h"])
                );
            }
            if self.chance(0.7) {
                s += &format!("flag = {}\n", self.weights(&kinds, true));
            }
            if self.chance(0.5) {
                s += &format!("removal_delay = {}\n", self.duration(&["0s", "10m", "30m"]));
            }
            if self.chance(0.5) {
                s += &format!("suspend_after = {}\n", self.int(0, 3));
            }
            if self.chance(0.5) {
                s += &format!("detrend_above = {}\n", self.prob(1.0));
            }
        }
        if app {
            s += "[app]\n";
            if self.chance(0.5) {
                s += &format!(
                    "capacity = {{ count_per_minute = {} }}\n",
                    self.real(0.1, 10.0)
                );
            } else {
                s += &format!(
                    "capacity = {{ mb_per_minute = {} }}\n",
                    self.real(1.0, 100.0)
                );
            }
            s += &format!(
                "outage = {{ window = {}, recovery = {} }}\n",
                self.duration(&["30m", "1h"]),
                self.duration(&["10m", "1h"])
            );
            s += &format!("reviewers = {}\n", self.int(1, 5));
            s += &format!("service_minutes = {}\n", self.dist(5.0, true));
            if self.chance(0.5) {
                s += &format!("triage = {{ accuracy = {} }}\n", self.prob(1.0));
            }
            if self.chance(0.5) {
                s += &format!("sla = {}\n", self.duration(&["0s", "1h", "24h"]));
            }
            s += &format!(
                "rating = {{ count = {}, mean = {}, alert_below = {} }}\n",
                self.int(1, 100),
                self.real(1.0, 5.0),
                self.real(1.0, 5.0)
            );
            if self.chance(0.5) {
                s += &format!(
                    "visibility = {{ below = {}, factor = {} }}\n",
                    self.real(1.0, 5.0),
                    self.prob(1.0)
                );
            }
        }
        s
    }

    /// `n` distinct names (ordinary ones get a number; odd ones are kept as drawn).
    fn names(&mut self, n: usize, stem: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for i in 0..n {
            let name = if self.wild() {
                self.name()
            } else {
                format!("{stem}{i}")
            };
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn population(
        &mut self,
        s: &mut String,
        p: &str,
        feeds: &[String],
        trending: &[String],
        kinds: &[String],
        app: bool,
        max_size: i64,
        first: bool,
    ) {
        let t = format!("populations.{}", q(p));
        *s += &format!("[{t}]\n");
        *s += &format!("size = {}\n", self.int(1, max_size));
        if self.chance(0.85) {
            *s += &format!("rate = {}\n", self.dist(1.0, true));
        }
        if self.chance(0.3) {
            let d = match self.below(4) {
                0 => "\"social\"".to_string(),
                1 => "\"flat\"".to_string(),
                2 => {
                    let n = if self.wild() { self.below(30) } else { 24 };
                    let w: Vec<String> = (0..n).map(|_| self.real(0.0, 2.0)).collect();
                    format!("[{}]", w.join(", "))
                }
                _ if self.wild() => "\"nightly\"".to_string(),
                _ => "\"social\"".to_string(),
            };
            *s += &format!("diurnal = {d}\n");
        }
        if self.chance(0.3) {
            let n = if self.wild() {
                self.below(300)
            } else {
                1 + self.below(3)
            };
            let z: Vec<String> = (0..n)
                .map(|_| {
                    format!(
                        "{{ utc_offset = {}, share = {} }}",
                        self.real(-12.0, 14.0),
                        self.real(0.0, 1.0)
                    )
                })
                .collect();
            *s += &format!("timezones = [{}]\n", z.join(", "));
        }
        let least_dominated = self.chance(0.2);
        if least_dominated {
            *s += &format!(
                "targeting = {{ mode = \"least_dominated\", feeds = {} }}\n",
                self.name_list(feeds)
            );
        } else if self.chance(0.4) {
            *s += &format!(
                "targeting = {{ mode = \"weights\", weights = {} }}\n",
                self.weights(feeds, false)
            );
        }
        if first && !self.wild() {
            // Every kind is posted, so `appeal` and `flag` may name any of them.
            *s += "content = { text = 1.0, fancam = 2.0, meme = 0.5 }\n";
        } else if self.chance(0.5) {
            *s += &format!("content = {}\n", self.weights(kinds, false));
        }
        if self.chance(0.5) {
            *s += &format!("[{t}.mobilisation]\n");
            *s += &format!("initial_active = {}\n", self.prob(0.5));
            if self.chance(0.5) {
                *s += &format!(
                    "call_to_action = {{ at = {}, fraction = {} }}\n",
                    self.duration(&["0s", "10m", "30m"]),
                    self.prob(0.2)
                );
            }
            if self.chance(0.5) {
                if self.chance(0.5) {
                    *s += &format!(
                        "cascade = {{ model = \"independent\", p = {}, delay = {} }}\n",
                        self.prob(0.5),
                        self.duration(&["0s", "5m", "10m", "7s"])
                    );
                } else {
                    *s += &format!(
                        "cascade = {{ model = \"threshold\", threshold = {}, delay = {} }}\n",
                        self.dist(0.3, false),
                        self.duration(&["0s", "5m", "10m"])
                    );
                }
            }
            if self.chance(0.3) && (!trending.is_empty() || self.wild()) {
                let feed = if !trending.is_empty() && !self.wild() {
                    trending[self.below(trending.len())].clone()
                } else {
                    feeds[self.below(feeds.len())].clone()
                };
                *s += &format!(
                    "broadcast = {{ feed = {}, rate = {} }}\n",
                    q(&feed),
                    self.rate(3.0)
                );
            }
        }
        if self.chance(0.25) {
            *s += &format!("[{t}.fatigue]\n");
            if self.chance(0.6) {
                *s += &format!(
                    "half_life = {}\n",
                    self.duration(&["10m", "1h", "6h", "1s"])
                );
            }
            if self.chance(0.6) {
                *s += &format!("active_hours = {}\n", self.dist(2.0, true));
            }
        }
        if self.chance(0.2) {
            *s += &format!("[{t}.discouragement]\n");
            *s += &format!("below_share = {}\n", self.prob(1.0));
            *s += &format!("rate = {}\n", self.rate(3.0));
            if self.chance(0.5) {
                let action = if least_dominated && !self.wild() {
                    "quit"
                } else {
                    self.pick(&["quit", "move", "escalate"])
                };
                *s += &format!("action = \"{action}\"\n");
                if action == "escalate" || self.wild() {
                    *s += &format!("factor = {}\n", self.real(0.5, 20.0));
                }
            }
        }
        if self.chance(0.3) {
            *s += &format!("[{t}.reading]\n");
            *s += &format!("rate = {}\n", self.dist(2.0, true));
            *s += &format!("feeds = {}\n", self.weights(feeds, false));
            if self.chance(0.5) {
                *s += &format!("top_share = {}\n", self.prob(1.0));
            }
            if self.chance(0.7) {
                *s += &format!("appeal = {}\n", self.weights(kinds, true));
            }
            if self.chance(0.5) {
                *s += &format!("repost_share = {}\n", self.prob(1.0));
            }
        }
        if (app && self.chance(0.6)) || self.chance(self.wild / 10.0) {
            *s += &format!("[{t}.app]\n");
            if self.chance(0.8) {
                *s += &format!("submit = {}\n", self.dist(0.05, true));
            }
            if self.chance(0.5) {
                *s += &format!("junk = {}\n", self.prob(1.0));
            }
            if self.chance(0.5) {
                *s += &format!("size_mb = {}\n", self.dist(10.0, true));
            }
            if self.chance(0.5) {
                *s += &format!(
                    "rating = {{ rate = {}, stars = {} }}\n",
                    self.rate(0.6),
                    self.dist(3.0, false)
                );
            }
        }
    }

    fn network(&mut self, s: &mut String, pops: &[String]) {
        *s += "[network]\n";
        let listed = if self.chance(0.5) {
            format!("populations = {}\n", self.name_list(pops))
        } else {
            String::new()
        };
        match self.below(5) {
            0 => {
                *s += "generator = \"erdos_renyi\"\n";
                *s += &format!("mean_degree = {}\n{listed}", self.real(0.0, 10.0));
            }
            1 => {
                *s += "generator = \"barabasi_albert\"\n";
                *s += &format!("m = {}\n{listed}", self.int(1, 5));
            }
            2 => {
                *s += "generator = \"watts_strogatz\"\n";
                let k = if self.wild() {
                    self.pick(WILD_INTS).to_string()
                } else {
                    (2 + 2 * self.below(3)).to_string()
                };
                *s += &format!("k = {k}\nbeta = {}\n{listed}", self.prob(1.0));
            }
            3 => {
                *s += "generator = \"block_model\"\n";
                let n = 1 + self.below(pops.len().min(3));
                let blocks: Vec<String> = pops[..n].iter().map(|p| q(p)).collect();
                let size = if self.wild() { n + 1 } else { n };
                let rows: Vec<String> = (0..size)
                    .map(|_| {
                        let row: Vec<String> = (0..n).map(|_| self.prob(0.05)).collect();
                        format!("[{}]", row.join(", "))
                    })
                    .collect();
                *s += &format!(
                    "populations = [{}]\ndensity = [{}]\n",
                    blocks.join(", "),
                    rows.join(", ")
                );
            }
            _ => {
                *s += "generator = \"edge_list\"\n";
                let files = [
                    "edges.csv",
                    "nodes.csv",
                    "bad-edges.csv",
                    "bad-nodes.csv",
                    "empty.csv",
                    "missing.csv",
                ];
                let (edges, nodes) = if self.wild() {
                    (self.pick(&files), self.pick(&files))
                } else {
                    ("edges.csv", "nodes.csv")
                };
                *s += &format!(
                    "edges = \"{edges}\"\nnodes = \"{nodes}\"\nundirected = {}\n",
                    self.chance(0.5)
                );
            }
        }
    }

    /// `text` with one to three line-level mutations: drop, duplicate or swap a line,
    /// change a number or a quoted string, truncate, or add a generated key.
    pub fn mutate(&mut self, text: &str) -> String {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        for _ in 0..1 + self.below(3) {
            if lines.is_empty() {
                break;
            }
            let i = self.below(lines.len());
            match self.below(7) {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                2 => {
                    let j = self.below(lines.len());
                    lines.swap(i, j);
                }
                3 | 4 => {
                    // Change a number to an extreme one (or to another number).
                    let wild = self.wild;
                    self.wild = 0.8;
                    let new = if self.chance(0.5) {
                        self.real(0.0, 10.0)
                    } else {
                        self.int(0, 100)
                    };
                    self.wild = wild;
                    lines[i] = replace_nth_number(&lines[i], self.below(4), &new);
                }
                5 => {
                    let new = if self.chance(0.5) {
                        self.pick(WILD_DURATIONS).to_string()
                    } else {
                        q(self.pick(WILD_NAMES))
                    };
                    lines[i] = replace_first_string(&lines[i], &new);
                }
                _ => {
                    let key = self.pick(&[
                        "rate = ",
                        "threshold = ",
                        "active_hours = ",
                        "service_minutes = ",
                        "submit = ",
                        "size_mb = ",
                        "stars = ",
                    ]);
                    let dist = self.dist(1.0, false);
                    lines.insert(i, format!("{key}{dist}"));
                }
            }
        }
        let mut out = lines.join("\n");
        if self.chance(0.05) {
            let mut cut = self.below(out.len() + 1);
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
        }
        out
    }
}

/// A float as TOML writes it (`2.0`, `1e-7`).
fn float(x: f64) -> String {
    format!("{x:?}")
}

/// A TOML basic string.
fn q(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Replaces the `n`th (mod the count) run of digits in `line` with `new`.
fn replace_nth_number(line: &str, n: usize, new: &str) -> String {
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    if spans.is_empty() {
        return line.to_string();
    }
    let (a, b) = spans[n % spans.len()];
    format!("{}{new}{}", &line[..a], &line[b..])
}

/// Replaces the first quoted string in `line` with `new`.
fn replace_first_string(line: &str, new: &str) -> String {
    let Some(a) = line.find('"') else {
        return line.to_string();
    };
    let Some(len) = line[a + 1..].find('"') else {
        return line.to_string();
    };
    format!("{}{new}{}", &line[..a], &line[a + len + 2..])
}
