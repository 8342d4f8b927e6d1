/*
 * expr.c: the function table and the canonical printer of expressions.
 *
 * The printer inserts parentheses from operator precedence alone, so that a
 * definition printed by `check` or stored in the HDF5 file reads back into the same
 * tree. Numbers keep the text the user wrote ("20k", "85%").
 */
#include "expr.h"
#include "lex.h"
#include "prog.h"

#include <stdlib.h>
#include <string.h>

static const cmc_func funcs[] = {
    {"if", 3, 3, OP_IF},       {"min", 2, 64, OP_MIN},     {"max", 2, 64, OP_MAX},
    {"exp", 1, 1, OP_EXP},     {"log", 1, 1, OP_LOG},      {"log10", 1, 1, OP_LOG10},
    {"sqrt", 1, 1, OP_SQRT},   {"abs", 1, 1, OP_ABS},      {"floor", 1, 1, OP_FLOOR},
    {"ceil", 1, 1, OP_CEIL},   {"clamp", 3, 3, OP_CLAMP},
};

const cmc_func *cmc_funcs(size_t *n)
{
    *n = sizeof funcs / sizeof funcs[0];
    return funcs;
}

const cmc_func *cmc_func_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if (strcmp(funcs[i].name, name) == 0)
            return &funcs[i];
    return NULL;
}

/* Binding strength: comparisons < "to" < + - < * / < unary minus < ^ < atoms. */
enum { P_CMP = 1, P_TO, P_ADD, P_MUL, P_NEG, P_POW, P_ATOM };

static int prec(const cmc_expr *e)
{
    switch (e->kind) {
    case EX_NEG: return P_NEG;
    case EX_BIN:
        switch (e->op) {
        case TK_PLUS: case TK_MINUS: return P_ADD;
        case TK_STAR: case TK_SLASH: return P_MUL;
        case TK_CARET: return P_POW;
        default: return P_CMP;
        }
    case EX_DIST: return e->dist->kind == CMC_DIST_TO ? P_TO : P_ATOM;
    default: return P_ATOM;
    }
}

static const char *opstr(int op)
{
    switch (op) {
    case TK_PLUS: return "+";
    case TK_MINUS: return "-";
    case TK_STAR: return "*";
    case TK_SLASH: return "/";
    case TK_CARET: return "^";
    case TK_LT: return "<";
    case TK_LE: return "<=";
    case TK_GT: return ">";
    case TK_GE: return ">=";
    case TK_EQ: return "==";
    default: return "!=";
    }
}

/* What the operands of binary node e need: left-associative operators need a
   parenthesised right operand of equal strength; ^ is right-associative;
   comparisons do not chain. */
static void needs(const cmc_expr *e, int *lneed, int *rneed)
{
    int p = prec(e);
    *lneed = p;
    *rneed = p + 1;
    if (e->op == TK_CARET) {
        *lneed = p + 1;
        *rneed = P_NEG;
    } else if (p == P_CMP) {
        *lneed = *rneed = P_TO;
    }
}

static void fmt(cmc_buf *b, const cmc_expr *e, int need);

/* A chain of binary operators printed down its left spine in loops (as
   compile.c compiles it): first the opening parentheses of every level that needs
   them, outermost first, then the leftmost operand, then each operator and right
   operand with its closing parenthesis, innermost first. Recursion only into
   right operands: a sum of 50,000 terms costs no stack. O(chain). */
static void fmt_chain(cmc_buf *b, const cmc_expr *e, int need)
{
    size_t n = 0;
    const cmc_expr *x = e;
    for (; x->kind == EX_BIN; x = x->args[0])
        n++;
    struct level { const cmc_expr *e; int paren, rneed; } *v = malloc(n * sizeof *v);
    if (!v) {
        b->failed = 1;
        return;
    }
    size_t i = 0;
    for (x = e; x->kind == EX_BIN; x = x->args[0], i++) {
        int lneed, rneed;
        needs(x, &lneed, &rneed);
        v[i].e = x;
        v[i].paren = prec(x) < need;
        v[i].rneed = rneed;
        if (v[i].paren)
            cmc_buf_puts(b, "(");
        need = lneed;
    }
    fmt(b, x, need);
    while (i-- > 0) {
        cmc_buf_printf(b, " %s ", opstr(v[i].e->op));
        fmt(b, v[i].e->args[1], v[i].rneed);
        if (v[i].paren)
            cmc_buf_puts(b, ")");
    }
    free(v);
}

static void fmt(cmc_buf *b, const cmc_expr *e, int need)
{
    if (e->kind == EX_BIN) {
        fmt_chain(b, e, need);   /* it writes e's own parentheses */
        return;
    }
    int p = prec(e), paren = p < need;
    if (paren)
        cmc_buf_puts(b, "(");
    switch (e->kind) {
    case EX_NUM:
        cmc_buf_puts(b, e->lit);
        if (e->unit)
            cmc_buf_printf(b, " [%s]", e->unit);
        break;
    case EX_NAME:
    case EX_PARAM:
        cmc_buf_puts(b, e->name);
        break;
    case EX_NEG:
        cmc_buf_puts(b, "-");
        fmt(b, e->args[0], P_NEG);
        break;
    case EX_BIN:   /* above */
        break;
    case EX_DIST:
        if (e->dist->kind == CMC_DIST_TO) {
            fmt(b, e->args[0], P_ADD);
            cmc_buf_puts(b, " to ");
            fmt(b, e->args[1], P_ADD);
            break;
        }
        /* fall through */
    case EX_CALL:
        cmc_buf_printf(b, "%s(", e->name);
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                cmc_buf_puts(b, ", ");
            fmt(b, e->args[i], P_CMP);
            if (e->weights && e->weights[i]) {
                cmc_buf_puts(b, ": ");
                fmt(b, e->weights[i], P_CMP);
            }
        }
        cmc_buf_puts(b, ")");
        break;
    }
    if (paren)
        cmc_buf_puts(b, ")");
}

