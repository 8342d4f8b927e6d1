/*
 * compile.h: the compiler's state, shared by its three files (internal).
 *
 * compile.c compiles expressions and definitions into the program; compile_units.c
 * checks and converts units (units.h), warns of hand-written factors and checks
 * ranges; compile_dist.c turns distributions into random inputs, their parameters
 * converted to the unit the values are drawn in. A val is what an expression
 * compiles to: a constant or a slot, with its unit.
 */
#ifndef CMC_COMPILE_H
#define CMC_COMPILE_H

#include "model.h"
#include "units.h"

typedef struct val {
    int is_const;
    double k;
    int slot;
    const cmc_unit *unit;   /* NULL: a plain number */
    int bare;               /* no unit written anywhere in it */
} val;

#define MAX_FACTORS 32

typedef struct compiler {
    cmc_model *m;
    const cmc_graph *g;
    cmc_diags *d;
    cmc_arena *a;
    cmc_op *ops;
    int nops, capops;
    const cmc_sym *cur;     /* the name being compiled */
    int ndist;              /* distributions met so far in its definition */
    int in_param;           /* compiling a distribution parameter */
    cmc_unit_pool *units;
    double factors[MAX_FACTORS];   /* conversions inserted in the current definition */
    int nfactors;
    cmc_map declared;       /* name -> a definition in the files with a [unit] */
} compiler;

/* compile.c */
int cmc_compile_expr(compiler *c, const cmc_expr *e, val *out);
int cmc_compile_emit(compiler *c, int code, const val *args, val *out);
int cmc_compile_new_slot(compiler *c, const char *name);
cmc_quantity *cmc_compile_add_quantity(compiler *c, cmc_qkind kind, int slot);
const char *cmc_compile_format(compiler *c, const cmc_expr *e);

/* compile_units.c */
/* "kW", or "a plain number" */
const char *cmc_compile_utext(const cmc_unit *u);
/* The unit of a [label] written at loc, or an error there (*ok = 0). */
const cmc_unit *cmc_compile_label(compiler *c, const char *text, const cmc_loc *loc, int *ok);
/* Note a conversion for `check` and for the plain-factor warning. */
int cmc_compile_record(compiler *c, const cmc_loc *loc, const cmc_unit *from,
                       const cmc_unit *to, double f);
/* Scale v by f: folded for a constant, else one multiplication. */
int cmc_compile_scale(compiler *c, val *v, double f);
/* v (written at loc) into unit `to`; `what` is the message's format when the units
   are not commensurable (two %s: v's unit, to). */
int cmc_compile_convert(compiler *c, const cmc_loc *loc, val *v, const cmc_unit *to,
                        const char *what);
/* b into a's unit; 1 when a is a plain 0 that should take b's unit instead. */
int cmc_compile_commensurate(compiler *c, const cmc_loc *loc, const val *a, val *b,
                             const char *what);
void cmc_compile_warn_factors(compiler *c, const cmc_expr *value);
int cmc_compile_check_range(compiler *c, const cmc_sym *s, const val *v, cmc_quantity *q);

/* compile_dist.c: a distribution, drawn in `unit` (have_unit) with its plain
   parameters in dflt, or in the unit of its first parameter that has one. */
int cmc_compile_dist(compiler *c, const cmc_expr *e, const cmc_unit *dflt,
                     const cmc_unit *unit, int have_unit, val *out);

#endif
