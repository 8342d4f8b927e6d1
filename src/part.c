/*
 * part.c: runs split into parts, and their merge (docs/scale.md).
 *
 * A run of N samples has B = ceil(N / 1024) blocks. Every part draws the prefix,
 * the first cmc_sample_prefix(B) blocks, whose merged counts plan the sketches'
 * layout (zoom.c): a function of N alone, so every part gets the same layout
 * without hearing from the others. The rounds (64 blocks) after the prefix are
 * shared out in order: part K of M gets rounds [floor((K-1) R / M), floor(K R / M))
 * of the R there are. While it samples, a part records for every segment of its
 * blocks (cut at the checkpoints, the powers of two) and every sketch the integer
 * counts and the nodes of the fixed moment reduction (stats.h, cmc_mstack); its
 * file holds those and the run's description.
 *
 * The merge draws the prefix itself, then adds the parts' records stretch by
 * stretch between checkpoints, in block order (cmc_merge_replay): the counts are
 * integers and the nodes are pushed onto the same reduction a single run builds,
 * so every statistic, checkpoint included, has the bits of a single run.
 */
#include "part.h"
#include "copula.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmc_part_free(cmc_part *p)
{
    if (!p)
        return;
    free(p->path);
    free(p->version);
    free(p->title);
    free(p->source);
    for (size_t i = 0; i < p->nargs; i++)
        free(p->args[i]);
    free(p->args);
    free(p->entry);
    free(p->counts);
    free(p->nodes);
    free(p->sens);
    free(p->tally);
    free(p);
}

void cmc_part_range(uint64_t nblocks, uint32_t part, uint32_t nparts, uint64_t *from,
                    uint64_t *to)
{
    uint64_t prefix = cmc_sample_prefix(nblocks);
    uint64_t rounds = (nblocks - prefix + CMC_ROUND - 1) / CMC_ROUND;
    /* rounds * part < 2^64: rounds < 2^48 and part < 2^32 would not hold for every
       N, so in two steps */
    uint64_t r0 = rounds / nparts * (part - 1) + rounds % nparts * (part - 1) / nparts;
    uint64_t r1 = rounds / nparts * part + rounds % nparts * part / nparts;
    *from = prefix + r0 * CMC_ROUND;
    *to = prefix + r1 * CMC_ROUND;
    *from = *from < nblocks ? *from : nblocks;
    *to = *to < nblocks ? *to : nblocks;
}

/* Grow *a (of *cap elements of size sz) to hold n. */
static int grow(void *a, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < n)
        c *= 2;
    void *b = realloc(*(void **)a, c * sz);
    if (!b)
        return -1;
    *(void **)a = b;
    *cap = c;
    return 0;
}

static void node_bits(uint64_t *out, const cmc_mnode *n)
{
    out[0] = n->start;
    out[1] = n->level;
    out[2] = n->m.n;
    out[3] = n->m.nonfinite;
    memcpy(&out[4], &n->m.mean, 8);
    memcpy(&out[5], &n->m.m2, 8);
    memcpy(&out[6], &n->m.min, 8);
    memcpy(&out[7], &n->m.max, 8);
}

int cmc_part_record(void *ctx, uint64_t b0, uint64_t b1, size_t i, const cmc_sketch *sk,
                    const cmc_mstack *st)
{
    cmc_part *p = ctx;
    size_t len;
    uint64_t *c = cmc_sketch_state(sk, &len);
    if (!c || grow(&p->counts, &p->capcounts, p->ncounts + len, sizeof *p->counts) < 0 ||
        grow(&p->nodes, &p->capnodes, p->nnodes + st->n, CMC_PART_NODE_FIELDS * 8) < 0 ||
        grow(&p->entry, &p->capentry, p->nentry + 1, sizeof *p->entry) < 0) {
        free(c);
        return -1;
    }
    memcpy(p->counts + p->ncounts, c, len * sizeof *c);
    free(c);
    for (uint32_t k = 0; k < st->n; k++)
        node_bits(p->nodes + CMC_PART_NODE_FIELDS * (p->nnodes + k), &st->node[k]);
    p->entry[p->nentry++] = (cmc_part_entry){b0, b1, i, p->ncounts, len, p->nnodes, st->n};
    p->ncounts += len;
    p->nnodes += st->n;
    return 0;
}

