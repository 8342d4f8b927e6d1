#!/usr/bin/python3
"""Properties of `carbonmc run` on random small scenarios, through the real binary
(issue 17, deliver 2). Scenarios are generated from a fixed seed (PROPS_SEED, default
17; PROPS_CASES scenarios, default 24); every check is exact or has a tolerance
derived from the arithmetic or the sampling error. For each scenario:

  1. saved samples satisfy the model's equations: every output row of
     /samples equals its expression evaluated (numpy, float64) on the saved input
     rows, to 1e-12 of the magnitude of its terms;
  2. small-N percentiles are order statistics: at N from 1 to 4097 (below the
     sketch's 8,192 exact values) every percentile of every input and output is
     x_(ceil(Np)) of the hand-sorted saved sample and its interval runs from
     x_(floor(Np - 1.96 sd)) to x_(ceil(Np + 1.96 sd)) (ranks clamped to 1..N), with
     resolution 0; min, max and mean agree with the sample;
  3. inputs whose names share long prefixes (up to 60 characters, differing in
     the last one) draw independently: the Spearman correlation of every pair of
     saved inputs is within its sampling error of 0 (|rho| sqrt(N - 1) below the
     normal quantile at a family-wise false-alarm rate of 1e-3 over all pairs);
  4. variant statistics at an interior P and with ties: z = max(x, c) with
     variants c = c0 and c = c1 (ties wherever x > max(c0, c1)); P(variant > ref)
     is exactly the share of saved rows where max(x, c1) > max(x, c0), its interval
     Wilson's, and the paired difference's percentiles are the order statistics of
     those row differences;
  5. the seed: random 64-bit seeds; 2^64 - 1 is accepted and differs from 2^64 - 2
     sample by sample; 2^64 and -1 are usage errors (exit 2) that write nothing;
  6. `a to b` with arithmetic bounds (`2 * k to k ^ 2 + 1`, `to` binding loosest):
     the median `point` reports is sqrt(a b) of the bounds evaluated here, and the
     share of saved samples below a (above b) is 5%, within 5 binomial sd.
  7. saved samples in sampling order (on one more random scenario, N = 20,000): the
     convergence checkpoints, made in memory from exactly the first 1,024 * 2^k
     samples drawn, equal the statistics of the first rows of /samples (the mean to
     1e-12; up to 8,192 samples, where the sketch is exact, the median and P95 equal
     the order statistics); and runs of 1, 3, 1,000, 1,025 and 4,097 samples at the
     same seed save exactly the first rows of the longer run, every column.
Then every random input of models/refdata.cmc: their samples are independent (3).

usage: props.py CARBONMC SOURCE_DIR
"""
import math
import os
import random
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from scipy import stats

BIN, SRC = sys.argv[1], os.path.abspath(sys.argv[2])
SEED = int(os.environ.get("PROPS_SEED", "17"))
CASES = int(os.environ.get("PROPS_CASES", "24"))
Z = 1.959963984540054
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def run(args, tmp, name):
    """carbonmc run ... -o tmp/name.h5; returns (exit status, stderr, path)."""
    out = os.path.join(tmp, name + ".h5")
    p = subprocess.run([BIN, "run"] + args + ["-o", out], capture_output=True, text=True)
    return p.returncode, p.stderr, out


# ---- random scenarios ----------------------------------------------------------------

PREFIX = "power_of_the_accelerators_in_the_second_hall_of_the_site_x"   # 59 characters


def rnum(rng, lo, hi):
    return float("%.6g" % rng.uniform(lo, hi))


