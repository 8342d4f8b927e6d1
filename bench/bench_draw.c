/*
 * bench_draw.c: samples per second of cmc_dist_draw, one core.
 *
 * Each row draws SAMPLES samples in blocks of BLOCK (as the sampler does) and
 * reports the median of RUNS runs. The first rows are the inputs of the
 * reference scenario (scenarios/gpt4.cmc and the article's triangular inputs),
 * then every other kind (beta and pert invert through their quantile table; a
 * beta too steep for one, beta(0.1, 0.1), shows the gamma ratios it falls back
 * to), then the alternatives draw.c was chosen against: beta by GSL's inverse
 * CDF per sample and by gsl_ran_beta per sample, and log through glibc's scalar
 * log1p, to compare with draw.c's vectorised one (exponential).
 *
 * Built by CMake with the library's per-file options (a Release build, no
 * sanitizers): cmake --build build --target bench_draw && ./build/bench_draw
 */
#include "dist.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SAMPLES 10000000
#define BLOCK 1024
#define RUNS 5

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct job {
    const cmc_dist *d;
    cmc_rng_key key;
    gsl_rng *r;
    double *out, *scratch, sink;
} job;

typedef void (*kernel)(job *j, uint64_t i0, size_t n);

static void k_draw(job *j, uint64_t i0, size_t n)
{
    cmc_dist_draw(j->d, &j->key, i0, n, j->out, j->scratch);
}

static void k_uniform(job *j, uint64_t i0, size_t n)
{
    cmc_rng_uniform(&j->key, 0, i0, n, j->out);
}

/* exponential(1) with glibc's scalar log1p per sample */
static void k_glibc_log(job *j, uint64_t i0, size_t n)
{
    cmc_rng_uniform(&j->key, 0, i0, n, j->out);
    for (size_t i = 0; i < n; i++)
        j->out[i] = -log1p(-j->out[i]);
}

/* beta by inversion: GSL's inverse CDF per sample */
static void k_beta_pinv(job *j, uint64_t i0, size_t n)
{
    cmc_rng_uniform(&j->key, 0, i0, n, j->out);
    for (size_t i = 0; i < n; i++)
        j->out[i] = gsl_cdf_beta_Pinv(j->out[i], j->d->p[0], j->d->p[1]);
}

/* beta by GSL's own sampler (a sequential generator: not reproducible per
   sample, shown for speed only) */
static void k_beta_ran(job *j, uint64_t i0, size_t n)
{
    (void)i0;
    for (size_t i = 0; i < n; i++)
        j->out[i] = gsl_ran_beta(j->r, j->d->p[0], j->d->p[1]);
}

/* Median samples/s over RUNS runs of `samples` samples. */
static double rate(kernel f, job *j, long samples)
{
    double r[RUNS];
    for (int k = 0; k < RUNS; k++) {
        double t = now();
        for (long i = 0; i < samples; i += BLOCK) {
            size_t n = samples - i < BLOCK ? (size_t)(samples - i) : BLOCK;
            f(j, (uint64_t)i, n);
            j->sink += j->out[n - 1];
        }
        r[k] = (double)samples / (now() - t);
    }
    qsort(r, RUNS, sizeof r[0], cmp_double);
    return r[RUNS / 2];
}

static cmc_dist *mk(const char *name, const double *p, int np)
{
    cmc_dist_error e;
    cmc_dist *d = cmc_dist_new(cmc_dist_lookup(name), p, np, &e);
    if (!d) {
        fprintf(stderr, "bench_draw: %s: %s\n", name, e.msg);
        exit(1);
    }
    return d;
}
#define LEN(...) (int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double))
#define MK(name, ...) mk(name, (const double[]){__VA_ARGS__}, LEN(__VA_ARGS__))

static void row(const char *label, kernel f, const cmc_dist *d, long samples, job *j)
{
    j->d = d;
    j->key = cmc_rng_key_make(1, label);
    double r = rate(f, j, samples);
    printf("%-52s %9.1f M/s %8.1f ns\n", label, r / 1e6, 1e9 / r);
    fflush(stdout);
}

