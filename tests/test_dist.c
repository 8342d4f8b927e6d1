/*
 * test_dist.c: the distribution table against independent closed forms.
 *
 * Every row is looked up by name; every parameter rule rejects bad input with the
 * right argument index and message and accepts the boundary cases; quantile and
 * CDF invert each other to 1e-12 for every continuous kind; and the values are
 * compared with formulas written out here (medians, percentiles, binomial sums for
 * integer beta CDFs, truncated-distribution means), not with the code under test.
 * Discrete, mixed and truncated distributions are checked at their jumps, where
 * the generalised inverse min{x : F(x) >= u} is easiest to get wrong.
 */
#include "check.h"
#include "dist.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <stdlib.h>

#define LEN(...) (int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double))
#define PARAMS(...) (const double[]){__VA_ARGS__}, LEN(__VA_ARGS__)

static const double levels[] = {1e-9, 1e-4, 0.01, 0.05, 0.1, 0.25, 0.3, 0.5,
                                0.6, 0.77, 0.9, 0.95, 0.99, 0.9999, 1 - 1e-9};
#define NLEVELS (sizeof levels / sizeof levels[0])

static cmc_dist *make(int line, const char *name, const double *p, int np)
{
    cmc_dist_error e;
    cmc_dist *d = cmc_dist_new(cmc_dist_lookup(name), p, np, &e);
    CHECK_MSG(d != NULL, "line %d: %s rejected: %s", line, name, e.msg);
    return d;
}
#define MK(name, ...) make(__LINE__, name, PARAMS(__VA_ARGS__))

static void reject(int line, const char *name, const double *p, int np, int want_bad,
                   const char *want_msg)
{
    cmc_dist_error e;
    cmc_dist *d = cmc_dist_new(cmc_dist_lookup(name), p, np, &e);
    CHECK_MSG(d == NULL, "line %d: %s accepted", line, name);
    CHECK_MSG(e.bad == want_bad, "line %d: bad = %d, want %d", line, e.bad, want_bad);
    CHECK_MSG(e.bad_is_weight == 0, "line %d: bad_is_weight set", line);
    CHECK_MSG(strcmp(e.msg, want_msg) == 0, "line %d: \"%s\", want \"%s\"", line, e.msg,
              want_msg);
    cmc_dist_free(d);
}
#define REJECT(bad, msg, name, ...) reject(__LINE__, name, PARAMS(__VA_ARGS__), bad, msg)

static void check_error(int line, const cmc_dist *d, const cmc_dist_error *e, int bad,
                        int is_weight, const char *msg)
{
    CHECK_MSG(d == NULL, "line %d: accepted", line);
    CHECK_MSG(e->bad == bad, "line %d: bad = %d, want %d", line, e->bad, bad);
    CHECK_MSG(e->bad_is_weight == is_weight, "line %d: bad_is_weight = %d", line,
              e->bad_is_weight);
    CHECK_MSG(strcmp(e->msg, msg) == 0, "line %d: \"%s\", want \"%s\"", line, e->msg, msg);
}
#define CHECK_ERROR(d, e, bad, w, msg) check_error(__LINE__, d, &(e), bad, w, msg)

static cmc_dist *choice(const double *v, const double *w, size_t n)
{
    cmc_dist_error e;
    cmc_dist *d = cmc_dist_new_choice(v, w, n, &e);
    CHECK_MSG(d != NULL, "choice rejected: %s", e.msg);
    return d;
}

static cmc_dist *truncate(cmc_dist *in, double lo, double hi)
{
    cmc_dist_error e;
    cmc_dist *d = cmc_dist_new_truncate(in, lo, hi, &e);
    CHECK_MSG(d != NULL, "truncate rejected: %s", e.msg);
    return d;
}

static cmc_dist *mixture2(cmc_dist *a, double wa, cmc_dist *b, double wb)
{
    cmc_dist_error e;
    cmc_dist *parts[2] = {a, b};
    double w[2] = {wa, wb};
    cmc_dist *d = cmc_dist_new_mixture(parts, w, 2, &e);
    CHECK_MSG(d != NULL, "mixture rejected: %s", e.msg);
    return d;
}

/* F(Q(u)) == u, Q monotone, Q(0) and Q(1) the ends of the support. */
static void check_inverse(const cmc_dist *d, double lo, double hi, double tol)
{
    char text[128];
    double prev = -INFINITY;
    cmc_dist_format(d, text, sizeof text);
    for (size_t i = 0; i < NLEVELS; i++) {
        double u = levels[i], x = cmc_dist_quantile(d, u), f = cmc_dist_cdf(d, x);
        /* |F(x) - u| <= tol, or x is the smallest double that gets there (where
           one ulp of x moves F by more than tol, as beta(0.5, 0.5) near 1) */
        double fprev = cmc_dist_cdf(d, nextafter(x, -INFINITY));
        CHECK_MSG(fabs(f - u) <= tol || (f >= u - tol && fprev <= u + tol),
                  "%s: u = %.17g, x = %.17g, F(x) = %.17g", text, u, x, f);
        CHECK_MSG(x >= prev, "%s: quantile decreases at u = %g", text, u);
        prev = x;
    }
    CHECK_MSG(cmc_dist_quantile(d, 0) == lo, "%s: Q(0) = %g", text, cmc_dist_quantile(d, 0));
    CHECK_MSG(cmc_dist_quantile(d, 1) == hi, "%s: Q(1) = %g", text, cmc_dist_quantile(d, 1));
    CHECK(isnan(cmc_dist_quantile(d, -0.1)));
    CHECK(isnan(cmc_dist_quantile(d, 1.5)));
    CHECK(isnan(cmc_dist_quantile(d, NAN)));
    CHECK(isnan(cmc_dist_cdf(d, NAN)));
    CHECK(cmc_dist_cdf(d, -INFINITY) == 0);
    CHECK(cmc_dist_cdf(d, INFINITY) == 1);
}

