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

/* Read a whole file into a NUL-terminated heap string; NULL on failure (errno set). */
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
