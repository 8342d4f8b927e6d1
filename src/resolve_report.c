/*
 * resolve_report.c: which outputs a run reports.
 *
 * `report NAME, ...` in the scenario (any number of statements) names the outputs a
 * run shows, in that order; --report LIST (cmc_load_options.report) replaces them for
 * one run, and --report all shows every output. Every name must be an output of the
 * scenario, of a model or of an instance, named once. The graph keeps them in
 * g->shown; compile.c makes only those the model's outputs, and the outputs left out
 * are compiled as derived quantities: computed, listed by `check`, replaceable with
 * --set, but without statistics, in no summary, file or figure.
 */
#include "resolve.h"

#include <stdio.h>
#include <string.h>

/* A `report` statement of the scenario (resolve.c refuses one in a model); its
   names are checked once every output is known (cmc_report_check). */
int cmc_report_add(cmc_graph *g, const cmc_stmt *st, cmc_diags *d)
{
    (void)d;
    if (g->nreports == g->capreports) {   /* doubling: n statements cost O(n) */
        int cap = g->capreports ? 2 * g->capreports : 8;
        const cmc_stmt **v = cmc_arena_alloc(g->arena, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        if (g->nreports)
            memcpy(v, g->reports, (size_t)g->nreports * sizeof *v);
        g->reports = v;
        g->capreports = cap;
    }
    g->reports[g->nreports++] = st;
    g->reporting = 1;
    return 0;
}

/* Every name a `report` names must be an output (of the scenario or of a model or
   instance it uses), named once. */
int cmc_report_check(cmc_graph *g, cmc_diags *d)
{
    int rc = 0;
    g->shown = cmc_arena_alloc(g->arena, (size_t)(g->noutputs + 1) * sizeof *g->shown);
    if (!g->shown)
        return -1;
    for (int k = 0; k < g->nreports; k++) {
        const cmc_stmt *st = g->reports[k];
        for (int i = 0; i < st->nnames; i++) {
            const char *name = st->names[i];
            cmc_sym *s = cmc_graph_find(g, name);
            if (!s || !s->output) {
                const char **outs = cmc_arena_alloc(g->arena,
                                                    (size_t)(g->noutputs + 1) * sizeof *outs);
                if (!outs)
                    return -1;
                for (int j = 0; j < g->noutputs; j++)
                    outs[j] = g->outputs[j]->name;
                char hint[128];
                cmc_suggest_text(hint, sizeof hint, name, outs, (size_t)g->noutputs);
                if (s)
                    cmc_error(d, &st->name_locs[i], "report: '%s' is not an output "
                              "(declare it with 'output %s')%s", name, name, hint);
                else
                    cmc_error(d, &st->name_locs[i], "report: no output '%s'%s", name, hint);
                rc = -1;
                continue;
            }
            if (s->reported) {
                cmc_error(d, &st->name_locs[i], "report: '%s' is named twice", name);
                rc = -1;
                continue;
            }
            s->reported = 1;
            if (g->nshown == g->noutputs)
                return -1;   /* cannot happen: each is an output, named once */
            g->shown[g->nshown++] = s;
        }
    }
    return rc;
}

/* --report LIST (cmc_load_options.report): in place of the scenario's `report`
   statements, one made from the list, located in a source named "--report";
   "all" reports every output. */
int cmc_report_option(cmc_graph *g, const char *text, cmc_diags *d)
{
    cmc_arena *a = g->arena;
    g->nreports = 0;
    g->reporting = 0;
    cmc_src *src = cmc_arena_alloc(a, sizeof *src);
    cmc_stmt *st = cmc_arena_alloc(a, sizeof *st);
    size_t n = strlen(text);
    if (!src || !st || n > 65536)
        return -1;
    src->name = "--report";
    src->text = cmc_arena_strdup(a, text);
    st->kind = ST_REPORT;
    st->names = cmc_arena_alloc(a, (n / 2 + 1) * sizeof *st->names);
    st->name_locs = cmc_arena_alloc(a, (n / 2 + 1) * sizeof *st->name_locs);
    if (!src->text || !st->names || !st->name_locs)
        return -1;
    for (size_t i = 0; i <= n;) {
        size_t b = i, e;
        while (b < n && text[b] == ' ')
            b++;
        for (e = b; e < n && text[e] != ','; e++)
            ;
        size_t z = e;
        while (z > b && text[z - 1] == ' ')
            z--;
        cmc_loc l = {src, 1, (int)b + 1, z > b ? (int)(z - b) : 1};
        if (z == b) {
            cmc_error(d, &l, "--report expects output names separated by commas, or all");
            return -1;
        }
        const char *name = cmc_arena_strndup(a, text + b, z - b);
        if (!name)
            return -1;
        if (!strcmp(name, "all") && st->nnames == 0 && e == n)
            return 0;   /* every output */
        for (int k = 0; k < st->nnames; k++)
            if (!strcmp(st->names[k], name)) {
                cmc_error(d, &l, "report: '%s' is named twice", name);
                return -1;
            }
        st->name_locs[st->nnames] = l;
        st->names[st->nnames++] = name;
        i = e + 1;
    }
    if (cmc_report_add(g, st, d) < 0)
        return -1;
    return 0;
}
