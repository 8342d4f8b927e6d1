/*
 * test_stats.c: block moments against long-double sums, the quantile sketch
 * against an exact sort of 1e6 samples (an estimate lies within its order
 * statistic's bucket, 2^-13), merge invariance (any split gives identical sketches), the histogram
 * re-binning, counts beyond 2^32 (the pages' uint32 counts carry into uint64),
 * the coverage of the order-statistic confidence intervals, and small samples against
 * their order statistics (where a rank off by one shows), and the fixed moment
 * reduction tree (cmc_mstack) for any split of the blocks.
 * Samples come from GSL's MT19937 with fixed seeds, independent of carbonmc's RNG.
 */
#include "check.h"
#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void moments(void)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 7);
    enum { N = 100003 };
    double *x = malloc(N * sizeof *x);
    long double s = 0, q = 0;
    size_t nf = 0;
    for (size_t i = 0; i < N; i++) {
        x[i] = 1e6 + gsl_ran_gaussian(g, 3.0);   /* a large mean: naive sums lose digits */
        if (i % 1000 == 17)
            x[i] = i % 2 ? NAN : INFINITY;
    }
    for (size_t i = 0; i < N; i++)
        if (isfinite(x[i]))
            s += x[i], nf++;
    long double mean = s / nf;
    for (size_t i = 0; i < N; i++)
        if (isfinite(x[i]))
            q += (x[i] - mean) * (x[i] - mean);
    cmc_moments whole = cmc_moments_of(x, N);
    CHECK(whole.n == nf && whole.nonfinite == N - nf);
    CHECK_REL(whole.mean, (double)mean, 1e-15);
    CHECK_REL(whole.m2, (double)q, 1e-10);   /* one-pass sum-of-squares: ~1e-5 */
    /* blocks of 1024 merged in order, and an irregular split */
    cmc_moments a = cmc_moments_of(NULL, 0), b = cmc_moments_of(NULL, 0);
    for (size_t i = 0; i < N; i += 1024) {
        cmc_moments part = cmc_moments_of(x + i, N - i < 1024 ? N - i : 1024);
        cmc_moments_merge(&a, &part);
    }
    size_t cuts[] = {0, 1, 50, 333, 70000, N};
    for (size_t k = 0; k + 1 < sizeof cuts / sizeof cuts[0]; k++) {
        cmc_moments part = cmc_moments_of(x + cuts[k], cuts[k + 1] - cuts[k]);
        cmc_moments_merge(&b, &part);
    }
    CHECK(a.n == nf && b.n == nf && a.nonfinite == N - nf && b.nonfinite == N - nf);
    CHECK_REL(a.mean, (double)mean, 1e-15);
    CHECK_REL(b.mean, (double)mean, 1e-15);
    CHECK_REL(a.m2, (double)q, 1e-10);
    CHECK_REL(b.m2, (double)q, 1e-10);
    CHECK(a.min == whole.min && a.max == whole.max && b.min == whole.min);
    CHECK_REL(cmc_moments_std(&a), sqrtl(q / (nf - 1)), 1e-10);
    free(x);
    gsl_rng_free(g);
}

/* Every 997th rank and the extremes, against the sorted sample. */
static void against_sort(const char *what, double *x, size_t n)
{
    cmc_sketch *s = cmc_sketch_new();
    CHECK(cmc_sketch_add(s, x, n) == 0);
    CHECK(cmc_sketch_count(s) == n);
    qsort(x, n, sizeof *x, cmp);
    size_t nr = 0;
    uint64_t *ranks = malloc((n / 997 + 3) * sizeof *ranks);
    ranks[nr++] = 1;
    for (uint64_t k = 2; k < n; k += 997)
        ranks[nr++] = k;
    ranks[nr++] = n;
    double *v = malloc(nr * sizeof *v);
    cmc_sketch_ranks(s, ranks, nr, v);
    double worst = 0;
    for (size_t i = 0; i < nr; i++) {
        double exact = x[ranks[i] - 1];
        double err = exact == 0 ? fabs(v[i]) : fabs(v[i] - exact) / fabs(exact);
        worst = err > worst ? err : worst;
    }
    /* an estimate lies in the bucket of its order statistic: within 2^-13 of it
       (zoom.c refines this where it matters: tests/test_zoom.c) */
    CHECK_MSG(worst <= ldexp(1, -13) * (1 + 1e-12), "%s: worst relative error %g > 2^-13", what, worst);
    CHECK_MSG(v[0] == x[0] && v[nr - 1] == x[n - 1], "%s: min/max not exact", what);
    printf("%s: worst relative error %.3g over %zu ranks\n", what, worst, nr);
    free(ranks);
    free(v);
    cmc_sketch_free(s);
}

