/*
 * sketch.c: the bucket sketch of stats.h (moments are in stats.c; zoom.c refines
 * a sketch where its buckets are too coarse, and answers percentiles).
 *
 * The sketch's key of a finite double x is its bit pattern shifted right by
 * 52 - CMC_SKETCH_BITS: the 11 exponent bits select a page (one binade), the top
 * 13 mantissa bits a count within it. Keys increase with |x|, so walking the
 * negative pages from the largest binade down, then the zeros, then the positive
 * pages up visits the buckets in increasing order of value, and the k-th order
 * statistic lies in the bucket where the running count reaches k. This is the
 * bucketing of HdrHistogram and DDSketch (Masson, Rim and Lee, VLDB 2019) taken
 * directly from the IEEE 754 representation: no logarithm per sample, and a
 * relative error bound that holds for every value, not on average. The sketch
 * keeps the exact minimum and maximum.
 *
 * Counts are uint32 in the page (32 KiB per binade: the pages a run touches stay
 * in a core's L2 cache, where uint64 pages spilled to L3; the counting loop is
 * memory-bound), with a uint64 array per page, `carried`, allocated the first
 * time it is needed: before the counts could reach the FLAG bit (2^31), every
 * page's counts are added to its carried array and cleared. The sketch knows
 * when: `pending` counts the values added since the last carry, a bound on every
 * count, so nothing is checked per value. A bucket's count is count[k] & ~FLAG +
 * carried[k] (bucket_count); only runs of more than 2^31 - 1 values per thread
 * and quantity (or merges of sketches that large) ever carry.
 *
 * A bucket whose count has FLAG set is watched (sketch_priv.h): the counting loop
 * learns it from the increment it does anyway and hands the value to zoom.c. A
 * sketch with no flagged bucket runs the plain loop.
 */
#include "sketch_priv.h"
#include "lanes.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Add every page's counts to its carried array and clear them (keeping FLAG). */
static int carry(cmc_sketch *s)
{
    for (int i = 0; i < 2 * NPAGES; i++) {
        page *p = s->pages[i];
        if (!p)
            continue;
        if (!p->carried && !(p->carried = calloc(PAGE, sizeof *p->carried)))
            return -1;
        for (unsigned k = 0; k < PAGE; k++) {
            p->carried[k] += p->count[k] & ~FLAG;
            p->count[k] &= FLAG;
        }
    }
    s->pending = 0;
    return 0;
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
    for (int i = 0; i < 2 * NPAGES; i++) {
        if (s->pages[i])
            free(s->pages[i]->carried);
        free(s->pages[i]);
    }
    cmc_zoom_free(s);
    free(s);
}

/*
 * Two passes over each stretch of KEYS values. The first, in generic vectors like
 * the moments, turns every value into its key (sign, exponent and top mantissa
 * bits) and keeps the extremes in MLANES lanes; a zero gets the key ZERO_KEY and
 * a non-finite value NONFINITE_KEY, both on the never-allocated page of exponent
 * 2047, so that the second pass, which counts, has a single test per value: is the
 * value's page there? The page is looked up by its index for every value (no
 * "same page as the last value" branch to mispredict when values spread over
 * several binades). Zeros are +0 for the extremes (-0 + 0 = +0), as before.
 */
#define SPECIAL_PAGE (NPAGES - 1)   /* exponent 2047, sign + */
#define NONFINITE_KEY ((uint64_t)SPECIAL_PAGE << CMC_SKETCH_BITS)
#define ZERO_KEY (NONFINITE_KEY + 1)

#if CMC_X86_PATHS
/* sketch_keys' vector loop with AVX-512 (x[0 .. full), full a multiple of MLANES):
   the same keys and, lane by lane, the same extremes (vminpd under the finite
   mask is ok && y < lo ? y : lo). */
