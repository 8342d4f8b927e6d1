/*
 * precision.c: intervals from the spread of independent replicates, and the test
 * of a tolerance.
 *
 * Order-statistic intervals and std / sqrt(n) assume independent samples. Latin
 * hypercube and scrambled Sobol' samples are not independent (that is their point:
 * the strata balance each other), so under those designs the run is R independent
 * replicates and an interval comes from how far the replicates' estimates spread:
 * the Student t interval with R - 1 degrees of freedom around the estimate from all
 * the samples (Owen, "Monte Carlo theory, methods and examples", 2013, ch. 17;
 * L'Ecuyer and Lemieux, "Recent advances in randomized quasi-Monte Carlo methods",
 * 2002). The pooled estimate is used as the centre rather than the replicates'
 * average: a percentile of n / R samples carries a bias of order R / n, which for
 * qmc is not small against its own spread; the pooled one's bias is R times smaller,
 * and its error is, to first order, the average of the replicates' errors.
 */
#include "precision.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#define Z95 1.959963984540054

int cmc_rep_intervals(const cmc_target *t, const double *p, size_t np,
                      const double *value, double *lo, double *hi, double *mean_se)
{
    const uint32_t R = t->replicates;
    if (!t->rep || !t->rep_sketch || R < 2)
        return -1;
    double tq = gsl_cdf_tdist_Pinv(0.975, (double)(R - 1)), sr = sqrt((double)R);
    /* the mean: the replicates' means (equal counts but for non-finite values) */
    double s = 0, ss = 0;
    for (uint32_t r = 0; r < R; r++)
        s += t->rep[r].n ? t->rep[r].mean : NAN;
    double m = s / R;
    for (uint32_t r = 0; r < R; r++)
        ss += (t->rep[r].mean - m) * (t->rep[r].mean - m);
    *mean_se = sqrt(ss / (R - 1)) / sr * (tq / Z95);
    if (!np)
        return 0;
    double *v = malloc(3 * np * sizeof *v), *sum = calloc(2 * np, sizeof *sum);
    if (!v || !sum) {
        free(v);
        free(sum);
        for (size_t i = 0; i < np; i++)
            lo[i] = hi[i] = NAN;
        return 0;
    }
    double *sq = sum + np, *vl = v + np, *vh = v + 2 * np;
    for (uint32_t r = 0; r < R; r++) {   /* two passes would need R x np values */
        cmc_sketch_percentiles(t->rep_sketch[r], p, np, v, vl, vh);
        for (size_t i = 0; i < np; i++) {
            double d = v[i] - value[i];   /* about the pooled value: stable */
            sum[i] += d;
            sq[i] += d * d;
        }
    }
    for (size_t i = 0; i < np; i++) {
        double mean = sum[i] / R, var = (sq[i] - R * mean * mean) / (R - 1);
        double half = tq * sqrt(var > 0 ? var : 0) / sr;
        lo[i] = value[i] - half;
        hi[i] = value[i] + half;
    }
    free(v);
    free(sum);
    return 0;
}

double cmc_tol_ratio(double value, double lo, double hi, double rel_tol, double abs_tol)
{
    double half = fmax(value - lo, hi - value);
    double allowed = fmax(abs_tol > 0 ? abs_tol : 0, rel_tol > 0 ? rel_tol * fabs(value) : 0);
    if (!(half >= 0) || !isfinite(value))
        return INFINITY;
    return allowed > 0 ? half / allowed : half > 0 ? INFINITY : 0;
}
