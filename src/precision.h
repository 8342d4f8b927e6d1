/*
 * precision.h: intervals from replicates, and the precision a run stops at
 * (internal; run.c uses it).
 */
#ifndef CMC_PRECISION_H
#define CMC_PRECISION_H

#include "sampler.h"

/* The 95% intervals of target t's mean and of its percentiles p[0..np) whose
   estimates are value[] (from the pooled sketch): under a design with R >= 2
   replicates, value -+ t_(R-1) sd / sqrt(R), sd the spread of the R replicates'
   estimates (their moments and sketches, t->rep and t->rep_sketch); mean_se
   receives sd / sqrt(R) times t_(R-1) / 1.96, so that mean -+ 1.96 mean_se is
   that interval. Returns -1 (nothing written) when t has no replicates. */
int cmc_rep_intervals(const cmc_target *t, const double *p, size_t np,
                      const double *value, double *lo, double *hi, double *mean_se);

/* How far an interval is from a tolerance: its half-width (the larger side) over
   max(abs_tol, rel_tol |value|). At most 1: met. Infinite for a NaN value or
   interval. */
double cmc_tol_ratio(double value, double lo, double hi, double rel_tol, double abs_tol);

#endif
