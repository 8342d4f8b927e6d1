/*
 * zoom.c: percentiles, their intervals and histograms from a sketch, exact or
 * within a resolution well below their Monte Carlo error at any sample count.
 *
 * The sketch's buckets (sketch.c) are 2^-13 wide relative to their value. At large
 * N the Monte Carlo error of a percentile becomes far narrower than that, and a
 * narrow law far from zero (normal(1e6, 1)) fits in one or two buckets. So a
 * sketch is refined, where it matters, by three things, all laid out identically
 * in every thread's sketch of a quantity and counted with integers, so that any
 * thread count gives the same bits:
 *
 * - exact values: while a run is short (the first CMC_ZOOM_PILOT samples, the
 *   "pilot") the sampler keeps every value, and a sketch that holds them all
 *   answers every percentile with the order statistic itself;
 * - atoms: values that occur more than once among the pilot's (a choice, a
 *   mixture's point mass, a clamp's bound) are counted exactly from then on, so a
 *   percentile that falls on one reports that value;
 * - windows: at every checkpoint (after 2^k blocks, from the pilot on), for every
 *   requested percentile p the current state gives where the order statistics of
 *   ranks n p -+ 6 sqrt(n p (1 - p)) lie (a range that contains the final
 *   estimate and both ends of its interval, with a margin, at any later N) and the
 *   standard error s_n of the percentile. If the buckets there are wider than
 *   s_n / ZOOM_K, a window of cells of at most half that width covers the range
 *   (with a quarter of its width to spare on each side), and counts every later
 *   value that lands in it. A window stays in use while its cells are at most
 *   s_n / ZOOM_K wide and it covers the range; otherwise a finer one replaces it
 *   and it stops counting but keeps its counts. The pilot's values are counted
 *   into the first windows and atoms exactly. Narrow laws also get a window over
 *   their whole pilot range, fine enough for the histogram's bins.
 *
 * A counted value is thus known exactly (pilot, atom), to a cell, or only to its
 * bucket (values counted before a window covered it). For a rank k the answer is a
 * bracket [a, b] that certainly holds x_(k) (a: the smallest value at which the
 * values that may lie at or below it reach k; b: the smallest at which the values
 * that surely do), and an estimate inside it, with every piece (cell, bucket
 * remainder) spread evenly over its range and atoms at their value. The reported
 * interval of a percentile runs from the lower bracket of its lower rank to the
 * upper bracket of its upper rank, so it contains the exact order-statistic
 * interval: the sketch can widen it, never narrow it. The brackets are narrow
 * because most values are counted finely: the values counted in cells of width
 * s_n / ZOOM_K while n samples had been drawn shift a bracket by about
 * (s_n / ZOOM_K) (n / N), and summed over the doublings of n that is about
 * 3.4 s_N / ZOOM_K (tests/test_stats.c measures the brackets against the standard
 * error). A window's cells are keys at a finer level of the same bit pattern as
 * the buckets (sketch_priv.h), so they nest in buckets, and a histogram edge can
 * be moved onto a cell or bucket boundary so that every bin's count is a sum of
 * whole pieces.
 */
#include "sketch_priv.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ZOOM_K 40        /* cells at most s_n / ZOOM_K wide while in use */
#define ZOOM_REACH 3.5   /* the range: ranks n p -+ ZOOM_REACH sqrt(n p (1 - p)) */
#define MAX_ATOMS 256
#define MAX_CELLS 8192

/* ---- layout: atoms and windows ---------------------------------------------------- */

void cmc_zoom_free(cmc_sketch *s)
{
    for (size_t i = 0; i < s->nwin; i++) {
        free(s->win[i].count);
        free(s->win[i].agg);
    }
    free(s->win);
    free(s->astart);
    free(s->act);
    free(s->hidx);
    free(s->atom);
    free(s->atom_count);
    free(s->exact);
    s->win = NULL;
    s->astart = NULL;
    s->act = NULL;
    s->hidx = NULL;
    s->atom = NULL;
    s->atom_count = NULL;
    s->exact = NULL;
    s->nwin = s->nactive = s->nhist = s->natoms = 0;
    s->nexact = 0;
}

static uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static double double_of(uint64_t b)
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

/* The counter that value x (in a flagged bucket) adds to: an atom's, a cell of a
   window, a window's edge count, or none (NULL). */
static inline uint64_t *counter_of(const cmc_sketch *s, double x)
{
    if (s->natoms) {   /* binary search: atoms increase */
        size_t lo = 0, hi = s->natoms;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (s->atom[mid] < x)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < s->natoms && s->atom[lo] == x)
            return &s->atom_count[lo];
    }
    uint64_t b = bits_of(x), v = b, m = b & MAG_MASK;
    size_t lo = 0;
    if (s->nactive) {
        /* the last window starting at or below v: a binary search without branches
           (the comparisons are coin flips, and a mispredicted branch costs more) */
        const uint64_t *st = s->astart;
        size_t len = s->nactive;
        while (len > 1) {
            size_t half = len / 2;
            lo = st[lo + half] <= v ? lo + half : lo;
            len -= half;
        }
        const cmc_active *a = &s->act[lo];
        if (v >= st[lo] && v < a->end)
            return &a->count[(m >> a->shift) - a->klo];
    }
    /* beside a window, in the same grain (edge_ranges): counted at the window's edge,
       so that it is not spread over the window's part of the grain */
    if (s->nactive) {
        size_t next = v < s->astart[0] ? 0 : lo + 1;
        const cmc_active *a = &s->act[lo];
        if (v >= s->astart[lo] && v >> a->gs1 == (a->end - 1) >> a->gs1)
            return a->above;
        if (next < s->nactive && v >> s->act[next].gs0 == s->astart[next] >> s->act[next].gs0)
            return s->act[next].below;
    }
    int neg = (int)(b >> 63);
    for (size_t i = 0; i < s->nhist; i++) {
        cmc_window *w = &s->win[s->hidx[i]];
        int64_t c;
        if (w->neg == neg && (c = cell_of(w, m)) >= 0)
            return &w->count[c];
    }
    return NULL;
}

void cmc_zoom_count(cmc_sketch *s, double x)
{
    uint64_t *c = counter_of(s, x);
    if (c)
        (*c)++;
}

/*
 * The values the counting loop set aside (s->zbuf): their counters first, with a
 * prefetch each, then the increments. The counters are scattered over the windows'
 * cells, so one at a time each waits for a cache miss; this way the misses overlap.
 */
void cmc_zoom_flush(cmc_sketch *s)
{
    uint64_t *c[CMC_ZBUF];
    size_t n = s->nz;
    for (size_t i = 0; i < n; i++) {
        c[i] = counter_of(s, s->zbuf[i]);
        if (c[i])
            __builtin_prefetch(c[i], 1);
    }
    for (size_t i = 0; i < n; i++)
        if (c[i])
            (*c[i])++;
    s->nz = 0;
}