int cmc_merge_replay(void *ctx, uint64_t b0, uint64_t b1, size_t i, cmc_sketch *sk,
                     cmc_mstack *st)
{
    cmc_merge *mg = ctx;
    for (size_t k = 0; k < mg->nparts; k++) {
        cmc_part *p = mg->part[k];
        if (p->to <= b0 || p->from >= b1 || p->from == p->to)
            continue;
        if (!p->counts && cmc_h5_part_counts(p, mg->d) < 0)
            return -1;
        for (size_t e = 0; e < p->nentry; e++) {
            const cmc_part_entry *en = &p->entry[e];
            if (en->i != i || en->b1 <= b0 || en->b0 >= b1)
                continue;
            if (en->b0 < b0 || en->b1 > b1) {
                cmc_diag_add(mg->d, CMC_ERROR, NULL, "%s: its blocks [%" PRIu64 ", %" PRIu64
                             ") cross a checkpoint of this merge (a different build?)",
                             p->path, en->b0, en->b1);
                return -1;
            }
            if (cmc_sketch_add_state(sk, p->counts + en->coff, en->clen) != 0) {
                cmc_diag_add(mg->d, CMC_ERROR, NULL, "%s: the counts of blocks [%" PRIu64
                             ", %" PRIu64 ") do not fit the sketches this merge laid out "
                             "(a different build or scenario?)", p->path, en->b0, en->b1);
                return -1;
            }
            for (uint64_t n = 0; n < en->nnodes; n++) {
                const uint64_t *x = p->nodes + CMC_PART_NODE_FIELDS * (en->noff + n);
                cmc_moments m = {x[2], x[3], 0, 0, 0, 0};
                memcpy(&m.mean, &x[4], 8);
                memcpy(&m.m2, &x[5], 8);
                memcpy(&m.min, &x[6], 8);
                memcpy(&m.max, &x[7], 8);
                if (x[1] >= 64 || (st->n && x[0] != st->node[st->n - 1].start +
                                                         ((uint64_t)1 << st->node[st->n - 1].level))) {
                    cmc_diag_add(mg->d, CMC_ERROR, NULL, "%s: the moments of blocks [%" PRIu64
                                 ", %" PRIu64 ") do not follow the blocks before them",
                                 p->path, en->b0, en->b1);
                    return -1;
                }
                cmc_mstack_push(st, x[0], (uint32_t)x[1], &m);
            }
        }
        if (p->to <= b1 && i + 1 == p->nsketch) {   /* done with this part */
            free(p->counts);
            p->counts = NULL;
        }
    }
    return 0;
}

int cmc_part_describe_text(cmc_part *p, const cmc_model *m)
{
    free(p->version);
    free(p->title);
    free(p->source);
    p->version = strdup(cmc_version());
    p->title = strdup(cmc_model_title(m) ? cmc_model_title(m) : "");
    p->source = strdup(cmc_model_source(m) ? cmc_model_source(m) : "");
    return p->version && p->title && p->source ? 0 : -1;
}

int cmc_part_describe(cmc_part *p, const cmc_model *m, uint64_t samples, uint64_t seed,
                      cmc_design_kind design, uint32_t replicates, size_t ntargets)
{
    p->seed = seed;
    p->samples = samples;
    p->design = (uint32_t)design;
    p->replicates = replicates;
    p->nblocks = (samples + CMC_BLOCK - 1) / CMC_BLOCK;
    p->prefix = cmc_sample_prefix(p->nblocks);
    p->ntargets = ntargets;
    p->nsketch = ntargets * (replicates > 1 ? 1 + replicates : 1);
    if (p->part)
        cmc_part_range(p->nblocks, p->part, p->nparts, &p->from, &p->to);
    return cmc_part_describe_text(p, m);
}

