#!/bin/sh
# One command from a fresh Debian machine to the flagship result: install the
# packages, build (Release) into build/, run the GPT-4 scenario with its sensitivity
# analysis (summary and gpt4.h5), draw its figures into figures/, and reproduce the
# article's point arithmetic.
set -eu
cd "$(dirname "$0")"
sh cmake/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
./build/carbonmc run scenarios/gpt4.cmc --sensitivity -o gpt4.h5
echo
./build/carbonmc plot gpt4.h5 -o figures
echo
./build/carbonmc point scenarios/gpt4.cmc --set gpu_count=25000 --set days=90 \
    --set server_kw=6.5 --set load=1 --set pue=1.18 --set intensity=240.6
