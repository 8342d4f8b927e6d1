/*
 * plot.c: figures of one or more runs with gnuplot (CLI only, like report.c).
 *
 * The HDF5 file already holds everything a figure needs (histograms, percentiles
 * with their Monte Carlo intervals, convergence checkpoints), so plotting is a
 * translation: for every figure, plain whitespace-separated data files and a small
 * file of gnuplot variables, then one external gnuplot process running a driver
 * script that loads the scripts of plots/ once per figure. gnuplot does the
 * drawing; this file decides what a careful author would otherwise fiddle with by
 * hand: tick positions and their labels (12,000 not 12000.000000; 1-2-5 steps, on
 * log axes too), which axes are logarithmic (the run's histogram says), the
 * shaded bands and the numbers printed on them, and labels that run titles can
 * tell apart. Every string handed to gnuplot is quoted by plot_gp_string; text is set
 * with enhanced mode off (common.gp), so an '_' in a name stays an underscore.
 *
 * Files, with L a run's label and NAME an output (or input):
 *   DIR/L-NAME-distribution.EXT  DIR/L-NAME-cdf.EXT  DIR/L-NAME-convergence.EXT
 *   DIR/L-inputs.EXT             DIR/compare-NAME.EXT (two runs or more)
 *   DIR/data/...                 what the scripts read (see each script in plots/),
 *   DIR/data/figures.gp          the driver; DIR/data/gnuplot.log its messages.
 * Nothing is written before everything is checked: gnuplot is found, the scripts
 * are found, `only` names something. This file decides what each figure of a run
 * shows and writes its data (plot_compare.c: the figures of runs side by side);
 * plot_driver.c holds the plumbing every figure shares
 * (the output folder, the driver script, running gnuplot), and plot_sweep.c
 * draws a sweep's figures through the same plumbing.
 */
#include "plot_priv.h"
#include "diag.h"
#include "report.h"
#include "report_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const cmc_plot_formats[] = {"png", "pdf", "svg", NULL};
/* ---- What a stat offers --------------------------------------------------------- */

/* The stored percentile at p, or NaN (the run may have used --percentiles). */
double plot_pct(const cmc_stat *s, double p, const double *which)
{
    for (size_t i = 0; i < s->npercentiles; i++)
        if (fabs(s->p[i] - p) < 1e-12)
            return which[i];
    return NAN;
}

/* Chemical formulas in labels with Unicode subscripts (CO2 -> CO\u2082): gnuplot's
   enhanced mode is off (so that "co2_t" stays "co2_t"), and the subscript digits
   of Unicode are drawn by every terminal and font carbonmc uses (DejaVu Sans). */
void plot_subscripts(char *s, size_t size)
{
    static const char *const from[] = {"CO2", "CH4", "N2O", "SF6"};
    static const char *const to[] = {"CO\xe2\x82\x82", "CH\xe2\x82\x84", "N\xe2\x82\x82O",
                                     "SF\xe2\x82\x86"};
    char out[2048];
    size_t o = 0;
    for (const char *q = s; *q && o + 8 < sizeof out && o + 8 < size;) {
        size_t k = 0;
        while (k < 4 && strncmp(q, from[k], strlen(from[k])))
            k++;
        if (k < 4) {
            memcpy(out + o, to[k], strlen(to[k]));
            o += strlen(to[k]);
            q += strlen(from[k]);
        } else {
            out[o++] = *q++;
        }
    }
    out[o] = '\0';
    memcpy(s, out, o + 1);
}

/* "training emissions [tCO\u2082e]", or the name when there is no description. */
void plot_axis_label(char *out, size_t size, const cmc_stat *s)
{
    const char *desc = s->description && s->description[0] ? s->description : s->name;
    if (s->unit && s->unit[0])
        snprintf(out, size, "%s [%s]", desc, s->unit);
    else
        snprintf(out, size, "%s", desc);
    plot_subscripts(out, size);
}

/* The title of a figure: "" with --no-title. */
static const char *fig_title(const cmc_plot_options *o, const cmc_results *r, const char *fallback)
{
    if (o->no_title)
        return "";
    return r->title && r->title[0] ? r->title : fallback;
}

