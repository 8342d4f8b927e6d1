/*
 * sampler.c: the parallel Monte Carlo loop.
 *
 * The samples 0 .. N-1 are cut into blocks of CMC_BLOCK and the blocks into rounds
 * of CMC_ROUND, both fixed sizes. Threads claim blocks one at a time from a shared
 * counter; for its block a thread draws every random input into its slot
 * (cmc_dist_draw: the numbers of sample i depend only on the seed, the input's
 * name and i), runs the compiled program over the block, and accumulates: the
 * block's moments go to a ring of CMC_AHEAD slots, and the values into the
 * thread's own quantile sketches. The block moments are merged in block order,
 * into the fixed reduction tree of stats.h (cmc_mstack), by a merge cursor: whichever thread finds the lock free merges the finished blocks
 * at the front of the ring (and, at the end of each round, hands the round's
 * samples to on_round and reports progress); a thread never waits for the lock.
 * At the end of the run the threads' sketches are added together; they hold
 * integer counts, so the order does not matter. Hence the statistics are
 * bit-identical for any thread count and schedule.
 *
 * Why no barrier per round (issue 14): on a busy machine a thread can lose its
 * core for a scheduler time slice (milliseconds); with a barrier after every
 * round of 64 blocks (1.3 ms of work), its partner spun there, and two threads ran
 * slower than one. Now a thread waits only when it is CMC_AHEAD blocks (about
 * 40 ms of work) ahead of the oldest unfinished block, and then yields its core;
 * the only barriers are at the checkpoints (about log2(N / CMC_BLOCK) of them).
 * With --save-samples the ring is one round, whose samples on_round receives in
 * order.
 *
 * Several models (a scenario and its variants) run on the same block one after the
 * other; their inputs of the same name draw the same numbers (common random
 * numbers), and comparison targets (difference, ratio, "a > b") are computed
 * sample by sample from two other targets before they are accumulated like any.
 *
 * Checkpoints: the first rounds hold 1, 1, 2, 4, ..., 32 blocks, so after 2^k
 * blocks a round always ends. Threads claim no block past the next checkpoint;
 * there, after a barrier, one thread finishes the merge and adds
 * every thread's sketches into a temporary one per quantity: the statistics of
 * exactly the first 2^k blocks, whatever the schedule. It hands them with the
 * merged moments to the caller (convergence records), then refines every thread's
 * sketches from them (cmc_sketch_zoom, stats.h), the same way for any thread count.
 * The first CMC_ZOOM_PILOT values of every quantity are kept (the pilot): the
 * temporary sketches of the first checkpoints and the final ones of a short run
 * hold them all and answer exactly. About log2(N / CMC_BLOCK) merges per run.
 *
 * Split runs (docs/scale.md): the sketches' layout is planned only up to the
 * prefix (cmc_sample_prefix, N/256 samples or more), the last time for the whole
 * run. A part (on_segment) draws the prefix, clears the counts, jumps the cursor to
 * its own blocks and hands over each segment's counts and tree nodes; a merge
 * (replay) draws the prefix and adds the parts' segments between checkpoints, with
 * the checkpoints of a whole run (split_step). The single run takes the same path
 * but for the jump and the hand-over, so all three give the same bits.
 *
 * The sensitivity pass (cmc_sample_sensitivity) is a second loop of the same
 * shape over the Saltelli design: per block it redraws the run's samples (A), an
 * independent set (B, the same inputs at sample indices offset by 2^48), evaluates
 * the program on A, B and every AB_j, maps A's values to ranks (rank tables of the
 * first pass, which a part counts again) and logarithms, and stores the block's records
 * (sens.h) in a ring of SENS_AHEAD slots, pushed in block order onto a fixed tree
 * (cmc_sens_stack) by a merge cursor as above (no barrier there either).
 *
 * Memory per thread: each model's slot arrays for one block, the draw scratch, one
 * block of values per comparison target and the sketches
 * (one page per binade touched); per run: CMC_AHEAD block moments per target
 * (96 KiB each), during a
 * checkpoint one merged sketch per target, the pilot (CMC_ZOOM_PILOT values per
 * target) and, only when samples are kept, one round of samples. None of it grows with N, and nothing is
 * allocated inside the loop except a sketch page the first time a binade is seen.
 */
#define _POSIX_C_SOURCE 200809L   /* sched_yield */
#include "sampler.h"
#include "copula.h"

#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct thread_state {
    double **slots;         /* [nmodels]: each model's slot arrays for one block */
    double *scratch;        /* the draw scratch */
    double *derived;        /* [ntargets * CMC_BLOCK]: comparison targets' values */
    const double **val;     /* [ntargets]: where each target's block values are */
    cmc_sketch **sketch;    /* [ntargets], then [ntargets][R] per replicate */
    size_t nsketch, nmodels;
    double *cwork;          /* the copula's normal scores (copula.h), or NULL */
    cmc_copula_tally *tally;    /* the scenario's achieved correlations, or NULL */
} thread_state;

static void thread_free(thread_state *t)
{
    if (t->sketch)
        for (size_t i = 0; i < t->nsketch; i++)
            cmc_sketch_free(t->sketch[i]);
    free(t->sketch);
    if (t->slots)
        for (size_t i = 0; i < t->nmodels; i++)
            free(t->slots[i]);
    free(t->slots);
    free(t->scratch);
    free(t->derived);
    free(t->val);
    free(t->cwork);
    cmc_copula_tally_free(t->tally);
}

static int thread_init(thread_state *t, const cmc_sampling *s)
{
    memset(t, 0, sizeof *t);
    size_t nt = s->ntargets ? s->ntargets : 1;
    t->nmodels = s->nmodels;
    t->slots = calloc(s->nmodels, sizeof *t->slots);
    t->scratch = aligned_alloc(64, CMC_DRAW_SCRATCH * CMC_BLOCK * sizeof(double));
    t->derived = aligned_alloc(64, nt * CMC_BLOCK * sizeof(double));
    t->val = calloc(nt, sizeof *t->val);
    t->nsketch = s->ntargets * (1 + (s->design != CMC_DESIGN_MC ? s->replicates : 0));
    t->sketch = calloc(t->nsketch ? t->nsketch : 1, sizeof *t->sketch);
    if (!t->slots || !t->scratch || !t->derived || !t->val || !t->sketch)
        return -1;
    for (size_t i = 0; i < s->nmodels; i++) {
        const cmc_model *m = s->models[i];
        size_t nslots = (size_t)(m->prog.nslots > 0 ? m->prog.nslots : 1);
        if (!(t->slots[i] = aligned_alloc(64, nslots * CMC_BLOCK * sizeof(double))))
            return -1;
    }
    for (size_t i = 0; i < t->nsketch; i++)
        if (!(t->sketch[i] = cmc_sketch_new()))
            return -1;
    size_t gmax = 0;   /* correlated inputs: the copula's work space and tally */
    for (size_t i = 0; i < s->nmodels; i++)
        if (s->models[i]->copula && s->models[i]->copula->gmax > gmax)
            gmax = s->models[i]->copula->gmax;
    if (gmax && !(t->cwork = aligned_alloc(64, gmax * CMC_BLOCK * sizeof(double))))
        return -1;
    if (s->corr_tally && s->models[0]->copula &&
        !(t->tally = cmc_copula_tally_new(s->models[0]->copula, s->corr_tally->replicates)))
        return -1;
    return 0;
}