def random_law(rng):
    """(text, positive): a distribution and whether its support is > 0."""
    k = rng.randrange(12)
    if k == 0:
        a = rnum(rng, -5, 5)
        return "uniform(%r, %r)" % (a, a + rnum(rng, 0.1, 10)), a > 0
    if k == 1:
        a = rnum(rng, 0.5, 5)
        m, b = a + rnum(rng, 0, 2), a + rnum(rng, 2.5, 5)
        return "triangular(%r, %r, %r)" % (a, m, b), True
    if k == 2:
        a = rnum(rng, 1, 5)
        m, b = a + rnum(rng, 0, 2), a + rnum(rng, 2.5, 5)
        return "pert(%r, %r, %r)" % (a, m, b), True
    if k == 3:
        return "normal(%r, %r)" % (rnum(rng, -10, 10), rnum(rng, 0.1, 3)), False
    if k == 4:
        return "lognormal(%r, %r)" % (rnum(rng, -1, 2), rnum(rng, 0.05, 1.5)), True
    if k == 5:
        a = rnum(rng, 1, 100)
        return "%r to %r" % (a, a * rnum(rng, 1.1, 5)), True
    if k == 6:
        return "beta(%r, %r)" % (rnum(rng, 0.3, 5), rnum(rng, 0.3, 5)), True
    if k == 7:
        return "gamma(%r, %r)" % (rnum(rng, 0.5, 5), rnum(rng, 0.2, 3)), True
    if k == 8:
        return "weibull(%r, %r)" % (rnum(rng, 0.5, 4), rnum(rng, 0.5, 3)), True
    if k == 9:
        return "exponential(%r)" % rnum(rng, 0.2, 4), True
    if k == 10:   # ties
        vals = [rnum(rng, 1, 9) for _ in range(rng.randrange(1, 4))]
        vals.append(vals[0])
        return "choice(%s)" % ", ".join(repr(v) for v in vals), True
    a = rnum(rng, -2, 0)
    return "truncate(normal(0, 1), %r, %r)" % (a, a + rnum(rng, 0.5, 3)), a > 0


class Expr:
    """A fully parenthesised expression: its carbonmc text, a numpy evaluator and the
    magnitude of its terms (for the rounding tolerance)."""

    def __init__(self, text, ev, mag):
        self.text, self.ev, self.mag = text, ev, mag


def random_expr(rng, leaves, depth):
    """leaves: [(name, positive)]; an expression of them and constants."""
    if depth == 0 or rng.random() < 0.25:
        if rng.random() < 0.2:
            c = rnum(rng, 0.5, 20)
            return Expr(repr(c), lambda s, c=c: c, lambda s, c=c: abs(c)), True
        name, pos = rng.choice(leaves)
        return Expr(name, lambda s, n=name: s[n], lambda s, n=name: np.abs(s[n])), pos
    a, pa = random_expr(rng, leaves, depth - 1)
    b, pb = random_expr(rng, leaves, depth - 1)
    op = rng.choice("+-*/mM" if pb else "+-*mM")
    if op == "m" or op == "M":
        f = np.minimum if op == "m" else np.maximum
        fn = "min" if op == "m" else "max"
        return Expr("%s(%s, %s)" % (fn, a.text, b.text),
                    lambda s, a=a, b=b, f=f: f(a.ev(s), b.ev(s)),
                    lambda s, a=a, b=b: np.maximum(a.mag(s), b.mag(s))), \
            (pa or pb) if op == "M" else (pa and pb)
    ev = {"+": lambda x, y: x + y, "-": lambda x, y: x - y,
          "*": lambda x, y: x * y, "/": lambda x, y: x / y}[op]
    mg = {"+": lambda x, y: x + y, "-": lambda x, y: x + y,
          "*": lambda x, y: x * y, "/": lambda x, y: x / y}[op]
    return Expr("(%s %s %s)" % (a.text, op, b.text),
                lambda s, a=a, b=b, ev=ev: ev(a.ev(s), b.ev(s)),
                lambda s, a=a, b=b, mg=mg: mg(a.mag(s), b.mag(s))), \
        {"+": pa and pb, "-": False, "*": pa and pb, "/": pa and pb}[op]