static void sketch_accuracy(void)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 11);
    enum { N = 1000000 };
    double *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; i++)
        x[i] = gsl_ran_lognormal(g, 9.2, 1.1);
    against_sort("lognormal", x, N);
    for (size_t i = 0; i < N; i++)
        x[i] = gsl_ran_gaussian(g, 1.0) * (i % 10 == 0 ? 0.0 : 1.0);  /* signs and zeros */
    against_sort("normal with zeros", x, N);
    for (size_t i = 0; i < N; i++)
        x[i] = i % 3 ? 240.6 : 20;                                     /* a choice */
    against_sort("choice", x, N);
    cmc_sketch *s = cmc_sketch_new();
    cmc_sketch_add(s, x, N);
    uint64_t r[2] = {1, N};
    double v[2];
    cmc_sketch_ranks(s, r, 2, v);
    CHECK(v[0] == 20 && v[1] == 240.6);   /* a value alone in its page is exact */
    cmc_sketch_free(s);
    free(x);
    gsl_rng_free(g);
}

static void sketch_merge(void)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 3);
    enum { N = 200000 };
    double *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; i++)
        x[i] = gsl_ran_gaussian(g, 5.0) + (i % 100 == 0 ? NAN : 0);
    cmc_sketch *whole = cmc_sketch_new(), *parts[3] = {cmc_sketch_new(), cmc_sketch_new(), cmc_sketch_new()};
    cmc_sketch_add(whole, x, N);
    cmc_sketch_add(parts[0], x, 1000);
    cmc_sketch_add(parts[1], x + 1000, 150000);
    cmc_sketch_add(parts[2], x + 151000, N - 151000);
    cmc_sketch *m = cmc_sketch_new();
    CHECK(cmc_sketch_merge(m, parts[2]) == 0 && cmc_sketch_merge(m, parts[0]) == 0 &&
          cmc_sketch_merge(m, parts[1]) == 0);
    CHECK(cmc_sketch_count(m) == cmc_sketch_count(whole));
    CHECK(cmc_sketch_count(whole) == N - N / 100);   /* NaN are not counted */
    static const double p[] = {0.001, 0.025, 0.5, 0.9, 0.999};
    double a[5], al[5], ah[5], b[5], bl[5], bh[5];
    cmc_sketch_percentiles(whole, p, 5, a, al, ah);
    cmc_sketch_percentiles(m, p, 5, b, bl, bh);
    CHECK(memcmp(a, b, sizeof a) == 0 && memcmp(al, bl, sizeof a) == 0 && memcmp(ah, bh, sizeof a) == 0);
    for (int i = 0; i < 5; i++)
        CHECK(al[i] <= a[i] && a[i] <= ah[i]);
    for (int i = 0; i < 3; i++)
        cmc_sketch_free(parts[i]);
    cmc_sketch_free(whole);
    cmc_sketch_free(m);
    free(x);
    gsl_rng_free(g);
}

/* Bins about as narrow as the sketch's buckets: a bucket's count is spread over the
   bins it overlaps, so a uniform sample gives flat counts (whole buckets per bin
   would double every tenth bin here: 14.8 has buckets 2^-10 wide, bins are 10^-3). */
static void histogram_narrow_bins(void)
{
    enum { N = 1000000, B = 100 };
    double *x = malloc(N * sizeof *x);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 9);
    for (size_t i = 0; i < N; i++)
        x[i] = 14.75 + 0.1 * gsl_rng_uniform(g);
    cmc_sketch *s = cmc_sketch_new();
    cmc_sketch_add(s, x, N);
    double edges[B + 1];
    uint64_t counts[B], under, over, total = 0;
    cmc_sketch_histogram(s, 14.75, 14.85, B, 0, edges, counts, &under, &over);
    double worst = 0, want = (double)N / B;
    for (int b = 0; b < B; b++) {
        total += counts[b];
        double z = fabs((double)counts[b] - want) / sqrt(want);
        worst = z > worst ? z : worst;
    }
    CHECK(total + under + over == N);
    /* 100 bins of binomial counts: |z| < 4.5 for all of them unless something is off */
    CHECK_MSG(worst < 4.5, "a bin is %.1f standard deviations off flat", worst);
    cmc_sketch_free(s);
    gsl_rng_free(g);
    free(x);
}

