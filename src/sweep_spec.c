/*
 * sweep_spec.c: the grid of a sweep as the user wrote it (sweep_priv.h).
 *
 * `--grid NAME=V1,V2,...` texts, or a CSV file whose header names the quantities
 * and whose rows are points. Values are split at commas outside brackets (a unit
 * such as [kgCO2e/kWh] holds none, but a value's text is kept whole), trimmed,
 * and each must be a number in the scenario language's syntax (25k, 1.2e3, 85%),
 * optionally negative, optionally with a [unit]: the same text --set takes. Every
 * name and value keeps its place (file, line, column), so that sweep.c can point
 * the loader's messages about a value at the user's own text. All problems are
 * reported, not just the first.
 */
#include "sweep_priv.h"
#include "lex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* A value is a number, optionally negative, with an optional [unit]: the same
   text --set would take, but nothing else (a coordinate must be a number). */
static int is_number_text(const char *text, cmc_arena *a)
{
    cmc_src src = {"value", text};
    cmc_diags *scratch = cmc_diags_new();
    if (!scratch)
        return 0;
    cmc_lexer lx;
    cmc_lex_init(&lx, &src, a, scratch);
    cmc_token t = cmc_lex_next(&lx);
    if (t.kind == TK_MINUS)
        t = cmc_lex_next(&lx);
    int ok = t.kind == TK_NUMBER;
    if (ok) {
        t = cmc_lex_next(&lx);
        if (t.kind == TK_UNIT)
            t = cmc_lex_next(&lx);
        ok = t.kind == TK_EOF || (t.kind == TK_NEWLINE && cmc_lex_next(&lx).kind == TK_EOF);
    }
    ok = ok && cmc_diags_errors(scratch) == 0;
    cmc_diags_free(scratch);
    return ok;
}

/* Split s[0..len) at commas outside brackets and parentheses into trimmed fields;
   each field's text (arena) and its 0-based offset in s. Returns the count or -1. */
static long split_fields(const char *s, size_t len, cmc_arena *a, const char ***text, size_t **off)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += s[i] == ',';
    *text = cmc_arena_alloc(a, cap * sizeof **text);
    *off = cmc_arena_alloc(a, cap * sizeof **off);
    if (!*text || !*off)
        return -1;
    size_t n = 0, start = 0;
    int depth = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && (s[i] == '[' || s[i] == '('))
            depth++;
        else if (i < len && (s[i] == ']' || s[i] == ')') && depth > 0)
            depth--;
        if (i < len && (s[i] != ',' || depth > 0))
            continue;
        size_t b = start, e = i;
        while (b < e && is_space(s[b]))
            b++;
        while (e > b && is_space(s[e - 1]))
            e--;
        if (!((*text)[n] = cmc_arena_strndup(a, s + b, e - b)))
            return -1;
        (*off)[n++] = b;
        start = i + 1;
    }
    return (long)n;
}

static int value_check(cmc_diags *d, const cmc_src *src, int line, int col, const char *text,
                       const char *name, cmc_arena *a)
{
    cmc_loc l = {src, line, col, text[0] ? (int)strlen(text) : 1};
    if (!text[0]) {
        cmc_error(d, &l, "empty value for '%s'", name);
        return -1;
    }
    if (!is_number_text(text, a)) {
        cmc_error(d, &l, "'%s' is not a number: a sweep's values are numbers, with a unit "
                  "in brackets where one is needed (0.4 [kgCO2e/kWh])", text);
        return -1;
    }
    return 0;
}

