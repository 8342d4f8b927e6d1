#!/bin/sh
# carbonmc sweep (issue 16, item 3): a point of a sweep is the run with the same --set
# values, bit for bit, read back through xarray; the draws are shared between points
# (common random numbers); the file is the same for any thread count and split of
# the points over workers; the xarray layout of a grid and of a CSV of points; the
# summary's five formats and the figures' data against the file; located errors
# (golden files in tests/sweep/: NAME.args, the arguments after the scenario, and
# NAME.err, the expected stderr; UPDATE=1 rewrites them) that write nothing.
# usage: sweep.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
py=${CMC_PYTHON:-/usr/bin/python3}
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
# a check through sweep_check.py: 77 means xarray or h5netcdf is missing
check() {
    "$py" tests/sweep_check.py "$@" >"$tmp/check" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then ok; tail -1 "$tmp/check"
    elif [ $rc -eq 77 ]; then skip=$((skip + 1)); cat "$tmp/check"
    else bad "sweep_check.py $1"; cat "$tmp/check"; fi
}
S=scenarios/gpt4.cmc
N=8192

# a grid of two names, one value in another unit
"$bin" sweep $S -n $N --grid pue=1.1,1.3 --grid 'intensity=20,0.2406 [kgCO2e/kWh],400' \
    -o "$tmp/grid.h5" >"$tmp/grid.txt" 2>"$tmp/err" || { bad "sweep grid"; cat "$tmp/err"; }
check layout "$tmp/grid.h5" grid pue intensity
"$bin" run $S -n $N --set pue=1.3 --set 'intensity=0.2406 [kgCO2e/kWh]' -o "$tmp/run.h5" \
    >/dev/null 2>&1 || bad "run"
check point "$tmp/grid.h5" "$tmp/run.h5" pue=1.3 intensity=240.6
"$bin" run $S -n $N --set pue=1.1 --set intensity=400 -o "$tmp/run2.h5" >/dev/null 2>&1 || bad run
check point "$tmp/grid.h5" "$tmp/run2.h5" pue=1.1 intensity=400

# common random numbers: co2_t is proportional to pue on the same draws, so the
# means' ratio is 1.3/1.1 to rounding; on independent draws (another seed) it is
# off by the Monte Carlo error (about 1e-2 at this N)
check ratio "$tmp/grid.h5" co2_t pue 1.1 1.3 1.1818181818181819
"$bin" run $S -n $N --seed 2 --set pue=1.3 --set intensity=400 -o "$tmp/seed2.h5" \
    >/dev/null 2>&1 || bad "run seed 2"
if "$py" - "$tmp/run2.h5" "$tmp/seed2.h5" <<'PY'
import sys, h5py
a, b = (h5py.File(p, "r")["outputs/co2_t/mean"][()] for p in sys.argv[1:])
r = b / a / (1.3 / 1.1)
sys.exit(0 if abs(r - 1) > 1e-6 else 1)   # independent runs: not the same draws
PY
then ok; else bad "independent runs gave the same ratio: the check above proves nothing"; fi

# the same file for any thread count and split of points over workers
for t in 1 3; do
    "$bin" sweep $S -n $N --threads $t --grid pue=1.1,1.3 \
        --grid 'intensity=20,0.2406 [kgCO2e/kWh],400' -o "$tmp/grid$t.h5" >/dev/null 2>&1 ||
        bad "sweep --threads $t"
    check same "$tmp/grid.h5" "$tmp/grid$t.h5"
done
CARBONMC_SWEEP_WORKERS=1 "$bin" sweep $S -n $N --threads 2 --grid pue=1.1,1.3 \
    --grid 'intensity=20,0.2406 [kgCO2e/kWh],400' -o "$tmp/gridw.h5" >/dev/null 2>&1 ||
    bad "sweep one worker"
check same "$tmp/grid.h5" "$tmp/gridw.h5"

# many short points on more workers than cores: the workers load their models one
# at a time (UDUNITS-2's parser is not reentrant; loading in parallel crashed)
for k in 1 2 3; do
    "$bin" sweep $S -n 1024 --threads 4 --grid pue=1.1,1.2,1.3,1.4,1.5,1.6 \
        --grid intensity=20,100,400 -o "$tmp/many.h5" >/dev/null 2>"$tmp/err" ||
        { bad "sweep of 18 short points on 4 threads (round $k)"; cat "$tmp/err"; break; }
done
[ $k -eq 3 ] && ok

# a CSV of points: one dimension, the names as coordinates along it
printf 'pue,intensity\n1.1,20\n# California\n1.18, 240.6\n1.3,0.4 [kgCO2e/kWh]\n' >"$tmp/p.csv"
"$bin" sweep $S -n $N --grid-csv "$tmp/p.csv" --set days=95 --design qmc --replicates 4 \
    --percentiles 5%,50%,95% -o "$tmp/pts.h5" >/dev/null 2>"$tmp/err" ||
    { bad "sweep csv"; cat "$tmp/err"; }
check layout "$tmp/pts.h5" points pue intensity
"$bin" run $S -n $N --set days=95 --set pue=1.18 --set intensity=240.6 --design qmc \
    --replicates 4 --percentiles 5%,50%,95% -o "$tmp/run3.h5" >/dev/null 2>&1 || bad "run qmc"
check point "$tmp/pts.h5" "$tmp/run3.h5" pue=1.18 intensity=240.6

