/*
 * cli.c: the `carbonmc` command. Parses options, calls libcarbonmc, prints.
 *
 * This is the only file that prints or exits. Results go to stdout; diagnostics go
 * to stderr in a compiler's form (`file:line:col: error: message`, the source line,
 * a caret under the culprit), everything else prefixed `carbonmc: `. Exit status:
 * 0 success, 1 a runtime failure (bad scenario, I/O), 2 a usage error.
 */
#include "carbonmc.h"
#ifdef CMC_MPI
#include "mpi_run.h"
#endif
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

#define EXIT_USAGE 2
#define STATE_MEMORY 1000000000u   /* bytes: a run estimated above says so first */
#define CMC_DEFAULT_MAX_N 1000000000u   /* a run to a tolerance draws at most this many */

static const char usage[] =
    "usage: carbonmc COMMAND [ARGS]\n"
    "\n"
    "Error bars on the energy and carbon footprint of training AI models.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO [-n N] [--seed S] [--threads T] [--set NAME=EXPR]... [-o OUT.h5]\n"
    "              [--format FMT] [--save-samples] [--percentiles LIST] [--bins B]\n"
    "              [--sensitivity] [--max-memory SIZE] [--design mc|lhs|qmc]\n"
    "              [--replicates R] [--rel-tol T] [--abs-tol A] [--max-n N] [--strict]\n"
    "        Monte Carlo: draw N samples of every random input (default 1,000,000),\n"
    "        write the statistics to OUT.h5 (default: the scenario's name + .h5 in\n"
    "        the current folder) and print the summary\n"
    "        --part K/M: draw part K of M and write a part's file (docs/scale.md)\n"
    "  merge PART.h5... -o OUT.h5 [--threads T] [--format FMT] [--max-memory SIZE]\n"
    "        the run that parts 1..M make together, bit for bit as one run\n"
    "  summary OUT.h5 [--format FMT]\n"
    "        print the summary of a run's file again\n"
    "  table OUT.h5 [MORE.h5 ...] [--format text|markdown|latex|csv] [--interval P]\n"
    "              [--outputs LIST] [--keep-units]\n"
    "        one row per run (and per variant), one column per output, each cell\n"
    "        median [P5, P95] (--interval 90) rounded to the Monte Carlo error, in a\n"
    "        display unit (GWh, ktCO2e; --keep-units: as stored)\n"
    "  plot OUT.h5 [MORE.h5 ...] [-o DIR] [--format png|pdf|svg] [--only NAME]\n"
    "              [--size column|page|WxH] [--no-title] [--published LABEL=VALUE]...\n"
    "        draw figures with gnuplot into DIR (default: figures): per output its\n"
    "        distribution, CDF and convergence, its sensitivity (tornado) after\n"
    "        --sensitivity and its variants, the inputs; with several files a\n"
    "        comparison and a forest figure of the runs; data for gnuplot in DIR/data\n"
    "  sweep SCENARIO --grid NAME=V1,V2,... [--grid ...] | --grid-csv FILE\n"
    "              [--set NAME=EXPR]... [-o OUT.h5] [run's -n --seed --threads\n"
    "              --design --replicates --percentiles --format --strict]\n"
    "        the scenario at every point of a grid (or every row of a CSV file whose\n"
    "        header names the quantities), on common random numbers; one HDF5 file\n"
    "        (default: SCENARIO-sweep.h5) with the grid's names as dimensions.\n"
    "        summary and plot read it (plot: fan charts, a heatmap of the median)\n"
    "  point SCENARIO [--set NAME=EXPR]... [--format text|json]\n"
    "        evaluate once, every distribution at its median (a choice at its first\n"
    "        value), no sampling: reproduces a paper's point arithmetic\n"
    "  check SCENARIO [--set NAME=EXPR]... [--program]\n"
    "        parse and resolve the scenario; print its random inputs, constants,\n"
    "        derived quantities in evaluation order and outputs (--program: also the\n"
    "        compiled program)\n"
    "\n"
    "options:\n"
    "  --set NAME=EXPR    replace the definition of NAME (any expression or\n"
    "                     distribution of the scenario language, with a unit:\n"
    "                     --set 'intensity=0.4 [kgCO2e/kWh]'); repeatable\n"
    "  --report LIST      run, point, check: the outputs to report, comma-separated\n"
    "                     (co2_t,pretrain.co2_t), in place of the scenario's `report`;\n"
    "                     --report all: every output\n"
    "  --unit NAME=UNIT   run, summary, plot, point: show NAME in another unit of\n"
    "                     the same dimension (co2_t=kt, energy_kwh=GWh); repeatable\n"
    "  --strict           check, point, run: every warning is an error\n"
    "  -n N               samples (25000, 1e6, 10M, ...)\n"
    "  --seed S           random seed (default 1); the same seed gives the same\n"
    "                     results for any thread count\n"
    "  --threads T        threads (default: every core)\n"
    "  -o OUT.h5          the HDF5 file to write: a regular file or a new path, not\n"
    "                     one of the run's inputs (plot: the folder of the figures);\n"
    "                     run -o none (or --no-h5) writes no file (a file: -o ./none)\n"
    "  --only NAME        plot: only the figures of this output (or input)\n"
    "  --size S           plot: column (3.3 in wide, 8 pt), page (6.75 in, 9 pt) or\n"
    "                     WxH in inches (4x2.5); default 5 x 3.2 in, 9 pt\n"
    "  --no-title         plot: no titles (a paper's caption says what it shows)\n"
    "  --published L=V    plot: a published point estimate V on run L's forest row\n"
    "  --save-samples     also store every sample in OUT.h5 (/samples/NAME)\n"
    "  --sensitivity      also measure which input drives each output: Spearman,\n"
    "                     log-variance shares, Sobol indices (N (k + 2) more model\n"
    "                     runs for k random inputs) and one-at-a-time swings\n"
    "  --percentiles LIST comma-separated probabilities (0.05,0.5,0.95 or 5%,50%,95%)\n"
    "  --bins B           bins of the stored histograms (default 100)\n"
    "  --max-memory SIZE  refuse a run estimated to need more memory than SIZE bytes\n"
    "                     (500M, 16G, ...; default 4G); a run estimated above 1G\n"
    "                     says so before it starts\n"
    "  --design D         mc (plain Monte Carlo, the default), lhs (Latin hypercube)\n"
    "                     or qmc (scrambled Sobol' points); lhs and qmc run R\n"
    "                     independent replicates and take every interval from them\n"
    "  --replicates R     lhs, qmc: replicates, a power of two (default 16)\n"
    "  --rel-tol T        sample until every output's mean and percentiles have a 95%\n"
    "                     interval within T of their value (0.001 or 0.1%); checked\n"
    "                     after 2^k blocks of 1,024 samples, the same for any threads\n"
    "  --abs-tol A        the same with a half-width of at most A (either suffices)\n"
    "  --max-n N          with a tolerance: the most samples (default 1e9); reaching it\n"
    "                     first is a warning (exit 0), or with --strict an error (1)\n"
    "  --format FMT       text, json, csv, markdown or latex (point: text or json);\n"
    "                     markdown and latex show --percentiles, the mean and last\n"
    "                     the median's Monte Carlo error (--no-mc-error: not)\n"
    "  --no-h5            run: write no HDF5 file (the same as -o none)\n"
    "  --interval P       table: the central interval of each cell (default 90)\n"
    "  --outputs LIST     table: the outputs to show, comma-separated\n"
    "  -h, --help         show this help and exit\n"
    "  --version          show the version and exit\n"
    "\n"
    "`use \"model\"` finds model.cmc in the scenario's folder, in models/ beside that\n"
    "folder, in each folder of CARBONMC_PATH (colon-separated), then in the models\n"
    "folder carbonmc was built or installed with. `plot` runs CARBONMC_GNUPLOT\n"
    "(default: gnuplot on PATH) on the scripts in CARBONMC_PLOTS (default: the\n"
    "plots folder carbonmc was built or installed with).\n"
    "\n"
    "exit status: 0 success, 1 failure (bad scenario, I/O), 2 usage error\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("carbonmc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see 'carbonmc --help')\n", stderr);
    return EXIT_USAGE;
}

