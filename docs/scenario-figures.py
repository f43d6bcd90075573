#!/usr/bin/env python3
"""The figures quoted in the bundled scenarios' comments, over replicates.

Runs each bundled event scenario (and the variants its comment talks about) with
`hashflood run FILE --replicates N`, reads every replicate's summary.json, timeseries.csv
and app.csv, and prints each figure as the mean with a 95% confidence interval of the mean
(Student t), the number of replicates, and, for times that may never come, how many
replicates reached them. Counts over replicates are printed as "k of n".

    cargo build --release
    python3 docs/scenario-figures.py                  # all scenarios, 20 replicates
    python3 docs/scenario-figures.py --replicates 40 classroom iwatch

Options: --bin (default $CARGO_TARGET_DIR/release/hashflood, else target/release/hashflood),
--out (default output/scenario-figures; each run folder is replaced), --no-run (reuse the
runs already in --out), --markdown (a table instead of aligned text).

Days: the run's time.start carries a UTC offset and the timeseries counts hours since
start; a row at `hours` holds the posts made since the previous sample, so a row belongs
to the day that contains (hours - a tiny bit). Daily counts are given both on the
scenario's local calendar (the offset of time.start) and on the UTC calendar.
Everything here is deterministic: the replicate seeds derive from the scenario's seed.
"""

import argparse
import csv
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FANDOM_FEEDS = ["WhiteLivesMatter", "AllLivesMatter", "BlueLivesMatter"]


# ---------------------------------------------------------------- statistics


def _betacf(a, b, x):
    """Continued fraction of the incomplete beta function (Numerical Recipes)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betai(a, b, x):
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1 - x) / b


def t_cdf(t, df):
    p = 0.5 * _betai(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - p if t > 0 else p


def t_quantile(q, df):
    lo, hi = 0.0, 1000.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


class Stat:
    """Mean and 95% CI of the mean over the values that exist; `never` counts the rest."""

    def __init__(self, values):
        self.n_all = len(values)
        vals = [v for v in values if v is not None]
        self.n = len(vals)
        self.never = self.n_all - self.n
        self.mean = sum(vals) / self.n if self.n else None
        if self.n >= 2:
            var = sum((v - self.mean) ** 2 for v in vals) / (self.n - 1)
            half = t_quantile(0.975, self.n - 1) * math.sqrt(var / self.n)
            self.lo, self.hi = self.mean - half, self.mean + half
        else:
            self.lo = self.hi = self.mean
        self.min = min(vals) if vals else None
        self.max = max(vals) if vals else None


def fmt(x, digits):
    if x is None:
        return "-"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


# ---------------------------------------------------------------- runs


class Run:
    """One `hashflood run --replicates N` folder."""

    def __init__(self, folder):
        self.folder = folder
        reps = sorted((folder / "replicates").iterdir(), key=lambda p: int(p.name[1:]))
        self.summaries = [json.loads((r / "summary.json").read_text()) for r in reps]
        self.series = [list(csv.DictReader(open(r / "timeseries.csv"))) for r in reps]
        self.app = [
            list(csv.DictReader(open(r / "app.csv"))) if (r / "app.csv").exists() else []
            for r in reps
        ]
        text = (folder / "scenario.toml").read_text()
        m = re.search(r"^start\s*=\s*(\S+)", text, re.M)
        self.start = dt.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))

    def __len__(self):
        return len(self.summaries)

    def each(self, f):
        return [f(s) for s in self.summaries]


def num(v):
    return None if v == "never" else float(v)


def pop(s, feed, p):
    return s["feeds"][feed]["populations"][p]


def day_of(hours, offset_hours):
    """Index (from 0) of the calendar day holding the interval that ends at `hours`,
    on a clock `offset_hours` ahead of the run's start clock at midnight of day 0."""
    return math.floor((hours + offset_hours) / 24.0 - 1e-9)


def daily_posts(rows, feed, offset_hours, popn=None):
    days = {}
    for r in rows:
        if r["feed"] == feed and popn in (None, r["population"]):
            d = day_of(float(r["hours"]), offset_hours)
            days[d] = days.get(d, 0) + int(r["posts"])
    return days


def mean_share(rows, feed, popn, col, t0, t1):
    vals = [float(r[col]) for r in rows
            if r["feed"] == feed and r["population"] == popn and t0 < float(r["hours"]) <= t1]
    return sum(vals) / len(vals) if vals else None


