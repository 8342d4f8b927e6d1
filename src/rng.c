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
 * at a time; tests/test_rng.c checks that both agree) three times: as plain loops
 * over arrays of CHUNK counters (philox_chunk_c, the portable path, which GCC
 * turns into pmuludq with lane shuffles), and with AVX2 and AVX-512 intrinsics
 * (philox_chunk_avx2, philox_chunk_avx512), whose layout needs no shuffles at
 * all; cmc_rng_uniform takes the widest one the CPU has. The conversion to double
 * uses only shifts, ors and one subtraction. On this project's machine (AMD EPYC
 * with AVX-512, 2.1 GHz) one core makes about 6.7e8 uniforms/s with AVX-512 (1.5
 * ns each, bench/bench_draw.c), 5e8 with AVX2 and 3.7e8 with the portable loops
 * at -O3 (GCC 12 at -O2, its "very cheap" vectoriser cost model, leaves them
 * scalar, about 3 times slower). All paths are integer arithmetic and give the
 * same bits (tests/test_rng.c checks each one this machine has against the
 * scheme); sanitizer builds keep the portable one, so tests/run.sh compares it
 * with the fast one. An odd first index or an odd count only means that the
 * first or last pair contributes one of its two words.
 */
#include "rng.h"

#include <assert.h>
#include <string.h>
#if CMC_X86_PATHS
#include <immintrin.h>
#endif

/* The AVX2 and AVX-512 paths: x86-64 with GCC, not in sanitizer builds, which
   keep the portable code so that CI compares the two (simd.h). */
#define CMC_PHILOX_X86 CMC_X86_PATHS


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
 * sample of each pair, then the odd one. Portable C: every statement is one loop
 * over the chunk so that each vectorises on its own.
 */
static void philox_chunk_c(const cmc_rng_key *k, uint32_t hiword, uint64_t p0, size_t m,
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

#if CMC_PHILOX_X86
/*
 * The same with AVX2 intrinsics, four pairs per register. Each 32-bit word of
 * the Philox state sits in the low half of a 64-bit lane, so that vpmuludq
 * (_mm256_mul_epu32: the low 32 bits of each lane times the low 32 bits of the
 * multiplier, a full 64-bit product) gives both halves of a Philox product at
 * once: the low word in the low half, the high word in the high half, taken out
 * by one shift. What the XORs leave in the high halves is never read (vpmuludq
 * ignores it, and the shifts only move product bits down), so a round is two
 * multiplies, two shifts and four XORs for four pairs, with no shuffles;
 * GCC's vectoriser, without a pattern for this, emulates a 64 x 64-bit multiply
 * or shuffles 32-bit lanes, 2-3 times slower. Integer arithmetic only, so this
 * path and philox_chunk_c give the same bits (tests/test_rng.c compares both
 * with Random123 on this machine's path).
 */
__attribute__((target("avx2"))) static void philox_chunk_avx2(const cmc_rng_key *k,
                                                              uint32_t hiword, uint64_t p0,
                                                              size_t m, double *out)
{
    const __m256i m0 = _mm256_set1_epi64x(PHILOX_M0), m1 = _mm256_set1_epi64x(PHILOX_M1);
    const __m256i lo32 = _mm256_set1_epi64x(0xffffffff);
    const __m256i one = _mm256_set1_epi64x(0x3ff0000000000000);
    const __m256d half = _mm256_set1_pd(1 - 0x1p-53);
    const __m256i hw = _mm256_set1_epi64x(hiword);
    const __m256i n0 = _mm256_set1_epi64x(k->name[0]), n1 = _mm256_set1_epi64x(k->name[1]);
    __m256i ks0[PHILOX_ROUNDS], ks1[PHILOX_ROUNDS];
    uint32_t k0 = k->key[0], k1 = k->key[1];
    for (int r = 0; r < PHILOX_ROUNDS; r++) {
        ks0[r] = _mm256_set1_epi64x(k0);
        ks1[r] = _mm256_set1_epi64x(k1);
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    size_t j = 0;
    for (; j + 4 <= m; j += 4) {
        uint64_t p = p0 + j;
        __m256i x0 = _mm256_setr_epi64x((long long)p, (long long)(p + 1), (long long)(p + 2),
                                        (long long)(p + 3));
        __m256i x1 = _mm256_or_si256(_mm256_srli_epi64(x0, 32), hw);
        __m256i x2 = n0, x3 = n1;
        for (int r = 0; r < PHILOX_ROUNDS; r++) {
            __m256i a = _mm256_mul_epu32(x0, m0), b = _mm256_mul_epu32(x2, m1);
            x0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(b, 32), x1), ks0[r]);
            x2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(a, 32), x3), ks1[r]);
            x1 = b;
            x3 = a;
        }
        /* w = x1 2^32 + x0 (even sample), x3 2^32 + x2 (odd), then word_to_u */
        __m256i we = _mm256_or_si256(_mm256_slli_epi64(x1, 32), _mm256_and_si256(x0, lo32));
        __m256i wo = _mm256_or_si256(_mm256_slli_epi64(x3, 32), _mm256_and_si256(x2, lo32));
        __m256d ue = _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(we, 12), one)), half);
        __m256d uo = _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(wo, 12), one)), half);
        __m256d l = _mm256_unpacklo_pd(ue, uo), h = _mm256_unpackhi_pd(ue, uo);
        _mm256_storeu_pd(out + 2 * j, _mm256_permute2f128_pd(l, h, 0x20));
        _mm256_storeu_pd(out + 2 * j + 4, _mm256_permute2f128_pd(l, h, 0x31));
    }
    if (j < m)
        philox_chunk_c(k, hiword, p0 + j, m - j, out + 2 * j);
}
#endif

