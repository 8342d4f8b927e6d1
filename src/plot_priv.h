/*
 * plot_priv.h: what the files of `carbonmc plot` share (plot.c, the figures;
 * plot_gp.c, gnuplot's side). CLI only, not installed.
 */
#ifndef CMC_PLOT_PRIV_H
#define CMC_PLOT_PRIV_H

#include "plot.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* ---- plot_driver.c: the output folder, the driver script, gnuplot --------------- */

typedef struct plotter {
    const cmc_plot_options *o;
    cmc_diags *d;
    const char *ext, *dir;   /* dir: absolute */
    char datadir[PATH_MAX];
    FILE *driver;
    char **figures;          /* every figure the driver makes, to check afterwards */
    size_t nfigures, cap;
    int failed;
    int narrow;              /* --size narrower than 4.5 in: fewer ticks */
    /* plot_begin's, for plot_end */
    char *gnuplot, *scripts, *absdir;
    char driver_path[PATH_MAX];
} plotter;

/* Check the format, gnuplot, the scripts, --size and the folder; make DIR/data and
   open the driver. 0, or -1 with an error in d (nothing to end). */
int plot_begin(plotter *p, const cmc_plot_options *o, cmc_diags *d);
/* Close the driver, run gnuplot, check and report every figure; frees what
   plot_begin took. 0, or -1 with an error in d. */
int plot_end(plotter *p);
/* A file for writing: a regular file or a new one (p->failed and an error if not). */
FILE *plot_open_out(plotter *p, const char *path);
void plot_close_out(plotter *p, FILE *f, const char *path);
/* prefix + suffix opened with plot_open_out; its path into path[PATH_MAX + 32]. */
FILE *plot_open_data(plotter *p, const char *prefix, const char *suffix, char *path);
/* Add figure DIR/name.EXT to the driver: `data` (the data files' prefix), then the
   script plots/script. */
void plot_figure(plotter *p, const char *script, const char *data, const char *name);
/* A label naming files: letters, digits, '-', '_', '.'; not "compare". */
int plot_valid_label(const char *s);
/* Chemical formulas in s with Unicode subscripts, in place (CO2 -> CO\u2082): for
   labels, since gnuplot's enhanced text is off (plot.c). */
void plot_subscripts(char *s, size_t size);

/* ---- plot.c and plot_compare.c: the figures of runs ------------------------------ */

/* The stored percentile at p of s (which: s->value, s->ci_low, ...), or NaN. */
double plot_pct(const cmc_stat *s, double p, const double *which);
/* "description [unit]" with subscripts, for an axis. */
void plot_axis_label(char *out, size_t size, const cmc_stat *s);
/* Whether s has a histogram worth drawing. */
int plot_has_histogram(const cmc_stat *s);
/* compare-NAME over the runs; L-NAME-variants of run r's output i; forest-NAME. */
void plot_compare_runs(plotter *p, const cmc_results *const *runs, const char *const *labels,
                       size_t n, const char *name);
void plot_compare_variants(plotter *p, const cmc_results *r, const char *label, size_t i);
void plot_forest_figure(plotter *p, const cmc_results *const *runs, const char *const *labels,
                        size_t nruns, const char *name);
/* The run index named by --published "LABEL=VALUE" (its value into out, which may
   be NULL), or -1 when it is malformed or names no run. */
int plot_published_value(const cmc_plot_options *o, const char *spec,
                         const cmc_results *const *runs, const char *const *labels, size_t n,
                         double *out);

/* ---- plot_gp.c: gnuplot's side ---------------------------------------------------- */

/* The scripts plots/ must hold, NULL-terminated. */
extern const char *const plot_script_names[];

/* The program's path (malloc'ed): as given if it holds a '/', else found on PATH. */
char *plot_find_program(const char *name);
/* The absolute path of the scripts folder (malloc'ed), or NULL: given, else the
   first folder of CMC_PLOTS_DIRS that holds every script. */
char *plot_find_scripts(const char *given);
/* mkdir -p; -1 with errno (ENOTDIR if path exists and is not a folder). */
int plot_mkdir_p(const char *path);

/* A number gnuplot reads back exactly; NaN for anything not finite. */
void plot_gp_num(FILE *f, double x);
/* v[0..n) separated by spaces (and one before the first if lead), then a newline. */
void plot_gp_row(FILE *f, int lead, const double *v, int n);
/* s as a gnuplot double-quoted string. */
void plot_gp_string(FILE *f, const char *s);
/* x to 3 significant digits, for labels. */
void plot_fmt3(char *out, size_t size, double x);

/* Tick positions for [lo, hi]: 1-2-5 steps on a linear axis; on a log axis the
   powers of ten, with 2 and 5 times them when the range spans few decades. */
#define MAX_TICKS 40
typedef struct ticks {
    double v[MAX_TICKS];
    size_t n;
} ticks;
void plot_make_ticks(double lo, double hi, int logx, int target, ticks *t);
/* name = "set {axis}tics (\"12,000\" 12000, ...)" for eval in the scripts. */
void plot_gp_tics(FILE *f, const char *name, const char *axis, double lo, double hi, int logx,
                  int target);
/* [lo, hi] widened by 3% on each side (in log space for a log axis). */
void plot_pad_range(double *lo, double *hi, int logx);
/* snprintf for paths under the output folder (a path that does not fit is cut and
   then fails to open with a clear message). */
void plot_pathf(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Run gnuplot on driver, its output to datadir/gnuplot.log; -1 with an error in d
   when it fails (with the log's tail), a warning when it printed anything. */
int plot_run_gnuplot(cmc_diags *d, const char *datadir, const char *gnuplot, const char *driver);

#endif
