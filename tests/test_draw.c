/*
 * test_draw.c: cmc_dist_draw against the distributions' own CDFs and means.
 *
 * For every kind (and the special forms in the shapes that break samplers: small
 * beta and gamma shapes, far-tail truncations, atoms inside mixtures, nested
 * mixtures) N = 100,000 samples at a fixed seed must pass
 *  - a Kolmogorov-Smirnov test against cmc_dist_cdf: sqrt(N) D < 1.95, the
 *    Kolmogorov distribution's 0.999 quantile (P(K > 1.95) = 0.0010). Atoms are
 *    handled by comparing the empirical CDF with F(x) and F(x-) at every value
 *    that occurs more than once, which makes the test conservative for discrete
 *    parts;
 *  - for discrete distributions, a chi-square test of the counts of every
 *    support value, p > 0.001 (gsl_cdf_chisq_Q), and no value off the support;
 *  - |mean - cmc_dist_mean| < 5 standard errors (sample standard deviation);
 *  - block-partition invariance: 10,000 samples drawn at once equal, bit for
 *    bit, the same samples drawn in pieces of irregular sizes from odd and even
 *    offsets, with the scratch filled with garbage before every call;
 *  - for the inversion kinds, x_i = cmc_dist_quantile(d, u_i) to 1e-14 with u_i
 *    the stream-0 uniform of sample i (pins the documented stream scheme and the
 *    accuracy of draw.c's own log, exp and normal quantile);
 *  - for beta and pert, which invert through a table (dist.h): the draws are
 *    cmc_dist_invert of the stream-0 uniforms, bit for bit, and cmc_dist_invert
 *    is within CMC_QTAB_TOL (1e-12, relative) of GSL's inverse beta CDF at 20,000
 *    levels spread over (0, 1) and at 1,000 levels from 2^-2 down to 2^-62 on
 *    either side (the far tails, beyond the table, are computed exactly); shapes
 *    too extreme for the table (beta(0.1, 0.1)) must have none.
 * The seed is fixed, so the outcome is too; the tests can fail, as the section
 * "wrong samplers" shows: the same statistics reject normal(0, 1.05) samples
 * judged as normal(0, 1), a mean shifted by 0.03 sigma, and choice weights off by
 * 1%.
 */
#include "check.h"
#include "dist.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

/* 100,000 rather than 200,000 keeps the program under 10 s in a Debug + ASan
   build. At this N the asymptotic Kolmogorov quantile is exact to 0.1% (Stephens'
   finite-n factor sqrt(n) + 0.12 + 0.11 / sqrt(n)). */
#define N 100000
#define KS_CRIT 1.95     /* Kolmogorov distribution, P(K > 1.95) = 0.0010 */
#define MEAN_SE 5.0
#define CHI2_P 1e-3
#define SEED 20240601u

#define LEN(...) (int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double))
#define PARAMS(...) (const double[]){__VA_ARGS__}, LEN(__VA_ARGS__)

static cmc_dist *make(int line, const char *name, const double *p, int np)
{
    cmc_dist_error e;
    cmc_dist *d = cmc_dist_new(cmc_dist_lookup(name), p, np, &e);
    CHECK_MSG(d != NULL, "line %d: %s rejected: %s", line, name, e.msg);
    return d;
}
#define MK(name, ...) make(__LINE__, name, PARAMS(__VA_ARGS__))

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

static cmc_dist *mixture(cmc_dist **parts, const double *w, size_t n)
{
    cmc_dist_error e;
    cmc_dist *d = cmc_dist_new_mixture(parts, w, n, &e);
    CHECK_MSG(d != NULL, "mixture rejected: %s", e.msg);
    return d;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Samples 0 .. n-1 in blocks of 1024, as the sampler draws them. */
static void draw_all(const cmc_dist *d, const cmc_rng_key *k, double *x, size_t n)
{
    double *scratch = malloc(CMC_DRAW_SCRATCH * 1024 * sizeof *scratch);
    for (size_t i = 0; i < n; i += 1024)
        cmc_dist_draw(d, k, i, n - i < 1024 ? n - i : 1024, x + i, scratch);
    free(scratch);
}

/* sqrt(n) times the Kolmogorov-Smirnov distance between the sorted sample x and
   F, taking atoms into account (see the file header). */
static double ks_stat(const cmc_dist *d, const double *x, size_t n)
{
    double dmax = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && x[j] == x[i])
            j++;
        /* F(x-) differs from F(x) only at an atom, which shows as a tie */
        double f = cmc_dist_cdf(d, x[i]);
        double fm = j > i + 1 ? cmc_dist_cdf(d, nextafter(x[i], -INFINITY)) : f;
        dmax = fmax(dmax, fabs((double)j / n - f));   /* at x */
        dmax = fmax(dmax, fabs((double)i / n - fm));  /* just left of x */
        i = j;
    }
    return sqrt((double)n) * dmax;
}

