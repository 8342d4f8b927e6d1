/*
 * h5read_sweep.c: cmc_sweep_read, the reader of a sweep's file (h5_sweep.c;
 * docs/hdf5.md, "Sweeps"), with the checks of h5read_core.c: the format attribute,
 * every variable's class, rank and extent against the dimensions the root
 * attributes announce, its stored size before anything is allocated.
 */
#include "h5read_priv.h"
#include "diag.h"
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_PREFIX "carbonmc-sweep/"
#define SWEEP_VERSION 1

int cmc_sweep_is_file(const char *path)
{
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    cmc_diags *d = cmc_diags_new();
    cmc_h5r rd;
    int is = 0;
    hid_t file = d ? cmc_h5r_open(&rd, path, d) : -1;
    if (file >= 0) {
        const char *format;
        rd.failed = 1;   /* quiet: a file that is not a sweep's is not an error here */
        if (H5Aexists(file, "format") > 0 &&
            cmc_h5r_attr_str(&rd, file, "/", "format", 0, &format) == 0)
            is = !strncmp(format, SWEEP_PREFIX, strlen(SWEEP_PREFIX));
        cmc_h5r_close(&rd, file);
        cmc_arena_free(rd.a);
    }
    cmc_diags_free(d);
    cmc_h5_quiet_end(&q);
    return is;
}

/* A numeric variable /name of the given class, rank and extents, into the arena. */
static int array(cmc_h5r *rd, hid_t file, const char *name, H5T_class_t cls, hid_t mtype,
                 size_t elsize, int rank, const hsize_t *dims, void **out)
{
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
        return cmc_h5r_rfail(rd, "/%s is missing", name);
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0)
        return cmc_h5r_rfail(rd, "cannot open dataset /%s", name);
    hid_t t = H5Dget_type(ds), s = H5Dget_space(ds);
    int rc = -1;
    hsize_t got[H5S_MAX_RANK];
    int r = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    uint64_t np = 1;
    for (int k = 0; k < rank; k++)
        np *= dims[k];
    if (t < 0 || s < 0 || r < 0 || H5Sget_simple_extent_dims(s, got, NULL) < 0) {
        cmc_h5r_rfail(rd, "cannot inspect dataset /%s", name);
        goto out;
    }
    int same = r == rank && H5Tget_class(t) == cls;
    for (int k = 0; same && k < rank; k++)
        same = got[k] == dims[k];
    if (!same) {
        cmc_h5r_rfail(rd, "/%s is not %s array of %d dimension%s over the sweep's grid", name,
                      cls == H5T_FLOAT ? "a floating-point" : "an integer", rank,
                      rank == 1 ? "" : "s");
        goto out;
    }
    if (cmc_h5r_check_layout(rd, ds, t, np, "", name) < 0)
        goto out;
    void *buf = cmc_arena_alloc(rd->a, np * elsize + 1);
    if (!buf) {
        cmc_h5r_rfail(rd, "out of memory");
        goto out;
    }
    if (np && H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        cmc_h5r_rfail(rd, "cannot read dataset /%s", name);
        goto out;
    }
    *out = buf;
    rc = 0;
out:
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    H5Dclose(ds);
    return rc;
}

/* The string attribute `name` of dataset /ds, or "" when it has none. */
static const char *ds_attr(cmc_h5r *rd, hid_t file, const char *ds, const char *name)
{
    const char *v = "";
    hid_t d = H5Dopen2(file, ds, H5P_DEFAULT);
    if (d < 0)
        return v;
    char where[600];
    snprintf(where, sizeof where, "/%.500s", ds);
    cmc_h5r_attr_str(rd, d, where, name, 1, &v);
    H5Dclose(d);
    return v;
}

