/*
 * resolve_load.c: reading the files a scenario uses.
 *
 * `use "name"` looks for name.cmc in the using file's folder, then in a models/
 * folder beside that folder (so scenarios/x.cmc finds models/), then in each folder
 * of the load options (CARBONMC_PATH), then in the built-in models folders. A name
 * containing '/' or ending in ".cmc" is a path relative to the using file. A file
 * used twice is read once; a file that (indirectly) uses itself is an error. `use
 * "name" as p` loads the model so and makes an instance of it (resolve_inst.c).
 * As each file loads, after the files it uses, its functions are inlined (func.c)
 * and its `share` statements made statements (resolve_inst.c).
 *
 * Then, for every file, the set of files it uses directly or not, as a bit set
 * (compute_reach): "does f use g", which the override rule asks, is one bit.
 */
#include "resolve.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lex.h"

#ifndef CMC_MODELS_DIRS
#define CMC_MODELS_DIRS ""
#endif

/* How deep `use` may nest: file a uses b, which uses c, ... */
#define MAX_USE_DEPTH 256

typedef struct loader {
    cmc_graph *g;
    cmc_diags *d;
    const cmc_load_options *opt;
    int load_depth;            /* files being loaded, nested by `use` */
} loader;

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

/* Whether something is there: a directory or a FIFO counts, so that reading it
   reports what it is ("is a directory") instead of a search that goes on. stat
   neither opens nor blocks. */
static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
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

static void search_dirs(loader *r, const cmc_file *from, dirlist *l)
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

static cmc_file *load(loader *r, const char *path, const char *text, size_t len,
                      const cmc_loc *use_loc);