/* The capacity an array of n elements has when grown by doubling: the next power
   of two (arrays that grow one element at a time realloc only at powers of two). */
static size_t cap_of(size_t n)
{
    size_t c = 1;
    while (c < n)
        c *= 2;
    return c;
}

/* The width of a cell at level L in the binade of magnitude m. */
static double cell_width(int level, double m)
{
    int e;
    frexp(m, &e);
    return ldexp(1.0, e - 1 - level);
}

/* The start and end of window w, as sign << 63 | magnitude bits. */
static uint64_t win_start(const cmc_window *w)
{
    return ((uint64_t)w->neg << 63) | (w->klo << (52 - w->level));
}

static uint64_t win_end(const cmc_window *w)
{
    return ((uint64_t)w->neg << 63) | ((w->klo + w->ncells) << (52 - w->level));
}

/* 52 - the level of the grain at key k (sign << 63 | magnitude bits): the finest
   active histogram window's cells there, or the buckets. */
static int grain_shift(const cmc_sketch *s, uint64_t k)
{
    int level = CMC_SKETCH_BITS;
    for (size_t i = 0; i < s->nwin; i++) {
        const cmc_window *w = &s->win[i];
        if (w->active && w->probe < 0 && w->level > level && (int)(k >> 63) == w->neg &&
            cell_of(w, k & MAG_MASK) >= 0)
            level = w->level;
    }
    return 52 - level;
}

/*
 * Where the edge counts of active percentile window q lie, as [lo, hi) in sign << 63
 * | magnitude bits. The grain of a point is the histogram window's cell that holds
 * it, or else its bucket: `below` runs from the start of the grain of the window's
 * start to the window, `above` from the window to the end of the grain of its last
 * value, or to the next window if that starts first (cmc_zoom_count counts a value
 * between two windows in one grain as the first's `above`).
 */
static void edge_ranges(const cmc_sketch *s, size_t q, uint64_t r[4])
{
    const cmc_window *w = &s->win[q];
    uint64_t st = win_start(w), en = win_end(w), next = UINT64_MAX;
    for (size_t i = 0; i < s->nwin; i++) {
        const cmc_window *o = &s->win[i];
        if (i != q && o->active && o->probe >= 0 && o->ncells && win_start(o) >= en &&
            win_start(o) < next)
            next = win_start(o);
    }
    int s0 = grain_shift(s, st), s1 = grain_shift(s, en - 1);
    uint64_t gend = (((en - 1) >> s1) + 1) << s1;
    r[0] = (st >> s0) << s0;
    r[1] = st;
    r[2] = en;
    r[3] = next < gend ? next : gend;
}

/* The lookup arrays of the active windows: percentile windows by start (they are
   disjoint), histogram windows apart. */
static int reorder(cmc_sketch *s)
{
    size_t cap = s->nwin ? s->nwin : 1;
    uint64_t *st = realloc(s->astart, cap * sizeof *st);
    if (st)
        s->astart = st;
    cmc_active *ac = realloc(s->act, cap * sizeof *ac);
    if (ac)
        s->act = ac;
    size_t *hi = realloc(s->hidx, cap * sizeof *hi);
    if (hi)
        s->hidx = hi;
    if (!st || !ac || !hi)
        return -1;
    s->nactive = s->nhist = 0;
    for (size_t i = 0; i < s->nwin; i++) {
        cmc_window *w = &s->win[i];
        if (!w->active)
            continue;
        if (w->probe < 0) {
            hi[s->nhist++] = i;
            continue;
        }
        size_t j = s->nactive++;   /* insertion by start */
        for (; j > 0 && st[j - 1] > win_start(w); j--) {
            st[j] = st[j - 1];
            ac[j] = ac[j - 1];
        }
        st[j] = win_start(w);
        ac[j] = (cmc_active){win_end(w), w->count, w->klo, &w->below, &w->above,
                             (uint8_t)(52 - w->level), (uint8_t)grain_shift(s, win_start(w)),
                             (uint8_t)grain_shift(s, win_end(w) - 1)};
    }
    return 0;
}

static int add_window(cmc_sketch *s, const cmc_window *w)
{
    cmc_window *v = s->win;
    if (cap_of(s->nwin + 1) > cap_of(s->nwin) || !v) {
        v = realloc(s->win, cap_of(s->nwin + 1) * sizeof *v);
        if (!v)
            return -1;
        s->win = v;
    }
    v[s->nwin] = *w;
    v[s->nwin].agg = NULL;
    v[s->nwin].nagg = 0;
    v[s->nwin].below = v[s->nwin].above = 0;
    if (!(v[s->nwin].count = calloc(w->ncells ? w->ncells : 1, sizeof(uint64_t))))
        return -1;
    s->nwin++;
    return 0;
}

static int set_atoms(cmc_sketch *s, const double *atom, size_t n)
{
    free(s->atom);
    free(s->atom_count);
    s->atom = malloc((n ? n : 1) * sizeof *s->atom);
    s->atom_count = calloc(n ? n : 1, sizeof *s->atom_count);
    if (!s->atom || !s->atom_count)
        return -1;
    memcpy(s->atom, atom, n * sizeof *atom);
    s->natoms = n;
    return 0;
}

int cmc_zoom_merge(cmc_sketch *a, const cmc_sketch *b)
{
    if (b->natoms) {
        if (!a->natoms && set_atoms(a, b->atom, b->natoms) < 0)
            return -1;
        for (size_t i = 0; i < b->natoms && i < a->natoms; i++)
            a->atom_count[i] += b->atom_count[i];
    }
    for (size_t i = 0; i < b->nwin; i++) {
        if (i >= a->nwin && add_window(a, &b->win[i]) < 0)
            return -1;
        a->win[i].active = b->win[i].active;
        a->win[i].below += b->win[i].below;
        a->win[i].above += b->win[i].above;
        if (b->win[i].nagg) {
            cmc_window *w = &a->win[i];
            cmc_agg *g = realloc(w->agg, cap_of(w->nagg + b->win[i].nagg) * sizeof *g);
            if (!g)
                return -1;
            memcpy(g + w->nagg, b->win[i].agg, b->win[i].nagg * sizeof *g);
            w->agg = g;
            w->nagg += b->win[i].nagg;
        }
        if (!b->win[i].count)
            continue;
        if (!a->win[i].count && !(a->win[i].count = calloc(b->win[i].ncells, sizeof(uint64_t))))
            return -1;
        for (uint64_t c = 0; c < b->win[i].ncells; c++)
            a->win[i].count[c] += b->win[i].count[c];
    }
    return 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int cmc_sketch_set_exact(cmc_sketch *s, const double *x, size_t n)
{
    free(s->exact);
    s->exact = malloc((n ? n : 1) * sizeof *s->exact);
    if (!s->exact)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) <= DBL_MAX)
            s->exact[m++] = x[i] + 0.0;   /* -0 as +0, as the sketch counts it */
    qsort(s->exact, m, sizeof *s->exact, cmp_double);
    s->nexact = m;
    return 0;
}

