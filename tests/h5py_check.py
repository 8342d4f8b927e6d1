"""h5py_check.py: the HDF5 layout of DESIGN section 4 as a Python user sees it.

tests/test_h5.c writes a file from a synthetic cmc_results and runs
    python3 h5py_check.py FILE N        check FILE (N samples per /samples dataset)
The values below must match that test's table. The other modes make files the
reader has to reject:
    --foreign FILE   an HDF5 file that is not a carbonmc file
    --foreign-int FILE   one whose format attribute is a number
    --newer FILE     a carbonmc file from a future format version
    --break FILE     delete /outputs/co2_t/mean from an existing carbonmc file
    --empty FILE     check a file written with no outputs and no inputs
Exit status 0 when every assertion holds, 1 when one fails, 77 without h5py/numpy.
"""
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:  # pragma: no cover
    print("h5py_check.py: needs h5py and numpy:", e, file=sys.stderr)
    sys.exit(77)

P = [0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.995]
TITLE = "GPT-4 training \u2014 \u201cleaked\u201d inputs \u2713"
SOURCE = ('title "GPT-4 training \u2014 \u201cleaked\u201d inputs \u2713"\n'
          'use "server_power"\n'
          'gpu_count = 20k to 30k\t# 90% interval\n'
          'days = uniform(90, 100)\n')
SEED = 18446744073709551557  # largest 64-bit prime: checks all 64 bits
SAMPLES = 1000000

# name: (description, unit, expression, base, percentiles?, bins, log_bins, nonfinite)
OUTPUTS = {
    "energy_kwh": ("\u00e9lectricit\u00e9 d'entra\u00eenement \u2014 facility kWh \u2713",
                   "kWh", "servers * server_kw * load * days * 24 * pue",
                   51772500.0, True, 40, 0, 0),
    "co2_t": ("training emissions", "t CO2e", "energy_kwh * intensity / 1e6",
              12456.4635, True, 50, 1, 17),
}
INPUTS = {
    "gpu_count": ("accelerators in the run", "", "20k to 30k", 24494.9, True, 30, 1, 0),
    "days": ("wall-clock training time", "d", "uniform(90, 100)", 95.0, True, 20, 0, 0),
    "load.1": ("", "", "beta(8, 2)", 0.8, False, 0, 0, 0),
}
SAMPLE_NAMES = ["energy_kwh", "co2_t", "gpu_count"]
UNWRITTEN = 10  # the last samples of gpu_count are never written: they read as NaN


def fail(msg):
    print("h5py_check.py: " + msg, file=sys.stderr)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def is_str_attr(v):
    return isinstance(v, str)


