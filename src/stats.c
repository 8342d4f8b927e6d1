/*
 * stats.c: block moments and the bucket sketch of stats.h.
 *
 * The sketch's key of a finite double x is its bit pattern shifted right by
 * 52 - CMC_SKETCH_BITS: the 11 exponent bits select a page (one binade), the top
 * 13 mantissa bits a count within it. Keys increase with |x|, so walking the
 * negative pages from the largest binade down, then the zeros, then the positive
 * pages up visits the buckets in increasing order of value, and the k-th order
 * statistic lies in the bucket where the running count reaches k. This is the
 * bucketing of HdrHistogram and DDSketch (Masson, Rim and Lee, VLDB 2019) taken
 * directly from the IEEE 754 representation: no logarithm per sample, and a
 * relative error bound that holds for every value, not on average.
 *
 * Each page records the smallest and largest value it has seen and a bucket's
 * midpoint is clamped to them, so a page that holds a single repeated value (a
 * `choice`) reports it exactly; the sketch keeps the exact minimum and maximum for
 * ranks 1 and n.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PAGE (1u << CMC_SKETCH_BITS)
#define NPAGES 2048                      /* 11 exponent bits */
#define SHIFT (52 - CMC_SKETCH_BITS)

typedef struct page {
    uint64_t total;
    double lo, hi;                       /* smallest and largest |x| seen */
    uint64_t count[PAGE];
} page;

struct cmc_sketch {
    uint64_t n, zeros;
    double min, max;                     /* exact extremes: ranks 1 and n */
    page *pos[NPAGES], *neg[NPAGES];
};

/* ---- moments --------------------------------------------------------------------- */

