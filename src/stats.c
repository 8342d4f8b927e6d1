/*
 * stats.c: block moments (stats.h). The quantile sketch is in sketch.c, its
 * exact refinements in zoom.c.
 */
#include "stats.h"
#include "lanes.h"

#include <assert.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

void cmc_mstack_push(cmc_mstack *s, uint64_t start, uint32_t level, const cmc_moments *m)
{
    cmc_mnode x = {start, level, *m};
    while (s->n) {
        cmc_mnode *top = &s->node[s->n - 1];
        if (top->level != x.level || ((top->start >> x.level) & 1) ||
            top->start + ((uint64_t)1 << x.level) != x.start)
            break;
        cmc_moments_merge(&top->m, &x.m);   /* the parent: merge(left, right) */
        top->level++;
        x = *top;
        s->n--;
    }
    assert(s->n < CMC_MSTACK_DEPTH);
    s->node[s->n++] = x;
}

cmc_moments cmc_mstack_fold(const cmc_mstack *s)
{
    cmc_moments m = cmc_moments_of(NULL, 0);
    for (uint32_t i = 0; i < s->n; i++)
        cmc_moments_merge(&m, &s->node[i].m);
    return m;
}

double cmc_moments_std(const cmc_moments *m)
{
    return m->n < 2 ? NAN : sqrt(m->m2 / (double)(m->n - 1));
}