/* ---- Diagnostics --------------------------------------------------------------- */

static void print_diag(const cmc_diag *g)
{
    static const char *const sev[] = {"error", "warning", "note"};
    if (g->file && g->line > 0)
        fprintf(stderr, "%s:%d:%d: %s: %s\n", g->file, g->line, g->col, sev[g->severity], g->msg);
    else if (g->file)
        fprintf(stderr, "%s: %s: %s\n", g->file, sev[g->severity], g->msg);
    else
        fprintf(stderr, "carbonmc: %s: %s\n", sev[g->severity], g->msg);
    if (!g->source)
        return;
    fprintf(stderr, "%5d | %s\n      | ", g->line, g->source);
    /* copy tabs so the caret lines up under the source */
    int n = (int)strlen(g->source);
    for (int i = 0; i < g->col - 1 && i < n; i++)
        fputc(g->source[i] == '\t' ? '\t' : ' ', stderr);
    fputc('^', stderr);
    for (int i = 1; i < g->len && g->col - 1 + i < n; i++)
        fputc('~', stderr);
    fputc('\n', stderr);
}

static void print_diags(const cmc_diags *d)
{
    for (size_t i = 0; i < cmc_diags_count(d); i++)
        print_diag(cmc_diags_get(d, i));
}

/* ---- Options ----------------------------------------------------------------------- */

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

/* A count such as "25000", "1e6", "10M" or "1_000_000": a whole number >= 1. The
   whole argument is read, however long (`1.<70 zeros>e3` is 1000). */
static int parse_count(const char *s, uint64_t *out)
{
    size_t len = strlen(s);
    char *buf = malloc(len + 1);
    if (!buf)
        return -1;
    size_t n = 0;
    for (const char *p = s; *p; p++)
        if (*p != '_')
            buf[n++] = *p;
    buf[n] = '\0';
    char *end;
    /* strtod skips leading space and takes a sign: neither belongs in a count */
    double v = (buf[0] >= '0' && buf[0] <= '9') || buf[0] == '.' ? strtod(buf, &end)
                                                                   : (end = buf, 0);
    double scale = 1;
    if (*end == 'k')
        scale = 1e3, end++;
    else if (*end == 'M')
        scale = 1e6, end++;
    else if (*end == 'G')
        scale = 1e9, end++;
    v *= scale;
    int bad = end == buf || *end || !(v >= 1) || v > 9e15 || v != floor(v);
    free(buf);
    if (bad)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* A seed: decimal digits only (no space, no sign), 0 to 2^64 - 1. strtoull alone
   would take " -1" as 2^64 - 1. */
static int parse_seed(const char *s, uint64_t *out)
{
    if (!*s)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_percentiles(const char *s, options *o)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    /* the last --percentiles wins: the list and its count start afresh */
    free(o->percentiles);
    o->npercentiles = 0;
    o->percentiles = calloc(n, sizeof *o->percentiles);
    if (!o->percentiles)
        return -1;
    const char *p = s;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p)
            return -1;
        if (*end == '%')
            v /= 100, end++;
        if (*end && *end != ',')
            return -1;
        if (!(v > 0 && v < 1))
            return -1;
        if (o->npercentiles && !(v > o->percentiles[o->npercentiles - 1]))
            return -1;
        o->percentiles[o->npercentiles++] = v;
        p = *end ? end + 1 : end;
    }
    return o->npercentiles ? 0 : -1;
}

/* Returns 0, or EXIT_USAGE after printing the problem. `allowed` is a set of O_*
   bits; formats is the NULL-terminated list --format accepts. */
