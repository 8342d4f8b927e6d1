#!/bin/sh
# The loader's limits and hostile inputs (issue 11): each input below crashed,
# hung or ran out of memory before; now each must end quickly with exit 1 and the
# expected located message (or, where the input is legal, exit 0). The large
# inputs are generated here rather than committed. Every command runs under a
# time limit, so a hang fails the test instead of stalling CI.
# usage: limits.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
pass=0 fail=0
export CARBONMC_PATH=

# expect NAME STATUS PATTERN CMD...: CMD exits STATUS within 60 s and its stderr
# matches the grep pattern (or, for "-", is empty).
expect() {
    name=$1 want=$2 pat=$3
    shift 3
    timeout 60 "$@" >out 2>err
    rc=$?
    problem=""
    [ "$rc" -eq "$want" ] || problem="exit status $rc, want $want"
    if [ "$pat" = - ]; then
        [ -s err ] && problem="$problem; stderr not empty"
    elif ! grep -q -- "$pat" err; then
        problem="$problem; stderr lacks '$pat'"
    fi
    if [ -n "$problem" ]; then
        echo "FAIL $name: $problem"
        head -c 600 err
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

# rep N TEXT: TEXT N times
rep() { awk -v n="$1" -v t="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", t }'; }

# item 4: nesting and length
{ printf 'x = '; rep 7000 '('; printf '1'; rep 7000 ')'; printf '\noutput x\n'; } >parens.cmc
expect parens 1 'parens.cmc:1:.*nested too deeply (more than 256' "$bin" check parens.cmc
{ printf 'x = '; rep 20000 '-'; printf '1\noutput x\n'; } >minus.cmc
expect minus 1 'nested too deeply' "$bin" check minus.cmc
# a chain of 50,001 terms is walked in loops, not recursion: it is fine (lines
# continued with a backslash: a line may hold at most 64 KiB)
awk 'BEGIN { printf "x = 1"; for (i = 1; i <= 50000; i++) printf " + 1%s", i % 1000 ? "" : " \\\n";
             print ""; print "output x" }' >sum.cmc
expect sum 0 - "$bin" point sum.cmc
grep -q '50,001' out || { echo "FAIL sum: $(cat out)"; fail=$((fail + 1)); }
# the tree's height (what the passes over it recurse) is bounded too: 5 levels for
# each of 250 nestings is more than 1024
{ printf 'x = '; rep 250 'max(0, 1 < 0 to 1 + 1 * '; printf '1'; rep 250 ')'; printf '\noutput x\n'; } >tall.cmc
expect tall 1 'tall.cmc:1:.*expression nested too deeply (more than 1024 levels of operators' \
    "$bin" check tall.cmc
# and just under the limits, it compiles (4 levels for each of 250 nestings)
{ printf 'y = uniform(1, 2)\nx = '; rep 250 'max(0, 1 < y + 1 * '; printf 'y'; rep 250 ')'; printf '\noutput x\n'; } >tall_ok.cmc
expect tall_ok 0 - "$bin" point tall_ok.cmc
awk 'BEGIN { print "a0 = 1"; for (i = 1; i <= 40000; i++) printf "a%d = a%d + 1\n", i, i - 1;
             print "output a40000" }' >chain.cmc
expect chain 0 - "$bin" point chain.cmc
grep -q '40,001' out || { echo "FAIL chain: $(tail -2 out)"; fail=$((fail + 1)); }
{ printf 'x = '; rep 10000 'mixture(\n'; printf 'normal(0, 1)'; rep 10000 ': 1, 2: 1)\n'; printf '\noutput x\n'; } >mix.cmc
expect mixture 1 'nested too deeply' "$bin" check mix.cmc
# mixtures nested to the limit (254 in one definition) sample in time linear in the
# depth (README "Limits": 1e5 samples of a chain of 254 take 0.05 s; a component
# picked by 0.999 of the samples at every level, 1.8 s), and a chain of
# single-component mixtures is its innermost law: gamma(2, 1) has mean 2, sd sqrt(2)
for w in '0.999, normal(0, 1): 0.001'; do
    { printf 'x = '; rep 254 'mixture('; printf 'gamma(2, 1)'; rep 254 ": $w)"; printf '\noutput x\n'; } >deepmix.cmc
    expect "deep_mixture_$w" 0 - "$bin" run deepmix.cmc -n 1e5 -o none --format json
done
awk 'BEGIN { printf "x = "; for (i = 0; i < 254; i++) printf "mixture("; printf "gamma(2, 1)";
             for (i = 0; i < 254; i++) printf ": 1)"; print ""; print "output x" }' >deepmix.cmc
