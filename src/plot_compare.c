/*
 * plot_compare.c: the figures that put runs side by side (CLI only): compare-NAME
 * (one row per run on a shared axis), L-NAME-variants (a run's variants drawn the
 * same way) and forest-NAME (median and 90% interval per run and variant, the
 * numbers printed, a published point estimate where --published gives one). A
 * run's own figures are plot.c's; the plumbing is plot_driver.c's.
 */
#include "plot_priv.h"
#include "diag.h"
#include "report.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row per run: 95%, 90% and 50% intervals and the median on a shared axis. */
static void compare_figure(plotter *p, const cmc_stat *const *s, const char *const *rows,
                           size_t nruns, const char *fig)
{
    const char *name = s[0]->name;
    /* a row's numbers: the widest interval stored as its range */
    static const double probs[7] = {0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975};
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < nruns; k++)
        for (int j = 0; j < 7; j++) {
            double v = plot_pct(s[k], probs[j], s[k]->value);
            if (isfinite(v)) {
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        }
    if (!(hi >= lo)) {
        cmc_warning(p->d, NULL, "no common percentiles of %s to compare", name);
        return;
    }
    if (!(hi > lo)) {
        double w = lo != 0 ? 0.05 * fabs(lo) : 1;
        lo -= w;
        hi += w;
    }
    int logx = lo > 0 && hi / lo > 10;
    plot_pad_range(&lo, &hi, logx);

    char prefix[PATH_MAX + 64], path[PATH_MAX + 96], label[1024];
    snprintf(prefix, sizeof prefix, "%s/%s", p->datadir, fig);
    snprintf(path, sizeof path, "%s.dat", prefix);
    FILE *f = plot_open_out(p, path);
    if (!f)
        return;
    fprintf(f, "# %s in %zu runs: row, percentiles 2.5 5 25 50 75 95 97.5 (NaN if not "
               "stored), the run, its numbers\n"
               "# columns: row p025 p05 p25 p50 p75 p95 p975 \"run\" \"numbers\"\n",
            name, nruns);
    for (size_t k = 0; k < nruns; k++) {
        fprintf(f, "%zu", k + 1);
        double v[7];
        for (int j = 0; j < 7; j++) {
            v[j] = plot_pct(s[k], probs[j], s[k]->value);
            fputc(' ', f);
            plot_gp_num(f, v[j]);
        }
        char a[40], b[40], m[40], text[160];
        plot_fmt3(m, sizeof m, v[3]);
        plot_fmt3(a, sizeof a, v[1]);
        plot_fmt3(b, sizeof b, v[5]);
        snprintf(text, sizeof text, "median %s, 90%%: %s \xe2\x80\x93 %s", m, a, b);
        fputc(' ', f);
        plot_gp_string(f, rows[k]);
        fputc(' ', f);
        plot_gp_string(f, text);
        fputc('\n', f);
    }
    plot_close_out(p, f, path);

    snprintf(path, sizeof path, "%s.vars.gp", prefix);
    if (!(f = plot_open_out(p, path)))
        return;
    plot_axis_label(label, sizeof label, s[0]);
    fprintf(f, "# gnuplot variables for the comparison of %s (written by carbonmc plot)\n"
               "label_str = ", name);
    plot_gp_string(f, label);
    fprintf(f, "\nnruns = %zu\nlogx = %d\nxmin = ", nruns, logx);
    plot_gp_num(f, lo);
    fputs("\nxmax = ", f);
    plot_gp_num(f, hi);
    fputc('\n', f);
    plot_gp_tics(f, "xtics_cmd", "x", lo, hi, logx, 5);
    plot_close_out(p, f, path);
    plot_figure(p, "compare.gp", prefix, fig);
}

/* The output called name in every run, one row each, labelled by the run's title
   (and its file when titles repeat). */
