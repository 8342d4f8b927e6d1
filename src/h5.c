/*
 * h5.c: the HDF5 file of a run (DESIGN section 4): the atomic writer of h5.h and
 * the reader behind cmc_results_read. This is the only file that includes hdf5.h.
 *
 * Writing goes to "PATH.tmp.PID", created exclusively, and becomes PATH only by
 * rename(2) after every object was written, the file closed (HDF5 flushes its
 * caches there, so a full disk shows up as a failed H5Fclose) and fsync'ed. Any
 * failure closes and unlinks the temporary, so PATH is either the old file or the
 * complete new one. The file access property list uses H5F_CLOSE_STRONG, so
 * H5Fclose really closes the file even if an error path left an object open.
 *
 * Strings are variable-length UTF-8 (H5T_C_S1, H5T_VARIABLE, H5T_CSET_UTF8): h5py
 * 3 reads such attributes as Python str (fixed-length ones come back as numpy
 * bytes; string datasets such as /scenario/source need .asstr() either way),
 * h5dump prints them as quoted text without padding (1.10 shows bytes beyond ASCII
 * as octal escapes, whatever the type), and MATLAB's h5readatt and R's rhdf5
 * return character values. HDF5 lists group members alphabetically, so the run's
 * order of outputs and inputs is kept twice: as the root attributes `outputs` and
 * `inputs` (1-D string arrays, what the reader uses) and by tracking creation order
 * on the groups, which h5py follows when it iterates /outputs, /inputs or /samples.
 * Creation order needs the HDF5 1.8 object-header format (any HDF5 since 2008).
 *
 * Per-sample datasets are chunked (64 Ki doubles = 512 KiB) and compressed with
 * byte shuffle + deflate level 1. Measured on 3 x 4 M samples (lognormal, uniform,
 * a two-valued choice; 98 MB raw): uncompressed 0.4 s; deflate 1: 1.9 s, 62 MB;
 * shuffle + deflate 1: 2.0 s, 59 MB; shuffle + deflate 4: 2.7 s, 57 MB; level 6:
 * 5 s, 57 MB. Monte Carlo samples have random mantissas, so only the sign/exponent
 * bytes (which the shuffle filter gathers) compress; higher levels buy little. A
 * per-dataset chunk cache of four chunks (2 MiB per saved variable, whatever the
 * sample count) lets writes of any block size, even somewhat out of order, fill a
 * chunk in memory before it is compressed once; unwritten samples read back as NaN
 * (the fill value).
 *
 * HDF5's automatic error printing is switched off at every entry point (and the
 * caller's setting restored on return), so the library never prints; the innermost
 * message of HDF5's error stack is appended to our own diagnostic instead.
 */
#include "h5.h"
#include "diag.h"
#include "util.h"

#include <hdf5.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FORMAT_PREFIX "carbonmc/"
#define FORMAT_VERSION 1
#define FORMAT_NAME "carbonmc/1"

#define SAMPLE_CHUNK 65536      /* elements per chunk of /samples/NAME (512 KiB) */
#define SAMPLE_DEFLATE 1        /* deflate level: see the measurement above */
#define SAMPLE_CACHE_CHUNKS 4   /* chunks held in each sample dataset's cache */

/* ---- Quiet HDF5 and its error messages ------------------------------------------ */

typedef struct quiet {
    H5E_auto2_t func;
    void *data;
    int saved;
} quiet;

