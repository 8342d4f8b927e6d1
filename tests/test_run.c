/*
 * test_run.c: the Monte Carlo engine end to end (model -> sampler -> statistics ->
 * HDF5 -> read back), against closed forms:
 *  - a product of `a to b` lognormals is lognormal: its mean and percentiles are
 *    known exactly; estimates must lie within 4 Monte Carlo standard errors;
 *  - the same seed gives bit-identical statistics with 1, 2 and 7 threads, and the
 *    file read back equals what the run returned;
 *  - each convergence checkpoint equals a shorter run of that many samples;
 *  - variants share the scenario's random numbers: a variant equals the scenario
 *    with its definitions as --set, and paired differences are narrow; P(greater)
 *    at an interior value and with ties, and its Wilson interval;
 *  - sensitivity analysis against closed forms (products of lognormals, sums);
 *  - non-finite model values are counted, not hidden;
 *  - each 95% percentile interval covers the truth over 200 seeds (a binomial band);
 *  - the memory estimate grows with outputs, bins and threads, and a run above
 *    max_memory is refused before anything is written (issue 11, item 23).
 */
#include "check.h"
#include "carbonmc.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <unistd.h>

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

static cmc_results *run(const cmc_model *m, uint64_t n, uint64_t seed, int threads,
                        const char *out)
{
    cmc_run_options o = {0};
    o.samples = n;
    o.seed = seed;
    o.threads = threads;
    o.output = out;
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = cmc_run(m, &o, d);
    if (!r)
        for (size_t i = 0; i < cmc_diags_count(d); i++)
            fprintf(stderr, "run: %s\n", cmc_diags_get(d, i)->msg);
    cmc_diags_free(d);
    return r;
}

static const cmc_stat *output(const cmc_results *r, const char *name)
{
    for (size_t i = 0; i < r->noutputs; i++)
        if (!strcmp(r->outputs[i].name, name))
            return &r->outputs[i];
    return NULL;
}

/* ln Y = sum of normals: mu = sum of (ln a + ln b)/2, s^2 = sum of sigma_i^2 */
static void lognormal_product(void)
{
    static const double ab[3][2] = {{20000, 30000}, {90, 110}, {20, 450}};
    double z95 = gsl_cdf_ugaussian_Pinv(0.95), mu = 0, s2 = 0;
    for (int i = 0; i < 3; i++) {
        mu += 0.5 * (log(ab[i][0]) + log(ab[i][1]));
        double si = (log(ab[i][1]) - log(ab[i][0])) / (2 * z95);
        s2 += si * si;
    }
    cmc_model *m = load("a = 20000 to 30000\nb = 90 to 110\nc = 20 to 450\n"
                        "output y = a * b * c / 1e6\n");
    CHECK(m != NULL);
    if (!m)
        return;
    enum { N = 1000000 };
    cmc_results *r = run(m, N, 7, 0, NULL);
    CHECK(r != NULL);
    if (r) {
        const cmc_stat *y = output(r, "y");
        double s = sqrt(s2), lmu = mu - log(1e6);
        double mean = exp(lmu + s2 / 2), var = (exp(s2) - 1) * exp(2 * lmu + s2);
        double se = sqrt(var / N);
        CHECK(y->count == N && y->nonfinite == 0);
        CHECK_MSG(fabs(y->mean - mean) <= 4 * se, "mean %.6g vs %.6g (se %.3g)", y->mean, mean, se);
        CHECK_MSG(fabs(y->mean_se - se) <= 0.05 * se, "mean_se %.4g vs %.4g", y->mean_se, se);
        for (size_t i = 0; i < y->npercentiles; i++) {
            double p = y->p[i], z = gsl_cdf_ugaussian_Pinv(p);
            double q = exp(lmu + s * z);
            double dens = gsl_ran_lognormal_pdf(q, lmu, s);
            double sep = sqrt(p * (1 - p) / N) / dens;   /* SE of a sample quantile */
            CHECK_MSG(fabs(y->value[i] - q) <= 4 * sep + 1e-4 * q,
                      "P%g = %.8g, exact %.8g (se %.3g)", 100 * p, y->value[i], q, sep);
            CHECK(y->ci_low[i] <= y->value[i] && y->value[i] <= y->ci_high[i]);
            /* the interval's half-width is about 1.96 standard errors */
            double half = 0.5 * (y->ci_high[i] - y->ci_low[i]);
            CHECK_MSG(half > 1.5 * sep && half < 2.5 * sep, "P%g: CI half-width %.3g, 1.96 se %.3g",
                      100 * p, half, 1.96 * sep);
        }
        CHECK(y->log_bins);   /* spans more than a decade */
        uint64_t total = y->underflow + y->overflow;
        for (size_t b = 0; b < y->nbins; b++)
            total += y->counts[b];
        CHECK(total == N);
    }
    cmc_results_free(r);
    cmc_model_free(m);
}

