"""formats_check.py: what a user reads in the summaries equals what the HDF5 file holds.

    python3 formats_check.py RUN.h5 RUN.json RUN.csv RUN.txt RUN.md

RUN.json, RUN.csv, RUN.txt and RUN.md are `carbonmc summary RUN.h5 --format ...` of a
run with variants and --sensitivity. Every number of the JSON summary (statistics,
percentiles and their intervals, variants and their paired comparisons, sensitivity
indices, their intervals and the swings) must equal the HDF5 dataset it comes from,
bit for bit (JSON numbers are the shortest text that reads back as the same double);
every CSV value row too. In the text and Markdown summaries, which round, the rows
must be the right ones: the 90% interval is P5 to P95 and the 95% one P2.5 to P97.5,
percentiles increase along a row, and each sensitivity column holds its own index
(to the 3 decimals printed).
Exit status 0 when every check holds, 1 when one fails, 77 without h5py/numpy.
"""
import csv
import json
import math
import re
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:  # pragma: no cover
    print("formats_check.py: needs h5py and numpy:", e, file=sys.stderr)
    sys.exit(77)

failures = 0
checks = 0


def fail(msg):
    global failures
    failures += 1
    if failures <= 20:
        print("FAIL", msg)


def same(where, got, want):
    """got (from a summary) equals want (from HDF5): doubles bit for bit, NaN as null."""
    global checks
    checks += 1
    if isinstance(want, (bytes, np.bytes_)):
        want = want.decode()
    if isinstance(want, str) or isinstance(got, str):
        if got != want:
            fail("%s: %r in the summary, %r in the file" % (where, got, want))
        return
    w = float(want)
    if got is None:
        if not math.isnan(w):
            fail("%s: null in the summary, %r in the file" % (where, w))
        return
    g = float(got)
    if not (g == w or (math.isnan(g) and math.isnan(w))):
        fail("%s: %r in the summary, %r in the file" % (where, g, w))


def attr(obj, name):
    v = obj.attrs[name]
    return v.decode() if isinstance(v, bytes) else str(v)


def stat(where, js, g):
    same(where + "/description", js["description"], attr(g, "description"))
    same(where + "/unit", js["unit"], attr(g, "unit"))
    for k in ("count", "nonfinite", "mean", "std", "mean_se", "min", "max"):
        same(where + "/" + k, js[k], g[k][()])
    pg = g["percentiles"]
    n = len(pg["probability"])
    if len(js["percentiles"]) != n:
        fail("%s: %d percentiles in the summary, %d in the file" % (where, len(js["percentiles"]), n))
        return
    for i, row in enumerate(js["percentiles"]):
        for k, d in (("p", "probability"), ("value", "value"), ("ci_low", "ci_low"),
                     ("ci_high", "ci_high")):
            same("%s/percentiles[%d]/%s" % (where, i, k), row[k], pg[d][i])


def check_json(f, js):
    same("title", js["title"], attr(f, "title"))
    same("seed", js["seed"], f.attrs["seed"])
    same("samples", js["samples"], f.attrs["samples"])
    for kind in ("outputs", "inputs"):
        if list(js[kind]) != [s.decode() if isinstance(s, bytes) else s for s in f.attrs[kind]]:
            fail("%s: the summary's order %s is not the file's" % (kind, list(js[kind])))
        for name, s in js[kind].items():
            stat("/%s/%s" % (kind, name), s, f[kind][name])
    if "sensitivity" not in js or "variants" not in js:
        fail("the run has no sensitivity or no variants: nothing to check there")
        return
    for out, se in js["sensitivity"].items():
        g = f["sensitivity"][out]
        for k, v in se.items():
            if k in ("samples", "skipped", "swing_base"):
                same("/sensitivity/%s/%s" % (out, k), v, g[k][()])
                continue
            if k in ("summary", "logvar_share_applies", "logvar_share_sum"):
                continue   # words and a sum derived from the file's numbers (test_report)
            if k == "no_path":   # exactly the inputs whose indices and swings are all zero
                names = list(g["input"].asstr()[()])
                zero = [n for j, n in enumerate(names)
                        if g["sobol_total"][j] == 0 and g["sobol_first"][j] == 0 and
                        g["sobol_total_ci_high"][j] == 0 and g["swing_low"][j] == g["swing_base"][()]
                        and g["swing_high"][j] == g["swing_base"][()]]
                if v != zero:
                    fail("/sensitivity/%s: no_path %r, the file's zero rows %r" % (out, v, zero))
                continue
            if k not in g:
                fail("/sensitivity/%s/%s: not in the file" % (out, k))
                continue
            d = g[k][()]
            if len(v) != len(d):
                fail("/sensitivity/%s/%s: %d values, %d in the file" % (out, k, len(v), len(d)))
                continue
            for j, x in enumerate(v):
                same("/sensitivity/%s/%s[%d]" % (out, k, j), x, d[j])
    for name, v in js["variants"].items():
        g = f["variants"][name]
        same("/variants/%s/label" % name, v["label"], attr(g, "label"))
        for out, s in v["outputs"].items():
            stat("/variants/%s/outputs/%s" % (name, out), s, g["outputs"][out])
        for out, p in v["paired"].items():
            q = g["paired"][out]
            w = "/variants/%s/paired/%s" % (name, out)
            same(w + "/reference", p["reference"], attr(q, "reference"))
            for k in ("count", "p_greater", "p_greater_ci_low", "p_greater_ci_high"):
                same(w + "/" + k, p[k], q[k][()])
            stat(w + "/difference", p["difference"], q["difference"])
            stat(w + "/ratio", p["ratio"], q["ratio"])


