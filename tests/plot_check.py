"""plot_check.py: what `carbonmc plot` wrote agrees with the HDF5 files it read.

usage: plot_check.py DIR FORMAT LABEL=RUN.h5 [LABEL=RUN.h5 ...]

For every run and every output that varies: DIR/data/LABEL-NAME.hist holds the file's
histogram edges and counts exactly (numbers are printed with 17 digits), .cdf
the cumulative counts over the finite samples, .pct the percentiles with their
intervals, .conv the convergence checkpoints; every input's histogram likewise;
with two runs or more, DIR/data/compare-NAME.dat the percentiles of each run;
for a run with variants, DIR/data/LABEL-NAME-variants.dat those of the output as
written and in each variant; for a run with --sensitivity,
DIR/data/LABEL-NAME-sensitivity.dat its indices and swings, by total index.
Every figure DIR/LABEL-NAME-{distribution,cdf,convergence}.FORMAT,
DIR/LABEL-inputs.FORMAT (and DIR/compare-NAME.FORMAT) must be a valid PNG
(signature, IHDR, IDAT that inflates to a non-blank image), PDF (header, EOF
marker, a page) or SVG (well-formed XML with an svg root and drawn paths) of
plausible size. Prints one line per failure; exits 1 if any.
"""
import shlex
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

import h5py
import numpy as np

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def rows(path):
    """The data rows of a gnuplot data file, split like gnuplot does (quotes kept together)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            out.append(shlex.split(line))
    return out


def num(s):
    return float("nan") if s == "NaN" else float(s)


def same(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def check_png(path, data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return "not a PNG signature"
    pos, idat, width = 8, b"", 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
            if not (600 <= width <= 4000 and 300 <= height <= 4000):
                return "odd size %dx%d" % (width, height)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if not width or not idat:
        return "no IHDR or IDAT"
    pixels = zlib.decompress(idat)
    if len(set(pixels)) < 8:
        return "blank image"
    return None


def check_pdf(path, data):
    if not data.startswith(b"%PDF-"):
        return "no %PDF- header"
    if b"%%EOF" not in data[-1024:]:
        return "no %%EOF at the end"
    if b"/Page" not in data:
        return "no page"
    return None


def check_svg(path, data):
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return "not well-formed XML: %s" % e
    if not root.tag.endswith("svg"):
        return "root is <%s>, not <svg>" % root.tag
    if len([e for e in root.iter() if e.tag.endswith("path")]) < 5:
        return "hardly anything drawn"
    return None


def check_figure(path, fmt):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        fail("%s: %s" % (path, e))
        return
    if not (5_000 <= len(data) <= 5_000_000):
        fail("%s: implausible size %d bytes" % (path, len(data)))
        return
    problem = {"png": check_png, "pdf": check_pdf, "svg": check_svg}[fmt](path, data)
    if problem:
        fail("%s: %s" % (path, problem))


def check_histogram(prefix, g, where):
    h = g["histogram"]
    edges, counts = h["edges"][:], h["counts"][:]
    r = rows(prefix + ".hist")
    lo = [num(x[0]) for x in r]
    hi = [num(x[1]) for x in r]
    cnt = [int(x[2]) for x in r]
    if not (same(lo, edges[:-1]) and same(hi, edges[1:]) and cnt == list(counts)):
        fail("%s.hist differs from %s/histogram" % (prefix, where))
    total = int(g["count"][()])
    share = [num(x[3]) for x in r]
    if not np.allclose(share, 100.0 * counts / total, rtol=1e-12, atol=0):
        fail("%s.hist: percent column is not 100 count / %d" % (prefix, total))
    # density: per unit of x, or per decade when the bins are log-spaced, so that its
    # integral over the bins is the share of the samples inside them
    dens = np.array([num(x[4]) for x in r])
    width = np.log10(edges[1:] / edges[:-1]) if h.attrs["log_bins"] else edges[1:] - edges[:-1]
    if not np.allclose(dens, counts / total / width, rtol=1e-12, atol=0):
        fail("%s.hist: density column is not count / (N width)" % prefix)
    if abs(np.sum(dens * width) - counts.sum() / total) > 1e-9:
        fail("%s.hist: the density does not integrate to the share inside the bins" % prefix)
    return edges, counts, int(h.attrs["underflow"]), total


def check_run(d, fmt, label, path, runs):
    f = h5py.File(path, "r")
    for name in list(f.attrs["outputs"]):
        g = f["outputs"][name]
        if g["min"][()] == g["max"][()]:   # constant: no figures, by design
            continue
        where = "%s:/outputs/%s" % (path, name)
        prefix = "%s/data/%s-%s" % (d, label, name)
        edges, counts, under, total = check_histogram(prefix, g, where)
        cdf = rows(prefix + ".cdf")
        want = (under + np.concatenate([[0], np.cumsum(counts)])) / total
        if not (same([num(x[0]) for x in cdf], edges) and
                np.allclose([num(x[1]) for x in cdf], want, rtol=1e-15, atol=0)):
            fail("%s.cdf differs from the cumulative histogram" % prefix)
        p = g["percentiles"]
        pct = np.array([[num(v) for v in x] for x in rows(prefix + ".pct")])
        for j, key in enumerate(["probability", "value", "ci_low", "ci_high"]):
            if not same(pct[:, j], p[key][:]):
                fail("%s.pct column %d differs from %s/percentiles/%s" % (prefix, j + 1, where, key))
        c = g["convergence"]
        conv = np.array([[num(v) for v in x] for x in rows(prefix + ".conv")])
        if not same(conv[:, 0], c["samples"][:]):
            fail("%s.conv samples differ" % prefix)
        for j, key in enumerate(["mean", "mean_ci_low", "mean_ci_high", "median", "median_ci_low",
                                 "median_ci_high", "p95", "p95_ci_low", "p95_ci_high"]):
            if not same(conv[:, j + 1], c[key][:]):
                fail("%s.conv column %d differs from %s/convergence/%s" % (prefix, j + 2, where, key))
        for kind in ("distribution", "cdf", "convergence"):
            check_figure("%s/%s-%s-%s.%s" % (d, label, name, kind, fmt), fmt)
    inputs = [x for x in f.attrs["inputs"] if f["inputs"][x]["min"][()] < f["inputs"][x]["max"][()]]
    for name in inputs:
        check_histogram("%s/data/%s-input-%s" % (d, label, name), f["inputs"][name],
                        "%s:/inputs/%s" % (path, name))
    if inputs:
        check_figure("%s/%s-inputs.%s" % (d, label, fmt), fmt)
    check_variants(d, fmt, label, f)
    check_sensitivity(d, fmt, label, f)
    runs.append(f)


def check_rows(path, groups, fig, fmt):
    """A comparison's data file: one row per percentiles group, in order."""
    probs = [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975]
    r = rows(path)
    if len(r) != len(groups):
        fail("%s has %d rows for %d groups" % (path, len(r), len(groups)))
        return
    for k, p in enumerate(groups):
        have = dict(zip(p["probability"][:], p["value"][:]))
        want = [have.get(q, float("nan")) for q in probs]
        if not same([num(v) for v in r[k][1:8]], want):
            fail("%s row %d differs from %s" % (path, k + 1, p.name))
    check_figure(fig, fmt)


