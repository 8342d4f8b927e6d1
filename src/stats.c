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
 *
 * Counts are uint32 in the page (32 KiB per binade: the pages a run touches stay
 * in a core's L2 cache, where uint64 pages spilled to L3; the counting loop is
 * memory-bound), with a uint64 array per page, `carried`, allocated the first
 * time it is needed: before the uint32 counts could overflow, every page's counts
 * are added to its carried array and cleared. The sketch knows when: `pending`
 * counts the values added since the last carry, a bound on every uint32 count, so
 * nothing is checked per value. A bucket's count is count[k] + carried[k]
 * (bucket_count); only runs of more than 2^32 - 1 values per thread and quantity
 * (or merges of sketches that large) ever carry.
 */
#include "stats.h"
#include "simd.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if CMC_X86_PATHS
#include <immintrin.h>
#endif

#define PAGE (1u << CMC_SKETCH_BITS)
#define NPAGES 2048                      /* 11 exponent bits */
#define SHIFT (52 - CMC_SKETCH_BITS)
#define KEYS 256                         /* keys computed per pass of cmc_sketch_add */

typedef struct page {
    uint32_t count[PAGE];   /* counts since the last carry; see bucket_count */
    uint64_t *carried;      /* NULL, or [PAGE] counts carried out of count[] */
} page;

/* Pages are indexed by sign and exponent: pages[0 .. 2047] hold positive values,
   pages[2048 .. 4095] negative ones; the exponent 2047 (inf, NaN) is never used. */
struct cmc_sketch {
    uint64_t zeros;
    double min, max;                     /* exact extremes: ranks 1 and n */
    uint64_t pending;                    /* values counted since the last carry */
    page *pages[2 * NPAGES];
};

/* The count of bucket k of page p. */
static inline uint64_t bucket_count(const page *p, unsigned k)
{
    return p->count[k] + (p->carried ? p->carried[k] : 0);
}

/* Add every page's uint32 counts to its carried array and clear them. */
static int carry(cmc_sketch *s)
{
    for (int i = 0; i < 2 * NPAGES; i++) {
        page *p = s->pages[i];
        if (!p)
            continue;
        if (!p->carried && !(p->carried = calloc(PAGE, sizeof *p->carried)))
            return -1;
        for (unsigned k = 0; k < PAGE; k++)
            p->carried[k] += p->count[k];
        memset(p->count, 0, sizeof p->count);
    }
    s->pending = 0;
    return 0;
}

/* ---- moments --------------------------------------------------------------------- */

/*
 * Two passes over the block, each with MLANES partial results in a fixed pattern
 * (value j goes to lane j % MLANES; the lanes are combined by a fixed pairwise
 * tree): the bits do not depend on the machine, the clone or the thread count,
 * and the lanes are independent chains that the vector units overlap. The second
 * pass sums the deviations d from the first pass's mean and their squares: the
 * corrected two-pass algorithm (Chan, Golub and LeVeque, "Algorithms for computing
 * the sample variance", The American Statistician 37, 1983), mean += sum(d) / n
 * and M2 = sum(d^2) - sum(d)^2 / n, which removes the rounding of the first sum.
 * A non-finite value contributes nothing but its count.
 *
 * The lanes are written with GCC's generic vectors (four doubles, MLANES / 4 of
 * them): GCC's vectoriser keeps scalar lane arrays in memory or leaves them
 * scalar, three to five times slower. Each lane is still a plain sequence of IEEE
 * operations, so the baseline clone (two 128-bit halves), the AVX2 clone and a
 * build without clones give the same bits; the tail runs the same arithmetic on
 * the lanes stored back to arrays. On CPUs with AVX-512 the same lane operations
 * run as intrinsics on two 8-double registers (generic vectors of eight doubles
 * would be lowered badly for AVX2): a third fewer instructions, the same bits.
 */
#define MLANES 16
#define VW 4                       /* doubles per generic vector */
#define NV (MLANES / VW)

typedef double vdouble __attribute__((vector_size(VW * sizeof(double))));
typedef int64_t vmask __attribute__((vector_size(VW * sizeof(double))));
typedef uint64_t vkey __attribute__((vector_size(VW * sizeof(double))));

/* Helpers as macros: a function returning a 32-byte vector draws GCC's ABI note
   (-Wpsabi) in the baseline clone. VLOAD reads four doubles at p (unaligned),
   VSEL(m, a, b) is m ? a : b per lane, VFINITE(v) all ones where v is finite. */