/* --grid NAME=V1,V2,... */
static int parse_grid(const char *g, cmc_arena *a, spec_var *v, cmc_diags *d)
{
    cmc_src *src = cmc_arena_alloc(a, sizeof *src);
    if (!src)
        return -1;
    src->name = "--grid";
    src->text = g;
    const char *eq = strchr(g, '=');
    size_t nlen = eq ? (size_t)(eq - g) : 0;
    while (nlen && is_space(g[nlen - 1]))
        nlen--;
    size_t nb = 0;
    while (nb < nlen && is_space(g[nb]))
        nb++;
    if (!eq || nb == nlen || !eq[1] || strchr(g, '\n')) {
        cmc_loc l = {src, 1, 1, g[0] ? (int)strlen(g) : 1};
        cmc_error(d, &l, "--grid expects NAME=V1,V2,... (pue=1.1,1.2,1.4)");
        return -1;
    }
    v->name = cmc_arena_strndup(a, g + nb, nlen - nb);
    v->name_src = src;
    v->name_line = 1;
    v->name_col = (int)nb + 1;
    size_t *off;
    long n = split_fields(eq + 1, strlen(eq + 1), a, &v->text, &off);
    if (n < 0 || !v->name)
        return -1;
    v->n = (size_t)n;
    v->src = cmc_arena_alloc(a, v->n * sizeof *v->src);
    v->line = cmc_arena_alloc(a, v->n * sizeof *v->line);
    v->col = cmc_arena_alloc(a, v->n * sizeof *v->col);
    if (!v->src || !v->line || !v->col)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < v->n; i++) {
        v->src[i] = src;
        v->line[i] = 1;
        v->col[i] = (int)(eq + 1 - g) + (int)off[i] + 1;
        if (value_check(d, src, 1, v->col[i], v->text[i], v->name, a) < 0) {
            rc = -1;
            continue;
        }
        /* a coordinate that repeats would make selecting by value ambiguous */
        for (size_t j = 0; j < i; j++)
            if (!strcmp(v->text[i], v->text[j])) {
                cmc_loc l = {src, 1, v->col[i], (int)strlen(v->text[i])};
                cmc_error(d, &l, "%s = %s is given twice in this --grid", v->name, v->text[i]);
                rc = -1;
                break;
            }
    }
    return rc;
}

/* A CSV file: a header of names, then one row of values per point (blank lines
   and lines starting with '#' are skipped). */
static int parse_csv(const char *path, cmc_arena *a, spec *sp, cmc_diags *d)
{
    const char *why = NULL;
    size_t len;
    char *raw = cmc_read_regular(path, CMC_MAX_FILE, &len, &why);
    if (!raw) {
        cmc_error(d, NULL, "cannot read '%s': %s", path, why ? why : "unreadable");
        return -1;
    }
    cmc_src *src = cmc_arena_alloc(a, sizeof *src);
    int rc = -1;
    if (!src)
        goto out;
    src->name = cmc_arena_strdup(a, path);
    /* the lexer's check: UTF-8, no NUL, line ends made LF, lines within the limit */
    if (!src->name || cmc_lex_prepare(src, raw, len, a, d) < 0)
        goto out;
    const char *t = src->text;
    size_t nlines = 1;
    for (const char *p = t; *p; p++)
        nlines += *p == '\n';
    size_t *row_line = cmc_arena_alloc(a, nlines * sizeof *row_line);
    const char **row_text = cmc_arena_alloc(a, nlines * sizeof *row_text);
    size_t nrows = 0;
    int header_line = 0;
    const char *header = NULL;
    if (!row_line || !row_text)
        goto out;
    int line = 1;
    for (const char *p = t; *p || p == t; line++) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        size_t b = 0;
        while (b < l && is_space(p[b]))
            b++;
        if (b < l && p[b] != '#') {
            const char *s = cmc_arena_strndup(a, p, l);
            if (!s)
                goto out;
            if (!header) {
                header = s;
                header_line = line;
            } else {
                row_line[nrows] = (size_t)line;
                row_text[nrows++] = s;
            }
        }
        if (!e)
            break;
        p = e + 1;
    }
    if (!header || !nrows) {
        cmc_error(d, NULL, "'%s' has %s: a CSV of points is a header of names, then one "
                  "row of values per point", path, header ? "no rows" : "no header");
        goto out;
    }
    const char **names;
    size_t *noff;
    long nv = split_fields(header, strlen(header), a, &names, &noff);
    if (nv < 0)
        goto out;
    sp->nvars = (size_t)nv;
    sp->npoints = nrows;
    sp->points = 1;
    sp->vars = cmc_arena_alloc(a, sp->nvars * sizeof *sp->vars);
    if (!sp->vars)
        goto out;
    rc = 0;
    for (size_t k = 0; k < sp->nvars; k++) {
        spec_var *v = &sp->vars[k];
        v->name = names[k];
        v->name_src = src;
        v->name_line = header_line;
        v->name_col = (int)noff[k] + 1;
        v->n = nrows;
        v->text = cmc_arena_alloc(a, nrows * sizeof *v->text);
        v->src = cmc_arena_alloc(a, nrows * sizeof *v->src);
        v->line = cmc_arena_alloc(a, nrows * sizeof *v->line);
        v->col = cmc_arena_alloc(a, nrows * sizeof *v->col);
        if (!v->text || !v->src || !v->line || !v->col) {
            rc = -1;
            goto out;
        }
        if (!v->name[0]) {
            cmc_loc l = {src, header_line, v->name_col, 1};
            cmc_error(d, &l, "empty name in the header of '%s'", path);
            rc = -1;
        }
    }
    for (size_t i = 0; i < nrows; i++) {
        const char **f;
        size_t *off;
        long nf = split_fields(row_text[i], strlen(row_text[i]), a, &f, &off);
        if (nf < 0) {
            rc = -1;
            goto out;
        }
        if ((size_t)nf != sp->nvars) {
            cmc_loc l = {src, (int)row_line[i], 1, (int)strlen(row_text[i])};
            cmc_error(d, &l, "this row has %ld value%s; the header names %zu", nf,
                      nf == 1 ? "" : "s", sp->nvars);
            rc = -1;
            continue;
        }
        for (size_t k = 0; k < sp->nvars; k++) {
            spec_var *v = &sp->vars[k];
            v->text[i] = f[k];
            v->src[i] = src;
            v->line[i] = (int)row_line[i];
            v->col[i] = (int)off[k] + 1;
            if (value_check(d, src, v->line[i], v->col[i], f[k], v->name, a) < 0)
                rc = -1;
        }
    }