static void histogram(void)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 5);
    enum { N = 300000, B = 40 };
    double *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; i++)
        x[i] = gsl_ran_lognormal(g, 3, 1.2);
    cmc_sketch *s = cmc_sketch_new();
    cmc_sketch_add(s, x, N);
    for (int logbins = 0; logbins < 2; logbins++) {
        double edges[B + 1];
        uint64_t counts[B], under, over, exact[B] = {0}, eu = 0, eo = 0;
        double lo = 2, hi = 1000;
        cmc_sketch_histogram(s, lo, hi, B, logbins, edges, counts, &under, &over);
        CHECK(edges[0] == lo && edges[B] == hi);
        /* edges move onto bucket boundaries by at most 1% of a bin */
        double mid = logbins ? sqrt(lo * hi) : (lo + hi) / 2;
        double bw = logbins ? mid * (pow(hi / lo, 1.0 / B) - 1) : (hi - lo) / B;
        CHECK(fabs(edges[B / 2] - mid) <= 0.01 * bw);
        uint64_t total = under + over;
        for (int b = 0; b < B; b++)
            total += counts[b];
        CHECK(total == N);
        for (size_t i = 0; i < N; i++) {
            if (x[i] < lo)
                eu++;
            else if (x[i] > hi)
                eo++;
            else {
                int b = 0;
                while (b < B - 1 && x[i] >= edges[b + 1])
                    b++;
                exact[b]++;
            }
        }
        /* only samples within one bucket (relative width 2^-13) of an edge may move */
        uint64_t moved = (uint64_t)llabs((long long)under - (long long)eu) +
                         (uint64_t)llabs((long long)over - (long long)eo);
        for (int b = 0; b < B; b++)
            moved += (uint64_t)llabs((long long)counts[b] - (long long)exact[b]);
        uint64_t near = 0;
        for (size_t i = 0; i < N; i++)
            for (int b = 0; b <= B; b++)
                if (fabs(x[i] - edges[b]) <= ldexp(fabs(edges[b]), -12)) {
                    near++;
                    break;
                }
        CHECK_MSG(moved <= 2 * near, "%s bins: %llu samples moved, %llu near an edge",
                  logbins ? "log" : "linear", (unsigned long long)moved,
                  (unsigned long long)near);
    }
    cmc_sketch_free(s);
    free(x);
    gsl_rng_free(g);
}

/* More than 2^32 values of one quantity: the uint32 counts of the pages carry
   into uint64 (stats.c), in merges and in adds. 4294 merges of a sketch of 10^6
   values, one add (which must carry), 4294 more merges (which must carry). */
static void sketch_carry(void)
{
    enum { N = 1000000, MERGES = 4294 };
    double *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; i++)
        x[i] = i % 4 ? 3.0 : 1.0;   /* a quarter ones, in one bucket */
    cmc_sketch *a = cmc_sketch_new(), *m = cmc_sketch_new();
    CHECK(cmc_sketch_add(a, x, N) == 0);
    int failed = 0;
    for (int r = 0; r < MERGES; r++)
        failed += cmc_sketch_merge(m, a) != 0;
    failed += cmc_sketch_add(m, x, N) != 0;
    for (int r = 0; r < MERGES; r++)
        failed += cmc_sketch_merge(m, a) != 0;
    CHECK(failed == 0);
    uint64_t total = (uint64_t)N * (2 * MERGES + 1), ones = total / 4;
    CHECK_MSG(cmc_sketch_count(m) == total, "count %llu, want %llu",
              (unsigned long long)cmc_sketch_count(m), (unsigned long long)total);
    uint64_t r[4] = {1, ones, ones + 1, total};
    double v[4];
    cmc_sketch_ranks(m, r, 4, v);
    CHECK(v[0] == 1.0 && fabs(v[1] - 1) <= ldexp(1, -13) && v[2] == 3.0 && v[3] == 3.0);
    cmc_sketch_free(a);
    cmc_sketch_free(m);
    free(x);
}

