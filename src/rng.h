/*
 * rng.h: counter-based random streams (Random123's Philox4x32-10).
 *
 * The uniforms of sample i of random input x are a pure function of
 * (seed, a stable 64-bit hash of x's name, stream, i): nothing is carried from one
 * sample to the next, so any block of samples can be drawn by any thread in any
 * order, the same seed gives the same numbers for any thread count, and adding an
 * input does not change the draws of the others (common random numbers across
 * scenarios). `stream` numbers the independent uniforms one sample of one input may
 * need (a mixture's choice and its component, a rejection sampler's attempts).
 * The exact scheme is documented in rng.c; changing it changes every result, so it
 * is pinned by tests.
 */
#ifndef CMC_RNG_H
#define CMC_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "simd.h"   /* CMC_CLONES, for the draw loops */

typedef struct cmc_rng_key {
    uint32_t key[2];    /* Philox key: from the seed */
    uint32_t name[2];   /* counter words: from the name's hash */
} cmc_rng_key;

/* Stable 64-bit hash of a name (the same on every platform and version). */
uint64_t cmc_rng_hash(const char *name);
cmc_rng_key cmc_rng_key_make(uint64_t seed, const char *name);

/* u[0..n) = uniforms in the open interval (0, 1), 52 random bits each on the grid
   (j + 1/2) 2^-52 (so 1 - u is exact), of samples i0, i0 + 1, ..., i0 + n - 1 of
   the given stream. Limits: stream < 2^16, sample index < 2^49. */
void cmc_rng_uniform(const cmc_rng_key *k, uint32_t stream, uint64_t i0, size_t n,
                     double *u);

/* cmc_rng_uniform picks the fastest implementation the CPU and the build have;
   all give the same bits. For tests, cmc_rng_uniform_path runs a given one and
   returns 0, or -1 (u untouched) when it is not available here. */
enum { CMC_RNG_PORTABLE, CMC_RNG_AVX2, CMC_RNG_AVX512 };
int cmc_rng_uniform_path(int path, const cmc_rng_key *k, uint32_t stream, uint64_t i0,
                         size_t n, double *u);

/* One raw Philox4x32-10 block, for known-answer tests. */
void cmc_rng_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

#endif