def check_variants(d, fmt, label, f):
    """A file with variants: DIR/data/LABEL-NAME-variants.dat holds the output as
    written, then in each variant."""
    if "variants" not in f.attrs:
        return
    for name in list(f.attrs["outputs"]):
        if f["outputs"][name]["min"][()] == f["outputs"][name]["max"][()]:
            continue
        groups = [f["outputs"][name]["percentiles"]]
        for v in list(f.attrs["variants"]):
            g = f["variants"][v]["outputs"][name]
            if g["min"][()] < g["max"][()]:
                groups.append(g["percentiles"])
        check_rows("%s/data/%s-%s-variants.dat" % (d, label, name), groups,
                   "%s/%s-%s-variants.%s" % (d, label, name, fmt), fmt)


def check_sensitivity(d, fmt, label, f):
    """DIR/data/LABEL-NAME-sensitivity.dat: the inputs by total Sobol index, largest
    first, with the file's indices, intervals and swings."""
    if "sensitivity" not in f.attrs:
        return
    for name in list(f.attrs["sensitivity"]):
        g = f["sensitivity"][name]
        inputs = [x.decode() if isinstance(x, bytes) else x for x in g["input"][:]]
        st = g["sobol_total"][:]
        given = "given_first" in g   # correlated inputs: ranked by, and dots of, this index
        if given:
            st = g["given_first"][:]
        order = sorted(range(len(inputs)), key=lambda j: (np.isnan(st[j]), -st[j]))
        # inputs with no path to the output (indices zero, swings at the base) are left out
        base = g["swing_base"][()]
        order = [j for j in order if not (
            g["sobol_total"][j] == 0 and g["sobol_first"][j] == 0 and
            g["sobol_total_ci_low"][j] == 0 and g["sobol_total_ci_high"][j] == 0 and
            g["sobol_first_ci_low"][j] == 0 and g["sobol_first_ci_high"][j] == 0 and
            g["swing_low"][j] == base and g["swing_high"][j] == base)]
        if not order:
            continue
        path = "%s/data/%s-%s-sensitivity.dat" % (d, label, name)
        r = rows(path)
        if [x[1] for x in r] != [inputs[j] for j in order]:
            fail("%s: inputs %r, want %r" % (path, [x[1] for x in r], [inputs[j] for j in order]))
            continue
        first = "given_first" if given else "sobol_first"
        keys = ["sobol_total", "sobol_total_ci_low", "sobol_total_ci_high", first,
                first + "_ci_low", first + "_ci_high", "swing_low", "swing_high"]
        for c, key in enumerate(keys):
            if not same([num(x[c + 2]) for x in r], g[key][:][order]):
                fail("%s column %d differs from /sensitivity/%s/%s" % (path, c + 3, name, key))
        check_figure("%s/%s-%s-sensitivity.%s" % (d, label, name, fmt), fmt)


def main():
    d, fmt = sys.argv[1], sys.argv[2]
    runs = []
    for arg in sys.argv[3:]:
        label, path = arg.split("=", 1)
        check_run(d, fmt, label, path, runs)
    if len(runs) >= 2:
        for name in list(runs[0].attrs["outputs"]):
            if any(f["outputs"][name]["min"][()] == f["outputs"][name]["max"][()] for f in runs):
                continue
            check_rows("%s/data/compare-%s.dat" % (d, name),
                       [f["outputs"][name]["percentiles"] for f in runs],
                       "%s/compare-%s.%s" % (d, name, fmt), fmt)
    print("plot_check: %d failures" % len(failures))
    sys.exit(1 if failures else 0)


main()
