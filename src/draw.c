/*
 * draw.c: block sampling, cmc_dist_draw.
 *
 * Sample i of a random input is a function of its key and i alone: every uniform
 * it uses is cmc_rng_uniform(key, stream, i), with streams numbered per
 * distribution as below, so a block can be cut anywhere and drawn by any thread.
 * Whatever the path a sample takes (vector loop, scalar fix-up, one-sample call),
 * it runs the same arithmetic on the same inputs; the partition tests in
 * tests/test_draw.c compare bits.
 *
 * Methods:
 *  - Inversion, x = Q(u) with one uniform, wherever Q has a cheap closed form:
 *    uniform, triangular, normal, lognormal, `to`, exponential, weibull, choice.
 *    It couples x monotonically to u, which sensitivity analysis likes.
 *    The normal quantile is Wichura's AS 241 (PPND16; Applied Statistics 37, 1988,
 *    477-484), relative error about 1e-16: the central formula runs over the
 *    whole block and the tail formula over the tail samples set aside
 *    (ndtri_block; with AVX-512 the setting aside is vcompresspd). log and exp are written here too (vlog, vexp below, within
 *    about one ulp): plain arithmetic and bit operations, no tables, so GCC
 *    vectorises them and every lane gives the same bits as the scalar code, with
 *    any vector width. glibc's vector math (libmvec) is not used on purpose: its
 *    results differ from scalar log/exp in the last bit, and GCC runs a loop's
 *    remainder through the scalar functions, so a sample's value would depend on
 *    where the block boundaries fall (and libmvec picks its code by CPU).
 *  - beta and pert: inversion too, through the table of piecewise polynomials
 *    that dist.c builds when the distribution is made (dist.h): one uniform, a
 *    row looked up from the bits of min(u, 1 - u), a degree-7 polynomial, within
 *    1e-12 (relative) of GSL's inverse beta CDF where dist.c checked it and
 *    4e-13 at worst in tests/test_draw.c; levels beyond the table (below 2^-33
 *    from either end) and pieces the table could not fit are inverted exactly,
 *    per sample. With AVX-512 the lookup loads whole rows and transposes
 *    them (qtable_block_avx512; same operations, same bits). About 10 times
 *    faster than the gamma ratios below (beta(8, 2): 2.3 against 24 ns,
 *    bench/bench_draw.c), which are kept for the shapes the table cannot fit
 *    (below about 0.25).
 *  - gamma has no cheap inverse: Marsaglia and Tsang's method ("A simple method
 *    for generating gamma variables", ACM TOMS 26, 2000, 363-372) with the normal
 *    deviate by inversion. The first attempt's squeeze runs as one vector loop
 *    over the block; the 8% it leaves take the full test and the rejected (under
 *    5%, for shape 1) retry, one at a time. Shape k < 1 uses Gamma(k + 1) U^(1/k)
 *    (same paper). A beta or pert without a table is X / (X + Y) with X ~ Gamma(a),
 *    Y ~ Gamma(b) on disjoint streams, in logarithms when a shape is below 1 (X and
 *    Y may then underflow).
 *  - choice: inversion on the sorted values (a count for a few values, a
 *    branch-free binary search for more): x = min{v : P(X <= v) >= u}.
 *  - truncate: inversion, u -> level s of the inner distribution in whichever tail
 *    holds less mass (q[] as dist.c stores it), so far-tail truncations stay
 *    exact. Inner kinds with a closed-form quantile run vectorised; beta, pert
 *    and gamma go through a quantile table (the gamma's is fitted by dist.c for
 *    the truncation's levels; levels above 1/2 are read from the other side,
 *    1 - s being exact there); a truncated mixture is drawn as the mixture of its
 *    components' truncations (dist.c builds it: same law, streams as a mixture);
 *    a truncated choice (lower form) bisects its sorted F values; the rest
 *    (nested truncations, shapes without a table, far upper tails of a
 *    choice) call cmc_dist_quantile per sample.
 *  - mixture: stream 0 picks the component by cumw; the component draws on its
 *    own streams. Components with many samples in a chunk are drawn for the whole
 *    chunk and the picked values kept; a component picked by few samples is
 *    drawn only for its runs of consecutive samples.
 *
 * Streams. A distribution drawn at stream base b uses streams b .. b + width - 1:
 *    inversion kinds, choice, truncate, beta and pert with a table: 1 (stream b);
 *    truncate of a mixture: the width of its mixture of truncations;
 *    gamma: 2T + 1, attempt t of Marsaglia-Tsang uses b + 2t for its normal and
 *      b + 2t + 1 for its uniform, and b + 2T is the U of the k < 1 boost;
 *    beta, pert without a table: 2 (2T + 1), X on b .. b + 2T, Y on
 *      b + 2T + 1 .. b + 4T + 1;
 *    mixture: 1 + the largest width of its components: b picks the component and
 *      every component draws at base b + 1. They may share streams because one
 *      sample uses one component only; nested mixtures nest the same way.
 * T = MT_ATTEMPTS = 32: the chance that all 32 attempts reject is below 1e-41
 * (rejection rate at most 0.049 per attempt, at shape 1), i.e. never; should it
 * happen, the
 * sample is the Gamma quantile of the first attempt's uniform (still finite and
 * in the support). Streams must stay below 2^16 (rng.c): asserted; it takes
 * mixtures nested 500 deep to reach that.
 *
 * Scratch: CMC_DRAW_SCRATCH (4) doubles per sample. gamma needs 3, beta 4 (1 with
 * a table), a
 * mixture works in chunks of 2n/3 samples (chunk indices, chunk values and its
 * component's 4 per sample). Nothing is allocated.
 *
 * Floating point: the file assumes IEEE double without contraction of a * b + c
 * (ISO C mode, -std=c11, implies -ffp-contract=off in GCC) so that every vector
 * width and the scalar code round alike: the results are the same bits at -O0,
 * -O3, with SSE2, AVX2 or AVX-512. It is meant to be compiled with
 * -fno-math-errno -fno-trapping-math: neither changes a value (no errno is read,
 * no exception flag is tested), but without them GCC keeps the selects and sqrt
 * in branches and does not vectorise the loops (same results, 2-3x slower).
 * NaN and infinity handling is explicit, so -ffinite-math-only is not wanted.
 */
#include "dist.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#if CMC_X86_PATHS
#include <immintrin.h>
#endif


#define MT_ATTEMPTS 32
#define GAMMA_WIDTH (2 * MT_ATTEMPTS + 1)
#define BETA_WIDTH (2 * GAMMA_WIDTH)

/* Below this many values a choice counts; from it on it bisects. */
#define CHOICE_LINEAR 16

static void draw(const cmc_dist *d, const cmc_rng_key *k, uint32_t base, uint64_t i0,
                 size_t n, double *out, double *scratch);

/* ---- stream layout ---------------------------------------------------------- */