static int by_part(const void *x, const void *y)
{
    const cmc_part *a = *(cmc_part *const *)x, *b = *(cmc_part *const *)y;
    return (a->part > b->part) - (a->part < b->part);
}

/* Do p's records tile its blocks, for every sketch? */
static int tiles(const cmc_part *p)
{
    for (uint64_t i = 0; i < p->nsketch; i++) {
        uint64_t at = p->from;
        for (size_t e = 0; e < p->nentry; e++)
            if (p->entry[e].i == i) {
                if (p->entry[e].b0 != at)
                    return 0;
                at = p->entry[e].b1;
            }
        if (at != p->to)
            return 0;
    }
    return 1;
}

int cmc_merge_check(cmc_merge *mg, const cmc_part *self, cmc_diags *d)
{
    int bad = 0;
    if (!mg->nparts) {
        cmc_diag_add(d, CMC_ERROR, NULL, "no parts to merge");
        return -1;
    }
    qsort(mg->part, mg->nparts, sizeof *mg->part, by_part);
    const cmc_part *first = mg->part[0];
    for (size_t k = 0; k < mg->nparts; k++) {
        const cmc_part *p = mg->part[k];
        const char *what = NULL;
        char buf[160];
        if (strcmp(p->version, self->version))
            snprintf(buf, sizeof buf, "it was written by carbonmc %s, this is %s", p->version,
                     self->version), what = buf;
        else if (strcmp(p->source, self->source))
            what = "its scenario text (after `use` and --set) is not the one this merge reads "
                   "now";
        else if (p->seed != self->seed)
            snprintf(buf, sizeof buf, "its seed is %" PRIu64 ", not %" PRIu64, p->seed,
                     self->seed), what = buf;
        else if (p->samples != self->samples)
            snprintf(buf, sizeof buf, "it has %" PRIu64 " samples, not %" PRIu64, p->samples,
                     self->samples), what = buf;
        else if (p->design != self->design || p->replicates != self->replicates)
            what = "its sampling design or replicates differ";
        else if (p->nblocks != self->nblocks || p->prefix != self->prefix ||
                 p->nsketch != self->nsketch || p->ntargets != self->ntargets)
            what = "its layout of blocks and quantities differs (a different build?)";
        else if (p->nparts != first->nparts)
            snprintf(buf, sizeof buf, "it is a part of %u, '%s' one of %u", (unsigned)p->nparts,
                     first->path, (unsigned)first->nparts), what = buf;
        else if (p->nargs != first->nargs)
            what = "it was run with other options";
        for (size_t j = 0; !what && j < p->nargs; j++)
            if (strcmp(p->args[j], first->args[j]))
                what = "it was run with other options";
        if (what) {
            cmc_diag_add(d, CMC_ERROR, NULL, "'%s' is not a part of the same run as '%s': %s",
                         p->path, first->path, what);
            bad = 1;
            continue;
        }
        if (p->part < 1 || p->part > p->nparts) {
            cmc_diag_add(d, CMC_ERROR, NULL, "'%s' says it is part %u of %u", p->path,
                         (unsigned)p->part, (unsigned)p->nparts);
            bad = 1;
            continue;
        }
        uint64_t from, to;
        cmc_part_range(p->nblocks, p->part, p->nparts, &from, &to);
        if (p->from != from || p->to != to || !tiles(p)) {
            cmc_diag_add(d, CMC_ERROR, NULL, "'%s': its records do not cover the blocks of part "
                         "%u of %u", p->path, (unsigned)p->part, (unsigned)p->nparts);
            bad = 1;
        }
        if (k && mg->part[k - 1]->part == p->part) {
            cmc_diag_add(d, CMC_ERROR, NULL, "part %u of %u is given twice: '%s' and '%s'",
                         (unsigned)p->part, (unsigned)p->nparts, mg->part[k - 1]->path, p->path);
            bad = 1;
        }
    }
    if (bad)
        return -1;
    /* sorted and without repeats: part K is at K - 1 unless some are missing */
    uint32_t want = 1, missing = 0;
    for (size_t k = 0; k <= mg->nparts; k++) {
        uint32_t next = k < mg->nparts ? mg->part[k]->part : first->nparts + 1;
        for (; want < next; want++)
            if (missing++ < 10)
                cmc_diag_add(d, CMC_ERROR, NULL, "part %u of %u is missing", (unsigned)want,
                             (unsigned)first->nparts);
        want = next + 1;
    }
    if (missing > 10)
        cmc_diag_add(d, CMC_ERROR, NULL, "(%u parts missing in all)", (unsigned)missing);
    return missing ? -1 : 0;
}