typedef struct moments {
    double mean, sd;
} moments;

static moments moments_of(const double *x, size_t n)
{
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++) {   /* Welford */
        double dx = x[i] - m;
        m += dx / (double)(i + 1);
        s += dx * (x[i] - m);
    }
    return (moments){m, sqrt(s / (double)(n - 1))};
}

/* Chi-square p-value of the counts of the support values v[0..m) (sorted,
   distinct) against their probabilities under d; *off counts samples that are
   none of them. x is sorted. */
static double chi2_p(const cmc_dist *d, const double *x, size_t n, const double *v,
                     size_t m, size_t *off)
{
    double chi2 = 0, ptotal = 0;
    size_t i = 0, seen = 0;
    *off = 0;
    for (size_t j = 0; j < m; j++) {
        size_t c = 0;
        while (i < n && x[i] < v[j])
            (*off)++, i++;
        while (i < n && x[i] == v[j])
            c++, i++;
        double p = cmc_dist_cdf(d, v[j]) - cmc_dist_cdf(d, nextafter(v[j], -INFINITY));
        double e = p * (double)n;
        ptotal += p;
        seen += c;
        if (p > 0)
            chi2 += ((double)c - e) * ((double)c - e) / e;
        else if (c)
            (*off) += c;
    }
    *off += n - i;
    CHECK_MSG(fabs(ptotal - 1) < 1e-12, "support probabilities sum to %.17g", ptotal);
    return gsl_cdf_chisq_Q(chi2, (double)(m - 1));
}

/* Bit-identical results whatever the partition into blocks. */
static void check_partition(const char *label, const cmc_dist *d, const cmc_rng_key *k)
{
    enum { M = 10000 };
    static const size_t sizes[] = {1, 7, 333, 2, 1024, 5, 64, 3, 999, 1, 1, 128, 17};
    const size_t nsizes = sizeof sizes / sizeof sizes[0];
    double *all = malloc((M + 1) * sizeof *all), *part = malloc(M * sizeof *part);
    for (int start = 0; start < 2; start++) {
        uint64_t i0 = 12345u + (uint64_t)start;   /* odd, then even */
        double *scratch = malloc(CMC_DRAW_SCRATCH * M * sizeof *scratch);
        for (size_t i = 0; i < CMC_DRAW_SCRATCH * (size_t)M; i++)
            scratch[i] = NAN;
        all[M] = -12345.5;   /* must stay untouched */
        cmc_dist_draw(d, k, i0, M, all, scratch);
        CHECK_MSG(all[M] == -12345.5, "%s: wrote past the block", label);
        free(scratch);

        size_t done = 0;
        for (size_t s = (size_t)start; done < M; s++) {
            size_t m = sizes[s % nsizes];
            if (m > M - done)
                m = M - done;
            /* exactly CMC_DRAW_SCRATCH * m doubles: ASan catches overruns */
            double *sc = malloc(CMC_DRAW_SCRATCH * m * sizeof *sc);
            for (size_t i = 0; i < CMC_DRAW_SCRATCH * m; i++)
                sc[i] = (double)(i * 7919 % 101) - 50.25;
            cmc_dist_draw(d, k, i0 + done, m, part + done, sc);
            free(sc);
            done += m;
        }
        CHECK_MSG(memcmp(all, part, M * sizeof *all) == 0,
                  "%s: pieces differ from one block (i0 = %llu)", label,
                  (unsigned long long)i0);
    }
    free(all);
    free(part);
}

