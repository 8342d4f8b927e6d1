#!/usr/bin/python3
"""The reference scenario in vectorised numpy, with the same statistics carbonmc
gathers: mean, std, min, max, non-finite count and 11 percentiles of each of the 6
inputs and 2 outputs. It keeps every sample in memory (numpy has no mergeable
quantile structure; np.percentile wants the whole array), as a numpy user would.
usage: numpy_reference.py N [SEED]
"""
import sys
import time

import numpy as np

Z95 = 1.6448536269514722


def main():
    n = int(float(sys.argv[1]))
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    a, b = np.log(20.0), np.log(450.0)
    mu, sigma = (a + b) / 2, (b - a) / (2 * Z95)
    gpu_count = rng.triangular(20000, 25000, 30000, n)
    days = rng.uniform(90, 100, n)
    server_kw = rng.triangular(5.5, 6.5, 6.5, n)
    load = rng.beta(8, 2, n)
    pue = rng.triangular(1.10, 1.18, 1.40, n)
    intensity = rng.lognormal(mu, sigma, n)
    energy_kwh = gpu_count / 8 * server_kw * load * days * 24 * pue
    co2_t = energy_kwh * intensity / 1e6
    p = [0.5, 2.5, 5, 10, 25, 50, 75, 90, 95, 97.5, 99.5]
    out = {}
    for name, x in [("gpu_count", gpu_count), ("days", days), ("server_kw", server_kw),
                    ("load", load), ("pue", pue), ("intensity", intensity),
                    ("energy_kwh", energy_kwh), ("co2_t", co2_t)]:
        finite = np.isfinite(x)
        xf = x[finite]
        out[name] = (xf.mean(), xf.std(ddof=1), xf.min(), xf.max(), int((~finite).sum()),
                     np.percentile(xf, p))
    dt = time.perf_counter() - t0
    print(f"numpy samples={n} seconds={dt:.3f} rate={n / dt:.4g} "
          f"co2_median={out['co2_t'][5][5]:.6g}")


if __name__ == "__main__":
    main()
