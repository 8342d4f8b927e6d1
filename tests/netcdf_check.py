#!/usr/bin/env python3
"""What a script sees of a run's HDF5 file (README "Reading results from Python").

    python3 netcdf_check.py RUN.h5 RUN.json

RUN.h5 is a run of scenarios/gpt4.cmc with --sensitivity, --save-samples and one
--set; RUN.json its `summary --format json`. Checks:
- h5py: every string (names, units, descriptions, the source) decodes as UTF-8 with
  .asstr(), every attribute comes back as str (or an array of str); every dataset of a
  quantity that has a unit carries `units` equal to it, and every dataset a long_name;
- xarray (engine h5netcdf, no phony_dims): every group of the file opens, with the
  coordinates probability, bin and edges, checkpoint (and samples), input, sample;
- the JSON records the --set override, the seed, the design, each input's
  distribution, and the percentiles keyed by probability equal the list.
Exit 0 when all hold, 1 with the failures, 77 when h5py or xarray is missing.
"""
import json
import sys

try:
    import h5py
    import numpy as np
    import xarray as xr
except ImportError as e:   # pragma: no cover
    print("netcdf_check: needs h5py, numpy, xarray and h5netcdf (%s)" % e)
    sys.exit(77)

failures = 0
checks = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL", msg)


def ok(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)


def check_strings(f):
    def visit(name, obj):
        for k, v in obj.attrs.items():
            if k in ("DIMENSION_LIST", "REFERENCE_LIST"):
                continue
            if isinstance(v, np.ndarray):
                if v.dtype.kind == "O":
                    ok(all(isinstance(x, str) for x in v), "%s@%s: not str %r" % (name, k, v))
            elif isinstance(v, (bytes, np.bytes_)):
                # HDF5's own dimension-scale attributes (CLASS, NAME) are ASCII bytes
                ok(k in ("CLASS", "NAME"), "%s@%s comes back as bytes %r" % (name, k, v))
        if isinstance(obj, h5py.Dataset) and h5py.check_string_dtype(obj.dtype):
            info = h5py.check_string_dtype(obj.dtype)
            ok(info.encoding == "utf-8", "%s: strings stored as %s" % (name, info.encoding))
            vals = obj.asstr()[()]
            vals = [vals] if isinstance(vals, str) else list(vals)
            ok(all(isinstance(x, str) for x in vals), "%s: .asstr() gave %r" % (name, vals))
    f.visititems(visit)


def check_units(f):
    """Every dataset of a quantity with a unit: units and long_name."""
    def quantity_groups():
        for top in ("outputs", "inputs"):
            for n in f[top]:
                yield f[top][n], f[top][n].attrs["unit"]
        for v in f.get("variants", {}):
            for n in f["variants"][v]["outputs"]:
                g = f["variants"][v]["outputs"][n]
                yield g, g.attrs["unit"]
    seen = 0
    for g, unit in quantity_groups():
        for sub in ("mean", "std", "min", "max", "percentiles/value", "percentiles/ci_low",
                    "percentiles/ci_high", "histogram/edges", "histogram/bin"):
            d = g[sub]
            ok("long_name" in d.attrs, "%s has no long_name" % d.name)
            if unit:
                seen += 1
                ok(d.attrs.get("units") == unit, "%s: units %r, the quantity's %r"
                   % (d.name, d.attrs.get("units"), unit))
        for sub in ("percentiles/probability", "count", "histogram/counts"):
            ok(g[sub].attrs.get("units") == "1", "%s: units %r, want '1'"
               % (g[sub].name, g[sub].attrs.get("units")))
        if "convergence" in g:
            c = g["convergence"]
            for k in ("mean", "median", "p95", "median_ci_low"):
                ok(c[k].attrs.get("units") == unit or not unit, "%s: units" % c[k].name)
    ok(seen > 50, "only %d datasets with units" % seen)
    for out in f["sensitivity"]:
        s = f["sensitivity"][out]
        ok(s["sobol_total"].attrs.get("units") == "1", "%s/sobol_total units" % s.name)
        ok(s["swing_low"].attrs.get("units") == f["outputs"][out].attrs["unit"],
           "%s/swing_low units" % s.name)


