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
        "2.5kW", "1__0", "25_", "1e", "2kk", "3x", "1.2.3", "5%%", "1e400", "12k_",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int used;
        num(bad[i], &used);
        CHECK_MSG(used == -1, "'%s' should be malformed, used %d", bad[i], used);
    }
    int used;
    num("abc", &used);
    CHECK(used == 0);
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

int main(void)
{
    numbers();
    tokens();
    errors();
    suggestions();
    return CHECK_DONE();
}
