/*
 * cli.c: the `carbonmc` command. Parses options, calls libcarbonmc, prints.
 *
 * This is the only file that prints or exits. Results go to stdout; diagnostics go
 * to stderr in a compiler's form (`file:line:col: error: message`, the source line,
 * a caret under the culprit), everything else prefixed `carbonmc: `. Exit status:
 * 0 success, 1 a runtime failure (bad scenario, I/O), 2 a usage error.
 *
 * This file holds the help, the diagnostics' printing and the dispatch to the
 * commands: cli_options.c parses options, cli_model.c is check and point,
 * cli_run.c run, summary, parts and merge, cli_out.c sweep, plot and table.
 */
#include "carbonmc.h"
#include "cli.h"
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
    "  point SCENARIO [--set NAME=EXPR]... [--report LIST] [--format text|json]\n"
    "        evaluate once, every distribution at its median (a choice at its first\n"
    "        value), no sampling: reproduces a paper's point arithmetic\n"
    "  check SCENARIO [--set NAME=EXPR]... [--report LIST] [--program]\n"
    "        parse and resolve the scenario; print its random inputs, constants,\n"
    "        derived quantities in evaluation order and outputs (--program: also the\n"
    "        compiled program)\n"
    "\n"
    "options:\n"
    "  --set NAME=EXPR    replace the definition of NAME (any expression or\n"
    "                     distribution of the scenario language, with a unit:\n"
    "                     --set 'intensity=0.4 [kgCO2e/kWh]'); repeatable\n"
    "  --report LIST      run, sweep, point, check: the outputs to report,\n"
    "                     comma-separated (co2_t,pretrain.co2_t), in place of the\n"
    "                     scenario's `report`; --report all: every output\n"
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

int cli_usage_error(const char *fmt, const char *arg)
{
    fputs("carbonmc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see 'carbonmc --help')\n", stderr);
    return EXIT_USAGE;
}

/* ---- Diagnostics --------------------------------------------------------------- */

void cli_print_diag(const cmc_diag *g)
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

void cli_print_diags(const cmc_diags *d)
{
    for (size_t i = 0; i < cmc_diags_count(d); i++)
        cli_print_diag(cmc_diags_get(d, i));
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
        return cli_usage_error("%s", "missing COMMAND");
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
        rc = cli_parse_options(argc - 2, argv + 2, &o, cmd, O_SET | O_PROGRAM | O_STRICT, NULL);
        if (!rc)
            rc = cmd_check(&o);
    } else if (!strcmp(cmd, "point")) {
        rc = cli_parse_options(argc - 2, argv + 2, &o, cmd, O_SET | O_FORMAT | O_UNIT | O_STRICT,
                           point_formats);
        if (!rc)
            rc = cmd_point(&o);
    } else if (!strcmp(cmd, "run")) {
        rc = cli_parse_options(argc - 2, argv + 2, &o, cmd,
                           O_SET | O_FORMAT | O_RUN | O_OUT | O_UNIT | O_STRICT, cmc_report_formats);
        if (!rc)
            rc = cmd_run(&o);
    } else if (!strcmp(cmd, "sweep")) {
        rc = cli_parse_options(argc - 2, argv + 2, &o, cmd,
                           O_SET | O_FORMAT | O_RUN | O_OUT | O_STRICT | O_GRID,
                           cmc_sweep_report_formats);
        if (!rc)
            rc = cmd_sweep(&o);
    } else if (!strcmp(cmd, "merge")) {
        rc = cmd_merge(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "summary")) {
        rc = cli_parse_options(argc - 2, argv + 2, &o, cmd, O_FORMAT | O_UNIT, cmc_report_formats);
        if (!rc)
            rc = cmd_summary(&o);
    } else if (!strcmp(cmd, "table")) {
        rc = cli_parse_options(argc - 2, argv + 2, &o, cmd, O_FORMAT | O_TABLE, cmc_table_formats);
        if (!rc)
            rc = cmd_table(&o);
    } else if (!strcmp(cmd, "plot")) {
        rc = cli_parse_options(argc - 2, argv + 2, &o, cmd, O_FORMAT | O_OUT | O_PLOT | O_UNIT,
                           cmc_plot_formats);
        if (!rc)
            rc = cmd_plot(&o);
    } else {
        rc = cli_usage_error(cmd[0] == '-' ? "unknown option '%s'" : "unknown command '%s'", cmd);
    }
    cli_free_options(&o);
    return rc;
}

