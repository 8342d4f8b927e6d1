/*
 * test_h5.c: the HDF5 writer and reader (h5.c) against DESIGN section 4.
 *
 * A synthetic cmc_results (two outputs, three inputs; log and linear histograms,
 * one stat with non-finite samples, one with no percentiles and no histogram,
 * Unicode text, a 64-bit seed) is written with create/commit and read back, and
 * every field must come back exactly: strings byte for byte, doubles bit for bit.
 * This test does not include hdf5.h: the layout as a user sees it (attribute and
 * dataset types, shapes, strings read as str, creation order, the per-sample
 * datasets written in many calls at scattered offsets) is checked by
 * tests/h5py_check.py with h5py. Then the failure paths: a missing folder, abort,
 * a failed commit over an existing file (which must survive untouched), a
 * directory in the way of the rename, and files the reader must reject (missing,
 * not HDF5, HDF5 but not ours, from a newer format, with a dataset deleted).
 */
#include "check.h"
#include "h5.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAMPLES 200000   /* per /samples dataset: three chunks and a partial one */
#define UNWRITTEN 10     /* tail of gpu_count never written (reads back as NaN) */

static const double P[] = {0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.995};
#define NP (sizeof P / sizeof P[0])

/* Must match the tables in h5py_check.py. */
static const char TITLE[] = "GPT-4 training \u2014 \u201cleaked\u201d inputs \u2713";
static const char SOURCE[] = "title \"GPT-4 training \u2014 \u201cleaked\u201d inputs \u2713\"\n"
                             "use \"server_power\"\n"
                             "gpu_count = 20k to 30k\t# 90% interval\n"
                             "days = uniform(90, 100)\n";
static const uint64_t SEED = 18446744073709551557u;

typedef struct spec {
    const char *name, *description, *unit, *expression;
    double base;
    int has_p, bins, log_bins;
    uint64_t nonfinite;
} spec;

static const spec outputs[] = {
    {"energy_kwh", "\u00e9lectricit\u00e9 d'entra\u00eenement \u2014 facility kWh \u2713", "kWh",
     "servers * server_kw * load * days * 24 * pue", 51772500.0, 1, 40, 0, 0},
    {"co2_t", "training emissions", "t CO2e", "energy_kwh * intensity / 1e6", 12456.4635, 1,
     50, 1, 17},
};
static const spec inputs[] = {
    {"gpu_count", "accelerators in the run", "", "20k to 30k", 24494.9, 1, 30, 1, 0},
    {"days", "wall-clock training time", "d", "uniform(90, 100)", 95.0, 1, 20, 0, 0},
    {"load.1", "", "", "beta(8, 2)", 0.8, 0, 0, 0, 0},
};
static const char *const sample_names[] = {"energy_kwh", "co2_t", "gpu_count"};

static double sample(size_t var, size_t i)
{
    return (double)(var + 1) * 1e6 + (double)i * 0.25 + (double)(i % 7) / 8.0;
}

static void make_stat(cmc_arena *a, cmc_stat *s, const spec *sp)
{
    s->name = sp->name;
    s->description = sp->description;
    s->unit = sp->unit;
    s->expression = sp->expression;
    s->nonfinite = sp->nonfinite;
    s->count = 1000000 - sp->nonfinite;
    double b = sp->base;
    s->mean = b * 1.1;
    s->std = b / 3.0;
    s->mean_se = s->std / 1000.0;
    s->min = b * 0.1;
    s->max = b * 9.5;
    if (sp->has_p) {
        s->npercentiles = NP;
        s->p = cmc_arena_alloc(a, NP * sizeof(double));
        s->value = cmc_arena_alloc(a, NP * sizeof(double));
        s->ci_low = cmc_arena_alloc(a, NP * sizeof(double));
        s->ci_high = cmc_arena_alloc(a, NP * sizeof(double));
        for (size_t k = 0; k < NP; k++) {
            s->p[k] = P[k];
            s->value[k] = b * (1 + (double)k / 3.0);
            s->ci_low[k] = s->value[k] - b / 7.0 / (double)(k + 1);
            s->ci_high[k] = s->value[k] + b / 11.0 / (double)(k + 1);
        }
    }
    s->nbins = (size_t)sp->bins;
    s->log_bins = sp->log_bins;
    s->underflow = 3;
    s->overflow = (uint64_t)1 << 40;
    if (sp->bins) {
        s->edges = cmc_arena_alloc(a, (s->nbins + 1) * sizeof(double));
        s->counts = cmc_arena_alloc(a, s->nbins * sizeof(uint64_t));
        for (size_t j = 0; j <= s->nbins; j++) {
            double t = (double)j / (double)s->nbins;
            s->edges[j] = sp->log_bins ? s->min * pow(s->max / s->min, t)
                                       : s->min + t * (s->max - s->min);
        }
        for (size_t j = 0; j < s->nbins; j++)
            s->counts[j] = j == 0 ? 5000000000u : (uint64_t)(j * j + 7);
    }
}