/* ---- brackets and estimates of order statistics --------------------------------- */

typedef struct piece {
    double lo, hi;   /* lo == hi: a point */
    uint64_t c;
} piece;

typedef struct aggref {
    uint64_t key;   /* sign << 63 | mlo */
    const cmc_agg *g;
} aggref;

/* The pieces of one bucket at a time, and every window's aggregates sorted by
   where they start (built once per query: buckets are visited by the thousand). */
typedef struct pieces {
    piece *v;
    size_t n, cap;
    int failed;
    aggref *agg;
    size_t nagg;
    cmc_agg *edge;   /* the edge counts' aggregates that agg points into */
} pieces;

static int by_key(const void *x, const void *y)
{
    const aggref *a = x, *b = y;
    return (a->key > b->key) - (a->key < b->key);
}

/* Every window's aggregates, and the edge counts of the active ones as aggregates
   over their edge_ranges, sorted by where they start. */
static int index_aggs(const cmc_sketch *s, pieces *p)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nwin; i++)
        n += s->win[i].nagg + 2;
    p->nagg = 0;
    if (!n)
        return 0;
    if (!(p->agg = malloc(n * sizeof *p->agg)) || !(p->edge = malloc(n * sizeof *p->edge)))
        return -1;
    size_t ne = 0;
    for (size_t i = 0; i < s->nwin; i++) {
        const cmc_window *w = &s->win[i];
        for (size_t j = 0; j < w->nagg; j++)
            p->agg[p->nagg++] = (aggref){((uint64_t)w->neg << 63) | w->agg[j].mlo, &w->agg[j]};
        if (!w->active || w->probe < 0 || !(w->below || w->above))
            continue;
        uint64_t r[4], cnt[2] = {w->below, w->above};
        edge_ranges(s, i, r);
        for (int e = 0; e < 2; e++)
            if (cnt[e]) {
                p->edge[ne] = (cmc_agg){r[2 * e] & MAG_MASK, r[2 * e + 1] & MAG_MASK, cnt[e]};
                p->agg[p->nagg++] = (aggref){r[2 * e], &p->edge[ne++]};
            }
    }
    qsort(p->agg, p->nagg, sizeof *p->agg, by_key);
    return 0;
}

static void push(pieces *p, double lo, double hi, uint64_t c)
{
    if (!c)
        return;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        piece *v = realloc(p->v, cap * sizeof *v);
        if (!v) {
            p->failed = 1;
            return;
        }
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = (piece){lo, hi, c};
}

/* The values of magnitude range [mlo, mhi) (as bits) of sign neg, clipped to the
   sketch's extremes. */
static void mag_range(const cmc_sketch *s, int neg, uint64_t mlo, uint64_t mhi, double *lo,
                      double *hi)
{
    double a = double_of(mlo), b = double_of(mhi);
    *lo = neg ? -b : a;
    *hi = neg ? -a : b;
    *lo = *lo < s->min ? s->min : *lo;
    *hi = *hi > s->max ? s->max : *hi;
    if (*hi < *lo)
        *hi = *lo;
}

/* What bucket b holds: its atoms, the cells of every window in it, and the rest,
   spread over the whole bucket. */
static void gather(const cmc_sketch *s, const cmc_bucket *b, pieces *out)
{
    out->n = 0;
    if (b->e < 0) {
        push(out, 0.0, 0.0, b->count);
        return;
    }
    uint64_t rest = b->count, ck = ((uint64_t)b->e << CMC_SKETCH_BITS) | b->k;
    for (size_t i = 0; i < s->natoms; i++) {
        uint64_t ab = bits_of(s->atom[i]);
        if ((int)(ab >> 63) == b->neg && ((ab & MAG_MASK) >> SHIFT) == ck && s->atom[i] != 0) {
            uint64_t c = s->atom_count[i] < rest ? s->atom_count[i] : rest;
            push(out, s->atom[i], s->atom[i], c);
            rest -= c;
        }
    }
    for (size_t i = 0; i < s->nwin; i++) {
        const cmc_window *w = &s->win[i];
        if (w->neg != b->neg || !w->ncells)
            continue;
        int up = w->level - CMC_SKETCH_BITS;
        uint64_t c0 = ck << up, c1 = ((ck + 1) << up) - 1, whi = w->klo + w->ncells - 1;
        if (c1 < w->klo || c0 > whi)
            continue;
        c0 = c0 < w->klo ? w->klo : c0;
        c1 = c1 > whi ? whi : c1;
        for (uint64_t q = c0; q <= c1; q++) {
            uint64_t c = w->count ? w->count[q - w->klo] : 0;
            if (!c)
                continue;
            c = c < rest ? c : rest;
            double lo, hi;
            mag_range(s, b->neg, q << (52 - w->level), (q + 1) << (52 - w->level), &lo, &hi);
            push(out, lo, hi, c);
            rest -= c;
        }
    }
    uint64_t from = ((uint64_t)b->neg << 63) | (ck << SHIFT), to = from + (UINT64_C(1) << SHIFT);
    size_t lo = 0, hi = out->nagg;   /* the first aggregate at or after the bucket */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (out->agg[mid].key < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < out->nagg && out->agg[lo].key < to; lo++) {
        const cmc_agg *g = out->agg[lo].g;
        uint64_t c = g->count < rest ? g->count : rest;
        double vlo, vhi;
        mag_range(s, b->neg, g->mlo, g->mhi, &vlo, &vhi);
        push(out, vlo, vhi, c);
        rest -= c;
    }
    push(out, b->lo, b->hi, rest);
}

static int by_lo(const void *x, const void *y)
{
    const piece *a = x, *b = y;
    return (a->lo > b->lo) - (a->lo < b->lo);
}

static int by_hi(const void *x, const void *y)
{
    const piece *a = x, *b = y;
    return (a->hi > b->hi) - (a->hi < b->hi);
}

typedef struct event {
    double at, slope;
    uint64_t jump;
} event;

static int by_at(const void *x, const void *y)
{
    const event *a = x, *b = y;
    return (a->at > b->at) - (a->at < b->at);
}

/*
 * The brackets [a, b] and the estimates of the r[0] <= r[1] <= ... <= r[nr - 1]-th
 * smallest of the values in the pieces (each 1 <= r <= their count): one sort of
 * the pieces by lower end, one by upper end, one sweep. The estimate solves
 * M(y) = r - 1/2 for the cumulative count M with every piece spread evenly over its
 * range (an atom jumps), by a sweep over the pieces' ends.
 */
