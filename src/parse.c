/*
 * parse.c: recursive-descent parser of the scenario language.
 *
 * One statement a line:
 *     title "text"            use "model" [as PREFIX]
 *     input NAME [= expr] ["description"] [[unit]] [in LO to HI]
 *     output NAME [= expr] ["description"] [[unit]]
 *     NAME [[unit]] = expr ["description"] [[unit]]
 *     NAME(PARAM, ...) = expr ["description"]         (a function: func.c)
 *     share NAME, ...         report NAME, ...        variant NAME ["label"]: ...
 *     reference NAME
 * The statements that start with a keyword are rows of one table (`statements`):
 * adding one is a function and a row. `share`, `report` and `reference` are keywords
 * only when a name follows them, so that older files may still call a quantity `share`. A name
 * may carry an instance's prefix (`pretrain.co2_t`, lex.c). A call of a name that
 * is neither a built-in nor a distribution is kept as a call of a function defined
 * in the language, which func.c looks up and inlines (or reports as unknown).
 * A definition's unit (units.h) is written before '=' (`e [kWh] = p * t`), or after
 * the expression when it ends in a number (`x = 150 to 400 [W]`).
 * Expressions, loosest first: comparison (< <= > >= == !=, not chained), "a to b",
 * + -, * /, unary -, ^ (right-associative, so -2^2 = -4 and 2^-1 = 0.5), atoms
 * (numbers with an optional [unit], names, calls, parentheses). A name followed by
 * '(' is a call of a function or a distribution; any other name is a reference, so
 * a quantity may be called `beta` without clashing with beta(a, b).
 *
 * Argument lists and parentheses may break across lines after '(' or ','; a missing
 * ')' is reported where the line ended, naming the '(' it would close (as Lua
 * does). After an error the parser skips to the next line and goes on, so one run
 * reports every syntax error, up to a limit.
 *
 * Recursion is bounded by the limits of expr.h: nesting (parentheses, calls, signs,
 * '^') at most CMC_MAX_DEPTH levels, counted in parse_unary, and the height of the
 * tree the later passes recurse down, checked as each node is made. Beyond either,
 * a located error instead of a stack overflow. A chain a + b + c ... is parsed by a
 * loop and walked by loops later: its length is limited only by the file's size.
 */
#include "expr.h"
#include "lex.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_ERRORS 20

typedef struct parser {
    cmc_lexer lx;
    cmc_token cur;
    cmc_token prev;        /* the last token consumed */
    cmc_arena *a;
    cmc_diags *d;
    const cmc_src *src;
    int failed;            /* errors in this statement: skip to end of line */
    int nerrors;
    int depth;             /* parse_unary calls in progress: the nesting */
    cmc_expr *last_unit;   /* the number that took the most recent [unit] */
} parser;

static void next(parser *p)
{
    p->prev = p->cur;
    p->cur = cmc_lex_next(&p->lx);
    while (p->cur.kind == TK_ERROR) {
        p->failed = 1;
        p->nerrors++;
        p->cur = cmc_lex_next(&p->lx);
    }
}

static cmc_loc tok_loc(parser *p, const cmc_token *t)
{
    cmc_loc l = {p->src, t->line, t->col, t->len > 0 ? t->len : 1};
    return l;
}

static void describe(const cmc_token *t, char *buf, size_t n)
{
    if (t->kind == TK_NAME || t->kind == TK_NUMBER)
        snprintf(buf, n, "'%.*s'", t->len > 40 ? 40 : t->len, t->start);
    else
        snprintf(buf, n, "%s", cmc_tok_name(t->kind));
}

/* Report at token t, once per statement. */
static void error_at(parser *p, const cmc_token *t, const char *fmt, const char *arg)
{
    if (p->failed)
        return;
    p->failed = 1;
    p->nerrors++;
    cmc_loc l = tok_loc(p, t);
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    cmc_error(p->d, &l, "%s", msg);
}

static void expected(parser *p, const char *what)
{
    char found[64], msg[200];
    describe(&p->cur, found, sizeof found);
    snprintf(msg, sizeof msg, "expected %s, found %%s", what);
    error_at(p, &p->cur, msg, found);
}

static cmc_expr *node(parser *p, cmc_expr_kind k, const cmc_token *t)
{
    cmc_expr *e = cmc_arena_alloc(p->a, sizeof *e);
    if (!e) {
        error_at(p, t, "%s", "out of memory");
        return NULL;
    }
    e->kind = k;
    e->loc = tok_loc(p, t);
    e->height = 1;
    return e;
}

/* Set e's height (expr.h) from its arguments; an error (at token t) past
   CMC_MAX_HEIGHT. */