def random_scenario(rng, case):
    k = rng.randrange(2, 7)
    names = []
    for i in range(k):   # PREFIX + a, PREFIX + b, ..., and some short names
        names.append(PREFIX + "abcdefg"[i] if rng.random() < 0.7 else "v%d" % i)
    names = list(dict.fromkeys(names))
    lines, leaves = ['title "props %d"' % case], []
    for n in names:
        law, pos = random_law(rng)
        lines.append("%s = %s" % (n, law))
        leaves.append((n, pos))
    outs = {}
    for j in range(rng.randrange(1, 4)):
        e, _ = random_expr(rng, leaves, rng.randrange(1, 4))
        outs["out%d" % j] = e
        lines.append("output out%d = %s" % (j, e.text))
    # every input in one output (an unused definition is an error), left to right
    e = Expr(leaves[0][0], lambda s, n=leaves[0][0]: s[n], lambda s, n=leaves[0][0]: np.abs(s[n]))
    for nm, _ in leaves[1:]:
        e = Expr("(%s + %s)" % (e.text, nm), lambda s, a=e, n=nm: a.ev(s) + s[n],
                 lambda s, a=e, n=nm: a.mag(s) + np.abs(s[n]))
    outs["every"] = e
    lines.append("output every = %s" % e.text)
    # the variants: z = max(x, c), c0 and c1 between x's 10th and 90th percentiles
    # (found from a pilot below), so both ties and an interior P
    x = names[0]
    lines.append("c = 0")
    lines.append("output z = max(%s, c)" % x)
    return lines, names, outs, x


def order_stat_checks(x, g, what):
    """percentiles of the HDF5 group g (of a quantity with sample x) against x sorted"""
    x = np.sort(x[np.isfinite(x)])
    n = len(x)
    pc = g["percentiles"]
    for p, v, lo, hi, res in zip(*(pc[k][()] for k in ("probability", "value", "ci_low", "ci_high",
                                                       "resolution"))):
        np_ = n * p
        h = Z * math.sqrt(np_ * (1 - p))
        r = [min(n, max(1, int(f))) if f >= 1 else 1
             for f in (math.floor(np_ - h), math.ceil(np_), math.ceil(np_ + h))]
        want = [x[r[0] - 1], x[r[1] - 1], x[r[2] - 1]]
        check([lo, v, hi] == want and res == 0,
              "%s: N=%d P%g: (ci_low, value, ci_high, resolution) = (%r, %r, %r, %r), "
              "order statistics %r at ranks %r" % (what, n, 100 * p, lo, v, hi, res, want, r))
    check(g["min"][()] == x[0] and g["max"][()] == x[-1], "%s: min/max" % what)
    m = np.mean(x)
    check(abs(g["mean"][()] - m) <= 1e-12 * np.mean(np.abs(x)) + 1e-300, "%s: mean %r vs %r"
          % (what, g["mean"][()], m))


def independence(samples, what):
    """every pair of columns: Spearman within its null sampling error of 0"""
    cols = [(n, x) for n, x in samples.items() if np.ptp(x) > 0]
    pairs = len(cols) * (len(cols) - 1) // 2
    if not pairs:
        return
    zcrit = stats.norm.isf(1e-3 / pairs / 2)   # family-wise 1e-3, two-sided
    worst = 0
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            (a, x), (b, y) = cols[i], cols[j]
            rho = stats.spearmanr(x, y)[0]
            zz = abs(rho) * math.sqrt(len(x) - 1)
            worst = max(worst, zz)
            check(zz < zcrit, "%s: %s and %s correlated: Spearman %.4f (%.1f se, limit %.1f)"
                  % (what, a, b, rho, zz, zcrit))
    return worst, zcrit, pairs


def wilson(k, n):
    z2n = Z * Z / n
    ph = k / n
    c = (ph + z2n / 2) / (1 + z2n)
    h = Z * math.sqrt(ph * (1 - ph) / n + z2n / (4 * n)) / (1 + z2n)
    return max(0.0, c - h), min(1.0, c + h)


