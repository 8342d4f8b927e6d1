#!/bin/sh
# Correlated inputs on the command line (issue 14): the achieved Spearman
# correlations the run reports agree with scipy's spearmanr of the saved samples;
# the text, JSON and HDF5 (/correlation) carry them; the scenario as run, read back
# from the file, runs to the same bits; lhs and qmc take correlations; with
# --sensitivity the Sobol indices of correlated inputs are withheld and the
# given-data index printed.
# usage: copula.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

cat >"$tmp/gpu.cmc" <<'SCN'
title "utilisation and board power move together"
util   = beta(6, 3)                      # GPU utilisation
gpu_w  = triangular(250, 330, 400) [W]   # average board power
pue    = uniform(1.1, 1.4)
hours  = 2000 to 3000 [h]
energy_kwh [kWh] = util * gpu_w * hours * pue
output energy_kwh
correlate util, gpu_w, pue: 0.7, 0, -0.3
SCN

"$bin" run "$tmp/gpu.cmc" -n 100000 --save-samples -o "$tmp/a.h5" >"$tmp/a.txt" 2>"$tmp/err" &&
    ok || bad "run: $(cat "$tmp/err")"
grep -q "^rank correlations (Spearman; Gaussian copula)" "$tmp/a.txt" && ok || bad "no text block"
grep -q "util, gpu_w *0.7 *0\.[67][0-9]* \[" "$tmp/a.txt" && ok || bad "text: util, gpu_w row"
/usr/bin/python3 - "$tmp/a.h5" <<'PY' && ok || bad "HDF5 /correlation against scipy"
import sys, h5py, numpy as np, scipy.stats as st
f = h5py.File(sys.argv[1], "r")
g = f["correlation"]
assert g.attrs["method"] == b"gaussian copula" or g.attrs["method"] == "gaussian copula"
a = [x.decode() for x in g["a"][:]]
b = [x.decode() for x in g["b"][:]]
assert list(zip(a, b)) == [("util", "gpu_w"), ("util", "pue"), ("gpu_w", "pue")], (a, b)
req = g["requested"][:]
assert np.allclose(req, [0.7, 0, -0.3]) and list(g["named"][:]) == [1, 1, 1]
n = f["samples"]["util"].shape[0]
for i in range(3):
    rho = st.spearmanr(f["samples"][a[i]][:], f["samples"][b[i]][:])[0]
    ach = g["achieved"][i]
    # the reported statistic (correlation of the CDF levels) and the sample
    # Spearman differ by O(1/N) per pair plus a fraction of their sampling error
    assert abs(rho - ach) < 1.5e-3, (a[i], b[i], rho, ach)
    se = (1 - req[i] ** 2) * np.sqrt((1 + req[i] ** 2 / 2) / n)
    assert abs(ach - req[i]) < 4 * se, (a[i], b[i], ach, req[i], se)
    assert g["ci_low"][i] < ach < g["ci_high"][i]
PY

"$bin" run "$tmp/gpu.cmc" -n 20000 --format json -o "$tmp/j.h5" >"$tmp/j.json" 2>"$tmp/err"
/usr/bin/python3 - "$tmp/j.json" <<'PY' && ok || bad "JSON correlations"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["correlations"]
assert [(x["a"], x["b"]) for x in c] == [("util", "gpu_w"), ("util", "pue"), ("gpu_w", "pue")]
assert c[0]["requested"] == 0.7 and c[0]["used"] == 0.7 and c[0]["named"] is True
assert c[0]["ci_low"] < c[0]["achieved"] < c[0]["ci_high"]
PY

# the scenario as run, from the file, runs to the same bits
/usr/bin/python3 -c "
import h5py, sys
s = h5py.File(sys.argv[1], 'r')['scenario/source'][()]
open(sys.argv[2], 'w').write(s.decode() if isinstance(s, bytes) else s)" "$tmp/j.h5" "$tmp/back.cmc"
grep -q "^correlate util, gpu_w: 0.7$" "$tmp/back.cmc" && ok || bad "source lacks the correlate lines"
"$bin" run "$tmp/back.cmc" -n 20000 --format json -o "$tmp/k.h5" 2>"$tmp/err" |
    grep -v '"title"' >"$tmp/k.json"
grep -v '"title"' "$tmp/j.json" | cmp -s - "$tmp/k.json" && ok || bad "source read back differs"

for d in lhs qmc; do
    "$bin" run "$tmp/gpu.cmc" -n 65536 --design $d -o "$tmp/$d.h5" >"$tmp/$d.txt" 2>"$tmp/err" &&
        grep -q "util, gpu_w *0.7 *0.[67][0-9]* \[" "$tmp/$d.txt" && ok || bad "--design $d"
done

"$bin" run "$tmp/gpu.cmc" -n 40000 --sensitivity -o "$tmp/s.h5" >"$tmp/s.txt" 2>"$tmp/err" &&
    ok || bad "--sensitivity: $(cat "$tmp/err")"
grep -q "correlated inputs; by the given-data first-order index" "$tmp/s.txt" && ok ||
    bad "sensitivity heading"
grep -q "^  util .*n/a (correlated) *n/a (correlated)" "$tmp/s.txt" && ok || bad "Sobol withheld"
grep -q "^  hours .*\[.*\] *[0-9.]* \[.*\] *[0-9.]* \[" "$tmp/s.txt" && ok ||
    bad "an independent input keeps its Sobol indices"
