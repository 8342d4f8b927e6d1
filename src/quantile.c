/*
 * quantile.c: what is read from a sketch and its refinements (zoom.c): brackets
 * that certainly hold order statistics and estimates inside them, percentiles with
 * their intervals, histograms.
 *
 * A bucket's count is split into pieces: its atoms (points), the cells of every
 * window in it, the aggregates that trimmed cells and edge counts were folded into,
 * and the rest, spread over the whole bucket. For a rank k the bracket [a, b] holds
 * x_(k) whatever the values inside each piece are: a is the smallest value at which
 * the values that may lie at or below it reach k, b the smallest at which the values
 * that surely do. The estimate spreads every piece's count evenly over its range
 * (an atom is a point) and solves for the rank. Percentile p's value is the estimate
 * of rank ceil(Np) and its interval runs from the lower bracket of rank
 * Np - 1.96 sqrt(Np(1-p)) to the upper bracket of Np + 1.96 sqrt(Np(1-p)), so it
 * contains the exact order-statistic interval. A sketch that holds all its values
 * exactly (a short run: zoom.c's pilot) answers with the order statistics.
 */
#include "sketch_priv.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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
    /* the windows with cells, by start (sign << 63 | magnitude bits): their ranges,
       indices, and the largest end among the first i, so that a bucket finds the few
       windows that reach into it without visiting all */
    uint64_t *wstart, *wend, *wmaxend;
    size_t *widx, nw;
} pieces;

typedef struct wref {
    uint64_t start, end;
    size_t i;
} wref;

static int by_start(const void *x, const void *y)
{
    const wref *a = x, *b = y;
    return (a->start > b->start) - (a->start < b->start);
}

/* The window index of pieces (p->wstart ...). -1: no memory. */
static int index_windows(const cmc_sketch *s, pieces *p)
{
    size_t n = 0;
    wref *r = malloc((s->nwin ? s->nwin : 1) * sizeof *r);
    p->wstart = malloc((s->nwin ? s->nwin : 1) * sizeof *p->wstart);
    p->wend = malloc((s->nwin ? s->nwin : 1) * sizeof *p->wend);
    p->wmaxend = malloc((s->nwin ? s->nwin : 1) * sizeof *p->wmaxend);
    p->widx = malloc((s->nwin ? s->nwin : 1) * sizeof *p->widx);
    if (!r || !p->wstart || !p->wend || !p->wmaxend || !p->widx) {
        free(r);
        return -1;
    }
    for (size_t i = 0; i < s->nwin; i++)
        if (s->win[i].ncells && s->win[i].count)
            r[n++] = (wref){win_start(&s->win[i]), win_end(&s->win[i]), i};
    qsort(r, n, sizeof *r, by_start);
    for (size_t i = 0; i < n; i++) {
        p->wstart[i] = r[i].start;
        p->wend[i] = r[i].end;
        p->widx[i] = r[i].i;
        p->wmaxend[i] = i && p->wmaxend[i - 1] > r[i].end ? p->wmaxend[i - 1] : r[i].end;
    }
    p->nw = n;
    free(r);
    return 0;
}