static cmc_results *make_results(const char *title)
{
    cmc_arena *a = cmc_arena_new();
    cmc_results *r = cmc_arena_alloc(a, sizeof *r);
    r->arena = a;
    r->title = title;
    r->tool_version = "0.1.0-test";
    r->created = "2024-09-17T12:34:56Z";
    r->seed = SEED;
    r->samples = 1000000;
    r->method = "monte carlo";
    r->rng = "philox4x32-10";
    r->source = SOURCE;
    r->noutputs = sizeof outputs / sizeof outputs[0];
    r->ninputs = sizeof inputs / sizeof inputs[0];
    r->outputs = cmc_arena_alloc(a, r->noutputs * sizeof(cmc_stat));
    r->inputs = cmc_arena_alloc(a, r->ninputs * sizeof(cmc_stat));
    for (size_t i = 0; i < r->noutputs; i++)
        make_stat(a, &r->outputs[i], &outputs[i]);
    for (size_t i = 0; i < r->ninputs; i++)
        make_stat(a, &r->inputs[i], &inputs[i]);
    return r;
}

static int same_bits(const void *a, const void *b, size_t n)
{
    return n == 0 || (a && b && memcmp(a, b, n) == 0);
}

#define CHECK_BITS(a, b) CHECK_MSG(same_bits(&(a), &(b), sizeof(a)), "%s: %.17g != %.17g", \
                                   #a, (double)(a), (double)(b))

static void compare_stat(const cmc_stat *a, const cmc_stat *b)
{
    CHECK_STR(a->name, b->name);
    CHECK_STR(a->description, b->description);
    CHECK_STR(a->unit, b->unit);
    CHECK_STR(a->expression, b->expression);
    CHECK(a->count == b->count);
    CHECK(a->nonfinite == b->nonfinite);
    CHECK_BITS(a->mean, b->mean);
    CHECK_BITS(a->std, b->std);
    CHECK_BITS(a->mean_se, b->mean_se);
    CHECK_BITS(a->min, b->min);
    CHECK_BITS(a->max, b->max);
    CHECK(a->npercentiles == b->npercentiles);
    size_t np = a->npercentiles * sizeof(double);
    CHECK(same_bits(a->p, b->p, np));
    CHECK(same_bits(a->value, b->value, np));
    CHECK(same_bits(a->ci_low, b->ci_low, np));
    CHECK(same_bits(a->ci_high, b->ci_high, np));
    CHECK(a->nbins == b->nbins);
    CHECK(same_bits(a->edges, b->edges, a->nbins ? (a->nbins + 1) * sizeof(double) : 0));
    CHECK(same_bits(a->counts, b->counts, a->nbins * sizeof(uint64_t)));
    CHECK(a->underflow == b->underflow);
    CHECK(a->overflow == b->overflow);
    CHECK(a->log_bins == b->log_bins);
}