def check_stat(g, where, spec, is_input):
    desc, unit, expr, base, has_p, bins, log_bins, nonfinite = spec
    for k, want in (("description", desc), ("expression", expr), ("unit", unit)):
        v = g.attrs[k]
        expect(is_str_attr(v), "%s attr %s is %r, not str" % (where, k, type(v)))
        expect(v == want, "%s attr %s = %r, want %r" % (where, k, v, want))
    if is_input:
        expect(g.attrs["distribution"] == expr, where + " distribution")
    else:
        expect("distribution" not in g.attrs, where + " has a distribution attr")
    n = len(P) if has_p else 0
    pg = g["percentiles"]
    for d in ("probability", "value", "ci_low", "ci_high"):
        ds = pg[d]
        expect(ds.dtype == np.float64 and ds.shape == (n,),
               "%s/percentiles/%s is %s %s" % (where, d, ds.dtype, ds.shape))
    # netCDF-4 conventions: probability is the coordinate of the percentiles, every
    # dataset says what it is and, where it has one, its unit
    expect(pg["probability"].attrs["CLASS"] == b"DIMENSION_SCALE", where + " probability scale")
    for d in ("value", "ci_low", "ci_high"):
        expect(pg[d].dims[0][0] == pg["probability"], "%s/%s not on probability" % (where, d))
        expect(pg[d].attrs.get("units", "") == unit, "%s/%s units %r" % (where, d, pg[d].attrs.get("units")))
        expect(is_str_attr(pg[d].attrs["long_name"]), "%s/%s long_name" % (where, d))
    expect(g["mean"].attrs.get("units", "") == unit, where + "/mean units")
    expect(g["count"].attrs["units"] == "1", where + "/count units")
    if has_p:
        expect(list(pg["probability"][()]) == P, where + " probabilities")
        want = [base * (1 + k / 3.0) for k in range(n)]
        expect(list(pg["value"][()]) == want, where + " percentile values")
    for d in ("mean", "std", "mean_se", "min", "max"):
        ds = g[d]
        expect(ds.dtype == np.float64 and ds.shape == (),
               "%s/%s is %s %s" % (where, d, ds.dtype, ds.shape))
    expect(g["mean"][()] == base * 1.1, where + " mean")
    for d, want in (("nonfinite", nonfinite), ("count", SAMPLES - nonfinite)):
        ds = g[d]
        expect(ds.dtype == np.uint64 and ds.shape == (),
               "%s/%s is %s %s" % (where, d, ds.dtype, ds.shape))
        expect(int(ds[()]) == want, "%s/%s = %d, want %d" % (where, d, ds[()], want))
    h = g["histogram"]
    edges, counts = h["edges"], h["counts"]
    expect(edges.dtype == np.float64 and edges.shape == ((bins + 1,) if bins else (0,)),
           "%s/histogram/edges is %s %s" % (where, edges.dtype, edges.shape))
    expect(counts.dtype == np.uint64 and counts.shape == (bins,),
           "%s/histogram/counts is %s %s" % (where, counts.dtype, counts.shape))
    if bins:
        expect(int(counts[0]) == 5000000000, where + " counts[0]")
        e = edges[()]
        expect(np.all(np.diff(e) > 0), where + " edges increase")
        if log_bins:
            r = e[1:] / e[:-1]
            expect(np.allclose(r, r[0], rtol=1e-9), where + " log edges")
        else:
            expect(np.allclose(np.diff(e), e[1] - e[0], rtol=1e-9), where + " linear edges")
    for k, want in (("underflow", 3), ("overflow", 1 << 40)):
        v = h.attrs[k]
        expect(v.dtype == np.uint64 and int(v) == want, "%s/histogram %s" % (where, k))
    v = h.attrs["log_bins"]
    expect(v.dtype == np.int32 and int(v) == log_bins, where + " log_bins")