/* Inversion kinds: sample i is Q(u_i), u_i the stream-0 uniform of sample i. */
static void check_inversion(const char *label, const cmc_dist *d, const cmc_rng_key *k)
{
    enum { M = 3000 };
    double x[M], u[M], scratch[CMC_DRAW_SCRATCH * M];
    double spread = cmc_dist_quantile(d, 0.75) - cmc_dist_quantile(d, 0.25);
    double worst = 0;
    cmc_dist_draw(d, k, 7, M, x, scratch);
    cmc_rng_uniform(k, 0, 7, M, u);
    for (int i = 0; i < M; i++) {
        double want = cmc_dist_quantile(d, u[i]);
        double err = fabs(x[i] - want) / (fabs(want) + spread);
        worst = fmax(worst, err);
    }
    CHECK_MSG(worst < 1e-14, "%s: draws differ from Q(u) by %.3g (relative)", label,
              worst);
}

#define INV 1   /* check_dist's `inversion`: a closed-form quantile */
#define TAB 2   /* beta, pert: inversion through the quantile table */
#define TTAB 3  /* truncations of beta, pert, gamma: through a quantile table */

/* Beta and pert: inversion through the quantile table (see the file header). */
static void check_table(const char *label, const cmc_dist *d, const cmc_rng_key *k)
{
    enum { M = 3000, R = 20000, T = 1000 };
    double x[M], u[M], scratch[CMC_DRAW_SCRATCH * M];
    int pert = d->type->kind == CMC_DIST_PERT;
    double a = pert ? d->q[0] : d->p[0], b = pert ? d->q[1] : d->p[1];
    double lo = pert ? d->p[0] : 0, w = pert ? d->p[2] - d->p[0] : 1;
    CHECK_MSG(d->qtable != NULL, "%s: no quantile table", label);
    if (!d->qtable)
        return;
    cmc_dist_draw(d, k, 7, M, x, scratch);
    cmc_rng_uniform(k, 0, 7, M, u);
    CHECK(cmc_dist_invert(d, u, M) == 0);
    CHECK_MSG(memcmp(x, u, sizeof x) == 0, "%s: draws are not the inversion of stream 0",
              label);

    double worst = 0, at = 0;
    for (int i = 0; i < R + 2 * T; i++) {
        double v;
        if (i < R)
            v = (i + 0.5) / R;
        else   /* 2^-2 .. 2^-62, 1000 levels, on both sides */
            v = ldexp(1 + (i % 17) / 17.0, -2 - (i - R) / 2 * 60 / T);
        if (i >= R && i % 2)
            v = 1 - v;
        double got = v;
        cmc_dist_invert(d, &got, 1);
        double z = v > 0.5 ? gsl_cdf_beta_Qinv(1 - v, a, b) : gsl_cdf_beta_Pinv(v, a, b);
        if (!(z == z))
            continue;   /* GSL gave up: nothing to compare with */
        double want = pert ? fmin(lo + z * w, d->p[2]) : z;
        double err = want != 0 ? fabs(got - want) / fabs(want) : fabs(got);
        if (!(err <= worst))
            worst = err, at = v;
    }
    printf("  %-58s table within %.2g of GSL (worst at u = %.3g)\n", label, worst, at);
    CHECK_MSG(worst <= CMC_QTAB_TOL, "%s: table off GSL's quantile by %.3g at u = %.17g",
              label, worst, at);
}

/*
 * Truncations of beta, pert and gamma: inversion of F(lo) + u (F(hi) - F(lo)) (or
 * of the upper tail) through a quantile table. The draws are the inversion of
 * stream 0; and every inverted level x is checked against GSL's CDF: F(x) must
 * reach the level s within what a quantile relative error of 2 CMC_QTAB_TOL moves
 * it (f(x) x 2 CMC_QTAB_TOL) plus the rounding of s, on a grid of u and near both
 * ends.
 */
static double gsl_tail(const cmc_dist *in, double x, int upper, double *pdf)
{
    double a, b, lo = 0, w = 1, z;
    switch (in->type->kind) {
    case CMC_DIST_GAMMA:
        *pdf = gsl_ran_gamma_pdf(x, in->p[0], in->p[1]);
        return upper ? gsl_cdf_gamma_Q(x, in->p[0], in->p[1])
                     : gsl_cdf_gamma_P(x, in->p[0], in->p[1]);
    case CMC_DIST_PERT:
        a = in->q[0], b = in->q[1], lo = in->p[0], w = in->p[2] - in->p[0];
        break;
    default:
        a = in->p[0], b = in->p[1];
        break;
    }
    z = (x - lo) / w;
    *pdf = gsl_ran_beta_pdf(z, a, b) / w;
    return upper ? gsl_cdf_beta_Q(z, a, b) : gsl_cdf_beta_P(z, a, b);
}

