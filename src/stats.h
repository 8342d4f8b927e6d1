/*
 * stats.h: streaming statistics of one quantity (leaf module).
 *
 * Moments: each block of samples yields (count, mean, M2, min, max, nonfinite) by
 * an exact two-pass computation over the block; blocks are merged with Chan,
 * Golub and LeVeque's pairwise update in a fixed binary tree over the block indices
 * (cmc_mstack below), so the result depends neither on which thread computed which
 * block nor on how a run was split into parts.
 *
 * Quantiles: a sketch of integer counts in logarithmic buckets taken straight from
 * the bits of the double (sign, exponent and the top CMC_SKETCH_BITS bits of the
 * mantissa), so every bucket spans a relative width of at most 2^-13 and a
 * bucket's midpoint is within 2^-14 = 6.1e-5 (relative) of every value in it.
 * Counts are integers, so merging sketches in any order gives identical results.
 * Memory is one page of 2^13 counts per binade that actually holds samples,
 * independent of the number of samples.
 */
#ifndef CMC_STATS_H
#define CMC_STATS_H

#include <stddef.h>
#include <stdint.h>

#define CMC_SKETCH_BITS 13

typedef struct cmc_moments {
    uint64_t n;           /* finite values */
    uint64_t nonfinite;   /* NaN or +-inf, excluded from everything else */
    double mean, m2;      /* m2 = sum of squared deviations from the mean */
    double min, max;
} cmc_moments;

/* The moments of x[0..n) (two passes). */
cmc_moments cmc_moments_of(const double *x, size_t n);
/* Merge b into a; the result depends on the order of merges, so merge in a fixed one. */
void cmc_moments_merge(cmc_moments *a, const cmc_moments *b);
double cmc_moments_std(const cmc_moments *m);      /* sample std (n - 1), NaN if n < 2 */

/*
 * A fixed reduction tree over block indices (docs/scale.md), so that the moments of
 * blocks 0 .. B-1 are the same bits however the blocks were split between parts,
 * processes or threads: node [k 2^j, (k + 1) 2^j) is merge(left half, right half),
 * and a range's value is its maximal aligned nodes merged left to right. Nodes are
 * pushed in increasing order (a block is a node of level 0); a node combines with
 * the one below it on the stack whenever that is its left sibling, like a binary
 * counter's carry. A stack that starts empty at block a and receives blocks a .. b-1
 * holds exactly the maximal aligned nodes of [a, b); pushing those, in order, onto
 * a stack holding [0, a) gives the stack of [0, b), with the same bits as pushing
 * every block. At most one node per level: 64 suffice.
 */
#define CMC_MSTACK_DEPTH 64
typedef struct cmc_mnode {
    uint64_t start;      /* the first block index, a multiple of 2^level */
    uint32_t level;
    cmc_moments m;
} cmc_mnode;

typedef struct cmc_mstack {
    uint32_t n;
    cmc_mnode node[CMC_MSTACK_DEPTH];
} cmc_mstack;

/* Push the node of 2^level blocks from start (the next after the stack's top). */
void cmc_mstack_push(cmc_mstack *s, uint64_t start, uint32_t level, const cmc_moments *m);
/* The stack's nodes merged left to right (empty moments for an empty stack). */
cmc_moments cmc_mstack_fold(const cmc_mstack *s);

typedef struct cmc_sketch cmc_sketch;

cmc_sketch *cmc_sketch_new(void);
void cmc_sketch_free(cmc_sketch *s);   /* NULL is harmless */
/* Count the finite values of x[0..n). Returns -1 if a page could not be allocated
   (the sketch is then incomplete and must not be used). */
int cmc_sketch_add(cmc_sketch *s, const double *x, size_t n);
/* A sketch that zoom.c refines sets aside the values that land in its watched
   buckets and counts them in batches (their counters are scattered; a batch lets
   the cache misses overlap). Flush before the sketch is read or merged. */
void cmc_sketch_flush(cmc_sketch *s);
/* Add the counts of b to a (b flushed). Returns -1 on allocation failure. */
int cmc_sketch_merge(cmc_sketch *a, const cmc_sketch *b);
uint64_t cmc_sketch_count(const cmc_sketch *s);
/* The values of the order statistics with the given 1-based ranks (each in
   [1, count]) into out: exact, or estimates as for cmc_sketch_percentiles; ranks 1
   and count return the exact minimum and maximum. */
void cmc_sketch_ranks(const cmc_sketch *s, const uint64_t *ranks, size_t n, double *out);

/* Percentile p with its 95% Monte Carlo confidence interval from order
   statistics: value = x_(ceil(pN)), bounds x_(k) at k = Np -+ 1.96 sqrt(Np(1-p))
   (rounded outwards, clamped to [1, N]). Where the sketch holds the values only to
   a cell or bucket (zoom.c), the value is an estimate inside the bracket that
   certainly holds x_(ceil(pN)), and the bounds are the outer ends of their
   brackets, so the interval contains the exact one. resolution (may be NULL)
   receives each value's bracket width (0 where exact). Every number lies in
   [min, max]. */
