#!/bin/sh
# `carbonmc plot` end to end: every figure of every shipped scenario in PNG, the
# flagship in PDF and SVG, a comparison of runs; tests/plot_check.py checks that
# the files are valid figures of plausible size and that the data gnuplot read
# agree with the HDF5 datasets, and tests/gp_check.py that the scripts draw the
# right columns of them. Then the failures: no gnuplot (exit 1, named, and
# nothing written), gnuplot failing, no scripts, an unknown --only, a bad --format.
# usage: plot.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
py=${CMC_PYTHON:-/usr/bin/python3}
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# every shipped scenario: run, plot, check (no gnuplot warnings either)
for s in scenarios/*.cmc; do
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
if [ "$(wc -l <"$tmp/out")" -eq 9 ] && ! grep -q energy_kwh "$tmp/out" &&
    grep -q "ca-co2_t-variants.png" "$tmp/out"; then ok
else bad "--only co2_t drew $(wc -l <"$tmp/out") figures:"; cat "$tmp/out"; fi
"$bin" plot "$tmp/ca.h5" -o "$tmp/only_in" --only days >"$tmp/out" 2>&1
if [ "$(cat "$tmp/out")" = "$tmp/only_in/ca-inputs.png" ]; then ok; else bad "--only days"; cat "$tmp/out"; fi

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
