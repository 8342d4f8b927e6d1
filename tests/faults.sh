#!/bin/sh
# What happens on each fault (issue 11: items 1-3, 5-7, 13-16, 20-23; README "What
# happens on each fault"). Every file is made in our own temporary folder: no test
# writes to or opens /dev. Full disks are a 1 MB tmpfs mounted in that folder when
# we may mount one (root), else those checks are skipped and say so; a file-size
# limit (ulimit -f) stands in for a full disk everywhere.
# usage: faults.sh CARBONMC SOURCE_DIR HOSTILE_H5 [BUILD_TYPE]   (Debug, the sanitizer
# build: 40 of the 150 mutated files, each `summary` there taking 0.8 s)
bin=$1 src=$2 hostile=$3 build=${4:-Release}
nmut=150
[ "$build" = Debug ] && nmut=40
cd "$src" || exit 1
tmp=$(mktemp -d)
out="$tmp/stdout" err="$tmp/stderr"
mnt=""
cleanup() {
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0 skip=0
export CARBONMC_PATH="$src/models"

verdict() {
    if [ -n "$1" ]; then
        echo "FAIL $2: $1"
        [ -s "$err" ] && sed 's/^/  stderr: /' "$err" | head -5
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

# expect STATUS -- ARGS...: the exit status, no crash, nothing on stdout after an
# error, and never HDF5's own error stack on stderr
expect() {
    want=$1
    shift 2
    "$bin" "$@" >"$out" 2>"$err"
    rc=$?
    problem=""
    [ "$rc" -eq "$want" ] || problem="exit $rc, want $want"
    if [ "$want" -ne 0 ] && [ -s "$out" ]; then problem="$problem; stdout not empty"; fi
    if grep -q -e "HDF5-DIAG" -e "infinite loop" -e "#000:" "$err"; then
        problem="$problem; HDF5's error stack printed"
    fi
    verdict "$problem" "carbonmc $*"
}
err_has() {
    if grep -qF -- "$1" "$err"; then verdict "" "$1"; else verdict "stderr lacks '$1'" "(last command)"; fi
}
out_has() {
    if grep -qF -- "$1" "$out"; then verdict "" "$1"; else verdict "stdout lacks '$1'" "(last command)"; fi
}
# no temporary file left in a folder
no_tmp() {
    if ls "$1" | grep -q '\.tmp\.'; then verdict "temporary file left: $(ls "$1")" "$2"; else verdict "" "$2"; fi
}
check() {   # check CONDITION-STATUS DESCRIPTION
    if [ "$1" -eq 0 ]; then verdict "" "$2"; else verdict "not true" "$2"; fi
}

run="run scenarios/gpt4.cmc -n 2000"

# ---- Output: a regular file or a new path (items 1, 13, 14) ----------------------
mkdir "$tmp/dir" "$tmp/w"
mkfifo "$tmp/fifo"
expect 1 -- $run -o "$tmp/dir"
err_has "it is a directory; the output must be a regular file or a new path"
[ -d "$tmp/dir" ] && [ -z "$(ls "$tmp/dir")" ]; check $? "the folder is left as it was"
expect 1 -- $run -o "$tmp/fifo"
err_has "it is a FIFO"
[ -p "$tmp/fifo" ]; check $? "the FIFO is still a FIFO"
no_tmp "$tmp" "nothing written beside a refused output"
expect 2 -- $run -o ""
err_has "-o expects a file name"
# the output is one of the run's inputs: the scenario or a model it uses
cp scenarios/gpt4.cmc "$tmp/w/"
cp models/server_power.cmc "$tmp/w/"
cp "$tmp/w/gpt4.cmc" "$tmp/scenario.orig"
expect 1 -- run "$tmp/w/gpt4.cmc" -n 2000 -o "$tmp/w/gpt4.cmc"
err_has "it is the scenario"
cmp -s "$tmp/w/gpt4.cmc" "$tmp/scenario.orig"; check $? "the scenario is unchanged"
expect 1 -- run "$tmp/w/gpt4.cmc" -n 2000 -o "$tmp/w/./server_power.cmc"
err_has "it is the model"
cmp -s "$tmp/w/server_power.cmc" models/server_power.cmc; check $? "the model is unchanged"
no_tmp "$tmp/w" "no temporary file beside the inputs"
# an ordinary run still replaces its own previous output
expect 0 -- $run -o "$tmp/w/x.h5"
expect 0 -- $run --seed 2 -o "$tmp/w/x.h5"
expect 0 -- summary "$tmp/w/x.h5"
out_has "seed 2"

# ---- Options (items 2, 3, 20, 21) -------------------------------------------------
expect 0 -- $run --percentiles 0.1,0.2 --percentiles 0.3,0.4 -o "$tmp/p.h5"
out_has "P30"
if grep -q "P10" "$out"; then verdict "the first --percentiles still shown" "--percentiles twice"; else verdict "" x; fi
many=$(awk 'BEGIN { s = "0.01"; for (i = 2; i <= 70; i++) s = s "," i / 100; print s }')
expect 0 -- $run --percentiles "$many" -o "$tmp/many.h5"
out_has "P70"
expect 0 -- summary "$tmp/many.h5"
out_has "P69"
expect 2 -- $run --seed " -1" -o "$tmp/s.h5"
err_has "--seed expects a whole number from 0 to 18446744073709551615"
expect 2 -- $run --seed "+1" -o "$tmp/s.h5"
expect 2 -- $run --seed 18446744073709551616 -o "$tmp/s.h5"
expect 0 -- $run --seed 18446744073709551615 -o "$tmp/s.h5"
out_has "seed 18446744073709551615"
expect 0 -- run scenarios/gpt4.cmc -n "1.$(printf '%070d' 0)e3" -o "$tmp/n.h5"
out_has "1,000 samples"
expect 2 -- run scenarios/gpt4.cmc -n " 1000" -o "$tmp/n.h5"
expect 2 -- run scenarios/gpt4.cmc -n "-1000" -o "$tmp/n.h5"
expect 0 -- run scenarios/gpt4.cmc -n .5k -o "$tmp/n.h5"
out_has "500 samples"

# ---- JSON: NaN and infinities are told apart (item 22) -----------------------------
printf 'x = uniform(1, 2)\noutput nan = log(-x)\noutput big = exp(1000 * x)\n' >"$tmp/w/nonfinite.cmc"
expect 0 -- run "$tmp/w/nonfinite.cmc" -n 2000 -o "$tmp/w/nf.h5" --format json
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["outputs"]["nan"]["mean"] == "nan", d["outputs"]["nan"]["mean"]
assert d["outputs"]["nan"]["nonfinite"] == 2000
assert d["outputs"]["big"]["mean"] == "nan"
' "$out"; then verdict "" "json nan"; else verdict "JSON lacks \"nan\"" "json"; fi
expect 0 -- summary "$tmp/w/nf.h5" --format json
printf 'output a = exp(1000)\noutput b = -exp(1000)\noutput c = log(-1)\n' >"$tmp/w/inf.cmc"
expect 0 -- point "$tmp/w/inf.cmc" --format json
out_has '"outputs": {"a": "inf", "b": "-inf", "c": "nan"}'

# ---- Hostile files (items 6, 7, 22) -----------------------------------------------
"$bin" run scenarios/gpt4.cmc -n 2000 -o "$tmp/good.h5" >/dev/null
for mode in huge big nanprob downprob highprob; do
    cp "$tmp/good.h5" "$tmp/$mode.h5"
    if "$hostile" "$tmp/$mode.h5" "$mode"; then
        expect 1 -- summary "$tmp/$mode.h5"
        case $mode in
        huge | big) err_has "claims" ;;
        *) err_has "is not a probability in (0, 1) greater than the one before" ;;
        esac
    else
        verdict "hostile_h5 failed" "$mode"
    fi