static int same_stat(const cmc_stat *a, const cmc_stat *b)
{
    int ok = !strcmp(a->name, b->name) && a->count == b->count && a->nonfinite == b->nonfinite &&
             !memcmp(&a->mean, &b->mean, sizeof a->mean) && !memcmp(&a->std, &b->std, sizeof a->std) &&
             !memcmp(&a->min, &b->min, sizeof a->min) && !memcmp(&a->max, &b->max, sizeof a->max) &&
             !memcmp(&a->mean_se, &b->mean_se, sizeof a->mean_se) &&
             a->npercentiles == b->npercentiles && a->nbins == b->nbins &&
             a->underflow == b->underflow && a->overflow == b->overflow;
    if (!ok)
        return 0;
    size_t np = a->npercentiles * sizeof(double);
    ok = !memcmp(a->value, b->value, np) && !memcmp(a->ci_low, b->ci_low, np) &&
         !memcmp(a->ci_high, b->ci_high, np) && !memcmp(a->p, b->p, np) &&
         !memcmp(a->edges, b->edges, (a->nbins + 1) * sizeof(double)) &&
         !memcmp(a->counts, b->counts, a->nbins * sizeof(uint64_t));
    const cmc_convergence *ca = &a->conv, *cb = &b->conv;
    if (!ok || ca->n != cb->n)
        return 0;
    if (ca->n == 0)
        return 1;
    size_t nc = ca->n * sizeof(double);
    ok = !memcmp(ca->samples, cb->samples, ca->n * sizeof(uint64_t));
    for (int e = 0; e < CMC_CONV_NEST; e++)
        ok = ok && !memcmp(ca->value[e], cb->value[e], nc) &&
             !memcmp(ca->ci_low[e], cb->ci_low[e], nc) && !memcmp(ca->ci_high[e], cb->ci_high[e], nc);
    return ok;
}

/* Checkpoint c of a long run holds exactly the statistics of a run of
   conv.samples[c] samples: the same bits, whatever the thread count. */
static void convergence(void)
{
    cmc_model *m = load("x = 20k to 30k\ny = beta(8, 2)\nz = x * y / (1 - y)\n"
                        "output z\noutput w\nw = if(y > 0.9, 1 / 0, x)\n");
    CHECK(m != NULL);
    if (!m)
        return;
    enum { N = 200000 };
    cmc_results *r = run(m, N, 7, 2, NULL);
    CHECK(r != NULL);
    if (!r) {
        cmc_model_free(m);
        return;
    }
    const cmc_stat *z = output(r, "z");
    CHECK(r->inputs[0].conv.n == 0);   /* outputs only */
    CHECK_MSG(z->conv.n == 9, "%zu checkpoints", z->conv.n);   /* 1024 .. 131072, N */
    for (size_t c = 0; c < z->conv.n; c++)
        CHECK(z->conv.samples[c] == (c + 1 < z->conv.n ? (uint64_t)1024 << c : (uint64_t)N));
    /* the last checkpoint is the run itself */
    size_t last = z->conv.n - 1;
    for (size_t i = 0; i < z->npercentiles; i++) {
        if (z->p[i] == 0.5)
            CHECK(z->conv.value[CMC_CONV_MEDIAN][last] == z->value[i] &&
                  z->conv.ci_low[CMC_CONV_MEDIAN][last] == z->ci_low[i]);
        if (z->p[i] == 0.95)
            CHECK(z->conv.value[CMC_CONV_P95][last] == z->value[i] &&
                  z->conv.ci_high[CMC_CONV_P95][last] == z->ci_high[i]);
    }
    CHECK(z->conv.value[CMC_CONV_MEAN][last] == z->mean);
    CHECK(fabs(z->conv.ci_high[CMC_CONV_MEAN][last] - z->mean - 1.959963984540054 * z->mean_se) <=
          1e-12 * z->mean);
    static const int pick[2] = {2, 6};   /* 4096 (inside the short rounds) and 65536 */
    for (int k = 0; k < 2; k++) {
        size_t c = (size_t)pick[k];
        cmc_results *p = run(m, z->conv.samples[c], 7, k ? 7 : 1, NULL);
        CHECK(p != NULL);
        if (!p)
            continue;
        for (size_t o = 0; o < 2; o++) {
            const cmc_stat *a = &r->outputs[o], *b = &p->outputs[o];
            const cmc_convergence *ca = &a->conv, *cb = &b->conv;
            CHECK(cb->n == c + 1);
            for (int e = 0; e < CMC_CONV_NEST; e++)
                for (size_t j = 0; j <= c && cb->n == c + 1; j++)
                    CHECK_MSG(!memcmp(&ca->value[e][j], &cb->value[e][j], sizeof(double)) &&
                              !memcmp(&ca->ci_low[e][j], &cb->ci_low[e][j], sizeof(double)) &&
                              !memcmp(&ca->ci_high[e][j], &cb->ci_high[e][j], sizeof(double)),
                              "%s checkpoint %zu estimate %d differs from a run of %llu",
                              a->name, j, e, (unsigned long long)ca->samples[j]);
        }
        /* w is infinite for about 10% of samples: the checkpoints count finite ones */
        CHECK(p->outputs[1].mean == r->outputs[1].conv.value[CMC_CONV_MEAN][c]);
        cmc_results_free(p);
    }
    cmc_results_free(r);
    cmc_model_free(m);
}

