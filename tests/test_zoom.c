/*
 * test_zoom.c: percentiles, their intervals and histograms where the sketch's
 * buckets are too coarse (zoom.c), end to end through cmc_run, against closed forms:
 *  - every law of issue 10 whose intervals had zero width or missed the truth: the
 *    intervals are not empty, the brackets are at most a tenth of the standard
 *    error, every number lies in [min, max] and in order, and the intervals cover
 *    the truth (counted over all of them: a binomial band);
 *  - point masses (choice, a mixture's atom) are reported exactly;
 *  - histograms: chi-square against the true law with the reported edges, and the
 *    counts beyond the last edge, for beta(0.5, 0.5) and normal(1e6, 1);
 *  - coverage of the percentile intervals over 200 seeds (`test_zoom coverage`,
 *    label slow): at N = 2e4 and N = 1.6e7 for triangular(1.10, 1.18, 1.40) and
 *    uniform(90, 100), per percentile and pooled.
 */
#include "check.h"
#include "carbonmc.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_erf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static cmc_model *load(const char *text)
{
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = cmc_model_load_string("test.cmc", text, NULL, d);
    if (!m)
        for (size_t i = 0; i < cmc_diags_count(d); i++)
            fprintf(stderr, "%s\n", cmc_diags_get(d, i)->msg);
    cmc_diags_free(d);
    return m;
}

static cmc_results *run(const cmc_model *m, uint64_t n, uint64_t seed, const double *p,
                        size_t np, size_t bins)
{
    cmc_run_options o = {0};
    o.threads = 1;   /* the same bits for any thread count (test_run.c); one spins least */
    o.samples = n;
    o.seed = seed;
    o.percentiles = p;
    o.npercentiles = np;
    o.bins = bins;
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = cmc_run(m, &o, d);
    if (!r)
        for (size_t i = 0; i < cmc_diags_count(d); i++)
            fprintf(stderr, "run: %s\n", cmc_diags_get(d, i)->msg);
    cmc_diags_free(d);
    return r;
}

/* ---- the laws and their closed forms ------------------------------------------- */

typedef double (*quantile_fn)(double p);
typedef double (*cdf_fn)(double x);

static double tri_q(double a, double c, double b, double p)
{
    double fc = (c - a) / (b - a);
    return p < fc ? a + sqrt(p * (b - a) * (c - a)) : b - sqrt((1 - p) * (b - a) * (b - c));
}
static double q_pue(double p) { return tri_q(1.10, 1.18, 1.40, p); }
static double q_tri255(double p) { return tri_q(2, 5, 5, p); }
static double q_unif(double p) { return 90 + 10 * p; }
static double q_narrow(double p) { return 14.75 + 0.1 * p; }
static double q_n1e6(double p) { return 1e6 + gsl_cdf_ugaussian_Pinv(p); }
static double q_nneg(double p) { return -1e6 + gsl_cdf_ugaussian_Pinv(p); }
static double q_tneg(double p) { return -q_pue(1 - p); }
static double q_n1000(double p) { return 1000 + gsl_cdf_ugaussian_Pinv(p); }
static double q_beta55(double p) { return gsl_cdf_beta_Pinv(p, 0.5, 0.5); }
static double q_beta22(double p) { return gsl_cdf_beta_Pinv(p, 0.2, 0.2); }
static double q_trunc89(double p)
{
    double lo = gsl_cdf_ugaussian_Q(8), hi = gsl_cdf_ugaussian_Q(9);   /* upper tails */
    return gsl_cdf_ugaussian_Qinv(lo - p * (lo - hi));
}
static double q_lnto(double p)
{
    /* `1 to 1.1`: lognormal with 5th and 95th percentiles 1 and 1.1 */
    double mu = 0.5 * log(1.1), s = 0.5 * log(1.1) / 1.6448536269514722;
    return exp(mu + s * gsl_cdf_ugaussian_Pinv(p));
}
static double q_pert(double p)
{
    /* pert(10, 10, 20), lambda 4: 10 + 10 Beta(1, 5) */
    return 10 + 10 * gsl_cdf_beta_Pinv(p, 1, 5);
}
static double q_choice(double p) { return p <= 0.5 ? 20 : 240.6; }   /* choice(240.6, 20) */
static double q_choice3(double p) { return p <= 1.0 / 3 ? 1 : p <= 2.0 / 3 ? 2 : 3; }
static double q_mix(double p)
{
    /* mixture(normal(0, 1): 0.7, 1.5: 0.3) */
    double below = 0.7 * gsl_cdf_ugaussian_P(1.5);
    if (p <= below)
        return gsl_cdf_ugaussian_Pinv(p / 0.7);
    if (p <= below + 0.3)
        return 1.5;
    return gsl_cdf_ugaussian_Pinv((p - 0.3) / 0.7);
}