/* Something to draw: a histogram of finite samples that are not all the same. */
int plot_has_histogram(const cmc_stat *s)
{
    return s->nbins > 0 && s->edges && s->counts && s->count > 0 && s->min < s->max;
}

/* prefix.hist: lo hi count percent; prefix.cdf: x F(x) at the edges. */
static void write_histogram(plotter *p, const char *prefix, const cmc_stat *s)
{
    char path[PATH_MAX + 32];
    FILE *f = plot_open_data(p, prefix, ".hist", path);
    if (!f)
        return;
    double total = (double)s->count;
    fprintf(f, "# %s: histogram of %llu finite samples (%llu below, %llu above the range)\n"
               "# columns: bin_low bin_high count percent_of_samples density\n"
               "# density: %s, so that it does not depend on the number of bins\n",
            s->name, (unsigned long long)s->count, (unsigned long long)s->underflow,
            (unsigned long long)s->overflow,
            s->log_bins ? "the share of the samples per decade, count / (N log10(high / low))"
                        : "the probability density, count / (N (high - low))");
    for (size_t j = 0; j < s->nbins; j++) {
        double w = s->log_bins && s->edges[j] > 0 ? log10(s->edges[j + 1] / s->edges[j])
                                                  : s->edges[j + 1] - s->edges[j];
        plot_gp_num(f, s->edges[j]);
        fputc(' ', f);
        plot_gp_num(f, s->edges[j + 1]);
        fprintf(f, " %llu", (unsigned long long)s->counts[j]);
        plot_gp_row(f, 1, (const double[]){100.0 * (double)s->counts[j] / total,
                                           (double)s->counts[j] / total / w}, 2);
    }
    plot_close_out(p, f, path);

    if (!(f = plot_open_data(p, prefix, ".cdf", path)))
        return;
    fprintf(f, "# %s: empirical CDF at the histogram's edges\n# columns: x cdf\n", s->name);
    uint64_t cum = s->underflow;
    for (size_t j = 0; j <= s->nbins; j++) {
        cum += j ? s->counts[j - 1] : 0;
        plot_gp_row(f, 0, (const double[]){s->edges[j], (double)cum / total}, 2);
    }
    plot_close_out(p, f, path);
}

static void write_percentiles(plotter *p, const char *prefix, const cmc_stat *s)
{
    char path[PATH_MAX + 32];
    FILE *f = plot_open_data(p, prefix, ".pct", path);
    if (!f)
        return;
    fprintf(f, "# %s: percentiles with their 95%% Monte Carlo confidence intervals\n"
               "# columns: probability value ci_low ci_high\n", s->name);
    for (size_t i = 0; i < s->npercentiles; i++)
        plot_gp_row(f, 0, (const double[]){s->p[i], s->value[i], s->ci_low[i], s->ci_high[i]}, 4);
    plot_close_out(p, f, path);
}

static void write_convergence(plotter *p, const char *prefix, const cmc_stat *s)
{
    char path[PATH_MAX + 32];
    FILE *f = plot_open_data(p, prefix, ".conv", path);
    if (!f)
        return;
    const cmc_convergence *c = &s->conv;
    fprintf(f, "# %s: estimates from the first `samples` samples, 95%% intervals\n"
               "# columns: samples mean mean_ci_low mean_ci_high median median_ci_low "
               "median_ci_high p95 p95_ci_low p95_ci_high\n", s->name);
    for (size_t i = 0; i < c->n; i++) {
        double v[3 * CMC_CONV_NEST];
        for (int e = 0; e < CMC_CONV_NEST; e++) {
            v[3 * e] = c->value[e][i];
            v[3 * e + 1] = c->ci_low[e][i];
            v[3 * e + 2] = c->ci_high[e][i];
        }
        fprintf(f, "%llu", (unsigned long long)c->samples[i]);
        plot_gp_row(f, 1, v, 3 * CMC_CONV_NEST);
    }
    plot_close_out(p, f, path);
}

/* The range of est's intervals over the checkpoints. */
static void conv_range(const cmc_convergence *c, int e, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        if (isfinite(c->ci_low[e][i]) && c->ci_low[e][i] < *lo)
            *lo = c->ci_low[e][i];
        if (isfinite(c->ci_high[e][i]) && c->ci_high[e][i] > *hi)
            *hi = c->ci_high[e][i];
    }
    if (!(*hi > *lo)) {   /* constant or empty */
        double m = isfinite(*lo) ? *lo : 0, w = m != 0 ? 0.05 * fabs(m) : 1;
        *lo = m - w;
        *hi = m + w;
    }
    plot_pad_range(lo, hi, 0);
}