/* The 95% interval from order statistics covers the true percentile: 2000
   replications of N = 400 uniforms, each probability on its own. The interval
   [x(l), x(u)] (l = floor(Np - 1.96 sd), u = ceil(Np + 1.96 sd)) holds the true
   percentile iff l <= B <= u - 1 for B ~ Binomial(N, p): that exact coverage c0 (95.4%
   to 96.1% here) is the centre of each band, the binomial quantiles of
   Binomial(2000, c0) at a family-wise false-alarm rate of 1e-3 (about +-1.7 points). */
static double os_coverage(double p, int n)
{
    double np_ = n * p, h = 1.959963984540054 * sqrt(np_ * (1 - p));
    double l = fmax(floor(np_ - h), 1), u = fmin(ceil(np_ + h), n);
    return gsl_cdf_binomial_P((unsigned)u - 1, p, n) - gsl_cdf_binomial_P((unsigned)l - 1, p, n);
}

static void coverage(void)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 2024);
    /* 200 replications in a sanitizer build (tests/check.h): the band follows R */
    enum { R = CMC_SANITIZED ? 200 : 2000, N = 400, NP = 4 };
    static const double p[NP] = {0.025, 0.05, 0.5, 0.9};
    double x[N];
    int hit[NP] = {0};
    for (int r = 0; r < R; r++) {
        for (int i = 0; i < N; i++)
            x[i] = gsl_rng_uniform_pos(g);
        cmc_sketch *s = cmc_sketch_new();
        cmc_sketch_add(s, x, N);
        double v[NP], lo[NP], hi[NP];
        cmc_sketch_percentiles(s, p, NP, v, lo, hi);
        for (int k = 0; k < NP; k++)
            hit[k] += lo[k] <= p[k] && p[k] <= hi[k];
        cmc_sketch_free(s);
    }
    for (int k = 0; k < NP; k++) {
        double c0 = os_coverage(p[k], N);
        int blo, bhi;
        check_binomial_band(c0, R, 1e-3 / NP, &blo, &bhi);
        printf("coverage of the 95%% interval of P%g: %d of %d (exact %.4f: band %d..%d)\n",
               100 * p[k], hit[k], R, c0, blo, bhi);
        /* In a sketch without exact values the upper end of the largest rank asked
           for once read as the sample maximum (0.9997 where x(372) is 0.925): the
           walk over the buckets stops at that rank, and its count so far was taken
           for N. P90 covered about 98%. */
        CHECK_MSG(hit[k] >= blo && hit[k] <= bhi, "P%g: coverage %d of %d, band %d..%d",
                  100 * p[k], hit[k], R, blo, bhi);
    }
    gsl_rng_free(g);
}

/* Small samples, where a rank off by one shows: every percentile and both ends of its
   interval are order statistics of the hand-sorted sample, x_(k) with k = ceil(N p)
   for the value and floor(N p -+ 1.96 sqrt(N p (1 - p))) (ceil for the upper end),
   clamped to [1, N]. The values are far apart, so each sits alone in its bucket and
   the sketch reports it to within the bucket's relative width, 2^-13. Levels where
   N p is within rounding of an integer are left out (ceil and floor agree there). */
static void small_n_percentiles(void)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 5);
    static const size_t sizes[] = {1, 2, 3, 7, 10, 19, 40};
    static const double p[] = {0.01, 0.05, 0.1, 0.25, 0.33, 0.5, 0.66, 0.75, 0.9, 0.95, 0.99};
    enum { NP = sizeof p / sizeof p[0] };
    int checked = 0;
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        size_t n = sizes[t];
        double x[40], v[NP], lo[NP], hi[NP];
        for (size_t i = 0; i < n; i++)   /* 1.5, 3.0, 4.5, ... shuffled */
            x[i] = 1.5 * (double)(i + 1);
        gsl_ran_shuffle(g, x, n, sizeof *x);
        cmc_sketch *s = cmc_sketch_new();
        CHECK(cmc_sketch_add(s, x, n) == 0);
        cmc_sketch_percentiles(s, p, NP, v, lo, hi);
        qsort(x, n, sizeof *x, cmp);
        for (int k = 0; k < NP; k++) {
            double np_ = (double)n * p[k], half = 1.959963984540054 * sqrt(np_ * (1 - p[k]));
            if (fabs(np_ - round(np_)) < 1e-9)
                continue;
            double r[3] = {floor(np_ - half), ceil(np_), ceil(np_ + half)};
            double got[3] = {lo[k], v[k], hi[k]};
            for (int j = 0; j < 3; j++) {
                size_t rank = r[j] < 1 ? 1 : r[j] > (double)n ? n : (size_t)r[j];
                CHECK_MSG(fabs(got[j] - x[rank - 1]) <= ldexp(x[rank - 1], -13),
                          "N = %zu, p = %g, %s: got %.17g, x_(%zu) = %g", n, p[k],
                          j == 0 ? "ci_low" : j == 1 ? "value" : "ci_high", got[j], rank,
                          x[rank - 1]);
            }
            checked++;
        }
        cmc_sketch_free(s);
    }
    printf("small-N percentiles: %d levels checked against the sorted sample\n", checked);
    CHECK(checked > 40);
    gsl_rng_free(g);
}

