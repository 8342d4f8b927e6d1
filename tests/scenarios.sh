#!/bin/sh
# The scenario library and its reference data (issue 6), through the real binary.
#   1. every scenarios/*.cmc passes `check` and `point` with nothing on stderr (no
#      warning either), gives finite point values, and runs (`run -n 2e4`, every
#      output finite, the HDF5 file written); scenarios/README.md indexes it;
#   2. point values reproduce the published figures within the paper's rounding,
#      with the --set line the scenario's own comment gives where its medians are
#      not the paper's inputs; and the medians themselves are pinned, so that a
#      change of reference data shows up here and in scenarios/README.md;
#   3. models/refdata.cmc loads: every name it defines evaluates to a finite
#      number, plain numbers to themselves, every X_range and X_sources helper
#      samples and has its point inside its sources' spread, and the key
#      figures of the issue are what they should be;
#   4. output units follow the names (_t in tCO2e, _kwh in kWh, _g in gCO2e);
#   5. every shipped model's equations on round inputs, against values worked by hand;
#   6. model instances: a shared input is one draw, separate inputs draw independently.
# usage: scenarios.sh CARBONMC SOURCE_DIR
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

# ---- 1. every scenario checks, points and runs ----------------------------------------
# (tests/cli.sh also runs `check` and both `point` formats on every scenario.)
mkdir "$tmp/p" "$tmp/r"
nscen=0
for s in scenarios/*.cmc; do
    nscen=$((nscen + 1))
    b=$(basename "$s" .cmc)
    if "$bin" check "$s" >"$tmp/out" 2>"$tmp/err" && [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then
        ok
    else
        bad "carbonmc check $s: exit status, empty stdout or a diagnostic on stderr"
    fi
    if "$bin" point "$s" --format json >"$tmp/p/$b.json" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then
        ok
    else
        bad "carbonmc point $s --format json: failed or a diagnostic on stderr"
    fi
    if "$bin" run "$s" -n 2e4 --seed 3 -o "$tmp/r/$b.h5" --format json >"$tmp/r/$b.json" 2>"$tmp/err" &&
        [ -f "$tmp/r/$b.h5" ] && [ ! -s "$tmp/err" ]; then
        ok
    else
        bad "carbonmc run $s -n 2e4: failed, no HDF5 file, or a diagnostic"
    fi
done
# the JSON of every point and run: finite point values, no non-finite sample
if $PY - "$tmp" 2>"$tmp/err" <<'PYEOF'
import glob, json, math, os, sys
bad = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "p", "*.json"))):
    d = json.load(open(f))
    if not (d["title"] and d["outputs"]):
        bad.append("%s: no title or outputs" % f)
    for k, v in list(d["outputs"].items()) + list(d["inputs"].items()):
        if not (isinstance(v, (int, float)) and math.isfinite(v)):
            bad.append("point %s: %s = %r" % (os.path.basename(f), k, v))
for f in sorted(glob.glob(os.path.join(sys.argv[1], "r", "*.json"))):
    d = json.load(open(f))
    if d["samples"] != 20000:
        bad.append("run %s: %r samples" % (os.path.basename(f), d["samples"]))
    for k, v in d["outputs"].items():
        if v["nonfinite"]:
            bad.append("run %s: %s has %d non-finite samples" % (os.path.basename(f), k, v["nonfinite"]))
assert not bad, "\n".join(bad)
PYEOF
then
    ok
else
    bad "point or run JSON: a non-finite value"
fi
[ "$nscen" -ge 10 ] && ok || bad "the library has $nscen scenarios, fewer than ten"
[ -f scenarios/README.md ] && ok || bad "scenarios/README.md is missing"
for s in scenarios/*.cmc; do
    b=$(basename "$s")
    grep -qF "$b" scenarios/README.md && ok || bad "scenarios/README.md does not index $b"
done

# ---- 2. published figures and pinned medians -------------------------------------------
# Lines of the table below:
#   with NAME=EXPR ...        the --set list for the lines that follow (`with` alone: none)
#   published SCEN OUTPUT LO HI WHAT
#       the paper's figure as printed (WHAT) covers the point value: [LO, HI] is half a
#       unit of its last digit either side when the paper rounds, [x, x + 1 unit] when it
#       truncates, or a stated tolerance;
#   pinned SCEN OUTPUT WANT   the tool's own point value, to 1e-9 relative (the medians
#       the scenario's comment and scenarios/README.md quote).
# One Python process runs `point --format json` once per scenario and --set list (the
# medians' run is section 1's).
cat >"$tmp/pins.txt" <<'EOF'
# BLOOM, Luccioni et al. 2022: 24.69 + 14.6 + 11.2 = 50.5 t
with
published bloom energy_kwh 433196 433196 "433,196 kWh"
published bloom co2_t 24.685 24.695 "24.69 t"
published bloom idle_co2_t 14.55 14.65 "14.6 t"
published bloom embodied_co2_t 11.15 11.25 "11.2 t"
published bloom total_co2_t 50.45 50.55 "50.5 t"
pinned bloom_lifecycle total_co2_t 57.67383704015171
pinned bloom_lifecycle co2_t 24.768537190224443
with load=1 intensity=57 gpu_embodied_kg=150 life_years=6 life_use=0.85
published bloom_lifecycle co2_t 24.685 24.695 "24.69 t"
published bloom_lifecycle idle_co2_t 14.55 14.65 "14.6 t"
published bloom_lifecycle embodied_co2_t 11.15 11.25 "11.2 t"
published bloom_lifecycle total_co2_t 50.45 50.55 "50.5 t"

# GPT-3, Patterson et al. 2021: 1,287 MWh and 552 t (from the unrounded 14.77 days);
# appendix A: 24.6 TFLOP/s per V100 (rounded: 24.55-24.65), 24.6/125 = 19.68% of peak
with
pinned gpt3_patterson energy_kwh 1289376
pinned gpt3_patterson co2_t 553.142304
pinned gpt3 energy_kwh 1289376
pinned gpt3 co2_t 553.142304
pinned gpt3 ratio_to_carbontracker 6.786189473684211
published gpt3 tflops_per_gpu 24.55 24.65 "24.6 TeraFLOPS/sec (appendix A)"
published gpt3 utilisation 0.1964 0.1972 "24.6/125 = 19.68% of peak (24.6 rounded)"
pinned gpt3 households 69.68937981015658
with days=14.772727
published gpt3_patterson energy_kwh 1286500 1287500 "1,287 MWh"
published gpt3_patterson co2_t 551.5 552.5 "552 t"
# GPT-3, Anthony et al. 2020: about 190,000 kWh, 85,000 kg, 700,000 km by car
with
published gpt3_carbontracker energy_kwh 190000 190000 "190,000 kWh"
published gpt3_carbontracker co2_t 84.5 85.5 "about 85 t"
published gpt3_carbontracker car_km 693000 707000 "about 700,000 km (1%)"

# GPT-4 article (Ludvigsen 2023): 51,772,500 kWh, 12,456 t and 1,035.45 t; the leak's days
with gpu_count=25000 days=90 server_kw=6.5 load=1 pue=1.18 intensity=240.6
published gpt4 energy_kwh 51772500 51772500 "51,772,500 kWh"
published gpt4 co2_t 12455.5 12456.5 "12,456 t"
with gpu_count=25000 days=90 server_kw=6.5 load=1 pue=1.18 intensity=20
published gpt4 co2_t 1035.445 1035.455 "1,035.45 t"
with train_flops=2.15e25 gpu_count=25000 mfu=0.34 load=1 pue=1.18 intensity=240.6
published gpt4_flops days 90 100 "90 to 100 days (leak)"
with
pinned gpt4 co2_t 10912.231889239745
pinned gpt4_flops days 95.94804089064591
pinned gpt4_flops energy_kwh 45806854.42170824

# LLaMA (Touvron et al. 2023): 2,638 MWh, 1,015 t (truncated), 65B 173 t
with load=1 days=121.978
published llama1 energy_kwh 2637500 2638500 "2,638 MWh"
published llama1 co2_t 1015 1016 "1,015 t (truncated)"
published llama1 co2_65b_t 172.5 173.5 "173 t"
# Llama 2 (Touvron et al. 2023, Table 2), two decimals truncated
with load=1
published llama2 co2_t 539.00 539.01 "539.00 t"
published llama2 co2_7b_t 31.22 31.23 "31.22 t"
published llama2 co2_13b_t 62.44 62.45 "62.44 t"
published llama2 co2_34b_t 153.90 153.91 "153.90 t"
published llama2 co2_70b_t 291.42 291.43 "291.42 t"
# the same, as four instances of gpu_power summing to the card's total (no --set)
with
published llama2_family co2_t 539.00 539.01 "539.00 t"
published llama2_family m7b.co2_t 31.22 31.23 "31.22 t"
published llama2_family m13b.co2_t 62.44 62.45 "62.44 t"
published llama2_family m34b.co2_t 153.90 153.91 "153.90 t"
published llama2_family m70b.co2_t 291.42 291.43 "291.42 t"
published llama2_family gpu_hours 3311616 3311616 "3,311,616 GPU-hours (3.3M)"
pinned llama2_family co2_t 539.0009856
# BLOOM's whole footprint: the final run and idle as the paper's (train.load=1, 57 g/kWh)
with train.load=1 intensity=57
published bloom_footprint train.co2_t 24.685 24.695 "24.69 t"
published bloom_footprint idle.idle_co2_t 14.55 14.65 "14.6 t"
with
pinned bloom_footprint total_co2_t 105.50226440634435
pinned bloom_footprint serving_co2_t 6.935
with load=1
# Llama 3.1 model card: 11,390 t in all; rows within 1% (their GPU-hours are rounded)
published llama3_1 co2_t 11389.5 11390.5 "11,390 t"
published llama3_1 co2_405b_t 8840.7 9019.3 "8,930 t (1%)"
published llama3_1 co2_70b_t 2019.6 2060.4 "2,040 t (1%)"
published llama3_1 co2_8b_t 415.8 424.2 "420 t (1%)"
with
pinned llama1 co2_t 955.0729834805123
pinned llama2 co2_t 451.28505594887815
pinned llama3_1 co2_t 9536.414449290609

# ChatGPT: de Vries 2023 (564 MWh per day, 2.9 Wh per request); 2025 (850 MWh per day)
with server_load=1 pue=1
published chatgpt_inference it_kwh_per_day 563500 564500 "564 MWh per day"
published chatgpt_inference wh_per_query 2.85 2.95 "2.9 Wh"
with
pinned chatgpt_inference inference_co2_t 186.55116462211782
published chatgpt_2025 inference_kwh 849500 850500 "850 MWh per day"
pinned chatgpt_2025 inference_co2_t 340.223051835116

# The ML team (an example: its own arithmetic, by hand in its comment)
pinned ml_team team_co2_t 5.613258504
pinned ml_team team_kwh 9526.896285
published ml_team cloud_co2_t 1.79999 1.80001 "1,800 kg reported"
EOF
$PY - "$bin" "$tmp/pins.txt" "$tmp/p" >"$tmp/pins.out" 2>&1 <<'PYEOF'
import glob, json, os, shlex, subprocess, sys
binary, table, medians = sys.argv[1], sys.argv[2], sys.argv[3]
cache, sets, npass, nfail = {}, [], 0, 0
for f in glob.glob(os.path.join(medians, "*.json")):   # section 1's `point --format json`
    cache[(os.path.basename(f)[:-5], ())] = json.load(open(f))["outputs"]
def point(scen, sets):
    key = (scen, tuple(sets))
    if key not in cache:
        args = [binary, "point", "scenarios/%s.cmc" % scen, "--format", "json"]
        for s in sets:
            args += ["--set", s]
        p = subprocess.run(args, capture_output=True, text=True)
        cache[key] = json.loads(p.stdout)["outputs"] if p.returncode == 0 else p.stderr
    return cache[key]
for line in open(table):
    w = shlex.split(line, comments=True)
    if not w:
        continue
    if w[0] == "with":
        sets = w[1:]
        continue
    out = point(w[1], sets)
    got = out.get(w[2]) if isinstance(out, dict) else None
    if w[0] == "published":
        good = got is not None and float(w[3]) <= got <= float(w[4])
        want = "the published %s (%s to %s)" % (w[5], w[3], w[4])
    else:
        good = got is not None and abs(got - float(w[3])) <= 1e-9 * abs(float(w[3]))
        want = "pinned at %s" % w[3]
    if good:
        npass += 1
    else:
        nfail += 1
        print("FAIL %s: %s = %r, not %s%s" % (w[1], w[2], got if got is not None else out, want,
              " (--set " + " ".join(sets) + ")" if sets else ""))
print("%d %d" % (npass, nfail))
PYEOF
sed '$d' "$tmp/pins.out"
set -- $(tail -n 1 "$tmp/pins.out")
if [ $# -eq 2 ]; then
    pass=$((pass + $1)) fail=$((fail + $2))
else
    bad "the table of published figures did not run"
fi

# ---- 3. the reference data loads ------------------------------------------------------
# One output per name models/refdata.cmc defines; the scenario uses the file by path.
data=models/refdata.cmc
names=$(sed -n 's/^\([a-z_][a-z0-9_]*\) *=.*/\1/p' "$data")
{
    echo "title \"every name of refdata\""
    echo "use \"$src/$data\""
    for n in $names; do echo "output o_$n = $n"; done
} >"$tmp/all.cmc"
if "$bin" point "$tmp/all.cmc" --format json >"$tmp/all.json" 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    $PY - "$tmp/all.json" "$data" 2>>"$tmp/err" <<'PYEOF'
import json, math, re, sys
out = json.load(open(sys.argv[1]))["outputs"]
mult = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
for line in open(sys.argv[2]):
    m = re.match(r"([a-z_][a-z0-9_]*) *= *([0-9.e+_]+)([kMGT%]?) *(\[[^]]*\])? *(#.*)?$", line.strip())
    if m:   # a plain number: evaluates to itself
        want = float(m.group(2).replace("_", "")) * mult.get(m.group(3), 1)
        got = out["o_" + m.group(1)]
        assert abs(got - want) <= 1e-12 * abs(want), "%s = %r, file says %r" % (m.group(1), got, want)
