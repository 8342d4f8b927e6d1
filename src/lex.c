/*
 * lex.c: the scanner of the scenario language.
 *
 * The language is line oriented, so newline is a token; the parser skips it where
 * an argument list may break (after '(' and ','), so that an unclosed parenthesis
 * is reported on its own line. A backslash at the end of a line continues it. `#` comments
 * run to the end of the line. Numbers take `_` between digits, an exponent, and one
 * scale suffix written right after the digits: k (1e3), M (1e6), G (1e9), T (1e12)
 * or % (1e-2); anything else glued to a number ("2.5kW") is an error, because a unit
 * belongs in brackets ("2.5 [kW]"). A unit label `[...]` is one token. Strings take
 * the escapes \" and \\ and may not span lines.
 *
 * Before any of that, cmc_lex_prepare checks the raw bytes (UTF-8, no NUL, the
 * size limits of lex.h) and turns CR LF and lone CR line ends into LF, so that
 * neither the scanner nor the diagnostics need to know about them.
 */
#include "lex.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmc_lex_init(cmc_lexer *lx, const cmc_src *src, cmc_arena *arena, cmc_diags *diags)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->p = lx->line_start = src->text;
    lx->line = 1;
    lx->arena = arena;
    lx->diags = diags;
}

const char *cmc_tok_name(cmc_tok t)
{
    static const char *const names[] = {
        "end of file", "end of line", "name", "number", "string", "unit",
        "'+'", "'-'", "'*'", "'/'", "'^'", "'('", "')'", "','", "':'", "'='",
        "'<'", "'<='", "'>'", "'>='", "'=='", "'!='", "bad token",
    };
    return names[t];
}

static int is_name_start(int c) { return isalpha(c) || c == '_'; }
static int is_name_char(int c) { return isalnum(c) || c == '_'; }

/* Digits with single underscores between them; returns bytes used, -1 if bad. */
static int digits(const char *s)
{
    int i = 0;
    if (!isdigit((unsigned char)s[0]))
        return 0;
    while (isdigit((unsigned char)s[i]) ||
           (s[i] == '_' && isdigit((unsigned char)s[i + 1]) && i > 0))
        i++;
    if (s[i] == '_')
        return -1;
    return i;
}

int cmc_lex_number(const char *s, double *val)
{
    char small[128], *buf = small;
    size_t n = 0;
    int i = 0, k;
    if ((k = digits(s)) < 0)
        return -1;
    i = k;
    if (s[i] == '.') {
        i++;
        int f = digits(s + i);
        if (f < 0 || (f == 0 && k == 0))
            return -1;
        i += f;
    } else if (k == 0) {
        return 0;
    }
    if ((s[i] == 'e' || s[i] == 'E') &&
        (isdigit((unsigned char)s[i + 1]) ||
         ((s[i + 1] == '+' || s[i + 1] == '-') && isdigit((unsigned char)s[i + 2])))) {
        i += (s[i + 1] == '+' || s[i + 1] == '-') ? 2 : 1;
        int e = digits(s + i);
        if (e <= 0)
            return -1;
        i += e;
    }
    if ((size_t)i >= sizeof small && !(buf = malloc((size_t)i + 1)))
        return -1;
    for (int j = 0; j < i; j++)
        if (s[j] != '_')
            buf[n++] = s[j];
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    switch (s[i]) {
    case 'k': v *= 1e3; i++; break;
    case 'M': v *= 1e6; i++; break;
    case 'G': v *= 1e9; i++; break;
    case 'T': v *= 1e12; i++; break;
    case '%': v *= 1e-2; i++; break;
    default: break;
    }
    if (is_name_char((unsigned char)s[i]) || s[i] == '.' || s[i] == '%')
        return -1;
    if (!isfinite(v))
        return -2;
    *val = v;
    return i;
}

/* Bytes in the UTF-8 sequence starting at s (at most n available), or 0 if it is
   not a valid one (RFC 3629, table 3-7 of the Unicode standard). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;   /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;   /* nothing past U+10FFFF */
    } else {
        return 0;
    }
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return k;
}

