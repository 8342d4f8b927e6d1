/*
 * diag.h: building diagnostics (internal).
 *
 * A place in the source is a cmc_loc: the source (file name and full text), a
 * 1-based line and column, and the length to underline. cmc_diag_add copies the
 * source line into the diagnostic, so the CLI can print it with a caret without
 * holding on to the file. cmc_suggest finds the "did you mean" candidate.
 */
#ifndef CMC_DIAG_H
#define CMC_DIAG_H

#include "carbonmc.h"

typedef struct cmc_src {
    const char *name;   /* as shown in messages: the path given, or "--set" */
    const char *text;   /* NUL-terminated */
} cmc_src;

typedef struct cmc_loc {
    const cmc_src *src;
    int line, col, len;
} cmc_loc;

/* How many errors, and how many warnings, a list keeps (diag.c); the rest are
   counted in a last note. */
#define CMC_DIAG_SHOWN 20

void cmc_diag_add(cmc_diags *d, cmc_severity sev, const cmc_loc *loc,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define cmc_error(d, loc, ...) cmc_diag_add((d), CMC_ERROR, (loc), __VA_ARGS__)
#define cmc_warning(d, loc, ...) cmc_diag_add((d), CMC_WARNING, (loc), __VA_ARGS__)
#define cmc_note(d, loc, ...) cmc_diag_add((d), CMC_NOTE, (loc), __VA_ARGS__)

/* The list keeps no more errors: a caller may skip the work of a message (a "did
   you mean" search) that would not be shown. */
int cmc_diags_full(const cmc_diags *d);

/* Append src's diagnostics (only its errors if errors_only) to dst. */
void cmc_diags_copy(cmc_diags *dst, const cmc_diags *src, int errors_only);

/* The candidate closest to word by edit distance (adjacent transpositions count
   one), if close enough to be a plausible misspelling; otherwise NULL. */
const char *cmc_suggest(const char *word, const char *const *cands, size_t n);

/* Appends " (did you mean 'x'?)" to buf when there is a suggestion. */
void cmc_suggest_text(char *buf, size_t size, const char *word,
                      const char *const *cands, size_t n);

#endif