void cmc_target_release(cmc_target *t, uint32_t replicates)
{
    cmc_sketch_free(t->sketch);
    t->sketch = NULL;
    for (uint32_t r = 0; t->rep_sketch && r < replicates; r++)
        cmc_sketch_free(t->rep_sketch[r]);
    free(t->rep_sketch);
    free(t->rep);
    t->rep_sketch = NULL;
    t->rep = NULL;
    t->replicates = 0;
}

/* The random inputs' draws of one model under a design: the uniforms, then each
   input's inverse CDF (where a copula would mix the uniforms, between the two). */
static void draw_design(const cmc_model *m, const cmc_design *g, const cmc_rng_key *keys,
                        const size_t *dims, thread_state *t, double *slots, uint64_t b,
                        size_t n)
{
    const int *rslot = m->slot[CMC_RANDOM];
    for (size_t k = 0; k < m->nq[CMC_RANDOM]; k++) {
        double *x = slots + (size_t)rslot[k] * CMC_BLOCK;
        cmc_design_uniforms(g, &keys[k], dims[k], b, n, x);
        cmc_dist_from_uniform(m->dists[k], x, n, t->scratch);
    }
}

/* The random inputs of a model with correlations (copula.h): each input's
   uniforms (its Philox stream 0 under mc, the design's otherwise), the groups'
   uniforms mixed by the copula, then each input's inverse CDF; column k at
   base + col[k] * CMC_BLOCK. Inputs in no group take their usual path (under mc,
   cmc_dist_draw and its faster samplers). Correlated inputs always go through a
   uniform: gamma and the mixtures' components are then drawn by inversion. */
static void draw_correlated(const cmc_model *m, const cmc_design *g, const cmc_rng_key *keys,
                            const size_t *dims, const int *col, double *base, uint64_t b,
                            uint64_t i0, size_t n, double *scratch, double *work,
                            cmc_copula_tally *tally)
{
    const cmc_copula *c = m->copula;
    const int mc = !g || g->kind == CMC_DESIGN_MC;
    for (size_t k = 0; k < m->nq[CMC_RANDOM]; k++) {
        double *x = base + (size_t)col[k] * CMC_BLOCK;
        int member = cmc_copula_member(c, k);
        if (!mc)
            cmc_design_uniforms(g, &keys[k], dims[k], b, n, x);
        else if (member)
            cmc_rng_uniform(&keys[k], 0, i0, n, x);
        else
            cmc_dist_draw(m->dists[k], &keys[k], i0, n, x, scratch);
        if (!mc && !member)
            cmc_dist_from_uniform(m->dists[k], x, n, scratch);
    }
    cmc_copula_mix(c, base, col, CMC_BLOCK, n, work, scratch, tally,
                   mc ? 0 : cmc_design_replicate(g, b));
    for (size_t k = 0; k < m->nq[CMC_RANDOM]; k++)
        if (cmc_copula_member(c, k))
            cmc_dist_from_uniform(m->dists[k], base + (size_t)col[k] * CMC_BLOCK, n, scratch);
}

/* One block: every model drawn and run on samples i0 .. i0 + n - 1, then every
   target's values located (or computed, for comparisons) in t->val. */
static void run_block(const cmc_sampling *s, cmc_rng_key *const *keys, const cmc_design *g,
                      size_t *const *dims, thread_state *t, uint64_t b, size_t n)
{
    const uint64_t i0 = b * CMC_BLOCK;
    for (size_t mi = 0; mi < s->nmodels; mi++) {
        const cmc_model *m = s->models[mi];
        const int *rslot = m->slot[CMC_RANDOM];
        if (m->copula)
            draw_correlated(m, g, keys[mi], dims[mi], rslot, t->slots[mi], b, i0, n, t->scratch,
                            t->cwork, mi == 0 ? t->tally : NULL);
        else if (g->kind != CMC_DESIGN_MC)
            draw_design(m, g, keys[mi], dims[mi], t, t->slots[mi], b, n);
        else
            for (size_t k = 0; k < m->nq[CMC_RANDOM]; k++)
                cmc_dist_draw(m->dists[k], &keys[mi][k], i0, n,
                              t->slots[mi] + (size_t)rslot[k] * CMC_BLOCK, t->scratch);
        cmc_prog_run(&m->prog, t->slots[mi], CMC_BLOCK, n);
    }
    for (size_t i = 0; i < s->ntargets; i++) {
        const cmc_target *g = &s->targets[i];
        if (g->op == CMC_T_SLOT) {
            t->val[i] = t->slots[g->model] + (size_t)g->slot * CMC_BLOCK;
            continue;
        }
        const double *a = t->val[g->a], *b = t->val[g->b];
        double *x = t->derived + i * CMC_BLOCK;
        if (g->op == CMC_T_DIFF)
            for (size_t j = 0; j < n; j++)
                x[j] = a[j] - b[j];
        else if (g->op == CMC_T_RATIO)
            for (size_t j = 0; j < n; j++)
                x[j] = a[j] / b[j];
        else
            for (size_t j = 0; j < n; j++)
                x[j] = isnan(a[j]) || isnan(b[j]) ? NAN : a[j] > b[j] ? 1.0 : 0.0;
        t->val[i] = x;
    }
}

uint64_t cmc_sample_prefix(uint64_t nblocks)
{
    uint64_t f = CMC_ROUND;
    while (f < nblocks && f * CMC_PREFIX_SHARE < nblocks)
        f *= 2;
    return f < nblocks ? f : nblocks;
}

/* The round after the one ending at block b0: see the file header. */
static uint64_t round_end(uint64_t b0, uint64_t nblocks)
{
    uint64_t b1 = b0 < CMC_ROUND ? (b0 ? 2 * b0 : 1) : b0 + CMC_ROUND;
    return b1 < nblocks ? b1 : nblocks;
}

/* The statistics of target t's first n samples: every thread's sketch added into
   a fresh one, with the pilot's exact values while n fits in it. NULL if out of
   memory. */
static cmc_sketch *merged(cmc_sketch ***all, int nall, size_t t, uint64_t n,
                          const double *pilot, uint64_t npilot)
{
    cmc_sketch *m = cmc_sketch_new();
    for (int i = 0; i < nall && m; i++)
        if (all[i] && cmc_sketch_merge(m, all[i][t]) < 0) {
            cmc_sketch_free(m);
            m = NULL;
        }
    if (m && n <= npilot && cmc_sketch_set_exact(m, pilot + t * npilot, (size_t)n) < 0) {
        cmc_sketch_free(m);
        m = NULL;
    }
    return m;
}

/* At n samples: the caller's checkpoint function gets the statistics of the targets
   it covers; then every target's thread sketches are refined from their merge, one
   target at a time (so that one merged copy at most exists besides the caller's).
   Returns -1 if out of memory, 1 if the caller stops the run, else 0. */
