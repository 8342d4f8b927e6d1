/*
 * part.h: runs split into parts and their merge (internal; docs/scale.md).
 *
 * part.c holds what a part records while it samples and how the merge checks the
 * parts and replays them into its own sketches and reductions; h5part.c writes and
 * reads a part's file. run.c calls both through cmc_split.
 */
#ifndef CMC_PART_H
#define CMC_PART_H

#include "h5.h"
#include "sampler.h"

#include <stdint.h>

/* One sketch's record of one segment of a part: blocks [b0, b1), sketch i (sampler.h),
   its counts counts[coff .. coff + clen) (cmc_sketch_state) and its moment nodes
   nodes[8 noff .. 8 (noff + nnodes)) (start, level, n, nonfinite and the bits of
   mean, m2, min and max). */
typedef struct cmc_part_entry {
    uint64_t b0, b1, i, coff, clen, noff, nnodes;
} cmc_part_entry;
#define CMC_PART_ENTRY_FIELDS 7
#define CMC_PART_NODE_FIELDS 8

/* A part: who it is, what run it belongs to, and its records. */
typedef struct cmc_part {
    char *path;                      /* the file it was read from (merge) */
    uint32_t part, nparts;           /* K of M, 1 <= K <= M */
    uint64_t seed, samples, nblocks, prefix, from, to, nsketch, ntargets;
    uint32_t design, replicates;
    char *version, *title, *source;
    char **args;                     /* the run's arguments that fix its results */
    size_t nargs;
    cmc_part_entry *entry;
    size_t nentry, capentry;
    uint64_t *counts;                /* NULL in a merge until needed (h5part.c) */
    size_t ncounts, capcounts;
    uint64_t *nodes;
    size_t nnodes, capnodes;         /* in nodes */
    uint64_t *sens;                  /* --sensitivity: the pass's trees over its blocks
                                        (run_sens.c), else NULL */
    size_t nsens;
    uint64_t *tally;                 /* correlated inputs: the copula's tally (copula.h)
                                        of the prefix and its blocks, else NULL */
    size_t ntally;
} cmc_part;

void cmc_part_free(cmc_part *p);

/* The blocks [from, to) of part K of M of a run of nblocks blocks (docs/scale.md). */
void cmc_part_range(uint64_t nblocks, uint32_t part, uint32_t nparts, uint64_t *from,
                    uint64_t *to);

/* Fill in p's description of a run (all but part, nparts, args and the records; from
   and to when p->part is set). -1 if out of memory. */
int cmc_part_describe(cmc_part *p, const cmc_model *m, uint64_t samples, uint64_t seed,
                      cmc_design_kind design, uint32_t replicates, size_t ntargets);

/* The sampler's on_segment for a part (ctx: its cmc_part): records the segment. */
int cmc_part_record(void *ctx, uint64_t b0, uint64_t b1, size_t i, const cmc_sketch *sk,
                    const cmc_mstack *st);

/* A merge: the parts in block order, checked against each other and complete. */
typedef struct cmc_merge {
    cmc_part **part;
    size_t nparts;
    cmc_diags *d;                    /* where replay reports */
} cmc_merge;

/* Are mg's parts those of the run self describes (its arguments: those of mg's first
   part), each part exactly once? Sorts them into block order. -1 with the reasons in d. */
int cmc_merge_check(cmc_merge *mg, const cmc_part *self, cmc_diags *d);

/* Correlated inputs: keep t (of the prefix and p's blocks) in p; in a merge whose t
   holds the prefix, add each part's own blocks (its tally less the prefix's:
   integers, so exact). -1 with the reason in d. */
struct cmc_copula_tally;
int cmc_part_keep_tally(cmc_part *p, const struct cmc_copula_tally *t, cmc_diags *d);
int cmc_merge_tally(const cmc_merge *mg, struct cmc_copula_tally *t, cmc_diags *d);

/* The sampler's replay for a merge (ctx: its cmc_merge). */
int cmc_merge_replay(void *ctx, uint64_t b0, uint64_t b1, size_t i, cmc_sketch *sk,
                     cmc_mstack *st);

/* h5part.c: write part p into h's file and commit it (frees h either way), and read
   one back (without its counts: cmc_h5_part_counts loads them). NULL with an error
   in d if path is not a part's file. */
int cmc_h5_part_commit(cmc_h5 *h, cmc_part *p, cmc_diags *d);
cmc_part *cmc_h5_part_read(const char *path, cmc_diags *d);
int cmc_h5_part_counts(cmc_part *p, cmc_diags *d);

/* For MPI (mpi.c): part K of M drawn into memory (o->output ignored); a part as one
   array of integers and back (name: what errors call it; NULL if the array is not a
   part's); the merge of such parts, as cmc_run_merge. */
cmc_part *cmc_part_draw(const cmc_model *m, const cmc_run_options *o, uint32_t part,
                        uint32_t nparts, cmc_diags *d);
uint64_t *cmc_part_pack(const cmc_part *p, size_t *len);
cmc_part *cmc_part_unpack(const uint64_t *a, size_t len, const char *name);
cmc_results *cmc_run_merge_parts(const cmc_model *m, const cmc_run_options *o, cmc_part **parts,
                                 size_t nparts, cmc_diags *d);
/* Set p's version, title and scenario text to those of this build and m. */
int cmc_part_describe_text(cmc_part *p, const cmc_model *m);

/* How run.c runs a part or a merge: exactly one of part and merge. */
typedef struct cmc_split {
    cmc_part *part;     /* a part: filled while sampling, written instead of results */
    cmc_merge *merge;   /* a merge: replayed after the prefix */
} cmc_split;

/* run.c: cmc_run, for a part or a merge. A part returns results with nothing but
   the run's description (its file holds no statistics). */
cmc_results *cmc_run_split(const cmc_model *m, const cmc_run_options *o, const cmc_split *sp,
                           cmc_diags *d);

/* run_sens.c: the sensitivity pass and its results in r (r->inputs and r->outputs
   named), of a run (sp NULL), or of a part (its trees into sp->part->sens, r
   untouched) or a merge (the parts' trees). targets: the first pass's, whose first
   k + nout sketches (inputs, outputs) give the rank tables (a part's are ignored). */
int cmc_run_sensitivity(const cmc_model *m, const cmc_run_options *o, const cmc_split *sp,
                        const cmc_target *targets, cmc_results *r, cmc_diags *d);

#endif
