/*
 * h5_sweep.c: the HDF5 file of a sweep (cmc_sweep_write; docs/hdf5.md, "Sweeps").
 *
 * A run's file is a tree of groups, one per quantity; a sweep's is one flat
 * netCDF-4 dataset, so that xarray.open_dataset(path, engine="h5netcdf") returns
 * every output over the whole grid at once. At the root:
 *   - one coordinate variable per swept name (a grid: NAME[n], an HDF5 dimension
 *     scale, so the dimension is called NAME); for the points of a CSV, a
 *     dimension `point` (a scale that is not a variable, the netCDF-4 convention
 *     for a dimension without coordinates) and NAME[point] for each name, listed
 *     in every variable's CF `coordinates` attribute;
 *   - `probability[np]`, the percentiles' coordinate;
 *   - for each output O: O_percentile, O_ci_low, O_ci_high, O_resolution over
 *     (grid..., probability), and O_mean, O_mean_se, O_std, O_min, O_max, O_count,
 *     O_nonfinite over (grid...), each with units and long_name, each axis
 *     attached to its dimension scale.
 * The file is written under PATH.tmp.PID, flushed, and renamed, like a run's.
 */
#include "h5priv.h"
#include "diag.h"
#include "sweep.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5_hl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SWEEP_FORMAT "carbonmc-sweep/1"
#define MAX_RANK 32   /* dimensions of a variable: the grid's names and probability */

typedef struct writer {
    hid_t file, str;
    int failed;
    char err[1024];
} writer;

static int wfail(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int wfail(writer *w, const char *fmt, ...)
{
    char reason[256];
    cmc_h5_reason(reason);
    if (w->failed)
        return -1;
    w->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof w->err && reason[0])
        snprintf(w->err + n, sizeof w->err - (size_t)n, " (HDF5: %s)", reason);
    return -1;
}

static int attr(writer *w, hid_t loc, const char *name, hid_t type, int array, hsize_t n,
                const void *buf)
{
    hid_t space = array ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = space >= 0 ? H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int rc = a < 0 || ((!array || n) && H5Awrite(a, type == w->str ? w->str : type, buf) < 0)
                 ? wfail(w, "cannot write attribute '%s'", name)
                 : 0;
    if (a >= 0 && H5Aclose(a) < 0 && rc == 0)
        rc = wfail(w, "cannot close attribute '%s'", name);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static int attr_str(writer *w, hid_t loc, const char *name, const char *s)
{
    if (!s)
        s = "";
    return attr(w, loc, name, w->str, 0, 0, &s);
}

static int attr_u64(writer *w, hid_t loc, const char *name, uint64_t v)
{
    return attr(w, loc, name, H5T_NATIVE_UINT64, 0, 0, &v);
}

/* A dataset of rank dims over the given scales (scale[k] < 0: none on that axis),
   with units (none when NULL or "") and long_name. */
static int put(writer *w, const char *name, hid_t ftype, hid_t mtype, int rank,
               const hsize_t *dims, const hid_t *scales, const void *buf, const char *units,
               const char *long_name, const char *coordinates)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t ds = space >= 0 ? H5Dcreate2(w->file, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT,
                                       H5P_DEFAULT)
                          : -1;
    if (space >= 0)
        H5Sclose(space);
    if (ds < 0)
        return wfail(w, "cannot create dataset /%s", name);
    int rc = H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0
                 ? wfail(w, "cannot write dataset /%s", name)
                 : 0;
    if (rc == 0 && units && units[0])
        rc = attr_str(w, ds, "units", units);
    if (rc == 0 && long_name)
        rc = attr_str(w, ds, "long_name", long_name);
    if (rc == 0 && coordinates)
        rc = attr_str(w, ds, "coordinates", coordinates);
    for (int k = 0; k < rank && rc == 0; k++)
        if (scales && scales[k] >= 0 && H5DSattach_scale(ds, scales[k], (unsigned)k) < 0)
            rc = wfail(w, "cannot attach a dimension scale to /%s", name);
    if (H5Dclose(ds) < 0 && rc == 0)
        rc = wfail(w, "cannot close dataset /%s", name);
    return rc;
}

