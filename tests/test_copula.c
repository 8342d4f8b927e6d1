/*
 * test_copula.c: correlated inputs (copula.c) and the given-data first-order index
 * (sens.c), end to end through cmc_run: the nearest correlation matrix against
 * Higham's own example, achieved Spearman correlations within their sampling error
 * of the target for groups of 2 and 4, marginals unchanged (bit for bit for a
 * group's first input, within the percentiles' intervals for the rest),
 * bit-identical results for 1, 2 and 7 threads under every design, and the
 * given-data index against its closed form for a linear model of correlated
 * normal inputs.
 */
#include "carbonmc.h"
#include "check.h"
#include "copula.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>

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

static cmc_results *run(const cmc_model *m, uint64_t n, int threads, cmc_design_kind design,
                        int sens)
{
    cmc_run_options o = {0};
    o.samples = n;
    o.seed = 7;
    o.threads = threads;
    o.design = design;
    o.sensitivity = sens;
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = cmc_run(m, &o, d);
    if (!r)
        for (size_t i = 0; i < cmc_diags_count(d); i++)
            fprintf(stderr, "run: %s\n", cmc_diags_get(d, i)->msg);
    cmc_diags_free(d);
    return r;
}

/* Higham (2002), section 4: the nearest correlation matrix to
   [[1 1 0] [1 1 1] [0 1 1]] has off-diagonals 0.7607 (twice) and 0.1573. */
static void test_nearest(void)
{
    double a[9] = {1, 1, 0, 1, 1, 1, 0, 1, 1}, L[9];
    CHECK(cmc_cholesky_psd(a, L, 3) < 0);
    CHECK(cmc_nearest_correlation(a, 3) > 0);
    CHECK(fabs(a[1] - 0.7607) < 6e-5 && fabs(a[5] - 0.7607) < 6e-5);
    CHECK(fabs(a[2] - 0.1573) < 6e-5);
    CHECK(a[0] == 1 && a[4] == 1 && a[8] == 1 && a[1] == a[3]);
    CHECK(cmc_cholesky_psd(a, L, 3) == 0);
    /* a valid matrix stays where it is */
    double b[4] = {1, 0.3, 0.3, 1};
    CHECK(cmc_nearest_correlation(b, 2) > 0);
    CHECK(fabs(b[1] - 0.3) < 1e-12);
    /* rank +-1: semi-definite, factorised */
    double c[4] = {1, 1, 1, 1};
    CHECK(cmc_cholesky_psd(c, L, 2) == 0 && L[2] == 1 && L[3] == 0);
}

/* The standard error of Spearman's rho at n pairs: (1 - rho^2) sqrt((1 + rho^2/2)/n). */
static double rho_se(double rho, double n)
{
    return (1 - rho * rho) * sqrt((1 + rho * rho / 2) / n);
}

static const char *four =
    "a = normal(0, 1)\n"
    "b = lognormal(0, 0.5)\n"
    "c = gamma(2, 1)\n"
    "d = beta(2, 5)\n"
    "y = a + b + c + d\n"
    "output y\n"
    "correlate a, b, c, d: 0.6, 0.3, -0.2,\n"
    "                      0.5, 0.1,\n"
    "                      0.4\n";

static void test_achieved(void)
{
    const double want[6] = {0.6, 0.3, -0.2, 0.5, 0.1, 0.4};
    cmc_model *m = load(four);
    CHECK(m != NULL);
    if (!m)
        return;
    const uint64_t N = 200000;
    cmc_results *r = run(m, N, 2, CMC_DESIGN_MC, 0);
    CHECK(r && r->ncorrelations == 6);
    for (size_t p = 0; r && p < r->ncorrelations; p++) {
        const cmc_correlation *c = &r->correlations[p];
        CHECK(c->named && c->used == c->requested && c->requested == want[p]);
        CHECK_MSG(fabs(c->achieved - want[p]) < 4 * rho_se(want[p], N), "%s, %s: %g", c->a,
                  c->b, c->achieved);
        CHECK(c->ci_low < c->achieved && c->achieved < c->ci_high);
        CHECK(c->ci_high - c->ci_low < 5 * rho_se(want[p], N));
    }
    cmc_results_free(r);
    cmc_model_free(m);

    /* a group of two, with the rest independent and not reported */
    m = load("x = 10 to 20\nz = uniform(0, 1)\nw = triangular(0, 1, 3)\n"
             "y = x * z + w\noutput y\ncorrelate x, w: -0.7\n");
    CHECK(m != NULL);
    r = m ? run(m, N, 2, CMC_DESIGN_MC, 0) : NULL;
    CHECK(r && r->ncorrelations == 1);
    if (r && r->ncorrelations == 1)
        CHECK(fabs(r->correlations[0].achieved + 0.7) < 4 * rho_se(0.7, N));
    cmc_results_free(r);
    cmc_model_free(m);
}

