/*
 * expr.h: the syntax tree of the scenario language (internal).
 *
 * Parsing yields one cmc_stmt per line and a small tree per expression; both live
 * in the model's arena. The tree is short-lived in spirit: resolve.c reads it to
 * find dependencies and compile.c turns it into the flat program. Keeping the
 * literal text of numbers ("20k") lets `check` and the stored scenario show the
 * source as the user wrote it.
 */
#ifndef CMC_EXPR_H
#define CMC_EXPR_H

#include "diag.h"
#include "dist.h"
#include "util.h"

typedef enum cmc_expr_kind {
    EX_NUM,    /* num, lit, unit */
    EX_NAME,   /* name */
    EX_NEG,    /* -args[0] */
    EX_BIN,    /* args[0] op args[1]; op is a cmc_tok */
    EX_CALL,   /* func(args...) */
    EX_DIST,   /* dist(args...), weights[i] for choice/mixture; "a to b" too */
    EX_PARAM   /* a function's parameter num (func.c; never left in a definition) */
} cmc_expr_kind;

typedef struct cmc_func {
    const char *name;
    int minargs, maxargs;
    int opcode;           /* cmc_opcode of prog.h */
} cmc_func;

typedef struct cmc_expr {
    cmc_expr_kind kind;
    cmc_loc loc;                   /* the number, name, operator or function name */
    double num;
    const char *lit;               /* EX_NUM: as written */
    const char *unit;              /* EX_NUM: a [unit] label after it, or NULL */
    cmc_loc unit_loc;              /* EX_NUM: where the label is */
    const char *name;              /* EX_NAME, EX_CALL, EX_DIST */
    int op;                        /* EX_BIN */
    const cmc_func *func;          /* EX_CALL: a built-in, or NULL for a function
                                      defined in the language (func.c inlines it) */
    const cmc_dist_type *dist;     /* EX_DIST */
    int nargs;
    struct cmc_expr **args;
    struct cmc_expr **weights;     /* EX_DIST: NULL, or [nargs] with NULL entries */
    cmc_loc open;                  /* EX_CALL, EX_DIST: the '(' */
    int height;                    /* how deep a pass over the tree recurses (below) */
} cmc_expr;

/* The language's limits on expressions (README "Limits"). Nesting: parentheses,
   calls, signs and '^' inside one another, at most CMC_MAX_DEPTH. Height: how deep
   the passes over a tree (compile.c, the printer and cmc_expr_names in expr.c)
   recurse. They walk a left-leaning chain a + b + c + ... (every binary operator
   but '^' is left-associative) down its left spine in a loop and recurse only into
   right operands and arguments, so a leaf has height 1, a binary node
   max(height(left), 1 + height(right)), any other node 1 + its tallest argument: a
   sum of 50,000 terms has height 2, and without parentheses each level of nesting
   adds at most 6 (one per precedence level). CMC_MAX_HEIGHT bounds the recursion,
   and with it the stack, in every build: about 3.3 KB a frame unoptimised with
   ASan, 3.4 MB in all. */
#define CMC_MAX_DEPTH 256
#define CMC_MAX_HEIGHT 1024

typedef enum cmc_stmt_kind {
    ST_TITLE, ST_USE, ST_INPUT, ST_OUTPUT, ST_DEF, ST_VARIANT,
    ST_SHARE,     /* share NAME, ...: one scenario-level input for the instances' NAME */
    ST_REPORT,    /* report NAME, ...: the outputs the summaries show */
    ST_FUNC,      /* NAME(PARAM, ...) = expr: a function, inlined where it is called */
    ST_CORRELATE, /* correlate NAME, ...: VALUE, ...: rank correlations (copula.c) */
    ST_REFERENCE  /* reference NAME: the variant the others are compared with */
} cmc_stmt_kind;

/* `correlate a, b, c: 0.6, 0.2, 0.3`: Spearman rank correlations (copula.c). */
typedef struct cmc_corr_spec {
    int nnames, nvals;
    const char **names;
    cmc_loc *name_locs;
    double *vals;           /* one for every pair, or the upper triangle row by row */
    cmc_loc *val_locs;
} cmc_corr_spec;

typedef struct cmc_stmt {
    cmc_stmt_kind kind;
    cmc_loc loc;            /* the keyword, or the name of a definition */
    cmc_loc name_loc;       /* INPUT, OUTPUT, DEF: the name */
    const char *name;
    const char *str;        /* TITLE: the title; USE: the model name; VARIANT: its label */
    cmc_expr *value;        /* DEF; INPUT default; OUTPUT with '=' (NULL if none) */
    const char *desc;       /* "..." after it, or NULL */
    const char *unit;       /* [unit] on the line, or NULL */
    cmc_loc unit_loc;       /* where it is */
    int has_range;          /* INPUT: `in LO to HI`, its plausible values (in its unit) */
    double lo, hi;
    cmc_loc range_loc;      /* the `in` */
    struct cmc_stmt *body;  /* VARIANT: its definitions (ST_DEF, chained by next) */
    const char **names;     /* SHARE, REPORT: the names; FUNC: the parameters */
    cmc_loc *name_locs;     /* where each is written */
    int nnames;
    const char *prefix;     /* USE `as PREFIX`: an instance (resolve_inst.c), else NULL */
    int generated;          /* made by `share` (resolve_inst.c), not written */
    const struct cmc_expr *inlined;   /* FUNC: the body with its calls inlined (func.c) */
    int inline_state;       /* FUNC: 0 not yet, 1 being inlined, 2 done (or failed) */
    int *uses;              /* FUNC: how often the inlined body uses each parameter */
    cmc_corr_spec *corr;    /* CORRELATE */
    struct cmc_stmt *next;
} cmc_stmt;

const cmc_func *cmc_func_lookup(const char *name);
const cmc_func *cmc_funcs(size_t *n);

/* Canonical source text of an expression, parenthesised only where needed. */
void cmc_expr_format(cmc_buf *b, const cmc_expr *e);

/* Visit every EX_NAME reference of e in source order (distribution arguments too). */
typedef int (*cmc_expr_visit)(const cmc_expr *name, void *ctx);
int cmc_expr_names(const cmc_expr *e, cmc_expr_visit fn, void *ctx);

/* A copy of e in which fn has replaced nodes: fn(node) returns the node itself to
   go on into its arguments, a replacement (not walked further), or NULL for an error
   (already reported). Unchanged subtrees are shared, not copied; heights are kept
   (the caller checks CMC_MAX_HEIGHT). Recursion: the height of e, as for every pass
   (a chain's left spine is walked in a loop). NULL on error or out of memory. */
typedef cmc_expr *(*cmc_expr_rewrite_fn)(const cmc_expr *e, void *ctx);
cmc_expr *cmc_expr_rewrite(const cmc_expr *e, cmc_expr_rewrite_fn fn, void *ctx, cmc_arena *a);

/* Parse a whole file into statements. Returns 0, or -1 when errors were reported
   (statements that parsed are still returned). */
int cmc_parse(const cmc_src *src, cmc_arena *a, cmc_diags *d, cmc_stmt **out);

#endif
