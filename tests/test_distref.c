/*
 * test_distref.c: every distribution's CDF and quantile against reference values
 * from scipy (tests/ref/dist_ref.txt, written once by tests/ref/make_dist_ref.py),
 * at extreme levels (1e-12, 1e-6, 1 - 1e-6, 1 - 1e-12) and extreme shapes
 * (beta(0.2, 0.2), beta(1000, 1000), gamma(0.05, 1), lognormal sigma 3, pert,
 * truncations deep in the tails). Three functions per row: cmc_dist_cdf,
 * cmc_dist_quantile, and cmc_dist_invert, the sampler's own inversion (beta and
 * pert through their quantile table), which must agree with the quantile.
 *
 * Tolerances are relative, per family (tol[] below): closed forms to a few ulps
 * times the condition number of the level (1e-13), GSL's normal and gamma
 * inversions (1e-12), the beta family's iterative inversion and the quantile table
 * (CMC_QTAB_TOL = 1e-12 promised, 1e-11 here: a level near 1 is read as 1 - t), and
 * the truncations, whose levels pass through a difference of tail probabilities
 * (1e-9, plus 1e-15 absolute: a truncation's CDF is a difference of two tail
 * probabilities over their difference, so both carbonmc and scipy carry an
 * absolute error of a few ulps of 1 there). GSL's gamma inversion documents no
 * accuracy: 1e-10 is 30 times the worst seen up to 1 - 1e-6. A tolerance is about
 * carbonmc's arithmetic, not scipy's: scipy's values are good to about 1e-15 here
 * (its gamma quantiles agree with GSL's gsl_cdf_gamma_Qinv to 1e-16). The worst
 * error per family is printed; known[] lists the rows carbonmc misses, each with
 * its bound and cause.
 */
#include "check.h"
#include "dist.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>

typedef struct family_tol {
    const char *name;
    double q, cdf;
    double cdf_abs;   /* and an absolute allowance for the CDF (truncate) */
} family_tol;

static const family_tol tol[] = {
    {"uniform", 1e-13, 1e-13, 0},     {"triangular", 1e-13, 1e-13, 0},
    {"pert", 1e-11, 1e-11, 0},        {"normal", 1e-13, 1e-13, 0},
    {"lognormal", 1e-13, 1e-13, 0},   {"to", 1e-13, 1e-13, 0},
    {"beta", 1e-11, 1e-11, 0},        {"gamma", 1e-10, 1e-12, 0},
    {"weibull", 1e-13, 1e-13, 0},     {"exponential", 1e-13, 1e-13, 0},
    {"truncate", 1e-9, 1e-9, 1e-15},
};

/* Rows where carbonmc is known to be less accurate than its family's tolerance:
   each is checked against its own (looser) bound, printed, and reported (issue 17's
   report; src/dist.c is not this test's to change). When one is fixed, delete it
   here: the family's tolerance then applies. */
typedef struct known_defect {
    const char *law;   /* prefix of cmc_dist_format's text */
    const char *op;
    double arg_lo, arg_hi;
    double bound;
    const char *why;
} known_defect;

static const known_defect known[] = {
    {"", "", 0, 0, 0, ""},   /* none left: the gamma quantile near 1 and the triangular
                               CDF near a mode at its minimum were fixed (dist_cdf.c) */
};
enum { NKNOWN = sizeof known / sizeof known[0] };

static const known_defect *known_of(const char *desc, const char *op, double arg)
{
    for (int i = 0; i < NKNOWN; i++)
        if (!strncmp(desc, known[i].law, strlen(known[i].law)) && !strcmp(op, known[i].op) &&
            arg >= known[i].arg_lo && arg <= known[i].arg_hi)
            return &known[i];
    return NULL;
}
enum { NFAM = sizeof tol / sizeof tol[0] };

static double worst[NFAM][3];   /* q, cdf, invert */

static int family(const char *name)
{
    for (int i = 0; i < NFAM; i++)
        if (!strcmp(tol[i].name, name))
            return i;
    return -1;
}

static double relerr(double got, double want)
{
    if (got == want || (isnan(got) && isnan(want)))
        return 0;
    return fabs(got - want) / fmax(fabs(want), 1e-300);
}

