"""Checks of a sweep's HDF5 file for tests/sweep.sh (issue 16, item 3).

usage:
  sweep_check.py point SWEEP.h5 RUN.h5 NAME=VALUE...   the sweep's point at those
        coordinates (selected through xarray) equals the run's file bit for bit
  sweep_check.py layout SWEEP.h5 grid|points NAME...    xarray sees the dimensions
        (each name, probability) or (point, probability) with the names as
        coordinates, every variable with units and long_name, the root attributes
  sweep_check.py same A.h5 B.h5                         every dataset identical
  sweep_check.py ratio SWEEP.h5 OUTPUT NAME A B R        common random numbers: at
        NAME = B the output's mean is R times the one at A to 1e-12
  sweep_check.py summary SWEEP.h5 CSV JSON TEXT         every number of the CSV and
        JSON equals the file's; every number of the text table lies within its
        95% interval (percentiles) or 2 standard errors (means) of the file's
  sweep_check.py plot SWEEP.h5 DATADIR LABEL            the figures' data files hold
        the file's numbers
Exit status 0, 1 on a failed check, 77 when xarray or h5netcdf is missing.
"""
import csv
import json
import math
import os
import sys

import h5py
import numpy as np

try:
    import xarray as xr
    import h5netcdf  # noqa: F401  (the engine xarray needs)
except ImportError as e:
    print(f"skipped: {e} (Debian: apt-get install python3-xarray python3-h5netcdf)")
    sys.exit(77)

STATS = ["mean", "mean_se", "std", "min", "max", "count", "nonfinite"]
PCT = ["percentile", "ci_low", "ci_high", "resolution"]


def fail(msg):
    print("FAIL", msg)
    sys.exit(1)


def names_attr(ds, name):
    """An attribute holding a list of names (h5netcdf gives a 1-element one as a str)."""
    return [str(x) for x in np.atleast_1d(ds.attrs[name])]


def open_sweep(path):
    return xr.open_dataset(path, engine="h5netcdf")


def same_bits(a, b, what):
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.tobytes() != b.tobytes():
        fail(f"{what}: sweep {a!r} != run {b!r}")


def sel_point(ds, coords):
    if "point" in ds.dims:
        mask = np.ones(ds.sizes["point"], bool)
        for k, v in coords.items():
            mask &= np.isclose(ds[k].values, v, rtol=1e-12, atol=0)
        idx = np.nonzero(mask)[0]
        if len(idx) != 1:
            fail(f"{coords} selects {len(idx)} points")
        return ds.isel(point=int(idx[0]))
    return ds.sel(coords, method="nearest")


def cmd_point(sweep, run, specs):
    coords = {s.split("=")[0]: float(s.split("=")[1]) for s in specs}
    ds = open_sweep(sweep)
    pt = sel_point(ds, coords)
    for k, v in coords.items():
        if not math.isclose(float(pt[k]), v, rel_tol=1e-12):
            fail(f"coordinate {k} = {float(pt[k])}, asked {v}")
    with h5py.File(run, "r") as r:
        outs = [o.decode() if isinstance(o, bytes) else o for o in r.attrs["outputs"]]
        if names_attr(ds, "outputs") != outs:
            fail(f"outputs {list(ds.attrs['outputs'])} != {outs}")
        if int(ds.attrs["samples"]) != int(r.attrs["samples"]) or \
                int(ds.attrs["seed"]) != int(r.attrs["seed"]):
            fail("samples or seed differ")
        for o in outs:
            g = r[f"outputs/{o}"]
            same_bits(pt["probability"].values, g["percentiles/probability"][()], "probability")
            for mine, theirs in zip(PCT, ["value", "ci_low", "ci_high", "resolution"]):
                same_bits(pt[f"{o}_{mine}"].values, g[f"percentiles/{theirs}"][()], f"{o}_{mine}")
            for s in STATS:
                same_bits(pt[f"{o}_{s}"].values, g[s][()], f"{o}_{s}")
            if pt[f"{o}_mean"].attrs.get("units") != g.attrs.get("units"):
                fail(f"{o}: units {pt[f'{o}_mean'].attrs.get('units')} != {g.attrs.get('units')}")
    print(f"point {coords}: {len(outs)} outputs bit-identical to the run")


