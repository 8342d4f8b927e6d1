/*
 * dist_cdf.c: the probabilities and quantile functions of every distribution
 * (GSL's gsl_cdf_* where they exist, bisection on the CDF where they do not).
 *
 * Every quantile is the generalised inverse Q(u) = min{x : F(x) >= u}, so discrete
 * distributions, mixtures with discrete components and truncations of either all
 * obey the same rule; Q(0) and Q(1) are the ends of the support (possibly
 * infinite). Every distribution answers four questions, P(X <= x), P(X < x),
 * P(X > x) and P(X >= x), and inverts either tail: the left limits are what a
 * truncation of a discrete distribution to [lo, hi] needs (an atom at lo belongs in
 * the interval); the upper tail keeps truncations far in the right tail exact (see
 * dist.c's header).
 *
 * Bisection runs on the ordered integer image of the doubles (the bit pattern,
 * with negatives reflected), not on their values: it halves the number of doubles
 * in the bracket, so it ends on two adjacent doubles in at most 64 steps whatever
 * the magnitudes, and infinite ends are ordinary keys.
 *
 * Nothing here allocates or touches global state: the sampler calls these from
 * many threads at once.
 */
#include "dist_priv.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

/* ---- bisection on doubles ---------------------------------------------------- */

/* The order-preserving map from doubles to integers: positive doubles keep their
   bit pattern, negative ones are reflected, so consecutive doubles are
   consecutive keys (and -0 and +0 share key 0). */
static int64_t dkey(double x)
{
    int64_t i;
    memcpy(&i, &x, sizeof i);
    return i < 0 ? INT64_MIN - i : i;
}

static double kdouble(int64_t k)
{
    int64_t i = k < 0 ? INT64_MIN - k : k;
    double x;
    memcpy(&x, &i, sizeof x);
    return x;
}

/* Has x reached target t? Lower tail: F(x) >= t; upper tail: P(X > x) <= t.
   Either way false left of the answer and true from it on. */
static int reached(const cmc_dist *d, double x, double t, int upper)
{
    return upper ? cmc_dist_prob(d, x, GT) <= t : cmc_dist_prob(d, x, LE) >= t;
}

/* The smallest double x with reached(x), given a bracket [a, b] that probably
   holds it: widen the bracket first (steps of 1, 2, 4, ... ulps, so at most 64
   of them reach an infinity), then halve the keys between a and b. */
static double invert(const cmc_dist *d, double t, int upper, double a, double b)
{
    const int64_t kmin = dkey(-INFINITY), kmax = dkey(INFINITY);
    int64_t ka = dkey(a), kb = dkey(b), step = 1;

    while (ka > kmin && reached(d, kdouble(ka), t, upper)) {
        ka = (uint64_t)ka - (uint64_t)kmin > (uint64_t)step ? ka - step : kmin;
        step = step < INT64_MAX / 2 ? 2 * step : step;
    }
    if (reached(d, kdouble(ka), t, upper))
        return kdouble(ka);
    step = 1;
    while (kb < kmax && !reached(d, kdouble(kb), t, upper)) {
        kb = (uint64_t)kmax - (uint64_t)kb > (uint64_t)step ? kb + step : kmax;
        step = step < INT64_MAX / 2 ? 2 * step : step;
    }
    if (!reached(d, kdouble(kb), t, upper))
        return NAN;
    while ((uint64_t)kb - (uint64_t)ka > 1) {
        int64_t km = ka + (int64_t)(((uint64_t)kb - (uint64_t)ka) / 2);
        if (reached(d, kdouble(km), t, upper))
            kb = km;
        else
            ka = km;
    }
    return kdouble(kb);
}

/* ---- continuous kinds ------------------------------------------------------- */

static void support(const cmc_dist *d, double *lo, double *hi)
{
    switch (d->type->kind) {
    case CMC_DIST_UNIFORM:
        *lo = d->p[0], *hi = d->p[1];
        break;
    case CMC_DIST_TRIANGULAR:
    case CMC_DIST_PERT:
        *lo = d->p[0], *hi = d->p[2];
        break;
    case CMC_DIST_NORMAL:
        *lo = -INFINITY, *hi = INFINITY;
        break;
    case CMC_DIST_BETA:
        *lo = 0, *hi = 1;
        break;
    default:   /* lognormal, to, gamma, weibull, exponential */
        *lo = 0, *hi = INFINITY;
        break;
    }
}

/* P(X <= x), or P(X > x) when upper (the two differ by nothing else for a
   continuous distribution). */