/* The number of streams d uses from its base (see the file header). Only
   asserted, hence inline: under NDEBUG nothing calls it. */
static inline uint32_t width(const cmc_dist *d)
{
    uint32_t w = 0;
    switch (d->type->kind) {
    case CMC_DIST_GAMMA:
        return GAMMA_WIDTH;
    case CMC_DIST_BETA:
    case CMC_DIST_PERT:
        return d->qtable ? 1 : BETA_WIDTH;
    case CMC_DIST_TRUNCATE:
        return d->sampler ? width(d->sampler) : 1;
    case CMC_DIST_MIXTURE:
        for (size_t j = 0; j < d->n; j++) {
            uint32_t wj = width(d->parts[j]);
            w = wj > w ? wj : w;
        }
        return 1 + w;
    default:
        return 1;
    }
}

/* ---- vectorisable elementary functions -----------------------------------------
 *
 * Written for GCC's vectoriser: no tables, no branches, no calls (sqrt aside);
 * the integer work stays in 64-bit shifts, ors and adds, which SSE2 has.
 */

static inline uint64_t bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static inline double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 significant bits so that k LN2_HI is
   exact for |k| < 2^21. */
#define LN2_HI 0x1.62e42fefa4p-1
#define LN2_LO (-0x1.8432a1b0e2634p-43)
#define INV_LN2 1.44269504088896340736
/* 1.5 * 2^52: adding and subtracting it rounds a double of magnitude below 2^51
   to the nearest integer, whose low bits are then the low bits of the sum. */
#define ROUNDER 0x1.8p52

/*
 * Natural logarithm, within about one ulp. x = 2^k z with z in [sqrt(1/2),
 * sqrt(2)), found with integer operations only (the bit pattern less that of
 * sqrt(1/2) has k in its top 12 bits, as in ARM's optimized-routines log), then
 * f = z - 1 (exact) and s = f / (2 + f), so that log z = 2 atanh s =
 * 2s + 2s^3/3 + 2s^5/5 + ..., |s| <= 0.1716; written as f - s (f - R) with
 * R = 2s^2/3 + 2s^4/5 + ... (2s = f - s f), and the series cut after s^18, where
 * the next term is below 2^-56 relative. Subnormals are scaled by 2^54 first.
 * log(0) = -inf, log(inf) = inf, negative and NaN -> NaN.
 */
#define SQRT_HALF_BITS 0x3fe6a09e667f3bcdu   /* sqrt(1/2) rounded */

static inline double vlog(double x)
{
    int sub = x < 0x1p-1022;
    double xs = x * (sub ? 0x1p54 : 1.0);
    uint64_t ix = bits(xs);
    /* t = ix - bits(sqrt(1/2)) + 2^63, kept unsigned: k = (t >> 52) - 2048. */
    uint64_t t = ix + (0x8000000000000000u - SQRT_HALF_BITS);
    uint64_t top = (t & 0xfff0000000000000u) ^ 0x8000000000000000u;   /* k << 52 */
    double z = from_bits(ix - top);
    double k = from_bits(0x4330000000000000u | (t >> 52)) - (0x1p52 + 2048);
    k = k - (sub ? 54.0 : 0.0);
    double f = z - 1, s = f / (2 + f), w = s * s;
    /* R = w P(w), P(w) = sum of 2 / (2j + 1) w^(j-1), j = 1 .. 9, by Estrin's
       scheme: short dependency chains let the vector loop overlap. */
    double w2 = w * w, w4 = w2 * w2;
    double p01 = 2.0 / 3 + 2.0 / 5 * w, p23 = 2.0 / 7 + 2.0 / 9 * w;
    double p45 = 2.0 / 11 + 2.0 / 13 * w, p67 = 2.0 / 15 + 2.0 / 17 * w;
    double r = w * ((p01 + p23 * w2) + w4 * ((p45 + p67 * w2) + w4 * (2.0 / 19)));
    double y = k * LN2_HI + ((f - s * (f - r)) + k * LN2_LO);
    y = x == INFINITY ? x : y;
    y = x == 0 ? -INFINITY : y;
    return x >= 0 ? y : NAN;   /* negative or NaN */
}

/* log(1 + x) for x > -1: the rounding of w = 1 + x is put back to first order,
   log1p x = log w + (x - (w - 1)) / w (Goldberg, "What every computer scientist
   should know about floating-point arithmetic", 1991, Theorem 4's idea). */
static inline double vlog1p(double x)
{
    double w = 1 + x;
    return vlog(w) + (x - (w - 1)) / w;
}

/*
 * e^x, within about one ulp: x = k ln 2 + r, |r| <= ln 2 / 2, e^r by its Taylor
 * polynomial to r^13 (the rest is below 4e-18 relative), times 2^k applied in two
 * halves so that subnormal results round once and overflow gives inf. x is
 * clamped to +-1400 first, beyond which e^x is 0 or inf anyway.
 */
static inline double vexp(double x)
{
    double xc = x < -1400 ? -1400 : x;
    xc = xc > 1400 ? 1400 : xc;
    double kd = (xc * INV_LN2 + ROUNDER) - ROUNDER;
    double r = (xc - kd * LN2_HI) - kd * LN2_LO;
    /* Estrin's scheme over pairs of Taylor terms, r^k / k!. */
    double r2 = r * r, r4 = r2 * r2;
    double t23 = 1.0 / 2 + r * (1.0 / 6);
    double t45 = 1.0 / 24 + r * (1.0 / 120), t67 = 1.0 / 720 + r * (1.0 / 5040);
    double t89 = 1.0 / 40320 + r * (1.0 / 362880);
    double t1011 = 1.0 / 3628800 + r * (1.0 / 39916800);
    double t1213 = 1.0 / 479001600 + r * (1.0 / 6227020800);
    double hi = (t89 + r2 * t1011) + r4 * t1213;
    double p = 1 + (r + (r2 * t23 + r4 * ((t45 + r2 * t67) + r4 * hi)));   /* 1 last */
    /* k = k1 + k2 with k1 = k/2 rounded: both powers of two are normal. */
    double k1 = (kd * 0.5 + ROUNDER) - ROUNDER, k2 = kd - k1;
    double s1 = from_bits((bits(k1 + (ROUNDER + 1023)) - bits(ROUNDER)) << 52);
    double s2 = from_bits((bits(k2 + (ROUNDER + 1023)) - bits(ROUNDER)) << 52);
    double y = p * s1 * s2;
    return x != x ? x : y;
}

/* AS 241 coefficients (Wichura 1988, PPND16): central region |p - 1/2| <= 0.425,
   r = 0.180625 - q^2, x = q A(r) / B(r). */
static const double as241_a[8] = {
    3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
    1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
    3.3430575583588128105e+4, 2.5090809287301226727e+3};
static const double as241_b[8] = {
    1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
    2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4,
    5.2264952788528545610e+3};
