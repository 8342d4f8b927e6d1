/*
 * sens.h: the statistics of sensitivity analysis (leaf module): which random input
 * drives an output, measured three ways, each with a 95% confidence interval, in
 * memory independent of the number of samples and with results that do not depend
 * on which thread handled which block.
 *
 * Everything is built from per-block records merged in a fixed tree over the block
 * indices, like the moments of stats.h: a record is an exact function of one block's
 * values (the sampler's blocks of at most CMC_BLOCK samples), so the caller stores
 * each block's record at the block's index and pushes them in index order onto
 * cmc_sens_stack (below), never merging in thread order (floating-point merges are
 * not associative). An all-zero record is empty. Nothing here prints or uses
 * threads; only the stack allocates.
 *
 * 1. Correlations: cmc_comoments holds a pair's means and central co-moment sums up
 *    to order four; blocks are merged with the exact shift of every sum to the
 *    pooled means (Chan, Golub and LeVeque 1979 for order two, Pebay 2008 for
 *    higher orders). Pairs with a NaN or infinite member are skipped and counted.
 *    - Spearman's rank correlation: the co-moments of the two quantities' ranks
 *      (cmc_rank_table_map of stats.h, from sketches of the prefix), with the Fisher-z
 *      interval of Bonett and Wright (2000): var z = (1 + r^2/2) / (n - 3).
 *    - Log-variance shares: the squared correlation of (ln X_i, ln Y). For a
 *      product or quotient of independent inputs and constants, ln Y is a sum of
 *      the ln X_i and the shares are the exact fractions of Var(ln Y), summing to
 *      one; otherwise they sum to the R^2 of a linear fit of ln Y on the ln X_i,
 *      below one. The interval is the Fisher-z interval of r with the asymptotic
 *      variance from fourth moments (valid without normality), squared.
 * 2. Sobol indices: cmc_sobol_part holds, for one input j and one output, the
 *    moments of f(A), f(B) and D = f(AB_j) - f(A) over the rows of the
 *    Saltelli design (A, B independent sample matrices; AB_j is A with column j
 *    from B). First order: Saltelli et al. (2010), S_j = mean f(B) D / Var Y,
 *    centred; total: Jansen (1999), ST_j = mean D^2 / 2 / Var Y. 95% intervals by
 *    the delta method on the per-row terms. Estimates may be negative or above one
 *    by sampling error; they are never clipped.
 */
#ifndef CMC_SENS_H
#define CMC_SENS_H

#include <stddef.h>
#include <stdint.h>

/* An estimate with its 95% confidence interval [lo, hi] and its standard error
   (delta method; the interval need not be value -+ 1.96 se). NaN when undefined. */
typedef struct cmc_sens_ci {
    double value, lo, hi, se;
} cmc_sens_ci;

/* ---- correlations ----------------------------------------------------------------- */

typedef struct cmc_comoments {
    uint64_t n;          /* pairs with both members finite */
    uint64_t skipped;    /* pairs with a NaN or infinite member, excluded */
    double mx, my;       /* means */
    /* m[p][q] = sum of (x - mx)^p (y - my)^q over the pairs, for 2 <= p + q <= 4
       (m[2][0] = Cxx, m[0][2] = Cyy, m[1][1] = Cxy); other entries are 0 */
    double m[5][5];
} cmc_comoments;

/* The co-moments of the pairs (x[i], y[i]), i < n (corrected two-pass: exact for
   the block). */
cmc_comoments cmc_sens_comoments_of(const double *x, const double *y, size_t n);
/* Merge b into a. Merge blocks in block order: the bits depend on the order. */
void cmc_sens_comoments_merge(cmc_comoments *a, const cmc_comoments *b);

/* Pearson's r with a 95% interval: Fisher's z with the asymptotic variance of r
   from the fourth moments, var r = [r^2/4 (k40 + 2 k22 + k04) - r (k31 + k13) + k22]
   / (n - 3) with k_pq the standardised central moments (exactly Fisher's 1/(n - 3)
   for normal data). NaN when n < 4 or a variance is zero. */
cmc_sens_ci cmc_sens_pearson(const cmc_comoments *c);
/* Spearman's rho from the co-moments of normalised ranks (cmc_rank_table_map):
   Pearson's r of the mid-ranks, with the Bonett-Wright interval. */
cmc_sens_ci cmc_sens_spearman(const cmc_comoments *c);

/* lx[i] = ln x[i] for x[i] > 0, NaN otherwise (also for NaN and infinities). Returns
   how many x[i] were finite and <= 0. lx may be x (in place). */
size_t cmc_sens_log(const double *x, size_t n, double *lx);
/* The share of Var(ln Y) from X: the squared Pearson r of the co-moments of
   (ln X, ln Y), with the squared interval of cmc_sens_pearson. nonpositive = the
   finite values <= 0 seen among X and Y (the sums of cmc_sens_log's returns): when
   it is not 0 the logarithm is undefined for part of the sample and the share is
   NaN. */
cmc_sens_ci cmc_sens_logvar_share(const cmc_comoments *c, uint64_t nonpositive);

/* ---- Sobol indices ------------------------------------------------------------------ */

/* The record of one input j of one output over some rows. Means and centred sums
   are exact per block and merged with Chan's update. Rows with a NaN or infinity
   in f(A), f(B) or f(AB_j) are skipped for this j and counted. */