static void quiet_begin(quiet *q)
{
    q->saved = H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(quiet *q)
{
    if (q->saved)
        H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

static herr_t innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    if (n == 0 && e->desc) {
        char *out = data;
        /* the sec2 driver puts the system's message deep inside a long text */
        const char *m = strstr(e->desc, "error message = '");
        if (m) {
            m += strlen("error message = '");
            size_t len = strcspn(m, "'");
            snprintf(out, 256, "%.*s", (int)(len < 255 ? len : 255), m);
        } else {
            snprintf(out, 256, "%s", e->desc);
        }
    }
    return 0;
}

/* The most specific message on HDF5's error stack (call right after the failure,
   before any other HDF5 call clears the stack); "" if there is none. */
static void h5_reason(char out[256])
{
    out[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, out);
    H5Eclear2(H5E_DEFAULT);
}

static hid_t utf8_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return -1;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Group creation properties: remember the order links and attributes were made. */
static hid_t ordered_gcpl(void)
{
    hid_t p = H5Pcreate(H5P_GROUP_CREATE);
    if (p < 0)
        return -1;
    unsigned flags = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    if (H5Pset_link_creation_order(p, flags) < 0 || H5Pset_attr_creation_order(p, flags) < 0) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

static int valid_name(const char *s)
{
    return s && s[0] && !strchr(s, '/') && strcmp(s, ".") != 0;
}

/* ---- Writer -------------------------------------------------------------------- */

struct cmc_h5 {
    char *path, *tmp;
    hid_t file, str, gcpl;
    hid_t *samples;          /* /samples/NAME datasets */
    size_t nsamples;
    uint64_t total;
    int failed;
    char err[1024];          /* the first failure, without the "cannot write" head */
};

/* Record the first failure with HDF5's reason; returns -1. */
static int wfail(cmc_h5 *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int wfail(cmc_h5 *h, const char *fmt, ...)
{
    char reason[256];
    h5_reason(reason);
    if (h->failed)
        return -1;
    h->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(h->err, sizeof h->err, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof h->err && reason[0])
        snprintf(h->err + n, sizeof h->err - (size_t)n, " (HDF5: %s)", reason);
    return -1;
}

static void report(cmc_h5 *h, cmc_diags *d)
{
    cmc_error(d, NULL, "cannot write '%s': %s", h->path, h->err);
}

static void close_samples(cmc_h5 *h)
{
    for (size_t i = 0; i < h->nsamples; i++)
        if (h->samples[i] >= 0 && H5Dclose(h->samples[i]) < 0 && !h->failed)
            wfail(h, "cannot close /samples dataset %zu", i);
    free(h->samples);
    h->samples = NULL;
    h->nsamples = 0;
}

/* Close everything, remove the temporary file, free h. */
static void discard(cmc_h5 *h)
{
    close_samples(h);
    if (h->str >= 0)
        H5Tclose(h->str);
    if (h->gcpl >= 0)
        H5Pclose(h->gcpl);
    if (h->file >= 0)
        H5Fclose(h->file);
    if (h->tmp)
        unlink(h->tmp);
    free(h->path);
    free(h->tmp);
    free(h);
}

cmc_h5 *cmc_h5_create(const char *path, cmc_diags *d)
{
    quiet q;
    quiet_begin(&q);
    cmc_h5 *h = calloc(1, sizeof *h);
    hid_t fcpl = -1, fapl = -1;
    if (!h)
        goto nomem;
    h->file = h->str = h->gcpl = -1;
    size_t n = strlen(path) + 32;
    h->path = malloc(n);
    h->tmp = malloc(n);
    if (!h->path || !h->tmp)
        goto nomem;
    strcpy(h->path, path);
    snprintf(h->tmp, n, "%s.tmp.%ld", path, (long)getpid());

    h->str = utf8_string_type();
    h->gcpl = ordered_gcpl();
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (h->str < 0 || h->gcpl < 0 || fcpl < 0 || fapl < 0 ||
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        wfail(h, "cannot set up the HDF5 library");
        goto fail;
    }
    errno = 0;
    h->file = H5Fcreate(h->tmp, H5F_ACC_EXCL, fcpl, fapl);
    if (h->file < 0) {
        int e = errno;
        char reason[256];
        h5_reason(reason);
        /* HDF5's innermost message carries the system's reason when there is one */
        h->failed = 1;
        snprintf(h->err, sizeof h->err, "cannot create the temporary file '%s': %s", h->tmp,
                 reason[0] ? reason : e ? strerror(e) : "HDF5 failed");
        free(h->tmp);   /* not ours: it may be another process's file */
        h->tmp = NULL;
        goto fail;
    }
    /* made now so they come first in creation order, before /samples */
    static const char *const groups[] = {"scenario", "outputs", "inputs"};
    for (int i = 0; i < 3; i++) {
        hid_t g = H5Gcreate2(h->file, groups[i], H5P_DEFAULT, h->gcpl, H5P_DEFAULT);
        if (g < 0 || H5Gclose(g) < 0) {
            wfail(h, "cannot create group /%s", groups[i]);
            goto fail;
        }
    }
    H5Pclose(fcpl);
    H5Pclose(fapl);
    quiet_end(&q);
    return h;

nomem:
    cmc_error(d, NULL, "cannot write '%s': out of memory", path);
    if (h) {
        free(h->path);
        free(h->tmp);
        free(h);
    }
    quiet_end(&q);
    return NULL;
fail:
    report(h, d);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    discard(h);
    quiet_end(&q);
    return NULL;
}

void cmc_h5_abort(cmc_h5 *h)
{
    if (!h)
        return;
    quiet q;
    quiet_begin(&q);
    discard(h);
    quiet_end(&q);
}

int cmc_h5_samples_begin(cmc_h5 *h, const char *const *names, size_t n, uint64_t total,
                         cmc_diags *d)
{
    quiet q;
    quiet_begin(&q);
    hid_t g = -1, space = -1, dcpl = -1, dapl = -1;
    if (h->samples) {
        cmc_error(d, NULL, "cannot write '%s': the sample datasets were already created",
                  h->path);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (!valid_name(names[i])) {
            cmc_error(d, NULL, "cannot write '%s': '%s' cannot be an HDF5 dataset name",
                      h->path, names[i] ? names[i] : "");
            goto out;
        }
    h->samples = malloc((n ? n : 1) * sizeof *h->samples);
    if (!h->samples) {
        cmc_error(d, NULL, "cannot write '%s': out of memory", h->path);
        goto out;
    }
    h->total = total;
    h->failed = 0;
    hsize_t dim = total, chunk = total < SAMPLE_CHUNK ? total : SAMPLE_CHUNK;
    double fill = NAN;
    g = H5Gcreate2(h->file, "samples", H5P_DEFAULT, h->gcpl, H5P_DEFAULT);
    if (g < 0) {
        wfail(h, "cannot create group /samples");
        goto fail;
    }
    space = H5Screate_simple(1, &dim, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (space < 0 || dcpl < 0 || dapl < 0 ||
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill) < 0) {
        wfail(h, "cannot set up the /samples datasets");
        goto fail;
    }
    if (chunk > 0) {   /* an empty dataset cannot be chunked: keep it contiguous */
        if (H5Pset_chunk(dcpl, 1, &chunk) < 0 ||
            H5Pset_chunk_cache(dapl, 521, SAMPLE_CACHE_CHUNKS * chunk * sizeof(double),
                               1.0) < 0) {
            wfail(h, "cannot set up the chunks of the /samples datasets");
            goto fail;
        }
        if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
            (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, SAMPLE_DEFLATE) < 0)) {
            wfail(h, "cannot set up compression of the /samples datasets");
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        h->samples[i] = H5Dcreate2(g, names[i], H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, dapl);
        if (h->samples[i] < 0) {
            wfail(h, "cannot create dataset /samples/%s", names[i]);
            h->nsamples = i;
            goto fail;
        }
    }
    h->nsamples = n;
    if (H5Gclose(g) < 0) {
        g = -1;
        wfail(h, "cannot close group /samples");
        goto fail;
    }
    g = -1;
    H5Sclose(space);
    H5Pclose(dcpl);
    H5Pclose(dapl);
    quiet_end(&q);
    return 0;

fail:
    report(h, d);
    close_samples(h);
    if (g >= 0)
        H5Gclose(g);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (dapl >= 0)
        H5Pclose(dapl);
out:
    quiet_end(&q);
    return -1;
}

int cmc_h5_samples_write(cmc_h5 *h, size_t var, uint64_t offset, const double *x,
                         size_t count, cmc_diags *d)
{
    if (var >= h->nsamples) {
        cmc_error(d, NULL, "cannot write '%s': no sample dataset %zu", h->path, var);
        return -1;
    }
    if (offset > h->total || count > h->total - offset) {
        cmc_error(d, NULL,
                  "cannot write '%s': samples %llu to %llu are outside /samples (%llu samples)",
                  h->path, (unsigned long long)offset,
                  (unsigned long long)(offset + count), (unsigned long long)h->total);
        return -1;
    }
    if (count == 0)
        return 0;
    quiet q;
    quiet_begin(&q);
    int rc = -1;
    hsize_t start = offset, cnt = count;
    hid_t fs = H5Dget_space(h->samples[var]);
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    h->failed = 0;
    if (fs < 0 || ms < 0 ||
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL) < 0)
        wfail(h, "cannot select samples of dataset %zu in /samples", var);
    else if (H5Dwrite(h->samples[var], H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, x) < 0)
        wfail(h, "cannot write samples %llu to %llu of dataset %zu in /samples",
              (unsigned long long)offset, (unsigned long long)(offset + count), var);
    else
        rc = 0;
    if (rc < 0)
        report(h, d);
    if (fs >= 0)
        H5Sclose(fs);
    if (ms >= 0)
        H5Sclose(ms);
    quiet_end(&q);
    return rc;
}

/* An attribute of any type: scalar when n is 0 and not an array, else 1-D [n]. */
static int put_attr(cmc_h5 *h, hid_t loc, const char *where, const char *name, hid_t ftype,
                    hid_t mtype, int array, hsize_t n, const void *buf)
{
    hid_t space = array ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    if (space < 0)
        return wfail(h, "cannot make the dataspace of attribute '%s' of %s", name, where);
    hid_t a = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    if (a < 0)
        return wfail(h, "cannot create attribute '%s' of %s", name, where);
    if ((!array || n > 0) && H5Awrite(a, mtype, buf) < 0) {
        wfail(h, "cannot write attribute '%s' of %s", name, where);
        H5Aclose(a);
        return -1;
    }
    if (H5Aclose(a) < 0)
        return wfail(h, "cannot close attribute '%s' of %s", name, where);
    return 0;
}

static int put_attr_str(cmc_h5 *h, hid_t loc, const char *where, const char *name,
                        const char *s)
{
    if (!s)
        s = "";
    return put_attr(h, loc, where, name, h->str, h->str, 0, 0, &s);
}

static int put_attr_u64(cmc_h5 *h, hid_t loc, const char *where, const char *name,
                        uint64_t v)
{
    return put_attr(h, loc, where, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, 0, &v);
}

/* A dataset: scalar (array 0) or 1-D [n], contiguous. */
static int put_data(cmc_h5 *h, hid_t loc, const char *where, const char *name, hid_t ftype,
                    hid_t mtype, int array, hsize_t n, const void *buf)
{
    hid_t space = array ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    if (space < 0)
        return wfail(h, "cannot make the dataspace of %s/%s", where, name);
    hid_t ds = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    if (ds < 0)
        return wfail(h, "cannot create dataset %s/%s", where, name);
    if ((!array || n > 0) && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        wfail(h, "cannot write dataset %s/%s", where, name);
        H5Dclose(ds);
        return -1;
    }
    if (H5Dclose(ds) < 0)
        return wfail(h, "cannot close dataset %s/%s", where, name);
    return 0;
}

static int put_f64(cmc_h5 *h, hid_t loc, const char *where, const char *name, double v)
{
    return put_data(h, loc, where, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, 0, &v);
}

static int put_u64(cmc_h5 *h, hid_t loc, const char *where, const char *name, uint64_t v)
{
    return put_data(h, loc, where, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, 0, &v);
}

static int put_f64s(cmc_h5 *h, hid_t loc, const char *where, const char *name,
                    const double *v, size_t n)
{
    return put_data(h, loc, where, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, n, v);
}

static hid_t put_group(cmc_h5 *h, hid_t loc, const char *where, const char *name)
{
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, h->gcpl, H5P_DEFAULT);
    if (g < 0)
        wfail(h, "cannot create group %s/%s", where, name);
    return g;
}

static hid_t open_top(cmc_h5 *h, const char *name)
{
    hid_t g = H5Gopen2(h->file, name, H5P_DEFAULT);
    if (g < 0)
        wfail(h, "cannot open group /%s", name);
    return g;
}

static int close_group(cmc_h5 *h, hid_t g, const char *where)
{
    if (H5Gclose(g) < 0)
        return wfail(h, "cannot close group %s", where);
    return 0;
}

/* The datasets of NAME/convergence besides `samples`: est_names[e], then _ci_low
   and _ci_high. */
static const char *const est_names[CMC_CONV_NEST] = {"mean", "median", "p95"};

/* NAME/convergence: samples (uint64 [C]) and, per estimate, value, ci_low and
   ci_high (float64 [C]). */
static int put_convergence(cmc_h5 *h, hid_t parent, const char *where,
                           const cmc_convergence *c)
{
    char sub[1200], name[32];
    snprintf(sub, sizeof sub, "%s/convergence", where);
    hid_t g = put_group(h, parent, where, "convergence");
    if (g < 0)
        return -1;
    int rc = put_data(h, g, sub, "samples", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, c->n,
                      c->samples);
    for (int e = 0; e < CMC_CONV_NEST && rc == 0; e++) {
        const double *v[3] = {c->value[e], c->ci_low[e], c->ci_high[e]};
        for (int k = 0; k < 3 && rc == 0; k++) {
            snprintf(name, sizeof name, "%s%s", est_names[e],
                     k == 0 ? "" : k == 1 ? "_ci_low" : "_ci_high");
            rc = put_f64s(h, g, sub, name, v[k], c->n);
        }
    }
    if (close_group(h, g, sub) < 0)
        rc = -1;
    return rc;
}

/* /outputs/NAME or /inputs/NAME: DESIGN section 4. */
static int put_stat(cmc_h5 *h, hid_t parent, const char *kind, const cmc_stat *s, int input)
{
    char where[1024], sub[1100];
    snprintf(where, sizeof where, "/%s/%s", kind, s->name);
    if (s->npercentiles && (!s->p || !s->value || !s->ci_low || !s->ci_high))
        return wfail(h, "%s has %zu percentiles but no values", where, s->npercentiles);
    if (s->nbins && (!s->edges || !s->counts))
        return wfail(h, "%s has %zu histogram bins but no edges or counts", where, s->nbins);
    char top[1024];
    snprintf(top, sizeof top, "/%s", kind);
    hid_t g = put_group(h, parent, top, s->name);
    if (g < 0)
        return -1;
    int rc = -1;
    hid_t pg = -1, hg = -1;
    if (put_attr_str(h, g, where, "description", s->description) < 0 ||
        put_attr_str(h, g, where, "expression", s->expression) < 0 ||
        put_attr_str(h, g, where, "unit", s->unit) < 0 ||
        (input && put_attr_str(h, g, where, "distribution", s->expression) < 0))
        goto out;

    snprintf(sub, sizeof sub, "%s/percentiles", where);
    if ((pg = put_group(h, g, where, "percentiles")) < 0 ||
        put_f64s(h, pg, sub, "probability", s->p, s->npercentiles) < 0 ||
        put_f64s(h, pg, sub, "value", s->value, s->npercentiles) < 0 ||
        put_f64s(h, pg, sub, "ci_low", s->ci_low, s->npercentiles) < 0 ||
        put_f64s(h, pg, sub, "ci_high", s->ci_high, s->npercentiles) < 0)
        goto out;
    hid_t t = pg;
    pg = -1;
    if (close_group(h, t, sub) < 0)
        goto out;

    if (put_f64(h, g, where, "mean", s->mean) < 0 || put_f64(h, g, where, "std", s->std) < 0 ||
        put_f64(h, g, where, "mean_se", s->mean_se) < 0 ||
        put_f64(h, g, where, "min", s->min) < 0 || put_f64(h, g, where, "max", s->max) < 0 ||
        put_u64(h, g, where, "nonfinite", s->nonfinite) < 0 ||
        put_u64(h, g, where, "count", s->count) < 0)
        goto out;

    snprintf(sub, sizeof sub, "%s/histogram", where);
    int log_bins = s->log_bins;
    /* edges [B+1]; a stat without a histogram (B = 0, no edges) stores them empty */
    size_t nedges = s->nbins || s->edges ? s->nbins + 1 : 0;
    if ((hg = put_group(h, g, where, "histogram")) < 0 ||
        put_f64s(h, hg, sub, "edges", s->edges, nedges) < 0 ||
        put_data(h, hg, sub, "counts", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, s->nbins,
                 s->counts) < 0 ||
        put_attr_u64(h, hg, sub, "underflow", s->underflow) < 0 ||
        put_attr_u64(h, hg, sub, "overflow", s->overflow) < 0 ||
        put_attr(h, hg, sub, "log_bins", H5T_STD_I32LE, H5T_NATIVE_INT, 0, 0, &log_bins) < 0)
        goto out;
    t = hg;
    hg = -1;
    if (close_group(h, t, sub) < 0)
        goto out;
    if (s->conv.n && put_convergence(h, g, where, &s->conv) < 0)
        goto out;
    rc = 0;
out:
    if (pg >= 0)
        H5Gclose(pg);
    if (hg >= 0)
        H5Gclose(hg);
    if (close_group(h, g, where) < 0)
        rc = -1;
    return rc;
}

/* attr on loc: the names of n records of elsize bytes whose first member is the
   name (cmc_stat, cmc_paired, cmc_variant_result). */
static int put_names_at(cmc_h5 *h, hid_t loc, const char *where, const char *attr,
                        const void *recs, size_t elsize, size_t n)
{
    const char **v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return wfail(h, "out of memory");
    for (size_t i = 0; i < n; i++)
        v[i] = *(const char *const *)((const char *)recs + i * elsize);
    int rc = put_attr(h, loc, where, attr, h->str, h->str, 1, n, v);
    free(v);
    return rc;
}

static int put_names(cmc_h5 *h, const char *attr, const cmc_stat *s, size_t n)
{
    return put_names_at(h, h->file, "/", attr, s, sizeof *s, n);
}

/* The datasets of /sensitivity/OUTPUT besides input, swing_*: sens_names[e], then
   _ci_low and _ci_high. */
static const char *const sens_names[CMC_SENS_NEST] = {"spearman", "logvar_share",
                                                      "sobol_first", "sobol_total"};

/* /sensitivity/OUTPUT: input (strings), per measure value, _ci_low, _ci_high, then
   swing_low, swing_high (float64 [k]), swing_base, samples, skipped (scalars). */
static int put_sensitivity(cmc_h5 *h, hid_t parent, const cmc_sensitivity *se)
{
    char where[600], name[48];
    snprintf(where, sizeof where, "/sensitivity/%s", se->output);
    hid_t g = put_group(h, parent, "/sensitivity", se->output);
    if (g < 0)
        return -1;
    size_t k = se->ninputs;
    int rc = put_data(h, g, where, "input", h->str, h->str, 1, k, se->input);
    for (int e = 0; e < CMC_SENS_NEST && rc == 0; e++) {
        const double *v[3] = {se->value[e], se->ci_low[e], se->ci_high[e]};
        for (int j = 0; j < 3 && rc == 0; j++) {
            snprintf(name, sizeof name, "%s%s", sens_names[e],
                     j == 0 ? "" : j == 1 ? "_ci_low" : "_ci_high");
            rc = put_f64s(h, g, where, name, v[j], k);
        }
    }
    if (rc == 0 && (put_f64s(h, g, where, "swing_low", se->swing_low, k) < 0 ||
                    put_f64s(h, g, where, "swing_high", se->swing_high, k) < 0 ||
                    put_f64(h, g, where, "swing_base", se->swing_base) < 0 ||
                    put_u64(h, g, where, "samples", se->samples) < 0 ||
                    put_u64(h, g, where, "skipped", se->skipped) < 0))
        rc = -1;
    if (close_group(h, g, where) < 0)
        rc = -1;
    return rc;
}

/* /variants/NAME/outputs/OUT (the variant's statistics) and
   /variants/NAME/paired/OUT/{difference, ratio, count, p_greater, ...}. */
static int put_variant(cmc_h5 *h, hid_t parent, const cmc_results *r, const cmc_variant_result *v)
{
    char where[512], kind[600], sub[700];
    snprintf(where, sizeof where, "/variants/%s", v->name);
    if (!valid_name(v->name))
        return wfail(h, "variant name '%s' cannot be an HDF5 group name", v->name);
    hid_t g = put_group(h, parent, "/variants", v->name), og = -1, pg = -1;
    if (g < 0)
        return -1;
    int rc = -1;
    if (put_attr_str(h, g, where, "label", v->label) < 0 ||
        put_attr_str(h, g, where, "reference", r->variants[0].name) < 0 ||
        put_names_at(h, g, where, "outputs", v->outputs, sizeof *v->outputs, v->noutputs) < 0 ||
        (og = put_group(h, g, where, "outputs")) < 0)
        goto out;
    snprintf(kind, sizeof kind, "variants/%s/outputs", v->name);
    for (size_t i = 0; i < v->noutputs; i++)
        if (put_stat(h, og, kind, &v->outputs[i], 0) < 0)
            goto out;
    if (v->npaired) {
        if (put_names_at(h, g, where, "paired", v->paired, sizeof *v->paired, v->npaired) < 0 ||
            (pg = put_group(h, g, where, "paired")) < 0)
            goto out;
        for (size_t i = 0; i < v->npaired; i++) {
            const cmc_paired *pr = &v->paired[i];
            snprintf(sub, sizeof sub, "%s/paired/%s", where, pr->output);
            snprintf(kind, sizeof kind, "variants/%s/paired/%s", v->name, pr->output);
            hid_t q = put_group(h, pg, where, pr->output);
            if (q < 0)
                goto out;
            int bad = put_attr_str(h, q, sub, "reference", pr->reference) < 0 ||
                      put_stat(h, q, kind, &pr->difference, 0) < 0 ||
                      put_stat(h, q, kind, &pr->ratio, 0) < 0 ||
                      put_u64(h, q, sub, "count", pr->count) < 0 ||
                      put_f64(h, q, sub, "p_greater", pr->p_greater) < 0 ||
                      put_f64(h, q, sub, "p_greater_ci_low", pr->p_greater_ci_low) < 0 ||
                      put_f64(h, q, sub, "p_greater_ci_high", pr->p_greater_ci_high) < 0;
            if (close_group(h, q, sub) < 0 || bad)
                goto out;
        }
    }
    rc = 0;
out:
    if (og >= 0 && close_group(h, og, where) < 0)
        rc = -1;
    if (pg >= 0 && close_group(h, pg, where) < 0)
        rc = -1;
    if (close_group(h, g, where) < 0)
        rc = -1;
    return rc;
}

static int check_names(cmc_h5 *h, const char *kind, const cmc_stat *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!valid_name(s[i].name))
            return wfail(h, "%s name '%s' cannot be an HDF5 group name", kind,
                         s[i].name ? s[i].name : "");
        for (size_t j = 0; j < i; j++)
            if (strcmp(s[i].name, s[j].name) == 0)
                return wfail(h, "two %ss are named '%s'", kind, s[i].name);
    }
    return 0;
}

