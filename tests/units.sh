#!/bin/sh
# Units and ranges through the real binary (issue 12; README "Units and ranges"):
#   1. the issue's kW-for-W case: a scenario giving host power in kW to an input in W
#      gives the same result as the one in W; `check` lists the conversion (x1000);
#   2. --set with a unit: 0.4 [kgCO2e/kWh] is 400 gCO2e/kWh;
#   3. --unit NAME=UNIT on run (all five formats), summary, point and plot (the axis
#      label and the numbers gnuplot reads), and its errors;
#   4. --strict turns warnings into errors (exit 1), without it they are warnings;
#   5. the HDF5 file: a `units` attribute on every quantity (UDUNITS-2 syntax, "1"
#      for a plain number), `range` and `outside_range` on inputs with a range.
# (tests/errors/units_*.cmc are the golden messages; tests/test_units.c the library.)
# usage: units.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
cd "$src" || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
    echo "FAIL $*"
    [ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" | head -5
    fail=$((fail + 1))
}
# json FILE EXPR: evaluate a Python expression over the parsed JSON `d`
json() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }

# ---- 1. the kW-for-W case -----------------------------------------------------------
cat >"$tmp/base.cmc" <<'EOF'
title "Llama 3 70B with a host power"
use "refdata"
use "gpu_power"
input host_w [W] in 0 to inf "host share per GPU"
gpu_hours = 7.0M [h]
gpu_w     = h100_sxm_w + host_w
load      = pert(0.6, 0.85, 1.0)
pue       = 1.1
intensity = grid_us_range
EOF
{ cat "$tmp/base.cmc"; echo "host_w = 150 to 400"; } >"$tmp/w.cmc"
{ cat "$tmp/base.cmc"; echo "host_w = 0.15 to 0.4 [kW]"; } >"$tmp/kw.cmc"
"$bin" point "$tmp/w.cmc" --format json >"$tmp/w.json" 2>"$tmp/err" &&
    "$bin" point "$tmp/kw.cmc" --format json >"$tmp/kw.json" 2>>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    $PY - "$tmp/w.json" "$tmp/kw.json" <<'PYEOF' && ok || bad "point: host_w in kW differs from host_w in W"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for k, v in a["outputs"].items():
    assert abs(b["outputs"][k] - v) <= 1e-12 * abs(v), (k, v, b["outputs"][k])
assert abs(b["inputs"]["host_w"] - a["inputs"]["host_w"]) <= 1e-9 * a["inputs"]["host_w"]
PYEOF
"$bin" run "$tmp/w.cmc" -n 2e4 --seed 5 -o "$tmp/w.h5" --format json >"$tmp/wr.json" 2>"$tmp/err" &&
    "$bin" run "$tmp/kw.cmc" -n 2e4 --seed 5 -o "$tmp/kw.h5" --format json >"$tmp/kwr.json" 2>>"$tmp/err" &&
    $PY - "$tmp/wr.json" "$tmp/kwr.json" <<'PYEOF' && ok || bad "run: host_w in kW differs from host_w in W"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for k in a["outputs"]:
    x, y = a["outputs"][k]["mean"], b["outputs"][k]["mean"]
    assert abs(x - y) <= 1e-9 * abs(x), (k, x, y)
PYEOF
"$bin" check "$tmp/kw.cmc" >"$tmp/check" 2>"$tmp/err" &&
    grep -Eq '^  host_w +kW -> W  x1,000 ' "$tmp/check" &&
    grep -Eq '^  energy_kwh +h\*W -> kWh  x0\.001 ' "$tmp/check" &&
    grep -q 'unit conversions (' "$tmp/check" && ok || bad "check does not list the conversions"

# the stored scenario reads back with the same values: an input given in another unit
# (host_w in kW) and a plain redefinition of a name declared with a unit (gpu_hours)
printf 'use "gpu_power"\ngpu_hours = 1000\ngpu_w = 0.4 [kW]\npue = 1.1\nintensity = 400\n' \
    >"$tmp/gh.cmc"
for s in "$tmp/kw.cmc" "$tmp/gh.cmc"; do
    "$bin" run "$s" -n 1000 -o "$tmp/rt.h5" --format json >/dev/null 2>"$tmp/err" &&
        $PY -c "import h5py,sys; open(sys.argv[2],'w').write(h5py.File(sys.argv[1])['scenario/source'].asstr()[()])" \
            "$tmp/rt.h5" "$tmp/rt.cmc" &&
        "$bin" point "$s" --format json >"$tmp/a.json" 2>>"$tmp/err" &&
        (cd "$tmp" && "$bin" point rt.cmc --format json >"$tmp/b.json" 2>>"$tmp/err") &&
        [ ! -s "$tmp/err" ] &&
        json "$tmp/b.json" "all(abs(v - json.load(open('$tmp/a.json'))['outputs'][k]) <= 1e-12 * abs(v) for k, v in d['outputs'].items())" &&
        ok || bad "the stored scenario of $(basename "$s") does not read back to the same values"
done
json "$tmp/b.json" "abs(d['outputs']['energy_kwh'] - 440) < 1e-9" && ok || bad "gpu_hours = 1000 is not 1000 h"