for k, v in out.items():
    assert math.isfinite(v), "%s is not finite" % k
    n = k[2:]
    for suffix in ("_range", "_sources"):
        if n.endswith(suffix):
            base = n[: -len(suffix)]
            lo, hi = out.get("o_" + base + "_lo"), out.get("o_" + base + "_hi")
            assert lo is not None and hi is not None, "%s has no %s_lo/_hi" % (n, base)
            assert lo <= v <= hi, "%s = %r outside %r..%r" % (n, v, lo, hi)
    if n.endswith("_sources") and "o_" + n[:-8] in out:
        assert v == out["o_" + n[:-8]], "%s: first source is not the point value" % n
PYEOF
then
    ok
else
    bad "models/refdata.cmc: a name does not load, or a helper is inconsistent"
fi
# every helper distribution samples
"$bin" run "$tmp/all.cmc" -n 2e4 -o "$tmp/all.h5" --format json >"$tmp/all_run.json" 2>"$tmp/err" &&
    $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert all(v["nonfinite"] == 0 for v in d["outputs"].values())
assert len(d["inputs"]) >= 10, "fewer random helpers than expected"
' "$tmp/all_run.json" 2>>"$tmp/err" && ok || bad "run of every refdata name"

# the issue's key figures, one by one (W, FLOP/s, kW, PUE, gCO2e/kWh). V100 SXM2 is
# 300 W and PCIe 250 W: the reverse of the widely copied table refdata warns about.
cat >"$tmp/key.txt" <<'EOF'
v100_sxm2_w 300
v100_pcie_w 250
a100_sxm_w 400
a100_pcie40_w 250
a100_pcie80_w 300
h100_sxm_w 700
h100_pcie_w 350
h200_sxm_w 700
b200_w 1000
mi250x_w 560
mi300x_w 750
a100_flops 312e12
v100_sxm2_flops 125e12
h100_sxm_flops 989e12
dgx_a100_kw 6.5
dgx_h100_kw 10.2
dgx_a100_w_per_gpu 812.5
pue_google 1.10
pue_microsoft_design 1.12
pue_microsoft_fleet 1.18
pue_aws 1.15
pue_meta 1.08
pue_industry_lo 1.55
pue_industry_hi 1.59
grid_azure_west_us 240.6
grid_azure_canada_east 20
grid_us_lo 370
grid_us_hi 433
grid_us_patterson 429
grid_france_bloom 57
emb_gpu_bloom_kg 150
emb_server_bloom_kg 2500
tpu_v2_sys_w 221
tpu_v3_sys_w 283
tpu_v4_sys_w 378.5
tpu_v4_chip_w 170
tpu_v4_chip_max_w 192
tpu_v2_tdp_w 280
tpu_v3_tdp_w 450
tpu_v2_flops 46e12
grid_france_hi 95
eq_household_us_t 8.35
eq_flight_nysf_t_hi 1.2
EOF
{
    echo "use \"$src/$data\""
    while read -r n v; do echo "output k_$n = $n"; done <"$tmp/key.txt"
} >"$tmp/key.cmc"
if "$bin" point "$tmp/key.cmc" --format json >"$tmp/key.json" 2>"$tmp/err" &&
    $PY - "$tmp/key.json" "$tmp/key.txt" 2>>"$tmp/err" <<'PYEOF'