/* Tails, r = sqrt(-log(min(p, 1 - p))): r <= 5 uses C(r - 1.6) / D(r - 1.6). */
static const double as241_c[8] = {
    1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
    3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
    2.27238449892691845833e-2, 7.74545014278341407640e-4};
static const double as241_d[8] = {
    1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
    1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
    1.05075007164441684324e-9};
/* r > 5 uses E(r - 5) / F(r - 5). */
static const double as241_e[8] = {
    6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
    2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
    2.71155556874348757815e-5, 2.01033439929228813265e-7};
static const double as241_f[8] = {
    1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
    7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
    2.04426310338993978564e-15};

/* c[0] + c[1] x + ... + c[7] x^7 by Estrin's scheme. */
static inline double poly7(const double c[8], double x)
{
    double x2 = x * x, x4 = x2 * x2;
    return ((c[0] + c[1] * x) + x2 * (c[2] + c[3] * x)) +
           x4 * ((c[4] + c[5] * x) + x2 * (c[6] + c[7] * x));
}

/* The same with the coefficients chosen per lane: e where sel, else c. */
static inline double poly7_sel(int sel, const double e[8], const double c[8], double x)
{
    double k[8];
    for (int j = 0; j < 8; j++)
        k[j] = sel ? e[j] : c[j];
    return poly7(k, x);
}

/* AS 241 for |p - 1/2| <= 0.425. */
static inline double ndtri_central(double p)
{
    double q = p - 0.5, r = 0.180625 - q * q;
    return q * poly7(as241_a, r) / poly7(as241_b, r);
}

/* AS 241 for |p - 1/2| > 0.425 (0 and 1 give -inf and inf). */
static inline double ndtri_tail(double p)
{
    double omp = 1 - p, pm = p < omp ? p : omp;   /* min(p, 1 - p) */
    double t = sqrt(-vlog(pm));
    int far = t > 5;
    double tt = t - (far ? 5 : 1.6);
    double x = poly7_sel(far, as241_e, as241_c, tt) / poly7_sel(far, as241_f, as241_d, tt);
    x = pm == 0 ? INFINITY : x;
    return p < 0.5 ? -x : x;
}

static inline int ndtri_is_tail(double p)
{
    return fabs(p - 0.5) > 0.425;
}

/* One p: the same arithmetic as ndtri_block, so that both give the same bits. */
static inline double ndtri(double p)
{
    return ndtri_is_tail(p) ? ndtri_tail(p) : ndtri_central(p);
}

/*
 * x[i] <- Phi^-1(x[i]) over a block. Computing both branches for every lane
 * would double the cost, since the tails (15% of uniforms) need a logarithm and
 * a square root: instead the tail lanes are first copied aside (their indices and
 * values, a branch-free compaction), the central formula runs over the whole
 * block, the tail formula over the copies, and the copies go back. Each loop
 * vectorises on its own. Chunks of NDTRI_CHUNK keep the copies on the stack.
 */
#define NDTRI_CHUNK 256

/* The tail lanes of y[i0 .. m) appended to idx, t from position nt; the new count. */
static inline size_t ndtri_tails(const double *y, size_t i0, size_t m, uint32_t *idx,
                                 double *t, size_t nt)
{
    for (size_t i = i0; i < m; i++) {
        idx[nt] = (uint32_t)i;
        t[nt] = y[i];
        nt += (size_t)ndtri_is_tail(y[i]);
    }
    return nt;
}

#if CMC_X86_PATHS
/* The same compaction with AVX-512's vcompresspd, eight lanes at a time (the
   scalar loop above is bound by its dependency on nt): the same test
   (|p - 1/2| > 0.425, with the sign bit cleared for fabs), the same result.
   Writes up to 8 entries past the new count, within idx and t's m entries. */
__attribute__((target("avx512f"))) static size_t ndtri_tails_avx512(const double *y, size_t m,
                                                                   uint32_t *idx, double *t)
{
    const __m512d half = _mm512_set1_pd(0.5), lim = _mm512_set1_pd(0.425);
    const __m512i nosign = _mm512_set1_epi64(INT64_MAX);
    __m512i iv = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i eight = _mm512_set1_epi32(8);
    size_t nt = 0, i = 0;
    for (; i + 8 <= m; i += 8) {
        __m512d v = _mm512_loadu_pd(y + i);
        __m512d d = _mm512_castsi512_pd(
            _mm512_and_si512(_mm512_castpd_si512(_mm512_sub_pd(v, half)), nosign));
        __mmask8 k = _mm512_cmp_pd_mask(d, lim, _CMP_GT_OQ);
        _mm512_storeu_pd(t + nt, _mm512_maskz_compress_pd(k, v));
        _mm256_storeu_si256((__m256i *)(idx + nt),
                            _mm512_castsi512_si256(_mm512_maskz_compress_epi32(k, iv)));
        iv = _mm512_add_epi32(iv, eight);
        nt += (size_t)__builtin_popcount(k);
    }
    return ndtri_tails(y, i, m, idx, t, nt);
}
#endif

CMC_CLONES static void ndtri_block(double *x, size_t n)
{
    uint32_t idx[NDTRI_CHUNK];
    double t[NDTRI_CHUNK];
    for (size_t s = 0; s < n; s += NDTRI_CHUNK) {
        size_t m = n - s < NDTRI_CHUNK ? n - s : NDTRI_CHUNK, nt;
        double *y = x + s;
#if CMC_X86_PATHS
        if (__builtin_cpu_supports("avx512f"))
            nt = ndtri_tails_avx512(y, m, idx, t);
        else
#endif
            nt = ndtri_tails(y, 0, m, idx, t, 0);
        for (size_t i = 0; i < m; i++)
            y[i] = ndtri_central(y[i]);
        for (size_t j = 0; j < nt; j++)
            t[j] = ndtri_tail(t[j]);
        for (size_t j = 0; j < nt; j++)
            y[idx[j]] = t[j];
    }
}

/* ---- inversion kinds --------------------------------------------------------- */

static int has_closed_quantile(const cmc_dist *d)
{
    switch (d->type->kind) {
    case CMC_DIST_UNIFORM:
    case CMC_DIST_TRIANGULAR:
    case CMC_DIST_NORMAL:
    case CMC_DIST_LOGNORMAL:
    case CMC_DIST_TO:
    case CMC_DIST_EXPONENTIAL:
    case CMC_DIST_WEIBULL:
        return 1;
    default:
        return 0;
    }
}

/*
 * x[i] <- Q(x[i]) for a kind with has_closed_quantile, where Q is the lower-tail
 * quantile (min{x : F(x) >= t}) or, when upper, the upper-tail one
 * (min{x : P(X > x) <= t}); the same formulas as dist.c's cont_quantile, levels
 * in (0, 1).
 */