static void locate(pieces *p, const uint64_t *r, size_t nr, double *a, double *b,
                   double *est)
{
    uint64_t cum = 0;
    size_t j = 0;
    qsort(p->v, p->n, sizeof *p->v, by_hi);
    for (size_t i = 0; i < p->n && j < nr; i++)
        for (cum += p->v[i].c; j < nr && cum >= r[j]; j++)
            b[j] = p->v[i].hi;
    for (; j < nr; j++)
        b[j] = p->v[p->n - 1].hi;
    qsort(p->v, p->n, sizeof *p->v, by_lo);
    cum = 0;
    j = 0;
    for (size_t i = 0; i < p->n && j < nr; i++)
        for (cum += p->v[i].c; j < nr && cum >= r[j]; j++)
            a[j] = p->v[i].lo;
    for (; j < nr; j++)
        a[j] = p->v[p->n - 1].lo;
    for (j = 0; j < nr; j++)
        est[j] = 0.5 * (a[j] + b[j]);
    event *ev = malloc(2 * p->n * sizeof *ev);
    if (ev) {
        size_t ne = 0;
        for (size_t i = 0; i < p->n; i++) {
            const piece *q = &p->v[i];
            if (q->hi > q->lo) {
                double sl = (double)q->c / (q->hi - q->lo);
                ev[ne++] = (event){q->lo, sl, 0};
                ev[ne++] = (event){q->hi, -sl, 0};
            } else {
                ev[ne++] = (event){q->lo, 0, q->c};
            }
        }
        qsort(ev, ne, sizeof *ev, by_at);
        double m = 0, slope = 0, at = ev[0].at;
        j = 0;
        for (size_t i = 0; i < ne && j < nr; i++) {
            if (ev[i].at > at) {
                double next = m + slope * (ev[i].at - at);
                for (; j < nr && slope > 0 && next >= (double)r[j] - 0.5; j++)
                    est[j] = at + ((double)r[j] - 0.5 - m) / slope;
                m = next;
                at = ev[i].at;
            }
            m += (double)ev[i].jump;
            slope += ev[i].slope;
            for (; j < nr && ev[i].jump && m >= (double)r[j] - 0.5; j++)
                est[j] = at;
        }
        free(ev);
    }
    for (j = 0; j < nr; j++)
        est[j] = est[j] < a[j] ? a[j] : est[j] > b[j] ? b[j] : est[j];
}

typedef struct rank_ctx {
    const cmc_sketch *s;
    const uint64_t *rank;   /* increasing */
    uint64_t *local;        /* the ranks within the present bucket */
    size_t n, next;
    uint64_t seen;
    double *est, *a, *b;
    pieces p;
} rank_ctx;

static int rank_fn(const cmc_bucket *bk, void *ctx)
{
    rank_ctx *r = ctx;
    if (r->rank[r->next] > r->seen + bk->count) {
        r->seen += bk->count;
        return 0;
    }
    gather(r->s, bk, &r->p);
    size_t first = r->next;
    while (r->next < r->n && r->rank[r->next] <= r->seen + bk->count)
        r->local[r->next - first] = r->rank[r->next] - r->seen, r->next++;
    size_t m = r->next - first;
    if (r->p.failed || r->p.n == 0) {
        for (size_t i = first; i < r->next; i++) {
            r->a[i] = bk->lo;
            r->b[i] = bk->hi;
            r->est[i] = 0.5 * (bk->lo + bk->hi);
        }
    } else {
        locate(&r->p, r->local, m, r->a + first, r->b + first, r->est + first);
    }
    r->seen += bk->count;
    return r->next == r->n;
}

/* Brackets and estimates of the order statistics of the given ranks (increasing,
   each in [1, count]). */
static void brackets(const cmc_sketch *s, const uint64_t *rank, size_t n, double *est,
                     double *a, double *b)
{
    for (size_t i = 0; i < n; i++)
        est[i] = a[i] = b[i] = NAN;
    if (n == 0)
        return;
    if (s->exact && s->nexact == cmc_sketch_count(s)) {
        for (size_t i = 0; i < n; i++)
            est[i] = a[i] = b[i] = s->exact[rank[i] - 1];
        return;
    }
    rank_ctx r = {s, rank, malloc(n * sizeof(uint64_t)), n, 0, 0, est, a, b, {0}};
    r.p.failed = index_aggs(s, &r.p) < 0 || !r.local;
    cmc_sketch_walk(s, rank_fn, &r);
    free(r.p.v);
    free(r.p.agg);
    free(r.p.edge);
    free(r.local);
    uint64_t total = r.seen;
    for (size_t i = 0; i < n; i++) {   /* ranks 1 and N are the exact extremes */
        if (rank[i] <= 1)
            est[i] = a[i] = b[i] = s->min;
        else if (rank[i] >= total && total)
            est[i] = a[i] = b[i] = s->max;
    }
}

typedef struct ranked {
    uint64_t rank;
    size_t at;
} ranked;

static int by_rank(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    return (a->rank > b->rank) - (a->rank < b->rank);
}

/* brackets() for ranks in any order. */
static int brackets_any(const cmc_sketch *s, const uint64_t *rank, size_t n, double *est,
                        double *a, double *b)
{
    ranked *r = malloc((n ? n : 1) * sizeof *r);
    uint64_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
    double *v = malloc(3 * (n ? n : 1) * sizeof *v);
    if (!r || !sorted || !v) {
        free(r);
        free(sorted);
        free(v);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked){rank[i], i};
    qsort(r, n, sizeof *r, by_rank);
    for (size_t i = 0; i < n; i++)
        sorted[i] = r[i].rank;
    brackets(s, sorted, n, v, v + n, v + 2 * n);
    for (size_t i = 0; i < n; i++) {
        est[r[i].at] = v[i];
        if (a)
            a[r[i].at] = v[n + i];
        if (b)
            b[r[i].at] = v[2 * n + i];
    }
    free(r);
    free(sorted);
    free(v);
    return 0;
}

void cmc_sketch_ranks(const cmc_sketch *s, const uint64_t *ranks, size_t n, double *out)
{
    if (brackets_any(s, ranks, n, out, NULL, NULL) < 0)
        for (size_t i = 0; i < n; i++)
            out[i] = NAN;
}

static uint64_t clamp_rank(double k, uint64_t n)
{
    if (!(k >= 1))
        return 1;
    if (k >= (double)n)
        return n;
    return (uint64_t)k;
}

/* The ranks of percentile p's value and interval among n. */
static void percentile_ranks(double p, uint64_t n, uint64_t k[3])
{
    double np_ = (double)n * p;
    double half = 1.959963984540054 * sqrt(np_ * (1 - p));
    k[0] = clamp_rank(floor(np_ - half), n);
    k[1] = clamp_rank(ceil(np_), n);
    k[2] = clamp_rank(ceil(np_ + half), n);
}

