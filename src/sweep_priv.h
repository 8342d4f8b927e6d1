/*
 * sweep_priv.h: what the two files of `carbonmc sweep` share (internal): the grid
 * as the user wrote it, read and checked by sweep_spec.c (the --grid texts or the
 * CSV file, every place kept for messages), run by sweep.c.
 */
#ifndef CMC_SWEEP_PRIV_H
#define CMC_SWEEP_PRIV_H

#include "diag.h"
#include "sweep.h"
#include "util.h"

/* A var as written: where its name and each value are, for messages. */
typedef struct spec_var {
    const char *name;
    const cmc_src *name_src;
    int name_line, name_col;
    size_t n;
    const char **text;        /* [n] the value texts, trimmed */
    const cmc_src **src;      /* [n] where each was written */
    int *line, *col;          /* [n] */
} spec_var;

typedef struct spec {
    size_t nvars;
    spec_var *vars;
    size_t npoints;
    int points;               /* CSV */
    size_t *row;              /* CSV: [npoints * nvars] the value index of var k at
                                 point i is i itself; unused for grids */
} spec;

/* Read o's --grid texts or CSV file into sp (in a): every value a number, no name
   twice, none also a fixed --set (lo) or a dimension's name; the errors located in
   the user's text. 0, or -1 with errors in d. */
int cmc_sweep_spec_read(spec *sp, const cmc_sweep_options *o, const cmc_load_options *lo,
                        cmc_arena *a, cmc_diags *d);

#endif
