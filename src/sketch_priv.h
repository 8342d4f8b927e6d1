/*
 * sketch_priv.h: the layout of a cmc_sketch, shared by sketch.c (the bucket counts)
 * and zoom.c (what refines them). Internal.
 *
 * A bucket count is a uint32 whose top bit, FLAG, says "watched": a value that
 * lands in a watched bucket is also handed to cmc_zoom_count, which records it
 * exactly (an atom) or in a finer cell (a window). Counts therefore stay below
 * 2^31 between carries.
 */
#ifndef CMC_SKETCH_PRIV_H
#define CMC_SKETCH_PRIV_H

#include "stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PAGE (1u << CMC_SKETCH_BITS)
#define NPAGES 2048                      /* 11 exponent bits */
#define SHIFT (52 - CMC_SKETCH_BITS)
#define KEYS 256                         /* keys computed per pass of cmc_sketch_add */
#define FLAG 0x80000000u                 /* a watched bucket (zoom.c) */
#define COUNT_MAX 0x7fffffffu            /* counts since the last carry stay below */
#define MAG_MASK 0x7fffffffffffffffull   /* the magnitude bits of a double */
#define CMC_ZBUF (4 * KEYS)              /* values set aside before a flush (zoom.c) */

typedef struct page {
    uint32_t count[PAGE];   /* counts since the last carry, with FLAG; see bucket_count */
    uint64_t *carried;      /* NULL, or [PAGE] counts carried out of count[] */
} page;

/*
 * A window (zoom.c): cells of the magnitudes of one sign at key level L, the
 * value's magnitude bits shifted right by 52 - L (exponent and the top L mantissa
 * bits; the sketch's buckets are level CMC_SKETCH_BITS), so a cell nests in one
 * bucket and spans a relative width of at most 2^-L. Cells klo .. klo + ncells - 1.
 * Only an active window counts new values; an inactive one keeps what it counted.
 */
typedef struct cmc_agg {   /* values of magnitude bits in [mlo, mhi), within a bucket */
    uint64_t mlo, mhi, count;
} cmc_agg;

typedef struct cmc_window {
    int level, neg, active;
    int probe;              /* 0 for a percentile window, -1 for the histogram's */
    uint64_t klo, ncells;
    uint64_t below, above;  /* values in the window's first (last) bucket below
                               (above) it and in no window: see edge_ranges */
    cmc_agg *agg;           /* cells and edge counts folded when the layout changed
                               (in the sketch that has the counts) */
    size_t nagg;
    uint32_t *count;        /* [ncells]; NULL in all but one thread's sketch once
                               inactive (its counts were gathered into that one).
                               32 bits: a cell holds a small share of a window's
                               values (see histogram_window for the one bound) */
} cmc_window;

/* An active percentile window as cmc_zoom_count sees it; ranges are sign << 63 |
   magnitude bits. */
typedef struct cmc_active {
    uint64_t end;           /* the window is [start, end) */
    uint32_t *count;        /* its cells, the first at magnitude key klo */
    uint64_t klo;
    uint64_t *below, *above;   /* its edge counts */
    uint8_t shift;          /* 52 - level */
    uint8_t gs0, gs1;       /* 52 - the grain level at its start and at its end */
} cmc_active;

/* Pages are indexed by sign and exponent: pages[0 .. 2047] hold positive values,
   pages[2048 .. 4095] negative ones; the exponent 2047 (inf, NaN) is never used. */