void cmc_sketch_percentiles_res(const cmc_sketch *s, const double *p, size_t np, double *value,
                                double *ci_low, double *ci_high, double *resolution)
{
    uint64_t n = cmc_sketch_count(s);
    uint64_t *k = malloc(3 * (np ? np : 1) * sizeof *k);
    double *e = malloc(9 * (np ? np : 1) * sizeof *e);
    size_t m = 0;
    for (size_t i = 0; k && e && i < np; i++)
        if (n && p[i] >= 0 && p[i] <= 1)
            percentile_ranks(p[i], n, k + 3 * m++);
    if (!k || !e || brackets_any(s, k, 3 * m, e, e + 3 * m, e + 6 * m) < 0)
        m = 0, n = 0;
    const double *est = e, *a = e + 3 * m, *b = e + 6 * m;
    for (size_t i = 0, j = 0; i < np; i++) {
        if (!n || !(p[i] >= 0 && p[i] <= 1)) {
            value[i] = ci_low[i] = ci_high[i] = NAN;
            if (resolution)
                resolution[i] = NAN;
            continue;
        }
        ci_low[i] = a[3 * j];
        value[i] = est[3 * j + 1];
        ci_high[i] = b[3 * j + 2];
        if (resolution)
            resolution[i] = b[3 * j + 1] - a[3 * j + 1];
        j++;
    }
    free(k);
    free(e);
}

void cmc_sketch_percentiles(const cmc_sketch *s, const double *p, size_t np, double *value,
                            double *ci_low, double *ci_high)
{
    cmc_sketch_percentiles_res(s, p, np, value, ci_low, ci_high, NULL);
}

/* ---- planning at a checkpoint ------------------------------------------------------- */

/* A window of sign neg over magnitudes [mlo, mhi] with cells at most w wide, at
   most MAX_CELLS of them (coarser if the range would need more). */
static cmc_window make_window(int neg, double mlo, double mhi, double w, int probe)
{
    int e;
    frexp(mhi, &e);   /* mhi in [2^(e-1), 2^e) */
    int level = (int)ceil((double)(e - 1) - log2(w));
    level = level < CMC_SKETCH_BITS + 1 ? CMC_SKETCH_BITS + 1 : level > 52 ? 52 : level;
    cmc_window win = {.level = level, .neg = neg, .active = 1, .probe = probe};
    for (;;) {
        uint64_t klo = (bits_of(mlo) & MAG_MASK) >> (52 - win.level);
        uint64_t khi = (bits_of(mhi) & MAG_MASK) >> (52 - win.level);
        win.klo = klo;
        win.ncells = khi - klo + 1;
        if (win.ncells <= MAX_CELLS || win.level == CMC_SKETCH_BITS + 1)
            return win;
        win.level--;
    }
}

/* Does active window w cover magnitudes [mlo, mhi] of sign neg with cells at most
   w wide, and not more than 1.5 times as wide a range (so that windows narrow as
   the ranges do)? */
static int serves(const cmc_window *win, int neg, double mlo, double mhi, double w)
{
    if (!win->active || win->neg != neg || !win->ncells)
        return 0;
    double span = double_of(win_end(win) & MAG_MASK) - double_of(win_start(win) & MAG_MASK);
    return cell_of(win, bits_of(mlo) & MAG_MASK) >= 0 &&
           cell_of(win, bits_of(mhi) & MAG_MASK) >= 0 && cell_width(win->level, mhi) <= w &&
           span <= 1.5 * (mhi - mlo);
}

typedef struct want {
    int neg;
    double mlo, mhi, w;   /* magnitudes to cover, cell width wanted */
} want;

/*
 * The windows the percentiles p[0 .. np) want at n samples (at most 2 np: one per
 * sign), from one pass over the merged sketch: for each p, the brackets of the
 * ranks n p -+ (ZOOM_REACH sqrt(n p (1 - p)) + 2) give the range, and the spread of
 * the estimates across it the standard error s_n; cells of s_n / ZOOM_K.
 */
static size_t wants_of(const cmc_sketch *snap, const double *p, size_t np, uint64_t n,
                       want *out)
{
    enum { R = 5 };   /* ranks per percentile: the range's ends, centre -+ one sd, centre */
    uint64_t *k = malloc(R * (np ? np : 1) * sizeof *k);
    double *e = malloc(3 * R * (np ? np : 1) * sizeof *e);
    size_t m = 0;
    if (!k || !e)
        goto out;
    for (size_t i = 0; i < np; i++) {
        double sd = sqrt((double)n * p[i] * (1 - p[i])), h = ZOOM_REACH * sd + 2;
        double c = (double)n * p[i];
        uint64_t *ki = k + R * i;
        ki[0] = clamp_rank(floor(c - h), n);
        ki[1] = clamp_rank(floor(c - sd - 1), n);
        ki[2] = clamp_rank(ceil(c), n);
        ki[3] = clamp_rank(ceil(c + sd + 1), n);
        ki[4] = clamp_rank(ceil(c + h), n);
    }
    if (brackets_any(snap, k, R * np, e, e + R * np, e + 2 * R * np) < 0)
        goto out;
    for (size_t i = 0; i < np; i++) {
        const uint64_t *ki = k + R * i;
        const double *est = e + R * i, *a = e + R * np + R * i, *b = e + 2 * R * np + R * i;
        if (!(est[4] > est[0]))
            continue;   /* an atom or a constant: exact already */
        /* the standard error of the percentile: the slope of the estimates around the
           centre, on the side where it is flatter (so cells are never too coarse;
           the extreme ranks are left out: the last order statistics spread far) */
        double sd = sqrt((double)n * p[i] * (1 - p[i])), slope = INFINITY;
        if (ki[2] > ki[1] && est[2] > est[1])
            slope = (est[2] - est[1]) / (double)(ki[2] - ki[1]);
        if (ki[3] > ki[2] && est[3] > est[2] && (est[3] - est[2]) / (double)(ki[3] - ki[2]) < slope)
            slope = (est[3] - est[2]) / (double)(ki[3] - ki[2]);
        if (!isfinite(slope))
            slope = (est[4] - est[0]) / (double)(ki[4] - ki[0]);
        double w = slope * sd / ZOOM_K;
        if (!(w > 0))
            continue;
        double lo = a[0], hi = b[4], z = ldexp(w, CMC_SKETCH_BITS);   /* below z buckets are finer */
        want c[2];
        size_t nc = 0;
        if (hi > z)
            c[nc++] = (want){0, lo > z ? lo : z, hi, w};
        if (lo < -z)
            c[nc++] = (want){1, hi < -z ? -hi : z, -lo, w};
        for (size_t j = 0; j < nc; j++)   /* buckets fine enough already: no window */
            if (cell_width(CMC_SKETCH_BITS, c[j].mhi) > w)
                out[m++] = c[j];
    }
out:
    free(k);
    free(e);
    return m;
}