static int checkpoint(cmc_sampling *s, cmc_sketch ***all, int nall, uint64_t n,
                      const double *pilot, uint64_t npilot, uint64_t b, uint64_t nblocks)
{
    size_t nt = s->ntargets;
    uint32_t R = s->design != CMC_DESIGN_MC ? s->replicates : 0;
    /* the layout is planned up to the prefix, the last time for the whole run */
    const uint64_t prefix = cmc_sample_prefix(nblocks);
    int zoom = s->zoom && n >= npilot && npilot == CMC_ZOOM_PILOT && b <= prefix;
    int final = b == prefix || b >= nblocks / 2;
    int reps = R && n >= (uint64_t)R * CMC_BLOCK;   /* every replicate has a block */
    cmc_target *snap = calloc(nt ? nt : 1, sizeof *snap);
    cmc_sketch **sk = calloc((size_t)nall + 1, sizeof *sk);
    int rc = snap && sk ? 0 : -1;
    for (size_t t = s->conv_from; s->on_checkpoint && t < s->conv_to && t < nt && rc == 0; t++) {
        snap[t].slot = s->targets[t].slot;
        snap[t].moments = s->targets[t].moments;
        if (!(snap[t].sketch = merged(all, nall, t, n, pilot, npilot)))
            rc = -1;
        if (rc || !reps)
            continue;
        snap[t].rep = s->targets[t].rep;
        snap[t].replicates = R;
        if (!(snap[t].rep_sketch = calloc(R, sizeof *snap[t].rep_sketch)))
            rc = -1;
        for (uint32_t r = 0; rc == 0 && r < R; r++)
            if (!(snap[t].rep_sketch[r] = merged(all, nall, nt + t * R + r, n, NULL, 0)))
                rc = -1;
    }
    if (rc == 0 && s->on_checkpoint && s->on_checkpoint(s->checkpoint_ctx, n, snap))
        rc = 1;
    for (size_t t = 0; zoom && rc == 0 && t < nt; t++) {
        if (t < s->zoom_from && !pilot)
            continue;   /* an input's atoms and histogram window come from the pilot */
        size_t nsk = 0;
        for (int i = 0; i < nall; i++)
            if (all[i])
                sk[nsk++] = all[i][t];
        cmc_sketch *m = snap[t].sketch ? snap[t].sketch : merged(all, nall, t, n, pilot, npilot);
        cmc_zoom_spec z = *s->zoom;
        z.final = final;
        if (t < s->zoom_from)
            z.np = 0;
        if (!m || cmc_sketch_zoom(sk, nsk, m, &z) < 0)
            rc = -1;
        if (m != snap[t].sketch)
            cmc_sketch_free(m);
    }
    if (snap)
        for (size_t t = 0; t < nt; t++) {
            snap[t].rep = NULL;   /* the target's own */
            cmc_target_release(&snap[t], R);
        }
    free(snap);
    free(sk);
    return rc;
}

/*
 * The merge cursor (see the file header): block moments wait in a ring of `ahead`
 * slots until every earlier block is done; whoever holds the lock merges the done
 * blocks at the front of the ring in block order, and at the end of each round
 * hands the round's samples to on_round and reports progress. A thread never
 * waits for the lock: if another holds it, that one merges.
 */
typedef struct cursor {
    cmc_sampling *s;
    uint64_t N, nblocks, ahead;
    size_t nt;
    cmc_moments *parts;            /* [ahead][nt] */
    cmc_mstack *stack;             /* [nt]: the blocks' moments, reduced (stats.h) */
    cmc_mstack *rstack;            /* [nt][R]: each replicate's, by its own block index */
    atomic_uchar *done;            /* [ahead]: the slot holds a finished block */
    double *kept;                  /* [nt][ahead * CMC_BLOCK], only with on_round */
    _Atomic uint64_t merged;       /* blocks merged whose slots are free again */
    uint64_t front;                /* blocks merged (under the lock) */
    uint64_t round0, round1;       /* the round being merged (under the lock) */
    atomic_int stopped;            /* on_round or a checkpoint stopped the run */
    uint32_t R;                    /* replicates (1 for mc) */
    omp_lock_t lock;
} cursor;

/* The targets' moments (and their replicates') from the reduction so far. */
static void fold_moments(cursor *c);

/* Is block b a checkpoint: a power of two 2^k with 2^(k-1) < nblocks / 2 (rounded
   down), so that the blocks after the last one are at least as many as before it? */
static int is_checkpoint(uint64_t b, uint64_t nblocks)
{
    return b && !(b & (b - 1)) && b < nblocks && (b == 1 || b / 2 < nblocks / 2);
}

/* The first checkpoint after block b, or nblocks. */
static uint64_t next_checkpoint(uint64_t b, uint64_t nblocks)
{
    uint64_t p = 1;
    while (p <= b)
        p *= 2;
    return is_checkpoint(p, nblocks) ? p : nblocks;
}

/* The stack of sketch i (sampler.h: targets, then replicates). */
static cmc_mstack *stack_of(cursor *c, size_t i)
{
    return i < c->nt ? &c->stack[i] : &c->rstack[i - c->nt];
}

/*
 * After segment [seg0, seg1) of a split run, seg1 >= prefix. A part: hands the
 * segment's counts and moment nodes to on_segment (not the prefix's: every part and
 * the merge draw that), then clears every thread's counts and the reductions. A
 * merge, at the end of the prefix: replays the parts' stretches between checkpoints
 * to the end, with the checkpoints a whole run has. -1 if out of memory, 1 if a
 * callback failed.
 */
static int split_step(cmc_sampling *s, cursor *c, cmc_sketch ***all, int nall, uint64_t seg0,
                      uint64_t seg1, uint64_t prefix, double *pilot, uint64_t npilot)
{
    const size_t nsk = s->ntargets * (c->R > 1 ? 1 + c->R : 1);
    const uint64_t nblocks = c->nblocks;
    if (s->on_segment) {
        for (size_t i = 0; seg0 >= prefix && i < nsk; i++) {
            cmc_sketch *m = merged(all, nall, i, UINT64_MAX, NULL, 0);
            int rc = m ? s->on_segment(s->segment_ctx, seg0, seg1, i, m, stack_of(c, i)) : 0;
            cmc_sketch_free(m);
            if (!m)
                return -1;
            if (rc)
                return 1;
        }
        for (int t = 0; t < nall; t++)
            for (size_t i = 0; all[t] && i < nsk; i++)
                cmc_sketch_clear(all[t][i]);
        for (size_t i = 0; i < nsk; i++)
            stack_of(c, i)->n = 0;
        return 0;
    }
    if (seg1 != prefix)
        return 0;
    for (uint64_t b0 = prefix, b1; b0 < nblocks; b0 = b1) {
        b1 = next_checkpoint(b0, nblocks);
        for (size_t i = 0; i < nsk; i++)
            if (!all[0] || s->replay(s->segment_ctx, b0, b1, i, all[0][i], stack_of(c, i)))
                return 1;
        fold_moments(c);
        c->front = b1;
        if (s->progress)
            s->progress(s->progress_ctx, b1 * CMC_BLOCK < c->N ? b1 * CMC_BLOCK : c->N, c->N);
        if (is_checkpoint(b1, nblocks) &&
            checkpoint(s, all, nall, b1 * CMC_BLOCK, pilot, npilot, b1, nblocks) < 0)
            return -1;
    }
    return 0;
}

