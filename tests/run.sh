#!/bin/sh
# The whole test suite, as CI runs it: install the packages, then build and test
# twice, a Release build and a Debug build with AddressSanitizer and
# UndefinedBehaviorSanitizer (and, when clang is installed, the fuzz targets'
# corpus replay). Build folders: build-release/, build-asan/, build-fuzz/. Every test
# runs (labels quick and slow), then, once, the mutation sample (label mutate, in a copy
# of the tree under build-release/mutate-work: a few planted bugs must each be caught).
# Pass ctest options to narrow it (the mutation sample is then left out):
# sh tests/run.sh -L quick
set -eu
cd "$(dirname "$0")/.."
sh cmake/deps.sh
jobs=$(nproc)
for cfg in release asan; do
    dir="build-$cfg"
    if [ "$cfg" = release ]; then
        cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMC_SANITIZE=OFF >/dev/null
    else
        cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMC_SANITIZE=ON >/dev/null
    fi
    cmake --build "$dir" -j "$jobs" -- --no-print-directory >/dev/null
    echo "== $cfg =="
    (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@")
done
# With clang, a third build: the libFuzzer targets (tests/fuzz, with ASan and UBSan)
# replay the whole fuzzing corpus once each (README "Fuzzing").
if command -v clang >/dev/null 2>&1; then
    CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMC_FUZZ=ON >/dev/null
    cmake --build build-fuzz -j "$jobs" --target fuzz_load fuzz_h5read carbonmc -- \
        --no-print-directory >/dev/null
    echo "== fuzz (clang, libFuzzer) =="
    (cd build-fuzz && ctest --output-on-failure -R fuzz_replay)
fi
# The two builds take different code paths (the Release build's hot loops have AVX2
# clones; the sanitizer build has none): their results must be the same bits.
for cfg in release asan; do
    "./build-$cfg/carbonmc" run scenarios/gpt4.cmc -n 200000 --seed 9 -o "build-$cfg/x.h5" \
        --format json >"build-$cfg/x.json"
done
if ! cmp -s build-release/x.json build-asan/x.json; then
    echo "0 passed, 1 failed: Release and ASan builds give different results" >&2
    exit 1
fi
if [ $# -eq 0 ]; then
    echo "== mutation sample =="
    (cd build-release && ctest --output-on-failure -C mutate -L mutate --no-tests=error)
fi
echo "1 passed, 0 failed: Release and ASan builds give identical results"