static void check_format(int line, const cmc_dist *d, const char *want)
{
    char buf[256];
    cmc_dist_format(d, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, want) == 0, "line %d: \"%s\", want \"%s\"", line, buf, want);
}
#define CHECK_FORMAT(d, want) check_format(__LINE__, d, want)

static void test_table(void)
{
    static const char *names[] = {"uniform", "triangular", "pert", "normal",
                                  "lognormal", "to", "beta", "gamma", "weibull",
                                  "exponential", "choice", "truncate", "mixture"};
    static const int arity[] = {2, 3, 3, 2, 2, 2, 2, 2, 2, 1, -1, -1, -1};
    size_t n = 0;
    const cmc_dist_type *t = cmc_dist_types(&n);
    CHECK(n == CMC_DIST_NKINDS);
    CHECK(n == sizeof names / sizeof names[0]);
    for (size_t i = 0; i < n && i < CMC_DIST_NKINDS; i++) {
        CHECK_STR(t[i].name, names[i]);
        CHECK(t[i].kind == (cmc_dist_kind)i);
        CHECK(t[i].nparams == arity[i]);
        CHECK(cmc_dist_lookup(names[i]) == &t[i]);
        for (int j = 0; j < t[i].nparams; j++)
            CHECK(t[i].params[j] != NULL);
    }
    CHECK_STR(cmc_dist_lookup("triangular")->params[1], "mode");
    CHECK_STR(cmc_dist_lookup("weibull")->params[1], "lambda");
    CHECK_STR(cmc_dist_lookup("gamma")->params[1], "theta");
    CHECK(cmc_dist_lookup("lognromal") == NULL);
    CHECK(cmc_dist_lookup("Normal") == NULL);
    CHECK(cmc_dist_lookup("") == NULL);
    CHECK(cmc_dist_lookup(NULL) == NULL);
}

