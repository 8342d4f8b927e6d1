#!/bin/sh
# Golden summaries: what users read, pinned byte for byte. One small fixed scenario
# (tests/summaries/golden.cmc: two outputs with converted units, four random inputs,
# two variants compared with base, one with P(variant > base) at an interior value with ties) is
# run at a fixed seed and N with --sensitivity; its summary in every format (text,
# JSON, CSV, Markdown, LaTeX) must equal tests/summaries/summary.{txt,json,csv,md,tex}.
# Each format is checked twice: as `run --format F` prints it (from the results in
# memory) and as `summary FILE --format F` prints it (read back from the HDF5 file).
# When pdflatex is installed the LaTeX must compile with nothing but booktabs.
#
# The golden files were reviewed by hand once (headers against the numbers under them,
# every interval ordered, units, the variants' differences and ratios, Wilson's
# interval of P(variant > reference)); what must hold whatever the bytes are is kept
# as a check, tests/summaries/check.py, run on the golden JSON and on any new one
# before --update writes it. Other tests check the numbers against the HDF5 file
# (formats.sh, json_h5_check.py) and the truth (coverage_stats). A change of layout or of a number
# shows here as a diff: regenerate, review the diff, commit it with the change:
#
#   sh tests/summaries.sh --update [CARBONMC]      (default build-release/carbonmc)
#   git diff tests/summaries/
#
# The numbers are the Release, sanitizer and portable builds' alike (tests/run.sh
# compares their JSON bit for bit); they depend on the C library's exp and log, so
# on another platform than the project's Debian a last-digit difference in the JSON
# or CSV is a platform's, not a bug: regenerate there and compare the text summary.
# usage: summaries.sh CARBONMC SOURCE_DIR        (ctest)
#        summaries.sh --update [CARBONMC]
if [ "${1:-}" = --update ]; then
    UPDATE=1
    src=$(cd "$(dirname "$0")/.." && pwd)
    bin=${2:-$src/build-release/carbonmc}
else
    bin=$1 src=$2
fi
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
gold=tests/summaries
run="run $gold/golden.cmc -n 4096 --seed 17 --sensitivity"

# compare NAME FILE WHAT: FILE against the golden $gold/NAME
compare() {
    if cmp -s "$2" "$gold/$1"; then ok
    else bad "$3 differs from $gold/$1:"; diff "$gold/$1" "$2" | head -20; fi
}

if ! "$bin" $run -o "$tmp/g.h5" >/dev/null 2>"$tmp/err"; then
    bad "carbonmc $run"; cat "$tmp/err"
fi
# what the review checked by hand, kept as a check (tests/summaries/check.py): on the
# new JSON before --update writes it, on the golden one otherwise
py=${CMC_PYTHON:-/usr/bin/python3}
if "$bin" summary "$tmp/g.h5" --format json >"$tmp/new.json" 2>"$tmp/err" &&
        "$py" "$gold/check.py" "$tmp/new.json" >"$tmp/check"; then ok
else
    bad "tests/summaries/check.py on the new summary:"; cat "$tmp/err" "$tmp/check"
    [ "${UPDATE:-}" = 1 ] && { echo "golden files left as they were"; exit 1; }
fi
if [ "${UPDATE:-}" != 1 ]; then
    if "$py" "$gold/check.py" "$gold/summary.json" >"$tmp/check"; then ok
    else bad "tests/summaries/check.py on $gold/summary.json:"; cat "$tmp/check"; fi
fi
for pair in text:txt json:json csv:csv markdown:md latex:tex; do
    f=${pair%%:*} ext=${pair#*:}
    if ! "$bin" summary "$tmp/g.h5" --format "$f" >"$tmp/summary.$ext" 2>"$tmp/err"; then
        bad "summary --format $f:"; cat "$tmp/err"; continue
    fi
    if [ "${UPDATE:-}" = 1 ]; then
        cp "$tmp/summary.$ext" "$gold/summary.$ext"; echo "wrote $gold/summary.$ext"
    fi
    compare "summary.$ext" "$tmp/summary.$ext" "summary --format $f"
    # the same summary from the run itself (its text ends with where it wrote the file)
    if ! "$bin" $run -o "$tmp/r.h5" --format "$f" >"$tmp/run.$ext" 2>"$tmp/err"; then
        bad "run --format $f:"; cat "$tmp/err"; continue
    fi
    if [ "$f" = text ]; then
        printf '\nwritten to %s\n' "$tmp/r.h5" >"$tmp/tail"
        n=$(wc -l <"$tmp/tail")
        if [ "$(tail -n "$n" "$tmp/run.$ext")" = "$(cat "$tmp/tail")" ]; then
            head -n "-$n" "$tmp/run.$ext" >"$tmp/run.trim" && mv "$tmp/run.trim" "$tmp/run.$ext"
        fi
    fi
    compare "summary.$ext" "$tmp/run.$ext" "run --format $f"
done

# the LaTeX compiles with nothing but booktabs
if command -v pdflatex >/dev/null 2>&1; then
    printf '%s\n' '\documentclass{article}\usepackage{booktabs}\begin{document}' \
        '\input{summary.tex}' '\end{document}' >"$tmp/doc.tex"
    if (cd "$tmp" && pdflatex -interaction=nonstopmode -halt-on-error doc.tex >log 2>&1)
    then ok; else bad "pdflatex failed:"; tail -20 "$tmp/log"; fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