static cmc_expr *grown(parser *p, cmc_expr *e, const cmc_token *t)
{
    int h = 0;
    for (int i = 0; i < e->nargs; i++) {
        int hi = e->args[i]->height + 1;
        if (e->kind == EX_BIN && i == 0)
            hi--;   /* the left spine is walked in a loop */
        if (hi > h)
            h = hi;
        if (e->weights && e->weights[i] && e->weights[i]->height + 1 > h)
            h = e->weights[i]->height + 1;
    }
    e->height = h;
    if (e->height > CMC_MAX_HEIGHT) {
        char msg[200];
        snprintf(msg, sizeof msg, "expression nested too deeply (more than %d levels of "
                                  "operators inside one another)", CMC_MAX_HEIGHT);
        error_at(p, t, "%s", msg);
        return NULL;
    }
    return e;
}

static int is_keyword(const char *s)
{
    return !strcmp(s, "title") || !strcmp(s, "use") || !strcmp(s, "input") ||
           !strcmp(s, "output") || !strcmp(s, "to") || !strcmp(s, "variant");
}

static int is_name(const cmc_token *t, const char *s)
{
    return t->kind == TK_NAME && (size_t)t->len == strlen(s) && !memcmp(t->start, s, t->len);
}

/* Skip newlines inside parentheses; returns the first newline skipped (or the
   current token if none) so that a missing ')' is reported where the line ended. */
static cmc_token skip_newlines(parser *p)
{
    cmc_token first = p->cur;
    while (p->cur.kind == TK_NEWLINE)
        next(p);
    return first;
}

static cmc_expr *parse_expr(parser *p);

static void expect_close(parser *p, const cmc_token *open, const cmc_token *where)
{
    char found[64], msg[200];
    describe(where, found, sizeof found);
    snprintf(msg, sizeof msg, "')' expected (to close '(' at line %d, column %d), found %s",
             open->line, open->col, found);
    error_at(p, where, "%s", msg);
}

