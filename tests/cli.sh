#!/bin/sh
# The command line's contract (DESIGN section 2): exit codes 0/1/2, --help on
# stdout only when asked, diagnostics on stderr, nothing on stdout after an error,
# JSON that parses, and the published point arithmetic through the real binary.
# usage: cli.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
cd "$src" || exit 1
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
pass=0 fail=0

# expect STATUS STDOUT(empty|nonempty) STDERR(empty|nonempty) -- ARGS...
expect() {
    want=$1 wout=$2 werr=$3
    shift 4
    "$bin" "$@" >"$out" 2>"$err"
    rc=$?
    problem=""
    [ "$rc" -eq "$want" ] || problem="exit $rc, want $want"
    if [ "$wout" = empty ] && [ -s "$out" ]; then problem="$problem; stdout not empty"; fi
    if [ "$wout" = nonempty ] && [ ! -s "$out" ]; then problem="$problem; stdout empty"; fi
    if [ "$werr" = empty ] && [ -s "$err" ]; then problem="$problem; stderr not empty"; fi
    if [ "$werr" = nonempty ] && [ ! -s "$err" ]; then problem="$problem; stderr empty"; fi
    verdict "$problem" "$*"
}

verdict() {
    if [ -n "$1" ]; then
        echo "FAIL carbonmc $2: $1"
        [ -s "$err" ] && sed 's/^/  stderr: /' "$err" | head -5
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

# stdout contains TEXT
contains() {
    if grep -qF -- "$1" "$out"; then verdict "" "$1"; else verdict "stdout lacks '$1'" "(last command)"; fi
}
err_contains() {
    if grep -qF -- "$1" "$err"; then verdict "" "$1"; else verdict "stderr lacks '$1'" "(last command)"; fi
}

expect 0 nonempty empty -- --help
contains "usage: carbonmc COMMAND"
expect 0 nonempty empty -- -h
expect 0 nonempty empty -- --version
contains "carbonmc "
expect 2 empty nonempty --
err_contains "--help"
expect 2 empty nonempty -- frobnicate scenarios/gpt4.cmc
err_contains "unknown command 'frobnicate'"
expect 2 empty nonempty -- --frob
expect 2 empty nonempty -- check
err_contains "needs a SCENARIO"
expect 2 empty nonempty -- check scenarios/gpt4.cmc --bogus
expect 2 empty nonempty -- check scenarios/gpt4.cmc scenarios/bloom.cmc
expect 2 empty nonempty -- point scenarios/gpt4.cmc --format yaml
expect 2 empty nonempty -- point scenarios/gpt4.cmc --set
expect 2 empty nonempty -- point scenarios/gpt4.cmc --set days
expect 1 empty nonempty -- check no/such/file.cmc
err_contains "cannot read 'no/such/file.cmc'"
expect 1 empty nonempty -- point tests/errors/normal_sigma.cmc

# (the JSON of every scenario is checked by one Python process: each start costs 0.1 s)
pj=$(mktemp -d)
for s in scenarios/*.cmc; do
    expect 0 nonempty empty -- check "$s"
    expect 0 nonempty empty -- point "$s"
    expect 0 nonempty empty -- point "$s" --format json
    cp "$out" "$pj/$(basename "$s").json"
done
if python3 - "$pj"/*.json <<'PYEOF'
import json, sys
for p in sys.argv[1:]:
    d = json.load(open(p))
    assert d["title"] and d["outputs"], p
PYEOF
then
    verdict "" json
else
    verdict "invalid JSON" "point --format json"
fi
rm -rf "$pj"
expect 0 nonempty empty -- check scenarios/gpt4.cmc --program
contains "<- draw  gpu_count ~ 20k to 30k"

# The GPT-4 article's arithmetic, and its slip: 100 days are 57,525,000 kWh
set -- --set gpu_count=25000 --set days=90 --set server_kw=6.5 --set load=1 --set pue=1.18
expect 0 nonempty empty -- point scenarios/gpt4.cmc "$@" --set intensity=240.6
contains "51,772,500"
contains "12,456.4635"
expect 0 nonempty empty -- point scenarios/gpt4.cmc "$@" --set intensity=20 --format json
contains '"co2_t": 1035.45'
expect 0 nonempty empty -- point scenarios/gpt4.cmc --set=gpu_count=25000 --set=days=100 --format=json
contains '"outputs": {"energy_kwh": '
expect 1 empty nonempty -- point scenarios/gpt4.cmc --set days=90 --set days=100
err_contains "'days' is set twice"
set --
expect 0 nonempty empty -- point scenarios/gpt4.cmc --set gpu_count=25000 --set days=100 \
    --set server_kw=6.5 --set load=1 --set pue=1.18 --set intensity=240.6 --format json
contains '"energy_kwh": 57525000'

expect 0 nonempty empty -- point scenarios/gpt3_patterson.cmc --format json
contains '"energy_kwh": 1289376'
contains '"co2_t": 553.142304'
expect 0 nonempty empty -- point scenarios/bloom.cmc --format json
contains '"energy_kwh": 433196'
contains '"co2_t": 24.692172'

# CARBONMC_PATH is searched for models
tmp=$(mktemp -d)
printf 'input x\noutput y = x * 2\n' >"$tmp/mymodel.cmc"
printf 'use "mymodel"\nx = 21\n' >"$tmp/s.cmc"
mkdir "$tmp/elsewhere" && mv "$tmp/mymodel.cmc" "$tmp/elsewhere/"
expect 1 empty nonempty -- point "$tmp/s.cmc"
CARBONMC_PATH="/nonexistent:$tmp/elsewhere" expect 0 nonempty empty -- point "$tmp/s.cmc" --format json
contains '"y": 42'
rm -rf "$tmp"

# ---- run and summary --------------------------------------------------------------
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
expect 0 nonempty empty -- run scenarios/gpt4.cmc -n 20000 --seed 5 --threads 1 -o "$tmp/a.h5"
contains "energy_kwh"
contains "95% Monte Carlo interval"
contains "20,000 samples, seed 5"
[ -f "$tmp/a.h5" ] && verdict "" file || verdict "no $tmp/a.h5" "run -o"
ls "$tmp" | grep -q tmp && verdict "temporary file left behind" "run" || verdict "" tmpfile
expect 0 nonempty empty -- run scenarios/gpt4.cmc -n 20000 --seed 5 --threads 2 -o "$tmp/b.h5" --format json
if $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["samples"] == 20000 and d["seed"] == 5; assert len(d["outputs"]["co2_t"]["percentiles"]) == 11' "$out"; then
    verdict "" "run json"
else
    verdict "bad JSON from run" "run --format json"
fi
# the same seed gives the same statistics with 1 and 2 threads
"$bin" summary "$tmp/a.h5" --format json >"$tmp/a.json" 2>"$err"
"$bin" summary "$tmp/b.h5" --format json >"$tmp/b.json" 2>>"$err"
cmp -s "$tmp/a.json" "$tmp/b.json" && verdict "" determinism || verdict "1 and 2 threads differ" summary
for f in text json csv markdown latex; do
    expect 0 nonempty empty -- summary "$tmp/a.h5" --format "$f"
done
contains '\toprule'
expect 0 nonempty empty -- summary "$tmp/a.h5" --format csv
contains "kind,name,statistic,p,value,ci_low,ci_high"
expect 2 empty nonempty -- summary "$tmp/a.h5" --format yaml
expect 2 empty nonempty -- summary "$tmp/a.h5" --set days=1
expect 1 empty nonempty -- summary "$tmp/missing.h5"
err_contains "cannot open"
expect 1 empty nonempty -- summary scenarios/gpt4.cmc
err_contains "not a carbonmc file"
# a bad scenario or an unwritable path writes nothing
expect 1 empty nonempty -- run tests/errors/normal_sigma.cmc -o "$tmp/bad.h5"
[ -e "$tmp/bad.h5" ] && verdict "file written for a bad scenario" run || verdict "" nofile
expect 1 empty nonempty -- run scenarios/gpt4.cmc -n 1000 -o "$tmp/no/such/dir/x.h5"
err_contains "cannot"
expect 2 empty nonempty -- run scenarios/gpt4.cmc -n 0
expect 2 empty nonempty -- run scenarios/gpt4.cmc -n 2.5
expect 2 empty nonempty -- run scenarios/gpt4.cmc --threads 0
expect 2 empty nonempty -- run scenarios/gpt4.cmc --percentiles 0.5,0.2
expect 2 empty nonempty -- run scenarios/gpt4.cmc --percentiles 1.5
expect 2 empty nonempty -- point scenarios/gpt4.cmc -n 100
# options: 1e4 and 10k, percent percentiles, bins, samples saved
expect 0 nonempty empty -- run scenarios/bloom.cmc -n 10k --percentiles 5%,50%,95% --bins 7 \
    --save-samples -o "$tmp/s.h5" --format json
if $PY - "$tmp/s.h5" <<'PYEOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["format"] == "carbonmc/1" and int(f.attrs["samples"]) == 10000
assert list(f["outputs/co2_t/percentiles/probability"][()]) == [0.05, 0.5, 0.95]
assert f["outputs/co2_t/histogram/counts"].shape == (7,)
x = f["samples/co2_t"][()]
assert x.shape == (10000,) and np.all(x == x[0])   # bloom is all constants
assert abs(x[0] - 24.692172) < 1e-9
assert "gpu_hours = 1082990" in f["scenario/source"].asstr()[()]
PYEOF
then verdict "" h5py; else verdict "h5py check of --save-samples failed" run; fi
# --seed takes all 64 bits (2^64 - 1 and 2^32 - 1 give different runs); -n takes M
expect 0 nonempty empty -- run scenarios/gpt4.cmc -n 0.002M --seed 18446744073709551615 \
    -o "$tmp/s64.h5" --format json
cp "$out" "$tmp/s64.json"
expect 0 nonempty empty -- run scenarios/gpt4.cmc -n 2000 --seed 4294967295 -o "$tmp/s32.h5" \
    --format json
if $PY - "$tmp/s64.json" "$out" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["seed"] == 18446744073709551615 and b["seed"] == 4294967295, (a["seed"], b["seed"])
assert a["samples"] == 2000 == b["samples"], a["samples"]
assert a["outputs"]["co2_t"]["mean"] != b["outputs"]["co2_t"]["mean"]
PYEOF
then verdict "" seed64; else verdict "--seed 2^64 - 1 or -n 0.002M" run; fi
# the default output is the scenario's name in the current folder
(cd "$tmp" && "$bin" run "$src/scenarios/gpt3_patterson.cmc" -n 1000 >/dev/null 2>&1)
[ -f "$tmp/gpt3_patterson.h5" ] && verdict "" default-output || verdict "no default output" run
# the stored scenario is itself a valid scenario with the same point values
$PY -c 'import h5py,sys; print(h5py.File(sys.argv[1])["scenario/source"].asstr()[()])' "$tmp/a.h5" >"$tmp/flat.cmc"
expect 0 nonempty empty -- point "$tmp/flat.cmc" --format json
"$bin" point scenarios/gpt4.cmc --format json | sed 's/"title": "[^"]*"//' >"$tmp/p1"
sed 's/"title": "[^"]*"//' "$out" >"$tmp/p2"
cmp -s "$tmp/p1" "$tmp/p2" && verdict "" flat-source || verdict "flattened source gives other point values" point
# variants and --sensitivity through the command line: JSON and the file agree
expect 0 nonempty empty -- run scenarios/gpt4.cmc -n 20k --sensitivity -o "$tmp/v.h5" --format json
cp "$out" "$tmp/v.json"
if $PY - "$tmp/v.h5" "$tmp/v.json" <<'PYEOF'
import json, sys, h5py
f, j = h5py.File(sys.argv[1], "r"), json.load(open(sys.argv[2]))
assert list(f.attrs["variants"]) == ["california", "canada_east"] == list(j["variants"])
pc = j["variants"]["canada_east"]["paired"]["co2_t"]
assert pc["reference"] == "california" and pc["p_greater"] == 0 and pc["p_greater_ci_low"] == 0
g = f["variants/canada_east/paired/co2_t"]
assert g["p_greater_ci_high"][()] == pc["p_greater_ci_high"] and int(g["count"][()]) == 20000
for k in ("ratio/min", "ratio/max"):   # the same energy times 20 over 240.6
    assert abs(g[k][()] / (20 / 240.6) - 1) < 1e-12, k
s = j["sensitivity"]["co2_t"]
assert s["input"] == [x.decode() if isinstance(x, bytes) else x for x in f["sensitivity/co2_t/input"][()]]
assert list(f["sensitivity/co2_t/sobol_total"][()]) == s["sobol_total"]
top = max(range(len(s["input"])), key=lambda i: s["sobol_total"][i])
assert s["input"][top] == "intensity" and s["sobol_total"][top] > 0.9
PYEOF
then verdict "" variants-sensitivity; else verdict "variants or sensitivity JSON/HDF5 disagree" run; fi
expect 0 nonempty empty -- summary "$tmp/v.h5"
contains "sensitivity of co2_t"
contains "P(canada_east > california) = 0"
expect 0 nonempty empty -- point scenarios/gpt4.cmc
contains "variant canada_east, Canada East, 20 gCO2e/kWh:"
expect 0 nonempty empty -- check scenarios/gpt4.cmc
contains "variants (2), on the same random numbers, compared with california:"

# The text summary of a narrow law far from zero keeps its numbers in order (issue 10:
# it printed a median below P5 and below the minimum), at sizes with exact values
# (the pilot), with windows, and both; and a choice's value is printed whole.
printf 'title "narrow"\noutput x = normal(1e6, 1)\noutput c = choice(240.6, 20)\n' >"$tmp/narrow.cmc"
for n in 1000 100000 2000000; do
    expect 0 nonempty empty -- run "$tmp/narrow.cmc" -n "$n" -o "$tmp/narrow.h5"
    if $PY - "$out" <<'PYEOF'
import re, sys
rows = {}
block = open(sys.argv[1]).read().split("\n\nc")[0]
for line in block.splitlines():
    m = re.match(r"\s*(?:\d+% interval)?\s*(median|P2\.5|P5|P95|P97\.5|min|max)\s+([-\d,.]+)", line)
    if m:
        rows[m.group(1)] = float(m.group(2).replace(",", ""))
order = ["min", "P2.5", "P5", "median", "P95", "P97.5", "max"]
vals = [rows[k] for k in order]
assert vals == sorted(vals), rows
PYEOF
    then verdict "" "normal(1e6, 1) summary in order at $n"
    else verdict "normal(1e6, 1) summary out of order at N=$n" run; fi
    contains "240.6"
done

# Each percentile's interval contains the exact order-statistic interval of the run's
# own samples, and its value lies within its stored resolution of the order statistic
# (issue 10: the sketch may widen an interval, never narrow it).
printf 'title "exact"\noutput t = triangular(1.10, 1.18, 1.40)\noutput u = uniform(90, 100)\noutput n = normal(1e6, 1)\n' >"$tmp/exact.cmc"
expect 0 nonempty empty -- run "$tmp/exact.cmc" -n 300000 --seed 4 --save-samples -o "$tmp/exact.h5" --format json
if $PY - "$tmp/exact.h5" <<'PYEOF'
import math, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
for name in ("t", "u", "n"):
    x = np.sort(f["samples/" + name][()])
    n = len(x)
    g = f["outputs/%s/percentiles" % name]
    for p, v, lo, hi, res in zip(*(g[k][()] for k in ("probability", "value", "ci_low", "ci_high", "resolution"))):
        np_ = n * p
        half = 1.959963984540054 * math.sqrt(np_ * (1 - p))
        k = [min(n, max(1, r)) for r in (math.floor(np_ - half), math.ceil(np_), math.ceil(np_ + half))]
        assert lo <= x[k[0] - 1] and hi >= x[k[2] - 1], (name, p, lo, hi, x[k[0] - 1], x[k[2] - 1])
        assert abs(v - x[k[1] - 1]) <= res, (name, p, v, x[k[1] - 1], res)
PYEOF
then verdict "" "intervals contain the exact ones"
else verdict "an interval narrower than the exact order-statistic interval" run; fi
rm -rf "$tmp"

# the swings' baseline is what `point` prints: every input at its point value (a
# choice's first value, 240.6 for GPT-4's grid, not its median 20), bit for bit
tmp=$(mktemp -d)
"$bin" point scenarios/gpt4.cmc --format json >"$tmp/point.json" 2>/dev/null
"$bin" run scenarios/gpt4.cmc -n 20000 --sensitivity -o none --format json >"$tmp/run.json" 2>/dev/null
if /usr/bin/python3 - "$tmp/point.json" "$tmp/run.json" <<'PYEOF'
import json, sys
point, run = (json.load(open(f)) for f in sys.argv[1:3])
for name, value in point["outputs"].items():
    assert run["sensitivity"][name]["swing_base"] == value, (name, value)
PYEOF
then verdict "" "swing base"
else verdict "the swings' baseline differs from point's output" "run --sensitivity"; fi
rm -rf "$tmp"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
