/*
 * test_units.c: units (src/units.c) and the compiler's use of them (compile.c):
 * conversions by UDUNITS-2 and carbonmc's additions (CO2e, FLOP, Wh, kt), the
 * factors folded into the program and listed for `check`, dimension inference,
 * ranges and their exact probability outside, and --unit on a run's results.
 */
#include "check.h"
#include "carbonmc.h"
#include "units.h"

#include <pthread.h>
#include <stdlib.h>

static double factor(const char *a, const char *b)
{
    char msg[256];
    return cmc_unit_convert_factor(a, b, msg, sizeof msg);
}

static void conversions(void)
{
    CHECK_REL(factor("W", "kW"), 1e-3, 1e-15);
    CHECK_REL(factor("kW", "W"), 1e3, 1e-15);
    CHECK_REL(factor("g", "t"), 1e-6, 1e-15);
    CHECK_REL(factor("tCO2e", "gCO2e"), 1e6, 1e-15);
    CHECK_REL(factor("MtCO2eq", "tCO2e"), 1e6, 1e-15);
    CHECK_REL(factor("day", "h"), 24, 1e-15);
    CHECK_REL(factor("kWh", "J"), 3.6e6, 1e-15);
    CHECK_REL(factor("GWh", "kWh"), 1e6, 1e-15);
    CHECK_REL(factor("kW*day", "kWh"), 24, 1e-15);
    CHECK_REL(factor("FLOP/s*s", "FLOP"), 1, 1e-15);
    CHECK_REL(factor("kgCO2e/kWh", "gCO2e/kWh"), 1000, 1e-15);
    CHECK_REL(factor("%", ""), 0.01, 1e-15);
    CHECK_REL(factor("GPU-h", "h"), 1, 1e-15);
    CHECK_REL(factor("kt", "t"), 1000, 1e-15);       /* kilotonne, not knot */
    CHECK_REL(factor("tCO2e", "kt"), 1e-3, 1e-15);   /* a mass for a CO2e quantity */
    /* gCO2e/kWh is not g/kWh; W is not Wh; offsets are not factors */
    char msg[256];
    CHECK(cmc_unit_convert_factor("g/kWh", "gCO2e/kWh", msg, sizeof msg) == 0);
    CHECK(strstr(msg, "not commensurable") != NULL);
    CHECK(factor("W", "Wh") == 0);
    CHECK(factor("degC", "K") == 0);
    CHECK(cmc_unit_convert_factor("kwh", "J", msg, sizeof msg) == 0);
    CHECK_MSG(strstr(msg, "did you mean 'kWh'") != NULL, "%s", msg);
}

static cmc_model *load(const char *text, const char **sets, size_t nsets, cmc_diags *d)
{
    cmc_load_options o = {sets, nsets, NULL, 0, NULL};
    return cmc_model_load_string("units.cmc", text, &o, d);
}

static const cmc_quantity *find(const cmc_model *m, cmc_qkind k, const char *name)
{
    for (size_t i = 0; i < cmc_model_count(m, k); i++)
        if (!strcmp(cmc_model_get(m, k, i)->name, name))
            return cmc_model_get(m, k, i);
    return NULL;
}

static const char *first(const cmc_diags *d, cmc_severity sev)
{
    for (size_t i = 0; i < cmc_diags_count(d); i++)
        if (cmc_diags_get(d, i)->severity == sev)
            return cmc_diags_get(d, i)->msg;
    return "";
}