static void check_trunc_table(const char *label, const cmc_dist *d, const cmc_rng_key *k)
{
    enum { M = 3000, R = 20000, T = 200 };
    double x[M], u[M], scratch[CMC_DRAW_SCRATCH * M];
    const cmc_dist *in = d->parts[0];
    CHECK_MSG((in->type->kind == CMC_DIST_GAMMA ? d->qtable : in->qtable) != NULL,
              "%s: no quantile table", label);
    cmc_dist_draw(d, k, 7, M, x, scratch);
    cmc_rng_uniform(k, 0, 7, M, u);
    CHECK(cmc_dist_invert(d, u, M) == 0);
    CHECK_MSG(memcmp(x, u, sizeof x) == 0, "%s: draws are not the inversion of stream 0",
              label);
    double flo, fhi, pdf;
    int upper = gsl_tail(in, d->p[0], 1, &pdf) < gsl_tail(in, d->p[1], 0, &pdf);
    flo = gsl_tail(in, d->p[0], upper, &pdf);   /* the tail's level at lo, at hi */
    fhi = gsl_tail(in, d->p[1], upper, &pdf);
    double worst = 0, at = 0;
    for (int i = 0; i < R + 2 * T; i++) {
        double v = i < R ? (i + 0.5) / R : ldexp(1 + (i % 7) / 7.0, -2 - (i - R) / 2 * 40 / T);
        if (i >= R && i % 2)
            v = 1 - v;
        double got = v;
        cmc_dist_invert(d, &got, 1);
        double s = flo + v * (fhi - flo);
        double f = gsl_tail(in, got, upper, &pdf);
        double tol = pdf * fabs(got) * 2 * CMC_QTAB_TOL + 4 * DBL_EPSILON * (flo + fabs(s));
        double err = fabs(f - s) / tol;
        if (!(err <= worst))
            worst = err, at = v;
    }
    printf("  %-58s F(x) within %.2g of its tolerance (worst at u = %.3g)\n", label, worst,
           at);
    CHECK_MSG(worst <= 1, "%s: F(Q(u)) off the level by %.3g of the tolerance at u = %.17g",
              label, worst, at);
}

typedef struct support {
    const double *v;
    size_t m;
} support;

/* The statistical tests; frees d. lo, hi: bounds every sample must respect. */
static void check_dist(const char *label, cmc_dist *d, double lo, double hi, int inversion,
                       support disc)
{
    if (!d)
        return;
    cmc_rng_key k = cmc_rng_key_make(SEED, label);
    double *x = malloc(N * sizeof *x);
    draw_all(d, &k, x, N);

    size_t bad = 0;
    for (size_t i = 0; i < N; i++)
        bad += !(x[i] >= lo && x[i] <= hi);
    CHECK_MSG(bad == 0, "%s: %zu samples outside [%g, %g] or NaN", label, bad, lo, hi);

    moments mo = moments_of(x, N);
    double want = cmc_dist_mean(d);
    double z = mo.sd > 0 ? (mo.mean - want) / (mo.sd / sqrt((double)N))
                         : (mo.mean == want ? 0 : INFINITY);   /* a point mass */
    CHECK_MSG(fabs(z) < MEAN_SE, "%s: mean %.10g, want %.10g (%.2f standard errors)",
              label, mo.mean, want, z);

    qsort(x, N, sizeof *x, cmp_double);
    double ks = ks_stat(d, x, N);
    CHECK_MSG(ks < KS_CRIT, "%s: sqrt(n) D = %.3f >= %.2f", label, ks, KS_CRIT);
    double p = -1;
    if (disc.v) {
        size_t off;
        p = chi2_p(d, x, N, disc.v, disc.m, &off);
        CHECK_MSG(off == 0, "%s: %zu samples off the support", label, off);
        CHECK_MSG(p > CHI2_P, "%s: chi-square p = %.3g", label, p);
    }
    printf("  %-58s KS %.3f  mean %+6.2f se%s", label, ks, z, p >= 0 ? "" : "\n");
    if (p >= 0)
        printf("  chi2 p %.3f\n", p);

    check_partition(label, d, &k);
    if (inversion == INV)
        check_inversion(label, d, &k);
    else if (inversion == TAB)
        check_table(label, d, &k);
    else if (inversion == TTAB)
        check_trunc_table(label, d, &k);
    free(x);
    cmc_dist_free(d);
}