static int parse_options(int argc, char **argv, options *o, const char *command,
                         int allowed, const char *const *formats)
{
    o->sets = calloc((size_t)argc + 1, sizeof *o->sets);
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    o->published = calloc((size_t)argc + 1, sizeof *o->published);
    o->units = calloc((size_t)argc + 1, sizeof *o->units);
    o->grids = calloc((size_t)argc + 1, sizeof *o->grids);
    if (!o->sets || !o->files || !o->published || !o->units || !o->grids)
        return 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        /* options with a value: "--name VALUE" or "--name=VALUE" */
        static const char *const valued[] = {"--set", "--format", "-n", "--seed", "--threads",
                                             "-o", "--percentiles", "--bins", "--only",
                                             "--max-memory", "--interval", "--outputs", "--size",
                                             "--published", "--design", "--replicates",
                                             "--rel-tol", "--abs-tol", "--max-n", "--unit",
                                             "--report", "--grid", "--grid-csv", "--part", NULL};
        const char *name = NULL, *val = NULL;
        for (const char *const *v = valued; *v; v++) {
            size_t len = strlen(*v);
            if (!strncmp(a, *v, len) && (a[len] == '\0' || (a[len] == '=' && a[1] == '-'))) {
                name = *v;
                if (a[len] == '=')
                    val = a + len + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return usage_error("option '%s' needs a value", a);
                break;
            }
        }
        int bit = !name                      ? 0
                  : !strcmp(name, "--set") || !strcmp(name, "--report") ? O_SET
                  : !strcmp(name, "--format") ? O_FORMAT
                  : !strcmp(name, "-o")       ? O_OUT
                  : !strcmp(name, "--only") || !strcmp(name, "--size") ||
                            !strcmp(name, "--published") ? O_PLOT
                  : !strcmp(name, "--interval") || !strcmp(name, "--outputs") ? O_TABLE
                  : !strcmp(name, "--unit")   ? O_UNIT
                  : !strncmp(name, "--grid", 6) ? O_GRID
                                              : O_RUN;
        if (name && !(allowed & bit)) {
            fprintf(stderr, "carbonmc: '%s' does not take %s (see 'carbonmc --help')\n", command, name);
            return EXIT_USAGE;
        }
        if (name && !strcmp(name, "--set")) {
            if (!strchr(val, '='))
                return usage_error("--set expects NAME=EXPR, got '%s'", val);
            o->sets[o->nsets++] = val;
        } else if (name && !strcmp(name, "--report")) {
            if (o->report)
                return usage_error("--report is given twice (list the outputs in one: %s)",
                                   "--report co2_t,pretrain.co2_t");
            o->report = val;   /* names checked by the loader, like --set's */
        } else if (name && !strcmp(name, "--grid")) {
            o->grids[o->ngrids++] = val;   /* checked, located, by cmc_sweep_run */
        } else if (name && !strcmp(name, "--grid-csv")) {
            if (!*val)
                return usage_error("%s expects a file name, got ''", "--grid-csv");
            o->grid_csv = val;
        } else if (name && !strcmp(name, "--unit")) {
            const char *eq = strchr(val, '=');
            if (!eq || eq == val || !eq[1])
                return usage_error("--unit expects NAME=UNIT (co2_t=kt, energy_kwh=GWh), got '%s'",
                                   val);
            o->units[o->nunits++] = val;
        } else if (name && !strcmp(name, "--format")) {
            int ok = 0;
            for (const char *const *f = formats; *f; f++)
                ok |= !strcmp(*f, val);
            if (!ok)
                return usage_error("unknown --format '%s'", val);
            o->format = val;
        } else if (name && !strcmp(name, "-n")) {
            if (parse_count(val, &o->samples) < 0)
                return usage_error("-n expects a whole number of samples >= 1, got '%s'", val);
        } else if (name && !strcmp(name, "--seed")) {
            if (parse_seed(val, &o->seed) < 0)
                return usage_error("--seed expects a whole number from 0 to "
                                   "18446744073709551615, got '%s'", val);
        } else if (name && !strcmp(name, "--part")) {   /* K/M, 1 <= K <= M */
            char *end, *end2 = NULL;
            unsigned long k = strtoul(val, &end, 10), m = 0;
            if (end > val && *end == '/' && end[1] >= '0' && end[1] <= '9')
                m = strtoul(end + 1, &end2, 10);
            if (!m || *end2 || val[0] < '1' || val[0] > '9' || k < 1 || k > m || m > 1000000)
                return usage_error("--part expects K/M with 1 <= K <= M <= 1000000 (3/8), got "
                                   "'%s'", val);
            o->part = (uint32_t)k;
            o->nparts = (uint32_t)m;
        } else if (name && !strcmp(name, "--threads")) {
            char *end;
            long v = strtol(val, &end, 10);
            if (!*val || *end || v < 1 || v > 4096)
                return usage_error("--threads expects a number from 1 to 4096, got '%s'", val);
            o->threads = v;
        } else if (name && !strcmp(name, "-o")) {
            if (!*val)
                return usage_error("%s expects a file name, got ''", "-o");
            o->output = val;
            o->no_h5 = (allowed & O_RUN) && !strcmp(val, "none");   /* a file: ./none */
        } else if (name && !strcmp(name, "--only")) {
            o->only = val;
        } else if (name && !strcmp(name, "--size")) {
            o->size = val;   /* checked by cmc_plot, which says what it accepts */
        } else if (name && !strcmp(name, "--published")) {
            if (!strchr(val, '='))
                return usage_error("--published expects LABEL=VALUE (the run's file name "
                                   "without .h5, a number), got '%s'", val);
            o->published[o->npublished++] = val;
        } else if (!strcmp(a, "--no-title") && (allowed & O_PLOT)) {
            o->no_title = 1;
        } else if (name && !strcmp(name, "--interval")) {
            char *end;
            double v = strtod(val, &end);
            if (end != val && *end == '%')
                end++;
            if (!*val || *end || !(v > 0 && v < 100))
                return usage_error("--interval expects a percentage between 0 and 100 (90, "
                                   "95, 50%%), got '%s'", val);
            o->interval = v;
        } else if (name && !strcmp(name, "--outputs")) {
            if (!*val)
                return usage_error("%s expects output names, got ''", "--outputs");
            o->outputs = val;
        } else if (!strcmp(a, "--keep-units") && (allowed & O_TABLE)) {
            o->keep_units = 1;
        } else if (name && !strcmp(name, "--percentiles")) {
            if (parse_percentiles(val, o) < 0)
                return usage_error("--percentiles expects increasing probabilities in (0, 1), "
                                   "e.g. 0.05,0.5,0.95 or 5%%,50%%,95%%; got '%s'", val);
        } else if (name && !strcmp(name, "--bins")) {
            uint64_t b;
            if (parse_count(val, &b) < 0 || b > 100000)
                return usage_error("--bins expects a number from 1 to 100000, got '%s'", val);
            o->bins = (size_t)b;
        } else if (name && !strcmp(name, "--max-memory")) {
            if (parse_count(val, &o->max_memory) < 0)
                return usage_error("--max-memory expects a number of bytes (500M, 16G, ...), "
                                   "got '%s'", val);
        } else if (name && !strcmp(name, "--design")) {
            if (!strcmp(val, "mc"))
                o->design = CMC_DESIGN_MC;
            else if (!strcmp(val, "lhs"))
                o->design = CMC_DESIGN_LHS;
            else if (!strcmp(val, "qmc"))
                o->design = CMC_DESIGN_QMC;
            else
                return usage_error("--design expects mc, lhs or qmc, got '%s'", val);
        } else if (name && !strcmp(name, "--replicates")) {
            uint64_t r;
            if (parse_count(val, &r) < 0 || r < 2 || r > 1024 || (r & (r - 1)))
                return usage_error("--replicates expects a power of two from 2 to 1024, got "
                                   "'%s'", val);
            o->replicates = (uint32_t)r;
        } else if (name && (!strcmp(name, "--rel-tol") || !strcmp(name, "--abs-tol"))) {
            int rel = !strcmp(name, "--rel-tol");
            size_t len = strlen(val);
            char *end;
            double v = len && val[0] != ' ' ? strtod(val, &end) : (end = (char *)val, -1);
            if (rel && end > val && *end == '%' && end[1] == '\0') {
                v = v / 100;   /* 0.1% */
                end++;
            }
            if (*end || !(v > 0) || !isfinite(v) || (rel && !(v < 1)))
                return usage_error(rel ? "--rel-tol expects a fraction in (0, 1) such as "
                                         "0.001 or 0.1%%, got '%s'"
                                       : "--abs-tol expects a number > 0, got '%s'", val);
            *(rel ? &o->rel_tol : &o->abs_tol) = v;
        } else if (name && !strcmp(name, "--max-n")) {
            if (parse_count(val, &o->max_n) < 0)
                return usage_error("--max-n expects a whole number of samples >= 1, got '%s'",
                                   val);
        } else if (!strcmp(a, "--program") && (allowed & O_PROGRAM)) {
            o->program = 1;
        } else if (!strcmp(a, "--no-mc-error") && (allowed & O_FORMAT) &&
                   (!strcmp(command, "run") || !strcmp(command, "summary"))) {
            o->no_mc = 1;
        } else if (!strcmp(a, "--no-h5") && (allowed & O_RUN)) {
            o->no_h5 = 1;
        } else if (!strcmp(a, "--strict") && (allowed & O_STRICT)) {
            o->strict = 1;
        } else if (!strcmp(a, "--save-samples") && (allowed & O_RUN)) {
            o->save_samples = 1;
        } else if (!strcmp(a, "--sensitivity") && (allowed & O_RUN)) {
            o->sensitivity = 1;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (!o->file || (allowed & (O_PLOT | O_TABLE))) {
            if (!o->file)
                o->file = a;
            o->files[o->nfiles++] = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (o->no_h5 && o->save_samples)
        return usage_error("%s", "--save-samples needs a file to store them in (not -o none)");
    if (o->replicates && o->design == CMC_DESIGN_MC)
        return usage_error("--replicates goes with --design lhs or qmc", "");
    if (o->max_n && !(o->rel_tol > 0 || o->abs_tol > 0))
        return usage_error("--max-n goes with --rel-tol or --abs-tol (else use -n)", "");
    if (o->max_n && o->samples)
        return usage_error("-n and --max-n: with a tolerance, give the most samples with "
                           "--max-n alone", "");
    if (!o->file)
        return usage_error(!strcmp(command, "summary") || !strcmp(command, "plot") ||
                                   !strcmp(command, "table")
                               ? "'%s' needs an HDF5 file"
                                                       : "'%s' needs a SCENARIO file", command);
    return 0;
}

static void split_path(options *o)
{
    const char *env = getenv("CARBONMC_PATH");
    if (!env || !*env)
        return;
    size_t n = 1;
    for (const char *p = env; *p; p++)
        n += *p == ':';
    o->path = calloc(n, sizeof *o->path);
    if (!o->path)
        return;
    const char *p = env;
    while (*p) {
        size_t len = strcspn(p, ":");
        if (len) {
            o->path[o->npath] = malloc(len + 1);
            if (o->path[o->npath]) {
                memcpy(o->path[o->npath], p, len);
                o->path[o->npath++][len] = '\0';
            }
        }
        p += len + (p[len] == ':');
    }
}

static void free_options(options *o)
{
    free(o->sets);
    free(o->files);
    free(o->published);
    free(o->units);
    free(o->grids);
    free(o->percentiles);
    for (size_t i = 0; i < o->npath; i++)
        free(o->path[i]);
    free(o->path);
}

static cmc_model *load(options *o)
{
    split_path(o);
    cmc_load_options lo = {o->sets, o->nsets, (const char *const *)o->path, o->npath, o->report};
    cmc_diags *d = cmc_diags_new();
    if (!d) {
        fputs("carbonmc: error: out of memory\n", stderr);
        return NULL;
    }
    cmc_model *m = cmc_model_load(o->file, &lo, d);
    int warned = 0;
    for (size_t i = 0; i < cmc_diags_count(d); i++) {
        cmc_diag g = *cmc_diags_get(d, i);
        if (o->strict && g.severity == CMC_WARNING) {   /* --strict */
            g.severity = CMC_ERROR;
            warned = 1;
        }
        print_diag(&g);
    }
    cmc_diags_free(d);
    if (warned) {
        cmc_model_free(m);
        return NULL;
    }
    return m;
}

/* --unit NAME=UNIT on a run's results, before they are shown: 0, or 1 after
   printing the problem. */
static int apply_units(const options *o, cmc_results *r)
{
    for (size_t i = 0; r && i < o->nunits; i++) {
        char name[256], msg[512];
        const char *eq = strchr(o->units[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->units[i]), o->units[i]);
        if (cmc_results_convert_unit(r, name, eq + 1, msg, sizeof msg) < 0) {
            fprintf(stderr, "carbonmc: error: %s\n", msg);
            return 1;
        }
    }
    return 0;
}

/* --unit for `point`: the factor and unit to show q in (1 and its own if none). */
static int point_unit(const options *o, const cmc_quantity *q, double *f, const char **unit)
{
    *f = 1;
    *unit = q->unit;
    for (size_t i = 0; i < o->nunits; i++) {
        const char *eq = strchr(o->units[i], '=');
        if ((size_t)(eq - o->units[i]) != strlen(q->name) ||
            strncmp(o->units[i], q->name, strlen(q->name)))
            continue;
        char msg[512];
        double k = cmc_unit_convert_factor(q->unit, eq + 1, msg, sizeof msg);
        if (k == 0) {
            fprintf(stderr, "carbonmc: error: --unit %s: %s\n", o->units[i], msg);
            return -1;
        }
        *f = k;
        *unit = eq + 1;
    }
    return 0;
}

/* Every --unit of `point` names a random input or output of m. */
static int point_units_known(const options *o, const cmc_model *m)
{
    for (size_t i = 0; i < o->nunits; i++) {
        const char *eq = strchr(o->units[i], '=');
        int found = 0;
        for (int k = CMC_RANDOM; k <= CMC_OUTPUT; k += CMC_OUTPUT - CMC_RANDOM)
            for (size_t j = 0; j < cmc_model_count(m, (cmc_qkind)k); j++) {
                const char *n = cmc_model_get(m, (cmc_qkind)k, j)->name;
                found |= strlen(n) == (size_t)(eq - o->units[i]) &&
                         !strncmp(n, o->units[i], strlen(n));
            }
        if (!found) {
            fprintf(stderr, "carbonmc: error: --unit %s: no output or random input '%.*s'\n",
                    o->units[i], (int)(eq - o->units[i]), o->units[i]);
            return -1;
        }
    }
    return 0;
}

/* ---- check ------------------------------------------------------------------------ */

static int width(const cmc_model *m, cmc_qkind k, int w)
{
    for (size_t i = 0; i < cmc_model_count(m, k); i++) {
        int n = (int)strlen(cmc_model_get(m, k, i)->name);
        if (n > w)
            w = n;
    }
    return w;
}

static void origin(const cmc_quantity *q, char *buf, size_t size)
{
    if (q->from_set)
        snprintf(buf, size, "--set");
    else
        snprintf(buf, size, "%s:%d%s", q->file, q->line, q->is_default ? " (default)" : "");
}

static int expr_width(const cmc_model *m, int w)
{
    for (int k = CMC_RANDOM; k < CMC_OUTPUT; k++)
        for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++) {
            int n = (int)strlen(cmc_model_get(m, (cmc_qkind)k, i)->expression);
            if (n > w && n <= 60)
                w = n;
        }
    return w;
}

static int cmd_check(options *o)
{
    cmc_model *m = load(o);
    if (!m)
        return 1;
    int w = 4;
    for (int k = CMC_RANDOM; k <= CMC_OUTPUT; k++)
        w = width(m, (cmc_qkind)k, w);
    int ew = expr_width(m, 10);
    char num[64], where[512];
    printf("scenario  %s\ntitle     %s\nfiles    ", o->file, cmc_model_title(m));
    for (size_t i = 0; i < cmc_model_nfiles(m); i++)
        printf(" %s", cmc_model_file(m, i));
    printf("\n");

    size_t n = cmc_model_count(m, CMC_RANDOM), ncorr = cmc_model_ncorrelations(m);
    printf(ncorr ? "\nrandom inputs (%zu), some rank-correlated (listed below):\n"
                 : "\nrandom inputs (%zu), independent of each other:\n", n);
    /* the value `point` uses: the median, but a choice's first value (so not "median") */
    printf("  %-*s   %-*s %14s  %s\n", w, "name", ew, "distribution", "point value", "defined at");
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_RANDOM, i);
        cmc_fmt_human(num, sizeof num, q->point);
        origin(q, where, sizeof where);
        printf("  %-*s = %-*s %14s  %s\n", w, q->name, ew, q->expression, num, where);
    }
    if (ncorr)   /* `correlate` (README "Correlated inputs") */
        printf("\nrank correlations (%zu pairs; Spearman, by a Gaussian copula):\n", ncorr);
    for (size_t i = 0; i < ncorr; i++) {
        const cmc_correlation *c = cmc_model_correlation(m, i);
        char pair[2 * 256 + 3];
        snprintf(pair, sizeof pair, "%.256s, %.256s", c->a, c->b);
        printf("  %-*s  %8.4g%s", 2 * w + 2, pair, c->requested, c->named ? "" : "  (not named)");
        if (c->used != c->requested)
            printf("  (used: %.4f, repaired)", c->used);
        printf("\n");
    }
    n = cmc_model_count(m, CMC_CONSTANT);
    printf("\nconstants (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_CONSTANT, i);
        origin(q, where, sizeof where);
        cmc_fmt_human(num, sizeof num, q->point);
        if (q->unit[0])   /* its unit, declared or inferred */
            snprintf(num + strlen(num), sizeof num - strlen(num), " %.40s", q->unit);
        printf("  %-*s = %-*s %14s  %s\n", w, q->name, ew, q->expression, num, where);
    }
    n = cmc_model_count(m, CMC_DERIVED);
    printf("\nderived, in evaluation order (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_DERIVED, i);
        origin(q, where, sizeof where);
        printf("  %-*s = %-*s %14.40s  %s\n", w, q->name, ew, q->expression, q->unit, where);
    }
    n = cmc_model_count(m, CMC_OUTPUT);
    printf("\noutputs (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_OUTPUT, i);
        printf("  %-*s   %s%s%s%s%s\n", w, q->name, q->unit[0] ? "[" : "", q->unit,
               q->unit[0] ? "]" : "", q->unit[0] && q->description[0] ? " " : "",
               q->description);
    }
    n = cmc_model_nconversions(m);
    if (n)
        printf("\nunit conversions (%zu), inserted by carbonmc (folded into the program):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_conversion *c = cmc_model_conversion(m, i);
        cmc_fmt_human(num, sizeof num, c->factor);
        snprintf(where, sizeof where, "%s:%d:%d", c->file, c->line, c->col);
        printf("  %-*s   %s -> %s  x%s  %s\n", w, c->name, c->from, c->to, num, where);
    }
    n = cmc_model_nvariants(m);
    if (n)
        printf("\nvariants (%zu), on the same random numbers, compared with %s:\n", n,
               cmc_model_variant_name(m, 0));
    for (size_t i = 0; i < n; i++) {
        const char *label = cmc_model_variant_label(m, i);
        printf("  %-*s   %s\n", w, cmc_model_variant_name(m, i), label[0] ? label : "");
    }
    if (o->program)
        printf("\nprogram (%s):\n%s", "one operation per line, over blocks of samples",
               cmc_model_program_text(m));
    cmc_model_free(m);
    return 0;
}

