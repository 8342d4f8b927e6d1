/*
 * lex.h: tokens of the scenario language (internal).
 */
#ifndef CMC_LEX_H
#define CMC_LEX_H

#include "diag.h"
#include "util.h"

typedef enum cmc_tok {
    TK_EOF, TK_NEWLINE, TK_NAME, TK_NUMBER, TK_STRING, TK_UNIT,
    TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_CARET,
    TK_LPAREN, TK_RPAREN, TK_COMMA, TK_COLON, TK_ASSIGN,
    TK_LT, TK_LE, TK_GT, TK_GE, TK_EQ, TK_NE,
    TK_ERROR
} cmc_tok;

typedef struct cmc_token {
    cmc_tok kind;
    const char *start;   /* into the source text */
    int len;             /* bytes of source text */
    int line, col;       /* 1-based */
    double num;          /* TK_NUMBER: the value, suffix applied */
    const char *text;    /* TK_STRING, TK_UNIT: the contents (arena); TK_NAME: the name */
} cmc_token;

typedef struct cmc_lexer {
    const cmc_src *src;
    const char *p, *line_start;
    int line;
    cmc_arena *arena;
    cmc_diags *diags;
} cmc_lexer;

/* The language's limits on text (README "Limits"): bytes in a file (or a string
   given to cmc_model_load_string, or a --set) and bytes in one line. */
#define CMC_MAX_FILE (8 << 20)
#define CMC_MAX_LINE 65536

/* Check the len bytes of raw as source text and prepare them for the lexer: the
   text must be UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
   U+10FFFF) without NUL bytes, at most CMC_MAX_FILE bytes, with lines of at most
   CMC_MAX_LINE bytes. Line ends may be LF, CR LF or a lone CR (old Mac files); all
   become LF, so lines and columns mean the same in the lexer and in diagnostics.
   Sets src->text to the prepared copy (in a) and returns 0; or reports each kind
   of fault once, located, and returns -1 (src->text is then a copy with the bad
   bytes shown as '?', for the diagnostics). One pass: O(len). */
int cmc_lex_prepare(cmc_src *src, const char *raw, size_t len, cmc_arena *a, cmc_diags *d);

/* Append text to out with every line longer than width bytes broken at spaces
   between tokens into lines continued by a backslash (" \\" newline, then four
   spaces), so generated source (the scenario as run, which may hold a sum of
   50,000 terms on one line) stays within CMC_MAX_LINE and reads back. Never
   breaks inside a string, a [unit] or a comment. O(len). */
void cmc_lex_wrap(cmc_buf *out, const char *text, size_t width);

void cmc_lex_init(cmc_lexer *lx, const cmc_src *src, cmc_arena *arena, cmc_diags *diags);
/* The next token. A malformed one is reported to diags and returned as TK_ERROR,
   spanning the bad text so the caller can skip it. */
cmc_token cmc_lex_next(cmc_lexer *lx);
const char *cmc_tok_name(cmc_tok t);   /* "')'", "end of line", ... for messages */

/* Parse a number literal in the language's syntax ("25_000", "2.5e4", "25k",
   "85%"). Returns the number of bytes used (0 if s does not start a number), -1
   when it is malformed, -2 when it is too large for a double (1e309); *val
   receives the value. */
int cmc_lex_number(const char *s, double *val);

#endif
