#!/bin/sh
# Mutation testing: does the test suite catch a plausible bug? Each file in
# tests/mutate/mutants/ plants one (format: tests/mutate/mutate.py). For each mutant
# this script applies it to a copy of the tree, rebuilds incrementally (Release, one
# build folder reused, so only the touched file recompiles), runs the ctest suite, the
# tests labelled quick first, then the others (all but
# the label mutate and zoom_coverage: its 6.4e9 samples take a minute and other tests
# catch what it would; coverage_stats, 7 s, runs) and records which tests failed: those caught it;
# none failing means it SURVIVED; only tests that ran out of time (--timeout), TIMEOUT,
# not scored. A mutant whose old text is no longer in the file is
# STALE and not scored. One that does not compile is caught by the compiler (scored as
# caught, but choose mutants that compile). A mutant marked `build: asan` (a memory
# error that a Release build cannot see) is built and tested in a second build folder,
# Debug with ASan and UBSan, as tests/run.sh's second lane is. The working tree is never modified:
# everything happens under the work folder.
#
# usage: sh tests/mutate/run.sh [options] [NAME...]
#   NAME...          run only these mutants (a name or a prefix: 012, 012-stats-rank)
#   --sample K       run K mutants drawn at random (with --seed S, default 1)
#   --seed S
#   --work DIR       keep the copy and its build folder in DIR and reuse them next time
#                    (default: a temporary folder, removed at the end)
#   --timeout SEC    per-test timeout for ctest (default 180)
#   --exclude REGEX  tests not run (ctest -E; default ^zoom_coverage$)
#   --jobs N         build and ctest parallelism (default 2)
#   --out FILE       also write the results as tab-separated lines to FILE
#   --fast           stop at the first failing test, and run the slow tests only when
#                    the quick ones pass (a quicker verdict, but the "caught by"
#                    column then names only the first catcher)
#   --trust-baseline build the unmutated copy but do not run its tests: only where
#                    the same tree's suite has just passed (tests/run.sh's sample)
# Exit status: 0 when no mutant survived, 1 when one did, 2 on a usage or setup error
# (the unmutated tree must build and pass its tests first).
set -u
# Run from a snapshot of this script, its helper and the mutants, so that they can be
# edited while a long run goes on (a shell reads its script as it runs it).
if [ -z "${CMC_MUTATE_SNAP:-}" ]; then
    CMC_MUTATE_HERE=$(cd "$(dirname "$0")" && pwd)
    CMC_MUTATE_SNAP=$(mktemp -d "${TMPDIR:-/tmp}/carbonmc-harness.XXXXXX") || exit 2
    export CMC_MUTATE_HERE CMC_MUTATE_SNAP
    cp -R "$CMC_MUTATE_HERE/run.sh" "$CMC_MUTATE_HERE/mutate.py" "$CMC_MUTATE_HERE/mutants" \
        "$CMC_MUTATE_SNAP/" || exit 2
    sh "$CMC_MUTATE_SNAP/run.sh" "$@"
    rc=$?
    rm -rf "$CMC_MUTATE_SNAP"
    exit $rc
fi
here=$CMC_MUTATE_HERE
root=$(cd "$here/../.." && pwd)
py=${CMC_PYTHON:-/usr/bin/python3}
helper="$CMC_MUTATE_SNAP/mutate.py"
mutants="$CMC_MUTATE_SNAP/mutants"
sample="" seed=1 work="" timeout=180 jobs=2 out="" fast="" trust="" exclude='^zoom_coverage$'
names=""
while [ $# -gt 0 ]; do
    case $1 in
    --sample) sample=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --exclude) exclude=$2; shift 2 ;;
    --jobs|-j) jobs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --fast) fast=--stop-on-failure; shift ;;
    --trust-baseline) trust=1; shift ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "mutate: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) names="$names $1"; shift ;;
    esac
done

if [ -n "$sample" ]; then
    # shellcheck disable=SC2086
    list=$("$py" "$helper" sample "$mutants" "$sample" "$seed") || exit 2