static int same_variants(const cmc_results *a, const cmc_results *b)
{
    if (a->nvariants != b->nvariants)
        return 0;
    for (size_t v = 0; v < a->nvariants; v++) {
        const cmc_variant_result *x = &a->variants[v], *y = &b->variants[v];
        if (strcmp(x->name, y->name) || strcmp(x->label, y->label) ||
            x->noutputs != y->noutputs || x->npaired != y->npaired)
            return 0;
        for (size_t i = 0; i < x->noutputs; i++)
            if (!same_stat(&x->outputs[i], &y->outputs[i]))
                return 0;
        for (size_t i = 0; i < x->npaired; i++) {
            const cmc_paired *p = &x->paired[i], *q = &y->paired[i];
            if (strcmp(p->output, q->output) || strcmp(p->reference, q->reference) ||
                p->count != q->count || memcmp(&p->p_greater, &q->p_greater, sizeof(double)) ||
                memcmp(&p->p_greater_ci_low, &q->p_greater_ci_low, sizeof(double)) ||
                memcmp(&p->p_greater_ci_high, &q->p_greater_ci_high, sizeof(double)) ||
                !same_stat(&p->difference, &q->difference) || !same_stat(&p->ratio, &q->ratio))
                return 0;
        }
    }
    return 1;
}

static int same_results(const cmc_results *a, const cmc_results *b)
{
    if (a->ninputs != b->ninputs || a->noutputs != b->noutputs || a->seed != b->seed ||
        a->samples != b->samples || strcmp(a->source, b->source))
        return 0;
    for (size_t i = 0; i < a->ninputs; i++)
        if (!same_stat(&a->inputs[i], &b->inputs[i]))
            return 0;
    for (size_t i = 0; i < a->noutputs; i++)
        if (!same_stat(&a->outputs[i], &b->outputs[i]))
            return 0;
    return same_variants(a, b);
}

/* Variants run on common random numbers: a variant's statistics are those of the
   scenario run with its definitions as --set (the same bits), and the paired
   difference of two variants is far narrower than that of independent runs. */
