/*
 * cli_options.c: the command line's options: parsing and checking them, loading the
 * scenario they name, and the display units (--unit) they ask for.
 */
#include "carbonmc.h"
#include "cli.h"
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

/* ---- Options ----------------------------------------------------------------------- */


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
int cli_parse_options(int argc, char **argv, options *o, const char *command,
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
                    return cli_usage_error("option '%s' needs a value", a);
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
                return cli_usage_error("--set expects NAME=EXPR, got '%s'", val);
            o->sets[o->nsets++] = val;
        } else if (name && !strcmp(name, "--report")) {
            if (o->report)
                return cli_usage_error("--report is given twice (list the outputs in one: %s)",
                                   "--report co2_t,pretrain.co2_t");
            o->report = val;   /* names checked by the loader, like --set's */
        } else if (name && !strcmp(name, "--grid")) {
            o->grids[o->ngrids++] = val;   /* checked, located, by cmc_sweep_run */
        } else if (name && !strcmp(name, "--grid-csv")) {
            if (!*val)
                return cli_usage_error("%s expects a file name, got ''", "--grid-csv");
            o->grid_csv = val;
        } else if (name && !strcmp(name, "--unit")) {
            const char *eq = strchr(val, '=');
            if (!eq || eq == val || !eq[1])
                return cli_usage_error("--unit expects NAME=UNIT (co2_t=kt, energy_kwh=GWh), got '%s'",
                                   val);
            o->units[o->nunits++] = val;
        } else if (name && !strcmp(name, "--format")) {
            int ok = 0;
            for (const char *const *f = formats; *f; f++)
                ok |= !strcmp(*f, val);
            if (!ok)
                return cli_usage_error("unknown --format '%s'", val);
            o->format = val;
        } else if (name && !strcmp(name, "-n")) {
            if (parse_count(val, &o->samples) < 0)
                return cli_usage_error("-n expects a whole number of samples >= 1, got '%s'", val);
        } else if (name && !strcmp(name, "--seed")) {
            if (parse_seed(val, &o->seed) < 0)
                return cli_usage_error("--seed expects a whole number from 0 to "
                                   "18446744073709551615, got '%s'", val);
        } else if (name && !strcmp(name, "--part")) {   /* K/M, 1 <= K <= M */
            char *end, *end2 = NULL;
            unsigned long k = strtoul(val, &end, 10), m = 0;
            if (end > val && *end == '/' && end[1] >= '0' && end[1] <= '9')
                m = strtoul(end + 1, &end2, 10);
            if (!m || *end2 || val[0] < '1' || val[0] > '9' || k < 1 || k > m || m > 1000000)
                return cli_usage_error("--part expects K/M with 1 <= K <= M <= 1000000 (3/8), got "
                                   "'%s'", val);
            o->part = (uint32_t)k;
            o->nparts = (uint32_t)m;
        } else if (name && !strcmp(name, "--threads")) {
            char *end;
            long v = strtol(val, &end, 10);
            if (!*val || *end || v < 1 || v > 4096)
                return cli_usage_error("--threads expects a number from 1 to 4096, got '%s'", val);
            o->threads = v;
        } else if (name && !strcmp(name, "-o")) {
            if (!*val)
                return cli_usage_error("%s expects a file name, got ''", "-o");
            o->output = val;
            o->no_h5 = (allowed & O_RUN) && !strcmp(val, "none");   /* a file: ./none */
        } else if (name && !strcmp(name, "--only")) {
            o->only = val;
        } else if (name && !strcmp(name, "--size")) {
            o->size = val;   /* checked by cmc_plot, which says what it accepts */
        } else if (name && !strcmp(name, "--published")) {
            if (!strchr(val, '='))
                return cli_usage_error("--published expects LABEL=VALUE (the run's file name "
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
                return cli_usage_error("--interval expects a percentage between 0 and 100 (90, "
                                   "95, 50%%), got '%s'", val);
            o->interval = v;
        } else if (name && !strcmp(name, "--outputs")) {
            if (!*val)
                return cli_usage_error("%s expects output names, got ''", "--outputs");
            o->outputs = val;
        } else if (!strcmp(a, "--keep-units") && (allowed & O_TABLE)) {
            o->keep_units = 1;
        } else if (name && !strcmp(name, "--percentiles")) {
            if (parse_percentiles(val, o) < 0)
                return cli_usage_error("--percentiles expects increasing probabilities in (0, 1), "
                                   "e.g. 0.05,0.5,0.95 or 5%%,50%%,95%%; got '%s'", val);
        } else if (name && !strcmp(name, "--bins")) {
            uint64_t b;
            if (parse_count(val, &b) < 0 || b > 100000)
                return cli_usage_error("--bins expects a number from 1 to 100000, got '%s'", val);
            o->bins = (size_t)b;
        } else if (name && !strcmp(name, "--max-memory")) {
            if (parse_count(val, &o->max_memory) < 0)
                return cli_usage_error("--max-memory expects a number of bytes (500M, 16G, ...), "
                                   "got '%s'", val);
        } else if (name && !strcmp(name, "--design")) {
            if (!strcmp(val, "mc"))
                o->design = CMC_DESIGN_MC;
            else if (!strcmp(val, "lhs"))
                o->design = CMC_DESIGN_LHS;
            else if (!strcmp(val, "qmc"))
                o->design = CMC_DESIGN_QMC;
            else
                return cli_usage_error("--design expects mc, lhs or qmc, got '%s'", val);
        } else if (name && !strcmp(name, "--replicates")) {
            uint64_t r;
            if (parse_count(val, &r) < 0 || r < 2 || r > 1024 || (r & (r - 1)))
                return cli_usage_error("--replicates expects a power of two from 2 to 1024, got "
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
                return cli_usage_error(rel ? "--rel-tol expects a fraction in (0, 1) such as "
                                         "0.001 or 0.1%%, got '%s'"
                                       : "--abs-tol expects a number > 0, got '%s'", val);
            *(rel ? &o->rel_tol : &o->abs_tol) = v;
        } else if (name && !strcmp(name, "--max-n")) {
            if (parse_count(val, &o->max_n) < 0)
                return cli_usage_error("--max-n expects a whole number of samples >= 1, got '%s'",
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
            return cli_usage_error("unknown option '%s'", a);
        } else if (!o->file || (allowed & (O_PLOT | O_TABLE))) {
            if (!o->file)
                o->file = a;
            o->files[o->nfiles++] = a;
        } else {
            return cli_usage_error("unexpected argument '%s'", a);
        }
    }
    if (o->no_h5 && o->save_samples)
        return cli_usage_error("%s", "--save-samples needs a file to store them in (not -o none)");
    if (o->replicates && o->design == CMC_DESIGN_MC)
        return cli_usage_error("--replicates goes with --design lhs or qmc", "");
    if (o->max_n && !(o->rel_tol > 0 || o->abs_tol > 0))
        return cli_usage_error("--max-n goes with --rel-tol or --abs-tol (else use -n)", "");
    if (o->max_n && o->samples)
        return cli_usage_error("-n and --max-n: with a tolerance, give the most samples with "
                           "--max-n alone", "");
    if (!o->file)
        return cli_usage_error(!strcmp(command, "summary") || !strcmp(command, "plot") ||
                                   !strcmp(command, "table")
                               ? "'%s' needs an HDF5 file"
                                                       : "'%s' needs a SCENARIO file", command);
    return 0;
}

void cli_split_path(options *o)
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

void cli_free_options(options *o)
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

cmc_model *cli_load(options *o)
{
    cli_split_path(o);
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
        cli_print_diag(&g);
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
int cli_apply_units(const options *o, cmc_results *r)
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
int cli_point_unit(const options *o, const cmc_quantity *q, double *f, const char **unit)
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
int cli_point_units_known(const options *o, const cmc_model *m)
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

