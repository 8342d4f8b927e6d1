/*
 * sampler.h: the parallel Monte Carlo loop (internal). sampler.c is the only file
 * with OpenMP pragmas.
 */
#ifndef CMC_SAMPLER_H
#define CMC_SAMPLER_H

#include "design.h"
#include "model.h"
#include "sens.h"
#include "stats.h"

/* Samples per block and blocks per round: fixed, never derived from the thread
   count, so every result is the same for any number of threads. The first rounds
   are shorter (blocks [0,1), [1,2), [2,4), ..., [32,64)) so that every power of two
   of blocks ends a round: the convergence checkpoints. */
#define CMC_BLOCK 1024
#define CMC_ROUND 64
/* Blocks a thread may run ahead of the oldest block not yet merged (sampler.c):
   about 40 ms of work on one core, longer than a scheduler's time slice, so a
   thread whose partner lost its core keeps working. */
#define CMC_AHEAD 2048

/* What a target's values are: a slot of one model's program, or a comparison of
   two earlier targets a and b, sample by sample (common random numbers). */
typedef enum cmc_target_op {
    CMC_T_SLOT,      /* models[model], slot */
    CMC_T_DIFF,      /* a - b */
    CMC_T_RATIO,     /* a / b */
    CMC_T_GREATER    /* 1 if a > b, 0 if not, NaN if either is NaN */
} cmc_target_op;

/* One quantity whose statistics are gathered. */
typedef struct cmc_target {
    cmc_target_op op;
    int model, slot;        /* CMC_T_SLOT */
    int a, b;               /* the others: indices of earlier targets */
    cmc_moments moments;    /* merged in block order */
    cmc_sketch *sketch;     /* merged from the threads' sketches (integer counts) */
    /* lhs, qmc (replicates > 1): each replicate's moments (its blocks in order) and
       sketch (not refined); set by cmc_sample, freed by cmc_target_release */
    cmc_moments *rep;
    cmc_sketch **rep_sketch;
    uint32_t replicates;    /* their number, 0 without */
} cmc_target;

/* Free t's sketches and replicate statistics (replicates: the run's R). */
void cmc_target_release(cmc_target *t, uint32_t replicates);

/* Called after each round, from one thread, with that round's samples:
   x[t * CMC_ROUND * CMC_BLOCK + j] is sample first + j of target t (j < n). Returns
   nonzero to stop the run. */
typedef int (*cmc_round_fn)(void *ctx, uint64_t first, size_t n, const double *x);

/* Called from one thread at each checkpoint: after the first 2^k blocks (k = 0, 1,
   ...) while blocks remain, before the sketches are refined there. snap[t] for t >= s->conv_from holds the statistics of
   the first n samples of target t: its moments and a sketch merged from every
   thread's (owned by the sampler, valid during the call); under a design with
   replicates, once every replicate has a block, also rep and rep_sketch (else
   NULL). Returns nonzero to stop the run there: cmc_sample then returns 0 with
   stopped_at = n and the statistics of exactly those n samples. */
typedef int (*cmc_checkpoint_fn)(void *ctx, uint64_t n, const cmc_target *snap);