done
# the source's string descriptor says 3 bytes for a longer string; then a heap
# object's size runs off its collection; then the free-space object has size 0
at=$("$hostile" "$tmp/good.h5" offset)
python3 - "$tmp/good.h5" "$tmp" "$at" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
at = int(sys.argv[3])
m = bytearray(b); m[at:at + 4] = struct.pack("<I", 3)
open(sys.argv[2] + "/strlen.h5", "wb").write(m)
g = b.find(b"GCOL\1\0\0\0")
m = bytearray(b); m[g + 24:g + 32] = struct.pack("<Q", 1 << 40)
open(sys.argv[2] + "/objsize.h5", "wb").write(m)
# the free-space object (index 0) of a collection that has one: size 0
while g >= 0:
    size = struct.unpack("<Q", b[g + 8:g + 16])[0]
    p = g + 16
    while p + 16 <= g + size:
        idx, osize = struct.unpack("<H", b[p:p + 2])[0], struct.unpack("<Q", b[p + 8:p + 16])[0]
        if idx == 0:
            m = bytearray(b); m[p + 8:p + 16] = struct.pack("<Q", 0)
            open(sys.argv[2] + "/freezero.h5", "wb").write(m)
            sys.exit(0)
        p += 16 + (osize + 7) // 8 * 8
    g = b.find(b"GCOL\1\0\0\0", g + 1)
