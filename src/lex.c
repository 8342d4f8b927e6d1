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
    char buf[128];
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
    for (int j = 0; j < i; j++) {
        if (s[j] == '_')
            continue;
        if (n + 1 >= sizeof buf)
            return -1;
        buf[n++] = s[j];
    }
    buf[n] = '\0';
    double v = strtod(buf, NULL);
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
        return -1;
    *val = v;
    return i;
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
        const char *e = s;
        while (is_name_char((unsigned char)*e))
            e++;
        cmc_token t = make(lx, TK_NAME, s, (int)(e - s));
        t.text = cmc_arena_strndup(lx->arena, s, (size_t)(e - s));
        lx->p = e;
        return t;
    }
    if (isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
        double v = 0;
        int n = cmc_lex_number(s, &v);
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
