#!/usr/bin/python3
"""The JSON summary equals the HDF5 file, key by key, in both directions (issue 17).

Runs carbonmc on scenarios with variants, sensitivity, units, descriptions and
non-finite values, then walks the JSON and the file together, generically:

  - a JSON object at path P is the HDF5 group P (the top level: the root group);
    each key K is the child K of that group (a group, compared recursively, or a
    dataset) or else its attribute K; a key with neither is a failure;
  - a JSON list of records (percentiles: [{"p": ..., "value": ...}, ...]) is a
    group of equally long arrays, one per field (FIELD_ALIAS: "p" is stored as
    "probability"); a list of numbers or strings is a dataset;
  - numbers must be equal exactly (JSON holds them at full precision); "nan",
    "inf" and "-inf" are the JSON spellings of the non-finite doubles; where an
    attribute is a list of names and JSON has an object under the same key
    (outputs, inputs, variants, sensitivity, a variant's outputs and paired), the
    names and their order must be the object's keys; an empty JSON object may stand
    for nothing in the file (the reference variant's "paired");
  - then every dataset and attribute of every group visited that no JSON key
    consumed must be on HDF5_ONLY (with the reason it is not in the JSON): a new
    dataset in either format fails here until it is in the other or listed.
So a change of layout breaks this test loudly instead of leaving a key unchecked.
`summary --format json` of the file must also print exactly the run's JSON.

usage: json_h5_check.py CARBONMC SOURCE_DIR
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

BIN, SRC = sys.argv[1], os.path.abspath(sys.argv[2])
FIELD_ALIAS = {"p": "probability"}
# What the file holds and the JSON summary leaves out, by path pattern (full match on
# "GROUPPATH/NAME" for datasets and groups, "GROUPPATH@ATTR" for attributes).
HDF5_ONLY = [
    (r"@(format|tool_version|created|method|rng)", "file metadata, not statistics"),
    (r"/scenario(/source)?", "the scenario as run (its own text, not a statistic)"),
    (r"/samples(/.*)?", "--save-samples' rows"),
    (r".*/histogram(/.*)?", "the plotting histogram, for `plot`"),
    (r"/outputs/[^/]+/convergence(/.*)?", "the convergence checkpoints, for `plot`"),
    (r".*@(expression|distribution)", "the definition's text (`check` prints it)"),
    (r"/variants/[^/]+@reference", "the reference variant's name (also each paired/OUT's)"),
    (r"/sample", "the dimension scale of /samples/NAME (netCDF-4), storage-free"),
    (r".*@units", "the CF copy of `unit` in UDUNITS-2 syntax (\"1\" where `unit` is empty)"),
]

# What the JSON derives from the file's numbers and the file does not store: the
# same derivation runs for `run` and `summary`, so it is checked by their equality.
JSON_ONLY = [
    (r"/distributions", "each input's distribution text, also the inputs' `distribution`"),
    (r"/sensitivity/[^/]+/(summary|logvar_share_applies|logvar_share_sum|no_path)",
     "the sentence and the log-share and no-path verdicts, computed from the indices"),
]

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def pyval(v):
    """an HDF5 value as plain Python"""
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return [pyval(x) for x in v.tolist()] if v.dtype.kind in "OS" else v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def jnum(x):
    """a JSON number or its spelled-out non-finite"""
    if isinstance(x, str) and x in ("nan", "inf", "-inf"):
        return float(x)
    return x


def same(j, h):
    j, h = jnum(j), pyval(h)
    if isinstance(j, list):
        return isinstance(h, list) and len(j) == len(h) and all(same(a, b) for a, b in zip(j, h))
    if isinstance(j, float) or isinstance(h, float):
        if not isinstance(j, (int, float)) or not isinstance(h, (int, float)):
            return False
        return (math.isnan(j) and math.isnan(h)) or j == h
    return j == h


class Walk:
    def __init__(self, f):
        self.f = f
        self.used = set()   # "path" for datasets/groups, "path@attr" for attributes
        self.groups = set()

    def node(self, j, g, path):
        """JSON object j against HDF5 group g at path"""
        self.groups.add(path)
        self.used.add(path or "/")
        for k, v in j.items():
            p = path + "/" + k
            nested = isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict))
            child = g.get(k) if k in g else None
            if any(re.fullmatch(pat, p) for pat, _ in JSON_ONLY):
                continue
            if k == "percentile" and isinstance(v, dict) and isinstance(g.get("percentiles"), h5py.Group):
                self.keyed(v, g["percentiles"], p)
            elif nested and isinstance(child, h5py.Group):
                self.used.add(p)
                if isinstance(v, dict):
                    self.node(v, child, p)
                else:
                    self.records(v, child, p)
                if k in g.attrs:   # a list of names beside the group of the same name
                    self.names(v, g.attrs[k], path + "@" + k)
            elif not nested and isinstance(child, h5py.Dataset):
                self.used.add(p)
                check(same(v, child[()]), "%s: JSON %r, HDF5 %r" % (p, v, pyval(child[()])))
            elif k in g.attrs:
                if isinstance(v, dict):
                    self.names(v, g.attrs[k], path + "@" + k)
                else:
                    self.used.add(path + "@" + k)
                    check(same(v, g.attrs[k]), "%s@%s: JSON %r, HDF5 %r" % (
                        path, k, v, pyval(g.attrs[k])))
            elif v == {} and child is None:
                pass   # an empty object and nothing in the file (the reference's "paired")
            else:
                check(False, "%s: JSON key with no HDF5 dataset, group or attribute of its kind"
                      % p)

    def keyed(self, v, g, path):
        """the percentiles again, keyed by probability: each entry equals its row"""
        prob = [float(x) for x in g["probability"][()]]
        check(sorted(float(k) for k in v) == sorted(prob),
              "%s: keys %r, probabilities %r" % (path, list(v), prob))
        for k, row in v.items():
            if float(k) not in prob:
                continue
            i = prob.index(float(k))
            for fld, x in row.items():
                check(fld in g and same(x, g[fld][()][i]),
                      "%s[%s].%s: JSON %r, HDF5 %r" % (path, k, fld, x,
                                                      pyval(g[fld][()][i]) if fld in g else None))

    def names(self, v, a, where):
        self.used.add(where)
        check(isinstance(v, dict) and pyval(a) == list(v.keys()),
              "%s: HDF5 names %r, JSON keys %r" % (where, pyval(a), list(v) if isinstance(v, dict) else v))

    def records(self, rows, g, path):
        self.groups.add(path)
        fields = list(rows[0].keys())
        for r in rows:
            check(list(r.keys()) == fields, "%s: records with different fields" % path)
        for fld in fields:
            name = FIELD_ALIAS.get(fld, fld)
            if name not in g:
                check(False, "%s: JSON field %s has no HDF5 dataset %s" % (path, fld, name))
                continue
            self.used.add(path + "/" + name)
            col = pyval(g[name][()])
            check(same([r[fld] for r in rows], col), "%s/%s: JSON %r, HDF5 %r" % (
                path, name, [r[fld] for r in rows], col))

    def leftovers(self):
        """every dataset, group and attribute of the visited groups: used or HDF5_ONLY"""
        extra = []

        def allowed(name):
            return any(re.fullmatch(pat, name) for pat, _ in HDF5_ONLY)

        for path in sorted(self.groups):
            g = self.f[path or "/"]
            for a in g.attrs:
                n = path + "@" + a
                if n not in self.used and not allowed(n):
                    extra.append(n)
            for k in g:
                n = path + "/" + k
                if n not in self.used and not allowed(n):
                    extra.append(n)
        for n in extra:
            check(False, "%s: in the HDF5 file, not in the JSON (add it there, or to HDF5_ONLY "
                  "with the reason)" % n)
        return len(extra)


def compare(h5, js, what):
    with open(js) as fp:
        j = json.load(fp)
    with h5py.File(h5, "r") as f:
        w = Walk(f)
        w.node(j, f, "")
        extra = w.leftovers()
        print("%s: %d HDF5 objects matched to JSON keys, %d groups walked, %d left over" % (
            what, len(w.used), len(w.groups), extra))


def main():
    tmp = tempfile.mkdtemp(prefix="cmc_jsonh5_")
    odd = os.path.join(tmp, "odd.cmc")
    with open(odd, "w") as fp:
        fp.write('title "odd \\"values\\""\n'
                 'x = normal(0, 1)\n'
                 'w = 2 to 5 [kW] "power per node"\n'
                 'k = 1\n'
                 'output lx = log(x) "half of it NaN"\n'
                 'output inf = w / (x - x)\n'
                 'output e = w * k [kW] "energy"\n'
                 'variant one: k = 1\n'
                 'variant two "doubled": k = 2\n')
    runs = [("gpt4", [os.path.join(SRC, "scenarios", "gpt4.cmc"), "-n", "3000", "--seed", "5",
                      "--sensitivity", "--percentiles", "0.01,0.5,0.99", "--bins", "9"]),
            ("odd", [odd, "-n", "2500", "--sensitivity", "--save-samples"])]
    try:
        for name, args in runs:
            h5, js = os.path.join(tmp, name + ".h5"), os.path.join(tmp, name + ".json")
            with open(js, "w") as out:
                p = subprocess.run([BIN, "run"] + args + ["-o", h5, "--format", "json"],
                                   stdout=out, stderr=subprocess.PIPE, text=True)
            check(p.returncode == 0, "%s: run exit %d: %s" % (name, p.returncode, p.stderr))
            if p.returncode:
                continue
            compare(h5, js, name)
            s = subprocess.run([BIN, "summary", h5, "--format", "json"], capture_output=True,
                               text=True)
            check(s.returncode == 0 and s.stdout == open(js).read(),
                  "%s: summary --format json differs from run's JSON" % name)
    finally:
        for fn in os.listdir(tmp):
            os.unlink(os.path.join(tmp, fn))
        os.rmdir(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