def scenario_case(rng, case, tmp):
    lines, names, outs, x = random_scenario(rng, case)
    path = os.path.join(tmp, "p%d.cmc" % case)
    # a pilot run gives x's spread for the variants' constants
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    rc, err, out = run([path, "-n", "2000", "--seed", "1", "--save-samples"], tmp, "pilot%d" % case)
    check(rc == 0, "case %d pilot: exit %d: %s\n%s" % (case, rc, err, "\n".join(lines)))
    if rc:
        return
    with h5py.File(out, "r") as f:
        xs = np.sort(f["samples/" + x][()])
    c0, c1 = xs[200], xs[1800]
    if c0 == c1:   # a choice with one value most of the time: still ties
        c1 = c0 + 1
    if rng.random() < 0.5:
        c0, c1 = c1, c0
    lines.append("variant ref: c = %r" % c0)
    lines.append("variant alt: c = %r" % c1)
    lines.append("reference ref")   # compared with ref, not with base (the scenario as written)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    n = rng.choice([1, 2, 3, 5, 7, 10, 19, 40, 100, 999, 1024, 4097])
    seed = rng.getrandbits(64) if rng.random() < 0.7 else 2 ** 64 - 1 - rng.randrange(3)
    ps = sorted(set(float("%.4g" % rng.uniform(0.001, 0.999)) for _ in range(rng.randrange(1, 8))))
    pct = ",".join(repr(p) for p in ps)
    rc, err, out = run([path, "-n", str(n), "--seed", str(seed), "--save-samples",
                        "--percentiles", pct], tmp, "case%d" % case)
    check(rc == 0, "case %d: exit %d: %s" % (case, rc, err))
    if rc:
        return
    what = "case %d (N=%d, seed %d)" % (case, n, seed)
    with h5py.File(out, "r") as f:
        check(int(f.attrs["seed"]) == seed and int(f.attrs["samples"]) == n, what + ": attrs")
        s = {nm: f["samples/" + nm][()] for nm in names}
        for nm in names:
            order_stat_checks(s[nm], f["inputs/" + nm], "%s input %s" % (what, nm[-12:]))
        # 1. the equations
        for o, e in list(outs.items()) + [("z", None)]:
            got = f["samples/" + o][()]
            if e is None:
                want, mag = np.maximum(s[x], 0.0), np.abs(s[x])
            else:
                with np.errstate(all="ignore"):
                    want, mag = e.ev(s) * np.ones(n), e.mag(s) * np.ones(n)
            fin = np.isfinite(want)
            ok = np.array_equal(np.isfinite(got), fin) and np.all(
                np.abs(got[fin] - want[fin]) <= 1e-12 * mag[fin] + 1e-300)
            bad = np.flatnonzero(~(np.abs(got - want) <= 1e-12 * mag + 1e-300) & fin)
            check(ok, "%s: output %s = %s: row %s: %r, evaluated %r" % (
                what, o, e.text if e else "max(x, c)", bad[:1], got[bad[:1]], want[bad[:1]]))
            if np.all(np.isfinite(got)):
                order_stat_checks(got, f["outputs/" + o], "%s output %s" % (what, o))
        # 4. the variants
        ref, alt = np.maximum(s[x], c0), np.maximum(s[x], c1)
        g = f["variants/alt/paired/z"]
        k = int(np.count_nonzero(alt > ref))
        check(g.attrs["reference"] in ("ref", b"ref") and int(g["count"][()]) == n,
              what + ": paired count and reference")
        pg = g["p_greater"][()]
        check(round(pg * n) == k and abs(pg - k / n) <= 1e-14, "%s: P(alt > ref) = %r, rows %d of %d" % (what, pg, k, n))
        lo, hi = wilson(k, n)
        check(abs(g["p_greater_ci_low"][()] - lo) < 1e-12 and abs(g["p_greater_ci_high"][()] - hi) < 1e-12,
              "%s: Wilson interval (%r, %r), want (%r, %r)" % (
                  what, g["p_greater_ci_low"][()], g["p_greater_ci_high"][()], lo, hi))
        order_stat_checks(alt - ref, g["difference"], what + " alt - ref")
        for v, want in (("ref", ref), ("alt", alt)):
            order_stat_checks(want, f["variants/%s/outputs/z" % v], "%s variant %s" % (what, v))
    return s, names


def bound_expr(rng, consts):
    """(carbonmc text, python text) of a positive arithmetic expression whose top
    operator is left unparenthesised (so `to` must bind more loosely than it)"""
    def atom():
        if rng.random() < 0.4:
            nm = rng.choice(list(consts))
            return nm, nm
        v = rnum(rng, 1, 9)
        return repr(v), repr(v)
    a, b = atom(), atom()
    op = rng.choice(["+", "*", "/", "^"])
    if op == "^":
        b = (repr(float(rng.randrange(1, 3))),) * 2
    return "%s %s %s" % (a[0], op, b[0]), "%s %s %s" % (a[1], "**" if op == "^" else op, b[1])