else
    # shellcheck disable=SC2086
    list=$("$py" "$helper" list "$mutants" $names) || exit 2
fi
[ -n "$list" ] || { echo "mutate: no mutants" >&2; exit 2; }

if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/carbonmc-mutate.XXXXXX") || exit 2
    trap 'rm -rf "$work"' EXIT
    trap 'exit 130' INT TERM
fi
mkdir -p "$work/src" "$work/build" || exit 2
work=$(cd "$work" && pwd)
tree="$work/src" build="$work/build" backup="$work/original" log="$work/log"
abuild="$work/build-asan" asan_ready="" bdir=$build
results="$work/results.tsv"
: >"$results"
# the environment must not point the binary at another tree's models or scripts
unset CARBONMC_PATH CARBONMC_PLOTS CARBONMC_GNUPLOT

# A previous run that was interrupted may have left a mutant in the copy.
"$py" "$helper" restore "$tree" "$backup"
"$py" "$helper" sync "$root" "$tree" || { echo "mutate: cannot copy $root" >&2; exit 2; }

build() {
    cmake --build "$bdir" -j "$jobs" >"$log.build" 2>&1
}
# one ctest pass over the tests of a label (-L) or all but some (-LE); prints the
# failing tests, comma separated (empty when all pass). A test that ran out of time
# did not catch anything (on a loaded machine a niced run can be that slow): it is
# printed as NAME(timeout), and a mutant with no other failure is not scored.
stage() {
    rm -f "$bdir/Testing/Temporary/LastTestsFailed.log"
    (cd "$bdir" && ctest -j "$jobs" "$@" -E "$exclude" --timeout "$timeout" $fast) \
        >"$log.stage" 2>&1
    rc=$?
    cat "$log.stage" >>"$log.ctest"
    if [ -f "$bdir/Testing/Temporary/LastTestsFailed.log" ]; then
        sed 's/^[0-9]*://' "$bdir/Testing/Temporary/LastTestsFailed.log" | while read -r t; do
            if grep -q "Test *#[0-9]*: $t \.*\**Timeout" "$log.stage"; then echo "$t(timeout)"
            else echo "$t"; fi
        done | paste -sd, -
    elif [ "$rc" -ne 0 ] && [ "$rc" -ne 8 ]; then   # 8: no test matched
        echo "ctest-error"
    fi
}
# runs the suite in two passes, the quick tests first (about 10 s), then the rest;
# with --fast a mutant the quick tests catch is not run through the slow ones.
# Prints the failing tests, comma separated (empty when all pass).
suite() {
    : >"$log.ctest"
    q=$(stage -L quick -LE mutate)
    if [ -n "$q" ] && [ -n "$fast" ]; then
        echo "$q"
        return
    fi
    r=$(stage -LE 'quick|mutate')
    if [ -n "$q" ] && [ -n "$r" ]; then echo "$q,$r"; else echo "$q$r"; fi
}

start=$(date +%s)
echo "mutate: copy in $tree; building and testing the unmutated tree first"
if ! cmake -S "$tree" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMC_SANITIZE=OFF \
        >"$log.cmake" 2>&1 || ! build; then
    echo "mutate: the unmutated tree does not build:" >&2
    tail -20 "$log.cmake" "$log.build" >&2
    exit 2
fi
failed=""
[ -n "$trust" ] || failed=$(suite)
if [ -n "$failed" ]; then
    echo "mutate: the unmutated tree fails tests ($failed); fix that first" >&2
    tail -30 "$log.ctest" >&2
    exit 2
fi
if [ -n "$trust" ]; then
    echo "mutate: baseline built in $(($(date +%s) - start)) s (its tests trusted: --trust-baseline)"
else
    echo "mutate: baseline passes in $(($(date +%s) - start)) s"
fi