static int apply_all(cmc_sketch *const *sk, size_t nsk, const cmc_window *w)
{
    for (size_t t = 0; t < nsk; t++)
        if (add_window(sk[t], w) < 0)
            return -1;
    return 0;
}

/* Atoms: values repeated among the exact ones (at most MAX_ATOMS, the most
   frequent), unless there is only one value. */
static int find_atoms(cmc_sketch *const *sk, size_t nsk, const cmc_sketch *snap)
{
    const double *x = snap->exact;
    size_t n = (size_t)snap->nexact, na = 0;
    if (n < 2 || x[0] == x[n - 1])
        return 0;
    double *atom = malloc(n * sizeof *atom);
    size_t *cnt = malloc(n * sizeof *cnt);
    if (!atom || !cnt) {
        free(atom);
        free(cnt);
        return -1;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && x[j] == x[i])
            j++;
        if (j - i >= 2 && x[i] != 0) {
            atom[na] = x[i];
            cnt[na++] = j - i;
        }
        i = j;
    }
    while (na > MAX_ATOMS) {   /* drop the rarest (the last of the rarest) */
        size_t r = 0;
        for (size_t i = 1; i < na; i++)
            if (cnt[i] <= cnt[r])
                r = i;
        memmove(atom + r, atom + r + 1, (na - r - 1) * sizeof *atom);
        memmove(cnt + r, cnt + r + 1, (na - r - 1) * sizeof *cnt);
        na--;
    }
    int rc = 0;
    for (size_t t = 0; t < nsk && rc == 0 && na; t++)
        rc = set_atoms(sk[t], atom, na);
    free(atom);
    free(cnt);
    return rc;
}

/* A narrow law's histogram window: over the exact values' range and half of it
   again on each side, cells a sixteenth of a bin, when buckets are wider than a
   quarter of a bin. */
static int histogram_window(cmc_sketch *const *sk, size_t nsk, const cmc_sketch *snap,
                            size_t nbins)
{
    const double *x = snap->exact;
    size_t n = (size_t)snap->nexact;
    if (n < 2 || !nbins || !(x[n - 1] > x[0]))
        return 0;
    double span = x[n - 1] - x[0], w = span / (double)nbins / 16;
    double lo = x[0] - span / 2, hi = x[n - 1] + span / 2;
    for (int neg = 0; neg < 2; neg++) {
        double mlo = neg ? (hi < 0 ? -hi : 0) : (lo > 0 ? lo : 0);
        double mhi = neg ? -lo : hi;
        if (!(mhi > 0) || (neg && lo >= 0))
            continue;
        mlo = mlo > DBL_MIN ? mlo : DBL_MIN;
        if (cell_width(CMC_SKETCH_BITS, mhi) <= 4 * w)
            continue;   /* buckets a quarter of a bin or narrower: spreading is fine */
        cmc_window win = make_window(neg, mlo, mhi, w, -1);
        if (apply_all(sk, nsk, &win) < 0)
            return -1;
    }
    return 0;
}

typedef struct span {
    int neg;
    double mlo, mhi, w;   /* magnitudes, cell width wanted */
    int win;              /* an active window that serves it, or -1 (a new want) */
} span;

static int by_span(const void *x, const void *y)
{
    const span *a = x, *b = y;
    if (a->neg != b->neg)
        return a->neg - b->neg;
    return (a->mlo > b->mlo) - (a->mlo < b->mlo);
}

/* Add the values of magnitude bits [mlo, mhi) (within one bucket) to w's
   aggregates: into one of that bucket with the same range or one that it continues
   (their union is then exactly where both sets of values lie), else as a new one.
   Successive trims of a window continue each other, and edge counts of a window
   that stayed have the same range, so aggregates stay few. */
static int add_agg(cmc_window *w, uint64_t mlo, uint64_t mhi, uint64_t n)
{
    for (size_t i = 0; i < w->nagg; i++) {
        cmc_agg *g = &w->agg[i];
        if (g->mlo >> SHIFT == mlo >> SHIFT &&
            (g->mhi == mlo || mhi == g->mlo || (g->mlo == mlo && g->mhi == mhi))) {
            g->mlo = g->mlo < mlo ? g->mlo : mlo;
            g->mhi = g->mhi > mhi ? g->mhi : mhi;
            g->count += n;
            return 0;
        }
    }
    cmc_agg *g = w->agg;
    if (cap_of(w->nagg + 1) > cap_of(w->nagg) || !g) {
        if (!(g = realloc(w->agg, cap_of(w->nagg + 1) * sizeof *g)))
            return -1;
        w->agg = g;
    }
    g[w->nagg++] = (cmc_agg){mlo, mhi, n};
    return 0;
}

/* Every active window's edge counts, summed over the threads, into aggregates of
   sk[0]'s copy with their ranges under the present layout (which is about to
   change). */
static int fold_edges(cmc_sketch *const *sk, size_t nsk)
{
    cmc_sketch *s0 = sk[0];
    for (size_t q = 0; q < s0->nwin; q++) {
        cmc_window *w = &s0->win[q];
        if (!w->active || w->probe < 0)
            continue;
        uint64_t cnt[2] = {0, 0}, r[4];
        for (size_t t = 0; t < nsk; t++) {
            cnt[0] += sk[t]->win[q].below;
            cnt[1] += sk[t]->win[q].above;
            sk[t]->win[q].below = sk[t]->win[q].above = 0;
        }
        edge_ranges(s0, q, r);
        for (int e = 0; e < 2; e++)
            if (cnt[e] && add_agg(w, r[2 * e] & MAG_MASK, r[2 * e + 1] & MAG_MASK, cnt[e]) < 0)
                return -1;
    }
    return 0;
}

/* Stop window q counting: its counts gathered into sk[0]'s copy, the others freed. */
static void retire(cmc_sketch *const *sk, size_t nsk, size_t q)
{
    for (size_t t = 0; t < nsk; t++)
        sk[t]->win[q].active = 0;
    cmc_window *w0 = &sk[0]->win[q];
    for (size_t t = 1; t < nsk && w0->count; t++) {
        cmc_window *w = &sk[t]->win[q];
        for (uint64_t c = 0; w->count && c < w->ncells; c++)
            w0->count[c] += w->count[c];
        free(w->count);
        w->count = NULL;
    }
}

/*
 * The percentile windows from the wants of this checkpoint. A want that an active
 * window serves keeps it; the others, with 5% of their range to spare on each
 * side, are merged with every want and active window they overlap (of the same
 * sign) into one new window over the union, with the finest cells any of them
 * wants; the windows so absorbed, and those no want needs, retire. Active windows
 * stay disjoint, so a value is in at most one (cmc_zoom_count). Cost: O(W log W)
 * for W wants and windows.
 */
