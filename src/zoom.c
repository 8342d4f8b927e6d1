/*
 * zoom.c: refining a sketch where its buckets are too coarse for the percentiles
 * asked of it, so that they are exact or known to well below their Monte Carlo
 * error at any sample count (quantile.c reads the result).
 *
 * The sketch's buckets (sketch.c) are 2^-13 wide relative to their value. At large
 * N the Monte Carlo error of a percentile is far narrower than that, and a narrow
 * law far from zero (normal(1e6, 1)) fits in one or two buckets. So a sketch is
 * refined by three things, laid out identically in every thread's sketch of a
 * quantity and counted with integers, so that any thread count gives the same bits:
 *
 * - exact values: the sampler keeps the first CMC_ZOOM_PILOT values (the pilot); a
 *   sketch that holds them all answers with the order statistics themselves;
 * - atoms: values that occur more than once among the pilot's (a choice, a
 *   mixture's point mass, a clamp's bound) are counted exactly from then on;
 * - windows: at every checkpoint (after 2^k blocks, from the pilot on), for every
 *   percentile p the merged state gives where the order statistics of ranks
 *   n p -+ (ZOOM_REACH sqrt(n p (1 - p)) + 2) lie, and the percentile's standard
 *   error s_n (the slope of the estimates around n p). Where buckets are wider than
 *   s_n / ZOOM_K, a window of cells at most s_n / (1.5 ZOOM_K) wide covers that
 *   range, 5% to spare on each side, and counts every later value that lands in it.
 *   A window stays while its cells are at most s_n / ZOOM_K and its range at most
 *   1.5 times the one wanted; otherwise a new one replaces it (merged with any it
 *   overlaps: active windows are disjoint) and the old one keeps its counts,
 *   trimmed to the cells the present ranges overlap. Narrow laws also get a window
 *   over their whole pilot range, cells a sixteenth of a histogram bin.
 *
 * A window's cells are keys at a finer level of the same bit pattern as the buckets
 * (sketch_priv.h), so they nest in buckets. A value in a watched bucket but in no
 * window is counted at the edge of the window beside it (its `below` or `above`),
 * so that it is not spread over the window's part of the bucket.
 *
 * Why the brackets (quantile.c) end up narrow: the values counted while n samples
 * had been drawn sit in cells of about s_n / ZOOM_K, and shift a bracket at N by
 * about (s_n / ZOOM_K)(n / N) = (s_N / ZOOM_K) sqrt(n / N); summed over the
 * doublings of n that is about 3.4 s_N / ZOOM_K. tests/test_zoom.c measures the
 * brackets against the standard error (at most a tenth of it).
 */
#include "sketch_priv.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ZOOM_K 40        /* cells at most s_n / ZOOM_K wide while in use */
#define ZOOM_REACH 3.0   /* the range: ranks n p -+ ZOOM_REACH sqrt(n p (1 - p)) */
#define ZOOM_REACH_FINAL 4.0   /* in the last plan, which no later one corrects */
#define MAX_ATOMS 256
#define MAX_CELLS 8192
/* the last plan's: its ranges are those at n >= N / 256 samples with cells for N,
   about 530 sqrt(N / n) <= 8,500 cells for a smooth law, more where the quantile
   function curves (beta(0.2, 0.2) near 1) */
#define MAX_CELLS_FINAL 32768

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
    free(s->zbuf);
    s->zbuf = NULL;
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

/* The counter that value x (in a flagged bucket) adds to, as an address: an atom's
   or a window's edge count (uint64_t), a cell of a window (uint32_t, tagged by the
   address's lowest bit), or none (0). */
#define CELL_TAG ((uintptr_t)1)

static inline uintptr_t counter_of(const cmc_sketch *s, double x)
{
    if (s->natoms) {   /* atoms increase */
        size_t lo = lower_bound_f64(s->atom, s->natoms, x);
        if (lo < s->natoms && s->atom[lo] == x)
            return (uintptr_t)&s->atom_count[lo];
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
            return (uintptr_t)&a->count[(m >> a->shift) - a->klo] | CELL_TAG;
    }
    /* beside a window, in the same grain (edge_ranges): counted at the window's edge,
       so that it is not spread over the window's part of the grain */
    if (s->nactive) {
        size_t next = v < s->astart[0] ? 0 : lo + 1;
        const cmc_active *a = &s->act[lo];
        if (v >= s->astart[lo] && v >> a->gs1 == (a->end - 1) >> a->gs1)
            return (uintptr_t)a->above;
        if (next < s->nactive && v >> s->act[next].gs0 == s->astart[next] >> s->act[next].gs0)
            return (uintptr_t)s->act[next].below;
    }
    int neg = (int)(b >> 63);
    for (size_t i = 0; i < s->nhist; i++) {
        cmc_window *w = &s->win[s->hidx[i]];
        int64_t c;
        if (w->neg == neg && (c = cell_of(w, m)) >= 0)
            return (uintptr_t)&w->count[c] | CELL_TAG;
    }
    return 0;
}

