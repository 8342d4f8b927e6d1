/*
 * dist_qtable.c: the quantile tables draw.c samples by inversion through (dist.h):
 * beta and pert get one when they are made, a truncation of a gamma gets one for
 * the levels of its interval.
 *
 * Each piece [lo, hi) of t gets the polynomial that interpolates the quantile at
 * the 8 Chebyshev nodes of the piece (computed with GSL's inverse CDF, the
 * upper one on the upper side so that levels near 1 lose nothing), converted to
 * powers of s in long double. Pieces are geometric in t (a binade cut in eight),
 * so the power-law ends of the quantile, Q(t) ~ c t^(1/a) as t -> 0, look the
 * same in every binade: the interpolation error is the same relative error all
 * the way down. For shapes from about 0.3 up (beta(8, 2), every pert, beta(200,
 * 300)) it is below 1e-13 at the checks. Then every piece is checked against GSL
 * at the D + 2 extrema of the Chebyshev error curve, s = cos(j pi / 8), j = 0..8;
 * a piece that misses CMC_QTAB_TOL (relative) becomes a NaN row, which draw.c
 * computes exactly; if the pieces that miss hold more than QTAB_MISS of the
 * probability, the table is dropped (shapes below about 0.25, where Q(t) ~ t^4 and
 * steeper needs more than degree 7) and the sampler uses gamma ratios.
 *
 * The gamma's quantile has the same power-law lower end (t^(1/k)) and a
 * logarithmic upper one, which the pieces fit as well (gamma(2, 1): below 1e-13).
 *
 * Cost: 512 pieces, 17 GSL inversions each (about 1.5 us apiece): about 15 ms per
 * distribution, once; a truncation fits only the pieces its levels meet. Memory:
 * 32.8 KiB per table.
 */
#include "dist_priv.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define QTAB_MISS 1e-6
#define PI_L 3.141592653589793238462643383279502884L

_Static_assert(CMC_QTAB_STRIDE == CMC_QTAB_DEGREE + 1, "one row: the coefficients");

static double bits_to_double(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

int cmc_dist_build_qtable(double *tab, const cmc_dist *d, const double need[2][2])
{
    enum { D = CMC_QTAB_DEGREE, SH = 52 - CMC_QTAB_BITS };
    double missed = 0;
    /* Chebyshev nodes, the transform's cosines and the check points, once */
    long double node[D + 1], dct[D + 1][D + 1];
    double check[D + 2];
    for (int k = 0; k <= D; k++) {
        node[k] = cosl(PI_L * (k + 0.5L) / (D + 1));
        for (int j = 0; j <= D; j++)
            dct[j][k] = cosl(PI_L * j * (k + 0.5L) / (D + 1));
    }
    for (int j = 0; j <= D + 1; j++)
        check[j] = (double)cosl(PI_L * j / (D + 1));
    for (int h = 0; h < 2; h++) {
        for (unsigned r = 0; r < CMC_QTAB_SIDE; r++) {
            uint64_t key = CMC_QTAB_KEYMAX - r;
            double lo = bits_to_double(key << SH), hi = bits_to_double((key + 1) << SH);
            double w = hi - lo;   /* exact: a power of two */
            double *c = tab + ((size_t)h * CMC_QTAB_SIDE + r) * CMC_QTAB_STRIDE;
            if (need && !(hi > need[h][0] && lo <= need[h][1])) {
                for (int i = 0; i <= D; i++)
                    c[i] = NAN;
                continue;
            }
            long double y[D + 1], cheb[D + 1], mono[D + 1] = {0}, tp[D + 1] = {0},
                        tc[D + 1] = {0}, tn[D + 1];
            for (int k = 0; k <= D; k++)
                y[k] = cmc_dist_tail(d, lo + (double)((node[k] + 1) / 2 * w), h);
            for (int j = 0; j <= D; j++) {   /* Chebyshev coefficients */
                long double sum = 0;
                for (int k = 0; k <= D; k++)
                    sum += y[k] * dct[j][k];
                cheb[j] = sum * 2 / (D + 1) / (j == 0 ? 2 : 1);
            }
            /* sum cheb[j] T_j(s) in powers of s: T_0 = 1, T_1 = s,
               T_(j+1) = 2 s T_j - T_(j-1) */
            tp[0] = 1;
            tc[1] = 1;
            for (int i = 0; i <= D; i++)
                mono[i] += cheb[0] * tp[i] + cheb[1] * tc[i];
            for (int j = 2; j <= D; j++) {
                for (int i = 0; i <= D; i++)
                    tn[i] = 2 * (i ? tc[i - 1] : 0) - tp[i];
                for (int i = 0; i <= D; i++) {
                    mono[i] += cheb[j] * tn[i];
                    tp[i] = tc[i];
                    tc[i] = tn[i];
                }
            }
            for (int i = 0; i <= D; i++)
                c[i] = (double)mono[i];
            int ok = 1;
            for (int j = 0; j <= D + 1 && ok; j++) {
                double s = check[j];
                double t = lo + (s + 1) / 2 * w, want = cmc_dist_tail(d, t, h);
                double got = cmc_qtab_poly(c, 0, s);
                ok = want >= DBL_MIN && fabs(got - want) <= CMC_QTAB_TOL * want;
            }
            if (!ok) {
                for (int i = 0; i <= D; i++)
                    c[i] = NAN;
                missed += w;
                if (missed > QTAB_MISS)
                    return -1;
            }
        }
    }
    for (int i = 0; i < CMC_QTAB_STRIDE; i++)
        tab[(CMC_QTAB_ROWS - 1) * CMC_QTAB_STRIDE + i] = NAN;
    return missed <= QTAB_MISS ? 0 : -1;
}
