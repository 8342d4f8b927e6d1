/*
 * h5.c: the HDF5 file of a run (docs/hdf5.md): the atomic writer of h5.h, and
 * the helpers it shares with the reader (h5read.c, cmc_results_read). These two
 * are the only files that include hdf5.h (through h5priv.h).
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
#include "h5priv.h"
#include "diag.h"
#include <hdf5_hl.h>   /* H5DS: dimension scales (libhdf5_hl) */
#include "util.h"

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


#define SAMPLE_CHUNK 65536      /* elements per chunk of /samples/NAME (512 KiB) */
#define SAMPLE_DEFLATE 1        /* deflate level: see the measurement above */
#define SAMPLE_CACHE_CHUNKS 4   /* chunks held in each sample dataset's cache */

/* ---- Quiet HDF5 and its error messages ------------------------------------------ */

void cmc_h5_quiet_begin(cmc_h5_quiet *q)
{
    q->saved = H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void cmc_h5_quiet_end(cmc_h5_quiet *q)
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
void cmc_h5_reason(char out[256])
{
    out[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, out);
    H5Eclear2(H5E_DEFAULT);
}

hid_t cmc_h5_utf8_string_type(void)
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

int cmc_h5_valid_name(const char *s)
{
    return s && s[0] && !strchr(s, '/') && strcmp(s, ".") != 0;
}

const char *const cmc_h5_est_names[CMC_CONV_NEST] = {"mean", "median", "p95"};
const char *const cmc_h5_sens_names[CMC_SENS_NEST] = {"spearman", "logvar_share", "sobol_first",
                                                     "sobol_total"};

/* For a program's main, before any other call (carbonmc.h). HDF5's exit handler
   closes whatever is still open; after a failed H5Fclose (a full disk while the
   caches were flushed) the file is half torn down and that handler crashes in
   H5F__close_cb (HDF5 1.10) or prints "infinite loop closing library". Every file
   is closed explicitly here, so the handler has nothing to do: it is switched off,
   and so is the printing of HDF5's error stack (our diagnostics say it once). */
void cmc_process_setup(void)
{
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* ---- Writer -------------------------------------------------------------------- */

struct cmc_h5 {
    char *path, *tmp;        /* tmp: set while the temporary file exists and is ours */
    void (*watch)(void *ctx, const char *tmp);   /* told when tmp appears and goes */
    void *watch_ctx;
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
    cmc_h5_reason(reason);
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
    if (h->watch)
        h->watch(h->watch_ctx, NULL);
    free(h->path);
    free(h->tmp);
    free(h);
}

cmc_h5 *cmc_h5_create(const char *path, cmc_diags *d)
{
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
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
    char why[256];
    if (cmc_output_check(path, why, sizeof why) < 0) {
        h->failed = 1;
        snprintf(h->err, sizeof h->err, "%s", why);
        free(h->tmp);
        h->tmp = NULL;
        goto fail;
    }

    h->str = cmc_h5_utf8_string_type();
    h->gcpl = ordered_gcpl();
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (h->str < 0 || h->gcpl < 0 || fcpl < 0 || fapl < 0 ||
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
        /* every object header in the 1.8 format (version 2): checksummed, so a damaged
           length in a header or its continuation is found before HDF5 allocates by it
           (the datasets' units, long_name and dimension scales need continuation
           blocks, which version 1 headers do not protect) */
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0) {
        wfail(h, "cannot set up the HDF5 library");
        goto fail;
    }
    /* The temporary file is created here, exclusively, so that it is known to be
       ours: from now on every failure removes it (HDF5's own H5F_ACC_EXCL cannot say
       whether a failure left a file behind, such as an empty one on a full disk). */
    int fd = open(h->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        h->failed = 1;
        snprintf(h->err, sizeof h->err, "cannot create the temporary file '%s': %s", h->tmp,
                 strerror(errno));
        free(h->tmp);   /* not ours: it may be another process's file */
        h->tmp = NULL;
        goto fail;
    }
    close(fd);
    errno = 0;
    h->file = H5Fcreate(h->tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (h->file < 0) {
        int e = errno;
        char reason[256];
        cmc_h5_reason(reason);
        /* HDF5's innermost message carries the system's reason when there is one */
        h->failed = 1;
        snprintf(h->err, sizeof h->err, "cannot create the temporary file '%s': %s", h->tmp,
                 reason[0] ? reason : e ? strerror(e) : "HDF5 failed");
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
    cmc_h5_quiet_end(&q);
    return h;

nomem:
    cmc_error(d, NULL, "cannot write '%s': out of memory", path);
    if (h) {
        free(h->path);
        free(h->tmp);
        free(h);
    }
    cmc_h5_quiet_end(&q);
    return NULL;
fail:
    report(h, d);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    discard(h);
    cmc_h5_quiet_end(&q);
    return NULL;
}

void cmc_h5_watch(cmc_h5 *h, void (*fn)(void *ctx, const char *tmp), void *ctx)
{
    if (!h)
        return;
    h->watch = fn;
    h->watch_ctx = ctx;
    if (fn && h->tmp)
        fn(ctx, h->tmp);
}

void cmc_h5_abort(cmc_h5 *h)
{
    if (!h)
        return;
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    discard(h);
    cmc_h5_quiet_end(&q);
}

/* The netCDF dimension `sample` of the /samples datasets: a dimension scale /sample
   that is not a variable (netCDF-4's convention: its NAME says so), created with
   late allocation and never written, so it takes no space whatever N is. */
static int sample_dimension(cmc_h5 *h, hid_t space, size_t n)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0 || H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE) < 0 ||
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0) {
        if (dcpl >= 0)
            H5Pclose(dcpl);
        return wfail(h, "cannot set up the dimension /sample");
    }
    hid_t ds = H5Dcreate2(h->file, "sample", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl,
                          H5P_DEFAULT);
    H5Pclose(dcpl);
    if (ds < 0)
        return wfail(h, "cannot create the dimension /sample");
    char name[80];
    snprintf(name, sizeof name, "This is a netCDF dimension but not a netCDF variable.%10llu",
             (unsigned long long)h->total);
    int rc = H5DSset_scale(ds, name) < 0 ? wfail(h, "cannot make /sample a dimension scale") : 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (H5DSattach_scale(h->samples[i], ds, 0) < 0)
            rc = wfail(h, "cannot attach /sample to the sample datasets");
    if (H5Dclose(ds) < 0 && rc == 0)
        rc = wfail(h, "cannot close /sample");
    return rc;
}

int cmc_h5_samples_begin(cmc_h5 *h, const char *const *names, size_t n, uint64_t total,
                         cmc_diags *d)
{
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    hid_t g = -1, space = -1, dcpl = -1, dapl = -1;
    if (h->samples) {
        cmc_error(d, NULL, "cannot write '%s': the sample datasets were already created",
                  h->path);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (!cmc_h5_valid_name(names[i])) {
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
    if (sample_dimension(h, space, n) < 0)
        goto fail;
    if (H5Gclose(g) < 0) {
        g = -1;
        wfail(h, "cannot close group /samples");
        goto fail;
    }
    g = -1;
    H5Sclose(space);
    H5Pclose(dcpl);
    H5Pclose(dapl);
    cmc_h5_quiet_end(&q);
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
    cmc_h5_quiet_end(&q);
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
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
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
    cmc_h5_quiet_end(&q);
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


/* ---- netCDF-4 conventions: units, long_name, dimension scales ------------------ */

/* Dataset name of loc gets the CF attributes units (when units is not empty: a
   quantity without a unit gets none, a pure number "1") and long_name, and is
   attached along its only axis to scale (when scale >= 0). */
static int describe(cmc_h5 *h, hid_t loc, const char *where, const char *name, const char *units,
                    const char *long_name, hid_t scale)
{
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0)
        return wfail(h, "cannot open dataset %s/%s", where, name);
    int rc = 0;
    if (units && units[0])
        rc = put_attr_str(h, ds, where, "units", units);
    if (rc == 0 && long_name)
        rc = put_attr_str(h, ds, where, "long_name", long_name);
    if (rc == 0 && scale >= 0 && H5DSattach_scale(ds, scale, 0) < 0)
        rc = wfail(h, "cannot attach a dimension scale to %s/%s", where, name);
    if (H5Dclose(ds) < 0 && rc == 0)
        rc = wfail(h, "cannot close dataset %s/%s", where, name);
    return rc;
}

/* Dataset name of loc made a dimension scale (a netCDF coordinate variable: the
   dimension takes the dataset's name), with its units and long_name. Returns the
   open dataset (the caller closes it) or -1. */
static hid_t scale(cmc_h5 *h, hid_t loc, const char *where, const char *name, const char *units,
                   const char *long_name)
{
    if (describe(h, loc, where, name, units, long_name, -1) < 0)
        return -1;
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0) {
        wfail(h, "cannot open dataset %s/%s", where, name);
        return -1;
    }
    if (H5DSset_scale(ds, name) < 0) {
        H5Dclose(ds);
        wfail(h, "cannot make %s/%s a dimension scale", where, name);
        return -1;
    }
    return ds;
}

/* "co2_t (training emissions): WHAT", the long_name of a quantity's dataset. */
static void long_name(char *out, size_t size, const cmc_stat *s, const char *what)
{
    if (s->description && s->description[0])
        snprintf(out, size, "%s (%s): %s", s->name, s->description, what);
    else
        snprintf(out, size, "%s: %s", s->name, what);
}

/* --save-samples: each /samples/NAME of an output or input gets its units ("1" for a
   plain number, as /outputs/NAME) and long_name, like every other quantity's dataset. */
static int describe_samples(cmc_h5 *h, const cmc_results *r)
{
    hid_t g = H5Gopen2(h->file, "samples", H5P_DEFAULT);
    if (g < 0)
        return wfail(h, "cannot open group /samples");
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        const cmc_stat *s = k == 0 ? r->outputs : r->inputs;
        size_t n = k == 0 ? r->noutputs : r->ninputs;
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (H5Lexists(g, s[i].name, H5P_DEFAULT) <= 0 ||   /* an output that is an */
                H5Aexists_by_name(g, s[i].name, "units", H5P_DEFAULT) > 0)   /* input too */
                continue;
            char ln[1200];
            long_name(ln, sizeof ln, &s[i], "every sample, in the order drawn");
            rc = describe(h, g, "/samples", s[i].name,
                          s[i].unit && *s[i].unit ? s[i].unit : "1", ln, -1);
        }
    }
    if (H5Gclose(g) < 0 && rc == 0)
        rc = wfail(h, "cannot close group /samples");
    return rc;
}

