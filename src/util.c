/*
 * util.c: arena allocator, growable string buffer, whole-file reading and
 * round-trip formatting of doubles, and the checks every output file passes
 * (cmc_output_check: a regular file or a new path, never a device, FIFO or folder).
 *
 * The arena hands out memory from 64 KiB chunks (or a dedicated chunk for a larger
 * request); chunks are linked and released together. Allocations are rounded up to
 * 16 bytes so any object, doubles included, is aligned. Nothing here is used in the
 * sampling hot loop: it serves parsing and compiling, which happen once per run.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_SIZE (64 * 1024)
#define ALIGN 16

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(ALIGN) unsigned char data[];
} chunk;

struct cmc_arena {
    chunk *head;
};

cmc_arena *cmc_arena_new(void)
{
    return calloc(1, sizeof(cmc_arena));
}

void cmc_arena_free(cmc_arena *a)
{
    if (!a)
        return;
    chunk *c = a->head;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *cmc_arena_alloc(cmc_arena *a, size_t size)
{
    size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (size == 0)
        size = ALIGN;
    chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t want = size > CHUNK_SIZE ? size : CHUNK_SIZE;
        chunk *n = malloc(sizeof(chunk) + want);
        if (!n)
            return NULL;
        n->used = 0;
        n->size = want;
        if (c && size > CHUNK_SIZE) {
            /* keep the partly used chunk at the head for later small requests */
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *cmc_arena_strndup(cmc_arena *a, const char *s, size_t n)
{
    char *p = cmc_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *cmc_arena_strdup(cmc_arena *a, const char *s)
{
    return cmc_arena_strndup(a, s, strlen(s));
}

char *cmc_arena_printf(cmc_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = cmc_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- string map (util.h) ---- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ull;   /* FNV offset basis (Fowler, Noll, Vo) */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;   /* FNV prime */
    return h;
}

void cmc_map_init(cmc_map *m, cmc_arena *a)
{
    memset(m, 0, sizeof *m);
    m->arena = a;
}

void *cmc_map_get(const cmc_map *m, const char *key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = fnv1a(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return NULL;
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
    }
}

/* Returns 1 when key was new. */
static int map_insert(const char **keys, void **vals, size_t cap, const char *key, void *val)
{
    size_t i = fnv1a(key) & (cap - 1);
    while (keys[i] && strcmp(keys[i], key) != 0)
        i = (i + 1) & (cap - 1);
    int fresh = !keys[i];
    keys[i] = key;
    vals[i] = val;
    return fresh;
}

int cmc_map_put(cmc_map *m, const char *key, void *val)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        const char **keys = cmc_arena_alloc(m->arena, cap * sizeof *keys);
        void **vals = cmc_arena_alloc(m->arena, cap * sizeof *vals);
        if (!keys || !vals)
            return -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                map_insert(keys, vals, cap, m->keys[i], m->vals[i]);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    m->n += (size_t)map_insert(m->keys, m->vals, m->cap, key, val);
    return 0;
}

void cmc_buf_init(cmc_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void cmc_buf_free(cmc_buf *b)
{
    free(b->data);
    cmc_buf_init(b);
}

static int reserve(cmc_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->failed = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void cmc_buf_add(cmc_buf *b, const char *s, size_t n)
{
    if (reserve(b, n) < 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cmc_buf_puts(cmc_buf *b, const char *s)
{
    cmc_buf_add(b, s, strlen(s));
}

void cmc_buf_vprintf(cmc_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || reserve(b, (size_t)n) < 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void cmc_buf_printf(cmc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cmc_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *cmc_buf_str(const cmc_buf *b)
{
    return b->data ? b->data : "";
}

char *cmc_read_regular(const char *path, size_t max, size_t *len, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        *why = strerror(e);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        *why = S_ISDIR(st.st_mode) ? "is a directory"
                                   : "is not a regular file (a device, FIFO or socket)";
        return NULL;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        close(fd);
        errno = EFBIG;
        *why = "is larger than the size limit";
        return NULL;
    }
    /* The size can change while we read (a file being written): read what is there,
       up to max bytes, growing the buffer if the file grew. */
    size_t cap = (size_t)st.st_size + 2, n = 0;   /* room for the NUL and one more */
    char *s = malloc(cap);
    while (s) {
        if (n + 1 == cap) {
            if (n > max) {
                free(s);
                close(fd);
                errno = EFBIG;
                *why = "is larger than the size limit";
                return NULL;
            }
            char *t = realloc(s, cap * 2);
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
        ssize_t got = read(fd, s + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(s);
            close(fd);
            errno = e;
            *why = strerror(e);
            return NULL;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (s && n > max) {   /* it grew while we read */
        free(s);
        errno = EFBIG;
        *why = "is larger than the size limit";
        return NULL;
    }
    if (!s) {
        errno = ENOMEM;
        *why = strerror(ENOMEM);
        return NULL;
    }
    s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

char *cmc_read_file(const char *path, size_t *len)
{
    return cmc_read_regular(path, SIZE_MAX - 1, len, NULL);
}

void cmc_format_double(char *out, size_t size, double x)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, x);
        if (strtod(out, NULL) == x)
            return;
    }
}

void cmc_buf_quote(cmc_buf *b, const char *s)
{
    cmc_buf_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            cmc_buf_puts(b, "\\");
        cmc_buf_add(b, s, 1);
    }
    cmc_buf_puts(b, "\"");
}

static char *dup_prefix(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---- Output files ----------------------------------------------------------------- */

/* The rule for every file carbonmc writes: it must be a regular file or a path that
   does not exist yet. A FIFO would block, a device (as root, /dev/null) would be
   replaced by the rename of the temporary file, a folder cannot be replaced. The
   path is followed through symbolic links, so a link to a device is refused too. */
int cmc_output_check(const char *path, char *why, size_t size)
{
    struct stat st;
    if (!path || !*path) {
        snprintf(why, size, "an empty file name");
        return -1;
    }
    if (stat(path, &st) < 0) {
        if (errno == ENOENT)   /* a new path (or a dangling link): the writer will see */
            return 0;
        snprintf(why, size, "%s", strerror(errno));
        return -1;
    }
    const char *kind = S_ISREG(st.st_mode)    ? NULL
                       : S_ISDIR(st.st_mode)  ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    if (!kind)
        return 0;
    snprintf(why, size, "it is %s; the output must be a regular file or a new path", kind);
    return -1;
}

int cmc_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int cmc_sync_folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? dup_prefix(path, slash == path ? 1 : (size_t)(slash - path))
                      : dup_prefix(".", 1);
    if (!dir)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    /* some file systems cannot sync a folder: nothing more can be done there */
    if (rc < 0 && (errno == EINVAL || errno == EROFS))
        rc = 0;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}
