/*
 * dist.h: the distribution table.
 *
 * Every distribution a scenario can name is one row of a table (GSL's gsl_rng_type
 * pattern): its name, its parameter names, a check of the parameters, and the
 * functions that the rest of carbonmc needs from it: CDF, quantile, the value used
 * by `point`, and a human description. Adding a distribution means adding one row
 * and one test. The table knows nothing of the parser: parameters arrive as numbers
 * and a bad one is reported by its index, which the caller turns into a source
 * location.
 *
 * Special forms: `choice` (discrete values with optional weights), `mixture`
 * (weighted components) and `truncate` (a distribution restricted to [lo, hi]) have
 * their own constructors because their arguments are not a fixed list of numbers.
 * `a to b` is the row "to": a lognormal whose 5th and 95th percentiles are a and b.
 *
 * Ownership: cmc_dist objects are heap-allocated by the constructors and released
 * with cmc_dist_free, which also frees the components of a mixture or truncate.
 * cmc_dist_new_mixture and cmc_dist_new_truncate consume their component
 * distributions, on success and on failure alike.
 */
#ifndef CMC_DIST_H
#define CMC_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

typedef struct cmc_dist cmc_dist;

typedef enum cmc_dist_kind {
    CMC_DIST_UNIFORM,
    CMC_DIST_TRIANGULAR,
    CMC_DIST_PERT,
    CMC_DIST_NORMAL,
    CMC_DIST_LOGNORMAL,
    CMC_DIST_TO,          /* a to b: lognormal with P5 = a, P95 = b */
    CMC_DIST_BETA,
    CMC_DIST_GAMMA,
    CMC_DIST_WEIBULL,
    CMC_DIST_EXPONENTIAL,
    CMC_DIST_CHOICE,
    CMC_DIST_TRUNCATE,
    CMC_DIST_MIXTURE,
    CMC_DIST_NKINDS
} cmc_dist_kind;

typedef struct cmc_dist_type {
    const char *name;           /* as written in a scenario ("to" for a to b) */
    cmc_dist_kind kind;
    int nparams;                /* fixed arity; -1 for choice, truncate, mixture */
    const char *params[4];      /* parameter names, for messages and `check` */
} cmc_dist_type;

struct cmc_dist {
    const cmc_dist_type *type;
    double p[4];        /* parameters as written (truncate: p[0] = lo, p[1] = hi) */
    double q[4];        /* derived constants, e.g. mu and sigma of "to"; truncate:
                           q[0] = P(X < lo), q[1] = F(hi), q[2] = P(X >= lo),
                           q[3] = P(X > hi) of the inner distribution */
    size_t n;           /* choice, mixture: number of entries */
    double *values;     /* choice: the values as written [n] */
    double *weights;    /* choice, mixture: weights normalised to sum 1 [n] */
    double *cumw;       /* choice, mixture: cumulative weights [n], cumw[n-1] == 1 */
    double *raw_weights;    /* choice, mixture: the weights as written [n] */
    double *sorted_values;  /* choice: the values in increasing order [n] */
    double *sorted_cdf;     /* choice: P(X <= sorted_values[i]) [n] */
    cmc_dist **parts;   /* mixture: components [n]; truncate: parts[0] */
    double *qtable;     /* beta, pert: the quantile table below, or NULL when the
                           shapes are too extreme for it; in the same allocation.
                           truncate of a gamma: the gamma's table for the levels
                           of [lo, hi] (its own allocation), or NULL; gamma: its
                           table once cmc_dist_prepare_inversion built it (its own
                           allocation), else NULL */
    cmc_dist *sampler;  /* truncate of a mixture: the mixture of the components'
                           truncations to [lo, hi], weighted by their mass there,
                           which draw.c samples (its truncations borrow parts[0]'s
                           components); else NULL */
};

/*
 * The quantile table of beta and pert (the beta of their shapes): dist.c builds it
 * when the distribution is made, draw.c samples by inversion through it. A level
 * u is read as t = min(u, 1 - u) on the side (lower, upper) that u lies in; each
 * binade [2^-(k+2), 2^-(k+1)) of t, k < CMC_QTAB_BINADES, is cut into
 * 2^CMC_QTAB_BITS equal pieces, and each piece has a polynomial of degree
 * CMC_QTAB_DEGREE in its local variable s in [-1, 1) whose value is the beta
 * quantile (lower side) or upper quantile (upper side) of t. Rows are
 * CMC_QTAB_STRIDE doubles: the coefficients of s^0 .. s^7. Row r of side h
 * covers the keys bits(t) >> (52 - CMC_QTAB_BITS) = CMC_QTAB_KEYMAX - r and lies at
 * h * CMC_QTAB_SIDE + r; the last row is NaN (levels beyond the table, 2^-33 and
 * below, or a piece the table could not fit: computed exactly instead).
 */
#define CMC_QTAB_BITS 3
#define CMC_QTAB_DEGREE 7
#define CMC_QTAB_STRIDE 8
#define CMC_QTAB_BINADES 32
#define CMC_QTAB_SIDE (CMC_QTAB_BINADES << CMC_QTAB_BITS)
#define CMC_QTAB_ROWS (2 * CMC_QTAB_SIDE + 1)
#define CMC_QTAB_KEYMAX ((1021u << CMC_QTAB_BITS) | ((1u << CMC_QTAB_BITS) - 1))
/* What the table promises and dist.c checks when it builds one: at 9 points of
   every piece besides its nodes, |table - GSL's quantile| <= this times the
   quantile; where a check fails the table is not used. */
