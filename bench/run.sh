#!/bin/sh
# Reference benchmark of the engine (issue 3): carbonmc and an equivalent numpy
# script, alternated, R times each; prints medians of samples/s and peak RSS and
# the ratio of the rates. Wall time of the whole command (start, sampling,
# statistics, HDF5 file). numpy keeps every sample, so it runs at a smaller N.
# Build first (Release): cmake -S . -B build && cmake --build build
# usage: sh bench/run.sh [N] [N_NUMPY] [R] [THREADS]   defaults: 1e8 1e7 5 (all cores)
set -eu
cd "$(dirname "$0")/.."
N=${1:-1e8} NP=${2:-1e7} R=${3:-5} T=${4:-$(nproc)}
bin=./build/carbonmc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$R"); do
    /usr/bin/time -f "%e %M" -o "$tmp/c$i" "$bin" run bench/reference.cmc -n "$N" \
        --threads "$T" -o "$tmp/ref.h5" --format json >/dev/null
    /usr/bin/time -f "%e %M" -o "$tmp/p$i" /usr/bin/python3 bench/numpy_reference.py "$NP" \
        >/dev/null
done
/usr/bin/python3 - "$N" "$R" "$T" "$tmp" "$NP" <<'PY'
import statistics, sys
n, r, t, d, npy = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
def load(prefix):
    rows = [open(f"{d}/{prefix}{i}").read().split()[-2:] for i in range(1, r + 1)]
    secs = [float(a) for a, _ in rows]
    rss = [int(b) / 1024 for _, b in rows]
    return statistics.median(secs), statistics.median(rss), min(secs), max(secs)
cs, cm, cmin, cmax = load("c")
ps, pm, pmin, pmax = load("p")
print(f"reference scenario, {r} alternated runs, carbonmc threads = {t}")
print(f"  carbonmc N={n:.3g}: {n / cs:10.4g} samples/s (median {cs:.3f} s, range "
      f"{cmin:.3f}-{cmax:.3f}), peak RSS {cm:.1f} MiB")
print(f"  numpy    N={npy:.3g}: {npy / ps:10.4g} samples/s (median {ps:.3f} s, range "
      f"{pmin:.3f}-{pmax:.3f}), peak RSS {pm:.1f} MiB")
print(f"  ratio of rates: {(n / cs) / (npy / ps):.1f}x")
PY