void cmc_sketch_percentiles(const cmc_sketch *s, const double *p, size_t np,
                            double *value, double *ci_low, double *ci_high);
void cmc_sketch_percentiles_res(const cmc_sketch *s, const double *p, size_t np,
                                double *value, double *ci_low, double *ci_high,
                                double *resolution);

/* ---- refinement (zoom.c) ------------------------------------------------------------
 *
 * The sampler keeps the first CMC_ZOOM_PILOT values of every quantity: a sketch
 * given them all (cmc_sketch_set_exact) answers with exact order statistics. At each
 * checkpoint from then on, cmc_sketch_zoom lays out, from the merged state, the
 * atoms and windows that every thread's sketch of the quantity counts from then on
 * (identically: the layout depends only on the merged counts, so on no thread
 * count), and at the first one also counts the exact values into them. */
#define CMC_ZOOM_PILOT 8192

typedef struct cmc_zoom_spec {
    const double *p;      /* the percentiles to resolve, increasing */
    size_t np;
    size_t nbins;         /* histogram bins (narrow laws get a window for them) */
    uint64_t samples;     /* of the whole run */
    int final;            /* the last plan (sampler.h, cmc_sample_prefix): its cells
                             are sized for the whole run's standard errors and its
                             ranges reach further, since no later plan corrects them */
} cmc_zoom_spec;

/* s holds exactly the finite values of x[0 .. n) (copied and sorted). -1: no memory. */
int cmc_sketch_set_exact(cmc_sketch *s, const double *x, size_t n);
/* Refine sk[0 .. nsk) (one quantity's sketches, all with the same layout) from snap,
   their merge (with the exact values while it has them). -1: no memory. */
int cmc_sketch_zoom(cmc_sketch *const *sk, size_t nsk, const cmc_sketch *snap,
                    const cmc_zoom_spec *z);

/* ---- split runs (sketch_state.c, docs/scale.md) -------------------------------- */

/* Zero every count of s (flushed), keeping its layout: atoms, windows, flags. */
void cmc_sketch_clear(cmc_sketch *s);
/* s's counts as a flat array of *len integers (malloc'd; NULL if out of memory or
   if s has counts that only a layout still being planned holds). */
uint64_t *cmc_sketch_state(const cmc_sketch *s, size_t *len);
/* Add counts from cmc_sketch_state of a sketch with s's layout. 0; -1 if the array
   does not fit s's layout (nothing added); -2 if out of memory. */
int cmc_sketch_add_state(cmc_sketch *s, const uint64_t *a, size_t n);

/* Re-bin the sketch into nbins bins on [lo, hi] (log-spaced if logbins, which
   needs lo > 0). Each edge moves onto the nearest boundary of the sketch's finest
   cells or buckets there, when that is within 1% of a bin (lo down, hi up), so that
   a bin holds whole pieces; a piece that still straddles an edge is spread over
   the bins in proportion (integers that add up to its count), an atom goes whole
   to its bin. What lies below lo or above hi counts as underflow and overflow;
   edges (nbins + 1) receives the edges used. */
void cmc_sketch_histogram(const cmc_sketch *s, double lo, double hi, size_t nbins,
                          int logbins, double *edges, uint64_t *counts,
                          uint64_t *underflow, uint64_t *overflow);

/* ---- rank table: approximate ranks from a finished sketch ----------------------------
 *
 * For rank correlations in bounded memory (sens.h): pass 1 fills a sketch of a
 * quantity; a second pass regenerates the same samples and maps each value to its
 * approximate normalised mid-rank through a table of prefix sums over the sketch's
 * buckets, built once. A value in a bucket holding c of the N counted values, C of
 * them in lower buckets, maps to u = (C + c/2) / N: the midpoint of the empirical
 * CDF's step over the bucket, i.e. (mid-rank - 1/2) / N of the bucket's middle
 * value, in (0, 1). Exactly tied values get exactly their mid-rank (ties are
 * always in one bucket). Error against the exact (r - 1/2) / N of a value x with
 * tie-averaged rank r: at most (c - t) / (2N), where t counts the values equal to
 * x, so c - t counts distinct values sharing x's bucket, all within relative
 * distance 2^-13 of x. For a continuous distribution and large N that is about
 * g(ln|x|) 2^-14, g the density of ln|X| (lognormal: 2.4e-5 / sigma; uniform(90,
 * 100): 6.1e-4). A value in a bucket the sketch never saw maps to C / N; NaN and
 * infinities map to NaN. The table is read-only once built: threads share it. */
typedef struct cmc_rank_table cmc_rank_table;

/* Build the table of a finished sketch (which may be freed afterwards). NULL on
   allocation failure. Memory: 64 KiB per binade the sketch holds, plus 64 KiB. */
cmc_rank_table *cmc_rank_table_new(const cmc_sketch *s);
void cmc_rank_table_free(cmc_rank_table *t);   /* NULL is harmless */
/* u[j] = the normalised mid-rank of x[j]'s bucket (above); NaN when x[j] is not
   finite or the sketch was empty. u may be x (in place). */
void cmc_rank_table_map(const cmc_rank_table *t, const double *x, size_t n, double *u);

#endif