__attribute__((target("avx512f"))) static void sketch_keys_avx512(const double *x,
                                                                 size_t full, uint64_t *key,
                                                                 double *lo, double *hi)
{
    const __m512d zero = _mm512_setzero_pd();
    const __m512i nonfinite = _mm512_set1_epi64((long long)NONFINITE_KEY);
    const __m512i zerokey = _mm512_set1_epi64((long long)ZERO_KEY);
    __m512d lo0 = _mm512_loadu_pd(lo), lo1 = _mm512_loadu_pd(lo + 8);
    __m512d hi0 = _mm512_loadu_pd(hi), hi1 = _mm512_loadu_pd(hi + 8);
    for (size_t j = 0; j < full; j += MLANES) {
        __m512d y0 = _mm512_add_pd(_mm512_loadu_pd(x + j), zero);
        __m512d y1 = _mm512_add_pd(_mm512_loadu_pd(x + j + 8), zero);
        __mmask8 ok0 = finite8(y0), ok1 = finite8(y1);
        lo0 = _mm512_mask_min_pd(lo0, ok0, y0, lo0);
        lo1 = _mm512_mask_min_pd(lo1, ok1, y1, lo1);
        hi0 = _mm512_mask_max_pd(hi0, ok0, y0, hi0);
        hi1 = _mm512_mask_max_pd(hi1, ok1, y1, hi1);
        __m512i k0 = _mm512_mask_mov_epi64(nonfinite, ok0,
                                           _mm512_srli_epi64(_mm512_castpd_si512(y0), SHIFT));
        __m512i k1 = _mm512_mask_mov_epi64(nonfinite, ok1,
                                           _mm512_srli_epi64(_mm512_castpd_si512(y1), SHIFT));
        k0 = _mm512_mask_mov_epi64(k0, _mm512_cmp_pd_mask(y0, zero, _CMP_EQ_OQ), zerokey);
        k1 = _mm512_mask_mov_epi64(k1, _mm512_cmp_pd_mask(y1, zero, _CMP_EQ_OQ), zerokey);
        _mm512_storeu_si512(key + j, k0);
        _mm512_storeu_si512(key + j + 8, k1);
    }
    _mm512_storeu_pd(lo, lo0);
    _mm512_storeu_pd(lo + 8, lo1);
    _mm512_storeu_pd(hi, hi0);
    _mm512_storeu_pd(hi + 8, hi1);
}
#endif

static inline void sketch_keys(const double *x, size_t m, uint64_t *key, double *lo,
                               double *hi)
{
    size_t j = 0, full = m - m % MLANES;
#if CMC_X86_PATHS
    if (wide_paths()) {
        sketch_keys_avx512(x, full, key, lo, hi);
        j = full;
    }
#endif
    vdouble vlo[NV], vhi[NV];
    memcpy(vlo, lo, sizeof vlo);
    memcpy(vhi, hi, sizeof vhi);
    for (; j < full; j += MLANES)
        for (int v = 0; v < NV; v++) {
            vdouble y;
            VLOAD(y, x + j + VW * v);
            y += 0.0;
            vmask ok = VFINITE(y), zero = y == 0.0;
            vlo[v] = VSEL(ok & (y < vlo[v]), y, vlo[v]);
            vhi[v] = VSEL(ok & (y > vhi[v]), y, vhi[v]);
            vkey k = (vkey)y >> SHIFT;
            k = (k & (vkey)ok) | (NONFINITE_KEY & ~(vkey)ok);
            k = (k & ~(vkey)zero) | (ZERO_KEY & (vkey)zero);
            memcpy(key + j + VW * v, &k, sizeof k);
        }
    memcpy(lo, vlo, sizeof vlo);
    memcpy(hi, vhi, sizeof vhi);
    for (int k = 0; j < m; j++, k++) {
        double y = x[j] + 0.0;
        uint64_t b;
        memcpy(&b, &y, sizeof b);
        int ok = fabs(y) <= DBL_MAX;
        lo[k] = ok && y < lo[k] ? y : lo[k];
        hi[k] = ok && y > hi[k] ? y : hi[k];
        key[j] = y == 0 ? ZERO_KEY : ok ? b >> SHIFT : NONFINITE_KEY;
    }
}