static void test_checks(void)
{
    REJECT(1, "uniform: a must be < b (got a = 5, b = 2)", "uniform", 5, 2);
    REJECT(1, "uniform: a must be < b (got a = 2, b = 2)", "uniform", 2, 2);
    REJECT(1, "uniform: b - a must be finite (got a = -1e+308, b = 1e+308)", "uniform",
           -1e308, 1e308);
    REJECT(0, "uniform: a must be finite (got -inf)", "uniform", -INFINITY, 1);
    REJECT(1, "uniform: b must be finite (got nan)", "uniform", 0, NAN);
    REJECT(2, "triangular: min must be < max (got min = 3, max = 1)", "triangular", 3, 2, 1);
    REJECT(1, "triangular: mode must lie in [min, max] (got mode = 3)", "triangular", 1, 3, 2);
    REJECT(1, "triangular: mode must lie in [min, max] (got mode = 0.5)", "triangular", 1,
           0.5, 2);
    REJECT(2, "pert: min must be < max (got min = 1, max = 1)", "pert", 1, 1, 1);
    REJECT(1, "pert: mode must lie in [min, max] (got mode = -1)", "pert", 0, -1, 1);
    REJECT(1, "normal: sigma must be > 0 (got -0.1)", "normal", 0, -0.1);
    REJECT(1, "normal: sigma must be > 0 (got 0)", "normal", 0, 0);
    REJECT(0, "normal: mu must be finite (got inf)", "normal", INFINITY, 1);
    REJECT(1, "lognormal: sigma must be > 0 (got 0)", "lognormal", 1, 0);
    REJECT(0, "a to b: both bounds must be > 0 (got a = -1)", "to", -1, 5);
    REJECT(1, "a to b: both bounds must be > 0 (got b = 0)", "to", 1, 0);
    REJECT(1, "a to b: a must be < b (got a = 5, b = 2)", "to", 5, 2);
    REJECT(1, "a to b: a must be < b (got a = 3, b = 3)", "to", 3, 3);
    REJECT(1, "a to b: b must be finite (got inf)", "to", 1, INFINITY);
    REJECT(0, "beta: a must be > 0 (got 0)", "beta", 0, 1);
    REJECT(1, "beta: b must be > 0 (got -2)", "beta", 1, -2);
    REJECT(0, "gamma: k must be > 0 (got -1)", "gamma", -1, 1);
    REJECT(1, "gamma: theta must be > 0 (got 0)", "gamma", 1, 0);
    REJECT(0, "weibull: k must be > 0 (got 0)", "weibull", 0, 1);
    REJECT(1, "weibull: lambda must be > 0 (got -1.5)", "weibull", 1, -1.5);
    REJECT(0, "exponential: rate must be > 0 (got 0)", "exponential", 0);
    REJECT(0, "exponential: rate must be finite (got inf)", "exponential", INFINITY);

    /* Wrong arity and the special forms are refused without reading p. */
    cmc_dist_error e;
    double p[4] = {0, 1, 2, 3};
    cmc_dist *d = cmc_dist_new(cmc_dist_lookup("normal"), p, 3, &e);
    CHECK_ERROR(d, e, -1, 0, "normal: expected 2 parameters, got 3");
    d = cmc_dist_new(cmc_dist_lookup("exponential"), p, 0, &e);
    CHECK_ERROR(d, e, -1, 0, "exponential: expected 1 parameter, got 0");
    d = cmc_dist_new(cmc_dist_lookup("choice"), p, 2, &e);
    CHECK(d == NULL && e.bad == -1);
    d = cmc_dist_new(NULL, p, 2, &e);
    CHECK(d == NULL && e.bad == -1);

    /* Boundary cases that are valid. */
    const double ok[][3] = {{1, 1, 2}, {1, 2, 2}, {0, 0, 1e-300}};
    for (int i = 0; i < 3; i++) {
        cmc_dist_free(make(__LINE__, "triangular", ok[i], 3));
        cmc_dist_free(make(__LINE__, "pert", ok[i], 3));
    }
    cmc_dist_free(MK("normal", -1e300, 1e-300));
    cmc_dist_free(MK("to", 1e-300, 1e300));
    cmc_dist_free(MK("to", 1, nextafter(1, 2)));
    cmc_dist_free(MK("uniform", -1, nextafter(-1, 0)));

    /* choice */
    double v3[] = {1, 2, 3};
    d = cmc_dist_new_choice(v3, NULL, 0, &e);
    CHECK_ERROR(d, e, -1, 0, "choice: needs at least one value");
    double vbad[] = {1, INFINITY};
    d = cmc_dist_new_choice(vbad, NULL, 2, &e);
    CHECK_ERROR(d, e, 1, 0, "choice: value must be finite (got inf)");
    double wneg[] = {1, -1, 1};
    d = cmc_dist_new_choice(v3, wneg, 3, &e);
    CHECK_ERROR(d, e, 1, 1, "choice: weight must be >= 0 (got -1)");
    double wnan[] = {1, 1, NAN};
    d = cmc_dist_new_choice(v3, wnan, 3, &e);
    CHECK_ERROR(d, e, 2, 1, "choice: weight must be finite (got nan)");
    double wzero[] = {0, 0, 0};
    d = cmc_dist_new_choice(v3, wzero, 3, &e);
    CHECK_ERROR(d, e, -1, 0, "choice: weights must sum to a positive number");
    double wone[] = {0, 0, 1e-300}, wbig[] = {1e308, 1e308, 1e308};
    cmc_dist_free(choice(v3, wone, 3));
    d = choice(v3, wbig, 3);   /* the sum would overflow */
    CHECK(d && cmc_dist_cdf(d, 1) == 1.0 / 3 && d->cumw[2] == 1);
    cmc_dist_free(d);

    /* mixture: consumes its parts on failure too (ASan reports a leak if not) */
    cmc_dist *parts[2] = {MK("normal", 0, 1), MK("uniform", 0, 1)};
    double mw[2] = {1, -0.5};
    d = cmc_dist_new_mixture(parts, mw, 2, &e);
    CHECK_ERROR(d, e, 1, 1, "mixture: weight must be >= 0 (got -0.5)");
    parts[0] = MK("normal", 0, 1);
    parts[1] = MK("uniform", 0, 1);
    mw[1] = 0, mw[0] = 0;
    d = cmc_dist_new_mixture(parts, mw, 2, &e);
    CHECK_ERROR(d, e, -1, 0, "mixture: weights must sum to a positive number");
    parts[0] = MK("normal", 0, 1);
    parts[1] = NULL;
    d = cmc_dist_new_mixture(parts, NULL, 2, &e);
    CHECK(d == NULL && e.bad == 1);
    d = cmc_dist_new_mixture(parts, NULL, 0, &e);
    CHECK_ERROR(d, e, -1, 0, "mixture: needs at least one component");
    parts[0] = MK("normal", 0, 1);
    parts[1] = MK("uniform", 0, 1);
    mw[0] = 0, mw[1] = 2;   /* a zero weight is allowed */
    d = cmc_dist_new_mixture(parts, mw, 2, &e);
    CHECK(d != NULL);
    CHECK_REL(cmc_dist_quantile(d, 0.3), 0.3, 1e-15);
    CHECK(cmc_dist_quantile(d, 0) == 0 && cmc_dist_quantile(d, 1) == 1);
    cmc_dist_free(d);

    /* truncate: consumes its inner distribution on failure too */
    d = cmc_dist_new_truncate(MK("normal", 0, 1), 50, 60, &e);
    CHECK_ERROR(d, e, -1, 0, "truncate: normal(0, 1) has no probability on [50, 60]");
    d = cmc_dist_new_truncate(MK("normal", 0, 1), 5, 1, &e);
    CHECK_ERROR(d, e, 2, 0, "truncate: lo must be < hi (got lo = 5, hi = 1)");
    d = cmc_dist_new_truncate(MK("normal", 0, 1), 1, 1, &e);
    CHECK_ERROR(d, e, 2, 0, "truncate: lo must be < hi (got lo = 1, hi = 1)");
    d = cmc_dist_new_truncate(MK("normal", 0, 1), -INFINITY, 1, &e);
    CHECK_ERROR(d, e, 1, 0, "truncate: lo must be finite (got -inf)");
    d = cmc_dist_new_truncate(MK("normal", 0, 1), 0, INFINITY, &e);
    CHECK_ERROR(d, e, 2, 0, "truncate: hi must be finite (got inf)");
    d = cmc_dist_new_truncate(NULL, 0, 1, &e);
    CHECK(d == NULL && e.bad == 0);
    d = cmc_dist_new_truncate(MK("uniform", 0, 1), 1, 2, &e);
    CHECK_ERROR(d, e, -1, 0, "truncate: uniform(0, 1) has no probability on [1, 2]");
    double v2[] = {1, 2};
    d = cmc_dist_new_truncate(choice(v2, NULL, 2), 1.5, 1.9, &e);
    CHECK_ERROR(d, e, -1, 0, "truncate: choice(1, 2) has no probability on [1.5, 1.9]");
    double wz[] = {1, 0};
    d = cmc_dist_new_truncate(choice(v2, wz, 2), 1.5, 3, &e);
    CHECK_ERROR(d, e, -1, 0,
                "truncate: choice(1: 1, 2: 0) has no probability on [1.5, 3]");
    /* an atom exactly at a bound is inside */
    cmc_dist_free(truncate(choice(v2, NULL, 2), 2, 3));
    cmc_dist_free(truncate(choice(v2, NULL, 2), 0, 1));
}

