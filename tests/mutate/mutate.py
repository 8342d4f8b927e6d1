#!/usr/bin/python3
"""Helpers for tests/mutate/run.sh: read mutants, pick a sample, copy the tree, apply
and undo one mutant. The shell script drives; this file never builds or runs tests.

A mutant is one small text file in tests/mutate/mutants/ (name NNN-file-what.mut):

    file: src/stats.c
    why: the percentile rank is off by one
    build: asan                  (optional: a memory error only the sanitizers see;
                                  run.sh tests it in a Debug build with ASan and UBSan)
    <<<<
    exact old text (one or more whole or partial lines)
    ====
    new text
    >>>>

The old text must occur exactly once in the file: a search and replace rather than a
line-numbered diff, so that unrelated edits elsewhere in the file leave the mutant
applicable. When the old text is gone (someone rewrote that code) the mutant is STALE;
when it occurs more than once it is AMBIGUOUS (add context). Neither is scored.

Commands (exit 0 on success):
    list DIR [NAME...]              mutant names, all or those matching the prefixes
    sample DIR K SEED               K names drawn without replacement, seeded
    show MUTANT                     file, why and build (release or asan), tab separated
    sync SRC DEST                   copy the tracked and untracked (not ignored) files of
                                    the git tree SRC into DEST, rewriting only files whose
                                    bytes differ, so that an incremental build stays valid
    apply MUTANT TREE BACKUP        apply; save the original to BACKUP; exit 3 if stale,
                                    4 if ambiguous, 5 if the mutant file is malformed
    restore TREE BACKUP             put the original back (new mtime, so it recompiles)
"""
import os
import random
import shutil
import subprocess
import sys


def parse(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    head = {}
    i = 0
    while i < len(lines) and lines[i] != "<<<<":
        line = lines[i]
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            head[k.strip()] = v.strip()
        i += 1
    try:
        mid = lines.index("====", i)
        end = lines.index(">>>>", mid)
    except ValueError:
        raise SystemExit(5)
    if i >= len(lines) or "file" not in head:
        raise SystemExit(5)
    old = "\n".join(lines[i + 1:mid])
    new = "\n".join(lines[mid + 1:end])
    if not old or old == new:
        raise SystemExit(5)
    return head["file"], head.get("why", ""), old, new, head.get("build", "release")


def names(d):
    return sorted(f[:-4] for f in os.listdir(d) if f.endswith(".mut"))


def cmd_list(d, *prefixes):
    all_ = names(d)
    if not prefixes:
        out = all_
    else:
        out = []
        for p in prefixes:
            hit = [n for n in all_ if n == p or n.startswith(p)]
            if not hit:
                sys.stderr.write("mutate: no mutant named '%s'\n" % p)
                return 2
            out += [n for n in hit if n not in out]
    print("\n".join(out))
    return 0


def cmd_sample(d, k, seed):
    all_ = names(d)
    k = min(int(k), len(all_))
    print("\n".join(sorted(random.Random(int(seed)).sample(all_, k))))
    return 0


def cmd_show(mutant):
    f, why, _, _, build = parse(mutant)
    print("%s\t%s\t%s" % (f, why, build))
    return 0


def cmd_sync(src, dest):
    out = subprocess.run(["git", "-C", src, "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"], check=True, capture_output=True).stdout
    files = [p for p in out.decode().split("\0") if p]
    keep = set()
    for rel in files:
        s = os.path.join(src, rel)
        if not os.path.isfile(s) or os.path.islink(s):
            continue  # deleted in the work tree but still tracked, or a link
        keep.add(rel)
        t = os.path.join(dest, rel)
        with open(s, "rb") as f:
            data = f.read()
        try:
            with open(t, "rb") as f:
                if f.read() == data:
                    continue
        except OSError:
            pass
        os.makedirs(os.path.dirname(t), exist_ok=True)
        with open(t, "wb") as f:
            f.write(data)
        shutil.copymode(s, t)
    # files gone from the tree go from the copy too
    for root, _, fs in os.walk(dest):
        for name in fs:
            rel = os.path.relpath(os.path.join(root, name), dest)
            if rel not in keep:
                os.remove(os.path.join(root, name))
    return 0


def cmd_apply(mutant, tree, backup):
    f, _, old, new, _ = parse(mutant)
    path = os.path.join(tree, f)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return 3
    n = text.count(old)
    if n == 0:
        return 3
    if n > 1:
        return 4
    with open(backup, "w", encoding="utf-8") as fh:
        fh.write(f + "\n" + text)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new, 1))
    return 0


def cmd_restore(tree, backup):
    if not os.path.exists(backup):
        return 0
    with open(backup, encoding="utf-8") as fh:
        f, text = fh.read().split("\n", 1)
    with open(os.path.join(tree, f), "w", encoding="utf-8") as fh:
        fh.write(text)
    os.remove(backup)
    return 0


def main(argv):
    cmds = {"list": cmd_list, "sample": cmd_sample, "show": cmd_show, "sync": cmd_sync,
            "apply": cmd_apply, "restore": cmd_restore}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
