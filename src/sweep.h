/*
 * sweep.h: a scenario evaluated over a grid of assumptions (`carbonmc sweep`).
 *
 * A sweep is many runs of one scenario that differ only in the values of a few
 * named quantities: the product of `--grid NAME=V1,V2,...` lists, or the rows of a
 * CSV file whose header names the quantities. Every point is an ordinary cmc_run
 * of the scenario with those values given as --set, with the same seed, sample
 * count and design: since the random streams are keyed by (seed, input name,
 * sample index), every point draws the same numbers for the inputs it shares with
 * the others (common random numbers), and a point's statistics are bit-identical
 * to those of `carbonmc run` with the same --set values. The results are gathered
 * into one cmc_sweep, written to one HDF5 file whose dimensions are the grid's
 * names and `probability` (docs/hdf5.md, "Sweeps"), and read back for `summary`
 * and `plot`.
 *
 * Like the rest of libcarbonmc, nothing here prints or exits: failures are
 * located diagnostics (the --grid text or the CSV file, line and column) in a
 * caller-owned list. Ownership as in carbonmc.h: cmc_sweep_free frees everything
 * a cmc_sweep holds.
 */
#ifndef CMC_SWEEP_H
#define CMC_SWEEP_H

#include "carbonmc.h"

#include <stddef.h>
#include <stdint.h>

/* A quantity the sweep varies. */
typedef struct cmc_sweep_var {
    const char *name;
    const char *unit;          /* the quantity's unit in the model ("" if none) */
    const char *description;   /* "" if none */
    size_t n;                  /* grid: the dimension's length; points: npoints */
    double *value;             /* [n] in unit (a value written in another unit is
                                  converted, as --set converts it) */
    const char **text;         /* [n] as written (NULL in files read back) */
} cmc_sweep_var;

/* The statistics of one output at every point: arrays over the points (the grid's
   first name varying slowest) and, for percentiles, over the points then the
   probabilities: value[point * np + j]. */
typedef struct cmc_sweep_output {
    const char *name, *unit, *description;
    double *value, *ci_low, *ci_high, *resolution;   /* [npoints * np] */
    double *mean, *mean_se, *std, *min, *max;         /* [npoints] */
    uint64_t *count, *nonfinite;                      /* [npoints] */
} cmc_sweep_output;

typedef struct cmc_sweep {
    const char *title, *tool_version, *created;
    uint64_t seed, samples;
    const char *method, *design, *rng;
    uint32_t replicates;
    const char *source;        /* the scenario as run, with the fixed --set values */
    size_t nsets;
    const char **sets;         /* the fixed --set values, as given */
    int points;                /* 0: a grid (one dimension per var, their product);
                                  1: points of a CSV file (one dimension, "point") */
    const char *spec;          /* the --grid texts (one a line) or the CSV file's text */
    size_t nvars;
    cmc_sweep_var *vars;
    size_t npoints;
    size_t np;
    double *p;                 /* [np] probabilities of the percentiles */
    size_t noutputs;
    cmc_sweep_output *outputs;
    struct cmc_arena *arena;   /* owns everything above */
} cmc_sweep;

typedef struct cmc_sweep_options {
    const char *const *grids;  /* "NAME=V1,V2,..." (a value may carry a [unit]) */
    size_t ngrids;
    const char *csv;           /* a CSV file of points (header: the names), or NULL */
    int strict;                /* warnings of the points' scenarios are errors */
    /* Points evaluated at once (each with run->threads / workers threads); 0: one
       per thread when there are at least as many points as threads, else fewer.
       Results do not depend on it. */
    int workers;
    /* Called from any worker, one at a time, after each point. May be NULL. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} cmc_sweep_options;

/* Evaluate the scenario at path (loaded with lo: the fixed --set values and the
   search path) at every point of o's grid or CSV, with run's samples, seed, design,
   percentiles and threads (run->output is ignored: nothing is written here).
   Everything is checked before sampling starts: the names (known, not an output,
   not also given with --set, not given twice), every value (a number, with a
   unit if it needs one, within the quantity's range), the CSV's shape. Returns
   NULL with located errors in d on failure. */
cmc_sweep *cmc_sweep_run(const char *path, const cmc_load_options *lo,
                         const cmc_sweep_options *o, const cmc_run_options *run,
                         cmc_diags *d);
void cmc_sweep_free(cmc_sweep *s);

/* Write s to path atomically (a temporary name, renamed when complete), laid out
   as a netCDF-4 dataset (docs/hdf5.md, "Sweeps"). tempfile as in cmc_run_options.
   Returns 0, or -1 with an error in d (nothing is left at path). */
int cmc_sweep_write(const cmc_sweep *s, const char *path,
                    void (*tempfile)(void *ctx, const char *path), void *tempfile_ctx,
                    cmc_diags *d);
/* 0 if path may be written by a sweep of the model files files[0..n): a regular
   file or a new path, none of them; else -1 with the reason in d. */
int cmc_sweep_check_output(const char *path, const char *const *files, size_t n, cmc_diags *d);

/* Whether path is an HDF5 file written by cmc_sweep_write (format attribute
   "carbonmc-sweep/N"): 1 yes, 0 no (or unreadable: cmc_sweep_read says why). */
int cmc_sweep_is_file(const char *path);
/* Read a sweep file, every size checked as cmc_results_read checks a run's. */
cmc_sweep *cmc_sweep_read(const char *path, cmc_diags *d);

/* The index of the percentile at probability p in s, or -1. */
int cmc_sweep_find_p(const cmc_sweep *s, double p);
/* The value of var k at point i. */
double cmc_sweep_coord(const cmc_sweep *s, size_t k, size_t i);

#endif