/* The CF attribute coordinates = "samples" on an estimate of NAME/convergence. */
static int describe_coordinates(cmc_h5 *h, hid_t g, const char *where, const char *name)
{
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0)
        return wfail(h, "cannot open dataset %s/%s", where, name);
    int rc = put_attr_str(h, ds, where, "coordinates", "samples");
    if (H5Dclose(ds) < 0 && rc == 0)
        rc = wfail(h, "cannot close dataset %s/%s", where, name);
    return rc;
}

/* The datasets of NAME/convergence besides `samples`: cmc_h5_est_names[e], then _ci_low
   and _ci_high. */


/* NAME/convergence: samples (uint64 [C]) and, per estimate, value, ci_low and
   ci_high (float64 [C]). */
static int put_convergence(cmc_h5 *h, hid_t parent, const char *where,
                           const cmc_stat *st)
{
    const cmc_convergence *c = &st->conv;
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
            snprintf(name, sizeof name, "%s%s", cmc_h5_est_names[e],
                     k == 0 ? "" : k == 1 ? "_ci_low" : "_ci_high");
            rc = put_f64s(h, g, sub, name, v[k], c->n);
        }
    }
    /* the dimension `checkpoint` (0, 1, ..., C-1) is the coordinate; `samples`, the
       sample count at each, a CF auxiliary coordinate of every estimate */
    uint32_t *idx = rc == 0 ? malloc((c->n ? c->n : 1) * sizeof *idx) : NULL;
    if (rc == 0 && !idx)
        rc = wfail(h, "out of memory");
    for (size_t i = 0; idx && i < c->n; i++)
        idx[i] = (uint32_t)i;
    if (rc == 0)
        rc = put_data(h, g, sub, "checkpoint", H5T_STD_U32LE, H5T_NATIVE_UINT32, 1, c->n, idx);
    free(idx);
    hid_t sc = rc == 0 ? scale(h, g, sub, "checkpoint", "1",
                               "checkpoint: after 1024 * 2^k samples, then all") : -1;
    if (sc < 0)
        rc = -1;
    if (rc == 0)
        rc = describe(h, g, sub, "samples", "1", "samples the estimates are made from", sc);
    static const char *const what[CMC_CONV_NEST] = {"mean", "median", "95th percentile"};
    for (int e = 0; e < CMC_CONV_NEST && rc == 0; e++)
        for (int k = 0; k < 3 && rc == 0; k++) {
            char ln[1400], w[200];
            snprintf(name, sizeof name, "%s%s", cmc_h5_est_names[e],
                     k == 0 ? "" : k == 1 ? "_ci_low" : "_ci_high");
            snprintf(w, sizeof w, "%s%s from the first samples", k == 0 ? "" :
                     k == 1 ? "lower end of the 95% interval of the " :
                     "upper end of the 95% interval of the ", what[e]);
            long_name(ln, sizeof ln, st, w);
            rc = describe(h, g, sub, name, st->unit, ln, sc);
            if (rc == 0)
                rc = describe_coordinates(h, g, sub, name);
        }
    if (sc >= 0)
        H5Dclose(sc);
    if (close_group(h, g, sub) < 0)
        rc = -1;
    return rc;
}