typedef struct cmc_sobol_part {
    uint64_t n;          /* rows used */
    uint64_t skipped;    /* rows with a non-finite f(A), f(B) or f(AB_j) */
    double mp, m2p;      /* f(A) and f(B) pooled (2n values): mean, sum of squared deviations */
    double mb, md, cbd;  /* means of f(B) and D = f(AB_j) - f(A); sum (f(B) - mb)(D - md) */
    /* The delta method's per-row terms u = (f(B) - mb)(D - md), w = D^2 / 2 and
       v = ((f(A) - mp)^2 + (f(B) - mp)^2) / 2, centred by the block's own means:
       their means and sums of squared and cross deviations. mw is also Jansen's
       numerator. */
    double mu, mw, mv, quu, qww, qvv, quv, qwv;
} cmc_sobol_part;

typedef struct cmc_sobol_index {
    cmc_sens_ci first;   /* S_j, Saltelli et al. 2010 */
    cmc_sens_ci total;   /* ST_j, Jansen 1999 */
    uint64_t n, skipped;
} cmc_sobol_index;

/* The records part[0..k) of one block of n rows of one output: fA[i] = f(A_i),
   fB[i] = f(B_i), fAB[j][i] = f(AB_j,i) (A_i with input j taken from B_i). */
void cmc_sens_sobol_block(const double *fA, const double *fB, const double *const *fAB,
                          size_t k, size_t n, cmc_sobol_part *part);
/* Merge part[0..k) into acc[0..k) (start from all-zero records); in block order. */
void cmc_sens_sobol_merge(cmc_sobol_part *acc, const cmc_sobol_part *part, size_t k);
/* The indices with 95% intervals from merged records: S_j = [cbd / (n - 1)] / V and
   ST_j = mw / V with V = m2p / (2n - 1), the variance of f(A) and f(B) pooled; the
   standard errors are sqrt(var(u - S v) / n) / V and sqrt(var(w - ST v) / n) / V,
   the intervals value -+ 1.96 se. NaN when n < 2 or V is 0. */
void cmc_sens_sobol_result(const cmc_sobol_part *acc, size_t k, cmc_sobol_index *out);

/* ---- First-order index from given data (correlated inputs) ------------------------
 *
 * Var(E[Y | X_j]) / Var(Y) without the Saltelli design, so valid when the inputs are
 * dependent: the main sample's rows binned by X_j's rank into M equal-probability
 * bins; per bin the count, sum and sum of squares of Y (centred on a constant), in
 * CMC_GIVEN_BATCHES batches (block b in batch b mod B). acc + b * stride holds batch
 * b's 3M numbers: counts[M], sums[M], squares[M]. The estimate is the ANOVA
 * correlation ratio of all batches together with the bins' noise removed (SSB -
 * (M - 1) MSW) / SST; the interval is Student's t over the batches' estimates. */
#define CMC_GIVEN_BATCHES 16
cmc_sens_ci cmc_sens_given_first(const double *acc, size_t stride, size_t M);

/* ---- A fixed reduction tree over blocks (split runs) ----------------------------
 *
 * The tree of stats.h's cmc_mstack for records of any size: node [i 2^l, (i + 1) 2^l)
 * is merge(left half, right half); a stack that receives leaves a .. b-1 holds the
 * maximal aligned nodes of [a, b), and pushing those onto a stack holding [0, a)
 * gives the bits of pushing every leaf, so a run split into parts (docs/scale.md)
 * reduces to the same bits as a single one. The records of the sensitivity pass: a
 * block's rk[P], lg[P] (cmc_comoments), sb[P] (cmc_sobol_part) and np[Q] (uint64_t)
 * one after the other (kind CMC_SENS_REC), or the G numbers of the given-data bins
 * of one batch (kind CMC_SENS_SUMS, added; leaf i of batch b is block 16 i + b). */
enum { CMC_SENS_REC, CMC_SENS_SUMS };
typedef struct cmc_sens_stack {
    int kind;
    size_t P, Q, G;      /* REC: pairs and quantities; SUMS: G numbers */
    size_t bytes;        /* a record's size, a multiple of 8 */
    uint32_t n, depth;
    uint64_t *start;     /* [depth] */
    uint32_t *level;     /* [depth] */
    unsigned char *rec;  /* [depth][bytes] */
} cmc_sens_stack;

/* A stack with room for depth nodes (it grows). -1 if out of memory. */
int cmc_sens_stack_init(cmc_sens_stack *s, int kind, size_t P, size_t Q, size_t G,
                        uint32_t depth);
void cmc_sens_stack_free(cmc_sens_stack *s);
/* The record of the node to push next (room on top of the stack), NULL if out of
   memory. */
void *cmc_sens_stack_top(cmc_sens_stack *s);
/* Push the node [start, start + 2^level) whose record is in cmc_sens_stack_top.
   -1 if it does not follow the top node or is not aligned. */
int cmc_sens_stack_push(cmc_sens_stack *s, uint64_t start, uint32_t level);
/* Merge the nodes left to right into the first (all zero if none) and return it;
   the stack is left with that one node. */
void *cmc_sens_stack_fold(cmc_sens_stack *s);
/* A stack as numbers (n, then per node start, level and the record's bytes as
   bytes/8 numbers) appended to *out (of *len, grown with realloc), and back: push
   the nodes of a[0..len) onto s; the numbers used, or 0 if they are not such a
   stack's, do not follow s's top or memory ran out. */
int cmc_sens_stack_save(const cmc_sens_stack *s, uint64_t **out, size_t *len);
size_t cmc_sens_stack_load(cmc_sens_stack *s, const uint64_t *a, size_t len);

#endif