cmc_moments cmc_moments_of(const double *x, size_t n)
{
    cmc_moments m = {0, 0, 0, 0, INFINITY, -INFINITY};
    /* four partial sums in a fixed pattern: the same bits whatever the machine's
       thread count, and independent chains the CPU can overlap */
    double s[4] = {0, 0, 0, 0};
    uint64_t bad = 0;
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
        for (int k = 0; k < 4; k++) {
            double v = x[j + k];
            int ok = isfinite(v);
            bad += !ok;
            s[k] += ok ? v : 0;
        }
    for (; j < n; j++) {
        int ok = isfinite(x[j]);
        bad += !ok;
        s[0] += ok ? x[j] : 0;
    }
    m.n = n - bad;
    m.nonfinite = bad;
    if (m.n == 0)
        return m;
    m.mean = ((s[0] + s[1]) + (s[2] + s[3])) / (double)m.n;
    double q[4] = {0, 0, 0, 0}, lo = INFINITY, hi = -INFINITY;
    for (j = 0; j + 4 <= n; j += 4)
        for (int k = 0; k < 4; k++) {
            double v = x[j + k];
            if (!isfinite(v))
                continue;
            double d = v - m.mean;
            q[k] += d * d;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    for (; j < n; j++) {
        double v = x[j];
        if (!isfinite(v))
            continue;
        double d = v - m.mean;
        q[0] += d * d;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    m.m2 = (q[0] + q[1]) + (q[2] + q[3]);
    m.min = lo;
    m.max = hi;
    return m;
}

void cmc_moments_merge(cmc_moments *a, const cmc_moments *b)
{
    a->nonfinite += b->nonfinite;
    if (b->n == 0)
        return;
    if (a->n == 0) {
        uint64_t nf = a->nonfinite;
        *a = *b;
        a->nonfinite = nf;
        return;
    }
    /* Chan, Golub and LeVeque (1979): pairwise update of mean and M2 */
    double na = (double)a->n, nb = (double)b->n, n = na + nb;
    double delta = b->mean - a->mean;
    a->mean += delta * (nb / n);
    a->m2 += b->m2 + delta * delta * (na * nb / n);
    a->n += b->n;
    a->min = b->min < a->min ? b->min : a->min;
    a->max = b->max > a->max ? b->max : a->max;
}

double cmc_moments_std(const cmc_moments *m)
{
    return m->n < 2 ? NAN : sqrt(m->m2 / (double)(m->n - 1));
}

/* ---- sketch ------------------------------------------------------------------------ */

cmc_sketch *cmc_sketch_new(void)
{
    cmc_sketch *s = calloc(1, sizeof(cmc_sketch));
    if (s) {
        s->min = INFINITY;
        s->max = -INFINITY;
    }
    return s;
}

void cmc_sketch_free(cmc_sketch *s)
{
    if (!s)
        return;
    for (int i = 0; i < NPAGES; i++) {
        free(s->pos[i]);
        free(s->neg[i]);
    }
    free(s);
}

static page *new_page(void)
{
    page *p = calloc(1, sizeof *p);
    if (p) {
        p->lo = INFINITY;
        p->hi = 0;
    }
    return p;
}

int cmc_sketch_add(cmc_sketch *s, const double *x, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double v = x[j];
        if (!isfinite(v))
            continue;
        s->min = v < s->min ? v : s->min;
        s->max = v > s->max ? v : s->max;
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        uint64_t mag = b & ~(UINT64_C(1) << 63);
        if (mag == 0) {
            s->zeros++;
            s->n++;
            continue;
        }
        page **pp = (b >> 63 ? s->neg : s->pos) + (mag >> 52);
        page *p = *pp;
        if (!p && !(p = *pp = new_page()))
            return -1;
        double a = fabs(v);
        p->lo = a < p->lo ? a : p->lo;
        p->hi = a > p->hi ? a : p->hi;
        p->count[(mag >> SHIFT) & (PAGE - 1)]++;
        p->total++;
        s->n++;
    }
    return 0;
}

int cmc_sketch_merge(cmc_sketch *a, const cmc_sketch *b)
{
    for (int side = 0; side < 2; side++) {
        page **pa = side ? a->neg : a->pos;
        page *const *pb = side ? b->neg : b->pos;
        for (int i = 0; i < NPAGES; i++) {
            if (!pb[i])
                continue;
            if (!pa[i] && !(pa[i] = new_page()))
                return -1;
            page *p = pa[i];
            const page *q = pb[i];
            for (unsigned k = 0; k < PAGE; k++)
                p->count[k] += q->count[k];
            p->total += q->total;
            p->lo = q->lo < p->lo ? q->lo : p->lo;
            p->hi = q->hi > p->hi ? q->hi : p->hi;
        }
    }
    a->zeros += b->zeros;
    a->n += b->n;
    a->min = b->min < a->min ? b->min : a->min;
    a->max = b->max > a->max ? b->max : a->max;
    return 0;
}

uint64_t cmc_sketch_count(const cmc_sketch *s)
{
    return s->n;
}

/* The magnitude range [lo, hi) of bucket k of binade e, as doubles. */
static void bucket_range(int e, unsigned k, double *lo, double *hi)
{
    uint64_t b = ((uint64_t)e << 52) | ((uint64_t)k << SHIFT);
    uint64_t c = b + (UINT64_C(1) << SHIFT);
    memcpy(lo, &b, sizeof b);
    memcpy(hi, &c, sizeof c);   /* the next binade's first value when k is last */
}

/* A bucket's representative magnitude: its midpoint, clamped to what the page saw. */
static double bucket_value(const page *p, int e, unsigned k)
{
    double lo, hi;
    bucket_range(e, k, &lo, &hi);
    double mid = lo + 0.5 * (hi - lo);
    if (mid < p->lo)
        mid = p->lo;
    if (mid > p->hi)
        mid = p->hi;
    return mid;
}

/* Visit buckets in increasing order of value: fn(value, count, ctx) for every
   non-empty bucket; stops when fn returns nonzero. */
typedef int (*bucket_fn)(double value, uint64_t count, void *ctx);

static void walk(const cmc_sketch *s, bucket_fn fn, void *ctx)
{
    for (int e = NPAGES - 1; e >= 0; e--) {
        const page *p = s->neg[e];
        if (!p)
            continue;
        for (int k = PAGE - 1; k >= 0; k--)
            if (p->count[k] && fn(-bucket_value(p, e, (unsigned)k), p->count[k], ctx))
                return;
    }
    if (s->zeros && fn(0.0, s->zeros, ctx))
        return;
    for (int e = 0; e < NPAGES; e++) {
        const page *p = s->pos[e];
        if (!p)
            continue;
        for (unsigned k = 0; k < PAGE; k++)
            if (p->count[k] && fn(bucket_value(p, e, k), p->count[k], ctx))
                return;
    }
}

typedef struct rank_ctx {
    const uint64_t *ranks;
    size_t n, next;
    uint64_t seen;
    double *out;
} rank_ctx;

static int rank_fn(double value, uint64_t count, void *ctx)
{
    rank_ctx *r = ctx;
    r->seen += count;
    while (r->next < r->n && r->ranks[r->next] <= r->seen)
        r->out[r->next++] = value;
    return r->next == r->n;
}

void cmc_sketch_ranks(const cmc_sketch *s, const uint64_t *ranks, size_t n, double *out)
{
    rank_ctx r = {ranks, n, 0, 0, out};
    for (size_t i = 0; i < n; i++)
        out[i] = NAN;
    if (s->n == 0)
        return;
    walk(s, rank_fn, &r);
    for (size_t i = 0; i < n; i++) {
        if (ranks[i] <= 1)
            out[i] = s->min;
        else if (ranks[i] >= s->n)
            out[i] = s->max;
    }
}

static uint64_t clamp_rank(double k, uint64_t n)
{
    if (!(k >= 1))
        return 1;
    if (k >= (double)n)
        return n;
    return (uint64_t)k;
}

void cmc_sketch_percentiles(const cmc_sketch *s, const double *p, size_t np,
                            double *value, double *ci_low, double *ci_high)
{
    uint64_t n = s->n;
    for (size_t i = 0; i < np; i++) {
        if (n == 0 || !(p[i] >= 0 && p[i] <= 1)) {
            value[i] = ci_low[i] = ci_high[i] = NAN;
            continue;
        }
        /* x_(k) with k = ceil(Np): the smallest value with empirical CDF >= p */
        double np_ = (double)n * p[i];
        double half = 1.959963984540054 * sqrt(np_ * (1 - p[i]));
        uint64_t k[3] = {clamp_rank(floor(np_ - half), n), clamp_rank(ceil(np_), n),
                         clamp_rank(ceil(np_ + half), n)};
        double v[3];
        cmc_sketch_ranks(s, k, 3, v);
        ci_low[i] = v[0];
        value[i] = v[1];
        ci_high[i] = v[2];
    }
}

typedef struct hist_ctx {
    double lo, hi, llo, scale;
    size_t nbins;
    int logbins;
    uint64_t *counts, under, over;
} hist_ctx;

static int hist_fn(double v, uint64_t c, void *ctx)
{
    hist_ctx *h = ctx;
    if (v < h->lo) {
        h->under += c;
        return 0;
    }
    if (v > h->hi) {
        h->over += c;
        return 0;
    }
    double t = h->logbins ? (log(v) - h->llo) * h->scale : (v - h->lo) * h->scale;
    size_t b = t <= 0 ? 0 : (size_t)t;
    if (b >= h->nbins)
        b = h->nbins - 1;
    h->counts[b] += c;
    return 0;
}

void cmc_sketch_histogram(const cmc_sketch *s, double lo, double hi, size_t nbins,
                          int logbins, double *edges, uint64_t *counts,
                          uint64_t *underflow, uint64_t *overflow)
{
    if (logbins && !(lo > 0))
        logbins = 0;
    for (size_t b = 0; b < nbins; b++)
        counts[b] = 0;
    for (size_t b = 0; b <= nbins; b++) {
        double t = (double)b / (double)nbins;
        edges[b] = logbins ? exp(log(lo) + t * (log(hi) - log(lo))) : lo + t * (hi - lo);
    }
    edges[0] = lo;
    edges[nbins] = hi;
    hist_ctx h = {lo, hi, logbins ? log(lo) : 0, 0, nbins, logbins, counts, 0, 0};
    double span = logbins ? log(hi) - log(lo) : hi - lo;
    h.scale = span > 0 ? (double)nbins / span : 0;
    walk(s, hist_fn, &h);
    *underflow = h.under;
    *overflow = h.over;
}