/* Coordinate variable NAME[n] made a dimension scale; returns it open, or -1. */
static hid_t coordinate(writer *w, const char *name, const double *v, hsize_t n,
                        const char *units, const char *long_name)
{
    if (put(w, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, NULL, v, units, long_name,
            NULL) < 0)
        return -1;
    hid_t ds = H5Dopen2(w->file, name, H5P_DEFAULT);
    if (ds < 0 || H5DSset_scale(ds, name) < 0) {
        if (ds >= 0)
            H5Dclose(ds);
        wfail(w, "cannot make /%s a dimension scale", name);
        return -1;
    }
    return ds;
}

/* The dimension `point` of a CSV sweep: a scale that is not a netCDF variable
   (its NAME says so), never written, so it takes no space. */
static hid_t point_dimension(writer *w, hsize_t n)
{
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ds = -1;
    if (space >= 0 && dcpl >= 0 && H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE) >= 0 &&
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0)
        ds = H5Dcreate2(w->file, "point", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    char label[96];
    snprintf(label, sizeof label, "This is a netCDF dimension but not a netCDF variable.%10llu",
             (unsigned long long)n);
    if (ds < 0 || H5DSset_scale(ds, label) < 0) {
        if (ds >= 0)
            H5Dclose(ds);
        wfail(w, "cannot create the dimension /point");
        return -1;
    }
    return ds;
}

static const char *long_name(cmc_arena *a, const cmc_sweep_output *o, const char *what)
{
    return o->description && o->description[0]
               ? cmc_arena_printf(a, "%s (%s): %s", o->name, o->description, what)
               : cmc_arena_printf(a, "%s: %s", o->name, what);
}

static int write_output(writer *w, const cmc_sweep *s, const cmc_sweep_output *o, int rank,
                        const hsize_t *dims, const hid_t *scales, const char *coords,
                        cmc_arena *a)
{
    static const char *const pnames[] = {"percentile", "ci_low", "ci_high", "resolution"};
    static const char *const pwhat[] = {
        "percentile", "lower end of the 95% Monte Carlo interval of the percentile",
        "upper end of the 95% Monte Carlo interval of the percentile",
        "width of the bracket that certainly holds the percentile's order statistic "
        "(0: exact)"};
    const double *pv[] = {o->value, o->ci_low, o->ci_high, o->resolution};
    for (int k = 0; k < 4; k++) {
        const char *name = cmc_arena_printf(a, "%s_%s", o->name, pnames[k]);
        if (!name || put(w, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank + 1, dims, scales, pv[k],
                         o->unit, long_name(a, o, pwhat[k]), coords) < 0)
            return -1;
    }
    static const char *const mnames[] = {"mean", "mean_se", "std", "min", "max"};
    static const char *const mwhat[] = {"mean", "standard error of the mean",
                                        "standard deviation", "smallest sample",
                                        "largest sample"};
    const double *mv[] = {o->mean, o->mean_se, o->std, o->min, o->max};
    for (int k = 0; k < 5; k++) {
        const char *name = cmc_arena_printf(a, "%s_%s", o->name, mnames[k]);
        if (!name || put(w, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, scales, mv[k],
                         o->unit, long_name(a, o, mwhat[k]), coords) < 0)
            return -1;
    }
    const char *cn = cmc_arena_printf(a, "%s_count", o->name);
    const char *nn = cmc_arena_printf(a, "%s_nonfinite", o->name);
    if (!cn || !nn ||
        put(w, cn, H5T_STD_U64LE, H5T_NATIVE_UINT64, rank, dims, scales, o->count, "1",
            long_name(a, o, "finite samples"), coords) < 0 ||
        put(w, nn, H5T_STD_U64LE, H5T_NATIVE_UINT64, rank, dims, scales, o->nonfinite, "1",
            long_name(a, o, "samples that were NaN or infinite"), coords) < 0)
        return -1;
    (void)s;
    return 0;
}

/* Every name of a variable the file will hold must be distinct: a swept name
   equal to an output's variable would collide. */
