/*
 * h5read_priv.h: the checked reading of carbonmc's HDF5 files (h5read_core.c),
 * shared by the reader of a run's file (h5read.c) and of a sweep's
 * (h5read_sweep.c). Internal; includes hdf5.h through h5priv.h.
 *
 * Every function reports its first failure once, as "cannot read 'PATH': ...",
 * into the reader's diagnostics, and later calls fail quietly (rd->failed).
 */
#ifndef CMC_H5READ_PRIV_H
#define CMC_H5READ_PRIV_H

#include "h5priv.h"
#include "util.h"

typedef struct gobj {
    uint64_t coll;   /* file address of the collection */
    uint64_t idx, size;
    uint64_t data;   /* file address of the object's bytes */
} gobj;

typedef struct heaps {
    gobj *obj;
    size_t n, cap;
} heaps;

typedef struct cmc_h5r {
    const char *path;
    cmc_diags *d;
    cmc_arena *a;
    int failed;
    int fd;              /* the file, for the raw checks */
    uint64_t size;       /* its size in bytes: no object may claim more */
    heaps heap;          /* its global heap objects (cmc_h5r_scan_heaps) */
} cmc_h5r;

/* Open path for reading: a regular file (refused without blocking on a FIFO), in
   HDF5 format, its global heap scanned; rd is set up with a new arena (rd->a,
   which the caller keeps or frees). Returns the open file, or -1 with an error in
   d and everything released. Call between cmc_h5_quiet_begin and _end. */
hid_t cmc_h5r_open(cmc_h5r *rd, const char *path, cmc_diags *d);
/* Close the file and release what cmc_h5r_open took but the arena: 0, or -1
   (reported) when HDF5 could not close it. */
int cmc_h5r_close(cmc_h5r *rd, hid_t file);

/* Record the first failure with HDF5's reason; returns -1. */
int cmc_h5r_rfail(cmc_h5r *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The strings of an attribute or dataset (fixed- or variable-length) into the
   arena; want: the number required, or 0 for any 1-D array. */
int cmc_h5r_get_strings(cmc_h5r *rd, hid_t obj, int is_attr, const char *what, size_t want,
                        char ***out, size_t *nout);
/* Attribute name of loc; a missing optional one: 0 with *a = -1. */
int cmc_h5r_open_attr(cmc_h5r *rd, hid_t loc, const char *where, const char *name, int optional,
                      hid_t *a);
/* A string attribute; a missing optional one reads as "". */
int cmc_h5r_attr_str(cmc_h5r *rd, hid_t loc, const char *where, const char *name, int optional,
                     const char **out);
/* An array of strings; attr_names: of the root. */
int cmc_h5r_attr_names_at(cmc_h5r *rd, hid_t loc, const char *where, const char *name,
                          char ***out, size_t *n);
int cmc_h5r_attr_names(cmc_h5r *rd, hid_t loc, const char *name, char ***out, size_t *n);
/* A numeric attribute of class cls and exactly n elements (attr_num: 1), as mtype. */
int cmc_h5r_attr_nums(cmc_h5r *rd, hid_t loc, const char *where, const char *name,
                      H5T_class_t cls, hid_t mtype, size_t n, void *out);
int cmc_h5r_attr_num(cmc_h5r *rd, hid_t loc, const char *where, const char *name,
                     H5T_class_t cls, hid_t mtype, void *out);
/* Before reading np elements of dataset ds (type t): contiguous or compact, in the
   file, the size of np elements. */
int cmc_h5r_check_layout(cmc_h5r *rd, hid_t ds, hid_t t, uint64_t np, const char *where,
                         const char *name);
/* A numeric dataset: a single value (array 0, into out) or 1-D (array 1: *n
   elements of elsize bytes in the arena, into *(void **)out). */
int cmc_h5r_data_num(cmc_h5r *rd, hid_t loc, const char *where, const char *name,
                     H5T_class_t cls, hid_t mtype, size_t elsize, int array, void *out,
                     size_t *n);
int cmc_h5r_f64(cmc_h5r *rd, hid_t loc, const char *where, const char *name, double *v);
int cmc_h5r_u64(cmc_h5r *rd, hid_t loc, const char *where, const char *name, uint64_t *v);
int cmc_h5r_f64s(cmc_h5r *rd, hid_t loc, const char *where, const char *name, double **v,
                 size_t *n);
hid_t cmc_h5r_open_group(cmc_h5r *rd, hid_t loc, const char *where, const char *name);

#endif