/* ---- the public entry points (carbonmc.h) ------------------------------------------ */

int cmc_run_part(const cmc_model *m, const cmc_run_options *o, uint32_t part, uint32_t nparts,
                 const char *const *args, size_t nargs, cmc_diags *d)
{
    if (part < 1 || part > nparts) {
        cmc_diag_add(d, CMC_ERROR, NULL, "part %u of %u: the part must be from 1 to %u",
                     (unsigned)part, (unsigned)nparts, (unsigned)nparts);
        return -1;
    }
    if (!o->output) {
        cmc_diag_add(d, CMC_ERROR, NULL, "a part needs a file to write (-o)");
        return -1;
    }
    cmc_part *p = calloc(1, sizeof *p);
    if (p && (p->args = calloc(nargs + 1, sizeof *p->args)))
        for (size_t i = 0; i < nargs; i++)
            if ((p->args[i] = strdup(args[i])))
                p->nargs++;
    if (!p || !p->args || p->nargs != nargs) {
        cmc_part_free(p);
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
        return -1;
    }
    p->part = part;
    p->nparts = nparts;
    cmc_split sp = {p, NULL};
    cmc_results *r = cmc_run_split(m, o, &sp, d);
    cmc_part_free(p);
    cmc_results_free(r);
    return r ? 0 : -1;
}

void cmc_part_blocks(uint64_t samples, uint32_t part, uint32_t nparts, uint64_t *from,
                     uint64_t *to)
{
    uint64_t nblocks = (samples + CMC_BLOCK - 1) / CMC_BLOCK;
    cmc_part_range(nblocks, part, nparts, from, to);
}

char **cmc_part_arguments(const char *path, cmc_diags *d)
{
    cmc_part *p = cmc_h5_part_read(path, d);
    if (!p)
        return NULL;
    char **a = p->args;   /* NULL-terminated: calloc'd one longer */
    p->args = NULL;
    p->nargs = 0;
    cmc_part_free(p);
    if (!a)
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
    return a;
}

void cmc_strings_free(char **s)
{
    for (size_t i = 0; s && s[i]; i++)
        free(s[i]);
    free(s);
}

cmc_part *cmc_part_draw(const cmc_model *m, const cmc_run_options *o, uint32_t part,
                        uint32_t nparts, cmc_diags *d)
{
    cmc_part *p = calloc(1, sizeof *p);
    if (!p || !(p->args = calloc(1, sizeof *p->args))) {
        cmc_part_free(p);
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
        return NULL;
    }
    p->part = part;
    p->nparts = nparts;
    cmc_run_options q = *o;
    q.output = NULL;   /* the records stay in memory */
    cmc_split sp = {p, NULL};
    cmc_results *r = cmc_run_split(m, &q, &sp, d);
    if (!r) {
        cmc_part_free(p);
        return NULL;
    }
    cmc_results_free(r);
    return p;
}

/* pack: a header of PACK_HEAD numbers, then the entries, nodes, counts, the
   sensitivity trees and the copula's tally */
#define PACK_HEAD 17

