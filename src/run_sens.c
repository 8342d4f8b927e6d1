/*
 * run_sens.c: the sensitivity pass of a run (run.c), of a part of a split run and of
 * their merge (part.h), and its results.
 *
 * The pass (sampler.h) pushes every block's records onto fixed reduction trees
 * (sens.h): a single run pushes blocks 0 .. B-1; a part its own blocks [from, to) and
 * saves the trees' nodes with its records; a merge pushes the prefix's blocks and then
 * each part's nodes in block order, which gives the single run's bits. Rank tables
 * come from the first pass's sketches; a part, whose sketches hold only its own
 * blocks, counts the first pass's inputs and outputs again (the same integers).
 */
#include "copula.h"
#include "part.h"
#include "sampler.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One-at-a-time swings: the program on one sample with every random input at its
   point value (its median; a choice its first value: the values `point` uses, so
   swing_base is what `point` prints), then input j at its 5th and at its 95th
   percentile. */
static int swings(const cmc_model *m, cmc_sensitivity *out, cmc_arena *a)
{
    size_t k = m->nq[CMC_RANDOM], nout = m->nq[CMC_OUTPUT];
    double *slots = calloc((size_t)m->prog.nslots + 1, sizeof *slots);
    if (!slots)
        return -1;
    const int *rs = m->slot[CMC_RANDOM], *os = m->slot[CMC_OUTPUT];
    for (size_t r = 0; r < k; r++)
        slots[rs[r]] = cmc_dist_point(m->dists[r]);
    cmc_prog_run(&m->prog, slots, 1, 1);
    for (size_t o = 0; o < nout; o++) {
        out[o].swing_base = slots[os[o]];
        out[o].swing_low = cmc_arena_alloc(a, (k + 1) * sizeof(double));
        out[o].swing_high = cmc_arena_alloc(a, (k + 1) * sizeof(double));
        if (!out[o].swing_low || !out[o].swing_high) {
            free(slots);
            return -1;
        }
    }
    for (size_t j = 0; j < k; j++) {
        for (int side = 0; side < 2; side++) {
            slots[rs[j]] = cmc_dist_quantile(m->dists[j], side ? 0.95 : 0.05);
            cmc_prog_run(&m->prog, slots, 1, 1);
            for (size_t o = 0; o < nout; o++)
                (side ? out[o].swing_high : out[o].swing_low)[j] = slots[os[o]];
        }
        slots[rs[j]] = cmc_dist_point(m->dists[j]);
    }
    free(slots);
    return 0;
}

/* The pass's trees: the records' and the given-data batches' (sens.h). */
typedef struct trees {
    cmc_sens_stack rec, given[CMC_GIVEN_BATCHES];
    size_t k, nout, M;
} trees;

static void trees_free(trees *t)
{
    cmc_sens_stack_free(&t->rec);
    for (int b = 0; b < CMC_GIVEN_BATCHES; b++)
        cmc_sens_stack_free(&t->given[b]);
}

/* With correlated inputs, the given-data index's bins (sens.h): about sqrt(N / 16)
   of them so that each batch's bins hold about as many rows as there are bins, at
   least 8, at most 128, and fewer when the per-block records would pass 8,192
   numbers (64 KiB; the pass keeps 256 of them). */
static int trees_init(trees *t, const cmc_model *m, const cmc_run_options *o)
{
    memset(t, 0, sizeof *t);
    size_t k = t->k = m->nq[CMC_RANDOM], nout = t->nout = m->nq[CMC_OUTPUT];
    size_t P = k * nout > 0 ? k * nout : 1;
    if (m->copula) {
        double want = floor(sqrt((double)o->samples / CMC_GIVEN_BATCHES));
        size_t M = want < 8 ? 8 : want > 128 ? 128 : (size_t)want;
        size_t cap = 8192 / (3 * (nout ? nout : 1) * (k ? k : 1));
        if (M > cap)
            M = cap < 4 ? 0 : cap;   /* over 682 input-output pairs: no index (NaN) */
        t->M = M;
    }
    int bad = cmc_sens_stack_init(&t->rec, CMC_SENS_REC, P, k + nout, 0, 8);
    for (int b = 0; b < CMC_GIVEN_BATCHES; b++)
        bad |= cmc_sens_stack_init(&t->given[b], CMC_SENS_SUMS, 0, 0, nout * k * 3 * t->M,
                                   t->M ? 4 : 1);
    if (bad) {
        trees_free(t);
        return -1;
    }
    return 0;
}

/* The pass over blocks [from, to) onto t's trees, with rank tables from the first
   pass's sketches of the inputs and outputs (targets[0 .. k + nout)), or counted
   again (targets NULL: a part, whose sketches hold only its blocks). */