/* ---- point ------------------------------------------------------------------------- */

/* {"name": value, ...} of the point values of one kind of quantity (in the
   --unit asked for; point_units_known has checked the units) */
static void json_points(const options *o, const cmc_model *m, cmc_qkind kind)
{
    printf("{");
    for (size_t i = 0; i < cmc_model_count(m, kind); i++) {
        const cmc_quantity *q = cmc_model_get(m, kind, i);
        double f;
        const char *u;
        point_unit(o, q, &f, &u);
        printf("%s", i ? ", " : "");
        cmc_fmt_json_string(stdout, q->name);
        printf(": ");
        cmc_fmt_json_number(stdout, q->point * f);
    }
    printf("}");
}

/* Every --unit names a random input or output of m in a commensurable unit: checked
   before anything is run, written or printed. */
static int model_units_ok(const options *o, const cmc_model *m)
{
    for (int k = CMC_RANDOM; k <= CMC_OUTPUT; k += CMC_OUTPUT - CMC_RANDOM)
        for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++) {
            double f;
            const char *u;
            if (point_unit(o, cmc_model_get(m, (cmc_qkind)k, i), &f, &u) < 0)
                return -1;
        }
    return point_units_known(o, m);
}

static int cmd_point(options *o)
{
    cmc_model *m = load(o);
    if (!m)
        return 1;
    if (model_units_ok(o, m) < 0) {
        cmc_model_free(m);
        return 1;
    }
    size_t nin = cmc_model_count(m, CMC_RANDOM), nout = cmc_model_count(m, CMC_OUTPUT);
    if (o->format && !strcmp(o->format, "json")) {
        printf("{\"title\": ");
        cmc_fmt_json_string(stdout, cmc_model_title(m));
        printf(", \"outputs\": ");
        json_points(o, m, CMC_OUTPUT);
        printf(", \"inputs\": ");
        json_points(o, m, CMC_RANDOM);
        if (cmc_model_nvariants(m)) {
            printf(", \"variants\": {");
            for (size_t v = 0; v < cmc_model_nvariants(m); v++) {
                printf(v ? ", " : "");
                cmc_fmt_json_string(stdout, cmc_model_variant_name(m, v));
                printf(": {\"outputs\": ");
                json_points(o, cmc_model_variant(m, v), CMC_OUTPUT);
                printf("}");
            }
            printf("}");
        }
        printf("}\n");
    } else {
        int w = width(m, CMC_OUTPUT, width(m, CMC_RANDOM, 8));
        char num[64];
        printf("%s\npoint estimate: every distribution at its median, a choice at its "
               "first value\n", cmc_model_title(m));
        int nset = 0;
        for (int k = CMC_RANDOM; k < CMC_OUTPUT; k++)
            for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++) {
                const cmc_quantity *q = cmc_model_get(m, (cmc_qkind)k, i);
                if (q->from_set && k != CMC_RANDOM)
                    printf("%s%s = %s", nset++ ? ", " : "\ngiven with --set: ", q->name,
                           q->expression);
            }
        if (nset)
            printf("\n");
        if (nin)
            printf("\nrandom inputs at their point values:\n");
        double f;
        const char *u;
        for (size_t i = 0; i < nin; i++) {
            const cmc_quantity *q = cmc_model_get(m, CMC_RANDOM, i);
            point_unit(o, q, &f, &u);
            cmc_fmt_human(num, sizeof num, q->point * f);
            /* the unit, unless the distribution already ends with it */
            size_t el = strlen(q->expression), ul = strlen(u);
            int shown = ul && el > ul + 2 && q->expression[el - 1] == ']' &&
                        !strncmp(q->expression + el - ul - 1, u, ul) &&
                        q->expression[el - ul - 2] == '[';
            printf("  %-*s %18s   %s%s%s%s\n", w, q->name, num, u[0] && !shown ? "[" : "",
                   shown ? "" : u, u[0] && !shown ? "] " : "", q->expression);
        }
        printf("\noutputs:\n");
        for (size_t i = 0; i < nout; i++) {
            const cmc_quantity *q = cmc_model_get(m, CMC_OUTPUT, i);
            point_unit(o, q, &f, &u);
            cmc_fmt_human(num, sizeof num, q->point * f);
            printf("  %-*s %18s   %s%s%s%s%s\n", w, q->name, num, u[0] ? "[" : "",
                   u, u[0] ? "]" : "", u[0] && q->description[0] ? " " : "",
                   q->description);
        }
        for (size_t v = 0; v < cmc_model_nvariants(m); v++) {
            const cmc_model *vm = cmc_model_variant(m, v);
            const char *label = cmc_model_variant_label(m, v);
            printf("\nvariant %s%s%s:\n", cmc_model_variant_name(m, v), label[0] ? ", " : "",
                   label);
            for (size_t i = 0; i < cmc_model_count(vm, CMC_OUTPUT); i++) {
                const cmc_quantity *q = cmc_model_get(vm, CMC_OUTPUT, i);
                point_unit(o, q, &f, &u);
                cmc_fmt_human(num, sizeof num, q->point * f);
                printf("  %-*s %18s   %s%s%s\n", w, q->name, num, u[0] ? "[" : "",
                       u, u[0] ? "]" : "");
            }
        }
    }
    cmc_model_free(m);
    return 0;
}