def check_csv(f, path):
    """Rows kind,name,statistic,p,value,ci_low,ci_high of the run's own outputs and
    inputs (the others carry prefixes): each against its dataset."""
    groups = {"output": "outputs", "input": "inputs"}
    seen = 0
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            kind = groups.get(row["kind"])
            if kind is None or row["name"] not in f[kind]:
                continue
            g = f[kind][row["name"]]
            w = "csv %s,%s,%s,%s" % (row["kind"], row["name"], row["statistic"], row["p"])
            if row["statistic"] == "percentile":
                pg = g["percentiles"]
                idx = [i for i, p in enumerate(pg["probability"][()]) if float(row["p"]) == p]
                if len(idx) != 1:
                    fail(w + ": no such percentile in the file")
                    continue
                for k in ("value", "ci_low", "ci_high"):
                    same(w + " " + k, float(row[k]), pg[k][idx[0]])
            elif row["statistic"] in g:
                same(w, float(row["value"]), g[row["statistic"]][()])
            seen += 1
    if seen < 50:
        fail("csv: only %d rows of outputs and inputs" % seen)


def number(s):
    """A number as the text and Markdown summaries print it: 44,800,000, 0.822, 1.2e12."""
    return float(s.replace(",", "").replace("\u2212", "-"))


def check_text(js, path):
    text = open(path, encoding="utf-8").read()
    # the interval rows of every statistic: "90% interval  P5 ..." then "P95 ..."
    for m in re.finditer(r"^  (90|95)% interval  (P[0-9.]+) .*\n {16}(P[0-9.]+) ", text, re.M):
        want = ("P5", "P95") if m.group(1) == "90" else ("P2.5", "P97.5")
        if (m.group(2), m.group(3)) != want:
            fail("text: the %s%% interval shows %s and %s" % (m.group(1), m.group(2), m.group(3)))
    if text.count("90% interval  P") < 2:
        fail("text: no 90% interval rows")
    # the sensitivity tables: input, four "v [lo, hi]" cells, then the swing
    cell = r"(-?[0-9.]+|n/a) \[(-?[0-9.]+), (-?[0-9.]+)\]"
    keys = ("spearman", "logvar_share", "sobol_first", "sobol_total")
    nrows = 0
    for out, se in js["sensitivity"].items():
        block = text.split("sensitivity of %s (" % out, 1)
        if len(block) < 2:
            fail("text: no sensitivity table for %s" % out)
            continue
        for line in block[1].split("\n")[3:]:   # after the summary line and the header
            line = line.replace("n/a (see below)", "n/a [0, 0]")
            m = re.match(r"^  (\S+)\s+" + r"\s+".join([cell] * 4), line)
            if not m:
                break
            j = se["input"].index(m.group(1))
            for e, k in enumerate(keys):
                for t, suffix in enumerate(("", "_ci_low", "_ci_high")):
                    v = se[k + suffix][j]
                    shown = m.group(1 + 3 * e + 1 + t)
                    if v is None or shown == "n/a":
                        continue
                    if abs(float(shown) - v) > 0.0005 + 1e-9:
                        fail("text: sensitivity of %s, %s, %s%s shows %s, the file %r"
                             % (out, m.group(1), k, suffix, shown, v))
            nrows += 1
    if nrows < 2:
        fail("text: %d sensitivity rows read" % nrows)


def check_markdown(path):
    """| name | unit | mean | P2.5 | P5 | Median | P95 | P97.5 | MC error of the median |:
    P2.5 <= P5 <= median <= P95 <= P97.5 on every row, some rows strictly, and the
    median inside the interval of the last column."""
    rows = strict = 0
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 9 or not cells[0].startswith("`"):
            continue
        try:
            p025, p5, med, p95, p975 = (number(c) for c in cells[3:8])
            lo, hi = (number(c) for c in cells[8].split("\u2013"))
        except ValueError:
            continue
        rows += 1
        if not (p025 <= p5 <= med <= p95 <= p975):
            fail("markdown: row %s is out of order: P2.5 %g, P5 %g, median %g, P95 %g, P97.5 %g"
                 % (cells[0], p025, p5, med, p95, p975))
        if not lo <= med <= hi:
            fail("markdown: row %s: median %g outside its Monte Carlo interval %g to %g"
                 % (cells[0], med, lo, hi))
        strict += p025 < p5 < p95 < p975
    if rows < 5 or strict < 3:
        fail("markdown: %d table rows read, %d with distinct percentiles" % (rows, strict))


def main(argv):
    h5, js_path, csv_path, txt_path, md_path = argv[1:6]
    f = h5py.File(h5, "r")
    js = json.load(open(js_path, encoding="utf-8"))
    check_json(f, js)
    check_csv(f, csv_path)
    check_text(js, txt_path)
    check_markdown(md_path)
    print("formats_check: %d values compared, %d failures" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
