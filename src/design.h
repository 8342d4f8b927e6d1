/*
 * design.h: sampling designs, the uniforms every random input is drawn from
 * (internal; the sampler uses it).
 *
 * A design turns the Philox uniform v of sample i of an input (rng.h, stream 0)
 * into the uniform u that the input's inverse CDF maps to its value
 * (cmc_dist_from_uniform). It is the seam where a copula would mix the inputs'
 * uniforms before they are inverted.
 *
 *  - mc: u = v, plain Monte Carlo (the sampler's own cmc_dist_draw, unchanged).
 *  - lhs: Latin hypercube. The run is R independent replicates; block b of the
 *    run belongs to replicate b mod R as its block q = b div R. A replicate's blocks
 *    form segments [0, 1), [1, 2), [2, 4), [4, 8), ... (so every checkpoint after
 *    2^k blocks, 2^k >= R, closes a segment of every replicate), and each segment of
 *    L samples is a Latin hypercube of its own: sample m of it gets stratum
 *    pi(m) of [0, L), pi a permutation keyed by (input, replicate, segment),
 *    and u = (pi(m) + v) / L. pi is counter-based (a bijection on the next power of
 *    two with cycle walking), so any block is drawn alone, by any thread.
 *  - qmc: randomised quasi-Monte Carlo. Sample j of replicate r is point j (in
 *    Gray-code order, so the first 2^m points are a (t, m, s)-net) of a Sobol'
 *    sequence (Joe and Kuo's direction numbers, sobol_dirs.c), in dimension d for
 *    the d-th random input, with nested (Owen-type) scrambling by a hash keyed by
 *    (input, replicate) and a random digital shift: every point is uniform and the
 *    net structure kept. The bits below the 32 of the point are v's:
 *    u = (scrambled point + v) 2^-32.
 *
 * Every u lies in (0, 1).
 */
#ifndef CMC_DESIGN_H
#define CMC_DESIGN_H

#include <stddef.h>
#include <stdint.h>

#include "carbonmc.h"   /* cmc_design_kind */
#include "rng.h"

/* Sobol' dimensions available (one per random input), and the largest degree of
   their polynomials (sobol_dirs.c). */
#define CMC_SOBOL_DIMS 1024
#define CMC_SOBOL_MAXDEG 13
extern const uint16_t cmc_sobol_poly[CMC_SOBOL_DIMS];
extern const uint16_t cmc_sobol_m[CMC_SOBOL_DIMS][CMC_SOBOL_MAXDEG];

/* The most samples a qmc replicate may hold: the Sobol' points have 32 bits. */
#define CMC_QMC_MAX_REPLICATE ((uint64_t)1 << 32)

/* The design's name as the command line spells it ("mc", "lhs", "qmc"), and as a
   phrase ("monte carlo", "latin hypercube", "randomised quasi-monte carlo"). */
const char *cmc_design_name(cmc_design_kind k);
const char *cmc_design_phrase(cmc_design_kind k);

typedef struct cmc_design {
    cmc_design_kind kind;
    uint32_t replicates;       /* R, a power of two; 1 for mc */
    uint64_t rep_blocks;       /* blocks per replicate */
    size_t block;              /* samples per block */
    size_t ndims;              /* qmc: dimensions set up */
    uint32_t (*dir)[32];       /* qmc: direction numbers [ndims][32], bit k of the
                                  Gray-code index at dir[d][k] */
    uint32_t *low;             /* qmc: [ndims][block], the points of Gray codes
                                  gray(i), i < block */
} cmc_design;

/* Set up g for nblocks blocks of `block` samples (a power of two up to 1024); ndims
   Sobol' dimensions (qmc). Returns 0, or -1 (out of memory, more dimensions than
   CMC_SOBOL_DIMS, or another block size). */
int cmc_design_init(cmc_design *g, cmc_design_kind kind, uint32_t replicates,
                    uint64_t nblocks, size_t block, size_t ndims);
void cmc_design_free(cmc_design *g);

/* The replicate block b belongs to. */
static inline uint32_t cmc_design_replicate(const cmc_design *g, uint64_t b)
{
    return (uint32_t)(b % g->replicates);
}

/* u[0..n) (n <= block): the design's uniforms of the samples of block b for the
   input keyed by k with Sobol' dimension dim. Depends only on (g, k, dim, b, j). */
void cmc_design_uniforms(const cmc_design *g, const cmc_rng_key *k, size_t dim, uint64_t b,
                         size_t n, double *u);

/* For tests: the unscrambled Sobol' point of index j (natural order) in dimension
   dim, as a 32-bit fraction; and the LHS permutation pi of [0, L) keyed by key. */
uint32_t cmc_design_sobol(const cmc_design *g, size_t dim, uint64_t j);
uint64_t cmc_design_permute(uint64_t m, uint64_t L, uint64_t key);

#endif