/* name '(' args ')': a function call or a distribution */
static cmc_expr *parse_call(parser *p, const cmc_token *name)
{
    cmc_token open = p->cur;
    next(p); /* ( */
    /* any number of arguments (choice of 1,000 values): arrays grown in the arena,
       doubling, so n arguments cost O(n) */
    cmc_expr *first_args[16], *first_weights[16];
    cmc_expr **args = first_args, **weights = first_weights;
    int nargs = 0, nweights = 0, cap = 16;
    cmc_token colon = {0};
    skip_newlines(p);
    if (p->cur.kind != TK_RPAREN) {
        for (;;) {
            if (nargs == cap) {
                cmc_expr **a = cmc_arena_alloc(p->a, 2 * (size_t)cap * sizeof *a);
                cmc_expr **w = cmc_arena_alloc(p->a, 2 * (size_t)cap * sizeof *w);
                if (!a || !w) {
                    error_at(p, &p->cur, "%s", "out of memory");
                    return NULL;
                }
                memcpy(a, args, (size_t)cap * sizeof *a);
                memcpy(w, weights, (size_t)cap * sizeof *w);
                args = a;
                weights = w;
                cap *= 2;
            }
            cmc_expr *arg = parse_expr(p);
            if (!arg)
                return NULL;
            weights[nargs] = NULL;
            if (p->cur.kind == TK_COLON) {
                if (!nweights)
                    colon = p->cur;
                next(p);
                if (!(weights[nargs] = parse_expr(p)))
                    return NULL;
                nweights++;
            }
            args[nargs++] = arg;
            cmc_token nl = skip_newlines(p);
            if (p->cur.kind == TK_COMMA) {
                next(p);
                skip_newlines(p);
                continue;
            }
            if (p->cur.kind == TK_RPAREN)
                break;
            expect_close(p, &open, nl.kind == TK_NEWLINE || p->cur.kind == TK_EOF ? &nl : &p->cur);
            return NULL;
        }
    }
    next(p); /* ) */

    cmc_expr *e;
    const char *nm = name->text;
    const cmc_dist_type *dt = cmc_dist_lookup(nm);
    const cmc_func *fn = dt ? NULL : cmc_func_lookup(nm);
    if (dt && dt->kind == CMC_DIST_TO)
        dt = NULL, fn = NULL;   /* "to" is an operator, not a function */
    if (!dt && !fn && !nweights) {
        /* a function defined in the language, maybe in another file: func.c looks
           it up, checks the arity and inlines it (or says it is unknown) */
        if (!(e = node(p, EX_CALL, name)))
            return NULL;
        e->name = nm;
        e->open = tok_loc(p, &open);
        e->nargs = nargs;
        e->args = cmc_arena_alloc(p->a, (size_t)(nargs ? nargs : 1) * sizeof *e->args);
        if (!e->args)
            return NULL;
        memcpy(e->args, args, (size_t)nargs * sizeof *args);
        return grown(p, e, name);
    }
    if (!dt && !fn) {
        size_t nd, nf;
        const cmc_dist_type *ds = cmc_dist_types(&nd);
        const cmc_func *fs = cmc_funcs(&nf);
        const char *cands[64];
        size_t nc = 0;
        for (size_t i = 0; i < nd && nc < 64; i++)
            if (ds[i].kind != CMC_DIST_TO)
                cands[nc++] = ds[i].name;
        for (size_t i = 0; i < nf && nc < 64; i++)
            cands[nc++] = fs[i].name;
        char hint[128];
        cmc_suggest_text(hint, sizeof hint, nm, cands, nc);
        char msg[256];
        snprintf(msg, sizeof msg, "unknown function or distribution '%s'%s", nm, hint);
        error_at(p, name, "%s", msg);
        return NULL;
    }
    if (nweights && !(dt && (dt->kind == CMC_DIST_CHOICE || dt->kind == CMC_DIST_MIXTURE))) {
        error_at(p, &colon, "weights ('value: weight') are only allowed in %s",
                 "choice() and mixture()");
        return NULL;
    }
    if (nweights && nweights != nargs) {
        int i = 0;
        while (weights[i])
            i++;
        p->failed = 0;
        cmc_loc l = args[i]->loc;
        p->failed = 1;
        p->nerrors++;
        cmc_error(p->d, &l, "%s: give a weight to every entry or to none (this one has none)",
                  nm);
        return NULL;
    }
    int minargs, maxargs;
    if (dt) {
        minargs = maxargs = dt->nparams;
        if (dt->kind == CMC_DIST_CHOICE || dt->kind == CMC_DIST_MIXTURE)
            minargs = 1, maxargs = INT_MAX;
        else if (dt->kind == CMC_DIST_TRUNCATE)
            minargs = maxargs = 3;
    } else {
        minargs = fn->minargs;
        maxargs = fn->maxargs;
    }
    if (nargs < minargs || nargs > maxargs) {
        char msg[256], params[96] = "";
        if (dt && dt->nparams > 0) {
            strcat(params, " (");
            for (int i = 0; i < dt->nparams; i++) {
                if (i)
                    strcat(params, ", ");
                strcat(params, dt->params[i]);
            }
            strcat(params, ")");
        } else if (dt && dt->kind == CMC_DIST_TRUNCATE) {
            strcpy(params, " (dist, lo, hi)");
        }
        if (minargs == maxargs)
            snprintf(msg, sizeof msg, "%s takes %d argument%s%s, got %d", nm, minargs,
                     minargs == 1 ? "" : "s", params, nargs);
        else if (nargs < minargs)
            snprintf(msg, sizeof msg, "%s takes at least %d arguments, got %d", nm,
                     minargs, nargs);
        else
            snprintf(msg, sizeof msg, "%s takes at most %d arguments, got %d", nm,
                     maxargs, nargs);
        error_at(p, name, "%s", msg);
        return NULL;
    }
    if (dt && dt->kind == CMC_DIST_TRUNCATE && args[0]->kind != EX_DIST) {
        p->failed = 1;
        p->nerrors++;
        cmc_error(p->d, &args[0]->loc,
                  "truncate: the first argument must be a distribution, e.g. "
                  "truncate(normal(1, 0.2), 0, 2)");
        return NULL;
    }
    if (!(e = node(p, dt ? EX_DIST : EX_CALL, name)))
        return NULL;
    e->name = nm;
    e->dist = dt;
    e->func = fn;
    e->open = tok_loc(p, &open);
    e->nargs = nargs;
    e->args = cmc_arena_alloc(p->a, (size_t)(nargs ? nargs : 1) * sizeof *e->args);
    if (!e->args)
        return NULL;
    memcpy(e->args, args, (size_t)nargs * sizeof *args);
    if (nweights) {
        e->weights = cmc_arena_alloc(p->a, (size_t)nargs * sizeof *e->weights);
        if (!e->weights)
            return NULL;
        memcpy(e->weights, weights, (size_t)nargs * sizeof *weights);
    }
    return grown(p, e, name);
}