uint64_t *cmc_part_pack(const cmc_part *p, size_t *len)
{
    size_t n = PACK_HEAD + CMC_PART_ENTRY_FIELDS * p->nentry + CMC_PART_NODE_FIELDS * p->nnodes +
               p->ncounts + p->nsens + p->ntally;
    uint64_t *a = malloc(n * sizeof *a), *at = a + PACK_HEAD;
    if (!a)
        return NULL;
    uint64_t h[PACK_HEAD] = {p->part,   p->nparts, p->seed,    p->samples, p->nblocks,
                             p->prefix, p->from,   p->to,      p->nsketch, p->ntargets,
                             p->design, p->replicates, p->nentry, p->nnodes, p->ncounts,
                             p->nsens, p->ntally};
    memcpy(a, h, sizeof h);
    for (size_t e = 0; e < p->nentry; e++) {
        const cmc_part_entry *x = &p->entry[e];
        uint64_t row[CMC_PART_ENTRY_FIELDS] = {x->b0, x->b1, x->i, x->coff, x->clen, x->noff, x->nnodes};
        memcpy(at, row, sizeof row);
        at += CMC_PART_ENTRY_FIELDS;
    }
    memcpy(at, p->nodes, CMC_PART_NODE_FIELDS * p->nnodes * sizeof *at);
    at += CMC_PART_NODE_FIELDS * p->nnodes;
    memcpy(at, p->counts, p->ncounts * sizeof *at);
    at += p->ncounts;
    if (p->nsens)
        memcpy(at, p->sens, p->nsens * sizeof *at);
    at += p->nsens;
    if (p->ntally)
        memcpy(at, p->tally, p->ntally * sizeof *at);
    *len = n;
    return a;
}

cmc_part *cmc_part_unpack(const uint64_t *a, size_t len, const char *name)
{
    if (len < PACK_HEAD || a[11] > UINT32_MAX || a[12] > len || a[13] > len || a[14] > len ||
        a[15] > len || a[16] > len ||
        len != PACK_HEAD + CMC_PART_ENTRY_FIELDS * a[12] + CMC_PART_NODE_FIELDS * a[13] + a[14] +
                   a[15] + a[16])
        return NULL;
    cmc_part *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->part = (uint32_t)a[0];
    p->nparts = (uint32_t)a[1];
    p->seed = a[2];
    p->samples = a[3];
    p->nblocks = a[4];
    p->prefix = a[5];
    p->from = a[6];
    p->to = a[7];
    p->nsketch = a[8];
    p->ntargets = a[9];
    p->design = (uint32_t)a[10];
    p->replicates = (uint32_t)a[11];
    p->nentry = p->capentry = a[12];
    p->nnodes = p->capnodes = a[13];
    p->ncounts = p->capcounts = a[14];
    p->nsens = a[15];
    p->ntally = a[16];
    const uint64_t *at = a + PACK_HEAD;
    p->path = strdup(name);
    p->args = calloc(1, sizeof *p->args);
    p->entry = malloc((p->nentry ? p->nentry : 1) * sizeof *p->entry);
    p->nodes = malloc((p->nnodes ? p->nnodes : 1) * CMC_PART_NODE_FIELDS * sizeof *p->nodes);
    p->counts = malloc((p->ncounts ? p->ncounts : 1) * sizeof *p->counts);
    if (!p->path || !p->args || !p->entry || !p->nodes || !p->counts) {
        cmc_part_free(p);
        return NULL;
    }
    for (size_t e = 0; e < p->nentry; e++, at += CMC_PART_ENTRY_FIELDS)
        p->entry[e] = (cmc_part_entry){at[0], at[1], at[2], at[3], at[4], at[5], at[6]};
    memcpy(p->nodes, at, CMC_PART_NODE_FIELDS * p->nnodes * sizeof *at);
    at += CMC_PART_NODE_FIELDS * p->nnodes;
    memcpy(p->counts, at, p->ncounts * sizeof *at);
    at += p->ncounts;
    if (p->nsens && !(p->sens = malloc(p->nsens * sizeof *p->sens))) {
        cmc_part_free(p);
        return NULL;
    }
    if (p->nsens)
        memcpy(p->sens, at, p->nsens * sizeof *at);
    at += p->nsens;
    if (p->ntally && !(p->tally = malloc(p->ntally * sizeof *p->tally))) {
        cmc_part_free(p);
        return NULL;
    }
    if (p->ntally)
        memcpy(p->tally, at, p->ntally * sizeof *at);
    for (size_t e = 0; e < p->nentry; e++) {   /* as cmc_h5_part_read checks a file */
        const cmc_part_entry *x = &p->entry[e];
        if (x->coff > p->ncounts || x->clen > p->ncounts - x->coff || x->noff > p->nnodes ||
            x->nnodes > p->nnodes - x->noff || x->i >= p->nsketch || x->b0 >= x->b1) {
            cmc_part_free(p);
            return NULL;
        }
    }
    return p;
}

