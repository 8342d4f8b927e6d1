/*
 * run.c: cmc_run, from a compiled model to results (and an HDF5 file).
 *
 * It checks the options, opens the output file first (so an unwritable path fails
 * before minutes of sampling, and nothing is left behind: the writer works on a
 * temporary name), lets the sampler gather moments and sketches of every random
 * input and every output, and turns them into cmc_stat records: percentiles with
 * their order-statistic confidence intervals, and a plotting histogram re-binned
 * from the sketch over [P0.05%, P99.95%] (log-spaced when that range is positive
 * and spans more than a decade; what falls outside is counted as underflow and
 * overflow, not dropped).
 */
#include "h5.h"
#include "part.h"
#include "precision.h"
#include "sampler.h"
#include "copula.h"
#include "util.h"

#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const double default_percentiles[] = {0.005, 0.025, 0.05, 0.1, 0.25, 0.5,
                                              0.75, 0.9, 0.95, 0.975, 0.995};

typedef struct saver {
    cmc_h5 *h5;
    const int *dataset;     /* per target: its /samples index, or -1 (duplicate name) */
    size_t ntargets;
    cmc_diags *d;
} saver;

static int save_round(void *ctx, uint64_t first, size_t n, const double *x)
{
    saver *s = ctx;
    for (size_t t = 0; t < s->ntargets; t++)
        if (s->dataset[t] >= 0 &&
            cmc_h5_samples_write(s->h5, (size_t)s->dataset[t], first,
                                 x + t * CMC_ROUND * CMC_BLOCK, n, s->d) < 0)
            return 1;
    return 0;
}

/* The convergence records of the outputs, filled at the sampler's checkpoints. */
typedef struct conv_ctx {
    cmc_convergence *conv;   /* [noutputs] */
    size_t nin;              /* targets before the first output */
    /* the precision asked for (cmc_run_options.rel_tol, abs_tol; both 0: none) and
       the percentiles it covers; checked from min_samples on */
    double rel_tol, abs_tol;
    const double *p;
    size_t np;
    uint64_t min_samples;
    int designed;            /* lhs, qmc: intervals from replicates only */
} conv_ctx;

static int conv_alloc(cmc_convergence *c, size_t cap, cmc_arena *a)
{
    c->n = 0;
    if (!(c->samples = cmc_arena_alloc(a, cap * sizeof *c->samples)))
        return -1;
    for (int e = 0; e < CMC_CONV_NEST; e++)
        if (!(c->value[e] = cmc_arena_alloc(a, cap * sizeof(double))) ||
            !(c->ci_low[e] = cmc_arena_alloc(a, cap * sizeof(double))) ||
            !(c->ci_high[e] = cmc_arena_alloc(a, cap * sizeof(double))))
            return -1;
    return 0;
}

static void conv_record(cmc_convergence *c, uint64_t n, const cmc_target *t)
{
    static const double p[2] = {0.5, 0.95};
    const cmc_moments *m = &t->moments;
    double mean = m->n ? m->mean : NAN;
    double half = m->n >= 2 ? 1.959963984540054 * cmc_moments_std(m) / sqrt((double)m->n) : NAN;
    double v[2], lo[2], hi[2], se;
    cmc_sketch_percentiles(t->sketch, p, 2, v, lo, hi);
    if (t->replicates && cmc_rep_intervals(t, p, 2, v, lo, hi, &se) < 0)
        return;   /* a design's checkpoint before every replicate has a block */
    if (t->replicates)
        half = 1.959963984540054 * se;
    size_t i = c->n++;
    c->samples[i] = n;
    c->value[CMC_CONV_MEAN][i] = mean;
    c->ci_low[CMC_CONV_MEAN][i] = mean - half;
    c->ci_high[CMC_CONV_MEAN][i] = mean + half;
    for (int e = 0; e < 2; e++) {
        c->value[CMC_CONV_MEDIAN + e][i] = v[e];
        c->ci_low[CMC_CONV_MEDIAN + e][i] = lo[e];
        c->ci_high[CMC_CONV_MEDIAN + e][i] = hi[e];
    }
}

/* p[0 .. np) (increasing) and 0.5 and 0.95, increasing and without repeats, into
   out; returns how many. */
static size_t merge_probes(const double *p, size_t np, double *out)
{
    static const double conv_p[2] = {0.5, 0.95};
    size_t n = 0, i = 0, j = 0;
    while (i < np || j < 2) {
        double next = j >= 2 || (i < np && p[i] <= conv_p[j]) ? p[i++] : conv_p[j++];
        if (!n || next > out[n - 1])
            out[n++] = next;
    }
    return n;
}

/* The largest cmc_tol_ratio over the mean and the percentiles p of target t (of
   the outputs), and in *what which of them it is (-1: the mean, else its index).
   *what = -2 if t has no replicate intervals yet under a design. */
