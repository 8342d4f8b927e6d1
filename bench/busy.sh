#!/bin/sh
# Speed on a busy machine (issue 14): the reference run with one core held by a busy
# loop this script starts and stops, the default thread count against --threads 1,
# alternated R times; prints the medians of wall and user CPU seconds.
# Build first (Release): cmake -S . -B build && cmake --build build
# usage: sh bench/busy.sh [N] [R]   defaults: 1e8 3
set -eu
cd "$(dirname "$0")/.."
N=${1:-1e8} R=${2:-3}
bin=${CARBONMC:-./build/carbonmc}
tmp=$(mktemp -d)
sh -c 'while :; do :; done' &
busy=$!
trap 'kill $busy 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 0.5
for i in $(seq "$R"); do
    /usr/bin/time -f "%e %U" -a -o "$tmp/default" "$bin" run bench/reference.cmc -n "$N" \
        -o "$tmp/a.h5" >/dev/null
    /usr/bin/time -f "%e %U" -a -o "$tmp/one" "$bin" run bench/reference.cmc -n "$N" \
        --threads 1 -o "$tmp/b.h5" >/dev/null
done
/usr/bin/python3 - "$tmp" <<'PY'
import statistics, sys
for name in ("default", "one"):
    rows = [l.split() for l in open(f"{sys.argv[1]}/{name}") if l[:1].isdigit()]
    w = statistics.median(float(a) for a, _ in rows)
    u = statistics.median(float(b) for _, b in rows)
    label = "default threads" if name == "default" else "--threads 1   "
    print(f"{label}: wall {w:.2f} s, user CPU {u:.2f} s (medians of {len(rows)})")
PY
