/*
 * test_lex.c: numbers in every accepted spelling, malformed numbers, tokens,
 * strings, units, and the located errors the lexer reports.
 */
#include "check.h"
#include "lex.h"

static double num(const char *s, int *used)
{
    double v = -1;
    *used = cmc_lex_number(s, &v);
    return v;
}

static void numbers(void)
{
    static const struct { const char *s; double v; int len; } ok[] = {
        {"25000", 25000, 5}, {"25_000", 25000, 6}, {"2.5e4", 25000, 5},
        {"25k", 25000, 3}, {"1.2M", 1.2e6, 4}, {"3G", 3e9, 2}, {"312T", 312e12, 4},
        {"85%", 0.85, 3}, {".5", 0.5, 2}, {"1e-3", 1e-3, 4}, {"2E+2", 200, 4},
        {"1_000_000", 1e6, 9}, {"240.6", 240.6, 5}, {"0", 0, 1}, {"7 ", 7, 1},
        {"2.15e25", 2.15e25, 7}, {"5)", 5, 1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int used;
        double v = num(ok[i].s, &used);
        CHECK_MSG(used == ok[i].len, "'%s': used %d, want %d", ok[i].s, used, ok[i].len);
        CHECK_REL(v, ok[i].v, 1e-15);
    }
    static const char *const bad[] = {
        "2.5kW", "1__0", "25_", "1e", "2kk", "3x", "1.2.3", "5%%", "12k_",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int used;
        num(bad[i], &used);
        CHECK_MSG(used == -1, "'%s' should be malformed, used %d", bad[i], used);
    }
    /* too large for a double: out of range, not malformed (issue 11, item 22) */
    static const char *const big[] = {"1e309", "1e400", "1e308k", "2e308", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792"};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        int used;
        num(big[i], &used);
        CHECK_MSG(used == -2, "'%.20s' should be out of range, used %d", big[i], used);
    }
    int used;
    num("abc", &used);
    CHECK(used == 0);
    /* more digits than the old 128-byte buffer held */
    double v = num("0.000000000000000000000000000000000000000000000000000000000000000000000"
                   "000000000000000000000000000000000000000000000000000000000000000000000025",
                   &used);
    CHECK(used == 143);
    CHECK_REL(v, 2.5e-140, 1e-15);
}

static void tokens(void)
{
    cmc_src src = {"t.cmc", "x = 20k to 30k # comment\n"
                            "  f(a, b: 2) [kW] \"d\\\"q\" <= >= == != < > ^ - + * / : \\\n"
                            "y\n"};
    cmc_arena *a = cmc_arena_new();
    cmc_diags *d = cmc_diags_new();
    cmc_lexer lx;
    cmc_lex_init(&lx, &src, a, d);
    static const cmc_tok want[] = {
        TK_NAME, TK_ASSIGN, TK_NUMBER, TK_NAME, TK_NUMBER, TK_NEWLINE,
        TK_NAME, TK_LPAREN, TK_NAME, TK_COMMA, TK_NAME, TK_COLON, TK_NUMBER, TK_RPAREN,
        TK_UNIT, TK_STRING, TK_LE, TK_GE, TK_EQ, TK_NE, TK_LT, TK_GT, TK_CARET,
        TK_MINUS, TK_PLUS, TK_STAR, TK_SLASH, TK_COLON, TK_NAME, TK_NEWLINE, TK_EOF,
    };
    cmc_token t;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        t = cmc_lex_next(&lx);
        CHECK_MSG(t.kind == want[i], "token %zu: got %s, want %s", i, cmc_tok_name(t.kind),
                  cmc_tok_name(want[i]));
        if (i == 2)
            CHECK_REL(t.num, 20000, 0);
        if (i == 6) {
            CHECK(t.line == 2 && t.col == 3);
            CHECK_STR(t.text, "f");
        }
        if (i == 14)
            CHECK_STR(t.text, "kW");
        if (i == 15)
            CHECK_STR(t.text, "d\"q");
        if (i == 28)   /* after the line continuation */
            CHECK(t.line == 3 && t.col == 1);
    }
    CHECK(cmc_diags_count(d) == 0);
    cmc_diags_free(d);
    cmc_arena_free(a);
}

