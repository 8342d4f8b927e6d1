#!/usr/bin/python3
"""The review of the golden JSON summary, kept as a check: run by tests/summaries.sh on
the golden file (and, with --update, on the new one before it replaces it), so that a
regenerated golden with a broken number cannot be committed by accident. Exact
byte-for-byte comparison is the shell script's; this file says what must hold whatever
the bytes are, for tests/summaries/golden.cmc:

- every statistics block (outputs, inputs, each variant's outputs, each paired
  difference and ratio): N samples, no non-finite ones, min <= P0.5 <= ... <= P99.5 <=
  max, each percentile inside its own interval, interval ends ordered along p, the
  mean inside [min, max] and its standard error std / sqrt(N);
- each sensitivity measure inside its interval; the swing's ends around the base;
- the variants are compared with `base`, the scenario as written (its numbers are
  "outputs"); `mixed` changes only the grid, so its energy is base's, the difference 0
  and the ratio 1 in every sample, and its CO2 ratio takes only 0.75, 1 and 1.25;
  P(mixed > base) for CO2 is about 1/3 (within 4 standard errors) with Wilson's
  interval around it; `cool` lowers the PUE at every level, so P(cool > base) = 0,
  whose Wilson upper end is z^2 / (N + z^2).
usage: check.py SUMMARY.json
"""
import json
import math
import sys

Z = 1.959963984540054
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


def block(name, b, n):
    check(b["count"] == n and b["nonfinite"] == 0, "%s: count %s" % (name, b["count"]))
    ps = b["percentiles"]
    check([q["p"] for q in ps] == sorted(q["p"] for q in ps), "%s: p not sorted" % name)
    vals = [b["min"]] + [q["value"] for q in ps] + [b["max"]]
    check(vals == sorted(vals), "%s: min, percentiles, max not ordered" % name)
    for q in ps:
        check(q["ci_low"] <= q["value"] <= q["ci_high"],
              "%s P%g: %g outside [%g, %g]" % (name, 100 * q["p"], q["value"], q["ci_low"],
                                              q["ci_high"]))
    for end in ("ci_low", "ci_high"):
        e = [q[end] for q in ps]
        check(e == sorted(e), "%s: %s not ordered along p" % (name, end))
    check(b["min"] <= b["mean"] <= b["max"], "%s: mean outside [min, max]" % name)
    check(math.isclose(b["mean_se"], b["std"] / math.sqrt(n), rel_tol=1e-9, abs_tol=1e-300),
          "%s: mean_se %g is not std / sqrt(N)" % (name, b["mean_se"]))


def main():
    d = json.load(open(sys.argv[1]))
    n = d["samples"]
    check(d["seed"] == 17 and n == 4096, "seed and N are not those of tests/summaries.sh")
    for kind in ("outputs", "inputs"):
        for k, b in d[kind].items():
            block("%s %s" % (kind, k), b, n)
    check(d["outputs"]["energy_kwh"]["unit"] == "kWh" and d["outputs"]["co2_t"]["unit"] == "tCO2e",
          "output units")
    check(d["inputs"]["days"]["unit"] == "day", "the unit of days")
    for out, s in d["sensitivity"].items():
        for i, name in enumerate(s["input"]):
            for m in ("spearman", "logvar_share", "sobol_first", "sobol_total"):
                check(s[m + "_ci_low"][i] <= s[m][i] <= s[m + "_ci_high"][i],
                      "%s %s %s outside its interval" % (out, name, m))
            # every input raises both outputs
            check(s["swing_low"][i] < s["swing_base"] < s["swing_high"][i],
                  "%s %s swing not around the base" % (out, name))
    v = d["variants"]
    check(d["variant_reference"] == "base", "variant_reference %s" % d["variant_reference"])
    check(list(v) == ["mixed", "cool"], "variants %s" % list(v))
    for name, var in v.items():
        for out, b in var["outputs"].items():
            block("variant %s %s" % (name, out), b, n)
        for out, pr in var.get("paired", {}).items():
            check(pr["reference"] == "base", "%s %s: reference" % (name, out))
            for part in ("difference", "ratio"):
                block("%s %s %s" % (name, out, part), pr[part], n)
            check(pr["p_greater_ci_low"] <= pr["p_greater"] <= pr["p_greater_ci_high"],
                  "%s %s: P(greater) outside Wilson's interval" % (name, out))
    for name, var in v.items():
        check(set(var["paired"]) == set(d["outputs"]), "%s is not compared with base" % name)
    mixed = v["mixed"]
    check(mixed["changed"] == ["intensity"], "mixed changes %s" % mixed["changed"])
    check(mixed["outputs"]["energy_kwh"] == d["outputs"]["energy_kwh"],
          "mixed's energy is not base's")
    pe = mixed["paired"]["energy_kwh"]
    check(pe["difference"]["min"] == 0 == pe["difference"]["max"], "mixed - base energy not 0")
    check(pe["ratio"]["min"] == 1 == pe["ratio"]["max"], "mixed / base energy not 1")
    check(pe["p_greater"] == 0, "P(mixed > base) energy: ties counted as greater")
    pc = mixed["paired"]["co2_t"]
    ratios = {round(q["value"], 12) for q in pc["ratio"]["percentiles"]}
    check(ratios <= {0.75, 1.0, 1.25}, "mixed / base CO2 takes %s" % sorted(ratios))
    se = math.sqrt(2 / 9 / n)
    check(abs(pc["p_greater"] - 1 / 3) < 4 * se, "P(mixed > base) CO2 %g, not 1/3" % pc["p_greater"])
    for out, pr in v["cool"]["paired"].items():
        check(pr["p_greater"] == 0 and pr["p_greater_ci_low"] == 0, "P(cool > base) %s" % out)
        check(math.isclose(pr["p_greater_ci_high"], Z * Z / (n + Z * Z), rel_tol=1e-9),
              "Wilson's upper end for 0 of N: %s" % pr["p_greater_ci_high"])
        check(pr["difference"]["max"] < 0, "cool - base not negative in every sample")
    for f in fails:
        print("FAIL", f)
    print("%d failed" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
