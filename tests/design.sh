#!/bin/sh
# The command line of the sampling designs and runs to a precision (issue 14):
# usage errors exit 2 with nothing on stdout; a run to a tolerance says where it
# stopped; one that reaches --max-n first warns and exits 0, or 1 with --strict;
# the HDF5 file and `summary` say which design and how many replicates.
# usage: design.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out err=$tmp/err
pass=0 fail=0

verdict() {
    if [ -n "$1" ]; then
        echo "FAIL carbonmc $2: $1"
        sed 's/^/  stderr: /' "$err" | head -5
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

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

has() {   # FILE TEXT
    if grep -qF -- "$2" "$1"; then verdict "" "$2"; else verdict "$(basename "$1") lacks '$2'" "(last command)"; fi
}

sc=bench/reference.cmc
h5=$tmp/run.h5
expect 2 empty nonempty -- run $sc --design sobol -o $h5
expect 2 empty nonempty -- run $sc --design qmc --replicates 12 -o $h5
expect 2 empty nonempty -- run $sc --replicates 8 -o $h5
expect 2 empty nonempty -- run $sc --rel-tol 0 -o $h5
expect 2 empty nonempty -- run $sc --rel-tol 1.5 -o $h5
expect 2 empty nonempty -- run $sc --abs-tol -3 -o $h5
expect 2 empty nonempty -- run $sc --max-n 1e6 -o $h5
expect 2 empty nonempty -- run $sc --rel-tol 1% -n 1e6 --max-n 1e6 -o $h5
expect 1 empty nonempty -- run $sc --design qmc --sensitivity -o $h5
[ ! -e $h5 ] && verdict "" "nothing written" || verdict "a refused run wrote $h5" "(refused runs)"

# a design: whole blocks per replicate, said in the summary and the file
expect 0 nonempty empty -- run $sc --design lhs --replicates 8 -n 100000 -o $h5
has "$out" "106,496 samples"
has "$out" "latin hypercube, 8 replicates"
expect 0 nonempty empty -- summary $h5
has "$out" "latin hypercube, 8 replicates"
for fmt in markdown latex json; do   # every format that has a header says it too
    expect 0 nonempty empty -- summary $h5 --format $fmt
    has "$out" "latin hypercube, 8 replicates"
done
if command -v h5dump >/dev/null 2>&1; then
    h5dump -A -g / $h5 > "$out" 2>/dev/null
    has "$out" 'ATTRIBUTE "design"'
    has "$out" '"lhs"'
    has "$out" 'ATTRIBUTE "replicates"'
    has "$out" 'ATTRIBUTE "stop"'
fi

# to a tolerance: where it stopped; short of it: a warning, exit 0, or 1 with --strict
expect 0 nonempty empty -- run $sc --design qmc --rel-tol 1% --percentiles 5%,50%,95% -o $h5
has "$out" "stopped at"
expect 0 nonempty nonempty -- run $sc --rel-tol 1e-6 --max-n 65536 --percentiles 50% -o $h5
has "$err" "warning: reached 65536 samples (--max-n) before the tolerance"
expect 1 nonempty nonempty -- run $sc --rel-tol 1e-6 --max-n 65536 --strict -o $h5
has "$err" "error: reached"

echo "design.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