static void test_continuous(void)
{
    const double z975 = 1.959963984540054;   /* Phi^-1(0.975) */
    cmc_dist *d;

    d = MK("uniform", 90, 100);
    check_inverse(d, 90, 100, 1e-12);
    CHECK(cmc_dist_point(d) == 95);
    CHECK_REL(cmc_dist_quantile(d, 0.25), 92.5, 1e-15);
    CHECK_REL(cmc_dist_cdf(d, 97), 0.7, 1e-14);
    CHECK(cmc_dist_mean(d) == 95);
    cmc_dist_free(d);

    /* triangular: F(x) = (x-a)^2/((b-a)(c-a)) left of the mode c */
    double a = 1.1, c = 1.18, b = 1.4;
    d = MK("triangular", a, c, b);
    check_inverse(d, a, b, 1e-12);
    CHECK_REL(cmc_dist_point(d), b - sqrt(0.5 * (b - a) * (b - c)), 1e-14);
    CHECK_REL(cmc_dist_cdf(d, c), (c - a) / (b - a), 1e-14);
    CHECK_REL(cmc_dist_quantile(d, 0.1), a + sqrt(0.1 * (b - a) * (c - a)), 1e-14);
    CHECK_REL(cmc_dist_cdf(d, 1.3), 1 - (b - 1.3) * (b - 1.3) / ((b - a) * (b - c)), 1e-13);
    CHECK_REL(cmc_dist_mean(d), (a + b + c) / 3, 1e-15);
    cmc_dist_free(d);
    d = MK("triangular", 0, 0, 1);   /* F(x) = 1 - (1-x)^2 */
    check_inverse(d, 0, 1, 1e-12);
    CHECK_REL(cmc_dist_cdf(d, 0.25), 1 - 0.75 * 0.75, 1e-15);
    cmc_dist_free(d);
    d = MK("triangular", 0, 1, 1);   /* F(x) = x^2 */
    check_inverse(d, 0, 1, 1e-12);
    CHECK_REL(cmc_dist_quantile(d, 0.25), 0.5, 1e-15);
    cmc_dist_free(d);

    /* PERT */
    d = MK("pert", 1, 3, 5);
    check_inverse(d, 1, 5, 1e-12);
    CHECK_REL(cmc_dist_point(d), 3, 1e-12);
    CHECK_REL(cmc_dist_mean(d), 3, 1e-15);
    cmc_dist_free(d);
    /* pert(0, 1, 4) is 4 * Beta(2, 4); I_z(2, 4) = P(Bin(5, z) >= 2) */
    d = MK("pert", 0, 1, 4);
    check_inverse(d, 0, 4, 1e-12);
    double z = 0.25, iz = 1 - pow(1 - z, 5) - 5 * z * pow(1 - z, 4);
    CHECK_REL(cmc_dist_cdf(d, 1), iz, 1e-13);
    CHECK_REL(cmc_dist_quantile(d, iz), 1, 1e-12);
    CHECK_REL(cmc_dist_mean(d), (0 + 4 * 1 + 4) / 6.0, 1e-15);
    cmc_dist_free(d);
    d = MK("pert", 0, 0, 1);
    check_inverse(d, 0, 1, 1e-12);
    cmc_dist_free(d);

    d = MK("normal", 10, 2);
    check_inverse(d, -INFINITY, INFINITY, 1e-12);
    CHECK(cmc_dist_point(d) == 10);
    CHECK_ABS(cmc_dist_cdf(d, 10 + 2 * z975), 0.975, 1e-14);
    CHECK_REL(cmc_dist_quantile(d, 0.025), 10 - 2 * z975, 1e-14);
    CHECK(cmc_dist_mean(d) == 10);
    cmc_dist_free(d);

    d = MK("lognormal", 1, 0.5);
    check_inverse(d, 0, INFINITY, 1e-12);
    CHECK_REL(cmc_dist_point(d), exp(1), 1e-15);
    CHECK_REL(cmc_dist_quantile(d, 0.975), exp(1 + 0.5 * z975), 1e-14);
    CHECK_REL(cmc_dist_mean(d), exp(1 + 0.125), 1e-15);
    CHECK(cmc_dist_cdf(d, -1) == 0 && cmc_dist_cdf(d, 0) == 0);
    cmc_dist_free(d);

    /* a to b: the 5th and 95th percentiles are a and b */
    d = MK("to", 20000, 30000);
    check_inverse(d, 0, INFINITY, 1e-12);
    CHECK_REL(cmc_dist_quantile(d, 0.05), 20000, 1e-12);
    CHECK_REL(cmc_dist_quantile(d, 0.95), 30000, 1e-12);
    CHECK_ABS(cmc_dist_cdf(d, 20000), 0.05, 1e-12);
    CHECK_ABS(cmc_dist_cdf(d, 30000), 0.95, 1e-12);
    CHECK_REL(cmc_dist_point(d), sqrt(20000.0 * 30000.0), 1e-15);
    double s = log(1.5) / (2 * 1.6448536269514722);   /* z95 */
    CHECK_REL(cmc_dist_mean(d), sqrt(6e8) * exp(s * s / 2), 1e-13);
    cmc_dist_free(d);
    d = MK("to", 0.001, 1000);
    CHECK_REL(cmc_dist_quantile(d, 0.05), 0.001, 1e-12);
    CHECK_REL(cmc_dist_quantile(d, 0.95), 1000, 1e-12);
    CHECK_REL(cmc_dist_point(d), 1, 1e-15);
    cmc_dist_free(d);

    d = MK("beta", 2, 2);   /* F(x) = 3x^2 - 2x^3 */
    check_inverse(d, 0, 1, 1e-12);
    CHECK_REL(cmc_dist_point(d), 0.5, 1e-13);
    CHECK_REL(cmc_dist_cdf(d, 0.3), 3 * 0.09 - 2 * 0.027, 1e-13);
    CHECK_REL(cmc_dist_mean(d), 0.5, 1e-15);
    cmc_dist_free(d);
    d = MK("beta", 8, 2);   /* F(x) = 9x^8 - 8x^9 */
    check_inverse(d, 0, 1, 1e-12);
    CHECK_REL(cmc_dist_cdf(d, 0.7), 9 * pow(0.7, 8) - 8 * pow(0.7, 9), 1e-13);
    CHECK_REL(cmc_dist_mean(d), 0.8, 1e-15);
    cmc_dist_free(d);
    d = MK("beta", 0.5, 0.5);   /* arcsine: F(x) = (2/pi) asin(sqrt(x)) */
    check_inverse(d, 0, 1, 1e-12);
    CHECK_REL(cmc_dist_cdf(d, 0.2), 2 / 3.141592653589793 * asin(sqrt(0.2)), 1e-13);
    cmc_dist_free(d);

    d = MK("gamma", 2, 3);   /* F(x) = 1 - e^(-x/3) (1 + x/3) */
    check_inverse(d, 0, INFINITY, 1e-12);
    CHECK_REL(cmc_dist_cdf(d, 4), 1 - exp(-4 / 3.0) * (1 + 4 / 3.0), 1e-14);
    CHECK_REL(cmc_dist_mean(d), 6, 1e-15);
    cmc_dist_free(d);
    d = MK("gamma", 0.3, 1);
    check_inverse(d, 0, INFINITY, 1e-12);
    cmc_dist_free(d);
    d = MK("gamma", 1, 2);   /* exponential with mean 2 */
    CHECK_REL(cmc_dist_point(d), 2 * log(2), 1e-13);
    cmc_dist_free(d);

    d = MK("weibull", 1.5, 2);
    check_inverse(d, 0, INFINITY, 1e-12);
    CHECK_REL(cmc_dist_point(d), 2 * pow(log(2), 1 / 1.5), 1e-14);
    CHECK_REL(cmc_dist_mean(d), 2 * tgamma(1 + 1 / 1.5), 1e-13);
    cmc_dist_free(d);
    d = MK("weibull", 2, 1);   /* Rayleigh: mean sqrt(pi)/2 */
    CHECK_REL(cmc_dist_mean(d), 0.88622692545275801, 1e-14);
    CHECK_REL(cmc_dist_cdf(d, 1), 1 - exp(-1), 1e-15);
    cmc_dist_free(d);
    d = MK("weibull", 0.5, 1);
    check_inverse(d, 0, INFINITY, 1e-12);
    CHECK_REL(cmc_dist_mean(d), 2, 1e-13);   /* Gamma(3) */
    cmc_dist_free(d);
    d = MK("weibull", 0.001, 1);   /* mean Gamma(1001): beyond any double */
    CHECK(isinf(cmc_dist_mean(d)));
    cmc_dist_free(d);

    d = MK("exponential", 0.1);
    check_inverse(d, 0, INFINITY, 1e-12);
    CHECK_REL(cmc_dist_point(d), log(2) / 0.1, 1e-15);
    CHECK_REL(cmc_dist_cdf(d, 10), 1 - exp(-1), 1e-15);
    CHECK_REL(cmc_dist_mean(d), 10, 1e-15);
    cmc_dist_free(d);
}

