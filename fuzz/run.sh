#!/usr/bin/env bash
# Runs one fuzz target for a number of seconds on stable Rust and prints the executions
# reached. libFuzzer without sanitizers (`-s none`), with debug assertions and overflow
# checks on (`-a`), so an arithmetic overflow is a crash too.
#
#   fuzz/run.sh parse 60        # targets: parse, run, generated
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); no nightly toolchain. The corpus
# grows in fuzz/corpus/TARGET (not committed), for parse and run from the scenario files
# in fuzz/seeds/ (generated reads its input as generator decisions, not text); crashes,
# timeouts (a run over 10 s) and out-of-memory inputs (over 2 GB) land in
# fuzz/artifacts/TARGET/. Extra arguments go to libFuzzer (e.g. -jobs=2 -workers=2).
set -euo pipefail

target=${1:?usage: fuzz/run.sh TARGET SECONDS [libFuzzer args...]}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS [libFuzzer args...]}
shift 2
cd "$(dirname "$0")/.."

mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# parse and run read scenario text: seed files, a dictionary of keys, inputs up to 16 KB.
# generated reads decisions: no seeds or dictionary; 4 KB of decisions from the start
# (libFuzzer would otherwise keep inputs at a few bytes for minutes).
if [ "$target" = generated ]; then
    seeds=()
    input=(-max_len=4096 -len_control=0)
else
    seeds=(fuzz/seeds)
    input=(-dict=fuzz/scenario.dict -max_len=16384)
fi

cargo fuzz build -s none -a "$target"
status=0
cargo fuzz run -s none -a "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
    "${input[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$@" 2>&1 | tee "$log" || status=$?

execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
echo "fuzz target $target: ${execs:-?} executions in ${seconds} s (${rate:-?} per second), exit status $status"
ls -1 "fuzz/artifacts/$target" | sed 's/^/artifact: /'
exit "$status"
