#!/bin/sh
# Golden tests of diagnostics, in the manner of jq's tests/jq.test: every NAME.cmc
# in the folder is run as `carbonmc check NAME.cmc` (or with the arguments in
# NAME.args, the scenario last) from inside the folder. It must exit 1, print
# nothing on stdout, and print exactly NAME.err on stderr (with the source tree's
# path written as @SRC@). UPDATE=1 rewrites the .err files instead: review the diff.
# usage: golden.sh CARBONMC ERRORS_DIR SOURCE_DIR
bin=$1 dir=$2 src=$3
cd "$dir" || exit 1
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
pass=0 fail=0
for f in *.cmc; do
    name=${f%.cmc}
    args=check
    [ -f "$name.args" ] && args=$(cat "$name.args")
    eval "CARBONMC_PATH= \"\$bin\" $args \"\$f\"" >"$out" 2>"$err"
    rc=$?
    sed -i "s|$src|@SRC@|g" "$err"
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$err" "$name.err"
    fi
    problem=""
    [ "$rc" -eq 1 ] || problem="exit status $rc, want 1"
    [ -s "$out" ] && problem="$problem; stdout not empty"
    if [ ! -f "$name.err" ]; then
        problem="$problem; no $name.err"
    elif ! cmp -s "$err" "$name.err"; then
        problem="$problem; stderr differs:
$(diff "$name.err" "$err")"
    fi
    if [ -n "$problem" ]; then
        echo "FAIL $f: $problem"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