static void compare(const cmc_results *a, const cmc_results *b)
{
    CHECK_STR(a->title, b->title);
    CHECK_STR(a->tool_version, b->tool_version);
    CHECK_STR(a->created, b->created);
    CHECK(a->seed == b->seed);
    CHECK(a->samples == b->samples);
    CHECK_STR(a->method, b->method);
    CHECK_STR(a->rng, b->rng);
    CHECK_STR(a->source, b->source);
    CHECK(a->noutputs == b->noutputs);
    CHECK(a->ninputs == b->ninputs);
    for (size_t i = 0; i < a->noutputs && i < b->noutputs; i++)
        compare_stat(&a->outputs[i], &b->outputs[i]);
    for (size_t i = 0; i < a->ninputs && i < b->ninputs; i++)
        compare_stat(&a->inputs[i], &b->inputs[i]);
}

/* ---- Files, diagnostics and the Python side -------------------------------------- */

static char dir[64];

static const char *in_dir(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* How many entries of dir contain part (".tmp." finds temporaries). */
static int count_entries(const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strstr(e->d_name, part))
            n++;
    if (d)
        closedir(d);
    return n;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The only diagnostic must be an error without a place whose message holds each
   of the given fragments. */
static void check_error(int line, cmc_diags *d, const char *a, const char *b)
{
    CHECK_MSG(cmc_diags_count(d) == 1 && cmc_diags_errors(d) == 1,
              "line %d: %zu diagnostics, %zu errors", line, cmc_diags_count(d),
              cmc_diags_errors(d));
    const cmc_diag *g = cmc_diags_get(d, 0);
    if (!g)
        return;
    CHECK_MSG(g->file == NULL && g->line == 0 && g->source == NULL,
              "line %d: the error has a place", line);
    CHECK_MSG(strstr(g->msg, a) && (!b || strstr(g->msg, b)),
              "line %d: \"%s\" lacks \"%s\" or \"%s\"", line, g->msg, a, b ? b : "");
    printf("  expected: %s\n", g->msg);
}
#define CHECK_ERROR(d, a, b) check_error(__LINE__, d, a, b)

static char script[1024];
static char python[256];

static void find_script(void)
{
    const char *src = getenv("CMC_SOURCE_DIR");
    if (src && *src) {
        snprintf(script, sizeof script, "%s/tests/h5py_check.py", src);
    } else {
        /* this file's folder, as the compiler saw it */
        const char *f = __FILE__, *slash = strrchr(f, '/');
        snprintf(script, sizeof script, "%.*sh5py_check.py", slash ? (int)(slash - f + 1) : 0,
                 f);
    }
    /* Debian's h5py belongs to the system python, which a pyenv or venv python3
       earlier on PATH may not see; CMC_PYTHON overrides the choice. */
    const char *py = getenv("CMC_PYTHON");
    snprintf(python, sizeof python, "%s",
             py && *py ? py : access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3"
                                                                     : "python3");
}

/* Run h5py_check.py with two arguments; its exit status (77: no h5py). */
static int run_script(const char *a, const char *b)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s'", python, script, a, b);
    int st = system(cmd);
    int rc = st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    CHECK_MSG(rc != 77, "%s cannot import h5py and numpy (set CMC_PYTHON)", python);
    return rc;
}

/* ---- The tests ------------------------------------------------------------------- */

