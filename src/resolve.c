/*
 * resolve.c: choosing the definition in force for every name, and ordering what
 * the outputs need. The files are read by resolve_load.c (with the instances of
 * resolve_inst.c and the inlined functions of func.c); `report` is checked by
 * resolve_report.c.
 *
 * Which definition is in force: a file's definitions override those of the files it
 * uses, directly or not, so a scenario may redefine anything a model defines (give
 * gpu_hours directly, say). Two files neither of which uses the other may not both
 * define a name: nothing decides between them. `--set NAME=EXPR` overrides
 * everything and is parsed by the same parser, from a source named "--set".
 *
 * Then a depth-first walk from the outputs (in declaration order) visits exactly the
 * names they depend on; its post-order is the evaluation order, and a name met again
 * while still on the walk's stack closes a cycle, reported with the whole chain. An
 * `input` the walk reaches without a value is an error at the scenario's `use` that
 * brought it in. A name the scenario defines that nothing uses is an error when no
 * model knows it (a misspelling, most likely) and a warning when one does, unless
 * it is needed by the scenario as written and only --set or a variant made it unused.
 *
 * Cost: near-linear in the input (issue 11 found three quadratic or worse paths).
 * Names are found through a hash map; "does file f use file g" is one bit of a
 * reachability table built once in O(E F / 64); the walk keeps its own stack, so a
 * chain of definitions costs no recursion; "did you mean" searches stop once the
 * diagnostics list is full. A variant resolves over the scenario's parsed files
 * rather than reading and parsing them again.
 */
#include "resolve.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

typedef struct resolver {
    cmc_graph *g;
    cmc_diags *d;
    const cmc_load_options *opt;
    cmc_sym **stack;           /* the walk's stack, for cycle messages */
    int depth;
    int shared;                /* the files come from a base graph */
    int overridden;            /* --set or a variant replaced a definition */
    cmc_map variant_names;     /* name -> the variant statement */
    const char **names;        /* every name, for "did you mean" (made once) */
} resolver;

/* O(1) expected: a hash map (util.h), not a search of the list. */
cmc_sym *cmc_graph_find(const cmc_graph *g, const char *name)
{
    return cmc_map_get(&g->names, name);
}