typedef struct law {
    const char *name, *dist;
    quantile_fn q;
    int discrete;   /* the quantile function has flat parts: exact values expected */
} law;

static const law laws[] = {
    {"pue", "triangular(1.10, 1.18, 1.40)", q_pue, 0},
    {"unif", "uniform(90, 100)", q_unif, 0},
    {"narrow", "uniform(14.75, 14.85)", q_narrow, 0},
    {"n1e6", "normal(1e6, 1)", q_n1e6, 0},
    {"n1000", "normal(1000, 1)", q_n1000, 0},
    {"nneg", "normal(-1e6, 1)", q_nneg, 0},          /* windows on negative values */
    {"tneg", "-triangular(1.10, 1.18, 1.40)", q_tneg, 0},
    {"beta55", "beta(0.5, 0.5)", q_beta55, 0},
    {"beta22", "beta(0.2, 0.2)", q_beta22, 0},
    {"trunc89", "truncate(normal(0, 1), 8, 9)", q_trunc89, 0},
    {"lnto", "1 to 1.1", q_lnto, 0},
    {"pert", "pert(10, 10, 20)", q_pert, 0},
    {"tri255", "triangular(2, 5, 5)", q_tri255, 0},
    {"choice", "choice(240.6, 20)", q_choice, 1},
    {"choice3", "choice(1, 2, 3)", q_choice3, 1},
    {"mix", "mixture(normal(0, 1): 0.7, 1.5: 0.3)", q_mix, 1},
};
#define NLAWS (sizeof laws / sizeof laws[0])

static const double P13[] = {0.001, 0.005, 0.025, 0.05, 0.1, 0.25, 0.5,
                             0.75,  0.9,   0.95,  0.975, 0.995, 0.999};
#define NP13 (sizeof P13 / sizeof P13[0])

static cmc_model *all_laws(void)
{
    char src[4096];
    size_t at = (size_t)snprintf(src, sizeof src, "title \"zoom\"\n");
    for (size_t i = 0; i < NLAWS; i++)
        at += (size_t)snprintf(src + at, sizeof src - at, "output %s = %s\n", laws[i].name,
                               laws[i].dist);
    return load(src);
}

static const cmc_stat *find(const cmc_results *r, const char *name)
{
    for (size_t i = 0; i < r->noutputs; i++)
        if (!strcmp(r->outputs[i].name, name))
            return &r->outputs[i];
    return NULL;
}

/* One run of every law at N: the checks of the file header; returns the worst
   bracket width over the standard error. */
static double laws_at(uint64_t n, uint64_t seed, size_t *covered, size_t *total)
{
    cmc_model *m = all_laws();
    CHECK(m != NULL);
    if (!m)
        return INFINITY;
    cmc_results *r = run(m, n, seed, P13, NP13, 100);
    CHECK(r != NULL);
    double worst = 0;
    for (size_t l = 0; r && l < NLAWS; l++) {
        const cmc_stat *st = find(r, laws[l].name);
        CHECK(st != NULL);
        if (!st)
            continue;
        for (size_t i = 0; i < st->npercentiles; i++) {
            double p = st->p[i], v = st->value[i], lo = st->ci_low[i], hi = st->ci_high[i];
            double truth = laws[l].q(p);
            CHECK_MSG(lo <= v && v <= hi && st->min <= lo && hi <= st->max,
                      "%s P%g: %.17g [%.17g, %.17g] not ordered in [%.17g, %.17g]",
                      laws[l].name, 100 * p, v, lo, hi, st->min, st->max);
            CHECK_MSG(i == 0 || st->value[i - 1] <= v, "%s: P%g below the one before",
                      laws[l].name, 100 * p);
            if (laws[l].discrete && laws[l].q(p) == laws[l].q(p + 1e-3) &&
                laws[l].q(p) == laws[l].q(p - 1e-3)) {
                /* on a point mass (well inside its probability range): the value
                   itself, exactly, with a bracket of zero width */
                CHECK_MSG(v == truth && st->resolution[i] == 0,
                          "%s P%g: %.17g (bracket %g), the point mass is %.17g",
                          laws[l].name, 100 * p, v, st->resolution[i], truth);
            }
            *covered += lo <= truth && truth <= hi;
            (*total)++;
            double se = (hi - lo) / (2 * 1.959963984540054);
            /* beta(0.2, 0.2) above P97 lies within 1e-8 of 1, where its quantile
               function (1 - x ~ (1 - p)^5) is too steep for the windows' cells to
               follow: its brackets reach a few standard errors there. They are still
               inside the reported interval, and `resolution` says so (README). */
            int steep = !strcmp(laws[l].name, "beta22") && p > 0.97;
            if (hi > lo && !laws[l].discrete && !steep) {
                CHECK_MSG(st->resolution[i] <= se / 10,
                          "%s P%g at N=%llu: bracket %.3g > a tenth of the standard error %.3g",
                          laws[l].name, 100 * p, (unsigned long long)n, st->resolution[i], se);
                double ratio = st->resolution[i] / se;
                worst = ratio > worst ? ratio : worst;
            }
            if (!laws[l].discrete)
                CHECK_MSG(hi > lo, "%s P%g: an interval of zero width at N=%llu", laws[l].name,
                          100 * p, (unsigned long long)n);
        }
    }
    cmc_results_free(r);
    cmc_model_free(m);
    return worst;
}

