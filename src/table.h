/*
 * table.h: `carbonmc table RUN.h5 ...`: several runs (and their variants) side by
 * side, one column per output, each cell "median [P5, P95]" rounded to the Monte
 * Carlo error, in a display unit (table.c). CLI only, like report.h.
 */
#ifndef CMC_TABLE_H
#define CMC_TABLE_H

#include "carbonmc.h"

#include <stddef.h>
#include <stdio.h>

/* The formats cmc_table writes: text, markdown, latex, csv; NULL-terminated. */
extern const char *const cmc_table_formats[];

typedef struct cmc_table_options {
    const char *format;     /* one of cmc_table_formats (NULL: "text") */
    double interval;        /* central interval in percent (0: 90): P5 and P95 */
    const char *outputs;    /* comma-separated outputs, the columns (NULL: the
                               first run's outputs) */
    int keep_units;         /* show units as stored (no GWh, kt rescaling) */
} cmc_table_options;

/* Write the table of runs[0..n) (labels[i] names run i where titles repeat) to f.
   Returns 0, or -1 with errors in d (an unknown output, a percentile the interval
   needs that a run did not store, a write error). */
int cmc_table(FILE *f, const cmc_results *const *runs, const char *const *labels, size_t n,
              const cmc_table_options *o, cmc_diags *d);

#endif
