/*
 * func.h: functions defined in the language, inlined (internal).
 *
 * `name(a, b) = expr` defines a function; a call is replaced by the body with the
 * arguments put in place of the parameters before anything else reads the tree, so
 * the dependency walk, the unit checks and the compiler see ordinary expressions
 * and a call costs nothing per sample.
 */
#ifndef CMC_FUNC_H
#define CMC_FUNC_H

#include "expr.h"

/* The functions a file sees: its own and those of the files it uses, directly or not
   (name -> ST_FUNC statement). */
typedef struct cmc_funcs_scope {
    cmc_map map;
    int ready;
} cmc_funcs_scope;

/* Build scope from the file's statements and the scopes of the files it uses
   (which are ready); a function defined twice, or in two files one of which sees
   the other's, is an error. Then inline every call in the file's statements
   (definitions, defaults, variants, function bodies: so a recursive function is
   reported even where nothing calls it). Returns 0, or -1 with errors in d. */
int cmc_func_file(cmc_funcs_scope *scope, cmc_stmt *stmts,
                  const cmc_funcs_scope *const *uses, int nuses, cmc_arena *a,
                  cmc_diags *d);

/* Inline the calls in one expression (a --set text) with the functions of scope.
   NULL with errors in d. */
cmc_expr *cmc_func_inline(const cmc_funcs_scope *scope, const cmc_expr *e, cmc_arena *a,
                          cmc_diags *d);

#endif