static void fold_moments(cursor *c)
{
    for (size_t t = 0; t < c->nt; t++) {
        cmc_target *g = &c->s->targets[t];
        g->moments = cmc_mstack_fold(&c->stack[t]);
        for (uint32_t r = 0; c->rstack && g->rep && r < c->R; r++)
            g->rep[r] = cmc_mstack_fold(&c->rstack[t * c->R + r]);
    }
}

/* Merge what can be merged; wait: for the lock, else give up if another thread
   holds it. Returns 1 if the front moved. */
static int advance(cursor *c, int wait)
{
    if (wait)
        omp_set_lock(&c->lock);
    else if (!omp_test_lock(&c->lock))
        return 0;
    const uint64_t from = c->front;
    while (c->front < c->round1 && !atomic_load_explicit(&c->stopped, memory_order_relaxed)) {
        size_t slot = (size_t)(c->front % c->ahead);
        if (!atomic_load_explicit(&c->done[slot], memory_order_acquire))
            break;
        for (size_t t = 0; t < c->nt; t++) {
            const cmc_moments *m = &c->parts[slot * c->nt + t];
            cmc_mstack_push(&c->stack[t], c->front, 0, m);
            if (c->rstack)   /* the replicate's own blocks, in order too */
                cmc_mstack_push(&c->rstack[t * c->R + c->front % c->R], c->front / c->R, 0, m);
        }
        c->front++;
        if (!c->kept) {   /* the slot is free again */
            atomic_store_explicit(&c->done[slot], 0, memory_order_relaxed);
            atomic_store_explicit(&c->merged, c->front, memory_order_release);
        }
        if (c->front < c->round1)
            continue;
        /* a round ends: its samples are all here */
        uint64_t first = c->round0 * CMC_BLOCK, last = c->front * CMC_BLOCK;
        last = last < c->N ? last : c->N;
        if (c->kept) {
            if (c->s->on_round(c->s->round_ctx, first, (size_t)(last - first),
                               c->kept + (size_t)(c->round0 % c->ahead) * CMC_BLOCK))
                atomic_store(&c->stopped, 1);
            for (uint64_t f = c->round0; f < c->front; f++)   /* the round's slots */
                atomic_store_explicit(&c->done[f % c->ahead], 0, memory_order_relaxed);
            atomic_store_explicit(&c->merged, c->front, memory_order_release);
        }
        if (c->s->progress)
            c->s->progress(c->s->progress_ctx, last, c->N);
        c->round0 = c->front;
        c->round1 = round_end(c->front, c->nblocks);
    }
    int moved = c->front != from;
    omp_unset_lock(&c->lock);
    return moved;
}

