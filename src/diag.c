/*
 * diag.c: the caller-owned diagnostic list and "did you mean" suggestions.
 *
 * Diagnostics own copies of everything they show (file name, source line, message)
 * in an arena, so they outlive the sources and models they describe. Suggestions
 * use the optimal-string-alignment variant of the Damerau-Levenshtein distance
 * (Damerau 1964): a swapped pair of letters, the commonest typing slip, costs one.
 * A candidate is offered only when the distance is at most a third of the word's
 * length (rounded), so unrelated names are never suggested: "dyas" finds "days",
 * but a one-letter name finds only itself in another case.
 */
#include "diag.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* At most CMC_DIAG_SHOWN errors and as many warnings are kept (a note goes with
   the error or warning before it); the rest are only counted, and one last note,
   kept apart in `more`, says how many were left out. A file with 40,000 mistakes
   then costs 20 diagnostics, not 40,000 copies of its lines. */
struct cmc_diags {
    cmc_diag *v;
    size_t n, cap, nerrors;
    size_t shown[2], dropped[2];   /* errors, warnings */
    int last_dropped;              /* the last error or warning was left out */
    cmc_diag more;
    char more_msg[192];
    cmc_arena *arena;
};

cmc_diags *cmc_diags_new(void)
{
    cmc_diags *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->arena = cmc_arena_new();
    if (!d->arena) {
        free(d);
        return NULL;
    }
    return d;
}

void cmc_diags_free(cmc_diags *d)
{
    if (!d)
        return;
    cmc_arena_free(d->arena);
    free(d->v);
    free(d);
}

static int dropped_any(const cmc_diags *d) { return d->dropped[0] || d->dropped[1]; }
size_t cmc_diags_count(const cmc_diags *d) { return d->n + (dropped_any(d) ? 1 : 0); }
const cmc_diag *cmc_diags_get(const cmc_diags *d, size_t i)
{
    if (i < d->n)
        return &d->v[i];
    return i == d->n && dropped_any(d) ? &d->more : NULL;
}
int cmc_diags_full(const cmc_diags *d) { return d && d->shown[0] >= CMC_DIAG_SHOWN; }

static void count_dropped(cmc_diags *d, int k, size_t n)
{
    d->dropped[k] += n;
    char e[64] = "", w[64] = "";
    if (d->dropped[0])
        snprintf(e, sizeof e, "%zu more error%s", d->dropped[0], d->dropped[0] == 1 ? "" : "s");
    if (d->dropped[1])
        snprintf(w, sizeof w, "%zu more warning%s", d->dropped[1], d->dropped[1] == 1 ? "" : "s");
    snprintf(d->more_msg, sizeof d->more_msg, "%s%s%s not shown (only the first %d of each are)",
             e, *e && *w ? " and " : "", w, CMC_DIAG_SHOWN);
    memset(&d->more, 0, sizeof d->more);
    d->more.severity = CMC_NOTE;
    d->more.msg = d->more_msg;
}
size_t cmc_diags_errors(const cmc_diags *d) { return d->nerrors; }

/* A diagnostic shows at most this many bytes of its source line. */
#define SOURCE_SHOWN 400

static const char *line_text(cmc_arena *a, const char *text, int line)
{
    const char *p = text;
    for (int l = 1; l < line && *p; p++)
        if (*p == '\n')
            l++;
    const char *e = p;
    while (*e && *e != '\n' && *e != '\r' && e - p < SOURCE_SHOWN)
        e++;
    while (e > p && e - p == SOURCE_SHOWN && (*e & 0xC0) == 0x80)
        e--;   /* cut a long line on a UTF-8 character boundary */
    return cmc_arena_strndup(a, p, (size_t)(e - p));
}

void cmc_diag_add(cmc_diags *d, cmc_severity sev, const cmc_loc *loc,
                  const char *fmt, ...)
{
    if (!d)
        return;
    if (sev == CMC_ERROR)
        d->nerrors++;
    if (sev == CMC_NOTE) {
        if (d->last_dropped)
            return;
    } else {
        int k = sev == CMC_ERROR ? 0 : 1;
        d->last_dropped = d->shown[k] >= CMC_DIAG_SHOWN;
        if (d->last_dropped) {
            count_dropped(d, k, 1);
            return;
        }
        d->shown[k]++;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 8;
        cmc_diag *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return;   /* the error count above still records the failure */
        d->v = v;
        d->cap = cap;
    }
    cmc_diag *g = &d->v[d->n];
    memset(g, 0, sizeof *g);
    g->severity = sev;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    g->msg = cmc_arena_strdup(d->arena, msg);
    if (loc && loc->src) {
        g->file = cmc_arena_strdup(d->arena, loc->src->name);
        g->line = loc->line;
        g->col = loc->col;
        g->len = loc->len > 0 ? loc->len : 1;
        if (loc->line > 0)
            g->source = line_text(d->arena, loc->src->text, loc->line);
    }
    if (g->msg)
        d->n++;
}

void cmc_diags_copy(cmc_diags *dst, const cmc_diags *src, int errors_only)
{
    if (src->dropped[0]) {
        count_dropped(dst, 0, src->dropped[0]);
        dst->nerrors += src->dropped[0];
    }
    if (src->dropped[1] && !errors_only)
        count_dropped(dst, 1, src->dropped[1]);
    for (size_t i = 0; i < src->n; i++) {
        const cmc_diag *g = &src->v[i];
        if (errors_only && g->severity != CMC_ERROR)
            continue;
        size_t before = dst->n;
        cmc_diag_add(dst, g->severity, NULL, "%s", g->msg);
        if (dst->n == before + 1) {
            cmc_diag *c = &dst->v[before];
            c->file = g->file ? cmc_arena_strdup(dst->arena, g->file) : NULL;
            c->line = g->line;
            c->col = g->col;
            c->len = g->len;
            c->source = g->source ? cmc_arena_strdup(dst->arena, g->source) : NULL;
        }
    }
}

static int distance(const char *s, const char *t)
{
    size_t m = strlen(s), n = strlen(t);
    if (m > 64 || n > 64)
        return 1000;
    int d[65][65];
    for (size_t i = 0; i <= m; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= n; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= m; i++) {
        for (size_t j = 1; j <= n; j++) {
            int cost = tolower((unsigned char)s[i - 1]) != tolower((unsigned char)t[j - 1]);
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && s[i - 1] == t[j - 2] && s[i - 2] == t[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[m][n];
}

const char *cmc_suggest(const char *word, const char *const *cands, size_t n)
{
    if (!cands)
        return NULL;
    int limit = ((int)strlen(word) + 1) / 3;
    const char *best = NULL;
    int bestd = limit + 1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || strcmp(cands[i], word) == 0)
            continue;
        int dd = distance(word, cands[i]);
        if (dd < bestd) {
            bestd = dd;
            best = cands[i];
        }
    }
    return best;
}

void cmc_suggest_text(char *buf, size_t size, const char *word,
                      const char *const *cands, size_t n)
{
    const char *s = cmc_suggest(word, cands, n);
    if (s)
        snprintf(buf, size, " (did you mean '%s'?)", s);
    else if (size)
        buf[0] = '\0';
}