int main(void)
{
    gsl_set_error_handler_off();
    const char *srcdir = getenv("CMC_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/ref/dist_ref.txt", srcdir ? srcdir : "..");
    FILE *f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    if (!f)
        return CHECK_DONE();
    char line[1024], key[1200], prev[1200] = "";
    cmc_dist *d = NULL;
    int rows = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#')
            continue;
        /* LAW P... | LO HI | OP ARG VALUE */
        char *bar1 = strchr(line, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
        CHECK_MSG(bar1 && bar2, "line %d: bad row", lineno);
        if (!bar1 || !bar2)
            continue;
        *bar1 = *bar2 = 0;
        char name[32], lo_s[64], hi_s[64], op[8];
        double p[4], arg, want;
        int np = 0, used = 0;
        if (sscanf(line, "%31s%n", name, &used) != 1)
            continue;
        for (char *s = line + used; np < 4 && sscanf(s, "%lf%n", &p[np], &used) == 1; s += used)
            np++;
        if (sscanf(bar1 + 1, "%63s %63s", lo_s, hi_s) != 2 ||
            sscanf(bar2 + 1, "%7s %lf %lf", op, &arg, &want) != 3) {
            CHECK_MSG(0, "line %d: bad row", lineno);
            continue;
        }
        /* consecutive rows share their law: make it once (beta and pert build
           their quantile table when made) */
        int trunc = strcmp(lo_s, "-") != 0;
        snprintf(key, sizeof key, "%s|%s %s", line, lo_s, hi_s);
        if (!d || strcmp(key, prev)) {
            cmc_dist_free(d);
            cmc_dist_error err;
            d = cmc_dist_new(cmc_dist_lookup(name), p, np, &err);
            CHECK_MSG(d != NULL, "line %d: %s", lineno, err.msg);
            if (d && trunc) {
                d = cmc_dist_new_truncate(d, strtod(lo_s, NULL), strtod(hi_s, NULL), &err);
                CHECK_MSG(d != NULL, "line %d: %s", lineno, err.msg);
            }
            snprintf(prev, sizeof prev, "%s", key);
        }
        if (!d)
            continue;
        int fam = family(trunc ? "truncate" : name);
        CHECK_MSG(fam >= 0, "line %d: no tolerance for %s", lineno, name);
        if (fam < 0)
            continue;
        char desc[256];
        cmc_dist_format(d, desc, sizeof desc);
        rows++;
        const known_defect *kd = known_of(desc, op, arg);
        if (kd) {
            double got = !strcmp(op, "q") ? cmc_dist_quantile(d, arg) : cmc_dist_cdf(d, arg);
            double e = relerr(got, want);
            printf("known defect: %s: %s(%.17g) = %.17g, scipy %.17g (rel err %.2g, bound %g): %s\n",
                   desc, op, arg, got, want, e, kd->bound, kd->why);
            CHECK_MSG(e <= kd->bound, "%s: %s(%.17g) = %.17g, scipy %.17g: worse than the known %g",
                      desc, op, arg, got, want, kd->bound);
        } else if (!strcmp(op, "q")) {
            double got = cmc_dist_quantile(d, arg), e = relerr(got, want);
            worst[fam][0] = fmax(worst[fam][0], e);
            CHECK_MSG(e <= tol[fam].q, "%s: quantile(%.17g) = %.17g, scipy %.17g (rel err %.2g > %g)",
                      desc, arg, got, want, e, tol[fam].q);
            double x = arg;
            if (cmc_dist_invert(d, &x, 1) == 0) {
                e = relerr(x, want);
                worst[fam][2] = fmax(worst[fam][2], e);
                CHECK_MSG(e <= tol[fam].q,
                          "%s: the sampler's inversion of %.17g = %.17g, scipy %.17g (rel err %.2g > %g)",
                          desc, arg, x, want, e, tol[fam].q);
            }
        } else {
            double got = cmc_dist_cdf(d, arg), e = relerr(got, want);
            worst[fam][1] = fmax(worst[fam][1], e);
            CHECK_MSG(e <= tol[fam].cdf + tol[fam].cdf_abs / fmax(fabs(want), 1e-300),
                      "%s: cdf(%.17g) = %.17g, scipy %.17g (rel err %.2g > %g)",
                      desc, arg, got, want, e, tol[fam].cdf);
        }
    }
    cmc_dist_free(d);
    fclose(f);
    CHECK_MSG(rows > 400, "only %d rows read from %s", rows, path);
    printf("%d reference values; worst relative error per family:\n", rows);
    printf("  %-12s %10s %10s %10s   (tolerance q, cdf)\n", "family", "quantile", "cdf", "invert");
    for (int i = 0; i < NFAM; i++)
        printf("  %-12s %10.2g %10.2g %10.2g   (%g, %g)\n", tol[i].name, worst[i][0], worst[i][1],
               worst[i][2], tol[i].q, tol[i].cdf);
    return CHECK_DONE();
}