void plot_compare_runs(plotter *p, const cmc_results *const *runs, const char *const *labels,
                         size_t nruns, const char *name)
{
    const cmc_stat **s = calloc(nruns, sizeof *s);
    char (*rows)[600] = calloc(nruns, sizeof *rows);
    const char **rp = calloc(nruns, sizeof *rp);
    if (!s || !rows || !rp) {
        cmc_error(p->d, NULL, "out of memory");
        p->failed = 1;
        goto out;
    }
    for (size_t k = 0; k < nruns; k++) {
        for (size_t i = 0; i < runs[k]->noutputs && !s[k]; i++)
            if (!strcmp(runs[k]->outputs[i].name, name))
                s[k] = &runs[k]->outputs[i];
        if (!s[k] || !plot_has_histogram(s[k]))
            goto out;   /* not in every run */
        const char *t = runs[k]->title && runs[k]->title[0] ? runs[k]->title : labels[k];
        int dup = 0;
        for (size_t j = 0; j < nruns; j++)
            dup |= j != k && runs[j]->title && !strcmp(runs[j]->title, t);
        if (dup)
            snprintf(rows[k], sizeof rows[k], "%s (%s)", t, labels[k]);
        else
            snprintf(rows[k], sizeof rows[k], "%s", t);
        rp[k] = rows[k];
    }
    char fig[PATH_MAX];
    snprintf(fig, sizeof fig, "compare-%s", name);
    compare_figure(p, s, rp, nruns, fig);
out:
    free(s);
    free(rows);
    free(rp);
}

/* A run with variants: output i in base, the scenario as written, and in each
   variant, one row each; the reference the summaries compare with is marked. */
void plot_compare_variants(plotter *p, const cmc_results *r, const char *label, size_t i)
{
    const cmc_stat *s[65];
    const char *rows[65];
    char texts[65][300];
    size_t n = 0;
    s[n] = &r->outputs[i];
    const char *ref = r->variant_reference ? r->variant_reference : r->variants[0].name;
    snprintf(texts[n], sizeof texts[n], "base (as written%s): %s",
             strcmp(ref, "base") ? "" : ", the reference", r->title && r->title[0] ? r->title : label);
    rows[n] = texts[n];
    n++;
    for (size_t v = 0; v < r->nvariants && n < 65; v++) {
        const cmc_variant_result *vr = &r->variants[v];
        for (size_t j = 0; j < vr->noutputs; j++)
            if (!strcmp(vr->outputs[j].name, s[0]->name) && plot_has_histogram(&vr->outputs[j])) {
                s[n] = &vr->outputs[j];
                snprintf(texts[n], sizeof texts[n], "%s%s", vr->label && vr->label[0] ? vr->label : vr->name,
                         strcmp(vr->name, ref) ? "" : " (the reference)");
                rows[n] = texts[n];
                n++;
            }
    }
    if (n < 2 || !plot_has_histogram(s[0]))
        return;
    char fig[PATH_MAX];
    snprintf(fig, sizeof fig, "%s-%s-variants", label, s[0]->name);
    compare_figure(p, s, rows, n, fig);
}
/* ---- The entry point ---------------------------------------------------------------- */

/* The value of "LABEL=VALUE" (--published) if LABEL names a run; -1 if it is not
   well formed or names none. out may be NULL. */
int plot_published_value(const cmc_plot_options *o, const char *spec,
                           const cmc_results *const *runs, const char *const *labels, size_t n,
                           double *out)
{
    (void)o;
    (void)runs;
    const char *eq = strchr(spec, '=');
    if (!eq)
        return -1;
    char *end;
    double v = strtod(eq + 1, &end);
    if (end == eq + 1 || *end || !isfinite(v))
        return -1;
    for (size_t k = 0; k < n; k++)
        if (strlen(labels[k]) == (size_t)(eq - spec) && !strncmp(labels[k], spec, (size_t)(eq - spec))) {
            if (out)
                *out = v;
            return (int)k;
        }
    return -1;
}

/* The forest figure of output name: one row per run and per variant of a run, each
   its median (dot) and 90% interval (bar) on one axis, with the numbers printed at
   the right and, where --published gave one, the published point estimate (open
   diamond): the figure footprint papers print to compare estimates. */