# summary: csv and json exactly, text to each number's Monte Carlo error
for f in grid pts; do
    for fmt in csv json text markdown latex; do
        "$bin" summary "$tmp/$f.h5" --format $fmt >"$tmp/$f.$fmt" 2>"$tmp/err" ||
            bad "summary $f --format $fmt"
    done
    check summary "$tmp/$f.h5" "$tmp/$f.csv" "$tmp/$f.json" "$tmp/$f.text"
    if grep -qF '| pue | intensity \[gCO2e/kWh\] | mean |' "$tmp/$f.markdown" &&
        grep -q 'toprule' "$tmp/$f.latex" && grep -q 'CO\$_2\$e' "$tmp/$f.latex"
    then ok; else bad "markdown or latex table of $f"; cat "$tmp/$f.markdown" "$tmp/$f.latex"; fi
done
if cmp -s "$tmp/grid.text" - <"$tmp/grid.txt" || grep -q "written to" "$tmp/grid.txt"
then ok; else bad "sweep's own summary"; fi

# figures: a heatmap for two names, a fan chart for one and for a CSV's rows
if command -v gnuplot >/dev/null 2>&1 || [ -n "$CARBONMC_GNUPLOT" ]; then
    "$bin" sweep $S -n $N --grid pue=1.1,1.2,1.4 -o "$tmp/one.h5" >/dev/null 2>&1 || bad sweep
    for f in grid one pts; do
        "$bin" plot "$tmp/$f.h5" -o "$tmp/fig-$f" >"$tmp/figs" 2>"$tmp/err" ||
            { bad "plot $f"; cat "$tmp/err"; }
        n=0
        while read -r png; do [ -s "$png" ] && n=$((n + 1)); done <"$tmp/figs"
        [ $n -eq 2 ] && ok || bad "plot $f drew $n figures: $(cat "$tmp/figs")"
        check plot "$tmp/$f.h5" "$tmp/fig-$f/data" "$f"
    done
    if grep -q "heatmap" "$tmp/fig-grid/data/figures.gp" && grep -q "fan" "$tmp/fig-one/data/figures.gp"
    then ok; else bad "figure kinds"; fi
    "$bin" sweep $S -n 2000 --grid pue=1.1 --grid days=90 --grid load=0.8 -o "$tmp/three.h5" \
        >/dev/null 2>&1
    if "$bin" plot "$tmp/three.h5" -o "$tmp/fig3" 2>"$tmp/err"; then bad "plot of 3 names"
    elif grep -q "sweep of 3 names has no figure" "$tmp/err" && [ ! -e "$tmp/fig3" ]; then ok
    else bad "plot of 3 names: $(cat "$tmp/err")"; fi
else
    echo "skipped: the figures need gnuplot"
fi

# errors: located, exit 1, nothing written
for a in tests/sweep/*.args; do
    name=$(basename "$a" .args)
    mkdir "$tmp/e" && cd "$tmp/e" || exit 1
    eval "set -- $(cat "$src/$a")"
    (cd "$src" && "$bin" sweep $S -n 2000 "$@" -o "$tmp/e/out.h5") >/dev/null 2>"$tmp/err.txt"
    rc=$?
    cd "$src" || exit 1
    if [ -n "$UPDATE" ]; then cp "$tmp/err.txt" "tests/sweep/$name.err"; fi
    if [ $rc -eq 1 ] && [ -z "$(ls -A "$tmp/e")" ] && cmp -s "$tmp/err.txt" "tests/sweep/$name.err"
    then ok
    else bad "error $name: exit $rc, wrote '$(ls -A "$tmp/e")'"; diff "tests/sweep/$name.err" "$tmp/err.txt"
    fi
    rm -rf "$tmp/e"
done
# a sweep's file where a run's is expected says what it is
if "$bin" table "$tmp/grid.h5" >/dev/null 2>"$tmp/err"; then bad "table of a sweep's file"
elif grep -q "is a sweep's file (carbonmc sweep), not a run's" "$tmp/err"; then ok
else bad "table of a sweep's file: $(cat "$tmp/err")"; fi

# usage errors: exit 2, nothing written
for a in "--grid pue=1.1 --grid-csv tests/sweep/unknown.csv" "" "--grid pue=1.1 --sensitivity"; do
    # shellcheck disable=SC2086
    "$bin" sweep $S $a -o "$tmp/u.h5" >/dev/null 2>"$tmp/err"
    if [ $? -eq 2 ] && [ ! -e "$tmp/u.h5" ] && grep -q "see 'carbonmc --help'" "$tmp/err"; then ok
    else bad "usage error '$a': $(cat "$tmp/err")"; fi
done
# -o naming the scenario is refused before anything runs; a folder too
cp $S "$tmp/s.cmc"
if "$bin" sweep "$tmp/s.cmc" --grid pue=1.1 -o "$tmp/s.cmc" >/dev/null 2>"$tmp/err"; then
    bad "-o the scenario"
elif grep -q "which this sweep reads" "$tmp/err" && cmp -s $S "$tmp/s.cmc"; then ok
else bad "-o the scenario: $(cat "$tmp/err")"; fi
# a failure after sampling (the output's folder gone) leaves no temporary file
if "$bin" sweep $S -n 2000 --grid pue=1.1 -o "$tmp/nofolder/x.h5" >/dev/null 2>"$tmp/err"; then
    bad "-o in a missing folder"
else ok; fi
if ls "$tmp" | grep -q '\.tmp\.'; then bad "a temporary file was left"; else ok; fi

echo "sweep: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