/usr/bin/python3 -c "
import h5py, sys
g = h5py.File(sys.argv[1], 'r')['sensitivity/energy_kwh']
names = [x.decode() if isinstance(x, bytes) else x for x in g['input'][:]]
dep = dict(zip(names, g['correlated'][:]))
assert dep == {'util': 1, 'gpu_w': 1, 'pue': 1, 'hours': 0}, dep
i = names.index('hours')
assert g['given_first_ci_low'][i] < g['given_first'][i] < g['given_first_ci_high'][i]
" "$tmp/s.h5" && ok || bad "HDF5 given_first"

# summary reads /correlation and the given-data index back: the same JSON
"$bin" run "$tmp/gpu.cmc" -n 20000 --sensitivity --format json -o "$tmp/t.h5" >"$tmp/t1.json" 2>"$tmp/err"
"$bin" summary "$tmp/t.h5" --format json >"$tmp/t2.json" 2>"$tmp/err" &&
    cmp -s "$tmp/t1.json" "$tmp/t2.json" && grep -q '"given_first"' "$tmp/t2.json" &&
    grep -q '"correlations"' "$tmp/t2.json" && ok || bad "summary of a correlated run"

# variants: a changed distribution keeps the copula's uniforms; a correlated input
# made constant redraws its group's other members, and the report says so
cp "$tmp/gpu.cmc" "$tmp/v.cmc"
printf 'variant hot: gpu_w = triangular(300, 380, 450)\nvariant flat: util = 0.8\n' >>"$tmp/v.cmc"
"$bin" run "$tmp/v.cmc" -n 20000 -o "$tmp/v.h5" >"$tmp/v.txt" 2>"$tmp/err" && ok || bad "variants run"
grep -q "hot shares util, hours, pue (the same draws as base); changes gpu_w" "$tmp/v.txt" && ok ||
    bad "variant with a changed distribution"
grep -q "flat shares hours (the same draws as base); changes util, gpu_w, pue" "$tmp/v.txt" && ok ||
    bad "variant that breaks a group"
# rank correlations of +-1 (a semi-definite matrix) draw comonotone inputs
printf 'a = normal(0, 1)\nb = 10 to 20\nc = uniform(0, 1)\ny = a + b + c\noutput y\ncorrelate a, b, c: 1, -1, -1\n' >"$tmp/one.cmc"
"$bin" run "$tmp/one.cmc" -n 20000 -o "$tmp/one.h5" >"$tmp/one.txt" 2>"$tmp/err" &&
    grep -q "a, b *1 *1.0000 \[1.0000, 1.0000\]" "$tmp/one.txt" &&
    grep -q "b, c *-1 *-1.0000 \[" "$tmp/one.txt" && ok || bad "rank correlation 1"

# check lists the pairs
"$bin" check "$tmp/gpu.cmc" >"$tmp/c.txt" 2>"$tmp/err" &&
    grep -q "random inputs (4), some rank-correlated (listed below):" "$tmp/c.txt" &&
    grep -q "^  util, gpu_w *0.7$" "$tmp/c.txt" && ok || bad "check"

# a repaired matrix warns with the values used, and still runs
printf 'a = normal(0, 1)\nb = normal(0, 1)\nc = normal(0, 1)\ny = a + b + c\noutput y\ncorrelate a, b, c: 0.9, 0.9, -0.9\n' >"$tmp/r.cmc"
"$bin" run "$tmp/r.cmc" -n 20000 -o "$tmp/r.h5" >"$tmp/r.txt" 2>"$tmp/err" && ok || bad "repair run"
grep -q "warning: these rank correlations cannot hold together.*a-b 0.4826 (asked 0.9)" "$tmp/err" &&
    ok || bad "repair warning: $(cat "$tmp/err")"
grep -q "used (repaired)" "$tmp/r.txt" && ok || bad "repaired column"

# a model with a correlate statement used twice with `as`: each instance correlates its
# own prefixed inputs (not the model's unprefixed names, and not twice), and the
# scenario correlates across instances by prefixed name
cat >"$tmp/pair.cmc" <<'SCN'
input a [W] in 0 to 1000
input b in 0 to 10
correlate a, b: 0.6
output y [W] = a * b
SCN
cat >"$tmp/inst.cmc" <<'SCN'
use "pair.cmc" as p
use "pair.cmc" as q
p.a = uniform(100, 200) [W]
p.b = uniform(1, 2)
q.a = uniform(100, 200) [W]
q.b = uniform(1, 2)
output total [W] = p.y + q.y
correlate p.a, q.a: 0.3
SCN
"$bin" run "$tmp/inst.cmc" -n 50000 --format json -o none >"$tmp/inst.json" 2>"$tmp/err" &&
    ok || bad "instances with correlate: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] && ok || bad "instances with correlate warned: $(cat "$tmp/err")"
/usr/bin/python3 - "$tmp/inst.json" <<'PY' && ok || bad "instances' correlations"
import json, math, sys
c = json.load(open(sys.argv[1]))["correlations"]
named = {(x["a"], x["b"]): x for x in c if x["named"]}
assert sorted(named) == [("p.a", "p.b"), ("p.a", "q.a"), ("q.a", "q.b")], sorted(named)
for (a, b), want in ((("p.a", "p.b"), 0.6), (("q.a", "q.b"), 0.6), (("p.a", "q.a"), 0.3)):
    x = named[(a, b)]
    se = (1 - want ** 2) * math.sqrt((1 + want ** 2 / 2) / 50000)
    assert x["requested"] == want and abs(x["achieved"] - want) < 4 * se, (a, b, x)
PY

echo "copula.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
