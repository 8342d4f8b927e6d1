/*
 * copula.h: rank correlations between random inputs by a Gaussian copula
 * (internal; model.c builds it, the sampler applies it, run.c reports it).
 *
 * `correlate a, b: 0.6` (and `correlate a, b, c: r_ab, r_ac, r_bc`) asks for
 * Spearman rank correlations. The inputs named together, directly or through a
 * chain of pairs, form a group; a group's requested Spearman matrix (pairs not
 * named: 0) becomes the Pearson matrix of its normal scores, 2 sin(pi rho_s / 6),
 * which is exact for the Gaussian copula (Pearson 1904; Kruskal 1958). Per block,
 * each member's own uniform v (its Philox stream 0, or the design's uniform) gives
 * z = Phi^-1(v); the group's z are mixed by the Cholesky factor L of that matrix,
 * w = L z, and u = Phi(w) goes through the member's inverse CDF. Each u is exactly
 * uniform, so every marginal is exactly the written distribution; the first member
 * of a group (in draw order) has L's first row (1, 0, ...) and keeps its v itself,
 * so its values are bit for bit those of the uncorrelated run.
 */
#ifndef CMC_COPULA_H
#define CMC_COPULA_H

#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "resolve.h"

struct cmc_model;

typedef struct cmc_copula_pair {
    size_t a, b;               /* random input indices (a before b in draw order) */
    const char *name_a, *name_b;
    double requested;          /* the Spearman correlation written (0 if not named) */
    double used;               /* after the repair (= requested unless repaired) */
    int named;                 /* written in a correlate statement */
    size_t group;
} cmc_copula_pair;

typedef struct cmc_copula_group {
    size_t n;
    size_t *member;            /* [n] random input indices, increasing */
    double *L;                 /* [n * n] lower-triangular Cholesky factor, row major */
    int repaired;              /* the requested matrix was not positive semi-definite */
} cmc_copula_group;

typedef struct cmc_copula {
    size_t nrandom;            /* the model's random inputs */
    int *group_of;             /* [nrandom]: the input's group, or -1 */
    size_t ngroups, gmax;      /* groups, and the largest one's size */
    cmc_copula_group *groups;
    size_t npairs;
    cmc_copula_pair *pairs;    /* every pair within each group, group by group */
    cmc_dist *normal;          /* the standard normal, for Phi^-1 */
    cmc_correlation *public_pairs;   /* [npairs], for cmc_model_correlation */
} cmc_copula;

/* Read every `correlate` statement of g's files and attach the copula to m
   (m->copula; NULL when there is none). Errors (located): a name that is not a
   random input of m, a value outside [-1, 1], a self-correlation, a pair named
   twice, a count of values that fits neither form. A matrix that is not positive
   semi-definite is replaced by the nearest correlation matrix, with a warning. In
   a variant (variant >= 0) a name that is not a random input there drops its
   pairs silently (the scenario's own model reported what is wrong). Also appends
   the statements, as resolved, to m->source. Returns 0 or -1. */
int cmc_copula_build(const cmc_graph *g, struct cmc_model *m, int variant, cmc_diags *d);
void cmc_copula_free(cmc_copula *c);   /* NULL is harmless */

/* Higham (2002), "Computing the nearest correlation matrix -- a problem from
   finance", IMA J. Numer. Anal. 22, 329-343: alternating projections with
   Dykstra's correction onto the positive semi-definite matrices and the unit-
   diagonal ones. a (n x n, symmetric, row major) is replaced by the nearest
   correlation matrix in the Frobenius norm. Returns the iterations taken, or -1
   (out of memory, no convergence). */
int cmc_nearest_correlation(double *a, size_t n);

/* The Cholesky factor L (lower, row major) of a positive semi-definite c (n x n):
   pivots within 1e-10 of zero are taken as zero (a rank correlation of +-1).
   Returns 0, or -1 if c is not positive semi-definite. */
int cmc_cholesky_psd(const double *c, double *L, size_t n);

/* Input i of m and input j of vm (a variant) draw the same uniforms: both in no
   group, or at the same place of groups whose members up to it have the same names
   and the same row of the Cholesky factor. */
int cmc_copula_same_draws(const struct cmc_model *m, size_t i, const struct cmc_model *vm,
                          size_t j);

/* ---- Per block -------------------------------------------------------------------- */

/* Integer sums of the copula's uniforms (quantised to 24 bits; n <= 1024 a call), so that adding the
   threads' tallies in any order gives the same bits: per replicate and pair,
   n, sum a, sum b, sum a^2, sum b^2, sum ab. */
__extension__ typedef unsigned __int128 cmc_u128;
typedef struct cmc_copula_tally {
    size_t npairs;
    uint32_t replicates;
    uint64_t *n;               /* [replicates] */
    cmc_u128 *sum;             /* [replicates][npairs][5] */
} cmc_copula_tally;

cmc_copula_tally *cmc_copula_tally_new(const cmc_copula *c, uint32_t replicates);
void cmc_copula_tally_free(cmc_copula_tally *t);
void cmc_copula_tally_add(cmc_copula_tally *to, const cmc_copula_tally *from);

/* Input k takes part in a group. */
static inline int cmc_copula_member(const cmc_copula *c, size_t k)
{
    return c && k < c->nrandom && c->group_of[k] >= 0;
}

/* For every group: column base + col[k] * stride of each member k holds its
   uniforms v[0..n) on entry and the copula's uniforms u on exit (then the caller
   inverts each member's CDF). work holds gmax * n doubles, scratch
   CMC_DRAW_SCRATCH * n. If t is not NULL the u are tallied into replicate rep. */
void cmc_copula_mix(const cmc_copula *c, double *base, const int *col, size_t stride, size_t n,
                    double *work, double *scratch, cmc_copula_tally *t, uint32_t rep);

/* The achieved Spearman correlation of pair p (the correlation of the inputs' CDF
   levels, i.e. of their population ranks) with a 95% interval: Fisher's z with
   Bonett and Wright's variance for one replicate, else Student's t over the
   replicates' estimates. */
void cmc_copula_achieved(const cmc_copula_tally *t, size_t p, double *est, double *lo,
                         double *hi);

#endif