/* The fixed reduction (cmc_mstack, docs/scale.md): the moments of B blocks pushed
   one by one equal, bit for bit, those of the blocks cut at random points into
   pieces, each reduced on an empty stack and its nodes pushed in order; and the tree
   is the recursive halving, merge(left, right) at every aligned node. */
static cmc_moments tree(const cmc_moments *b, uint64_t lo, uint64_t n)
{
    if (n == 1)
        return b[lo];
    cmc_moments l = tree(b, lo, n / 2), r = tree(b, lo + n / 2, n / 2);
    cmc_moments_merge(&l, &r);
    return l;
}

static void mstack(void)
{
    enum { B = 1000, TRIALS = 50 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 16);
    static cmc_moments blk[B];
    double x[64];
    for (int b = 0; b < B; b++) {
        size_t n = 1 + gsl_rng_uniform_int(rng, 64);
        for (size_t i = 0; i < n; i++)
            x[i] = gsl_ran_lognormal(rng, 3, 2) * (i % 17 ? 1 : 1e6);
        blk[b] = cmc_moments_of(x, n);
    }
    cmc_mstack all = {0};
    for (int b = 0; b < B; b++)
        cmc_mstack_push(&all, (uint64_t)b, 0, &blk[b]);
    cmc_moments whole = cmc_mstack_fold(&all);
    /* 1000 = 512 + 256 + 128 + 64 + 32 + 8: six maximal nodes, each the halving tree */
    CHECK(all.n == 6 && all.node[0].start == 0 && all.node[0].level == 9 &&
          all.node[5].start == 992 && all.node[5].level == 3);
    cmc_moments t = tree(blk, 0, 512);
    CHECK(memcmp(&all.node[0].m, &t, sizeof t) == 0);
    int same = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
        cmc_mstack merged = {0};
        for (uint64_t a = 0, b; a < B; a = b) {
            b = a + 1 + gsl_rng_uniform_int(rng, trial % 2 ? 300 : 40);
            b = b < B ? b : B;
            cmc_mstack part = {0};
            for (uint64_t i = a; i < b; i++)
                cmc_mstack_push(&part, i, 0, &blk[i]);
            for (uint32_t k = 0; k < part.n; k++)
                cmc_mstack_push(&merged, part.node[k].start, part.node[k].level, &part.node[k].m);
        }
        cmc_moments m = cmc_mstack_fold(&merged);
        same += merged.n == all.n && memcmp(&m, &whole, sizeof m) == 0;
    }
    CHECK(same == TRIALS);
    /* a left fold, the order the sampler used before, differs in its last bits: the
       test would notice a reduction that quietly fell back to it */
    cmc_moments fold = cmc_moments_of(NULL, 0);
    for (int b = 0; b < B; b++)
        cmc_moments_merge(&fold, &blk[b]);
    CHECK(fold.n == whole.n && fabs(fold.mean - whole.mean) <= 1e-12 * fabs(whole.mean));
    CHECK(memcmp(&fold, &whole, sizeof fold) != 0);
    gsl_rng_free(rng);
}

int main(void)
{
    CHECK_RUN(moments);
    CHECK_RUN(mstack);
    CHECK_RUN(sketch_accuracy);
    CHECK_RUN(small_n_percentiles);
    CHECK_RUN(sketch_merge);
    CHECK_RUN(histogram);
    CHECK_RUN(histogram_narrow_bins);
    CHECK_RUN(sketch_carry);
    CHECK_RUN(coverage);
    return CHECK_DONE();
}
