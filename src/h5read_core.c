/*
 * h5read_core.c: reading carbonmc's HDF5 files without trusting them (the shared
 * part of h5read.c, the run's reader, and h5read_sweep.c, the sweep's).
 *
 * Everything is checked as it is read: every dataset's class, shape and stored
 * size before anything is allocated, and every variable-length string against the
 * file's global heap, which is scanned before HDF5 reads any (below). The first
 * problem ends the read with a diagnostic naming the file, the object and HDF5's
 * own reason.
 */
#include "h5read_priv.h"
#include "diag.h"

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
 * there by the cmc_h5r itself, not by libhdf5, whose conversion trusts the datatype
 * as well (a damaged one made it ask for gigabytes). A string attribute's descriptors sit in an object
 * header, protected by its checksum (version 2 headers, which our writer uses).
 * The scan reads the file once through mmap (memchr for the 'G'): 0.02 s for a
 * 200 MB file with --save-samples from the page cache on this machine; files
 * without samples are a few hundred KB. */


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
int cmc_h5r_scan_heaps(int fd, uint64_t fsize, heaps *h, char *why, size_t wsize)
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


int cmc_h5r_rfail(cmc_h5r *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cmc_h5r_rfail(cmc_h5r *rd, const char *fmt, ...)
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
static int read_vlen_strings(cmc_h5r *rd, hid_t ds, size_t n, const char *what, char **v)
{
    haddr_t at = H5Dget_offset(ds);
    if (at == HADDR_UNDEF || at > rd->size || n > (rd->size - at) / 16)
        return cmc_h5r_rfail(rd, "%s is not stored as carbonmc stores strings", what);
    unsigned char *raw = malloc(n * 16);
    if (!raw)
        return cmc_h5r_rfail(rd, "out of memory");
    int rc = pread(rd->fd, raw, n * 16, (off_t)at) == (ssize_t)(n * 16) ? 0 : -1;
    if (rc < 0)
        cmc_h5r_rfail(rd, "cannot read %s: %s", what, strerror(errno ? errno : EIO));
    for (size_t i = 0; i < n && rc == 0; i++) {
        const unsigned char *e = raw + 16 * i;
        gobj key = {le(e + 4, 8), le(e + 12, 4), 0, 0};
        uint64_t len = le(e, 4);
        if (key.coll == 0 && len == 0) {
            v[i] = cmc_arena_strdup(rd->a, "");   /* an empty string has no heap object */
            rc = v[i] ? 0 : cmc_h5r_rfail(rd, "out of memory");
            continue;
        }
        const gobj *g = rd->heap.n ? bsearch(&key, rd->heap.obj, rd->heap.n,
                                             sizeof *rd->heap.obj, gobj_cmp)
                                   : NULL;
        if (!g || g->size != len) {
            rc = cmc_h5r_rfail(rd, "%s: string %zu points outside the file's global heap or "
                           "disagrees with it on its length (the file is corrupt)", what, i);
            break;
        }
        char *str = cmc_arena_alloc(rd->a, (size_t)len + 1);   /* len <= the file's size */
        if (!str) {
            rc = cmc_h5r_rfail(rd, "out of memory");
            break;
        }
        if (pread(rd->fd, str, (size_t)len, (off_t)g->data) != (ssize_t)len) {
            rc = cmc_h5r_rfail(rd, "cannot read %s: %s", what, strerror(errno ? errno : EIO));
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
int cmc_h5r_get_strings(cmc_h5r *rd, hid_t obj, int is_attr, const char *what, size_t want,
                       char ***out, size_t *nout)
{
    int rc = -1;
    hid_t ftype = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t space = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
    hid_t mtype = -1;
    char *fixed = NULL;
    char **vlen = NULL;
    if (ftype < 0 || space < 0) {
        cmc_h5r_rfail(rd, "cannot inspect %s", what);
        goto out;
    }
    int rank = H5Sget_simple_extent_ndims(space);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    if (H5Tget_class(ftype) != H5T_STRING || rank < 0 || rank > 1 || n < 0 ||
        (want ? (size_t)n != want : rank != 1)) {
        cmc_h5r_rfail(rd, "%s is not %s", what, want == 1 ? "a string" : "an array of strings");
        goto out;
    }
    /* every string takes at least one byte of the file */
    if ((uint64_t)n > rd->size) {
        cmc_h5r_rfail(rd, "%s claims %lld strings in a file of %llu bytes", what, (long long)n,
              (unsigned long long)rd->size);
        goto out;
    }
    char **v = cmc_arena_alloc(rd->a, ((size_t)n + 1) * sizeof *v);
    if (!v) {
        cmc_h5r_rfail(rd, "out of memory");
        goto out;
    }
    htri_t var = H5Tis_variable_str(ftype);
    size_t size = H5Tget_size(ftype);
    H5T_cset_t cset = H5Tget_cset(ftype);
    if (var < 0 || size == 0 || cset < 0 || (mtype = H5Tcopy(H5T_C_S1)) < 0 ||
        H5Tset_cset(mtype, cset) < 0 || H5Tset_size(mtype, var ? H5T_VARIABLE : size) < 0) {
        cmc_h5r_rfail(rd, "cannot inspect %s", what);
        goto out;
    }
    if (!var && n > 0 && size > rd->size / (uint64_t)n) {
        cmc_h5r_rfail(rd, "%s claims %lld strings of %zu bytes in a file of %llu bytes", what,
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
            cmc_h5r_rfail(rd, "out of memory");
            goto out;
        }
        if (H5Aread(obj, mtype, vlen) < 0) {
            cmc_h5r_rfail(rd, "cannot read %s", what);
            free(vlen);
            vlen = NULL;
            goto out;
        }
        rc = 0;
        for (hssize_t i = 0; i < n && rc == 0; i++)
            if (!(v[i] = cmc_arena_strdup(rd->a, vlen[i] ? vlen[i] : "")))
                rc = cmc_h5r_rfail(rd, "out of memory");
        H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, vlen);
    } else {
        H5T_str_t pad = H5Tget_strpad(ftype);
        fixed = malloc((size_t)n * size);
        if (!fixed || pad < 0 || H5Tset_strpad(mtype, pad) < 0) {
            cmc_h5r_rfail(rd, fixed ? "cannot inspect %s" : "out of memory", what);
            goto out;
        }
        herr_t st = is_attr ? H5Aread(obj, mtype, fixed)
                            : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed);
        if (st < 0) {
            cmc_h5r_rfail(rd, "cannot read %s", what);
            goto out;
        }
        rc = 0;
        for (hssize_t i = 0; i < n && rc == 0; i++) {
            const char *s = fixed + (size_t)i * size;
            size_t len = strnlen(s, size);
            while (pad == H5T_STR_SPACEPAD && len > 0 && s[len - 1] == ' ')
                len--;
            if (!(v[i] = cmc_arena_strndup(rd->a, s, len)))
                rc = cmc_h5r_rfail(rd, "out of memory");
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
int cmc_h5r_open_attr(cmc_h5r *rd, hid_t loc, const char *where, const char *name, int optional,
                     hid_t *a)
{
    *a = -1;
    htri_t ex = H5Aexists(loc, name);
    if (ex < 0)
        return cmc_h5r_rfail(rd, "cannot look for attribute '%s' of %s", name, where);
    if (!ex)
        return optional ? 0 : cmc_h5r_rfail(rd, "%s has no attribute '%s'", where, name);
    if ((*a = H5Aopen(loc, name, H5P_DEFAULT)) < 0)
        return cmc_h5r_rfail(rd, "cannot open attribute '%s' of %s", name, where);
    return 0;
}

/* A string attribute; a missing optional one reads as "". */
int cmc_h5r_attr_str(cmc_h5r *rd, hid_t loc, const char *where, const char *name, int optional,
                    const char **out)
{
    hid_t a;
    *out = "";
    if (cmc_h5r_open_attr(rd, loc, where, name, optional, &a) < 0)
        return -1;
    if (a < 0)
        return 0;
    char what[1200], **v;
    snprintf(what, sizeof what, "attribute '%s' of %s", name, where);
    int rc = cmc_h5r_get_strings(rd, a, 1, what, 1, &v, NULL);
    if (rc == 0)
        *out = v[0];
    H5Aclose(a);
    return rc;
}

int cmc_h5r_attr_names_at(cmc_h5r *rd, hid_t loc, const char *where, const char *name,
                         char ***out, size_t *n)
{
    hid_t a;
    if (cmc_h5r_open_attr(rd, loc, where, name, 0, &a) < 0)
        return -1;
    char what[1100];
    snprintf(what, sizeof what, "attribute '%s' of %s", name, where);
    int rc = cmc_h5r_get_strings(rd, a, 1, what, 0, out, n);
    H5Aclose(a);
    return rc;
}

int cmc_h5r_attr_names(cmc_h5r *rd, hid_t loc, const char *name, char ***out, size_t *n)
{
    return cmc_h5r_attr_names_at(rd, loc, "/", name, out, n);
}

/* A numeric attribute of class cls and exactly n elements (n small: its size is
   checked before the read), converted to mtype into out[0 .. n-1]. */
int cmc_h5r_attr_nums(cmc_h5r *rd, hid_t loc, const char *where, const char *name,
                     H5T_class_t cls, hid_t mtype, size_t n, void *out)
{
    hid_t a;
    if (cmc_h5r_open_attr(rd, loc, where, name, 0, &a) < 0)
        return -1;
    int rc = -1;
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    const char *kind = cls == H5T_FLOAT ? "number" : "integer";
    if (t < 0 || s < 0)
        cmc_h5r_rfail(rd, "cannot inspect attribute '%s' of %s", name, where);
    else if (H5Tget_class(t) != cls || H5Sget_simple_extent_npoints(s) != (hssize_t)n)
        n == 1 ? cmc_h5r_rfail(rd, "attribute '%s' of %s is not a single %s", name, where, kind)
               : cmc_h5r_rfail(rd, "attribute '%s' of %s is not %zu %ss", name, where, n, kind);
    else if (H5Aread(a, mtype, out) < 0)
        cmc_h5r_rfail(rd, "cannot read attribute '%s' of %s", name, where);
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
int cmc_h5r_attr_num(cmc_h5r *rd, hid_t loc, const char *where, const char *name,
                    H5T_class_t cls, hid_t mtype, void *out)
{
    return cmc_h5r_attr_nums(rd, loc, where, name, cls, mtype, 1, out);
}

/* Before anything is allocated for np elements of dataset ds (type t): the data must
   be in the file, contiguous or compact (no filters to inflate it, no external
   files), its stored size that of np elements and no larger than the file. A
   dataset claiming 2^61 + 1 elements (its byte count wraps to 8) or 2^27 in a
   173 KB file is refused here. */
int cmc_h5r_check_layout(cmc_h5r *rd, hid_t ds, hid_t t, uint64_t np, const char *where,
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
        return cmc_h5r_rfail(rd, "%s/%s is not stored as carbonmc stores numbers", where, name);
    hsize_t stored = H5Dget_storage_size(ds);
    if (np > rd->size / tsize || (np > 0 && stored != np * tsize) || stored > rd->size)
        return cmc_h5r_rfail(rd, "%s/%s claims %llu values (%llu bytes stored) in a file of %llu "
                         "bytes", where, name, (unsigned long long)np,
                     (unsigned long long)stored, (unsigned long long)rd->size);
    return 0;
}

/* A numeric dataset of class cls: a single value (array 0, into out) or a 1-D
   array (array 1: *n elements of elsize bytes allocated in the arena, NULL if
   empty, into *(void **)out). */
int cmc_h5r_data_num(cmc_h5r *rd, hid_t loc, const char *where, const char *name,
                    H5T_class_t cls, hid_t mtype, size_t elsize, int array, void *out,
                    size_t *n)
{
    htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
    if (ex <= 0)
        return cmc_h5r_rfail(rd, "%s/%s is missing", where, name);
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0)
        return cmc_h5r_rfail(rd, "cannot open dataset %s/%s", where, name);
    int rc = -1;
    hid_t t = H5Dget_type(ds), s = H5Dget_space(ds);
    int rank = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (t < 0 || s < 0 || rank < 0 || np < 0) {
        cmc_h5r_rfail(rd, "cannot inspect dataset %s/%s", where, name);
    } else if (H5Tget_class(t) != cls || (array ? rank != 1 : np != 1)) {
        cmc_h5r_rfail(rd, "%s/%s is not %s %s", where, name, array ? "a 1-D array of" : "a single",
              cls == H5T_FLOAT ? "floating-point numbers" : "integers");
    } else if (cmc_h5r_check_layout(rd, ds, t, (uint64_t)np, where, name) < 0) {
        /* reported */
    } else if (!array) {
        if (H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
            cmc_h5r_rfail(rd, "cannot read dataset %s/%s", where, name);
        else
            rc = 0;
    } else {
        void *buf = NULL;
        if (np > 0 && !(buf = cmc_arena_alloc(rd->a, (size_t)np * elsize)))
            cmc_h5r_rfail(rd, "out of memory");
        else if (np > 0 && H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            cmc_h5r_rfail(rd, "cannot read dataset %s/%s", where, name);
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

int cmc_h5r_f64(cmc_h5r *rd, hid_t loc, const char *where, const char *name, double *v)
{
    return cmc_h5r_data_num(rd, loc, where, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, 0, 0, v, NULL);
}

int cmc_h5r_u64(cmc_h5r *rd, hid_t loc, const char *where, const char *name, uint64_t *v)
{
    return cmc_h5r_data_num(rd, loc, where, name, H5T_INTEGER, H5T_NATIVE_UINT64, 0, 0, v, NULL);
}

int cmc_h5r_f64s(cmc_h5r *rd, hid_t loc, const char *where, const char *name, double **v,
                size_t *n)
{
    return cmc_h5r_data_num(rd, loc, where, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, sizeof(double), 1, v,
                    n);
}

hid_t cmc_h5r_open_group(cmc_h5r *rd, hid_t loc, const char *where, const char *name)
{
    htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
    if (ex <= 0) {
        cmc_h5r_rfail(rd, "%s/%s is missing", where, name);
        return -1;
    }
    hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
    if (g < 0)
        cmc_h5r_rfail(rd, "cannot open group %s/%s", where, name);
    return g;
}

hid_t cmc_h5r_open(cmc_h5r *rd, const char *path, cmc_diags *d)
{
    memset(rd, 0, sizeof *rd);
    rd->path = path;
    rd->d = d;
    rd->fd = -1;
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
        return -1;
    }
    rd->fd = fd;
    rd->size = (uint64_t)st.st_size;
    hid_t fapl = -1, file = -1;
    char why[256];
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        H5Eclear2(H5E_DEFAULT);
        cmc_error(d, NULL, "'%s' is not a carbonmc file (it is not in HDF5 format)", path);
        goto fail;
    }
    if (cmc_h5r_scan_heaps(fd, rd->size, &rd->heap, why, sizeof why) < 0) {
        cmc_error(d, NULL, "cannot read '%s': %s (the file is corrupt)", path, why);
        goto fail;
    }
    if (!(rd->a = cmc_arena_new())) {
        cmc_error(d, NULL, "cannot read '%s': out of memory", path);
        goto fail;
    }
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        cmc_h5r_rfail(rd, "cannot set up the HDF5 library");
        goto fail;
    }
    if ((file = H5Fopen(path, H5F_ACC_RDONLY, fapl)) < 0) {
        char reason[256];
        cmc_h5_reason(reason);
        cmc_error(d, NULL, "cannot open '%s': %s", path, reason[0] ? reason : "HDF5 failed");
        goto fail;
    }
    H5Pclose(fapl);
    return file;
fail:
    if (fapl >= 0)
        H5Pclose(fapl);
    cmc_arena_free(rd->a);
    rd->a = NULL;
    free(rd->heap.obj);
    rd->heap.obj = NULL;
    close(fd);
    rd->fd = -1;
    return -1;
}

int cmc_h5r_close(cmc_h5r *rd, hid_t file)
{
    int rc = 0;
    if (file >= 0 && H5Fclose(file) < 0)
        rc = cmc_h5r_rfail(rd, "cannot close the file");
    free(rd->heap.obj);
    rd->heap.obj = NULL;
    if (rd->fd >= 0)
        close(rd->fd);
    rd->fd = -1;
    return rc;
}