#define NOSUP ((support){NULL, 0})

static void continuous(void)
{
    printf("continuous kinds\n");
    check_dist("uniform(90, 100)", MK("uniform", 90, 100), 90, 100, INV, NOSUP);
    check_dist("triangular(20000, 25000, 30000)", MK("triangular", 20000, 25000, 30000),
               20000, 30000, INV, NOSUP);
    check_dist("triangular(5.5, 6.5, 6.5)", MK("triangular", 5.5, 6.5, 6.5), 5.5, 6.5, INV,
               NOSUP);
    check_dist("triangular(1.10, 1.18, 1.40)", MK("triangular", 1.10, 1.18, 1.40), 1.10,
               1.40, INV, NOSUP);
    check_dist("triangular(0, 0, 1)", MK("triangular", 0, 0, 1), 0, 1, INV, NOSUP);
    check_dist("normal(10, 2)", MK("normal", 10, 2), -INFINITY, INFINITY, INV, NOSUP);
    check_dist("normal(0, 1)", MK("normal", 0, 1), -INFINITY, INFINITY, INV, NOSUP);
    check_dist("lognormal(1, 0.5)", MK("lognormal", 1, 0.5), 0, INFINITY, INV, NOSUP);
    check_dist("lognormal(-3, 1.5)", MK("lognormal", -3, 1.5), 0, INFINITY, INV, NOSUP);
    check_dist("20 to 450", MK("to", 20, 450), 0, INFINITY, INV, NOSUP);
    check_dist("20000 to 30000", MK("to", 20000, 30000), 0, INFINITY, INV, NOSUP);
    check_dist("exponential(0.5)", MK("exponential", 0.5), 0, INFINITY, INV, NOSUP);
    check_dist("weibull(1.5, 2)", MK("weibull", 1.5, 2), 0, INFINITY, INV, NOSUP);
    check_dist("weibull(0.5, 1)", MK("weibull", 0.5, 1), 0, INFINITY, INV, NOSUP);
    check_dist("weibull(8, 100)", MK("weibull", 8, 100), 0, INFINITY, INV, NOSUP);
}

static void rejection(void)
{
    printf("gamma (Marsaglia-Tsang)\n");
    check_dist("gamma(0.2, 1)", MK("gamma", 0.2, 1), 0, INFINITY, 0, NOSUP);
    check_dist("gamma(0.7, 3)", MK("gamma", 0.7, 3), 0, INFINITY, 0, NOSUP);
    check_dist("gamma(1, 1)", MK("gamma", 1, 1), 0, INFINITY, 0, NOSUP);
    check_dist("gamma(2.5, 0.4)", MK("gamma", 2.5, 0.4), 0, INFINITY, 0, NOSUP);
    check_dist("gamma(1000, 0.01)", MK("gamma", 1000, 0.01), 0, INFINITY, 0, NOSUP);
    printf("beta, pert (quantile table)\n");
    check_dist("beta(8, 2)", MK("beta", 8, 2), 0, 1, TAB, NOSUP);
    check_dist("beta(1, 1)", MK("beta", 1, 1), 0, 1, TAB, NOSUP);
    check_dist("beta(0.5, 0.5)", MK("beta", 0.5, 0.5), 0, 1, TAB, NOSUP);
    check_dist("beta(0.3, 2)", MK("beta", 0.3, 2), 0, 1, TAB, NOSUP);
    check_dist("beta(2, 0.7)", MK("beta", 2, 0.7), 0, 1, TAB, NOSUP);
    check_dist("beta(200, 300)", MK("beta", 200, 300), 0, 1, TAB, NOSUP);
    check_dist("pert(0, 3, 10)", MK("pert", 0, 3, 10), 0, 10, TAB, NOSUP);
    check_dist("pert(5.5, 6.5, 6.5)", MK("pert", 5.5, 6.5, 6.5), 5.5, 6.5, TAB, NOSUP);
    printf("beta without a table (gamma ratios)\n");
    cmc_dist *steep = MK("beta", 0.1, 0.1);
    CHECK_MSG(steep && !steep->qtable, "beta(0.1, 0.1) has a quantile table");
    check_dist("beta(0.1, 0.1)", steep, 0, 1, 0, NOSUP);
}