/* The x range and scale of a stat's histogram, padded. */
static void hist_range(const cmc_stat *s, double *lo, double *hi, int *logx)
{
    *lo = s->edges[0];
    *hi = s->edges[s->nbins];
    *logx = s->log_bins && *lo > 0;
    plot_pad_range(lo, hi, *logx);
}

/* The variables of one output's figures: prefix.vars.gp. */
static void write_vars(plotter *p, const char *prefix, const cmc_results *r, const cmc_stat *s)
{
    char path[PATH_MAX + 32], label[1024], buf[64], text[1024];
    snprintf(path, sizeof path, "%s.vars.gp", prefix);
    FILE *f = plot_open_out(p, path);
    if (!f)
        return;
    plot_axis_label(label, sizeof label, s);
    fprintf(f, "# gnuplot variables for the figures of %s (written by carbonmc plot)\n",
            s->name);
    fputs("title_str = ", f);
    plot_gp_string(f, fig_title(p->o, r, s->name));
    fputs("\nname_str = ", f);
    plot_gp_string(f, s->name);
    fputs("\nlabel_str = ", f);
    plot_gp_string(f, label);
    char dl[1024], unit[600];
    snprintf(unit, sizeof unit, "%s", s->unit ? s->unit : "");
    plot_subscripts(unit, sizeof unit);
    if (s->log_bins)
        snprintf(dl, sizeof dl, "share of samples per decade");
    else if (unit[0])
        snprintf(dl, sizeof dl, "probability density (per %s)", unit);
    else
        snprintf(dl, sizeof dl, "probability density");
    fputs("\ndensity_str = ", f);
    plot_gp_string(f, dl);
    fprintf(f, "\nsamples = %llu\nnonfinite = %llu\n", (unsigned long long)r->samples,
            (unsigned long long)s->nonfinite);
    text[0] = '\0';
    if (s->nonfinite)
        snprintf(text, sizeof text, "%llu samples were not finite and are not shown",
                 (unsigned long long)s->nonfinite);
    fputs("nonfinite_str = ", f);
    plot_gp_string(f, text);
    fputc('\n', f);

    double lo, hi;
    int logx;
    hist_range(s, &lo, &hi, &logx);
    fprintf(f, "logx = %d\nxmin = ", logx);
    plot_gp_num(f, lo);
    fputs("\nxmax = ", f);
    plot_gp_num(f, hi);
    fputc('\n', f);
    plot_gp_tics(f, "xtics_cmd", "x", lo, hi, logx, p->narrow ? 4 : 5);

    /* the bands: median, 50%, 90% and 95% central intervals */
    static const char *const names[7] = {"median", "lo50", "hi50", "lo90",
                                         "hi90",   "lo95", "hi95"};
    static const double probs[7] = {0.5, 0.25, 0.75, 0.05, 0.95, 0.025, 0.975};
    double v[7];
    for (int i = 0; i < 7; i++) {
        v[i] = plot_pct(s, probs[i], s->value);
        fprintf(f, "%s = ", names[i]);
        plot_gp_num(f, v[i]);
        fputc('\n', f);
    }
    size_t len = 0;
    text[0] = '\0';
    if (isfinite(v[0])) {
        plot_fmt3(buf, sizeof buf, v[0]);
        len += (size_t)snprintf(text + len, sizeof text - len, "median %s%s%s", buf,
                                unit[0] ? " " : "", unit);
    }
    static const char *const band[3] = {"50%", "90%", "95%"};
    for (int b = 0; b < 3 && len < sizeof text; b++) {
        if (!isfinite(v[1 + 2 * b]) || !isfinite(v[2 + 2 * b]))
            continue;
        char a[40];
        plot_fmt3(a, sizeof a, v[1 + 2 * b]);
        plot_fmt3(buf, sizeof buf, v[2 + 2 * b]);
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%s: %s \xe2\x80\x93 %s",
                                len ? "\n" : "", band[b], a, buf);
    }
    fputs("band_str = ", f);
    plot_gp_string(f, text);
    fputc('\n', f);

    /* convergence: samples on a log axis, one panel per estimate */
    const cmc_convergence *c = &s->conv;
    if (c->n) {
        double n0 = (double)c->samples[0], n1 = (double)c->samples[c->n - 1];
        if (!(n1 > n0))
            n1 = 2 * n0;
        fputs("conv_xmin = ", f);
        plot_gp_num(f, n0 / 1.3);
        fputs("\nconv_xmax = ", f);
        plot_gp_num(f, n1 * 1.3);
        fputc('\n', f);
        plot_gp_tics(f, "conv_xtics_cmd", "x", n0 / 1.3, n1 * 1.3, 1, 5);
        static const char *const est[CMC_CONV_NEST] = {"mean", "median", "p95"};
        for (int e = 0; e < CMC_CONV_NEST; e++) {
            double a, b;
            char nm[64];
            conv_range(c, e, &a, &b);
            fprintf(f, "conv_%s_final = ", est[e]);
            plot_gp_num(f, c->value[e][c->n - 1]);
            fputc('\n', f);
            fprintf(f, "conv_%s_min = ", est[e]);
            plot_gp_num(f, a);
            fprintf(f, "\nconv_%s_max = ", est[e]);
            plot_gp_num(f, b);
            fputc('\n', f);
            snprintf(nm, sizeof nm, "conv_%s_ytics_cmd", est[e]);
            plot_gp_tics(f, nm, "y", a, b, 0, 4);
        }
    }
    plot_close_out(p, f, path);
}

