#!/bin/sh
# What users read, against the HDF5 file: a run of the flagship scenario with its
# variants and --sensitivity, its summaries in every format, and tests/formats_check.py
# comparing each number with the file. The JSON printed by `run` (from the results in
# memory) must equal the JSON of `summary` (read back from the file) byte for byte, so
# the writer and the reader are checked against each other as well.
# usage: formats.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
py=${CMC_PYTHON:-/usr/bin/python3}
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

if "$bin" run scenarios/gpt4.cmc -n 20000 --seed 11 --sensitivity -o "$tmp/g.h5" \
        --format json >"$tmp/run.json" 2>"$tmp/err"; then ok
else bad "run"; cat "$tmp/err"; fi
for f in json csv text markdown latex; do
    if "$bin" summary "$tmp/g.h5" --format "$f" >"$tmp/g.$f" 2>"$tmp/err" && [ -s "$tmp/g.$f" ]
    then ok; else bad "summary --format $f"; cat "$tmp/err"; fi
done
if cmp -s "$tmp/run.json" "$tmp/g.json"; then ok
else bad "run --format json and summary --format json differ:"; diff "$tmp/run.json" "$tmp/g.json" | head -10; fi
"$py" tests/formats_check.py "$tmp/g.h5" "$tmp/g.json" "$tmp/g.csv" "$tmp/g.text" \
    "$tmp/g.markdown" >"$tmp/check"
rc=$?
if [ "$rc" -eq 0 ]; then ok; tail -1 "$tmp/check"
elif [ "$rc" -eq 77 ]; then echo "skipped: formats_check.py needs h5py"; cat "$tmp/check"
else bad "formats_check"; cat "$tmp/check"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
