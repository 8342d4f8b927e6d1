#!/bin/sh
# Scaling of one run over threads, MPI ranks and parts, and a time model from the
# measured constants (issue 16, item 4; docs/scale.md "Cost"). Prints:
#  1. threads 1..T (one process): wall and user CPU seconds, speed-up;
#  2. with an MPI build (build-mpi/carbonmc), ranks 1..T with one thread each;
#  3. parts M = 1, 2, 4, 8 run one after another: the sum of their CPU seconds, the
#     size of their files and the merge's time, against the model
#         CPU(N, M) = c (N + (M - 1) P(N)) + M s,  merge = c P(N) + m M + s
#     with c the CPU seconds per sample and s the start-up cost of a process (from
#     the one-thread runs at N and N/8), S(N, M) the number of segments the parts
#     record (their blocks cut at the checkpoints) and g the cost of one (fitted at
#     M = 1), P(N) the prefix (max(65,536, N/256) samples,
#     rounded to whole blocks; docs/scale.md) and m the merge's cost per part;
#  4. the model of the wall time of N samples on R nodes of C cores:
#         T = c (P(N) + (N - P(N)) / R) / (C e_C) + merge(R)
#     with e_C the parallel efficiency of C threads measured in 1.
# Timings are medians of K runs (default 3); on a shared machine prefer the CPU
# seconds, and compare runs made in the same minute.
# usage: sh bench/scaling.sh [N] [K] [T]   defaults: 2e7 3 $(nproc)
set -eu
cd "$(dirname "$0")/.."
N=${1:-2e7} K=${2:-3} T=${3:-$(nproc)}
bin=${CARBONMC:-./build-release/carbonmc}
mpibin=./build-mpi/carbonmc
scen=bench/reference.cmc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# time LABEL CMD...: K runs; appends "LABEL wall user" (medians) to $tmp/times
time_it() {
    label=$1
    shift
    : >"$tmp/one"
    for _ in $(seq "$K"); do
        /usr/bin/time -f "%e %U %S" -a -o "$tmp/one" "$@" >/dev/null 2>"$tmp/err" ||
            { cat "$tmp/err" >&2; exit 1; }
    done
    /usr/bin/python3 - "$label" "$tmp/one" >>"$tmp/times" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[2]) if l.strip() and l[0].isdigit()]
wall = statistics.median(float(r[0]) for r in rows)
cpu = statistics.median(float(r[1]) + float(r[2]) for r in rows)
print(sys.argv[1], wall, cpu)
PY
}

t=1
while [ "$t" -le "$T" ]; do
    time_it "threads$t" "$bin" run $scen -n "$N" --threads "$t" -o "$tmp/o.h5" --format json
    t=$((t * 2))
done
N8=$(/usr/bin/python3 -c "print(int(float('$N') / 8))")
time_it "small" "$bin" run $scen -n "$N8" --threads 1 -o "$tmp/o.h5" --format json
if [ -x "$mpibin" ] && command -v mpirun >/dev/null 2>&1; then
    r=1
    while [ "$r" -le "$T" ]; do
        time_it "ranks$r" mpirun --allow-run-as-root --oversubscribe -n "$r" "$mpibin" run $scen \
            -n "$N" --threads 1 -o "$tmp/o.h5" --format json
        r=$((r * 2))
    done
fi
for m in 1 2 4 8; do
    : >"$tmp/parts$m"
    k=1
    while [ "$k" -le "$m" ]; do
        /usr/bin/time -f "%e %U %S" -a -o "$tmp/parts$m" "$bin" run $scen -n "$N" --threads 1 \
            --part "$k/$m" -o "$tmp/p$m.$k.h5" >/dev/null
        k=$((k + 1))
    done
    du -b "$tmp"/p"$m".*.h5 | awk '{s += $1} END {print s}' >"$tmp/size$m"
    time_it "merge$m" "$bin" merge "$tmp"/p"$m".*.h5 -o "$tmp/m.h5" --threads 1 --format json
done

/usr/bin/python3 - "$tmp" "$N" "$T" <<'PY'
import math, sys
d, N, T = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
t = {l.split()[0]: tuple(map(float, l.split()[1:])) for l in open(f"{d}/times")}
def prefix(n):
    blocks = math.ceil(n / 1024)
    f = 64
    while f < blocks and f * 256 < blocks:
        f *= 2
    return min(f, blocks) * 1024
