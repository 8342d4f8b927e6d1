/*
 * rng.c: counter-based uniforms, Philox4x32-10 (Salmon, Moraes, Dror and Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11; the constants are
 * Random123's).
 *
 * The scheme, pinned by tests/test_rng.c (changing any of it changes every result):
 *
 *   key     = the 64-bit seed: key[0] = its low 32 bits, key[1] = its high 32 bits.
 *   name    = cmc_rng_hash(name): FNV-1a 64 over the bytes of the name (Fowler,
 *             Noll and Vo), then the output function of splitmix64 (Steele, Lea
 *             and Flood, "Fast splittable pseudorandom number generators", OOPSLA
 *             2014, with the constants of Stafford's "Mix13" as in Vigna's
 *             splitmix64.c) so that names differing in one byte differ in about
 *             half of the bits.
 *   counter = { p & 0xffffffff,
 *               ((p >> 32) & 0xffff) | (stream << 16),
 *               name & 0xffffffff,
 *               name >> 32 }
 *             where p = i / 2 is the pair index of sample i. Hence i < 2^49 and
 *             stream < 2^16 (checked by assert).
 *   words   = one Philox call gives x[0..3]; sample 2p takes
 *             w = x[1] * 2^32 + x[0] and sample 2p + 1 takes w = x[3] * 2^32 + x[2].
 *   uniform = u = ((w >> 12) + 1/2) * 2^-52, done exactly as
 *             double(0x3ff0000000000000 | (w >> 12)) - (1 - 2^-53).
 *
 * The uniforms lie on the grid (j + 1/2) 2^-52, j = 0 .. 2^52 - 1: strictly inside
 * (0, 1) (from 1.1e-16 to 1 - 1.1e-16), with mean exactly 1/2, and the grid is
 * symmetric, so 1 - u is exact and is another point of it. Samplers rely on that:
 * log(1 - u) is as accurate as log(u). 52 bits rather than 53 because [1/2, 1)
 * holds only 2^52 doubles: (k + 1/2) 2^-53 with a 53-bit k is not representable
 * above 1/2 and rounds to 1.0 for the largest k.
 *
 * Speed: the ten rounds are written here (Random123's header computes one block
 * at a time; tests/test_rng.c checks that both agree) as plain loops over arrays
 * of CHUNK counters, so the compiler turns the 32 x 32 -> 64-bit products into
 * pmuludq (two or more lanes per instruction even on baseline x86-64); the
 * conversion to double uses only shifts, ors and one subtraction, which also
 * vectorise. About 3.7e8 uniforms/s on one core at -O3; GCC 12 at -O2 (its
 * "very cheap" vectoriser cost model) leaves the loops scalar, about 3 times
 * slower. An odd first index or an odd count only means that the first or last
 * pair contributes one of its two words.
 */
#include "rng.h"

#include <assert.h>
#include <string.h>


/* Random123's Philox4x32 multipliers and Weyl key increments (philox.h). */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
#define PHILOX_ROUNDS 10

/* Pairs per inner loop: 64 pairs = 128 uniforms, 1 KiB of counters on the stack. */
#define CHUNK 64

uint64_t cmc_rng_hash(const char *name)
{
    /* FNV-1a 64: offset basis and prime from Fowler, Noll and Vo (IETF draft
       draft-eastlake-fnv). */
    uint64_t h = 0xcbf29ce484222325u;
    for (const unsigned char *s = (const unsigned char *)name; s && *s; s++) {
        h ^= *s;
        h *= 0x100000001b3u;
    }
    /* splitmix64's output function (Stafford's Mix13 constants). */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    h ^= h >> 31;
    return h;
}

cmc_rng_key cmc_rng_key_make(uint64_t seed, const char *name)
{
    uint64_t h = cmc_rng_hash(name);
    cmc_rng_key k;
    k.key[0] = (uint32_t)seed;
    k.key[1] = (uint32_t)(seed >> 32);
    k.name[0] = (uint32_t)h;
    k.name[1] = (uint32_t)(h >> 32);
    return k;
}

