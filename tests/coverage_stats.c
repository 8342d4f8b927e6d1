/*
 * coverage_stats.c: is every 95% interval carbonmc prints a 95% interval? One test
 * per quantity (never pooled), over R independent runs (seeds 1 .. R) of the whole
 * engine (cmc_run: sampler, sketches, sensitivity, variants), each at N = 2000.
 *
 * The scenario is a product of three `a to b` lognormals, so every truth is a
 * closed form: ln y = sum of independent normals (means m_i, sds s_i, s^2 = sum s_i^2)
 *  - percentiles and mean of y, of each input, of the variants' outputs, of the
 *    paired difference of variant `hi` (k = 1.5 against 1.3: (0.2 / 1.3) y exactly)
 *    and of the ratio of variant `alt` (c = 40 to 200, drawn from c's own uniforms:
 *    c'/c = exp(m' - m + (s' - s) z), a lognormal);
 *  - P(alt > ref) = P(c' > c) = Phi((m' - m) / (s' - s)), Wilson's interval;
 *  - the mean of alt - ref: E[a] E[b] k (E[c'] - E[c]) / 1e6;
 *  - Spearman: (ln x_i, ln y) is bivariate normal with r = s_i / s, so
 *    rho_S = (6 / pi) asin(r / 2);
 *  - log-variance shares s_i^2 / s^2;
 *  - Sobol: S_i = (e^{s_i^2} - 1) / (e^{s^2} - 1),
 *    ST_i = 1 - (e^{s^2 - s_i^2} - 1) / (e^{s^2} - 1);
 *  - the convergence checkpoint at 1024 samples (mean, median, P95);
 * and a weighted sum of three normals (a normal output; Sobol S_i = ST_i, the
 * model form where first and total indices agree): its percentiles, mean,
 * Spearman and Sobol indices (not the log shares: ln of a sum has no closed form;
 * the means are far from 0, so that the sketches stay small).
 *
 * Each quantity's nominal coverage c0 is 0.95, except where the exact coverage of
 * the procedure is known: a percentile interval [x(l), x(u)] (ranks l = floor(Np -
 * 1.96 sd), u = ceil(Np + 1.96 sd), README "What the numbers mean") holds the truth
 * iff l <= B <= u - 1 for B ~ Binomial(N, p), and Wilson's interval for the true
 * proportion p0 holds it for a known set of counts: both computed here. The number
 * of hits k over R runs is then Binomial(R, c0) if the interval is calibrated, and
 * the test accepts k inside the two-sided binomial quantiles at a false-alarm rate
 * of ALPHA / (number of quantities) each: a family-wise false-alarm rate of at most
 * ALPHA = 1e-3 for the whole program (Bonferroni). Every band is printed.
 *
 * `coverage_stats [R]` runs R = 2000 replications by default (label slow;coverage,
 * Release only): about 9 s of CPU. With 2000 runs a band is about +-2 points of
 * coverage wide (a percentile interval at 93% or 97% fails it).
 */
#include "check.h"
#include "carbonmc.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>

#define ALPHA 1e-3
#define Z975 1.959963984540054
#define NQ 80

static const char *src =
    "title \"coverage\"\n"
    "a = 20000 to 30000\n"
    "b = 90 to 110\n"
    "c = 50 to 150\n"
    "k = 1.3\n"
    "output y = a * b * c * k / 1e6\n"
    "variant ref: k = 1.3\n"
    "variant hi: k = 1.5\n"
    "variant alt: c = 40 to 200\n";

/* A weighted sum of normal inputs: normal output, S_i = ST_i = (w_i s_i)^2 / V
   (Sobol), Spearman (6 / pi) asin(r_i / 2) with r_i = w_i s_i / sqrt(V). */
static const char *src_sum =
    "title \"sum\"\n"
    "u = normal(50, 1)\n"
    "v = normal(53, 2)\n"
    "w = normal(49, 3)\n"
    "output s = 2 * u + v + 0.5 * w\n";
static const double sum_w[3] = {2, 1, 0.5}, sum_mu[3] = {50, 53, 49}, sum_sd[3] = {1, 2, 3};

typedef struct quantity {
    char name[64];
    double truth;
    double c0;      /* nominal (or exact) coverage */
    int hits, trials;
    double sum_z;   /* mean (estimate - truth) / half-width, a bias diagnostic */
} quantity;