static int write_results(cmc_h5 *h, const cmc_results *r)
{
    if (check_names(h, "output", r->outputs, r->noutputs) < 0 ||
        check_names(h, "input", r->inputs, r->ninputs) < 0)
        return -1;
    char created[32];
    const char *when = r->created;
    if (!when) {
        time_t now = time(NULL);
        struct tm tm;
        if (!gmtime_r(&now, &tm) ||
            !strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm))
            created[0] = '\0';
        when = created;
    }
    if (put_attr_str(h, h->file, "/", "format", FORMAT_NAME) < 0 ||
        put_attr_str(h, h->file, "/", "tool_version", r->tool_version) < 0 ||
        put_attr_str(h, h->file, "/", "created", when) < 0 ||
        put_attr_str(h, h->file, "/", "title", r->title) < 0 ||
        put_attr_u64(h, h->file, "/", "seed", r->seed) < 0 ||
        put_attr_u64(h, h->file, "/", "samples", r->samples) < 0 ||
        put_attr_str(h, h->file, "/", "method", r->method) < 0 ||
        put_attr_str(h, h->file, "/", "rng", r->rng) < 0 ||
        put_names(h, "outputs", r->outputs, r->noutputs) < 0 ||
        put_names(h, "inputs", r->inputs, r->ninputs) < 0)
        return -1;

    hid_t g = open_top(h, "scenario");
    if (g < 0)
        return -1;
    const char *src = r->source ? r->source : "";
    int rc = put_data(h, g, "/scenario", "source", h->str, h->str, 0, 0, &src);
    if (close_group(h, g, "/scenario") < 0 || rc < 0)
        return -1;

    static const char *const kinds[] = {"outputs", "inputs"};
    for (int k = 0; k < 2; k++) {
        const cmc_stat *s = k == 0 ? r->outputs : r->inputs;
        size_t n = k == 0 ? r->noutputs : r->ninputs;
        if ((g = open_top(h, kinds[k])) < 0)
            return -1;
        rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = put_stat(h, g, kinds[k], &s[i], k == 1);
        char where[16];
        snprintf(where, sizeof where, "/%s", kinds[k]);
        if (close_group(h, g, where) < 0 || rc < 0)
            return -1;
    }
    if (r->nsensitivity) {
        if (put_names_at(h, h->file, "/", "sensitivity", r->sensitivity,
                         sizeof *r->sensitivity, r->nsensitivity) < 0 ||
            (g = put_group(h, h->file, "", "sensitivity")) < 0)
            return -1;
        rc = 0;
        for (size_t i = 0; i < r->nsensitivity && rc == 0; i++)
            rc = put_sensitivity(h, g, &r->sensitivity[i]);
        if (close_group(h, g, "/sensitivity") < 0 || rc < 0)
            return -1;
    }
    if (!r->nvariants)
        return 0;
    if (put_names_at(h, h->file, "/", "variants", r->variants, sizeof *r->variants,
                     r->nvariants) < 0 ||
        (g = put_group(h, h->file, "", "variants")) < 0)
        return -1;
    rc = 0;
    for (size_t v = 0; v < r->nvariants && rc == 0; v++)
        rc = put_variant(h, g, r, &r->variants[v]);
    if (close_group(h, g, "/variants") < 0 || rc < 0)
        return -1;
    return 0;
}