def to_bounds(rng, tmp):
    consts = {"k%d" % i: rnum(rng, 1, 5) for i in range(3)}
    lines = ['title "to with arithmetic bounds"'] + ["%s = %r" % kv for kv in consts.items()]
    want = {}
    while len(want) < 8:
        (lo_t, lo_p), (hi_t, hi_p) = bound_expr(rng, consts), bound_expr(rng, consts)
        lo, hi = eval(lo_p, {}, dict(consts)), eval(hi_p, {}, dict(consts))
        if not 0 < lo < hi / 1.01:
            continue
        nm = "t%d" % len(want)
        want[nm] = (lo, hi)
        lines.append("%s = %s to %s" % (nm, lo_t, hi_t))
    lines.append("output s = %s" % " + ".join(want))
    path = os.path.join(tmp, "to.cmc")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    p = subprocess.run([BIN, "point", path, "--format", "json"], capture_output=True, text=True)
    check(p.returncode == 0, "to bounds: point exit %d: %s" % (p.returncode, p.stderr))
    if p.returncode:
        return
    import json
    med = json.loads(p.stdout)["inputs"]
    n = 20000
    rc, err, out = run([path, "-n", str(n), "--save-samples"], tmp, "to")
    check(rc == 0, "to bounds: run exit %d: %s" % (rc, err))
    if rc:
        return
    sd = math.sqrt(n * 0.05 * 0.95)
    with h5py.File(out, "r") as f:
        for i, (nm, (lo, hi)) in enumerate(want.items()):
            line = lines[1 + len(consts) + i]
            check(abs(med[nm] - math.sqrt(lo * hi)) <= 1e-12 * math.sqrt(lo * hi),
                  "%s: median %r, sqrt(a b) = %r" % (line, med[nm], math.sqrt(lo * hi)))
            x = f["samples/" + nm][()]
            below, above = int(np.count_nonzero(x < lo)), int(np.count_nonzero(x > hi))
            check(abs(below - 0.05 * n) <= 5 * sd and abs(above - 0.05 * n) <= 5 * sd,
                  "%s: %d of %d samples below %r, %d above %r (5%% expected)"
                  % (line, below, n, lo, above, hi))


def same(a, b):
    """equal arrays, NaN equal to NaN"""
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def sample_order(rng, tmp):
    """7. the rows of /samples are the samples in the order they were drawn"""
    lines, names, outs, _ = random_scenario(rng, 99)
    path = os.path.join(tmp, "order.cmc")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    n, seed = 20000, rng.getrandbits(64)
    rc, err, out = run([path, "-n", str(n), "--seed", str(seed), "--save-samples"], tmp, "order")
    check(rc == 0, "order: exit %d: %s" % (rc, err))
    if rc:
        return
    with h5py.File(out, "r") as f:
        big = {nm: f["samples/" + nm][()] for nm in f["samples"]}
        checked = 0
        for o in list(outs) + ["z"]:
            c = f["outputs/%s/convergence" % o]
            for i, m in enumerate(int(v) for v in c["samples"][()]):
                x = big[o][:m]
                if not np.all(np.isfinite(x)):
                    continue
                checked += 1
                check(abs(c["mean"][i] - x.mean()) <= 1e-12 * np.mean(np.abs(x)) + 1e-300,
                      "order: %s convergence mean at %d = %r, first %d saved rows %r"
                      % (o, m, c["mean"][i], m, x.mean()))
                if m <= 8192:
                    xs = np.sort(x)
                    for key, p in (("median", 0.5), ("p95", 0.95)):
                        want = xs[math.ceil(m * p) - 1]
                        check(c[key][i] == want, "order: %s convergence %s at %d = %r, order "
                              "statistic of the first %d saved rows %r" % (o, key, m, c[key][i], m, want))
        check(checked >= 5, "order: only %d convergence checkpoints with finite samples" % checked)
    for m in (1, 3, 1000, 1025, 4097):
        rc, err, out = run([path, "-n", str(m), "--seed", str(seed), "--save-samples"], tmp, "order%d" % m)
        check(rc == 0, "order N=%d: exit %d: %s" % (m, rc, err))
        if rc:
            continue
        with h5py.File(out, "r") as f:
            for nm in big:
                got = f["samples/" + nm][()]
                check(same(got, big[nm][:m]), "order: the %d rows of %s saved at N=%d are not the "
                      "first %d of N=%d (first difference at row %s)" % (
                          m, nm[-12:], m, m, n, np.flatnonzero(got != big[nm][:m])[:1]))