int cmc_lex_prepare(cmc_src *src, const char *raw, size_t len, cmc_arena *a, cmc_diags *d)
{
    if (len > CMC_MAX_FILE) {
        cmc_loc l = {NULL, 0, 0, 0};
        cmc_error(d, &l, "'%s' is %zu bytes, more than the limit of %d (8 MiB)", src->name,
                  len, CMC_MAX_FILE);
        src->text = "";
        return -1;
    }
    char *out = cmc_arena_alloc(a, len + 1);
    if (!out) {
        cmc_error(d, NULL, "out of memory");
        src->text = "";
        return -1;
    }
    const unsigned char *p = (const unsigned char *)raw;
    size_t n = 0;
    int line = 1;
    size_t line_start = 0;
    /* the first of each kind of fault: line, column */
    int nul_line = 0, nul_col = 0, bad_line = 0, bad_col = 0, long_line = 0;
    for (size_t i = 0; i < len;) {
        unsigned c = p[i];
        if (c == '\r' || c == '\n') {
            if (!long_line && n - line_start > CMC_MAX_LINE)
                long_line = line;
            out[n++] = '\n';
            i += (c == '\r' && i + 1 < len && p[i + 1] == '\n') ? 2 : 1;
            line++;
            line_start = n;
            continue;
        }
        if (c == 0) {
            if (!nul_line)
                nul_line = line, nul_col = (int)(n - line_start) + 1;
            out[n++] = '?';
            i++;
            continue;
        }
        size_t k = utf8_len(p + i, len - i);
        if (!k) {
            if (!bad_line)
                bad_line = line, bad_col = (int)(n - line_start) + 1;
            out[n++] = '?';
            i++;
            continue;
        }
        memcpy(out + n, p + i, k);
        n += k;
        i += k;
    }
    if (!long_line && n - line_start > CMC_MAX_LINE)
        long_line = line;
    out[n] = '\0';
    src->text = out;
    if (nul_line) {
        cmc_loc l = {src, nul_line, nul_col, 1};
        cmc_error(d, &l, "NUL byte in the text (a scenario is UTF-8 text; is this a "
                         "binary file?)");
    }
    if (bad_line) {
        cmc_loc l = {src, bad_line, bad_col, 1};
        cmc_error(d, &l, "invalid UTF-8 (a scenario is UTF-8 text: convert it, e.g. "
                         "with iconv -f latin1 -t utf-8)");
    }
    if (long_line) {
        cmc_loc l = {src, long_line, 1, 1};
        cmc_error(d, &l, "line longer than the limit of %d bytes", CMC_MAX_LINE);
    }
    return nul_line || bad_line || long_line ? -1 : 0;
}

void cmc_lex_wrap(cmc_buf *out, const char *text, size_t width)
{
    size_t col = 0;
    int in_str = 0, in_unit = 0, in_comment = 0;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (c == '\n') {
            cmc_buf_add(out, p, 1);
            col = 0;
            in_str = in_unit = in_comment = 0;
            continue;
        }
        if (in_str) {
            if (c == '\\' && (p[1] == '"' || p[1] == '\\')) {
                cmc_buf_add(out, p, 2);
                p++;
                col += 2;
                continue;
            }
            in_str = c != '"';
        } else if (in_unit) {
            in_unit = c != ']';
        } else if (!in_comment) {
            if (c == '"')
                in_str = 1;
            else if (c == '[')
                in_unit = 1;
            else if (c == '#')
                in_comment = 1;
            else if (c == ' ' && col >= width && p[1] && p[1] != '\n' && p[1] != '#') {
                cmc_buf_puts(out, " \\\n    ");
                col = 4;
                continue;
            }
        }
        cmc_buf_add(out, p, 1);
        col++;
    }
}

static cmc_token make(cmc_lexer *lx, cmc_tok kind, const char *start, int len)
{
    cmc_token t;
    memset(&t, 0, sizeof t);
    t.kind = kind;
    t.start = start;
    t.len = len;
    t.line = lx->line;
    t.col = (int)(start - lx->line_start) + 1;
    return t;
}

static cmc_token lex_error(cmc_lexer *lx, const char *start, int len, const char *fmt,
                           const char *arg)
{
    cmc_token t = make(lx, TK_ERROR, start, len);
    cmc_loc loc = {lx->src, t.line, t.col, len};
    cmc_error(lx->diags, &loc, fmt, arg);
    lx->p = start + len;
    return t;
}