static void discrete(void)
{
    printf("choice\n");
    static const double v1[] = {240.6, 20}, s1[] = {20, 240.6};
    check_dist("choice(240.6, 20)", choice(v1, NULL, 2), 20, 240.6, INV, (support){s1, 2});

    /* unsorted, repeated values, a zero weight (2 must never appear) */
    static const double v2[] = {3, 1, 3, 2, 5, -1}, w2[] = {1, 2, 1, 0, 4, 0.5};
    static const double s2[] = {-1, 1, 3, 5};
    check_dist("choice(3: 1, 1: 2, 3: 1, 2: 0, 5: 4, -1: 0.5)", choice(v2, w2, 6), -1, 5,
               INV, (support){s2, 4});

    /* 40 values: the binary-search path */
    double v3[40], w3[40], s3[40];
    for (int i = 0; i < 40; i++) {
        v3[i] = (double)((i * 17) % 40) * 0.25;   /* a permutation of 0 .. 9.75 */
        w3[i] = 1 + (i % 7);
        s3[i] = i * 0.25;
    }
    check_dist("choice(40 values, weights 1..7)", choice(v3, w3, 40), 0, 9.75, INV,
               (support){s3, 40});

    static const double v4[] = {42};
    check_dist("choice(42)", choice(v4, NULL, 1), 42, 42, INV, (support){v4, 1});
}

static void truncated(void)
{
    printf("truncate\n");
    check_dist("truncate(normal(10, 2), 9, 15)", truncate(MK("normal", 10, 2), 9, 15), 9,
               15, INV, NOSUP);
    check_dist("truncate(normal(0, 1), 3, 4)", truncate(MK("normal", 0, 1), 3, 4), 3, 4,
               INV, NOSUP);
    check_dist("truncate(normal(0, 1), 8, 9)", truncate(MK("normal", 0, 1), 8, 9), 8, 9,
               INV, NOSUP);
    check_dist("truncate(normal(0, 1), -4, -3)", truncate(MK("normal", 0, 1), -4, -3), -4,
               -3, INV, NOSUP);
    check_dist("truncate(lognormal(0, 1), 0.5, 3)", truncate(MK("lognormal", 0, 1), 0.5, 3),
               0.5, 3, INV, NOSUP);
    check_dist("truncate(20 to 450, 100, 1000)", truncate(MK("to", 20, 450), 100, 1000),
               100, 1000, INV, NOSUP);
    check_dist("truncate(uniform(0, 10), 2, 3)", truncate(MK("uniform", 0, 10), 2, 3), 2, 3,
               INV, NOSUP);
    check_dist("truncate(triangular(0, 1, 4), 0.5, 3.9)",
               truncate(MK("triangular", 0, 1, 4), 0.5, 3.9), 0.5, 3.9, INV, NOSUP);
    check_dist("truncate(exponential(2), 0.1, 0.5)",
               truncate(MK("exponential", 2), 0.1, 0.5), 0.1, 0.5, INV, NOSUP);
    check_dist("truncate(exponential(1), 0, 1e-6)", truncate(MK("exponential", 1), 0, 1e-6),
               0, 1e-6, INV, NOSUP);
    check_dist("truncate(exponential(1), 30, 40)", truncate(MK("exponential", 1), 30, 40),
               30, 40, INV, NOSUP);
    check_dist("truncate(weibull(1.5, 2), 1, 3)", truncate(MK("weibull", 1.5, 2), 1, 3), 1,
               3, INV, NOSUP);
    /* no closed-form quantile: through a quantile table */
    check_dist("truncate(beta(2, 3), 0.2, 0.9)", truncate(MK("beta", 2, 3), 0.2, 0.9), 0.2,
               0.9, TTAB, NOSUP);
    check_dist("truncate(beta(2, 5), 0.1, 0.9)", truncate(MK("beta", 2, 5), 0.1, 0.9), 0.1,
               0.9, TTAB, NOSUP);
    check_dist("truncate(beta(0.5, 0.5), 1e-6, 0.3)",
               truncate(MK("beta", 0.5, 0.5), 1e-6, 0.3), 1e-6, 0.3, TTAB, NOSUP);
    check_dist("truncate(beta(2, 8), 0.7, 0.9)", truncate(MK("beta", 2, 8), 0.7, 0.9), 0.7,
               0.9, TTAB, NOSUP);
    check_dist("truncate(pert(1, 2, 5), 1.5, 4)", truncate(MK("pert", 1, 2, 5), 1.5, 4), 1.5,
               4, TTAB, NOSUP);
    check_dist("truncate(gamma(2, 1), 1, 3)", truncate(MK("gamma", 2, 1), 1, 3), 1, 3, TTAB,
               NOSUP);
    check_dist("truncate(gamma(2, 1), 0.5, 5)", truncate(MK("gamma", 2, 1), 0.5, 5), 0.5, 5,
               TTAB, NOSUP);
    check_dist("truncate(gamma(0.7, 2), 0.01, 3)", truncate(MK("gamma", 0.7, 2), 0.01, 3),
               0.01, 3, TTAB, NOSUP);
    check_dist("truncate(gamma(3, 1), 15, 20)", truncate(MK("gamma", 3, 1), 15, 20), 15, 20,
               TTAB, NOSUP);
    /* a mixture: the mixture of its components' truncations (not one inversion) */
    {
        cmc_dist *p[] = {MK("gamma", 2, 1), MK("normal", 5, 1), MK("uniform", 7, 9)};
        check_dist("truncate(mixture(gamma(2, 1), normal(5, 1), uniform(7, 9)), 0.5, 6)",
                   truncate(mixture(p, PARAMS(1, 2, 1)), 0.5, 6), 0.5, 6, 0, NOSUP);
    }
    check_dist("truncate(truncate(normal(0, 1), -2, 2), 0, 5)",
               truncate(truncate(MK("normal", 0, 1), -2, 2), 0, 5), 0, 2, INV, NOSUP);
    static const double v[] = {5, 1, 2, 3, 4, 2}, w[] = {1, 1, 2, 3, 4, 1};
    static const double s[] = {2, 3, 4};
    check_dist("truncate(choice(5, 1, 2, 3, 4, 2: weighted), 2, 4)",
               truncate(choice(v, w, 6), 2, 4), 2, 4, INV, (support){s, 3});
}