/* Make the temporary file's data durable before it takes the final name, so a
   crash right after the rename cannot leave an empty PATH. */
static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int cmc_h5_commit(cmc_h5 *h, const cmc_results *r, cmc_diags *d)
{
    if (!h)
        return -1;
    quiet q;
    quiet_begin(&q);
    h->failed = 0;
    int rc = r ? write_results(h, r) : wfail(h, "no results to write");
    close_samples(h);
    H5Tclose(h->str);
    H5Pclose(h->gcpl);
    h->str = h->gcpl = -1;
    if (H5Fclose(h->file) < 0)
        rc = wfail(h, "cannot finish '%s'", h->tmp);
    h->file = -1;
    if (rc == 0 && sync_file(h->tmp) < 0)
        rc = wfail(h, "cannot flush '%s' to disk: %s", h->tmp, strerror(errno));
    if (rc == 0 && rename(h->tmp, h->path) < 0)
        rc = wfail(h, "cannot rename '%s' to it: %s", h->tmp, strerror(errno));
    if (rc == 0) {
        free(h->tmp);   /* renamed: nothing to remove */
        h->tmp = NULL;
    } else {
        report(h, d);
    }
    discard(h);
    quiet_end(&q);
    return rc;
}

/* ---- Reader -------------------------------------------------------------------- */

