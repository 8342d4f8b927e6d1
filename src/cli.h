/*
 * cli.h: what the files of the `carbonmc` command share (internal): the options
 * as parsed, and the functions one command file calls in another.
 */
#ifndef CMC_CLI_H
#define CMC_CLI_H

#include "carbonmc.h"

#include <stddef.h>
#include <stdint.h>

#define EXIT_USAGE 2
#define STATE_MEMORY 1000000000u      /* bytes: a run estimated above says so first */
#define CMC_DEFAULT_MAX_N 1000000000u /* a run to a tolerance draws at most this many */

enum { O_SET = 1, O_FORMAT = 2, O_PROGRAM = 4, O_RUN = 8, O_OUT = 16, O_PLOT = 32, O_TABLE = 64,
       O_UNIT = 128, O_STRICT = 256, O_GRID = 512 };

typedef struct options {
    const char *file;         /* the scenario, or the .h5 of `summary` */
    const char *format;
    const char **sets;
    size_t nsets;
    const char *report;       /* --report LIST: the outputs to report */
    int program, save_samples, sensitivity;
    uint64_t samples, seed;
    long threads;
    size_t bins;
    uint64_t max_memory;      /* run --max-memory, bytes; 0: the default */
    const char *output;
    int no_h5;                /* run -o none, --no-h5: write no file */
    const char *only;         /* plot --only */
    double interval;          /* table --interval, percent */
    const char *outputs;      /* table --outputs */
    int keep_units;           /* table --keep-units */
    int no_mc;                /* run, summary --no-mc-error */
    const char *size;         /* plot --size */
    int no_title;             /* plot --no-title */
    const char **published;   /* plot --published LABEL=VALUE, repeatable */
    size_t npublished;
    const char **files;       /* plot: every file given (files[0] == file) */
    size_t nfiles;
    double *percentiles;
    size_t npercentiles;
    char **path;
    size_t npath;
    /* run: the sampling design and the precision to stop at (issue 14) */
    int design;               /* cmc_design_kind */
    uint32_t replicates;      /* 0: the default */
    double rel_tol, abs_tol;  /* 0: none */
    uint64_t max_n;           /* --max-n */
    const char **units;       /* --unit NAME=UNIT, as given */
    size_t nunits;
    int strict;               /* --strict: every warning is an error (also a run that
                                 stops at --max-n short of its tolerance) */
    const char **grids;       /* sweep --grid NAME=V1,V2,..., as given */
    size_t ngrids;
    const char *grid_csv;     /* sweep --grid-csv FILE */
    /* run --part K/M and merge (docs/scale.md) */
    uint32_t part, nparts;
    const char *const *merge;   /* merge: the parts' files */
    size_t nmerge;
    const char *merge_cwd;      /* merge: the folder the parts ran in */
} options;

/* A progress display on stderr (cli_run.c, cli_out.c): since start, last shown. */
typedef struct progress {
    double start, last;
    int shown;
} progress;

/* cli.c */
int cli_usage_error(const char *fmt, const char *arg);   /* prints; EXIT_USAGE */
void cli_print_diag(const cmc_diag *g);
void cli_print_diags(const cmc_diags *d);

/* cli_options.c */
int cli_parse_options(int argc, char **argv, options *o, const char *command, int allowed,
                      const char *const *formats);
void cli_split_path(options *o);
void cli_free_options(options *o);
cmc_model *cli_load(options *o);
int cli_apply_units(const options *o, cmc_results *r);
int cli_point_unit(const options *o, const cmc_quantity *q, double *f, const char **unit);
int cli_point_units_known(const options *o, const cmc_model *m);

/* cli_model.c */
int cli_model_units_ok(const options *o, const cmc_model *m);
int cmd_check(options *o);
int cmd_point(options *o);

/* cli_run.c */
double cli_seconds(void);
void cli_track_temp(void *ctx, const char *path);
void cli_catch_signals(void);
char *cli_default_output(const char *scenario);
int cmd_run(options *o);
int cmd_merge(int argc, char **argv);
int cmd_summary(options *o);

/* cli_out.c */
int cmd_sweep(options *o);
int cli_sweep_summary(options *o);
int cmd_plot(options *o);
int cmd_table(options *o);

#endif
