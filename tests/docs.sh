#!/bin/sh
# The documentation against the tool (issue 15, items 7 and 8):
# - every ```console block of README.md that starts with `$ ./build/carbonmc` runs, and
#   the lines it shows (all but `...`) appear in the output, in order;
# - the README's sweep example (Python, --no-h5, JSON) runs;
# - every relative link of README.md, docs/*.md and scenarios/README.md names a file of
#   the repository, and none of them points at DESIGN;
# - the man page renders (man, or groff) without warnings.
# usage: docs.sh CARBONMC SOURCE_DIR
bin=$1 src=$2
py=${CMC_PYTHON:-/usr/bin/python3}
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# README console blocks: run in a scratch folder beside copies of scenarios/ and models/
mkdir "$tmp/w" && cp -r scenarios models tests "$tmp/w/" && mkdir -p "$tmp/w/build" &&
    ln -s "$bin" "$tmp/w/build/carbonmc"
"$py" - README.md "$tmp/w" >"$tmp/readme.out" 2>&1 <<'PY'
import re, subprocess, sys
text = open(sys.argv[1], encoding="utf-8").read()
work = sys.argv[2]
blocks = re.findall(r"```console\n(.*?)```", text, re.S)
failures = checked = 0
for b in blocks:
    lines = b.split("\n")
    if not lines[0].startswith("$ ./build/carbonmc"):
        continue
    i = 0
    shown, out = [], ""
    while i < len(lines):
        if lines[i].startswith("$ "):
            cmd = lines[i][2:]
            while cmd.endswith("\\"):
                i += 1
                cmd = cmd[:-1] + " " + lines[i].strip()
            r = subprocess.run(cmd, shell=True, cwd=work, capture_output=True, text=True)
            out += r.stdout + r.stderr
        elif lines[i].strip() and lines[i].strip() != "...":
            shown.append(lines[i])
        i += 1
    got = out.split("\n")
    at = 0
    for want in shown:
        while at < len(got) and got[at].rstrip() != want.rstrip():
            at += 1
        if at == len(got):
            failures += 1
            print("README shows a line the tool does not print (in this order):\n  %r\n"
                  "after: %s" % (want, lines[0]))
            break
        at += 1
        checked += 1
print("readme: %d lines checked, %d blocks failed" % (checked, failures))
sys.exit(1 if failures or checked < 30 else 0)
PY
if [ $? -eq 0 ]; then ok; tail -1 "$tmp/readme.out"; else bad "README outputs"; cat "$tmp/readme.out"; fi

# the sweep example of the README (and docs/hdf5.md)
"$py" - README.md >"$tmp/sweep.py" <<'PY'
import re, sys
blocks = re.findall(r"```python\n(.*?)```", open(sys.argv[1], encoding="utf-8").read(), re.S)
print([b for b in blocks if "subprocess" in b][0])
PY
if (cd "$tmp/w" && PATH="$(dirname "$bin"):$PATH" "$py" "$tmp/sweep.py" >"$tmp/sweep.out" 2>&1) &&
    [ "$(wc -l <"$tmp/sweep.out")" -eq 4 ] && grep -q "days = 110" "$tmp/sweep.out"; then ok
else bad "the README's sweep example"; cat "$tmp/sweep.out"; fi

# links
"$py" - README.md docs/*.md scenarios/README.md >"$tmp/links.out" <<'PY'
import os, re, sys
bad = n = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    if re.search(r"DESIGN", text):
        print("%s mentions DESIGN, which is not in the repository" % path)
        bad += 1
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        n += 1
        if not os.path.exists(os.path.join(os.path.dirname(path), target)):
            print("%s links to %s, which does not exist" % (path, target))
            bad += 1
print("links: %d checked, %d broken" % (n, bad))
sys.exit(1 if bad or n < 10 else 0)
PY
if [ $? -eq 0 ]; then ok; cat "$tmp/links.out"; else bad "links"; cat "$tmp/links.out"; fi

# the man page
if command -v groff >/dev/null 2>&1; then
    if groff -man -Tutf8 -ww -z carbonmc.1 >"$tmp/groff" 2>&1 && [ ! -s "$tmp/groff" ]; then ok
    else bad "groff warns on carbonmc.1:"; cat "$tmp/groff"; fi
fi
if command -v man >/dev/null 2>&1; then
    if MANWIDTH=80 man -l ./carbonmc.1 >"$tmp/man" 2>"$tmp/err" && grep -q "carbonmc table" "$tmp/man" &&
        grep -q "EXIT STATUS" "$tmp/man"; then ok
    else bad "man ./carbonmc.1 does not render"; cat "$tmp/err"; fi
fi
# every option of --help is in the man page and in docs/cli.md
"$bin" --help | grep -oE -- '--[a-z][a-z-]+' | grep -v -e '^--help$' -e '^--version$' | sort -u >"$tmp/opts"
while read -r o; do
    if grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" carbonmc.1 && grep -q -- "$o" docs/cli.md
    then :; else bad "option $o of --help is not in carbonmc.1 and docs/cli.md"; fi
done <"$tmp/opts"
ok

echo "docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