total=0 caught=0 survived=0 stale=0 timedout=0
printf '%-44s %-9s %s\n' MUTANT RESULT "CAUGHT BY"
for m in $list; do
    f="$mutants/$m.mut"
    t0=$(date +%s)
    # A memory error that only the sanitizers see (build: asan) is tested in a Debug
    # build with ASan and UBSan, made (and its unmutated tests run) the first time.
    bdir=$build
    if [ "$("$py" "$helper" show "$f" | cut -f3)" = asan ]; then
        bdir=$abuild
        if [ -z "$asan_ready" ]; then
            echo "mutate: building the sanitizer build and testing the unmutated tree in it"
            if ! cmake -S "$tree" -B "$abuild" -DCMAKE_BUILD_TYPE=Debug -DCMC_SANITIZE=ON \
                    >"$log.cmake" 2>&1 || ! build; then
                echo "mutate: the unmutated tree does not build with the sanitizers" >&2
                tail -20 "$log.cmake" "$log.build" >&2
                exit 2
            fi
            failed=""
            [ -n "$trust" ] || failed=$(suite)
            if [ -n "$failed" ]; then
                echo "mutate: the unmutated tree fails tests with the sanitizers ($failed)" >&2
                tail -30 "$log.ctest" >&2
                exit 2
            fi
            asan_ready=1
        fi
    fi
    "$py" "$helper" apply "$f" "$tree" "$backup"
    rc=$?
    what=""
    case $rc in
    0)
        if ! build; then
            result=CAUGHT what=compiler
        else
            what=$(suite)
            if [ -z "$what" ]; then result=SURVIVED
            elif [ -z "$(echo "$what" | tr , '\n' | grep -v '(timeout)$')" ]; then result=TIMEOUT
            else result=CAUGHT; fi
        fi
        "$py" "$helper" restore "$tree" "$backup"
        ;;
    3) result=STALE what="old text not found in $("$py" "$helper" show "$f" | cut -f1)" ;;
    4) result=STALE what="old text occurs more than once: add context" ;;
    *) result=STALE what="malformed mutant file" ;;
    esac
    case $result in
    CAUGHT) total=$((total + 1)) caught=$((caught + 1)) ;;
    SURVIVED) total=$((total + 1)) survived=$((survived + 1)) ;;
    STALE) stale=$((stale + 1)) ;;
    TIMEOUT) timedout=$((timedout + 1)) ;;
    esac
    printf '%-44s %-9s %s (%ss)\n' "$m" "$result" "$what" "$(($(date +%s) - t0))"
    printf '%s\t%s\t%s\n' "$m" "$result" "$what" >>"$results"
done
# leave the build folders matching the unmutated tree for the next run
bdir=$build
build || true
[ -z "$asan_ready" ] || { bdir=$abuild; build || true; }

echo
echo "== summary =="
printf '%-18s %7s %6s %8s %5s\n' FILE MUTANTS CAUGHT SURVIVED STALE
for m in $list; do
    printf '%s\t' "$m"
    "$py" "$helper" show "$mutants/$m.mut" | cut -f1
done | paste - "$results" | awk -F'\t' '
    { f = $2; sub(/^.*\//, "", f); n[f]++; r[f, $4]++; if (!(f in seen)) { seen[f] = 1; order[++k] = f } }
    END { for (i = 1; i <= k; i++) { f = order[i]
        printf "%-18s %7d %6d %8d %5d\n", f, n[f] - r[f, "STALE"] - r[f, "TIMEOUT"], r[f, "CAUGHT"], r[f, "SURVIVED"], r[f, "STALE"] } }'
if [ "$survived" -gt 0 ]; then
    echo
    echo "survivors:"
    while IFS='	' read -r m result _; do
        [ "$result" = SURVIVED ] || continue
        printf '  %-42s %s\n' "$m" "$("$py" "$helper" show "$mutants/$m.mut" | cut -f2)"
    done <"$results"
fi
[ -n "$out" ] && cp "$results" "$out"
echo
pct=0
[ "$total" -gt 0 ] && pct=$((100 * caught / total))
echo "score: $caught/$total caught ($pct%), $survived survived, $stale stale," \
    "$timedout out of time (not scored: run them again);" \
    "$(($(date +%s) - start)) s"
if [ "$total" -eq 0 ]; then
    echo "mutate: every mutant chosen is stale: nothing was tested" >&2
    exit 2
fi
[ "$survived" -eq 0 ]