/* The counting loop of a sketch that nothing watches. */
static inline int count_plain(cmc_sketch *s, const uint64_t *key, size_t m)
{
#pragma GCC unroll 4   /* the loop is bound by its instruction count: 8% faster */
    for (size_t j = 0; j < m; j++) {
        uint64_t k = key[j], pg = k >> CMC_SKETCH_BITS;   /* sign and exponent */
        page *p = s->pages[pg];
        if (!p) {
            if (pg == SPECIAL_PAGE) {
                s->zeros += k == ZERO_KEY;
                continue;
            }
            if (!(p = s->pages[pg] = calloc(1, sizeof(page))))
                return -1;
        }
        p->count[k & (PAGE - 1)]++;
    }
    return 0;
}

/* The counting loop of a watched sketch: the increment's sign says FLAG, and the
   value is set aside. A function of its own, so that its few extra live values do
   not push the plain loop's out of registers. */
__attribute__((noinline)) static int count_watched(cmc_sketch *s, const double *x,
                                                   const uint64_t *key, size_t m)
{
    double *zbuf = s->zbuf;
    size_t nz = s->nz;
    int rc = 0;
#pragma GCC unroll 2
    for (size_t j = 0; j < m; j++) {
        uint64_t k = key[j], pg = k >> CMC_SKETCH_BITS;
        page *p = s->pages[pg];
        if (!p) {
            if (pg == SPECIAL_PAGE) {
                s->zeros += k == ZERO_KEY;
                continue;
            }
            if (!(p = s->pages[pg] = calloc(1, sizeof(page)))) {
                rc = -1;
                break;
            }
        }
        if (__builtin_expect(++p->count[k & (PAGE - 1)] >= FLAG, 0))
            zbuf[nz++] = x[j];   /* at most KEYS per pass: flushed before full */
    }
    s->nz = nz;
    return rc;
}

CMC_CLONES int cmc_sketch_add(cmc_sketch *s, const double *x, size_t n)
{
    uint64_t key[KEYS];
    double lo[MLANES], hi[MLANES];
    for (int k = 0; k < MLANES; k++)
        lo[k] = INFINITY, hi[k] = -INFINITY;
    for (size_t j0 = 0; j0 < n; j0 += KEYS) {
        size_t m = n - j0 < KEYS ? n - j0 : KEYS;
        if (s->pending + m > COUNT_MAX && carry(s) < 0)
            return -1;
        s->pending += m;
        sketch_keys(x + j0, m, key, lo, hi);
        if ((s->watching ? count_watched(s, x + j0, key, m) : count_plain(s, key, m)) < 0)
            return -1;
        if (s->nz > CMC_ZBUF - KEYS)   /* room for the next pass */
            cmc_zoom_flush(s);
    }
    for (int k = 0; k < MLANES; k++) {
        s->min = lo[k] < s->min ? lo[k] : s->min;
        s->max = hi[k] > s->max ? hi[k] : s->max;
    }
    return 0;
}

void cmc_sketch_flush(cmc_sketch *s)
{
    if (s->nz)
        cmc_zoom_flush(s);
}

int cmc_sketch_merge(cmc_sketch *a, const cmc_sketch *b)
{
    assert(b->nz == 0);   /* flushed: its set-aside values are counted */
    if (a->pending + b->pending > COUNT_MAX && carry(a) < 0)
        return -1;
    for (int i = 0; i < 2 * NPAGES; i++) {
        const page *q = b->pages[i];
        if (!q)
            continue;
        page *p = a->pages[i];
        if (!p && !(p = a->pages[i] = calloc(1, sizeof(page))))
            return -1;
        for (unsigned k = 0; k < PAGE; k++)
            p->count[k] += q->count[k] & ~FLAG;
        if (q->carried) {
            if (!p->carried && !(p->carried = calloc(PAGE, sizeof *p->carried)))
                return -1;
            for (unsigned k = 0; k < PAGE; k++)
                p->carried[k] += q->carried[k];
        }
    }
    a->pending += b->pending;
    a->zeros += b->zeros;
    a->min = b->min < a->min ? b->min : a->min;
    a->max = b->max > a->max ? b->max : a->max;
    return cmc_zoom_merge(a, b);
}