static inline void bump(uintptr_t c)
{
    if (c & CELL_TAG)
        (*(uint32_t *)(c & ~CELL_TAG))++;
    else if (c)
        (*(uint64_t *)c)++;
}

void cmc_zoom_count(cmc_sketch *s, double x)
{
    bump(counter_of(s, x));
}

/*
 * The values the counting loop set aside (s->zbuf): their counters first, with a
 * prefetch each, then the increments. The counters are scattered over the windows'
 * cells, so one at a time each waits for a cache miss; this way the misses overlap.
 */
void cmc_zoom_flush(cmc_sketch *s)
{
    uintptr_t c[CMC_ZBUF];
    size_t n = s->nz;
    for (size_t i = 0; i < n; i++) {
        c[i] = counter_of(s, s->zbuf[i]);
        __builtin_prefetch((const void *)(c[i] & ~CELL_TAG), 1);
    }
    for (size_t i = 0; i < n; i++)
        bump(c[i]);
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
void cmc_zoom_edge_ranges(const cmc_sketch *s, size_t q, uint64_t r[4])
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
    if (!(v[s->nwin].count = calloc(w->ncells ? w->ncells : 1, sizeof(uint32_t))))
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
        if (!a->win[i].count && !(a->win[i].count = calloc(b->win[i].ncells, sizeof(uint32_t))))
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

/* ---- planning at a checkpoint ------------------------------------------------------- */

/* A window of sign neg over magnitudes [mlo, mhi] with cells at most w wide, at
   most MAX_CELLS of them (coarser if the range would need more). */
static cmc_window make_window(int neg, double mlo, double mhi, double w, int probe,
                              uint64_t max_cells)
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
        if (win.ncells <= max_cells || win.level == CMC_SKETCH_BITS + 1)
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
                       const cmc_zoom_spec *z, want *out)
{
    /* the last plan (z->final): no later one corrects it, so its range reaches
       further, and its cells are sized for the standard error at the end of the run,
       s_N = s_n sqrt(n / N) */
    const double reach = z->final ? ZOOM_REACH_FINAL : ZOOM_REACH;
    const double shrink = z->final && z->samples > n ? sqrt((double)n / (double)z->samples) : 1;
    enum { R = 5 };   /* ranks per percentile: the range's ends, centre -+ one sd, centre */
    uint64_t *k = malloc(R * (np ? np : 1) * sizeof *k);
    double *e = malloc(3 * R * (np ? np : 1) * sizeof *e);
    size_t m = 0;
    if (!k || !e)
        goto out;
    for (size_t i = 0; i < np; i++) {
        double sd = sqrt((double)n * p[i] * (1 - p[i])), h = reach * sd + 2;
        double c = (double)n * p[i];
        uint64_t *ki = k + R * i;
        ki[0] = clamp_rank(floor(c - h), n);
        ki[1] = clamp_rank(floor(c - sd - 1), n);
        ki[2] = clamp_rank(ceil(c), n);
        ki[3] = clamp_rank(ceil(c + sd + 1), n);
        ki[4] = clamp_rank(ceil(c + h), n);
    }
    if (cmc_sketch_brackets(snap, k, R * np, e, e + R * np, e + 2 * R * np) < 0)
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
        double w = slope * sd / ZOOM_K * shrink;
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
                            size_t nbins, uint64_t samples)
{
    /* a cell is a sixteenth of a bin: it may hold a few thousandths of the values, so
       its 32-bit count is safe below 2^40 samples; longer runs do without */
    if (samples >= (uint64_t)1 << 40)
        return 0;
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
        cmc_window win = make_window(neg, mlo, mhi, w, -1, MAX_CELLS);
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
        cmc_zoom_edge_ranges(s0, q, r);
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
static int plan_windows(cmc_sketch *const *sk, size_t nsk, const want *wt, size_t nw,
                        uint64_t max_cells)
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
            cmc_window win = make_window(u.neg, u.mlo, u.mhi, u.w, 0, max_cells);
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
            uint32_t *c = realloc(w->count, keep * sizeof *c);
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
    if (pilot && (find_atoms(sk, nsk, snap) < 0 || histogram_window(sk, nsk, snap, z->nbins, z->samples) < 0))
        return -1;
    want *wt = malloc((2 * z->np + 1) * sizeof *wt);
    if (!wt)
        return -1;
    size_t nw = 0;
    nw = wants_of(snap, z->p, z->np, n, z, wt);
    int rc = fold_edges(sk, nsk);
    if (rc == 0)
        rc = plan_windows(sk, nsk, wt, nw, z->final ? MAX_CELLS_FINAL : MAX_CELLS);
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

