#!/bin/sh
# `carbonmc table` against golden files (tests/table/*.txt, .md, .tex, .csv): two runs
# of the library's scenarios (GPT-4 with its two regions as variants, Llama 3.1) at a
# fixed seed, in every format; the display units (tests/table/units.cmc); the
# LaTeX compiled with pdflatex when TeX is installed; the errors. UPDATE=1 rewrites
# the golden files for review.
# usage: table.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
gold=tests/table

"$bin" run scenarios/gpt4.cmc -n 100000 --seed 7 -o "$tmp/gpt4.h5" >/dev/null 2>&1 || bad "run gpt4"
"$bin" run scenarios/llama3_1.cmc -n 100000 --seed 7 -o "$tmp/llama3_1.h5" >/dev/null 2>&1 || bad "run llama"
"$bin" run "$gold/units.cmc" -n 4096 -o "$tmp/units.h5" >/dev/null 2>&1 || bad "run units"

check() {   # check NAME ARGS...: the table's stdout against $gold/NAME
    name=$1
    shift
    if ! "$bin" table "$@" >"$tmp/$name" 2>"$tmp/err"; then
        bad "table $* failed:"; cat "$tmp/err"; return
    fi
    if [ -n "$UPDATE" ]; then cp "$tmp/$name" "$gold/$name"; ok; return; fi
    if cmp -s "$tmp/$name" "$gold/$name"; then ok
    else bad "table $* differs from $gold/$name:"; diff "$gold/$name" "$tmp/$name" | head -20; fi
}
runs="$tmp/gpt4.h5 $tmp/llama3_1.h5"
# shellcheck disable=SC2086
{
check runs.txt $runs --outputs energy_kwh,co2_t
check runs.md $runs --outputs energy_kwh,co2_t --format markdown
check runs.tex $runs --outputs energy_kwh,co2_t --format latex
check runs.csv $runs --outputs energy_kwh,co2_t --format csv
check runs95.txt $runs --outputs co2_t --interval 95
check units.txt "$tmp/units.h5"
check units.tex "$tmp/units.h5" --format latex
check kept.txt "$tmp/units.h5" --keep-units --outputs energy_kwh,co2_t
}

# the LaTeX compiles with nothing but booktabs
if command -v pdflatex >/dev/null 2>&1; then
    printf '%s\n' '\documentclass{article}\usepackage{booktabs}\begin{document}' \
        '\input{runs.tex}' '\input{units.tex}' '\end{document}' >"$tmp/doc.tex"
    if (cd "$tmp" && pdflatex -interaction=nonstopmode -halt-on-error doc.tex >log 2>&1)
    then ok; else bad "pdflatex failed:"; tail -20 "$tmp/log"; fi
else
    echo "pdflatex not installed: the LaTeX is checked against its golden text only"
fi

# errors: exit 1, a located message, nothing on stdout
expect_err() {   # expect_err STATUS MESSAGE ARGS...
    st=$1 msg=$2
    shift 2
    "$bin" table "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq "$st" ] && [ ! -s "$tmp/out" ] && grep -q "$msg" "$tmp/err"; then ok
    else bad "table $*: exit $rc, want $st and '$msg':"; cat "$tmp/err"; fi
}
expect_err 1 "no run has an output named 'nope'" "$tmp/gpt4.h5" --outputs nope
"$bin" run scenarios/gpt4.cmc -n 2000 --percentiles 0.25,0.5,0.75 -o "$tmp/q.h5" >/dev/null 2>&1
expect_err 1 "has no P5, P50 and P95 stored" "$tmp/q.h5"
if "$bin" table "$tmp/q.h5" --interval 50 >/dev/null 2>&1; then ok; else bad "--interval 50"; fi
expect_err 2 "interval expects a percentage" "$tmp/gpt4.h5" --interval 100
expect_err 2 "unknown --format" "$tmp/gpt4.h5" --format json
expect_err 1 "" "$tmp/missing.h5"

# the inputs table shows an atom the median's interval straddles whole: choice(240.6, 20)'s
# P50 is 240.6 or 20 (by chance), never 241
"$bin" summary "$tmp/gpt4.h5" >"$tmp/out" 2>/dev/null
if grep -Eq '^  intensity \[gCO2e/kWh\] +(240\.6|20) +20 to 240\.6 ' "$tmp/out"; then ok
else bad "the median of choice(240.6, 20) is not shown whole:"; grep intensity "$tmp/out"; fi

echo "table: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