static double tol_worst(const conv_ctx *c, const cmc_target *t, int *what)
{
    size_t np = c->np;
    double *v = malloc(3 * (np ? np : 1) * sizeof *v), *lo = v + np, *hi = v + 2 * np;
    const cmc_moments *m = &t->moments;
    double se = m->n >= 2 ? cmc_moments_std(m) / sqrt((double)m->n) : NAN, worst;
    *what = -1;
    if (!v)
        return INFINITY;
    cmc_sketch_percentiles(t->sketch, c->p, np, v, lo, hi);
    if ((t->replicates || c->designed) && cmc_rep_intervals(t, c->p, np, v, lo, hi, &se) < 0) {
        free(v);
        *what = -2;
        return INFINITY;
    }
    double mean = m->n ? m->mean : NAN, h = 1.959963984540054 * se;
    worst = cmc_tol_ratio(mean, mean - h, mean + h, c->rel_tol, c->abs_tol);
    for (size_t i = 0; i < np; i++) {
        double r = cmc_tol_ratio(v[i], lo[i], hi[i], c->rel_tol, c->abs_tol);
        if (!(r <= worst))
            worst = r, *what = (int)i;
    }
    free(v);
    return worst;
}

static int on_checkpoint(void *ctx, uint64_t n, const cmc_target *snap)
{
    conv_ctx *c = ctx;
    size_t o;
    for (o = 0; c->conv[o].samples; o++)
        conv_record(&c->conv[o], n, &snap[c->nin + o]);
    if (!(c->rel_tol > 0 || c->abs_tol > 0) || n < c->min_samples)
        return 0;
    for (size_t i = 0; i < o; i++) {   /* stop when every output meets it */
        int what;
        if (!(tol_worst(c, &snap[c->nin + i], &what) <= 1))
            return 0;
    }
    return 1;
}

static int fill_stat(cmc_stat *st, const cmc_target *t, const double *p, size_t np,
                     size_t nbins, cmc_arena *a)
{
    const cmc_moments *m = &t->moments;
    st->count = m->n;
    st->nonfinite = m->nonfinite;
    st->mean = m->n ? m->mean : NAN;
    st->std = cmc_moments_std(m);
    st->mean_se = m->n >= 2 ? st->std / sqrt((double)m->n) : NAN;
    st->min = m->n ? m->min : NAN;
    st->max = m->n ? m->max : NAN;
    st->npercentiles = np;
    st->p = cmc_arena_alloc(a, np * sizeof(double));
    st->value = cmc_arena_alloc(a, np * sizeof(double));
    st->ci_low = cmc_arena_alloc(a, np * sizeof(double));
    st->ci_high = cmc_arena_alloc(a, np * sizeof(double));
    st->resolution = cmc_arena_alloc(a, np * sizeof(double));
    st->nbins = nbins;
    st->edges = cmc_arena_alloc(a, (nbins + 1) * sizeof(double));
    st->counts = cmc_arena_alloc(a, nbins * sizeof(uint64_t));
    if (!st->p || !st->value || !st->ci_low || !st->ci_high || !st->resolution || !st->edges ||
        !st->counts)
        return -1;
    memcpy(st->p, p, np * sizeof *p);
    cmc_sketch_percentiles_res(t->sketch, p, np, st->value, st->ci_low, st->ci_high,
                               st->resolution);
    if (t->replicates)   /* lhs, qmc: from the spread of the replicates */
        cmc_rep_intervals(t, p, np, st->value, st->ci_low, st->ci_high, &st->mean_se);

    double lo = NAN, hi = NAN;
    uint64_t n = cmc_sketch_count(t->sketch);
    if (n) {
        uint64_t r[2] = {(uint64_t)ceil(0.0005 * (double)n), (uint64_t)ceil(0.9995 * (double)n)};
        double v[2];
        r[0] = r[0] < 1 ? 1 : r[0];
        cmc_sketch_ranks(t->sketch, r, 2, v);
        lo = v[0];
        hi = v[1];
        if (!(hi > lo)) {   /* (nearly) constant: one value in the middle bin */
            double w = lo != 0 ? 0.5 * fabs(lo) : 0.5;
            lo -= w;
            hi += w;
        }
    } else {
        lo = 0;
        hi = 1;
    }
    st->log_bins = lo > 0 && hi / lo > 10;
    cmc_sketch_histogram(t->sketch, lo, hi, nbins, st->log_bins, st->edges, st->counts,
                         &st->underflow, &st->overflow);
    return 0;
}

/* ---- Variants ------------------------------------------------------------------ */

/* Where variant v's targets are: its outputs from `first`; unless v is the
   reference (m->reference, or -1 for base, the scenario as written), per output
   that the reference also has, three comparison targets from cmp[o] (difference,
   ratio, greater), -1 when the reference lacks it. */
typedef struct variant_layout {
    size_t first;
    int cmp[64];
} variant_layout;

/* Every variant's outputs first (a named reference may come after the variants
   compared with it), then the comparisons; base's outputs are targets nin + j. */
static int add_variant_targets(cmc_target *t, size_t *nt, const cmc_model *m,
                               variant_layout *lay)
{
    size_t nin = m->nq[CMC_RANDOM];
    for (size_t v = 0; v < m->nvariants; v++) {
        const cmc_model *vm = m->variants[v].m;
        size_t nout = vm->nq[CMC_OUTPUT];
        if (nout > 64)
            return -1;
        lay[v].first = *nt;
        for (size_t i = 0; i < nout; i++)
            t[(*nt)++] = (cmc_target){.op = CMC_T_SLOT, .model = (int)v + 1,
                                      .slot = vm->slot[CMC_OUTPUT][i]};
    }
    const cmc_model *ref = m->reference >= 0 ? m->variants[m->reference].m : m;
    size_t ref_first = m->reference >= 0 ? lay[m->reference].first : nin;
    for (size_t v = 0; v < m->nvariants; v++) {
        const cmc_model *vm = m->variants[v].m;
        for (size_t i = 0; i < vm->nq[CMC_OUTPUT]; i++) {
            lay[v].cmp[i] = -1;
            if ((int)v == m->reference)
                continue;
            for (size_t j = 0; j < ref->nq[CMC_OUTPUT]; j++) {
                if (strcmp(vm->q[CMC_OUTPUT][i].name, ref->q[CMC_OUTPUT][j].name))
                    continue;
                int a = (int)(lay[v].first + i), b = (int)(ref_first + j);
                lay[v].cmp[i] = (int)*nt;
                t[(*nt)++] = (cmc_target){.op = CMC_T_DIFF, .a = a, .b = b};
                t[(*nt)++] = (cmc_target){.op = CMC_T_RATIO, .a = a, .b = b};
                t[(*nt)++] = (cmc_target){.op = CMC_T_GREATER, .a = a, .b = b};
            }
        }
    }
    return 0;
}