static double cont_prob(const cmc_dist *d, double x, int upper)
{
    const double *p = d->p;
    double lo, hi;
    support(d, &lo, &hi);
    if (x <= lo)
        return upper ? 1 : 0;
    if (x >= hi)
        return upper ? 0 : 1;

    switch (d->type->kind) {
    case CMC_DIST_UNIFORM:
        return upper ? (p[1] - x) / (p[1] - p[0]) : (x - p[0]) / (p[1] - p[0]);
    case CMC_DIST_TRIANGULAR: {
        /* F(x) = (x-a)^2 / ((b-a)(c-a)) up to the mode c, with fc = (c-a)/(b-a)
           and gc = (b-c)/(b-a) taking the products apart so they cannot
           overflow. The complements, 1 - r^2/fc and 1 - s^2/gc, are written
           (s(2 - s) - gc)/fc and (r(2 - r) - fc)/gc (r + s = 1, fc + gc = 1):
           no cancellation where the mode sits at an end (triangular(0, 0, 1)
           near 0 lost 5 digits at F = 1e-6; tests/test_distref.c). */
        double a = p[0], c = p[1], b = p[2], w = b - a;
        double fc = (c - a) / w, gc = (b - c) / w, r = (x - a) / w, s = (b - x) / w;
        if (x <= c)
            return upper ? (s * (2 - s) - gc) / fc : r * (r / fc);
        return upper ? s * (s / gc) : (r * (2 - r) - fc) / gc;
    }
    case CMC_DIST_PERT: {
        double z = fmin(fmax((x - p[0]) / (p[2] - p[0]), 0), 1);
        return upper ? gsl_cdf_beta_Q(z, d->q[0], d->q[1])
                     : gsl_cdf_beta_P(z, d->q[0], d->q[1]);
    }
    case CMC_DIST_NORMAL: {
        double z = (x - p[0]) / p[1];
        return upper ? gsl_cdf_ugaussian_Q(z) : gsl_cdf_ugaussian_P(z);
    }
    case CMC_DIST_LOGNORMAL:
    case CMC_DIST_TO: {
        const double *ms = d->type->kind == CMC_DIST_TO ? d->q : d->p;
        double z = (log(x) - ms[0]) / ms[1];
        return upper ? gsl_cdf_ugaussian_Q(z) : gsl_cdf_ugaussian_P(z);
    }
    case CMC_DIST_BETA:
        return upper ? gsl_cdf_beta_Q(x, p[0], p[1]) : gsl_cdf_beta_P(x, p[0], p[1]);
    case CMC_DIST_GAMMA:
        return upper ? gsl_cdf_gamma_Q(x, p[0], p[1]) : gsl_cdf_gamma_P(x, p[0], p[1]);
    case CMC_DIST_WEIBULL: {
        double h = pow(x / p[1], p[0]);   /* cumulative hazard */
        return upper ? exp(-h) : -expm1(-h);
    }
    case CMC_DIST_EXPONENTIAL: {
        double h = p[0] * x;
        return upper ? exp(-h) : -expm1(-h);
    }
    default:
        return NAN;
    }
}