/* ---- run and summary ---------------------------------------------------------------- */

typedef struct progress {
    double start, last;
    int shown;
} progress;

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A bar on stderr, only for a terminal and only once the run has taken a second. */
static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress *p = ctx;
    double now = seconds();
    if (now - p->start < 1 || (now - p->last < 0.1 && done < total))
        return;
    p->last = now;
    p->shown = 1;
    int width = 30, fill = (int)((double)width * (double)done / (double)total);
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %3.0f%%  %.3g samples/s ", bar, 100.0 * (double)done / (double)total,
            (double)done / (now - p->start));
    fflush(stderr);
}

/* ---- Signals ------------------------------------------------------------------------ */

/* A run ended by SIGINT, SIGTERM or SIGHUP must not leave its temporary file
   (OUT.h5.tmp.PID) behind. The writer reports the name when the file exists
   (track_temp, in normal context, copies it into temp_name) and when it is gone;
   the handler does only async-signal-safe things: unlink that name if it is live,
   then re-raise the signal with its default action (SA_RESETHAND), so the exit
   status still says which signal ended the run. The previous OUT.h5 is untouched:
   it is replaced only by the final rename. These two are the program's only
   mutable globals: a signal handler can reach nothing else. */
static char temp_name[4096 + 64];
static volatile sig_atomic_t temp_live;

