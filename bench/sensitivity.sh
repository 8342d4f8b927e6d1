#!/bin/sh
# Benchmark of `run --sensitivity` (issue 5): the whole command (first pass,
# sensitivity pass over the N (k + 2) Saltelli design, HDF5 file) on the flagship
# scenario (5 random inputs, 2 outputs, 2 variants) and on bench/reference.cmc
# (6 random inputs), R times each; prints the median wall time and peak RSS, and
# the time without --sensitivity for comparison.
# Build first (Release): cmake -S . -B build && cmake --build build
# usage: sh bench/sensitivity.sh [N] [R] [THREADS]   defaults: 1e6 5 (all cores)
set -eu
cd "$(dirname "$0")/.."
N=${1:-1e6} R=${2:-5} T=${3:-$(nproc)}
bin=./build/carbonmc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in scenarios/gpt4.cmc bench/reference.cmc; do
    b=$(basename "$s" .cmc)
    for i in $(seq "$R"); do
        /usr/bin/time -f "%e %M" -o "$tmp/$b.s$i" "$bin" run "$s" -n "$N" --threads "$T" \
            --sensitivity -o "$tmp/x.h5" --format json >/dev/null
        /usr/bin/time -f "%e %M" -o "$tmp/$b.p$i" "$bin" run "$s" -n "$N" --threads "$T" \
            -o "$tmp/x.h5" --format json >/dev/null
    done
done
/usr/bin/python3 - "$N" "$R" "$T" "$tmp" <<'PY'
import statistics, sys
n, r, t, d = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(prefix):
    rows = [open(f"{d}/{prefix}{i}").read().split()[-2:] for i in range(1, r + 1)]
    secs = [float(a) for a, _ in rows]
    return statistics.median(secs), statistics.median(int(b) / 1024 for _, b in rows), min(secs), max(secs)
print(f"run --sensitivity, N = {n:.3g} base samples, {r} runs, threads = {t}")
for b in ("gpt4", "reference"):
    s, sm, smin, smax = load(f"{b}.s")
    p, pm, _, _ = load(f"{b}.p")
    print(f"  {b:10s} with --sensitivity: {s:.3f} s (range {smin:.3f}-{smax:.3f}), peak RSS "
          f"{sm:.1f} MiB; without: {p:.3f} s, {pm:.1f} MiB")
PY