static cmc_sym *intern(cmc_graph *g, const char *name)
{
    cmc_sym *s = cmc_graph_find(g, name);
    if (s)
        return s;
    if (!g->names.arena)
        cmc_map_init(&g->names, g->arena);
    if (g->nsyms == g->capsyms) {
        int cap = g->capsyms ? 2 * g->capsyms : 32;
        cmc_sym **v = cmc_arena_alloc(g->arena, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        if (g->nsyms)
            memcpy(v, g->syms, (size_t)g->nsyms * sizeof *v);
        g->syms = v;
        g->capsyms = cap;
    }
    s = cmc_arena_alloc(g->arena, sizeof *s);
    if (!s)
        return NULL;
    s->name = name;
    s->slot = -1;
    if (cmc_map_put(&g->names, name, s) < 0)
        return NULL;
    g->syms[g->nsyms++] = s;
    return s;
}

/* ---- Which definition is in force ----------------------------------------------- */

/* Whether f uses g, directly or not: one bit (compute_reach). */
static int uses(const cmc_file *f, const cmc_file *g)
{
    return (f->reach[g->index / 64] >> (g->index % 64)) & 1;
}

static int define(resolver *r, cmc_sym *s, const cmc_stmt *st, cmc_file *f, int is_default)
{
    if (s->def && s->def_file == f) {
        cmc_error(r->d, &st->name_loc, "'%s' is already defined at line %d", s->name,
                  s->def->name_loc.line);
        return -1;
    }
    if (s->def && s->def != st && !uses(f, s->def_file)) {
        cmc_error(r->d, &st->name_loc,
                  "'%s' is defined both here and in %s:%d, and neither file uses the "
                  "other: define it in the scenario to choose", s->name,
                  s->def_file->path, s->def->name_loc.line);
        return -1;
    }
    s->def = s->written = st;
    s->def_file = f;
    s->def_src = &f->src;
    s->is_default = is_default;
    return 0;
}

static const char **all_names(resolver *r);

/* A `variant` statement: only in the scenario itself, named once. */
static int add_variant(resolver *r, const cmc_file *f, const cmc_stmt *st)
{
    cmc_graph *g = r->g;
    if (f != g->top) {
        cmc_error(r->d, &st->loc, "variants belong in the scenario, not in a model it uses");
        return -1;
    }
    /* duplicates by hash maps: O(1) per name, so V variants of k definitions cost
       O(V + total k), not O(V^2 + k^2) */
    if (!r->variant_names.arena)
        cmc_map_init(&r->variant_names, g->arena);
    if (!strcmp(st->name, "base")) {
        cmc_error(r->d, &st->name_loc, "'base' names the scenario as written, the variants' "
                  "default reference: give this variant another name");
        return -1;
    }
    const cmc_stmt *prev = cmc_map_get(&r->variant_names, st->name);
    if (prev) {
        cmc_error(r->d, &st->name_loc, "variant '%s' is already defined at line %d",
                  st->name, prev->name_loc.line);
        return -1;
    }
    cmc_map seen;
    cmc_map_init(&seen, g->arena);
    for (const cmc_stmt *a = st->body; a; a = a->next) {
        if (cmc_map_get(&seen, a->name)) {
            cmc_error(r->d, &a->name_loc, "variant '%s' defines '%s' twice", st->name,
                      a->name);
            return -1;
        }
        if (cmc_map_put(&seen, a->name, (void *)a) < 0)
            return -1;
    }
    if (g->nvariants == 0 || (g->nvariants >= 8 && (g->nvariants & (g->nvariants - 1)) == 0)) {
        /* 8, 16, 32, ...: double when full */
        size_t cap = g->nvariants ? 2 * (size_t)g->nvariants : 8;
        const cmc_stmt **v = cmc_arena_alloc(g->arena, cap * sizeof *v);
        if (!v)
            return -1;
        if (g->nvariants)
            memcpy(v, g->variants, (size_t)g->nvariants * sizeof *v);
        g->variants = v;
    }
    if (cmc_map_put(&r->variant_names, st->name, (void *)st) < 0)
        return -1;
    g->variants[g->nvariants++] = st;
    return 0;
}

/* `reference NAME`: once, in the scenario itself. */
static int add_reference(resolver *r, const cmc_file *f, const cmc_stmt *st)
{
    cmc_graph *g = r->g;
    if (f != g->top) {
        cmc_error(r->d, &st->loc, "'reference' belongs in the scenario, not in a model it uses");
        return -1;
    }
    if (g->reference) {
        cmc_error(r->d, &st->loc, "the scenario names its reference twice (first at line %d)",
                  g->reference->loc.line);
        return -1;
    }
    g->reference = st;
    return 0;
}

/* The variant `reference NAME` names, once every variant is known: -1 for base. */
static int find_reference(resolver *r)
{
    cmc_graph *g = r->g;
    g->reference_variant = -1;
    const cmc_stmt *st = g->reference;
    if (!st || !strcmp(st->name, "base"))
        return 0;
    const cmc_stmt *v = r->variant_names.arena ? cmc_map_get(&r->variant_names, st->name) : NULL;
    for (int i = 0; v && i < g->nvariants; i++)
        if (g->variants[i] == v)
            g->reference_variant = i;
    if (g->reference_variant >= 0)
        return 0;
    if (!g->nvariants) {
        cmc_error(r->d, &st->name_loc, "reference '%s': the scenario has no variants", st->name);
        return -1;
    }
    const char **names = cmc_arena_alloc(g->arena, ((size_t)g->nvariants + 1) * sizeof *names);
    if (!names)
        return -1;
    for (int i = 0; i < g->nvariants; i++)
        names[i] = g->variants[i]->name;
    names[g->nvariants] = "base";
    char hint[160] = "";
    cmc_suggest_text(hint, sizeof hint, st->name, names, (size_t)g->nvariants + 1);
    cmc_buf b;
    cmc_buf_init(&b);
    for (int i = 0; i < g->nvariants && i < 8; i++)
        cmc_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    if (g->nvariants > 8)
        cmc_buf_printf(&b, ", ...");
    cmc_error(r->d, &st->name_loc, "reference '%s' is not a variant%s (variants: %s; or base, "
              "the scenario as written)", st->name, hint, b.failed ? "" : cmc_buf_str(&b));
    cmc_buf_free(&b);
    return -1;
}

/* The definitions of variant v, over the scenario and --set. */
static int apply_variant(resolver *r, int v)
{
    if (v < 0)
        return 0;
    int rc = 0;
    const cmc_stmt *st = r->g->variants[v];
    for (const cmc_stmt *a = st->body; a; a = a->next) {
        cmc_sym *s = cmc_graph_find(r->g, a->name);
        if (!s) {
            char hint[128];
            cmc_suggest_text(hint, sizeof hint, a->name, all_names(r), (size_t)r->g->nsyms);
            cmc_error(r->d, &a->name_loc, "variant '%s': the scenario has no quantity '%s'%s",
                      st->name, a->name, hint);
            rc = -1;
            continue;
        }
        s->def = a;
        s->def_file = r->g->top;
        s->def_src = &r->g->top->src;
        s->from_set = 0;
        s->is_default = 0;
        r->overridden = 1;
    }
    return rc;
}

static int apply(resolver *r, cmc_file *f)
{
    if (f->applied)
        return 0;
    f->applied = 1;
    int rc = 0;
    for (int i = 0; i < f->nuses; i++)
        rc |= apply(r, f->uses[i]);
    for (cmc_stmt *st = f->stmts; st; st = st->next) {
        if (st->kind == ST_TITLE) {
            if (f == r->g->top) {
                if (r->g->title) {
                    cmc_error(r->d, &st->loc, "the scenario has two titles");
                    rc = -1;
                }
                r->g->title = st->str;
            }
            continue;
        }
        if (st->kind == ST_USE || st->kind == ST_FUNC || st->kind == ST_SHARE ||
            st->kind == ST_CORRELATE)
            continue;   /* functions are inlined, shares made statements at load,
                           correlations read by copula.c */
        if (st->kind == ST_REPORT) {
            if (f != r->g->top) {
                cmc_error(r->d, &st->loc, "'report' belongs in the scenario, not in a model it uses");
                rc = -1;
            } else if (cmc_report_add(r->g, st, r->d) < 0)
                rc = -1;
            continue;
        }
        if (st->kind == ST_VARIANT) {
            if (!r->shared && add_variant(r, f, st) < 0)
                rc = -1;
            continue;
        }
        if (st->kind == ST_REFERENCE) {
            if (!r->shared && add_reference(r, f, st) < 0)
                rc = -1;
            continue;
        }
        cmc_sym *s = intern(r->g, st->name);
        if (!s)
            return -1;
        if (st->kind == ST_INPUT) {
            if (s->input && s->input_file == f) {
                cmc_error(r->d, &st->name_loc, "input '%s' is already declared at line %d",
                          s->name, s->input->name_loc.line);
                rc = -1;
                continue;
            }
            if (!s->input) {
                s->input = st;
                s->input_file = f;
            }
        } else if (st->kind == ST_OUTPUT) {
            if (s->output) {
                if (s->output->loc.src == st->loc.src) {
                    cmc_error(r->d, &st->name_loc, "'%s' is already an output (line %d)",
                              s->name, s->output->name_loc.line);
                    rc = -1;
                }
                continue;   /* declared by a model and again by the scenario: fine */
            }
            s->output = st;
            int n = r->g->noutputs;
            if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
                /* 16, 32, 64, ...: doubling, so n outputs cost O(n) copies (growing
                   by 16 cost O(n^2): 2.5 GB of arena for 100,000 outputs) */
                cmc_sym **v = cmc_arena_alloc(r->g->arena,
                                              (size_t)(n ? 2 * n : 16) * sizeof *v);
                if (!v)
                    return -1;
                if (r->g->noutputs)
                    memcpy(v, r->g->outputs, (size_t)r->g->noutputs * sizeof *v);
                r->g->outputs = v;
            }
            r->g->outputs[r->g->noutputs++] = s;
        }
        if (st->value && define(r, s, st, f, st->kind == ST_INPUT) < 0)
            rc = -1;
    }
    return rc;
}