typedef struct reader {
    const char *path;
    cmc_diags *d;
    cmc_arena *a;
    int failed;
} reader;

static int rfail(reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rfail(reader *rd, const char *fmt, ...)
{
    char reason[256], msg[1024];
    h5_reason(reason);
    if (rd->failed)
        return -1;
    rd->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cmc_error(rd->d, NULL, "cannot read '%s': %s%s%s%s", rd->path, msg,
              reason[0] ? " (HDF5: " : "", reason, reason[0] ? ")" : "");
    return -1;
}

/* All strings of an attribute or dataset (fixed- or variable-length), copied into
   the arena. want: the number of elements required, or 0 for any 1-D array. */
static int get_strings(reader *rd, hid_t obj, int is_attr, const char *what, size_t want,
                       char ***out, size_t *nout)
{
    int rc = -1;
    hid_t ftype = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t space = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
    hid_t mtype = -1;
    char *fixed = NULL;
    char **vlen = NULL;
    if (ftype < 0 || space < 0) {
        rfail(rd, "cannot inspect %s", what);
        goto out;
    }
    int rank = H5Sget_simple_extent_ndims(space);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    if (H5Tget_class(ftype) != H5T_STRING || rank < 0 || rank > 1 || n < 0 ||
        (want ? (size_t)n != want : rank != 1)) {
        rfail(rd, "%s is not %s", what, want == 1 ? "a string" : "an array of strings");
        goto out;
    }
    char **v = cmc_arena_alloc(rd->a, ((size_t)n + 1) * sizeof *v);
    if (!v) {
        rfail(rd, "out of memory");
        goto out;
    }
    htri_t var = H5Tis_variable_str(ftype);
    size_t size = H5Tget_size(ftype);
    H5T_cset_t cset = H5Tget_cset(ftype);
    if (var < 0 || size == 0 || cset < 0 || (mtype = H5Tcopy(H5T_C_S1)) < 0 ||
        H5Tset_cset(mtype, cset) < 0 || H5Tset_size(mtype, var ? H5T_VARIABLE : size) < 0) {
        rfail(rd, "cannot inspect %s", what);
        goto out;
    }
    if (n == 0) {
        rc = 0;
    } else if (var) {
        vlen = calloc((size_t)n, sizeof *vlen);
        if (!vlen) {
            rfail(rd, "out of memory");
            goto out;
        }
        herr_t st = is_attr ? H5Aread(obj, mtype, vlen)
                            : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, vlen);
        if (st < 0) {
            rfail(rd, "cannot read %s", what);
            free(vlen);
            vlen = NULL;
            goto out;
        }
        rc = 0;
        for (hssize_t i = 0; i < n && rc == 0; i++)
            if (!(v[i] = cmc_arena_strdup(rd->a, vlen[i] ? vlen[i] : "")))
                rc = rfail(rd, "out of memory");
        H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, vlen);
    } else {
        H5T_str_t pad = H5Tget_strpad(ftype);
        fixed = malloc((size_t)n * size);
        if (!fixed || pad < 0 || H5Tset_strpad(mtype, pad) < 0) {
            rfail(rd, fixed ? "cannot inspect %s" : "out of memory", what);
            goto out;
        }
        herr_t st = is_attr ? H5Aread(obj, mtype, fixed)
                            : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed);
        if (st < 0) {
            rfail(rd, "cannot read %s", what);
            goto out;
        }
        rc = 0;
        for (hssize_t i = 0; i < n && rc == 0; i++) {
            const char *s = fixed + (size_t)i * size;
            size_t len = strnlen(s, size);
            while (pad == H5T_STR_SPACEPAD && len > 0 && s[len - 1] == ' ')
                len--;
            if (!(v[i] = cmc_arena_strndup(rd->a, s, len)))
                rc = rfail(rd, "out of memory");
        }
    }
    if (rc == 0) {
        *out = v;
        if (nout)
            *nout = (size_t)n;
    }
out:
    free(vlen);
    free(fixed);
    if (mtype >= 0)
        H5Tclose(mtype);
    if (ftype >= 0)
        H5Tclose(ftype);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Open attribute name of loc; 0 with *a = -1 if it is missing and optional. */
static int open_attr(reader *rd, hid_t loc, const char *where, const char *name, int optional,
                     hid_t *a)
{
    *a = -1;
    htri_t ex = H5Aexists(loc, name);
    if (ex < 0)
        return rfail(rd, "cannot look for attribute '%s' of %s", name, where);
    if (!ex)
        return optional ? 0 : rfail(rd, "%s has no attribute '%s'", where, name);
    if ((*a = H5Aopen(loc, name, H5P_DEFAULT)) < 0)
        return rfail(rd, "cannot open attribute '%s' of %s", name, where);
    return 0;
}

/* A string attribute; a missing optional one reads as "". */
static int attr_str(reader *rd, hid_t loc, const char *where, const char *name, int optional,
                    const char **out)
{
    hid_t a;
    *out = "";
    if (open_attr(rd, loc, where, name, optional, &a) < 0)
        return -1;
    if (a < 0)
        return 0;
    char what[1200], **v;
    snprintf(what, sizeof what, "attribute '%s' of %s", name, where);
    int rc = get_strings(rd, a, 1, what, 1, &v, NULL);
    if (rc == 0)
        *out = v[0];
    H5Aclose(a);
    return rc;
}

