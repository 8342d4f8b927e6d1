#!/usr/bin/python3
"""Write tests/ref/dist_ref.txt: reference values of every distribution's CDF and
quantile at extreme levels and shapes, from Debian's scipy (scipy.stats), for
tests/test_distref.c. Run once, by hand, and check the table in:

    /usr/bin/python3 tests/ref/make_dist_ref.py > tests/ref/dist_ref.txt

Each line of the table:  LAW PARAMS... | LO HI | OP ARG VALUE
  LAW PARAMS  a distribution as carbonmc's table names it (src/dist.c), with its
              parameters in carbonmc's order and meaning;
  LO HI       the bounds of truncate(LAW, LO, HI), or "- -" for none;
  OP          q: the quantile at level ARG; cdf: P(X <= ARG).
Numbers are written with 17 significant digits (they round-trip). The cdf rows are
at the quantiles of the q rows, so they probe the same extreme tails.

Parameterisations (carbonmc -> scipy):
  uniform(a, b)              uniform(loc=a, scale=b-a)
  triangular(lo, mode, hi)   triang(c=(mode-lo)/(hi-lo), loc=lo, scale=hi-lo)
  pert(lo, mode, hi)         beta(1 + 4 (mode-lo)/(hi-lo), 1 + 4 (hi-mode)/(hi-lo)),
                             scaled to [lo, hi] (lambda = 4)
  normal(mu, sigma)          norm(mu, sigma)
  lognormal(mu, sigma)       lognorm(s=sigma, scale=exp(mu))
  a to b                     lognormal with P5 = a, P95 = b
  beta(a, b), gamma(k, theta), weibull(k, lambda), exponential(rate)
                             beta(a, b), gamma(k, scale=theta),
                             weibull_min(k, scale=lambda), expon(scale=1/rate)
A truncation's CDF and quantile are computed from whichever tail of the inner law
is smaller at the bounds (sf near an upper tail), so no digits cancel.
"""
import math
import sys

import scipy
from scipy import stats

Z95 = stats.norm.ppf(0.95)


def law(name, *p):
    if name == "uniform":
        return stats.uniform(loc=p[0], scale=p[1] - p[0])
    if name == "triangular":
        return stats.triang((p[1] - p[0]) / (p[2] - p[0]), loc=p[0], scale=p[2] - p[0])
    if name == "pert":
        w = p[2] - p[0]
        return stats.beta(1 + 4 * (p[1] - p[0]) / w, 1 + 4 * (p[2] - p[1]) / w,
                          loc=p[0], scale=w)
    if name == "normal":
        return stats.norm(p[0], p[1])
    if name == "lognormal":
        return stats.lognorm(p[1], scale=math.exp(p[0]))
    if name == "to":
        mu = 0.5 * (math.log(p[0]) + math.log(p[1]))
        s = (math.log(p[1]) - math.log(p[0])) / (2 * Z95)
        return stats.lognorm(s, scale=math.exp(mu))
    if name == "beta":
        return stats.beta(p[0], p[1])
    if name == "gamma":
        return stats.gamma(p[0], scale=p[1])
    if name == "weibull":
        return stats.weibull_min(p[0], scale=p[1])
    if name == "exponential":
        return stats.expon(scale=1 / p[0])
    raise ValueError(name)


class Truncated:
    """law restricted to [lo, hi], computed on the side of the smaller tail."""

    def __init__(self, inner, lo, hi):
        self.d, self.lo, self.hi = inner, lo, hi
        self.upper = inner.cdf(lo) > 0.5
        if self.upper:
            self.a, self.b = inner.sf(lo), inner.sf(hi)
        else:
            self.a, self.b = inner.cdf(lo), inner.cdf(hi)

    def cdf(self, x):
        if x < self.lo:
            return 0.0
        if x >= self.hi:
            return 1.0
        if self.upper:
            return (self.a - self.d.sf(x)) / (self.a - self.b)
        return (self.d.cdf(x) - self.a) / (self.b - self.a)

    def ppf(self, u):
        if self.upper:
            x = self.d.isf(self.a - u * (self.a - self.b))
        else:
            x = self.d.ppf(self.a + u * (self.b - self.a))
        return min(max(x, self.lo), self.hi)


# (law, params, truncation or None): the shapes issue 17 names, and every family
LAWS = [
    ("uniform", (90, 100), None),
    ("uniform", (-1e-3, 1e9), None),
    ("triangular", (1.10, 1.18, 1.40), None),
    ("triangular", (0, 0, 1), None),
    ("triangular", (0, 1, 1), None),
    ("pert", (0, 0.1, 1), None),
    ("pert", (10, 50, 60), None),
    ("pert", (0, 0, 1), None),
    ("normal", (0, 1), None),
    ("normal", (1e6, 1), None),
    ("normal", (-5, 1e-3), None),
    ("lognormal", (0, 3), None),
    ("lognormal", (2, 0.1), None),
    ("to", (20000, 30000), None),
    ("to", (20, 450), None),
    ("beta", (0.2, 0.2), None),
    ("beta", (1000, 1000), None),
    ("beta", (0.5, 0.5), None),
    ("beta", (8, 2), None),
    ("beta", (0.05, 3), None),
    ("gamma", (0.05, 1), None),
    ("gamma", (2, 3), None),
    ("gamma", (100, 0.01), None),
    ("weibull", (0.5, 2), None),
    ("weibull", (5, 1), None),
    ("exponential", (0.5,), None),
    ("normal", (0, 1), (4, 8)),
    ("normal", (0, 1), (-8, -4)),
    ("normal", (0, 1), (-1, 6)),
    ("gamma", (2, 1), (20, 30)),
    ("exponential", (1,), (30, 40)),
    ("lognormal", (0, 1), (1e-3, 0.01)),
    ("beta", (0.2, 0.2), (0.999, 1)),
]

LEVELS = [1e-12, 1e-6, 0.01, 0.3, 0.5, 0.9, 1 - 1e-6, 1 - 1e-12]


def g(x):
    return "%.17g" % x


def main():
    out = sys.stdout
    out.write("# written by tests/ref/make_dist_ref.py with scipy %s; do not edit\n"
              % scipy.__version__)
    for name, p, tr in LAWS:
        d = law(name, *p)
        if tr:
            d = Truncated(d, *tr)
        head = " ".join([name] + [g(v) for v in p]) + " | " + (
            "%s %s" % (g(tr[0]), g(tr[1])) if tr else "- -")
        for u in LEVELS:
            x = float(d.ppf(u))
            out.write("%s | q %s %s\n" % (head, g(u), g(x)))
            if math.isfinite(x):
                out.write("%s | cdf %s %s\n" % (head, g(x), g(float(d.cdf(x)))))


if __name__ == "__main__":
    main()