/* The zero-width and missing intervals of issue 10, at N = 4e6 and at the default. */
/* The sanitizer builds run the same checks at smaller sizes (they are there for
   memory errors; the Release build checks the statistics at every size): N = 1e5
   alone (the refinement with every law's windows and cells), histograms at 250,000. */
#if CMC_SANITIZED
#define LARGE 250000
#else
#define LARGE 4000000
#endif

static void issue_laws(void)
{
    const uint64_t ns[] = {100000, 1000000, LARGE};
    for (size_t k = 0; k < (CMC_SANITIZED ? 1 : sizeof ns / sizeof ns[0]); k++) {
        size_t covered = 0, total = 0;
        double worst = laws_at(ns[k], 7, &covered, &total);
        /* 95% intervals, at least: a binomial band at a false-alarm rate of 1e-4 */
        double expect = 0.95 * (double)total, sd = sqrt(0.95 * 0.05 * (double)total);
        CHECK_MSG((double)covered >= expect - 3.72 * sd, "N=%llu: %zu of %zu intervals cover",
                  (unsigned long long)ns[k], covered, total);
        printf("N=%llu: %zu of %zu intervals cover the truth; worst bracket %.3f of the "
               "standard error\n",
               (unsigned long long)ns[k], covered, total, worst);
    }
}

/* ---- histograms --------------------------------------------------------------- */

static double cdf_beta55(double x) { return gsl_cdf_beta_P(x, 0.5, 0.5); }
static double cdf_n1e6(double x) { return gsl_cdf_ugaussian_P(x - 1e6); }

/* Chi-square of a run's histogram (bins, underflow, overflow) against the true law
   with the reported edges, and the count beyond the last edge. */
static void histogram_against(const cmc_stat *st, cdf_fn F, const char *what)
{
    double n = (double)st->count, chi2 = 0;
    int df = -1;
    for (size_t b = 0; b <= st->nbins + 1; b++) {
        double lo = b == 0 ? -INFINITY : st->edges[b - 1];
        double hi = b == st->nbins + 1 ? INFINITY : st->edges[b];
        double obs = b == 0 ? (double)st->underflow
                            : b == st->nbins + 1 ? (double)st->overflow : (double)st->counts[b - 1];
        double pl = isinf(lo) ? 0 : F(lo), ph = isinf(hi) ? 1 : F(hi);
        double e = n * (ph - pl);
        if (e < 5)
            continue;
        chi2 += (obs - e) * (obs - e) / e;
        df++;
    }
    /* a false alarm rate of about 1e-5 */
    CHECK_MSG(df > 50 && chi2 < df + 6 * sqrt(2.0 * df), "%s: chi-square %.1f on %d df", what,
              chi2, df);
    double tail = n * (1 - F(st->edges[st->nbins]));
    CHECK_MSG(fabs((double)st->overflow - tail) <= 5 * sqrt(tail) + 1,
              "%s: %llu beyond %.17g, expected %.1f", what, (unsigned long long)st->overflow,
              st->edges[st->nbins], tail);
    printf("%s: chi-square %.1f on %d df; %llu beyond the last edge, expected %.1f\n", what,
           chi2, df, (unsigned long long)st->overflow, tail);
}