# c and s from one thread at N and N/8
c = (t["threads1"][1] - t["small"][1]) / (N - int(N / 8))
s = t["threads1"][1] - c * N
print(f"reference scenario, N = {N:.3g}; medians; CPU = user + system seconds")
print(f"constants: c = {c * 1e9:.2f} ns of CPU per sample, s = {s:.3f} s per process, "
      f"prefix P(N) = {prefix(N):,} samples")
print("\nthreads  wall s   CPU s  speed-up  efficiency")
base = t["threads1"][0]
eff = {}
for k in sorted((k for k in t if k.startswith("threads")), key=lambda k: int(k[7:])):
    n = int(k[7:])
    eff[n] = base / t[k][0] / n
    print(f"{n:7d} {t[k][0]:7.2f} {t[k][1]:7.2f} {base / t[k][0]:9.2f} {eff[n]:11.2f}")
if any(k.startswith("ranks") for k in t):
    print("\nranks   wall s   CPU s  speed-up  (one thread each, mpirun)")
    b = t["ranks1"][0]
    for k in sorted((k for k in t if k.startswith("ranks")), key=lambda k: int(k[5:])):
        print(f"{int(k[5:]):5d} {t[k][0]:8.2f} {t[k][1]:7.2f} {b / t[k][0]:9.2f}")
print("\nparts M  CPU s (sum)  model   files (bytes)  merge wall s  merge CPU s  model")
rows = []
for m in (1, 2, 4, 8):
    cpu = sum(float(l.split()[1]) + float(l.split()[2])
              for l in open(f"{d}/parts{m}") if l.strip() and l[0].isdigit())
    size = int(open(f"{d}/size{m}").read())
    rows.append((m, cpu, size, t[f"merge{m}"]))
# the merge's cost per part: least squares of (merge CPU - c P - s) on M
P = prefix(N)
def segments(n, m):
    """The records' segments of M parts (docs/scale.md): each part's blocks cut at the
    checkpoints, powers of two 2^k < B with 2^(k-1) < B // 2."""
    B, p = math.ceil(n / 1024), prefix(n) // 1024
    cps = [b for b in (2 ** k for k in range(64)) if b < B and (b == 1 or b // 2 < B // 2)]
    R = math.ceil((B - p) / 64)
    total = 0
    for k in range(1, m + 1):
        lo = min(p + (R * (k - 1) // m) * 64, B)
        hi = min(p + (R * k // m) * 64, B)
        if hi > lo:
            total += 1 + sum(lo < b < hi for b in cps)
    return total
# a part's cost beyond its samples: g per segment of records (gathered, compressed,
# written), fitted at M = 1
g = (rows[0][1] - c * N - s) / segments(N, 1)
num = sum(m * (mg[1] - c * P - s) for m, _, _, mg in rows)
mcost = max(num / sum(m * m for m, *_ in rows), 0.0)
for m, cpu, size, mg in rows:
    model = c * (N + (m - 1) * P) + m * s + g * segments(N, m)
    print(f"{m:7d} {cpu:12.2f} {model:7.2f} {size:14,d} {mg[0]:13.2f} {mg[1]:12.2f} "
          f"{c * P + mcost * m + s:6.2f}")
print(f"parts: {g * 1e3:.0f} ms of CPU per segment of records (fitted at M = 1; "
      f"{segments(N, 1)} segments there, {segments(N, 8)} over 8 parts)")
print(f"merge: {mcost * 1e3:.1f} ms of CPU per part beyond drawing the prefix; part files "
      f"{rows[-1][2] / 8 / 1e3:.0f} kB each at M = 8")
C = max(eff)
print(f"\nmodel of the wall time on R nodes of C = {C} cores (efficiency {eff[C]:.2f}):")
for n in (1e9, 1e10, 1e11):
    line = []
    for R in (1, 4, 16, 64):
        draw = c * (prefix(n) + (n - prefix(n)) / R) / (C * eff[C])
        merge = (c * prefix(n) / (C * eff[C]) + mcost * R) if R > 1 else 0
        Tw = draw + merge + s
        line.append(f"R={R}: {Tw:9.1f} s")
    print(f"  N = {n:.0e}: " + "  ".join(line))
PY