static int attr_names_at(reader *rd, hid_t loc, const char *where, const char *name,
                         char ***out, size_t *n)
{
    hid_t a;
    if (open_attr(rd, loc, where, name, 0, &a) < 0)
        return -1;
    char what[1100];
    snprintf(what, sizeof what, "attribute '%s' of %s", name, where);
    int rc = get_strings(rd, a, 1, what, 0, out, n);
    H5Aclose(a);
    return rc;
}

static int attr_names(reader *rd, hid_t loc, const char *name, char ***out, size_t *n)
{
    return attr_names_at(rd, loc, "/", name, out, n);
}

/* A scalar numeric attribute of class cls, converted to mtype. */
static int attr_num(reader *rd, hid_t loc, const char *where, const char *name,
                    H5T_class_t cls, hid_t mtype, void *out)
{
    hid_t a;
    if (open_attr(rd, loc, where, name, 0, &a) < 0)
        return -1;
    int rc = -1;
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    if (t < 0 || s < 0)
        rfail(rd, "cannot inspect attribute '%s' of %s", name, where);
    else if (H5Tget_class(t) != cls || H5Sget_simple_extent_npoints(s) != 1)
        rfail(rd, "attribute '%s' of %s is not a single %s", name, where,
              cls == H5T_FLOAT ? "number" : "integer");
    else if (H5Aread(a, mtype, out) < 0)
        rfail(rd, "cannot read attribute '%s' of %s", name, where);
    else
        rc = 0;
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    H5Aclose(a);
    return rc;
}

/* A numeric dataset of class cls: a single value (array 0, into out) or a 1-D
   array (array 1: *n elements of elsize bytes allocated in the arena, NULL if
   empty, into *(void **)out). */
static int data_num(reader *rd, hid_t loc, const char *where, const char *name,
                    H5T_class_t cls, hid_t mtype, size_t elsize, int array, void *out,
                    size_t *n)
{
    htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
    if (ex <= 0)
        return rfail(rd, "%s/%s is missing", where, name);
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0)
        return rfail(rd, "cannot open dataset %s/%s", where, name);
    int rc = -1;
    hid_t t = H5Dget_type(ds), s = H5Dget_space(ds);
    int rank = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (t < 0 || s < 0 || rank < 0 || np < 0) {
        rfail(rd, "cannot inspect dataset %s/%s", where, name);
    } else if (H5Tget_class(t) != cls || (array ? rank != 1 : np != 1)) {
        rfail(rd, "%s/%s is not %s %s", where, name, array ? "a 1-D array of" : "a single",
              cls == H5T_FLOAT ? "floating-point numbers" : "integers");
    } else if (!array) {
        if (H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
            rfail(rd, "cannot read dataset %s/%s", where, name);
        else
            rc = 0;
    } else {
        void *buf = NULL;
        if (np > 0 && !(buf = cmc_arena_alloc(rd->a, (size_t)np * elsize)))
            rfail(rd, "out of memory");
        else if (np > 0 && H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            rfail(rd, "cannot read dataset %s/%s", where, name);
        else {
            *(void **)out = buf;
            *n = (size_t)np;
            rc = 0;
        }
    }
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    H5Dclose(ds);
    return rc;
}

static int f64(reader *rd, hid_t loc, const char *where, const char *name, double *v)
{
    return data_num(rd, loc, where, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, 0, 0, v, NULL);
}

static int u64(reader *rd, hid_t loc, const char *where, const char *name, uint64_t *v)
{
    return data_num(rd, loc, where, name, H5T_INTEGER, H5T_NATIVE_UINT64, 0, 0, v, NULL);
}

static int f64s(reader *rd, hid_t loc, const char *where, const char *name, double **v,
                size_t *n)
{
    return data_num(rd, loc, where, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, sizeof(double), 1, v,
                    n);
}

static hid_t open_group(reader *rd, hid_t loc, const char *where, const char *name)
{
    htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
    if (ex <= 0) {
        rfail(rd, "%s/%s is missing", where, name);
        return -1;
    }
    hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
    if (g < 0)
        rfail(rd, "cannot open group %s/%s", where, name);
    return g;
}

/* NAME/convergence, optional (files from carbonmc 0.1 lack it). */
static int read_convergence(reader *rd, hid_t parent, const char *where, cmc_convergence *c)
{
    char sub[1200], name[32];
    snprintf(sub, sizeof sub, "%s/convergence", where);
    hid_t g = open_group(rd, parent, where, "convergence");
    if (g < 0)
        return -1;
    size_t n = 0, m;
    int rc = data_num(rd, g, sub, "samples", H5T_INTEGER, H5T_NATIVE_UINT64, sizeof(uint64_t),
                      1, &c->samples, &n);
    for (int e = 0; e < CMC_CONV_NEST && rc == 0; e++) {
        double **v[3] = {&c->value[e], &c->ci_low[e], &c->ci_high[e]};
        for (int k = 0; k < 3 && rc == 0; k++) {
            snprintf(name, sizeof name, "%s%s", est_names[e],
                     k == 0 ? "" : k == 1 ? "_ci_low" : "_ci_high");
            m = 0;
            rc = f64s(rd, g, sub, name, v[k], &m);
            if (rc == 0 && m != n)
                rc = rfail(rd, "%s/%s has %zu values for %zu checkpoints", sub, name, m, n);
        }
    }
    H5Gclose(g);
    c->n = rc == 0 ? n : 0;
    return rc;
}

static int read_stat(reader *rd, hid_t parent, const char *kind, cmc_stat *s)
{
    char where[1024], sub[1100], top[1024];
    snprintf(top, sizeof top, "/%s", kind);
    snprintf(where, sizeof where, "/%s/%s", kind, s->name);
    hid_t g = open_group(rd, parent, top, s->name), pg = -1, hg = -1;
    if (g < 0)
        return -1;
    int rc = -1;
    if (attr_str(rd, g, where, "description", 0, &s->description) < 0 ||
        attr_str(rd, g, where, "expression", 0, &s->expression) < 0 ||
        attr_str(rd, g, where, "unit", 1, &s->unit) < 0)
        goto out;

    snprintf(sub, sizeof sub, "%s/percentiles", where);
    size_t n[4] = {0, 0, 0, 0};
    if ((pg = open_group(rd, g, where, "percentiles")) < 0 ||
        f64s(rd, pg, sub, "probability", &s->p, &n[0]) < 0 ||
        f64s(rd, pg, sub, "value", &s->value, &n[1]) < 0 ||
        f64s(rd, pg, sub, "ci_low", &s->ci_low, &n[2]) < 0 ||
        f64s(rd, pg, sub, "ci_high", &s->ci_high, &n[3]) < 0)
        goto out;
    if (n[1] != n[0] || n[2] != n[0] || n[3] != n[0]) {
        rfail(rd, "the arrays in %s differ in length", sub);
        goto out;
    }
    s->npercentiles = n[0];

    if (f64(rd, g, where, "mean", &s->mean) < 0 || f64(rd, g, where, "std", &s->std) < 0 ||
        f64(rd, g, where, "mean_se", &s->mean_se) < 0 ||
        f64(rd, g, where, "min", &s->min) < 0 || f64(rd, g, where, "max", &s->max) < 0 ||
        u64(rd, g, where, "nonfinite", &s->nonfinite) < 0 ||
        u64(rd, g, where, "count", &s->count) < 0)
        goto out;

    snprintf(sub, sizeof sub, "%s/histogram", where);
    size_t nedges = 0;
    if ((hg = open_group(rd, g, where, "histogram")) < 0 ||
        f64s(rd, hg, sub, "edges", &s->edges, &nedges) < 0 ||
        data_num(rd, hg, sub, "counts", H5T_INTEGER, H5T_NATIVE_UINT64, sizeof(uint64_t), 1,
                 &s->counts, &s->nbins) < 0 ||
        attr_num(rd, hg, sub, "underflow", H5T_INTEGER, H5T_NATIVE_UINT64, &s->underflow) < 0 ||
        attr_num(rd, hg, sub, "overflow", H5T_INTEGER, H5T_NATIVE_UINT64, &s->overflow) < 0 ||
        attr_num(rd, hg, sub, "log_bins", H5T_INTEGER, H5T_NATIVE_INT, &s->log_bins) < 0)
        goto out;
    if (nedges != s->nbins + 1 && !(nedges == 0 && s->nbins == 0)) {
        rfail(rd, "%s has %zu edges for %zu bins", sub, nedges, s->nbins);
        goto out;
    }
    if (H5Lexists(g, "convergence", H5P_DEFAULT) > 0 && read_convergence(rd, g, where, &s->conv) < 0)
        goto out;
    rc = 0;
out:
    if (pg >= 0)
        H5Gclose(pg);
    if (hg >= 0)
        H5Gclose(hg);
    H5Gclose(g);
    return rc;
}

/* "carbonmc/1" is ours; "carbonmc/N" for a larger N is a newer format. */
static int check_format(reader *rd, hid_t file)
{
    hid_t a;
    htri_t ex = H5Aexists(file, "format");
    if (ex < 0)
        return rfail(rd, "cannot look for the format attribute");
    if (!ex)
        goto foreign;
    if (open_attr(rd, file, "/", "format", 0, &a) < 0)
        return -1;
    char **v;
    rd->failed = 1;   /* a format that is not one string is foreign: no other message */
    int rc = get_strings(rd, a, 1, "attribute 'format' of /", 1, &v, NULL);
    rd->failed = 0;
    H5Aclose(a);
    if (rc < 0)
        goto foreign;
    if (strcmp(v[0], FORMAT_NAME) == 0)
        return 0;
    size_t k = strlen(FORMAT_PREFIX);
    char *end;
    if (strncmp(v[0], FORMAT_PREFIX, k) == 0 && v[0][k] >= '0' && v[0][k] <= '9') {
        long ver = strtol(v[0] + k, &end, 10);
        if (ver > FORMAT_VERSION) {
            cmc_error(rd->d, NULL,
                      "'%s' was written by a newer carbonmc (format \"%s\"; this one reads "
                      "\"%s\")", rd->path, v[0], FORMAT_NAME);
            rd->failed = 1;
            return -1;
        }
    }
foreign:
    cmc_error(rd->d, NULL, "'%s' is not a carbonmc file (an HDF5 file without the attribute "
              "format = \"%s\")", rd->path, FORMAT_NAME);
    rd->failed = 1;
    return -1;
}

static int read_stats(reader *rd, hid_t file, const char *kind, cmc_stat **out, size_t *nout)
{
    char **names;
    size_t n;
    if (attr_names(rd, file, kind, &names, &n) < 0)
        return -1;
    cmc_stat *s = cmc_arena_alloc(rd->a, (n ? n : 1) * sizeof *s);
    if (!s)
        return rfail(rd, "out of memory");
    hid_t g = open_group(rd, file, "", kind);
    if (g < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        s[i].name = names[i];
        if (!valid_name(names[i]))
            rc = rfail(rd, "attribute '%s' of / lists the invalid name '%s'", kind, names[i]);
        else
            rc = read_stat(rd, g, kind, &s[i]);
    }
    H5Gclose(g);
    *out = s;
    *nout = n;
    return rc;
}

/* The statistics named by attribute `attr` of g (at where), from group sub of g. */
static int read_named_stats(reader *rd, hid_t g, const char *where, const char *attr,
                            const char *sub, cmc_stat **out, size_t *nout)
{
    char **names, kind[1200];
    size_t n;
    if (attr_names_at(rd, g, where, attr, &names, &n) < 0)
        return -1;
    cmc_stat *s = cmc_arena_alloc(rd->a, (n ? n : 1) * sizeof *s);
    if (!s)
        return rfail(rd, "out of memory");
    hid_t sg = open_group(rd, g, where, sub);
    if (sg < 0)
        return -1;
    snprintf(kind, sizeof kind, "%s/%s", where + 1, sub);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        s[i].name = names[i];
        rc = valid_name(names[i]) ? read_stat(rd, sg, kind, &s[i])
                                  : rfail(rd, "%s lists the invalid name '%s'", where, names[i]);
    }
    H5Gclose(sg);
    *out = s;
    *nout = n;
    return rc;
}