#define VLOAD(dst, p) memcpy(&(dst), (p), sizeof(vdouble))
#define VSEL(m, a, b) ((vdouble)(((vmask)(a) & (m)) | ((vmask)(b) & ~(m))))
#define VFINITE(v) ((vdouble)((vmask)(v) & INT64_MAX) <= DBL_MAX)

static double tree_sum(const double *v)   /* the MLANES lanes, pairwise */
{
    double t[MLANES];
    memcpy(t, v, sizeof t);
    for (int w = MLANES / 2; w >= 1; w /= 2)
        for (int k = 0; k < w; k++)
            t[k] = t[k] + t[k + w];
    return t[0];
}

#if CMC_X86_PATHS
/*
 * The vector loops of both passes with AVX-512 (x[0 .. full), full a multiple of
 * MLANES), for CPUs that have it: two registers are lanes 0-7 and 8-15, and each
 * lane gets the same IEEE operations as with the generic vectors (a masked-out
 * lane adds +0 there and here; vminpd(y, lo) is exactly y < lo ? y : lo and
 * vmaxpd(y, hi) y > hi ? y : hi), so the same bits, in half the instructions.
 */
_Static_assert(MLANES == 16, "two AVX-512 registers of lanes");

__attribute__((target("avx512f"))) static inline __mmask8 finite8(__m512d y)
{
    __m512d a = _mm512_castsi512_pd(
        _mm512_and_si512(_mm512_castpd_si512(y), _mm512_set1_epi64(INT64_MAX)));
    return _mm512_cmp_pd_mask(a, _mm512_set1_pd(DBL_MAX), _CMP_LE_OQ);
}

/* Sums of the finite values into s[0 .. 16); returns how many there are. */
__attribute__((target("avx512f"))) static int64_t moments_pass1_avx512(const double *x,
                                                                      size_t full, double *s)
{
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    int64_t finite = 0;
    for (size_t j = 0; j < full; j += MLANES) {
        __m512d y0 = _mm512_loadu_pd(x + j), y1 = _mm512_loadu_pd(x + j + 8);
        __mmask8 k0 = finite8(y0), k1 = finite8(y1);
        s0 = _mm512_add_pd(s0, _mm512_maskz_mov_pd(k0, y0));
        s1 = _mm512_add_pd(s1, _mm512_maskz_mov_pd(k1, y1));
        finite += __builtin_popcount(k0) + __builtin_popcount(k1);
    }
    _mm512_storeu_pd(s, s0);
    _mm512_storeu_pd(s + 8, s1);
    return finite;
}

/* The second pass over a block of finite values only. */
__attribute__((target("avx512f"))) static void moments_pass2_avx512(
    const double *x, size_t full, double mean, double *e, double *q, double *lo, double *hi)
{
    const __m512d m = _mm512_set1_pd(mean);
    __m512d e0 = _mm512_setzero_pd(), e1 = e0, q0 = e0, q1 = e0;
    __m512d lo0 = _mm512_set1_pd(INFINITY), lo1 = lo0;
    __m512d hi0 = _mm512_set1_pd(-INFINITY), hi1 = hi0;
    for (size_t j = 0; j < full; j += MLANES) {
        __m512d y0 = _mm512_loadu_pd(x + j), y1 = _mm512_loadu_pd(x + j + 8);
        __m512d d0 = _mm512_sub_pd(y0, m), d1 = _mm512_sub_pd(y1, m);
        e0 = _mm512_add_pd(e0, d0);
        e1 = _mm512_add_pd(e1, d1);
        q0 = _mm512_add_pd(q0, _mm512_mul_pd(d0, d0));
        q1 = _mm512_add_pd(q1, _mm512_mul_pd(d1, d1));
        lo0 = _mm512_min_pd(y0, lo0);
        lo1 = _mm512_min_pd(y1, lo1);
        hi0 = _mm512_max_pd(y0, hi0);
        hi1 = _mm512_max_pd(y1, hi1);
    }
    _mm512_storeu_pd(e, e0);
    _mm512_storeu_pd(e + 8, e1);
    _mm512_storeu_pd(q, q0);
    _mm512_storeu_pd(q + 8, q1);
    _mm512_storeu_pd(lo, lo0);
    _mm512_storeu_pd(lo + 8, lo1);
    _mm512_storeu_pd(hi, hi0);
    _mm512_storeu_pd(hi + 8, hi1);
}
#endif