int cmc_sample(cmc_sampling *s, cmc_diags *d)
{
    const uint64_t N = s->samples;
    const uint64_t nblocks = (N + CMC_BLOCK - 1) / CMC_BLOCK;
    const size_t nt = s->ntargets;
    int threads = s->threads > 0 ? s->threads : omp_get_max_threads();
    if ((s->on_segment || s->replay) &&
        (s->on_round || (s->on_segment && s->replay) ||
         (s->on_segment && (s->part_from < cmc_sample_prefix(nblocks) ||
                            s->part_from > s->part_to || s->part_to > nblocks)))) {
        cmc_diag_add(d, CMC_ERROR, NULL, "internal: a part's blocks [%" PRIu64 ", %" PRIu64
                     ") do not follow the prefix of %" PRIu64 " blocks (of %" PRIu64 ")",
                     s->part_from, s->part_to, cmc_sample_prefix(nblocks), nblocks);
        return -1;
    }
    /* blocks a thread may run ahead of the oldest unmerged one: enough to ride out
       a partner's time slice (about 40 ms of work); with kept samples one round,
       whose values must all be kept until it ends */
    const uint64_t ahead = s->on_round ? CMC_ROUND : CMC_AHEAD;

    /* each model's keys; an input of the same name gets the same key in every model */
    cmc_rng_key **keys = calloc(s->nmodels ? s->nmodels : 1, sizeof *keys);
    for (size_t mi = 0; keys && mi < s->nmodels; mi++) {
        const cmc_model *m = s->models[mi];
        size_t nr = m->nq[CMC_RANDOM];
        if (!(keys[mi] = calloc(nr ? nr : 1, sizeof **keys))) {
            for (size_t j = 0; j < mi; j++)
                free(keys[j]);
            free(keys);
            keys = NULL;
            break;
        }
        for (size_t k = 0; k < nr; k++)
            keys[mi][k] = cmc_rng_key_make(s->seed, m->q[CMC_RANDOM][k].name);
    }
    /* the design: uniforms per input (Sobol' dimension by name, models in order) */
    const uint32_t R = s->design == CMC_DESIGN_MC ? 1
                       : s->replicates ? s->replicates : CMC_DEFAULT_REPLICATES;
    cmc_design g;
    size_t **dims = calloc(s->nmodels ? s->nmodels : 1, sizeof *dims);
    const char **dnames = NULL;
    size_t ndims = 0, nrand = 0;
    int setup = dims ? 0 : -1;
    for (size_t mi = 0; mi < s->nmodels; mi++)
        nrand += s->models[mi]->nq[CMC_RANDOM];
    if (setup == 0 && s->design != CMC_DESIGN_MC) {
        if (!(dnames = calloc(nrand ? nrand : 1, sizeof *dnames)))
            setup = -1;
        for (size_t mi = 0; setup == 0 && mi < s->nmodels; mi++) {
            const cmc_model *m = s->models[mi];
            if (!(dims[mi] = calloc(m->nq[CMC_RANDOM] + 1, sizeof **dims))) {
                setup = -1;
                break;
            }
            for (size_t k = 0; k < m->nq[CMC_RANDOM]; k++) {
                size_t d = 0;
                while (d < ndims && strcmp(dnames[d], m->q[CMC_RANDOM][k].name))
                    d++;
                if (d == ndims)
                    dnames[ndims++] = m->q[CMC_RANDOM][k].name;
                dims[mi][k] = d;
                if (cmc_dist_prepare_inversion(m->dists[k]) < 0)
                    setup = -1;
            }
        }
    }
    free(dnames);
    for (size_t mi = 0; setup == 0 && s->design == CMC_DESIGN_MC && mi < s->nmodels; mi++)
        for (size_t k = 0; k < s->models[mi]->nq[CMC_RANDOM]; k++)
            if (cmc_copula_member(s->models[mi]->copula, k) &&
                cmc_dist_prepare_inversion(s->models[mi]->dists[k]) < 0)
                setup = -1;   /* correlated inputs are drawn by inversion */
    if (setup == 0 && s->design == CMC_DESIGN_QMC && ndims > CMC_SOBOL_DIMS) {
        cmc_diag_add(d, CMC_ERROR, NULL, "--design qmc takes at most %d random inputs (this run "
                     "has %zu)", CMC_SOBOL_DIMS, ndims);
        setup = -2;
    }
    int ginit = setup == 0 && cmc_design_init(&g, s->design, R, nblocks, CMC_BLOCK, ndims) == 0;
    if (setup == 0 && !ginit)
        setup = -1;   /* (it frees what it allocated) */
    for (size_t t = 0; setup == 0 && R > 1 && t < nt; t++) {
        s->targets[t].rep = malloc(R * sizeof *s->targets[t].rep);
        s->targets[t].rep_sketch = calloc(R, sizeof *s->targets[t].rep_sketch);
        if (!s->targets[t].rep || !s->targets[t].rep_sketch)
            setup = -1;
        for (uint32_t r = 0; setup == 0 && r < R; r++)
            s->targets[t].rep[r] = cmc_moments_of(NULL, 0);
        s->targets[t].replicates = R;
    }
    if (setup < 0) {
        for (size_t mi = 0; dims && mi < s->nmodels; mi++)
            free(dims[mi]);
        free(dims);
        for (size_t t = 0; t < nt; t++) {
            free(s->targets[t].rep);
            free(s->targets[t].rep_sketch);
            s->targets[t].rep = NULL;
            s->targets[t].rep_sketch = NULL;
            s->targets[t].replicates = 0;
        }
        for (size_t mi = 0; keys && mi < s->nmodels; mi++)
            free(keys[mi]);
        free(keys);
        if (ginit)
            cmc_design_free(&g);
        if (setup == -1)
            cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
        return -1;
    }
    s->stopped_at = 0;
    cursor c = {.s = s, .N = N, .nblocks = nblocks, .ahead = ahead, .nt = nt, .R = R};
    c.parts = calloc(ahead * (nt ? nt : 1), sizeof *c.parts);
    c.stack = calloc(nt ? nt : 1, sizeof *c.stack);
    c.rstack = R > 1 ? calloc((nt ? nt : 1) * R, sizeof *c.rstack) : NULL;
    c.done = calloc(ahead, sizeof *c.done);
    c.round1 = round_end(0, nblocks);
    atomic_init(&c.merged, 0);
    atomic_init(&c.stopped, 0);
    for (uint64_t i = 0; c.done && i < ahead; i++)
        atomic_init(&c.done[i], 0);
    cmc_sketch ***all = calloc((size_t)threads, sizeof *all);   /* each thread's sketches */
    c.kept = s->on_round ? malloc(ahead * CMC_BLOCK * (nt ? nt : 1) * sizeof *c.kept) : NULL;
    /* the pilot: the first values of every target, kept exactly */
    const uint64_t npilot = N < CMC_ZOOM_PILOT ? N : CMC_ZOOM_PILOT;
    double *pilot = malloc((size_t)npilot * (nt ? nt : 1) * sizeof *pilot + 1);
    if (!keys || !c.parts || !c.stack || (R > 1 && !c.rstack) || !c.done || !all ||
        (s->on_round && !c.kept) || !pilot) {
        free(pilot);
        free(c.stack);
        free(c.rstack);
        for (size_t mi = 0; keys && mi < s->nmodels; mi++)
            free(keys[mi]);
        free(keys);
        free(c.parts);
        free(c.done);
        free(all);
        free(c.kept);
        for (size_t mi = 0; mi < s->nmodels; mi++)
            free(dims[mi]);
        free(dims);
        cmc_design_free(&g);
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
        return -1;
    }
    omp_init_lock(&c.lock);
    for (size_t t = 0; t < nt; t++) {
        s->targets[t].moments = cmc_moments_of(NULL, 0);
        s->targets[t].sketch = NULL;
    }

    atomic_int failed;
    _Atomic uint64_t next;
    atomic_init(&failed, 0);
    atomic_init(&next, 0);
    const int checkpoints = s->on_checkpoint || s->zoom;
    const int split = s->on_segment || s->replay;   /* a part or a merge */
    const uint64_t prefix = cmc_sample_prefix(nblocks);

#pragma omp parallel num_threads(threads)
    {
        thread_state ts;
        int mine = thread_init(&ts, s);
        if (mine < 0)
            atomic_store(&failed, 1);
        else
            all[omp_get_thread_num()] = ts.sketch;
        /* segments between checkpoints: [0, 1), [1, 2), [2, 4), ... blocks, then
           the rest; no barrier inside one. A part (or a merge) skips from the
           prefix to its blocks (or to the end). */
        for (uint64_t seg0 = 0, seg1;; seg0 = seg1) {
            if (split && seg0 == prefix)
                seg0 = s->on_segment ? s->part_from : nblocks;
            uint64_t end = !split ? nblocks : seg0 < prefix ? prefix : s->part_to;
            if (seg0 >= end)
                break;
            seg1 = checkpoints || split ? next_checkpoint(seg0, nblocks) : end;
            seg1 = seg1 < end ? seg1 : end;
            while (mine == 0 && !atomic_load_explicit(&failed, memory_order_relaxed) &&
                   !atomic_load_explicit(&c.stopped, memory_order_relaxed)) {
                uint64_t b = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed);
                if (b >= seg1) {
                    atomic_fetch_sub_explicit(&next, 1, memory_order_relaxed);
                    break;
                }
                /* room in the ring: the block ahead-1 before this one is merged */
                while (b >= atomic_load_explicit(&c.merged, memory_order_acquire) + ahead &&
                       !atomic_load_explicit(&c.stopped, memory_order_relaxed))
                    if (!advance(&c, 0))
                        sched_yield();   /* a partner has the oldest block: let it run */
                if (atomic_load_explicit(&c.stopped, memory_order_relaxed))
                    break;
                uint64_t i0 = b * CMC_BLOCK;
                size_t n = N - i0 < CMC_BLOCK ? (size_t)(N - i0) : CMC_BLOCK;
                size_t slot = (size_t)(b % ahead);
                run_block(s, keys, &g, dims, &ts, b, n);
                for (size_t t = 0; t < nt; t++) {
                    const double *x = ts.val[t];
                    c.parts[slot * nt + t] = cmc_moments_of(x, n);
                    if (cmc_sketch_add(ts.sketch[t], x, n) < 0)
                        atomic_store(&failed, 1);
                    if (R > 1 &&
                        cmc_sketch_add(ts.sketch[nt + t * R + cmc_design_replicate(&g, b)], x, n) < 0)
                        atomic_store(&failed, 1);
                    if (c.kept)
                        memcpy(c.kept + t * ahead * CMC_BLOCK + slot * CMC_BLOCK, x,
                               n * sizeof *x);
                    if (i0 < npilot)
                        memcpy(pilot + t * npilot + i0, x, n * sizeof *x);
                }
                atomic_store_explicit(&c.done[slot], 1, memory_order_release);
                advance(&c, 0);
            }
            for (size_t t = 0; mine == 0 && t < nt; t++)   /* before anyone reads them */
                cmc_sketch_flush(ts.sketch[t]);
#pragma omp barrier
#pragma omp single
            {
                if (!atomic_load(&failed)) {
                    advance(&c, 1);   /* every block of the segment is done */
                    fold_moments(&c);
                    uint64_t last = seg1 * CMC_BLOCK < N ? seg1 * CMC_BLOCK : N;
                    /* all threads wait at the barrier of this single: no sketch moves */
                    if (!atomic_load(&c.stopped) && checkpoints &&
                        is_checkpoint(seg1, nblocks)) {
                        int rc = checkpoint(s, all, threads, last, pilot, npilot, seg1,
                                            nblocks);
                        if (rc < 0)
                            atomic_store(&failed, 1);
                        if (rc > 0) {   /* the caller has what it needs */
                            atomic_store(&c.stopped, 1);
                            s->stopped_at = last;
                        }
                        if (last >= npilot) {   /* the pilot's values are counted now */
                            free(pilot);
                            pilot = NULL;
                        }
                    }
                    int rc = !atomic_load(&c.stopped) && split && seg1 >= prefix
                                 ? split_step(s, &c, all, threads, seg0, seg1, prefix, pilot, npilot)
                                 : 0;
                    if (rc < 0)
                        atomic_store(&failed, 1);
                    if (rc > 0)   /* the callback said why */
                        atomic_store(&c.stopped, 1);
                    if (s->on_segment && seg1 == prefix && s->part_from > prefix) {
                        /* on to the part's blocks: the cursor jumps there */
                        c.front = c.round0 = s->part_from;
                        c.round1 = round_end(s->part_from, nblocks);
                        atomic_store(&c.merged, s->part_from);
                        atomic_store(&next, s->part_from);
                    }
                }
            }
            if (atomic_load(&failed) || atomic_load(&c.stopped))
                break;
        }
#pragma omp critical(cmc_sketch_merge)
        {
            if (mine == 0 && ts.tally)   /* integer sums: any order, the same bits */
                cmc_copula_tally_add(s->corr_tally, ts.tally);
            if (mine == 0) {
                for (size_t i = 0; i < ts.nsketch; i++) {
                    size_t t = i < nt ? i : (i - nt) / R;
                    cmc_sketch **to = i < nt ? &s->targets[t].sketch
                                             : &s->targets[t].rep_sketch[(i - nt) % R];
                    if (!*to) {
                        *to = ts.sketch[i];   /* take it over */
                        ts.sketch[i] = NULL;
                    } else if (cmc_sketch_merge(*to, ts.sketch[i]) < 0) {
                        atomic_store(&failed, 1);
                    }
                }
            }
        }
        thread_free(&ts);
    }
    omp_destroy_lock(&c.lock);
    if (!atomic_load(&failed))
        fold_moments(&c);
    free(c.stack);
    free(c.rstack);
    for (size_t mi = 0; mi < s->nmodels; mi++)
        free(dims[mi]);
    free(dims);
    cmc_design_free(&g);
    int stopped = atomic_load(&c.stopped) && !s->stopped_at, bad = atomic_load(&failed);
    /* a run no longer than the pilot: its sketches answer exactly */
    for (size_t t = 0; !bad && !stopped && N <= CMC_ZOOM_PILOT && t < nt; t++)
        if (s->targets[t].sketch &&
            cmc_sketch_set_exact(s->targets[t].sketch, pilot + t * npilot, (size_t)N) < 0)
            bad = 1;
    for (size_t mi = 0; mi < s->nmodels; mi++)
        free(keys[mi]);
    free(keys);
    free(c.parts);
    free(c.done);
    free(all);
    free(c.kept);
    free(pilot);
    if (bad) {
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory while sampling");
        return -1;
    }
    if (stopped)
        return -1;   /* the round callback reported its own error */
    return 0;
}