/* /outputs/NAME or /inputs/NAME: docs/hdf5.md. */
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
        /* CF convention: "units" in UDUNITS-2 syntax, "1" for a plain number */
        put_attr_str(h, g, where, "units", s->unit && *s->unit ? s->unit : "1") < 0 ||
        (input && put_attr_str(h, g, where, "distribution", s->expression) < 0))
        goto out;
    if (input && s->has_range) {
        double range[2] = {s->range_lo, s->range_hi};
        if (put_attr(h, g, where, "range", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, 2, range) < 0 ||
            put_attr(h, g, where, "outside_range", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, 0,
                     &s->outside) < 0)
            goto out;
    }

    snprintf(sub, sizeof sub, "%s/percentiles", where);
    if ((pg = put_group(h, g, where, "percentiles")) < 0 ||
        put_f64s(h, pg, sub, "probability", s->p, s->npercentiles) < 0 ||
        put_f64s(h, pg, sub, "value", s->value, s->npercentiles) < 0 ||
        put_f64s(h, pg, sub, "ci_low", s->ci_low, s->npercentiles) < 0 ||
        put_f64s(h, pg, sub, "ci_high", s->ci_high, s->npercentiles) < 0 ||
        (s->resolution && put_f64s(h, pg, sub, "resolution", s->resolution, s->npercentiles) < 0))
        goto out;
    {
        char ln[1400];
        hid_t sc = scale(h, pg, sub, "probability", "1", "probability (the percentile's level)");
        if (sc < 0)
            goto out;
        static const char *const names[4] = {"value", "ci_low", "ci_high", "resolution"};
        static const char *const what[4] = {
            "percentile at each probability",
            "lower end of the percentile's 95% Monte Carlo interval",
            "upper end of the percentile's 95% Monte Carlo interval",
            "width of the bracket that certainly holds the percentile's order statistic "
            "(0: exact)"};
        int bad = 0;
        for (int k = 0; k < 4 && !bad; k++) {
            if (k == 3 && !s->resolution)
                break;
            long_name(ln, sizeof ln, s, what[k]);
            bad = describe(h, pg, sub, names[k], s->unit, ln, sc) < 0;
        }
        H5Dclose(sc);
        if (bad)
            goto out;
    }
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
    {
        static const char *const names[7] = {"mean", "std", "mean_se", "min", "max",
                                              "nonfinite", "count"};
        static const char *const what[7] = {
            "mean of the finite samples", "standard deviation of the finite samples",
            "standard error of the mean", "smallest finite sample", "largest finite sample",
            "samples that were NaN or infinite", "finite samples"};
        char ln[1400];
        for (int k = 0; k < 7; k++) {
            long_name(ln, sizeof ln, s, what[k]);
            if (describe(h, g, where, names[k], k < 5 ? s->unit : "1", ln, -1) < 0)
                goto out;
        }
    }

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
    {
        /* bin: the centre of each bin (geometric on log-spaced bins), the coordinate
           of counts; edges: a coordinate of its own (B + 1 values) */
        double *mid = malloc((s->nbins ? s->nbins : 1) * sizeof *mid);
        if (!mid) {
            wfail(h, "out of memory");
            goto out;
        }
        for (size_t j = 0; j < s->nbins; j++)
            mid[j] = log_bins && s->edges[j] > 0 ? sqrt(s->edges[j] * s->edges[j + 1])
                                                 : 0.5 * (s->edges[j] + s->edges[j + 1]);
        int bad = put_f64s(h, hg, sub, "bin", mid, s->nbins) < 0;
        free(mid);
        char ln[1400];
        long_name(ln, sizeof ln, s, log_bins ? "histogram bin centre (geometric)"
                                              : "histogram bin centre");
        hid_t sb = bad ? -1 : scale(h, hg, sub, "bin", s->unit, ln);
        long_name(ln, sizeof ln, s, "histogram bin edges");
        hid_t se = sb < 0 ? -1 : scale(h, hg, sub, "edges", s->unit, ln);
        long_name(ln, sizeof ln, s, "finite samples in each bin");
        bad = se < 0 || describe(h, hg, sub, "counts", "1", ln, sb) < 0;
        if (sb >= 0)
            H5Dclose(sb);
        if (se >= 0)
            H5Dclose(se);
        if (bad)
            goto out;
    }
    t = hg;
    hg = -1;
    if (close_group(h, t, sub) < 0)
        goto out;
    if (s->conv.n && put_convergence(h, g, where, s) < 0)
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

