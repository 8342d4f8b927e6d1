/*
 * design.c: Latin hypercube and scrambled Sobol' uniforms (design.h).
 *
 * Both are counter-based like the Philox streams under them: the uniform of
 * sample j of replicate r of an input is a function of (seed, name, r, j) alone,
 * so blocks are drawn in any order by any thread and the results are the same for
 * any thread count.
 *
 * Latin hypercube permutations. pi(m) for m in [0, L) is a keyed bijection on
 * [0, 2^w), 2^w >= L the next power of two, applied again while the result is
 * L or more ("cycle walking", Black and Rogaway, "Ciphers with arbitrary finite
 * domains", CT-RSA 2002): the walk stays on m's cycle, so the result is in
 * [0, L) and distinct for distinct m. The bijection is three rounds of
 * x ^= k; x *= odd k' (mod 2^w); x ^= x >> (w/2 + 1), each invertible on w bits
 * (the same family as Kensler's permute, "Correlated multi-jittered sampling",
 * Pixar technical memo 13-01, 2013), followed by a keyed rotation (m + c) mod L,
 * which makes every stratum equally likely for every m whatever the bijection's
 * quality: the design stays unbiased. Expected walks: fewer than two.
 *
 * Sobol' points. Direction numbers from Joe and Kuo's primitive polynomials and
 * initial numbers (sobol_dirs.c) by their recurrence
 *   m_k = 2 a_1 m_(k-1) ^ 4 a_2 m_(k-2) ^ ... ^ 2^(s-1) a_(s-1) m_(k-s+1)
 *         ^ 2^s m_(k-s) ^ m_(k-s),
 * V_k = m_k 2^(32-k). Points in Gray-code order (Antonov and Saleev, 1979): point
 * j is the XOR of V_k over the bits k of j ^ (j >> 1), and the first 2^m points are
 * the same set as in natural order. Within a block of 2^b points the Gray code of
 * j = q 2^b + i is gray(q 2^b) ^ gray(i): a point is the block's base XOR row i of
 * a table of 2^b points per dimension (4 KiB), a loop that vectorises.
 *
 * Scrambling. Owen's nested uniform scrambling flips digit k of a point by a
 * random function of its digits above k. Burley's hash-based form ("Practical
 * hash-based Owen scrambling", JCGT 9(4), 2020, after Laine and Karras, 2011)
 * reverses the bits, so that the digits above k become the bits below it, and
 * applies operations in which a bit depends only on the bits below it (adding a
 * seed, multiplying by an odd number, x ^= x * even); the constants are his.
 * A random XOR (digital shift) follows, which makes each scrambled point exactly
 * uniform over the 2^32 grid for any seed: the estimate is unbiased, and the
 * replicates (independent seeds) give an honest interval. A nested scramble
 * keeps the (t, m, s)-net property of every 2^m points.
 *
 * Hashing: SplitMix64's finaliser (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014) derives every key from the
 * input's Philox key, the replicate and the segment.
 */
#include "design.h"

#include <assert.h>
#include <stdlib.h>

const char *cmc_design_name(cmc_design_kind k)
{
    return k == CMC_DESIGN_LHS ? "lhs" : k == CMC_DESIGN_QMC ? "qmc" : "mc";
}

const char *cmc_design_phrase(cmc_design_kind k)
{
    return k == CMC_DESIGN_LHS   ? "latin hypercube"
           : k == CMC_DESIGN_QMC ? "randomised quasi-monte carlo"
                                 : "monte carlo";
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A key for (input, replicate, segment, purpose). */
static uint64_t key_of(const cmc_rng_key *k, uint64_t r, uint64_t seg, uint64_t tag)
{
    uint64_t a = k->key[0] | (uint64_t)k->key[1] << 32;
    uint64_t b = k->name[0] | (uint64_t)k->name[1] << 32;
    return mix64(a ^ mix64(b ^ mix64(r ^ mix64(seg ^ mix64(tag)))));
}

int cmc_design_init(cmc_design *g, cmc_design_kind kind, uint32_t replicates,
                    uint64_t nblocks, size_t block, size_t ndims)
{
    g->kind = kind;
    g->replicates = kind == CMC_DESIGN_MC || !replicates ? 1 : replicates;
    g->rep_blocks = (nblocks + g->replicates - 1) / g->replicates;
    g->block = block;
    g->ndims = 0;
    g->dir = NULL;
    g->low = NULL;
    if (kind != CMC_DESIGN_QMC)
        return 0;
    if (ndims > CMC_SOBOL_DIMS)
        return -1;
    if (block & (block - 1) || block > 1024)
        return -1;
    g->dir = malloc((ndims ? ndims : 1) * sizeof *g->dir);
    g->low = malloc((ndims ? ndims : 1) * block * sizeof *g->low);
    if (!g->dir || !g->low) {
        cmc_design_free(g);
        return -1;
    }
    g->ndims = ndims;
    for (size_t d = 0; d < ndims; d++) {
        uint32_t m[33];
        unsigned poly = cmc_sobol_poly[d], s = 0;
        while (poly >> (s + 1))
            s++;
        for (unsigned k = 1; k <= 32; k++) {
            if (d == 0) {
                m[k] = 1;
            } else if (k <= s) {
                m[k] = cmc_sobol_m[d][k - 1];
            } else {
                uint32_t v = m[k - s] ^ (m[k - s] << s);
                for (unsigned i = 1; i < s; i++)
                    if ((poly >> (s - i)) & 1)
                        v ^= m[k - i] << i;
                m[k] = v;
            }
            g->dir[d][k - 1] = m[k] << (32 - k);
        }
        for (size_t i = 0; i < block; i++)
            g->low[d * block + i] = cmc_design_sobol(g, d, i ^ (i >> 1));
    }
    return 0;
}

void cmc_design_free(cmc_design *g)
{
    if (g) {
        free(g->dir);
        free(g->low);
        g->dir = NULL;
        g->low = NULL;
    }
}

uint32_t cmc_design_sobol(const cmc_design *g, size_t dim, uint64_t j)
{
    uint32_t x = 0;
    for (unsigned k = 0; k < 32 && j; k++, j >>= 1)
        if (j & 1)
            x ^= g->dir[dim][k];
    return x;
}

/* ---- Latin hypercube -------------------------------------------------------------- */

typedef struct perm {
    uint64_t L, mask, k[3], odd[3], rot;
    unsigned shift;
} perm;

static perm perm_make(uint64_t L, uint64_t key)
{
    perm p = {.L = L};
    unsigned w = 1;
    while (w < 64 && ((uint64_t)1 << w) < L)
        w++;
    p.mask = w >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << w) - 1;
    p.shift = w / 2 + 1;
    for (int r = 0; r < 3; r++) {
        p.k[r] = mix64(key + 2 * (uint64_t)r + 1);
        p.odd[r] = mix64(key + 2 * (uint64_t)r + 2) | 1;
    }
    p.rot = mix64(key ^ UINT64_C(0x5851f42d4c957f2d)) % L;
    return p;
}