static quantity q[NQ];
static int nq;

/* the quantity named name, made on first use */
static quantity *Q(const char *name, double truth, double c0)
{
    for (int i = 0; i < nq; i++)
        if (!strcmp(q[i].name, name))
            return &q[i];
    if (nq == NQ) {
        fprintf(stderr, "too many quantities\n");
        exit(2);
    }
    quantity *x = &q[nq++];
    snprintf(x->name, sizeof x->name, "%s", name);
    x->truth = truth;
    x->c0 = c0;
    return x;
}

static void record(quantity *x, double est, double lo, double hi)
{
    x->trials++;
    x->hits += lo <= x->truth && x->truth <= hi;
    double w = 0.5 * (hi - lo);
    if (w > 0)
        x->sum_z += (est - x->truth) / w;
}

/* the exact coverage of the order-statistic interval of percentile p among n */
static double os_coverage(double p, unsigned n)
{
    double np_ = n * p, h = Z975 * sqrt(np_ * (1 - p));
    double l = floor(np_ - h), u = ceil(np_ + h);
    if (l < 1)
        l = 1;
    if (u > n)
        u = n;
    /* P(l <= B <= u - 1) */
    double below = l >= 1 ? gsl_cdf_binomial_P((unsigned)l - 1, p, n) : 0;
    return gsl_cdf_binomial_P((unsigned)u - 1, p, n) - below;
}

static void wilson(double k, double n, double *lo, double *hi)
{
    const double z2n = Z975 * Z975 / n, ph = k / n;
    double c = (ph + z2n / 2) / (1 + z2n);
    double h = Z975 * sqrt(ph * (1 - ph) / n + z2n / (4 * n)) / (1 + z2n);
    *lo = c - h < 0 ? 0 : c - h;
    *hi = c + h > 1 ? 1 : c + h;
}

/* the exact coverage of Wilson's interval for proportion p0 among n */
static double wilson_coverage(double p0, unsigned n)
{
    double cov = 0;
    for (unsigned k = 0; k <= n; k++) {
        double lo, hi;
        wilson(k, n, &lo, &hi);
        if (lo <= p0 && p0 <= hi)
            cov += gsl_ran_binomial_pdf(k, p0, n);
    }
    return cov;
}

static double lmean(double m, double s) { return exp(m + s * s / 2); }
static double lq(double m, double s, double p) { return exp(m + s * gsl_cdf_ugaussian_Pinv(p)); }

typedef struct lnorm {
    double m, s;
} lnorm;

static lnorm to(double a, double b)
{
    lnorm r = {0.5 * (log(a) + log(b)), (log(b) - log(a)) / (2 * gsl_cdf_ugaussian_Pinv(0.95))};
    return r;
}

static const cmc_stat *find(const cmc_stat *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s[i].name, name))
            return &s[i];
    return NULL;
}

/* the percentiles at the given probabilities and the mean of a lognormal (m, s) */
static void lognormal_stat(const char *what, const cmc_stat *st, lnorm d, unsigned n,
                           const double *ps, int nps)
{
    char name[64];
    for (int j = 0; j < nps; j++)
        for (size_t i = 0; i < st->npercentiles; i++)
            if (fabs(st->p[i] - ps[j]) < 1e-12) {
                snprintf(name, sizeof name, "%s P%g", what, 100 * ps[j]);
                record(Q(name, lq(d.m, d.s, ps[j]), os_coverage(ps[j], n)), st->value[i],
                       st->ci_low[i], st->ci_high[i]);
            }
    snprintf(name, sizeof name, "%s mean", what);
    record(Q(name, lmean(d.m, d.s), 0.95), st->mean, st->mean - Z975 * st->mean_se,
           st->mean + Z975 * st->mean_se);
}