/* r->sets: "NAME = EXPR" for every quantity --set defined (a distribution inside a
   --set expression, NAME.k, is part of NAME's text, not a line of its own). */
static int record_sets(cmc_results *r, const cmc_model *m, cmc_arena *a)
{
    size_t n = 0;
    for (int k = CMC_RANDOM; k < CMC_OUTPUT; k++)
        for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++) {
            const cmc_quantity *q = cmc_model_get(m, (cmc_qkind)k, i);
            n += q->from_set && !strchr(q->name, '.');
        }
    r->sets = cmc_arena_alloc(a, (n + 1) * sizeof *r->sets);
    if (!r->sets)
        return -1;
    r->nsets = 0;
    for (int k = CMC_RANDOM; k < CMC_OUTPUT; k++)
        for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++) {
            const cmc_quantity *q = cmc_model_get(m, (cmc_qkind)k, i);
            if (!q->from_set || strchr(q->name, '.'))
                continue;
            size_t len = strlen(q->name) + strlen(q->expression) + 4;
            char *t = cmc_arena_alloc(a, len);
            if (!t)
                return -1;
            snprintf(t, len, "%s = %s", q->name, q->expression);
            r->sets[r->nsets++] = t;
        }
    return 0;
}

static int describe_stat(cmc_stat *st, const cmc_quantity *q, const char *name, const char *unit,
                         const char *expression, cmc_arena *a)
{
    st->name = cmc_arena_strdup(a, name);
    st->description = cmc_arena_strdup(a, q->description);
    st->unit = cmc_arena_strdup(a, unit);
    st->expression = cmc_arena_strdup(a, expression);
    return st->name && st->description && st->unit && st->expression ? 0 : -1;
}

/* Wilson's score interval for k successes in n: the 95% interval of a proportion
   that stays inside [0, 1] and is not empty at k = 0 or n. */
static void wilson(double k, double n, double *lo, double *hi)
{
    const double z = 1.959963984540054;
    if (!(n > 0)) {
        *lo = *hi = NAN;
        return;
    }
    double ph = k / n, z2n = z * z / n;
    double c = (ph + z2n / 2) / (1 + z2n);
    double h = z * sqrt(ph * (1 - ph) / n + z2n / (4 * n)) / (1 + z2n);
    *lo = k <= 0 || c - h < 0 ? 0 : c - h;   /* exactly 0 and 1 at the ends, */
    *hi = k >= n || c + h > 1 ? 1 : c + h;   /* where rounding would miss them */
}

/* Which of the scenario's random inputs variant vm draws alike (same name and
   distribution text) and which it changes; its own new random inputs count as
   changed. */
static int shared_inputs(cmc_variant_result *vr, const cmc_model *m, const cmc_model *vm,
                         cmc_arena *a)
{
    size_t nb = m->nq[CMC_RANDOM], nvq = vm->nq[CMC_RANDOM];
    vr->shared = cmc_arena_alloc(a, (nb + 1) * sizeof *vr->shared);
    vr->changed = cmc_arena_alloc(a, (nb + nvq + 1) * sizeof *vr->changed);
    if (!vr->shared || !vr->changed)
        return -1;
    for (size_t i = 0; i < nb; i++) {
        const cmc_quantity *q = &m->q[CMC_RANDOM][i];
        int same = 0;
        for (size_t j = 0; j < nvq && !same; j++)
            same = !strcmp(q->name, vm->q[CMC_RANDOM][j].name) &&
                   !strcmp(q->expression, vm->q[CMC_RANDOM][j].expression) &&
                   cmc_copula_same_draws(m, i, vm, j);
        const char *name = cmc_arena_strdup(a, q->name);   /* the results own their strings */
        if (!name)
            return -1;
        if (same)
            vr->shared[vr->nshared++] = name;
        else
            vr->changed[vr->nchanged++] = name;
    }
    for (size_t j = 0; j < nvq; j++) {
        int known = 0;
        for (size_t i = 0; i < nb && !known; i++)
            known = !strcmp(m->q[CMC_RANDOM][i].name, vm->q[CMC_RANDOM][j].name);
        if (known)
            continue;
        if (!(vr->changed[vr->nchanged] = cmc_arena_strdup(a, vm->q[CMC_RANDOM][j].name)))
            return -1;
        vr->nchanged++;
    }
    return 0;
}