static inline uint64_t perm_at(const perm *p, uint64_t m)
{
    do {
        for (int r = 0; r < 3; r++) {
            m = (m ^ p->k[r]) & p->mask;
            m = (m * p->odd[r]) & p->mask;
            m ^= m >> p->shift;
        }
    } while (m >= p->L);
    m += p->rot;
    return m >= p->L ? m - p->L : m;
}

uint64_t cmc_design_permute(uint64_t m, uint64_t L, uint64_t key)
{
    perm p = perm_make(L, key);
    return perm_at(&p, m);
}

/* Just below 1: where (stratum + v) / L or (point + v) 2^-32 rounds up to 1. */
#define BELOW_ONE 0x1.fffffffffffffp-1

static void lhs_block(const cmc_design *g, const cmc_rng_key *k, uint32_t r, uint64_t q,
                      size_t n, double *u)
{
    /* segment: replicate blocks [0, 1), [1, 2), [2, 4), ...; the last one may be
       shorter */
    uint64_t start = 0, len = 1, seg = 0;
    if (q > 0) {
        unsigned e = 63 - (unsigned)__builtin_clzll(q);
        start = (uint64_t)1 << e;
        len = start;
        seg = e + 1;
    }
    if (start + len > g->rep_blocks)
        len = g->rep_blocks - start;
    uint64_t L = len * g->block, m0 = (q - start) * g->block;
    perm p = perm_make(L, key_of(k, r, seg, 1));
    double inv = 1.0 / (double)L;
    for (size_t i = 0; i < n; i++) {
        double x = ((double)perm_at(&p, m0 + i) + u[i]) * inv;
        u[i] = x < 1 ? x : BELOW_ONE;
    }
}

/* ---- Sobol' ------------------------------------------------------------------------ */

static inline uint32_t reverse32(uint32_t x)
{
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
    return (x >> 16) | (x << 16);
}

static void qmc_block(const cmc_design *g, const cmc_rng_key *k, size_t dim, uint32_t r,
                      uint64_t q, size_t n, double *u)
{
    enum { MAXN = 1024 };
    uint32_t x[MAXN];
    assert(n <= MAXN && dim < g->ndims);
    const uint32_t *V = g->dir[dim];
    /* j = q block + i with i < block = 2^b: gray(j) = gray(q block) ^ gray(i), so the
       point is the block's base XOR a row of the dimension's table */
    uint64_t j = q * g->block, gj = j ^ (j >> 1);
    uint32_t base = 0;
    for (unsigned b = 0; b < 32 && gj; b++, gj >>= 1)
        if (gj & 1)
            base ^= V[b];
    const uint32_t *low = g->low + dim * g->block;
    for (size_t i = 0; i < n; i++)
        x[i] = base ^ low[i];
    uint64_t h = key_of(k, r, 0, 2);
    uint32_t seed = (uint32_t)h, shift = (uint32_t)(h >> 32);
    for (size_t i = 0; i < n; i++) {
        uint32_t y = reverse32(x[i]);
        y ^= y * 0x3d20adeau;
        y += seed;
        y *= (seed >> 16) | 1;
        y ^= y * 0x05526c56u;
        y ^= y * 0x53a22864u;
        y = reverse32(y) ^ shift;
        double v = ((double)y + u[i]) * 0x1p-32;
        u[i] = v < 1 ? v : BELOW_ONE;
    }
}

void cmc_design_uniforms(const cmc_design *g, const cmc_rng_key *k, size_t dim, uint64_t b,
                         size_t n, double *u)
{
    cmc_rng_uniform(k, 0, b * g->block, n, u);
    uint32_t r = cmc_design_replicate(g, b);
    uint64_t q = b / g->replicates;
    if (g->kind == CMC_DESIGN_LHS)
        lhs_block(g, k, r, q, n, u);
    else if (g->kind == CMC_DESIGN_QMC)
        qmc_block(g, k, dim, r, q, n, u);
}
