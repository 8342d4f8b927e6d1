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
 */
#include "h5priv.h"
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

/* ---- The global heap, checked before HDF5 reads it ------------------------------- *
 *
 * A variable-length string is stored as a descriptor (length: 4 bytes, address of a
 * global heap collection: 8, object index: 4) pointing into a "GCOL" collection, a
 * block of objects each with a 16-byte header (index: 2, reference count: 2,
 * reserved: 4, size: 8) and its bytes padded to 8. HDF5 1.10 trusts all of it:
 * H5HG__cache_heap_deserialize steps through objects by their declared sizes
 * without bounds checks (a size of 0 loops, a large one runs off the block), and
 * H5HG_read copies the object's declared size into a buffer sized by the
 * descriptor's length (a heap overflow when they differ) from a slot it never
 * checks is in use. So before any string is read, the whole file is scanned for
 * collections (the signature, version 1, three zero bytes) and each is walked as
 * HDF5 would walk it, with the bounds checks: every object inside the block, the
 * free-space object (index 0) large enough to advance. The objects found are kept
 * (collection address, index, size, where its bytes are), and a string dataset's
 * descriptors, which are plain bytes at H5Dget_offset, are checked against them
 * (the same length as the object, an index in use) and its strings read from
 * there by the reader itself, not by libhdf5, whose conversion trusts the datatype
 * as well (a damaged one made it ask for gigabytes). A string attribute's descriptors sit in an object
 * header, protected by its checksum (version 2 headers, which our writer uses).
 * The scan reads the file once through mmap (memchr for the 'G'): 0.02 s for a
 * 200 MB file with --save-samples from the page cache on this machine; files
 * without samples are a few hundred KB. */

typedef struct gobj {
    uint64_t coll;   /* file address of the collection */
    uint64_t idx, size;
    uint64_t data;   /* file address of the object's bytes */
} gobj;