static cmc_expr *parse_primary(parser *p)
{
    cmc_token t = p->cur;
    switch (t.kind) {
    case TK_NUMBER: {
        next(p);
        cmc_expr *e = node(p, EX_NUM, &t);
        if (!e)
            return NULL;
        e->num = t.num;
        e->lit = cmc_arena_strndup(p->a, t.start, (size_t)t.len);
        if (p->cur.kind == TK_UNIT) {
            e->unit = p->cur.text;
            e->unit_loc = tok_loc(p, &p->cur);
            p->last_unit = e;
            next(p);
        }
        return e;
    }
    case TK_NAME:
        if (is_keyword(t.text)) {
            expected(p, "an expression");
            return NULL;
        }
        next(p);
        if (p->cur.kind == TK_LPAREN)
            return parse_call(p, &t);
        {
            cmc_expr *e = node(p, EX_NAME, &t);
            if (e)
                e->name = t.text;
            return e;
        }
    case TK_LPAREN: {
        next(p);
        skip_newlines(p);
        cmc_expr *e = parse_expr(p);
        if (!e)
            return NULL;
        cmc_token nl = skip_newlines(p);
        if (p->cur.kind != TK_RPAREN) {
            expect_close(p, &t, nl.kind == TK_NEWLINE || p->cur.kind == TK_EOF ? &nl : &p->cur);
            return NULL;
        }
        next(p);
        return e;
    }
    case TK_UNIT:
        error_at(p, &t, "%s", "a [unit] label must follow a number or an input/output name");
        return NULL;
    default:
        expected(p, "an expression");
        return NULL;
    }
}

static cmc_expr *binary(parser *p, const cmc_token *op, cmc_expr *l, cmc_expr *r)
{
    cmc_expr *e = node(p, EX_BIN, op);
    if (!e)
        return NULL;
    e->op = op->kind;
    e->nargs = 2;
    e->args = cmc_arena_alloc(p->a, 2 * sizeof *e->args);
    if (!e->args)
        return NULL;
    e->args[0] = l;
    e->args[1] = r;
    return grown(p, e, op);
}

static cmc_expr *parse_unary(parser *p);

static cmc_expr *parse_power(parser *p)
{
    cmc_expr *base = parse_primary(p);
    if (!base || p->cur.kind != TK_CARET)
        return base;
    cmc_token op = p->cur;
    next(p);
    cmc_expr *ex = parse_unary(p);
    return ex ? binary(p, &op, base, ex) : NULL;
}

/* Every nested construct (parentheses, a call's arguments, a sign, the exponent
   of '^') passes through here, so the depth of these calls is the nesting, which
   CMC_MAX_DEPTH bounds: 7,000 '(' or 20,000 '-' are an error, not a stack overflow. */
static cmc_expr *unary(parser *p)
{
    if (p->cur.kind == TK_PLUS) {
        next(p);
        return parse_unary(p);
    }
    if (p->cur.kind == TK_MINUS) {
        cmc_token op = p->cur;
        next(p);
        cmc_expr *a = parse_unary(p);
        if (!a)
            return NULL;
        cmc_expr *e = node(p, EX_NEG, &op);
        if (!e)
            return NULL;
        e->nargs = 1;
        e->args = cmc_arena_alloc(p->a, sizeof *e->args);
        if (!e->args)
            return NULL;
        e->args[0] = a;
        return grown(p, e, &op);
    }
    return parse_power(p);
}

static cmc_expr *parse_unary(parser *p)
{
    if (p->depth >= CMC_MAX_DEPTH) {
        char msg[160];
        snprintf(msg, sizeof msg, "expression nested too deeply (more than %d levels of "
                                  "parentheses, calls, signs or '^')", CMC_MAX_DEPTH);
        error_at(p, &p->cur, "%s", msg);
        return NULL;
    }
    p->depth++;
    cmc_expr *e = unary(p);
    p->depth--;
    return e;
}

static cmc_expr *parse_mul(parser *p)
{
    cmc_expr *l = parse_unary(p);
    while (l && (p->cur.kind == TK_STAR || p->cur.kind == TK_SLASH)) {
        cmc_token op = p->cur;
        next(p);
        cmc_expr *r = parse_unary(p);
        l = r ? binary(p, &op, l, r) : NULL;
    }
    return l;
}

static cmc_expr *parse_add(parser *p)
{
    cmc_expr *l = parse_mul(p);
    while (l && (p->cur.kind == TK_PLUS || p->cur.kind == TK_MINUS)) {
        cmc_token op = p->cur;
        next(p);
        cmc_expr *r = parse_mul(p);
        l = r ? binary(p, &op, l, r) : NULL;
    }
    return l;
}

static cmc_expr *parse_range(parser *p)
{
    cmc_expr *l = parse_add(p);
    if (!l || !is_name(&p->cur, "to"))
        return l;
    cmc_token op = p->cur;
    next(p);
    cmc_expr *r = parse_add(p);
    if (!r)
        return NULL;
    if (is_name(&p->cur, "to")) {
        error_at(p, &p->cur, "%s", "'a to b' does not chain");
        return NULL;
    }
    cmc_expr *e = node(p, EX_DIST, &op);
    if (!e)
        return NULL;
    e->dist = cmc_dist_lookup("to");
    e->name = "to";
    e->loc = l->loc;  /* errors about a range point at its start */
    e->open = tok_loc(p, &op);
    e->nargs = 2;
    e->args = cmc_arena_alloc(p->a, 2 * sizeof *e->args);
    if (!e->args)
        return NULL;
    e->args[0] = l;
    e->args[1] = r;
    return grown(p, e, &op);
}

