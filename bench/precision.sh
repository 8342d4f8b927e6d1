#!/bin/sh
# Time to precision (issue 14): for each sampling design, the samples and the time a
# run takes to bring the mean, P5, P50 and P95 of every output to +-0.1% (95%
# intervals; --rel-tol 0.1%, checked at the doubling checkpoints), on the reference
# scenario, on scenarios/gpt3.cmc (which has
# two choices: three PUEs, six grid intensities) and on bench/correlated.cmc (the
# reference with a choice of three grids and four correlated inputs). Prints a markdown table:
# samples, wall and user CPU seconds (medians of R runs; the machine may be shared:
# user CPU is the steadier measure).
# Build first (Release): cmake -S . -B build && cmake --build build
# usage: sh bench/precision.sh [R] [THREADS]   defaults: 3, all cores
set -eu
cd "$(dirname "$0")/.."
R=${1:-3} T=${2:-$(nproc)}
bin=${CARBONMC:-./build/carbonmc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| scenario | design | samples to +-0.1% | wall s | user CPU s |"
echo "|---|---|---|---|---|"
for sc in bench/reference.cmc scenarios/gpt3.cmc bench/correlated.cmc; do
    for d in mc lhs qmc; do
        : > "$tmp/times"
        for i in $(seq "$R"); do
            /usr/bin/time -f "%e %U" -a -o "$tmp/times" "$bin" run "$sc" --design "$d" \
                --rel-tol 0.1% --max-n 4e9 --percentiles 5%,50%,95% --threads "$T" \
                -o "$tmp/out.h5" --format json > "$tmp/out.json"
        done
        n=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['samples'])" "$tmp/out.json")
        /usr/bin/python3 - "$sc" "$d" "$n" "$tmp/times" <<'PY'
import statistics, sys
sc, d, n, f = sys.argv[1:5]
rows = [l.split() for l in open(f) if l.strip() and l[0].isdigit()]
wall = statistics.median(float(a) for a, _ in rows)
user = statistics.median(float(b) for _, b in rows)
print(f"| {sc} | {d} | {int(n):,} | {wall:.2f} | {user:.2f} |")
PY
    done
done