/* The datasets of /sensitivity/OUTPUT besides input, swing_*: cmc_h5_sens_names[e], then
   _ci_low and _ci_high. */


/* /sensitivity/OUTPUT: input (strings), per measure value, _ci_low, _ci_high, then
   swing_low, swing_high (float64 [k]), swing_base, samples, skipped (scalars). */
static int put_sensitivity(cmc_h5 *h, hid_t parent, const cmc_sensitivity *se,
                           const char *unit)
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
            snprintf(name, sizeof name, "%s%s", cmc_h5_sens_names[e],
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
    if (rc == 0 && se->given) {   /* correlated inputs (README "Correlated inputs") */
        unsigned char *dep = malloc(k + 1);
        for (size_t j = 0; dep && j < k; j++)
            dep[j] = (unsigned char)se->dependent[j];
        if (!dep || put_f64s(h, g, where, "given_first", se->given, k) < 0 ||
            put_f64s(h, g, where, "given_first_ci_low", se->given_ci_low, k) < 0 ||
            put_f64s(h, g, where, "given_first_ci_high", se->given_ci_high, k) < 0 ||
            put_data(h, g, where, "correlated", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, k, dep) < 0 ||
            put_attr_u64(h, g, where, "given_bins", se->given_bins) < 0)
            rc = -1;
        free(dep);
    }
    hid_t sc = rc == 0 ? scale(h, g, where, "input", NULL, "random input") : -1;
    if (sc < 0)
        rc = -1;
    static const char *const what[CMC_SENS_NEST] = {
        "Spearman rank correlation of input and output",
        "share of Var(ln output): squared correlation of the logarithms",
        "first-order Sobol index", "total Sobol index"};
    for (int e = 0; e < CMC_SENS_NEST && rc == 0; e++)
        for (int j = 0; j < 3 && rc == 0; j++) {
            char ln[400];
            snprintf(name, sizeof name, "%s%s", cmc_h5_sens_names[e],
                     j == 0 ? "" : j == 1 ? "_ci_low" : "_ci_high");
            snprintf(ln, sizeof ln, "%s%s", j == 0 ? "" : j == 1 ?
                     "lower end of the 95% confidence interval of the " :
                     "upper end of the 95% confidence interval of the ", what[e]);
            rc = describe(h, g, where, name, "1", ln, sc);
        }
    if (rc == 0)
        rc = describe(h, g, where, "swing_low", unit, "the output with the input at its 5th "
                      "percentile, every other input at its point value", sc);
    if (rc == 0)
        rc = describe(h, g, where, "swing_high", unit, "the output with the input at its 95th "
                      "percentile, every other input at its point value", sc);
    if (rc == 0)
        rc = describe(h, g, where, "swing_base", unit, "the output with every input at its "
                      "point value (what `point` prints)", -1);
    if (rc == 0)
        rc = describe(h, g, where, "samples", "1", "base samples N of the Sobol design", -1);
    if (rc == 0)
        rc = describe(h, g, where, "skipped", "1", "Sobol rows left out as not finite", -1);
    if (sc >= 0)
        H5Dclose(sc);
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
    if (!cmc_h5_valid_name(v->name))
        return wfail(h, "variant name '%s' cannot be an HDF5 group name", v->name);
    hid_t g = put_group(h, parent, "/variants", v->name), og = -1, pg = -1;
    if (g < 0)
        return -1;
    int rc = -1;
    if (put_attr_str(h, g, where, "label", v->label) < 0 ||
        put_attr_str(h, g, where, "reference", r->variant_reference ? r->variant_reference : r->variants[0].name) < 0 ||
        put_names_at(h, g, where, "outputs", v->outputs, sizeof *v->outputs, v->noutputs) < 0 ||
        put_attr(h, g, where, "shared", h->str, h->str, 1, v->nshared, v->shared) < 0 ||
        put_attr(h, g, where, "changed", h->str, h->str, 1, v->nchanged, v->changed) < 0 ||
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
                      put_f64(h, q, sub, "p_greater_ci_high", pr->p_greater_ci_high) < 0 ||
                      describe(h, q, sub, "count", "1", "pairs where both are numbers", -1) < 0 ||
                      describe(h, q, sub, "p_greater", "1", "P(variant > reference)", -1) < 0 ||
                      describe(h, q, sub, "p_greater_ci_low", "1", "lower end of the Wilson "
                               "95% interval of P(variant > reference)", -1) < 0 ||
                      describe(h, q, sub, "p_greater_ci_high", "1", "upper end of the Wilson "
                               "95% interval of P(variant > reference)", -1) < 0;
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
        if (!cmc_h5_valid_name(s[i].name))
            return wfail(h, "%s name '%s' cannot be an HDF5 group name", kind,
                         s[i].name ? s[i].name : "");
        for (size_t j = 0; j < i; j++)
            if (strcmp(s[i].name, s[j].name) == 0)
                return wfail(h, "two %ss are named '%s'", kind, s[i].name);
    }
    return 0;
}

