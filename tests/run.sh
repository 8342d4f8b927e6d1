#!/bin/sh
# The whole test suite, as CI runs it: install the packages, then two lanes at once
# (each with -j NPROC; on two cores they share them, and one fills the other's idle
# tails):
#  - release: a Release build (build-release/) and every test (labels quick and slow);
#  - checks: a Debug build with AddressSanitizer and UndefinedBehaviorSanitizer
#    (build-asan/), its tests; the portable lane (build-portable/, a Release build of
#    the portable code alone, with MPI when mpicc exists: the tests of the code with
#    vector paths, and tests/mpi.sh); when clang is installed, the fuzz targets' corpus
#    replay (build-fuzz/).
# The sanitizer build is there for memory errors: it registers no `coverage`
# replications, leaves out the tests that only check numbers the Release build checks
# (label `numbers`), and runs the statistical parts of the others smaller (README,
# "The sanitizer lane"). After the Release tests, once, the release lane runs the
# mutation sample (label mutate, in a copy of the tree under build-release/mutate-work:
# a few planted bugs must each be caught). Then the three builds' results are compared
# bit for bit.
# Pass ctest options to narrow it (the mutation sample is then left out):
# sh tests/run.sh -L quick
set -eu
cd "$(dirname "$0")/.."
# where the time goes: after each stage its wall time, and the CPU time (user and
# system) of this shell's finished children: a lane's own, or everything so far
t0=$(date +%s) tl=$t0
lap() {
    now=$(date +%s)
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($16 + $17) / hz }' /proc/$$/stat)
    echo "-- $1: $((now - tl)) s; $((now - t0)) s in all; CPU (user + system) so far: $cpu s"
    tl=$now
}
jobs=$(nproc)

lane_release() {
    cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DCMC_SANITIZE=OFF >/dev/null
    cmake --build build-release -j "$jobs" -- --no-print-directory >/dev/null
    lap "release build"
    echo "== release =="
    (cd build-release && ctest --output-on-failure -j "$jobs" "$@")
    lap "release tests"
    # the mutation sample, once, while the other lane still runs
    if [ $# -eq 0 ]; then
        echo "== mutation sample =="
        (cd build-release && ctest --output-on-failure -C mutate -L mutate --no-tests=error)
        lap "mutation sample"
    fi
}

lane_checks() {
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMC_SANITIZE=ON >/dev/null
    cmake --build build-asan -j "$jobs" -- --no-print-directory >/dev/null
    lap "asan build"
    echo "== asan =="
    (cd build-asan && ctest --output-on-failure -j "$jobs" "$@")
    lap "asan tests"
    # The portable code alone at full optimisation (-DCMC_PORTABLE=ON: no clones, no
    # AVX2/AVX-512 paths): the tests of the code with vector paths, with test_paths
    # required to report that only portable code ran. With MPI installed the same build
    # has -DCMC_MPI=ON and runs its test too: mpirun -n 2 and 3 against one process, bit
    # for bit (tests/mpi.sh), so that the library is compiled once for both (the MPI
    # code, src/mpi_run.c, has no vector paths: it splits the blocks, whose bits the
    # portable and vector paths give alike).
    mpi=OFF mpitest=""
    if command -v mpicc >/dev/null 2>&1; then mpi=ON mpitest="|mpi"; fi
    cmake -S . -B build-portable -DCMAKE_BUILD_TYPE=Release -DCMC_SANITIZE=OFF -DCMC_PORTABLE=ON \
        -DCMC_MPI=$mpi >/dev/null
    cmake --build build-portable -j "$jobs" --target carbonmc test_paths test_rng test_draw \
        test_stats test_zoom test_sens test_run test_distref -- --no-print-directory >/dev/null
    lap "portable build"
    echo "== portable (CMC_PORTABLE=ON, CMC_MPI=$mpi) =="
    (cd build-portable && CMC_REQUIRE_PATH=portable ctest --output-on-failure -j "$jobs" \
        -R "^(paths|rng|draw|stats|zoom|sens|run|distref$mpitest)\$")
    lap "portable tests"
    # With clang, the libFuzzer targets (tests/fuzz, with ASan and UBSan) replay the
    # whole fuzzing corpus once each (README "Fuzzing").
    if command -v clang >/dev/null 2>&1; then
        CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMC_FUZZ=ON >/dev/null
        cmake --build build-fuzz -j "$jobs" --target fuzz_load fuzz_h5read carbonmc -- \
            --no-print-directory >/dev/null
        lap "fuzz build"
        echo "== fuzz (clang, libFuzzer) =="
        (cd build-fuzz && ctest --output-on-failure -R fuzz_replay)
        lap "fuzz replay"
    fi
}

case ${1:-} in
--lane)   # one lane, run by the main script below
    lane=$2
    shift 2
    "lane_$lane" "$@"
    exit 0 ;;
esac

sh cmake/deps.sh
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
sh "$0" --lane release "$@" >"$logs/release" 2>&1 & rpid=$!
sh "$0" --lane checks "$@" >"$logs/checks" 2>&1 & cpid=$!
rrc=0 crc=0
wait "$rpid" || rrc=$?
wait "$cpid" || crc=$?
cat "$logs/release" "$logs/checks"
if [ "$rrc" -ne 0 ] || [ "$crc" -ne 0 ]; then
    echo "0 passed, 1 failed: the release lane exited $rrc, the checks lane $crc" >&2
    exit 1
fi
lap "both lanes (their CPU is above)"
# The three builds take different code paths (the Release build's hot loops have
# clones and AVX-512 paths; the sanitizer and portable builds have none): their
# results must be the same bits.
for cfg in release asan portable; do
    "./build-$cfg/carbonmc" run scenarios/gpt4.cmc -n 200000 --seed 9 -o "build-$cfg/x.h5" \
        --format json >"build-$cfg/x.json"
done
for cfg in asan portable; do
    if ! cmp -s build-release/x.json "build-$cfg/x.json"; then
        echo "0 passed, 1 failed: Release and $cfg builds give different results" >&2
        exit 1
    fi
done
lap "three builds compared"
echo "1 passed, 0 failed: Release, ASan and portable builds give identical results"