out:
    free(raw);
    return rc;
}

/* The names: not twice, not also a fixed --set, not a name the file's own
   variables take. */
static int check_names(const spec *sp, const cmc_load_options *lo, cmc_diags *d)
{
    int rc = 0;
    for (size_t k = 0; k < sp->nvars; k++) {
        const spec_var *v = &sp->vars[k];
        cmc_loc l = {v->name_src, v->name_line, v->name_col, (int)strlen(v->name)};
        for (size_t j = 0; j < k; j++)
            if (!strcmp(v->name, sp->vars[j].name)) {
                cmc_error(d, &l, "'%s' is swept twice", v->name);
                rc = -1;
                break;
            }
        if (!strcmp(v->name, "probability") || !strcmp(v->name, "point")) {
            cmc_error(d, &l, "'%s' names a dimension of the sweep's file; it cannot be swept",
                      v->name);
            rc = -1;
        }
        for (size_t s = 0; lo && s < lo->nsets; s++) {
            const char *t = lo->sets[s], *eq = strchr(t, '=');
            size_t b = 0, e = eq ? (size_t)(eq - t) : 0;
            while (b < e && is_space(t[b]))
                b++;
            while (e > b && is_space(t[e - 1]))
                e--;
            if (e - b == strlen(v->name) && !strncmp(t + b, v->name, e - b)) {
                cmc_error(d, &l, "'%s' is both swept and fixed with --set", v->name);
                rc = -1;
            }
        }
    }
    return rc;
}


int cmc_sweep_spec_read(spec *sp, const cmc_sweep_options *o, const cmc_load_options *lo,
                        cmc_arena *a, cmc_diags *d)
{
    memset(sp, 0, sizeof *sp);
    if (o->csv) {
        if (parse_csv(o->csv, a, sp, d) < 0)
            return -1;
    } else {
        sp->nvars = o->ngrids;
        sp->vars = cmc_arena_alloc(a, (sp->nvars + 1) * sizeof *sp->vars);
        if (!sp->vars) {
            cmc_error(d, NULL, "out of memory");
            return -1;
        }
        int bad = 0;
        sp->npoints = 1;
        for (size_t k = 0; k < sp->nvars; k++) {
            bad |= parse_grid(o->grids[k], a, &sp->vars[k], d) < 0;
            if (sp->vars[k].n && sp->npoints > SIZE_MAX / sp->vars[k].n / 64) {
                cmc_error(d, NULL, "the grid has too many points");
                return -1;
            }
            sp->npoints *= sp->vars[k].n ? sp->vars[k].n : 1;
        }
        if (bad)
            return -1;
    }
    return check_names(sp, lo, d);
}