static void free_pieces(pieces *p)
{
    free(p->v);
    free(p->agg);
    free(p->edge);
    free(p->wstart);
    free(p->wend);
    free(p->wmaxend);
    free(p->widx);
}

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
        cmc_zoom_edge_ranges(s, i, r);
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
    uint64_t from = ((uint64_t)b->neg << 63) | (ck << SHIFT), to = from + (UINT64_C(1) << SHIFT);
    /* the atoms from the bucket's low end on */
    for (size_t at = lower_bound_f64(s->atom, s->natoms, b->lo);
         at < s->natoms && s->atom[at] <= b->hi; at++) {
        uint64_t ab = bits_of(s->atom[at]);
        if ((int)(ab >> 63) == b->neg && ((ab & MAG_MASK) >> SHIFT) == ck && s->atom[at] != 0) {
            uint64_t c = s->atom_count[at] < rest ? s->atom_count[at] : rest;
            push(out, s->atom[at], s->atom[at], c);
            rest -= c;
        }
    }
    /* windows [0, j) start below the bucket's end; going back, stop where none of the
       earlier ones reaches into the bucket */
    size_t j = lower_bound_u64(out->wstart, out->nw, to);
    for (size_t k = j; k-- > 0 && out->wmaxend[k] > from;) {
        if (out->wend[k] <= from)
            continue;
        const cmc_window *w = &s->win[out->widx[k]];
        int up = w->level - CMC_SKETCH_BITS;
        uint64_t c0 = ck << up, c1 = ((ck + 1) << up) - 1, whi = w->klo + w->ncells - 1;
        c0 = c0 < w->klo ? w->klo : c0;
        c1 = c1 > whi ? whi : c1;
        for (uint64_t q = c0; q <= c1; q++) {
            uint64_t c = w->count[q - w->klo];
            if (!c)
                continue;
            c = c < rest ? c : rest;
            double lo, hi;
            mag_range(s, b->neg, q << (52 - w->level), (q + 1) << (52 - w->level), &lo, &hi);
            push(out, lo, hi, c);
            rest -= c;
        }
    }
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
    r.p.failed = index_aggs(s, &r.p) < 0 || index_windows(s, &r.p) < 0 || !r.local;
    cmc_sketch_walk(s, rank_fn, &r);
    free_pieces(&r.p);
    free(r.local);
    /* the walk stops at the bucket of the last rank asked for: r.seen is not N */
    uint64_t total = cmc_sketch_count(s);
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
int cmc_sketch_brackets(const cmc_sketch *s, const uint64_t *rank, size_t n, double *est,
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
    if (cmc_sketch_brackets(s, ranks, n, out, NULL, NULL) < 0)
        for (size_t i = 0; i < n; i++)
            out[i] = NAN;
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
    if (!k || !e || cmc_sketch_brackets(s, k, 3 * m, e, e + 3 * m, e + 6 * m) < 0)
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
static double snap_edge(const cmc_sketch *s, double x, int dir, double limit, int coarse)
{
    if (x == 0 || !isfinite(x))
        return x;
    uint64_t b = bits_of(x), m = b & MAG_MASK;
    int neg = (int)(b >> 63), sh = 52 - (coarse ? CMC_SKETCH_BITS : level_at(s, neg, m));
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
    /* edges onto cell or bucket boundaries, by at most 1% of a bin; the first and the
       last, which only widen the range, onto bucket boundaries by up to 5% of a bin
       (a density that piles up at an end, beta(0.5, 0.5)'s, is not spread then) */
    if (!exact)
        for (size_t b = 0; b <= nbins; b++) {
            double wl = b ? edges[b] - edges[b - 1] : edges[1] - edges[0];
            double wr = b < nbins ? edges[b + 1] - edges[b] : wl;
            double limit = 0.01 * (wl < wr ? wl : wr);
            int end = b == 0 || b == nbins;
            double y = end ? snap_edge(s, edges[b], b == 0 ? -1 : 1, 5 * limit, 1) : edges[b];
            if (y == edges[b])
                y = snap_edge(s, edges[b], b == 0 ? -1 : b == nbins ? 1 : 0, limit, 0);
            if ((b == 0 || y > edges[b - 1]) && (b == nbins || y < edges[b + 1]))
                edges[b] = y;
        }
    hist_ctx h = {s, edges, nbins, counts, 0, 0, {0}};
    h.p.failed = index_aggs(s, &h.p) < 0 || index_windows(s, &h.p) < 0;
    if (exact) {
        for (uint64_t i = 0; i < s->nexact; i++)
            add_bin(&h, bin_of(&h, s->exact[i]), 1);
    } else {
        cmc_sketch_walk(s, hist_fn, &h);
    }
    free_pieces(&h.p);
    *underflow = h.under;
    *overflow = h.over;
}