void cmc_expr_format(cmc_buf *b, const cmc_expr *e)
{
    fmt(b, e, P_CMP);
}

int cmc_expr_names(const cmc_expr *e, cmc_expr_visit fn, void *ctx)
{
    if (e->kind == EX_NAME)
        return fn(e, ctx);
    if (e->kind == EX_BIN && e->args[0]->kind == EX_BIN) {
        /* a chain: down the left spine in a loop, as fmt_chain does */
        size_t n = 0;
        const cmc_expr *x = e;
        for (; x->kind == EX_BIN; x = x->args[0])
            n++;
        const cmc_expr **spine = malloc(n * sizeof *spine);
        if (!spine)
            return -1;
        size_t i = n;
        for (x = e; x->kind == EX_BIN; x = x->args[0])
            spine[--i] = x;
        int r = cmc_expr_names(x, fn, ctx);
        for (i = 0; i < n && !r; i++)
            r = cmc_expr_names(spine[i]->args[1], fn, ctx);
        free(spine);
        return r;
    }
    for (int i = 0; i < e->nargs; i++) {
        int r = cmc_expr_names(e->args[i], fn, ctx);
        if (r)
            return r;
        if (e->weights && e->weights[i] && (r = cmc_expr_names(e->weights[i], fn, ctx)))
            return r;
    }
    return 0;
}

/* The height of a node from its arguments' (expr.h; parse.c's grown does the same
   as it builds). */
static int height_of(const cmc_expr *e)
{
    int h = 1;
    for (int i = 0; i < e->nargs; i++) {
        int hi = e->args[i]->height + 1;
        if (e->kind == EX_BIN && i == 0)
            hi--;
        if (hi > h)
            h = hi;
        if (e->weights && e->weights[i] && e->weights[i]->height + 1 > h)
            h = e->weights[i]->height + 1;
    }
    return h;
}

/* One node: fn first; if it declines (returns e itself), the arguments, and a copy
   of e only if one of them changed. A chain's left spine is walked by rewrite. */
static cmc_expr *rewrite(const cmc_expr *e, cmc_expr_rewrite_fn fn, void *ctx, cmc_arena *a);

static cmc_expr *rewrite_node(const cmc_expr *e, cmc_expr *left, cmc_expr_rewrite_fn fn,
                              void *ctx, cmc_arena *a)
{
    cmc_expr *r = fn(e, ctx);
    if (r != e)
        return r;   /* replaced, or NULL: an error */
    cmc_expr **args = NULL, **weights = NULL;
    for (int i = 0; i < e->nargs; i++) {
        cmc_expr *x = i == 0 && left ? left : rewrite(e->args[i], fn, ctx, a);
        cmc_expr *w = e->weights && e->weights[i] ? rewrite(e->weights[i], fn, ctx, a) : NULL;
        if (!x || (e->weights && e->weights[i] && !w))
            return NULL;
        if (x != e->args[i] && !args) {
            if (!(args = cmc_arena_alloc(a, (size_t)e->nargs * sizeof *args)))
                return NULL;
            memcpy(args, e->args, (size_t)e->nargs * sizeof *args);
        }
        if (args)
            args[i] = x;
        if (w && w != e->weights[i] && !weights) {
            if (!(weights = cmc_arena_alloc(a, (size_t)e->nargs * sizeof *weights)))
                return NULL;
            memcpy(weights, e->weights, (size_t)e->nargs * sizeof *weights);
        }
        if (weights)
            weights[i] = w;
    }
    if (!args && !weights)
        return (cmc_expr *)e;
    cmc_expr *c = cmc_arena_alloc(a, sizeof *c);
    if (!c)
        return NULL;
    *c = *e;
    if (args)
        c->args = args;
    if (weights)
        c->weights = weights;
    c->height = height_of(c);
    return c;
}

static cmc_expr *rewrite(const cmc_expr *e, cmc_expr_rewrite_fn fn, void *ctx, cmc_arena *a)
{
    if (e->kind != EX_BIN || e->args[0]->kind != EX_BIN)
        return rewrite_node(e, NULL, fn, ctx, a);
    /* a chain: bottom of the left spine first, in a loop */
    size_t n = 0;
    const cmc_expr *x = e;
    for (; x->kind == EX_BIN; x = x->args[0])
        n++;
    const cmc_expr **spine = malloc(n * sizeof *spine);
    if (!spine)
        return NULL;
    size_t i = n;
    for (x = e; x->kind == EX_BIN; x = x->args[0])
        spine[--i] = x;
    cmc_expr *left = rewrite_node(x, NULL, fn, ctx, a);
    for (i = 0; i < n && left; i++)
        left = rewrite_node(spine[i], left, fn, ctx, a);
    free(spine);
    return left;
}

cmc_expr *cmc_expr_rewrite(const cmc_expr *e, cmc_expr_rewrite_fn fn, void *ctx, cmc_arena *a)
{
    return rewrite(e, fn, ctx, a);
}