cmc_results *cmc_run_merge_parts(const cmc_model *m, const cmc_run_options *o, cmc_part **parts,
                                 size_t nparts, cmc_diags *d)
{
    for (size_t k = 0; k < nparts; k++)   /* they ran here, on this scenario */
        if (cmc_part_describe_text(parts[k], m) < 0) {
            cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
            return NULL;
        }
    cmc_merge mg = {parts, nparts, d};
    cmc_split sp = {NULL, &mg};
    return cmc_run_split(m, o, &sp, d);
}

cmc_results *cmc_run_merge(const cmc_model *m, const cmc_run_options *o,
                           const char *const *parts, size_t nparts, cmc_diags *d)
{
    cmc_merge mg = {calloc(nparts ? nparts : 1, sizeof *mg.part), 0, d};
    int bad = !mg.part;
    for (size_t k = 0; mg.part && k < nparts; k++) {
        cmc_part *p = cmc_h5_part_read(parts[k], d);
        if (p)
            mg.part[mg.nparts++] = p;
        else
            bad = 1;
    }
    cmc_results *r = NULL;
    if (!bad) {
        cmc_split sp = {NULL, &mg};
        r = cmc_run_split(m, o, &sp, d);
    } else if (!mg.part) {
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
    }
    for (size_t k = 0; k < mg.nparts; k++)
        cmc_part_free(mg.part[k]);
    free(mg.part);
    return r;
}

/* A tally as numbers: the replicates' counts, then every sum as its low and high
   64 bits. */
static size_t tally_words(const cmc_copula_tally *t)
{
    return t->replicates + (size_t)t->replicates * t->npairs * 5 * 2;
}

int cmc_part_keep_tally(cmc_part *p, const cmc_copula_tally *t, cmc_diags *d)
{
    size_t n = tally_words(t);
    free(p->tally);
    if (!(p->tally = malloc(n * sizeof *p->tally))) {
        p->ntally = 0;
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
        return -1;
    }
    p->ntally = n;
    memcpy(p->tally, t->n, t->replicates * sizeof *t->n);
    uint64_t *at = p->tally + t->replicates;
    for (size_t i = 0; i < (size_t)t->replicates * t->npairs * 5; i++) {
        *at++ = (uint64_t)t->sum[i];
        *at++ = (uint64_t)(t->sum[i] >> 64);
    }
    return 0;
}

int cmc_merge_tally(const cmc_merge *mg, cmc_copula_tally *t, cmc_diags *d)
{
    size_t n = tally_words(t), ns = (size_t)t->replicates * t->npairs * 5;
    uint64_t *pn = malloc(t->replicates * sizeof *pn);
    cmc_u128 *ps = malloc((ns ? ns : 1) * sizeof *ps);
    if (!pn || !ps) {
        free(pn);
        free(ps);
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
        return -1;
    }
    memcpy(pn, t->n, t->replicates * sizeof *pn);   /* the prefix's */
    memcpy(ps, t->sum, ns * sizeof *ps);
    int rc = 0;
    for (size_t k = 0; k < mg->nparts && rc == 0; k++) {
        const cmc_part *p = mg->part[k];
        if (p->ntally != n) {
            cmc_diag_add(d, CMC_ERROR, NULL, "'%s': the part's record of the correlated "
                         "inputs is missing or damaged", p->path ? p->path : "a part");
            rc = -1;
            break;
        }
        for (uint32_t r = 0; r < t->replicates; r++)
            t->n[r] += p->tally[r] - pn[r];
        const uint64_t *at = p->tally + t->replicates;
        for (size_t i = 0; i < ns; i++, at += 2)
            t->sum[i] += ((cmc_u128)at[1] << 64 | at[0]) - ps[i];
    }
    free(pn);
    free(ps);
    return rc;
}