cmc_token cmc_lex_next(cmc_lexer *lx)
{
    for (;;) {
        const char *p = lx->p;
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == '#')
            while (*p && *p != '\n')
                p++;
        if (*p == '\\' && (p[1] == '\n' || (p[1] == '\r' && p[2] == '\n'))) {
            /* explicit line continuation */
            p += p[1] == '\n' ? 2 : 3;
            lx->line++;
            lx->line_start = lx->p = p;
            continue;
        }
        lx->p = p;
        if (*p == '\n') {
            cmc_token t = make(lx, TK_NEWLINE, p, 1);
            lx->p = p + 1;
            lx->line++;
            lx->line_start = lx->p;
            return t;
        }
        break;
    }
    const char *s = lx->p;
    if (*s == '\0')
        return make(lx, TK_EOF, s, 0);

    if (is_name_start((unsigned char)*s)) {
        /* a name may be prefixed by an instance's (`pretrain.gpu_hours`, parse.c):
           parts joined by '.', each starting as a name does, so `y.1` stays a name
           and a number */
        const char *e = s;
        for (;;) {
            while (is_name_char((unsigned char)*e))
                e++;
            if (*e != '.' || !is_name_start((unsigned char)e[1]))
                break;
            e++;
        }
        cmc_token t = make(lx, TK_NAME, s, (int)(e - s));
        t.text = cmc_arena_strndup(lx->arena, s, (size_t)(e - s));
        lx->p = e;
        return t;
    }
    if (isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
        double v = 0;
        int n = cmc_lex_number(s, &v);
        if (n == -2) {
            const char *e = s + 1;
            while (is_name_char((unsigned char)*e) || *e == '.' || *e == '%' ||
                   ((*e == '+' || *e == '-') && (e[-1] == 'e' || e[-1] == 'E')))
                e++;
            char *bad = cmc_arena_strndup(lx->arena, s, (size_t)(e - s) > 40 ? 40 : (size_t)(e - s));
            return lex_error(lx, s, (int)(e - s),
                             "number '%s' is out of range (the largest is about 1.8e308)", bad);
        }
        if (n <= 0) {
            const char *e = s;
            while (is_name_char((unsigned char)*e) || *e == '.' || *e == '%' ||
                   ((*e == '+' || *e == '-') && (e[-1] == 'e' || e[-1] == 'E')))
                e++;
            char *bad = cmc_arena_strndup(lx->arena, s, (size_t)(e - s));
            const char *hint = "";
            for (const char *q = s; q < e; q++)
                if (isalpha((unsigned char)*q) && !strchr("eEkMGT", *q)) {
                    hint = " (a unit goes in brackets after the number: 2.5 [kW])";
                    break;
                }
            char fmt[200];
            snprintf(fmt, sizeof fmt, "malformed number '%%s'%s", hint);
            return lex_error(lx, s, (int)(e - s), fmt, bad);
        }
        cmc_token t = make(lx, TK_NUMBER, s, n);
        t.num = v;
        lx->p = s + n;
        return t;
    }
    if (*s == '"') {
        cmc_buf b;
        cmc_buf_init(&b);
        const char *e = s + 1;
        while (*e && *e != '"' && *e != '\n') {
            if (*e == '\\' && (e[1] == '"' || e[1] == '\\'))
                e++;
            cmc_buf_add(&b, e, 1);
            e++;
        }
        if (*e != '"') {
            cmc_buf_free(&b);
            return lex_error(lx, s, 1, "%s", "unterminated string (a string ends on its own line)");
        }
        cmc_token t = make(lx, TK_STRING, s, (int)(e + 1 - s));
        t.text = cmc_arena_strdup(lx->arena, cmc_buf_str(&b));
        cmc_buf_free(&b);
        lx->p = e + 1;
        return t;
    }
    if (*s == '[') {
        const char *e = s + 1;
        while (*e && *e != ']' && *e != '\n')
            e++;
        if (*e != ']')
            return lex_error(lx, s, 1, "%s", "unterminated unit: ']' expected on the same line");
        const char *a = s + 1, *z = e;
        while (a < z && isspace((unsigned char)*a))
            a++;
        while (z > a && isspace((unsigned char)z[-1]))
            z--;
        if (a == z)
            return lex_error(lx, s, (int)(e + 1 - s), "%s", "empty unit '[]'");
        cmc_token t = make(lx, TK_UNIT, s, (int)(e + 1 - s));
        t.text = cmc_arena_strndup(lx->arena, a, (size_t)(z - a));
        lx->p = e + 1;
        return t;
    }

    cmc_tok k;
    int len = 1;
    switch (*s) {
    case '+': k = TK_PLUS; break;
    case '-': k = TK_MINUS; break;
    case '*': k = TK_STAR; break;
    case '/': k = TK_SLASH; break;
    case '^': k = TK_CARET; break;
    case '(': k = TK_LPAREN; break;
    case ')': k = TK_RPAREN; break;
    case ',': k = TK_COMMA; break;
    case ':': k = TK_COLON; break;
    case '<': k = s[1] == '=' ? (len = 2, TK_LE) : TK_LT; break;
    case '>': k = s[1] == '=' ? (len = 2, TK_GE) : TK_GT; break;
    case '=': k = s[1] == '=' ? (len = 2, TK_EQ) : TK_ASSIGN; break;
    case '!':
        if (s[1] == '=') {
            k = TK_NE;
            len = 2;
            break;
        }
        /* fall through */
    default: {
        char c[8];
        if (isprint((unsigned char)*s))
            snprintf(c, sizeof c, "'%c'", *s);
        else
            snprintf(c, sizeof c, "\\x%02x", (unsigned char)*s);
        return lex_error(lx, s, 1, "unexpected character %s", c);
    }
    }
    cmc_token t = make(lx, k, s, len);
    lx->p = s + len;
    return t;
}