static int plan_windows(cmc_sketch *const *sk, size_t nsk, const want *wt, size_t nw)
{
    const cmc_sketch *lay = sk[0];
    size_t nold = lay->nwin, ns = 0;
    span *sp = malloc((nw + nold + 1) * sizeof *sp);
    int *keep = calloc(nold + 1, sizeof *keep);
    if (!sp || !keep) {
        free(sp);
        free(keep);
        return -1;
    }
    for (size_t i = 0; i < nw; i++) {
        int found = -1;
        for (size_t q = 0; q < nold && found < 0; q++)
            if (lay->win[q].probe >= 0 && serves(&lay->win[q], wt[i].neg, wt[i].mlo, wt[i].mhi, wt[i].w))
                found = (int)q;
        if (found >= 0) {
            keep[found] = 1;
            continue;
        }
        double pad = (wt[i].mhi - wt[i].mlo) / 20, mlo = wt[i].mlo - pad;
        sp[ns++] = (span){wt[i].neg, mlo > DBL_MIN ? mlo : DBL_MIN, wt[i].mhi + pad,
                          wt[i].w / 1.5, -1};
    }
    for (size_t q = 0; q < nold; q++)
        if (keep[q]) {
            const cmc_window *w = &lay->win[q];
            double mhi = double_of(win_end(w) & MAG_MASK);
            sp[ns++] = (span){w->neg, double_of(win_start(w) & MAG_MASK), mhi,
                              cell_width(w->level, mhi), (int)q};
        }
    qsort(sp, ns, sizeof *sp, by_span);
    int rc = 0;
    for (size_t i = 0; i < ns && rc == 0;) {
        span u = sp[i];
        int fresh = u.win < 0;
        size_t j = i + 1;
        for (; j < ns && sp[j].neg == u.neg && sp[j].mlo < u.mhi; j++) {
            u.mhi = sp[j].mhi > u.mhi ? sp[j].mhi : u.mhi;
            u.w = sp[j].w < u.w ? sp[j].w : u.w;
            fresh |= sp[j].win < 0;
        }
        if (fresh) {
            for (size_t q = i; q < j; q++)
                if (sp[q].win >= 0)
                    keep[sp[q].win] = 0;
            cmc_window win = make_window(u.neg, u.mlo, u.mhi, u.w, 0);
            rc = apply_all(sk, nsk, &win);
        }
        i = j;
    }
    for (size_t q = 0; q < nold; q++)
        if (lay->win[q].active && lay->win[q].probe >= 0 && !keep[q])
            retire(sk, nsk, q);
    free(sp);
    free(keep);
    return rc;
}

/* Does a want of sign neg reach into bucket ck? */
static int wanted_bucket(const want *wt, size_t nw, int neg, uint64_t ck)
{
    for (size_t i = 0; i < nw; i++)
        if (wt[i].neg == neg && ck >= (bits_of(wt[i].mlo) & MAG_MASK) >> SHIFT &&
            ck <= (bits_of(wt[i].mhi) & MAG_MASK) >> SHIFT)
            return 1;
    return 0;
}

/* Fold cells [c0, c1] of window w (indices into its cells) into one aggregate per
   bucket that a want reaches into; cells in other buckets are dropped: their values
   are then known to their bucket only, which no percentile the wants cover lies in. */
static int fold(cmc_window *w, uint64_t c0, uint64_t c1, const want *wt, size_t nw)
{
    int up = w->level - CMC_SKETCH_BITS, sh = 52 - w->level;
    for (uint64_t c = c0; c <= c1 && c0 <= c1;) {
        uint64_t key = w->klo + c, ck = key >> up, n = 0, first = c;
        for (; c <= c1 && ((w->klo + c) >> up) == ck; c++)
            n += w->count[c];
        if (n && wanted_bucket(wt, nw, w->neg, ck) &&
            add_agg(w, (w->klo + first) << sh, (w->klo + c) << sh, n) < 0)
            return -1;
    }
    return 0;
}

/*
 * Retired windows shrink to the cells that the current wants overlap: the others in
 * buckets a want reaches into are folded into one aggregate per bucket and side,
 * which lies outside every range a percentile may still fall in, so a bracket
 * there loses nothing; cells in other buckets are dropped. A retired window of n' samples then
 * keeps about sqrt(n' / n) of a new one's cells, and memory stays flat as n grows.
 */
static int trim(cmc_sketch *const *sk, size_t nsk, const want *wt, size_t nw)
{
    cmc_window *w0 = sk[0]->win;
    for (size_t q = 0; q < sk[0]->nwin; q++) {
        cmc_window *w = &w0[q];
        if (w->active || w->probe < 0 || !w->ncells || !w->count)
            continue;
        uint64_t kmin = UINT64_MAX, kmax = 0;   /* cells the wants overlap */
        for (size_t i = 0; i < nw; i++) {
            if (wt[i].neg != w->neg)
                continue;
            uint64_t a = (bits_of(wt[i].mlo) & MAG_MASK) >> (52 - w->level);
            uint64_t b = (bits_of(wt[i].mhi) & MAG_MASK) >> (52 - w->level);
            if (b < w->klo || a > w->klo + w->ncells - 1)
                continue;
            a = a < w->klo ? 0 : a - w->klo;
            b = b - w->klo > w->ncells - 1 ? w->ncells - 1 : b - w->klo;
            kmin = a < kmin ? a : kmin;
            kmax = b > kmax ? b : kmax;
        }
        if (kmin == 0 && kmax == w->ncells - 1)
            continue;
        if (kmin == UINT64_MAX) {   /* no want overlaps it */
            if (fold(w, 0, w->ncells - 1, wt, nw) < 0)
                return -1;
            kmin = 1;
            kmax = 0;
        } else if ((kmin && fold(w, 0, kmin - 1, wt, nw) < 0) ||
                   (kmax + 1 < w->ncells && fold(w, kmax + 1, w->ncells - 1, wt, nw) < 0)) {
            return -1;
        }
        uint64_t keep = kmax >= kmin ? kmax - kmin + 1 : 0;
        if (keep) {
            memmove(w->count, w->count + kmin, keep * sizeof *w->count);
            uint64_t *c = realloc(w->count, keep * sizeof *c);
            w->count = c ? c : w->count;
        } else {
            free(w->count);
            w->count = NULL;
        }
        uint64_t klo = w->klo + (keep ? kmin : 0);
        for (size_t t = 0; t < nsk; t++) {
            sk[t]->win[q].klo = klo;
            sk[t]->win[q].ncells = keep;
        }
    }
    return 0;
}