/* The x with cont_prob(d, x, upper) == t. */
static double cont_quantile(const cmc_dist *d, double t, int upper)
{
    const double *p = d->p;
    double lo, hi, x;
    support(d, &lo, &hi);
    if (upper ? t >= 1 : t <= 0)
        return lo;
    if (upper ? t <= 0 : t >= 1)
        return hi;

    switch (d->type->kind) {
    case CMC_DIST_UNIFORM:
        x = upper ? p[1] - t * (p[1] - p[0]) : p[0] + t * (p[1] - p[0]);
        break;
    case CMC_DIST_TRIANGULAR: {
        /* Inverting the two quadratic pieces of the CDF above. */
        double a = p[0], c = p[1], b = p[2], w = b - a;
        double fc = (c - a) / w, gc = (b - c) / w;
        double u = upper ? 1 - t : t;
        if (upper ? t <= gc : t > fc)
            x = b - w * sqrt((upper ? t : 1 - t) * gc);
        else
            x = a + w * sqrt(u * fc);
        break;
    }
    case CMC_DIST_PERT: {
        double z = upper ? gsl_cdf_beta_Qinv(t, d->q[0], d->q[1])
                         : gsl_cdf_beta_Pinv(t, d->q[0], d->q[1]);
        x = p[0] + z * (p[2] - p[0]);
        break;
    }
    case CMC_DIST_NORMAL:
        x = p[0] + p[1] * (upper ? gsl_cdf_ugaussian_Qinv(t) : gsl_cdf_ugaussian_Pinv(t));
        break;
    case CMC_DIST_LOGNORMAL:
    case CMC_DIST_TO: {
        const double *ms = d->type->kind == CMC_DIST_TO ? d->q : d->p;
        x = exp(ms[0] +
                ms[1] * (upper ? gsl_cdf_ugaussian_Qinv(t) : gsl_cdf_ugaussian_Pinv(t)));
        break;
    }
    case CMC_DIST_BETA:
        x = upper ? gsl_cdf_beta_Qinv(t, p[0], p[1]) : gsl_cdf_beta_Pinv(t, p[0], p[1]);
        break;
    case CMC_DIST_GAMMA:
        /* GSL's Pinv loses digits near 1 (2e-6 relative at 1 - 1e-12): above a
           half, Qinv of 1 - t (exact there) */
        if (!upper && t > 0.5)
            x = gsl_cdf_gamma_Qinv(1 - t, p[0], p[1]);
        else
            x = upper ? gsl_cdf_gamma_Qinv(t, p[0], p[1]) : gsl_cdf_gamma_Pinv(t, p[0], p[1]);
        break;
    case CMC_DIST_WEIBULL:
        x = p[1] * pow(upper ? -log(t) : -log1p(-t), 1 / p[0]);
        break;
    case CMC_DIST_EXPONENTIAL:
        x = (upper ? -log(t) : -log1p(-t)) / p[0];
        break;
    default:
        return NAN;
    }
    /* GSL's iterative inversions (beta, gamma) return NaN when they do not
       converge; the CDF is still good, so invert it by bisection instead. */
    if (isnan(x))
        x = invert(d, t, upper, lo, hi);
    return fmin(fmax(x, lo), hi);
}

/* ---- choice ----------------------------------------------------------------- */