static void on_signal(int sig)
{
    if (temp_live)
        unlink(temp_name);
    raise(sig);   /* blocked until we return, then the default action */
}

static void track_temp(void *ctx, const char *path)
{
    (void)ctx;
    temp_live = 0;
    if (path && strlen(path) < sizeof temp_name) {
        strcpy(temp_name, path);
        temp_live = 1;
    }
}

static void catch_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa, old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;   /* nohup and the like: ignored it stays */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* The default output file: the scenario's base name with .h5, in the current folder. */
static char *default_output(const char *scenario)
{
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".cmc"))
        n -= 4;
    char *out = malloc(n + 4);
    if (out) {
        memcpy(out, base, n);
        memcpy(out + n, ".h5", 4);
    }
    return out;
}

/* ---- run --part K/M and merge (docs/scale.md) ---------------------------------------- */

/* The arguments that fix a run's results, as a part records them for `merge`: the
   folder it ran in (the scenario's path and the file names in the scenario as run
   are as given there), the scenario, the seed, then -n, --percentiles, --bins,
   --design, --replicates and every --set as given. NULL-terminated; NULL if out of
   memory. */
static char **run_arguments(const options *o)
{
    char **a = calloc(16 + 2 * o->nsets, sizeof *a), buf[64];
    size_t n = 0;
    if (!a || !(a[n++] = getcwd(NULL, 0)))
        goto fail;
#define ARG(s) if (!(a[n++] = strdup(s))) goto fail
    ARG(o->file);
    snprintf(buf, sizeof buf, "%" PRIu64, o->seed);
    ARG("--seed");
    ARG(buf);
    if (o->samples) {
        snprintf(buf, sizeof buf, "%" PRIu64, o->samples);
        ARG("-n");
        ARG(buf);
    }
    if (o->npercentiles) {
        char *p = malloc(o->npercentiles * 26 + 1);
        if (!p)
            goto fail;
        size_t at = 0;
        for (size_t i = 0; i < o->npercentiles; i++)
            at += (size_t)sprintf(p + at, "%s%.17g", i ? "," : "", o->percentiles[i]);
        ARG("--percentiles");
        a[n++] = p;
    }
    if (o->bins) {
        snprintf(buf, sizeof buf, "%zu", o->bins);
        ARG("--bins");
        ARG(buf);
    }
    if (o->design) {
        ARG("--design");
        ARG(o->design == CMC_DESIGN_LHS ? "lhs" : "qmc");
    }
    if (o->replicates) {
        snprintf(buf, sizeof buf, "%u", (unsigned)o->replicates);
        ARG("--replicates");
        ARG(buf);
    }
    for (size_t i = 0; i < o->nsets; i++) {
        ARG("--set");
        ARG(o->sets[i]);
    }
#undef ARG
    return a;
fail:
    if (!a || !a[0])
        fprintf(stderr, "carbonmc: error: the current folder: %s\n", a ? strerror(errno)
                                                                      : "out of memory");
    else
        fputs("carbonmc: error: out of memory\n", stderr);
    cmc_strings_free(a);
    return NULL;
}

/* run --part K/M: sample part K and write its file. */
static int run_part(options *o, const cmc_model *m, const cmc_run_options *ro)
{
    char **args = run_arguments(o);
    if (!args)
        return 1;
    size_t nargs = 0;
    while (args[nargs])
        nargs++;
    catch_signals();
    cmc_diags *d = cmc_diags_new();
    int rc = d ? cmc_run_part(m, ro, o->part, o->nparts, (const char *const *)args, nargs, d) : -1;
    if (d)
        print_diags(d);
    else
        fputs("carbonmc: error: out of memory\n", stderr);
    if (rc == 0) {
        uint64_t from, to, n = ro->samples ? ro->samples : CMC_DEFAULT_SAMPLES;
        cmc_part_blocks(n, o->part, o->nparts, &from, &to);
        printf("part %u of %u (blocks %" PRIu64 " to %" PRIu64 " of %" PRIu64 "; every part "
               "also draws the first blocks) written to %s\n(merge the parts with carbonmc "
               "merge PART.h5... -o OUT.h5)\n", (unsigned)o->part, (unsigned)o->nparts, from,
               to, (n + 1023) / 1024, ro->output);
    }
    cmc_diags_free(d);
    cmc_strings_free(args);
    return rc == 0 ? 0 : 1;
}

static int cmd_run(options *o);

/* merge PART.h5... -o OUT.h5 [--threads T] [--format FMT]: the parts' arguments read
   back from the first, then the run they make, reported as `run` reports one. */
static int cmd_merge(int argc, char **argv)
{
    const char *out = NULL, *format = NULL, *maxmem = NULL;
    long threads = 0;
    const char **parts = calloc((size_t)argc + 1, sizeof *parts);
    size_t nparts = 0;
    if (!parts)
        return 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        int o = !strcmp(a, "-o"), t = !strcmp(a, "--threads"), f = !strcmp(a, "--format");
        if (!strcmp(a, "--max-memory") && i + 1 < argc) {   /* as run's, checked there */
            maxmem = argv[++i];
            continue;
        }
        if ((o || t || f || !strcmp(a, "--max-memory")) && i + 1 >= argc) {
            free(parts);
            return usage_error("option '%s' needs a value", a);
        }
        if (o || t || f)
            val = argv[++i];
        if (o) {
            out = val;
        } else if (t) {
            char *end;
            threads = strtol(val, &end, 10);
            if (!*val || *end || threads < 1 || threads > 4096) {
                free(parts);
                return usage_error("--threads expects a number from 1 to 4096, got '%s'", val);
            }
        } else if (f) {
            format = val;
        } else if (a[0] == '-' && a[1]) {
            free(parts);
            return usage_error("'merge' does not take '%s' (see 'carbonmc --help')", a);
        } else {
            parts[nparts++] = a;
        }
    }
    if (!nparts || !out) {
        free(parts);
        return usage_error("%s", !nparts ? "'merge' needs the parts' files"
                                         : "'merge' needs -o OUT.h5 (the file to write)");
    }
    cmc_diags *d = cmc_diags_new();
    char **args = d ? cmc_part_arguments(parts[0], d) : NULL;
    if (d)
        print_diags(d);
    cmc_diags_free(d);
    if (!args) {
        free(parts);
        return 1;
    }
    int nargs = 0;
    while (args[nargs])
        nargs++;
    options o;
    memset(&o, 0, sizeof o);
    o.seed = CMC_DEFAULT_SEED;
    /* the parts' arguments, then this merge's --max-memory */
    char **all = calloc((size_t)nargs + 3, sizeof *all);
    if (all) {
        memcpy(all, args, (size_t)nargs * sizeof *all);
        if (maxmem) {
            all[nargs] = "--max-memory";
            all[nargs + 1] = (char *)maxmem;
        }
    }
    int rc = !all        ? 1
             : nargs < 2 ? usage_error("'%s' records no scenario", parts[0])
                         : parse_options(nargs - 1 + (maxmem ? 2 : 0), all + 1, &o, "run",
                                         O_SET | O_RUN, cmc_report_formats);
    if (rc == 0) {
        o.merge_cwd = args[0];
        o.output = out;
        o.threads = threads;
        o.format = format;
        o.merge = parts;
        o.nmerge = nparts;
        int known = !format;
        for (const char *const *f = cmc_report_formats; format && *f; f++)
            known |= !strcmp(*f, format);
        rc = known ? cmd_run(&o) : usage_error("unknown --format '%s'", format);
    }
    free_options(&o);
    free(all);
    cmc_strings_free(args);
    free(parts);
    return rc;
}