int cmc_sketch_zoom(cmc_sketch *const *sk, size_t nsk, const cmc_sketch *snap,
                    const cmc_zoom_spec *z)
{
    uint64_t n = cmc_sketch_count(snap);
    if (n < 2 || !(snap->max > snap->min) || !nsk)
        return 0;
    int pilot = snap->exact && snap->nexact == n;   /* the first zoom: from exact values */
    if (pilot && (find_atoms(sk, nsk, snap) < 0 || histogram_window(sk, nsk, snap, z->nbins) < 0))
        return -1;
    want *wt = malloc((2 * z->np + 1) * sizeof *wt);
    if (!wt)
        return -1;
    size_t nw = 0;
    nw = wants_of(snap, z->p, z->np, n, wt);
    int rc = fold_edges(sk, nsk);
    if (rc == 0)
        rc = plan_windows(sk, nsk, wt, nw);
    if (rc == 0)
        rc = trim(sk, nsk, wt, nw);
    free(wt);
    for (size_t t = 0; t < nsk && rc == 0; t++)
        rc = reorder(sk[t]);
    if (rc < 0)
        return -1;
    if (pilot)   /* the pilot's values into the new atoms and windows, once */
        for (uint64_t i = 0; i < n; i++)
            cmc_zoom_count(sk[0], snap->exact[i]);
    for (size_t t = 0; t < nsk; t++)
        if (cmc_sketch_reflag(sk[t]) < 0)
            return -1;
    return 0;
}

/* ---- histograms ----------------------------------------------------------------- */

/* The finest level of any window that holds magnitude bits m of sign neg, or the
   buckets' level. */
static int level_at(const cmc_sketch *s, int neg, uint64_t m)
{
    int level = CMC_SKETCH_BITS;
    for (size_t i = 0; i < s->nwin; i++)
        if (s->win[i].neg == neg && s->win[i].level > level && cell_of(&s->win[i], m) >= 0)
            level = s->win[i].level;
    return level;
}

/* x moved onto the nearest boundary of the finest cells or buckets there (dir < 0:
   the one below, dir > 0: above), unless that moves it by more than `limit`. */
static double snap_edge(const cmc_sketch *s, double x, int dir, double limit)
{
    if (x == 0 || !isfinite(x))
        return x;
    uint64_t b = bits_of(x), m = b & MAG_MASK;
    int neg = (int)(b >> 63), sh = 52 - level_at(s, neg, m);
    uint64_t down = (m >> sh) << sh, up = down + ((uint64_t)1 << sh);
    double lo = double_of(down), hi = double_of(up);
    if (neg) {
        double t = lo;
        lo = -hi;
        hi = -t;
    }
    double y = dir < 0 ? lo : dir > 0 ? hi : (x - lo <= hi - x ? lo : hi);
    if (down == m)
        y = x;   /* already on a boundary */
    return fabs(y - x) <= limit ? y : x;
}

typedef struct hist_ctx {
    const cmc_sketch *s;
    const double *edges;
    size_t nbins;
    uint64_t *counts, under, over;
    pieces p;
} hist_ctx;

/* The bin of x: -1 below the first edge, nbins above the last (the last bin holds
   its upper edge). */
static ptrdiff_t bin_of(const hist_ctx *h, double x)
{
    if (x < h->edges[0])
        return -1;
    if (x > h->edges[h->nbins])
        return (ptrdiff_t)h->nbins;
    size_t lo = 0, hi = h->nbins;   /* the last edge <= x */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (h->edges[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return (ptrdiff_t)lo;
}

static void add_bin(hist_ctx *h, ptrdiff_t i, uint64_t c)
{
    if (i < 0)
        h->under += c;
    else if (i >= (ptrdiff_t)h->nbins)
        h->over += c;
    else
        h->counts[i] += c;
}

/* c values spread evenly over [lo, hi]: each bin it overlaps gets its share,
   rounded so that the running sum of shares is the rounded running sum of the
   exact shares (integers that add up to c). */
static void spread(hist_ctx *h, double lo, double hi, uint64_t c)
{
    ptrdiff_t i = bin_of(h, lo), last = bin_of(h, hi);
    if (i == last || !(hi > lo)) {
        add_bin(h, i, c);
        return;
    }
    uint64_t given = 0;
    for (; i <= last; i++) {
        double cut = i < 0 ? h->edges[0] : i >= (ptrdiff_t)h->nbins ? hi : h->edges[i + 1];
        cut = cut > hi ? hi : cut;
        uint64_t upto = i == last ? c : (uint64_t)llround((double)c * ((cut - lo) / (hi - lo)));
        upto = upto > c ? c : upto < given ? given : upto;
        add_bin(h, i, upto - given);
        given = upto;
    }
}

static int hist_fn(const cmc_bucket *b, void *ctx)
{
    hist_ctx *h = ctx;
    gather(h->s, b, &h->p);
    if (h->p.failed) {
        spread(h, b->lo, b->hi, b->count);
        h->p.failed = 0;
        return 0;
    }
    for (size_t i = 0; i < h->p.n; i++)
        spread(h, h->p.v[i].lo, h->p.v[i].hi, h->p.v[i].c);
    return 0;
}

void cmc_sketch_histogram(const cmc_sketch *s, double lo, double hi, size_t nbins,
                          int logbins, double *edges, uint64_t *counts,
                          uint64_t *underflow, uint64_t *overflow)
{
    if (logbins && !(lo > 0))
        logbins = 0;
    for (size_t b = 0; b < nbins; b++)
        counts[b] = 0;
    for (size_t b = 0; b <= nbins; b++) {
        double t = (double)b / (double)nbins;
        edges[b] = logbins ? exp(log(lo) + t * (log(hi) - log(lo))) : lo + t * (hi - lo);
    }
    edges[0] = lo;
    edges[nbins] = hi;
    int exact = s->exact && s->nexact == cmc_sketch_count(s);
    if (!exact)   /* edges onto cell or bucket boundaries, by at most 1% of a bin */
        for (size_t b = 0; b <= nbins; b++) {
            double wl = b ? edges[b] - edges[b - 1] : edges[1] - edges[0];
            double wr = b < nbins ? edges[b + 1] - edges[b] : wl;
            double limit = 0.01 * (wl < wr ? wl : wr);
            double y = snap_edge(s, edges[b], b == 0 ? -1 : b == nbins ? 1 : 0, limit);
            if ((b == 0 || y > edges[b - 1]) && (b == nbins || y < edges[b + 1]))
                edges[b] = y;
        }
    hist_ctx h = {s, edges, nbins, counts, 0, 0, {0}};
    h.p.failed = index_aggs(s, &h.p) < 0;
    if (exact) {
        for (uint64_t i = 0; i < s->nexact; i++)
            add_bin(&h, bin_of(&h, s->exact[i]), 1);
    } else {
        cmc_sketch_walk(s, hist_fn, &h);
    }
    free(h.p.v);
    free(h.p.agg);
    free(h.p.edge);
    *underflow = h.under;
    *overflow = h.over;
}