int main(int argc, char **argv)
{
    unsigned R = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
    enum { N = 2000 };
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = cmc_model_load_string("coverage.cmc", src, NULL, d);
    cmc_diags_free(d);
    CHECK(m != NULL);
    if (!m)
        return CHECK_DONE();

    lnorm in[3] = {to(20000, 30000), to(90, 110), to(50, 150)}, c2 = to(40, 200);
    static const char *iname[3] = {"a", "b", "c"};
    double k = 1.3, s2 = 0;
    lnorm y = {log(k) - log(1e6), 0};
    for (int i = 0; i < 3; i++) {
        y.m += in[i].m;
        s2 += in[i].s * in[i].s;
    }
    y.s = sqrt(s2);
    lnorm yhi = {y.m + log(1.5 / 1.3), y.s}, dhi = {y.m + log(0.2 / 1.3), y.s};
    lnorm yalt = {y.m - in[2].m + c2.m,
                  sqrt(in[0].s * in[0].s + in[1].s * in[1].s + c2.s * c2.s)};
    lnorm ratio = {c2.m - in[2].m, fabs(c2.s - in[2].s)};
    double p_alt = gsl_cdf_ugaussian_P((c2.m - in[2].m) / (c2.s - in[2].s));
    double mean_dalt = lmean(in[0].m, in[0].s) * lmean(in[1].m, in[1].s) * k / 1e6 *
                       (lmean(c2.m, c2.s) - lmean(in[2].m, in[2].s));
    double sens_truth[CMC_SENS_NEST][3];
    for (int i = 0; i < 3; i++) {
        double si2 = in[i].s * in[i].s;
        sens_truth[CMC_SENS_SPEARMAN][i] = 6 / M_PI * asin(in[i].s / y.s / 2);
        sens_truth[CMC_SENS_LOGVAR_SHARE][i] = si2 / s2;
        sens_truth[CMC_SENS_SOBOL_FIRST][i] = expm1(si2) / expm1(s2);
        sens_truth[CMC_SENS_SOBOL_TOTAL][i] = 1 - expm1(s2 - si2) / expm1(s2);
    }
    static const char *sname[CMC_SENS_NEST] = {"Spearman", "log share", "Sobol first",
                                               "Sobol total"};
    static const double all_p[11] = {0.005, 0.025, 0.05, 0.1, 0.25, 0.5,
                                     0.75, 0.9, 0.95, 0.975, 0.995};
    static const double three_p[3] = {0.05, 0.5, 0.95};
    double wilson_c0 = wilson_coverage(p_alt, N);
    cmc_diags *d2 = cmc_diags_new();
    cmc_model *m2 = cmc_model_load_string("sum.cmc", src_sum, NULL, d2);
    cmc_diags_free(d2);
    CHECK(m2 != NULL);
    double smu = 0, sv = 0;
    for (int i = 0; i < 3; i++) {
        smu += sum_w[i] * sum_mu[i];
        sv += pow(sum_w[i] * sum_sd[i], 2);
    }

    for (unsigned rep = 0; rep < R; rep++) {
        cmc_run_options o = {0};
        o.samples = N;
        o.seed = 1 + rep;
        o.threads = 1;
        o.sensitivity = 1;
        cmc_diags *e = cmc_diags_new();
        cmc_results *r = cmc_run(m, &o, e);
        cmc_diags_free(e);
        CHECK(r != NULL);
        if (!r)
            break;
        const cmc_stat *sy = find(r->outputs, r->noutputs, "y");
        lognormal_stat("y", sy, y, N, all_p, 11);
        /* the first checkpoint: the first 1024 samples */
        const cmc_convergence *cv = &sy->conv;
        CHECK(cv->n >= 2 && cv->samples[0] == 1024);
        record(Q("y checkpoint 1024 mean", lmean(y.m, y.s), 0.95), cv->value[CMC_CONV_MEAN][0],
               cv->ci_low[CMC_CONV_MEAN][0], cv->ci_high[CMC_CONV_MEAN][0]);
        record(Q("y checkpoint 1024 P50", lq(y.m, y.s, 0.5), os_coverage(0.5, 1024)),
               cv->value[CMC_CONV_MEDIAN][0], cv->ci_low[CMC_CONV_MEDIAN][0],
               cv->ci_high[CMC_CONV_MEDIAN][0]);
        record(Q("y checkpoint 1024 P95", lq(y.m, y.s, 0.95), os_coverage(0.95, 1024)),
               cv->value[CMC_CONV_P95][0], cv->ci_low[CMC_CONV_P95][0],
               cv->ci_high[CMC_CONV_P95][0]);
        for (int i = 0; i < 3; i++) {
            char w[32];
            snprintf(w, sizeof w, "input %s", iname[i]);
            lognormal_stat(w, find(r->inputs, r->ninputs, iname[i]), in[i], N, three_p, 3);
        }
        /* sensitivity of y to a, b, c */
        CHECK(r->nsensitivity == 1);
        const cmc_sensitivity *se = &r->sensitivity[0];
        for (size_t j = 0; j < se->ninputs; j++) {
            int i = se->input[j][0] - 'a';
            for (int x = 0; x < CMC_SENS_NEST; x++) {
                char w[64];
                snprintf(w, sizeof w, "%s of %s", sname[x], iname[i]);
                record(Q(w, sens_truth[x][i], 0.95), se->value[x][j], se->ci_low[x][j],
                       se->ci_high[x][j]);
            }
        }
        /* variants: ref, hi, alt */
        CHECK(r->nvariants == 3);
        const cmc_variant_result *vhi = &r->variants[1], *valt = &r->variants[2];
        lognormal_stat("variant hi y", &vhi->outputs[0], yhi, N, three_p, 3);
        lognormal_stat("variant alt y", &valt->outputs[0], yalt, N, three_p, 3);
        lognormal_stat("hi - ref", &vhi->paired[0].difference, dhi, N, three_p, 3);
        lognormal_stat("alt / ref", &valt->paired[0].ratio, ratio, N, three_p, 3);
        const cmc_stat *da = &valt->paired[0].difference;
        record(Q("alt - ref mean", mean_dalt, 0.95), da->mean, da->mean - Z975 * da->mean_se,
               da->mean + Z975 * da->mean_se);
        const cmc_paired *pa = &valt->paired[0];
        record(Q("P(alt > ref) Wilson", p_alt, wilson_c0), pa->p_greater, pa->p_greater_ci_low,
               pa->p_greater_ci_high);
        cmc_results_free(r);

        /* the sum of normals */
        if (!m2)
            continue;
        e = cmc_diags_new();
        r = cmc_run(m2, &o, e);
        cmc_diags_free(e);
        CHECK(r != NULL);
        if (!r)
            break;
        const cmc_stat *ss = &r->outputs[0];
        for (size_t i = 0; i < ss->npercentiles; i++) {
            char w[64];
            snprintf(w, sizeof w, "sum P%g", 100 * ss->p[i]);
            record(Q(w, smu + sqrt(sv) * gsl_cdf_ugaussian_Pinv(ss->p[i]), os_coverage(ss->p[i], N)),
                   ss->value[i], ss->ci_low[i], ss->ci_high[i]);
        }
        record(Q("sum mean", smu, 0.95), ss->mean, ss->mean - Z975 * ss->mean_se,
               ss->mean + Z975 * ss->mean_se);
        const cmc_sensitivity *s2 = &r->sensitivity[0];
        for (size_t j = 0; j < s2->ninputs; j++) {
            int i = s2->input[j][0] - 'u';
            double share = pow(sum_w[i] * sum_sd[i], 2) / sv;
            const double t[CMC_SENS_NEST] = {6 / M_PI * asin(sqrt(share) / 2), NAN, share, share};
            for (int x = 0; x < CMC_SENS_NEST; x++) {
                if (isnan(t[x]))
                    continue;
                char w[64];
                snprintf(w, sizeof w, "sum: %s of %s", sname[x], s2->input[j]);
                record(Q(w, t[x], 0.95), s2->value[x][j], s2->ci_low[x][j], s2->ci_high[x][j]);
            }
        }
        cmc_results_free(r);
    }
    cmc_model_free(m);
    cmc_model_free(m2);

    double a = ALPHA / nq;
    printf("coverage of the 95%% intervals over %u runs of N = %d; each band: binomial "
           "quantiles at false-alarm %.2g (family-wise %g over %d quantities)\n",
           R, N, a, ALPHA, nq);
    printf("  %-28s %9s %7s %13s %8s %9s\n", "quantity", "truth", "c0", "band", "hits",
           "bias/hw");
    for (int i = 0; i < nq; i++) {
        int lo, hi;
        check_binomial_band(q[i].c0, q[i].trials, a, &lo, &hi);
        int ok = q[i].hits >= lo && q[i].hits <= hi && q[i].trials == (int)R;
        printf("  %-28s %9.4g %7.4f %6d..%-6d %8d %9.3f%s\n", q[i].name, q[i].truth, q[i].c0,
               lo, hi, q[i].hits, q[i].sum_z / q[i].trials, ok ? "" : "   <-- outside");
        CHECK_MSG(ok, "%s: %d hits of %d, band %d..%d", q[i].name, q[i].hits, q[i].trials, lo,
                  hi);
    }
    return CHECK_DONE();
}
