/*
 * func.c: functions defined in the language, inlined where they are called.
 *
 * `name(a, b) = expr` defines a function in a model or a scenario. Each call is
 * replaced by the function's body with the arguments in place of the parameters
 * (call by name, on trees), once, when the file is loaded: the later passes see an
 * ordinary expression, units are checked at each call site with the arguments'
 * units (a function is generic in units), and the program has no calls in it.
 *
 * A body is inlined once (its own calls replaced: inline_state 2) and copied at
 * each call. Parameters become EX_PARAM nodes first, so that a name in a callee's
 * body can never be captured by a caller's parameter of the same name. A function
 * met again while its own body is being inlined closes a cycle: direct or mutual
 * recursion is an error naming the chain, where the call is written, whether or
 * not anything calls the function (every body is inlined when its file loads).
 *
 * Scope: a file sees its own functions and those of the files it uses, directly or
 * not; a name defined twice among them is an error (no shadowing), and so is a
 * built-in's name (parse.c). Function names and quantity names do not meet: a call
 * is `name(...)`, a quantity a bare name.
 *
 * Two rules keep inlining honest. A distribution given as an argument for a
 * parameter the body uses more than once would become several independent draws:
 * an error, with the fix (name it first). And since a parameter used twice doubles
 * its argument at each level, nested calls can grow a tree exponentially: past
 * CMC_MAX_INLINE nodes (counted as the compiler would walk them) or CMC_MAX_HEIGHT
 * levels, the call is an error.
 */
#include "func.h"

#include <stdio.h>
#include <string.h>

#define CMC_MAX_INLINE 1000000
#define MAX_NEST 256   /* functions being inlined inside one another */

typedef struct inliner {
    const cmc_funcs_scope *scope;
    cmc_arena *a;
    cmc_diags *d;
    const cmc_stmt *params;      /* the function whose body is being read, or NULL */
    cmc_stmt *stack[MAX_NEST];   /* bodies being inlined, outermost first */
    int depth;
    int failed;
} inliner;

/* ---- walks over a tree (cmc_expr_rewrite with functions that change nothing) ---- */

typedef struct counter {
    const cmc_expr **args;       /* substitute: EX_PARAM i -> args[i] */
    int *uses;                   /* count: how often each parameter occurs */
    size_t nodes, limit;         /* count: nodes, each occurrence of a subtree again */
    int has_dist;
} counter;

static cmc_expr *count_fn(const cmc_expr *e, void *ctx)
{
    counter *c = ctx;
    if (++c->nodes > c->limit)
        return NULL;
    if (e->kind == EX_PARAM && c->uses)
        c->uses[(int)e->num]++;
    if (e->kind == EX_DIST)
        c->has_dist = 1;
    return (cmc_expr *)e;
}

/* The nodes of e as the compiler walks them, or limit + 1 if more. */
static size_t count(const cmc_expr *e, counter *c, cmc_arena *a)
{
    c->nodes = 0;
    if (!c->limit)
        c->limit = CMC_MAX_INLINE;
    if (!cmc_expr_rewrite(e, count_fn, c, a))
        return c->limit + 1;
    return c->nodes;
}

static cmc_expr *subst_fn(const cmc_expr *e, void *ctx)
{
    counter *c = ctx;
    return e->kind == EX_PARAM ? (cmc_expr *)c->args[(int)e->num] : (cmc_expr *)e;
}

/* ---- inlining ------------------------------------------------------------------- */

static cmc_expr *inline_fn(const cmc_expr *e, void *ctx);

static void unknown(inliner *in, const cmc_expr *e)
{
    size_t nd, nf;
    const cmc_dist_type *ds = cmc_dist_types(&nd);
    const cmc_func *fs = cmc_funcs(&nf);
    const char *cands[256];
    size_t nc = 0;
    for (size_t i = 0; i < nd && nc < 256; i++)
        if (ds[i].kind != CMC_DIST_TO)
            cands[nc++] = ds[i].name;
    for (size_t i = 0; i < nf && nc < 256; i++)
        cands[nc++] = fs[i].name;
    const cmc_map *m = &in->scope->map;
    for (size_t i = 0; i < m->cap && nc < 256; i++)
        if (m->keys && m->keys[i])
            cands[nc++] = m->keys[i];
    char hint[128];
    cmc_suggest_text(hint, sizeof hint, e->name, cands, nc);
    cmc_error(in->d, &e->loc, "unknown function or distribution '%s'%s", e->name, hint);
}