def check_xarray(path, f):
    groups = ["/"]
    f.visititems(lambda n, o: groups.append("/" + n) if isinstance(o, h5py.Group) else None)
    want = {"percentiles": {"probability"}, "histogram": {"bin", "edges"},
            "convergence": {"checkpoint", "samples"}}
    opened = 0
    for g in groups:
        try:
            ds = xr.open_dataset(path, group=g, engine="h5netcdf")
        except Exception as e:  # noqa: BLE001 - any refusal is the failure
            fail("xarray cannot open %s: %s" % (g, e))
            continue
        opened += 1
        last = g.rsplit("/", 1)[-1]
        if last in want:
            ok(want[last] <= set(ds.coords), "%s: coordinates %s, want %s"
               % (g, sorted(ds.coords), sorted(want[last])))
        if last == "percentiles":
            p = ds["probability"].values
            ok(np.array_equal(p, f[g]["probability"][()]), "%s: probability differs" % g)
            ok(ds["value"].dims == ("probability",), "%s: value dims %s" % (g, ds["value"].dims))
            ok(ds["value"].attrs.get("units") == f[g].parent.attrs["unit"] or
               not f[g].parent.attrs["unit"], "%s: xarray sees no units" % g)
        if last == "histogram":
            ok(ds["counts"].dims == ("bin",), "%s: counts dims %s" % (g, ds["counts"].dims))
            e = ds["edges"].values
            b = ds["bin"].values
            ok(np.all((e[:-1] <= b) & (b <= e[1:])), "%s: a bin centre outside its bin" % g)
        if last == "convergence":
            ok(ds["median"].dims == ("checkpoint",), "%s: median dims" % g)
            ok(np.array_equal(ds["samples"].values, f[g]["samples"][()]), "%s: samples" % g)
        if g.startswith("/sensitivity/"):
            ok(ds["sobol_total"].dims == ("input",), "%s: sobol_total dims" % g)
            ok([str(x) for x in ds["input"].values] == list(f[g]["input"].asstr()[()]),
               "%s: input coordinate %r" % (g, ds["input"].values))
        if g == "/samples":
            ok(set(ds.dims) == {"sample"}, "/samples: dims %s" % dict(ds.sizes))
            ok(ds.sizes["sample"] == f.attrs["samples"], "/samples: %d samples" % ds.sizes["sample"])
            ok(np.array_equal(ds["co2_t"].values, f["samples/co2_t"][()]), "/samples/co2_t")
            for name in ds.data_vars:   # every saved quantity with its file's units
                kind = "outputs" if name in f["outputs"] else "inputs"
                ok(ds[name].attrs.get("units") == f[kind][name].attrs["units"] and
                   ds[name].attrs.get("long_name", "").startswith(name),
                   "/samples/%s: units %r, long_name %r" % (name, ds[name].attrs.get("units"),
                                                          ds[name].attrs.get("long_name")))
    ok(opened == len(groups) and opened > 40, "xarray opened %d of %d groups" % (opened, len(groups)))


def check_json(js, f):
    ok(js["seed"] == int(f.attrs["seed"]), "json seed")
    ok(js["design"] == "mc" and js["method"] == "monte carlo" and js["replicates"] == 1,
       "json design %r, method %r" % (js.get("design"), js.get("method")))
    ok(js["set"] == ["days = uniform(90, 95)"], "json set %r" % js.get("set"))
    ok(list(f.attrs["set"]) == js["set"], "HDF5 set %r" % f.attrs.get("set"))
    for name in f.attrs["inputs"]:
        ok(js["distributions"][name] == f["inputs"][name].attrs["distribution"],
           "json distribution of %s" % name)
        ok(js["inputs"][name]["expression"] == f["inputs"][name].attrs["distribution"],
           "json inputs.%s.expression" % name)
    ok(js["distributions"]["days"] == "uniform(90, 95)", "json: days as set")
    # each variant says which random inputs it draws as the scenario does
    for v in f.attrs["variants"]:
        g = f["variants"][v]
        ok(list(g.attrs["shared"]) == js["variants"][v]["shared"], "%s shared" % v)
        ok(list(g.attrs["changed"]) == js["variants"][v]["changed"], "%s changed" % v)
        ok(js["variants"][v]["shared"] == ["gpu_count", "load", "days", "pue"] and
           js["variants"][v]["changed"] == ["intensity"], "%s: shared %r, changed %r"
           % (v, js["variants"][v]["shared"], js["variants"][v]["changed"]))
    for kind in ("outputs", "inputs"):
        for name, s in js[kind].items():
            for q in s["percentiles"]:
                key = repr(q["p"]) if not float(q["p"]).is_integer() else str(q["p"])
                by = s["percentile"].get(key)
                ok(by is not None and by["value"] == q["value"] and by["ci_low"] == q["ci_low"]
                   and by["ci_high"] == q["ci_high"], "json %s.%s.percentile[%s]" % (kind, name, key))
    ok(js["outputs"]["co2_t"]["percentile"]["0.5"]["value"] ==
       f["outputs/co2_t/percentiles/value"][list(f["outputs/co2_t/percentiles/probability"][()]).index(0.5)],
       "json percentile['0.5'] is the file's median")


def main(argv):
    path, js_path = argv[1:3]
    f = h5py.File(path, "r")
    check_strings(f)
    check_units(f)
    check_xarray(path, f)
    check_json(json.load(open(js_path, encoding="utf-8")), f)
    print("netcdf_check: %d checks, %d failures" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