/* Marginals: the first input of a group draws exactly its uncorrelated values; the
   others' percentiles agree within their Monte Carlo intervals. */
static void test_marginals(void)
{
    const char *base = "a = normal(0, 1)\nb = lognormal(0, 0.5)\nc = gamma(2, 1)\n"
                       "d = beta(2, 5)\ny = a + b + c + d\noutput y\n";
    cmc_model *m0 = load(base), *m1 = load(four);
    CHECK(m0 && m1);
    if (!m0 || !m1)
        return;
    for (int design = 0; design < 3; design++) {
        uint64_t N = CMC_SANITIZED ? 1 << 14 : 1 << 16;   /* smaller under ASan (check.h) */
        cmc_results *r0 = run(m0, N, 2, (cmc_design_kind)design, 0);
        cmc_results *r1 = run(m1, N, 2, (cmc_design_kind)design, 0);
        CHECK(r0 && r1);
        if (!r0 || !r1)
            continue;
        const cmc_stat *a0 = &r0->inputs[0], *a1 = &r1->inputs[0];
        CHECK(a0->mean == a1->mean);
        for (size_t i = 0; i < a0->npercentiles; i++)
            CHECK(a0->value[i] == a1->value[i]);
        for (size_t k = 1; k < 4; k++) {
            const cmc_stat *x0 = &r0->inputs[k], *x1 = &r1->inputs[k];
            for (size_t i = 0; i < x0->npercentiles; i++) {
                double h = (x0->ci_high[i] - x0->ci_low[i]) + (x1->ci_high[i] - x1->ci_low[i]);
                CHECK_MSG(fabs(x0->value[i] - x1->value[i]) <= h / 2 * 1.5 + 1e-12,
                          "design %d, %s P%g: %g against %g", design, x0->name,
                          100 * x0->p[i], x1->value[i], x0->value[i]);
            }
            double se = sqrt(x0->mean_se * x0->mean_se + x1->mean_se * x1->mean_se);
            CHECK(fabs(x0->mean - x1->mean) < 4.5 * se);
        }
        cmc_results_free(r0);
        cmc_results_free(r1);
    }
    cmc_model_free(m0);
    cmc_model_free(m1);
}

static int same_stat(const cmc_stat *a, const cmc_stat *b)
{
    if (a->mean != b->mean || a->std != b->std || a->npercentiles != b->npercentiles)
        return 0;
    for (size_t i = 0; i < a->npercentiles; i++)
        if (a->value[i] != b->value[i] || a->ci_low[i] != b->ci_low[i] ||
            a->ci_high[i] != b->ci_high[i])
            return 0;
    return 1;
}

/* 1, 2 and 7 threads give the same bits under every design, correlations too. */
static void test_threads(void)
{
    cmc_model *m = load(four);
    CHECK(m != NULL);
    if (!m)
        return;
    for (int design = 0; design < 3; design++) {
        cmc_results *r[3];
        const int th[3] = {1, 2, 7};
        for (int t = 0; t < 3; t++)
            r[t] = run(m, CMC_SANITIZED ? 25000 : 50000, th[t], (cmc_design_kind)design,
                       design == 0);   /* 25 blocks or 49 over 7 threads */
        CHECK(r[0] && r[1] && r[2]);
        for (int t = 1; t < 3 && r[0] && r[t]; t++) {
            CHECK(same_stat(&r[0]->outputs[0], &r[t]->outputs[0]));
            for (size_t k = 0; k < 4; k++)
                CHECK(same_stat(&r[0]->inputs[k], &r[t]->inputs[k]));
            for (size_t p = 0; p < r[0]->ncorrelations; p++)
                CHECK(r[0]->correlations[p].achieved == r[t]->correlations[p].achieved &&
                      r[0]->correlations[p].ci_low == r[t]->correlations[p].ci_low);
            if (design == 0 && r[0]->nsensitivity && r[t]->nsensitivity)
                for (size_t j = 0; j < 4; j++)
                    CHECK(r[0]->sensitivity[0].given[j] == r[t]->sensitivity[0].given[j] &&
                          r[0]->sensitivity[0].given_ci_low[j] ==
                              r[t]->sensitivity[0].given_ci_low[j]);
        }
        for (int t = 0; t < 3; t++)
            cmc_results_free(r[t]);
    }
    cmc_model_free(m);
}

