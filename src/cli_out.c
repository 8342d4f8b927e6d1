/*
 * cli_out.c: `carbonmc sweep`, `plot` and `table`: a scenario over a grid, figures and
 * comparison tables.
 */
#include "carbonmc.h"
#include "cli.h"
#include "plot.h"
#include "report.h"
#include "sweep_cli.h"
#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- sweep (issue 16): a scenario over a grid of assumptions -------------------- */

static void sweep_progress(void *ctx, size_t done, size_t total)
{
    progress *p = ctx;
    double now = cli_seconds();
    if (now - p->start < 1 || (now - p->last < 0.1 && done < total))
        return;
    p->last = now;
    p->shown = 1;
    fprintf(stderr, "\r%zu of %zu points ", done, total);
    fflush(stderr);
}

int cmd_sweep(options *o)
{
    if (o->sensitivity || o->save_samples || o->rel_tol > 0 || o->abs_tol > 0)
        return cli_usage_error("%s", "sweep takes neither --sensitivity, --save-samples nor a "
                           "tolerance (each point runs N samples)");
    if (o->nunits)
        return cli_usage_error("%s", "sweep takes no --unit (the file keeps the model's units)");
    if (!o->ngrids == !o->grid_csv)
        return cli_usage_error("%s", o->grid_csv ? "sweep takes --grid or --grid-csv, not both"
                                             : "sweep needs --grid NAME=V1,V2,... or --grid-csv FILE");
    cli_split_path(o);
    cmc_load_options lo = {o->sets, o->nsets, (const char *const *)o->path, o->npath, o->report};
    cmc_diags *d = cmc_diags_new();
    if (!d) {
        fputs("carbonmc: error: out of memory\n", stderr);
        return 1;
    }
    char *def = NULL;
    const char *out = NULL;
    if (!o->no_h5) {
        if (!o->output && (def = cli_default_output(o->file)) != NULL) {
            size_t n = strlen(def);   /* NAME.h5 -> NAME-sweep.h5 */
            char *d2 = realloc(def, n + 8);
            if (d2) {
                memcpy(d2 + n - 3, "-sweep.h5", 10);
                def = d2;
            }
        }
        out = o->output ? o->output : def;
    }
    int rc = 1;
    cmc_sweep *s = NULL;
    /* an unwritable -o fails before the sampling, and never names an input */
    cmc_model *m = out ? cli_load(o) : NULL;
    int loaded = m != NULL;   /* cli_load() printed the scenario's warnings */
    if (out && !m)
        goto done;
    if (m) {
        const char **files = calloc(cmc_model_nfiles(m) + 1, sizeof *files);
        for (size_t i = 0; files && i < cmc_model_nfiles(m); i++)
            files[i] = cmc_model_file(m, i);
        int bad = !files || cmc_sweep_check_output(out, files, cmc_model_nfiles(m), d) < 0;
        free(files);
        cmc_model_free(m);
        if (bad)
            goto done;
    }
    const char *env = getenv("CARBONMC_SWEEP_WORKERS");   /* for measuring the split */
    progress pr = {cli_seconds(), 0, 0};
    cmc_sweep_options so = {(const char *const *)o->grids, o->ngrids, o->grid_csv, o->strict,
                            env ? atoi(env) : 0, isatty(2) ? sweep_progress : NULL, &pr};
    cmc_run_options ro = {o->samples, o->seed, (int)o->threads, o->percentiles, o->npercentiles,
                          o->bins, NULL, 0, 0, NULL, NULL, NULL, NULL, o->max_memory,
                          (cmc_design_kind)o->design, o->replicates, 0, 0};
    cli_catch_signals();
    /* the base scenario's warnings were printed by cli_load() above */
    cmc_diags *sd = cmc_diags_new();
    s = sd ? cmc_sweep_run(o->file, &lo, &so, &ro, sd) : NULL;
    if (pr.shown)
        fprintf(stderr, "\r%60s\r", "");
    for (size_t i = 0; sd && i < cmc_diags_count(sd); i++) {
        const cmc_diag *g = cmc_diags_get(sd, i);
        if (!loaded || g->severity != CMC_WARNING || !g->file || !strcmp(g->file, "--grid") ||
            (o->grid_csv && !strcmp(g->file, o->grid_csv)))
            cli_print_diag(g);
    }
    cmc_diags_free(sd);
    if (!s || (out && cmc_sweep_write(s, out, cli_track_temp, NULL, d) < 0))
        goto done;
    rc = cmc_sweep_report(stdout, s, o->format ? o->format : "text") < 0 ? 1 : 0;
    if (out && (!o->format || !strcmp(o->format, "text")))
        printf("\nwritten to %s\n", out);
done:
    cli_print_diags(d);
    cmc_sweep_free(s);
    cmc_diags_free(d);
    free(def);
    return rc;
}

/* summary and plot of a sweep's file */
int cli_sweep_summary(options *o)
{
    cmc_diags *d = cmc_diags_new();
    cmc_sweep *s = d ? cmc_sweep_read(o->file, d) : NULL;
    int rc = 1;
    if (s && o->nunits)
        fputs("carbonmc: error: --unit is not available for a sweep's file\n", stderr);
    else if (s)
        rc = cmc_sweep_report(stdout, s, o->format ? o->format : "text") < 0 ? 1 : 0;
    if (d)
        cli_print_diags(d);
    cmc_sweep_free(s);
    cmc_diags_free(d);
    return rc;
}

