/*
 * resolve.c: loading files, choosing the definition in force for every name, and
 * ordering what the outputs need.
 *
 * `use "name"` looks for name.cmc in the using file's folder, then in a models/
 * folder beside that folder (so scenarios/x.cmc finds models/), then in each folder
 * of the load options (CARBONMC_PATH), then in the built-in models folders. A name
 * containing '/' or ending in ".cmc" is a path relative to the using file. A file
 * used twice is read once; a file that (indirectly) uses itself is an error.
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
 * model knows it (a misspelling, most likely) and a warning when one does.
 */
#include "resolve.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CMC_MODELS_DIRS
#define CMC_MODELS_DIRS ""
#endif

typedef struct resolver {
    cmc_graph *g;
    cmc_diags *d;
    const cmc_load_options *opt;
    cmc_sym **stack;           /* the walk's stack, for cycle messages */
    int depth;
} resolver;

cmc_sym *cmc_graph_find(const cmc_graph *g, const char *name)
{
    for (int i = 0; i < g->nsyms; i++)
        if (strcmp(g->syms[i]->name, name) == 0)
            return g->syms[i];
    return NULL;
}

static cmc_sym *intern(cmc_graph *g, const char *name)
{
    cmc_sym *s = cmc_graph_find(g, name);
    if (s)
        return s;
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
    g->syms[g->nsyms++] = s;
    return s;
}

/* ---- Paths ----------------------------------------------------------------- */

static const char *dir_of(cmc_arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return cmc_arena_strndup(a, path, (size_t)(slash - path));
}

/* The folder containing dir ("." -> "..", "a/b" -> "a", "a" -> "."). */
static const char *parent_of(cmc_arena *a, const char *dir)
{
    size_t n = strlen(dir);
    if (!strcmp(dir, "."))
        return "..";
    if ((n >= 2 && !strcmp(dir + n - 2, "..")) )
        return cmc_arena_printf(a, "%s/..", dir);
    return dir_of(a, dir);
}

static const char *join(cmc_arena *a, const char *dir, const char *file)
{
    if (!strcmp(dir, "."))
        return cmc_arena_strdup(a, file);
    size_t n = strlen(dir);
    return cmc_arena_printf(a, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", file);
}

static int is_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    fclose(f);
    return 1;
}

typedef struct dirlist {
    const char *v[64];
    int n;
} dirlist;

static void add_dir(dirlist *l, const char *dir)
{
    if (l->n < 64 && dir && *dir)
        l->v[l->n++] = dir;
}

static void search_dirs(resolver *r, const cmc_file *from, dirlist *l)
{
    cmc_arena *a = r->g->arena;
    l->n = 0;
    add_dir(l, from->dir);
    add_dir(l, join(a, parent_of(a, from->dir), "models"));
    if (r->opt)
        for (size_t i = 0; i < r->opt->npath; i++)
            add_dir(l, r->opt->path[i]);
    const char *b = CMC_MODELS_DIRS;
    while (*b) {
        const char *e = strchr(b, ':');
        size_t n = e ? (size_t)(e - b) : strlen(b);
        if (n)
            add_dir(l, cmc_arena_strndup(a, b, n));
        b += n + (e != NULL);
    }
}

/* Every *.cmc in the search folders, as model names, for "did you mean". */
static int model_names(cmc_arena *a, const dirlist *l, const char **out, int max)
{
    int n = 0;
    for (int i = 0; i < l->n && n < max; i++) {
        DIR *dp = opendir(l->v[i]);
        if (!dp)
            continue;
        struct dirent *de;
        while ((de = readdir(dp)) && n < max) {
            size_t len = strlen(de->d_name);
            if (len > 4 && !strcmp(de->d_name + len - 4, ".cmc"))
                out[n++] = cmc_arena_strndup(a, de->d_name, len - 4);
        }
        closedir(dp);
    }
    return n;
}

/* ---- Loading ----------------------------------------------------------------- */

static cmc_file *load(resolver *r, const char *path, const char *text,
                      const cmc_loc *use_loc);

static cmc_file *find_use(resolver *r, cmc_file *from, const cmc_stmt *u)
{
    cmc_arena *a = r->g->arena;
    const char *name = u->str;
    size_t n = strlen(name);
    if (n == 0) {
        cmc_error(r->d, &u->name_loc, "empty model name in 'use'");
        return NULL;
    }
    if (strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".cmc"))) {
        const char *p = name[0] == '/' ? name : join(a, from->dir, name);
        if (!is_file(p)) {
            cmc_error(r->d, &u->name_loc, "cannot open '%s' named by 'use': %s", p,
                      strerror(errno));
            return NULL;
        }
        return load(r, p, NULL, &u->name_loc);
    }
    const char *file = cmc_arena_printf(a, "%s.cmc", name);
    dirlist l;
    search_dirs(r, from, &l);
    for (int i = 0; i < l.n; i++) {
        const char *p = join(a, l.v[i], file);
        if (is_file(p))
            return load(r, p, NULL, &u->name_loc);
    }
    const char *names[256];
    int nn = model_names(a, &l, names, 256);
    char hint[128];
    cmc_suggest_text(hint, sizeof hint, name, names, (size_t)nn);
    cmc_buf b;
    cmc_buf_init(&b);
    for (int i = 0; i < l.n; i++)
        cmc_buf_printf(&b, "%s%s", i ? ", " : "", l.v[i]);
    cmc_error(r->d, &u->name_loc, "cannot find model '%s'%s; looked for %s in: %s", name,
              hint, file, cmc_buf_str(&b));
    cmc_buf_free(&b);
    return NULL;
}