CMC_CLONES static void closed_quantile(const cmc_dist *d, int upper, double *x, size_t n)
{
    const double *p = d->p;
    switch (d->type->kind) {
    case CMC_DIST_UNIFORM: {
        double a = p[0], b = p[1], w = b - a;
        if (upper)
            for (size_t i = 0; i < n; i++)
                x[i] = b - x[i] * w;
        else
            for (size_t i = 0; i < n; i++)
                x[i] = a + x[i] * w;
        for (size_t i = 0; i < n; i++) {   /* w may have been rounded up */
            double y = x[i] < a ? a : x[i];
            x[i] = y > b ? b : y;
        }
        break;
    }
    case CMC_DIST_TRIANGULAR: {
        double a = p[0], c = p[1], b = p[2], w = b - a;
        double fc = (c - a) / w, gc = (b - c) / w;
        /* One square root per sample: the branch's argument is chosen first
           (the same operations on the same values as computing both). */
        for (size_t i = 0; i < n; i++) {
            double t = x[i], u = upper ? 1 - t : t;
            int right = upper ? t <= gc : t > fc;
            double r = sqrt(right ? (upper ? t : 1 - t) * gc : u * fc);
            double y = right ? b - w * r : a + w * r;
            y = y < a ? a : y;
            x[i] = y > b ? b : y;
        }
        break;
    }
    case CMC_DIST_NORMAL: {
        double mu = p[0], sigma = upper ? -p[1] : p[1];
        ndtri_block(x, n);
        for (size_t i = 0; i < n; i++)
            x[i] = mu + sigma * x[i];
        break;
    }
    case CMC_DIST_LOGNORMAL:
    case CMC_DIST_TO: {
        const double *ms = d->type->kind == CMC_DIST_TO ? d->q : p;
        double mu = ms[0], sigma = upper ? -ms[1] : ms[1];
        ndtri_block(x, n);
        for (size_t i = 0; i < n; i++)
            x[i] = vexp(mu + sigma * x[i]);
        break;
    }
    case CMC_DIST_EXPONENTIAL: {
        double rate = p[0];
        if (upper)
            for (size_t i = 0; i < n; i++)
                x[i] = -vlog(x[i]) / rate;
        else
            for (size_t i = 0; i < n; i++)
                x[i] = -vlog1p(-x[i]) / rate;
        break;
    }
    case CMC_DIST_WEIBULL: {
        /* lambda H^(1/k) with the cumulative hazard H = -log(1 - t) or -log t. */
        double shape = p[0], lambda = p[1];
        if (upper)
            for (size_t i = 0; i < n; i++)
                x[i] = -vlog(x[i]);
        else
            for (size_t i = 0; i < n; i++)
                x[i] = -vlog1p(-x[i]);
        for (size_t i = 0; i < n; i++)
            x[i] = lambda * vexp(vlog(x[i]) / shape);
        break;
    }
    default:
        assert(!"closed_quantile: no closed form");
        break;
    }
}

/* ---- choice --------------------------------------------------------------------- */

/* Number of entries of cdf[0 .. m) below u; cdf is nondecreasing. Branch-free
   (Khuong and Morin's form of binary search), so data cannot mispredict it. */
static inline size_t count_below(const double *cdf, size_t m, double u)
{
    const double *base = cdf;
    while (m > 1) {
        size_t half = m / 2;
        base = base[half] < u ? base + half : base;
        m -= half;
    }
    return (size_t)(base - cdf) + (*base < u);
}

/* x[i] <- the index j of the entry picked by level x[i] in (0, 1): the smallest j
   with cdf[j] >= x[i]. cdf[m - 1] == 1, so j < m. Zero-weight entries repeat
   the previous cdf value and are never picked. work holds n doubles. */
static void pick(const double *cdf, size_t m, double *x, size_t n, double *work)
{
    if (m <= CHOICE_LINEAR) {
        for (size_t i = 0; i < n; i++)
            work[i] = 0;
        for (size_t j = 0; j + 1 < m; j++) {
            const double c = cdf[j];
            for (size_t i = 0; i < n; i++)
                work[i] += c < x[i] ? 1 : 0;
        }
        memcpy(x, work, n * sizeof *x);
    } else {
        for (size_t i = 0; i < n; i++)
            x[i] = (double)count_below(cdf, m - 1, x[i]);
    }
}

static void draw_choice(const cmc_dist *d, const cmc_rng_key *k, uint32_t base,
                        uint64_t i0, size_t n, double *out, double *scratch)
{
    const double *v = d->sorted_values;
    cmc_rng_uniform(k, base, i0, n, out);
    pick(d->sorted_cdf, d->n, out, n, scratch);
    for (size_t i = 0; i < n; i++)
        out[i] = v[(size_t)out[i]];
}

/* ---- gamma, beta, pert ------------------------------------------------------------ */

/*
 * One attempt of Marsaglia and Tsang for shape d + 1/3 (c = 1 / sqrt(9 d)) from a
 * normal deviate x and a uniform u: v = (1 + c x)^3 is accepted when v > 0 and
 * either the squeeze u < 1 - 0.0331 x^4 or log u < x^2/2 + d (1 - v + log v)
 * holds; the result is d v, or NaN when rejected. mt_squeeze is the first test
 * alone (no logarithm), which the vector loop applies to the whole block: the
 * full test then runs only for the 8% it leaves. Either way a sample's outcome
 * is the one rule above.
 */
static inline double mt_squeeze(double d, double c, double x, double u)
{
    double v = 1 + c * x, v3 = v * v * v, x2 = x * x;
    int ok = (v > 0) & (u < 1 - 0.0331 * (x2 * x2));
    return ok ? d * v3 : NAN;
}

static inline double mt_try(double d, double c, double x, double u)
{
    double v = 1 + c * x, v3 = v * v * v, x2 = x * x;
    if (!(v > 0))
        return NAN;
    if (u < 1 - 0.0331 * (x2 * x2) || vlog(u) < 0.5 * x2 + d * (1 - v3 + vlog(v3)))
        return d * v3;
    return NAN;
}

/*
 * Gamma(shape, 1) of samples i0 .. i0 + n - 1 on streams base .. base + 2T into
 * out (its logarithm when log_out, for beta with a shape below 1). work holds 3n
 * doubles.
 */