/* ---- The figures ------------------------------------------------------------------ */

static void sensitivity_figure(plotter *p, const cmc_results *r, const char *label,
                               const cmc_sensitivity *se);

static void output_figures(plotter *p, const cmc_results *r, const char *label,
                           const cmc_stat *s)
{
    char prefix[PATH_MAX], name[PATH_MAX];
    plot_pathf(prefix, sizeof prefix, "%s/%s-%s", p->datadir, label, s->name);
    if (!plot_has_histogram(s)) {
        if (s->count && s->min == s->max)
            cmc_note(p->d, NULL, "%s is %.10g in every sample of run '%s': no figures",
                     s->name, s->min, label);
        else
            cmc_warning(p->d, NULL, "%s of run '%s' has no finite samples: no figures",
                        s->name, label);
        return;
    }
    write_histogram(p, prefix, s);
    write_percentiles(p, prefix, s);
    write_vars(p, prefix, r, s);
    snprintf(name, sizeof name, "%s-%s-distribution", label, s->name);
    plot_figure(p, "distribution.gp", prefix, name);
    snprintf(name, sizeof name, "%s-%s-cdf", label, s->name);
    plot_figure(p, "cdf.gp", prefix, name);
    if (s->conv.n >= 2) {
        write_convergence(p, prefix, s);
        snprintf(name, sizeof name, "%s-%s-convergence", label, s->name);
        plot_figure(p, "convergence.gp", prefix, name);
    }
    for (size_t i = 0; i < r->nsensitivity; i++)
        if (!strcmp(r->sensitivity[i].output, s->name))
            sensitivity_figure(p, r, label, &r->sensitivity[i]);
}

/* The tornado figure of one output: inputs ranked by total Sobol index with its
   interval (and the first-order index), beside the one-at-a-time swings. */