def cmd_layout(sweep, kind, names):
    ds = open_sweep(sweep)
    dims = (["point"] if kind == "points" else names) + ["probability"]
    for o in names_attr(ds, "outputs"):
        v = ds[f"{o}_percentile"]
        if list(v.dims) != dims:
            fail(f"{o}_percentile has dimensions {v.dims}, expected {dims}")
        if list(ds[f"{o}_mean"].dims) != dims[:-1]:
            fail(f"{o}_mean has dimensions {ds[f'{o}_mean'].dims}")
        for s in PCT + STATS:
            a = ds[f"{o}_{s}"].attrs
            if "long_name" not in a or "units" not in a:
                fail(f"{o}_{s} lacks units or long_name: {dict(a)}")
    for n in names:
        if n not in ds.coords:
            fail(f"{n} is not a coordinate: {list(ds.coords)}")
        if kind == "points" and ds[n].dims != ("point",):
            fail(f"{n} has dimensions {ds[n].dims}")
    for a in ["title", "seed", "samples", "design", "tool_version", "scenario", "method",
              "sweep_spec"]:
        if a not in ds.attrs:
            fail(f"attribute {a} missing")
    if ds.attrs["sweep"] != kind:
        fail(f"sweep = {ds.attrs['sweep']}")
    print(f"layout: dimensions {dict(ds.sizes)}, {len(ds.data_vars)} variables")


def cmd_same(a, b):
    fa, fb = h5py.File(a, "r"), h5py.File(b, "r")
    names = []
    fa.visit(names.append)
    nb = []
    fb.visit(nb.append)
    if sorted(names) != sorted(nb):
        fail(f"different objects: {sorted(set(names) ^ set(nb))}")
    for n in names:
        if isinstance(fa[n], h5py.Dataset):
            x, y = fa[n], fb[n]
            if x.shape != y.shape or x[()].tobytes() != y[()].tobytes():
                fail(f"{n} differs")
    for k in fa.attrs:
        if k != "created" and str(fa.attrs[k]) != str(fb.attrs[k]):
            fail(f"attribute {k} differs")
    print(f"same: {len(names)} objects identical")


def cmd_ratio(sweep, out, name, a, b, r):
    ds = open_sweep(sweep)
    ma = ds[f"{out}_mean"].sel({name: float(a)}).values
    mb = ds[f"{out}_mean"].sel({name: float(b)}).values
    worst = np.max(abs(mb / ma / float(r) - 1))
    if not worst < 1e-12:
        fail(f"mean at {name}={b} / at {name}={a} = {mb / ma!r}, not {r} (draws not shared)")
    print(f"ratio of means at every other coordinate = {r} to {worst:.1e}")


def num(s):
    s = s.strip()
    return {"NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}.get(s, None) if s in (
        "NaN", "Inf", "-Inf") else float(s.replace(",", ""))


def coord_of(ds, names, i):
    if "point" in ds.dims:
        return {n: float(ds[n].values[i]) for n in names}
    idx = np.unravel_index(i, [ds.sizes[n] for n in names])
    return {n: float(ds[n].values[j]) for n, j in zip(names, idx)}


def at(ds, var, names, i):
    v = ds[var].values
    if "point" in ds.dims:
        return v[i]
    idx = np.unravel_index(i, [ds.sizes[n] for n in names])
    return v[tuple(idx)]