static int is_cmp(cmc_tok k)
{
    return k == TK_LT || k == TK_LE || k == TK_GT || k == TK_GE || k == TK_EQ || k == TK_NE;
}

static cmc_expr *parse_expr(parser *p)
{
    cmc_expr *l = parse_range(p);
    if (!l || !is_cmp(p->cur.kind))
        return l;
    cmc_token op = p->cur;
    next(p);
    cmc_expr *r = parse_range(p);
    if (!r)
        return NULL;
    if (is_cmp(p->cur.kind)) {
        error_at(p, &p->cur, "%s", "comparisons do not chain: use parentheses");
        return NULL;
    }
    return binary(p, &op, l, r);
}

/* The expression after '='. A [unit] ending it labels the definition when the
   value is that number (`x = 300 [W]`) or a distribution (`150 to 400 [W]`: both
   ends are in W); anywhere else it is the last number's (`c + 1 [kg]`). Units are
   checked (units.h), so `co2_t = e * i / 1e6 [t]` no longer means "co2_t is in t":
   write `co2_t [tCO2e] = e * i` and carbonmc converts. */
static cmc_expr *parse_value(parser *p, cmc_stmt *s)
{
    p->last_unit = NULL;
    if (!(s->value = parse_expr(p)))
        return NULL;
    if (p->prev.kind == TK_UNIT && p->last_unit && !s->unit &&
        (p->last_unit == s->value || s->value->kind == EX_DIST)) {
        s->unit = p->last_unit->unit;
        s->unit_loc = p->last_unit->unit_loc;
        if (p->last_unit != s->value)
            p->last_unit->unit = NULL;
    }
    return s->value;
}

/* One end of a range: a number, with a sign, or inf. */
static int range_bound(parser *p, double *out)
{
    int neg = 0;
    if (p->cur.kind == TK_MINUS) {
        neg = 1;
        next(p);
    }
    if (p->cur.kind == TK_NUMBER) {
        *out = neg ? -p->cur.num : p->cur.num;
    } else if (is_name(&p->cur, "inf")) {
        *out = neg ? -INFINITY : INFINITY;
    } else {
        expected(p, "a number or inf (a range: in 0 to 1, in 1 to 3, in 0 to inf)");
        return -1;
    }
    next(p);
    return 0;
}

/* input NAME ... in LO to HI: the values it may plausibly take, in its unit */
static void parse_input_range(parser *p, cmc_stmt *s)
{
    cmc_token in = p->cur;
    next(p);
    double lo, hi;
    if (range_bound(p, &lo) < 0)
        return;
    if (!is_name(&p->cur, "to")) {
        expected(p, "'to' (a range: in 0 to 1)");
        return;
    }
    next(p);
    if (range_bound(p, &hi) < 0)
        return;
    if (!(lo <= hi)) {
        error_at(p, &in, "%s", "a range's low end must not exceed its high end");
        return;
    }
    s->has_range = 1;
    s->lo = lo;
    s->hi = hi;
    s->range_loc = tok_loc(p, &in);
}

/* ["description"] [[unit]] [= expr] [in LO to HI] (inputs), each at most once, in
   any order */
static void parse_attrs(parser *p, cmc_stmt *s, int allow_value)
{
    while (!p->failed) {
        if (s->kind == ST_INPUT && is_name(&p->cur, "in") && !s->has_range) {
            parse_input_range(p, s);
            continue;
        }
        if (p->cur.kind == TK_STRING && !s->desc) {
            s->desc = p->cur.text;
            next(p);
        } else if (p->cur.kind == TK_UNIT && !s->unit) {
            s->unit = p->cur.text;
            s->unit_loc = tok_loc(p, &p->cur);
            next(p);
        } else if (p->cur.kind == TK_ASSIGN && allow_value && !s->value) {
            next(p);
            parse_value(p, s);
        } else {
            break;
        }
    }
}

/* NAME = EXPR, with NAME (token n) already consumed. */
static cmc_stmt *parse_def(parser *p, const cmc_token *n)
{
    cmc_stmt *s = cmc_arena_alloc(p->a, sizeof *s);
    if (!s)
        return NULL;
    s->kind = ST_DEF;
    s->loc = tok_loc(p, n);
    s->name = n->text;
    s->name_loc = s->loc;
    if (p->cur.kind == TK_UNIT) {   /* NAME [unit] = EXPR: the value is in that unit */
        s->unit = p->cur.text;
        s->unit_loc = tok_loc(p, &p->cur);
        next(p);
    }
    if (p->cur.kind != TK_ASSIGN) {
        char found[64];
        describe(&p->cur, found, sizeof found);
        char msg[256];
        snprintf(msg, sizeof msg, "expected '=' after '%s', found %s", n->text, found);
        error_at(p, &p->cur, "%s", msg);
        return NULL;
    }
    next(p);
    if (!parse_value(p, s))
        return NULL;
    return s;
}

