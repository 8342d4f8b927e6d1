/*
 * resolve_inst.c: a model used several times, under a prefix.
 *
 * `use "gpu_power" as pretrain` makes an instance of gpu_power: a file of its own
 * whose statements are copies of the model's, with every name the model declares
 * or defines (inputs, outputs, definitions) written pretrain.NAME, in the
 * declarations and in every expression. Names the model only refers to (reference
 * data from a file it uses, say a100_sxm_w) keep their name and are shared by every
 * instance: one fact, one value, one draw. After that an instance is an ordinary
 * file: the scenario that uses it may define pretrain.gpu_hours, --set, variants,
 * sensitivity and the HDF5 file see pretrain.co2_t as any other name (HDF5 allows
 * '.' in a name; only '/' separates groups), and each random input keeps its
 * prefixed name, so two instances' inputs are keyed apart in the random streams
 * (rng.c hashes the name) and draw independently.
 *
 * `share pue, intensity` gives the scenario one input for what several instances
 * declare: pue is declared in the scenario as the model declares it (unit,
 * description, range, default), and each instance's pue is defined as pue, unless
 * the scenario defines that instance's own. One random input, one draw, however
 * many instances read it.
 *
 * The copies are made once, when the files are loaded, so a variant shares them as
 * it shares every parsed file. Limits: a model used with `as` may not itself use
 * models with `as` (an instance holds no instances).
 */
#include "resolve.h"

#include <stdio.h>
#include <string.h>

typedef struct renamer {
    cmc_map own;           /* the names the model declares or defines */
    const char *prefix;
    cmc_arena *a;
} renamer;

static const char *prefixed(renamer *r, const char *name)
{
    return cmc_arena_printf(r->a, "%s.%s", r->prefix, name);
}

static cmc_expr *rename_fn(const cmc_expr *e, void *ctx)
{
    renamer *r = ctx;
    if (e->kind != EX_NAME || !cmc_map_get(&r->own, e->name))
        return (cmc_expr *)e;
    cmc_expr *c = cmc_arena_alloc(r->a, sizeof *c);
    if (!c)
        return NULL;
    *c = *e;
    if (!(c->name = prefixed(r, e->name)))
        return NULL;
    return c;
}

/* st with its names prefixed; NULL when out of memory */
static cmc_stmt *copy_stmt(renamer *r, const cmc_stmt *st)
{
    cmc_stmt *c = cmc_arena_alloc(r->a, sizeof *c);
    if (!c)
        return NULL;
    *c = *st;
    c->next = NULL;
    if (st->name && st->kind != ST_VARIANT && !(c->name = prefixed(r, st->name)))
        return NULL;
    if (st->value && !(c->value = cmc_expr_rewrite(st->value, rename_fn, r, r->a)))
        return NULL;
    /* "training emissions (m7b)": the instances' columns and legends tell apart */
    if (st->desc && st->kind == ST_OUTPUT &&
        !(c->desc = cmc_arena_printf(r->a, "%s (%s)", st->desc, r->prefix)))
        return NULL;
    if (st->kind == ST_CORRELATE) {   /* the model's own inputs take the prefix */
        cmc_corr_spec *cs = cmc_arena_alloc(r->a, sizeof *cs);
        const char **names = cs ? cmc_arena_alloc(r->a, (size_t)st->corr->nnames *
                                                             sizeof *names) : NULL;
        if (!names)
            return NULL;
        *cs = *st->corr;
        for (int i = 0; i < cs->nnames; i++) {
            const char *n = st->corr->names[i];
            if (!(names[i] = cmc_map_get(&r->own, n) ? prefixed(r, n) : n))
                return NULL;
        }
        cs->names = names;
        c->corr = cs;
    }
    cmc_stmt **tail = &c->body;
    for (const cmc_stmt *b = st->body; b; b = b->next) {
        if (!(*tail = copy_stmt(r, b)))
            return NULL;
        tail = &(*tail)->next;
    }
    return c;
}

cmc_file *cmc_inst_new(cmc_graph *g, const cmc_file *tmpl, const cmc_stmt *use,
                       cmc_diags *d)
{
    cmc_arena *a = g->arena;
    for (int i = 0; i < tmpl->nuses; i++)
        if (tmpl->use_stmts[i]->prefix) {
            cmc_error(d, &use->name_loc, "'%s' cannot be used with 'as': it uses a model "
                      "with 'as' itself (%s:%d), and an instance cannot hold instances",
                      use->str, tmpl->path, tmpl->use_stmts[i]->loc.line);
            return NULL;
        }
    renamer r = {{0}, use->prefix, a};
    cmc_map_init(&r.own, a);
    for (const cmc_stmt *st = tmpl->stmts; st; st = st->next)
        if ((st->kind == ST_INPUT || st->kind == ST_OUTPUT || st->kind == ST_DEF) &&
            cmc_map_put(&r.own, st->name, (void *)st) < 0)
            return NULL;
    cmc_file *f = cmc_arena_alloc(a, sizeof *f);
    if (!f)
        return NULL;
    *f = *tmpl;
    f->path = cmc_arena_printf(a, "%s (as %s)", tmpl->path, use->prefix);
    f->real = cmc_arena_printf(a, "%s (as %s)", tmpl->real, use->prefix);
    if (!f->path || !f->real)
        return NULL;
    f->loading = f->applied = 0;
    f->reach = NULL;
    f->next = NULL;
    f->instance_of = tmpl;
    f->prefix = use->prefix;
    f->stmts = NULL;
    cmc_stmt **tail = &f->stmts;
    for (const cmc_stmt *st = tmpl->stmts; st; st = st->next) {
        if (st->kind == ST_TITLE || st->kind == ST_USE || st->kind == ST_FUNC)
            continue;   /* functions are already inlined (func.c) */
        if (!(*tail = copy_stmt(&r, st)))
            return NULL;
        tail = &(*tail)->next;
    }
    *g->files_tail = f;
    g->files_tail = &f->next;
    f->index = g->nfiles++;
    return f;
}