static void variants(void)
{
    static const char *src =
        "title \"variants\"\n"
        "x = 100 to 400\n"
        "k = uniform(1, 2)\n"
        "pue = 1.3\n"
        "y = x * k * pue\n"
        "output y\n"
        "variant lean \"PUE 1.1\": pue = 1.1\n"
        "variant poor: pue = 1.5, k = uniform(1, 2.5)\n"
        "reference lean\n";
    cmc_model *m = load(src);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(cmc_model_nvariants(m) == 2);
    CHECK(!strcmp(cmc_model_variant_name(m, 1), "poor"));
    CHECK(!strcmp(cmc_model_variant_label(m, 0), "PUE 1.1"));
    /* the source as run keeps the variants: it loads back into the same model */
    CHECK(strstr(cmc_model_source(m), "variant poor: pue = 1.5, k = uniform(1, 2.5)") != NULL);
    cmc_model *again = load(cmc_model_source(m));
    CHECK(again && cmc_model_nvariants(again) == 2);
    cmc_model_free(again);

    enum { N = 100000 };
    cmc_results *r = run(m, N, 3, 2, NULL);
    CHECK(r && r->nvariants == 2);
    if (!r || r->nvariants != 2) {
        cmc_results_free(r);
        cmc_model_free(m);
        return;
    }
    /* variant "poor" = the scenario with --set pue=1.5 --set k=uniform(1, 2.5) */
    const char *sets[2] = {"pue = 1.5", "k = uniform(1, 2.5)"};
    cmc_load_options lo = {sets, 2, NULL, 0, NULL};
    cmc_diags *d = cmc_diags_new();
    cmc_model *ms = cmc_model_load_string("test.cmc", src, &lo, d);
    cmc_diags_free(d);
    cmc_results *rs = ms ? run(ms, N, 3, 1, NULL) : NULL;
    CHECK(rs != NULL);
    if (rs) {
        cmc_stat base = rs->outputs[0];
        memset(&base.conv, 0, sizeof base.conv);   /* variants keep no checkpoints */
        CHECK_MSG(same_stat(&r->variants[1].outputs[0], &base),
                  "variant differs from the scenario with its --set");
    }
    cmc_results_free(rs);
    cmc_model_free(ms);

    const cmc_variant_result *lean = &r->variants[0], *poor = &r->variants[1];
    CHECK(lean->npaired == 0 && poor->npaired == 1);
    const cmc_paired *pr = &poor->paired[0];
    CHECK(!strcmp(pr->output, "y") && !strcmp(pr->reference, "lean") && pr->count == N);
    /* paired: y_poor - y_lean = x (1.5 k' - 1.1 k) with k' the same uniform stretched,
       always > 0, so P = 1 and its Wilson interval reaches 1 */
    CHECK(pr->p_greater == 1 && pr->p_greater_ci_high == 1);
    CHECK_MSG(fabs(pr->p_greater_ci_low - 1.0 / (1 + 3.841458820694124 / N)) < 1e-12,
              "Wilson lower bound %.17g", pr->p_greater_ci_low);
    CHECK(pr->difference.min > 0);
    /* common random numbers: the paired difference's spread is a fraction of what
       independent runs would give, sqrt(var_a + var_b) */
    double sa = lean->outputs[0].std, sb = poor->outputs[0].std, sd = pr->difference.std;
    double unpaired = sqrt(sa * sa + sb * sb);
    CHECK_MSG(sd < 0.6 * unpaired, "paired std %.4g vs unpaired %.4g", sd, unpaired);
    /* its mean is the difference of the means, exactly up to rounding */
    CHECK_MSG(fabs(pr->difference.mean - (poor->outputs[0].mean - lean->outputs[0].mean)) <=
                  1e-9 * poor->outputs[0].mean, "difference of means");
    /* the ratio is 1.5 k' / (1.1 k) with k' = 1 + 1.5 (k - 1): between 1.5/1.1 and 2.5 * 1.5 / 2.2 */
    CHECK(pr->ratio.min >= 1.5 / 1.1 * (1 - 1e-12) && pr->ratio.max <= 2.5 * 1.5 / 2.2 * (1 + 1e-12));
    cmc_results_free(r);
    cmc_model_free(m);
}

/* The implicit reference, base (the scenario as written), and a named reference that
   comes after a variant compared with it: y = x * pue with x shared, so each
   variant's difference with its reference is x (pue_v - pue_ref) and the ratio
   pue_v / pue_ref in every sample. */
static void variants_base(void)
{
    static const char *const srcs[2] = {
        "x = 100 to 400\npue = 1.3\noutput y = x * pue\n"
        "variant lean: pue = 1.1\nvariant poor: pue = 1.5\n",
        "x = 100 to 400\npue = 1.3\noutput y = x * pue\n"
        "variant lean: pue = 1.1\nvariant poor: pue = 1.5\nreference poor\n"};
    for (int k = 0; k < 2; k++) {
        cmc_model *m = load(srcs[k]);
        CHECK(m != NULL);
        if (!m)
            continue;
        CHECK(!strcmp(cmc_model_variant_reference(m), k ? "poor" : "base"));
        /* the source as run names the reference: it loads back the same */
        CHECK((strstr(cmc_model_source(m), "reference poor") != NULL) == (k == 1));
        cmc_results *r = run(m, 20000, 5, 2, NULL);
        CHECK(r && r->nvariants == 2);
        if (r && r->nvariants == 2) {
            CHECK(!strcmp(r->variant_reference, k ? "poor" : "base"));
            const cmc_variant_result *lean = &r->variants[0], *poor = &r->variants[1];
            CHECK(lean->npaired == 1 && poor->npaired == (size_t)(k ? 0 : 1));
            double ref_pue = k ? 1.5 : 1.3;
            for (int v = 0; v < 2; v++) {
                const cmc_variant_result *vr = v ? poor : lean;
                if (!vr->npaired)
                    continue;
                const cmc_paired *pr = &vr->paired[0];
                double pue = v ? 1.5 : 1.1, q = pue / ref_pue;
                CHECK(!strcmp(pr->reference, k ? "poor" : "base"));
                CHECK_MSG(fabs(pr->ratio.min - q) < 1e-12 && fabs(pr->ratio.max - q) < 1e-12,
                          "%s / %s: ratio %.17g to %.17g, not %.17g", vr->name, pr->reference,
                          pr->ratio.min, pr->ratio.max, q);
                const cmc_stat *ref = k ? &poor->outputs[0] : &r->outputs[0];
                CHECK(fabs(pr->difference.mean - (vr->outputs[0].mean - ref->mean)) <=
                      1e-9 * ref->mean);
                CHECK(pr->p_greater == (pue > ref_pue ? 1 : 0));
            }
        }
        cmc_results_free(r);
        cmc_model_free(m);
    }
}