static int cmd_run(options *o)
{
    cmc_model *m = NULL;
    if (o->merge_cwd) {   /* the scenario as the parts read it: from their folder */
        int here = open(".", O_RDONLY | O_DIRECTORY);
        if (here < 0 || chdir(o->merge_cwd) < 0) {
            fprintf(stderr, "carbonmc: error: cannot enter '%s', the folder the parts were run "
                    "in: %s\n", o->merge_cwd, strerror(errno));
            if (here >= 0)
                close(here);
            return 1;
        }
        m = load(o);
        if (fchdir(here) < 0) {
            fprintf(stderr, "carbonmc: error: cannot return to the current folder: %s\n",
                    strerror(errno));
            cmc_model_free(m);
            m = NULL;
        }
        close(here);
    } else {
        m = load(o);
    }
    if (!m)
        return 1;
    if (model_units_ok(o, m) < 0) {
        cmc_model_free(m);
        return 1;
    }
    char *def = o->output || o->no_h5 ? NULL : default_output(o->file);
    progress pr = {seconds(), 0, 0};
    cmc_run_options ro = {o->samples, o->seed, (int)o->threads, o->percentiles, o->npercentiles,
                          o->bins, o->no_h5 ? NULL : o->output ? o->output : def, o->save_samples,
                          o->sensitivity, isatty(2) ? show_progress : NULL, &pr,
                          track_temp, NULL, o->max_memory, (cmc_design_kind)o->design,
                          o->replicates, o->rel_tol, o->abs_tol};
#ifdef CMC_MPI
    if (cmc_mpi_size() > 1 && (o->nparts || o->merge)) {
        fputs("carbonmc: error: under mpirun a run splits itself over the ranks: run --part "
              "and merge in one process each\n", stderr);
        free(def);
        cmc_model_free(m);
        return 1;
    }
#endif
    if (o->nparts) {
        int rc = run_part(o, m, &ro);
        free(def);
        cmc_model_free(m);
        return rc;
    }
    int tol = o->rel_tol > 0 || o->abs_tol > 0;
    if (tol && !ro.samples)   /* the most a run to a tolerance draws */
        ro.samples = o->max_n ? o->max_n : CMC_DEFAULT_MAX_N;
    /* a big run says so before it starts (cmc_run refuses one above the limit) */
    uint64_t need = cmc_run_memory(m, &ro);
    uint64_t limit = o->max_memory ? o->max_memory : CMC_DEFAULT_MAX_MEMORY;
    if (need > STATE_MEMORY && need <= limit)
        fprintf(stderr, "carbonmc: note: this run needs about %.3g GB of memory (limit %.3g "
                "GB, --max-memory)\n", (double)need / 1e9, (double)limit / 1e9);
    catch_signals();
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = NULL;
#ifdef CMC_MPI
    if (cmc_mpi_size() > 1) {   /* the ranks share the run; rank 0 reports (mpi_run.h) */
        int st = d ? cmc_mpi_run(m, &ro, &r, d) : 1;
        if (cmc_mpi_rank() > 0 || st) {
            if (d)
                print_diags(d);
            cmc_results_free(r);
            cmc_diags_free(d);
            free(def);
            cmc_model_free(m);
            return st;
        }
    } else
#endif
        r = !d ? NULL
            : o->merge ? cmc_run_merge(m, &ro, o->merge, o->nmerge, d)
                       : cmc_run(m, &ro, d);
    if (pr.shown)
        fprintf(stderr, "\r%60s\r", "");
    if (d)
        print_diags(d);
    int rc = 1;
    if (r && apply_units(o, r) == 0) {
        rc = cmc_report_flags(stdout, r, o->format ? o->format : "text",
                              o->no_mc ? CMC_REPORT_NO_MC : 0) < 0 ? 1 : 0;
        if (!o->format || !strcmp(o->format, "text")) {
            if (tol && !strcmp(r->stop, "tolerance"))
                printf("\nstopped at %" PRIu64 " samples: every output's mean and "
                       "percentiles within the tolerance\n", r->samples);
            if (ro.output)
                printf("\nwritten to %s\n", ro.output);
        }
        if (tol && !strcmp(r->stop, "max-n")) {
            fprintf(stderr, "carbonmc: %s: reached %" PRIu64 " samples (--max-n) before the "
                    "tolerance: %s\n", o->strict ? "error" : "warning", r->samples,
                    r->shortfall);
            if (o->strict)
                rc = 1;
        }
    }
    cmc_results_free(r);
    cmc_diags_free(d);
    free(def);
    cmc_model_free(m);
    return rc;
}

static int sweep_summary(options *o);

static int cmd_summary(options *o)
{
    if (cmc_sweep_is_file(o->file))
        return sweep_summary(o);
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = d ? cmc_results_read(o->file, d) : NULL;
    if (d)
        print_diags(d);
    int rc = r && apply_units(o, r) == 0
                 ? (cmc_report_flags(stdout, r, o->format ? o->format : "text",
                                     o->no_mc ? CMC_REPORT_NO_MC : 0) < 0 ? 1 : 0)
                 : 1;
    cmc_results_free(r);
    cmc_diags_free(d);
    return rc;
}

/* ---- sweep (issue 16): a scenario over a grid of assumptions -------------------- */

static void sweep_progress(void *ctx, size_t done, size_t total)
{
    progress *p = ctx;
    double now = seconds();
    if (now - p->start < 1 || (now - p->last < 0.1 && done < total))
        return;
    p->last = now;
    p->shown = 1;
    fprintf(stderr, "\r%zu of %zu points ", done, total);
    fflush(stderr);
}