int main(void)
{
    gsl_set_error_handler_off();
    job j = {0};
    j.out = malloc(BLOCK * sizeof *j.out);
    j.scratch = malloc(CMC_DRAW_SCRATCH * BLOCK * sizeof *j.scratch);
    j.r = gsl_rng_alloc(gsl_rng_mt19937);

    printf("%-52s %13s %11s\n", "distribution (blocks of 1024, median of 5)", "samples/s",
           "per sample");
    row("cmc_rng_uniform", k_uniform, NULL, SAMPLES, &j);

    cmc_dist *d[64];
    const char *names[64];
    int nd = 0;
#define ADD(label, dist) (names[nd] = (label), d[nd++] = (dist))
    ADD("triangular(20000, 25000, 30000)", MK("triangular", 20000, 25000, 30000));
    ADD("uniform(90, 100)", MK("uniform", 90, 100));
    ADD("triangular(5.5, 6.5, 6.5)", MK("triangular", 5.5, 6.5, 6.5));
    ADD("beta(8, 2)", MK("beta", 8, 2));
    ADD("triangular(1.10, 1.18, 1.40)", MK("triangular", 1.10, 1.18, 1.40));
    ADD("20 to 450", MK("to", 20, 450));
    ADD("20000 to 30000", MK("to", 20000, 30000));
    {
        static const double v[] = {240.6, 20};
        cmc_dist_error e;
        ADD("choice(240.6, 20)", cmc_dist_new_choice(v, NULL, 2, &e));
    }
    ADD("normal(0, 1)", MK("normal", 0, 1));
    ADD("lognormal(0, 1)", MK("lognormal", 0, 1));
    ADD("exponential(1)", MK("exponential", 1));
    ADD("weibull(1.5, 2)", MK("weibull", 1.5, 2));
    ADD("pert(0, 3, 10)", MK("pert", 0, 3, 10));
    ADD("gamma(0.5, 1)", MK("gamma", 0.5, 1));
    ADD("gamma(1, 1)", MK("gamma", 1, 1));
    ADD("gamma(5, 1)", MK("gamma", 5, 1));
    ADD("beta(0.5, 0.5)", MK("beta", 0.5, 0.5));
    ADD("beta(0.1, 0.1) [no table: gamma ratios]", MK("beta", 0.1, 0.1));
    {
        double v[40], w[40];
        for (int i = 0; i < 40; i++)
            v[i] = i, w[i] = 1 + i % 7;
        cmc_dist_error e;
        ADD("choice(40 weighted values)", cmc_dist_new_choice(v, w, 40, &e));
    }
    {
        cmc_dist_error e;
        ADD("truncate(normal(0, 1), 3, 4)", cmc_dist_new_truncate(MK("normal", 0, 1), 3, 4, &e));
        ADD("truncate(lognormal(0, 1), 0.5, 3)",
            cmc_dist_new_truncate(MK("lognormal", 0, 1), 0.5, 3, &e));
        ADD("beta(2, 5)", MK("beta", 2, 5));
        ADD("truncate(beta(2, 5), 0.1, 0.9)", cmc_dist_new_truncate(MK("beta", 2, 5), 0.1, 0.9, &e));
        ADD("gamma(2, 1)", MK("gamma", 2, 1));
        ADD("truncate(gamma(2, 1), 0.5, 5)", cmc_dist_new_truncate(MK("gamma", 2, 1), 0.5, 5, &e));
        ADD("truncate(pert(0, 3, 10), 1, 9)", cmc_dist_new_truncate(MK("pert", 0, 3, 10), 1, 9, &e));
        double v[40], w[40];
        for (int i = 0; i < 40; i++)
            v[i] = i, w[i] = 1 + i % 7;
        cmc_dist *c40 = cmc_dist_new_choice(v, w, 40, &e);
        ADD("truncate(choice(40 weighted values), 5, 30)", cmc_dist_new_truncate(c40, 5, 30, &e));
        cmc_dist *p2[] = {MK("normal", 0, 1), MK("normal", 5, 1)};
        ADD("mixture(normal, normal)", cmc_dist_new_mixture(p2, NULL, 2, &e));
        cmc_dist *p5[] = {MK("gamma", 2, 1), MK("normal", 5, 1)};
        ADD("mixture(gamma(2, 1), normal(5, 1))", cmc_dist_new_mixture(p5, NULL, 2, &e));
        cmc_dist *p6[] = {MK("gamma", 2, 1), MK("normal", 5, 1)};
        ADD("truncate(mixture(gamma(2, 1), normal(5, 1)), 0.5, 6)",
            cmc_dist_new_truncate(cmc_dist_new_mixture(p6, NULL, 2, &e), 0.5, 6, &e));
        static const double zero[] = {0};
        cmc_dist *p3[] = {MK("lognormal", 0, 0.5), cmc_dist_new_choice(zero, NULL, 1, &e)};
        ADD("mixture(lognormal: 0.7, choice(0): 0.3)",
            cmc_dist_new_mixture(p3, (const double[]){0.7, 0.3}, 2, &e));
        cmc_dist *p10[10];
        for (int i = 0; i < 10; i++)
            p10[i] = MK("normal", i, 1);
        ADD("mixture(10 x normal)", cmc_dist_new_mixture(p10, NULL, 10, &e));
        cmc_dist *p4[] = {MK("beta", 8, 2), MK("triangular", 0, 0.5, 1)};
        ADD("mixture(beta(8, 2): 0.05, triangular: 0.95)",
            cmc_dist_new_mixture(p4, (const double[]){0.05, 0.95}, 2, &e));
    }
    for (int i = 0; i < nd; i++) {
        /* the per-sample GSL inversions are slow: fewer samples */
        long n = strstr(names[i], "per-sample") ? SAMPLES / 20 : SAMPLES;
        row(names[i], k_draw, d[i], n, &j);
    }

    printf("alternatives\n");
    cmc_dist *e1 = MK("exponential", 1), *b82 = MK("beta", 8, 2), *b55 = MK("beta", 0.5, 0.5);
    row("exponential(1), glibc log1p per sample", k_glibc_log, e1, SAMPLES, &j);
    row("beta(8, 2), gsl_cdf_beta_Pinv per sample", k_beta_pinv, b82, SAMPLES / 20, &j);
    row("beta(8, 2), gsl_ran_beta per sample", k_beta_ran, b82, SAMPLES, &j);
    row("beta(0.5, 0.5), gsl_cdf_beta_Pinv per sample", k_beta_pinv, b55, SAMPLES / 20, &j);
    row("beta(0.5, 0.5), gsl_ran_beta per sample", k_beta_ran, b55, SAMPLES, &j);

    for (int i = 0; i < nd; i++)
        cmc_dist_free(d[i]);
    cmc_dist_free(e1);
    cmc_dist_free(b82);
    cmc_dist_free(b55);
    gsl_rng_free(j.r);
    free(j.out);
    free(j.scratch);
    return j.sink == 12345.678;   /* keep the results alive */
}