/* f's body with its own calls inlined and its parameters as EX_PARAM, once. */
static const cmc_expr *body(inliner *in, cmc_stmt *f)
{
    if (f->inline_state == 2)
        return f->inlined;
    if (in->depth == MAX_NEST) {
        cmc_error(in->d, &f->name_loc, "functions nested more than %d calls deep", MAX_NEST);
        return NULL;
    }
    f->inline_state = 1;
    in->stack[in->depth++] = f;
    const cmc_stmt *saved = in->params;
    in->params = f;
    const cmc_expr *b = cmc_expr_rewrite(f->value, inline_fn, in, in->a);
    in->params = saved;
    in->depth--;
    f->inline_state = 2;
    f->inlined = b;
    if (b) {
        counter c = {0};
        c.uses = cmc_arena_alloc(in->a, (size_t)(f->nnames ? f->nnames : 1) * sizeof *c.uses);
        if (!c.uses)
            return f->inlined = NULL;
        count(b, &c, in->a);
        f->uses = c.uses;
    }
    return f->inlined;
}

static cmc_expr *call(inliner *in, const cmc_expr *e)
{
    cmc_stmt *f = cmc_map_get(&in->scope->map, e->name);
    if (!f) {
        unknown(in, e);
        return NULL;
    }
    if (e->nargs != f->nnames) {
        cmc_buf b;
        cmc_buf_init(&b);
        for (int i = 0; i < f->nnames; i++)
            cmc_buf_printf(&b, "%s%s", i ? ", " : "", f->names[i]);
        cmc_error(in->d, &e->loc, "%s takes %d argument%s (%s), got %d", e->name, f->nnames,
                  f->nnames == 1 ? "" : "s", cmc_buf_str(&b), e->nargs);
        cmc_buf_free(&b);
        cmc_note(in->d, &f->name_loc, "'%s' is defined here", f->name);
        return NULL;
    }
    if (f->inline_state == 1) {
        cmc_buf b;
        cmc_buf_init(&b);
        int i = in->depth - 1;
        while (i > 0 && in->stack[i] != f)
            i--;
        for (; i < in->depth; i++)
            cmc_buf_printf(&b, "%s -> ", in->stack[i]->name);
        cmc_buf_puts(&b, f->name);
        cmc_error(in->d, &e->loc, "recursive function: %s (a function is inlined where it "
                                  "is called, so it cannot call itself)", cmc_buf_str(&b));
        cmc_buf_free(&b);
        return NULL;
    }
    /* the arguments first: their own calls, and the caller's parameters in them */
    const cmc_expr **args = cmc_arena_alloc(in->a, (size_t)(e->nargs ? e->nargs : 1) * sizeof *args);
    if (!args)
        return NULL;
    for (int i = 0; i < e->nargs; i++)
        if (!(args[i] = cmc_expr_rewrite(e->args[i], inline_fn, in, in->a)))
            return NULL;
    const cmc_expr *b = body(in, f);
    if (!b)
        return NULL;
    for (int i = 0; i < e->nargs; i++) {
        counter c = {0};
        count(args[i], &c, in->a);
        if (c.has_dist && f->uses[i] > 1) {
            cmc_error(in->d, &args[i]->loc, "%s uses its parameter '%s' %d times: a "
                      "distribution given for it would be that many independent draws; "
                      "name it first (x = ..., then %s(x))", f->name, f->names[i],
                      f->uses[i], f->name);
            return NULL;
        }
    }
    counter s = {0};
    s.args = args;
    cmc_expr *r = cmc_expr_rewrite(b, subst_fn, &s, in->a);
    if (!r)
        return NULL;
    counter c = {0};
    if (count(r, &c, in->a) > CMC_MAX_INLINE || r->height > CMC_MAX_HEIGHT) {
        cmc_error(in->d, &e->loc, "calling %s here expands to more than %s (functions "
                  "calling functions, each using a parameter several times)", f->name,
                  r->height > CMC_MAX_HEIGHT ? "1024 levels of operators inside one another"
                                             : "1,000,000 operations");
        return NULL;
    }
    /* errors in the body point into the body; the call's place is in the chain of
       notes the compiler adds where it can */
    return r;
}