static int pass(const cmc_model *m, const cmc_run_options *o, const cmc_target *targets,
                trees *t, uint64_t from, uint64_t to, cmc_diags *d)
{
    if (from >= to)
        return 0;
    size_t Q = t->k + t->nout;
    cmc_rank_table **rank = targets ? calloc(Q + 1, sizeof *rank) : NULL;
    int rc = targets && !rank ? -1 : 0;
    for (size_t q = 0; rank && rc == 0 && q < Q; q++)
        if (!(rank[q] = cmc_rank_table_new(targets[q].sketch)))
            rc = -1;
    if (rc < 0)
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
    cmc_sens_sampling s = {.samples = o->samples, .seed = o->seed, .threads = o->threads,
                           .nout = (int)t->nout, .output_slot = m->slot[CMC_OUTPUT],
                           .from = from, .to = to, .stack = &t->rec, .rank = rank,
                           .progress = o->progress, .progress_ctx = o->progress_ctx,
                           .given_bins = t->M, .given = t->given};
    if (rc == 0)
        rc = cmc_sample_sensitivity(m, &s, d);
    for (size_t q = 0; rank && q < Q; q++)
        cmc_rank_table_free(rank[q]);
    free(rank);
    return rc;
}

/* The given-data index of every input and output; the Sobol indices of correlated
   inputs withdrawn (the Saltelli design pairs an input's values from B with the
   others' from A, as if it were independent of them). An input in no group keeps
   them: it is independent of the rest, and both estimators hold for it. */
static int given_results(trees *t, const cmc_model *m, cmc_results *r)
{
    size_t k = t->k, nout = t->nout, M = t->M, G = nout * k * 3 * M;
    double *given = calloc(CMC_GIVEN_BATCHES * G + 1, sizeof *given);
    if (!given)
        return -1;
    for (int b = 0; b < CMC_GIVEN_BATCHES; b++)
        memcpy(given + b * G, cmc_sens_stack_fold(&t->given[b]), G * sizeof *given);
    for (size_t o = 0; o < nout; o++) {
        cmc_sensitivity *se = &r->sensitivity[o];
        se->dependent = cmc_arena_alloc(r->arena, (k + 1) * sizeof *se->dependent);
        se->given = cmc_arena_alloc(r->arena, (k + 1) * sizeof *se->given);
        se->given_ci_low = cmc_arena_alloc(r->arena, (k + 1) * sizeof(double));
        se->given_ci_high = cmc_arena_alloc(r->arena, (k + 1) * sizeof(double));
        if (!se->dependent || !se->given || !se->given_ci_low || !se->given_ci_high) {
            free(given);
            return -1;
        }
        se->given_bins = M;
        for (size_t j = 0; j < k; j++) {
            cmc_sens_ci g = {NAN, NAN, NAN, NAN};
            if (M)
                g = cmc_sens_given_first(given + (o * k + j) * 3 * M, G, M);
            se->given[j] = g.value;
            se->given_ci_low[j] = g.lo;
            se->given_ci_high[j] = g.hi;
            se->dependent[j] = cmc_copula_member(m->copula, j);
            for (int e = CMC_SENS_SOBOL_FIRST; se->dependent[j] && e <= CMC_SENS_SOBOL_TOTAL; e++)
                se->value[e][j] = se->ci_low[e][j] = se->ci_high[e][j] = NAN;
        }
    }
    free(given);
    return 0;
}