#define CMC_QTAB_TOL 1e-12

/* The polynomial of the row starting at tab[row], at s, by Estrin's scheme: the one
   expression both the builder's checks and the sampler evaluate. (Indexing tab
   rather than taking a pointer to the row lets GCC vectorise the sampler's loop
   with gathers.) */
static inline double cmc_qtab_poly(const double *tab, int row, double s)
{
    double s2 = s * s, s4 = s2 * s2;
    return ((tab[row] + tab[row + 1] * s) + s2 * (tab[row + 2] + tab[row + 3] * s)) +
           s4 * ((tab[row + 4] + tab[row + 5] * s) + s2 * (tab[row + 6] + tab[row + 7] * s));
}

/* The table, in a fixed order; *n receives its length. */
const cmc_dist_type *cmc_dist_types(size_t *n);
/* Row by name (exact match), NULL if none. */
const cmc_dist_type *cmc_dist_lookup(const char *name);

/*
 * Constructors. On success they return a new distribution. On a bad argument they
 * return NULL, set *bad to the index of the offending argument (0-based, in the
 * order written; for choice and mixture weights, the index of the entry), set
 * *bad_is_weight to 1 when the weight rather than the value is at fault, and write
 * a message such as "normal: sigma must be > 0 (got -0.1)" into msg. On allocation
 * failure they return NULL with *bad = -1 and msg "out of memory".
 * Every parameter must be finite.
 */
typedef struct cmc_dist_error {
    int bad;            /* argument index, -1 when not about one argument */
    int bad_is_weight;
    char msg[256];
} cmc_dist_error;

cmc_dist *cmc_dist_new(const cmc_dist_type *t, const double *p, int np,
                       cmc_dist_error *err);
/* weights may be NULL (equal weights); weights must be >= 0 with a positive sum. */
cmc_dist *cmc_dist_new_choice(const double *values, const double *weights, size_t n,
                              cmc_dist_error *err);
/* weights may be NULL (equal weights). */
cmc_dist *cmc_dist_new_mixture(cmc_dist **parts, const double *weights, size_t n,
                               cmc_dist_error *err);
/* lo < hi and the inner distribution must put positive probability on [lo, hi].
   Argument indices for errors: 0 inner, 1 lo, 2 hi. */
cmc_dist *cmc_dist_new_truncate(cmc_dist *inner, double lo, double hi,
                                cmc_dist_error *err);
void cmc_dist_free(cmc_dist *d);   /* NULL is harmless */

/* P(X <= x). */
double cmc_dist_cdf(const cmc_dist *d, double x);
/* Smallest x with P(X <= x) >= u, for u in [0, 1]; Q(0) and Q(1) are the ends of
   the support (possibly infinite); u outside [0, 1] gives NaN. */
double cmc_dist_quantile(const cmc_dist *d, double u);
/* The value `point` uses: the median; a choice's first value (DESIGN section 3);
   truncate(choice) its first value inside [lo, hi]. */
double cmc_dist_point(const cmc_dist *d);
double cmc_dist_mean(const cmc_dist *d);      /* NaN where it does not exist */
/* "triangular(1.1, 1.18, 1.4)", "20000 to 30000", "choice(240.6, 20)" with
   parameters in shortest round-trip form; mixtures and truncations nest. */
void cmc_dist_format(const cmc_dist *d, char *buf, size_t size);

/*
 * Block sampling (draw.c). out[0..n) receives samples i0 .. i0 + n - 1 of d for
 * the random input keyed by k; the result for sample i depends only on (k, i), never
 * on i0 or n, so any partition of the samples into blocks gives identical values.
 * scratch must hold CMC_DRAW_SCRATCH * n doubles; nothing is allocated.
 */
#define CMC_DRAW_SCRATCH 4
void cmc_dist_draw(const cmc_dist *d, const cmc_rng_key *k, uint64_t i0, size_t n,
                   double *out, double *scratch);
/* For the kinds sampled by inversion of one uniform (the closed-form quantiles,
   beta and pert when they have a table, truncations but of mixtures): x[i] <- the
   sample the sampler makes
   from the uniform x[i] in (0, 1). Returns 0, or -1 (x untouched) for other kinds.
   For tests. */
int cmc_dist_invert(const cmc_dist *d, double *x, size_t n);

/*
 * Sampling from given uniforms (draw.c), for the designs (design.h) and, later, a
 * copula: x[i] <- the sample of d from the uniform x[i] in (0, 1), one uniform per
 * sample, by inversion (the closed forms, the quantile tables, choice's sorted
 * levels; a mixture picks its component with u and inverts the component at u's
 * level within it; the rest exactly per sample). scratch holds CMC_DRAW_SCRATCH *
 * n doubles. Call cmc_dist_prepare_inversion once before, from one thread: it
 * builds the gamma's quantile table (about 50 ms), which plain Monte Carlo does
 * not need. Returns -1 if out of memory.
 */
void cmc_dist_from_uniform(const cmc_dist *d, double *x, size_t n, double *scratch);
int cmc_dist_prepare_inversion(cmc_dist *d);

#endif