/* Number of sorted values v with v <= x (strict: v < x). */
static size_t count_below(const cmc_dist *d, double x, int strict)
{
    const double *sx = d->sorted_values;
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strict ? sx[mid] < x : sx[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static double choice_prob(const cmc_dist *d, double x, enum side s)
{
    /* The weights are the user's, not tail probabilities: complements are
       accurate enough here. */
    size_t k = count_below(d, x, s == LT || s == GE);
    double f = k ? d->sorted_cdf[k - 1] : 0;
    return s == LE || s == LT ? f : 1 - f;
}

static double choice_quantile(const cmc_dist *d, double t, int upper)
{
    const double *sx = d->sorted_values, *sF = d->sorted_cdf;
    size_t lo = 0, hi = d->n - 1;   /* sF[n-1] == 1 always qualifies */
    if (upper ? t >= 1 : t <= 0) {
        while (sF[lo] <= 0)   /* lowest value of positive weight */
            lo++;
        return sx[lo];
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (upper ? 1 - sF[mid] <= t : sF[mid] >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return sx[lo];
}

/* ---- mixture ---------------------------------------------------------------- */

static double mixture_prob(const cmc_dist *d, double x, enum side s)
{
    double sum = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->weights[i] > 0)
            sum += d->weights[i] * cmc_dist_prob(d->parts[i], x, s);
    return fmin(sum, 1);
}

/*
 * The quantile of a mixture lies between the smallest and the largest quantile of
 * its components at the same level: at x = max_i Q_i(u) every F_i(x) >= u, so the
 * weighted sum is too, and left of min_i Q_i(u) every F_i(x) < u. That bracket is
 * exact, needs no guessing of a search interval, and works for discrete
 * components; invert() only widens it if rounding in a component's CDF moved the
 * answer an ulp outside.
 */
static double mixture_quantile(const cmc_dist *d, double t, int upper)
{
    double a = INFINITY, b = -INFINITY;
    for (size_t i = 0; i < d->n; i++) {
        if (d->weights[i] > 0) {
            double x = cmc_dist_tail(d->parts[i], t, upper);
            if (isnan(x))
                return NAN;
            a = fmin(a, x);
            b = fmax(b, x);
        }
    }
    if (upper ? t >= 1 : t <= 0)
        return a;
    if (upper ? t <= 0 : t >= 1)
        return b;
    return invert(d, t, upper, a, b);
}

/* ---- truncate ----------------------------------------------------------------
 *
 * With F and S = 1 - F of the inner distribution, q[0] = P(X < lo) (F(lo) for a
 * continuous one), q[1] = F(hi), q[2] = P(X >= lo), q[3] = S(hi). When q[2] < q[1]
 * the interval sits in the upper tail and everything is computed from S, else
 * from F: the smaller numbers carry the mass without cancellation.
 */
int cmc_dist_trunc_upper(const cmc_dist *d)
{
    return d->q[2] < d->q[1];
}

double cmc_dist_trunc_mass(const cmc_dist *d)
{
    return cmc_dist_trunc_upper(d) ? d->q[2] - d->q[3] : d->q[1] - d->q[0];
}

static double trunc_prob(const cmc_dist *d, double x, enum side s)
{
    const cmc_dist *in = d->parts[0];
    double lo = d->p[0], hi = d->p[1], m = cmc_dist_trunc_mass(d), r;
    int upper = s == GT || s == GE, closed = s == LE || s == GT;

    if (closed ? x < lo : x <= lo)
        return upper ? 1 : 0;
    if (closed ? x >= hi : x > hi)
        return upper ? 0 : 1;
    if (cmc_dist_trunc_upper(d)) {
        double g = cmc_dist_prob(in, x, closed ? GT : GE);
        r = upper ? (g - d->q[3]) / m : (d->q[2] - g) / m;
    } else {
        double f = cmc_dist_prob(in, x, closed ? LE : LT);
        r = upper ? (d->q[1] - f) / m : (f - d->q[0]) / m;
    }
    return fmin(fmax(r, 0), 1);
}

/* The support of d when it is an interval with positive density inside (every
   continuous kind, and truncations of those): then the ends of a truncation are
   known exactly rather than through a quantile function's rounding. */
static int interval_support(const cmc_dist *d, double *lo, double *hi)
{
    switch (d->type->kind) {
    case CMC_DIST_CHOICE:
    case CMC_DIST_MIXTURE:   /* may have gaps */
        return 0;
    case CMC_DIST_TRUNCATE:
        if (!interval_support(d->parts[0], lo, hi))
            return 0;
        *lo = fmax(*lo, d->p[0]);
        *hi = fmin(*hi, d->p[1]);
        return 1;
    default:
        support(d, lo, hi);
        return 1;
    }
}

static double trunc_quantile(const cmc_dist *d, double t, int upper)
{
    const cmc_dist *in = d->parts[0];
    double lo = d->p[0], hi = d->p[1], m = cmc_dist_trunc_mass(d), s, x, a, b;
    int side = cmc_dist_trunc_upper(d);

    if ((t <= 0 || t >= 1) && interval_support(d, &a, &b))
        return (upper ? t >= 1 : t <= 0) ? a : b;

    /* The level of the inner distribution that corresponds to level t here. */
    if (side)
        s = fmin(fmax(upper ? d->q[3] + t * m : d->q[2] - t * m, d->q[3]), d->q[2]);
    else
        s = fmin(fmax(upper ? d->q[1] - t * m : d->q[0] + t * m, d->q[0]), d->q[1]);
    x = cmc_dist_tail(in, s, side);
    if (x < lo) {
        /* At t = 0 (or after rounding) the inner quantile can be an atom left
           of lo, or lo less an ulp: one step inward finds the first point of
           the support in [lo, hi]. */
        x = cmc_dist_tail(in, nextafter(s, side ? -INFINITY : INFINITY), side);
        if (x < lo)
            x = lo;
    }
    return x > hi ? hi : x;
}

/* ---- dispatch ----------------------------------------------------------------- */

double cmc_dist_prob(const cmc_dist *d, double x, enum side s)
{
    if (isnan(x))
        return NAN;
    switch (d->type->kind) {
    case CMC_DIST_CHOICE:
        return choice_prob(d, x, s);
    case CMC_DIST_MIXTURE:
        return mixture_prob(d, x, s);
    case CMC_DIST_TRUNCATE:
        return trunc_prob(d, x, s);
    default:
        return cont_prob(d, x, s == GT || s == GE);
    }
}

/* Lower tail: min{x : F(x) >= t}. Upper tail: min{x : P(X > x) <= t}. */
double cmc_dist_tail(const cmc_dist *d, double t, int upper)
{
    if (isnan(t))
        return NAN;
    switch (d->type->kind) {
    case CMC_DIST_CHOICE:
        return choice_quantile(d, t, upper);
    case CMC_DIST_MIXTURE:
        return mixture_quantile(d, t, upper);
    case CMC_DIST_TRUNCATE:
        return trunc_quantile(d, t, upper);
    default:
        return cont_quantile(d, t, upper);
    }
}

double cmc_dist_cdf(const cmc_dist *d, double x)
{
    return cmc_dist_prob(d, x, LE);
}

double cmc_dist_quantile(const cmc_dist *d, double u)
{
    if (!(u >= 0 && u <= 1))
        return NAN;
    return cmc_dist_tail(d, u, 0);
}