static cmc_expr *inline_fn(const cmc_expr *e, void *ctx)
{
    inliner *in = ctx;
    if (e->kind == EX_NAME && in->params) {
        const cmc_stmt *f = in->params;
        for (int i = 0; i < f->nnames; i++)
            if (!strcmp(f->names[i], e->name)) {
                cmc_expr *p = cmc_arena_alloc(in->a, sizeof *p);
                if (!p)
                    return NULL;
                *p = *e;
                p->kind = EX_PARAM;
                p->num = i;
                return p;
            }
        return (cmc_expr *)e;
    }
    if (e->kind == EX_CALL && !e->func) {
        cmc_expr *r = call(in, e);
        if (!r)
            in->failed = 1;
        return r;
    }
    return (cmc_expr *)e;
}

cmc_expr *cmc_func_inline(const cmc_funcs_scope *scope, const cmc_expr *e, cmc_arena *a,
                          cmc_diags *d)
{
    inliner in = {scope, a, d, NULL, {0}, 0, 0};
    return cmc_expr_rewrite(e, inline_fn, &in, a);
}

static int inline_value(inliner *in, cmc_stmt *st)
{
    if (!st->value)
        return 0;
    cmc_expr *v = cmc_expr_rewrite(st->value, inline_fn, in, in->a);
    if (!v)
        return -1;
    st->value = v;
    return 0;
}

int cmc_func_file(cmc_funcs_scope *scope, cmc_stmt *stmts,
                  const cmc_funcs_scope *const *uses, int nuses, cmc_arena *a,
                  cmc_diags *d)
{
    int rc = 0;
    cmc_map_init(&scope->map, a);
    scope->ready = 1;
    for (int i = 0; i < nuses; i++) {
        const cmc_map *m = &uses[i]->map;
        for (size_t k = 0; k < m->cap; k++) {
            if (!m->keys || !m->keys[k])
                continue;
            cmc_stmt *f = m->vals[k], *g = cmc_map_get(&scope->map, m->keys[k]);
            if (g && g != f) {
                cmc_error(d, &f->name_loc, "function '%s' is defined here and in %s:%d, "
                          "and a file uses both", f->name, g->name_loc.src->name,
                          g->name_loc.line);
                rc = -1;
                continue;
            }
            if (cmc_map_put(&scope->map, m->keys[k], f) < 0)
                return -1;
        }
    }
    for (cmc_stmt *st = stmts; st; st = st->next) {
        if (st->kind != ST_FUNC)
            continue;
        cmc_stmt *g = cmc_map_get(&scope->map, st->name);
        if (g) {
            if (g->name_loc.src == st->name_loc.src)
                cmc_error(d, &st->name_loc, "function '%s' is already defined at line %d",
                          st->name, g->name_loc.line);
            else
                cmc_error(d, &st->name_loc, "function '%s' is already defined in %s:%d",
                          st->name, g->name_loc.src->name, g->name_loc.line);
            rc = -1;
            continue;
        }
        if (cmc_map_put(&scope->map, st->name, st) < 0)
            return -1;
    }
    inliner in = {scope, a, d, NULL, {0}, 0, 0};
    for (cmc_stmt *st = stmts; st; st = st->next) {
        if (st->kind == ST_FUNC) {
            if (cmc_map_get(&scope->map, st->name) == st && !body(&in, st))
                rc = -1;
            continue;
        }
        if (inline_value(&in, st) < 0)
            rc = -1;
        for (cmc_stmt *v = st->body; v; v = v->next)
            if (inline_value(&in, v) < 0)
                rc = -1;
    }
    return rc;
}