static void test_round_trip(void)
{
    cmc_results *r = make_results(TITLE);
    cmc_diags *d = cmc_diags_new();
    const char *path = in_dir("run.h5");
    cmc_h5 *h = cmc_h5_create(path, d);
    CHECK(h != NULL);
    CHECK(count_entries("run.h5.tmp.") == 1);
    CHECK(!exists(path));
    CHECK(cmc_h5_samples_begin(h, sample_names, 3, SAMPLES, d) == 0);

    /* energy_kwh in sampler-sized blocks interleaved with co2_t written backwards in
       odd-sized blocks; gpu_count in one call, leaving its tail unwritten */
    double *x = malloc(SAMPLES * sizeof *x);
    size_t blk = 4096, odd = 33333;
    for (size_t off = 0; off < SAMPLES; off += blk) {
        size_t n = SAMPLES - off < blk ? SAMPLES - off : blk;
        for (size_t i = 0; i < n; i++)
            x[i] = sample(0, off + i);
        CHECK(cmc_h5_samples_write(h, 0, off, x, n, d) == 0);
        size_t back = (off / blk) * odd;
        if (back < SAMPLES) {
            size_t start = SAMPLES - back > odd ? SAMPLES - back - odd : 0;
            size_t m = SAMPLES - back - start;
            for (size_t i = 0; i < m; i++)
                x[i] = sample(1, start + i);
            CHECK(cmc_h5_samples_write(h, 1, start, x, m, d) == 0);
        }
    }
    for (size_t i = 0; i < SAMPLES; i++)
        x[i] = sample(2, i);
    CHECK(cmc_h5_samples_write(h, 2, 0, x, SAMPLES - UNWRITTEN, d) == 0);
    CHECK(cmc_h5_samples_write(h, 2, SAMPLES, x, 0, d) == 0);
    free(x);

    CHECK(cmc_h5_commit(h, r, d) == 0);
    CHECK(cmc_diags_count(d) == 0);
    CHECK(exists(path));
    CHECK(count_entries(".tmp.") == 0);

    cmc_results *back = cmc_results_read(path, d);
    CHECK(back != NULL);
    CHECK(cmc_diags_count(d) == 0);
    if (back)
        compare(r, back);
    cmc_results_free(back);

    char n[32];
    snprintf(n, sizeof n, "%d", SAMPLES);
    CHECK_MSG(run_script(path, n) == 0, "h5py_check.py %s failed", path);

    /* a file missing a dataset names what is missing */
    CHECK(run_script("--break", path) == 0);
    back = cmc_results_read(path, d);
    CHECK(back == NULL);
    CHECK_ERROR(d, "cannot read '", "/outputs/co2_t/mean is missing");
    cmc_diags_free(d);
    cmc_results_free(r);
}

/* No outputs and no inputs: empty order attributes and empty groups. */
static void test_empty(void)
{
    cmc_arena *a = cmc_arena_new();
    cmc_results *r = cmc_arena_alloc(a, sizeof *r);
    r->arena = a;
    r->title = "";
    cmc_diags *d = cmc_diags_new();
    const char *path = in_dir("empty.h5");
    cmc_h5 *h = cmc_h5_create(path, d);
    CHECK(h && cmc_h5_commit(h, r, d) == 0);
    cmc_results *back = cmc_results_read(path, d);
    CHECK(back != NULL);
    CHECK(cmc_diags_count(d) == 0);
    if (back) {
        CHECK(back->noutputs == 0 && back->ninputs == 0);
        CHECK_STR(back->title, "");
        CHECK_STR(back->source, "");
        CHECK_STR(back->tool_version, "");
        CHECK(strlen(back->created) == 20 && back->created[19] == 'Z');   /* filled in */
    }
    cmc_results_free(back);
    CHECK(run_script("--empty", path) == 0);
    cmc_diags_free(d);
    cmc_results_free(r);
}

static char watched[512];
static int nwatched;

static void watch(void *ctx, const char *tmp)
{
    (void)ctx;
    snprintf(watched, sizeof watched, "%s", tmp ? tmp : "");
    nwatched++;
}

/* cmc_output_check and cmc_same_file (util.c): what may be written (issue 11,
   items 13 and 14). Only paths in our own folder: never /dev. */