/* The results from the folded trees. */
static int results(trees *t, const cmc_model *m, const cmc_run_options *o, cmc_results *r)
{
    size_t k = t->k, nout = t->nout, P = t->rec.P;
    cmc_arena *a = r->arena;
    unsigned char *rec = cmc_sens_stack_fold(&t->rec);
    const cmc_comoments *rk = (const cmc_comoments *)(void *)rec, *lg = rk + P;
    const cmc_sobol_part *sb = (const cmc_sobol_part *)(void *)(rec + 2 * P * sizeof *rk);
    const uint64_t *np = (const uint64_t *)(void *)(rec + 2 * P * sizeof *rk + P * sizeof *sb);
    cmc_sobol_index *idx = calloc(k ? k : 1, sizeof *idx);
    r->nsensitivity = nout;
    if (!idx || !(r->sensitivity = cmc_arena_alloc(a, (nout + 1) * sizeof *r->sensitivity))) {
        free(idx);
        return -1;
    }
    for (size_t i = 0; i < nout; i++) {
        cmc_sensitivity *se = &r->sensitivity[i];
        se->output = r->outputs[i].name;
        se->ninputs = k;
        se->samples = o->samples;
        int bad = !(se->input = cmc_arena_alloc(a, (k + 1) * sizeof *se->input));
        for (size_t j = 0; !bad && j < k; j++)
            se->input[j] = r->inputs[j].name;
        for (int e = 0; !bad && e < CMC_SENS_NEST; e++)
            bad = !(se->value[e] = cmc_arena_alloc(a, (k + 1) * sizeof(double))) ||
                  !(se->ci_low[e] = cmc_arena_alloc(a, (k + 1) * sizeof(double))) ||
                  !(se->ci_high[e] = cmc_arena_alloc(a, (k + 1) * sizeof(double)));
        if (bad) {
            free(idx);
            return -1;
        }
        cmc_sens_sobol_result(&sb[i * k], k, idx);
        for (size_t j = 0; j < k; j++) {
            cmc_sens_ci c[CMC_SENS_NEST] = {
                cmc_sens_spearman(&rk[i * k + j]),
                cmc_sens_logvar_share(&lg[i * k + j], np[j] + np[k + i]),
                idx[j].first, idx[j].total};
            for (int e = 0; e < CMC_SENS_NEST; e++) {
                se->value[e][j] = c[e].value;
                se->ci_low[e][j] = c[e].lo;
                se->ci_high[e][j] = c[e].hi;
            }
            if (idx[j].skipped > se->skipped)
                se->skipped = idx[j].skipped;
        }
    }
    free(idx);
    if (m->copula && given_results(t, m, r) < 0)
        return -1;
    return swings(m, r->sensitivity, a);
}

/* Do t's trees hold exactly blocks [0, to)? (A part's nodes must reach its end.) */
static int covers(const trees *t, uint64_t to)
{
    const cmc_sens_stack *r = &t->rec;
    if (!r->n || r->start[r->n - 1] + ((uint64_t)1 << r->level[r->n - 1]) != to)
        return 0;
    for (uint64_t b = 0; t->M && b < CMC_GIVEN_BATCHES; b++) {
        const cmc_sens_stack *g = &t->given[b];
        uint64_t leaves = to > b ? (to - b + CMC_GIVEN_BATCHES - 1) / CMC_GIVEN_BATCHES : 0;
        uint64_t end = g->n ? g->start[g->n - 1] + ((uint64_t)1 << g->level[g->n - 1]) : 0;
        if (end != leaves)
            return 0;
    }
    return 1;
}

int cmc_run_sensitivity(const cmc_model *m, const cmc_run_options *o, const cmc_split *sp,
                        const cmc_target *targets, cmc_results *r, cmc_diags *d)
{
    trees t;
    if (trees_init(&t, m, o) < 0) {
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
        return -1;
    }
    uint64_t nblocks = (o->samples + CMC_BLOCK - 1) / CMC_BLOCK;
    int rc = -1;
    if (sp && sp->part) {   /* its blocks, the trees' nodes saved with its records */
        cmc_part *p = sp->part;
        free(p->sens);
        p->sens = NULL;
        p->nsens = 0;
        if (pass(m, o, NULL, &t, p->from, p->to, d) < 0)
            goto out;
        int bad = cmc_sens_stack_save(&t.rec, &p->sens, &p->nsens);
        for (int b = 0; b < CMC_GIVEN_BATCHES; b++)
            bad |= cmc_sens_stack_save(&t.given[b], &p->sens, &p->nsens);
        if (bad) {
            cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
            goto out;
        }
        rc = 0;
        goto out;
    }
    if (sp && sp->merge) {   /* the prefix, then the parts' nodes in block order */
        if (pass(m, o, targets, &t, 0, cmc_sample_prefix(nblocks), d) < 0)
            goto out;
        for (size_t i = 0; i < sp->merge->nparts; i++) {
            const cmc_part *p = sp->merge->part[i];
            size_t at = 0, used = cmc_sens_stack_load(&t.rec, p->sens, p->nsens);
            at += used;
            for (int b = 0; used && b < CMC_GIVEN_BATCHES; b++)
                at += used = cmc_sens_stack_load(&t.given[b], p->sens + at, p->nsens - at);
            if (!used || at != p->nsens || !covers(&t, p->to)) {
                cmc_diag_add(d, CMC_ERROR, NULL, "'%s': the part's sensitivity records are "
                             "missing or damaged", p->path ? p->path : "a part");
                goto out;
            }
        }
    } else if (pass(m, o, targets, &t, 0, nblocks, d) < 0) {
        goto out;
    }
    rc = results(&t, m, o, r);
    if (rc < 0)
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
out:
    trees_free(&t);
    return rc;
}