typedef struct cmc_sampling {
    const cmc_model *const *models;     /* run on the same random numbers, in order */
    size_t nmodels;
    uint64_t samples, seed;
    int threads;
    cmc_target *targets;
    size_t ntargets;
    cmc_round_fn on_round;          /* NULL: samples are not kept */
    void *round_ctx;
    cmc_checkpoint_fn on_checkpoint;    /* NULL: no checkpoints */
    void *checkpoint_ctx;
    size_t conv_from, conv_to;          /* the targets the checkpoints cover */
    const cmc_zoom_spec *zoom;          /* NULL: sketches are not refined (stats.h) */
    size_t zoom_from;                   /* targets before it (the random inputs) get
                                           atoms and a narrow law's histogram window
                                           but no percentile windows: their
                                           percentiles keep the buckets' resolution */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    cmc_design_kind design;             /* CMC_DESIGN_MC (0) unless set */
    uint32_t replicates;                /* lhs, qmc: R, a power of two >= 2 */
    uint64_t stopped_at;                /* out: samples where on_checkpoint stopped */
    /* models[0]'s correlated inputs (copula.h): their uniforms' sums are added in
       here (made by the caller with the run's replicates), or NULL */
    struct cmc_copula_tally *corr_tally;
    /* A split run (docs/scale.md). Every sketch i has a moment reduction: the
       targets' (i < ntargets) and, under a design, target t's replicate r at
       ntargets + t R + r (moments over that replicate's own block index).
       A part (on_segment set): the prefix (cmc_sample_prefix), then only blocks
       [part_from, part_to), cut at the powers of two; at the end of each such
       segment [b0, b1), on_segment gets every sketch i's counts and moment nodes of
       those blocks alone (then cleared); no on_checkpoint after the prefix, no
       on_round. A merge (replay set): the prefix, then for each stretch [b0, b1)
       between checkpoints to the end, replay adds the parts' counts and nodes of
       those blocks for every sketch i, and the checkpoints follow as in a whole
       run. Nonzero from either stops the run with -1 (the callback reports why). */
    uint64_t part_from, part_to;
    int (*on_segment)(void *ctx, uint64_t b0, uint64_t b1, size_t i, const cmc_sketch *sk,
                      const cmc_mstack *st);
    int (*replay)(void *ctx, uint64_t b0, uint64_t b1, size_t i, cmc_sketch *sk,
                  cmc_mstack *st);
    void *segment_ctx;
} cmc_sampling;

/* The prefix (docs/scale.md): the first blocks, a power of two at least CMC_ROUND
   and at least nblocks / CMC_PREFIX_SHARE (or all of them), after which the
   sketches' layout (zoom.c) is fixed. Every part of a split run computes it. */
#define CMC_PREFIX_SHARE 256
uint64_t cmc_sample_prefix(uint64_t nblocks);

/* Draw, evaluate and accumulate. Returns 0, or -1 with an error in d. Under lhs
   and qmc, samples must be a multiple of replicates * CMC_BLOCK (every replicate
   gets whole blocks), and every random input gets the uniforms of the design: its
   Sobol' dimension is the position of its name among the random inputs of
   models[0], then those of the other models not seen before. */
int cmc_sample(cmc_sampling *s, cmc_diags *d);

/* ---- The sensitivity pass ------------------------------------------------------
 *
 * Regenerates the run's samples ("matrix A": sample indices 0 .. N-1) of one model
 * with k random inputs and draws a second, independent set ("matrix B": the same
 * inputs at indices i + CMC_SENS_B_OFFSET); evaluates the program on A, on B and,
 * for every input j, on AB_j (A with input j from B): N (k + 2) evaluations. Per
 * block it records, for every output o and input j, the co-moments of their ranks
 * and of their logarithms under A, and the Sobol record of input j for output o;
 * the records go up a fixed tree over the blocks (sens.h). The ranks come from
 * rank tables of the first pass's sketches, which a part of a split run counts
 * again for itself. */
#define CMC_SENS_B_OFFSET ((uint64_t)1 << 48)

typedef struct cmc_sens_sampling {
    uint64_t samples, seed;    /* samples <= CMC_SENS_B_OFFSET */
    int threads;
    int nout;                  /* outputs, at output_slot[o] */
    const int *output_slot;
    /* the blocks [from, to) of the pass (to = 0: all of them); every block's
       records are pushed, in block order, onto stack (CMC_SENS_REC: index o * k + j
       of the co-moments of (rank x_j, rank y_o) and of (ln x_j, ln y_o) and the
       Sobol record, then the finite values <= 0 of each of the k + nout
       quantities), block b's given-data bins onto given[b % CMC_GIVEN_BATCHES] */
    uint64_t from, to;
    cmc_sens_stack *stack;
    /* rank tables of the k random inputs, then of the nout outputs, from the
       sketches of the whole first pass; NULL (a part of a split run): the pass
       draws A's samples once more to count them itself, the same counts */
    cmc_rank_table *const *rank;
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    /* given_bins M > 0: also the given-data first-order index (sens.h), binned by
       A's input ranks: G = nout k 3M numbers per block, output o's (centred on its
       mean over A's first block) and input j's at (o * k + j) * 3M */
    size_t given_bins;
    cmc_sens_stack *given;     /* [CMC_GIVEN_BATCHES] */
} cmc_sens_sampling;

int cmc_sample_sensitivity(const cmc_model *m, cmc_sens_sampling *s, cmc_diags *d);

#endif
