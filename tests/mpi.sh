#!/bin/sh
# The MPI build (cmake -DCMC_MPI=ON, issue 16; docs/scale.md): `mpirun -n R carbonmc
# run` writes the same bits as a one-process run (tests/h5_same.py: every dataset and
# attribute but `created`) for R = 2 and 3, with variants and a design, with
# --sensitivity (R = 1, 2, 3, 7, an uneven N, with variants) and correlated inputs, any thread
# count per rank; an error is printed once (by rank 0), every rank exits 1 and no
# file is left: a bad scenario, an unwritable output, an option a split run cannot
# take. Runs only in a build with MPI (tests/CMakeLists.txt).
# usage: mpi.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
mpi="mpirun --allow-run-as-root --oversubscribe"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# same NAME R ARGS...: one process, then R ranks, compared
same() {
    name=$1 r=$2
    shift 2
    "$bin" run "$@" --threads 2 -o "$tmp/$name.one.h5" --format json >/dev/null 2>"$tmp/err" ||
        { bad "$name: run failed: $(head -3 "$tmp/err")"; return; }
    $mpi -n "$r" "$bin" run "$@" --threads 1 -o "$tmp/$name.mpi.h5" --format json \
        >"$tmp/out" 2>"$tmp/err" || { bad "$name: mpirun -n $r failed: $(head -3 "$tmp/err")"; return; }
    if $py tests/h5_same.py "$tmp/$name.one.h5" "$tmp/$name.mpi.h5" >"$tmp/diff"; then ok
    else bad "$name: $r ranks differ from one process:"; head -5 "$tmp/diff"; fi
}
same ref3 3 bench/reference.cmc -n 700001 --seed 3
same gpt4 2 scenarios/gpt4.cmc -n 300000
same lhs3 3 bench/reference.cmc -n 400000 --design lhs --replicates 8
for r in 1 2 3 7; do
    same sens$r $r bench/reference.cmc -n 700001 --seed 3 --sensitivity
done
same sensgpt4 3 scenarios/gpt4.cmc -n 300001 --sensitivity
same corr3 3 tests/data/correlated.cmc -n 700001 --sensitivity

# once NAME MESSAGE ARGS...: exit 1, the message exactly once, no file
once() {
    name=$1 msg=$2
    shift 2
    $mpi -n 3 "$bin" run "$@" -o "$tmp/x/$name.h5" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    n=$(grep -cF -- "$msg" "$tmp/err")
    if [ "$rc" -ne 1 ] || [ "$n" -ne 1 ] || [ -n "$(ls "$tmp/x")" ]; then
        bad "$name: exit $rc (want 1), the message $n times (want 1), left: $(ls "$tmp/x")"
    else
        ok
    fi
}
mkdir -p "$tmp/x"
printf 'title "t"\noutput x = lognromal(1, 2)\n' >"$tmp/bad.cmc"
once scenario "unknown function or distribution 'lognromal'" "$tmp/bad.cmc" -n 1000
once tol "cannot take a tolerance" bench/reference.cmc -n 100000 --rel-tol 0.01
$mpi -n 3 "$bin" run bench/reference.cmc -n 100000 -o "$tmp/none/o.h5" >"$tmp/out" 2>"$tmp/err"
rc=$? n=$(grep -c "cannot write" "$tmp/err")
if [ "$rc" -eq 1 ] && [ "$n" -eq 1 ]; then ok; else bad "unwritable output: exit $rc, $n messages"; fi

echo "mpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