void cmc_rng_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t x0 = ctr[0], x1 = ctr[1], x2 = ctr[2], x3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < PHILOX_ROUNDS; r++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * x0, p1 = (uint64_t)PHILOX_M1 * x2;
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0;
        uint32_t y2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1;
        x0 = y0;
        x1 = (uint32_t)p1;
        x2 = y2;
        x3 = (uint32_t)p0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = x0;
    out[1] = x1;
    out[2] = x2;
    out[3] = x3;
}

/* A 64-bit word to a uniform on the grid (j + 1/2) 2^-52 (see the header). */
static inline double word_to_u(uint64_t w)
{
    uint64_t b = 0x3ff0000000000000u | (w >> 12);
    double x;
    memcpy(&x, &b, sizeof x);
    return x - (1 - 0x1p-53);
}

/*
 * Uniforms of the pairs p0 .. p0 + m - 1 (m <= CHUNK) into out[0 .. 2m): the even
 * sample of each pair, then the odd one. Every statement is one loop over the
 * chunk so that each vectorises on its own.
 */
CMC_CLONES static void philox_chunk(const cmc_rng_key *k, uint32_t hiword, uint64_t p0, size_t m,
                         double *out)
{
    uint32_t x0[CHUNK], x1[CHUNK], x2[CHUNK], x3[CHUNK];
    const uint32_t n0 = k->name[0], n1 = k->name[1];
    uint32_t k0 = k->key[0], k1 = k->key[1];

    for (size_t j = 0; j < m; j++) {
        uint64_t p = p0 + j;
        x0[j] = (uint32_t)p;
        x1[j] = (uint32_t)(p >> 32) | hiword;
        x2[j] = n0;
        x3[j] = n1;
    }
    for (int r = 0; r < PHILOX_ROUNDS; r++) {
        for (size_t j = 0; j < m; j++) {
            uint64_t a = (uint64_t)PHILOX_M0 * x0[j], b = (uint64_t)PHILOX_M1 * x2[j];
            uint32_t y0 = (uint32_t)(b >> 32) ^ x1[j] ^ k0;
            uint32_t y2 = (uint32_t)(a >> 32) ^ x3[j] ^ k1;
            x0[j] = y0;
            x1[j] = (uint32_t)b;
            x2[j] = y2;
            x3[j] = (uint32_t)a;
        }
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    for (size_t j = 0; j < m; j++) {
        out[2 * j] = word_to_u((uint64_t)x1[j] << 32 | x0[j]);
        out[2 * j + 1] = word_to_u((uint64_t)x3[j] << 32 | x2[j]);
    }
}

void cmc_rng_uniform(const cmc_rng_key *k, uint32_t stream, uint64_t i0, size_t n,
                     double *u)
{
    if (n == 0)
        return;
    assert(stream < (1u << 16));
    assert(i0 < ((uint64_t)1 << 49) && n <= ((uint64_t)1 << 49) - i0);
    const uint32_t hiword = stream << 16;   /* the pair index's bits 32..47 are ORed in */
    double tmp[2 * CHUNK];
    uint64_t p = i0 / 2, pend = (i0 + n - 1) / 2 + 1;   /* pairs [p, pend) */
    size_t skip = (size_t)(i0 & 1);   /* the first pair's even half is not wanted */

    while (p < pend) {
        size_t m = pend - p < CHUNK ? (size_t)(pend - p) : CHUNK;
        size_t have = 2 * m - skip, take = have < n ? have : n;
        if (skip == 0 && take == 2 * m) {
            philox_chunk(k, hiword, p, m, u);   /* whole pairs: straight into u */
        } else {
            philox_chunk(k, hiword, p, m, tmp);
            memcpy(u, tmp + skip, take * sizeof *u);
        }
        u += take;
        n -= take;
        p += m;
        skip = 0;
    }
}