def episodes(rows, feed, popn, col, level, sample_h, hold_h):
    """Maximal runs of samples with share >= level lasting at least hold_h; and the
    total time at or above level, first and last hour seen at or above it."""
    xs = [(float(r["hours"]), float(r[col])) for r in rows
          if r["feed"] == feed and r["population"] == popn]
    runs, cur = [], None
    for h, v in xs:
        if v >= level:
            cur = [cur[0], h] if cur else [h, h]
        elif cur:
            runs.append(cur)
            cur = None
    if cur:
        runs.append(cur)
    long_runs = [r for r in runs if r[1] - r[0] + sample_h >= hold_h - 1e-9]
    above = [h for h, v in xs if v >= level]
    total = len(above) * sample_h
    return len(long_runs), total, (above[0] if above else None), (above[-1] if above else None)


def local_clock(start, hours):
    t = start + dt.timedelta(hours=hours)
    return t.strftime("%b %d %H:%M")


# ---------------------------------------------------------------- scenarios


class Table:
    def __init__(self, name):
        self.name = name
        self.rows = []

    def stat(self, what, values, digits=1, unit=""):
        self.rows.append(("stat", what, Stat(values), digits, unit))

    def count(self, what, flags):
        self.rows.append(("count", what, sum(1 for f in flags if f), len(flags)))

    def note(self, what, text):
        self.rows.append(("note", what, text))

    def render(self, markdown):
        out = []
        if markdown:
            out.append(f"\n### {self.name}\n")
            out.append("| figure | mean | 95% CI | n | notes |")
            out.append("|---|---|---|---|---|")
        else:
            out.append(f"\n== {self.name}")
        for row in self.rows:
            if row[0] == "stat":
                _, what, s, d, unit = row
                notes = []
                if s.never:
                    notes.append(f"never in {s.never} of {s.n_all}")
                if s.n:
                    notes.append(f"range {fmt(s.min, d)}-{fmt(s.max, d)}")
                cells = [what, fmt(s.mean, d) + unit, f"{fmt(s.lo, d)}-{fmt(s.hi, d)}",
                         str(s.n), "; ".join(notes)]
            elif row[0] == "count":
                _, what, k, n = row
                cells = [what, f"{k} of {n}", "", str(n), ""]
            else:
                _, what, text = row
                cells = [what, "", "", "", text]
            if markdown:
                out.append("| " + " | ".join(cells) + " |")
            else:
                out.append(f"  {cells[0]:<62} {cells[1]:>10}  [{cells[2]:>17}]  n={cells[3]:<3} {cells[4]}")
        return "\n".join(out)