def main():
    rng = random.Random(SEED)
    tmp = tempfile.mkdtemp(prefix="cmc_props_")
    try:
        for case in range(CASES):
            scenario_case(rng, case, tmp)
        # 3. long shared prefixes: one scenario with eight of them, N = 4000
        names = [PREFIX + c for c in "abcdefgh"] + [PREFIX[:-1], PREFIX[:-1] + "yy"]
        path = os.path.join(tmp, "prefix.cmc")
        with open(path, "w") as f:
            f.write('title "prefixes"\n')
            for i, nm in enumerate(names):
                f.write("%s = %s\n" % (nm, ["uniform(0, 1)", "normal(0, 1)", "1 to 10"][i % 3]))
            f.write("output s = %s\n" % " + ".join(names))
        rc, err, out = run([path, "-n", "4000", "--save-samples"], tmp, "prefix")
        check(rc == 0, "prefixes: exit %d: %s" % (rc, err))
        if rc == 0:
            with h5py.File(out, "r") as f:
                r = independence({nm: f["samples/" + nm][()] for nm in names}, "prefixes")
                print("long shared prefixes: %d pairs, largest |rho| sqrt(N-1) = %.2f (limit %.2f)"
                      % (r[2], r[0], r[1]))
        # 3. every random input of models/refdata.cmc
        data = os.path.join(SRC, "models", "refdata.cmc")
        defined = [ln.split("=")[0].strip() for ln in open(data)
                   if ln[:1].isalpha() and "=" in ln and ln.split("=")[0].strip().isidentifier()]
        path = os.path.join(tmp, "refdata.cmc")
        with open(path, "w") as f:
            f.write('title "refdata"\nuse "%s"\n' % data)
            for nm in defined:
                f.write("output o_%s = %s\n" % (nm, nm))
        rc, err, out = run([path, "-n", "4000", "--save-samples"], tmp, "refdata")
        check(rc == 0, "refdata: exit %d: %s" % (rc, err))
        if rc == 0:
            with h5py.File(out, "r") as f:
                ins = [v.decode() if isinstance(v, bytes) else v for v in f.attrs["inputs"]]
                check(len(ins) >= 10, "refdata: only %d random inputs" % len(ins))
                r = independence({nm: f["samples/" + nm][()] for nm in ins}, "refdata")
                print("refdata: %d random inputs, %d pairs, largest |rho| sqrt(N-1) = %.2f "
                      "(limit %.2f)" % (len(ins), r[2], r[0], r[1]))
        # 6. `to` with arithmetic bounds
        to_bounds(rng, tmp)
        # 7. saved samples in sampling order (a generator of its own, so that adding
        # this left the cases above as they were)
        sample_order(random.Random(SEED + 7), tmp)
        # 5. the seed's range
        path = os.path.join(tmp, "seed.cmc")
        with open(path, "w") as f:
            f.write("x = uniform(0, 1)\noutput y = x\n")
        got = {}
        for sd in (2 ** 64 - 1, 2 ** 64 - 2):
            rc, err, out = run([path, "-n", "64", "--seed", str(sd), "--save-samples"], tmp, "s%d" % sd)
            check(rc == 0, "--seed %d: exit %d: %s" % (sd, rc, err))
            if rc == 0:
                with h5py.File(out, "r") as f:
                    check(int(f.attrs["seed"]) == sd, "--seed %d stored as %r" % (sd, f.attrs["seed"]))
                    got[sd] = f["samples/y"][()]
        if len(got) == 2:
            a, b = got[2 ** 64 - 1], got[2 ** 64 - 2]
            check(not np.any(a == b), "--seed 2^64-1 and 2^64-2 share samples")
        for bad in (str(2 ** 64), "-1", "18446744073709551615x"):
            rc, err, out = run([path, "-n", "64", "--seed", bad], tmp, "bad")
            check(rc == 2 and not os.path.exists(out) and "--seed" in err,
                  "--seed %s: exit %d, %s, stderr %r" % (bad, rc, "file written" if os.path.exists(out)
                                                         else "nothing written", err))
    finally:
        for fn in os.listdir(tmp):
            os.unlink(os.path.join(tmp, fn))
        os.rmdir(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
