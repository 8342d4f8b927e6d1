/*
 * plot_sweep.c: the figures of a sweep (CLI only; sweep_cli.h).
 *
 * Two figures say what a sweep found, each drawn by a script in plots/ through
 * the driver of plot_driver.c:
 *   - L-OUT-fan: a fan chart, for a sweep of one name (or the rows of a CSV): the
 *     output's median across the swept values, in nested bands of its central
 *     50%, 90% and 95% intervals (whichever of P2.5, P5, P25, P75, P95, P97.5 the
 *     sweep has), with the mean dashed. The bands are the spread of the output at
 *     each point, not Monte Carlo error; that is drawn as the median's own 95%
 *     interval (error bars, usually thinner than the line). Because the points
 *     share their draws, the bands move smoothly from point to point.
 *   - L-OUT-heatmap: for a grid of two names, the median of the output in each
 *     cell, coloured (viridis, colour-blind safe and monotone in lightness) and
 *     printed; the axes are the grid's values, evenly spaced as categories, since
 *     grids are often uneven (1.1, 1.2, 1.4).
 * A sweep of three names or more has no figure: select a slice with xarray.
 */
#include "plot_priv.h"
#include "diag.h"
#include "report.h"
#include "sweep_cli.h"
#include "util.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double at(const cmc_sweep *s, const cmc_sweep_output *o, size_t i, double p)
{
    int j = cmc_sweep_find_p(s, p);
    return j < 0 ? NAN : o->value[i * s->np + (size_t)j];
}

static void label_of(char *out, size_t size, const char *name, const char *description,
                     const char *unit)
{
    const char *what = description && description[0] ? description : name;
    if (unit && unit[0])
        snprintf(out, size, "%s [%s]", what, unit);
    else
        snprintf(out, size, "%s", what);
    plot_subscripts(out, size);
}

static void header_vars(FILE *f, const cmc_plot_options *o, const cmc_sweep *s,
                        const cmc_sweep_output *out)
{
    char label[1024];
    fprintf(f, "# gnuplot variables for the sweep figures of %s (written by carbonmc plot)\n",
            out->name);
    fputs("title_str = ", f);
    plot_gp_string(f, o->no_title ? "" : s->title && s->title[0] ? s->title : out->name);
    label_of(label, sizeof label, out->name, out->description, out->unit);
    fputs("\nlabel_str = ", f);
    plot_gp_string(f, label);
    fputc('\n', f);
}

/* Whether v[0..n) is positive and spans more than a factor 20: a log axis. */
static int wants_log(const double *v, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    int pos = 1;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            *lo = fmin(*lo, v[i]);
            *hi = fmax(*hi, v[i]);
            pos &= v[i] > 0;
        }
    if (!(*lo <= *hi)) {
        *lo = 0;
        *hi = 1;
    }
    return pos && *lo > 0 && *hi / *lo > 20;
}

/* prefix.fan, columns: 1 x  2 median  3 P25  4 P75  5 P5  6 P95  7 P2.5  8 P97.5
   9 mean  10 median_ci_low  11 median_ci_high (NaN where the sweep lacks one). */