/* ---- The sensitivity pass ------------------------------------------------------ */

typedef struct sens_thread {
    double *slots, *scratch;
    double *a, *b;             /* [k][CMC_BLOCK]: the random inputs under A and under B */
    double *fa, *fb, *fab;     /* outputs: [nout], [nout], [k][nout] blocks */
    double *u, *l;             /* [k + nout] blocks: ranks and logarithms under A */
    const double **cols;       /* [k]: the columns an evaluation uses */
    const double **fabo;       /* [k]: f(AB_j) of one output */
    double *cwork;             /* correlated inputs: the copula's work space */
    int *col;                  /* [k]: 0, 1, ..., k - 1 (the columns of a and b) */
} sens_thread;

static void sens_thread_free(sens_thread *t)
{
    free(t->slots);
    free(t->scratch);
    free(t->a);
    free(t->b);
    free(t->fa);
    free(t->fb);
    free(t->fab);
    free(t->u);
    free(t->l);
    free(t->cols);
    free(t->fabo);
    free(t->cwork);
    free(t->col);
}

static int sens_thread_init(sens_thread *t, const cmc_model *m, size_t k, size_t nout)
{
    memset(t, 0, sizeof *t);
    const size_t B = CMC_BLOCK * sizeof(double);
    size_t nslots = (size_t)(m->prog.nslots > 0 ? m->prog.nslots : 1), kk = k ? k : 1;
    t->slots = aligned_alloc(64, nslots * B);
    t->scratch = aligned_alloc(64, CMC_DRAW_SCRATCH * B);
    t->a = aligned_alloc(64, kk * B);
    t->b = aligned_alloc(64, kk * B);
    t->fa = aligned_alloc(64, nout * B);
    t->fb = aligned_alloc(64, nout * B);
    t->fab = aligned_alloc(64, kk * nout * B);
    t->u = aligned_alloc(64, (k + nout) * B);
    t->l = aligned_alloc(64, (k + nout) * B);
    t->cols = calloc(kk, sizeof *t->cols);
    t->fabo = calloc(kk, sizeof *t->fabo);
    if (m->copula) {
        t->cwork = aligned_alloc(64, m->copula->gmax * B);
        t->col = calloc(kk, sizeof *t->col);
        if (!t->cwork || !t->col)
            return -1;
        for (size_t r = 0; r < k; r++)
            t->col[r] = (int)r;
    }
    return t->slots && t->scratch && t->a && t->b && t->fa && t->fb && t->fab && t->u &&
                   t->l && t->cols && t->fabo
               ? 0
               : -1;
}

/* Run m on the inputs t->cols[0..k), n samples; its outputs into f[o * CMC_BLOCK]. */
static void sens_eval(const cmc_model *m, const cmc_sens_sampling *s, sens_thread *t, size_t n,
                      double *f, size_t stride)
{
    const int *rslot = m->slot[CMC_RANDOM];
    for (size_t r = 0; r < m->nq[CMC_RANDOM]; r++)
        memcpy(t->slots + (size_t)rslot[r] * CMC_BLOCK, t->cols[r], n * sizeof(double));
    cmc_prog_run(&m->prog, t->slots, CMC_BLOCK, n);
    for (int o = 0; o < s->nout; o++)
        memcpy(f + (size_t)o * stride, t->slots + (size_t)s->output_slot[o] * CMC_BLOCK,
               n * sizeof(double));
}

/* What every block of the pass reads: the keys, the rank tables of the k inputs and
   nout outputs, and the given-data index's centres [nout]. */
typedef struct sens_shared {
    const cmc_rng_key *keys;
    cmc_rank_table **rank;
    double *center;
} sens_shared;