def whitelivesmatter(run, t):
    off = run.start.utcoffset().total_seconds() / 3600.0
    # each calendar: the day holding the start, and the hours from its midnight to the start
    local_day0 = run.start.date()
    local_lead = run.start.hour + run.start.minute / 60.0
    utc_start = run.start.astimezone(dt.timezone.utc)
    utc_day0 = utc_start.date()
    utc_lead = utc_start.hour + utc_start.minute / 60.0
    local_days = [daily_posts(rows, "BlueLivesMatter", local_lead) for rows in run.series]
    utc_days = [daily_posts(rows, "BlueLivesMatter", utc_lead) for rows in run.series]
    for d in range(4):
        day = local_day0 + dt.timedelta(days=d)
        t.stat(f"#BLM posts, local day {day:%b %d} (UTC{off:+.0f})",
               [x.get(d, 0) for x in local_days], 0)
    for d in range(5):
        day = utc_day0 + dt.timedelta(days=d)
        part = " (part)" if d in (0, 4) else ""
        t.stat(f"#BLM posts, UTC day {day:%b %d}{part}", [x.get(d, 0) for x in utc_days], 0)
    t.stat("#BLM posts, local Jun 03 / Jun 02", [x.get(1, 0) / x.get(0, 1) for x in local_days], 1, "x")
    t.stat("#BLM posts, UTC Jun 03 / Jun 02 (part)", [x.get(1, 0) / x.get(0, 1) for x in utc_days], 1, "x")
    t.stat("opposing posts into #BLM, local day Jun 02",
           [daily_posts(rows, "BlueLivesMatter", local_lead, "opposing").get(0, 0) for rows in run.series], 0)
    t.stat("browses an hour (readers and fans, all feeds)",
           run.each(lambda s: s["totals"]["browses"] / s["time"]["hours"]), 0)
    for p in ["fandom", "opposing"]:
        t.stat(f"{p} mean share #BLM Latest, 0-22 h (before the call)",
               [mean_share(r, "BlueLivesMatter", p, "latest_share", 0, 22) for r in run.series], 3)
        t.stat(f"{p} mean share #BLM Latest, 22-24 h (Jun 02 after call)",
               [mean_share(r, "BlueLivesMatter", p, "latest_share", 22, 24) for r in run.series], 3)
        t.stat(f"{p} mean share #BLM Latest, 24-48 h (Jun 03)",
               [mean_share(r, "BlueLivesMatter", p, "latest_share", 24, 48) for r in run.series], 3)
    for feed in FANDOM_FEEDS:
        for tab in ["latest", "top"]:
            for lvl in ["0.5", "0.9"]:
                t.stat(f"{feed} {tab} fandom {lvl} at (h)",
                       run.each(lambda s: num(pop(s, feed, "fandom")[tab]["domination_hours"][lvl])), 1)
    for feed in FANDOM_FEEDS:
        t.stat(f"{feed} fandom share of impressions",
               run.each(lambda s: pop(s, feed, "fandom")["impressions"]["share"]), 3)
    w = "WhiteLivesMatter"
    t.stat("#WLM first trending (h)", run.each(lambda s: num(s["feeds"][w]["first_trending_hours"])), 2)
    t.stat("#WLM fandom category from (h)",
           run.each(lambda s: num(pop(s, w, "fandom")["first_trending_category_hours"])), 2)
    t.count("#WLM category fandom whenever it trends",
            [all(r["trending_category"] == "fandom" for r in rows
                 if r["feed"] == w and r["population"] == "fandom" and r["trending"] == "1")
             for rows in run.series])
    last = [max((float(r["hours"]) for r in rows if r["feed"] == w and r["trending"] == "1"),
                default=None) for rows in run.series]
    t.stat("#WLM last trending (h)", last, 1)
    s = Stat(last)
    if s.mean is not None:
        t.note("#WLM last trending, local clock at the mean", local_clock(run.start, s.mean))
    t.stat("#WLM trending hours in all", run.each(lambda s: s["feeds"][w]["trending_hours"]), 1)
    t.stat("fandom ever active", run.each(lambda s: s["populations"]["fandom"]["ever_active"]), 0)
    t.stat("onlookers ever active", run.each(lambda s: s["populations"]["onlookers"]["ever_active"]), 0)
    t.stat("opposing quit (of 5,000)", run.each(lambda s: s["populations"]["opposing"]["quit"]), 0)