static int check_collisions(const cmc_sweep *s, writer *w, cmc_arena *a)
{
    static const char *const suffix[] = {"percentile", "ci_low", "ci_high", "resolution", "mean",
                                         "mean_se", "std", "min", "max", "count", "nonfinite"};
    cmc_map seen;
    cmc_map_init(&seen, a);
    const char *fixed[] = {"probability", s->points ? "point" : NULL};
    for (int i = 0; i < 2; i++)
        if (fixed[i] && cmc_map_put(&seen, fixed[i], (void *)"a dimension") < 0)
            return wfail(w, "out of memory");
    for (size_t k = 0; k < s->nvars; k++) {
        if (!cmc_h5_valid_name(s->vars[k].name))
            return wfail(w, "'%s' cannot name an HDF5 dataset", s->vars[k].name);
        if (cmc_map_get(&seen, s->vars[k].name))
            return wfail(w, "two variables would be called '%s'", s->vars[k].name);
        if (cmc_map_put(&seen, s->vars[k].name, (void *)"swept") < 0)
            return wfail(w, "out of memory");
    }
    for (size_t o = 0; o < s->noutputs; o++)
        for (size_t j = 0; j < sizeof suffix / sizeof suffix[0]; j++) {
            const char *n = cmc_arena_printf(a, "%s_%s", s->outputs[o].name, suffix[j]);
            if (!n)
                return wfail(w, "out of memory");
            if (!cmc_h5_valid_name(n))
                return wfail(w, "'%s' cannot name an HDF5 dataset", n);
            if (cmc_map_get(&seen, n))
                return wfail(w, "two variables would be called '%s' (a swept name or another "
                             "output's)", n);
            if (cmc_map_put(&seen, n, (void *)"output") < 0)
                return wfail(w, "out of memory");
        }
    return 0;
}

static int write_sweep(writer *w, const cmc_sweep *s, cmc_arena *a)
{
    if (check_collisions(s, w, a) < 0)
        return -1;
    hid_t f = w->file;
    const char **names = cmc_arena_alloc(a, (s->nvars + 1) * sizeof *names);
    const char **outs = cmc_arena_alloc(a, (s->noutputs + 1) * sizeof *outs);
    if (!names || !outs)
        return wfail(w, "out of memory");
    for (size_t k = 0; k < s->nvars; k++)
        names[k] = s->vars[k].name;
    for (size_t o = 0; o < s->noutputs; o++)
        outs[o] = s->outputs[o].name;
    if (attr_str(w, f, "format", SWEEP_FORMAT) < 0 ||
        attr_str(w, f, "Conventions", "CF-1.8") < 0 ||
        attr_str(w, f, "title", s->title) < 0 ||
        attr_str(w, f, "tool_version", s->tool_version) < 0 ||
        attr_str(w, f, "created", s->created) < 0 ||
        attr_u64(w, f, "seed", s->seed) < 0 || attr_u64(w, f, "samples", s->samples) < 0 ||
        attr_str(w, f, "method", s->method) < 0 || attr_str(w, f, "design", s->design) < 0 ||
        attr_u64(w, f, "replicates", s->replicates) < 0 || attr_str(w, f, "rng", s->rng) < 0 ||
        attr_str(w, f, "sweep", s->points ? "points" : "grid") < 0 ||
        attr(w, f, "swept", w->str, 1, s->nvars, names) < 0 ||
        attr(w, f, "outputs", w->str, 1, s->noutputs, outs) < 0 ||
        attr(w, f, "set", w->str, 1, s->nsets, s->sets) < 0 ||
        attr_str(w, f, "sweep_spec", s->spec) < 0 || attr_str(w, f, "scenario", s->source) < 0)
        return -1;

    int rank = s->points ? 1 : (int)s->nvars;
    if (rank + 1 > MAX_RANK)
        return wfail(w, "a sweep of more than %d names", MAX_RANK - 1);
    hsize_t dims[MAX_RANK];
    hid_t scales[MAX_RANK];
    for (int k = 0; k < MAX_RANK; k++)
        scales[k] = -1;
    int rc = 0;
    const char *coords = NULL;
    if (s->points) {
        dims[0] = s->npoints;
        if ((scales[0] = point_dimension(w, s->npoints)) < 0)
            return -1;
        cmc_buf b;
        cmc_buf_init(&b);
        for (size_t k = 0; k < s->nvars; k++) {
            cmc_buf_printf(&b, "%s%s", k ? " " : "", s->vars[k].name);
            const cmc_sweep_var *v = &s->vars[k];
            const char *ln = v->description && v->description[0]
                                 ? cmc_arena_printf(a, "%s (%s)", v->name, v->description)
                                 : v->name;
            hsize_t n = s->npoints;
            if (rc == 0)
                rc = put(w, v->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, scales, v->value,
                         v->unit, ln, NULL);
        }
        coords = cmc_arena_strdup(a, cmc_buf_str(&b));
        cmc_buf_free(&b);
        if (!coords && rc == 0)
            rc = wfail(w, "out of memory");
    } else {
        for (size_t k = 0; k < s->nvars && rc == 0; k++) {
            const cmc_sweep_var *v = &s->vars[k];
            dims[k] = v->n;
            const char *ln = v->description && v->description[0]
                                 ? cmc_arena_printf(a, "%s (%s)", v->name, v->description)
                                 : v->name;
            if ((scales[k] = coordinate(w, v->name, v->value, v->n, v->unit, ln)) < 0)
                rc = -1;
        }
    }
    if (rc == 0) {
        dims[rank] = s->np;
        if ((scales[rank] = coordinate(w, "probability", s->p, s->np, "1",
                                       "probability of the percentile")) < 0)
            rc = -1;
    }
    for (size_t o = 0; o < s->noutputs && rc == 0; o++)
        rc = write_output(w, s, &s->outputs[o], rank, dims, scales, coords, a);
    for (int k = 0; k <= rank; k++)
        if (scales[k] >= 0 && H5Dclose(scales[k]) < 0 && rc == 0)
            rc = wfail(w, "cannot close a dimension scale");
    return rc;
}