def eq(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def cmd_summary(sweep, csvf, jsonf, textf):
    ds = open_sweep(sweep)
    names = names_attr(ds, "swept")
    outs = names_attr(ds, "outputs")
    npts = int(np.prod([ds.sizes[n] for n in names])) if "point" not in ds.dims \
        else ds.sizes["point"]
    probs = ds["probability"].values
    checked = 0
    # CSV: every row's number equals the file's
    with open(csvf) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != npts * len(outs) * (7 + len(probs)):
        fail(f"csv has {len(rows)} rows")
    for r in rows:
        i = int(r["point"])
        for n in names:
            if num(r[n]) != coord_of(ds, names, i)[n]:
                fail(f"csv point {i}: {n} = {r[n]}")
        o, st = r["output"], r["statistic"]
        if st == "percentile":
            j = int(np.nonzero(probs == num(r["p"]))[0][0])
            for col, var in [("value", "percentile"), ("ci_low", "ci_low"), ("ci_high", "ci_high")]:
                if not eq(num(r[col]), at(ds, f"{o}_{var}", names, i)[j]):
                    fail(f"csv {o} point {i} p {r['p']} {col}: {r[col]}")
        elif not eq(num(r["value"]), float(at(ds, f"{o}_{st}", names, i))):
            fail(f"csv {o} point {i} {st}: {r['value']}")
        checked += 1
    # JSON: the same numbers, keyed
    js = json.load(open(jsonf))
    if js["samples"] != int(ds.attrs["samples"]) or len(js["points"]) != npts:
        fail("json samples or points")
    for p in js["points"]:
        i = p["point"]
        for n in names:
            if p["values"][n] != coord_of(ds, names, i)[n]:
                fail(f"json point {i} {n}")
        for o in outs:
            for s in STATS:
                if not eq(float(p["outputs"][o][s]) if p["outputs"][o][s] is not None else math.nan,
                          float(at(ds, f"{o}_{s}", names, i))):
                    fail(f"json point {i} {o} {s}")
            for j, pr in enumerate(probs):
                key = repr(float(pr))
                q = p["outputs"][o]["percentile"][key]
                for col, var in [("value", "percentile"), ("ci_low", "ci_low"),
                                 ("ci_high", "ci_high"), ("resolution", "resolution")]:
                    if q[col] != at(ds, f"{o}_{var}", names, i)[j]:
                        fail(f"json point {i} {o} {key} {col}")
                checked += 1
    # text: each table's rows, in point order; numbers within their interval
    lines = open(textf).read().split("\n")
    for o in outs:
        start = next(k for k, l in enumerate(lines) if l.startswith(o + " ") or l == o)
        head = lines[start + 1].split()
        cols = head[head.index("mean"):]
        for i in range(npts):
            cells = lines[start + 2 + i].split()
            vals = cells[len(cells) - len(cols):]
            coords = cells[:len(cells) - len(cols)]
            for n, c in zip(names, coords):
                if not math.isclose(num(c), coord_of(ds, names, i)[n], rel_tol=1e-9):
                    fail(f"text {o} row {i}: {n} = {c}")
            for c, v in zip(cols, vals):
                x = num(v)
                if c == "mean":
                    ref = float(at(ds, f"{o}_mean", names, i))
                    tol = 2 * 1.96 * float(at(ds, f"{o}_mean_se", names, i)) + 1e-9 * abs(ref)
                else:
                    p = 0.5 if c == "median" else float(c[1:]) / 100
                    j = int(np.argmin(abs(probs - p)))
                    ref = at(ds, f"{o}_percentile", names, i)[j]
                    tol = (at(ds, f"{o}_ci_high", names, i)[j] -
                           at(ds, f"{o}_ci_low", names, i)[j]) + 1e-9 * abs(ref)
                if not abs(x - ref) <= tol:
                    fail(f"text {o} row {i} {c}: {v} is not {ref} (tolerance {tol})")
                checked += 1
    print(f"summary: {checked} numbers of csv, json and text agree with the file")


def cmd_plot(sweep, datadir, label):
    ds = open_sweep(sweep)
    names = names_attr(ds, "swept")
    probs = list(ds["probability"].values)
    checked = 0
    for o in names_attr(ds, "outputs"):
        fan = os.path.join(datadir, f"{label}-{o}.fan")
        heat = os.path.join(datadir, f"{label}-{o}.heat")
        if os.path.exists(fan):
            d = np.loadtxt(fan)
            cols = {0.5: 1, 0.25: 2, 0.75: 3, 0.05: 4, 0.95: 5, 0.025: 6, 0.975: 7}
            x = ds[names[0]].values if "point" not in ds.dims else np.arange(ds.sizes["point"])
            same_bits(d[:, 0], np.asarray(x, float), f"{fan} x")
            for p, c in cols.items():
                if p in probs:
                    j = probs.index(p)
                    same_bits(d[:, c], ds[f"{o}_percentile"].values[:, j], f"{fan} P{p}")
                    checked += len(x)
            same_bits(d[:, 8], ds[f"{o}_mean"].values, f"{fan} mean")
        elif os.path.exists(heat):
            d = np.genfromtxt(heat, usecols=(0, 1, 2))
            med = ds[f"{o}_percentile"].values[..., probs.index(0.5)]
            for ix, iy, m in d:
                if med[int(ix), int(iy)] != m:
                    fail(f"{heat}: cell {ix},{iy} = {m}, the file's median {med[int(ix), int(iy)]}")
                checked += 1
            if len(d) != med.size:
                fail(f"{heat} has {len(d)} cells, the grid {med.size}")
        else:
            fail(f"no figure data for {o} in {datadir}")
    print(f"plot: {checked} numbers of the figures' data agree with the file")


def main():
    c, a = sys.argv[1], sys.argv[2:]
    {"point": lambda: cmd_point(a[0], a[1], a[2:]),
     "layout": lambda: cmd_layout(a[0], a[1], a[2:]),
     "same": lambda: cmd_same(a[0], a[1]),
     "ratio": lambda: cmd_ratio(*a),
     "summary": lambda: cmd_summary(*a),
     "plot": lambda: cmd_plot(*a)}[c]()


if __name__ == "__main__":
    main()