def moderated(run, t, prefix=""):
    def fandom_posts(s):
        return sum(pop(s, f, "fandom")["posts"] for f in FANDOM_FEEDS)

    def fandom_removed(s):
        return sum(pop(s, f, "fandom")["moderation"]["removed"] for f in FANDOM_FEEDS)

    lead = run.start.hour + run.start.minute / 60.0
    t.stat(prefix + "opposing posts into #BLM, local day 1",
           [daily_posts(rows, "BlueLivesMatter", lead, "opposing").get(0, 0) for rows in run.series], 0)
    t.stat(prefix + "browses an hour (readers and fans, all feeds)",
           run.each(lambda s: s["totals"]["browses"] / s["time"]["hours"]), 0)
    t.stat(prefix + "fandom ever active", run.each(lambda s: s["populations"]["fandom"]["ever_active"]), 0)
    t.stat(prefix + "fandom suspended", run.each(lambda s: s["populations"]["fandom"]["suspended"]), 0)
    t.stat(prefix + "fandom posts (3 feeds)", run.each(fandom_posts), 0)
    t.stat(prefix + "share of fandom posts never removed (shown)",
           run.each(lambda s: 1 - fandom_removed(s) / max(fandom_posts(s), 1)), 4)
    t.count(prefix + "fandom never holds 90% of any Latest tab",
            run.each(lambda s: all(pop(s, f, "fandom")["latest"]["domination_hours"]["0.9"] == "never"
                                   for f in FANDOM_FEEDS)))
    for feed in FANDOM_FEEDS:
        lat = [episodes(rows, feed, "fandom", "latest_share", 0.5, 1 / 6, 0.5) for rows in run.series]
        top = [episodes(rows, feed, "fandom", "top_share", 0.5, 1 / 6, 0.5) for rows in run.series]
        t.stat(prefix + f"{feed} Latest: fandom >= 1/2 held 30 min, times", [e[0] for e in lat], 1)
        t.stat(prefix + f"{feed} Latest: hours with fandom >= 1/2", [e[1] for e in lat], 1)
        t.stat(prefix + f"{feed} Latest fandom final share",
               run.each(lambda s: pop(s, feed, "fandom")["latest"]["final"]), 2)
        for lvl in ["0.5", "0.9"]:
            t.stat(prefix + f"{feed} Top fandom {lvl} at (h)",
                   run.each(lambda s: num(pop(s, feed, "fandom")["top"]["domination_hours"][lvl])), 1)
        t.stat(prefix + f"{feed} Top: hours with fandom >= 1/2", [e[1] for e in top], 1)
        t.stat(prefix + f"{feed} Top: first hour fandom >= 1/2", [e[2] for e in top], 1)
        t.stat(prefix + f"{feed} Top: last hour fandom >= 1/2", [e[3] for e in top], 1)
        t.stat(prefix + f"{feed} Top fandom final share",
               run.each(lambda s: pop(s, feed, "fandom")["top"]["final"]), 2)
        t.stat(prefix + f"{feed} fandom share of impressions",
               run.each(lambda s: pop(s, feed, "fandom")["impressions"]["share"]), 3)
        t.stat(prefix + f"{feed} trending hours", run.each(lambda s: s["feeds"][feed]["trending_hours"]), 1)
        t.stat(prefix + f"{feed} de-trended hours", run.each(lambda s: s["feeds"][feed]["detrended_hours"]), 1)
    t.count(prefix + "trending category never fandom (3 feeds)",
            run.each(lambda s: all(pop(s, f, "fandom")["first_trending_category_hours"] == "never"
                                   for f in FANDOM_FEEDS)))
    t.stat(prefix + "onlookers ever active", run.each(lambda s: s["populations"]["onlookers"]["ever_active"]), 0)
    t.stat(prefix + "opposing quit (of 5,000)", run.each(lambda s: s["populations"]["opposing"]["quit"]), 0)


def iwatch(run, t):
    a = lambda s: s["app"]
    first = run.each(lambda s: num(a(s)["first_outage_hours"]))
    t.stat("first outage (h)", first, 1)
    s = Stat(first)
    if s.mean is not None:
        t.note("first outage, local clock at the mean (and CI)",
               f"{local_clock(run.start, s.mean)} ({local_clock(run.start, s.lo)} - "
               f"{local_clock(run.start, s.hi)})")
    t.count("first outage within 12-24 h", [f is not None and 12 <= f <= 24 for f in first])
    t.count("exactly one outage", run.each(lambda s: a(s)["outages"] == 1))
    t.stat("outages", run.each(lambda s: a(s)["outages"]), 2)
    t.stat("downtime (h)", run.each(lambda s: a(s)["downtime_hours"]), 1)
    for h in (22.0, 23.0):
        at = [next((r for r in rows if abs(float(r["hours"]) - h) < 1e-6), None) for rows in run.app]
        t.stat(f"ratings in all (incl. 30 before) at {h:.0f} h",
               [int(r["rating_count"]) if r else None for r in at], 0)
        t.stat(f"mean rating at {h:.0f} h", [float(r["rating"]) if r else None for r in at], 2)
    t.stat("junk submissions received (submitted - lost)",
           run.each(lambda s: a(s)["junk"]["submitted"] - a(s)["junk"]["lost"]), 0)
    t.stat("junk submissions lost while down", run.each(lambda s: a(s)["junk"]["lost"]), 0)
    t.stat("legitimate submitted", run.each(lambda s: a(s)["legitimate"]["submitted"]), 0)
    t.stat("legitimate lost (share)", run.each(lambda s: a(s)["legitimate_lost_share"]), 3)
    t.stat("legitimate wait median (h)", run.each(lambda s: a(s)["legitimate_wait_hours"]["p50"]), 2)
    t.stat("rating below 2 from (h)", run.each(lambda s: num(a(s)["rating"]["below_alert_hours"])), 1)
    t.stat("final rating", run.each(lambda s: a(s)["rating"]["final"]), 3)
    t.stat("fandom ever active", run.each(lambda s: s["populations"]["fandom"]["ever_active"]), 0)
    # legitimate reports per local clock hour, averaged over replicates and days
    by_hour = [0.0] * 24
    for rows in run.app:
        for r in rows:
            h = float(r["hours"])
            clock = (run.start + dt.timedelta(hours=h - 1e-9)).hour
            by_hour[clock] += int(r["arrivals_legitimate"])
    days = len(run.app) * (float(run.app[0][-1]["hours"]) / 24.0)
    busiest = max(range(24), key=lambda i: by_hour[i])
    t.note("legitimate reports per hour at the busiest local hour",
           f"{by_hour[busiest] / days:.1f} at {busiest:02d}:00-{busiest + 1:02d}:00 local "
           f"(mean over {len(run.app)} runs x {days / len(run.app):.0f} days)")