static void sensitivity_figure(plotter *p, const cmc_results *r, const char *label,
                               const cmc_sensitivity *se)
{
    size_t k = se->ninputs;
    const cmc_stat *out = NULL;
    for (size_t i = 0; i < r->noutputs; i++)
        if (!strcmp(r->outputs[i].name, se->output))
            out = &r->outputs[i];
    if (!k || !out)
        return;
    size_t *order = calloc(k, sizeof *order);
    if (!order) {
        cmc_error(p->d, NULL, "out of memory");
        p->failed = 1;
        return;
    }
    cmc_sens_order(se, order);   /* by total index, largest first */
    size_t kept = 0;   /* inputs with no path to the output are left out, as in the text */
    for (size_t jj = 0; jj < k; jj++)
        if (rep_sens_related(se, order[jj]))
            order[kept++] = order[jj];
    if (!kept) {
        free(order);
        return;
    }
    k = kept;
    const double *st = se->value[CMC_SENS_SOBOL_TOTAL];
    char prefix[PATH_MAX], path[PATH_MAX + 32], name[PATH_MAX], lab[1024];
    plot_pathf(prefix, sizeof prefix, "%s/%s-%s-sensitivity", p->datadir, label, se->output);
    FILE *f = plot_open_data(p, prefix, ".dat", path);
    if (!f) {
        free(order);
        return;
    }
    fprintf(f, "# sensitivity of %s, inputs by total Sobol index (largest first)\n"
               "# columns: row \"input\" total total_ci_low total_ci_high first first_ci_low "
               "first_ci_high swing_low swing_high\n", se->output);
    double lo = 0, hi = 1, slo = se->swing_base, shi = se->swing_base;   /* indices: [0, 1] at least */
    for (size_t jj = 0; jj < k; jj++) {
        size_t j = order[jj];
        fprintf(f, "%zu ", jj + 1);
        plot_gp_string(f, se->input[j]);
        /* with correlated inputs the dot is the given-data first-order index, valid
           for every input; the bar (Sobol total) only for the independent ones */
        const double v[8] = {st[j], se->ci_low[CMC_SENS_SOBOL_TOTAL][j],
                             se->ci_high[CMC_SENS_SOBOL_TOTAL][j],
                             se->given ? se->given[j] : se->value[CMC_SENS_SOBOL_FIRST][j],
                             se->given ? se->given_ci_low[j] : se->ci_low[CMC_SENS_SOBOL_FIRST][j],
                             se->given ? se->given_ci_high[j]
                                       : se->ci_high[CMC_SENS_SOBOL_FIRST][j],
                             se->swing_low[j], se->swing_high[j]};
        plot_gp_row(f, 1, v, 8);
        for (int i = 0; i < 6; i++)
            if (isfinite(v[i])) {
                lo = v[i] < lo ? v[i] : lo;
                hi = v[i] > hi ? v[i] : hi;
            }
        for (int i = 6; i < 8; i++)
            if (isfinite(v[i])) {
                slo = v[i] < slo ? v[i] : slo;
                shi = v[i] > shi ? v[i] : shi;
            }
    }
    plot_close_out(p, f, path);
    if (!(hi > lo))
        hi = lo + 1;
    if (!(shi > slo)) {
        double w = slo != 0 ? 0.05 * fabs(slo) : 1;
        slo -= w;
        shi += w;
    }
    plot_pad_range(&lo, &hi, 0);
    plot_pad_range(&slo, &shi, 0);
    if (!(f = plot_open_data(p, prefix, ".vars.gp", path))) {
        free(order);
        return;
    }
    plot_axis_label(lab, sizeof lab, out);
    fprintf(f, "# gnuplot variables for the sensitivity figure of %s (carbonmc plot)\n"
               "title_str = ", se->output);
    plot_gp_string(f, fig_title(p->o, r, label));
    fputs("\nlabel_str = ", f);
    plot_gp_string(f, lab);
    {
        char sw[1400], b[64];
        snprintf(sw, sizeof sw, "%s, one input at its P5 or P95, others at point values",
                 se->output);
        fputs("\nswing_label_str = ", f);
        plot_gp_string(f, sw);
        cmc_fmt_sig(b, sizeof b, se->swing_base, 4, 12);
        snprintf(sw, sizeof sw, "all at point values: %s", b);
        fputs("\nbase_str = ", f);
        plot_gp_string(f, sw);
        fputs("\nindex_title = ", f);
        plot_gp_string(f, se->given ? "total Sobol index (bar, independent inputs), first "
                                      "order from the sample (dot)"
                                    : "Sobol indices: total (bar), first order (dot)");
        fputs("\nfirst_title = ", f);
        plot_gp_string(f, se->given ? "first order (given data)" : "first order");
        fputs("\nindex_label = ", f);
        plot_gp_string(f, se->given ? "index" : "Sobol index");
    }
    size_t longest = 4;
    for (size_t jj = 0; jj < k; jj++)
        longest = strlen(se->input[order[jj]]) > longest ? strlen(se->input[order[jj]]) : longest;
    /* room on the left for the input names: about 0.0105 of the width per character */
    double lm = 0.03 + 0.0105 * (double)longest;
    fprintf(f, "\nleft_margin = %.3f", lm < 0.12 ? 0.12 : lm > 0.4 ? 0.4 : lm);
    fprintf(f, "\nninputs = %zu\nxmin = ", k);
    plot_gp_num(f, lo);
    fputs("\nxmax = ", f);
    plot_gp_num(f, hi);
    fputs("\nswing_base = ", f);
    plot_gp_num(f, se->swing_base);
    fputs("\nswing_min = ", f);
    plot_gp_num(f, slo);
    fputs("\nswing_max = ", f);
    plot_gp_num(f, shi);
    fputc('\n', f);
    plot_gp_tics(f, "swing_xtics_cmd", "x", slo, shi, 0, 4);
    plot_close_out(p, f, path);
    snprintf(name, sizeof name, "%s-%s-sensitivity", label, se->output);
    plot_figure(p, "tornado.gp", prefix, name);
    free(order);
}