/* NAME, NAME, ...: at least one name, for share, report and function parameters.
   `dotted`: names may carry an instance prefix (report m7b.co2_t). */
static int parse_names(parser *p, cmc_stmt *s, int dotted, cmc_tok close)
{
    int cap = 0;
    for (;;) {
        if (close != TK_EOF && p->cur.kind == close && s->nnames == 0)
            return 0;   /* f() = ... */
        if (p->cur.kind != TK_NAME || is_keyword(p->cur.text)) {
            expected(p, "a name");
            return -1;
        }
        if (!dotted && strchr(p->cur.text, '.')) {
            error_at(p, &p->cur, "'%s': a parameter is a plain name, without '.'",
                     p->cur.text);
            return -1;
        }
        if (s->nnames == cap) {
            cap = cap ? 2 * cap : 8;
            const char **v = cmc_arena_alloc(p->a, (size_t)cap * sizeof *v);
            cmc_loc *l = cmc_arena_alloc(p->a, (size_t)cap * sizeof *l);
            if (!v || !l) {
                error_at(p, &p->cur, "%s", "out of memory");
                return -1;
            }
            if (s->nnames) {
                memcpy(v, s->names, (size_t)s->nnames * sizeof *v);
                memcpy(l, s->name_locs, (size_t)s->nnames * sizeof *l);
            }
            s->names = v;
            s->name_locs = l;
        }
        for (int i = 0; i < s->nnames; i++)
            if (!strcmp(s->names[i], p->cur.text)) {
                error_at(p, &p->cur, "'%s' is named twice", p->cur.text);
                return -1;
            }
        s->name_locs[s->nnames] = tok_loc(p, &p->cur);
        s->names[s->nnames++] = p->cur.text;
        next(p);
        if (p->cur.kind != TK_COMMA)
            return 0;
        next(p);
        if (close != TK_EOF)
            skip_newlines(p);
    }
}

/* title "text" / use "model" [as PREFIX] */
static int stmt_title_use(parser *p, cmc_stmt *s, const cmc_token *kw)
{
    s->kind = kw->text[0] == 't' ? ST_TITLE : ST_USE;
    if (p->cur.kind != TK_STRING) {
        expected(p, s->kind == ST_TITLE ? "a string after 'title'"
                                        : "a model name in quotes after 'use'");
        return -1;
    }
    s->str = p->cur.text;
    s->name_loc = tok_loc(p, &p->cur);
    next(p);
    if (s->kind == ST_USE && is_name(&p->cur, "as")) {
        next(p);
        if (p->cur.kind != TK_NAME || is_keyword(p->cur.text) || strchr(p->cur.text, '.')) {
            expected(p, "an instance name after 'as' (use \"gpu_power\" as pretrain)");
            return -1;
        }
        s->prefix = p->cur.text;
        s->name = p->cur.text;
        s->name_loc = tok_loc(p, &p->cur);
        next(p);
    }
    return 0;
}

/* input NAME ... / output NAME ... */
static int stmt_input_output(parser *p, cmc_stmt *s, const cmc_token *kw)
{
    s->kind = kw->text[0] == 'i' ? ST_INPUT : ST_OUTPUT;
    if (p->cur.kind != TK_NAME || is_keyword(p->cur.text)) {
        expected(p, s->kind == ST_INPUT ? "a name after 'input'" : "a name after 'output'");
        return -1;
    }
    s->name = p->cur.text;
    s->name_loc = tok_loc(p, &p->cur);
    next(p);
    parse_attrs(p, s, 1);
    return 0;
}

/* variant NAME ["label"]: NAME = EXPR, NAME = EXPR ... */
static int stmt_variant(parser *p, cmc_stmt *s, const cmc_token *kw)
{
    (void)kw;
    s->kind = ST_VARIANT;
    if (p->cur.kind != TK_NAME || is_keyword(p->cur.text)) {
        expected(p, "a name after 'variant'");
        return -1;
    }
    s->name = p->cur.text;
    s->name_loc = tok_loc(p, &p->cur);
    next(p);
    if (p->cur.kind == TK_STRING) {
        s->str = p->cur.text;
        next(p);
    }
    if (p->cur.kind != TK_COLON) {
        expected(p, "':' and the variant's definitions (variant NAME: x = 1, y = 2)");
        return -1;
    }
    next(p);
    for (cmc_stmt **tail = &s->body;; next(p)) {   /* next(p) skips the comma */
        cmc_token n = p->cur;
        if (n.kind != TK_NAME || is_keyword(n.text)) {
            expected(p, "a definition NAME = EXPR");
            return -1;
        }
        next(p);
        if (!(*tail = parse_def(p, &n)))
            return -1;
        tail = &(*tail)->next;
        if (p->cur.kind != TK_COMMA)
            break;
    }
    return 0;
}