struct cmc_sketch {
    uint64_t zeros;
    double min, max;                     /* exact extremes: ranks 1 and n */
    uint64_t pending;                    /* values counted since the last carry */
    page *pages[2 * NPAGES];
    /* zoom.c: the same layout (atoms, windows) in every thread's sketch of a quantity */
    int watching;                        /* some bucket is flagged */
    size_t natoms;
    double *atom;                        /* [natoms], increasing: values counted exactly */
    uint64_t *atom_count;
    size_t nwin;
    cmc_window *win;
    size_t nactive;                      /* active percentile windows (disjoint): */
    uint64_t *astart;                    /* their starts, increasing, and what the */
    struct cmc_active *act;              /* counting needs of each (zoom.c) */
    size_t nhist, *hidx;                 /* active histogram windows (may overlap) */
    size_t nz;                           /* values in flagged buckets, set aside by the */
    double *zbuf;                        /* [CMC_ZBUF], counting loop until
                                            cmc_sketch_flush; allocated with the
                                            first flag (cmc_sketch_reflag) */
    double *exact;                       /* every counted value, sorted (small runs) */
    uint64_t nexact;
};

/* The count of bucket k of page p. */
static inline uint64_t bucket_count(const page *p, unsigned k)
{
    return (p->count[k] & ~FLAG) + (p->carried ? p->carried[k] : 0);
}

/* One bucket in increasing order of value: its sign, binade and index, its value
   range [lo, hi] (clipped to the sketch's exact min and max) and its count. The
   zero bucket has e = -1 and lo = hi = 0. */
typedef struct cmc_bucket {
    int neg, e;
    unsigned k;
    double lo, hi;
    uint64_t count;
} cmc_bucket;

/* Visit the non-empty buckets in increasing order of value; stop when fn returns
   nonzero. */
void cmc_sketch_walk(const cmc_sketch *s, int (*fn)(const cmc_bucket *b, void *ctx), void *ctx);

/* ---- shared by zoom.c and quantile.c ---- */

static inline uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static inline double double_of(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* The cell of magnitude bits m in window w, or -1. */
static inline int64_t cell_of(const cmc_window *w, uint64_t m)
{
    uint64_t k = (m >> (52 - w->level)) - w->klo;
    return k < w->ncells ? (int64_t)k : -1;
}

/* The start and end of window w, as sign << 63 | magnitude bits. */
static inline uint64_t win_start(const cmc_window *w)
{
    return ((uint64_t)w->neg << 63) | (w->klo << (52 - w->level));
}

static inline uint64_t win_end(const cmc_window *w)
{
    return ((uint64_t)w->neg << 63) | ((w->klo + w->ncells) << (52 - w->level));
}

static inline uint64_t clamp_rank(double k, uint64_t n)
{
    if (!(k >= 1))
        return 1;
    if (k >= (double)n)
        return n;
    return (uint64_t)k;
}

/* The first index i in a[0 .. n) (increasing) with a[i] >= v, or n. */
static inline size_t lower_bound_f64(const double *a, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first index i in a[0 .. n) (increasing) with a[i] >= v, or n. */
static inline size_t lower_bound_u64(const uint64_t *a, size_t n, uint64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* zoom.c: where the edge counts of active percentile window q lie (zoom.c). */
void cmc_zoom_edge_ranges(const cmc_sketch *s, size_t q, uint64_t r[4]);
/* quantile.c: the brackets [a, b] that certainly hold the order statistics of the
   given ranks (any order, each in [1, count]) and estimates inside them; a or b may
   be NULL. -1: no memory. */
int cmc_sketch_brackets(const cmc_sketch *s, const uint64_t *rank, size_t n, double *est,
                        double *a, double *b);

/* zoom.c: a value that landed in a flagged bucket; all those set aside in zbuf. */
void cmc_zoom_count(cmc_sketch *s, double x);
void cmc_zoom_flush(cmc_sketch *s);
/* zoom.c: merge b's atoms and windows into a's (the same layout, or none yet). */
int cmc_zoom_merge(cmc_sketch *a, const cmc_sketch *b);
void cmc_zoom_free(cmc_sketch *s);
/* sketch.c: clear every FLAG, then flag the buckets that atoms and active windows
   cover. Returns -1 if a page could not be allocated. */
int cmc_sketch_reflag(cmc_sketch *s);

#endif