typedef struct heaps {
    gobj *obj;
    size_t n, cap;
} heaps;

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int gobj_cmp(const void *a, const void *b)
{
    const gobj *x = a, *y = b;
    if (x->coll != y->coll)
        return x->coll < y->coll ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Walk the collection at off; 0, or -1 with why. */
static int walk_collection(const unsigned char *f, uint64_t fsize, uint64_t off, heaps *h,
                           char *why, size_t wsize)
{
    uint64_t size = le(f + off + 8, 8);
    if (size < 16 || size > fsize - off) {
        snprintf(why, wsize, "the global heap at byte %llu claims %llu bytes",
                 (unsigned long long)off, (unsigned long long)size);
        return -1;
    }
    uint64_t p = off + 16, end = off + size;
    while (end - p >= 16) {
        uint64_t idx = le(f + p, 2), osize = le(f + p + 8, 8);
        uint64_t need = idx ? 16 + ((osize + 7) & ~(uint64_t)7) : osize;
        if (osize > end - p || need > end - p || need < 16 || (!idx && need % 8)) {
            snprintf(why, wsize, "object %llu of the global heap at byte %llu has a bad size "
                     "(%llu)", (unsigned long long)idx, (unsigned long long)off,
                     (unsigned long long)osize);
            return -1;
        }
        if (idx) {
            if (h->n == h->cap) {
                size_t cap = h->cap ? 2 * h->cap : 64;
                gobj *o = realloc(h->obj, cap * sizeof *o);
                if (!o) {
                    snprintf(why, wsize, "out of memory");
                    return -1;
                }
                h->obj = o;
                h->cap = cap;
            }
            h->obj[h->n++] = (gobj){off, idx, osize, p + 16};
        }
        p += need;
    }
    return 0;
}

/* Whether the 8 bytes at p are the address of an object header (version 2: the
   signature "OHDR"; version 1: version byte 1, a zero byte): what an HDF5 object
   reference (a dimension scale's DIMENSION_LIST) holds. */
static int is_reference(const unsigned char *f, uint64_t fsize, const unsigned char *p)
{
    uint64_t at = le(p, 8);
    return at < fsize && fsize - at >= 4 &&
           (!memcmp(f + at, "OHDR", 4) || (f[at] == 1 && f[at + 1] == 0));
}

/* Every variable-length descriptor in the file, wherever it sits (a string
   attribute's in an object header or in the fractal heap of dense attributes, out
   of reach of H5Dget_offset): each occurrence of a collection's address followed by
   the index of one of its objects is a descriptor, and its length must be the
   object's size (a string), or a count of 8-byte object references whose first
   points at an object header (a DIMENSION_LIST). A length that disagrees is what
   would make HDF5 1.10 copy past its buffer. Bytes that only look like a
   descriptor would need the 12 bytes of an address and an index in use by chance. */
static int check_all_descriptors(const unsigned char *f, uint64_t fsize, const heaps *h,
                                 char *why, size_t wsize)
{
    for (size_t i = 0; i < h->n; i++) {
        if (i && h->obj[i].coll == h->obj[i - 1].coll)
            continue;
        unsigned char key[8];
        for (int b = 0; b < 8; b++)
            key[b] = (unsigned char)(h->obj[i].coll >> (8 * b));
        for (const unsigned char *q = f + 4; fsize >= 16 && q + 12 <= f + fsize; q++) {
            q = memchr(q, key[0], (size_t)(f + fsize - 12 - q) + 1);
            if (!q)
                break;
            if (memcmp(q, key, 8))
                continue;
            gobj k = {h->obj[i].coll, le(q + 8, 4), 0, 0};
            const gobj *g = bsearch(&k, h->obj, h->n, sizeof *h->obj, gobj_cmp);
            uint64_t len = le(q - 4, 4);
            /* len 0 reads nothing, whatever the object holds: HDF5's own metadata has
               8-byte fields equal to a round collection address (2048) after four
               zero bytes, which are no descriptor */
            if (!g || len == 0 || len == g->size ||
                (g->size == 8 * len && is_reference(f, fsize, f + g->data)))
                continue;
            snprintf(why, wsize, "a string at byte %llu claims %llu bytes, but its object "
                     "in the global heap holds %llu", (unsigned long long)(q - 4 - f),
                     (unsigned long long)len, (unsigned long long)g->size);
            return -1;
        }
    }
    return 0;
}

/* Every collection of the file at fd (size fsize) into h, sorted; 0 or -1 with why. */
static int scan_heaps(int fd, uint64_t fsize, heaps *h, char *why, size_t wsize)
{
    if (fsize < 16)
        return 0;
    const unsigned char *f = mmap(NULL, (size_t)fsize, PROT_READ, MAP_PRIVATE, fd, 0);
    if (f == MAP_FAILED) {
        snprintf(why, wsize, "cannot map the file: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    const unsigned char *last = f + fsize - 16;   /* a collection header fits after it */
    for (const unsigned char *q = f; rc == 0 && q <= last; q++) {
        if (!(q = memchr(q, 'G', (size_t)(last - q) + 1)))
            break;
        if (!memcmp(q, "GCOL\1\0\0\0", 8))
            rc = walk_collection(f, fsize, (uint64_t)(q - f), h, why, wsize);
    }
    if (rc == 0 && h->n)
        qsort(h->obj, h->n, sizeof *h->obj, gobj_cmp);
    if (rc == 0 && h->n)
        rc = check_all_descriptors(f, fsize, h, why, wsize);
    munmap((void *)f, (size_t)fsize);
    return rc;
}

/* ---- Reader -------------------------------------------------------------------- */

typedef struct reader {
    const char *path;
    cmc_diags *d;
    cmc_arena *a;
    int failed;
    int fd;              /* the file, for the raw checks */
    uint64_t size;       /* its size in bytes: no object may claim more */
    heaps heap;          /* its global heap objects (scan_heaps) */
} reader;

static int rfail(reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rfail(reader *rd, const char *fmt, ...)
{
    char reason[256], msg[1024];
    cmc_h5_reason(reason);
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

/* The n variable-length strings of dataset ds, read without libhdf5: the
   descriptors as raw bytes, checked against the global heap objects the scan found
   (see above), then each string's bytes from its object. libhdf5's own read trusts
   the datatype and the heap and, on a damaged file, can ask for gigabytes (a
   fuzzing find: tests/fuzz/corpus/h5/). The strings go into v[0 .. n-1]. */
static int read_vlen_strings(reader *rd, hid_t ds, size_t n, const char *what, char **v)
{
    haddr_t at = H5Dget_offset(ds);
    if (at == HADDR_UNDEF || at > rd->size || n > (rd->size - at) / 16)
        return rfail(rd, "%s is not stored as carbonmc stores strings", what);
    unsigned char *raw = malloc(n * 16);
    if (!raw)
        return rfail(rd, "out of memory");
    int rc = pread(rd->fd, raw, n * 16, (off_t)at) == (ssize_t)(n * 16) ? 0 : -1;
    if (rc < 0)
        rfail(rd, "cannot read %s: %s", what, strerror(errno ? errno : EIO));
    for (size_t i = 0; i < n && rc == 0; i++) {
        const unsigned char *e = raw + 16 * i;
        gobj key = {le(e + 4, 8), le(e + 12, 4), 0, 0};
        uint64_t len = le(e, 4);
        if (key.coll == 0 && len == 0) {
            v[i] = cmc_arena_strdup(rd->a, "");   /* an empty string has no heap object */
            rc = v[i] ? 0 : rfail(rd, "out of memory");
            continue;
        }
        const gobj *g = rd->heap.n ? bsearch(&key, rd->heap.obj, rd->heap.n,
                                             sizeof *rd->heap.obj, gobj_cmp)
                                   : NULL;
        if (!g || g->size != len) {
            rc = rfail(rd, "%s: string %zu points outside the file's global heap or "
                           "disagrees with it on its length (the file is corrupt)", what, i);
            break;
        }
        char *str = cmc_arena_alloc(rd->a, (size_t)len + 1);   /* len <= the file's size */
        if (!str) {
            rc = rfail(rd, "out of memory");
            break;
        }
        if (pread(rd->fd, str, (size_t)len, (off_t)g->data) != (ssize_t)len) {
            rc = rfail(rd, "cannot read %s: %s", what, strerror(errno ? errno : EIO));
            break;
        }
        str[len] = 0;
        v[i] = str;
    }
    free(raw);
    return rc;
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
    /* every string takes at least one byte of the file */
    if ((uint64_t)n > rd->size) {
        rfail(rd, "%s claims %lld strings in a file of %llu bytes", what, (long long)n,
              (unsigned long long)rd->size);
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
    if (!var && n > 0 && size > rd->size / (uint64_t)n) {
        rfail(rd, "%s claims %lld strings of %zu bytes in a file of %llu bytes", what,
              (long long)n, size, (unsigned long long)rd->size);
        goto out;
    }
    if (n == 0) {
        rc = 0;
    } else if (var && !is_attr) {
        rc = read_vlen_strings(rd, obj, (size_t)n, what, v);
    } else if (var) {
        vlen = calloc((size_t)n, sizeof *vlen);
        if (!vlen) {
            rfail(rd, "out of memory");
            goto out;
        }
        if (H5Aread(obj, mtype, vlen) < 0) {
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

/* A numeric attribute of class cls and exactly n elements (n small: its size is
   checked before the read), converted to mtype into out[0 .. n-1]. */
static int attr_nums(reader *rd, hid_t loc, const char *where, const char *name,
                     H5T_class_t cls, hid_t mtype, size_t n, void *out)
{
    hid_t a;
    if (open_attr(rd, loc, where, name, 0, &a) < 0)
        return -1;
    int rc = -1;
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    const char *kind = cls == H5T_FLOAT ? "number" : "integer";
    if (t < 0 || s < 0)
        rfail(rd, "cannot inspect attribute '%s' of %s", name, where);
    else if (H5Tget_class(t) != cls || H5Sget_simple_extent_npoints(s) != (hssize_t)n)
        n == 1 ? rfail(rd, "attribute '%s' of %s is not a single %s", name, where, kind)
               : rfail(rd, "attribute '%s' of %s is not %zu %ss", name, where, n, kind);
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

/* A scalar numeric attribute of class cls, converted to mtype. */
static int attr_num(reader *rd, hid_t loc, const char *where, const char *name,
                    H5T_class_t cls, hid_t mtype, void *out)
{
    return attr_nums(rd, loc, where, name, cls, mtype, 1, out);
}

/* Before anything is allocated for np elements of dataset ds (type t): the data must
   be in the file, contiguous or compact (no filters to inflate it, no external
   files), its stored size that of np elements and no larger than the file. A
   dataset claiming 2^61 + 1 elements (its byte count wraps to 8) or 2^27 in a
   173 KB file is refused here. */
static int check_layout(reader *rd, hid_t ds, hid_t t, uint64_t np, const char *where,
                        const char *name)
{
    size_t tsize = H5Tget_size(t);
    hid_t dcpl = H5Dget_create_plist(ds);
    H5D_layout_t layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
    int external = dcpl >= 0 ? H5Pget_external_count(dcpl) : -1;
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (tsize == 0 || tsize > 16 || (layout != H5D_CONTIGUOUS && layout != H5D_COMPACT) ||
        external != 0)
        return rfail(rd, "%s/%s is not stored as carbonmc stores numbers", where, name);
    hsize_t stored = H5Dget_storage_size(ds);
    if (np > rd->size / tsize || (np > 0 && stored != np * tsize) || stored > rd->size)
        return rfail(rd, "%s/%s claims %llu values (%llu bytes stored) in a file of %llu "
                         "bytes", where, name, (unsigned long long)np,
                     (unsigned long long)stored, (unsigned long long)rd->size);
    return 0;
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
    } else if (check_layout(rd, ds, t, (uint64_t)np, where, name) < 0) {
        /* reported */
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
            snprintf(name, sizeof name, "%s%s", cmc_h5_est_names[e],
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
    if (H5Aexists(g, "range") > 0) {   /* an input's `in LO to HI` (optional) */
        double range[2];
        if (attr_nums(rd, g, where, "range", H5T_FLOAT, H5T_NATIVE_DOUBLE, 2, range) < 0 ||
            attr_num(rd, g, where, "outside_range", H5T_FLOAT, H5T_NATIVE_DOUBLE, &s->outside) < 0)
            goto out;
        s->has_range = 1;
        s->range_lo = range[0];
        s->range_hi = range[1];
    }

    snprintf(sub, sizeof sub, "%s/percentiles", where);
    size_t n[4] = {0, 0, 0, 0};
    if ((pg = open_group(rd, g, where, "percentiles")) < 0 ||
        f64s(rd, pg, sub, "probability", &s->p, &n[0]) < 0 ||
        f64s(rd, pg, sub, "value", &s->value, &n[1]) < 0 ||
        f64s(rd, pg, sub, "ci_low", &s->ci_low, &n[2]) < 0 ||
        f64s(rd, pg, sub, "ci_high", &s->ci_high, &n[3]) < 0)
        goto out;
    size_t nres = n[0];   /* resolution: optional (carbonmc 0.2 files lack it) */
    s->resolution = NULL;
    if (H5Lexists(pg, "resolution", H5P_DEFAULT) > 0 &&
        f64s(rd, pg, sub, "resolution", &s->resolution, &nres) < 0)
        goto out;
    if (n[1] != n[0] || n[2] != n[0] || n[3] != n[0] || nres != n[0]) {
        rfail(rd, "the arrays in %s differ in length", sub);
        goto out;
    }
    /* what run accepts in --percentiles: the summary and the figures rely on it */
    for (size_t i = 0; i < n[0]; i++)
        if (!(s->p[i] > 0 && s->p[i] < 1) || (i && !(s->p[i] > s->p[i - 1]))) {
            rfail(rd, "%s/probability[%zu] = %g is not a probability in (0, 1) greater than "
                      "the one before", sub, i, s->p[i]);
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
        if (!cmc_h5_valid_name(names[i]))
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
        rc = cmc_h5_valid_name(names[i]) ? read_stat(rd, sg, kind, &s[i])
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

/* The root attribute `set`, the --set overrides (absent from files before 0.3). */
static int read_sets(reader *rd, hid_t file, cmc_results *r)
{
    if (H5Aexists(file, "set") <= 0)
        return 0;
    char **v;
    if (attr_names(rd, file, "set", &v, &r->nsets) < 0)
        return -1;
    r->sets = (const char **)v;
    return 0;
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
        rc = cmc_h5_valid_name(names[i]) ? read_sensitivity(rd, g, &r->sensitivity[i])
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
        hid_t g = cmc_h5_valid_name(v->name) ? open_group(rd, vg, "/variants", v->name) : -1;
        if (g < 0) {
            rc = cmc_h5_valid_name(v->name) ? -1 : rfail(rd, "/ lists the invalid variant '%s'", v->name);
            break;
        }
        rc = attr_str(rd, g, where, "label", 1, &v->label) < 0 ||
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
            if (attr_names_at(rd, g, where, an, &lst, &nl) < 0) {
                rc = -1;
                break;
            }
            *(k ? &v->changed : &v->shared) = (const char **)lst;
            *(k ? &v->nchanged : &v->nshared) = nl;
        }
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
        attr_str(rd, file, "/", "rng", 1, &r->rng) < 0 ||
        attr_str(rd, file, "/", "design", 1, &r->design) < 0 ||
        attr_str(rd, file, "/", "stop", 1, &r->stop) < 0)
        return -1;
    uint64_t reps = 1;   /* optional: files of carbonmc 0.2 lack the design */
    if (H5Aexists(file, "replicates") > 0 &&
        attr_num(rd, file, "/", "replicates", H5T_INTEGER, H5T_NATIVE_UINT64, &reps) < 0)
        return -1;
    if (reps < 1 || reps > 1024) {
        rfail(rd, "attribute 'replicates' of / is %llu, not 1 to 1,024", (unsigned long long)reps);
        return -1;
    }
    r->replicates = (uint32_t)reps;

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
        read_variants(rd, file, r) < 0 || read_sensitivities(rd, file, r) < 0 ||
        read_sets(rd, file, r) < 0)
        return -1;
    return 0;
}

cmc_results *cmc_results_read(const char *path, cmc_diags *d)
{
    /* the system says best why a file cannot be opened */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);   /* a FIFO must not block */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;
        if (fd >= 0)
            close(fd);
        if (fd >= 0 && !S_ISDIR(st.st_mode))
            cmc_error(d, NULL, "cannot open '%s': not a regular file", path);
        else
            cmc_error(d, NULL, "cannot open '%s': %s", path, strerror(e));
        return NULL;
    }

    cmc_h5_quiet q;
    cmc_h5_quiet_begin(&q);
    cmc_results *out = NULL;
    reader rd = {path, d, NULL, 0, fd, (uint64_t)st.st_size, {NULL, 0, 0}};
    hid_t fapl = -1, file = -1;
    char why[256];
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        H5Eclear2(H5E_DEFAULT);
        cmc_error(d, NULL, "'%s' is not a carbonmc file (it is not in HDF5 format)", path);
        goto done;
    }
    if (scan_heaps(fd, rd.size, &rd.heap, why, sizeof why) < 0) {
        cmc_error(d, NULL, "cannot read '%s': %s (the file is corrupt)", path, why);
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
        cmc_h5_reason(reason);
        cmc_error(d, NULL, "cannot open '%s': %s", path, reason[0] ? reason : "HDF5 failed");
        goto done;
    }
    if (H5Aexists(file, "carbonmc_part") > 0) {   /* run --part: records, no statistics */
        cmc_error(d, NULL, "'%s' is one part of a run split into parts (run --part): it holds "
                  "no statistics; merge the parts first (carbonmc merge PART.h5... -o OUT.h5)",
                  path);
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
    free(rd.heap.obj);
    close(fd);
    cmc_h5_quiet_end(&q);
    return out;
}

void cmc_results_free(cmc_results *r)
{
    if (r)
        cmc_arena_free(r->arena);   /* r itself lives in the arena */
}