static int read_paired(reader *rd, hid_t g, const char *where, const char *vname, cmc_paired *p)
{
    char sub[1100], kind[1200];
    snprintf(sub, sizeof sub, "%s/paired/%s", where, p->output);
    snprintf(kind, sizeof kind, "variants/%s/paired/%s", vname, p->output);
    hid_t q = open_group(rd, g, where, p->output);
    if (q < 0)
        return -1;
    p->difference.name = "difference";
    p->ratio.name = "ratio";
    int rc = attr_str(rd, q, sub, "reference", 0, &p->reference) < 0 ||
                     read_stat(rd, q, kind, &p->difference) < 0 ||
                     read_stat(rd, q, kind, &p->ratio) < 0 ||
                     u64(rd, q, sub, "count", &p->count) < 0 ||
                     f64(rd, q, sub, "p_greater", &p->p_greater) < 0 ||
                     f64(rd, q, sub, "p_greater_ci_low", &p->p_greater_ci_low) < 0 ||
                     f64(rd, q, sub, "p_greater_ci_high", &p->p_greater_ci_high) < 0
                 ? -1
                 : 0;
    H5Gclose(q);
    return rc;
}

/* /sensitivity/OUTPUT. */
static int read_sensitivity(reader *rd, hid_t parent, cmc_sensitivity *se)
{
    char where[600];
    snprintf(where, sizeof where, "/sensitivity/%s", se->output);
    hid_t g = open_group(rd, parent, "/sensitivity", se->output);
    if (g < 0)
        return -1;
    hid_t ds = H5Lexists(g, "input", H5P_DEFAULT) > 0 ? H5Dopen2(g, "input", H5P_DEFAULT) : -1;
    char **names = NULL;
    size_t k = 0, m;
    int rc = ds < 0 ? rfail(rd, "%s/input is missing", where)
                    : get_strings(rd, ds, 0, "dataset input", 0, &names, &k);
    if (ds >= 0)
        H5Dclose(ds);
    se->input = (const char **)names;
    se->ninputs = k;
    double **v[2 + 3 * CMC_SENS_NEST];
    const char *vn[2 + 3 * CMC_SENS_NEST];
    char buf[3 * CMC_SENS_NEST][48];
    int nv = 0;
    for (int e = 0; e < CMC_SENS_NEST; e++)
        for (int j = 0; j < 3; j++, nv++) {
            snprintf(buf[nv], sizeof buf[nv], "%s%s", sens_names[e],
                     j == 0 ? "" : j == 1 ? "_ci_low" : "_ci_high");
            vn[nv] = buf[nv];
            v[nv] = j == 0 ? &se->value[e] : j == 1 ? &se->ci_low[e] : &se->ci_high[e];
        }
    vn[nv] = "swing_low";
    v[nv++] = &se->swing_low;
    vn[nv] = "swing_high";
    v[nv++] = &se->swing_high;
    for (int i = 0; i < nv && rc == 0; i++) {
        m = 0;
        rc = f64s(rd, g, where, vn[i], v[i], &m);
        if (rc == 0 && m != k)
            rc = rfail(rd, "%s/%s has %zu values for %zu inputs", where, vn[i], m, k);
    }
    if (rc == 0 && (f64(rd, g, where, "swing_base", &se->swing_base) < 0 ||
                    u64(rd, g, where, "samples", &se->samples) < 0 ||
                    u64(rd, g, where, "skipped", &se->skipped) < 0))
        rc = -1;
    H5Gclose(g);
    return rc;
}

