/*
 * cli_run.c: `carbonmc run`, `summary`, `run --part` and `merge`: a run, its progress
 * and its output file (removed on a signal).
 */
#include "carbonmc.h"
#include "cli.h"
#ifdef CMC_MPI
#include "mpi_run.h"
#endif
#include "report.h"
#include "sweep_cli.h"

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

/* ---- run and summary ---------------------------------------------------------------- */

double cli_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A bar on stderr, only for a terminal and only once the run has taken a second. */
static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress *p = ctx;
    double now = cli_seconds();
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
   (cli_track_temp, in normal context, copies it into temp_name) and when it is gone;
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

void cli_track_temp(void *ctx, const char *path)
{
    (void)ctx;
    temp_live = 0;
    if (path && strlen(path) < sizeof temp_name) {
        strcpy(temp_name, path);
        temp_live = 1;
    }
}

void cli_catch_signals(void)
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
    /* A file-size limit (ulimit -f, RLIMIT_FSIZE) is a full disk by another name:
       with SIGXFSZ ignored the write fails with EFBIG and the run ends as on a full
       disk (one message, temporary file removed), instead of being killed with the
       temporary file left behind. */
    signal(SIGXFSZ, SIG_IGN);
}

/* The default output file: the scenario's base name with .h5, in the current folder. */
char *cli_default_output(const char *scenario)
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
    char **a = calloc(18 + 2 * o->nsets, sizeof *a), buf[64];
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
    if (o->sensitivity)
        ARG("--sensitivity");
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
    cli_catch_signals();
    cmc_diags *d = cmc_diags_new();
    int rc = d ? cmc_run_part(m, ro, o->part, o->nparts, (const char *const *)args, nargs, d) : -1;
    if (d)
        cli_print_diags(d);
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


/* merge PART.h5... -o OUT.h5 [--threads T] [--format FMT]: the parts' arguments read
   back from the first, then the run they make, reported as `run` reports one. */
int cmd_merge(int argc, char **argv)
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
            return cli_usage_error("option '%s' needs a value", a);
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
                return cli_usage_error("--threads expects a number from 1 to 4096, got '%s'", val);
            }
        } else if (f) {
            format = val;
        } else if (a[0] == '-' && a[1]) {
            free(parts);
            return cli_usage_error("'merge' does not take '%s' (see 'carbonmc --help')", a);
        } else {
            parts[nparts++] = a;
        }
    }
    if (!nparts || !out) {
        free(parts);
        return cli_usage_error("%s", !nparts ? "'merge' needs the parts' files"
                                         : "'merge' needs -o OUT.h5 (the file to write)");
    }
    cmc_diags *d = cmc_diags_new();
    char **args = d ? cmc_part_arguments(parts[0], d) : NULL;
    if (d)
        cli_print_diags(d);
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
             : nargs < 2 ? cli_usage_error("'%s' records no scenario", parts[0])
                         : cli_parse_options(nargs - 1 + (maxmem ? 2 : 0), all + 1, &o, "run",
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
        rc = known ? cmd_run(&o) : cli_usage_error("unknown --format '%s'", format);
    }
    cli_free_options(&o);
    free(all);
    cmc_strings_free(args);
    free(parts);
    return rc;
}

int cmd_run(options *o)
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
        m = cli_load(o);
        if (fchdir(here) < 0) {
            fprintf(stderr, "carbonmc: error: cannot return to the current folder: %s\n",
                    strerror(errno));
            cmc_model_free(m);
            m = NULL;
        }
        close(here);
    } else {
        m = cli_load(o);
    }
    if (!m)
        return 1;
    if (cli_model_units_ok(o, m) < 0) {
        cmc_model_free(m);
        return 1;
    }
    char *def = o->output || o->no_h5 ? NULL : cli_default_output(o->file);
    progress pr = {cli_seconds(), 0, 0};
    cmc_run_options ro = {o->samples, o->seed, (int)o->threads, o->percentiles, o->npercentiles,
                          o->bins, o->no_h5 ? NULL : o->output ? o->output : def, o->save_samples,
                          o->sensitivity, isatty(2) ? show_progress : NULL, &pr,
                          cli_track_temp, NULL, o->max_memory, (cmc_design_kind)o->design,
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
    cli_catch_signals();
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = NULL;
#ifdef CMC_MPI
    if (cmc_mpi_size() > 1) {   /* the ranks share the run; rank 0 reports (mpi_run.h) */
        int st = d ? cmc_mpi_run(m, &ro, &r, d) : 1;
        if (cmc_mpi_rank() > 0 || st) {
            if (d)
                cli_print_diags(d);
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
        cli_print_diags(d);
    int rc = 1;
    if (r && cli_apply_units(o, r) == 0) {
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


int cmd_summary(options *o)
{
    if (cmc_sweep_is_file(o->file))
        return cli_sweep_summary(o);
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = d ? cmc_results_read(o->file, d) : NULL;
    if (d)
        cli_print_diags(d);
    int rc = r && cli_apply_units(o, r) == 0
                 ? (cmc_report_flags(stdout, r, o->format ? o->format : "text",
                                     o->no_mc ? CMC_REPORT_NO_MC : 0) < 0 ? 1 : 0)
                 : 1;
    cmc_results_free(r);
    cmc_diags_free(d);
    return rc;
}