# ---- 2. --set with a unit -------------------------------------------------------------
"$bin" point scenarios/gpt3_patterson.cmc --set 'intensity=0.429 [kgCO2e/kWh]' --format json \
    >"$tmp/p1.json" 2>"$tmp/err" &&
    "$bin" point scenarios/gpt3_patterson.cmc --format json >"$tmp/p0.json" 2>>"$tmp/err" &&
    $PY - "$tmp/p0.json" "$tmp/p1.json" <<'PYEOF' && ok || bad "--set intensity=0.429 [kgCO2e/kWh] is not 429 g"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert abs(a["outputs"]["co2_t"] - b["outputs"]["co2_t"]) <= 1e-9 * a["outputs"]["co2_t"]
PYEOF
"$bin" check scenarios/gpt3_patterson.cmc --set 'intensity=0.429 [kg/kWh]' >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'declared in gCO2e/kWh but its definition is in kg/kWh' "$tmp/err" && ok ||
    bad "a mass for a CO2e intensity is not an error"

# ---- 3. --unit -------------------------------------------------------------------------
"$bin" run scenarios/gpt4.cmc -n 2e4 --seed 2 -o "$tmp/g.h5" --format json >"$tmp/g.json" 2>"$tmp/err" ||
    bad "run gpt4"
for fmt in text json csv markdown latex; do
    "$bin" summary "$tmp/g.h5" --format $fmt >"$tmp/s0.$fmt" 2>"$tmp/err" &&
        "$bin" summary "$tmp/g.h5" --format $fmt --unit co2_t=kt --unit energy_kwh=GWh \
            >"$tmp/s1.$fmt" 2>>"$tmp/err" &&
        "$bin" run scenarios/gpt4.cmc -n 2e4 --seed 2 -o "$tmp/g2.h5" --format $fmt \
            --unit co2_t=kt --unit energy_kwh=GWh >"$tmp/r1.$fmt" 2>>"$tmp/err" || {
        bad "--unit with --format $fmt failed"
        continue
    }
    # run and summary print the same (but for the file name of text)
    if [ $fmt = text ]; then
        sed '$d' "$tmp/r1.$fmt" | sed '$d' | cmp -s - "$tmp/s1.$fmt" && ok || bad "run and summary differ ($fmt)"
    else
        cmp -s "$tmp/r1.$fmt" "$tmp/s1.$fmt" && ok || bad "run and summary differ ($fmt)"
    fi
    [ $fmt = csv ] && continue   # the CSV has no unit column: its numbers are checked below
    grep -q 'GWh' "$tmp/s1.$fmt" && grep -q 'kt' "$tmp/s1.$fmt" && ! grep -q 'tCO2e' "$tmp/s1.$fmt" &&
        grep -q 'tCO2e\|tCO\$_2\$e' "$tmp/s0.$fmt" && ok || bad "--format $fmt does not show GWh and kt"
done
# the numbers: every statistic of the JSON divided by 1e6 (kWh -> GWh) and 1e3 (t -> kt)
$PY - "$tmp/s0.json" "$tmp/s1.json" <<'PYEOF' && ok || bad "--unit: JSON numbers not converted"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for name, f, u in (("energy_kwh", 1e-6, "GWh"), ("co2_t", 1e-3, "kt")):
    x, y = a["outputs"][name], b["outputs"][name]
    assert y["unit"] == u, y["unit"]
    for k in ("mean", "std", "mean_se", "min", "max"):
        assert abs(y[k] - f * x[k]) <= 1e-12 * abs(f * x[k]), (name, k)
    for p, q in zip(x["percentiles"], y["percentiles"]):
        for k in ("value", "ci_low", "ci_high"):
            assert abs(q[k] - f * p[k]) <= 1e-12 * abs(f * p[k]), (name, k)
    assert y["count"] == x["count"]
PYEOF
# the CSV's rows: the same numbers scaled
$PY - "$tmp/s0.csv" "$tmp/s1.csv" <<'PYEOF' && ok || bad "--unit: CSV numbers not converted"
import csv, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:3])
assert len(a) == len(b)
for x, y in zip(a, b):
    parts = x["name"].split(".")
    f = {"energy_kwh": 1e-6, "co2_t": 1e-3}.get(parts[1] if len(parts) > 1 else parts[0], 1)
    if x["kind"] == "input" or parts[-1] == "ratio":
        f = 1
    if x["statistic"] in ("mean", "std", "min", "max", "percentile") and x["value"]:
        assert abs(float(y["value"]) - f * float(x["value"])) <= 1e-9 * abs(f * float(x["value"])), (x, y)
PYEOF
# point
"$bin" point scenarios/gpt4.cmc --unit co2_t=kt >"$tmp/pt" 2>"$tmp/err" &&
    grep -Eq '^  co2_t +[0-9.]+ +\[kt\]' "$tmp/pt" && ok || bad "point --unit co2_t=kt"