CMC_CLONES static void gamma_block(double shape, const cmc_rng_key *k, uint32_t base, uint64_t i0,
                        size_t n, double *out, double *work, int log_out)
{
    int boost = shape < 1;
    double a = boost ? shape + 1 : shape, d = a - 1.0 / 3, c = 1 / sqrt(9 * d);
    double *z = work, *u = work + n;

    /* First attempt, vectorised. */
    cmc_rng_uniform(k, base, i0, n, z);
    cmc_rng_uniform(k, base + 1, i0, n, u);
    ndtri_block(z, n);
    for (size_t i = 0; i < n; i++)
        out[i] = mt_squeeze(d, c, z[i], u[i]);

    /* The others, one at a time: the full test, then further attempts. */
    for (size_t i = 0; i < n; i++) {
        if (out[i] == out[i])
            continue;
        double x = mt_try(d, c, z[i], u[i]), uz, uu;
        for (uint32_t t = 1; t < MT_ATTEMPTS && x != x; t++) {
            cmc_rng_uniform(k, base + 2 * t, i0 + i, 1, &uz);
            cmc_rng_uniform(k, base + 2 * t + 1, i0 + i, 1, &uu);
            x = mt_try(d, c, ndtri(uz), uu);
        }
        if (x != x)   /* 32 rejections in a row: see the file header */
            x = gsl_cdf_gamma_Pinv(u[i], a, 1);
        out[i] = x;
    }

    if (boost) {
        double *v = work + 2 * n, inv = 1 / shape;
        cmc_rng_uniform(k, base + 2 * MT_ATTEMPTS, i0, n, v);
        if (log_out)
            for (size_t i = 0; i < n; i++)
                out[i] = vlog(out[i]) + vlog(v[i]) * inv;
        else
            for (size_t i = 0; i < n; i++)
                out[i] = out[i] * vexp(vlog(v[i]) * inv);
    } else if (log_out) {
        for (size_t i = 0; i < n; i++)
            out[i] = vlog(out[i]);
    }
}

/* Beta(a, b) = X / (X + Y); scratch holds 4n doubles. */
static void beta_block(double a, double b, const cmc_rng_key *k, uint32_t base,
                       uint64_t i0, size_t n, double *out, double *scratch)
{
    int lg = a < 1 || b < 1;
    double *y = scratch, *work = scratch + n;
    gamma_block(a, k, base, i0, n, out, work, lg);
    gamma_block(b, k, base + GAMMA_WIDTH, i0, n, y, work, lg);
    if (lg)   /* out, y hold log X, log Y: X / (X + Y) = 1 / (1 + e^(log Y - log X)) */
        for (size_t i = 0; i < n; i++)
            out[i] = 1 / (1 + vexp(y[i] - out[i]));
    else
        for (size_t i = 0; i < n; i++)
            out[i] = out[i] / (out[i] + y[i]);
}

/* ---- beta and pert by their quantile table ---------------------------------------- */

#define QT_SHIFT (52 - CMC_QTAB_BITS)
#define QT_FRAC ((UINT64_C(1) << QT_SHIFT) - 1)

/*
 * z[i] <- the beta quantile of level u[i] read from the table (dist.h): the row
 * from the top bits of t = min(u, 1 - u) (1 - u is exact), the local variable s
 * from the bits below them, exactly (s = f 2^(BITS - 51) - 1 with f the low
 * mantissa bits, converted by the 2^52 trick), and the row's polynomial. NaN
 * where the table has no row: the caller computes those exactly. Returns the
 * number of NaN.
 */
__attribute__((noinline)) CMC_CLONES static size_t qtable_block(const double *restrict tab,
                                                               const double *restrict u,
                                    double *restrict z, size_t n)
{
    size_t nan = 0;
    for (size_t i = 0; i < n; i++) {
        int up = u[i] > 0.5;
        double t = up ? 1 - u[i] : u[i];
        uint64_t b = bits(t);
        uint64_t r = (uint64_t)CMC_QTAB_KEYMAX - (b >> QT_SHIFT);
        r = r < CMC_QTAB_SIDE ? r + (up ? CMC_QTAB_SIDE : 0) : CMC_QTAB_ROWS - 1;
        int row = (int)r * CMC_QTAB_STRIDE;
        double f = from_bits(0x4330000000000000u | (b & QT_FRAC)) - 0x1p52;
        double s = f * (0x1p-51 * (1 << CMC_QTAB_BITS)) - 1;
        double y = cmc_qtab_poly(tab, row, s);
        y = y < 0 ? 0 : y;   /* NaN stays NaN */
        z[i] = y > 1 ? 1 : y;
        nan += y != y;
    }
    return nan;
}

#if CMC_X86_PATHS
/*
 * qtable_block with AVX-512, eight levels at a time: GCC's vectorisation of the
 * loop above loads the 64 coefficients one by one (2.7 ns per level); here each
 * lane's row (8 doubles, one aligned cache line) is loaded whole and the 8 x 8
 * block transposed with 24 shuffles (1.3 ns). The arithmetic is the same IEEE
 * operations in the same order (Estrin's scheme as in cmc_qtab_poly, no
 * contraction), so the results are the same bits; tests/run.sh compares them
 * with the sanitizer build, which has only the portable loop.
 */