static void mixtures(void)
{
    printf("mixture\n");
    {
        cmc_dist *p[] = {MK("normal", 0, 1), MK("normal", 5, 0.5)};
        check_dist("mixture(normal(0, 1): 1, normal(5, 0.5): 2)",
                   mixture(p, (const double[]){1, 2}, 2), -INFINITY, INFINITY, 0, NOSUP);
    }
    {
        /* an atom at 0 inside a continuous distribution */
        static const double zero[] = {0};
        cmc_dist *p[] = {MK("lognormal", 0, 0.5), choice(zero, NULL, 1)};
        check_dist("mixture(lognormal(0, 0.5): 0.7, choice(0): 0.3)",
                   mixture(p, (const double[]){0.7, 0.3}, 2), 0, INFINITY, 0, NOSUP);
    }
    {
        /* purely discrete: chi-square on the union of the supports */
        static const double a[] = {1, 2}, b[] = {2, 3}, s[] = {1, 2, 3};
        cmc_dist *p[] = {choice(a, NULL, 2), choice(b, (const double[]){1, 3}, 2)};
        check_dist("mixture(choice(1, 2): 1, choice(2: 1, 3: 3): 1)",
                   mixture(p, NULL, 2), 1, 3, 0, (support){s, 3});
    }
    {
        /* nested: a mixture inside a mixture, rejection and truncation inside */
        cmc_dist *in[] = {MK("uniform", 0, 1), MK("beta", 2, 5)};
        cmc_dist *p[] = {mixture(in, NULL, 2), truncate(MK("normal", 0, 1), -1, 2),
                         MK("gamma", 3, 0.5)};
        check_dist("mixture(mixture(uniform, beta): 1, truncate(normal): 1, gamma: 2)",
                   mixture(p, (const double[]){1, 1, 2}, 3), -1, INFINITY, 0, NOSUP);
    }
    {
        /* 20 components and a zero weight: the run-by-run path */
        cmc_dist *p[21];
        double w[21];
        for (int j = 0; j < 20; j++) {
            p[j] = MK("normal", j, 0.3);
            w[j] = j + 1;
        }
        p[20] = MK("uniform", 100, 101);
        w[20] = 0;
        check_dist("mixture(normal(j, 0.3): j + 1 for j < 20, uniform(100, 101): 0)",
                   mixture(p, w, 21), -INFINITY, 30, 0, NOSUP);
    }
    {
        cmc_dist *p[] = {MK("pert", 0, 1, 2), MK("triangular", 1, 2, 5)};
        check_dist("mixture(pert(0, 1, 2): 0.02, triangular(1, 2, 5): 0.98)",
                   mixture(p, (const double[]){0.02, 0.98}, 2), 0, 5, 0, NOSUP);
    }
}