sys.exit(1)
EOF
for f in strlen objsize freezero; do
    expect 1 -- summary "$tmp/$f.h5"
    err_has "corrupt"
    expect 1 -- plot "$tmp/$f.h5" -o "$tmp/fig-$f"
done
# 150 byte-mutated copies of a run with variants and sensitivity (a fixed seed):
# refused or read, never a crash, a hang or HDF5's error stack (before this branch:
# 2 crashes and 100 error stacks in 400)
"$bin" run scenarios/gpt4.cmc -n 2000 --sensitivity -o "$tmp/mut.h5" >/dev/null
python3 - "$bin" "$tmp/mut.h5" "$nmut" <<'EOF'
import random, subprocess, sys
bin, src, nmut = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = open(src, "rb").read()
rnd = random.Random(11)
bad = []
for k in range(nmut):
    m = bytearray(b)
    for _ in range(rnd.choice([1, 2, 4, 8, 16])):
        p = rnd.randrange(len(m))
        m[p] = rnd.choice([0, 0xff, rnd.randrange(256), m[p] ^ (1 << rnd.randrange(8))])
    open(src + ".m", "wb").write(m)
    try:
        r = subprocess.run([bin, "summary", src + ".m"], capture_output=True, timeout=60)
        e = r.stderr
        # (LeakSanitizer's reports are HDF5's own error paths: not counted)
        if (r.returncode not in (0, 1) or b"HDF5-DIAG" in e or b"infinite loop" in e or
                b"ERROR: AddressSanitizer" in e or b"runtime error" in e):
            bad.append((k, r.returncode))
    except subprocess.TimeoutExpired:
        bad.append((k, "timeout"))
if bad:
    print("mutated files that crashed, hung or printed HDF5's stack:", bad)
sys.exit(1 if bad else 0)
EOF
check $? "$nmut mutated files: no crash, hang or HDF5 error stack"
expect 1 -- summary "$tmp/fifo"
err_has "not a regular file"
expect 1 -- summary "$tmp/dir"

# ---- Memory (item 23) ---------------------------------------------------------------
awk 'BEGIN { print "x = uniform(1, 2)"; for (i = 0; i < 3000; i++) print "output o" i " = x + " i }' \
    >"$tmp/w/wide.cmc"
expect 1 -- run "$tmp/w/wide.cmc" -n 1000 --bins 100000 -o "$tmp/w/wide.h5"
err_has "more than the limit of 4 GB"
expect 1 -- run "$tmp/w/wide.cmc" -n 1000 --max-memory 100M -o "$tmp/w/wide.h5"
err_has "raise the limit with --max-memory"
# stated up front (the run then stops at its output, a FIFO, before sampling)
expect 1 -- run "$tmp/w/wide.cmc" -n 1000 --bins 3000 --threads 2 --max-memory 8G -o "$tmp/fifo"
err_has "is a FIFO"
err_has "note: this run needs about"
expect 2 -- $run --max-memory lots
no_tmp "$tmp/w" "no temporary file after refused runs"

# ---- Signals (item 15) ----------------------------------------------------------------
# A long run with --save-samples over a previous output: the signal removes the
# temporary file, the previous file survives, and the signal still ends the run.
"$bin" run scenarios/gpt4.cmc -n 2000 -o "$tmp/sig.h5" >/dev/null
cp "$tmp/sig.h5" "$tmp/sig.orig"
for s in TERM INT HUP; do
    python3 - "$bin" "$tmp" "$s" <<'EOF'
import os, signal, subprocess, sys, time
bin, tmp, name = sys.argv[1:]
sig = getattr(signal, "SIG" + name)
# the shell's background jobs ignore SIGINT: start with every default action
p = subprocess.Popen([bin, "run", "scenarios/gpt4.cmc", "-n", "1e9", "--save-samples",
                      "--threads", "1", "-o", tmp + "/sig.h5"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL)
                                         for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)])
seen = False
for _ in range(200):   # up to 10 s for the temporary file to appear
    if any(".tmp." in f for f in os.listdir(tmp)):
        seen = True
        break
    time.sleep(0.05)
time.sleep(0.3)
p.send_signal(sig)
rc = p.wait(timeout=30)
left = [f for f in os.listdir(tmp) if ".tmp." in f]
ok = seen and rc == -sig and not left
if not ok:
    print("SIG%s: temporary file seen %s, exit %s, left %s" % (name, seen, rc, left))
sys.exit(0 if ok else 1)
EOF
    check $? "SIG$s removes the temporary file and ends the run"
    cmp -s "$tmp/sig.h5" "$tmp/sig.orig"; check $? "SIG$s: the previous output survives"
done