#if CMC_PHILOX_X86
/*
 * The same with AVX-512F, eight pairs per register: one vpternlogq does the
 * three-way XOR of a round (truth table 0x96), so a round is 6 instructions for
 * eight pairs instead of 16 with AVX2.
 */
__attribute__((target("avx512f"))) static void philox_chunk_avx512(const cmc_rng_key *k,
                                                                  uint32_t hiword,
                                                                  uint64_t p0, size_t m,
                                                                  double *out)
{
    const __m512i m0 = _mm512_set1_epi64(PHILOX_M0), m1 = _mm512_set1_epi64(PHILOX_M1);
    const __m512i lo32 = _mm512_set1_epi64(0xffffffff);
    const __m512i one = _mm512_set1_epi64(0x3ff0000000000000);
    const __m512d half = _mm512_set1_pd(1 - 0x1p-53);
    const __m512i hw = _mm512_set1_epi64(hiword);
    const __m512i n0 = _mm512_set1_epi64(k->name[0]), n1 = _mm512_set1_epi64(k->name[1]);
    const __m512i step = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    /* even samples to lanes 0, 2, .., odd ones to 1, 3, ..: indices into (ue, uo) */
    const __m512i lo4 = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i hi4 = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    __m512i ks0[PHILOX_ROUNDS], ks1[PHILOX_ROUNDS];
    uint32_t k0 = k->key[0], k1 = k->key[1];
    for (int r = 0; r < PHILOX_ROUNDS; r++) {
        ks0[r] = _mm512_set1_epi64(k0);
        ks1[r] = _mm512_set1_epi64(k1);
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    size_t j = 0;
    for (; j + 8 <= m; j += 8) {
        __m512i x0 = _mm512_add_epi64(_mm512_set1_epi64((long long)(p0 + j)), step);
        __m512i x1 = _mm512_or_si512(_mm512_srli_epi64(x0, 32), hw);
        __m512i x2 = n0, x3 = n1;
        for (int r = 0; r < PHILOX_ROUNDS; r++) {
            __m512i a = _mm512_mul_epu32(x0, m0), b = _mm512_mul_epu32(x2, m1);
            x0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(b, 32), x1, ks0[r], 0x96);
            x2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(a, 32), x3, ks1[r], 0x96);
            x1 = b;
            x3 = a;
        }
        __m512i we = _mm512_or_si512(_mm512_slli_epi64(x1, 32), _mm512_and_si512(x0, lo32));
        __m512i wo = _mm512_or_si512(_mm512_slli_epi64(x3, 32), _mm512_and_si512(x2, lo32));
        __m512d ue = _mm512_sub_pd(
            _mm512_castsi512_pd(_mm512_or_si512(_mm512_srli_epi64(we, 12), one)), half);
        __m512d uo = _mm512_sub_pd(
            _mm512_castsi512_pd(_mm512_or_si512(_mm512_srli_epi64(wo, 12), one)), half);
        _mm512_storeu_pd(out + 2 * j, _mm512_permutex2var_pd(ue, lo4, uo));
        _mm512_storeu_pd(out + 2 * j + 8, _mm512_permutex2var_pd(ue, hi4, uo));
    }
    if (j < m)
        philox_chunk_c(k, hiword, p0 + j, m - j, out + 2 * j);
}
#endif

/* The widest implementation this CPU and build have (rng.h's CMC_RNG_*). */
static int best_path(void)
{
#if CMC_PHILOX_X86
    if (__builtin_cpu_supports("avx512f"))
        return CMC_RNG_AVX512;
    if (__builtin_cpu_supports("avx2"))
        return CMC_RNG_AVX2;
#endif
    return CMC_RNG_PORTABLE;
}

static void philox_chunk(int path, const cmc_rng_key *k, uint32_t hiword, uint64_t p0,
                         size_t m, double *out)
{
#if CMC_PHILOX_X86
    if (path == CMC_RNG_AVX512) {
        philox_chunk_avx512(k, hiword, p0, m, out);
        return;
    }
    if (path == CMC_RNG_AVX2) {
        philox_chunk_avx2(k, hiword, p0, m, out);
        return;
    }
#endif
    (void)path;
    philox_chunk_c(k, hiword, p0, m, out);
}

static void uniform_with(int path, const cmc_rng_key *k, uint32_t stream, uint64_t i0,
                         size_t n, double *u)
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
            philox_chunk(path, k, hiword, p, m, u);   /* whole pairs: straight into u */
        } else {
            philox_chunk(path, k, hiword, p, m, tmp);
            memcpy(u, tmp + skip, take * sizeof *u);
        }
        u += take;
        n -= take;
        p += m;
        skip = 0;
    }
}

void cmc_rng_uniform(const cmc_rng_key *k, uint32_t stream, uint64_t i0, size_t n,
                     double *u)
{
    uniform_with(best_path(), k, stream, i0, n, u);
}

int cmc_rng_uniform_path(int path, const cmc_rng_key *k, uint32_t stream, uint64_t i0,
                         size_t n, double *u)
{
    int have = best_path();
    if (path != CMC_RNG_PORTABLE && (!CMC_PHILOX_X86 || path > have))
        return -1;
    uniform_with(path, k, stream, i0, n, u);
    return 0;
}
