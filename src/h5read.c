/*
 * h5read.c: cmc_results_read, the reader of the files h5.c writes (docs/hdf5.md).
 * With h5.c the only file that includes hdf5.h (through h5priv.h).
 *
 * Everything is checked as it is read: the format attribute (a newer carbonmc/N is
 * refused with a message saying so), every dataset's class and shape, that arrays
 * meant to run in parallel have the same length, names that could not be groups.
 * Optional parts (convergence, variants, sensitivity) are read when the file has
 * them, so files of earlier versions still read. Strings, fixed- or
 * variable-length, are copied into the results' arena; the first problem ends the
 * read with a diagnostic naming the file, the object and HDF5's own reason.
 * The checked primitives (the global heap scan, strings, numbers, layouts) are
 * in h5read_core.c, shared with the sweep's reader.
 */
#include "h5read_priv.h"
#include "diag.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* NAME/convergence, optional (files from carbonmc 0.1 lack it). */
static int read_convergence(cmc_h5r *rd, hid_t parent, const char *where, cmc_convergence *c)
{
    char sub[1200], name[32];
    snprintf(sub, sizeof sub, "%s/convergence", where);
    hid_t g = cmc_h5r_open_group(rd, parent, where, "convergence");
    if (g < 0)
        return -1;
    size_t n = 0, m;
    int rc = cmc_h5r_data_num(rd, g, sub, "samples", H5T_INTEGER, H5T_NATIVE_UINT64, sizeof(uint64_t),
                      1, &c->samples, &n);
    for (int e = 0; e < CMC_CONV_NEST && rc == 0; e++) {
        double **v[3] = {&c->value[e], &c->ci_low[e], &c->ci_high[e]};
        for (int k = 0; k < 3 && rc == 0; k++) {
            snprintf(name, sizeof name, "%s%s", cmc_h5_est_names[e],
                     k == 0 ? "" : k == 1 ? "_ci_low" : "_ci_high");
            m = 0;
            rc = cmc_h5r_f64s(rd, g, sub, name, v[k], &m);
            if (rc == 0 && m != n)
                rc = cmc_h5r_rfail(rd, "%s/%s has %zu values for %zu checkpoints", sub, name, m, n);
        }
    }
    H5Gclose(g);
    c->n = rc == 0 ? n : 0;
    return rc;
}