static int cmd_sweep(options *o)
{
    if (o->sensitivity || o->save_samples || o->rel_tol > 0 || o->abs_tol > 0)
        return usage_error("%s", "sweep takes neither --sensitivity, --save-samples nor a "
                           "tolerance (each point runs N samples)");
    if (o->nunits)
        return usage_error("%s", "sweep takes no --unit (the file keeps the model's units)");
    if (!o->ngrids == !o->grid_csv)
        return usage_error("%s", o->grid_csv ? "sweep takes --grid or --grid-csv, not both"
                                             : "sweep needs --grid NAME=V1,V2,... or --grid-csv FILE");
    split_path(o);
    cmc_load_options lo = {o->sets, o->nsets, (const char *const *)o->path, o->npath, o->report};
    cmc_diags *d = cmc_diags_new();
    if (!d) {
        fputs("carbonmc: error: out of memory\n", stderr);
        return 1;
    }
    char *def = NULL;
    const char *out = NULL;
    if (!o->no_h5) {
        if (!o->output && (def = default_output(o->file)) != NULL) {
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
    cmc_model *m = out ? load(o) : NULL;
    int loaded = m != NULL;   /* load() printed the scenario's warnings */
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
    progress pr = {seconds(), 0, 0};
    cmc_sweep_options so = {(const char *const *)o->grids, o->ngrids, o->grid_csv, o->strict,
                            env ? atoi(env) : 0, isatty(2) ? sweep_progress : NULL, &pr};
    cmc_run_options ro = {o->samples, o->seed, (int)o->threads, o->percentiles, o->npercentiles,
                          o->bins, NULL, 0, 0, NULL, NULL, NULL, NULL, o->max_memory,
                          (cmc_design_kind)o->design, o->replicates, 0, 0};
    catch_signals();
    /* the base scenario's warnings were printed by load() above */
    cmc_diags *sd = cmc_diags_new();
    s = sd ? cmc_sweep_run(o->file, &lo, &so, &ro, sd) : NULL;
    if (pr.shown)
        fprintf(stderr, "\r%60s\r", "");
    for (size_t i = 0; sd && i < cmc_diags_count(sd); i++) {
        const cmc_diag *g = cmc_diags_get(sd, i);
        if (!loaded || g->severity != CMC_WARNING || !g->file || !strcmp(g->file, "--grid") ||
            (o->grid_csv && !strcmp(g->file, o->grid_csv)))
            print_diag(g);
    }
    cmc_diags_free(sd);
    if (!s || (out && cmc_sweep_write(s, out, track_temp, NULL, d) < 0))
        goto done;
    rc = cmc_sweep_report(stdout, s, o->format ? o->format : "text") < 0 ? 1 : 0;
    if (out && (!o->format || !strcmp(o->format, "text")))
        printf("\nwritten to %s\n", out);
done:
    print_diags(d);
    cmc_sweep_free(s);
    cmc_diags_free(d);
    free(def);
    return rc;
}

/* summary and plot of a sweep's file */
static int sweep_summary(options *o)
{
    cmc_diags *d = cmc_diags_new();
    cmc_sweep *s = d ? cmc_sweep_read(o->file, d) : NULL;
    int rc = 1;
    if (s && o->nunits)
        fputs("carbonmc: error: --unit is not available for a sweep's file\n", stderr);
    else if (s)
        rc = cmc_sweep_report(stdout, s, o->format ? o->format : "text") < 0 ? 1 : 0;
    if (d)
        print_diags(d);
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
        print_diags(d);
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

static int cmd_plot(options *o)
{
    if (o->nfiles == 1 && cmc_sweep_is_file(o->file))
        return sweep_plot(o);
    int rc = 1;
    cmc_diags *d = cmc_diags_new();
    cmc_results **runs = calloc(o->nfiles, sizeof *runs);
    char **labels = calloc(o->nfiles, sizeof *labels);
    if (!d || !runs || !labels) {
        fputs("carbonmc: error: out of memory\n", stderr);
        goto out;
    }
    for (size_t i = 0; i < o->nfiles; i++) {
        if (!(runs[i] = cmc_results_read(o->files[i], d)) || apply_units(o, runs[i]) ||
            !(labels[i] = run_label(o->files[i], (const char *const *)labels, i)))
            goto out;
    }
    const char *gnuplot = getenv("CARBONMC_GNUPLOT"), *scripts = getenv("CARBONMC_PLOTS");
    cmc_plot_options po = {o->output, o->format, o->only,
                           gnuplot && *gnuplot ? gnuplot : NULL,
                           scripts && *scripts ? scripts : NULL, print_figure, NULL,
                           o->size, o->no_title, o->published, o->npublished};
    if (cmc_plot((const cmc_results *const *)runs, (const char *const *)labels, o->nfiles, &po,
                 d) == 0)
        rc = 0;
out:
    if (d)
        print_diags(d);
    for (size_t i = 0; runs && labels && i < o->nfiles; i++) {
        cmc_results_free(runs[i]);
        free(labels[i]);
    }
    free(runs);
    free(labels);
    cmc_diags_free(d);
    return rc;
}

/* ---- table ------------------------------------------------------------------------- */

static int cmd_table(options *o)
{
    int rc = 1;
    cmc_diags *d = cmc_diags_new();
    cmc_results **runs = calloc(o->nfiles, sizeof *runs);
    char **labels = calloc(o->nfiles, sizeof *labels);
    if (!d || !runs || !labels) {
        fputs("carbonmc: error: out of memory\n", stderr);
        goto out;
    }
    for (size_t i = 0; i < o->nfiles; i++)
        if (!(runs[i] = cmc_results_read(o->files[i], d)) ||
            !(labels[i] = run_label(o->files[i], (const char *const *)labels, i)))
            goto out;
    cmc_table_options to = {o->format, o->interval, o->outputs, o->keep_units};
    if (cmc_table(stdout, (const cmc_results *const *)runs, (const char *const *)labels,
                  o->nfiles, &to, d) == 0)
        rc = 0;
out:
    if (d)
        print_diags(d);
    for (size_t i = 0; runs && labels && i < o->nfiles; i++) {
        cmc_results_free(runs[i]);
        free(labels[i]);
    }
    free(runs);
    free(labels);
    cmc_diags_free(d);
    return rc;
}

static int cli_main(int argc, char **argv);

int main(int argc, char **argv)
{
#ifdef CMC_MPI
    /* mpirun -n R carbonmc run ...: every rank runs this; mpi_run.h */
    if (cmc_mpi_init(&argc, &argv) < 0) {
        fputs("carbonmc: error: MPI did not start\n", stderr);
        return 1;
    }
    int rc = cli_main(argc, argv);
    return cmc_mpi_finish(rc);
#else
    return cli_main(argc, argv);
#endif
}

static int cli_main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "missing COMMAND");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("carbonmc %s\n", cmc_version());
        return 0;
    }
    static const char *const point_formats[] = {"text", "json", NULL};
    /* one malloc arena for every thread: the sampler's threads allocate only when a
       value first lands in a binade (a 32 KB page) and at checkpoints, so they never
       wait on each other, and a second arena's slack costs 1.5-2 MiB of peak RSS
       (bench/reference.cmc, 2 threads: 21-23 MiB instead of about 21) */
    mallopt(M_ARENA_MAX, 1);
    cmc_process_setup();
    options o;
    memset(&o, 0, sizeof o);
    o.seed = CMC_DEFAULT_SEED;
    int rc;
    if (!strcmp(cmd, "check")) {
        rc = parse_options(argc - 2, argv + 2, &o, cmd, O_SET | O_PROGRAM | O_STRICT, NULL);
        if (!rc)
            rc = cmd_check(&o);
    } else if (!strcmp(cmd, "point")) {
        rc = parse_options(argc - 2, argv + 2, &o, cmd, O_SET | O_FORMAT | O_UNIT | O_STRICT,
                           point_formats);
        if (!rc)
            rc = cmd_point(&o);
    } else if (!strcmp(cmd, "run")) {
        rc = parse_options(argc - 2, argv + 2, &o, cmd,
                           O_SET | O_FORMAT | O_RUN | O_OUT | O_UNIT | O_STRICT, cmc_report_formats);
        if (!rc)
            rc = cmd_run(&o);
    } else if (!strcmp(cmd, "sweep")) {
        rc = parse_options(argc - 2, argv + 2, &o, cmd,
                           O_SET | O_FORMAT | O_RUN | O_OUT | O_STRICT | O_GRID,
                           cmc_sweep_report_formats);
        if (!rc)
            rc = cmd_sweep(&o);
    } else if (!strcmp(cmd, "merge")) {
        rc = cmd_merge(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "summary")) {
        rc = parse_options(argc - 2, argv + 2, &o, cmd, O_FORMAT | O_UNIT, cmc_report_formats);
        if (!rc)
            rc = cmd_summary(&o);
    } else if (!strcmp(cmd, "table")) {
        rc = parse_options(argc - 2, argv + 2, &o, cmd, O_FORMAT | O_TABLE, cmc_table_formats);
        if (!rc)
            rc = cmd_table(&o);
    } else if (!strcmp(cmd, "plot")) {
        rc = parse_options(argc - 2, argv + 2, &o, cmd, O_FORMAT | O_OUT | O_PLOT | O_UNIT,
                           cmc_plot_formats);
        if (!rc)
            rc = cmd_plot(&o);
    } else {
        rc = usage_error(cmd[0] == '-' ? "unknown option '%s'" : "unknown command '%s'", cmd);
    }
    free_options(&o);
    return rc;
}