static void errors(void)
{
    static const struct { const char *text; int col, len; const char *msg; } cases[] = {
        {"x = 2.5kW\n", 5, 5, "malformed number '2.5kW' (a unit goes in brackets"},
        {"x = \"abc\n", 5, 1, "unterminated string"},
        {"x = [kW\n", 5, 1, "unterminated unit"},
        {"x = 3 $ 4\n", 7, 1, "unexpected character '$'"},
        {"x = []\n", 5, 2, "empty unit"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cmc_src src = {"e.cmc", cases[i].text};
        cmc_arena *a = cmc_arena_new();
        cmc_diags *d = cmc_diags_new();
        cmc_lexer lx;
        cmc_lex_init(&lx, &src, a, d);
        int saw_error = 0;
        for (cmc_token t = cmc_lex_next(&lx); t.kind != TK_EOF; t = cmc_lex_next(&lx))
            saw_error |= t.kind == TK_ERROR;
        CHECK(saw_error);
        CHECK(cmc_diags_errors(d) == 1);
        const cmc_diag *g = cmc_diags_get(d, 0);
        if (g) {
            CHECK_MSG(g->line == 1 && g->col == cases[i].col && g->len == cases[i].len,
                      "case %zu: at %d:%d len %d", i, g->line, g->col, g->len);
            CHECK_MSG(strstr(g->msg, cases[i].msg) != NULL, "case %zu: '%s'", i, g->msg);
            CHECK_STR(g->file, "e.cmc");
        }
        cmc_diags_free(d);
        cmc_arena_free(a);
    }
}

static void suggestions(void)
{
    static const char *const c[] = {"lognormal", "normal", "uniform", "days", "load"};
    CHECK_STR(cmc_suggest("lognromal", c, 5), "lognormal");
    CHECK_STR(cmc_suggest("dyas", c, 5), "days");
    CHECK_STR(cmc_suggest("unifrom", c, 5), "uniform");
    CHECK(cmc_suggest("gpu_count", c, 5) == NULL);
    CHECK(cmc_suggest("x", c, 5) == NULL);
}

/* cmc_lex_prepare: line ends, NUL, UTF-8, line length (issue 11, items 17, 18, 22) */
static int prep(const char *raw, size_t len, const char **text, int *line, int *col)
{
    static cmc_arena *a;
    if (!a)
        a = cmc_arena_new();
    cmc_diags *d = cmc_diags_new();
    cmc_src src = {"t.cmc", NULL};
    int rc = cmc_lex_prepare(&src, raw, len, a, d);
    *text = src.text;
    const cmc_diag *g = cmc_diags_get(d, 0);
    *line = g ? g->line : 0;
    *col = g ? g->col : 0;
    cmc_diags_free(d);
    return rc;
}

static void prepare(void)
{
    const char *t;
    int line, col;
    CHECK(prep("a = 1\r\nb = 2\rc = 3\n", 19, &t, &line, &col) == 0);
    CHECK(!strcmp(t, "a = 1\nb = 2\nc = 3\n"));
    CHECK(prep("x = 1\n\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\n", 17, &t, &line, &col) == 0);
    CHECK(prep("x = 1\ny = 2\0z = 3\n", 18, &t, &line, &col) < 0);
    CHECK(line == 2 && col == 6);
    static const char *const bad[] = {
        "\xc0\x80", "\xed\xa0\x80", "\xf5\x80\x80\x80", "\xe2\x82", "\x80", "\xff",
        "\xf4\x90\x80\x80", "\xe0\x80\xaf",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[64];
        int n = snprintf(buf, sizeof buf, "title \"%s\"\n", bad[i]);
        CHECK_MSG(prep(buf, (size_t)n, &t, &line, &col) < 0 && line == 1 && col == 8,
                  "bad UTF-8 %zu: line %d col %d", i, line, col);
    }
    static char big[CMC_MAX_LINE + 10];
    memset(big, 'x', sizeof big);
    CHECK(prep(big, CMC_MAX_LINE, &t, &line, &col) == 0);
    CHECK(prep(big, CMC_MAX_LINE + 1, &t, &line, &col) < 0 && line == 1);
}

/* The string map behind name lookups (util.h). */
static void map(void)
{
    cmc_arena *a = cmc_arena_new();
    cmc_map m;
    cmc_map_init(&m, a);
    static char keys[5000][8];
    for (int i = 0; i < 5000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        CHECK(cmc_map_put(&m, keys[i], keys[i]) == 0);
    }
    CHECK(cmc_map_put(&m, "k7", keys[9]) == 0);
    CHECK(m.n == 5000);
    int ok = 1;
    for (int i = 0; i < 5000; i++)
        ok &= cmc_map_get(&m, keys[i]) == (i == 7 ? keys[9] : keys[i]);
    CHECK(ok);
    CHECK(cmc_map_get(&m, "k5000") == NULL);
    cmc_arena_free(a);
}

/* The diagnostics list keeps CMC_DIAG_SHOWN errors and counts the rest (item 9). */
static void diag_cap(void)
{
    cmc_diags *d = cmc_diags_new();
    cmc_src src = {"t.cmc", "x\n"};
    cmc_loc l = {&src, 1, 1, 1};
    for (int i = 0; i < 1000; i++) {
        cmc_error(d, &l, "e%d", i);
        cmc_note(d, &l, "n%d", i);
    }
    cmc_warning(d, &l, "w");
    CHECK(cmc_diags_errors(d) == 1000);
    CHECK(cmc_diags_full(d));
    CHECK(cmc_diags_count(d) == 2 * CMC_DIAG_SHOWN + 2);
    const cmc_diag *last = cmc_diags_get(d, cmc_diags_count(d) - 1);
    CHECK(last && last->severity == CMC_NOTE &&
          !strcmp(last->msg, "980 more errors not shown (only the first 20 of each are)"));
    cmc_diags *e = cmc_diags_new();
    cmc_diags_copy(e, d, 1);
    CHECK(cmc_diags_errors(e) == 1000);
    CHECK(cmc_diags_count(e) == CMC_DIAG_SHOWN + 1);
    cmc_diags_free(d);
    cmc_diags_free(e);
}

int main(void)
{
    prepare();
    map();
    diag_cap();
    numbers();
    tokens();
    errors();
    suggestions();
    return CHECK_DONE();
}