/* The statistics above must be able to fail. */
static void wrong_samplers(void)
{
    printf("wrong samplers (must be rejected)\n");
    double *x = malloc(N * sizeof *x);
    cmc_dist *ref = MK("normal", 0, 1), *wide = MK("normal", 0, 1.05);
    cmc_dist *shift = MK("normal", 0.03, 1);
    cmc_rng_key k = cmc_rng_key_make(SEED, "normal(0, 1)");

    draw_all(wide, &k, x, N);
    qsort(x, N, sizeof *x, cmp_double);
    double ks = ks_stat(ref, x, N);
    printf("  normal(0, 1.05) judged as normal(0, 1): KS %.3f\n", ks);
    CHECK_MSG(ks > KS_CRIT, "KS accepts sigma 1.05 for 1: %.3f", ks);

    draw_all(shift, &k, x, N);
    moments mo = moments_of(x, N);
    double z = mo.mean / (mo.sd / sqrt((double)N));
    printf("  normal(0.03, 1) judged as mean 0: %.2f se\n", z);
    CHECK_MSG(fabs(z) > MEAN_SE, "mean test accepts a shift of 0.03 sigma: %.2f se", z);

    static const double v[] = {1, 2}, s[] = {1, 2};
    cmc_dist *fair = choice(v, NULL, 2), *tilted = choice(v, (const double[]){51, 49}, 2);
    draw_all(fair, &k, x, N);
    qsort(x, N, sizeof *x, cmp_double);
    size_t off;
    double p = chi2_p(tilted, x, N, s, 2, &off);
    printf("  choice(1, 2) judged as choice(1: 51, 2: 49): chi2 p %.3g\n", p);
    CHECK_MSG(p < CHI2_P, "chi-square accepts 51:49 for 50:50: p = %.3g", p);

    cmc_dist_free(ref);
    cmc_dist_free(wide);
    cmc_dist_free(shift);
    cmc_dist_free(fair);
    cmc_dist_free(tilted);
    free(x);
}

/* Changing the key changes the draws; the same key repeats them. */
static void keys(void)
{
    cmc_dist *d = MK("beta", 8, 2);
    double a[256], b[256], c[256], sc[CMC_DRAW_SCRATCH * 256];
    cmc_rng_key k1 = cmc_rng_key_make(1, "load"), k2 = cmc_rng_key_make(2, "load");
    cmc_rng_key k3 = cmc_rng_key_make(1, "load2");
    cmc_dist_draw(d, &k1, 0, 256, a, sc);
    cmc_dist_draw(d, &k2, 0, 256, b, sc);
    cmc_dist_draw(d, &k3, 0, 256, c, sc);
    int same_b = 0, same_c = 0;
    for (int i = 0; i < 256; i++) {
        same_b += a[i] == b[i];
        same_c += a[i] == c[i];
    }
    CHECK(same_b == 0);
    CHECK(same_c == 0);
    cmc_dist_draw(d, &k1, 0, 256, b, sc);
    CHECK(memcmp(a, b, sizeof a) == 0);
    cmc_dist_free(d);
}

int main(void)
{
    gsl_set_error_handler_off();
    printf("N = %d; pass: KS sqrt(N) D < %.2f, |mean error| < %.0f se, chi2 p > %g\n", N,
           KS_CRIT, MEAN_SE, CHI2_P);
    continuous();
    rejection();
    discrete();
    truncated();
    mixtures();
    wrong_samplers();
    keys();
    return CHECK_DONE();
}