/* P(variant > reference) at an interior value and with ties: y = max(x, c) with x
   uniform on (0, 1). Against c = 0 (y = x), the variant c = 0.5 is greater when
   x < 0.5 (P = 1/2) and equal otherwise: ties count as not greater. The variant
   c = -1 equals the reference on every sample: P = 0. Each proportion's interval is
   Wilson's, recomputed here; the difference's mean is E[max(x, 0.5) - x] = 1/8. */
static void wilson(double k, double n, double *lo, double *hi)
{
    const double z = 1.959963984540054, z2n = z * z / n, ph = k / n;
    double c = (ph + z2n / 2) / (1 + z2n);
    double h = z * sqrt(ph * (1 - ph) / n + z2n / (4 * n)) / (1 + z2n);
    *lo = c - h < 0 ? 0 : c - h;
    *hi = c + h > 1 ? 1 : c + h;
}

static void variants_ties(void)
{
    cmc_model *m = load("x = uniform(0, 1)\n"
                        "c = 0\n"
                        "y = max(x, c)\n"
                        "output y\n"
                        "variant ref: c = 0\n"
                        "variant half: c = 0.5\n"
                        "variant same: c = -1\n"
                        "reference ref\n");
    CHECK(m != NULL);
    if (!m)
        return;
    enum { N = 40000 };
    cmc_results *r = run(m, N, 17, 2, NULL);
    CHECK(r && r->nvariants == 3);
    if (!r || r->nvariants != 3) {
        cmc_results_free(r);
        cmc_model_free(m);
        return;
    }
    static const double want[3] = {NAN, 0.5, 0};
    for (size_t v = 1; v < 3; v++) {
        const cmc_paired *pr = &r->variants[v].paired[0];
        CHECK(r->variants[v].npaired == 1 && pr->count == N);
        double k = round(pr->p_greater * N), lo, hi;
        wilson(k, N, &lo, &hi);
        CHECK_MSG(fabs(pr->p_greater - want[v]) <= 4 * sqrt(0.25 / N),
                  "%s: P(greater) %.5f, expected %.1f", r->variants[v].name, pr->p_greater, want[v]);
        CHECK_MSG(fabs(pr->p_greater_ci_low - lo) < 1e-12 && fabs(pr->p_greater_ci_high - hi) < 1e-12,
                  "%s: Wilson interval [%.6f, %.6f], expected [%.6f, %.6f]", r->variants[v].name,
                  pr->p_greater_ci_low, pr->p_greater_ci_high, lo, hi);
    }
    const cmc_paired *half = &r->variants[1].paired[0];
    CHECK_MSG(fabs(half->difference.mean - 0.125) <= 4 * half->difference.mean_se,
              "difference mean %.5f, expected 0.125", half->difference.mean);
    CHECK(half->difference.min == 0 && r->variants[2].paired[0].difference.max == 0);
    cmc_results_free(r);
    cmc_model_free(m);
}

static void determinism(void)
{
    const char *src = getenv("CMC_SOURCE_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/gpt4.cmc", src ? src : "..");
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = cmc_model_load(path, NULL, d);
    cmc_diags_free(d);
    CHECK(m != NULL);
    if (!m)
        return;
    char dir[] = "/tmp/cmc_test_run_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cmc_results *r[3];
    static const int threads[3] = {1, 2, 7};
    /* not a multiple of the block size; in a sanitizer build (tests/check.h) still
       past a full round of 64 blocks */
    enum { N = CMC_SANITIZED ? 70001 : 300007 };
    for (int i = 0; i < 3; i++) {
        char out[600];
        snprintf(out, sizeof out, "%s/t%d.h5", dir, threads[i]);
        r[i] = run(m, N, 12345, threads[i], out);
        CHECK(r[i] != NULL);
    }
    if (r[0] && r[1] && r[2]) {
        CHECK_MSG(same_results(r[0], r[1]), "1 vs 2 threads differ");
        CHECK_MSG(same_results(r[0], r[2]), "1 vs 7 threads differ");
        for (int i = 0; i < 3; i++) {
            char out[600];
            snprintf(out, sizeof out, "%s/t%d.h5", dir, threads[i]);
            cmc_diags *e = cmc_diags_new();
            cmc_results *back = cmc_results_read(out, e);
            CHECK_MSG(back && same_results(back, r[i]), "%s read back differs", out);
            cmc_results_free(back);
            cmc_diags_free(e);
            unlink(out);
        }
        /* a different seed gives different numbers */
        cmc_results *other = run(m, N, 12346, 2, NULL);
        CHECK(other && !same_results(other, r[0]));
        cmc_results_free(other);
    }
    for (int i = 0; i < 3; i++)
        cmc_results_free(r[i]);
    rmdir(dir);
    cmc_model_free(m);
}