/* reference NAME: the variant the others are compared with (`base`, the scenario
   as written, when no statement names one); resolve.c checks the name */
static int stmt_reference(parser *p, cmc_stmt *s, const cmc_token *kw)
{
    (void)kw;
    s->kind = ST_REFERENCE;
    if (p->cur.kind != TK_NAME || is_keyword(p->cur.text)) {
        expected(p, "a variant's name after 'reference' (or base, the scenario as written)");
        return -1;
    }
    s->name = p->cur.text;
    s->name_loc = tok_loc(p, &p->cur);
    next(p);
    return 0;
}

/* share NAME, ... / report NAME, ... */
static int stmt_share_report(parser *p, cmc_stmt *s, const cmc_token *kw)
{
    s->kind = kw->text[0] == 's' ? ST_SHARE : ST_REPORT;
    s->name_loc = s->loc;
    return parse_names(p, s, s->kind == ST_REPORT, TK_EOF);
}

/* NAME(PARAM, ...) = EXPR ["description"], with NAME (token n) consumed and '(' next */
static int stmt_func(parser *p, cmc_stmt *s, const cmc_token *n)
{
    s->kind = ST_FUNC;
    s->name = n->text;
    s->name_loc = tok_loc(p, n);
    cmc_token open = p->cur;
    next(p);
    skip_newlines(p);
    if (strchr(n->text, '.')) {
        error_at(p, n, "'%s': a function's name is a plain name, without '.'", n->text);
        return -1;
    }
    if (cmc_func_lookup(n->text) || cmc_dist_lookup(n->text)) {
        error_at(p, n, "'%s' is a built-in function or distribution: give yours another "
                       "name", n->text);
        return -1;
    }
    if (parse_names(p, s, 0, TK_RPAREN) < 0)
        return -1;
    cmc_token nl = skip_newlines(p);
    if (p->cur.kind != TK_RPAREN) {
        expect_close(p, &open, nl.kind == TK_NEWLINE || p->cur.kind == TK_EOF ? &nl : &p->cur);
        return -1;
    }
    next(p);
    if (p->cur.kind != TK_ASSIGN) {
        expected(p, "'=' and the function's body (f(x, y) = x * y)");
        return -1;
    }
    next(p);
    if (!(s->value = parse_expr(p)))
        return -1;
    if (p->cur.kind == TK_STRING) {
        s->desc = p->cur.text;
        next(p);
    }
    return 0;
}

/* correlate NAME, NAME [, NAME ...]: VALUE [, VALUE ...]   (copula.c checks the rest)
   Lines may break after ',' and ':'. A value is a number with an optional sign. */
static int corr_grow(parser *p, void **arr, size_t size, int n, int *cap)
{
    if (n < *cap)
        return 0;
    int nc = *cap ? 2 * *cap : 8;
    void *a = cmc_arena_alloc(p->a, (size_t)nc * size);
    if (!a) {
        error_at(p, &p->cur, "%s", "out of memory");
        return -1;
    }
    if (n)
        memcpy(a, *arr, (size_t)n * size);
    *arr = a;
    *cap = nc;
    return 0;
}

