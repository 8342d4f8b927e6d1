"""gp_check.py: the gnuplot scripts draw the columns they are meant to draw.

usage: gp_check.py FIGDIR PLOTS TMPDIR

FIGDIR is the output of `carbonmc plot` (its data files and data/figures.gp, the driver);
tests/plot_check.py has already checked the data files against the HDF5 file. This
runs the driver again over copies of the scripts in PLOTS in which every `plot` writes
gnuplot's `set table` output (the points a plot would draw, after the `using`
expressions) and every shaded band (`set object N rect from A, graph 0 to B, graph 1`)
and marker line (`set arrow`) prints its coordinates. Then, figure by figure, what is
drawn is compared with what it should be: the histogram bars are the bins and their
density (column 5), the bands are the 50%, 90% and 95% central intervals in that
order, the CDF is the CDF, the percentile error bars are the Monte Carlo intervals,
each convergence panel shows its own estimate and interval, each tornado bar its own
index, each comparison bar its own interval. Tables print with the axes' formats, set
to 10 significant digits here; numbers are compared to a relative 1e-5. The distribution and CDF figures (PNG) must be
landscape, 1200 x 768. Exits 1 on any failure.
"""
import glob
import math
import os
import re
import shlex
import struct
import subprocess
import sys

failures = []


def fail(msg):
    failures.append(msg)
    if len(failures) <= 25:
        print("FAIL " + msg)