"$bin" point scenarios/gpt4.cmc --format json >"$tmp/pt0.json" &&
    "$bin" point scenarios/gpt4.cmc --unit co2_t=kt --unit days=h --format json >"$tmp/pt1.json" 2>"$tmp/err" &&
    json "$tmp/pt1.json" "abs(d['outputs']['co2_t'] - json.load(open('$tmp/pt0.json'))['outputs']['co2_t'] / 1e3) < 1e-9 and abs(d['inputs']['days'] - 24 * json.load(open('$tmp/pt0.json'))['inputs']['days']) < 1e-9" &&
    ok || bad "point --format json --unit"
# figures: the axis label and the data gnuplot reads
if command -v gnuplot >/dev/null 2>&1; then
    "$bin" plot "$tmp/g.h5" -o "$tmp/fig" --only co2_t --unit co2_t=kt >/dev/null 2>"$tmp/err" &&
        grep -q 'label_str = "training emissions \[kt\]"' "$tmp/fig/data/g-co2_t.vars.gp" &&
        $PY - "$tmp/g.json" "$tmp/fig/data/g-co2_t.vars.gp" <<'PYEOF' && ok || bad "plot --unit: label or numbers"
import json, re, sys
d = json.load(open(sys.argv[1]))["outputs"]["co2_t"]
med = [p["value"] for p in d["percentiles"] if p["p"] == 0.5][0]
v = dict(re.findall(r"^(\w+) = ([-0-9.e+]+)$", open(sys.argv[2]).read(), re.M))
assert abs(float(v["median"]) - med / 1e3) <= 1e-9 * med / 1e3, (v["median"], med)
PYEOF
fi
# errors: incommensurable, unknown unit, unknown name; nothing on stdout, exit 1
for arg in co2_t=GWh co2_t=kwh nope=kt; do
    "$bin" summary "$tmp/g.h5" --unit $arg >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q "error: --unit $arg" "$tmp/err" && ok ||
        bad "summary --unit $arg: not an error"
done
grep -q "did you mean 'kWh'" "$tmp/err" || true
"$bin" summary "$tmp/g.h5" --unit co2_t=kwh 2>&1 >/dev/null | grep -q "did you mean 'kWh'" && ok ||
    bad "--unit co2_t=kwh: no suggestion"
"$bin" point scenarios/gpt4.cmc --unit co2_t=GWh >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q "not commensurable" "$tmp/err" && ok || bad "point --unit co2_t=GWh"
"$bin" run scenarios/gpt4.cmc -n 1000 -o "$tmp/no.h5" --unit co2_t=GWh >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && [ ! -s "$tmp/out" ] && [ ! -e "$tmp/no.h5" ] && ok || bad "run --unit co2_t=GWh wrote a file"
"$bin" run scenarios/gpt4.cmc --unit co2_t >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && ok || bad "--unit without '=' is not a usage error"

# ---- 4. --strict -------------------------------------------------------------------------
printf 'input p in 1 to 3\np = normal(1.1, 0.5)\noutput p\n' >"$tmp/warn.cmc"
"$bin" point "$tmp/warn.cmc" >"$tmp/out" 2>"$tmp/err" && grep -q 'warning: p = normal' "$tmp/err" &&
    grep -q 'probability 42.1%' "$tmp/err" && ok || bad "a range warning"
"$bin" point "$tmp/warn.cmc" --strict >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q 'error: p = normal' "$tmp/err" && ok || bad "--strict point"
"$bin" run "$tmp/warn.cmc" --strict -n 1000 -o "$tmp/warn.h5" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && [ ! -e "$tmp/warn.h5" ] && ok || bad "--strict run wrote a file"
for s in scenarios/*.cmc; do
    "$bin" check "$s" --strict >/dev/null 2>"$tmp/err" && [ ! -s "$tmp/err" ] && ok ||
        bad "check --strict $s"
done

# ---- 5. HDF5 attributes -----------------------------------------------------------------
"$bin" run "$tmp/warn.cmc" -n 2e4 --seed 9 -o "$tmp/warn.h5" --save-samples >/dev/null 2>"$tmp/err"
$PY - "$tmp/warn.h5" "$tmp/g.h5" <<'PYEOF' && ok || bad "HDF5 units/range attributes"
import sys, h5py, numpy as np
from math import erfc, sqrt
f = h5py.File(sys.argv[1], "r")
g = f["inputs/p"]
assert list(g.attrs["range"]) == [1.0, 3.0]
want = 0.5 * erfc(0.2 / sqrt(2)) + 0.5 * erfc(3.8 / sqrt(2))
assert abs(g.attrs["outside_range"] - want) < 1e-9
x = f["samples/p"][()]
share = np.mean((x < 1) | (x > 3))
se = sqrt(want * (1 - want) / x.size)
assert abs(share - want) < 4 * se, (share, want, se)   # the draws agree with the CDF
assert g.attrs["units"] == "1"
h = h5py.File(sys.argv[2], "r")
for grp in ("outputs", "inputs"):
    for name, q in h[grp].items():
        assert "units" in q.attrs, name
assert h["outputs/co2_t"].attrs["units"] == "tCO2e"
assert h["outputs/energy_kwh"].attrs["units"] == "kWh"
assert h["inputs/days"].attrs["units"] == "day"
PYEOF

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