static cmc_stmt *find_stmt(const cmc_file *f, cmc_stmt_kind kind, const char *name)
{
    for (cmc_stmt *st = f->stmts; st; st = st->next)
        if (st->kind == kind && st->name && !strcmp(st->name, name))
            return st;
    return NULL;
}

/* Whether f gives name a value itself (a definition, or a declaration with one). */
static int defines(const cmc_file *f, const char *name)
{
    for (const cmc_stmt *st = f->stmts; st; st = st->next)
        if ((st->kind == ST_DEF || ((st->kind == ST_INPUT || st->kind == ST_OUTPUT) && st->value)) &&
            !strcmp(st->name, name))
            return 1;
    return 0;
}

static int share_name(cmc_graph *g, cmc_file *f, const char *name, const cmc_loc *at,
                      cmc_stmt ***tail, cmc_diags *d)
{
    cmc_arena *a = g->arena;
    const cmc_stmt *decl = NULL;
    int any = 0;
    for (int i = 0; i < f->nuses; i++) {
        const cmc_file *inst = f->uses[i];
        if (!f->use_stmts[i]->prefix)
            continue;
        any = 1;
        const char *pname = cmc_arena_printf(a, "%s.%s", inst->prefix, name);
        const cmc_stmt *in = pname ? find_stmt(inst, ST_INPUT, pname) : NULL;
        if (!pname)
            return -1;
        if (!in)
            continue;
        if (!decl)
            decl = in;
        if (defines(f, pname))
            continue;   /* the scenario's own value for this instance */
        cmc_stmt *def = cmc_arena_alloc(a, sizeof *def);
        cmc_expr *ref = cmc_arena_alloc(a, sizeof *ref);
        if (!def || !ref)
            return -1;
        ref->kind = EX_NAME;
        ref->loc = *at;
        ref->name = name;
        ref->height = 1;
        def->kind = ST_DEF;
        def->loc = def->name_loc = *at;
        def->name = pname;
        def->value = ref;
        def->generated = 1;   /* unused when an override replaced what reads it: no warning */
        **tail = def;
        *tail = &def->next;
    }
    if (!decl) {
        /* the inputs the instances declare, for "did you mean" */
        const char *cands[256] = {0};
        size_t nc = 0;
        for (int i = 0; i < f->nuses && nc < 256; i++)
            if (f->use_stmts[i]->prefix)
                for (const cmc_stmt *st = f->uses[i]->instance_of->stmts; st && nc < 256; st = st->next)
                    if (st->kind == ST_INPUT)
                        cands[nc++] = st->name;
        char hint[128];
        cmc_suggest_text(hint, sizeof hint, name, cands, nc);
        if (!any)
            cmc_error(d, at, "share '%s': this file uses no model with 'as' (use \"model\" as "
                      "NAME) whose inputs could be shared", name);
        else
            cmc_error(d, at, "share '%s': no instance used here has an input '%s'%s", name,
                      name, hint);
        return -1;
    }
    if (find_stmt(f, ST_INPUT, name))
        return 0;   /* the file declares it itself */
    cmc_stmt *in = cmc_arena_alloc(a, sizeof *in);
    if (!in)
        return -1;
    *in = *decl;   /* unit, description, range and default as the model declares them */
    in->next = NULL;
    in->name = name;
    in->loc = in->name_loc = *at;
    if (defines(f, name))
        in->value = NULL;   /* the file defines it: that value, not the default */
    **tail = in;
    *tail = &in->next;
    return 0;
}

int cmc_inst_share(cmc_graph *g, cmc_file *f, cmc_diags *d)
{
    int rc = 0;
    cmc_stmt **tail = &f->stmts;
    while (*tail)
        tail = &(*tail)->next;
    cmc_stmt *last = NULL;
    for (cmc_stmt *st = f->stmts; st; st = st->next)
        last = st;
    for (cmc_stmt *st = f->stmts; st; st = st->next) {
        if (st->kind == ST_SHARE)
            for (int i = 0; i < st->nnames; i++) {
                if (strchr(st->names[i], '.')) {
                    cmc_error(d, &st->name_locs[i], "share '%s': name the input as the model "
                              "declares it, without an instance's prefix", st->names[i]);
                    rc = -1;
                    continue;
                }
                if (share_name(g, f, st->names[i], &st->name_locs[i], &tail, d) < 0)
                    rc = -1;
            }
        if (st == last)
            break;   /* not into the statements made here */
    }
    return rc;
}