def check(path, n):
    with h5py.File(path, "r") as f:
        a = f.attrs
        for k, want in (("format", "carbonmc/1"), ("tool_version", "0.1.0-test"),
                        ("created", "2024-09-17T12:34:56Z"), ("title", TITLE),
                        ("method", "monte carlo"), ("rng", "philox4x32-10")):
            expect(is_str_attr(a[k]), "attr %s is %r, not str" % (k, type(a[k])))
            expect(a[k] == want, "attr %s = %r, want %r" % (k, a[k], want))
        for k, want in (("seed", SEED), ("samples", SAMPLES)):
            expect(a[k].dtype == np.uint64 and int(a[k]) == want, "attr " + k)
        for k, want in (("outputs", list(OUTPUTS)), ("inputs", list(INPUTS))):
            v = [x for x in a[k]]
            expect(all(isinstance(x, str) for x in v), "attr %s holds %r" % (k, v))
            expect(v == want, "attr %s = %r, want %r" % (k, v, want))
        expect(list(a)[:8] == ["format", "tool_version", "created", "title", "seed",
                               "samples", "method", "rng"], "root attrs order %r" % list(a))
        # creation order is tracked, so h5py lists members in the run's order (h5py
        # 3.7 reads the root group's order from the file creation properties, which
        # do not report it, so the root lists alphabetically)
        expect(sorted(f) == ["inputs", "outputs", "sample", "samples", "scenario"],
               "root members %r" % list(f))
        # /sample: the netCDF dimension of the sample datasets, a dimension scale that
        # is not a variable and takes no space in the file
        d = f["sample"]
        expect(d.shape == (n,) and d.id.get_storage_size() == 0, "/sample %r" % (d.shape,))
        expect(b"not a netCDF variable" in d.attrs["NAME"], "/sample NAME %r" % d.attrs["NAME"])
        expect(all(f["samples"][k].dims[0][0] == d for k in f["samples"]),
               "a /samples dataset without the dimension /sample")
        expect(list(a["set"]) == [], "attr set %r" % a["set"])
        expect(list(f["outputs"]) == list(OUTPUTS), "outputs order %r" % list(f["outputs"]))
        expect(list(f["inputs"]) == list(INPUTS), "inputs order %r" % list(f["inputs"]))

        src = f["scenario/source"]
        info = h5py.check_string_dtype(src.dtype)
        expect(info is not None and info.encoding == "utf-8" and info.length is None,
               "source dtype %r" % (info,))
        expect(src.shape == (), "source shape %r" % (src.shape,))
        expect(src.asstr()[()] == SOURCE, "source text %r" % src.asstr()[()])

        for kind, table in (("outputs", OUTPUTS), ("inputs", INPUTS)):
            for name, spec in table.items():
                check_stat(f[kind][name], "/%s/%s" % (kind, name), spec, kind == "inputs")

        s = f["samples"]
        expect(list(s) == SAMPLE_NAMES, "samples order %r" % list(s))
        i = np.arange(n, dtype=np.float64)
        for v, name in enumerate(SAMPLE_NAMES):
            ds = s[name]
            expect(ds.dtype == np.float64 and ds.shape == (n,),
                   "/samples/%s is %s %s" % (name, ds.dtype, ds.shape))
            expect(ds.chunks == (min(65536, n),), "/samples/%s chunks %r" % (name, ds.chunks))
            expect(ds.compression == "gzip" and ds.shuffle,
                   "/samples/%s compression %r" % (name, ds.compression))
            want = (v + 1) * 1e6 + i * 0.25 + (i % 7) / 8.0
            got = ds[()]
            if name == "gpu_count":
                expect(np.all(np.isnan(got[n - UNWRITTEN:])), "unwritten samples are not NaN")
                got, want = got[:n - UNWRITTEN], want[:n - UNWRITTEN]
            bad = np.nonzero(got != want)[0]
            expect(bad.size == 0, "/samples/%s differs at %s" % (name, bad[:5]))


def check_empty(path):
    with h5py.File(path, "r") as f:
        for k in ("outputs", "inputs"):
            v = f.attrs[k]
            expect(v.shape == (0,), "empty attr %s is %r" % (k, v))
            expect(len(f[k]) == 0, "group %s not empty" % k)
        expect("samples" not in f, "unexpected /samples")
        expect(f["scenario/source"].asstr()[()] == "", "empty source")


def main(argv):
    if len(argv) == 3 and argv[1] == "--foreign":
        with h5py.File(argv[2], "w") as f:
            f["data"] = np.arange(10.0)
            f.attrs["title"] = "not ours"
    elif len(argv) == 3 and argv[1] == "--foreign-int":
        with h5py.File(argv[2], "w") as f:
            f.attrs["format"] = np.int32(1)
    elif len(argv) == 3 and argv[1] == "--newer":
        with h5py.File(argv[2], "w") as f:
            f.attrs["format"] = "carbonmc/2"
    elif len(argv) == 3 and argv[1] == "--break":
        with h5py.File(argv[2], "r+") as f:
            del f["outputs/co2_t/mean"]
    elif len(argv) == 3 and argv[1] == "--empty":
        check_empty(argv[2])
    elif len(argv) == 3:
        check(argv[1], int(argv[2]))
    else:
        fail("usage: h5py_check.py FILE N | --foreign|--foreign-int|--newer|--break|--empty FILE")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