import json, sys
out = json.load(open(sys.argv[1]))["outputs"]
for line in open(sys.argv[2]):
    n, v = line.split()
    got = out["k_" + n]
    assert got == float(v), "%s = %r, want %s" % (n, got, v)
PYEOF
then
    ok
else
    bad "models/refdata.cmc: a key figure of the issue has changed"
fi

# ---- 4. units follow the names ---------------------------------------------------------
# Every output of every scenario: a name ending in _t is in tCO2e, _kwh in kWh, _g in
# gCO2e, and those units go with those names only (a model that labels tonnes as kg, or
# kWh as MWh, fails here).
for s in scenarios/*.cmc; do
    "$bin" check "$s" 2>/dev/null | awk '/^outputs \(/ { f = 1; next } /^$/ { f = 0 } f { print $1, $2 }'
done >"$tmp/units"
if awk '
    { name = $1; unit = $2; n++ }
    name ~ /_t$/ && unit != "[tCO2e]" { print "  " name " " unit; bad++ }
    name ~ /_kwh$/ && unit != "[kWh]" { print "  " name " " unit; bad++ }
    name ~ /_g$/ && unit != "[gCO2e]" { print "  " name " " unit; bad++ }
    unit == "[tCO2e]" && name !~ /_t$/ { print "  " name " " unit; bad++ }
    unit == "[kWh]" && name !~ /_kwh(_per_day)?$/ { print "  " name " " unit; bad++ }
    END { exit bad > 0 || n < 30 }' "$tmp/units" >"$tmp/badunits"; then ok
else bad "output units that do not match their names:"; cat "$tmp/badunits"; fi

# ---- 5. every model's equations on round inputs ----------------------------------------
# Each shipped model with its inputs set to round numbers, against values worked out by
# hand (in the comments): an equation that drops a PUE or a unit factor fails here even
# where no scenario's published figure goes through it.
mkdir -p "$tmp/eq/s"
if "$PY" - "$bin" "$tmp/eq/s" >"$tmp/eqlog" 2>&1 <<'PYEOF'
import json, subprocess, sys
binary, d = sys.argv[1], sys.argv[2]
cases = [
    # 1000 h x 100 W / 1000 x PUE 1.5 = 150 kWh; x 400 g/kWh / 1e6 = 0.06 t
    ("idle_power", "idle_hours = 1000\nidle_w = 100\npue = 1.5\nintensity = 400",
     {"idle_kwh": 150, "idle_co2_t": 0.06}),
    # 1e6 queries x 3 days x 2 Wh / 1000 x 1.2 = 7200 kWh; 3.6 t; 2 Wh / 1000 x 1.2 x 500 = 1.2 g
    ("inference", "queries_per_day = 1e6\nwh_per_query = 2\ninference_days = 3\npue = 1.2\nintensity = 500",
     {"inference_kwh": 7200, "inference_co2_t": 3.6, "query_g": 1.2}),
    # 10 x 2 days x 24 = 480 h; x 500 W / 1000 x 0.5 x 1.2 = 144 kWh; x 300 / 1e6 = 0.0432 t
    ("gpu_power", "gpu_count = 10\ndays = 2\ngpu_w = 500\nload = 0.5\npue = 1.2\nintensity = 300",
     {"energy_kwh": 144, "co2_t": 0.0432}),
    # 16 / 8 = 2 servers x 5 kW x 0.5 x 2 days x 24 x 1.1 = 264 kWh; x 200 / 1e6 = 0.0528 t
    ("server_power", "gpu_count = 16\ngpus_per_server = 8\nserver_kw = 5\nload = 0.5\ndays = 2\n"
     "pue = 1.1\nintensity = 200", {"energy_kwh": 264, "co2_t": 0.0528}),
    # life 1 yr x 8760 x 0.5 = 4380 h; 8760 h x 150 kg / 4380 / 1000 = 0.3 t;
    # 8760 / 8 x 2500 / 4380 / 1000 = 0.625 t; 0.925 t in all
    ("embodied", "gpu_hours = 8760\ngpus_per_server = 8\ngpu_embodied_kg = 150\n"
     "server_embodied_kg = 2500\nlife_years = 1\nlife_use = 0.5",
     {"embodied_gpu_t": 0.3, "embodied_server_t": 0.625, "embodied_co2_t": 0.925}),
    # 10 t: / 5 t = 2 households, x 1e6 / 200 g/km = 50,000 km, / 2 t = 5 flights, / 4 t = 2.5
    ("equivalences", "footprint_t = 10\nhousehold_t = 5\ncar_g_km = 200\nflight_t = 2\nperson_t = 4",
     {"households": 2, "car_km": 50000, "flights": 5, "person_years": 2.5}),
    # 3.6e21 / (1e15 x 0.5) / 3600 = 2000 h; / 100 / 24 = 0.8333 days; x 400 W / 1000 x 1.5
    # = 1200 kWh; x 100 / 1e6 = 0.12 t
    ("flops", "train_flops = 3.6e21\ngpu_count = 100\npeak_flops = 1e15\nmfu = 0.5\ngpu_w = 400\n"
     "pue = 1.5\nintensity = 100", {"days": 2000 / 100 / 24, "energy_kwh": 1200, "co2_t": 0.12}),
    # GPUs 100 h x 300 W x 2 / 1000 x 1.5 = 90 kWh; laptops 1000 h x 20 W x 1.5 / 1000 = 30 kWh
    # (no PUE); 120 kWh; 0.5 t + 90 x 100 / 1e6 + 30 x 100 / 1e6 = 0.512 t
    ("team", "cloud_kg = 500\nsmi_gpu_hours = 100\nsmi_w = 300\nsmi_host = 2\nmac_hours = 1000\n"
     "mac_w = 20\nmac_rest = 1.5\npue = 1.5\nintensity = 100",
     {"team_kwh": 120, "team_co2_t": 0.512, "mac_co2_t": 0.003, "smi_co2_t": 0.009}),
]
bad = 0
for model, sets, want in cases:
    path = "%s/eq_%s.cmc" % (d, model)
    with open(path, "w") as f:
        f.write('use "%s"\n%s\n' % (model, sets))
    r = subprocess.run([binary, "point", path, "--format", "json"], capture_output=True, text=True)
    if r.returncode != 0:
        print("%s: %s" % (model, r.stderr.strip()))
        bad += 1
        continue
    got = json.loads(r.stdout)["outputs"]
    for k, v in want.items():
        if k not in got or abs(got[k] - v) > 1e-12 * abs(v):
            print("%s: %s = %s, by hand %s" % (model, k, got.get(k), v))
            bad += 1
sys.exit(1 if bad else 0)
PYEOF
then ok; else bad "model equations on round inputs:"; cat "$tmp/eqlog"; fi

# ---- 6. instances: a shared input is one draw, separate inputs draw independently ------
# Two instances of gpu_power: `share pue` gives both one pue; a.load and b.load are the
# same distribution under two names. From the saved samples: each instance's energy
# divided by its own hours x power x load is the one pue sample by sample, and the two
# loads are different numbers whose rank correlation is within 4 standard errors of 0.
cat >"$tmp/inst.cmc" <<'EOF'
title "two instances, one shared input"
use "gpu_power" as a
use "gpu_power" as b
share pue, intensity
pue = uniform(1.1, 1.5)
intensity = 400
a.gpu_hours = 1000 [h]
b.gpu_hours = 2000 [h]
a.gpu_w = 400
b.gpu_w = 300
a.load = uniform(0.5, 1)
b.load = uniform(0.5, 1)
report a.energy_kwh, b.energy_kwh
EOF
if "$bin" run "$tmp/inst.cmc" -n 2e4 --seed 5 --save-samples -o "$tmp/inst.h5" >/dev/null 2>"$tmp/err" &&
    [ ! -s "$tmp/err" ] && $PY - "$tmp/inst.h5" 2>"$tmp/err" <<'PYEOF'
import sys, h5py, numpy as np
from scipy.stats import spearmanr
s = h5py.File(sys.argv[1])["samples"]
assert sorted(s) == ["a.energy_kwh", "a.load", "b.energy_kwh", "b.load", "pue"], sorted(s)
pue, la, lb = s["pue"][:], s["a.load"][:], s["b.load"][:]
n = len(pue)
assert n == 20000
# one pue: each instance's energy (kWh = h x W / 1000 x load x pue) implies the same pue
pa = s["a.energy_kwh"][:] / (1000 * 400 / 1000 * la)
pb = s["b.energy_kwh"][:] / (2000 * 300 / 1000 * lb)
assert np.allclose(pa, pue, rtol=1e-12, atol=0) and np.allclose(pb, pue, rtol=1e-12, atol=0)
# two loads: other numbers, independent (Spearman's rho has standard error 1/sqrt(n - 1))
assert not np.any(la == lb)
rho = spearmanr(la, lb)[0]
assert abs(rho) < 4 / np.sqrt(n - 1), rho
assert abs(spearmanr(la, pue)[0]) < 4 / np.sqrt(n - 1)
PYEOF
then ok; else bad "instances: the shared pue is not one draw, or the loads are not independent"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