/* Small multiples of the random inputs (or of `only`, if it is one). */
static void inputs_figure(plotter *p, const cmc_results *r, const char *label, const char *only)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ninputs; i++)
        n += (!only || !strcmp(only, r->inputs[i].name)) && plot_has_histogram(&r->inputs[i]);
    if (!n)
        return;
    char prefix[PATH_MAX], path[PATH_MAX + 32], name[PATH_MAX];
    plot_pathf(prefix, sizeof prefix, "%s/%s-inputs", p->datadir, label);
    snprintf(path, sizeof path, "%s.vars.gp", prefix);
    FILE *f = plot_open_out(p, path);
    if (!f)
        return;
    fprintf(f, "# gnuplot variables for the inputs figure (written by carbonmc plot)\n"
               "title_str = ");
    plot_gp_string(f, fig_title(p->o, r, label));
    fprintf(f, "\nn_inputs = %zu\n", n);
    static const char *const arrays[] = {"in_data", "in_label", "in_dist", "in_logx",
                                         "in_xmin", "in_xmax",  "in_xtics"};
    for (size_t a = 0; a < sizeof arrays / sizeof *arrays; a++)
        fprintf(f, "array %s[%zu]\n", arrays[a], n);
    size_t k = 0;
    for (size_t i = 0; i < r->ninputs; i++) {
        const cmc_stat *s = &r->inputs[i];
        if ((only && strcmp(only, s->name)) || !plot_has_histogram(s))
            continue;
        char data[PATH_MAX], both[1200];
        plot_pathf(data, sizeof data, "%s/%s-input-%s", p->datadir, label, s->name);
        write_histogram(p, data, s);
        /* "name [unit]": descriptions are too long for a panel */
        if (s->unit && s->unit[0])
            snprintf(both, sizeof both, "%s [%s]", s->name, s->unit);
        else
            snprintf(both, sizeof both, "%s", s->name);
        plot_subscripts(both, sizeof both);
        double lo, hi;
        int logx;
        hist_range(s, &lo, &hi, &logx);
        k++;
        fprintf(f, "in_data[%zu] = ", k);
        plot_gp_string(f, data);
        fprintf(f, "\nin_label[%zu] = ", k);
        plot_gp_string(f, both);
        fprintf(f, "\nin_dist[%zu] = ", k);
        char dist[64];   /* a long expression is cut so that it stays in its panel */
        if (strlen(s->expression) > 44)
            snprintf(dist, sizeof dist, "%.41s...", s->expression);
        else
            snprintf(dist, sizeof dist, "%s", s->expression);
        plot_gp_string(f, dist);
        fprintf(f, "\nin_logx[%zu] = %d\nin_xmin[%zu] = ", k, logx, k);
        plot_gp_num(f, lo);
        fprintf(f, "\nin_xmax[%zu] = ", k);
        plot_gp_num(f, hi);
        char nm[32];
        snprintf(nm, sizeof nm, "in_xtics[%zu]", k);
        fputc('\n', f);
        plot_gp_tics(f, nm, "x", lo, hi, logx, p->narrow ? 2 : 3);
    }
    plot_close_out(p, f, path);
    snprintf(name, sizeof name, "%s-inputs", label);
    plot_figure(p, "inputs.gp", prefix, name);
}