# ---- Full disks (items 1, 5, 16) -------------------------------------------------------
mnt="$tmp/small"
mkdir "$mnt"
# fill KIB: a file of KIB KiB of spaces in the tmpfs (until it is full)
fill() { awk -v n="$1" 'BEGIN { s = sprintf("%1024s", ""); for (i = 0; i < n; i++) printf "%s", s }' \
    >"$mnt/fill" 2>"$tmp/fill.err"; }
if mount -t tmpfs -o size=1m tmpfs "$mnt" 2>"$tmp/mount.err"; then
    # --save-samples fills the disk during the run: one message, exit 1 (not a
    # crash at exit inside libhdf5), nothing left
    expect 1 -- run scenarios/gpt4.cmc -n 1e6 --save-samples --threads 1 -o "$mnt/x.h5"
    err_has "No space left on device"
    [ "$(wc -l <"$err")" -eq 1 ]; check $? "one line of error"
    no_tmp "$mnt" "no temporary file after a full disk during the run"
    # room to create the file but not to finish it: the commit fails (it freed the
    # run's arrays twice), the previous output survives
    "$bin" run scenarios/gpt4.cmc -n 1000 -o "$mnt/prev.h5" >/dev/null
    cp "$mnt/prev.h5" "$tmp/prev.orig"
    fill $(($(df -k "$mnt" | awk 'NR == 2 { print $4 }') - 24))
    expect 1 -- $run -o "$mnt/prev.h5"
    err_has "No space left on device"
    no_tmp "$mnt" "no temporary file after a full disk at the commit"
    cmp -s "$mnt/prev.h5" "$tmp/prev.orig"; check $? "the previous output survives a failed commit"
    rm -f "$mnt/fill" "$mnt/prev.h5"
    # a full disk when the file is created
    fill 2048
    expect 1 -- $run -o "$mnt/y.h5"
    err_has "No space left on device"
    [ "$(wc -l <"$err")" -eq 1 ]; check $? "one line of error"
    no_tmp "$mnt" "no temporary file after a full disk at creation"
    [ ! -e "$mnt/y.h5" ]; check $? "no output on a full disk"
    umount "$mnt"
    mnt=""
else
    echo "skipped: full-disk checks (cannot mount a tmpfs here)"
    skip=$((skip + 1))
fi

# ---- A file-size limit (items 1, 5, 16), which needs no root ----------------------
# RLIMIT_FSIZE (ulimit -f, in 512- or 1024-byte blocks depending on the shell) makes
# a write fail as a full disk does once carbonmc ignores SIGXFSZ. Run in a subshell:
# the limit also binds the shell's own redirections, so stderr gets a few blocks.
mkdir "$tmp/fsize"
limited() {   # limited BLOCKS ARGS...: carbonmc ARGS under ulimit -f BLOCKS
    lim=$1
    shift
    ( ulimit -f "$lim" && exec "$bin" "$@" >"$out" 2>"$err" )
    rc=$?
    problem=""
    [ "$rc" -eq 1 ] || problem="exit $rc, want 1 (153 or 25: killed by SIGXFSZ)"
    [ "$(wc -l <"$err")" -eq 1 ] || problem="$problem; $(wc -l <"$err") lines on stderr, want 1"
    grep -q "File too large" "$err" || problem="$problem; stderr lacks 'File too large'"
    verdict "$problem" "ulimit -f $lim: carbonmc $*"
}
# during --save-samples (it crashed at exit inside libhdf5)
limited 1000 run scenarios/gpt4.cmc -n 1e6 --save-samples --threads 1 -o "$tmp/fsize/s.h5"
no_tmp "$tmp/fsize" "no temporary file after the limit during the run"
[ ! -e "$tmp/fsize/s.h5" ]; check $? "no output after the limit during the run"
# while finishing the file, over a previous output (the run's arrays were freed
# twice): the previous output survives
"$bin" run scenarios/gpt4.cmc -n 2000 -o "$tmp/fsize/prev.h5" >"$out"
cp "$tmp/fsize/prev.h5" "$tmp/prev.fsize"
limited 200 $run --seed 3 -o "$tmp/fsize/prev.h5"
no_tmp "$tmp/fsize" "no temporary file after the limit at the commit"
cmp -s "$tmp/fsize/prev.h5" "$tmp/prev.fsize"; check $? "the previous output survives the limit"
# when the file is created (it left a 0-byte temporary file and HDF5's error stack)
limited 4 $run -o "$tmp/fsize/new.h5"
no_tmp "$tmp/fsize" "no temporary file after the limit at creation"
[ ! -e "$tmp/fsize/new.h5" ]; check $? "no output after the limit at creation"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