static void histograms(void)
{
    cmc_model *m = load("title \"h\"\noutput b55 = beta(0.5, 0.5)\noutput n6 = normal(1e6, 1)\n"
                        "output c = choice(240.6, 20)\n");
    CHECK(m != NULL);
    cmc_results *r = m ? run(m, LARGE, 3, NULL, 0, 100) : NULL;
    CHECK(r != NULL);
    if (r) {
        histogram_against(find(r, "b55"), cdf_beta55, "beta(0.5, 0.5)");
        histogram_against(find(r, "n6"), cdf_n1e6, "normal(1e6, 1)");
        /* a choice: both values whole inside the range, each about half */
        const cmc_stat *c = find(r, "c");
        uint64_t lo = 0, hi = 0;
        for (size_t b = 0; b < c->nbins; b++) {
            if (c->edges[b] <= 20 && 20 < c->edges[b + 1])
                lo = c->counts[b];
            if (c->edges[b] <= 240.6 && (240.6 < c->edges[b + 1] || b + 1 == c->nbins))
                hi = c->counts[b];
        }
        CHECK_MSG(c->underflow == 0 && c->overflow == 0 && lo + hi == c->count &&
                      fabs((double)lo - LARGE / 2.0) < 5 * sqrt(LARGE / 4.0),
                  "choice(240.6, 20): %llu and %llu in their bins, %llu under, %llu over",
                  (unsigned long long)lo, (unsigned long long)hi,
                  (unsigned long long)c->underflow, (unsigned long long)c->overflow);
    }
    cmc_results_free(r);
    cmc_model_free(m);
}

/* ---- coverage over seeds (slow) -------------------------------------------------- */

static void coverage_at(uint64_t n, int seeds)
{
    cmc_model *m = load("title \"c\"\noutput pue = triangular(1.10, 1.18, 1.40)\n"
                        "output unif = uniform(90, 100)\n");
    CHECK(m != NULL);
    if (!m)
        return;
    static const double p[] = {0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.995};
    enum { NP = sizeof p / sizeof p[0] };
    const char *name[2] = {"pue", "unif"};
    const quantile_fn q[2] = {q_pue, q_unif};
    int hit[2][NP] = {{0}};
    double zsum[2][NP] = {{0}};   /* (estimate - truth) / standard error, summed */
    for (int sd = 0; sd < seeds; sd++) {
        cmc_results *r = run(m, n, 1000 + (uint64_t)sd, p, NP, 10);
        CHECK(r != NULL);
        for (int l = 0; r && l < 2; l++) {
            const cmc_stat *st = find(r, name[l]);
            for (int i = 0; i < NP; i++) {
                hit[l][i] += st->ci_low[i] <= q[l](p[i]) && q[l](p[i]) <= st->ci_high[i];
                zsum[l][i] += (st->value[i] - q[l](p[i])) /
                              ((st->ci_high[i] - st->ci_low[i]) / (2 * 1.959963984540054));
            }
        }
        cmc_results_free(r);
    }
    for (int l = 0; l < 2; l++) {
        int all = 0;
        printf("N=%llu %s coverage over %d seeds:", (unsigned long long)n, name[l], seeds);
        for (int i = 0; i < NP; i++) {
            all += hit[l][i];
            printf(" %.3f", hit[l][i] / (double)seeds);
            /* per percentile: a binomial band at a false-alarm rate of 1e-4 around 0.95
               (3.9 standard deviations; order-statistic intervals are conservative, so
               only the lower side is bounded tightly) */
            double sdv = sqrt(0.95 * 0.05 / seeds);
            CHECK_MSG(hit[l][i] >= seeds * (0.95 - 3.9 * sdv),
                      "N=%llu %s P%g: coverage %d of %d", (unsigned long long)n, name[l],
                      100 * p[i], hit[l][i], seeds);
        }
        double pooled = all / (double)(seeds * NP);
        printf("; pooled %.4f\n  mean z:", pooled);
        for (int i = 0; i < NP; i++)
            printf(" %+.2f", zsum[l][i] / seeds);
        printf("\n");
        CHECK_MSG(pooled >= 0.93 && pooled <= 0.97, "N=%llu %s: pooled coverage %.4f",
                  (unsigned long long)n, name[l], pooled);
    }
    cmc_model_free(m);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "coverage")) {
        coverage_at(20000, 200);
        coverage_at(16000000, 200);
        return CHECK_DONE();
    }
    issue_laws();
    histograms();
    return CHECK_DONE();
}