__attribute__((target("avx512f"))) static size_t qtable_block_avx512(
    const double *restrict tab, const double *restrict u, double *restrict z, size_t n,
    size_t *nan)
{
    const __m512d one = _mm512_set1_pd(1), half = _mm512_set1_pd(0.5);
    const __m512d zero = _mm512_setzero_pd();
    const __m512i keymax = _mm512_set1_epi64(CMC_QTAB_KEYMAX);
    const __m512i side = _mm512_set1_epi64(CMC_QTAB_SIDE);
    const __m512i last = _mm512_set1_epi64(CMC_QTAB_ROWS - 1);
    const __m512i frac = _mm512_set1_epi64((long long)QT_FRAC);
    const __m512i e52 = _mm512_set1_epi64(0x4330000000000000);
    const __m512d two52 = _mm512_set1_pd(0x1p52);
    const __m512d scale = _mm512_set1_pd(0x1p-51 * (1 << CMC_QTAB_BITS));
    _Static_assert(CMC_QTAB_STRIDE == 8, "one row, one 64-byte line");
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d uv = _mm512_loadu_pd(u + i);
        __mmask8 up = _mm512_cmp_pd_mask(uv, half, _CMP_GT_OQ);
        __m512d t = _mm512_mask_sub_pd(uv, up, one, uv);
        __m512i b = _mm512_castpd_si512(t);
        __m512i r = _mm512_sub_epi64(keymax, _mm512_srli_epi64(b, QT_SHIFT));
        __mmask8 in = _mm512_cmplt_epu64_mask(r, side);
        r = _mm512_mask_add_epi64(r, up, r, side);
        r = _mm512_slli_epi64(_mm512_mask_mov_epi64(last, in, r), 3);
        __m512d f = _mm512_sub_pd(
            _mm512_castsi512_pd(_mm512_or_si512(_mm512_and_si512(b, frac), e52)), two52);
        __m512d s = _mm512_sub_pd(_mm512_mul_pd(f, scale), one);
        uint64_t ix[8];
        _mm512_storeu_si512(ix, r);
        __m512d r0 = _mm512_load_pd(tab + ix[0]), r1 = _mm512_load_pd(tab + ix[1]);
        __m512d r2 = _mm512_load_pd(tab + ix[2]), r3 = _mm512_load_pd(tab + ix[3]);
        __m512d r4 = _mm512_load_pd(tab + ix[4]), r5 = _mm512_load_pd(tab + ix[5]);
        __m512d r6 = _mm512_load_pd(tab + ix[6]), r7 = _mm512_load_pd(tab + ix[7]);
        /* transpose: lane j of c_k is coefficient k of row j */
        __m512d t0 = _mm512_unpacklo_pd(r0, r1), t1 = _mm512_unpackhi_pd(r0, r1);
        __m512d t2 = _mm512_unpacklo_pd(r2, r3), t3 = _mm512_unpackhi_pd(r2, r3);
        __m512d t4 = _mm512_unpacklo_pd(r4, r5), t5 = _mm512_unpackhi_pd(r4, r5);
        __m512d t6 = _mm512_unpacklo_pd(r6, r7), t7 = _mm512_unpackhi_pd(r6, r7);
        __m512d v0 = _mm512_shuffle_f64x2(t0, t2, 0x88), v1 = _mm512_shuffle_f64x2(t1, t3, 0x88);
        __m512d v2 = _mm512_shuffle_f64x2(t0, t2, 0xdd), v3 = _mm512_shuffle_f64x2(t1, t3, 0xdd);
        __m512d v4 = _mm512_shuffle_f64x2(t4, t6, 0x88), v5 = _mm512_shuffle_f64x2(t5, t7, 0x88);
        __m512d v6 = _mm512_shuffle_f64x2(t4, t6, 0xdd), v7 = _mm512_shuffle_f64x2(t5, t7, 0xdd);
        __m512d c0 = _mm512_shuffle_f64x2(v0, v4, 0x88), c4 = _mm512_shuffle_f64x2(v0, v4, 0xdd);
        __m512d c1 = _mm512_shuffle_f64x2(v1, v5, 0x88), c5 = _mm512_shuffle_f64x2(v1, v5, 0xdd);
        __m512d c2 = _mm512_shuffle_f64x2(v2, v6, 0x88), c6 = _mm512_shuffle_f64x2(v2, v6, 0xdd);
        __m512d c3 = _mm512_shuffle_f64x2(v3, v7, 0x88), c7 = _mm512_shuffle_f64x2(v3, v7, 0xdd);
        /* cmc_qtab_poly, operation by operation */
        __m512d s2 = _mm512_mul_pd(s, s), s4 = _mm512_mul_pd(s2, s2);
        __m512d p01 = _mm512_add_pd(c0, _mm512_mul_pd(c1, s));
        __m512d p23 = _mm512_mul_pd(s2, _mm512_add_pd(c2, _mm512_mul_pd(c3, s)));
        __m512d p45 = _mm512_add_pd(c4, _mm512_mul_pd(c5, s));
        __m512d p67 = _mm512_mul_pd(s2, _mm512_add_pd(c6, _mm512_mul_pd(c7, s)));
        __m512d y = _mm512_add_pd(_mm512_add_pd(p01, p23),
                                  _mm512_mul_pd(s4, _mm512_add_pd(p45, p67)));
        y = _mm512_mask_mov_pd(y, _mm512_cmp_pd_mask(y, zero, _CMP_LT_OQ), zero);
        y = _mm512_mask_mov_pd(y, _mm512_cmp_pd_mask(y, one, _CMP_GT_OQ), one);
        _mm512_storeu_pd(z + i, y);
        *nan += (size_t)__builtin_popcount(_mm512_cmp_pd_mask(y, y, _CMP_UNORD_Q));
    }
    return i;
}
#endif

/* The table lookup of levels u[0 .. n) (see qtable_block); the number of NaN. */
static size_t qtable_levels(const double *tab, const double *u, double *z, size_t n)
{
    size_t done = 0, nan = 0;
#if CMC_X86_PATHS
    if (__builtin_cpu_supports("avx512f"))
        done = qtable_block_avx512(tab, u, z, n, &nan);
#endif
    if (done < n)
        nan += qtable_block(tab, u + done, z + done, n - done);
    return nan;
}

/* The shapes of the beta behind d (beta or pert). */
static void beta_shapes(const cmc_dist *d, double *a, double *b)
{
    int pert = d->type->kind == CMC_DIST_PERT;
    *a = pert ? d->q[0] : d->p[0];
    *b = pert ? d->q[1] : d->p[1];
}

/* z[i] <- Beta quantile of u[i] as the sampler computes it: the table, clamped to
   [0, 1], and GSL's inversion (upper tail above 1/2) where the table has no row. */
static void beta_invert(const cmc_dist *d, const double *u, double *z, size_t n)
{
    double a, b;
    beta_shapes(d, &a, &b);
    if (qtable_levels(d->qtable, u, z, n) == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (z[i] == z[i])
            continue;
        int up = u[i] > 0.5;
        double y = up ? gsl_cdf_beta_Qinv(1 - u[i], a, b) : gsl_cdf_beta_Pinv(u[i], a, b);
        if (y != y) {   /* GSL gave up: dist.c's bisection */
            double x = cmc_dist_quantile(d, u[i]);
            y = d->type->kind == CMC_DIST_PERT ? (x - d->p[0]) / (d->p[2] - d->p[0]) : x;
        }
        y = y < 0 ? 0 : y;
        z[i] = y > 1 ? 1 : y;
    }
}

/* ---- truncate ------------------------------------------------------------------ */

/*
 * z[i] <- the quantile of level s[i] of the inner distribution read from its table
 * tab, in the lower tail or, when upper, the upper one: a level above 1/2 is read
 * as 1 - s (exact there) from the other side, as qtable_block does. No clamping but
 * to [0, top] (the inner support: top = 1 for beta and pert, infinity for the
 * gamma). s and z may be the same array. NaN where the table has no row; returns
 * their number.
 */
CMC_CLONES static size_t qtable_tail(const double *restrict tab, int upper, double top,
                                     const double *s, double *z, size_t n)
{
    size_t nan = 0;
    for (size_t i = 0; i < n; i++) {
        int flip = s[i] > 0.5;
        int up = flip ? !upper : upper;
        double t = flip ? 1 - s[i] : s[i];
        uint64_t b = bits(t);
        uint64_t r = (uint64_t)CMC_QTAB_KEYMAX - (b >> QT_SHIFT);
        r = r < CMC_QTAB_SIDE ? r + (up ? CMC_QTAB_SIDE : 0) : CMC_QTAB_ROWS - 1;
        int row = (int)r * CMC_QTAB_STRIDE;
        double f = from_bits(0x4330000000000000u | (b & QT_FRAC)) - 0x1p52;
        double v = f * (0x1p-51 * (1 << CMC_QTAB_BITS)) - 1;
        double y = cmc_qtab_poly(tab, row, v);
        y = y < 0 ? 0 : y;   /* NaN stays NaN */
        z[i] = y > top ? top : y;
        nan += y != y;
    }
    return nan;
}

/* The table a truncation inverts through, NULL if none (then exactly, per sample). */
static const double *trunc_table(const cmc_dist *d)
{
    const cmc_dist *in = d->parts[0];
    if (in->type->kind == CMC_DIST_BETA || in->type->kind == CMC_DIST_PERT)
        return in->qtable;
    if (in->type->kind != CMC_DIST_GAMMA)
        return NULL;
    return d->qtable ? d->qtable : in->qtable;   /* built for the truncation (dist.c),
                                                   or the gamma's own */
}