static void fan(plotter *p, const cmc_sweep *s, const cmc_sweep_output *o, const char *label)
{
    char prefix[PATH_MAX], path[PATH_MAX + 32], name[PATH_MAX];
    plot_pathf(prefix, sizeof prefix, "%s/%s-%s", p->datadir, label, o->name);
    plot_pathf(name, sizeof name, "%s-%s-fan", label, o->name);
    FILE *f = plot_open_data(p, prefix, ".fan", path);
    if (!f)
        return;
    static const double probs[7] = {0.5, 0.25, 0.75, 0.05, 0.95, 0.025, 0.975};
    size_t n = s->npoints;
    double *x = malloc((n + 1) * sizeof *x), *all = malloc((n * 9 + 1) * sizeof *all);
    if (!x || !all) {
        free(x);
        free(all);
        fclose(f);
        cmc_error(p->d, NULL, "out of memory");
        p->failed = 1;
        return;
    }
    int jm = cmc_sweep_find_p(s, 0.5);
    size_t na = 0;
    fputs("# x median p25 p75 p5 p95 p2.5 p97.5 mean median_ci_low median_ci_high\n", f);
    for (size_t i = 0; i < n; i++) {
        x[i] = s->points ? (double)i : cmc_sweep_coord(s, 0, i);
        double v[11];
        v[0] = x[i];
        for (int k = 0; k < 7; k++)
            v[1 + k] = at(s, o, i, probs[k]);
        v[8] = o->mean[i];
        v[9] = jm < 0 ? NAN : o->ci_low[i * s->np + (size_t)jm];
        v[10] = jm < 0 ? NAN : o->ci_high[i * s->np + (size_t)jm];
        plot_gp_row(f, 0, v, 11);
        for (int k = 1; k < 9; k++)
            if (isfinite(v[k]))
                all[na++] = v[k];
    }
    plot_close_out(p, f, path);
    f = plot_open_data(p, prefix, ".fan.vars.gp", path);
    if (!f) {
        free(x);
        free(all);
        return;
    }
    header_vars(f, p->o, s, o);
    double lo, hi;
    int logx = s->points ? 0 : wants_log(x, n, &lo, &hi);
    if (s->points) {
        lo = 0;
        hi = n ? (double)(n - 1) : 1;
    }
    if (lo == hi)
        lo -= 0.5, hi += 0.5;
    char xl[1024];
    if (s->points)
        snprintf(xl, sizeof xl, "point (row of the CSV file)");
    else
        label_of(xl, sizeof xl, s->vars[0].name, s->vars[0].description, s->vars[0].unit);
    fputs("xlabel_str = ", f);
    plot_gp_string(f, xl);
    fprintf(f, "\nlogx = %d\n", logx);
    plot_pad_range(&lo, &hi, logx);
    fputs("xmin = ", f);
    plot_gp_num(f, lo);
    fputs("\nxmax = ", f);
    plot_gp_num(f, hi);
    fputc('\n', f);
    plot_gp_tics(f, "xtics_cmd", "x", lo, hi, logx, p->narrow ? 4 : 6);
    double ylo, yhi;
    int logy = wants_log(all, na, &ylo, &yhi) && yhi / ylo > 100;
    if (ylo == yhi)
        ylo -= fabs(ylo) * 0.05 + 0.5, yhi += fabs(yhi) * 0.05 + 0.5;
    plot_pad_range(&ylo, &yhi, logy);
    fprintf(f, "logy = %d\nymin = ", logy);
    plot_gp_num(f, ylo);
    fputs("\nymax = ", f);
    plot_gp_num(f, yhi);
    fputc('\n', f);
    plot_gp_tics(f, "ytics_cmd", "y", ylo, yhi, logy, 5);
    /* which bands the sweep can draw, and their legend */
    static const char *const band[3] = {"has50", "has90", "has95"};
    for (int b = 0; b < 3; b++)
        fprintf(f, "%s = %d\n", band[b],
                cmc_sweep_find_p(s, probs[1 + 2 * b]) >= 0 &&
                    cmc_sweep_find_p(s, probs[2 + 2 * b]) >= 0);
    fprintf(f, "has_median = %d\n", jm >= 0);
    plot_close_out(p, f, path);
    free(x);
    free(all);
    plot_figure(p, "fan.gp", prefix, name);
}

/* prefix.heat: 1 ix  2 iy  3 median  4 text colour (0xRRGGBB)  5 the median as
   printed (4 significant digits, thousands grouped), with a blank line
   after each column of the grid; the vars give the ticks and the colour range. */
