#!/bin/sh
# Results for scripts (issue 15, item 6): the HDF5 file read by h5py and xarray
# (tests/netcdf_check.py), the JSON's record of the run, -o none / --no-h5 writing
# nothing, files of carbonmc 0.2 still read by summary, table and plot, and a string
# attribute whose stored length disagrees with the global heap refused.
# usage: scripting.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
py=${CMC_PYTHON:-/usr/bin/python3}
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# h5py and xarray
"$bin" run scenarios/gpt4.cmc -n 20000 --sensitivity --save-samples \
    --set 'days=uniform(90,95)' -o "$tmp/t.h5" >/dev/null 2>"$tmp/err" || { bad run; cat "$tmp/err"; }
"$bin" summary "$tmp/t.h5" --format json >"$tmp/t.json" 2>"$tmp/err" || bad "summary json"
"$py" tests/netcdf_check.py "$tmp/t.h5" "$tmp/t.json" >"$tmp/check" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok; tail -1 "$tmp/check"
elif [ $rc -eq 77 ]; then echo "skipped: netcdf_check.py needs xarray and h5netcdf"; cat "$tmp/check"
else bad "netcdf_check"; cat "$tmp/check"; fi

# -o none and --no-h5 write nothing; -o ./none writes the file none
mkdir "$tmp/empty" && cd "$tmp/empty" || exit 1
for o in "-o none" "--no-h5"; do
    # shellcheck disable=SC2086
    if "$bin" run "$src/scenarios/gpt4.cmc" -n 2000 $o >"$tmp/out" 2>"$tmp/err" &&
        [ -z "$(ls -A .)" ] && grep -q "co2_t" "$tmp/out" && ! grep -q "written to" "$tmp/out"
    then ok; else bad "run $o wrote something or printed no summary: $(ls -A .)"; fi
done
if "$bin" run "$src/scenarios/gpt4.cmc" -n 2000 -o ./none >/dev/null 2>&1 && [ -f none ]
then ok; else bad "run -o ./none did not write ./none"; fi
rm -f none
"$bin" run "$src/scenarios/gpt4.cmc" -n 2000 --no-h5 --save-samples >/dev/null 2>"$tmp/err"
if [ $? -eq 2 ] && [ -z "$(ls -A .)" ]; then ok; else bad "--no-h5 --save-samples accepted"; fi
cd "$src" || exit 1

# a file of carbonmc 0.2 (before units, dimension scales and the set attribute)
old=tests/data/v0.2-gpt4.h5
for c in "summary $old" "summary $old --format json" "table $old" "table $old --format latex"; do
    # shellcheck disable=SC2086
    if "$bin" $c >"$tmp/out" 2>"$tmp/err" && [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then ok
    else bad "$c"; cat "$tmp/err"; fi
done
if grep -q '"set": \[\]' "$tmp/out" 2>/dev/null || "$bin" summary $old --format json | grep -q '"set": \[\]'
then ok; else bad "an old file's JSON has no empty set list"; fi
if command -v gnuplot >/dev/null 2>&1; then
    if "$bin" plot "$old" -o "$tmp/fig" --only co2_t >/dev/null 2>"$tmp/err"; then ok
    else bad "plot of an old file"; cat "$tmp/err"; fi
fi

# a string attribute (the root's title) whose length disagrees with its heap object
cp "$tmp/t.h5" "$tmp/bad.h5"
"$py" - "$tmp/bad.h5" <<'PY' || bad "could not damage the title's length"
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
title = b"GPT-4 training from leaked inputs"
n = 0
at = data.find(b"GCOL\x01\x00\x00\x00")
while at >= 0:
    pat = struct.pack("<IQ", len(title), at)
    i = data.find(pat)
    while i >= 0:
        data[i:i + 4] = struct.pack("<I", 4000)   # HDF5 1.10 would copy 33 bytes into 4000
        n += 1
        i = data.find(pat, i + 1)
    at = data.find(b"GCOL\x01\x00\x00\x00", at + 1)
open(path, "wb").write(bytes(data))
sys.exit(0 if n else 1)
PY
"$bin" summary "$tmp/bad.h5" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q "claims 4000 bytes" "$tmp/err"; then ok
else bad "a damaged attribute length was read (exit $rc):"; cat "$tmp/err"; fi

echo "scripting: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
