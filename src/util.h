/*
 * util.h: the two allocators everything else builds on.
 *
 * A scenario is parsed, resolved and compiled into many small objects (AST nodes,
 * names, strings) that all live exactly as long as the model they belong to. An
 * arena (a list of large chunks, bump allocation) makes that ownership trivial: one
 * cmc_arena_free releases all of it, and no error path can leak a node. cmc_buf is a
 * growable byte string for building text (formatted expressions, the flattened
 * scenario). Both report allocation failure by returning NULL / -1, never abort.
 */
#ifndef CMC_UTIL_H
#define CMC_UTIL_H

#include <stdarg.h>
#include <stddef.h>

typedef struct cmc_arena cmc_arena;

cmc_arena *cmc_arena_new(void);
void cmc_arena_free(cmc_arena *a);                 /* NULL is harmless */
void *cmc_arena_alloc(cmc_arena *a, size_t size);  /* zeroed, aligned for double */
char *cmc_arena_strndup(cmc_arena *a, const char *s, size_t n);
char *cmc_arena_strdup(cmc_arena *a, const char *s);
char *cmc_arena_printf(cmc_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef struct cmc_buf {
    char *data;     /* always NUL-terminated once anything was added */
    size_t len, cap;
    int failed;     /* an allocation failed: the content is incomplete */
} cmc_buf;

void cmc_buf_init(cmc_buf *b);
void cmc_buf_free(cmc_buf *b);
void cmc_buf_add(cmc_buf *b, const char *s, size_t n);
void cmc_buf_puts(cmc_buf *b, const char *s);
/* s as a scenario-language string: in double quotes, '"' and '\\' escaped. */
void cmc_buf_quote(cmc_buf *b, const char *s);
void cmc_buf_printf(cmc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cmc_buf_vprintf(cmc_buf *b, const char *fmt, va_list ap);
const char *cmc_buf_str(const cmc_buf *b);   /* "" when empty */

/* A map from NUL-terminated strings to pointers, in an arena: open addressing with
   linear probing (Knuth, TAOCP vol. 3, 6.4, algorithm L) on 64-bit FNV-1a hashes,
   kept at most half full, doubled when it fills. Lookups and insertions take O(1)
   expected time, so interning n names is O(n), not the O(n^2) of a list search.
   Keys are not copied: they must live as long as the map (arena strings do). The
   old table is left in the arena when it grows: 2x the final size in all. */
typedef struct cmc_map {
    const char **keys;
    void **vals;
    size_t cap, n;         /* cap is 0 or a power of two */
    cmc_arena *arena;
} cmc_map;

void cmc_map_init(cmc_map *m, cmc_arena *a);
void *cmc_map_get(const cmc_map *m, const char *key);   /* NULL when absent */
/* Insert or replace; -1 when out of memory. */
int cmc_map_put(cmc_map *m, const char *key, void *val);

/* Read a whole regular file of at most max bytes into a NUL-terminated heap string
   (*len: its length, which may be less than strlen when it holds NUL bytes). NULL on
   failure, with *why (when why is not NULL) a message without a file name: "is a
   directory", "is not a regular file (a device, FIFO or socket)", "is larger than
   the size limit" (errno EFBIG), or strerror(errno). Only regular files are read: the file
   is opened with O_NONBLOCK (so a FIFO cannot block the open) and checked with
   fstat before any byte is read, so /dev/zero or a FIFO is refused, not read. */
char *cmc_read_regular(const char *path, size_t max, size_t *len, const char **why);
/* cmc_read_regular with no size limit and errno set on failure (EISDIR, EINVAL for
   a file that is not regular). */
char *cmc_read_file(const char *path, size_t *len);

/* The shortest "%.*g" text of x that reads back as exactly x (up to 17 digits). */
void cmc_format_double(char *out, size_t size, double x);

/* Output files. 0 if path may be written: a regular file (links followed) or a
   path that does not exist; else -1 with the reason in why. */
int cmc_output_check(const char *path, char *why, size_t size);
/* Whether a and b both exist and are the same file (device and inode). */
int cmc_same_file(const char *a, const char *b);
/* fsync the folder holding path, so a rename into it is durable; -1 with errno. */
int cmc_sync_folder_of(const char *path);

#endif
