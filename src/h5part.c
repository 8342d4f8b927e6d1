/*
 * h5part.c: the file of one part of a split run (docs/scale.md), written and read.
 *
 * Root attributes say which part it is and of what run (carbonmc_part, carbonmc_parts,
 * tool_version, title, seed, samples, design, replicates, nblocks, prefix,
 * blocks_from, blocks_to, nsketch, ntargets); /merge holds the scenario's text
 * (source), the run's arguments, and the records (part.h): entries [n, 7], nodes
 * [n, 8] and counts [n] (compressed), and with --sensitivity the sensitivity pass's
 * trees (sensitivity [n], run_sens.c), with correlated inputs the copula's tally
 * (tally [n], part.c), all uint64. A part's file has no statistics:
 * `summary` and `plot` refuse it (h5read.c), `merge` reads it.
 */
#include "h5priv.h"
#include "part.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int attr_u64(hid_t loc, const char *name, uint64_t v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp < 0 ? -1 : H5Acreate2(loc, name, H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Awrite(a, H5T_NATIVE_UINT64, &v) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

static int attr_str(hid_t loc, const char *name, const char *s)
{
    hid_t t = cmc_h5_utf8_string_type(), sp = H5Screate(H5S_SCALAR);
    hid_t a = t < 0 || sp < 0 ? -1 : H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Awrite(a, t, &s) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

/* A uint64 dataset of rows x cols (cols 0: one dimension), compressed if asked. */
static int put_u64s(hid_t loc, const char *name, const uint64_t *x, hsize_t rows, hsize_t cols,
                    int compress)
{
    hsize_t dims[2] = {rows, cols}, chunk[2] = {rows < 65536 ? rows : 65536, cols};
    hid_t sp = H5Screate_simple(cols ? 2 : 1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int rc = sp >= 0 && dcpl >= 0 ? 0 : -1;
    if (rc == 0 && compress && rows > 0 &&
        (H5Pset_chunk(dcpl, cols ? 2 : 1, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
         H5Pset_deflate(dcpl, 4) < 0))
        rc = -1;
    hid_t ds = rc ? -1 : H5Dcreate2(loc, name, H5T_STD_U64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds < 0 || (rows > 0 && H5Dwrite(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0))
        rc = -1;
    if (ds >= 0 && H5Dclose(ds) < 0)
        rc = -1;
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

static int part_write(void *ctx, hid_t file, char err[256])
{
    const cmc_part *p = ctx;
    hid_t g = H5Gcreate2(file, "merge", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = g >= 0 ? 0 : -1;
    const struct {
        const char *name;
        uint64_t v;
    } u[] = {{"carbonmc_part", p->part},   {"carbonmc_parts", p->nparts},
             {"seed", p->seed},            {"samples", p->samples},
             {"design", p->design},        {"replicates", p->replicates},
             {"nblocks", p->nblocks},      {"prefix", p->prefix},
             {"blocks_from", p->from},     {"blocks_to", p->to},
             {"nsketch", p->nsketch},      {"ntargets", p->ntargets}};
    for (size_t i = 0; rc == 0 && i < sizeof u / sizeof u[0]; i++)
        rc = attr_u64(file, u[i].name, u[i].v);
    if (rc == 0)
        rc = attr_str(file, "tool_version", p->version) < 0 || attr_str(file, "title", p->title) < 0 ||
                     attr_str(g, "source", p->source) < 0
                 ? -1
                 : 0;
    if (rc == 0) {   /* the arguments, a 1-D array of strings */
        hsize_t n = p->nargs;
        hid_t t = cmc_h5_utf8_string_type(), sp = H5Screate_simple(1, &n, NULL);
        hid_t ds = t < 0 || sp < 0 ? -1 : H5Dcreate2(g, "arguments", t, sp, H5P_DEFAULT,
                                                      H5P_DEFAULT, H5P_DEFAULT);
        if (ds < 0 || (n && H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, p->args) < 0))
            rc = -1;
        if (ds >= 0)
            H5Dclose(ds);
        if (sp >= 0)
            H5Sclose(sp);
        if (t >= 0)
            H5Tclose(t);
    }
    uint64_t *ent = malloc((p->nentry ? p->nentry : 1) * CMC_PART_ENTRY_FIELDS * sizeof *ent);
    for (size_t e = 0; ent && e < p->nentry; e++) {
        const cmc_part_entry *x = &p->entry[e];
        uint64_t row[CMC_PART_ENTRY_FIELDS] = {x->b0, x->b1, x->i, x->coff, x->clen, x->noff, x->nnodes};
        memcpy(ent + e * CMC_PART_ENTRY_FIELDS, row, sizeof row);
    }
    if (rc == 0 && (!ent || put_u64s(g, "entries", ent, p->nentry, CMC_PART_ENTRY_FIELDS, 0) < 0 ||
                    put_u64s(g, "nodes", p->nodes, p->nnodes, CMC_PART_NODE_FIELDS, 1) < 0 ||
                    put_u64s(g, "counts", p->counts, p->ncounts, 0, 1) < 0 ||
                    (p->sens && put_u64s(g, "sensitivity", p->sens, p->nsens, 0, 1) < 0) ||
                    (p->tally && put_u64s(g, "tally", p->tally, p->ntally, 0, 0) < 0)))
        rc = -1;
    free(ent);
    if (g >= 0 && H5Gclose(g) < 0)
        rc = -1;
    if (rc < 0)
        snprintf(err, 256, "cannot write the part's records");
    return rc;
}

int cmc_h5_part_commit(cmc_h5 *h, cmc_part *p, cmc_diags *d)
{
    return cmc_h5_commit_with(h, part_write, p, d);
}

/* ---- reading ----------------------------------------------------------------------- */

static int get_u64(hid_t loc, const char *name, uint64_t *v)
{
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    int rc = a >= 0 && H5Aread(a, H5T_NATIVE_UINT64, v) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

static char *get_str(hid_t loc, const char *name)
{
    if (H5Aexists(loc, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = cmc_h5_utf8_string_type();
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
    char *s = NULL, *out = NULL;
    if (a >= 0 && t >= 0 && ft >= 0 && H5Tis_variable_str(ft) > 0 && H5Aread(a, t, &s) >= 0 && s) {
        out = strdup(s);
        H5free_memory(s);
    }
    if (ft >= 0)
        H5Tclose(ft);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    return out;
}

/* A uint64 dataset of rows x cols (cols 0: 1-D), malloc'd into *out; -1 if it is
   not one. */
static int get_u64s(hid_t loc, const char *name, size_t cols, uint64_t **out, size_t *rows)
{
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT), sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hsize_t dims[2] = {0, 0};
    int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1, rc = -1;
    *out = NULL;
    if (nd == (cols ? 2 : 1) && H5Sget_simple_extent_dims(sp, dims, NULL) == nd &&
        (!cols || dims[1] == cols) && dims[0] < ((hsize_t)1 << 40)) {
        size_t n = (size_t)dims[0] * (cols ? cols : 1);
        *out = malloc((n ? n : 1) * sizeof **out);
        if (*out && (n == 0 || H5Dread(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) >= 0)) {
            *rows = (size_t)dims[0];
            rc = 0;
        }
    }
    if (rc < 0) {
        free(*out);
        *out = NULL;
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

static hid_t open_part(const char *path, cmc_diags *d)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        cmc_diag_add(d, CMC_ERROR, NULL, "cannot open '%s' as an HDF5 file", path);
        return -1;
    }
    return f;
}

cmc_part *cmc_h5_part_read(const char *path, cmc_diags *d)
{
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    cmc_part *p = calloc(1, sizeof *p);
    hid_t f = open_part(path, d), g = -1;
    uint64_t u[12];
    const char *names[12] = {"carbonmc_part", "carbonmc_parts", "seed", "samples", "design",
                             "replicates", "nblocks", "prefix", "blocks_from", "blocks_to",
                             "nsketch", "ntargets"};
    if (!p || f < 0)
        goto fail;
    if (H5Aexists(f, "carbonmc_part") <= 0) {
        cmc_diag_add(d, CMC_ERROR, NULL, "'%s' is not a part of a split run (carbonmc run "
                     "--part writes those)", path);
        goto fail;
    }
    for (int i = 0; i < 12; i++)
        if (get_u64(f, names[i], &u[i]) < 0)
            goto bad;
    p->part = (uint32_t)u[0];
    p->nparts = (uint32_t)u[1];
    p->seed = u[2];
    p->samples = u[3];
    p->design = (uint32_t)u[4];
    p->replicates = (uint32_t)u[5];
    p->nblocks = u[6];
    p->prefix = u[7];
    p->from = u[8];
    p->to = u[9];
    p->nsketch = u[10];
    p->ntargets = u[11];
    if (!(p->path = strdup(path)) || !(p->version = get_str(f, "tool_version")) ||
        !(p->title = get_str(f, "title")) || (g = H5Gopen2(f, "merge", H5P_DEFAULT)) < 0 ||
        !(p->source = get_str(g, "source")))
        goto bad;
    /* the arguments */
    hid_t ds = H5Dopen2(g, "arguments", H5P_DEFAULT), sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hid_t t = cmc_h5_utf8_string_type();
    hsize_t n = 0;
    int ok = ds >= 0 && sp >= 0 && t >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
             H5Sget_simple_extent_dims(sp, &n, NULL) == 1 && n < 100000;
    char **a = ok ? calloc(n + 1, sizeof *a) : NULL;
    ok = a && (n == 0 || H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, a) >= 0);
    if (ok) {
        p->args = calloc(n + 1, sizeof *p->args);
        for (hsize_t i = 0; p->args && i < n; i++)
            if (!a[i] || !(p->args[p->nargs++] = strdup(a[i])))
                ok = 0;
        for (hsize_t i = 0; i < n; i++)
            H5free_memory(a[i]);
        ok = ok && p->args;
    }
    free(a);
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    if (ds >= 0)
        H5Dclose(ds);
    if (!ok)
        goto bad;
    uint64_t *ent;
    size_t ne;
    if (H5Lexists(g, "sensitivity", H5P_DEFAULT) > 0 &&
        get_u64s(g, "sensitivity", 0, &p->sens, &p->nsens) < 0)
        goto bad;
    if (H5Lexists(g, "tally", H5P_DEFAULT) > 0 && get_u64s(g, "tally", 0, &p->tally, &p->ntally) < 0)
        goto bad;
    if (get_u64s(g, "entries", CMC_PART_ENTRY_FIELDS, &ent, &ne) < 0 ||
        get_u64s(g, "nodes", CMC_PART_NODE_FIELDS, &p->nodes, &p->nnodes) < 0) {
        free(p->nodes);
        p->nodes = NULL;
        goto bad;
    }
    p->entry = malloc((ne ? ne : 1) * sizeof *p->entry);
    for (size_t e = 0; p->entry && e < ne; e++) {
        const uint64_t *x = ent + e * CMC_PART_ENTRY_FIELDS;
        p->entry[e] = (cmc_part_entry){x[0], x[1], x[2], x[3], x[4], x[5], x[6]};
    }
    free(ent);
    if (!p->entry)
        goto bad;
    p->nentry = ne;
    /* the records must fit inside the arrays they index (counts checked on loading) */
    hid_t cd = H5Dopen2(g, "counts", H5P_DEFAULT), cs = cd >= 0 ? H5Dget_space(cd) : -1;
    hsize_t nc = 0;
    ok = cs >= 0 && H5Sget_simple_extent_ndims(cs) == 1 &&
         H5Sget_simple_extent_dims(cs, &nc, NULL) == 1;
    if (cs >= 0)
        H5Sclose(cs);
    if (cd >= 0)
        H5Dclose(cd);
    p->ncounts = (size_t)nc;
    for (size_t e = 0; ok && e < ne; e++) {
        const cmc_part_entry *x = &p->entry[e];
        ok = x->coff <= nc && x->clen <= nc - x->coff && x->noff <= p->nnodes &&
             x->nnodes <= p->nnodes - x->noff && x->i < p->nsketch && x->b0 < x->b1;
    }
    if (!ok)
        goto bad;
    H5Gclose(g);
    H5Fclose(f);
    cmc_h5_quiet_end(&q);
    return p;
bad:
    cmc_diag_add(d, CMC_ERROR, NULL, "'%s': the part's records are missing or damaged", path);
fail:
    if (g >= 0)
        H5Gclose(g);
    if (f >= 0)
        H5Fclose(f);
    cmc_part_free(p);
    cmc_h5_quiet_end(&q);
    return NULL;
}

int cmc_h5_part_counts(cmc_part *p, cmc_diags *d)
{
    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    hid_t f = open_part(p->path, d), g = f >= 0 ? H5Gopen2(f, "merge", H5P_DEFAULT) : -1;
    size_t n = 0;
    int rc = g >= 0 && get_u64s(g, "counts", 0, &p->counts, &n) == 0 && n == p->ncounts ? 0 : -1;
    if (rc < 0 && f >= 0)
        cmc_diag_add(d, CMC_ERROR, NULL, "'%s': cannot read the part's counts", p->path);
    if (g >= 0)
        H5Gclose(g);
    if (f >= 0)
        H5Fclose(f);
    cmc_h5_quiet_end(&q);
    return rc;
}