/* Draw A's inputs of block i0 .. i0 + n - 1 and evaluate the program on them. */
static void sens_draw_a(const cmc_model *m, const cmc_sens_sampling *s, const cmc_rng_key *keys,
                        sens_thread *t, uint64_t i0, size_t n)
{
    const size_t k = m->nq[CMC_RANDOM], B = CMC_BLOCK;
    if (m->copula)
        draw_correlated(m, NULL, keys, NULL, t->col, t->a, 0, i0, n, t->scratch, t->cwork, NULL);
    for (size_t r = 0; r < k && !m->copula; r++)
        cmc_dist_draw(m->dists[r], &keys[r], i0, n, t->a + r * B, t->scratch);
    for (size_t r = 0; r < k; r++)
        t->cols[r] = t->a + r * B;
    sens_eval(m, s, t, n, t->fa, B);
}

/* The records of one block (samples i0 .. i0 + n - 1): rk, lg and sb [nout * k], np
   [k + nout]. */
static void sens_block(const cmc_model *m, const cmc_sens_sampling *s, const sens_shared *sh,
                       sens_thread *t, uint64_t i0, size_t n, cmc_comoments *rk,
                       cmc_comoments *lg, cmc_sobol_part *sb, uint64_t *np, double *gd)
{
    const size_t k = m->nq[CMC_RANDOM], nout = (size_t)s->nout, B = CMC_BLOCK;
    const cmc_rng_key *keys = sh->keys;
    sens_draw_a(m, s, keys, t, i0, n);
    if (m->copula)   /* B drawn through the copula too */
        draw_correlated(m, NULL, keys, NULL, t->col, t->b, 0, i0 + CMC_SENS_B_OFFSET, n,
                        t->scratch, t->cwork, NULL);
    for (size_t r = 0; r < k && !m->copula; r++)
        cmc_dist_draw(m->dists[r], &keys[r], i0 + CMC_SENS_B_OFFSET, n, t->b + r * B,
                      t->scratch);
    for (size_t r = 0; r < k; r++)
        t->cols[r] = t->b + r * B;
    sens_eval(m, s, t, n, t->fb, B);
    for (size_t j = 0; j < k; j++) {
        for (size_t r = 0; r < k; r++)
            t->cols[r] = (r == j ? t->b : t->a) + r * B;
        sens_eval(m, s, t, n, t->fab + j * nout * B, B);
    }
    /* ranks and logarithms of A's quantities: inputs 0..k-1, then outputs */
    for (size_t q = 0; q < k + nout; q++) {
        const double *x = q < k ? t->a + q * B : t->fa + (q - k) * B;
        cmc_rank_table_map(sh->rank[q], x, n, t->u + q * B);
        np[q] = cmc_sens_log(x, n, t->l + q * B);
    }
    for (size_t o = 0; o < nout; o++) {
        for (size_t j = 0; j < k; j++) {
            rk[o * k + j] = cmc_sens_comoments_of(t->u + j * B, t->u + (k + o) * B, n);
            lg[o * k + j] = cmc_sens_comoments_of(t->l + j * B, t->l + (k + o) * B, n);
            t->fabo[j] = t->fab + (j * nout + o) * B;
        }
        cmc_sens_sobol_block(t->fa + o * B, t->fb + o * B, t->fabo, k, n, sb + o * k);
    }
    const size_t M = s->given_bins;   /* the given-data index's bins (sens.h) */
    if (!M)
        return;
    memset(gd, 0, nout * k * 3 * M * sizeof *gd);
    for (size_t o = 0; o < nout; o++) {
        const double *y = t->fa + o * B, c = sh->center[o];
        for (size_t j = 0; j < k; j++) {
            double *x = gd + (o * k + j) * 3 * M;
            const double *u = t->u + j * B;
            for (size_t i = 0; i < n; i++) {
                if (!isfinite(y[i]) || !(u[i] >= 0))
                    continue;
                size_t bin = (size_t)(u[i] * (double)M);
                bin = bin < M ? bin : M - 1;
                double v = y[i] - c;
                x[bin] += 1;
                x[M + bin] += v;
                x[2 * M + bin] += v * v;
            }
        }
    }
}

/* The rank tables from sketches of all of A's blocks, as the first pass counts them:
   integer counts, the same whichever thread drew which block. */
static int sens_ranks(const cmc_model *m, const cmc_sens_sampling *s, sens_shared *sh,
                      uint64_t nblocks, int threads)
{
    const size_t k = m->nq[CMC_RANDOM], nout = (size_t)s->nout, Q = k + nout, B = CMC_BLOCK;
    const uint64_t N = s->samples;
    cmc_sketch **all = calloc((size_t)threads * Q + 1, sizeof *all);
    atomic_int failed;
    _Atomic uint64_t next;
    atomic_init(&failed, !all);
    atomic_init(&next, 0);
#pragma omp parallel num_threads(threads) if (!atomic_load(&failed))
    {
        sens_thread ts;
        cmc_sketch **mine = all + (size_t)omp_get_thread_num() * Q;
        int bad = sens_thread_init(&ts, m, k, nout);
        for (size_t q = 0; !bad && q < Q; q++)
            bad = !(mine[q] = cmc_sketch_new());
        if (bad)
            atomic_store(&failed, 1);
        while (!bad && !atomic_load_explicit(&failed, memory_order_relaxed)) {
            uint64_t b = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed);
            if (b >= nblocks)
                break;
            uint64_t i0 = b * CMC_BLOCK;
            size_t n = N - i0 < CMC_BLOCK ? (size_t)(N - i0) : CMC_BLOCK;
            sens_draw_a(m, s, sh->keys, &ts, i0, n);
            for (size_t q = 0; !bad && q < Q; q++)
                bad = cmc_sketch_add(mine[q], q < k ? ts.a + q * B : ts.fa + (q - k) * B, n) < 0;
            if (bad)
                atomic_store(&failed, 1);
        }
        sens_thread_free(&ts);
    }
    for (int t = 1; !atomic_load(&failed) && t < threads; t++)
        for (size_t q = 0; q < Q; q++)
            if (all[(size_t)t * Q + q] && cmc_sketch_merge(all[q], all[(size_t)t * Q + q]) < 0)
                atomic_store(&failed, 1);
    for (size_t q = 0; !atomic_load(&failed) && q < Q; q++)
        if (!all[q] || !(sh->rank[q] = cmc_rank_table_new(all[q])))
            atomic_store(&failed, 1);
    for (size_t i = 0; all && i < (size_t)threads * Q; i++)
        cmc_sketch_free(all[i]);
    free(all);
    return atomic_load(&failed) ? -1 : 0;
}

/* The given-data index's centres: each output's mean over A's first block (its
   finite values; 0 if none), which every part draws alike. */
static int sens_centers(const cmc_model *m, const cmc_sens_sampling *s, sens_shared *sh)
{
    const size_t k = m->nq[CMC_RANDOM], nout = (size_t)s->nout;
    sens_thread ts;
    if (sens_thread_init(&ts, m, k, nout) < 0) {
        sens_thread_free(&ts);
        return -1;
    }
    size_t n = s->samples < CMC_BLOCK ? (size_t)s->samples : CMC_BLOCK;
    sens_draw_a(m, s, sh->keys, &ts, 0, n);
    for (size_t o = 0; o < nout; o++) {
        double sum = 0;
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(ts.fa[o * CMC_BLOCK + i]))
                sum += ts.fa[o * CMC_BLOCK + i], c++;
        sh->center[o] = c && isfinite(sum / (double)c) ? sum / (double)c : 0;
    }
    sens_thread_free(&ts);
    return 0;
}