static void print_figure(void *ctx, const char *path);
static char *run_label(const char *path, const char *const *taken, size_t ntaken);

static int sweep_plot(options *o)
{
    cmc_diags *d = cmc_diags_new();
    cmc_sweep *s = d ? cmc_sweep_read(o->file, d) : NULL;
    char *label = s ? run_label(o->file, NULL, 0) : NULL;
    int rc = 1;
    if (s && (o->nunits || o->npublished || o->only))
        fputs("carbonmc: error: a sweep's figures take no --unit, --published or --only\n",
              stderr);
    else if (s && label) {
        const char *gnuplot = getenv("CARBONMC_GNUPLOT"), *scripts = getenv("CARBONMC_PLOTS");
        cmc_plot_options po = {o->output, o->format, NULL, gnuplot && *gnuplot ? gnuplot : NULL,
                               scripts && *scripts ? scripts : NULL, print_figure, NULL,
                               o->size, o->no_title, NULL, 0};
        rc = cmc_plot_sweep(s, label, &po, d) < 0 ? 1 : 0;
    }
    if (d)
        cli_print_diags(d);
    free(label);
    cmc_sweep_free(s);
    cmc_diags_free(d);
    return rc;
}

/* ---- plot -------------------------------------------------------------------------- */

static void print_figure(void *ctx, const char *path)
{
    (void)ctx;
    printf("%s\n", path);
}

/* A run's label in figure names: the file's base name without .h5, made unique. */
static char *run_label(const char *path, const char *const *taken, size_t ntaken)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    const char *base = basename(copy);
    size_t n = strlen(base);
    if (n > 3 && !strcmp(base + n - 3, ".h5"))
        n -= 3;
    char *out = malloc(n + 24);
    if (out) {
        for (size_t i = 0; i < n; i++) {
            char c = base[i];
            int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.';
            out[i] = ok ? c : '_';
        }
        out[n] = '\0';
        if (!n || !strcmp(out, "compare"))
            snprintf(out + n, 24, "%srun", n ? "-" : "");
        size_t len = strlen(out);
        for (int k = 2;; k++) {
            int clash = 0;
            for (size_t i = 0; i < ntaken; i++)
                clash |= !strcmp(taken[i], out);
            if (!clash)
                break;
            snprintf(out + len, 24, "-%d", k);
        }
    }
    free(copy);
    return out;
}

/* The runs named on the command line (plot, table), each with a label for figures
   and rows; --unit applied when asked. */
typedef struct runset {
    cmc_results **runs;
    char **labels;
} runset;

static void runs_free(runset *rs, size_t n)
{
    for (size_t i = 0; rs->runs && rs->labels && i < n; i++) {
        cmc_results_free(rs->runs[i]);
        free(rs->labels[i]);
    }
    free(rs->runs);
    free(rs->labels);
}

static int runs_read(const options *o, runset *rs, int units, cmc_diags *d)
{
    rs->runs = calloc(o->nfiles, sizeof *rs->runs);
    rs->labels = calloc(o->nfiles, sizeof *rs->labels);
    if (!rs->runs || !rs->labels) {
        fputs("carbonmc: error: out of memory\n", stderr);
        return -1;
    }
    for (size_t i = 0; i < o->nfiles; i++)
        if (!(rs->runs[i] = cmc_results_read(o->files[i], d)) ||
            (units && cli_apply_units(o, rs->runs[i])) ||
            !(rs->labels[i] = run_label(o->files[i], (const char *const *)rs->labels, i)))
            return -1;
    return 0;
}

int cmd_plot(options *o)
{
    if (o->nfiles == 1 && cmc_sweep_is_file(o->file))
        return sweep_plot(o);
    int rc = 1;
    runset rs = {NULL, NULL};
    cmc_diags *d = cmc_diags_new();
    if (!d)
        fputs("carbonmc: error: out of memory\n", stderr);
    else if (runs_read(o, &rs, 1, d) == 0) {
        const char *gnuplot = getenv("CARBONMC_GNUPLOT"), *scripts = getenv("CARBONMC_PLOTS");
        cmc_plot_options po = {o->output, o->format, o->only,
                               gnuplot && *gnuplot ? gnuplot : NULL,
                               scripts && *scripts ? scripts : NULL, print_figure, NULL,
                               o->size, o->no_title, o->published, o->npublished};
        if (cmc_plot((const cmc_results *const *)rs.runs, (const char *const *)rs.labels,
                     o->nfiles, &po, d) == 0)
            rc = 0;
    }
    if (d)
        cli_print_diags(d);
    runs_free(&rs, o->nfiles);
    cmc_diags_free(d);
    return rc;
}

/* ---- table ------------------------------------------------------------------------- */

int cmd_table(options *o)
{
    int rc = 1;
    runset rs = {NULL, NULL};
    cmc_diags *d = cmc_diags_new();
    if (!d)
        fputs("carbonmc: error: out of memory\n", stderr);
    else if (runs_read(o, &rs, 0, d) == 0) {
        cmc_table_options to = {o->format, o->interval, o->outputs, o->keep_units};
        if (cmc_table(stdout, (const cmc_results *const *)rs.runs,
                      (const char *const *)rs.labels, o->nfiles, &to, d) == 0)
            rc = 0;
    }
    if (d)
        cli_print_diags(d);
    runs_free(&rs, o->nfiles);
    cmc_diags_free(d);
    return rc;
}