def classroom(run, t, label):
    t.stat(f"{label}: fans ever active (of 3,000)", run.each(lambda s: s["populations"]["fans"]["ever_active"]), 0)
    t.stat(f"{label}: fans' final share of Latest",
           run.each(lambda s: pop(s, "ClassTag", "fans")["latest"]["final"]), 2)
    t.stat(f"{label}: fans hold 1/2 of Latest at (h)",
           run.each(lambda s: num(pop(s, "ClassTag", "fans")["latest"]["domination_hours"]["0.5"])), 2)
    t.stat(f"{label}: locals quit (of 300)", run.each(lambda s: s["populations"]["locals"]["quit"]), 0)


# ---------------------------------------------------------------- driver


def variant(src, out_dir, name, pattern, repl):
    text = src.read_text()
    new, n = re.subn(pattern, repl, text, flags=re.M)
    if n != 1:
        sys.exit(f"variant {name}: pattern {pattern!r} matched {n} times in {src}")
    path = out_dir / "variants" / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)
    return path


def plan(out):
    cls = SCENARIOS / "classroom.toml"
    mod = SCENARIOS / "moderated-platform.toml"
    cascade_p = r"^(cascade = \{ model = \"independent\", p = )0\.25"
    return {
        "whitelivesmatter": [("wlm", SCENARIOS / "whitelivesmatter-2020.toml")],
        "moderated": [
            ("moderated", mod),
            ("moderated-delay5m", lambda: variant(mod, out, "moderated-delay5m",
                                                  r'^removal_delay = "0s"', 'removal_delay = "5m"')),
        ],
        "iwatch": [("iwatch", SCENARIOS / "iwatch-dallas-2020.toml")],
        "classroom": [("classroom", cls)] + [
            (f"classroom-p{p}", (lambda p=p: variant(cls, out, f"classroom-p{p}", cascade_p, rf"\g<1>{p}")))
            for p in ("0.12", "0.16", "0.20")
        ],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="*", help="whitelivesmatter, moderated, iwatch, classroom (default: all)")
    tgt = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    ap.add_argument("--bin", default=str(Path(tgt) / "release" / "hashflood"))
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--out", default=str(ROOT / "output" / "scenario-figures"))
    ap.add_argument("--no-run", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    todo = plan(out)
    names = args.scenarios or list(todo)
    for n in names:
        if n not in todo:
            sys.exit(f"unknown scenario {n!r}; one of {', '.join(todo)}")
    runs = {}
    for n in names:
        for key, src in todo[n]:
            folder = out / key
            if not args.no_run:
                path = src() if callable(src) else src
                # --force replaces a run folder hashflood wrote and refuses any other, so
                # nothing here deletes a folder the tool did not create.
                subprocess.run([args.bin, "run", str(path), "--replicates", str(args.replicates),
                                "--out", str(folder), "--force", "-q"], check=True)
            runs[key] = Run(folder)
    try:
        version = subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        version = "hashflood (binary not found; runs reused)"
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    print(f"{version} at {commit}; mean [95% CI of the mean, Student t], n replicates")
    for n in names:
        t = Table(n)
        if n == "whitelivesmatter":
            whitelivesmatter(runs["wlm"], t)
        elif n == "moderated":
            moderated(runs["moderated"], t)
            moderated(runs["moderated-delay5m"], t, "removal_delay 5m: ")
        elif n == "iwatch":
            iwatch(runs["iwatch"], t)
        elif n == "classroom":
            for key, _ in todo[n]:
                label = "p=0.25" if key == "classroom" else key.replace("classroom-", "")
                classroom(runs[key], t, label)
        print(t.render(args.markdown))


if __name__ == "__main__":
    main()
