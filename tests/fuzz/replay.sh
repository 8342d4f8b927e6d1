#!/bin/sh
# Replay the fuzzing corpus once through both targets (ctest fuzz_replay).
#   loader: scenarios/, models/, tests/errors/ and tests/fuzz/corpus/load/ (the
#           issue's reproducers and what fuzzing found);
#   reader: HDF5 files written here by a tiny run (with and without variants and
#           sensitivity) and two sweeps (a grid and a CSV's points), truncated and byte-corrupted copies of them, and
#           tests/fuzz/corpus/h5/.
# MODE is "replay" (replay.c's main: every file once) or "libfuzzer" (the clang
# build: -runs=0 runs every file of the folders once and stops).
# usage: replay.sh MODE CARBONMC FUZZ_LOAD FUZZ_H5READ SOURCE_DIR
set -u
mode=$1 bin=$2 load=$3 h5=$4 src=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seeds="$tmp/h5"
mkdir -p "$seeds"

# HDF5 seeds: three small runs, then damaged copies of each
cd "$tmp" || exit 1
printf 'x = uniform(1, 2)\noutput y = x * 2 [t] "y"\n' >a.cmc
printf 'a = uniform(1, 2)\nb = normal(3, 1)\noutput y = a * b\nvariant v: a = 3\n' >b.cmc
printf 'title "T"\nk = choice(1, 2)\noutput z = k + lognormal(0, 1) [kg]\noutput w = 1\n' >c.cmc
CARBONMC_PATH= "$bin" run a.cmc -n 1024 --bins 4 --percentiles 0.5 -o "$seeds/a.h5" >/dev/null || exit 1
CARBONMC_PATH= "$bin" run b.cmc -n 1024 --bins 4 --percentiles 0.5 --sensitivity -o "$seeds/b.h5" >/dev/null || exit 1
CARBONMC_PATH= "$bin" run c.cmc -n 2048 --bins 3 --percentiles 0.1,0.9 --save-samples -o "$seeds/c.h5" >/dev/null || exit 1
# a sweep's file: a grid of two names, and a CSV's points
CARBONMC_PATH= "$bin" sweep b.cmc -n 1024 --bins 4 --percentiles 0.5 --grid a=1,2 \
    --grid 'b=3,4' -o "$seeds/s.h5" >/dev/null 2>&1 || exit 1
printf 'a,b\n1,2\n3,4\n' >p.csv
CARBONMC_PATH= "$bin" sweep b.cmc -n 1024 --percentiles 0.1,0.9 --grid-csv p.csv \
    -o "$seeds/p.h5" >/dev/null 2>&1 || exit 1
for f in a b c s p; do
    size=$(wc -c <"$seeds/$f.h5")
    head -c $((size / 2)) "$seeds/$f.h5" >"$seeds/$f-half.h5"
    head -c 512 "$seeds/$f.h5" >"$seeds/$f-head.h5"
    # overwrite a byte at a few fixed offsets (deterministic damage). Offsets 700
    # and 2000 break object headers' checksums: the reader must give one clear
    # error, and libhdf5's own leak there is suppressed (lsan.supp).
    offs="100 700 2000 4100 9000"
    for off in $offs; do
        cp "$seeds/$f.h5" "$seeds/$f-$off.h5"
        printf '\377' | dd of="$seeds/$f-$off.h5" bs=1 seek=$off conv=notrunc 2>/dev/null
    done
done

cd "$src/tests/fuzz" || exit 1
# libhdf5's leak on a damaged object header (lsan.supp) is matched only on a full
# allocation stack, so malloc unwinds slowly here
export LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
rc=0
h5dirs="$seeds"
[ -d "$src/tests/fuzz/corpus/h5" ] && h5dirs="$h5dirs $src/tests/fuzz/corpus/h5"
runs=""
[ "$mode" = libfuzzer ] && runs=-runs=0
# shellcheck disable=SC2086
"$load" $runs "$src/scenarios" "$src/models" "$src/tests/errors" "$src/tests/fuzz/corpus/load" || rc=1
# shellcheck disable=SC2086
"$h5" $runs $h5dirs || rc=1
[ $rc -eq 0 ] && echo "1 passed, 0 failed: the corpus replays cleanly"
exit $rc