/* The given-data index of Y = X1 + 2 X2 + X3, standard normal inputs, X1 and X2
   with Spearman 0.5 (Pearson r = 2 sin(pi/12)), X3 independent: E[Y | X_i] is
   linear, S_i = Cov(Y, X_i)^2 / Var(Y). The estimator bins X_i into M equal-
   probability bins, which keeps the fraction f(M) = sum_b M (phi(z_b) -
   phi(z_b+1))^2 of Var(X_i) (the bins' means of a normal): the target is f S_i. */
static void test_given(void)
{
    cmc_model *m = load("x1 = normal(0, 1)\nx2 = normal(0, 1)\nx3 = normal(0, 1)\n"
                        "y = x1 + 2 * x2 + x3\noutput y\ncorrelate x1, x2: 0.5\n");
    CHECK(m != NULL);
    if (!m)
        return;
    const uint64_t N = 200000;
    cmc_results *r = run(m, N, 2, CMC_DESIGN_MC, 1);
    CHECK(r && r->nsensitivity == 1 && r->sensitivity[0].given);
    if (!r || !r->nsensitivity || !r->sensitivity[0].given) {
        cmc_results_free(r);
        cmc_model_free(m);
        return;
    }
    const cmc_sensitivity *se = &r->sensitivity[0];
    double rr = 2 * sin(M_PI * 0.5 / 6), v = 6 + 4 * rr;
    double cov[3] = {1 + 2 * rr, 2 + rr, 1};
    size_t M = se->given_bins;
    double f = 0;
    for (size_t b = 0; b < M; b++) {
        double lo = b ? gsl_ran_ugaussian_pdf(gsl_cdf_ugaussian_Pinv((double)b / M)) : 0;
        double hi = b + 1 < M ? gsl_ran_ugaussian_pdf(gsl_cdf_ugaussian_Pinv((double)(b + 1) / M)) : 0;
        f += M * (lo - hi) * (lo - hi);
    }
    CHECK(f > 0.98 && f < 1);
    for (size_t j = 0; j < 3; j++) {
        double S = cov[j] * cov[j] / v, want = f * S;
        double half = se->given_ci_high[j] - se->given[j];
        CHECK_MSG(fabs(se->given[j] - want) < 2.2 * half, "x%zu: %g, want %g (S = %g), "
                  "half-width %g", j + 1, se->given[j], want, S, half);
        CHECK(half > 0 && half < 0.02);
        CHECK(se->dependent[j] == (j < 2));
        /* Sobol withheld for the correlated inputs, kept for the independent one */
        CHECK(isnan(se->value[CMC_SENS_SOBOL_FIRST][j]) == (j < 2));
    }
    /* x3 is independent of the rest: its Sobol first-order index is S_3 */
    double s3 = cov[2] * cov[2] / v;
    CHECK(se->ci_low[CMC_SENS_SOBOL_FIRST][2] < s3 && s3 < se->ci_high[CMC_SENS_SOBOL_FIRST][2]);
    cmc_results_free(r);
    cmc_model_free(m);
}

/* A matrix that cannot hold: repaired with a warning that prints the values used. */
static void test_repair(void)
{
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = cmc_model_load_string(
        "t.cmc", "a = normal(0, 1)\nb = normal(0, 1)\nc = normal(0, 1)\ny = a + b + c\n"
                 "output y\ncorrelate a, b, c: 0.9, 0.9, -0.9\n", NULL, d);
    CHECK(m != NULL && cmc_diags_count(d) == 1);
    if (m && cmc_diags_count(d) == 1)
        CHECK(strstr(cmc_diags_get(d, 0)->msg, "a-b ") &&
              strstr(cmc_diags_get(d, 0)->msg, "(asked 0.9)"));
    cmc_diags_free(d);
    cmc_results *r = m ? run(m, 100000, 2, CMC_DESIGN_MC, 0) : NULL;
    CHECK(r && r->ncorrelations == 3);
    for (size_t p = 0; r && p < 3; p++) {
        const cmc_correlation *c = &r->correlations[p];
        CHECK(c->used != c->requested && fabs(c->used) < fabs(c->requested));
        CHECK(fabs(c->achieved - c->used) < 4 * rho_se(c->used, 100000));
    }
    cmc_results_free(r);
    cmc_model_free(m);
}