void plot_forest_figure(plotter *p, const cmc_results *const *runs, const char *const *labels,
                          size_t nruns, const char *name)
{
    char prefix[PATH_MAX + 64], path[PATH_MAX + 96], label[1024];
    snprintf(prefix, sizeof prefix, "%s/forest-%s", p->datadir, name);
    snprintf(path, sizeof path, "%s.dat", prefix);
    double lo = INFINITY, hi = -INFINITY;
    const cmc_stat *first = NULL;
    FILE *f = plot_open_out(p, path);
    if (!f)
        return;
    fprintf(f, "# forest figure of %s: one row per run and variant\n"
               "# columns: row median p05 p95 published \"row label\" \"numbers\"\n", name);
    size_t row = 0;
    for (size_t k = 0; k < nruns; k++) {
        const cmc_results *r = runs[k];
        double pub = NAN;
        for (size_t i = 0; i < p->o->npublished; i++) {
            double v = NAN;
            if (plot_published_value(p->o, p->o->published[i], runs, labels, nruns, &v) == (int)k)
                pub = v;
        }
        for (size_t v = 0; v <= r->nvariants; v++) {
            const cmc_stat *s = NULL;
            const cmc_stat *list = v ? r->variants[v - 1].outputs : r->outputs;
            size_t nl = v ? r->variants[v - 1].noutputs : r->noutputs;
            for (size_t i = 0; i < nl; i++)
                if (!strcmp(list[i].name, name))
                    s = &list[i];
            if (!s)
                continue;
            if (!first)
                first = s;
            char text[700], nums[200], a[40], b[40], m[40];
            if (v)
                snprintf(text, sizeof text, "   %s", r->variants[v - 1].label &&
                         r->variants[v - 1].label[0] ? r->variants[v - 1].label
                                                     : r->variants[v - 1].name);
            else
                snprintf(text, sizeof text, "%s", r->title && r->title[0] ? r->title : labels[k]);
            plot_subscripts(text, sizeof text);
            double x[3] = {plot_pct(s, 0.5, s->value), plot_pct(s, 0.05, s->value),
                           plot_pct(s, 0.95, s->value)};
            plot_fmt3(m, sizeof m, x[0]);
            plot_fmt3(a, sizeof a, x[1]);
            plot_fmt3(b, sizeof b, x[2]);
            snprintf(nums, sizeof nums, "%s [%s, %s]", m, a, b);
            for (int j = 0; j < 3; j++)
                if (isfinite(x[j])) {
                    lo = x[j] < lo ? x[j] : lo;
                    hi = x[j] > hi ? x[j] : hi;
                }
            double pv = v ? NAN : pub;
            if (isfinite(pv)) {
                lo = pv < lo ? pv : lo;
                hi = pv > hi ? pv : hi;
            }
            fprintf(f, "%zu", ++row);
            const double cols[4] = {x[0], x[1], x[2], pv};
            for (int j = 0; j < 4; j++) {
                fputc(' ', f);
                plot_gp_num(f, cols[j]);
            }
            fputc(' ', f);
            plot_gp_string(f, text);
            fputc(' ', f);
            plot_gp_string(f, nums);
            fputc('\n', f);
        }
    }
    plot_close_out(p, f, path);
    if (row < 2 || !(hi >= lo) || !first)
        return;
    if (!(hi > lo)) {
        double w = lo != 0 ? 0.05 * fabs(lo) : 1;
        lo -= w;
        hi += w;
    }
    int logx = lo > 0 && hi / lo > 10;
    plot_pad_range(&lo, &hi, logx);
    snprintf(path, sizeof path, "%s.vars.gp", prefix);
    if (!(f = plot_open_out(p, path)))
        return;
    plot_axis_label(label, sizeof label, first);
    fprintf(f, "# gnuplot variables for the forest figure of %s (written by carbonmc plot)\n"
               "label_str = ", name);
    plot_gp_string(f, label);
    fprintf(f, "\nnrows = %zu\npublished = %zu\nlogx = %d\nxmin = ", row, p->o->npublished, logx);
    plot_gp_num(f, lo);
    fputs("\nxmax = ", f);
    plot_gp_num(f, hi);
    fputc('\n', f);
    plot_gp_tics(f, "xtics_cmd", "x", lo, hi, logx, 3);
    plot_close_out(p, f, path);
    char fig[PATH_MAX];
    snprintf(fig, sizeof fig, "forest-%s", name);
    plot_figure(p, "forest.gp", prefix, fig);
}