static int read_sweep(cmc_h5r *rd, hid_t file, cmc_sweep *s)
{
    const char *format, *kind;
    if (cmc_h5r_attr_str(rd, file, "/", "format", 0, &format) < 0)
        return -1;
    size_t k0 = strlen(SWEEP_PREFIX);
    if (strncmp(format, SWEEP_PREFIX, k0) || atoi(format + k0) != SWEEP_VERSION) {
        cmc_error(rd->d, NULL, strncmp(format, SWEEP_PREFIX, k0)
                                   ? "'%s' is not a sweep's file (format \"%s\")"
                                   : "'%s' was written by another carbonmc (format \"%s\"; "
                                     "this one reads \"carbonmc-sweep/1\")",
                  rd->path, format);
        rd->failed = 1;
        return -1;
    }
    uint64_t reps = 1;
    char **swept, **outs, **sets;
    size_t nswept, nouts, nsets;
    if (cmc_h5r_attr_str(rd, file, "/", "title", 1, &s->title) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "tool_version", 1, &s->tool_version) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "created", 1, &s->created) < 0 ||
        cmc_h5r_attr_num(rd, file, "/", "seed", H5T_INTEGER, H5T_NATIVE_UINT64, &s->seed) < 0 ||
        cmc_h5r_attr_num(rd, file, "/", "samples", H5T_INTEGER, H5T_NATIVE_UINT64,
                         &s->samples) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "method", 1, &s->method) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "design", 1, &s->design) < 0 ||
        cmc_h5r_attr_num(rd, file, "/", "replicates", H5T_INTEGER, H5T_NATIVE_UINT64,
                         &reps) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "rng", 1, &s->rng) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "sweep", 0, &kind) < 0 ||
        cmc_h5r_attr_names(rd, file, "swept", &swept, &nswept) < 0 ||
        cmc_h5r_attr_names(rd, file, "outputs", &outs, &nouts) < 0 ||
        cmc_h5r_attr_names(rd, file, "set", &sets, &nsets) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "sweep_spec", 1, &s->spec) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "scenario", 1, &s->source) < 0)
        return -1;
    if (reps < 1 || reps > 1024)
        return cmc_h5r_rfail(rd, "attribute 'replicates' of / is %llu, not 1 to 1,024",
                             (unsigned long long)reps);
    s->replicates = (uint32_t)reps;
    s->sets = (const char **)sets;
    s->nsets = nsets;
    if (strcmp(kind, "grid") && strcmp(kind, "points"))
        return cmc_h5r_rfail(rd, "attribute 'sweep' of / is \"%s\", not \"grid\" or \"points\"",
                             kind);
    s->points = !strcmp(kind, "points");
    if (nswept < 1 || nswept > 31)
        return cmc_h5r_rfail(rd, "attribute 'swept' of / names %zu quantities (1 to 31)", nswept);
    for (size_t k = 0; k < nswept; k++)
        if (!cmc_h5_valid_name(swept[k]))
            return cmc_h5r_rfail(rd, "attribute 'swept' of / holds '%s', which cannot name a "
                                 "dataset", swept[k]);
    for (size_t o = 0; o < nouts; o++)
        if (!cmc_h5_valid_name(outs[o]))
            return cmc_h5r_rfail(rd, "attribute 'outputs' of / holds '%s', which cannot name "
                                 "a dataset", outs[o]);

    double *p;
    if (cmc_h5r_f64s(rd, file, "", "probability", &p, &s->np) < 0)
        return -1;
    s->p = p;
    for (size_t j = 0; j < s->np; j++)
        if (!(p[j] > 0 && p[j] < 1) || (j && !(p[j] > p[j - 1])))
            return cmc_h5r_rfail(rd, "/probability[%zu] is %g: probabilities must be in (0, 1) "
                                 "and increasing", j, p[j]);

    s->nvars = nswept;
    s->vars = cmc_arena_alloc(rd->a, nswept * sizeof *s->vars);
    if (!s->vars)
        return cmc_h5r_rfail(rd, "out of memory");
    hsize_t dims[33];
    int rank;
    s->npoints = 1;
    for (size_t k = 0; k < nswept; k++) {
        cmc_sweep_var *v = &s->vars[k];
        v->name = swept[k];
        if (cmc_h5r_f64s(rd, file, "", v->name, &v->value, &v->n) < 0)
            return -1;
        v->unit = ds_attr(rd, file, v->name, "units");
        v->description = "";
        if (rd->failed)
            return -1;
        if (s->points) {
            if (k && v->n != s->npoints)
                return cmc_h5r_rfail(rd, "/%s has %zu values, /%s %zu: the points' "
                                     "coordinates must have one each", v->name, v->n,
                                     swept[0], s->npoints);
            s->npoints = v->n;
        } else {
            if (v->n && s->npoints > ((size_t)1 << 40) / v->n)
                return cmc_h5r_rfail(rd, "the grid is too large");
            s->npoints *= v->n;
            dims[k] = v->n;
        }
    }
    if (s->points)
        dims[0] = s->npoints;
    rank = s->points ? 1 : (int)nswept;
    dims[rank] = s->np;

    s->noutputs = nouts;
    s->outputs = cmc_arena_alloc(rd->a, (nouts + 1) * sizeof *s->outputs);
    if (!s->outputs)
        return cmc_h5r_rfail(rd, "out of memory");
    static const char *const pn[] = {"percentile", "ci_low", "ci_high", "resolution"};
    static const char *const mn[] = {"mean", "mean_se", "std", "min", "max"};
    for (size_t o = 0; o < nouts; o++) {
        cmc_sweep_output *so = &s->outputs[o];
        so->name = outs[o];
        double **pv[] = {&so->value, &so->ci_low, &so->ci_high, &so->resolution};
        double **mv[] = {&so->mean, &so->mean_se, &so->std, &so->min, &so->max};
        char name[600];
        for (int k = 0; k < 4; k++) {
            snprintf(name, sizeof name, "%s_%s", so->name, pn[k]);
            if (array(rd, file, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, sizeof(double), rank + 1,
                      dims, (void **)pv[k]) < 0)
                return -1;
        }
        for (int k = 0; k < 5; k++) {
            snprintf(name, sizeof name, "%s_%s", so->name, mn[k]);
            if (array(rd, file, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, sizeof(double), rank, dims,
                      (void **)mv[k]) < 0)
                return -1;
        }
        snprintf(name, sizeof name, "%s_count", so->name);
        if (array(rd, file, name, H5T_INTEGER, H5T_NATIVE_UINT64, sizeof(uint64_t), rank, dims,
                  (void **)&so->count) < 0)
            return -1;
        snprintf(name, sizeof name, "%s_nonfinite", so->name);
        if (array(rd, file, name, H5T_INTEGER, H5T_NATIVE_UINT64, sizeof(uint64_t), rank, dims,
                  (void **)&so->nonfinite) < 0)
            return -1;
        snprintf(name, sizeof name, "%s_mean", so->name);
        so->unit = ds_attr(rd, file, name, "units");
        /* long_name is "NAME (DESCRIPTION): mean" or "NAME: mean" */
        const char *ln = ds_attr(rd, file, name, "long_name");
        size_t nl = strlen(so->name);
        so->description = "";
        if (!strncmp(ln, so->name, nl) && !strncmp(ln + nl, " (", 2)) {
            const char *end = strstr(ln, "): mean");
            if (end && end > ln + nl + 2)
                so->description = cmc_arena_strndup(rd->a, ln + nl + 2,
                                                    (size_t)(end - ln - (ptrdiff_t)nl - 2));
        }
        if (rd->failed || !so->description)
            return -1;
    }
    return 0;
}

cmc_sweep *cmc_sweep_read(const char *path, cmc_diags *d)
{
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    cmc_h5r rd;
    cmc_sweep *out = NULL;
    hid_t file = cmc_h5r_open(&rd, path, d);
    if (file >= 0) {
        cmc_sweep *s = cmc_arena_alloc(rd.a, sizeof *s);
        if (!s)
            cmc_h5r_rfail(&rd, "out of memory");
        else {
            s->arena = rd.a;
            if (read_sweep(&rd, file, s) == 0)
                out = s;
        }
        if (cmc_h5r_close(&rd, file) < 0)
            out = NULL;
        if (!out)
            cmc_arena_free(rd.a);
    }
    cmc_h5_quiet_end(&q);
    return out;
}