static int read_stat(cmc_h5r *rd, hid_t parent, const char *kind, cmc_stat *s)
{
    char where[1024], sub[1100], top[1024];
    snprintf(top, sizeof top, "/%s", kind);
    snprintf(where, sizeof where, "/%s/%s", kind, s->name);
    hid_t g = cmc_h5r_open_group(rd, parent, top, s->name), pg = -1, hg = -1;
    if (g < 0)
        return -1;
    int rc = -1;
    if (cmc_h5r_attr_str(rd, g, where, "description", 0, &s->description) < 0 ||
        cmc_h5r_attr_str(rd, g, where, "expression", 0, &s->expression) < 0 ||
        cmc_h5r_attr_str(rd, g, where, "unit", 1, &s->unit) < 0)
        goto out;
    if (H5Aexists(g, "range") > 0) {   /* an input's `in LO to HI` (optional) */
        double range[2];
        if (cmc_h5r_attr_nums(rd, g, where, "range", H5T_FLOAT, H5T_NATIVE_DOUBLE, 2, range) < 0 ||
            cmc_h5r_attr_num(rd, g, where, "outside_range", H5T_FLOAT, H5T_NATIVE_DOUBLE, &s->outside) < 0)
            goto out;
        s->has_range = 1;
        s->range_lo = range[0];
        s->range_hi = range[1];
    }

    snprintf(sub, sizeof sub, "%s/percentiles", where);
    size_t n[4] = {0, 0, 0, 0};
    if ((pg = cmc_h5r_open_group(rd, g, where, "percentiles")) < 0 ||
        cmc_h5r_f64s(rd, pg, sub, "probability", &s->p, &n[0]) < 0 ||
        cmc_h5r_f64s(rd, pg, sub, "value", &s->value, &n[1]) < 0 ||
        cmc_h5r_f64s(rd, pg, sub, "ci_low", &s->ci_low, &n[2]) < 0 ||
        cmc_h5r_f64s(rd, pg, sub, "ci_high", &s->ci_high, &n[3]) < 0)
        goto out;
    size_t nres = n[0];   /* resolution: optional (carbonmc 0.2 files lack it) */
    s->resolution = NULL;
    if (H5Lexists(pg, "resolution", H5P_DEFAULT) > 0 &&
        cmc_h5r_f64s(rd, pg, sub, "resolution", &s->resolution, &nres) < 0)
        goto out;
    if (n[1] != n[0] || n[2] != n[0] || n[3] != n[0] || nres != n[0]) {
        cmc_h5r_rfail(rd, "the arrays in %s differ in length", sub);
        goto out;
    }
    /* what run accepts in --percentiles: the summary and the figures rely on it */
    for (size_t i = 0; i < n[0]; i++)
        if (!(s->p[i] > 0 && s->p[i] < 1) || (i && !(s->p[i] > s->p[i - 1]))) {
            cmc_h5r_rfail(rd, "%s/probability[%zu] = %g is not a probability in (0, 1) greater than "
                      "the one before", sub, i, s->p[i]);
            goto out;
        }
    s->npercentiles = n[0];

    if (cmc_h5r_f64(rd, g, where, "mean", &s->mean) < 0 || cmc_h5r_f64(rd, g, where, "std", &s->std) < 0 ||
        cmc_h5r_f64(rd, g, where, "mean_se", &s->mean_se) < 0 ||
        cmc_h5r_f64(rd, g, where, "min", &s->min) < 0 || cmc_h5r_f64(rd, g, where, "max", &s->max) < 0 ||
        cmc_h5r_u64(rd, g, where, "nonfinite", &s->nonfinite) < 0 ||
        cmc_h5r_u64(rd, g, where, "count", &s->count) < 0)
        goto out;

    snprintf(sub, sizeof sub, "%s/histogram", where);
    size_t nedges = 0;
    if ((hg = cmc_h5r_open_group(rd, g, where, "histogram")) < 0 ||
        cmc_h5r_f64s(rd, hg, sub, "edges", &s->edges, &nedges) < 0 ||
        cmc_h5r_data_num(rd, hg, sub, "counts", H5T_INTEGER, H5T_NATIVE_UINT64, sizeof(uint64_t), 1,
                 &s->counts, &s->nbins) < 0 ||
        cmc_h5r_attr_num(rd, hg, sub, "underflow", H5T_INTEGER, H5T_NATIVE_UINT64, &s->underflow) < 0 ||
        cmc_h5r_attr_num(rd, hg, sub, "overflow", H5T_INTEGER, H5T_NATIVE_UINT64, &s->overflow) < 0 ||
        cmc_h5r_attr_num(rd, hg, sub, "log_bins", H5T_INTEGER, H5T_NATIVE_INT, &s->log_bins) < 0)
        goto out;
    if (nedges != s->nbins + 1 && !(nedges == 0 && s->nbins == 0)) {
        cmc_h5r_rfail(rd, "%s has %zu edges for %zu bins", sub, nedges, s->nbins);
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
static int check_format(cmc_h5r *rd, hid_t file)
{
    hid_t a;
    htri_t ex = H5Aexists(file, "format");
    if (ex < 0)
        return cmc_h5r_rfail(rd, "cannot look for the format attribute");
    if (!ex)
        goto foreign;
    if (cmc_h5r_open_attr(rd, file, "/", "format", 0, &a) < 0)
        return -1;
    char **v;
    rd->failed = 1;   /* a format that is not one string is foreign: no other message */
    int rc = cmc_h5r_get_strings(rd, a, 1, "attribute 'format' of /", 1, &v, NULL);
    rd->failed = 0;
    H5Aclose(a);
    if (rc < 0)
        goto foreign;
    if (strcmp(v[0], FORMAT_NAME) == 0)
        return 0;
    if (strncmp(v[0], "carbonmc-sweep/", 15) == 0) {
        cmc_error(rd->d, NULL, "'%s' is a sweep's file (carbonmc sweep), not a run's: summary "
                  "and plot read it alone, xarray too (docs/hdf5.md)", rd->path);
        rd->failed = 1;
        return -1;
    }
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

static int read_stats(cmc_h5r *rd, hid_t file, const char *kind, cmc_stat **out, size_t *nout)
{
    char **names;
    size_t n;
    if (cmc_h5r_attr_names(rd, file, kind, &names, &n) < 0)
        return -1;
    cmc_stat *s = cmc_arena_alloc(rd->a, (n ? n : 1) * sizeof *s);
    if (!s)
        return cmc_h5r_rfail(rd, "out of memory");
    hid_t g = cmc_h5r_open_group(rd, file, "", kind);
    if (g < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        s[i].name = names[i];
        if (!cmc_h5_valid_name(names[i]))
            rc = cmc_h5r_rfail(rd, "attribute '%s' of / lists the invalid name '%s'", kind, names[i]);
        else
            rc = read_stat(rd, g, kind, &s[i]);
    }
    H5Gclose(g);
    *out = s;
    *nout = n;
    return rc;
}

/* The statistics named by attribute `attr` of g (at where), from group sub of g. */
static int read_named_stats(cmc_h5r *rd, hid_t g, const char *where, const char *attr,
                            const char *sub, cmc_stat **out, size_t *nout)
{
    char **names, kind[1200];
    size_t n;
    if (cmc_h5r_attr_names_at(rd, g, where, attr, &names, &n) < 0)
        return -1;
    cmc_stat *s = cmc_arena_alloc(rd->a, (n ? n : 1) * sizeof *s);
    if (!s)
        return cmc_h5r_rfail(rd, "out of memory");
    hid_t sg = cmc_h5r_open_group(rd, g, where, sub);
    if (sg < 0)
        return -1;
    snprintf(kind, sizeof kind, "%s/%s", where + 1, sub);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        s[i].name = names[i];
        rc = cmc_h5_valid_name(names[i]) ? read_stat(rd, sg, kind, &s[i])
                                  : cmc_h5r_rfail(rd, "%s lists the invalid name '%s'", where, names[i]);
    }
    H5Gclose(sg);
    *out = s;
    *nout = n;
    return rc;
}

static int read_paired(cmc_h5r *rd, hid_t g, const char *where, const char *vname, cmc_paired *p)
{
    char sub[1100], kind[1200];
    snprintf(sub, sizeof sub, "%s/paired/%s", where, p->output);
    snprintf(kind, sizeof kind, "variants/%s/paired/%s", vname, p->output);
    hid_t q = cmc_h5r_open_group(rd, g, where, p->output);
    if (q < 0)
        return -1;
    p->difference.name = "difference";
    p->ratio.name = "ratio";
    int rc = cmc_h5r_attr_str(rd, q, sub, "reference", 0, &p->reference) < 0 ||
                     read_stat(rd, q, kind, &p->difference) < 0 ||
                     read_stat(rd, q, kind, &p->ratio) < 0 ||
                     cmc_h5r_u64(rd, q, sub, "count", &p->count) < 0 ||
                     cmc_h5r_f64(rd, q, sub, "p_greater", &p->p_greater) < 0 ||
                     cmc_h5r_f64(rd, q, sub, "p_greater_ci_low", &p->p_greater_ci_low) < 0 ||
                     cmc_h5r_f64(rd, q, sub, "p_greater_ci_high", &p->p_greater_ci_high) < 0
                 ? -1
                 : 0;
    H5Gclose(q);
    return rc;
}

/* Parallel arrays of n numbers: float64 ones, then uint8 ones (h5.c put_correlation). */
static int read_columns(cmc_h5r *rd, hid_t g, const char *where, size_t n, const char *const *fn,
                        double ***fv, int nf, const char *bn, unsigned char **bv)
{
    for (int i = 0; i < nf; i++) {
        size_t m = 0;
        if (cmc_h5r_f64s(rd, g, where, fn[i], fv[i], &m) < 0)
            return -1;
        if (m != n)
            return cmc_h5r_rfail(rd, "%s/%s has %zu values for %zu", where, fn[i], m, n);
    }
    size_t m = 0;
    if (cmc_h5r_data_num(rd, g, where, bn, H5T_INTEGER, H5T_NATIVE_UCHAR, 1, 1, bv, &m) < 0)
        return -1;
    if (m != n)
        return cmc_h5r_rfail(rd, "%s/%s has %zu values for %zu", where, bn, m, n);
    return 0;
}

/* /sensitivity/OUTPUT's given-data index (runs with correlated inputs). */
static int read_given(cmc_h5r *rd, hid_t g, const char *where, cmc_sensitivity *se)
{
    static const char *const fn[3] = {"given_first", "given_first_ci_low", "given_first_ci_high"};
    double **fv[3] = {&se->given, &se->given_ci_low, &se->given_ci_high};
    unsigned char *dep = NULL;
    uint64_t bins = 0;
    if (read_columns(rd, g, where, se->ninputs, fn, fv, 3, "correlated", &dep) < 0 ||
        cmc_h5r_attr_num(rd, g, where, "given_bins", H5T_INTEGER, H5T_NATIVE_UINT64, &bins) < 0)
        return -1;
    se->given_bins = (size_t)bins;
    if (!(se->dependent = cmc_arena_alloc(rd->a, (se->ninputs + 1) * sizeof *se->dependent)))
        return cmc_h5r_rfail(rd, "out of memory");
    for (size_t j = 0; j < se->ninputs; j++)
        se->dependent[j] = dep[j] != 0;
    return 0;
}

/* /correlation, if the file has one (runs with correlated inputs). */
static int read_correlation(cmc_h5r *rd, hid_t file, cmc_results *r)
{
    if (H5Lexists(file, "correlation", H5P_DEFAULT) <= 0)
        return 0;
    hid_t g = cmc_h5r_open_group(rd, file, "", "correlation");
    if (g < 0)
        return -1;
    char **a = NULL, **b = NULL;
    size_t n = 0, nb = 0;
    hid_t ds = H5Lexists(g, "a", H5P_DEFAULT) > 0 ? H5Dopen2(g, "a", H5P_DEFAULT) : -1;
    int rc = ds < 0 ? cmc_h5r_rfail(rd, "/correlation/a is missing")
                    : cmc_h5r_get_strings(rd, ds, 0, "dataset /correlation/a", 0, &a, &n);
    if (ds >= 0)
        H5Dclose(ds);
    ds = rc == 0 && H5Lexists(g, "b", H5P_DEFAULT) > 0 ? H5Dopen2(g, "b", H5P_DEFAULT) : -1;
    if (rc == 0)
        rc = ds < 0 ? cmc_h5r_rfail(rd, "/correlation/b is missing")
                    : cmc_h5r_get_strings(rd, ds, 0, "dataset /correlation/b", n, &b, &nb);
    if (ds >= 0)
        H5Dclose(ds);
    static const char *const fn[5] = {"requested", "used", "achieved", "ci_low", "ci_high"};
    double *col[5];
    double **fv[5] = {&col[0], &col[1], &col[2], &col[3], &col[4]};
    unsigned char *named = NULL;
    if (rc == 0)
        rc = read_columns(rd, g, "/correlation", n, fn, fv, 5, "named", &named);
    if (rc == 0 && !(r->correlations = cmc_arena_alloc(rd->a, (n + 1) * sizeof *r->correlations)))
        rc = cmc_h5r_rfail(rd, "out of memory");
    for (size_t p = 0; rc == 0 && p < n; p++)
        r->correlations[p] = (cmc_correlation){a[p], b[p], col[0][p], col[1][p], named[p] != 0,
                                               col[2][p], col[3][p], col[4][p]};
    if (rc == 0)
        r->ncorrelations = n;
    H5Gclose(g);
    return rc;
}

/* /sensitivity/OUTPUT. */
static int read_sensitivity(cmc_h5r *rd, hid_t parent, cmc_sensitivity *se)
{
    char where[600];
    snprintf(where, sizeof where, "/sensitivity/%s", se->output);
    hid_t g = cmc_h5r_open_group(rd, parent, "/sensitivity", se->output);
    if (g < 0)
        return -1;
    hid_t ds = H5Lexists(g, "input", H5P_DEFAULT) > 0 ? H5Dopen2(g, "input", H5P_DEFAULT) : -1;
    char **names = NULL;
    size_t k = 0, m;
    int rc = ds < 0 ? cmc_h5r_rfail(rd, "%s/input is missing", where)
                    : cmc_h5r_get_strings(rd, ds, 0, "dataset input", 0, &names, &k);
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
            snprintf(buf[nv], sizeof buf[nv], "%s%s", cmc_h5_sens_names[e],
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
        rc = cmc_h5r_f64s(rd, g, where, vn[i], v[i], &m);
        if (rc == 0 && m != k)
            rc = cmc_h5r_rfail(rd, "%s/%s has %zu values for %zu inputs", where, vn[i], m, k);
    }
    if (rc == 0 && (cmc_h5r_f64(rd, g, where, "swing_base", &se->swing_base) < 0 ||
                    cmc_h5r_u64(rd, g, where, "samples", &se->samples) < 0 ||
                    cmc_h5r_u64(rd, g, where, "skipped", &se->skipped) < 0))
        rc = -1;
    if (rc == 0 && H5Lexists(g, "given_first", H5P_DEFAULT) > 0)   /* correlated inputs */
        rc = read_given(rd, g, where, se);
    H5Gclose(g);
    return rc;
}

/* The root attribute `set`, the --set overrides (absent from files before 0.3). */
static int read_sets(cmc_h5r *rd, hid_t file, cmc_results *r)
{
    if (H5Aexists(file, "set") <= 0)
        return 0;
    char **v;
    if (cmc_h5r_attr_names(rd, file, "set", &v, &r->nsets) < 0)
        return -1;
    r->sets = (const char **)v;
    return 0;
}

static int read_sensitivities(cmc_h5r *rd, hid_t file, cmc_results *r)
{
    if (H5Aexists(file, "sensitivity") <= 0)
        return 0;
    char **names;
    size_t n;
    if (cmc_h5r_attr_names(rd, file, "sensitivity", &names, &n) < 0)
        return -1;
    if (!(r->sensitivity = cmc_arena_alloc(rd->a, (n + 1) * sizeof *r->sensitivity)))
        return cmc_h5r_rfail(rd, "out of memory");
    r->nsensitivity = n;
    hid_t g = cmc_h5r_open_group(rd, file, "", "sensitivity");
    if (g < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        r->sensitivity[i].output = names[i];
        rc = cmc_h5_valid_name(names[i]) ? read_sensitivity(rd, g, &r->sensitivity[i])
                                  : cmc_h5r_rfail(rd, "/ lists the invalid output '%s'", names[i]);
    }
    H5Gclose(g);
    return rc;
}

/* /variants, if the root lists any. */
static int read_variants(cmc_h5r *rd, hid_t file, cmc_results *r)
{
    if (H5Aexists(file, "variants") <= 0)
        return 0;
    char **names;
    size_t n;
    if (cmc_h5r_attr_names(rd, file, "variants", &names, &n) < 0)
        return -1;
    if (!(r->variants = cmc_arena_alloc(rd->a, (n ? n : 1) * sizeof *r->variants)))
        return cmc_h5r_rfail(rd, "out of memory");
    r->nvariants = n;
    /* what they are compared with: "base" or a variant; files older than the
       `reference` statement compared with the first and lack the attribute */
    if (H5Aexists(file, "variant_reference") > 0 &&
        cmc_h5r_attr_str(rd, file, "/", "variant_reference", 1, &r->variant_reference) < 0)
        return -1;
    hid_t vg = cmc_h5r_open_group(rd, file, "", "variants");
    if (vg < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cmc_variant_result *v = &r->variants[i];
        char where[600];
        v->name = names[i];
        snprintf(where, sizeof where, "/variants/%s", v->name);
        hid_t g = cmc_h5_valid_name(v->name) ? cmc_h5r_open_group(rd, vg, "/variants", v->name) : -1;
        if (g < 0) {
            rc = cmc_h5_valid_name(v->name) ? -1 : cmc_h5r_rfail(rd, "/ lists the invalid variant '%s'", v->name);
            break;
        }
        if (i == 0 && !r->variant_reference)
            r->variant_reference = v->name;
        rc = cmc_h5r_attr_str(rd, g, where, "label", 1, &v->label) < 0 ||
                     read_named_stats(rd, g, where, "outputs", "outputs", &v->outputs,
                                      &v->noutputs) < 0
                 ? -1
                 : 0;
        /* which inputs it shares with the scenario (absent before 0.3) */
        for (int k = 0; k < 2 && rc == 0; k++) {
            const char *an = k ? "changed" : "shared";
            char **lst;
            size_t nl;
            if (H5Aexists(g, an) <= 0)
                continue;
            if (cmc_h5r_attr_names_at(rd, g, where, an, &lst, &nl) < 0) {
                rc = -1;
                break;
            }
            *(k ? &v->changed : &v->shared) = (const char **)lst;
            *(k ? &v->nchanged : &v->nshared) = nl;
        }
        if (rc == 0 && H5Aexists(g, "paired") > 0) {
            char **pn;
            hid_t pg = -1;
            if (cmc_h5r_attr_names_at(rd, g, where, "paired", &pn, &v->npaired) < 0 ||
                !(v->paired = cmc_arena_alloc(rd->a, (v->npaired + 1) * sizeof *v->paired)) ||
                (pg = cmc_h5r_open_group(rd, g, where, "paired")) < 0) {
                rc = cmc_h5r_rfail(rd, "cannot read %s/paired", where);
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

static int read_file(cmc_h5r *rd, hid_t file, cmc_results *r)
{
    if (check_format(rd, file) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "tool_version", 1, &r->tool_version) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "created", 1, &r->created) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "title", 1, &r->title) < 0 ||
        cmc_h5r_attr_num(rd, file, "/", "seed", H5T_INTEGER, H5T_NATIVE_UINT64, &r->seed) < 0 ||
        cmc_h5r_attr_num(rd, file, "/", "samples", H5T_INTEGER, H5T_NATIVE_UINT64, &r->samples) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "method", 1, &r->method) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "rng", 1, &r->rng) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "design", 1, &r->design) < 0 ||
        cmc_h5r_attr_str(rd, file, "/", "stop", 1, &r->stop) < 0)
        return -1;
    uint64_t reps = 1;   /* optional: files of carbonmc 0.2 lack the design */
    if (H5Aexists(file, "replicates") > 0 &&
        cmc_h5r_attr_num(rd, file, "/", "replicates", H5T_INTEGER, H5T_NATIVE_UINT64, &reps) < 0)
        return -1;
    if (reps < 1 || reps > 1024) {
        cmc_h5r_rfail(rd, "attribute 'replicates' of / is %llu, not 1 to 1,024", (unsigned long long)reps);
        return -1;
    }
    r->replicates = (uint32_t)reps;

    hid_t g = cmc_h5r_open_group(rd, file, "", "scenario");
    if (g < 0)
        return -1;
    hid_t ds = -1;
    int rc = -1;
    if (H5Lexists(g, "source", H5P_DEFAULT) <= 0)
        cmc_h5r_rfail(rd, "/scenario/source is missing");
    else if ((ds = H5Dopen2(g, "source", H5P_DEFAULT)) < 0)
        cmc_h5r_rfail(rd, "cannot open dataset /scenario/source");
    else {
        char **v;
        rc = cmc_h5r_get_strings(rd, ds, 0, "dataset /scenario/source", 1, &v, NULL);
        if (rc == 0)
            r->source = v[0];
    }
    if (ds >= 0)
        H5Dclose(ds);
    H5Gclose(g);
    if (rc < 0 || read_stats(rd, file, "outputs", &r->outputs, &r->noutputs) < 0 ||
        read_stats(rd, file, "inputs", &r->inputs, &r->ninputs) < 0 ||
        read_variants(rd, file, r) < 0 || read_sensitivities(rd, file, r) < 0 ||
        read_sets(rd, file, r) < 0 || read_correlation(rd, file, r) < 0)
        return -1;
    return 0;
}

cmc_results *cmc_results_read(const char *path, cmc_diags *d)
{
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    cmc_h5r rd;
    cmc_results *out = NULL;
    hid_t file = cmc_h5r_open(&rd, path, d);
    if (file >= 0) {
        cmc_results *r = cmc_arena_alloc(rd.a, sizeof *r);
        if (!r)
            cmc_h5r_rfail(&rd, "out of memory");
        else if (H5Aexists(file, "carbonmc_part") > 0)   /* run --part: records only */
            cmc_error(d, NULL, "'%s' is one part of a run split into parts (run --part): it "
                      "holds no statistics; merge the parts first (carbonmc merge PART.h5... "
                      "-o OUT.h5)", path);
        else {
            r->arena = rd.a;
            if (read_file(&rd, file, r) == 0)
                out = r;
        }
        if (cmc_h5r_close(&rd, file) < 0)
            out = NULL;
        if (!out)
            cmc_arena_free(rd.a);
    }
    cmc_h5_quiet_end(&q);
    return out;
}

void cmc_results_free(cmc_results *r)
{
    if (r)
        cmc_arena_free(r->arena);   /* r itself lives in the arena */
}