/* The sensitivity pass's merge cursor: as the main loop's (cursor, advance), with a
   ring of SENS_AHEAD blocks (a block here is N (k + 2) / N times the work). A slot's
   record is the stack's (sens.h): rk, lg, sb, np one after the other. */
#define SENS_AHEAD 256

typedef struct sens_cursor {
    cmc_sens_sampling *s;
    uint64_t N, nblocks, to, front;
    size_t P, Q, pairs;
    unsigned char *rec;        /* [SENS_AHEAD][bytes] */
    size_t bytes;
    double *gd;                /* [SENS_AHEAD][G]: the given-data bins, or NULL */
    size_t G;
    atomic_uchar *done;
    _Atomic uint64_t merged;
    int bad;                   /* out of memory for the tree */
    omp_lock_t lock;
} sens_cursor;

static int sens_advance(sens_cursor *c, int wait)
{
    if (wait)
        omp_set_lock(&c->lock);
    else if (!omp_test_lock(&c->lock))
        return 0;
    const uint64_t from = c->front;
    cmc_sens_sampling *s = c->s;
    while (c->front < c->to) {   /* in block order, up the tree */
        size_t b = (size_t)(c->front % SENS_AHEAD);
        if (!atomic_load_explicit(&c->done[b], memory_order_acquire))
            break;
        void *top = cmc_sens_stack_top(s->stack);
        if (top)
            memcpy(top, c->rec + b * c->bytes, c->bytes);
        c->bad |= !top || cmc_sens_stack_push(s->stack, c->front, 0) < 0;
        if (c->G) {
            cmc_sens_stack *g = &s->given[c->front % CMC_GIVEN_BATCHES];
            void *gt = cmc_sens_stack_top(g);
            if (gt)
                memcpy(gt, c->gd + b * c->G, c->G * sizeof *c->gd);
            c->bad |= !gt || cmc_sens_stack_push(g, c->front / CMC_GIVEN_BATCHES, 0) < 0;
        }
        atomic_store_explicit(&c->done[b], 0, memory_order_relaxed);
        c->front++;
        atomic_store_explicit(&c->merged, c->front, memory_order_release);
        if (s->progress && (c->front % CMC_ROUND == 0 || c->front == c->to)) {
            uint64_t last = c->front * CMC_BLOCK;
            s->progress(s->progress_ctx, last < c->N ? last : c->N, c->N);
        }
    }
    int moved = c->front != from;
    omp_unset_lock(&c->lock);
    return moved;
}

int cmc_sample_sensitivity(const cmc_model *m, cmc_sens_sampling *s, cmc_diags *d)
{
    const uint64_t N = s->samples;
    const uint64_t nblocks = (N + CMC_BLOCK - 1) / CMC_BLOCK;
    const size_t k = m->nq[CMC_RANDOM], nout = (size_t)s->nout;
    const size_t P = nout * k > 0 ? nout * k : 1, Q = k + nout;
    int threads = s->threads > 0 ? s->threads : omp_get_max_threads();
    if (N > CMC_SENS_B_OFFSET) {
        cmc_diag_add(d, CMC_ERROR, NULL, "sensitivity analysis takes at most 2^48 samples");
        return -1;
    }
    const uint64_t to = s->to ? s->to : nblocks;
    cmc_rng_key *keys = calloc(k ? k : 1, sizeof *keys);
    sens_shared sh = {keys, calloc(Q + 1, sizeof *sh.rank), calloc(nout + 1, sizeof *sh.center)};
    sens_cursor c = {.s = s, .N = N, .nblocks = nblocks, .to = to, .front = s->from, .P = P,
                     .Q = Q, .pairs = nout * k, .bytes = s->stack->bytes};
    c.rec = calloc(SENS_AHEAD, c.bytes);
    c.done = calloc(SENS_AHEAD, sizeof *c.done);
    c.G = s->given_bins ? nout * k * 3 * s->given_bins : 0;
    c.gd = c.G ? calloc(SENS_AHEAD * c.G, sizeof *c.gd) : NULL;
    atomic_init(&c.merged, s->from);
    for (size_t i = 0; c.done && i < SENS_AHEAD; i++)
        atomic_init(&c.done[i], 0);
    atomic_int failed;
    _Atomic uint64_t next;
    atomic_init(&failed, !keys || !sh.rank || !sh.center || !c.rec || !c.done || (c.G && !c.gd));
    atomic_init(&next, s->from);
    for (size_t r = 0; r < k && !atomic_load(&failed); r++)
        keys[r] = cmc_rng_key_make(s->seed, m->q[CMC_RANDOM][r].name);
    for (size_t q = 0; s->rank && sh.rank && q < Q; q++)
        sh.rank[q] = s->rank[q];
    if (!atomic_load(&failed) && s->from < to &&
        ((!s->rank && sens_ranks(m, s, &sh, nblocks, threads) < 0) ||
         (s->given_bins && sens_centers(m, s, &sh) < 0)))
        atomic_store(&failed, 1);
    omp_init_lock(&c.lock);

    /* no barrier: blocks claimed from a counter, records merged by the cursor */
    const size_t C = sizeof(cmc_comoments);
#pragma omp parallel num_threads(threads) if (!atomic_load(&failed) && s->from < to)
    {
        sens_thread ts;
        int mine = sens_thread_init(&ts, m, k, nout);
        if (mine < 0)
            atomic_store(&failed, 1);
        while (mine == 0 && !atomic_load_explicit(&failed, memory_order_relaxed)) {
            uint64_t b = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed);
            if (b >= to)
                break;
            while (b >= atomic_load_explicit(&c.merged, memory_order_acquire) + SENS_AHEAD)
                if (!sens_advance(&c, 0))
                    sched_yield();   /* a partner has the oldest block: let it run */
            uint64_t i0 = b * CMC_BLOCK;
            size_t n = N - i0 < CMC_BLOCK ? (size_t)(N - i0) : CMC_BLOCK, slot = b % SENS_AHEAD;
            unsigned char *r = c.rec + slot * c.bytes;
            sens_block(m, s, &sh, &ts, i0, n, (cmc_comoments *)(void *)r,
                       (cmc_comoments *)(void *)(r + P * C),
                       (cmc_sobol_part *)(void *)(r + 2 * P * C),
                       (uint64_t *)(void *)(r + 2 * P * C + P * sizeof(cmc_sobol_part)),
                       c.gd ? c.gd + slot * c.G : NULL);
            atomic_store_explicit(&c.done[slot], 1, memory_order_release);
            sens_advance(&c, 0);
        }
        sens_thread_free(&ts);
    }
    if (!atomic_load(&failed))
        sens_advance(&c, 1);   /* what the last try-locks left */
    omp_destroy_lock(&c.lock);
    for (size_t q = 0; !s->rank && sh.rank && q < Q; q++)
        cmc_rank_table_free(sh.rank[q]);
    free(sh.rank);
    free(sh.center);
    free(keys);
    free(c.rec);
    free(c.done);
    free(c.gd);
    if (atomic_load(&failed) || c.bad) {
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory in the sensitivity pass");
        return -1;
    }
    return 0;
}