/* Every name, for "did you mean": made once (the names are all known after
   apply), not once per message. NULL when the diagnostics list is full, so that
   thousands of unknown names cost no suggestion searches (O(names) each). */
static const char **all_names(resolver *r)
{
    if (cmc_diags_full(r->d))
        return NULL;
    if (!r->names) {
        const char **v = cmc_arena_alloc(r->g->arena, (size_t)(r->g->nsyms + 1) * sizeof *v);
        if (v)
            for (int i = 0; i < r->g->nsyms; i++)
                v[i] = r->g->syms[i]->name;
        r->names = v;
    }
    return r->names;
}

static int apply_sets(resolver *r)
{
    int rc = 0;
    cmc_arena *a = r->g->arena;
    if (!r->opt)
        return 0;
    for (size_t i = 0; i < r->opt->nsets; i++) {
        cmc_src *src = cmc_arena_alloc(a, sizeof *src);
        if (!src)
            return -1;
        src->name = "--set";
        cmc_stmt *st = NULL;
        size_t before = cmc_diags_errors(r->d);
        if (cmc_lex_prepare(src, r->opt->sets[i], strlen(r->opt->sets[i]), a, r->d) < 0 ||
            cmc_parse(src, a, r->d, &st) < 0) {
            rc = -1;
            continue;
        }
        if (!st || st->kind != ST_DEF || st->next || strchr(src->text, '\n')) {
            cmc_loc l = {src, 1, 1, (int)strlen(src->text)};
            if (cmc_diags_errors(r->d) == before)
                cmc_error(r->d, &l, "--set expects NAME=EXPR, e.g. --set days=95");
            rc = -1;
            continue;
        }
        if (!(st->value = cmc_func_inline(&r->g->top->funcs, st->value, a, r->d))) {
            rc = -1;
            continue;
        }
        cmc_sym *s = cmc_graph_find(r->g, st->name);
        if (!s) {
            char hint[128];
            cmc_suggest_text(hint, sizeof hint, st->name, all_names(r), (size_t)r->g->nsyms);
            cmc_error(r->d, &st->name_loc, "the scenario has no quantity '%s'%s", st->name, hint);
            rc = -1;
            continue;
        }
        if (s->from_set) {
            cmc_error(r->d, &st->name_loc, "'%s' is set twice with --set", st->name);
            rc = -1;
            continue;
        }
        s->def = st;
        s->def_file = NULL;
        s->def_src = src;
        s->from_set = 1;
        s->is_default = 0;
        r->overridden = 1;
    }
    return rc;
}