static cmc_file *find_use(loader *r, cmc_file *from, const cmc_stmt *u)
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
        return load(r, p, NULL, 0, &u->name_loc);
    }
    const char *file = cmc_arena_printf(a, "%s.cmc", name);
    dirlist l;
    search_dirs(r, from, &l);
    for (int i = 0; i < l.n; i++) {
        const char *p = join(a, l.v[i], file);
        if (is_file(p))
            return load(r, p, NULL, 0, &u->name_loc);
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

static cmc_file *load(loader *r, const char *path, const char *text, size_t len,
                      const cmc_loc *use_loc)
{
    cmc_graph *g = r->g;
    cmc_arena *a = g->arena;
    cmc_loc none = {NULL, 0, 0, 0};
    if (!use_loc)
        use_loc = &none;
    if (r->load_depth >= MAX_USE_DEPTH) {
        cmc_error(r->d, use_loc, "'use' nested more than %d files deep", MAX_USE_DEPTH);
        return NULL;
    }
    char real[PATH_MAX];
    const char *canon = text ? path : (realpath(path, real) ? real : path);
    if (!g->by_real.arena) {
        cmc_map_init(&g->by_real, a);
        g->files_tail = &g->files;
    }
    cmc_file *seen = cmc_map_get(&g->by_real, canon);   /* O(1), not a list search */
    if (seen) {
        if (seen->loading) {
            cmc_error(r->d, use_loc, "'%s' uses itself (through the files it uses)", path);
            return NULL;
        }
        return seen;
    }
    cmc_file *f = cmc_arena_alloc(a, sizeof *f);
    if (!f)
        return NULL;
    f->path = cmc_arena_strdup(a, path);
    f->real = cmc_arena_strdup(a, canon);
    f->dir = dir_of(a, path);
    f->src.name = f->path;
    int ok = 1;
    if (text) {
        ok = cmc_lex_prepare(&f->src, text, len, a, r->d) == 0;
    } else {
        /* only a regular file of at most CMC_MAX_FILE bytes is read (util.h) */
        const char *why = NULL;
        size_t n = 0;
        char *t = cmc_read_regular(path, CMC_MAX_FILE, &n, &why);
        if (!t) {
            if (errno == EFBIG)
                cmc_error(r->d, use_loc, "cannot read '%s': larger than the limit of %d "
                                         "bytes (8 MiB)", path, CMC_MAX_FILE);
            else
                cmc_error(r->d, use_loc, "cannot read '%s': %s", path, why);
            return NULL;
        }
        ok = cmc_lex_prepare(&f->src, t, n, a, r->d) == 0;
        free(t);
    }
    /* append to the list of files */
    *g->files_tail = f;
    g->files_tail = &f->next;
    f->index = g->nfiles++;
    if (cmc_map_put(&g->by_real, f->real, f) < 0)
        return NULL;
    if (!ok)
        return NULL;

    ok = cmc_parse(&f->src, a, r->d, &f->stmts) == 0;
    int nuses = 0;
    for (cmc_stmt *s = f->stmts; s; s = s->next)
        nuses += s->kind == ST_USE;
    f->uses = cmc_arena_alloc(a, (size_t)(nuses + 1) * sizeof *f->uses);
    f->use_stmts = cmc_arena_alloc(a, (size_t)(nuses + 1) * sizeof *f->use_stmts);
    if (!f->uses || !f->use_stmts)
        return NULL;
    f->loading = 1;
    r->load_depth++;
    for (cmc_stmt *s = f->stmts; s; s = s->next) {
        if (s->kind != ST_USE)
            continue;
        cmc_file *u = find_use(r, f, s);
        if (u && s->prefix) {
            for (int i = 0; i < f->nuses; i++)
                if (f->use_stmts[i]->prefix && !strcmp(f->use_stmts[i]->prefix, s->prefix)) {
                    cmc_error(r->d, &s->name_loc, "instance '%s' is already used at line %d",
                              s->prefix, f->use_stmts[i]->loc.line);
                    u = NULL;
                    break;
                }
            if (u)
                u = cmc_inst_new(g, u, s, r->d);
        }
        if (!u) {
            ok = 0;
            continue;
        }
        f->uses[f->nuses] = u;
        f->use_stmts[f->nuses++] = s;
    }
    r->load_depth--;
    f->loading = 0;
    if (!ok)
        return NULL;
    /* functions are inlined once the files used are (func.h); then `share` */
    const cmc_funcs_scope **scopes = cmc_arena_alloc(a, (size_t)(f->nuses + 1) * sizeof *scopes);
    if (!scopes)
        return NULL;
    for (int i = 0; i < f->nuses; i++)
        scopes[i] = &f->uses[i]->funcs;
    if (cmc_func_file(&f->funcs, f->stmts, scopes, f->nuses, a, r->d) < 0 ||
        cmc_inst_share(g, f, r->d) < 0)
        return NULL;
    return f;
}

/* For every file, the set of files it uses directly or not, as a bit set: "does f
   use g" is then one bit test. Each file's set is the union of its uses' sets
   (post-order over the use graph, which has no cycles once loading succeeded), so
   building all of them costs O(E * F / 64) for F files and E `use` statements,
   where testing by a search of the use graph from f would take time exponential
   in the depth of a diamond-shaped graph (45 models: 3.3 s). Recursion depth is
   at most MAX_USE_DEPTH: a file is loaded within the load of its first user. */
static int compute_reach(cmc_graph *g, cmc_file *f, size_t words)
{
    if (f->reach)
        return 0;
    unsigned long long *bits = cmc_arena_alloc(g->arena, words * sizeof *bits);
    if (!bits)
        return -1;
    for (int i = 0; i < f->nuses; i++) {
        cmc_file *u = f->uses[i];
        if (compute_reach(g, u, words) < 0)
            return -1;
        bits[u->index / 64] |= 1ull << (u->index % 64);
        for (size_t w = 0; w < words; w++)
            bits[w] |= u->reach[w];
    }
    f->reach = bits;
    return 0;
}

int cmc_load_files(cmc_graph *g, const char *path, const char *text, size_t len,
                   const cmc_load_options *opt, cmc_diags *d)
{
    loader r = {g, d, opt, 0};
    g->top = load(&r, path, text, len, NULL);
    if (!g->top || cmc_diags_errors(d))
        return -1;
    size_t words = ((size_t)g->nfiles + 63) / 64;
    for (cmc_file *f = g->files; f; f = f->next)
        if (compute_reach(g, f, words) < 0)
            return -1;
    return 0;
}