static int fill_variants(cmc_results *r, const cmc_model *m, const cmc_target *t,
                         const variant_layout *lay, const double *p, size_t np, size_t bins)
{
    cmc_arena *a = r->arena;
    size_t nv = m->nvariants;
    r->nvariants = nv;
    if (!(r->variants = cmc_arena_alloc(a, nv * sizeof *r->variants)) ||
        !(r->variant_reference = cmc_arena_strdup(a, cmc_model_variant_reference(m))))
        return -1;
    for (size_t v = 0; v < nv; v++) {
        const cmc_model *vm = m->variants[v].m;
        cmc_variant_result *vr = &r->variants[v];
        size_t nout = vm->nq[CMC_OUTPUT];
        vr->name = cmc_arena_strdup(a, m->variants[v].name);
        vr->label = cmc_arena_strdup(a, m->variants[v].label);
        vr->noutputs = nout;
        vr->outputs = cmc_arena_alloc(a, (nout + 1) * sizeof *vr->outputs);
        vr->paired = cmc_arena_alloc(a, (nout + 1) * sizeof *vr->paired);
        if (!vr->name || !vr->label || !vr->outputs || !vr->paired)
            return -1;
        if (shared_inputs(vr, m, vm, a) < 0)
            return -1;
        for (size_t i = 0; i < nout; i++) {
            const cmc_quantity *q = &vm->q[CMC_OUTPUT][i];
            if (describe_stat(&vr->outputs[i], q, q->name, q->unit, q->expression, a) < 0 ||
                fill_stat(&vr->outputs[i], &t[lay[v].first + i], p, np, bins, a) < 0)
                return -1;
            if (lay[v].cmp[i] < 0)
                continue;
            const cmc_target *c = &t[lay[v].cmp[i]];
            cmc_paired *pr = &vr->paired[vr->npaired++];
            pr->output = vr->outputs[i].name;
            pr->reference = r->variant_reference;
            char expr[512];
            snprintf(expr, sizeof expr, "%s - %s", vr->name, pr->reference);
            if (describe_stat(&pr->difference, q, "difference", q->unit, expr, a) < 0 ||
                fill_stat(&pr->difference, &c[0], p, np, bins, a) < 0)
                return -1;
            snprintf(expr, sizeof expr, "%s / %s", vr->name, pr->reference);
            if (describe_stat(&pr->ratio, q, "ratio", "", expr, a) < 0 ||
                fill_stat(&pr->ratio, &c[1], p, np, bins, a) < 0)
                return -1;
            pr->count = c[2].moments.n;
            pr->p_greater = pr->count ? c[2].moments.mean : NAN;
            /* the mean of 0/1 values times n is the count of ones, exactly */
            wilson(round(pr->p_greater * (double)pr->count), (double)pr->count,
                   &pr->p_greater_ci_low, &pr->p_greater_ci_high);
            double se;
            if (c[2].replicates && cmc_rep_intervals(&c[2], NULL, 0, NULL, NULL, NULL, &se) == 0) {
                pr->p_greater_ci_low = fmax(0, pr->p_greater - 1.959963984540054 * se);
                pr->p_greater_ci_high = fmin(1, pr->p_greater + 1.959963984540054 * se);
            }
        }
    }
    return 0;
}

/* The correlated pairs: as asked, as used, as achieved (copula.h). */
static int correlations(cmc_results *r, const cmc_model *m, const cmc_copula_tally *t)
{
    const cmc_copula *c = m->copula;
    if (!(r->correlations = cmc_arena_alloc(r->arena, (c->npairs + 1) * sizeof *r->correlations)))
        return -1;
    r->ncorrelations = c->npairs;
    for (size_t p = 0; p < c->npairs; p++) {
        cmc_correlation *x = &r->correlations[p];
        x->a = cmc_arena_strdup(r->arena, c->pairs[p].name_a);
        x->b = cmc_arena_strdup(r->arena, c->pairs[p].name_b);
        if (!x->a || !x->b)
            return -1;
        x->requested = c->pairs[p].requested;
        x->used = c->pairs[p].used;
        x->named = c->pairs[p].named;
        cmc_copula_achieved(t, p, &x->achieved, &x->ci_low, &x->ci_high);
    }
    return 0;
}

static const char *now_iso8601(cmc_arena *a)
{
    time_t t = time(NULL);
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return "";
    return cmc_arena_strdup(a, buf);
}

static int check_options(const cmc_run_options *o, cmc_diags *d)
{
    if (o->npercentiles && !o->percentiles) {
        cmc_diag_add(d, CMC_ERROR, NULL, "percentiles missing");
        return -1;
    }
    for (size_t i = 0; i < o->npercentiles; i++) {
        double p = o->percentiles[i];
        if (!(p > 0 && p < 1)) {
            cmc_diag_add(d, CMC_ERROR, NULL, "percentile %g is not a probability in (0, 1)", p);
            return -1;
        }
        if (i && !(p > o->percentiles[i - 1])) {
            cmc_diag_add(d, CMC_ERROR, NULL, "percentiles must increase (%g after %g)", p,
                         o->percentiles[i - 1]);
            return -1;
        }
    }
    if (o->design != CMC_DESIGN_MC && o->design != CMC_DESIGN_LHS &&
        o->design != CMC_DESIGN_QMC) {
        cmc_diag_add(d, CMC_ERROR, NULL, "unknown sampling design %d", (int)o->design);
        return -1;
    }
    uint32_t R = o->replicates;
    if (R && (o->design == CMC_DESIGN_MC || R < 2 || R > 1024 || (R & (R - 1)))) {
        cmc_diag_add(d, CMC_ERROR, NULL, o->design == CMC_DESIGN_MC
                         ? "replicates go with --design lhs or qmc (plain Monte Carlo "
                           "intervals need none)"
                         : "replicates must be a power of two from 2 to 1024 (got %u): "
                           "then every checkpoint holds the same samples of each",
                     (unsigned)R);
        return -1;
    }
    if (o->design != CMC_DESIGN_MC && o->sensitivity) {
        cmc_diag_add(d, CMC_ERROR, NULL, "sensitivity analysis works with --design mc only "
                     "(its Saltelli design is a Monte Carlo one)");
        return -1;
    }
    if (!(o->rel_tol >= 0 && o->rel_tol < 1) || !(o->abs_tol >= 0 && isfinite(o->abs_tol))) {
        cmc_diag_add(d, CMC_ERROR, NULL, "a tolerance must be a number >= 0 (a relative "
                     "one below 1)");
        return -1;
    }
    if (o->bins > 100000) {
        cmc_diag_add(d, CMC_ERROR, NULL, "%zu histogram bins is too many (at most 100000)",
                     o->bins);
        return -1;
    }
    return 0;
}

