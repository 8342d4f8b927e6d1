#!/bin/sh
# How a sweep spreads its points over threads (issue 16): the reference scenario over P
# points of N samples, every point on one thread with the points in parallel (the
# default) against one point at a time on every thread (CARBONMC_SWEEP_WORKERS=1),
# alternated R times; prints the medians of wall and user CPU seconds. Both give the
# same file, bit for bit.
# Build first (Release): cmake -S . -B build && cmake --build build
# usage: sh bench/sweep.sh [N] [P] [R]   defaults: 1e5 20 3 (P: 2 to 40)
set -eu
cd "$(dirname "$0")/.."
N=${1:-1e5} P=${2:-20} R=${3:-3}
bin=${CARBONMC:-./build/carbonmc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# P values of pue from 1.10 in steps of 0.02 (within its range 1 to 3)
grid=$(/usr/bin/python3 -c "print('pue=' + ','.join('%.2f' % (1.1 + 0.02 * i) for i in range($P)))")
for i in $(seq "$R"); do
    /usr/bin/time -f "%e %U" -a -o "$tmp/parallel" "$bin" sweep bench/reference.cmc -n "$N" \
        --grid "$grid" -o "$tmp/a.h5" >/dev/null
    CARBONMC_SWEEP_WORKERS=1 /usr/bin/time -f "%e %U" -a -o "$tmp/serial" "$bin" sweep \
        bench/reference.cmc -n "$N" --grid "$grid" -o "$tmp/b.h5" >/dev/null
done
/usr/bin/python3 tests/sweep_check.py same "$tmp/a.h5" "$tmp/b.h5" >/dev/null ||
    echo "the two files differ: a bug (they must be the same bits)"
/usr/bin/python3 - "$tmp" "$P" "$N" <<'PY'
import statistics, sys
for name in ("parallel", "serial"):
    rows = [l.split() for l in open(f"{sys.argv[1]}/{name}") if l[:1].isdigit()]
    w = statistics.median(float(a) for a, _ in rows)
    u = statistics.median(float(b) for _, b in rows)
    label = "points in parallel, one thread each" if name == "parallel" else \
            "one point at a time, every thread  "
    print(f"{sys.argv[2]} points of {sys.argv[3]}: {label}: wall {w:.2f} s, user CPU {u:.2f} s "
          f"(medians of {len(rows)})")
PY