static int read_sensitivities(reader *rd, hid_t file, cmc_results *r)
{
    if (H5Aexists(file, "sensitivity") <= 0)
        return 0;
    char **names;
    size_t n;
    if (attr_names(rd, file, "sensitivity", &names, &n) < 0)
        return -1;
    if (!(r->sensitivity = cmc_arena_alloc(rd->a, (n + 1) * sizeof *r->sensitivity)))
        return rfail(rd, "out of memory");
    r->nsensitivity = n;
    hid_t g = open_group(rd, file, "", "sensitivity");
    if (g < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        r->sensitivity[i].output = names[i];
        rc = valid_name(names[i]) ? read_sensitivity(rd, g, &r->sensitivity[i])
                                  : rfail(rd, "/ lists the invalid output '%s'", names[i]);
    }
    H5Gclose(g);
    return rc;
}

/* /variants, if the root lists any. */
static int read_variants(reader *rd, hid_t file, cmc_results *r)
{
    if (H5Aexists(file, "variants") <= 0)
        return 0;
    char **names;
    size_t n;
    if (attr_names(rd, file, "variants", &names, &n) < 0)
        return -1;
    if (!(r->variants = cmc_arena_alloc(rd->a, (n ? n : 1) * sizeof *r->variants)))
        return rfail(rd, "out of memory");
    r->nvariants = n;
    hid_t vg = open_group(rd, file, "", "variants");
    if (vg < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cmc_variant_result *v = &r->variants[i];
        char where[600];
        v->name = names[i];
        snprintf(where, sizeof where, "/variants/%s", v->name);
        hid_t g = valid_name(v->name) ? open_group(rd, vg, "/variants", v->name) : -1;
        if (g < 0) {
            rc = valid_name(v->name) ? -1 : rfail(rd, "/ lists the invalid variant '%s'", v->name);
            break;
        }
        rc = attr_str(rd, g, where, "label", 1, &v->label) < 0 ||
                     read_named_stats(rd, g, where, "outputs", "outputs", &v->outputs,
                                      &v->noutputs) < 0
                 ? -1
                 : 0;
        if (rc == 0 && H5Aexists(g, "paired") > 0) {
            char **pn;
            hid_t pg = -1;
            if (attr_names_at(rd, g, where, "paired", &pn, &v->npaired) < 0 ||
                !(v->paired = cmc_arena_alloc(rd->a, (v->npaired + 1) * sizeof *v->paired)) ||
                (pg = open_group(rd, g, where, "paired")) < 0) {
                rc = rfail(rd, "cannot read %s/paired", where);
            } else {
                for (size_t j = 0; j < v->npaired && rc == 0; j++) {
                    v->paired[j].output = pn[j];
                    rc = read_paired(rd, pg, where, v->name, &v->paired[j]);
                }
            }
            if (pg >= 0)
                H5Gclose(pg);
        }
        H5Gclose(g);
    }
    H5Gclose(vg);
    return rc;
}

static int read_file(reader *rd, hid_t file, cmc_results *r)
{
    if (check_format(rd, file) < 0 ||
        attr_str(rd, file, "/", "tool_version", 1, &r->tool_version) < 0 ||
        attr_str(rd, file, "/", "created", 1, &r->created) < 0 ||
        attr_str(rd, file, "/", "title", 1, &r->title) < 0 ||
        attr_num(rd, file, "/", "seed", H5T_INTEGER, H5T_NATIVE_UINT64, &r->seed) < 0 ||
        attr_num(rd, file, "/", "samples", H5T_INTEGER, H5T_NATIVE_UINT64, &r->samples) < 0 ||
        attr_str(rd, file, "/", "method", 1, &r->method) < 0 ||
        attr_str(rd, file, "/", "rng", 1, &r->rng) < 0)
        return -1;

    hid_t g = open_group(rd, file, "", "scenario");
    if (g < 0)
        return -1;
    hid_t ds = -1;
    int rc = -1;
    if (H5Lexists(g, "source", H5P_DEFAULT) <= 0)
        rfail(rd, "/scenario/source is missing");
    else if ((ds = H5Dopen2(g, "source", H5P_DEFAULT)) < 0)
        rfail(rd, "cannot open dataset /scenario/source");
    else {
        char **v;
        rc = get_strings(rd, ds, 0, "dataset /scenario/source", 1, &v, NULL);
        if (rc == 0)
            r->source = v[0];
    }
    if (ds >= 0)
        H5Dclose(ds);
    H5Gclose(g);
    if (rc < 0 || read_stats(rd, file, "outputs", &r->outputs, &r->noutputs) < 0 ||
        read_stats(rd, file, "inputs", &r->inputs, &r->ninputs) < 0 ||
        read_variants(rd, file, r) < 0 || read_sensitivities(rd, file, r) < 0)
        return -1;
    return 0;
}

cmc_results *cmc_results_read(const char *path, cmc_diags *d)
{
    /* the system says best why a file cannot be opened */
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        int e = fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;
        if (fd >= 0)
            close(fd);
        cmc_error(d, NULL, "cannot open '%s': %s", path, strerror(e));
        return NULL;
    }
    close(fd);

    quiet q;
    quiet_begin(&q);
    cmc_results *out = NULL;
    reader rd = {path, d, NULL, 0};
    hid_t fapl = -1, file = -1;
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        H5Eclear2(H5E_DEFAULT);
        cmc_error(d, NULL, "'%s' is not a carbonmc file (it is not in HDF5 format)", path);
        goto done;
    }
    if (!(rd.a = cmc_arena_new())) {
        cmc_error(d, NULL, "cannot read '%s': out of memory", path);
        goto done;
    }
    cmc_results *r = cmc_arena_alloc(rd.a, sizeof *r);
    if (!r) {
        cmc_error(d, NULL, "cannot read '%s': out of memory", path);
        goto done;
    }
    r->arena = rd.a;
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        rfail(&rd, "cannot set up the HDF5 library");
        goto done;
    }
    if ((file = H5Fopen(path, H5F_ACC_RDONLY, fapl)) < 0) {
        char reason[256];
        h5_reason(reason);
        cmc_error(d, NULL, "cannot open '%s': %s", path, reason[0] ? reason : "HDF5 failed");
        goto done;
    }
    if (read_file(&rd, file, r) == 0) {
        out = r;
        rd.a = NULL;
    }
done:
    if (file >= 0 && H5Fclose(file) < 0 && out) {
        rfail(&rd, "cannot close the file");
        rd.a = out->arena;
        out = NULL;
    }
    if (fapl >= 0)
        H5Pclose(fapl);
    cmc_arena_free(rd.a);
    quiet_end(&q);
    return out;
}

void cmc_results_free(cmc_results *r)
{
    if (r)
        cmc_arena_free(r->arena);   /* r itself lives in the arena */
}