/* ---- Memory ------------------------------------------------------------------------ */

/* The targets the sampler follows: inputs, outputs, each variant's outputs and, for
   every variant but a named reference, three comparisons per output. */
static size_t count_targets(const cmc_model *m)
{
    size_t nt = m->nq[CMC_RANDOM] + m->nq[CMC_OUTPUT];
    for (size_t v = 0; v < m->nvariants; v++)
        nt += m->variants[v].m->nq[CMC_OUTPUT] * ((int)v == m->reference ? 1 : 4);
    return nt;
}

/* An estimate of the peak resident memory, fitted to measurements of a Release
   build (peak RSS by /usr/bin/time %M; README "Limits"): 100 to 2,000 variants and
   200 to 5,000 outputs of spread laws, 1e4 to 1e7 samples, 1 and 2 threads. A
   target costs
     - a thread's share, about 173 KiB: its quantile sketch (32 KiB of page
       pointers and 32 KiB per binade its values touch, four to six for the laws
       measured), its block of values (8 KiB) and its refinement windows (zoom.c);
     - the shared part, about 118 KiB: the merged sketch, the pilot's 8,192
       values, the ring of per-block moments (48 bytes a block, up to 2,048);
     - from 1e5 samples on, the refinement's windows grow in each copy (each
       thread's and the merged one): per percentile (and the convergence
       records' two) about 3.5 KiB (sqrt(N / 1e5) - 1), up to their cap of about
       8,500 cells (34 KiB), reached near N = 1e7;
     - per histogram bin, 16 bytes and a narrow law's window of 16 cells of 4 bytes
       per copy (zoom.c; see the README on large --bins).
   Measured per-target costs range over -20% .. +30% of this for spread laws; a
   quantity that is one constant (a variant that sets a number) costs half. The
   estimate is linear in the targets: O(targets x threads). --sensitivity adds its
   ring of 256 blocks of records per input-output pair and the threads' blocks,
   and with correlated inputs the given-data index's ring (256 blocks of at most
   8,192 numbers, run.c given_setup); --save-samples a round of values per target
   and a 2 MiB chunk cache per saved dataset. */
#define TARGET_SHARED (118 * 1024)
#define TARGET_THREAD (173 * 1024)
#define WINDOW_GROWTH (3.5 * 1024)
#define WINDOW_MAX (34 * 1024)

uint64_t cmc_run_memory(const cmc_model *m, const cmc_run_options *o)
{
    if (!m)
        return 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t threads = o && o->threads > 0 ? (uint64_t)o->threads : cpus > 0 ? (uint64_t)cpus : 1;
    uint64_t bins = o && o->bins ? o->bins : CMC_DEFAULT_BINS;
    uint64_t np = o && o->percentiles ? o->npercentiles : 11;
    uint64_t nt = count_targets(m), nbase = m->nq[CMC_RANDOM] + m->nq[CMC_OUTPUT];
    uint64_t n = o && o->samples ? o->samples : CMC_DEFAULT_SAMPLES;
    double grow = n > 100000 ? WINDOW_GROWTH * (sqrt((double)n / 1e5) - 1) : 0;
    double copy = (double)(np + 2) * (grow < WINDOW_MAX ? grow : WINDOW_MAX) +
                  (double)bins * 16 * 4;
    double per = TARGET_SHARED + (double)threads * TARGET_THREAD + (double)(threads + 1) * copy +
                 (double)bins * 16 + (double)np * 32;
    double bytes = per * (double)nt;
    if (o && o->sensitivity) {
        double k = (double)m->nq[CMC_RANDOM], nout = (double)m->nq[CMC_OUTPUT];
        bytes += 256.0 * k * nout * (2 * sizeof(cmc_comoments) + sizeof(cmc_sobol_part)) +
                 (double)threads * CMC_BLOCK * 8 * (k * nout + 4 * (k + nout) + 2 +
                                                    (double)m->prog.nslots);
        if (m->copula) {   /* the given-data index: its ring and batches (given_setup) */
            double M = floor(sqrt((double)n / CMC_GIVEN_BATCHES)), pairs = k * nout;
            M = M < 8 ? 8 : M > 128 ? 128 : M;
            if (pairs > 0 && 3 * pairs * M > 8192)
                M = floor(8192 / (3 * pairs));
            bytes += (256.0 + CMC_GIVEN_BATCHES) * 3 * pairs * M * 8;
        }
    }
    if (o && o->save_samples && o->output)
        bytes += (double)nt * CMC_ROUND * CMC_BLOCK * 8 + (double)nbase * 2 * 1024 * 1024;
    if (o && o->design != CMC_DESIGN_MC)   /* a sketch per replicate, thread and merge */
        bytes += (double)nt * (o->replicates ? o->replicates : CMC_DEFAULT_REPLICATES) *
                 (double)(threads + 1) * 5 * 32 * 1024;
    bytes += 14.0 * 1024 * 1024;   /* the program, HDF5, the C library */
    return bytes < 1.8e19 ? (uint64_t)bytes : UINT64_MAX;
}