/* ---- The walk from the outputs -------------------------------------------------- */

/* The names an expression refers to, in source order, as an arena array: the walk
   below keeps its own stack of these instead of recursing through visit and
   cmc_expr_names, so a chain of 40,000 definitions (a1 = a0 + 1, a2 = a1 + 1, ...)
   needs heap, not 40,000 nested calls. */
typedef struct refs {
    const cmc_expr **v;
    int n, cap;
    cmc_arena *a;
} refs;

static int add_ref(const cmc_expr *e, void *ctx)
{
    refs *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        const cmc_expr **v = cmc_arena_alloc(l->a, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        if (l->n)
            memcpy(v, l->v, (size_t)l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = e;
    return 0;
}

typedef struct frame {
    cmc_sym *s;
    const cmc_expr **refs;
    int n, i;
} frame;

static int push(resolver *r, frame *stack, int *top, cmc_sym *s, const cmc_stmt *def)
{
    refs l = {NULL, 0, 0, r->g->arena};
    if (cmc_expr_names(def->value, add_ref, &l) < 0)
        return -1;
    stack[*top] = (frame){s, l.v, l.n, 0};
    r->stack[*top] = s;
    ++*top;
    return 0;
}

/* The top file's `use` through which file f was reached, for locating errors about
   what a model needs. */
static const cmc_stmt *use_leading_to(const cmc_file *top, const cmc_file *f)
{
    for (int i = 0; i < top->nuses; i++)
        if (top->uses[i] == f || uses(top->uses[i], f))
            return top->use_stmts[i];
    return NULL;
}

static void missing_input(resolver *r, cmc_sym *s, const cmc_sym *from)
{
    const cmc_file *top = r->g->top;
    const cmc_stmt *u = s->input_file == top ? NULL : use_leading_to(top, s->input_file);
    const char *desc = s->input->desc;
    /* a name the scenario defines and nothing uses, close to this one: the likely typo
       (not searched for once the diagnostics are full: it would not be shown) */
    const char *cands[256];
    size_t nc = 0;
    for (int i = 0; i < r->g->nsyms && nc < 256 && !cmc_diags_full(r->d); i++) {
        cmc_sym *o = r->g->syms[i];
        if (o->def && o->def_file == top && !o->input && !o->output)
            cands[nc++] = o->name;
    }
    char hint[160] = "";
    const char *sug = cmc_suggest(s->name, cands, nc);
    if (sug)
        snprintf(hint, sizeof hint, " (did you mean '%s', defined at line %d?)", sug,
                 cmc_graph_find(r->g, sug)->def->name_loc.line);
    char need[128] = "";
    if (from)
        snprintf(need, sizeof need, ", used by '%s'", from->name);
    if (u) {
        cmc_error(r->d, &u->name_loc, "'%s' needs a value for input '%s'%s%s%s%s%s", u->str,
                  s->name, desc ? " (" : "", desc ? desc : "", desc ? ")" : "", need, hint);
        cmc_note(r->d, &s->input->name_loc, "'%s' is declared here", s->name);
    } else {
        cmc_error(r->d, &s->input->name_loc, "input '%s' has no value%s%s", s->name, need,
                  hint);
    }
}

/* Depth-first from output s: every name it needs is appended to g->order after
   the names it needs (post-order), each once; errors for cycles, unknown names and
   missing inputs. Iterative, with an explicit stack of at most nsyms frames: O(names
   + references) in time and memory, whatever the length of a chain. */
static int visit(resolver *r, frame *stack, cmc_sym *out)
{
    int rc = 0, top = 0;
    if (out->state == 2)
        return 0;
    if (!out->def) {
        out->state = 2;
        if (out->input)
            missing_input(r, out, NULL);
        else
            cmc_error(r->d, &out->output->name_loc,
                      "'%s' is declared as an output but never defined", out->name);
        return -1;
    }
    out->state = 1;
    out->needed = 1;
    if (push(r, stack, &top, out, out->def) < 0)
        return -1;
    while (top > 0) {
        frame *f = &stack[top - 1];
        if (f->i == f->n) {
            f->s->state = 2;
            r->g->order[r->g->norder++] = f->s;
            top--;
            continue;
        }
        const cmc_expr *e = f->refs[f->i++];
        cmc_sym *s = cmc_graph_find(r->g, e->name);
        if (!s) {
            char hint[128];
            cmc_suggest_text(hint, sizeof hint, e->name, all_names(r), (size_t)r->g->nsyms);
            cmc_error(r->d, &e->loc, "unknown name '%s'%s", e->name, hint);
            rc = -1;
            continue;
        }
        if (s->state == 2)
            continue;
        if (s->state == 1) {
            cmc_buf b;
            cmc_buf_init(&b);
            int i = top - 1;
            while (i > 0 && r->stack[i] != s)
                i--;
            for (; i < top; i++)
                cmc_buf_printf(&b, "%s -> ", r->stack[i]->name);
            cmc_buf_puts(&b, s->name);
            cmc_error(r->d, &e->loc, "circular definition: %s", cmc_buf_str(&b));
            cmc_buf_free(&b);
            rc = -1;
            continue;
        }
        if (!s->def) {
            s->state = 2;
            if (s->input)
                missing_input(r, s, f->s);
            else
                cmc_error(r->d, &e->loc, "'%s' is declared as an output but never defined",
                          s->name);
            rc = -1;
            continue;
        }
        s->state = 1;
        s->needed = 1;
        if (push(r, stack, &top, s, s->def) < 0)
            return -1;
    }
    return rc;
}

/* Which names the outputs need in the scenario as written, before --set and
   variants replaced definitions (written_state 2): a name that only an override
   made unused is no mistake of the scenario's. The same iterative walk, without
   messages. O(names + references). */
static int mark_written(resolver *r, frame *stack, cmc_sym *out)
{
    int top = 0;
    if (out->written_state || !out->written)
        return 0;
    out->written_state = 1;
    if (push(r, stack, &top, out, out->written) < 0)
        return -1;
    while (top > 0) {
        frame *f = &stack[top - 1];
        if (f->i == f->n) {
            f->s->written_state = 2;
            top--;
            continue;
        }
        cmc_sym *s = cmc_graph_find(r->g, f->refs[f->i++]->name);
        if (!s || s->written_state || !s->written)
            continue;
        s->written_state = 1;
        if (push(r, stack, &top, s, s->written) < 0)
            return -1;
    }
    return 0;
}

/* The names variants define, each with the names any variant's definition of it
   refers to (once each). Built once, with the scenario (base) graph, in
   O(variant definitions + their references), and shared by the variants'
   resolutions: walking every variant's definitions in each of V variants'
   resolutions cost O(V^2) time and zeroed memory (8,000 variants: 6.5 s, 1.1 GB). */
typedef struct vname {
    const char *name;
    refs r;   /* the names its variant definitions refer to, once each */
} vname;

typedef struct cmc_vindex {
    vname *v;
    int n;
    cmc_map at;   /* name -> its index in v, plus one */
} cmc_vindex;

static int vindex_build(cmc_graph *g)
{
    cmc_arena *a = g->arena;
    cmc_vindex *x = cmc_arena_alloc(a, sizeof *x);
    cmc_map at, seen;   /* name -> its vname index + 1; "name\x1fref" -> seen */
    if (!x)
        return -1;
    cmc_map_init(&at, a);
    cmc_map_init(&seen, a);
    int cap = 0;
    for (int v = 0; v < g->nvariants; v++)
        for (const cmc_stmt *d = g->variants[v]->body; d; d = d->next) {
            intptr_t k = (intptr_t)cmc_map_get(&at, d->name) - 1;
            if (k < 0) {
                if (x->n == cap) {
                    int nc = cap ? 2 * cap : 8;
                    vname *nv = cmc_arena_alloc(a, (size_t)nc * sizeof *nv);
                    if (!nv)
                        return -1;
                    if (x->n)
                        memcpy(nv, x->v, (size_t)x->n * sizeof *nv);
                    x->v = nv;
                    cap = nc;
                }
                k = x->n++;
                x->v[k] = (vname){.name = d->name, .r = {NULL, 0, 0, a}};
                if (cmc_map_put(&at, d->name, (void *)(k + 1)) < 0)
                    return -1;
            }
            refs l = {NULL, 0, 0, a};
            if (cmc_expr_names(d->value, add_ref, &l) < 0)
                return -1;
            for (int i = 0; i < l.n; i++) {
                const char *key = cmc_arena_printf(a, "%s\x1f%s", d->name, l.v[i]->name);
                if (!key)
                    return -1;
                if (cmc_map_get(&seen, key))
                    continue;
                if (cmc_map_put(&seen, key, (void *)1) < 0 || add_ref(l.v[i], &x->v[k].r) < 0)
                    return -1;
            }
        }
    x->at = at;
    g->vindex = x;
    return 0;
}

/* The names the scenario's variants need (variant_used): a worklist walk from the
   outputs and from every name a variant defines, following both the definition in
   force and every variant's definition of a name. Such a name is not unused, even
   where this model does not need it (a quantity only a variant uses), and the
   scenario as run (compile.c) must state it so that its variant lines read back.
   O(names + references + the names variants define) per resolution, with the
   variants' definitions indexed once (vindex_build). */
static int mark_variant_used(resolver *r)
{
    cmc_graph *g = r->g;
    if (!g->vindex && vindex_build(g) < 0)
        return -1;
    const cmc_vindex *x = g->vindex;
    cmc_sym **work = cmc_arena_alloc(g->arena, (size_t)(g->nsyms + 1) * sizeof *work);
    if (!work)
        return -1;
    int n = 0;
    for (int k = 0; k < x->n; k++) {
        cmc_sym *s = cmc_graph_find(g, x->v[k].name);
        if (s && !s->variant_used) {
            s->variant_used = 1;
            work[n++] = s;
        }
    }
    for (int i = 0; i < g->noutputs; i++)
        if (!g->outputs[i]->variant_used) {
            g->outputs[i]->variant_used = 1;
            work[n++] = g->outputs[i];
        }
    while (n > 0) {
        cmc_sym *s = work[--n];
        refs l = {NULL, 0, 0, g->arena};
        if (s->def && cmc_expr_names(s->def->value, add_ref, &l) < 0)
            return -1;
        for (int i = 0; i < l.n; i++) {
            cmc_sym *t = cmc_graph_find(g, l.v[i]->name);
            if (t && !t->variant_used) {
                t->variant_used = 1;
                work[n++] = t;
            }
        }
        intptr_t k = (intptr_t)cmc_map_get(&x->at, s->name) - 1;
        for (int i = 0; k >= 0 && i < x->v[k].r.n; i++) {
            cmc_sym *t = cmc_graph_find(g, x->v[k].r.v[i]->name);
            if (t && !t->variant_used) {
                t->variant_used = 1;
                work[n++] = t;
            }
        }
    }
    return 0;
}

static int check_unused(resolver *r)
{
    int rc = 0;
    const cmc_file *top = r->g->top;
    /* the names the other files state, and the inputs: built once, O(statements) */
    cmc_map known;
    cmc_map_init(&known, r->g->arena);
    for (const cmc_file *f = r->g->files; f; f = f->next)
        if (f != top)
            for (const cmc_stmt *st = f->stmts; st; st = st->next)
                if (st->name && cmc_map_put(&known, st->name, (void *)st) < 0)
                    return -1;
    const char *inputs[256];
    size_t ninputs = 0;
    for (int j = 0; j < r->g->nsyms && ninputs < 256; j++)
        if (r->g->syms[j]->input)
            inputs[ninputs++] = r->g->syms[j]->name;
    for (int i = 0; i < r->g->nsyms; i++) {
        cmc_sym *s = r->g->syms[i];
        if (s->needed || !s->def)
            continue;
        int mine = s->from_set || s->def_file == top;
        if (!mine || s->written_state == 2 || s->variant_used || s->def->generated)
            continue;
        const cmc_loc *l = &s->def->name_loc;
        if (s->input || s->output || cmc_map_get(&known, s->name)) {
            cmc_warning(r->d, l, "'%s' does not affect any output", s->name);
            continue;
        }
        char hint[128] = "";
        if (!cmc_diags_full(r->d))
            cmc_suggest_text(hint, sizeof hint, s->name, inputs, ninputs);
        cmc_error(r->d, l, "'%s' is defined but no output depends on it%s", s->name,
                  hint[0] ? hint : " (declare it an output, or remove it)");
        rc = -1;
    }
    return rc;
}

int cmc_resolve(cmc_graph *g, const char *path, const char *text, size_t len,
                const cmc_load_options *opt, int variant, const cmc_graph *base,
                cmc_diags *d)
{
    resolver r;
    memset(&r, 0, sizeof r);
    r.g = g;
    r.d = d;
    r.opt = opt;
    if (base) {
        /* a variant: the base graph's files, statements and variant list */
        r.shared = 1;
        g->files = base->files;
        g->top = base->top;
        g->nfiles = base->nfiles;
        g->variants = base->variants;
        g->nvariants = base->nvariants;
        g->vindex = base->vindex;
        for (cmc_file *f = g->files; f; f = f->next)
            f->applied = 0;
    } else {
        if (cmc_load_files(g, path, text, len, opt, d) < 0)
            return -1;
    }
    if (apply(&r, g->top) < 0 || apply_sets(&r) < 0)
        return -1;
    if (!base && find_reference(&r) < 0)
        return -1;
    if (variant >= g->nvariants || apply_variant(&r, variant) < 0)
        return -1;
    if (opt && opt->report && cmc_report_option(g, opt->report, d) < 0)
        return -1;
    if (g->nreports && cmc_report_check(g, d) < 0)
        return -1;
    if (g->noutputs == 0) {
        cmc_loc l = {&g->top->src, 0, 0, 0};
        cmc_error(d, &l, "no outputs: declare at least one with 'output NAME'");
        return -1;
    }
    g->order = cmc_arena_alloc(g->arena, (size_t)g->nsyms * sizeof *g->order);
    r.stack = cmc_arena_alloc(g->arena, (size_t)(g->nsyms + 1) * sizeof *r.stack);
    frame *stack = cmc_arena_alloc(g->arena, (size_t)(g->nsyms + 1) * sizeof *stack);
    if (!g->order || !r.stack || !stack)
        return -1;
    int rc = 0;
    for (int i = 0; i < g->noutputs; i++)
        if (visit(&r, stack, g->outputs[i]) < 0)
            rc = -1;
    if (r.overridden)
        for (int i = 0; i < g->noutputs; i++)
            if (mark_written(&r, stack, g->outputs[i]) < 0)
                return -1;
    if (g->nvariants && mark_variant_used(&r) < 0)
        return -1;
    if (check_unused(&r) < 0)
        rc = -1;
    return rc;
}