/* The factor of the conversion listed for name, 0 if none. */
static double listed(const cmc_model *m, const char *name, const char *from, const char *to)
{
    for (size_t i = 0; i < cmc_model_nconversions(m); i++) {
        const cmc_conversion *c = cmc_model_conversion(m, i);
        if (!strcmp(c->name, name) && !strcmp(c->from, from) && !strcmp(c->to, to))
            return c->factor;
    }
    return 0;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void compiled(void)
{
    cmc_diags *d = cmc_diags_new();
    /* the shape of models/server_power.cmc: kW x day declared kWh is x24, once;
       gCO2e to tCO2e x1e-6; folded into the program */
    const char *text = "input kw [kW]\ninput days [day]\ninput intensity [gCO2e/kWh]\n"
                       "kw = 6.5\ndays = uniform(90, 100)\nintensity = 400\n"
                       "energy = kw * days\nco2 = energy * intensity\n"
                       "output energy [kWh]\noutput co2 [tCO2e]\n";
    cmc_model *m = load(text, NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first(d, CMC_ERROR));
    if (m) {
        CHECK_REL(find(m, CMC_OUTPUT, "energy")->point, 6.5 * 95 * 24, 1e-14);
        CHECK_REL(find(m, CMC_OUTPUT, "co2")->point, 6.5 * 95 * 24 * 400 / 1e6, 1e-14);
        CHECK_REL(listed(m, "energy", "kW*day", "kWh"), 24, 0);
        CHECK_REL(listed(m, "co2", "gCO2e", "tCO2e"), 1e-6, 1e-15);
        CHECK(cmc_model_nconversions(m) == 2);
        /* one multiplication per conversion, nothing else: mul, mul 24, mul, mul 1e-6 */
        const char *prog = cmc_model_program_text(m);
        CHECK_MSG(strstr(prog, "24") && strstr(prog, "1e-06"), "%s", prog);
        CHECK(cmc_diags_count(d) == 0);
    }
    cmc_model_free(m);

    /* a value given in kW to an input in W: x1000, in the distribution itself (no
       extra operation), and the same result as the value in W */
    const char *w = "input host_w [W]\noutput y [W] = host_w * 2\n";
    char buf[256];
    const char *s1[] = {"host_w = 150 to 400"}, *s2[] = {"host_w = 0.15 to 0.4 [kW]"};
    cmc_model *a = load(w, s1, 1, d), *b = load(w, s2, 1, d);
    CHECK(a && b);
    if (a && b) {
        CHECK_REL(find(b, CMC_OUTPUT, "y")->point, find(a, CMC_OUTPUT, "y")->point, 1e-12);
        CHECK_STR(find(b, CMC_RANDOM, "host_w")->unit, "W");
        CHECK_REL(listed(b, "host_w", "kW", "W"), 1000, 0);
        /* the same program: a draw and one multiplication, no conversion op */
        snprintf(buf, sizeof buf, "%s", cmc_model_program_text(b));
        CHECK_MSG(strstr(buf, "mul   s0, 2") && !strstr(buf, "1000") &&
                      lines(buf) == 2 && lines(cmc_model_program_text(a)) == 2,
                  "%s", buf);
    }
    cmc_model_free(a);
    cmc_model_free(b);

    /* --set with a unit: 0.4 kgCO2e/kWh is 400 gCO2e/kWh */
    const char *s3[] = {"intensity = 0.4 [kgCO2e/kWh]"};
    m = load("input intensity [gCO2e/kWh]\noutput intensity\n", s3, 1, d);
    CHECK(m && fabs(find(m, CMC_CONSTANT, "intensity")->point - 400) < 1e-12);
    cmc_model_free(m);

    /* FLOP / (FLOP/s) = s; to h */
    m = load("f = 3.6e18 [FLOP]\nr = 1e15 [FLOP/s]\noutput t [h] = f / r\n", NULL, 0, d);
    CHECK(m && fabs(find(m, CMC_OUTPUT, "t")->point - 1) < 1e-12);
    cmc_model_free(m);

    /* kWh <-> J, g <-> t, percent to a fraction, an explicit 24 [h/day] */
    m = load("output j [J] = 2 [kWh]\noutput t [t] = 5e5 [g]\ninput load\nload = 85 [%]\n"
             "output load\noutput e [kWh] = 2 [kW] * 3 [day] * 24 [h/day]\n", NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first(d, CMC_ERROR));
    if (m) {
        CHECK_REL(find(m, CMC_OUTPUT, "j")->point, 7.2e6, 1e-15);
        CHECK_REL(find(m, CMC_OUTPUT, "t")->point, 0.5, 1e-15);
        CHECK_REL(find(m, CMC_OUTPUT, "load")->point, 0.85, 1e-15);
        CHECK_REL(find(m, CMC_OUTPUT, "e")->point, 144, 1e-15);
    }
    cmc_model_free(m);

    /* a plain redefinition of a name whose replaced definition declares a unit is
       in that unit (a scenario's `gpu_hours = 1000` for a model's `gpu_hours [h]`) */
    const char *s4[] = {"hours = 1000"};
    m = load("input n\ninput d [day]\nn = 2\nd = 3\nhours [h] = n * d\n"
             "output e [kWh] = hours * 1 [kW]\n", s4, 1, d);
    CHECK_MSG(m != NULL, "%s", first(d, CMC_ERROR));
    CHECK(m && find(m, CMC_OUTPUT, "e")->point == 1000);
    cmc_model_free(m);

    /* a plain 0 goes with any unit; other plain numbers do not */
    m = load("x = 3 [kW]\noutput a = max(0, x)\noutput b = clamp(0, 1 [W], 2 [kW])\n"
             "output c = if(x > 0, x, 0)\noutput e = 0 - x\n", NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first(d, CMC_ERROR));
    if (m) {
        CHECK_STR(find(m, CMC_OUTPUT, "a")->unit, "kW");
        CHECK_STR(find(m, CMC_OUTPUT, "b")->unit, "W");
        CHECK_REL(find(m, CMC_OUTPUT, "b")->point, 1, 1e-15);
        CHECK_STR(find(m, CMC_OUTPUT, "c")->unit, "kW");
        CHECK_STR(find(m, CMC_OUTPUT, "e")->unit, "kW");
        CHECK_REL(find(m, CMC_OUTPUT, "e")->point, -3, 1e-15);
    }
    cmc_model_free(m);
    cmc_diags_free(d);
    d = cmc_diags_new();
    m = load("x = 3 [kW]\noutput a = max(1, x)\n", NULL, 0, d);
    CHECK(m == NULL && strstr(first(d, CMC_ERROR), "max: cannot compare a plain number with kW"));
    cmc_diags_free(d);
    d = cmc_diags_new();

    /* the text of inferred units: labels cancel, powers collect */
    m = load("output a = 2 [kW] * 3 [day]\noutput b = a / (1 [day])\n"
             "output c = (3 [m]) ^ 2 * 2 [m]\noutput d = 1 / (2 [h])\n"
             "output e = 4 [kWh] * 2 [gCO2e/kWh]\noutput f = 1 [W] / (2 [h] * 3 [m])\n"
             "output g = 2 [h] / (4 [h])\n", NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first(d, CMC_ERROR));
    if (m) {
        CHECK_STR(find(m, CMC_OUTPUT, "a")->unit, "kW*day");
        CHECK_STR(find(m, CMC_OUTPUT, "b")->unit, "kW");
        CHECK_STR(find(m, CMC_OUTPUT, "c")->unit, "m^3");
        CHECK_STR(find(m, CMC_OUTPUT, "d")->unit, "1/h");
        CHECK_STR(find(m, CMC_OUTPUT, "e")->unit, "gCO2e");
        CHECK_STR(find(m, CMC_OUTPUT, "f")->unit, "W/(h*m)");
        CHECK_STR(find(m, CMC_OUTPUT, "g")->unit, "");
        CHECK_REL(find(m, CMC_OUTPUT, "c")->point, 18, 1e-15);
        /* every inferred text is itself a unit UDUNITS reads, the same unit */
        CHECK_REL(factor("W/(h*m)", "W*h^-1*m^-1"), 1, 1e-15);
        CHECK_REL(factor("m^3", "m3"), 1, 1e-15);
    }
    cmc_model_free(m);

    /* the hazard: a plain 24 beside a day -> h conversion is a warning, and
       writing it with its unit is not */
    m = load("input d [day]\nd = 2\noutput e [h] = d * 24\n", NULL, 0, d);
    CHECK(m != NULL && strstr(first(d, CMC_WARNING), "plain number 24") != NULL);
    cmc_model_free(m);
    cmc_diags_free(d);
    d = cmc_diags_new();
    /* and a divisor equal to the reciprocal of an inserted factor (g -> t x1e-6) */
    m = load("e = 2 [kWh]\ni = 400 [gCO2e/kWh]\noutput co2 [tCO2e] = e * i / 1e6\n", NULL, 0, d);
    CHECK(m != NULL && strstr(first(d, CMC_WARNING), "plain number 1e6 equals the factor "
                                                    "gCO2e -> tCO2e (x1e-06)") != NULL);
    cmc_model_free(m);
    cmc_diags_free(d);
    d = cmc_diags_new();
    m = load("input d [day]\nd = 2\noutput e [h] = d\n", NULL, 0, d);
    CHECK(m != NULL && cmc_diags_count(d) == 0);
    CHECK(m && find(m, CMC_OUTPUT, "e")->point == 48);
    cmc_model_free(m);
    cmc_diags_free(d);
}

/* A range: the exact probability outside, and the run's share of draws outside
   agrees with it within the binomial standard error. */
static void ranges(void)
{
    cmc_diags *d = cmc_diags_new();
    const char *text = "input pue in 1 to 3\npue = normal(1.1, 0.5)\noutput pue\n";
    cmc_model *m = load(text, NULL, 0, d);
    CHECK(m != NULL);
    CHECK(strstr(first(d, CMC_WARNING), "42.1%") != NULL);
    if (m) {
        const cmc_quantity *q = find(m, CMC_RANDOM, "pue");
        /* P(X < 1) + P(X > 3) for N(1.1, 0.5): Phi(-0.2) + Phi(-3.8) */
        double want = 0.5 * erfc(0.2 / sqrt(2)) + 0.5 * erfc(3.8 / sqrt(2));
        CHECK_REL(q->outside, want, 1e-9);
        cmc_run_options o = {0};
        o.samples = 200000;
        o.seed = 7;
        o.percentiles = (const double[]){0.4207, 0.5};
        o.npercentiles = 2;
        cmc_results *r = cmc_run(m, &o, d);
        CHECK(r != NULL);
        if (r) {
            /* the draws below 1: the CDF of the stored sample at 1 from the
               percentile 0.4207 (P(X < 1) = 0.42074) lies within 4 se of 1 */
            double se = sqrt(want * (1 - want) / 2e5);
            CHECK(r->inputs[0].has_range && r->inputs[0].outside == q->outside);
            CHECK(fabs(r->inputs[0].value[0] - 1) < 4 * se / 0.39 / 2);
            char msg[256];
            CHECK(cmc_results_convert_unit(r, "pue", "%", msg, sizeof msg) == 0);
            CHECK_REL(r->inputs[0].value[1], 110, 1e-2);   /* the input and the output */
            CHECK_REL(r->outputs[0].value[1], 110, 1e-2);
            CHECK_STR(r->outputs[0].unit, "%");
            CHECK(cmc_results_convert_unit(r, "pue", "W", msg, sizeof msg) < 0);
            CHECK(cmc_results_convert_unit(r, "nope", "W", msg, sizeof msg) < 0);
        }
        cmc_results_free(r);
    }
    cmc_model_free(m);
    cmc_diags_free(d);
}

/* An input defined by an expression of random inputs: its point value is checked. */
static void derived_range(void)
{
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = load("input p in 1 to 3\nx = uniform(0.5, 0.9)\np = x * 1\noutput p\n",
                        NULL, 0, d);
    CHECK(m != NULL && strstr(first(d, CMC_WARNING), "p = 0.7 at the point estimate") != NULL);
    cmc_model_free(m);
    cmc_diags_free(d);
    d = cmc_diags_new();
    m = load("input p in 1 to 3\nx = uniform(1.5, 1.9)\np = x * 1\noutput p\n", NULL, 0, d);
    CHECK(m != NULL && cmc_diags_count(d) == 0);
    cmc_model_free(m);
    cmc_diags_free(d);
}

/* Models loaded from several threads at once (a sweep's workers do): UDUNITS-2's
   parser is not reentrant, so units.c serialises it. Before it did, this crashed in
   utlex within a few loads. Each thread checks its own loads; main checks them all. */
#define LOADERS 4
#define LOADS 100
static void *loader(void *arg)
{
    int *bad = arg;
    for (int i = 0; i < LOADS; i++) {
        cmc_diags *d = cmc_diags_new();
        cmc_model *m = load("gpu_w = 150 to 400 [W]\nhours = 1e5 [GPU*h]\n"
                            "pue = 1.1 to 1.3\nintensity = 0.2 to 0.5 [kgCO2e/kWh]\n"
                            "output e [MWh] = gpu_w * hours * pue\n"
                            "output co2 [tCO2e] = e * intensity\n", NULL, 0, d);
        const cmc_quantity *q = m ? find(m, CMC_OUTPUT, "co2") : NULL;
        if (!q || cmc_diags_count(d) != 0)
            (*bad)++;
        cmc_model_free(m);
        cmc_diags_free(d);
    }
    return NULL;
}

static void threads(void)
{
    pthread_t t[LOADERS];
    int bad[LOADERS] = {0};
    for (int i = 0; i < LOADERS; i++)
        CHECK(pthread_create(&t[i], NULL, loader, &bad[i]) == 0);
    for (int i = 0; i < LOADERS; i++) {
        pthread_join(t[i], NULL);
        CHECK(bad[i] == 0);
    }
}

/* A distribution's parameters converted alike are one listed conversion (check
   printed one line per parameter before); two definitions keep one each. */
static void listed_once(void)
{
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = load("input p [kW] in 0 to 10\ninput q [kW] in 0 to 10\n"
                        "p = triangular(150, 300, 400) [W]\nq = 200 to 300 [W]\n"
                        "output e [kWh] = (p + q) * 2 [h]\n", NULL, 0, d);
    CHECK(m != NULL);
    size_t np = 0, nq = 0;
    for (size_t i = 0; m && i < cmc_model_nconversions(m); i++) {
        const cmc_conversion *c = cmc_model_conversion(m, i);
        np += !strcmp(c->name, "p");
        nq += !strcmp(c->name, "q");
    }
    CHECK(np == 1 && nq == 1);
    CHECK_REL(listed(m, "p", "W", "kW"), 1e-3, 1e-15);
    CHECK_REL(listed(m, "q", "W", "kW"), 1e-3, 1e-15);
    cmc_model_free(m);
    cmc_diags_free(d);
}

int main(void)
{
    conversions();
    listed_once();
    threads();
    compiled();
    ranges();
    derived_range();
    return CHECK_DONE();
}