static int names_something(const cmc_results *const *runs, size_t n, const char *only)
{
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < runs[k]->noutputs; i++)
            if (!strcmp(runs[k]->outputs[i].name, only))
                return 1;
        for (size_t i = 0; i < runs[k]->ninputs; i++)
            if (!strcmp(runs[k]->inputs[i].name, only))
                return 1;
    }
    return 0;
}

/* Whether any figure will be drawn. */
static int drawable(const cmc_results *const *runs, size_t n, const char *only)
{
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < runs[k]->noutputs; i++)
            if ((!only || !strcmp(only, runs[k]->outputs[i].name)) &&
                plot_has_histogram(&runs[k]->outputs[i]))
                return 1;
        for (size_t i = 0; i < runs[k]->ninputs; i++)
            if ((!only || !strcmp(only, runs[k]->inputs[i].name)) &&
                plot_has_histogram(&runs[k]->inputs[i]))
                return 1;
    }
    return 0;
}

int cmc_plot(const cmc_results *const *runs, const char *const *labels, size_t n,
             const cmc_plot_options *o, cmc_diags *d)
{
    cmc_plot_options none = {0};
    if (!o)
        o = &none;
    const char *fmt = o->format ? o->format : "png";
    int known = 0;
    for (int i = 0; cmc_plot_formats[i]; i++)
        known |= !strcmp(fmt, cmc_plot_formats[i]);
    if (!known) {
        cmc_error(d, NULL, "unknown figure format '%s' (png, pdf or svg)", fmt);
        return -1;
    }
    if (n == 0) {
        cmc_error(d, NULL, "no runs to plot");
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        if (!plot_valid_label(labels[k])) {
            cmc_error(d, NULL, "'%s' cannot name a run's figures (letters, digits, '-', '_', "
                               "'.'; not 'compare')", labels[k] ? labels[k] : "");
            return -1;
        }
        for (size_t j = 0; j < k; j++)
            if (!strcmp(labels[j], labels[k])) {
                cmc_error(d, NULL, "two runs are labelled '%s'", labels[k]);
                return -1;
            }
    }
    if (o->only && !names_something(runs, n, o->only)) {
        cmc_error(d, NULL, "no output or input is named '%s'", o->only);
        return -1;
    }
    if (!drawable(runs, n, o->only)) {
        cmc_error(d, NULL, "nothing to draw: %s the same in every sample",
                  o->only ? "it is" : "every output and input is");
        return -1;
    }
    for (size_t i = 0; i < o->npublished; i++)
        if (plot_published_value(o, o->published[i], runs, labels, n, NULL) < 0) {
            cmc_error(d, NULL, "--published expects LABEL=VALUE with LABEL a run's name (%s%s) "
                               "and VALUE a finite number, got '%s'", labels[0],
                      n > 1 ? ", ..." : "", o->published[i]);
            return -1;
        }
    plotter p;
    if (plot_begin(&p, o, d) < 0)
        return -1;

    for (size_t k = 0; k < n && !p.failed; k++) {
        const cmc_results *r = runs[k];
        for (size_t i = 0; i < r->noutputs && !p.failed; i++)
            if (!o->only || !strcmp(o->only, r->outputs[i].name))
                output_figures(&p, r, labels[k], &r->outputs[i]);
        if (!p.failed)
            inputs_figure(&p, r, labels[k], o->only);
    }
    for (size_t k = 0; k < n && !p.failed; k++)
        for (size_t i = 0; i < runs[k]->noutputs && runs[k]->nvariants && !p.failed; i++)
            if (!o->only || !strcmp(o->only, runs[k]->outputs[i].name))
                plot_compare_variants(&p, runs[k], labels[k], i);
    if (n >= 2)
        for (size_t i = 0; i < runs[0]->noutputs && !p.failed; i++)
            if (!o->only || !strcmp(o->only, runs[0]->outputs[i].name)) {
                plot_compare_runs(&p, runs, labels, n, runs[0]->outputs[i].name);
                if (!p.failed)
                    plot_forest_figure(&p, runs, labels, n, runs[0]->outputs[i].name);
            }
    return plot_end(&p);
}
