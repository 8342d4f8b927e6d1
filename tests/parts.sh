#!/bin/sh
# Runs split into parts and merged (docs/scale.md, issue 16): `run --part K/M` for
# K = 1..M then `merge` gives a file whose every dataset and attribute is bit for
# bit that of one `run` (only `created` differs; tests/h5_same.py compares them):
# M = 1, 2, 3, 7, an N that is no multiple of a block or a round, a prefix longer
# than one round (N > 2^24), variants (common random numbers and comparisons), a
# design with replicates, --set, --percentiles and --bins, --sensitivity (M = 1, 2,
# 3, 7, an uneven N, with variants, with correlated inputs: the /sensitivity and
# /correlation datasets too), correlated inputs under a design, parts drawn with
# different thread counts, given in any order, and runs too short for any part to
# have blocks of its own. Then the refusals, each with its message, exit status 1
# and nothing written: a missing, a duplicated or a foreign part (another seed, N,
# M, scenario text), a file that is no part, options a part cannot take, a part
# drawn without --sensitivity among ones with it; and `summary` of a part.
# usage: parts.sh CARBONMC SOURCE_DIR [BUILD_TYPE]   (Debug: the sanitizer build, where
# the runs of 2e7 samples are left out, ten times slower there, and each kind of split
# runs once: the Release build compares them all)
bin=$1 src=$2 build=${3:-Release}
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# split NAME M SCENARIO ARGS...: one run, its M parts (threads 1 and 2 by turns,
# merged in reverse order), their merge, compared
split() {
    name=$1 m=$2 scen=$3
    shift 3
    d=$tmp/$name
    mkdir -p "$d"
    "$bin" run "$scen" "$@" --threads 2 -o "$d/one.h5" --format json >/dev/null 2>"$d/err" ||
        { bad "$name: run failed: $(head -3 "$d/err")"; return; }
    list=""
    k=1
    while [ "$k" -le "$m" ]; do
        "$bin" run "$scen" "$@" --threads $((k % 2 + 1)) --part "$k/$m" -o "$d/p$k.h5" \
            >"$d/out" 2>"$d/err" || { bad "$name: part $k/$m failed: $(head -3 "$d/err")"; return; }
        list="$d/p$k.h5 $list"
        k=$((k + 1))
    done
    # shellcheck disable=SC2086
    "$bin" merge $list -o "$d/merged.h5" --format json >/dev/null 2>"$d/err" ||
        { bad "$name: merge failed: $(head -3 "$d/err")"; return; }
    if $py tests/h5_same.py "$d/one.h5" "$d/merged.h5" >"$d/diff"; then
        ok
    else
        bad "$name: the merge of $m parts differs from one run:"
        head -5 "$d/diff"
    fi
}

ref=bench/reference.cmc
n=700001   # 684 blocks, the last one short; the prefix 64, 10 rounds after it
[ "$build" = Debug ] && n=300001   # 4 rounds: 3 of 7 parts have no blocks of their own
# the sanitizer build (there for memory errors: the bits are compared in Release)
# takes each path once: M = 1 and 7 plain, 3 with --sensitivity, 7 correlated
ms="1 2 3 7" sens_ms="1 2 3 7" corr_ms="2 7"
[ "$build" = Debug ] && ms="1 7" sens_ms="3" corr_ms="7"
for m in $ms; do
    split "ref$m" "$m" $ref -n $n --seed 11
done
if [ "$build" != Debug ]; then
    split big3 3 $ref -n 20000123 --seed 5 --percentiles 0.01,0.5,0.99 --bins 50
fi
split gpt4 3 scenarios/gpt4.cmc -n 300000
split lhs3 3 $ref -n 500000 --design lhs --replicates 4
split set2 2 $ref -n 400000 --set 'pue=1.2'
split tiny2 2 $ref -n 5000
# --sensitivity: the pass's trees carried by the parts (run_sens.c)
for m in $sens_ms; do
    split sens$m "$m" $ref -n $n --seed 11 --sensitivity
done
split sensgpt4 3 scenarios/gpt4.cmc -n 300001 --sensitivity   # variants
split senstiny 2 $ref -n 5000 --sensitivity
if [ "$build" != Debug ]; then   # a prefix of two rounds, the sketches refined
    split sensbig2 2 $ref -n 20000123 --seed 5 --sensitivity
fi
# correlated inputs: the copula's tally (achieved correlations), the given-data index
for m in $corr_ms; do
    split corr$m "$m" tests/data/correlated.cmc -n $n --seed 4 --sensitivity
done
split corrlhs 3 tests/data/correlated.cmc -n 500000 --design lhs --replicates 4

# ---- refusals: exit 1, a message naming the problem, no file ------------------------
d=$tmp/refuse
mkdir -p "$d"
for k in 1 2 3; do
    "$bin" run $ref -n 300000 --part "$k/3" -o "$d/p$k.h5" >/dev/null 2>&1 || bad "part $k/3"
done
"$bin" run $ref -n 300000 --seed 9 --part 2/3 -o "$d/seed2.h5" >/dev/null 2>&1
"$bin" run $ref -n 300001 --part 2/3 -o "$d/n2.h5" >/dev/null 2>&1
"$bin" run $ref -n 300000 --part 2/4 -o "$d/m4.h5" >/dev/null 2>&1
"$bin" run $ref -n 300000 -o "$d/whole.h5" >/dev/null 2>&1
"$bin" run $ref -n 300000 --sensitivity --part 1/3 -o "$d/s1.h5" >/dev/null 2>&1