static int parse_correlate(parser *p, cmc_stmt *s)
{
    cmc_corr_spec *c = cmc_arena_alloc(p->a, sizeof *c);
    if (!c) {
        error_at(p, &p->cur, "%s", "out of memory");
        return -1;
    }
    memset(c, 0, sizeof *c);
    s->kind = ST_CORRELATE;
    s->corr = c;
    int capn = 0, capl = 0, capv = 0, capw = 0;
    for (;;) {
        if (p->cur.kind != TK_NAME || is_keyword(p->cur.text)) {
            expected(p, c->nnames ? "a random input's name after ','"
                                  : "the names of random inputs (correlate a, b: 0.6)");
            return -1;
        }
        if (corr_grow(p, (void **)&c->names, sizeof *c->names, c->nnames, &capn) < 0 ||
            corr_grow(p, (void **)&c->name_locs, sizeof *c->name_locs, c->nnames, &capl) < 0)
            return -1;
        c->names[c->nnames] = p->cur.text;
        c->name_locs[c->nnames++] = tok_loc(p, &p->cur);
        next(p);
        if (p->cur.kind != TK_COMMA)
            break;
        next(p);
        skip_newlines(p);
    }
    if (c->nnames < 2) {
        expected(p, "',' and another name (correlate a, b: 0.6)");
        return -1;
    }
    if (p->cur.kind != TK_COLON) {
        expected(p, c->nnames < 2 ? "',' and another name (correlate a, b: 0.6)"
                                  : "':' and the rank correlations (correlate a, b: 0.6)");
        return -1;
    }
    next(p);
    skip_newlines(p);
    for (;;) {
        cmc_token at = p->cur;
        int neg = 0;
        if (p->cur.kind == TK_MINUS || p->cur.kind == TK_PLUS) {
            neg = p->cur.kind == TK_MINUS;
            next(p);
        }
        if (p->cur.kind != TK_NUMBER) {
            expected(p, "a rank correlation, a number from -1 to 1");
            return -1;
        }
        if (corr_grow(p, (void **)&c->vals, sizeof *c->vals, c->nvals, &capv) < 0 ||
            corr_grow(p, (void **)&c->val_locs, sizeof *c->val_locs, c->nvals, &capw) < 0)
            return -1;
        cmc_loc l = tok_loc(p, &at);
        l.len = (int)(p->cur.start + p->cur.len - at.start);
        c->vals[c->nvals] = neg ? -p->cur.num : p->cur.num;
        c->val_locs[c->nvals++] = l;
        next(p);
        if (p->cur.kind != TK_COMMA)
            break;
        next(p);
        skip_newlines(p);
    }
    return 0;
}

static int stmt_correlate(parser *p, cmc_stmt *s, const cmc_token *kw)
{
    (void)kw;
    return parse_correlate(p, s);
}

/* The statements that start with a keyword: one row each. A contextual keyword
   (share, report, correlate) starts its statement only when a name follows it, so that
   `share = 0.25` still defines a quantity called share. */
typedef int (*stmt_parser)(parser *p, cmc_stmt *s, const cmc_token *kw);
static const struct {
    const char *keyword;
    int contextual;
    stmt_parser parse;
} statements[] = {
    {"title", 0, stmt_title_use},
    {"use", 0, stmt_title_use},
    {"input", 0, stmt_input_output},
    {"output", 0, stmt_input_output},
    {"variant", 0, stmt_variant},
    {"share", 1, stmt_share_report},
    {"report", 1, stmt_share_report},
    {"correlate", 1, stmt_correlate},
    {"reference", 1, stmt_reference},
};

static cmc_stmt *parse_stmt(parser *p)
{
    cmc_token t = p->cur;
    if (t.kind != TK_NAME) {
        expected(p, "a statement (title, use, input, output, variant or NAME = ...)");
        return NULL;
    }
    cmc_stmt *s = cmc_arena_alloc(p->a, sizeof *s);
    if (!s)
        return NULL;
    s->loc = tok_loc(p, &t);
    next(p);
    stmt_parser parse = NULL;
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++)
        if (!strcmp(t.text, statements[i].keyword) &&
            (!statements[i].contextual || p->cur.kind == TK_NAME))
            parse = statements[i].parse;
    if (parse) {
        if (parse(p, s, &t) < 0)
            return NULL;
    } else if (!strcmp(t.text, "to")) {
        expected(p, "a statement (title, use, input, output, variant or NAME = ...)");
        return NULL;
    } else if (p->cur.kind == TK_LPAREN) {
        if (stmt_func(p, s, &t) < 0)
            return NULL;
    } else {
        cmc_stmt *d = parse_def(p, &t);
        if (!d)
            return NULL;
        *s = *d;
        parse_attrs(p, s, 0);
    }
    if (p->failed)
        return NULL;
    if (p->cur.kind != TK_NEWLINE && p->cur.kind != TK_EOF) {
        if (p->cur.kind == TK_ASSIGN && s->kind == ST_DEF)
            error_at(p, &p->cur, "%s", "unexpected '=' (use '==' to compare)");
        else
            expected(p, "end of line");
        return NULL;
    }
    return s;
}

int cmc_parse(const cmc_src *src, cmc_arena *a, cmc_diags *d, cmc_stmt **out)
{
    parser p;
    memset(&p, 0, sizeof p);
    p.a = a;
    p.d = d;
    p.src = src;
    cmc_lex_init(&p.lx, src, a, d);
    cmc_stmt *first = NULL, **tail = &first;
    next(&p);
    while (p.cur.kind != TK_EOF && p.nerrors < MAX_ERRORS) {
        if (p.cur.kind == TK_NEWLINE) {
            next(&p);
            continue;
        }
        p.failed = 0;
        cmc_stmt *s = parse_stmt(&p);
        if (s) {
            *tail = s;
            tail = &s->next;
        } else {
            while (p.cur.kind != TK_NEWLINE && p.cur.kind != TK_EOF)
                next(&p);
        }
    }
    *out = first;
    return p.nerrors ? -1 : 0;
}