static cmc_file *load(resolver *r, const char *path, const char *text,
                      const cmc_loc *use_loc)
{
    cmc_graph *g = r->g;
    cmc_arena *a = g->arena;
    char real[PATH_MAX];
    const char *canon = text ? path : (realpath(path, real) ? real : path);
    for (cmc_file *f = g->files; f; f = f->next) {
        if (strcmp(f->real, canon) != 0)
            continue;
        if (f->loading) {
            cmc_error(r->d, use_loc, "'%s' uses itself (through the files it uses)", path);
            return NULL;
        }
        return f;
    }
    cmc_file *f = cmc_arena_alloc(a, sizeof *f);
    if (!f)
        return NULL;
    f->path = cmc_arena_strdup(a, path);
    f->real = cmc_arena_strdup(a, canon);
    f->dir = dir_of(a, path);
    f->src.name = f->path;
    if (text) {
        f->src.text = cmc_arena_strdup(a, text);
    } else {
        char *t = cmc_read_file(path, NULL);
        if (!t) {
            cmc_loc none = {NULL, 0, 0, 0};
            if (use_loc)
                cmc_error(r->d, use_loc, "cannot read '%s': %s", path, strerror(errno));
            else
                cmc_error(r->d, &none, "cannot read '%s': %s", path, strerror(errno));
            return NULL;
        }
        f->src.text = cmc_arena_strdup(a, t);
        free(t);
    }
    /* append to the list of files */
    cmc_file **tail = &g->files;
    while (*tail)
        tail = &(*tail)->next;
    *tail = f;

    int ok = cmc_parse(&f->src, a, r->d, &f->stmts) == 0;
    int nuses = 0;
    for (cmc_stmt *s = f->stmts; s; s = s->next)
        nuses += s->kind == ST_USE;
    f->uses = cmc_arena_alloc(a, (size_t)(nuses + 1) * sizeof *f->uses);
    f->use_stmts = cmc_arena_alloc(a, (size_t)(nuses + 1) * sizeof *f->use_stmts);
    f->loading = 1;
    for (cmc_stmt *s = f->stmts; s; s = s->next) {
        if (s->kind != ST_USE)
            continue;
        cmc_file *u = find_use(r, f, s);
        if (!u) {
            ok = 0;
            continue;
        }
        f->uses[f->nuses] = u;
        f->use_stmts[f->nuses++] = s;
    }
    f->loading = 0;
    return ok ? f : NULL;
}

/* ---- Which definition is in force ----------------------------------------------- */