/*
 * out[i] <- the sample of d (a truncation without a sampler) from the uniform u[i]:
 * u -> level s = F(lo) + u (F(hi) - F(lo)) of the inner distribution, or in the
 * upper tail when the interval lies there (q[] as dist.c stores it, the tail with
 * less mass, so far-tail truncations stay exact), then the inner quantile of s:
 * closed forms vectorised, beta, pert and gamma through their table, the rest (and
 * levels the table has no row for) by cmc_dist_quantile per sample, exactly.
 */
static void trunc_invert(const cmc_dist *d, const double *restrict u, double *restrict out,
                         size_t n)
{
    const cmc_dist *in = d->parts[0];
    const double *tab = trunc_table(d);
    if (in->type->kind == CMC_DIST_CHOICE && !(d->q[2] < d->q[1])) {
        /* as choice_quantile: the first sorted value whose F reaches the level
           s = q0 + u (q1 - q0), and at least the first one of positive weight
           from lo on (F > q0; q0 is one of the sorted F values) */
        const double *cdf = in->sorted_cdf, *v = in->sorted_values;
        const double q0 = d->q[0], m = d->q[1] - d->q[0];
        size_t jlo = count_below(cdf, in->n, nextafter(q0, INFINITY));
        for (size_t i = 0; i < n; i++) {
            size_t j = count_below(cdf, in->n - 1, q0 + u[i] * m);
            out[i] = v[j > jlo ? j : jlo];
        }
        return;
    }
    if (!has_closed_quantile(in) && !tab) {
        for (size_t i = 0; i < n; i++)
            out[i] = cmc_dist_quantile(d, u[i]);
        return;
    }
    const double lo = d->p[0], hi = d->p[1];
    const double q0 = d->q[0], q1 = d->q[1], q2 = d->q[2], q3 = d->q[3];
    int upper = q2 < q1;
    if (upper) {
        double m = q2 - q3;
        for (size_t i = 0; i < n; i++) {
            double s = q2 - u[i] * m;
            s = s < q3 ? q3 : s;
            out[i] = s > q2 ? q2 : s;
        }
    } else {
        double m = q1 - q0;
        for (size_t i = 0; i < n; i++) {
            double s = q0 + u[i] * m;
            s = s < q0 ? q0 : s;
            out[i] = s > q1 ? q1 : s;
        }
    }
    if (tab) {
        int beta = in->type->kind != CMC_DIST_GAMMA;
        size_t nan = qtable_tail(tab, upper, beta ? 1 : INFINITY, out, out, n);
        if (in->type->kind == CMC_DIST_PERT) {
            double a = in->p[0], w = in->p[2] - in->p[0];
            for (size_t i = 0; i < n; i++)
                out[i] = a + out[i] * w;
        }
        for (size_t i = 0; nan && i < n; i++)
            if (out[i] != out[i]) {
                out[i] = cmc_dist_quantile(d, u[i]);
                nan--;
            }
    } else {
        closed_quantile(in, upper, out, n);
    }
    for (size_t i = 0; i < n; i++) {
        double x = out[i] < lo ? lo : out[i];
        out[i] = x > hi ? hi : x;
    }
}

static void draw_truncate(const cmc_dist *d, const cmc_rng_key *k, uint32_t base,
                          uint64_t i0, size_t n, double *out, double *scratch)
{
    if (d->sampler) {   /* of a mixture: the mixture of truncations (dist.h) */
        draw(d->sampler, k, base, i0, n, out, scratch);
        return;
    }
    cmc_rng_uniform(k, base, i0, n, scratch);
    trunc_invert(d, scratch, out, n);
}

/* ---- mixture ------------------------------------------------------------------ */

/* A component picked by fewer than 1 in RUNS_BELOW samples of a chunk is drawn
   run by run instead of for the whole chunk. */
#define RUNS_BELOW 8

static void draw_mixture(const cmc_dist *d, const cmc_rng_key *k, uint32_t base,
                         uint64_t i0, size_t n, double *out, double *scratch)
{
    /* Chunks of c samples: c indices, c component values, 4c for the
       component's own scratch; 6c <= 4n. */
    size_t c = 2 * n / 3;
    if (d->n == 1) {   /* every sample picks it: drawn whole, so that a chain of
                          nested mixtures does not shrink to one sample per call
                          (the same values: a sample's value depends on its index) */
        draw(d->parts[0], k, base + 1, i0, n, out, scratch);
        return;
    }
    if (c == 0) {   /* n == 1 */
        double j;
        cmc_rng_uniform(k, base, i0, 1, &j);
        pick(d->cumw, d->n, &j, 1, scratch);
        draw(d->parts[(size_t)j], k, base + 1, i0, 1, out, scratch);
        return;
    }
    double *idx = scratch, *val = scratch + c, *sub = scratch + 2 * c;
    for (size_t s = 0; s < n; s += c) {
        size_t m = n - s < c ? n - s : c;
        cmc_rng_uniform(k, base, i0 + s, m, idx);
        pick(d->cumw, d->n, idx, m, val);
        for (size_t j = 0; j < d->n; j++) {
            const double jd = (double)j;
            /* How many samples pick j, in how many runs (counted in doubles,
               exactly, so that the loops vectorise). */
            double count = 0, runs = idx[0] == jd ? 1 : 0;
            for (size_t i = 0; i < m; i++)
                count += idx[i] == jd ? 1 : 0;
            for (size_t i = 1; i < m; i++)
                runs += (idx[i] == jd) & (idx[i - 1] != jd) ? 1 : 0;
            if (count == 0)
                continue;
            if (count == (double)m) {
                draw(d->parts[j], k, base + 1, i0 + s, m, out + s, sub);
            } else if (runs * RUNS_BELOW < (double)m) {
                for (size_t i = 0; i < m;) {
                    if (idx[i] != jd) {
                        i++;
                        continue;
                    }
                    size_t e = i + 1;
                    while (e < m && idx[e] == jd)
                        e++;
                    draw(d->parts[j], k, base + 1, i0 + s + i, e - i, out + s + i, sub);
                    i = e;
                }
            } else {
                draw(d->parts[j], k, base + 1, i0 + s, m, val, sub);
                for (size_t i = 0; i < m; i++) {
                    double mine = val[i], other = out[s + i];
                    out[s + i] = idx[i] == jd ? mine : other;
                }
            }
        }
    }
}

/* ---- dispatch ------------------------------------------------------------------ */