/* The output must not be one of the files the scenario was read from. */
static int check_output(const cmc_model *m, const char *out, cmc_diags *d)
{
    for (size_t i = 0; i < cmc_model_nfiles(m); i++)
        if (cmc_same_file(out, cmc_model_file(m, i))) {
            cmc_diag_add(d, CMC_ERROR, NULL,
                         "cannot write '%s': it is %s '%s', which this run reads", out,
                         i ? "the model" : "the scenario", cmc_model_file(m, i));
            return -1;
        }
    return 0;
}

/* What a split run (part.h) refuses: what needs every sample at once. */
static int check_split(const cmc_model *m, const cmc_run_options *o, cmc_diags *d)
{
    (void)m;
    const char *what = o->rel_tol > 0 || o->abs_tol > 0 ? "a tolerance (where to stop "
                                                            "depends on every sample)"
                       : o->save_samples ? "--save-samples" : NULL;
    if (what) {
        cmc_diag_add(d, CMC_ERROR, NULL, "a run split into parts cannot take %s", what);
        return -1;
    }
    return 0;
}

static cmc_results *run(const cmc_model *m, const cmc_run_options *opt, const cmc_split *sp,
                        cmc_diags *d);

cmc_results *cmc_run(const cmc_model *m, const cmc_run_options *opt, cmc_diags *d)
{
    return run(m, opt, NULL, d);
}

cmc_results *cmc_run_split(const cmc_model *m, const cmc_run_options *o, const cmc_split *sp,
                           cmc_diags *d)
{
    return run(m, o, sp, d);
}