static void heatmap(plotter *p, const cmc_sweep *s, const cmc_sweep_output *o,
                    const char *label)
{
    int jm = cmc_sweep_find_p(s, 0.5);
    if (jm < 0)
        return;   /* no median: no heatmap (the caller said why) */
    char prefix[PATH_MAX], path[PATH_MAX + 32], name[PATH_MAX];
    plot_pathf(prefix, sizeof prefix, "%s/%s-%s", p->datadir, label, o->name);
    plot_pathf(name, sizeof name, "%s-%s-heatmap", label, o->name);
    const cmc_sweep_var *vx = &s->vars[0], *vy = &s->vars[1];
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < s->npoints; i++) {
        double m = o->value[i * s->np + (size_t)jm];
        if (isfinite(m))
            lo = fmin(lo, m), hi = fmax(hi, m);
    }
    if (!(lo <= hi))
        lo = 0, hi = 1;
    if (lo == hi)
        lo -= fabs(lo) * 0.05 + 0.5, hi += fabs(hi) * 0.05 + 0.5;
    FILE *f = plot_open_data(p, prefix, ".heat", path);
    if (!f)
        return;
    fputs("# ix iy median text_colour label\n", f);
    for (size_t ix = 0; ix < vx->n; ix++) {
        for (size_t iy = 0; iy < vy->n; iy++) {
            double m = o->value[(ix * vy->n + iy) * s->np + (size_t)jm];
            /* light text on the dark (low) end of viridis */
            double v[4] = {(double)ix, (double)iy, m,
                           (m - lo) / (hi - lo) < 0.45 ? (double)0xFFFFFF : (double)0x000000};
            char txt[64];
            cmc_fmt_sig(txt, sizeof txt, m, 4, 7);
            for (int k = 0; k < 4; k++) {
                if (k)
                    fputc(' ', f);
                plot_gp_num(f, v[k]);
            }
            fputc(' ', f);
            plot_gp_string(f, txt);
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    plot_close_out(p, f, path);
    if (!(f = plot_open_data(p, prefix, ".heat.vars.gp", path)))
        return;
    header_vars(f, p->o, s, o);
    char xl[1024], yl[1024], num[64];
    label_of(xl, sizeof xl, vx->name, vx->description, vx->unit);
    label_of(yl, sizeof yl, vy->name, vy->description, vy->unit);
    fputs("xlabel_str = ", f);
    plot_gp_string(f, xl);
    fputs("\nylabel_str = ", f);
    plot_gp_string(f, yl);
    fprintf(f, "\nnx = %zu\nny = %zu\ncbmin = ", vx->n, vy->n);
    plot_gp_num(f, lo);
    fputs("\ncbmax = ", f);
    plot_gp_num(f, hi);
    /* cell labels only where they fit */
    fprintf(f, "\nshow_values = %d\n", vx->n <= 12 && vy->n <= 16);
    const cmc_sweep_var *vs[2] = {vx, vy};
    for (int a = 0; a < 2; a++) {
        cmc_buf b;
        cmc_buf_init(&b);
        cmc_buf_printf(&b, "set %ctics (", a ? 'y' : 'x');
        for (size_t i = 0; i < vs[a]->n; i++) {
            cmc_fmt_sig(num, sizeof num, vs[a]->value[i], 6, 7);
            cmc_buf_printf(&b, "%s\"%s\" %zu", i ? ", " : "", num, i);
        }
        cmc_buf_puts(&b, ")");
        fprintf(f, "%ctics_cmd = ", a ? 'y' : 'x');
        plot_gp_string(f, cmc_buf_str(&b));
        fputc('\n', f);
        cmc_buf_free(&b);
    }
    plot_gp_tics(f, "cbtics_cmd", "cb", lo, hi, 0, 5);
    plot_close_out(p, f, path);
    plot_figure(p, "heatmap.gp", prefix, name);
}

int cmc_plot_sweep(const cmc_sweep *s, const char *label, const cmc_plot_options *o,
                   cmc_diags *d)
{
    if (!plot_valid_label(label)) {
        cmc_error(d, NULL, "'%s' cannot name a sweep's figures (letters, digits, '-', '_', '.')",
                  label ? label : "");
        return -1;
    }
    int dims = s->points ? 1 : (int)s->nvars;
    if (dims > 2) {
        cmc_error(d, NULL, "a sweep of %d names has no figure here: plot draws sweeps of one "
                  "name (a fan chart) and two (a heatmap); take a slice with xarray "
                  "(docs/hdf5.md)", dims);
        return -1;
    }
    if (dims == 2 && cmc_sweep_find_p(s, 0.5) < 0) {
        cmc_error(d, NULL, "the heatmap shows the median, and this sweep has none (its "
                  "--percentiles leave out 0.5)");
        return -1;
    }
    if (!s->noutputs) {
        cmc_error(d, NULL, "the sweep has no outputs to draw");
        return -1;
    }
    plotter p;
    if (plot_begin(&p, o, d) < 0)
        return -1;
    for (size_t i = 0; i < s->noutputs && !p.failed; i++) {
        if (dims == 1)
            fan(&p, s, &s->outputs[i], label);
        else
            heatmap(&p, s, &s->outputs[i], label);
    }
    return plot_end(&p);
}
