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
 * The sketch keeps the exact minimum and maximum: ranks 1 and n report them, and
 * every bucket's midpoint is clamped to them.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PAGE (1u << CMC_SKETCH_BITS)
#define NPAGES 2048                      /* 11 exponent bits */
#define SHIFT (52 - CMC_SKETCH_BITS)
#define KEYS 256                         /* keys computed per pass of cmc_sketch_add */

typedef struct page {
    uint64_t count[PAGE];
} page;

/* Pages are indexed by sign and exponent: pages[0 .. 2047] hold positive values,
   pages[2048 .. 4095] negative ones; the exponent 2047 (inf, NaN) is never used. */
struct cmc_sketch {
    uint64_t zeros;
    double min, max;                     /* exact extremes: ranks 1 and n */
    page *pages[2 * NPAGES];
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
    double q[4] = {0, 0, 0, 0}, lo[4], hi[4];
    for (int k = 0; k < 4; k++)
        lo[k] = INFINITY, hi[k] = -INFINITY;
    for (j = 0; j + 4 <= n; j += 4)
        for (int k = 0; k < 4; k++) {
            double v = x[j + k];
            int ok = isfinite(v);
            double d = ok ? v - m.mean : 0;
            q[k] += d * d;
            lo[k] = ok && v < lo[k] ? v : lo[k];
            hi[k] = ok && v > hi[k] ? v : hi[k];
        }
    for (; j < n; j++) {
        double v = x[j];
        if (!isfinite(v))
            continue;
        double d = v - m.mean;
        q[0] += d * d;
        lo[0] = v < lo[0] ? v : lo[0];
        hi[0] = v > hi[0] ? v : hi[0];
    }
    m.m2 = (q[0] + q[1]) + (q[2] + q[3]);
    m.min = fmin(fmin(lo[0], lo[1]), fmin(lo[2], lo[3]));
    m.max = fmax(fmax(hi[0], hi[1]), fmax(hi[2], hi[3]));
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
    for (int i = 0; i < 2 * NPAGES; i++)
        free(s->pages[i]);
    free(s);
}

/* Two passes over each stretch of KEYS values: the first turns every value into
   its key (sign, exponent and top mantissa bits; a loop the compiler vectorises),
   the second counts, remembering the last page because neighbouring samples mostly
   share a binade. Zeros and non-finite values are told apart by their key. */