static void test_choice(void)
{
    /* Unordered with a repeat: P(1) = P(2) = 1/4, P(3) = 1/2. */
    double v[] = {3, 1, 3, 2};
    cmc_dist *d = choice(v, NULL, 4);
    CHECK(d->n == 4 && d->values[0] == 3 && d->cumw[3] == 1);
    CHECK(cmc_dist_point(d) == 3);
    CHECK(cmc_dist_cdf(d, 0.5) == 0);
    CHECK(cmc_dist_cdf(d, 1) == 0.25);
    CHECK(cmc_dist_cdf(d, 1.5) == 0.25);
    CHECK(cmc_dist_cdf(d, 2) == 0.5);
    CHECK(cmc_dist_cdf(d, 2.99) == 0.5);
    CHECK(cmc_dist_cdf(d, 3) == 1);
    CHECK(cmc_dist_quantile(d, 0) == 1);
    CHECK(cmc_dist_quantile(d, 0.1) == 1);
    CHECK(cmc_dist_quantile(d, 0.25) == 1);
    CHECK(cmc_dist_quantile(d, 0.26) == 2);
    CHECK(cmc_dist_quantile(d, 0.5) == 2);
    CHECK(cmc_dist_quantile(d, 0.51) == 3);
    CHECK(cmc_dist_quantile(d, 1) == 3);
    CHECK_REL(cmc_dist_mean(d), 2.25, 1e-15);
    CHECK_FORMAT(d, "choice(3, 1, 3, 2)");
    cmc_dist_free(d);

    double v2[] = {1, 2}, w2[] = {1, 3};
    d = choice(v2, w2, 2);
    CHECK(cmc_dist_cdf(d, 1) == 0.25);
    CHECK(cmc_dist_quantile(d, 0.25) == 1);
    CHECK(cmc_dist_quantile(d, 0.3) == 2);
    CHECK_REL(cmc_dist_mean(d), 1.75, 1e-15);
    CHECK(cmc_dist_point(d) == 1);
    CHECK_FORMAT(d, "choice(1: 1, 2: 3)");
    cmc_dist_free(d);

    /* A zero-weight value is never a quantile, but it is still the first value. */
    double v3[] = {7, 3, 5}, w3[] = {0, 1, 1};
    d = choice(v3, w3, 3);
    CHECK(cmc_dist_point(d) == 7);
    CHECK(cmc_dist_quantile(d, 0) == 3);
    CHECK(cmc_dist_quantile(d, 1) == 5);
    CHECK(cmc_dist_cdf(d, 5) == 1);
    CHECK_REL(cmc_dist_mean(d), 4, 1e-15);
    cmc_dist_free(d);
    d = truncate(choice(v3, w3, 3), 4, 8);
    CHECK(cmc_dist_point(d) == 5);
    cmc_dist_free(d);

    double w4[] = {2, 2};
    d = choice(v2, w4, 2);   /* equal weights print as none */
    CHECK_FORMAT(d, "choice(1, 2)");
    cmc_dist_free(d);
    double v5[] = {240.6, 20};
    d = choice(v5, NULL, 2);
    CHECK_FORMAT(d, "choice(240.6, 20)");
    CHECK(cmc_dist_point(d) == 240.6);
    cmc_dist_free(d);
}