static void nonfinite(void)
{
    cmc_model *m = load("x = normal(0, 1)\noutput y = log(x)\noutput z = 1 / (x - x)\n");
    CHECK(m != NULL);
    if (!m)
        return;
    enum { N = 100000 };
    cmc_results *r = run(m, N, 3, 2, NULL);
    CHECK(r != NULL);
    if (r) {
        const cmc_stat *y = output(r, "y"), *z = output(r, "z");
        /* log of a negative normal is NaN: half the samples, binomial se 158 */
        CHECK(y->count + y->nonfinite == N);
        CHECK_MSG(fabs((double)y->nonfinite - N / 2.0) <= 4 * sqrt(N * 0.25), "nonfinite %llu",
                  (unsigned long long)y->nonfinite);
        CHECK(isfinite(y->mean) && y->max < 6);
        CHECK(z->nonfinite == N && z->count == 0 && isnan(z->mean));   /* 1/0 = inf */
    }
    cmc_results_free(r);
    cmc_model_free(m);
}

/* The exact coverage of the order-statistic interval of percentile p among n:
   P(l <= B <= u - 1), B ~ Binomial(n, p), l and u the interval's ranks. */
static double os_coverage(double p, unsigned n)
{
    double np_ = n * p, h = 1.959963984540054 * sqrt(np_ * (1 - p));
    double l = fmax(floor(np_ - h), 1), u = fmin(ceil(np_ + h), n);
    return gsl_cdf_binomial_P((unsigned)u - 1, p, n) - gsl_cdf_binomial_P((unsigned)l - 1, p, n);
}

/* 200 seeds of N = 2000: each percentile's interval on its own, against a binomial
   band around its exact coverage at a family-wise false-alarm rate of 1e-3 (a smoke
   test of about +-7 points; tests/coverage_stats.c, Release only, tests every
   interval with 2000 runs). */
static void coverage(void)
{
    cmc_model *m = load("output x = normal(10, 2)\n");
    CHECK(m != NULL);
    if (!m)
        return;
    enum { R = 200, NP = 11 };
    int hit[NP] = {0}, runs = 0;
    double p[NP] = {0};
    for (uint64_t seed = 1; seed <= R; seed++) {
        cmc_results *r = run(m, 2000, seed, 1, NULL);
        if (!r)
            break;
        const cmc_stat *x = &r->outputs[0];
        CHECK(x->npercentiles == NP);
        for (size_t i = 0; i < x->npercentiles && i < NP; i++) {
            p[i] = x->p[i];
            double q = 10 + 2 * gsl_cdf_ugaussian_Pinv(x->p[i]);
            hit[i] += x->ci_low[i] <= q && q <= x->ci_high[i];
        }
        runs++;
        cmc_results_free(r);
    }
    CHECK(runs == R);
    for (int i = 0; i < NP; i++) {
        int lo, hi;
        double c0 = os_coverage(p[i], 2000);
        check_binomial_band(c0, R, 1e-3 / NP, &lo, &hi);
        CHECK_MSG(hit[i] >= lo && hit[i] <= hi, "P%g: the 95%% interval covered %d of %d, band %d..%d",
                  100 * p[i], hit[i], R, lo, hi);
    }
    cmc_model_free(m);
}

static int same_sens(const cmc_results *a, const cmc_results *b)
{
    if (a->nsensitivity != b->nsensitivity)
        return 0;
    for (size_t i = 0; i < a->nsensitivity; i++) {
        const cmc_sensitivity *x = &a->sensitivity[i], *y = &b->sensitivity[i];
        size_t k = x->ninputs, nb = k * sizeof(double);
        if (strcmp(x->output, y->output) || k != y->ninputs || x->samples != y->samples ||
            x->skipped != y->skipped || memcmp(&x->swing_base, &y->swing_base, sizeof(double)) ||
            memcmp(x->swing_low, y->swing_low, nb) || memcmp(x->swing_high, y->swing_high, nb))
            return 0;
        for (size_t j = 0; j < k; j++)
            if (strcmp(x->input[j], y->input[j]))
                return 0;
        for (int e = 0; e < CMC_SENS_NEST; e++)
            if (memcmp(x->value[e], y->value[e], nb) || memcmp(x->ci_low[e], y->ci_low[e], nb) ||
                memcmp(x->ci_high[e], y->ci_high[e], nb))
                return 0;
    }
    return 1;
}

static cmc_results *run_sens(const cmc_model *m, uint64_t n, int threads, const char *out)
{
    cmc_run_options o = {0};
    o.samples = n;
    o.seed = 11;
    o.threads = threads;
    o.output = out;
    o.sensitivity = 1;
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = cmc_run(m, &o, d);
    if (!r)
        for (size_t i = 0; i < cmc_diags_count(d); i++)
            fprintf(stderr, "run: %s\n", cmc_diags_get(d, i)->msg);
    cmc_diags_free(d);
    return r;
}