static int uses(const cmc_file *f, const cmc_file *g)
{
    for (int i = 0; i < f->nuses; i++)
        if (f->uses[i] == g || uses(f->uses[i], g))
            return 1;
    return 0;
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
    s->def = st;
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
    for (int i = 0; i < g->nvariants; i++)
        if (!strcmp(g->variants[i]->name, st->name)) {
            cmc_error(r->d, &st->name_loc, "variant '%s' is already defined at line %d",
                      st->name, g->variants[i]->name_loc.line);
            return -1;
        }
    for (const cmc_stmt *a = st->body; a; a = a->next)
        for (const cmc_stmt *b = st->body; b != a; b = b->next)
            if (!strcmp(a->name, b->name)) {
                cmc_error(r->d, &a->name_loc, "variant '%s' defines '%s' twice", st->name,
                          a->name);
                return -1;
            }
    if (g->nvariants % 8 == 0) {
        const cmc_stmt **v = cmc_arena_alloc(g->arena, (size_t)(g->nvariants + 8) * sizeof *v);
        if (!v)
            return -1;
        if (g->nvariants)
            memcpy(v, g->variants, (size_t)g->nvariants * sizeof *v);
        g->variants = v;
    }
    g->variants[g->nvariants++] = st;
    return 0;
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
        if (st->kind == ST_USE)
            continue;
        if (st->kind == ST_VARIANT) {
            if (add_variant(r, f, st) < 0)
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
            if (r->g->noutputs % 16 == 0) {
                cmc_sym **v = cmc_arena_alloc(r->g->arena,
                                              (size_t)(r->g->noutputs + 16) * sizeof *v);
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

static const char **all_names(resolver *r)
{
    const char **v = cmc_arena_alloc(r->g->arena, (size_t)(r->g->nsyms + 1) * sizeof *v);
    if (v)
        for (int i = 0; i < r->g->nsyms; i++)
            v[i] = r->g->syms[i]->name;
    return v;
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
        src->text = cmc_arena_strdup(a, r->opt->sets[i]);
        cmc_stmt *st = NULL;
        size_t before = cmc_diags_errors(r->d);
        if (cmc_parse(src, a, r->d, &st) < 0) {
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
    }
    return rc;
}

/* ---- The walk from the outputs -------------------------------------------------- */

typedef struct walk_ctx {
    resolver *r;
    int rc;
} walk_ctx;

static int visit(resolver *r, cmc_sym *s, const cmc_expr *ref, const cmc_sym *from);

static int visit_ref(const cmc_expr *e, void *ctx)
{
    walk_ctx *w = ctx;
    resolver *r = w->r;
    cmc_sym *s = cmc_graph_find(r->g, e->name);
    if (!s) {
        char hint[128];
        cmc_suggest_text(hint, sizeof hint, e->name, all_names(r), (size_t)r->g->nsyms);
        cmc_error(r->d, &e->loc, "unknown name '%s'%s", e->name, hint);
        w->rc = -1;
        return 0;
    }
    if (visit(r, s, e, r->stack[r->depth - 1]) < 0)
        w->rc = -1;
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
    /* a name the scenario defines and nothing uses, close to this one: the likely typo */
    const char *cands[256];
    size_t nc = 0;
    for (int i = 0; i < r->g->nsyms && nc < 256; i++) {
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

static int visit(resolver *r, cmc_sym *s, const cmc_expr *ref, const cmc_sym *from)
{
    if (s->state == 2)
        return 0;
    if (s->state == 1) {
        cmc_buf b;
        cmc_buf_init(&b);
        int i = r->depth - 1;
        while (i > 0 && r->stack[i] != s)
            i--;
        for (; i < r->depth; i++)
            cmc_buf_printf(&b, "%s -> ", r->stack[i]->name);
        cmc_buf_puts(&b, s->name);
        cmc_error(r->d, &ref->loc, "circular definition: %s", cmc_buf_str(&b));
        cmc_buf_free(&b);
        return -1;
    }
    if (!s->def) {
        s->state = 2;
        if (s->input) {
            missing_input(r, s, from);
        } else {
            const cmc_loc *l = ref ? &ref->loc : &s->output->name_loc;
            cmc_error(r->d, l, "'%s' is declared as an output but never defined", s->name);
        }
        return -1;
    }
    s->state = 1;
    s->needed = 1;
    r->stack[r->depth++] = s;
    walk_ctx w = {r, 0};
    cmc_expr_names(s->def->value, visit_ref, &w);
    r->depth--;
    s->state = 2;
    r->g->order[r->g->norder++] = s;
    return w.rc;
}

static int check_unused(resolver *r)
{
    int rc = 0;
    const cmc_file *top = r->g->top;
    for (int i = 0; i < r->g->nsyms; i++) {
        cmc_sym *s = r->g->syms[i];
        if (s->needed || !s->def)
            continue;
        int mine = s->from_set || s->def_file == top;
        if (!mine)
            continue;
        const cmc_loc *l = &s->def->name_loc;
        int known = s->input || s->output;
        for (const cmc_file *f = r->g->files; f && !known; f = f->next)
            if (f != top)
                for (const cmc_stmt *st = f->stmts; st && !known; st = st->next)
                    known = st->name && !strcmp(st->name, s->name);
        if (known) {
            cmc_warning(r->d, l, "'%s' does not affect any output", s->name);
            continue;
        }
        const char *cands[256];
        size_t nc = 0;
        for (int j = 0; j < r->g->nsyms && nc < 256; j++)
            if (r->g->syms[j]->input)
                cands[nc++] = r->g->syms[j]->name;
        char hint[128];
        cmc_suggest_text(hint, sizeof hint, s->name, cands, nc);
        cmc_error(r->d, l, "'%s' is defined but no output depends on it%s", s->name,
                  hint[0] ? hint : " (declare it an output, or remove it)");
        rc = -1;
    }
    return rc;
}

int cmc_resolve(cmc_graph *g, const char *path, const char *text,
                const cmc_load_options *opt, int variant, cmc_diags *d)
{
    resolver r = {g, d, opt, NULL, 0};
    g->top = load(&r, path, text, NULL);
    if (!g->top || cmc_diags_errors(d))
        return -1;
    if (apply(&r, g->top) < 0 || apply_sets(&r) < 0)
        return -1;
    if (variant >= g->nvariants || apply_variant(&r, variant) < 0)
        return -1;
    if (g->noutputs == 0) {
        cmc_loc l = {&g->top->src, 0, 0, 0};
        cmc_error(d, &l, "no outputs: declare at least one with 'output NAME'");
        return -1;
    }
    g->order = cmc_arena_alloc(g->arena, (size_t)g->nsyms * sizeof *g->order);
    r.stack = cmc_arena_alloc(g->arena, (size_t)(g->nsyms + 1) * sizeof *r.stack);
    if (!g->order || !r.stack)
        return -1;
    int rc = 0;
    for (int i = 0; i < g->noutputs; i++)
        if (visit(&r, g->outputs[i], NULL, NULL) < 0)
            rc = -1;
    if (check_unused(&r) < 0)
        rc = -1;
    return rc;
}