/* /correlation (README "Correlated inputs"): one row per pair of correlated random
   inputs, datasets a, b (names), named (uint8), requested, used, achieved, ci_low,
   ci_high (float64), and the group's attributes method and measure. */
static int put_correlation(cmc_h5 *h, const cmc_results *r)
{
    size_t n = r->ncorrelations;
    hid_t g = put_group(h, h->file, "", "correlation");
    if (g < 0)
        return -1;
    const char **a = malloc(n * sizeof *a), **b = malloc(n * sizeof *b);
    double *v = malloc(5 * n * sizeof *v);
    unsigned char *named = malloc(n);
    int rc = a && b && v && named ? 0 : wfail(h, "out of memory");
    for (size_t p = 0; rc == 0 && p < n; p++) {
        const cmc_correlation *c = &r->correlations[p];
        a[p] = c->a;
        b[p] = c->b;
        named[p] = (unsigned char)c->named;
        double x[5] = {c->requested, c->used, c->achieved, c->ci_low, c->ci_high};
        for (int k = 0; k < 5; k++)
            v[k * n + p] = x[k];
    }
    static const char *const col[5] = {"requested", "used", "achieved", "ci_low", "ci_high"};
    if (rc == 0)
        rc = put_data(h, g, "/correlation", "a", h->str, h->str, 1, n, a) < 0 ||
             put_data(h, g, "/correlation", "b", h->str, h->str, 1, n, b) < 0 ||
             put_data(h, g, "/correlation", "named", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, n,
                      named) < 0 ||
             put_attr_str(h, g, "/correlation", "method", "gaussian copula") < 0 ||
             put_attr_str(h, g, "/correlation", "measure", "spearman") < 0 ||
             put_attr_str(h, g, "/correlation", "achieved_from",
                          "correlation of the inputs' CDF levels over the run's samples; "
                          "95% interval: Fisher z (Bonett-Wright) under mc, Student t over "
                          "the replicates under lhs and qmc") < 0 ? -1 : 0;
    for (int k = 0; k < 5 && rc == 0; k++)
        rc = put_f64s(h, g, "/correlation", col[k], v + k * n, n);
    free(a);
    free(b);
    free(v);
    free(named);
    if (close_group(h, g, "/correlation") < 0)
        return -1;
    return rc;
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
        /* the sampling design and why sampling stopped (issue 14) */
        (r->design && (put_attr_str(h, h->file, "/", "design", r->design) < 0 ||
                       put_attr_u64(h, h->file, "/", "replicates", r->replicates) < 0 ||
                       put_attr_str(h, h->file, "/", "stop", r->stop) < 0)) ||
        put_names(h, "outputs", r->outputs, r->noutputs) < 0 ||
        put_names(h, "inputs", r->inputs, r->ninputs) < 0 ||
        put_attr(h, h->file, "/", "set", h->str, h->str, 1, r->nsets, r->sets) < 0)
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
    if (H5Lexists(h->file, "samples", H5P_DEFAULT) > 0 && describe_samples(h, r) < 0)
        return -1;
    if (r->ncorrelations && put_correlation(h, r) < 0)
        return -1;
    if (r->nsensitivity) {
        if (put_names_at(h, h->file, "/", "sensitivity", r->sensitivity,
                         sizeof *r->sensitivity, r->nsensitivity) < 0 ||
            (g = put_group(h, h->file, "", "sensitivity")) < 0)
            return -1;
        rc = 0;
        for (size_t i = 0; i < r->nsensitivity && rc == 0; i++) {
            const char *unit = "";
            for (size_t j = 0; j < r->noutputs; j++)
                if (!strcmp(r->outputs[j].name, r->sensitivity[i].output))
                    unit = r->outputs[j].unit;
            rc = put_sensitivity(h, g, &r->sensitivity[i], unit);
        }
        if (close_group(h, g, "/sensitivity") < 0 || rc < 0)
            return -1;
    }
    if (!r->nvariants)
        return 0;
    if (put_names_at(h, h->file, "/", "variants", r->variants, sizeof *r->variants,
                     r->nvariants) < 0 ||
        put_attr_str(h, h->file, "/", "variant_reference",
                     r->variant_reference ? r->variant_reference : r->variants[0].name) < 0 ||
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

/* Close the file written so far (rc: 0 if it was), flush it and rename it to its
   path; report a failure in d. Frees h either way. */
static int finish(cmc_h5 *h, int rc, cmc_diags *d)
{
    close_samples(h);
    H5Tclose(h->str);
    H5Pclose(h->gcpl);
    h->str = h->gcpl = -1;
    if (H5Fclose(h->file) < 0)
        rc = wfail(h, "cannot finish '%s'", h->tmp);
    h->file = -1;
    if (rc == 0 && sync_file(h->tmp) < 0)
        rc = wfail(h, "cannot flush '%s' to disk: %s", h->tmp, strerror(errno));
    /* the run may have taken minutes: what PATH is now is what the rename replaces */
    char why[256];
    if (rc == 0 && cmc_output_check(h->path, why, sizeof why) < 0)
        rc = wfail(h, "%s", why);
    if (rc == 0 && rename(h->tmp, h->path) < 0)
        rc = wfail(h, "cannot rename '%s' to it: %s", h->tmp, strerror(errno));
    if (rc == 0) {
        free(h->tmp);   /* renamed: nothing to remove */
        h->tmp = NULL;
        /* the rename itself is durable only once the folder is */
        if (cmc_sync_folder_of(h->path) < 0)
            rc = wfail(h, "written, but cannot flush its folder to disk: %s", strerror(errno));
    }
    if (rc < 0) {
        report(h, d);
    }
    discard(h);
    return rc;
}

int cmc_h5_commit(cmc_h5 *h, const cmc_results *r, cmc_diags *d)
{
    if (!h)
        return -1;
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    h->failed = 0;
    int rc = r ? write_results(h, r) : wfail(h, "no results to write");
    rc = finish(h, rc, d);
    cmc_h5_quiet_end(&q);
    return rc;
}

int cmc_h5_commit_with(cmc_h5 *h, int (*write)(void *ctx, hid_t file, char err[256]),
                       void *ctx, cmc_diags *d)
{
    if (!h)
        return -1;
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    h->failed = 0;
    char err[256] = "";
    int rc = write(ctx, h->file, err) < 0 ? wfail(h, "%s", err[0] ? err : "cannot write") : 0;
    rc = finish(h, rc, d);
    cmc_h5_quiet_end(&q);
    return rc;
}