def rows(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.lstrip().startswith("#"):
                out.append(shlex.split(line))
    return out


def num(s):
    try:
        return float(s)
    except ValueError:
        return math.nan


def tables(path):
    """The curves of a `set table` file: lists of rows of numbers (type 'u' rows left out)."""
    curves = []
    if not os.path.exists(path):
        return curves
    with open(path, encoding="utf-8") as f:
        for line in f:
            if re.match(r"# Curve \d+ of", line):
                curves.append([])
            elif line.strip() and not line.startswith("#") and curves:
                parts = line.split()
                if parts[-1] == "u":
                    continue
                curves[-1].append([num(x) for x in parts if x not in ("i", "o")])
    return curves


def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-5 * max(abs(a), abs(b)) + 1e-300


def compare(what, curve, want):
    """curve: rows drawn; want: rows expected (rows with a NaN are not drawn)."""
    want = [w for w in want if all(not math.isnan(x) for x in w)]
    if len(curve) != len(want):
        fail("%s: %d points drawn, %d expected" % (what, len(curve), len(want)))
        return
    for i, (g, w) in enumerate(zip(curve, want)):
        if len(g) < len(w) or not all(close(a, b) for a, b in zip(g, w)):
            fail("%s: point %d is %s, expected %s" % (what, i, g[:len(w)], w))
            return


def transform(src, dst):
    """A copy of a script whose plots write tables and whose bands and markers print."""
    name = os.path.basename(src)[:-3]
    out = []
    lines = open(src, encoding="utf-8").read().split("\n")
    in_plot = False
    for line in lines:
        s = line.strip()
        if not in_plot and re.match(r"plot\s", s):
            indent = line[:len(line) - len(line.lstrip())]
            out.append(indent + "tabn = tabn + 1; set table sprintf(\"%%s-%s-%%d.tab\", tabbase, tabn)" % name)
            # tables print with the axes' tic formats, which some scripts blank
            out.append(indent + 'set format x "%.10g"; set format y "%.10g"')
            in_plot = True
        m = re.search(r"set object (\d+) rect from ([^,]+), graph 0 to ([^,]+), graph 1[^}]*", line)
        if m:
            pr = "; print sprintf(\"object %s %%.17g %%.17g\", %s, %s)" % m.groups()
            line = line[:m.end()] + pr + line[m.end():]
        m = re.search(r"set arrow (\d+) from ([^,]+), graph 0 to [^,]+, graph 1[^}]*", line)
        if m and not m.group(2).startswith("graph"):
            line = line[:m.end()] + "; print sprintf(\"arrow %s x %%.17g\", %s)" % m.groups() + line[m.end():]
        m = re.search(r"set arrow (\d+) from graph 0, first ([^ ]+) to graph 1, first [^ ]+", line)
        if m:
            line = line + "\nprint sprintf(\"arrow %s y %%.17g\", %s)" % m.groups()
        out.append(line)
        if in_plot and not s.endswith("\\"):
            out.append("unset table")
            in_plot = False
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def prints(path):
    got = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            p = line.split()
            got[" ".join(p[:-2] if p[0] == "object" else p[:-1])] = [num(x) for x in p[-2:]] \
                if p[0] == "object" else num(p[-1])
    return got


def pct(data):
    """{p: (value, ci_low, ci_high)} of a .pct file."""
    return {float(r[0]): (num(r[1]), num(r[2]), num(r[3])) for r in rows(data + ".pct")}


def check_distribution(base, data):
    t = tables(base + "-distribution-1.tab")
    h = rows(data + ".hist")
    want = [[(num(r[0]) + num(r[1])) / 2, num(r[4]), num(r[0]), num(r[1])] for r in h]
    if not t:
        fail("%s: distribution drew nothing" % data)
        return
    compare(data + " distribution bars", t[0], want)
    p, pr = pct(data), prints(base + ".print")
    for n, (a, b) in ((1, (0.025, 0.975)), (2, (0.05, 0.95)), (3, (0.25, 0.75))):
        if a in p and b in p:
            got = pr.get("object %d" % n)
            if got is None or not (close(got[0], p[a][0]) and close(got[1], p[b][0])):
                fail("%s: band %d spans %s, expected the P%g-P%g interval %s"
                     % (data, n, got, 100 * a, 100 * b, (p[a][0], p[b][0])))
    if 0.5 in p and not close(pr.get("arrow 1 x", math.nan), p[0.5][0]):
        fail("%s: median marker at %s, the median is %s" % (data, pr.get("arrow 1 x"), p[0.5][0]))


def check_cdf(base, data):
    t = tables(base + "-cdf-1.tab")
    if len(t) != 2:
        fail("%s: cdf drew %d curves" % (data, len(t)))
        return
    compare(data + " cdf curve", t[0], [[num(r[0]), num(r[1])] for r in rows(data + ".cdf")])
    compare(data + " cdf percentiles", t[1],
            [[num(r[1]), num(r[0]), num(r[2]), num(r[3])] for r in rows(data + ".pct")])


def check_convergence(base, data):
    c = rows(data + ".conv")
    col = lambda r, k: num(r[k - 1])
    for panel, (v, lo, hi) in ((1, (5, 6, 7)), (2, (8, 9, 10))):
        t = tables(base + "-convergence-%d.tab" % panel)
        if len(t) != 2:
            fail("%s: convergence panel %d drew %d curves" % (data, panel, len(t)))
            continue
        compare("%s convergence %d band" % (data, panel), t[0],
                [[col(r, 1), col(r, lo), col(r, hi)] for r in c])
        compare("%s convergence %d estimate" % (data, panel), t[1], [[col(r, 1), col(r, v)] for r in c])
    pr = prints(base + ".print")
    if c and not close(pr.get("arrow 1 y", math.nan), col(c[-1], 8)):
        fail("%s: final p95 line at %s, the last checkpoint says %s" % (data, pr.get("arrow 1 y"), col(c[-1], 8)))


def check_tornado(base, data):
    d = rows(data + ".dat")
    c = lambda r, k: num(r[k - 1])
    t = tables(base + "-tornado-1.tab")
    if len(t) == 3:
        compare(data + " total bars", t[0], [[c(r, 3), c(r, 1), 0, c(r, 3)] for r in d])
        compare(data + " total intervals", t[1], [[c(r, 3), c(r, 1), c(r, 4), c(r, 5)] for r in d])
        compare(data + " first-order points", t[2], [[c(r, 6), c(r, 1), c(r, 7), c(r, 8)] for r in d])
    else:
        fail("%s: the index panel drew %d curves" % (data, len(t)))
    t = tables(base + "-tornado-2.tab")
    if len(t) == 3:
        compare(data + " swing bars", t[0], [[(c(r, 9) + c(r, 10)) / 2, c(r, 1), min(c(r, 9), c(r, 10)),
                                              max(c(r, 9), c(r, 10))] for r in d])
        compare(data + " swings at P5", t[1], [[c(r, 9), c(r, 1)] for r in d])
        compare(data + " swings at P95", t[2], [[c(r, 10), c(r, 1)] for r in d])
    else:
        fail("%s: the swing panel drew %d curves" % (data, len(t)))


def check_compare(base, data):
    d = rows(data + ".dat")
    c = lambda r, k: num(r[k - 1])
    t = tables(base + "-compare-1.tab")
    if len(t) < 4:
        fail("%s: comparison drew %d curves" % (data, len(t)))
        return
    for k, (lo, hi) in enumerate(((2, 8), (3, 7), (4, 6))):
        compare("%s comparison bar %d" % (data, k + 1), t[k], [[c(r, lo), c(r, 1), c(r, lo), c(r, hi)] for r in d])
    compare(data + " comparison medians", t[3], [[c(r, 5), c(r, 1) - 0.27, 0, 0.54] for r in d])


def check_forest(base, data):
    """each row: the median with the P5-P95 interval as its error bar; the published
    point where the data has one"""
    d = rows(data + ".dat")
    c = lambda r, k: num(r[k - 1])
    t = tables(base + "-forest-1.tab")
    if len(t) < 2:
        fail("%s: the forest drew %d curves" % (data, len(t)))
        return
    compare(data + " forest intervals", t[0], [[c(r, 2), c(r, 1), c(r, 3), c(r, 4)] for r in d])
    pub = [[c(r, 5), c(r, 1)] for r in d if not math.isnan(c(r, 5))]
    got = [row for row in t[1] if not any(math.isnan(x) for x in row[:2])]
    compare(data + " forest published points", got, pub)


def check_inputs(base, data):
    vars_ = open(data + ".vars.gp", encoding="utf-8").read()
    paths = dict(re.findall(r'in_data\[(\d+)\] = "([^"]*)"', vars_))
    for i in sorted(paths, key=int):
        t = tables("%s-inputs-%s.tab" % (base, i))
        h = rows(paths[i] + ".hist")
        if not t:
            fail("input %s: nothing drawn" % paths[i])
            continue
        compare("input %s bars" % os.path.basename(paths[i]), t[0],
                [[(num(r[0]) + num(r[1])) / 2, num(r[4]), num(r[0]), num(r[1])] for r in h])


def main(argv):
    figdir, plots, tmp = argv[1:4]
    some = "--some" in argv[4:]   # a partial set of figures (plot --only of several runs)
    gp = os.path.join(tmp, "plots")
    os.makedirs(gp, exist_ok=True)
    for s in glob.glob(os.path.join(plots, "*.gp")):
        transform(s, os.path.join(gp, os.path.basename(s)))
    # inputs.gp plots once per input in a loop: name its tables by the loop variable
    p = os.path.join(gp, "inputs.gp")
    text = open(p, encoding="utf-8").read().replace(
        'sprintf("%s-inputs-%d.tab", tabbase, tabn)', 'sprintf("%s-inputs-%d.tab", tabbase, i)')
    open(p, "w", encoding="utf-8").write(text)
    driver = open(os.path.join(figdir, "data", "figures.gp"), encoding="utf-8").read()
    # the single-panel figures are landscape, 1200 x 768 pixels in PNG (common.gp)
    for out in re.findall(r'out = "([^"]*-(?:distribution|cdf)\.png)"', driver):
        with open(out, "rb") as fh:
            head = fh.read(24)
        w, h = struct.unpack(">II", head[16:24])
        if (w, h) != (1200, 768):
            fail("%s is %d x %d pixels, not 1200 x 768" % (out, w, h))
    blocks = re.findall(r'data = ("[^"]*")\nout = "[^"]*"\nload plots\."([a-z]+)\.gp"', driver)
    if len(blocks) < 5:
        fail("figures.gp: %d figures found" % len(blocks))
    lines = ['fmt = "png"', 'plots = "%s/"' % gp]
    for i, (data, script) in enumerate(blocks):
        base = os.path.join(tmp, "f%d" % i)
        lines += ["data = %s" % data, 'out = "%s.png"' % base, 'tabbase = "%s"' % base, "tabn = 0",
                  'set print "%s.print"' % base, 'load plots."%s.gp"' % script, "unset print", ""]
    drv = os.path.join(tmp, "figures.gp")
    open(drv, "w", encoding="utf-8").write("\n".join(lines))
    r = subprocess.run([os.environ.get("CARBONMC_GNUPLOT", "gnuplot"), drv], capture_output=True, text=True)
    if r.returncode != 0:
        fail("gnuplot failed: " + r.stderr[-500:])
    checks = {"distribution": check_distribution, "cdf": check_cdf, "convergence": check_convergence,
              "tornado": check_tornado, "compare": check_compare, "inputs": check_inputs,
              "forest": check_forest}
    seen = set()
    for i, (data, script) in enumerate(blocks):
        checks[script](os.path.join(tmp, "f%d" % i), data.strip('"'))
        seen.add(script)
    for s in checks:
        if s not in seen and not some and s != "forest":
            fail("no %s figure to check" % s)
    print("gp_check: %d figures, %d failures" % (len(blocks), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