/* |estimate - truth| <= 4 standard errors, the se read off the 95% interval */
#define CHECK_SE(e, se_, j, truth)                                                          \
    do {                                                                                    \
        double v_ = (se_)->value[e][j], h_ = ((se_)->ci_high[e][j] - (se_)->ci_low[e][j]) / 2; \
        CHECK_MSG(fabs(v_ - (truth)) <= 4 * h_ / 1.959963984540054 && h_ > 0,              \
                  "measure %d of input %zu: %.5f vs %.5f (95%% half-width %.2g)", e,        \
                  (size_t)(j), v_, (double)(truth), h_);                                    \
    } while (0)

/* Sensitivity end to end against closed forms:
   Y = X1 X2 X3, ln Xi ~ N(0, si^2): S_i = (e^{si^2} - 1)/(e^{S} - 1) with S = sum sj^2,
   ST_i = 1 - (e^{S - si^2} - 1)/(e^{S} - 1), log shares si^2 / S, Spearman
   (6/pi) asin(rho_i / 2) with rho_i = si / sqrt(S); and Z = X1 + 2 X2 + 3 X3 with
   normal Xi: S_i = ST_i = a_i^2 Var Xi / Var Z, no log shares (values <= 0). The
   swings are exact quantiles pushed through the model. Results are the same bits
   for 1 and 7 threads and after a round trip through HDF5. */
static void sensitivity_closed_forms(void)
{
    cmc_model *m = load("x1 = lognormal(0, 0.6)\nx2 = lognormal(0, 0.4)\nx3 = lognormal(0, 0.25)\n"
                        "u1 = normal(1, 1)\nu2 = normal(0, 0.5)\nu3 = normal(-1, 0.2)\n"
                        "y = x1 * x2 * x3\nz = u1 + 2 * u2 + 3 * u3\noutput y\noutput z\n");
    CHECK(m != NULL);
    if (!m)
        return;
    char dir[] = "/tmp/cmc_test_sens_XXXXXX", path[600];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/s.h5", dir);
    enum { N = CMC_SANITIZED ? 50000 : 200000 };   /* tests/check.h */
    cmc_results *r = run_sens(m, N, 2, path);
    CHECK(r && r->nsensitivity == 2);
    if (!r || r->nsensitivity != 2) {
        cmc_results_free(r);
        cmc_model_free(m);
        return;
    }
    const cmc_sensitivity *sy = &r->sensitivity[0], *sz = &r->sensitivity[1];
    CHECK(!strcmp(sy->output, "y") && sy->ninputs == 6 && sy->samples == N && sy->skipped == 0);
    /* the inputs are in run order; find x1.. and u1.. by name */
    int ix[3] = {-1, -1, -1}, iu[3] = {-1, -1, -1};
    for (size_t j = 0; j < sy->ninputs; j++) {
        const char *nm = sy->input[j];
        if (nm[0] == 'x')
            ix[nm[1] - '1'] = (int)j;
        else if (nm[0] == 'u')
            iu[nm[1] - '1'] = (int)j;
    }
    static const double sig[3] = {0.6, 0.4, 0.25};
    double S = 0;
    for (int i = 0; i < 3; i++)
        S += sig[i] * sig[i];
    for (int i = 0; i < 3; i++) {
        int j = ix[i];
        CHECK(j >= 0);
        if (j < 0)
            continue;
        double s2 = sig[i] * sig[i];
        CHECK_SE(CMC_SENS_SOBOL_FIRST, sy, j, (exp(s2) - 1) / (exp(S) - 1));
        CHECK_SE(CMC_SENS_SOBOL_TOTAL, sy, j, 1 - (exp(S - s2) - 1) / (exp(S) - 1));
        CHECK_SE(CMC_SENS_LOGVAR_SHARE, sy, j, s2 / S);
        CHECK_SE(CMC_SENS_SPEARMAN, sy, j, 6 / M_PI * asin(sig[i] / sqrt(S) / 2));
        /* swings: the output with x_i at its 5th / 95th percentile, the rest at 1 */
        double z95 = gsl_cdf_ugaussian_Pinv(0.95);
        CHECK_MSG(fabs(sy->swing_low[j] - exp(-z95 * sig[i])) < 1e-12 &&
                      fabs(sy->swing_high[j] - exp(z95 * sig[i])) < 1e-12,
                  "swing of x%d: %.17g %.17g", i + 1, sy->swing_low[j], sy->swing_high[j]);
        /* y does not depend on u: indices 0 within their intervals */
        int u = iu[i];
        CHECK(u >= 0 && sy->ci_low[CMC_SENS_SOBOL_TOTAL][u] <= 0 &&
              sy->ci_high[CMC_SENS_SOBOL_TOTAL][u] >= 0 &&
              sy->swing_low[u] == sy->swing_base && sy->swing_high[u] == sy->swing_base);
    }
    CHECK(fabs(sy->swing_base - 1) < 1e-15);
    static const double a[3] = {1, 2, 3}, sd[3] = {1, 0.5, 0.2};
    double V = 0;
    for (int i = 0; i < 3; i++)
        V += a[i] * a[i] * sd[i] * sd[i];
    for (int i = 0; i < 3; i++) {
        int j = iu[i];
        if (j < 0)
            continue;
        double want = a[i] * a[i] * sd[i] * sd[i] / V;
        CHECK_SE(CMC_SENS_SOBOL_FIRST, sz, j, want);
        CHECK_SE(CMC_SENS_SOBOL_TOTAL, sz, j, want);
        CHECK_MSG(isnan(sz->value[CMC_SENS_LOGVAR_SHARE][j]), "log share of a normal input");
        /* z takes values <= 0, so no input has a log share of z, not even a positive one
           (whose own log is fine) */
        CHECK_MSG(ix[i] >= 0 && isnan(sz->value[CMC_SENS_LOGVAR_SHARE][ix[i]]) &&
                      isnan(sz->ci_low[CMC_SENS_LOGVAR_SHARE][ix[i]]),
                  "log share of z for x%d: %g", i + 1,
                  ix[i] >= 0 ? sz->value[CMC_SENS_LOGVAR_SHARE][ix[i]] : 0);
    }
    /* the same bits with 7 threads, and from the file */
    cmc_results *r7 = run_sens(m, N, 7, NULL);
    CHECK_MSG(r7 && same_sens(r, r7), "sensitivity differs between 2 and 7 threads");
    cmc_results_free(r7);
    cmc_diags *d = cmc_diags_new();
    cmc_results *back = cmc_results_read(path, d);
    CHECK_MSG(back && same_sens(r, back) && same_results(r, back), "file read back differs");
    cmc_results_free(back);
    cmc_diags_free(d);
    unlink(path);
    rmdir(dir);
    cmc_results_free(r);
    cmc_model_free(m);
}

