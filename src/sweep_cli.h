/*
 * sweep_cli.h: a sweep's summary (report_sweep.c) and figures (plot_sweep.c), for
 * the carbonmc program (CLI only, like report.h and plot.h).
 */
#ifndef CMC_SWEEP_CLI_H
#define CMC_SWEEP_CLI_H

#include "plot.h"
#include "sweep.h"

#include <stdio.h>

/* The formats cmc_sweep_report takes, NULL-terminated: text, json, csv, markdown,
   latex (the run's summary formats). */
extern const char *const cmc_sweep_report_formats[];
/* One table per output, a row per point (text, markdown, latex: rounded to each
   number's Monte Carlo error); every number at full precision (csv, json).
   0, -1 for an unknown format, -2 if writing failed. */
int cmc_sweep_report(FILE *f, const cmc_sweep *s, const char *format);

/* The figures of a sweep, into o->dir, with label naming the files (as cmc_plot):
   for each output, a fan chart of its percentile bands across a sweep of one
   name (or over the rows of a CSV), and a heatmap of its median over a grid of
   two names. Returns 0, or -1 with errors in d. */
int cmc_plot_sweep(const cmc_sweep *s, const char *label, const cmc_plot_options *o,
                   cmc_diags *d);

#endif