int cmc_sketch_add(cmc_sketch *s, const double *x, size_t n)
{
    uint32_t key[KEYS];
    double lo = s->min, hi = s->max;
    for (size_t j0 = 0; j0 < n; j0 += KEYS) {
        size_t m = n - j0 < KEYS ? n - j0 : KEYS;
        for (size_t j = 0; j < m; j++) {
            uint64_t b;
            memcpy(&b, &x[j0 + j], sizeof b);
            key[j] = (uint32_t)(b >> SHIFT);
        }
        uint32_t last = UINT32_MAX;
        page *p = NULL;
        for (size_t j = 0; j < m; j++) {
            uint32_t k = key[j], pg = k >> CMC_SKETCH_BITS;   /* sign and exponent */
            uint32_t e = pg & (NPAGES - 1);
            if (e == NPAGES - 1)
                continue;                                   /* inf or NaN */
            if ((k & ((1u << (11 + CMC_SKETCH_BITS)) - 1)) == 0 &&
                (x[j0 + j] == 0)) {
                s->zeros++;                                 /* +0 and -0 */
                lo = 0 < lo ? 0 : lo;
                hi = 0 > hi ? 0 : hi;
                continue;
            }
            if (pg != last) {
                uint32_t slot = (pg >> 11) * NPAGES + e;
                if (!s->pages[slot] && !(s->pages[slot] = calloc(1, sizeof(page))))
                    return -1;
                p = s->pages[slot];
                last = pg;
            }
            p->count[k & (PAGE - 1)]++;
            double v = x[j0 + j];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    s->min = lo;
    s->max = hi;
    return 0;
}

int cmc_sketch_merge(cmc_sketch *a, const cmc_sketch *b)
{
    for (int i = 0; i < 2 * NPAGES; i++) {
        if (!b->pages[i])
            continue;
        if (!a->pages[i] && !(a->pages[i] = calloc(1, sizeof(page))))
            return -1;
        for (unsigned k = 0; k < PAGE; k++)
            a->pages[i]->count[k] += b->pages[i]->count[k];
    }
    a->zeros += b->zeros;
    a->min = b->min < a->min ? b->min : a->min;
    a->max = b->max > a->max ? b->max : a->max;
    return 0;
}

uint64_t cmc_sketch_count(const cmc_sketch *s)
{
    uint64_t n = s->zeros;
    for (int i = 0; i < 2 * NPAGES; i++)
        if (s->pages[i])
            for (unsigned k = 0; k < PAGE; k++)
                n += s->pages[i]->count[k];
    return n;
}

/* The magnitude range [lo, hi) of bucket k of binade e, as doubles. */
static void bucket_range(int e, unsigned k, double *lo, double *hi)
{
    uint64_t b = ((uint64_t)e << 52) | ((uint64_t)k << SHIFT);
    uint64_t c = b + (UINT64_C(1) << SHIFT);
    memcpy(lo, &b, sizeof b);
    memcpy(hi, &c, sizeof c);   /* the next binade's first value when k is last */
}

/* A bucket's representative magnitude: its midpoint. */
static double bucket_value(int e, unsigned k)
{
    double lo, hi;
    bucket_range(e, k, &lo, &hi);
    return lo + 0.5 * (hi - lo);
}

/* Visit buckets in increasing order of value: fn(value, count, ctx) for every
   non-empty bucket; stops when fn returns nonzero. */
typedef int (*bucket_fn)(double value, uint64_t count, void *ctx);

/* Values are clamped to the exact extremes, so a sketch of one repeated value
   (a constant, or a choice's value alone in its bucket at either end) reports it
   exactly. */
static void walk(const cmc_sketch *s, bucket_fn fn, void *ctx)
{
    for (int e = NPAGES - 1; e >= 0; e--) {
        const page *p = s->pages[NPAGES + e];
        if (!p)
            continue;
        for (int k = PAGE - 1; k >= 0; k--)
            if (p->count[k] &&
                fn(fmax(-bucket_value(e, (unsigned)k), s->min), p->count[k], ctx))
                return;
    }
    if (s->zeros && fn(0.0, s->zeros, ctx))
        return;
    for (int e = 0; e < NPAGES; e++) {
        const page *p = s->pages[e];
        if (!p)
            continue;
        for (unsigned k = 0; k < PAGE; k++)
            if (p->count[k] && fn(fmin(bucket_value(e, k), s->max), p->count[k], ctx))
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
    uint64_t total = cmc_sketch_count(s);
    if (total == 0)
        return;
    walk(s, rank_fn, &r);
    for (size_t i = 0; i < n; i++) {
        if (ranks[i] <= 1)
            out[i] = s->min;
        else if (ranks[i] >= total)
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
    uint64_t n = cmc_sketch_count(s);
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
    double lo, hi, llo, scale, min, max;
    size_t nbins;
    int logbins;
    uint64_t *counts, under, over;
} hist_ctx;

/* x in bin units: 0 at lo, nbins at hi. */
static double bin_coord(const hist_ctx *h, double x)
{
    if (h->logbins)
        return x > 0 ? (log(x) - h->llo) * h->scale : -INFINITY;
    return (x - h->lo) * h->scale;
}

/* c values spread evenly over [ta, tb] in bin units: each bin (and underflow below
   0, overflow above nbins) gets its share, rounded so that the shares' running sum
   is the rounded running sum of the exact shares: integers that add up to c. */
static void hist_spread(hist_ctx *h, double ta, double tb, uint64_t c)
{
    double nb = (double)h->nbins;
    uint64_t given = 0;
    double at = ta;
    while (given < c) {
        /* the next cut: the end of the bin holding `at`, or tb */
        double cut = at < 0 ? 0 : at >= nb ? tb : floor(at) + 1;
        if (cut > tb || at >= nb)
            cut = tb;
        uint64_t upto = cut >= tb ? c : (uint64_t)llround((double)c * ((cut - ta) / (tb - ta)));
        if (upto > c)
            upto = c;
        uint64_t part = upto - given;
        if (at < 0)
            h->under += part;
        else if (at >= nb)
            h->over += part;
        else
            h->counts[(size_t)at < h->nbins ? (size_t)at : h->nbins - 1] += part;
        given = upto;
        at = cut;
    }
}

/* A bucket's count goes to the bins its value range [v - w/2, v + w/2] overlaps (w
   its width, 2^-13 of its binade; clipped to the exact min and max), in proportion:
   assigning it whole to the bin of its midpoint would alias when bins are about as
   narrow as buckets (a uniform(14.75, 14.85) in 100 bins showed every tenth bin
   doubled). */
static int hist_fn(double v, uint64_t c, void *ctx)
{
    hist_ctx *h = ctx;
    double a = v, b = v;
    if (v != 0 && isfinite(v)) {
        int ex;
        frexp(fabs(v), &ex);
        double w = ldexp(1.0, ex - 1 - CMC_SKETCH_BITS);
        a = fmax(v - w / 2, h->min);
        b = fmin(v + w / 2, h->max);
    }
    double ta = bin_coord(h, a), tb = bin_coord(h, b);
    if (!(tb > ta) || !isfinite(ta) || !isfinite(tb)) {   /* a point */
        if (v < h->lo)
            h->under += c;
        else if (v > h->hi)
            h->over += c;
        else {
            double t = bin_coord(h, v);
            size_t k = t <= 0 ? 0 : (size_t)t;
            h->counts[k >= h->nbins ? h->nbins - 1 : k] += c;
        }
        return 0;
    }
    hist_spread(h, ta, tb, c);
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
    hist_ctx h = {lo, hi, logbins ? log(lo) : 0, 0, s->min, s->max, nbins, logbins, counts, 0, 0};
    double span = logbins ? log(hi) - log(lo) : hi - lo;
    h.scale = span > 0 ? (double)nbins / span : 0;
    walk(s, hist_fn, &h);
    *underflow = h.under;
    *overflow = h.over;
}

/* ---- rank table ---------------------------------------------------------------------
 *
 * Kept apart from the sketch code above, which it reads only through the struct:
 * s->zeros, s->pages[slot] (slot = sign * NPAGES + exponent; NULL when absent) and
 * s->pages[slot]->count[k], with the key of cmc_sketch_add (PAGE, NPAGES, SHIFT).
 * Walking the buckets in increasing order of value (as walk() does) gives C, the
 * count below each bucket; the table stores u = (C + c/2) / N per bucket of every
 * present page (as N u, a half-integer, so building needs no division), and for
 * every page slot the count below the whole page (what a value in an absent page
 * maps to). A lookup is the sketch's key computation, one load and one division. */

struct cmc_rank_table {
    double n;                       /* values counted by the sketch (NaN if none) */
    double zero;                    /* N u of +0 and -0 */
    double below[2 * NPAGES];       /* count below every value of the page slot */
    double *h[2 * NPAGES];          /* N u = C + c/2 of each bucket of a present page
                                       (exact: half-integers below 2^52), or NULL */
};

void cmc_rank_table_free(cmc_rank_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < 2 * NPAGES; i++)
        free(t->h[i]);
    free(t);
}

/* The table entries of one page slot; k runs over the buckets in increasing order
   of value (down for negative pages). Returns the updated running count. */
static uint64_t rank_page(cmc_rank_table *t, const cmc_sketch *s, int slot, uint64_t c,
                          int down, int *failed)
{
    const page *p = s->pages[slot];
    t->below[slot] = (double)c;
    if (!p)
        return c;
    double *h = t->h[slot] = malloc(PAGE * sizeof *h);
    if (!h) {
        *failed = 1;
        return c;
    }
    for (unsigned j = 0; j < PAGE; j++) {
        unsigned k = down ? PAGE - 1 - j : j;
        uint64_t m = p->count[k];
        h[k] = (double)c + 0.5 * (double)m;
        c += m;
    }
    return c;
}

cmc_rank_table *cmc_rank_table_new(const cmc_sketch *s)
{
    cmc_rank_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    uint64_t total = cmc_sketch_count(s), c = 0;
    int failed = 0;
    t->n = total ? (double)total : NAN;   /* an empty sketch maps everything to NaN */
    for (int e = NPAGES - 1; e >= 0; e--)
        c = rank_page(t, s, NPAGES + e, c, 1, &failed);
    t->zero = (double)c + 0.5 * (double)s->zeros;
    c += s->zeros;
    for (int e = 0; e < NPAGES; e++)
        c = rank_page(t, s, e, c, 0, &failed);
    if (failed) {
        cmc_rank_table_free(t);
        return NULL;
    }
    return t;
}

void cmc_rank_table_map(const cmc_rank_table *t, const double *x, size_t n, double *u)
{
    for (size_t j = 0; j < n; j++) {
        double v = x[j];
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        uint32_t k = (uint32_t)(b >> SHIFT), pg = k >> CMC_SKETCH_BITS;
        uint32_t e = pg & (NPAGES - 1), slot = (pg >> 11) * NPAGES + e;
        double r;
        if (e == NPAGES - 1)
            r = NAN;                                   /* inf or NaN */
        else if (v == 0)
            r = t->zero;
        else if (t->h[slot])
            r = t->h[slot][k & (PAGE - 1)];
        else
            r = t->below[slot];
        u[j] = r / t->n;
    }
}