static cmc_results *run(const cmc_model *m, const cmc_run_options *opt, const cmc_split *sp,
                        cmc_diags *d)
{
    cmc_run_options o;
    memset(&o, 0, sizeof o);
    if (opt)
        o = *opt;
    if (check_options(&o, d) < 0 || (sp && check_split(m, &o, d) < 0) ||
        (o.output && check_output(m, o.output, d) < 0))
        return NULL;
    uint64_t need = cmc_run_memory(m, &o), limit = o.max_memory ? o.max_memory
                                                                 : CMC_DEFAULT_MAX_MEMORY;
    if (need > limit) {
        cmc_diag_add(d, CMC_ERROR, NULL,
                     "this run would need about %.3g GB of memory, more than the limit of "
                     "%.3g GB (fewer outputs, variants or --bins, or raise the limit with "
                     "--max-memory)", (double)need / 1e9, (double)limit / 1e9);
        return NULL;
    }
    if (!o.samples)
        o.samples = CMC_DEFAULT_SAMPLES;
    /* a design: whole blocks per replicate */
    uint32_t R = o.design != CMC_DESIGN_MC ? (o.replicates ? o.replicates : CMC_DEFAULT_REPLICATES)
                                           : 1;
    if (R > 1) {
        uint64_t unit = (uint64_t)R * CMC_BLOCK;
        if (o.samples > UINT64_MAX - unit) {
            cmc_diag_add(d, CMC_ERROR, NULL, "too many samples");
            return NULL;
        }
        o.samples = (o.samples + unit - 1) / unit * unit;
        if (o.design == CMC_DESIGN_QMC && o.samples / R > CMC_QMC_MAX_REPLICATE) {
            cmc_diag_add(d, CMC_ERROR, NULL, "--design qmc takes at most 2^32 samples per "
                         "replicate (%" PRIu64 " with %u replicates)",
                         (uint64_t)R << 32, (unsigned)R);
            return NULL;
        }
    }
    if (!o.bins)
        o.bins = CMC_DEFAULT_BINS;
    const double *p = o.percentiles ? o.percentiles : default_percentiles;
    size_t np = o.percentiles ? o.npercentiles
                              : sizeof default_percentiles / sizeof default_percentiles[0];

    /* targets: the inputs and outputs, then each variant's outputs and its
       comparisons with the reference (see add_variant_targets) */
    size_t nin = m->nq[CMC_RANDOM], nout = m->nq[CMC_OUTPUT], nbase = nin + nout;
    size_t nv = m->nvariants, nt = count_targets(m);
    cmc_arena *a = cmc_arena_new();
    cmc_results *r = a ? cmc_arena_alloc(a, sizeof *r) : NULL;
    cmc_target *targets = calloc(nt, sizeof *targets);
    int *dataset = calloc(nt, sizeof *dataset);
    const char **names = calloc(nt, sizeof *names);
    const cmc_model **models = calloc(nv + 1, sizeof *models);
    variant_layout *lay = calloc(nv + 1, sizeof *lay);
    cmc_h5 *h5 = NULL;
    cmc_results *ok = NULL;
    if (!r || !targets || !dataset || !names || !models || !lay) {
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
        goto fail;
    }
    r->arena = a;
    models[0] = m;
    for (size_t i = 0; i < nin; i++)
        targets[i] = (cmc_target){.op = CMC_T_SLOT, .model = 0, .slot = m->slot[CMC_RANDOM][i]};
    for (size_t i = 0; i < nout; i++)
        targets[nin + i] = (cmc_target){.op = CMC_T_SLOT, .model = 0, .slot = m->slot[CMC_OUTPUT][i]};
    nt = nbase;
    for (size_t v = 0; v < nv; v++)
        models[v + 1] = m->variants[v].m;
    if (nv && add_variant_targets(targets, &nt, m, lay) < 0) {
        cmc_diag_add(d, CMC_ERROR, NULL, "variants of a scenario with more than 64 "
                                         "outputs are not supported");
        goto fail;
    }

    /* the temporary file and the caller's record of its name appear together: a
       SIGINT, SIGTERM or SIGHUP in between would leave the file behind (the
       command's handler unlinks only a name it was told) */
    sigset_t quiet, was;
    sigemptyset(&quiet);
    sigaddset(&quiet, SIGINT);
    sigaddset(&quiet, SIGTERM);
    sigaddset(&quiet, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &quiet, &was);
    if (o.output && (h5 = cmc_h5_create(o.output, d)))
        cmc_h5_watch(h5, o.tempfile, o.tempfile_ctx);
    pthread_sigmask(SIG_SETMASK, &was, NULL);
    if (o.output && !h5)
        goto fail;
    size_t nnames = 0;
    for (size_t t = 0; t < nt; t++)
        dataset[t] = -1;   /* only the scenario's own inputs and outputs are saved */
    for (size_t t = 0; t < nbase; t++) {
        const char *name = t < nin ? m->q[CMC_RANDOM][t].name : m->q[CMC_OUTPUT][t - nin].name;
        int dup = 0;
        for (size_t j = 0; j < nnames; j++)
            dup |= !strcmp(names[j], name);
        if (!dup) {
            dataset[t] = (int)nnames;
            names[nnames++] = name;
        }
    }
    if (h5 && o.save_samples && cmc_h5_samples_begin(h5, names, nnames, o.samples, d) < 0)
        goto fail;

    /* checkpoints after 2^k blocks while blocks remain, then the whole run */
    size_t ncheck = 1;
    for (uint64_t b = 1; b * CMC_BLOCK < o.samples; b *= 2)
        ncheck++;
    conv_ctx cv = {cmc_arena_alloc(a, (nout + 1) * sizeof *cv.conv), nin, o.rel_tol, o.abs_tol,
                   p, np, (uint64_t)(R > 8 ? 2 * R : 16) * CMC_BLOCK, R > 1};
    if (!cv.conv)
        goto oom;
    memset(cv.conv, 0, (nout + 1) * sizeof *cv.conv);   /* conv[nout].samples == NULL ends it */
    for (size_t i = 0; i < nout; i++)
        if (conv_alloc(&cv.conv[i], ncheck, a) < 0)
            goto oom;

    /* the percentiles the sketches resolve: the requested ones and the convergence
       records' median and P95 */
    double *probes = cmc_arena_alloc(a, (np + 2) * sizeof *probes);
    if (!probes)
        goto oom;
    size_t nprobe = merge_probes(p, np, probes);
    cmc_zoom_spec zoom = {probes, nprobe, o.bins, o.samples, 0};
    saver sv = {h5, dataset, nt, d};
    cmc_sampling s = {.models = models, .nmodels = nv + 1, .samples = o.samples,
                      .seed = o.seed, .threads = o.threads, .targets = targets, .ntargets = nt,
                      .on_round = h5 && o.save_samples ? save_round : NULL, .round_ctx = &sv,
                      .on_checkpoint = on_checkpoint, .checkpoint_ctx = &cv, .conv_from = nin,
                      .conv_to = nbase, .zoom = &zoom, .zoom_from = nin,
                      .progress = o.progress, .progress_ctx = o.progress_ctx,
                      .design = o.design, .replicates = R};
    /* a part or a merge (part.h): the run's identity, and its records or the parts' */
    if (sp && sp->part) {
        if (cmc_part_describe(sp->part, m, o.samples, o.seed, o.design, R, nt) < 0)
            goto oom;
        s.on_checkpoint = NULL;   /* the merge has the checkpoints */
        s.on_segment = cmc_part_record;
        s.segment_ctx = sp->part;
        s.part_from = sp->part->from;
        s.part_to = sp->part->to;
    } else if (sp) {
        cmc_part *self = calloc(1, sizeof *self);
        if (!self || cmc_part_describe(self, m, o.samples, o.seed, o.design, R, nt) < 0) {
            cmc_part_free(self);
            goto oom;
        }
        int bad = cmc_merge_check(sp->merge, self, d);
        cmc_part_free(self);
        if (bad)
            goto fail;
        s.replay = cmc_merge_replay;
        s.segment_ctx = sp->merge;
    }
    if (m->copula && !(s.corr_tally = cmc_copula_tally_new(m->copula, R)))
        goto oom;
    int sampled = cmc_sample(&s, d);
    if (sampled == 0 && sp && m->copula &&   /* the parts' own blocks' tallies */
        (sp->part ? cmc_part_keep_tally(sp->part, s.corr_tally, d)
                  : cmc_merge_tally(sp->merge, s.corr_tally, d)) < 0)
        sampled = -1;
    if (sampled == 0 && m->copula && correlations(r, m, s.corr_tally) < 0) {
        cmc_copula_tally_free(s.corr_tally);
        goto oom;
    }
    cmc_copula_tally_free(s.corr_tally);
    if (sampled < 0)
        goto fail;
    if (sp && sp->part) {   /* its file (if any): the records, no statistics */
        if (o.sensitivity && cmc_run_sensitivity(m, &o, sp, targets, r, d) < 0)
            goto fail;
        int rc = h5 ? cmc_h5_part_commit(h5, sp->part, d) : 0;   /* frees h5 either way */
        h5 = NULL;
        if (rc < 0)
            goto fail;
        r->title = cmc_arena_strdup(a, m->title);
        r->tool_version = cmc_version();
        r->seed = o.seed;
        r->samples = o.samples;
        ok = r;
        goto out;
    }
    if (s.stopped_at)
        o.samples = s.stopped_at;   /* the tolerance was met there */
    for (size_t i = 0; i < nout; i++)
        conv_record(&cv.conv[i], o.samples, &targets[nin + i]);

    r->title = cmc_arena_strdup(a, m->title);
    r->tool_version = cmc_version();
    r->created = now_iso8601(a);
    r->seed = o.seed;
    r->samples = o.samples;
    r->design = cmc_design_name(o.design);
    r->replicates = R;
    if (R > 1) {
        char buf[96];
        snprintf(buf, sizeof buf, "%s, %u replicates", cmc_design_phrase(o.design), (unsigned)R);
        r->method = cmc_arena_strdup(a, buf);
    } else {
        r->method = "monte carlo";
    }
    r->stop = s.stopped_at ? "tolerance" : o.rel_tol > 0 || o.abs_tol > 0 ? "max-n" : "samples";
    r->shortfall = "";
    r->rng = "philox4x32-10";
    r->source = cmc_arena_strdup(a, m->source);
    if (record_sets(r, m, a) < 0)
        goto oom;
    r->ninputs = nin;
    r->noutputs = nout;
    r->inputs = cmc_arena_alloc(a, (nin + 1) * sizeof *r->inputs);
    r->outputs = cmc_arena_alloc(a, (nout + 1) * sizeof *r->outputs);
    if (!r->inputs || !r->outputs)
        goto oom;
    for (size_t t = 0; t < nbase; t++) {
        const cmc_quantity *q = t < nin ? &m->q[CMC_RANDOM][t] : &m->q[CMC_OUTPUT][t - nin];
        cmc_stat *st = t < nin ? &r->inputs[t] : &r->outputs[t - nin];
        st->name = cmc_arena_strdup(a, q->name);
        st->description = cmc_arena_strdup(a, q->description);
        st->unit = cmc_arena_strdup(a, q->unit);
        st->expression = cmc_arena_strdup(a, q->expression);
        st->has_range = t < nin && q->has_range;   /* README "Units and ranges" */
        st->range_lo = q->range_lo;
        st->range_hi = q->range_hi;
        st->outside = q->outside;
        if (!r->title || !r->source || !st->name || !st->description || !st->unit ||
            !st->expression)
            goto oom;
        if (fill_stat(st, &targets[t], p, np, o.bins, a) < 0)
            goto oom;
        if (t >= nin)
            st->conv = cv.conv[t - nin];
    }
    if (nv && fill_variants(r, m, targets, lay, p, np, o.bins) < 0)
        goto oom;
    if (!strcmp(r->stop, "max-n")) {   /* which statistic fell short, and by how much */
        double worst = -1;
        int what = -1;
        size_t at = 0;
        for (size_t i = 0; i < nout; i++) {
            int w;
            double x = tol_worst(&cv, &targets[nin + i], &w);
            if (x > worst)
                worst = x, what = w, at = i;
        }
        if (worst <= 1) {   /* met only by the last samples, after the last checkpoint */
            r->stop = "tolerance";
        } else if (nout) {
            char buf[256], pn[32];
            if (what >= 0)
                snprintf(pn, sizeof pn, "P%g", 100 * p[what]);
            snprintf(buf, sizeof buf, "%s of %s: its 95%% interval is %.3g times the tolerance "
                     "at %" PRIu64 " samples", what >= 0 ? pn : "the mean",
                     r->outputs[at].name, worst, o.samples);
            r->shortfall = cmc_arena_strdup(a, buf);
        }
    }

    if (o.sensitivity && cmc_run_sensitivity(m, &o, sp, targets, r, d) < 0)
        goto fail;
    /* the sketches are no longer needed: free them before the file is written */
    for (size_t t = 0; t < nt; t++)
        cmc_target_release(&targets[t], R);
    if (h5) {
        int rc = cmc_h5_commit(h5, r, d);   /* frees h5 either way */
        h5 = NULL;
        if (rc < 0)
            goto fail;
    }
    ok = r;
    goto out;
oom:
    cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
fail:
    cmc_h5_abort(h5);
    cmc_arena_free(a);
out:
    /* the one place the working arrays are freed, on success and on failure */
    for (size_t t = 0; targets && t < nt; t++)
        cmc_target_release(&targets[t], targets[t].replicates);
    free(targets);
    free(dataset);
    free(names);
    free(models);
    free(lay);
    return ok;
}