/* 0.3 N(0, 1) + 0.7 N(5, 2), written out. */
static double mix_cdf(double x)
{
    return 0.3 * gsl_cdf_ugaussian_P(x) + 0.7 * gsl_cdf_ugaussian_P((x - 5) / 2);
}

static void test_mixture(void)
{
    cmc_dist *d = mixture2(MK("normal", 0, 1), 3, MK("normal", 5, 2), 7);
    check_inverse(d, -INFINITY, INFINITY, 1e-12);
    for (size_t i = 0; i < NLEVELS; i++) {
        double u = levels[i], x = cmc_dist_quantile(d, u);
        CHECK_ABS(mix_cdf(x), u, 1e-12);
        /* the smallest such x: one double less falls short */
        CHECK_MSG(cmc_dist_cdf(d, nextafter(x, -INFINITY)) < u, "u = %g", u);
        CHECK_ABS(cmc_dist_cdf(d, x), mix_cdf(x), 1e-15);
    }
    CHECK_REL(cmc_dist_mean(d), 3.5, 1e-15);
    CHECK_REL(cmc_dist_point(d), cmc_dist_quantile(d, 0.5), 0);
    CHECK_ABS(mix_cdf(cmc_dist_point(d)), 0.5, 1e-14);
    CHECK(d->cumw[1] == 1);
    CHECK_REL(d->weights[0], 0.3, 1e-15);
    CHECK_FORMAT(d, "mixture(normal(0, 1): 3, normal(5, 2): 7)");
    cmc_dist_free(d);

    /* Half uniform(0, 1), half choice(2, 3): jumps of 1/4 at 2 and 3. */
    double v[] = {2, 3};
    d = mixture2(MK("uniform", 0, 1), 0.5, choice(v, NULL, 2), 0.5);
    CHECK(cmc_dist_cdf(d, -1) == 0);
    CHECK_REL(cmc_dist_cdf(d, 0.5), 0.25, 1e-15);
    CHECK(cmc_dist_cdf(d, 1) == 0.5);
    CHECK(cmc_dist_cdf(d, 1.5) == 0.5);
    CHECK(cmc_dist_cdf(d, 2) == 0.75);
    CHECK(cmc_dist_cdf(d, 3) == 1);
    CHECK(cmc_dist_quantile(d, 0) == 0);
    CHECK_REL(cmc_dist_quantile(d, 0.2), 0.4, 1e-15);
    CHECK_REL(cmc_dist_quantile(d, 0.5), 1, 1e-15);
    CHECK(cmc_dist_quantile(d, 0.6) == 2);
    CHECK(cmc_dist_quantile(d, 0.75) == 2);
    CHECK(cmc_dist_quantile(d, 0.76) == 3);
    CHECK(cmc_dist_quantile(d, 1) == 3);
    CHECK_REL(cmc_dist_point(d), 1, 1e-15);
    CHECK_REL(cmc_dist_mean(d), 1.5, 1e-15);
    CHECK_FORMAT(d, "mixture(uniform(0, 1): 0.5, choice(2, 3): 0.5)");
    cmc_dist_free(d);

    d = mixture2(MK("uniform", 1, 2), 0.3, MK("normal", 5, 1), 0.7);
    CHECK_FORMAT(d, "mixture(uniform(1, 2): 0.3, normal(5, 1): 0.7)");
    cmc_dist_free(d);

    /* Mixture of two choices is a choice. */
    double a[] = {1, 4}, b[] = {2, 4};
    d = mixture2(choice(a, NULL, 2), 1, choice(b, NULL, 2), 1);
    CHECK(cmc_dist_cdf(d, 1) == 0.25 && cmc_dist_cdf(d, 2) == 0.5);
    CHECK(cmc_dist_quantile(d, 0.5) == 2 && cmc_dist_quantile(d, 0.51) == 4);
    CHECK(cmc_dist_quantile(d, 0.25) == 1);
    CHECK(cmc_dist_point(d) == 2);
    cmc_dist_free(d);
}

static double phi_diff(double a, double b)   /* Phi(b) - Phi(a) */
{
    return gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a);
}