static void draw(const cmc_dist *d, const cmc_rng_key *k, uint32_t base, uint64_t i0,
                 size_t n, double *out, double *scratch)
{
    const double *p = d->p;
    switch (d->type->kind) {
    case CMC_DIST_GAMMA:
        gamma_block(p[0], k, base, i0, n, out, scratch, 0);
        for (size_t i = 0; i < n; i++)
            out[i] *= p[1];
        break;
    case CMC_DIST_BETA:
        if (d->qtable) {
            cmc_rng_uniform(k, base, i0, n, scratch);
            beta_invert(d, scratch, out, n);
        } else {
            beta_block(p[0], p[1], k, base, i0, n, out, scratch);
        }
        break;
    case CMC_DIST_PERT: {
        double lo = p[0], w = p[2] - p[0];
        if (d->qtable) {
            cmc_rng_uniform(k, base, i0, n, scratch);
            beta_invert(d, scratch, out, n);
        } else {
            beta_block(d->q[0], d->q[1], k, base, i0, n, out, scratch);
        }
        for (size_t i = 0; i < n; i++) {
            double x = lo + out[i] * w;
            out[i] = x > p[2] ? p[2] : x;
        }
        break;
    }
    case CMC_DIST_CHOICE:
        draw_choice(d, k, base, i0, n, out, scratch);
        break;
    case CMC_DIST_TRUNCATE:
        draw_truncate(d, k, base, i0, n, out, scratch);
        break;
    case CMC_DIST_MIXTURE:
        draw_mixture(d, k, base, i0, n, out, scratch);
        break;
    default:
        cmc_rng_uniform(k, base, i0, n, out);
        closed_quantile(d, 0, out, n);
        break;
    }
}

/* ---- from the design's uniforms ------------------------------------------------------ */

/*
 * x[i] <- the sample of d from the uniform x[i] in (0, 1), one uniform per sample
 * (cmc_dist_from_uniform). Mixtures: the component j with cumw[j-1] < u <= cumw[j]
 * and, within it, the level (u - cumw[j-1]) / w_j, so a stratification of u
 * stratifies each component too; the samples of each component are gathered,
 * inverted together and put back. scratch holds 4n doubles.
 */
static void from_uniform(const cmc_dist *d, double *x, size_t n, double *scratch)
{
    const double *p = d->p;
    switch (d->type->kind) {
    case CMC_DIST_BETA:
    case CMC_DIST_PERT:
        if (!d->qtable)
            break;
        memcpy(scratch, x, n * sizeof *x);
        beta_invert(d, scratch, x, n);
        if (d->type->kind == CMC_DIST_PERT)
            for (size_t i = 0; i < n; i++) {
                double y = p[0] + x[i] * (p[2] - p[0]);
                x[i] = y > p[2] ? p[2] : y;
            }
        return;
    case CMC_DIST_GAMMA:
        if (!d->qtable)
            break;
        memcpy(scratch, x, n * sizeof *x);
        if (qtable_tail(d->qtable, 0, INFINITY, x, x, n))
            for (size_t i = 0; i < n; i++)
                if (x[i] != x[i])
                    x[i] = cmc_dist_quantile(d, scratch[i]);
        return;
    case CMC_DIST_CHOICE: {
        const double *v = d->sorted_values;
        pick(d->sorted_cdf, d->n, x, n, scratch);
        for (size_t i = 0; i < n; i++)
            x[i] = v[(size_t)x[i]];
        return;
    }
    case CMC_DIST_TRUNCATE:
        if (d->sampler) {
            from_uniform(d->sampler, x, n, scratch);
        } else {
            memcpy(scratch, x, n * sizeof *x);
            trunc_invert(d, scratch, x, n);
        }
        return;
    case CMC_DIST_MIXTURE: {
        /* chunks of c: component indices, levels within them, gathered values and
           the component's own 4c of scratch; 2c + c + ... <= 4n as in draw_mixture */
        size_t c = 2 * n / 3;
        if (c == 0)
            c = 1;
        for (size_t s = 0; s < n; s += c) {
            size_t m = n - s < c ? n - s : c;
            double *idx = scratch, *val = scratch + m, *sub = n >= 3 ? scratch + 2 * m : NULL;
            double sub1[4];
            if (!sub)
                sub = sub1;   /* n < 3: m == 1, scratch has room for idx and val only */
            memcpy(idx, x + s, m * sizeof *x);
            pick(d->cumw, d->n, idx, m, val);
            for (size_t i = 0; i < m; i++) {
                size_t j = (size_t)idx[i];
                double lo = j ? d->cumw[j - 1] : 0, w = d->cumw[j] - lo;
                double t = w > 0 ? (x[s + i] - lo) / w : 0.5;
                x[s + i] = t <= 0 ? 0x1p-53 : t < 1 ? t : 0x1.fffffffffffffp-1;
            }
            for (size_t j = 0; j < d->n; j++) {
                size_t cnt = 0;
                for (size_t i = 0; i < m; i++)
                    if (idx[i] == (double)j)
                        val[cnt++] = x[s + i];
                if (!cnt)
                    continue;
                from_uniform(d->parts[j], val, cnt, sub);
                for (size_t i = 0, k = 0; i < m; i++)
                    if (idx[i] == (double)j)
                        x[s + i] = val[k++];
            }
        }
        return;
    }
    default:
        if (has_closed_quantile(d)) {
            closed_quantile(d, 0, x, n);
            return;
        }
        break;
    }
    for (size_t i = 0; i < n; i++)   /* no table: exactly, per sample */
        x[i] = cmc_dist_quantile(d, x[i]);
}

void cmc_dist_from_uniform(const cmc_dist *d, double *x, size_t n, double *scratch)
{
    if (n)
        from_uniform(d, x, n, scratch);
}

int cmc_dist_invert(const cmc_dist *d, double *x, size_t n)
{
    const double *p = d->p;
    double u[256];
    if (has_closed_quantile(d)) {
        closed_quantile(d, 0, x, n);
        return 0;
    }
    if (d->type->kind == CMC_DIST_TRUNCATE && !d->sampler) {
        for (size_t s = 0; s < n; s += 256) {
            size_t m = n - s < 256 ? n - s : 256;
            memcpy(u, x + s, m * sizeof *u);
            trunc_invert(d, u, x + s, m);
        }
        return 0;
    }
    if (!((d->type->kind == CMC_DIST_BETA || d->type->kind == CMC_DIST_PERT) && d->qtable))
        return -1;
    for (size_t s = 0; s < n; s += 256) {
        size_t m = n - s < 256 ? n - s : 256;
        memcpy(u, x + s, m * sizeof *u);
        beta_invert(d, u, x + s, m);
        if (d->type->kind == CMC_DIST_PERT)
            for (size_t i = s; i < s + m; i++) {
                double y = p[0] + x[i] * (p[2] - p[0]);
                x[i] = y > p[2] ? p[2] : y;
            }
    }
    return 0;
}

void cmc_dist_draw(const cmc_dist *d, const cmc_rng_key *k, uint64_t i0, size_t n,
                   double *out, double *scratch)
{
    if (n == 0)
        return;
    assert(width(d) <= (1u << 16));
    draw(d, k, 0, i0, n, out, scratch);
}