int cmc_sweep_check_output(const char *path, const char *const *files, size_t n, cmc_diags *d)
{
    char why[256];
    if (cmc_output_check(path, why, sizeof why) < 0) {
        cmc_error(d, NULL, "cannot write '%s': %s", path, why);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (cmc_same_file(path, files[i])) {
            cmc_error(d, NULL, "cannot write '%s': it is %s '%s', which this sweep reads", path,
                      i == 0 ? "the scenario" : "the model", files[i]);
            return -1;
        }
    return 0;
}

static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int cmc_sweep_write(const cmc_sweep *s, const char *path,
                    void (*tempfile)(void *ctx, const char *path), void *tempfile_ctx,
                    cmc_diags *d)
{
    char why[256];
    if (cmc_output_check(path, why, sizeof why) < 0) {
        cmc_error(d, NULL, "cannot write '%s': %s", path, why);
        return -1;
    }
    cmc_arena *a = cmc_arena_new();
    char *tmp = a ? cmc_arena_printf(a, "%s.tmp.%ld", path, (long)getpid()) : NULL;
    if (!tmp) {
        cmc_arena_free(a);
        cmc_error(d, NULL, "cannot write '%s': out of memory", path);
        return -1;
    }
    /* created exclusively, so that it is known to be ours to remove */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        cmc_error(d, NULL, "cannot write '%s': cannot create the temporary file '%s': %s", path,
                  tmp, strerror(errno));
        cmc_arena_free(a);
        return -1;
    }
    close(fd);
    if (tempfile)
        tempfile(tempfile_ctx, tmp);
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    writer w = {-1, -1, 0, ""};
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    w.str = cmc_h5_utf8_string_type();
    if (fcpl < 0 || fapl < 0 || w.str < 0 ||
        H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0)
        wfail(&w, "cannot set up the HDF5 library");
    else if ((w.file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl)) < 0)
        wfail(&w, "cannot create the temporary file '%s'", tmp);
    int rc = w.failed ? -1 : write_sweep(&w, s, a);
    if (w.file >= 0 && H5Fclose(w.file) < 0 && rc == 0)
        rc = wfail(&w, "cannot finish '%s'", tmp);
    if (w.str >= 0)
        H5Tclose(w.str);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc == 0 && sync_path(tmp) < 0)
        rc = wfail(&w, "cannot flush '%s' to disk: %s", tmp, strerror(errno));
    /* what PATH is now is what the rename replaces */
    if (rc == 0 && cmc_output_check(path, why, sizeof why) < 0)
        rc = wfail(&w, "%s", why);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = wfail(&w, "cannot rename '%s' to it: %s", tmp, strerror(errno));
    if (rc < 0)
        unlink(tmp);
    else if (cmc_sync_folder_of(path) < 0)
        rc = wfail(&w, "written, but cannot flush its folder to disk: %s", strerror(errno));
    if (tempfile)
        tempfile(tempfile_ctx, NULL);
    if (rc < 0)
        cmc_error(d, NULL, "cannot write '%s': %s", path, w.err);
    cmc_h5_quiet_end(&q);
    cmc_arena_free(a);
    return rc;
}