static void test_truncate(void)
{
    cmc_dist *d = truncate(MK("normal", 1, 0.1), 0.5, 1.5);
    check_inverse(d, 0.5, 1.5, 1e-12);
    for (double x = 0.6; x < 1.45; x += 0.1)
        CHECK_ABS(cmc_dist_cdf(d, x), phi_diff(-5, (x - 1) / 0.1) / phi_diff(-5, 5), 1e-15);
    CHECK_ABS(cmc_dist_cdf(d, 1), 0.5, 1e-15);
    CHECK_REL(cmc_dist_quantile(d, 0.5), 1, 1e-14);
    CHECK(cmc_dist_cdf(d, 0.4) == 0 && cmc_dist_cdf(d, 1.6) == 1);
    CHECK_REL(cmc_dist_point(d), 1, 1e-14);
    CHECK_REL(cmc_dist_mean(d), 1, 1e-14);
    CHECK_FORMAT(d, "truncate(normal(1, 0.1), 0.5, 1.5)");
    cmc_dist_free(d);

    /* Asymmetric truncated normal: mean = (phi(a) - phi(b)) / (Phi(b) - Phi(a)). */
    d = truncate(MK("normal", 0, 1), -1, 2);
    double m = (exp(-0.5) - exp(-2)) / sqrt(2 * 3.141592653589793) / phi_diff(-1, 2);
    CHECK_REL(cmc_dist_mean(d), m, 1e-14);
    cmc_dist_free(d);

    /* Far in the upper tail: the truncation keeps full precision. */
    d = truncate(MK("normal", 0, 1), 8, 9);
    check_inverse(d, 8, 9, 1e-12);
    double q8 = gsl_cdf_ugaussian_Q(8), q9 = gsl_cdf_ugaussian_Q(9);
    double med = gsl_cdf_ugaussian_Qinv(0.5 * q8 + 0.5 * q9);
    CHECK_REL(cmc_dist_point(d), med, 1e-13);
    CHECK_ABS(cmc_dist_cdf(d, 8.1), (q8 - gsl_cdf_ugaussian_Q(8.1)) / (q8 - q9), 1e-13);
    double phi89 = (exp(-32) - exp(-40.5)) / sqrt(2 * 3.141592653589793);
    CHECK_REL(cmc_dist_mean(d), phi89 / (q8 - q9), 1e-12);
    cmc_dist_free(d);
    /* The same through a mixture, whose upper-tail inversion is a bisection. */
    d = truncate(mixture2(MK("normal", 0, 1), 1, MK("normal", 0, 1), 1), 8, 9);
    check_inverse(d, 8, 9, 1e-12);
    CHECK_REL(cmc_dist_quantile(d, 0.5), med, 1e-13);
    cmc_dist_free(d);

    /* Uniform inner: numerical mean. */
    d = truncate(MK("uniform", 0, 10), 2, 4);
    check_inverse(d, 2, 4, 1e-12);
    CHECK_REL(cmc_dist_cdf(d, 3), 0.5, 1e-14);
    CHECK_REL(cmc_dist_quantile(d, 0.25), 2.5, 1e-14);
    CHECK_REL(cmc_dist_mean(d), 3, 1e-13);
    cmc_dist_free(d);
    d = truncate(MK("uniform", 2, 3), 0, 5);   /* bounds wider than the support */
    CHECK(cmc_dist_quantile(d, 0) == 2 && cmc_dist_quantile(d, 1) == 3);
    CHECK_REL(cmc_dist_mean(d), 2.5, 1e-13);
    cmc_dist_free(d);

    /* Truncated exponential on [lo, hi]: lo + 1/r - w e^(-rw) / (1 - e^(-rw)). */
    double r = 2, lo = 0.5, hi = 3, w = hi - lo;
    d = truncate(MK("exponential", r), lo, hi);
    check_inverse(d, lo, hi, 1e-12);
    CHECK_REL(cmc_dist_mean(d), lo + 1 / r - w * exp(-r * w) / -expm1(-r * w), 1e-11);
    cmc_dist_free(d);

    /* Truncated lognormal(0, 1) on [0.5, 4]:
       E = e^(1/2) [Phi(ln 4 - 1) - Phi(ln 0.5 - 1)] / [Phi(ln 4) - Phi(ln 0.5)]. */
    d = truncate(MK("lognormal", 0, 1), 0.5, 4);
    check_inverse(d, 0.5, 4, 1e-12);
    double lm = exp(0.5) * phi_diff(log(0.5) - 1, log(4) - 1) / phi_diff(log(0.5), log(4));
    CHECK_REL(cmc_dist_mean(d), lm, 1e-11);
    cmc_dist_free(d);

    /* Gamma(2, 1) on [0, 3]: the density vanishes at lo. E = gamma_P(3; 3)*2 / P(3; 2). */
    d = truncate(MK("gamma", 2, 1), 0, 3);
    check_inverse(d, 0, 3, 1e-12);
    CHECK_REL(cmc_dist_mean(d), 2 * gsl_cdf_gamma_P(3, 3, 1) / gsl_cdf_gamma_P(3, 2, 1), 1e-11);
    cmc_dist_free(d);
    d = truncate(MK("gamma", 4, 1), 0, 3);   /* Q ~ u^(1/4) at 0: the hardest case */
    CHECK_REL(cmc_dist_mean(d), 4 * gsl_cdf_gamma_P(3, 5, 1) / gsl_cdf_gamma_P(3, 4, 1), 1e-10);
    cmc_dist_free(d);

    /* Discrete inner: the values in [lo, hi] renormalised. */
    double v[] = {1, 5, 9};
    d = truncate(choice(v, NULL, 3), 3, 10);
    CHECK(cmc_dist_quantile(d, 0) == 5);
    CHECK(cmc_dist_quantile(d, 0.5) == 5);
    CHECK(cmc_dist_quantile(d, 0.51) == 9);
    CHECK(cmc_dist_quantile(d, 1) == 9);
    CHECK(cmc_dist_cdf(d, 4) == 0);
    CHECK(cmc_dist_cdf(d, 5) == 0.5);
    CHECK(cmc_dist_cdf(d, 8.9) == 0.5);
    CHECK(cmc_dist_cdf(d, 9) == 1);
    CHECK(cmc_dist_point(d) == 5);
    CHECK_REL(cmc_dist_mean(d), 7, 1e-15);
    CHECK_FORMAT(d, "truncate(choice(1, 5, 9), 3, 10)");
    cmc_dist_free(d);
    d = truncate(choice(v, NULL, 3), 5, 9);   /* atoms at both bounds are in */
    CHECK(cmc_dist_cdf(d, 5) == 0.5 && cmc_dist_quantile(d, 0) == 5);
    CHECK(cmc_dist_quantile(d, 1) == 9);
    CHECK_REL(cmc_dist_mean(d), 7, 1e-15);
    cmc_dist_free(d);
    /* Mostly at 1, so [5, 9] is an upper tail (computed from P(X >= x)). */
    double w100[] = {100, 1, 1};
    d = truncate(choice(v, w100, 3), 5, 9);
    CHECK(d->q[2] < d->q[1]);
    CHECK(cmc_dist_cdf(d, 4.9) == 0);
    CHECK_REL(cmc_dist_cdf(d, 5), 0.5, 1e-14);
    CHECK(cmc_dist_cdf(d, 9) == 1);
    CHECK(cmc_dist_quantile(d, 0) == 5 && cmc_dist_quantile(d, 0.5) == 5);
    CHECK(cmc_dist_quantile(d, 0.51) == 9 && cmc_dist_quantile(d, 1) == 9);
    CHECK(cmc_dist_point(d) == 5);
    CHECK_REL(cmc_dist_mean(d), 7, 1e-14);
    cmc_dist_free(d);
    double v4[] = {1, 9, 5, 3};
    d = truncate(choice(v4, NULL, 4), 2, 6);   /* first value inside, as written */
    CHECK(cmc_dist_point(d) == 5);
    CHECK(cmc_dist_quantile(d, 0.5) == 3);
    cmc_dist_free(d);
    d = truncate(truncate(choice(v4, NULL, 4), 2, 10), 0, 6);
    CHECK(cmc_dist_point(d) == 5);
    CHECK_REL(cmc_dist_mean(d), 4, 1e-15);
    cmc_dist_free(d);

    /* Nested truncation equals the intersection. */
    d = truncate(truncate(MK("normal", 0, 1), -1, 1), 0, 2);
    CHECK_ABS(cmc_dist_cdf(d, 0.5), phi_diff(0, 0.5) / phi_diff(0, 1), 1e-14);
    CHECK(cmc_dist_quantile(d, 1) == 1);
    check_inverse(d, 0, 1, 1e-12);
    CHECK_FORMAT(d, "truncate(truncate(normal(0, 1), -1, 1), 0, 2)");
    cmc_dist_free(d);

    /* Truncated mixture with an atom: half uniform(0, 1), half choice(2, 3),
       on [0.5, 2.5]: mass 1/2, a jump of 1/2 at 2. */
    double v23[] = {2, 3};
    d = truncate(mixture2(MK("uniform", 0, 1), 1, choice(v23, NULL, 2), 1), 0.5, 2.5);
    CHECK_REL(cmc_dist_cdf(d, 0.75), 0.25, 1e-14);
    CHECK_REL(cmc_dist_cdf(d, 1.5), 0.5, 1e-14);
    CHECK(cmc_dist_cdf(d, 2) == 1);
    CHECK_REL(cmc_dist_quantile(d, 0.5), 1, 1e-14);
    CHECK(cmc_dist_quantile(d, 0.6) == 2);
    CHECK(cmc_dist_quantile(d, 1) == 2);
    CHECK_REL(cmc_dist_quantile(d, 0), 0.5, 1e-15);
    CHECK_REL(cmc_dist_mean(d), (0.25 * 0.75 + 0.25 * 2) / 0.5, 1e-3);
    cmc_dist_free(d);
}