static void test_output_check(void)
{
    char why[256];
    const char *reg = in_dir("regular"), *sub = in_dir("sub"), *fifo = in_dir("oc_fifo"),
               *link = in_dir("link_to_fifo");
    FILE *f = fopen(reg, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK(mkdir(sub, 0700) == 0);
    CHECK(mkfifo(fifo, 0600) == 0);
    CHECK(symlink(fifo, link) == 0);
    CHECK(cmc_output_check(reg, why, sizeof why) == 0);
    CHECK(cmc_output_check(in_dir("new_name.h5"), why, sizeof why) == 0);
    CHECK(cmc_output_check(sub, why, sizeof why) < 0 && strstr(why, "a directory"));
    CHECK(cmc_output_check(fifo, why, sizeof why) < 0 && strstr(why, "a FIFO"));
    CHECK(cmc_output_check(link, why, sizeof why) < 0 && strstr(why, "a FIFO"));
    CHECK(cmc_output_check("", why, sizeof why) < 0 && strstr(why, "empty"));
    CHECK(cmc_output_check(in_dir("regular/x"), why, sizeof why) < 0 &&
          strstr(why, "Not a directory"));
    CHECK(cmc_same_file(reg, reg));
    CHECK(!cmc_same_file(reg, sub));
    CHECK(!cmc_same_file(reg, in_dir("new_name.h5")));
    char dotted[600];
    snprintf(dotted, sizeof dotted, "%s/./regular", dir);
    CHECK(cmc_same_file(reg, dotted));
    CHECK(cmc_sync_folder_of(reg) == 0);
    unlink(link);
    unlink(fifo);
    unlink(reg);
    rmdir(sub);
}

static void test_failures(void)
{
    cmc_results *r = make_results("first");
    cmc_diags *d;

    /* a folder that does not exist: nothing is created */
    d = cmc_diags_new();
    CHECK(cmc_h5_create(in_dir("missing/x.h5"), d) == NULL);
    CHECK_ERROR(d, "missing/x.h5", "No such file or directory");
    CHECK(!exists(in_dir("missing")));
    cmc_diags_free(d);

    /* abort removes the temporary, samples and all */
    d = cmc_diags_new();
    cmc_h5 *h = cmc_h5_create(in_dir("ab.h5"), d);
    CHECK(h != NULL);
    const double one[3] = {1, 2, 3};
    CHECK(h && cmc_h5_samples_begin(h, sample_names, 1, 3, d) == 0);
    CHECK(h && cmc_h5_samples_write(h, 0, 0, one, 3, d) == 0);
    CHECK(count_entries("ab.h5.tmp.") == 1);
    cmc_h5_abort(h);
    CHECK(count_entries("ab.h5") == 0);
    cmc_h5_abort(NULL);
    CHECK(cmc_diags_count(d) == 0);
    cmc_diags_free(d);

    /* bad sample calls are errors and leave the writer usable */
    d = cmc_diags_new();
    h = cmc_h5_create(in_dir("bad.h5"), d);
    const char *slash[] = {"ok", "a/b"};
    CHECK(h && cmc_h5_samples_begin(h, slash, 2, 3, d) < 0);
    CHECK_ERROR(d, "'a/b' cannot be an HDF5 dataset name", NULL);
    cmc_diags_free(d);
    d = cmc_diags_new();
    CHECK(h && cmc_h5_samples_begin(h, sample_names, 1, 3, d) == 0);
    CHECK(h && cmc_h5_samples_write(h, 1, 0, one, 1, d) < 0);
    CHECK_ERROR(d, "no sample dataset 1", NULL);
    cmc_diags_free(d);
    d = cmc_diags_new();
    CHECK(h && cmc_h5_samples_write(h, 0, 1, one, 3, d) < 0);
    CHECK_ERROR(d, "samples 1 to 4 are outside /samples (3 samples)", NULL);
    cmc_diags_free(d);
    d = cmc_diags_new();
    CHECK(h && cmc_h5_samples_begin(h, sample_names, 1, 3, d) < 0);
    CHECK_ERROR(d, "already created", NULL);
    cmc_h5_abort(h);
    cmc_diags_free(d);

    /* the same path twice in one process: the second create finds the temporary
       and must not remove the first one's */
    d = cmc_diags_new();
    const char *path = in_dir("rep.h5");
    h = cmc_h5_create(path, d);
    cmc_h5 *h2 = cmc_h5_create(path, d);
    CHECK(h != NULL && h2 == NULL);
    CHECK_ERROR(d, "cannot create the temporary file", "ile exists");
    CHECK(count_entries("rep.h5.tmp.") == 1);
    cmc_diags_free(d);

    /* an existing file survives a failed commit untouched... */
    d = cmc_diags_new();
    CHECK(h && cmc_h5_commit(h, r, d) == 0);
    CHECK(cmc_diags_count(d) == 0);
    struct stat before, after;
    CHECK(stat(path, &before) == 0);
    r->title = "second";
    r->inputs[1].name = "a/b";
    h = cmc_h5_create(path, d);
    CHECK(h && cmc_h5_commit(h, r, d) < 0);
    CHECK_ERROR(d, "cannot write '", "input name 'a/b' cannot be an HDF5 group name");
    CHECK(count_entries(".tmp.") == 0);
    CHECK(stat(path, &after) == 0 && after.st_ino == before.st_ino &&
          after.st_size == before.st_size && after.st_mtime == before.st_mtime);
    cmc_diags_free(d);
    d = cmc_diags_new();
    cmc_results *back = cmc_results_read(path, d);
    CHECK(back && strcmp(back->title, "first") == 0);
    cmc_results_free(back);

    /* ...two outputs with one name are refused before anything is written... */
    r->inputs[1].name = "days";
    r->outputs[1].name = "energy_kwh";
    h = cmc_h5_create(path, d);
    CHECK(h && cmc_h5_commit(h, r, d) < 0);
    CHECK_ERROR(d, "two outputs are named 'energy_kwh'", NULL);
    cmc_diags_free(d);

    /* ...and is replaced by a successful one */
    d = cmc_diags_new();
    r->outputs[1].name = "co2_t";
    h = cmc_h5_create(path, d);
    CHECK(h && cmc_h5_commit(h, r, d) == 0);
    back = cmc_results_read(path, d);
    CHECK(back && strcmp(back->title, "second") == 0);
    CHECK(cmc_diags_count(d) == 0);
    cmc_results_free(back);
    CHECK(count_entries(".tmp.") == 0);
    cmc_diags_free(d);

    /* a folder where the file should go: refused before anything is created, the
       folder stays (issue 11, item 13) */
    d = cmc_diags_new();
    const char *isdir = in_dir("isdir.h5");
    CHECK(mkdir(isdir, 0700) == 0);
    h = cmc_h5_create(isdir, d);
    CHECK(h == NULL);
    CHECK_ERROR(d, "cannot write '", "it is a directory; the output must be a regular file");
    CHECK(count_entries(".tmp.") == 0);
    struct stat st;
    CHECK(stat(isdir, &st) == 0 && S_ISDIR(st.st_mode));
    cmc_diags_free(d);

    /* a FIFO: the same, and the FIFO is still a FIFO (no open, no rename) */
    d = cmc_diags_new();
    const char *fifo = in_dir("fifo.h5");
    CHECK(mkfifo(fifo, 0600) == 0);
    h = cmc_h5_create(fifo, d);
    CHECK(h == NULL);
    CHECK_ERROR(d, "cannot write '", "it is a FIFO");
    CHECK(count_entries(".tmp.") == 0);
    CHECK(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
    cmc_diags_free(d);

    /* the folder turns into something else during the run: checked again before
       the rename, which would have replaced it */
    d = cmc_diags_new();
    const char *later = in_dir("later.h5");
    h = cmc_h5_create(later, d);
    CHECK(h != NULL);
    CHECK(mkfifo(later, 0600) == 0);
    CHECK(h && cmc_h5_commit(h, r, d) < 0);
    CHECK_ERROR(d, "cannot write '", "it is a FIFO");
    CHECK(count_entries(".tmp.") == 0);
    CHECK(stat(later, &st) == 0 && S_ISFIFO(st.st_mode));
    cmc_diags_free(d);

    /* the watcher hears of the temporary file when it appears and when it goes */
    d = cmc_diags_new();
    watched[0] = '\0';
    nwatched = 0;
    h = cmc_h5_create(in_dir("watched.h5"), d);
    cmc_h5_watch(h, watch, NULL);
    CHECK(nwatched == 1 && strstr(watched, "watched.h5.tmp.") != NULL && exists(watched));
    CHECK(h && cmc_h5_commit(h, r, d) == 0);
    CHECK(nwatched == 2 && watched[0] == '\0');
    h = cmc_h5_create(in_dir("watched.h5"), d);
    cmc_h5_watch(h, watch, NULL);
    CHECK(nwatched == 3 && exists(watched));
    char gone[sizeof watched];
    snprintf(gone, sizeof gone, "%s", watched);
    cmc_h5_abort(h);
    CHECK(nwatched == 4 && watched[0] == '\0' && !exists(gone));
    CHECK(cmc_diags_count(d) == 0);
    cmc_diags_free(d);

    /* a null results pointer is an error, not a crash */
    d = cmc_diags_new();
    h = cmc_h5_create(in_dir("null.h5"), d);
    CHECK(h && cmc_h5_commit(h, NULL, d) < 0);
    CHECK_ERROR(d, "no results to write", NULL);
    CHECK(!exists(in_dir("null.h5")) && count_entries(".tmp.") == 0);
    cmc_diags_free(d);

    cmc_results_free(r);
}

static void test_reader_rejects(void)
{
    cmc_diags *d = cmc_diags_new();
    CHECK(cmc_results_read(in_dir("nope.h5"), d) == NULL);
    CHECK_ERROR(d, "cannot open '", "nope.h5': No such file or directory");
    cmc_diags_free(d);

    d = cmc_diags_new();
    CHECK(cmc_results_read(dir, d) == NULL);
    CHECK_ERROR(d, "cannot open '", "Is a directory");
    cmc_diags_free(d);

    d = cmc_diags_new();
    const char *text = in_dir("text.h5");
    FILE *f = fopen(text, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("title \"not HDF5\"\n", f);
        fclose(f);
    }
    CHECK(cmc_results_read(text, d) == NULL);
    CHECK_ERROR(d, "text.h5' is not a carbonmc file", "not in HDF5 format");
    cmc_diags_free(d);

    d = cmc_diags_new();
    const char *empty = in_dir("zero.h5");
    f = fopen(empty, "w");
    if (f)
        fclose(f);
    CHECK(cmc_results_read(empty, d) == NULL);
    CHECK_ERROR(d, "zero.h5' is not a carbonmc file", NULL);
    cmc_diags_free(d);

    d = cmc_diags_new();
    const char *foreign = in_dir("foreign.h5");
    CHECK(run_script("--foreign", foreign) == 0);
    CHECK(cmc_results_read(foreign, d) == NULL);
    CHECK_ERROR(d, "foreign.h5' is not a carbonmc file", "format = \"carbonmc/1\"");
    cmc_diags_free(d);

    d = cmc_diags_new();
    foreign = in_dir("foreign_int.h5");
    CHECK(run_script("--foreign-int", foreign) == 0);
    CHECK(cmc_results_read(foreign, d) == NULL);
    CHECK_ERROR(d, "foreign_int.h5' is not a carbonmc file", NULL);
    cmc_diags_free(d);

    d = cmc_diags_new();
    const char *newer = in_dir("newer.h5");
    CHECK(run_script("--newer", newer) == 0);
    CHECK(cmc_results_read(newer, d) == NULL);
    CHECK_ERROR(d, "newer.h5' was written by a newer carbonmc", "\"carbonmc/2\"");
    cmc_diags_free(d);

    /* the first part of a good file: HDF5's signature, then nothing it can use */
    d = cmc_diags_new();
    size_t len = 0;
    char *whole = cmc_read_file(in_dir("empty.h5"), &len);
    const char *cut = in_dir("cut.h5");
    f = fopen(cut, "wb");
    CHECK(whole && f && len > 2000);
    if (whole && f)
        fwrite(whole, 1, len / 2, f);
    if (f)
        fclose(f);
    free(whole);
    CHECK(cmc_results_read(cut, d) == NULL);
    CHECK(cmc_diags_errors(d) == 1);
    CHECK_ERROR(d, "cut.h5", NULL);
    cmc_diags_free(d);

    cmc_results_free(NULL);
}

static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_dir(p);
        else
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/cmc_h5_XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    find_script();
    test_round_trip();
    test_empty();
    test_output_check();
    test_failures();
    test_reader_rejects();
    remove_dir(dir);
    return CHECK_DONE();
}
