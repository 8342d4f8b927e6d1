#!/bin/sh
# The whole test suite, as CI runs it: install the packages, then build and test
# twice, a Release build and a Debug build with AddressSanitizer and
# UndefinedBehaviorSanitizer. Build folders: build-release/, build-asan/.
# Pass a ctest label to narrow it: sh tests/run.sh -L quick
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