# refuse WANT_STATUS MESSAGE ARGS...: the status, the message on stderr, no output
refuse() {
    want=$1 msg=$2
    shift 2
    rm -f "$d/out.h5"
    "$bin" "$@" >"$d/stdout" 2>"$d/stderr"
    rc=$?
    left=$(ls "$d" | grep -c '^out\.h5')
    if [ "$rc" -ne "$want" ]; then
        bad "carbonmc $*: exit $rc, want $want"
    elif ! grep -qF -- "$msg" "$d/stderr"; then
        bad "carbonmc $*: stderr lacks '$msg': $(head -3 "$d/stderr")"
    elif [ "$left" -ne 0 ]; then
        bad "carbonmc $*: left $(ls "$d" | grep '^out\.h5')"
    else
        ok
    fi
}

refuse 1 "part 2 of 3 is missing" merge "$d/p1.h5" "$d/p3.h5" -o "$d/out.h5"
refuse 1 "part 2 of 3 is given twice" merge "$d/p1.h5" "$d/p2.h5" "$d/p2.h5" "$d/p3.h5" -o "$d/out.h5"
refuse 1 "its seed is 9, not 1" merge "$d/p1.h5" "$d/seed2.h5" "$d/p3.h5" -o "$d/out.h5"
refuse 1 "it has 300001 samples, not 300000" merge "$d/p1.h5" "$d/n2.h5" "$d/p3.h5" -o "$d/out.h5"
refuse 1 "it is a part of 4" merge "$d/p1.h5" "$d/m4.h5" "$d/p3.h5" -o "$d/out.h5"
refuse 1 "is not a part of a split run" merge "$d/p1.h5" "$d/whole.h5" -o "$d/out.h5"
refuse 1 "as an HDF5 file" merge "$d/p1.h5" $ref -o "$d/out.h5"
refuse 1 "it was run with other options" merge "$d/s1.h5" "$d/p2.h5" "$d/p3.h5" -o "$d/out.h5"
# a part whose sensitivity trees or copula tally were cut short
for k in 2 3; do
    "$bin" run $ref -n 300000 --sensitivity --part "$k/3" -o "$d/s$k.h5" >/dev/null 2>&1
    "$bin" run tests/data/correlated.cmc -n 300000 --part "$k/3" -o "$d/c$k.h5" >/dev/null 2>&1
done
"$bin" run tests/data/correlated.cmc -n 300000 --part 1/3 -o "$d/c1.h5" >/dev/null 2>&1
$py - "$d/s2.h5" "$d/c2.h5" <<'PY'
import sys, h5py
for path, name in zip(sys.argv[1:], ("sensitivity", "tally")):
    with h5py.File(path, "r+") as f:
        x = f["merge"][name][:]
        del f["merge"][name]
        f["merge"].create_dataset(name, data=x[:-1])
PY
refuse 1 "sensitivity records are missing or damaged" merge "$d/s1.h5" "$d/s2.h5" "$d/s3.h5" -o "$d/out.h5"
# the last part's tree without its last node: well formed, but short of the run's end
"$bin" run $ref -n 300000 --sensitivity --part 2/3 -o "$d/s2.h5" >/dev/null 2>&1
$py - "$d/s3.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    x = f["merge"]["sensitivity"][:]
    n = int(x[0])
    w = (len(x) - 1 - 16) // n          # a node's numbers; 16 empty given-data trees follow
    y = np.concatenate(([n - 1], x[1:1 + (n - 1) * w], x[1 + n * w:])).astype(np.uint64)
    del f["merge"]["sensitivity"]
    f["merge"].create_dataset("sensitivity", data=y)
PY
refuse 1 "sensitivity records are missing or damaged" merge "$d/s1.h5" "$d/s2.h5" "$d/s3.h5" -o "$d/out.h5"
refuse 1 "record of the correlated inputs is missing or damaged" merge "$d/c1.h5" "$d/c2.h5" "$d/c3.h5" -o "$d/out.h5"
refuse 1 "cannot take a tolerance" run $ref --rel-tol 0.01 --part 1/2 -o "$d/out.h5"
refuse 1 "cannot take --save-samples" run $ref -n 300000 --save-samples --part 1/2 -o "$d/out.h5"
refuse 2 "--part expects K/M" run $ref --part 4/3 -o "$d/out.h5"
refuse 2 "--part expects K/M" run $ref --part 0/3 -o "$d/out.h5"
refuse 2 "--part expects K/M" run $ref --part 3 -o "$d/out.h5"
refuse 2 "needs -o OUT.h5" merge "$d/p1.h5" "$d/p2.h5" "$d/p3.h5"
refuse 1 "more than the limit" merge "$d/p1.h5" "$d/p2.h5" "$d/p3.h5" -o "$d/out.h5" --max-memory 1k
refuse 1 "merge the parts first" summary "$d/p1.h5"
# the scenario changed after the parts were drawn
cp $ref "$d/s.cmc"
"$bin" run "$d/s.cmc" -n 300000 --part 1/2 -o "$d/s1.h5" >/dev/null 2>&1
"$bin" run "$d/s.cmc" -n 300000 --part 2/2 -o "$d/s2.h5" >/dev/null 2>&1
echo "# an edit" >>"$d/s.cmc"
sed -i 's/triangular(1.10, 1.18, 1.40)/triangular(1.10, 1.19, 1.40)/' "$d/s.cmc"
refuse 1 "its scenario text" merge "$d/s1.h5" "$d/s2.h5" -o "$d/out.h5"

echo "parts: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