/* cmc_run_memory and the limit (issue 11, item 23). */
static void memory_limit(void)
{
    cmc_model *one = load("x = uniform(1, 2)\noutput y = x * 2\n");
    cmc_model *many = load("x = uniform(1, 2)\noutput a = x\noutput b = x + 1\n"
                           "output c = x + 2\noutput d = x + 3\n");
    CHECK(one && many);
    if (!one || !many)
        return;
    cmc_run_options o = {0};
    o.threads = 1;
    uint64_t base = cmc_run_memory(one, &o);
    CHECK(cmc_run_memory(many, &o) > base);      /* more outputs */
    o.bins = 100000;
    uint64_t wide = cmc_run_memory(one, &o);
    CHECK(wide >= 2 * 100000 * 16);              /* x and y: at least edges and counts */
    CHECK(wide > base);
    o.bins = 0;
    o.threads = 4;
    CHECK(cmc_run_memory(one, &o) > base);       /* a sketch per thread */
    CHECK(cmc_run_memory(NULL, &o) == 0);

    /* a limit below the estimate: refused, nothing written */
    char dir[] = "/tmp/cmc_run_mem_XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/m.h5", dir);
    o.threads = 1;
    o.samples = 2048;
    o.output = path;
    o.max_memory = base / 2;
    cmc_diags *d = cmc_diags_new();
    CHECK(cmc_run(one, &o, d) == NULL);
    CHECK(cmc_diags_count(d) == 1 && strstr(cmc_diags_get(d, 0)->msg, "--max-memory"));
    CHECK(access(path, F_OK) != 0);
    cmc_diags_free(d);
    /* and at the estimate it runs */
    o.max_memory = base;
    d = cmc_diags_new();
    cmc_results *r = cmc_run(one, &o, d);
    CHECK(r != NULL && cmc_diags_count(d) == 0);
    cmc_results_free(r);
    cmc_diags_free(d);
    unlink(path);
    rmdir(dir);
    cmc_model_free(one);
    cmc_model_free(many);
}

/* (The pooled coverage below is a quick smoke test; tests/coverage_stats.c tests
   every interval, per quantity, in the Release build.) */
int main(void)
{
    CHECK_RUN(memory_limit);
    CHECK_RUN(lognormal_product);
    CHECK_RUN(determinism);
    CHECK_RUN(convergence);
    CHECK_RUN(variants);
    CHECK_RUN(variants_ties);
    CHECK_RUN(variants_base);
    CHECK_RUN(sensitivity_closed_forms);
    CHECK_RUN(nonfinite);
    CHECK_RUN(coverage);
    return CHECK_DONE();
}