expect deep_mixture_mean 0 - "$bin" run deepmix.cmc -n 1e5 -o none --format json
python3 -c '
import json, math, sys
m = json.load(open(sys.argv[1]))["outputs"]["x"]["mean"]
sys.exit(0 if abs(m - 2) < 5 * math.sqrt(2 / 1e5) else 1)' out ||
    { echo "FAIL deep_mixture_mean: $(head -c 300 out)"; fail=$((fail + 1)); }
{ printf 'x = '; rep 100000 'abs(\n'; printf '1'; rep 100000 ')\n'; printf '\noutput x\n'; } >abs.cmc
expect abs 1 'nested too deeply' "$bin" check abs.cmc
{ printf 'x = 1 '; rep 1048576 ' '; printf '\noutput x\n'; } >line.cmc
expect long_line 1 'line.cmc:1:1: error: line longer than the limit of 65536 bytes' "$bin" check line.cmc
{ printf '# '; rep 9000000 x; printf '\n'; } >big.cmc
# exactly 8 MiB is allowed; one byte more is not
awk 'BEGIN { print "output x = 1"; for (i = 0; i < 8191; i++) { printf "#"; for (j = 0; j < 1022; j++) printf "x"; print "" }
             printf "#"; for (j = 0; j < 1009; j++) printf "x"; print "" }' >max.cmc
expect max_file 0 - "$bin" point max.cmc
[ "$(wc -c <max.cmc)" -eq 8388608 ] || { echo "FAIL max_file: $(wc -c <max.cmc) bytes"; fail=$((fail + 1)); }
printf ' ' >>max.cmc
expect max_file_plus_1 1 "cannot read 'max.cmc': larger than the limit" "$bin" point max.cmc
expect big_file 1 "cannot read 'big.cmc': larger than the limit of 8388608 bytes" "$bin" check big.cmc

# item 8: beta with huge shapes is an error, at once
printf 'x = beta(1e6, 1e6)\noutput x\n' >beta.cmc
expect beta 1 'beta.cmc:1:10: error: beta: a must be at most 1e5' "$bin" check beta.cmc

# item 9: 40,000 unused definitions: fast, 20 errors and a count of the rest
awk 'BEGIN { print "output y = 1"; for (i = 0; i < 40000; i++) printf "unused%d = %d\n", i, i }' >unused.cmc
expect unused 1 'note: 39980 more errors not shown (only the first 20 of each are)' \
    "$bin" check unused.cmc
n=$(grep -c ': error: ' err)
[ "$n" -eq 20 ] || { echo "FAIL unused: $n errors shown, want 20"; fail=$((fail + 1)); }

# names and outputs are near-linear: 30,000 outputs (the old list search and
# output array growth took minutes and gigabytes for 100,000)
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "output o%d = %d\n", i, i }' >outputs.cmc
expect outputs 0 - timeout 20 "$bin" check outputs.cmc

# item 10: 800 variants in little memory (it was 563 MB)
awk 'BEGIN { print "x = uniform(1, 2)"; print "output y = x * 2";
             for (i = 0; i < 800; i++) printf "variant v%d: x = %d\n", i, i + 1 }' >variants.cmc
expect variants 0 - /usr/bin/time -o rss -f %M "$bin" check variants.cmc
rss=$(cat rss)
# 60 MB (a Release build takes 32); a sanitizer build's shadow memory takes as much
# again, so there the bound is not checked
case $rss in '' | *[!0-9]*) rss=999999999 ;; esac
[ "$rss" -lt 60000 ] || [ -n "${ASAN_OPTIONS:-}" ] || grep -q __asan_init "$bin" ||
    { echo "FAIL variants: peak RSS $rss KiB"; fail=$((fail + 1)); }
# loading is linear in variants: every variant's resolution walked every variant's
# definitions (resolve.c, vindex_build), 2,000 and 8,000 constant variants took 99 and
# 1,119 MB (x11 for x4); now about 30 and 100 MB. Checked as a ratio of peaks (less
# than x6 for x4 variants) and a bound on the larger (300 MB), in Release.
for nv in 2000 8000; do
    awk -v n=$nv 'BEGIN { print "x = uniform(1, 2)"; print "output y = x * 2";
                 for (i = 0; i < n; i++) printf "variant v%d: x = %d\n", i, i + 1 }' >v$nv.cmc
    expect "variants_$nv" 0 - /usr/bin/time -o rss$nv -f %M "$bin" check v$nv.cmc
done
r2=$(cat rss2000) r8=$(cat rss8000)
case $r2$r8 in '' | *[!0-9]*) r2=1 r8=999999999 ;; esac
[ "$r8" -lt 300000 ] && [ "$r8" -lt $((6 * r2)) ] || [ -n "${ASAN_OPTIONS:-}" ] ||
    grep -q __asan_init "$bin" ||
    { echo "FAIL variants: 2,000 and 8,000 variants peak at $r2 and $r8 KiB"; fail=$((fail + 1)); }

