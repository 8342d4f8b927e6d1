/*
 * model.h: the compiled model behind the public cmc_model handle (internal).
 */
#ifndef CMC_MODEL_H
#define CMC_MODEL_H

#include "carbonmc.h"
#include "dist.h"
#include "prog.h"
#include "resolve.h"

#define CMC_NKINDS 4

struct cmc_model {
    cmc_arena *arena;
    const char *title;
    const char **files;
    size_t nfiles;
    cmc_prog prog;
    cmc_quantity *q[CMC_NKINDS];   /* by cmc_qkind */
    int *slot[CMC_NKINDS];         /* each quantity's slot, -1 for a constant */
    size_t nq[CMC_NKINDS], cap[CMC_NKINDS];
    cmc_dist **dists;              /* one per random input (owned) */
    const char **slot_names;       /* [prog.nslots] */
    cmc_conversion *conversions;   /* inserted by the compiler, in source order */
    size_t nconversions, capconversions;
    char *program_text;
    char *source;                  /* the scenario as run (cmc_model_source) */
    struct cmc_variant {           /* the scenario's variants (none in a variant) */
        const char *name, *label;
        cmc_model *m;
    } *variants;
    size_t nvariants;
    int reference;                 /* the variant the others are compared with, or
                                      -1: base, the scenario as written */
    struct cmc_copula *copula;     /* `correlate` statements (copula.h), or NULL */
};

/* cmc_model_load_string for len bytes that may hold NUL bytes (they are reported):
   the entry point of the fuzzing harness (tests/fuzz/). */
cmc_model *cmc_model_load_mem(const char *name, const char *text, size_t len,
                              const cmc_load_options *opt, cmc_diags *d);

/* Compile the resolved graph into m's program and quantity tables. */
int cmc_compile(const cmc_graph *g, cmc_model *m, cmc_diags *d);

#endif