static inline int wide_paths(void)   /* the AVX-512 loops above, on this CPU? */
{
#if CMC_X86_PATHS
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

CMC_CLONES cmc_moments cmc_moments_of(const double *x, size_t n)
{
    cmc_moments m = {0, 0, 0, 0, INFINITY, -INFINITY};
    double s[MLANES];   /* sums of finite values */
    const vdouble zero = {0};
    vdouble vs[NV];
    vmask vbad[NV];     /* minus the number of finite values, per lane */
    for (int v = 0; v < NV; v++) {
        vs[v] = zero;
        vbad[v] = (vmask)zero;
    }
    size_t j = 0, full = n - n % MLANES;
    int64_t finite = 0;
    const int wide = wide_paths();
#if CMC_X86_PATHS
    if (wide) {
        finite = moments_pass1_avx512(x, full, s);
        j = full;
    }
#endif
    if (!wide) {
        for (; j < full; j += MLANES)
            for (int v = 0; v < NV; v++) {
                vdouble y;
                VLOAD(y, x + j + VW * v);
                vmask ok = VFINITE(y);
                vs[v] += (vdouble)((vmask)y & ok);
                vbad[v] += ok;   /* -1 where finite */
            }
        memcpy(s, vs, sizeof s);
        int64_t fin[MLANES];
        memcpy(fin, vbad, sizeof fin);
        for (int k = 0; k < MLANES; k++)
            finite -= fin[k];
    }
    for (int k = 0; j < n; j++, k++) {
        double y = x[j];
        int ok = fabs(y) <= DBL_MAX;
        s[k] += ok ? y : 0;
        finite += ok;
    }
    m.n = (uint64_t)finite;
    m.nonfinite = n - m.n;
    if (m.n == 0)
        return m;
    const double cnt = (double)m.n, mean = tree_sum(s) / cnt;
    double q[MLANES], e[MLANES], lo[MLANES], hi[MLANES];
    vdouble vq[NV], ve[NV], vlo[NV], vhi[NV];
    for (int v = 0; v < NV; v++) {
        vq[v] = ve[v] = zero;
        vlo[v] = zero + INFINITY;
        vhi[v] = -vlo[v];
    }
#if CMC_X86_PATHS
    if (m.nonfinite == 0 && wide) {
        moments_pass2_avx512(x, full, mean, e, q, lo, hi);
    } else
#endif
    if (m.nonfinite == 0) {   /* the usual case: the same arithmetic, no masks */
        for (j = 0; j < full; j += MLANES)
            for (int v = 0; v < NV; v++) {
                vdouble y;
                VLOAD(y, x + j + VW * v);
                vdouble d = y - mean;
                ve[v] += d;
                vq[v] += d * d;
                vlo[v] = VSEL(y < vlo[v], y, vlo[v]);
                vhi[v] = VSEL(y > vhi[v], y, vhi[v]);
            }
    } else {
        for (j = 0; j < full; j += MLANES)
            for (int v = 0; v < NV; v++) {
                vdouble y;
                VLOAD(y, x + j + VW * v);
                vmask ok = VFINITE(y);
                vdouble d = (vdouble)((vmask)(y - mean) & ok);
                ve[v] += d;
                vq[v] += d * d;
                vlo[v] = VSEL(ok & (y < vlo[v]), y, vlo[v]);
                vhi[v] = VSEL(ok & (y > vhi[v]), y, vhi[v]);
            }
    }
    if (!(m.nonfinite == 0 && wide)) {
        memcpy(q, vq, sizeof q);
        memcpy(e, ve, sizeof e);
        memcpy(lo, vlo, sizeof lo);
        memcpy(hi, vhi, sizeof hi);
    }
    j = full;
    for (int k = 0; j < n; j++, k++) {
        double y = x[j];
        int ok = fabs(y) <= DBL_MAX;
        double d = ok ? y - mean : 0;
        e[k] += d;
        q[k] += d * d;
        lo[k] = ok && y < lo[k] ? y : lo[k];
        hi[k] = ok && y > hi[k] ? y : hi[k];
    }
    double se = tree_sum(e);
    m.mean = mean + se / cnt;
    m.m2 = tree_sum(q) - se * (se / cnt);
    for (int k = 0; k < MLANES; k++) {
        m.min = lo[k] < m.min ? lo[k] : m.min;
        m.max = hi[k] > m.max ? hi[k] : m.max;
    }
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
    for (int i = 0; i < 2 * NPAGES; i++) {
        if (s->pages[i])
            free(s->pages[i]->carried);
        free(s->pages[i]);
    }
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

CMC_CLONES int cmc_sketch_add(cmc_sketch *s, const double *x, size_t n)
{
    uint64_t key[KEYS];
    double lo[MLANES], hi[MLANES];
    for (int k = 0; k < MLANES; k++)
        lo[k] = INFINITY, hi[k] = -INFINITY;
    for (size_t j0 = 0; j0 < n; j0 += KEYS) {
        size_t m = n - j0 < KEYS ? n - j0 : KEYS;
        if (s->pending + m > UINT32_MAX && carry(s) < 0)
            return -1;
        s->pending += m;
        sketch_keys(x + j0, m, key, lo, hi);
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
    }
    for (int k = 0; k < MLANES; k++) {
        s->min = lo[k] < s->min ? lo[k] : s->min;
        s->max = hi[k] > s->max ? hi[k] : s->max;
    }
    return 0;
}

int cmc_sketch_merge(cmc_sketch *a, const cmc_sketch *b)
{
    if (a->pending + b->pending > UINT32_MAX && carry(a) < 0)
        return -1;
    for (int i = 0; i < 2 * NPAGES; i++) {
        const page *q = b->pages[i];
        if (!q)
            continue;
        page *p = a->pages[i];
        if (!p && !(p = a->pages[i] = calloc(1, sizeof(page))))
            return -1;
        for (unsigned k = 0; k < PAGE; k++)
            p->count[k] += q->count[k];
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
    return 0;
}

uint64_t cmc_sketch_count(const cmc_sketch *s)
{
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
        for (int k = PAGE - 1; k >= 0; k--) {
            uint64_t c = bucket_count(p, (unsigned)k);
            if (c && fn(fmax(-bucket_value(e, (unsigned)k), s->min), c, ctx))
                return;
        }
    }
    if (s->zeros && fn(0.0, s->zeros, ctx))
        return;
    for (int e = 0; e < NPAGES; e++) {
        const page *p = s->pages[e];
        if (!p)
            continue;
        for (unsigned k = 0; k < PAGE; k++) {
            uint64_t c = bucket_count(p, k);
            if (c && fn(fmin(bucket_value(e, k), s->max), c, ctx))
                return;
        }
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

/* Up to this many percentiles are answered by one walk over the sketch (their
   ranks sorted together); more take one walk each. The results are the same. */
#define BATCH 64

void cmc_sketch_percentiles(const cmc_sketch *s, const double *p, size_t np,
                            double *value, double *ci_low, double *ci_high)
{
    uint64_t n = cmc_sketch_count(s);
    uint64_t rk[3 * BATCH];
    double v[3 * BATCH];
    size_t order[3 * BATCH], m = 0;
    int batch = np <= BATCH;
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
        if (batch) {
            for (int j = 0; j < 3; j++) {   /* insertion by rank, slot 3i + j */
                size_t at = m++;
                while (at > 0 && rk[order[at - 1]] > k[j]) {
                    order[at] = order[at - 1];
                    at--;
                }
                rk[3 * i + j] = k[j];
                order[at] = 3 * i + j;
            }
            continue;
        }
        double w[3];
        cmc_sketch_ranks(s, k, 3, w);
        ci_low[i] = w[0];
        value[i] = w[1];
        ci_high[i] = w[2];
    }
    if (!batch || m == 0)
        return;
    uint64_t sorted[3 * BATCH];
    double got[3 * BATCH];
    for (size_t j = 0; j < m; j++)
        sorted[j] = rk[order[j]];
    cmc_sketch_ranks(s, sorted, m, got);
    for (size_t j = 0; j < m; j++)
        v[order[j]] = got[j];
    for (size_t i = 0; i < np; i++) {
        if (n == 0 || !(p[i] >= 0 && p[i] <= 1))
            continue;
        ci_low[i] = v[3 * i];
        value[i] = v[3 * i + 1];
        ci_high[i] = v[3 * i + 2];
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