uint64_t cmc_sketch_count(const cmc_sketch *s)
{
    assert(s->nz == 0);
    uint64_t n = s->zeros;
    for (int i = 0; i < 2 * NPAGES; i++)
        if (s->pages[i])
            for (unsigned k = 0; k < PAGE; k++)
                n += bucket_count(s->pages[i], k);
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

static int visit(const cmc_sketch *s, int neg, int e, unsigned k, uint64_t c,
                 int (*fn)(const cmc_bucket *b, void *ctx), void *ctx)
{
    cmc_bucket b = {neg, e, k, 0, 0, c};
    double lo, hi;
    bucket_range(e, k, &lo, &hi);
    b.lo = neg ? -hi : lo;
    b.hi = neg ? -lo : hi;
    b.lo = b.lo < s->min ? s->min : b.lo;
    b.hi = b.hi > s->max ? s->max : b.hi;
    return fn(&b, ctx);
}

void cmc_sketch_walk(const cmc_sketch *s, int (*fn)(const cmc_bucket *b, void *ctx), void *ctx)
{
    for (int e = NPAGES - 1; e >= 0; e--) {
        const page *p = s->pages[NPAGES + e];
        if (!p)
            continue;
        for (int k = PAGE - 1; k >= 0; k--) {
            uint64_t c = bucket_count(p, (unsigned)k);
            if (c && visit(s, 1, e, (unsigned)k, c, fn, ctx))
                return;
        }
    }
    if (s->zeros) {
        cmc_bucket z = {0, -1, 0, 0.0, 0.0, s->zeros};
        if (fn(&z, ctx))
            return;
    }
    for (int e = 0; e < NPAGES; e++) {
        const page *p = s->pages[e];
        if (!p)
            continue;
        for (unsigned k = 0; k < PAGE; k++) {
            uint64_t c = bucket_count(p, k);
            if (c && visit(s, 0, e, k, c, fn, ctx))
                return;
        }
    }
}

/* The flag of the bucket of magnitude key ck (level CMC_SKETCH_BITS) and sign neg. */
static int flag(cmc_sketch *s, int neg, uint64_t ck)
{
    size_t pg = (size_t)neg * NPAGES + (size_t)(ck >> CMC_SKETCH_BITS);
    if ((ck >> CMC_SKETCH_BITS) >= NPAGES - 1)
        return 0;   /* inf and NaN are never counted */
    if (!s->pages[pg] && !(s->pages[pg] = calloc(1, sizeof(page))))
        return -1;
    s->pages[pg]->count[ck & (PAGE - 1)] |= FLAG;
    return 0;
}

int cmc_sketch_reflag(cmc_sketch *s)
{
    for (int i = 0; i < 2 * NPAGES; i++)
        if (s->pages[i])
            for (unsigned k = 0; k < PAGE; k++)
                s->pages[i]->count[k] &= ~FLAG;
    int any = 0;
    for (size_t i = 0; i < s->natoms; i++) {
        uint64_t b;
        memcpy(&b, &s->atom[i], sizeof b);
        if (s->atom[i] == 0)
            continue;   /* zeros are counted exactly anyway */
        if (flag(s, (int)(b >> 63), (b & MAG_MASK) >> SHIFT) < 0)
            return -1;
        any = 1;
    }
    for (size_t i = 0; i < s->nwin; i++) {
        const cmc_window *w = &s->win[i];
        if (!w->active)
            continue;
        int up = w->level - CMC_SKETCH_BITS;
        for (uint64_t ck = w->klo >> up; ck <= (w->klo + w->ncells - 1) >> up; ck++)
            if (flag(s, w->neg, ck) < 0)
                return -1;
        any = 1;
    }
    if (any && !s->zbuf && !(s->zbuf = malloc(CMC_ZBUF * sizeof *s->zbuf)))
        return -1;
    s->watching = any;
    return 0;
}

/* ---- rank table ---------------------------------------------------------------------
 *
 * Kept apart from the sketch code above, which it reads only through the struct:
 * s->zeros, s->pages[slot] (slot = sign * NPAGES + exponent; NULL when absent) and
 * bucket_count(s->pages[slot], k), with the key of cmc_sketch_add (PAGE, NPAGES,
 * SHIFT).
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
        uint64_t m = bucket_count(p, (unsigned)k);
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