# items 10 and 23: a run's memory is near-linear in its variants and outputs, and
# the estimate it states up front (and refuses beyond --max-memory) is within 30%
# of the peak it reaches (README "Limits": measured from 100 to 2,000 variants and
# 200 to 5,000 outputs, 1e4 to 1e7 samples). A sanitizer build's shadow memory
# has no place in the estimate: there only the refusal is checked.
awk 'BEGIN { print "x = uniform(1, 2)"; print "w = lognormal(1, 0.5)"; print "output y = x * w";
             for (i = 0; i < 100; i++) printf "variant v%d: x = uniform(%d, %d)\n", i, i + 1, 2 * i + 3 }' >runvar.cmc
awk 'BEGIN { print "x = uniform(1, 2)"; print "w = lognormal(1, 0.5)";
             for (i = 0; i < 500; i++) print "output o" i " = x * w + " i }' >runout.cmc
for spec in "runvar.cmc 2" "runout.cmc 1"; do
    set -- $spec
    expect "estimate_$1" 1 "would need about .* GB of memory, more than the limit of 0.001 GB .*--max-memory" \
        "$bin" run "$1" -n 1e5 --threads "$2" --max-memory 1M -o none
    est=$(sed -n 's/.*would need about \([0-9.e+]*\) GB.*/\1/p' err)
    grep -q __asan_init "$bin" && continue
    expect "memory_$1" 0 - /usr/bin/time -o rss -f %M "$bin" run "$1" -n 1e5 --threads "$2" -o none
    if ! awk -v e="$est" -v m="$(cat rss)" 'BEGIN { r = e * 1e9 / (m * 1024); print "estimate/peak", r; exit !(r > 0.7 && r < 1.3) }' >ratio; then
        echo "FAIL memory_$1: estimate $est GB, peak $(cat rss) KiB: $(cat ratio)"
        fail=$((fail + 1))
    fi
done

# item 11: only regular files are read
mkfifo fifo.cmc
printf 'use "fifo.cmc"\noutput x = 1\n' >usefifo.cmc
expect use_fifo 1 "usefifo.cmc:1:5: error: cannot read 'fifo.cmc': is not a regular file" \
    "$bin" check usefifo.cmc
expect check_fifo 1 "cannot read 'fifo.cmc': is not a regular file" "$bin" check fifo.cmc
# (the issue's /dev/zero takes the same path, a stat before the open: tests point
# nothing at /dev, so a FIFO of our own stands for every special file)

# item 19: a directory says so
mkdir dir.cmc sub
printf 'use "sub/"\noutput x = 1\n' >usedir.cmc
expect use_dir 1 "usedir.cmc:1:5: error: cannot read 'sub/': is a directory" "$bin" check usedir.cmc
expect check_dir 1 "cannot read 'dir.cmc': is a directory" "$bin" check dir.cmc

# item 12: a diamond-shaped use graph of 60 models is fast (50 took over 20 s)
i=0
printf 'input v\noutput o0 = v\n' >m0.cmc
while [ $i -lt 60 ]; do
    j=$((i + 1))
    printf 'use "m%d.cmc"\nuse "m%d.cmc"\nv%d = 1\n' $i $i $j >a$j.cmc
    printf 'use "m%d.cmc"\n' $i >b$j.cmc
    printf 'use "a%d.cmc"\nuse "b%d.cmc"\n' $j $j >m$j.cmc
    i=$j
done
# the scenario redefines w, which side.cmc defines: "does the scenario use side.cmc"
# searched the whole diamond first (2^60 paths)
printf 'w = 1\noutput ow = w\n' >side.cmc
printf 'use "m60.cmc"\nuse "side.cmc"\nv = 2\nw = 3\n' >diamond.cmc
expect diamond 0 - timeout 5 "$bin" point diamond.cmc

# item 22: --set on an output leaves the scenario's own definitions alone
printf 'a = 2\nb = a * 3\noutput c = b + 1\n' >set.cmc
expect set_output 0 - "$bin" point set.cmc --set c=5
printf 'a = 2\nb = a * 3\noutput c = b + 1\nvariant five: c = 5\n' >setv.cmc
expect variant_output 0 - "$bin" point setv.cmc
# choice and mixture take more than 64 arguments
{ printf 'x = choice(1'; i=2; while [ $i -le 300 ]; do printf ', %d' $i; i=$((i + 1)); done
  printf ')\noutput x\n'; } >choice.cmc
expect choice_300 0 - "$bin" point choice.cmc
# CR-only and CR LF line ends are line ends
printf 'a = 2\rb = a * 3\routput c = b + 1\r' >cr.cmc
expect cr_only 0 - "$bin" point cr.cmc
grep -q ' 7 ' out || { echo "FAIL cr_only: $(cat out)"; fail=$((fail + 1)); }
printf 'a = 2\r\nb = a * 3\r\noutput c = b + 1\r\n' >crlf.cmc
expect crlf 0 - "$bin" point crlf.cmc
# clamp: a NaN bound gives NaN
printf 'output x = clamp(5, 0, sqrt(-1))\n' >clampnan.cmc
expect clamp_nan 0 - "$bin" point clampnan.cmc --format json
grep -q '"x": "nan"' out || { echo "FAIL clamp_nan: $(cat out)"; fail=$((fail + 1)); }

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
