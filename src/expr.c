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
