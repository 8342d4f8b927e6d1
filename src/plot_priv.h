/*
 * plot_priv.h: what the files of `carbonmc plot` share (plot.c, the figures;
 * plot_gp.c, gnuplot's side). CLI only, not installed.
 */
#ifndef CMC_PLOT_PRIV_H
#define CMC_PLOT_PRIV_H

#include "plot.h"

#include <stddef.h>
#include <stdio.h>

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
