#!/bin/sh
# `carbonmc plot` end to end: every figure of every shipped scenario in PNG, the
# flagship in PDF and SVG, a comparison of runs; tests/plot_check.py checks that
# the files are valid figures of plausible size and that the data gnuplot read
# agree with the HDF5 datasets, and tests/gp_check.py that the scripts draw the
# right columns of them. Then the failures: no gnuplot (exit 1, named, and
# nothing written), gnuplot failing, no scripts, an unknown --only, a bad --format.
# usage: plot.sh CARBONMC SOURCE_DIR   (CMC_PLOT_SCENARIOS: the scenarios drawn, all by default)
bin=$1 src=$2
py=${CMC_PYTHON:-/usr/bin/python3}
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# every shipped scenario: run, plot, check (no gnuplot warnings either). The sanitizer
# build sets CMC_PLOT_SCENARIOS to a few (tests/CMakeLists.txt): the figures' C code
# is the same for every scenario, and the rest of the time is gnuplot's. The flagship,
# gpt4, must be among them (the formats and comparisons below use it).
for s in ${CMC_PLOT_SCENARIOS:-scenarios/*.cmc}; do
    b=$(basename "$s" .cmc)
    if ! "$bin" run "$s" -n 20000 -o "$tmp/$b.h5" >/dev/null 2>"$tmp/err"; then
        bad "run $s"; sed 's/^/  /' "$tmp/err" | head -5; continue
    fi
    # a scenario without random inputs has nothing to draw, and says so
    nin=$("$py" -c 'import h5py, sys; print(len(h5py.File(sys.argv[1]).attrs["inputs"]))' "$tmp/$b.h5")
    "$bin" plot "$tmp/$b.h5" -o "$tmp/png" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$nin" -eq 0 ]; then
        if [ "$rc" -eq 1 ] && grep -q "nothing to draw" "$tmp/err" && [ ! -s "$tmp/out" ]; then ok
        else bad "plot $s (no random inputs): exit $rc"; cat "$tmp/err"; fi
        continue
    fi
    if [ "$rc" -eq 0 ] && [ -s "$tmp/out" ] && ! grep -qv "note:" "$tmp/err"; then ok
    else bad "plot $s: exit $rc"; sed 's/^/  /' "$tmp/err" | head -5; fi
    if "$py" tests/plot_check.py "$tmp/png" png "$b=$tmp/$b.h5" >"$tmp/check"; then ok
    else bad "plot_check $s"; cat "$tmp/check"; fi
done

# the tornado figure of a run with --sensitivity
if "$bin" run scenarios/gpt4.cmc -n 20000 --sensitivity -o "$tmp/sens.h5" >/dev/null &&
    "$bin" plot "$tmp/sens.h5" -o "$tmp/sens" >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    grep -q "sens-co2_t-sensitivity.png" "$tmp/out"; then ok
else bad "plot of a run with --sensitivity"; cat "$tmp/err"; fi
if "$py" tests/plot_check.py "$tmp/sens" png "sens=$tmp/sens.h5" >"$tmp/check"; then ok
else bad "plot_check of the sensitivity figures"; cat "$tmp/check"; fi
# correlated inputs: the dots are the given-data first-order index (every input), the
# bars the Sobol total of the independent inputs only, and the panel says so
if "$bin" run tests/data/correlated.cmc -n 20000 --sensitivity -o "$tmp/corr.h5" >/dev/null 2>&1 &&
    "$bin" plot "$tmp/corr.h5" -o "$tmp/corr" >/dev/null 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    grep -q 'first_title = "first order (given data)"' "$tmp"/corr/data/corr-*-sensitivity.vars.gp
then ok; else bad "plot of a run with correlated inputs"; cat "$tmp/err"; fi
if "$py" tests/plot_check.py "$tmp/corr" png "corr=$tmp/corr.h5" >"$tmp/check"; then ok
else bad "plot_check of the correlated sensitivity figure"; cat "$tmp/check"; fi
# what the scripts draw (gnuplot's `set table`): the right columns, bands and markers
mkdir "$tmp/gp"
if "$py" tests/gp_check.py "$tmp/sens" plots "$tmp/gp" >"$tmp/check"; then ok
else bad "gp_check: the scripts draw the wrong columns"; cat "$tmp/check"; fi

# the flagship in every format, and a comparison of two runs with --only
for fmt in pdf svg; do
    if "$bin" plot "$tmp/gpt4.h5" -o "$tmp/$fmt" --format "$fmt" >/dev/null 2>"$tmp/err" &&
        [ ! -s "$tmp/err" ]; then ok; else bad "plot --format $fmt"; cat "$tmp/err"; fi
    if "$py" tests/plot_check.py "$tmp/$fmt" "$fmt" "gpt4=$tmp/gpt4.h5" >"$tmp/check"; then ok
    else bad "plot_check $fmt"; cat "$tmp/check"; fi
done
"$bin" run scenarios/gpt4.cmc -n 20000 --set intensity=240.6 -o "$tmp/ca.h5" >/dev/null &&
    "$bin" run scenarios/gpt4.cmc -n 20000 --set intensity=20 -o "$tmp/canada.h5" >/dev/null ||
    bad "runs for the comparison"
if "$bin" plot "$tmp/ca.h5" "$tmp/canada.h5" -o "$tmp/cmp" >"$tmp/out" 2>"$tmp/err" &&
    [ ! -s "$tmp/err" ] && grep -q "compare-co2_t.png" "$tmp/out"; then ok
else bad "plot of two runs"; cat "$tmp/err"; fi
if "$py" tests/plot_check.py "$tmp/cmp" png "ca=$tmp/ca.h5" "canada=$tmp/canada.h5" >"$tmp/check"
then ok; else bad "plot_check of the comparison"; cat "$tmp/check"; fi
"$bin" plot "$tmp/ca.h5" "$tmp/canada.h5" -o "$tmp/only" --only co2_t >"$tmp/out" 2>&1
# per run: distribution, cdf, convergence and the variants figure; then the comparison
# and the forest figure
if [ "$(wc -l <"$tmp/out")" -eq 10 ] && ! grep -q energy_kwh "$tmp/out" &&
    grep -q "ca-co2_t-variants.png" "$tmp/out"; then ok
else bad "--only co2_t drew $(wc -l <"$tmp/out") figures:"; cat "$tmp/out"; fi
"$bin" plot "$tmp/ca.h5" -o "$tmp/only_in" --only days >"$tmp/out" 2>&1
if [ "$(cat "$tmp/out")" = "$tmp/only_in/ca-inputs.png" ]; then ok; else bad "--only days"; cat "$tmp/out"; fi

# figures for a paper: --size column is 3.3 in wide with no text under 8 pt (from the
# gnuplot script's own variables, and the PDF's page), --no-title, the forest figure
# with a published point
if "$bin" plot "$tmp/ca.h5" "$tmp/canada.h5" -o "$tmp/col" --format pdf --size column \
        --no-title --only co2_t --published canada=1035.45 >"$tmp/out" 2>"$tmp/err" &&
    [ ! -s "$tmp/err" ] && grep -q "forest-co2_t.pdf" "$tmp/out"; then ok
else bad "plot --size column --no-title --published"; cat "$tmp/err"; fi
grep '^size_' "$tmp/col/data/figures.gp" >"$tmp/size.gp"
printf 'fmt = "pdf"; out = "%s/probe.pdf"; fig_w = 1; fig_h = 1\nload "%s"\nload "%s"\n' \
    "$tmp" "$tmp/size.gp" "plots/common.gp" >"$tmp/probe.gp"
printf 'print sprintf("%%g %%g %%g %%g %%g", W, H, fs, fs_small, fs_tiny)\n' >>"$tmp/probe.gp"
set -- $(gnuplot "$tmp/probe.gp" 2>&1)
if [ "$1" = 3.3 ] && awk -v a="$3" -v b="$4" -v c="$5" 'BEGIN { exit !(a >= 8 && b >= 8 && c >= 8) }'
then ok; else bad "--size column: width $1 in, fonts $3, $4, $5 pt (want 3.3 in, all >= 8 pt)"; fi
if grep -aEq "MediaBox \[ *0 0 23[78](\.[0-9]*)? " "$tmp/col/ca-co2_t-distribution.pdf"; then ok
else bad "--size column: the PDF is not 3.3 in (237.6 pt, cairo rounds) wide"; grep -a MediaBox "$tmp/col/ca-co2_t-distribution.pdf" | head -2; fi
if grep -q '^title_str = ""' "$tmp/col/data/ca-co2_t.vars.gp" &&
    ! grep -q 'GPT-4 training' "$tmp/col/data/"*.vars.gp; then ok
else bad "--no-title: a title is still set"; fi
# forest: a row per run and variant, each the run's median and P5-P95, the published
# value on its run's row only
if "$bin" summary "$tmp/canada.h5" --format json >"$tmp/canada.json" &&
    "$py" - "$tmp/col/data/forest-co2_t.dat" "$tmp/canada.json" <<'PY'
import json, shlex, sys
rows = [shlex.split(l) for l in open(sys.argv[1]) if not l.startswith("#")]
js = json.load(open(sys.argv[2]))["outputs"]["co2_t"]["percentile"]
canada = [r for r in rows if r[5].startswith("GPT-4") and r[4] != "NaN"]
assert len(rows) == 6, rows                      # two runs, each with two variants
assert len(canada) == 1 and float(canada[0][4]) == 1035.45, canada
r = canada[0]
assert [float(x) for x in r[1:4]] == [js["0.5"]["value"], js["0.05"]["value"], js["0.95"]["value"]], r
assert sum(x[4] != "NaN" for x in rows) == 1
PY
then ok; else bad "forest-co2_t.dat"; fi
mkdir "$tmp/gpf"
if "$py" tests/gp_check.py "$tmp/col" plots "$tmp/gpf" --some >"$tmp/check"; then ok
else bad "gp_check of the forest and the comparison figures"; cat "$tmp/check"; fi
fails0() { "$@" >"$tmp/out" 2>"$tmp/err"; }
if ! fails0 "$bin" plot "$tmp/ca.h5" -o "$tmp/bad" --size 2in && grep -q "size expects" "$tmp/err" &&
    [ ! -e "$tmp/bad" ]; then ok; else bad "--size 2in accepted"; fi
if ! fails0 "$bin" plot "$tmp/ca.h5" -o "$tmp/bad" --published nosuch=3 &&
    grep -q "published expects" "$tmp/err" && [ ! -e "$tmp/bad" ]; then ok
else bad "--published of an unknown run accepted"; fi
# -o must be a folder or a new path: a file or a FIFO is refused before anything is written
: >"$tmp/afile"
mkfifo "$tmp/afifo"
for o in afile afifo; do
    if ! fails0 "$bin" plot "$tmp/ca.h5" -o "$tmp/$o" && grep -q "must name a folder" "$tmp/err" &&
        [ ! -s "$tmp/out" ]; then ok; else bad "plot -o $o was not refused"; cat "$tmp/err"; fi
done
[ -f "$tmp/afile" ] && [ ! -s "$tmp/afile" ] && [ -p "$tmp/afifo" ] && ok || bad "plot -o changed the file"
# a FIFO where a data file goes is refused without blocking
mkdir -p "$tmp/fifodir/data"
mkfifo "$tmp/fifodir/data/figures.gp"
if ! fails0 "$bin" plot "$tmp/ca.h5" -o "$tmp/fifodir" && grep -q "not a regular file" "$tmp/err"
then ok; else bad "a FIFO in DIR/data was written"; cat "$tmp/err"; fi

# failures: exit status, a message naming the problem, and no folder made
# fails STATUS TEXT DIR -- ENV... carbonmc ARGS
fails() {
    want=$1 text=$2 dir=$3
    shift 4
    env "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then bad "$* exit $rc, want $want"
    elif ! grep -qF -- "$text" "$tmp/err"; then bad "$*: stderr lacks '$text'"; cat "$tmp/err"
    elif [ -s "$tmp/out" ]; then bad "$*: stdout not empty"
    elif [ -n "$dir" ] && [ -e "$dir" ]; then bad "$*: made $dir"
    else ok; fi
}
fails 1 "cannot find gnuplot" "$tmp/f1" -- PATH=/nonexistent "$bin" plot "$tmp/gpt4.h5" -o "$tmp/f1"
fails 1 "gnuplot-nox" "$tmp/f2" -- CARBONMC_GNUPLOT=/nonexistent/gnuplot "$bin" plot "$tmp/gpt4.h5" -o "$tmp/f2"
fails 1 "gnuplot failed" "" -- CARBONMC_GNUPLOT=/bin/false "$bin" plot "$tmp/gpt4.h5" -o "$tmp/f3"
fails 1 "gnuplot scripts" "$tmp/f4" -- CARBONMC_PLOTS="$tmp" "$bin" plot "$tmp/gpt4.h5" -o "$tmp/f4"
fails 1 "no output or input is named 'co2'" "$tmp/f5" -- "$bin" plot "$tmp/gpt4.h5" -o "$tmp/f5" --only co2
fails 1 "No such file" "$tmp/f6" -- "$bin" plot "$tmp/missing.h5" -o "$tmp/f6"
fails 2 "unknown --format 'jpg'" "$tmp/f7" -- "$bin" plot "$tmp/gpt4.h5" -o "$tmp/f7" --format jpg
fails 2 "needs an HDF5 file" "" -- "$bin" plot
fails 2 "does not take -n" "" -- "$bin" plot "$tmp/gpt4.h5" -n 5

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