/* Coverage over seeds (label slow): the achieved Spearman intervals under mc, lhs
   and qmc (100 seeds x 6 pairs at N = 16,384), and the given-data index's batch
   interval against f S_j (test_given; 200 seeds x 3 inputs at N = 32,768). */
static cmc_results *run_seed(const cmc_model *m, uint64_t n, uint64_t seed,
                             cmc_design_kind design, int sens)
{
    cmc_run_options o = {0};
    o.samples = n;
    o.seed = seed;
    o.threads = 2;
    o.design = design;
    o.sensitivity = sens;
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = cmc_run(m, &o, d);
    cmc_diags_free(d);
    return r;
}

static void coverage(void)
{
    const int seeds = 200;
    cmc_model *m = load(four);
    const double want[6] = {0.6, 0.3, -0.2, 0.5, 0.1, 0.4};
    for (int design = 0; m && design < 3; design++) {
        int in = 0, all = 0;
        for (int sd = 1; sd <= seeds / 2; sd++) {   /* 600 intervals a design */
            cmc_results *r = run_seed(m, 1 << 14, (uint64_t)sd, (cmc_design_kind)design, 0);
            for (size_t p = 0; r && p < r->ncorrelations; p++, all++)
                in += r->correlations[p].ci_low <= want[p] && want[p] <= r->correlations[p].ci_high;
            cmc_results_free(r);
        }
        double c = (double)in / all;
        printf("achieved Spearman, design %d: coverage %.3f over %d intervals\n", design, c, all);
        CHECK(c > 0.93 && c < 0.97);
    }
    cmc_model_free(m);
    m = load("x1 = normal(0, 1)\nx2 = normal(0, 1)\nx3 = normal(0, 1)\n"
             "y = x1 + 2 * x2 + x3\noutput y\ncorrelate x1, x2: 0.5\n");
    double rr = 2 * sin(M_PI * 0.5 / 6), v = 6 + 4 * rr, cov[3] = {1 + 2 * rr, 2 + rr, 1};
    int in = 0, all = 0;
    for (int sd = 1; m && sd <= seeds; sd++) {
        cmc_results *r = run_seed(m, 1 << 15, (uint64_t)sd, CMC_DESIGN_MC, 1);
        if (!r || !r->nsensitivity || !r->sensitivity[0].given) {
            cmc_results_free(r);
            CHECK(0);
            break;
        }
        const cmc_sensitivity *se = &r->sensitivity[0];
        size_t M = se->given_bins;
        double f = 0;
        for (size_t b = 0; b < M; b++) {
            double lo = b ? gsl_ran_ugaussian_pdf(gsl_cdf_ugaussian_Pinv((double)b / M)) : 0;
            double hi = b + 1 < M ? gsl_ran_ugaussian_pdf(gsl_cdf_ugaussian_Pinv((double)(b + 1) / M)) : 0;
            f += M * (lo - hi) * (lo - hi);
        }
        for (size_t j = 0; j < 3; j++, all++) {
            double t = f * cov[j] * cov[j] / v;
            in += se->given_ci_low[j] <= t && t <= se->given_ci_high[j];
        }
        cmc_results_free(r);
    }
    double c = all ? (double)in / all : 0;
    printf("given-data first order: coverage %.3f over %d intervals\n", c, all);
    CHECK(c > 0.93 && c < 0.97);
    cmc_model_free(m);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "coverage")) {
        coverage();
        return CHECK_DONE();
    }
    CHECK_RUN(test_nearest);
    CHECK_RUN(test_repair);
    CHECK_RUN(test_achieved);
    CHECK_RUN(test_marginals);
    CHECK_RUN(test_threads);
    CHECK_RUN(test_given);
    return CHECK_DONE();
}
