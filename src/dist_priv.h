/*
 * dist_priv.h: what the distribution files share (internal to dist.c,
 * dist_cdf.c and dist_qtable.c; draw.c uses only dist.h).
 *
 * dist.c holds the table, the constructors and what is derived from a whole
 * distribution (point, mean, description); dist_cdf.c the probabilities and the
 * quantile functions of every kind; dist_qtable.c the quantile tables draw.c
 * inverts through.
 */
#ifndef CMC_DIST_PRIV_H
#define CMC_DIST_PRIV_H

#include "dist.h"

enum side { LE, LT, GT, GE };   /* P(X <= x), P(X < x), P(X > x), P(X >= x) */

/* P(X <= x), P(X < x), P(X > x) or P(X >= x). */
double cmc_dist_prob(const cmc_dist *d, double x, enum side s);
/* Lower tail: min{x : F(x) >= t}. Upper tail: min{x : P(X > x) <= t}. */
double cmc_dist_tail(const cmc_dist *d, double t, int upper);
/* A truncation's probability of [lo, hi] under its inner distribution. */
double cmc_dist_trunc_mass(const cmc_dist *d);
/* Does a truncation work from the upper tail of its inner distribution (q[2] < q[1])? */
int cmc_dist_trunc_upper(const cmc_dist *d);

/* Doubles in a quantile table (dist.h), and the table's memory with room to align
   it to a cache line. */
#define CMC_QTAB_DOUBLES (CMC_QTAB_ROWS * CMC_QTAB_STRIDE)
#define CMC_QTAB_ALLOC ((CMC_QTAB_DOUBLES + 8) * sizeof(double))

/*
 * Fill tab (CMC_QTAB_DOUBLES, 64-byte aligned) with the quantile table of d, whose
 * quantile must be positive wherever the table is used (beta, gamma). Only the rows
 * that meet the levels [need[h][0], need[h][1]] of side h (0 lower, 1 upper) are
 * fitted; the others are NaN rows (computed exactly if ever reached). need = NULL:
 * every row. Returns -1 when the rows that fail the check hold more than QTAB_MISS
 * of the probability: the table is not to be used.
 */
int cmc_dist_build_qtable(double *tab, const cmc_dist *d, const double need[2][2]);

#endif