static void test_format(void)
{
    cmc_dist *d = MK("uniform", 90, 100);
    CHECK_FORMAT(d, "uniform(90, 100)");
    char buf[16];
    memset(buf, 'x', sizeof buf);
    cmc_dist_format(d, buf, 8);   /* cut, terminated, nothing past size */
    CHECK_STR(buf, "uniform");
    CHECK(buf[8] == 'x');
    memset(buf, 'x', sizeof buf);
    cmc_dist_format(d, buf, 1);
    CHECK(buf[0] == '\0' && buf[1] == 'x');
    cmc_dist_format(d, buf, 0);
    CHECK(buf[0] == '\0' && buf[1] == 'x');
    cmc_dist_free(d);

    d = MK("triangular", 1.1, 1.18, 1.4);
    CHECK_FORMAT(d, "triangular(1.1, 1.18, 1.4)");
    cmc_dist_free(d);
    d = MK("to", 20000, 30000);
    CHECK_FORMAT(d, "20000 to 30000");
    cmc_dist_free(d);
    d = MK("normal", -0.1, 0.1 + 0.2);
    CHECK_FORMAT(d, "normal(-0.1, 0.30000000000000004)");
    cmc_dist_free(d);
    d = MK("exponential", 2.5e-7);
    CHECK_FORMAT(d, "exponential(2.5e-07)");
    cmc_dist_free(d);
    d = MK("pert", 0, 1, 4);
    CHECK_FORMAT(d, "pert(0, 1, 4)");
    cmc_dist_free(d);
    d = MK("weibull", 1.5, 2);
    CHECK_FORMAT(d, "weibull(1.5, 2)");
    cmc_dist_free(d);
    d = truncate(mixture2(MK("to", 1, 2), 1, MK("beta", 8, 2), 2), 0.5, 1.5);
    CHECK_FORMAT(d, "truncate(mixture(1 to 2: 1, beta(8, 2): 2), 0.5, 1.5)");
    char small[20];
    cmc_dist_format(d, small, sizeof small);
    CHECK_STR(small, "truncate(mixture(1 ");
    cmc_dist_free(d);
}

int main(void)
{
    gsl_set_error_handler_off();
    test_table();
    test_checks();
    test_continuous();
    test_choice();
    test_mixture();
    test_truncate();
    test_format();
    cmc_dist_free(NULL);
    return CHECK_DONE();
}
