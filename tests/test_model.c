/*
 * test_model.c: the language end to end, through the library: the published point
 * arithmetic of the shipped scenarios, expression semantics and precedence, the
 * canonical printer, random-input naming, `use` and its override rules, --set,
 * dependency order, cycles, missing and unused names, and the block kernel against
 * scalar evaluation.
 */
#include "check.h"
#include "model.h"

#include <stdlib.h>
#include <unistd.h>

static char tmpdir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static cmc_model *load_sets(const char *text, const char **sets, size_t nsets, cmc_diags *d)
{
    char name[512];
    snprintf(name, sizeof name, "%s/scenario.cmc", tmpdir);
    cmc_load_options o = {sets, nsets, NULL, 0, NULL};
    return cmc_model_load_string(name, text, &o, d);
}

static const cmc_quantity *find(const cmc_model *m, cmc_qkind k, const char *name)
{
    for (size_t i = 0; i < cmc_model_count(m, k); i++)
        if (!strcmp(cmc_model_get(m, k, i)->name, name))
            return cmc_model_get(m, k, i);
    return NULL;
}

static double out(const cmc_model *m, const char *name)
{
    const cmc_quantity *q = find(m, CMC_OUTPUT, name);
    CHECK_MSG(q != NULL, "no output %s", name);
    return q ? q->point : NAN;
}

/* The first error message (or "" if none). */
static const char *first_error(const cmc_diags *d)
{
    for (size_t i = 0; i < cmc_diags_count(d); i++)
        if (cmc_diags_get(d, i)->severity == CMC_ERROR)
            return cmc_diags_get(d, i)->msg;
    return "";
}

/* Value of `output y = EXPR` in a scenario that also defines x = uniform(1, 3)
   (point 2) and k = 3. */
static double eval(const char *expr)
{
    char text[512];
    snprintf(text, sizeof text, "output x = uniform(1, 3)\noutput k = 3\noutput y = %s\n", expr);
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = load_sets(text, NULL, 0, d);
    CHECK_MSG(m != NULL, "'%s': %s", expr, first_error(d));
    double v = m ? out(m, "y") : NAN;
    cmc_model_free(m);
    cmc_diags_free(d);
    return v;
}

static void semantics(void)
{
    static const struct { const char *e; double v; } cases[] = {
        {"1 + 2 * 3", 7}, {"(1 + 2) * 3", 9}, {"10 - 4 - 3", 3}, {"16 / 4 / 2", 2},
        {"-2^2", -4}, {"2^-1", 0.5}, {"2^3^2", 512}, {"-x^2", -4}, {"(-x)^2", 4},
        {"x^2 + if(x > 1.5, 10, 20)", 14}, {"if(x < 1.5, 10, 20)", 20},
        {"min(3, x, 2.5)", 2}, {"max(x, k, 1)", 3}, {"clamp(x * 5, 0, k)", 3},
        {"clamp(-x, 0, 1)", 0}, {"85%", 0.85}, {"25k + 1.2M", 1225000},
        {"log10(1000) + log(exp(2))", 5}, {"floor(2.7) + ceil(2.2) + abs(-x)", 7},
        {"sqrt(x * 8)", 4}, {"x == 2", 1}, {"x != 2", 0}, {"x >= 2", 1}, {"x <= 1.9", 0},
        {"k * x / 4", 1.5}, {"1 - x", -1}, {"x - 1", 1}, {"6 / x", 3}, {"x / 4", 0.5},
        {"2.5e4 * 25_000 / 1e6", 625}, {"+x", 2}, {"--x", 2},
        /* ties, where <= and < differ: x (random, point 2) through the kernel, k
           (constant 3) folded at compile time */
        {"x <= 2", 1}, {"x < 2", 0}, {"x >= 2", 1}, {"x > 2", 0}, {"2 >= x", 1},
        {"2 < x", 0}, {"x == 2", 1}, {"k <= 3", 1}, {"k < 3", 0}, {"k >= 3", 1},
        {"k > 3", 0}, {"if(x <= 2, 10, 20)", 10}, {"clamp(k, 0, 2.5)", 2.5},
        {"clamp(x, 2.5, 9)", 2.5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = eval(cases[i].e);
        CHECK_MSG(fabs(v - cases[i].v) <= 1e-12 * fmax(1, fabs(cases[i].v)),
                  "%s = %.17g, want %.17g", cases[i].e, v, cases[i].v);
    }
    /* NaN is never hidden by a comparison, min/max, if or clamp */
    static const char *const nan_cases[] = {
        "log(x - 5)", "if(log(x - 5) > 0, 1, 2)", "min(log(x - 5), 1)", "max(1, log(-x))",
        "log(-x) == log(-x)", "clamp(sqrt(-x), 0, 1)", "if(sqrt(-x), 1, 2)",
    };
    for (size_t i = 0; i < sizeof nan_cases / sizeof nan_cases[0]; i++)
        CHECK_MSG(isnan(eval(nan_cases[i])), "%s should be NaN", nan_cases[i]);
}

static void printer(void)
{
    static const struct { const char *in, *want; } cases[] = {
        {"(1 + 2) * k", "(1 + 2) * k"}, {"1 + (2 * k)", "1 + 2 * k"},
        {"k - (k - 1)", "k - (k - 1)"}, {"(k - k) - 1", "k - k - 1"},
        {"-(k ^ 2)", "-k ^ 2"}, {"(-k) ^ 2", "(-k) ^ 2"}, {"k ^ (k ^ 2)", "k ^ k ^ 2"},
        {"(k ^ k) ^ 2", "(k ^ k) ^ 2"}, {"if(k>1,2,3)", "if(k > 1, 2, 3)"},
        {"k * (20k to 30k)", "k * (20k to 30k)"},
        {"choice(240.6: 1, 20: 3)", "choice(240.6: 1, 20: 3)"},
        {"truncate(normal(1, 0.1), 0.5, 1.5)", "truncate(normal(1, 0.1), 0.5, 1.5)"},
        {"6.5 [kW] * k", "6.5 [kW] * k"}, {"if(k<=1,2,3)", "if(k <= 1, 2, 3)"},
        {"k>=1", "k >= 1"}, {"k<1", "k < 1"}, {"k!=1", "k != 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "output k = 3\noutput y = %s\n", cases[i].in);
        cmc_diags *d = cmc_diags_new();
        cmc_model *m = load_sets(text, NULL, 0, d);
        CHECK_MSG(m != NULL, "'%s': %s", cases[i].in, first_error(d));
        if (m)
            CHECK_STR(find(m, CMC_OUTPUT, "y")->expression, cases[i].want);
        cmc_model_free(m);
        cmc_diags_free(d);
    }
}

static void published(void)
{
    const char *src = getenv("CMC_SOURCE_DIR");
    CHECK_MSG(src != NULL, "CMC_SOURCE_DIR not set");
    if (!src)
        return;
    char path[512];
    cmc_diags *d = cmc_diags_new();

    /* GPT-4 article: 25,000 A100, 90 days, 6.5 kW per 8-GPU server, PUE 1.18 */
    const char *sets[] = {"gpu_count=25000", "days=90", "server_kw=6.5", "load=1",
                          "pue=1.18", "intensity=240.6"};
    snprintf(path, sizeof path, "%s/scenarios/gpt4.cmc", src);
    cmc_load_options o = {sets, 6, NULL, 0, NULL};
    cmc_model *m = cmc_model_load(path, &o, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        CHECK_REL(out(m, "energy_kwh"), 51772500, 1e-12);
        CHECK_REL(out(m, "co2_t"), 12456.4635, 1e-12);
        CHECK(cmc_model_count(m, CMC_RANDOM) == 0);
    }
    cmc_model_free(m);
    sets[5] = "intensity=20";
    m = cmc_model_load(path, &o, d);
    CHECK(m != NULL);
    if (m)
        CHECK_REL(out(m, "co2_t"), 1035.45, 1e-12);
    cmc_model_free(m);
    /* the article's 62,318,750 kWh for 100 days is 2,600 h; 100 days give this */
    sets[1] = "days=100";
    m = cmc_model_load(path, &o, d);
    CHECK(m != NULL);
    if (m)
        CHECK_REL(out(m, "energy_kwh"), 57525000, 1e-12);
    cmc_model_free(m);

    /* the scenario as shipped: medians, and a choice at its first value (240.6) */
    m = cmc_model_load(path, NULL, d);
    CHECK(m != NULL);
    if (m) {
        const cmc_quantity *g = find(m, CMC_RANDOM, "gpu_count");
        CHECK(g != NULL);
        if (g)
            CHECK_REL(g->point, sqrt(20000.0 * 30000.0), 1e-12);
        const cmc_quantity *i = find(m, CMC_RANDOM, "intensity");
        CHECK(i && i->point == 240.6);
        CHECK(cmc_model_count(m, CMC_RANDOM) == 5);
    }
    cmc_model_free(m);

    /* Patterson et al. 2021: 10,000 V100 x 14.8 d x 330 W x PUE 1.10 x 429 g/kWh */
    snprintf(path, sizeof path, "%s/scenarios/gpt3_patterson.cmc", src);
    m = cmc_model_load(path, NULL, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        CHECK_REL(out(m, "energy_kwh"), 1289376, 1e-12);
        CHECK_REL(out(m, "co2_t"), 553.142304, 1e-12);
    }
    cmc_model_free(m);

    /* Luccioni et al. 2022: 1,082,990 A100-hours x 400 W x 57 g/kWh, no PUE */
    snprintf(path, sizeof path, "%s/scenarios/bloom.cmc", src);
    m = cmc_model_load(path, NULL, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        CHECK_REL(out(m, "energy_kwh"), 433196, 1e-12);
        CHECK_REL(out(m, "co2_t"), 24.692172, 1e-12);
    }
    cmc_model_free(m);

    /* every shipped scenario loads without an error */
    static const char *const all[] = {"gpt4", "gpt4_flops", "gpt3_patterson",
                                      "gpt3_carbontracker", "bloom"};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        cmc_diags *d2 = cmc_diags_new();
        snprintf(path, sizeof path, "%s/scenarios/%s.cmc", src, all[k]);
        m = cmc_model_load(path, NULL, d2);
        CHECK_MSG(m != NULL && cmc_diags_count(d2) == 0, "%s: %s", all[k], first_error(d2));
        cmc_model_free(m);
        cmc_diags_free(d2);
    }
    cmc_diags_free(d);
}

static void naming_and_order(void)
{
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = load_sets("output z\n"
                             "z = y * 2\n"
                             "y = 2 * uniform(1, 3) + normal(0, 1)\n"
                             "w = 5 to 10 \"a range\" [kg]\n"
                             "output w\n", NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        CHECK(cmc_model_count(m, CMC_RANDOM) == 3);
        CHECK_STR(cmc_model_get(m, CMC_RANDOM, 0)->name, "y.1");
        CHECK_STR(cmc_model_get(m, CMC_RANDOM, 0)->expression, "uniform(1, 3)");
        CHECK_STR(cmc_model_get(m, CMC_RANDOM, 1)->name, "y.2");
        CHECK_STR(cmc_model_get(m, CMC_RANDOM, 2)->name, "w");
        CHECK_STR(cmc_model_get(m, CMC_RANDOM, 2)->unit, "kg");
        CHECK_STR(cmc_model_get(m, CMC_RANDOM, 2)->description, "a range");
        CHECK(cmc_model_count(m, CMC_DERIVED) == 2);
        /* dependencies first */
        CHECK_STR(cmc_model_get(m, CMC_DERIVED, 0)->name, "y");
        CHECK_STR(cmc_model_get(m, CMC_DERIVED, 1)->name, "z");
        CHECK_REL(out(m, "z"), 8, 1e-15);
        CHECK_REL(out(m, "w"), sqrt(50.0), 1e-12);
        CHECK_STR(cmc_model_get(m, CMC_OUTPUT, 0)->name, "z");
    }
    cmc_model_free(m);

    /* a trailing [unit] labels the definition when the value is a number or a
       distribution; in a product it is the last number's; before '=' it is the
       definition's, and the value is converted to it */
    m = load_sets("output co2 = 5 * 2 [t]\nx = 150 to 400 [W]\ny [kg] = 3 [t] * 2\n"
                  "output x\noutput y\n", NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        CHECK_STR(cmc_model_get(m, CMC_OUTPUT, 0)->unit, "t");
        CHECK_STR(cmc_model_get(m, CMC_OUTPUT, 0)->expression, "5 * 2 [t]");
        CHECK_STR(find(m, CMC_RANDOM, "x")->unit, "W");
        CHECK_STR(find(m, CMC_RANDOM, "x")->expression, "150 to 400 [W]");
        CHECK_STR(find(m, CMC_OUTPUT, "y")->unit, "kg");
        CHECK_REL(out(m, "y"), 6000, 1e-15);
    }
    cmc_model_free(m);
    cmc_diags_free(d);
}

static void uses_and_overrides(void)
{
    write_file("base.cmc", "input a \"first\" [kg]\ninput b = 2\n"
                           "c = a * b\noutput c \"product\"\n");
    write_file("left.cmc", "use \"base\"\nd = c + 1 [kg]\noutput d\n");
    write_file("right.cmc", "use \"base\"\ne = c + 2 [kg]\noutput e\n");
    write_file("clash.cmc", "input a\nc = a * 100\n");
    write_file("loop1.cmc", "use \"loop2\"\n");
    write_file("named.cmc", "input watts\noutput e = watts * 2\n");
    write_file("loop2.cmc", "use \"loop1\"\n");

    cmc_diags *d = cmc_diags_new();
    /* diamond: base is read once, its definitions do not clash with themselves */
    cmc_model *m = load_sets("use \"left\"\nuse \"right\"\na = 3\n", NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        CHECK(cmc_model_nfiles(m) == 4);
        CHECK_REL(out(m, "c"), 6, 0);
        CHECK_REL(out(m, "d"), 7, 0);
        CHECK_REL(out(m, "e"), 8, 0);
        CHECK_STR(find(m, CMC_OUTPUT, "c")->description, "product");
        CHECK(find(m, CMC_CONSTANT, "b")->is_default);
    }
    cmc_model_free(m);

    /* the scenario redefines a derived quantity of the model, and --set beats both */
    const char *sets[] = {"b = 10"};
    m = load_sets("use \"base\"\na = 3\nc = a + b * 1 [kg]\n", sets, 1, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        CHECK_REL(out(m, "c"), 13, 0);
        CHECK(find(m, CMC_CONSTANT, "b")->from_set);
    }
    cmc_model_free(m);

    /* --set may give a distribution, and refers to other names */
    const char *sets2[] = {"a=uniform(2, 4)", "b=a*2/(1 [kg])"};
    m = load_sets("use \"base\"\na = 3\n", sets2, 2, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m)
        CHECK_REL(out(m, "c"), 18, 1e-15);
    cmc_model_free(m);
    cmc_diags_free(d);

    struct { const char *text; const char *set; const char *msg; int line, col; } bad[] = {
        {"use \"base\"\nuse \"clash\"\n", NULL, "is defined both here and in", 2, 1},
        {"use \"loop1\"\n", NULL, "uses itself", 1, 5},
        {"use \"base\"\n", NULL, "'base' needs a value for input 'a' (first), used by 'c'", 1, 5},
        {"use \"named\"\nwats = 3\n", NULL, "did you mean 'wats', defined at line 2?", 1, 5},
        {"use \"bsae\"\n", NULL, "cannot find model 'bsae' (did you mean 'base'?)", 1, 5},
        {"a = b + 1\nb = c * 2\nc = a\noutput c\n", NULL, "circular definition: c -> a -> b -> c", 2, 5},
        {"a = 1\na = 2\noutput a\n", NULL, "'a' is already defined at line 1", 2, 1},
        {"use \"base\"\na = 3\n", "dyas=3", "no quantity 'dyas'", 1, 1},
        {"use \"base\"\na = 3\n", "a=bb", "unknown name 'bb' (did you mean 'b'?)", 1, 3},
        {"use \"base\"\na = 3\n", "a=", "expected an expression", 1, 3},
        {"use \"base\"\na = 3\nlaod = 1\n", NULL, "'laod' is defined but no output depends on it", 3, 1},
        {"x = 1\n", NULL, "no outputs", 0, 0},
        {"output y = normal(uniform(1, 2), 1)\n", NULL, "cannot be a parameter", 1, 19},
        {"x = uniform(1, 2)\noutput y = normal(x, 1)\n", NULL, "normal: mu must be a constant", 2, 19},
        {"output y\n", NULL, "declared as an output but never defined", 1, 8},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cmc_diags *e = cmc_diags_new();
        const char *s[] = {bad[i].set};
        m = load_sets(bad[i].text, s, bad[i].set ? 1 : 0, e);
        CHECK_MSG(m == NULL, "case %zu should fail", i);
        cmc_model_free(m);
        const cmc_diag *g = NULL;
        for (size_t j = 0; j < cmc_diags_count(e) && !g; j++)
            if (cmc_diags_get(e, j)->severity == CMC_ERROR)
                g = cmc_diags_get(e, j);
        CHECK_MSG(g != NULL, "case %zu: no error", i);
        if (g) {
            CHECK_MSG(strstr(g->msg, bad[i].msg) != NULL, "case %zu: '%s'", i, g->msg);
            CHECK_MSG(g->line == bad[i].line && g->col == bad[i].col,
                      "case %zu: at %d:%d, want %d:%d", i, g->line, g->col, bad[i].line,
                      bad[i].col);
            if (bad[i].set)
                CHECK_STR(g->file, "--set");
        }
        cmc_diags_free(e);
    }

    /* a name a model knows but no output needs: a warning, and the model loads */
    cmc_diags *w = cmc_diags_new();
    m = load_sets("use \"base\"\na = 3\n", (const char *[]){"b=2"}, 1, w);
    CHECK(m != NULL);
    cmc_model_free(m);
    write_file("extra.cmc", "input a\ninput unused_in\noutput a\n");
    m = load_sets("use \"extra\"\na = 1\nunused_in = 5\n", NULL, 0, w);
    CHECK(m != NULL);
    CHECK(cmc_diags_count(w) == 1 && cmc_diags_get(w, 0)->severity == CMC_WARNING);
    if (cmc_diags_count(w) == 1)
        CHECK(strstr(cmc_diags_get(w, 0)->msg, "does not affect any output") != NULL);
    cmc_model_free(m);
    cmc_diags_free(w);
}

/* The kernel on a block of samples equals the scalar point evaluation of each. */
static void blocks(void)
{
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = load_sets("a = uniform(1, 2)\nb = normal(0, 1)\n"
                             "output y = if(a > 1.5, a * b, 2 - b) + max(a, 1.7) ^ 2 / (b + 10)"
                             " - clamp(b, -0.5, a) + log(a) * 3 - 7 / a\n",
                             NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (!m) {
        cmc_diags_free(d);
        return;
    }
    enum { N = 1000 };
    int ns = m->prog.nslots;
    double *slots = calloc((size_t)ns * N, sizeof *slots);
    int sa = m->slot[CMC_RANDOM][0], sb = m->slot[CMC_RANDOM][1];
    int sy = m->slot[CMC_OUTPUT][0];
    for (int j = 0; j < N; j++) {
        slots[sa * N + j] = 1 + j / (double)N;
        slots[sb * N + j] = -3 + 6 * ((j * 7919) % N) / (double)N;
    }
    cmc_prog_run(&m->prog, slots, N, N);
    int bad = 0;
    for (int j = 0; j < N; j++) {
        double a = slots[sa * N + j], b = slots[sb * N + j];
        double want = (a > 1.5 ? a * b : 2 - b) + pow(a > 1.7 ? a : 1.7, 2) / (b + 10) -
                      (b < -0.5 ? -0.5 : b > a ? a : b) + log(a) * 3 - 7 / a;
        bad += fabs(slots[sy * N + j] - want) > 1e-12 * fmax(1, fabs(want));
    }
    CHECK_MSG(bad == 0, "%d of %d samples differ from scalar evaluation", bad, N);
    free(slots);
    cmc_model_free(m);
    cmc_diags_free(d);
}

/* Issue 11: a chain of 50,000 terms compiles without recursion and its stored
   source (over 64 KiB on one line as printed) reads back; clamp and NaN bounds;
   --set and variants that replace an output leave the scenario's own definitions
   alone; more than 64 arguments to choice. */
static void hardening(void)
{
    cmc_buf b;
    cmc_buf_init(&b);
    cmc_buf_puts(&b, "x = uniform(1, 3)\ny = x");
    for (int i = 0; i < 50000; i++)
        cmc_buf_puts(&b, i % 1000 == 999 ? " + x \\\n" : " + x");
    cmc_buf_puts(&b, "\noutput y\nvariant big: x = 1");
    for (int i = 0; i < 20000; i++)
        cmc_buf_puts(&b, i % 1000 == 999 ? " + 1 \\\n" : " + 1");
    cmc_buf_puts(&b, "\n");
    CHECK(!b.failed);
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = load_sets(cmc_buf_str(&b), NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        CHECK_REL(out(m, "y"), 100002, 1e-15);
        const char *src = cmc_model_source(m);
        int longest = 0, len = 0;
        for (const char *p = src; *p; p++)
            len = *p == '\n' ? 0 : len + 1, longest = len > longest ? len : longest;
        CHECK_MSG(longest < 1200, "longest line %d", longest);
        cmc_diags *d2 = cmc_diags_new();
        cmc_model *m2 = load_sets(src, NULL, 0, d2);
        CHECK_MSG(m2 != NULL, "the stored source does not read back: %s", first_error(d2));
        if (m2)
            CHECK(cmc_model_nvariants(m2) == 1 &&
                  find(cmc_model_variant(m2, 0), CMC_OUTPUT, "y")->point == 20001 * 50001.0);
        cmc_model_free(m2);
        cmc_diags_free(d2);
    }
    cmc_model_free(m);
    cmc_diags_free(d);
    cmc_buf_free(&b);

    CHECK(isnan(eval("clamp(5, 0, sqrt(-1))")));
    CHECK(isnan(eval("clamp(5, sqrt(-1), 10)")));
    CHECK(isnan(eval("clamp(x, x + 1, x)")));   /* lo > hi in every sample */
    CHECK(eval("clamp(x, 0, x)") == 2);
    d = cmc_diags_new();
    m = load_sets("x = uniform(0, 1)\noutput y = clamp(x, 2, 1)\n", NULL, 0, d);
    CHECK(!m && strstr(first_error(d), "clamp: lo must be <= hi (got lo = 2, hi = 1)"));
    cmc_diags_free(d);

    const char *set[] = {"c = 5"};
    d = cmc_diags_new();
    m = load_sets("a = 2\nb = a * 3\noutput c = b + 1\nvariant v: c = 9\n", set, 1, d);
    CHECK_MSG(m && cmc_diags_count(d) == 0, "%s", first_error(d));
    CHECK(m && out(m, "c") == 5 && out(cmc_model_variant(m, 0), "c") == 9);
    cmc_model_free(m);
    cmc_diags_free(d);
    /* a name only a variant uses is used; the scenario as run states it and every
       name a variant sets, so that it reads back (found by fuzzing) */
    d = cmc_diags_new();
    m = load_sets("z = 3\nx = 1\noutput y = x * 2\nvariant a: x = z\nvariant b: w = 5\n"
                  "input w\n", NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        CHECK(out(cmc_model_variant(m, 0), "y") == 6);
        cmc_diags *d2 = cmc_diags_new();
        cmc_model *m2 = load_sets(cmc_model_source(m), NULL, 0, d2);
        CHECK_MSG(m2 && out(cmc_model_variant(m2, 0), "y") == 6, "%s", first_error(d2));
        CHECK(strstr(cmc_model_source(m), "input w    # set by variants\n") != NULL);
        cmc_model_free(m2);
        cmc_diags_free(d2);
    }
    cmc_model_free(m);
    cmc_diags_free(d);
    /* a name nothing uses, even as written, is still an error */
    d = cmc_diags_new();
    m = load_sets("a = 2\nunused = 4\noutput c = a + 1\n", set, 1, d);
    CHECK(!m && strstr(first_error(d), "'unused' is defined but no output depends on it"));
    cmc_diags_free(d);

    cmc_buf_init(&b);
    cmc_buf_puts(&b, "output x = choice(1");
    for (int i = 2; i <= 200; i++)
        cmc_buf_printf(&b, ", %d", i);
    cmc_buf_puts(&b, ")\n");
    d = cmc_diags_new();
    m = load_sets(cmc_buf_str(&b), NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    cmc_model_free(m);
    cmc_diags_free(d);
    cmc_buf_free(&b);
}

/* Load text; expect failure with msg in the first error. */
static void fails_with(const char *text, const char *msg)
{
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = load_sets(text, NULL, 0, d);
    CHECK_MSG(!m && strstr(first_error(d), msg), "want '%s', got '%s'", msg, first_error(d));
    cmc_model_free(m);
    cmc_diags_free(d);
}

/* Functions: a call is its body with the arguments in place, so the program is
   the written-out expression's, op for op; parameters are not captured by a
   callee's free names; units are checked per call; errors. */
static void functions(void)
{
    cmc_diags *d = cmc_diags_new();
    cmc_model *a = load_sets("f(a, b) = a * b + exp(a) / b\n"
                             "x = uniform(1, 3)\noutput y = f(x, 3)\n", NULL, 0, d);
    cmc_model *b = load_sets("x = uniform(1, 3)\noutput y = x * 3 + exp(x) / 3\n", NULL, 0, d);
    CHECK_MSG(a && b, "%s", first_error(d));
    if (a && b) {
        CHECK_STR(cmc_model_program_text(a), cmc_model_program_text(b));
        CHECK_STR(find(a, CMC_OUTPUT, "y")->expression, "x * 3 + exp(x) / 3");
        CHECK_REL(out(a, "y"), 2 * 3 + exp(2) / 3, 1e-15);
    }
    cmc_model_free(a);
    cmc_model_free(b);

    /* g's free name k is the quantity k, not h's parameter k; nested calls; a
       function with no parameters; the names may be called like quantities */
    a = load_sets("k = 100\ng(x) = x + k\nh(k) = g(k * 2)\nthree() = 3\n"
                  "output y = h(1) + three()\noutput g = 7\n", NULL, 0, d);
    CHECK_MSG(a != NULL, "%s", first_error(d));
    if (a) {
        CHECK_REL(out(a, "y"), 1 * 2 + 100 + 3, 0);
        CHECK_REL(out(a, "g"), 7, 0);
    }
    cmc_model_free(a);

    /* units are the arguments': energy(p, t) in W and h gives kWh at the output */
    write_file("fmodel.cmc", "energy(p, t) = p * t\nco2(e, i) = e * i\n");
    a = load_sets("use \"fmodel\"\np = 400 [W]\nt = 10 [h]\n"
                  "output e [kWh] = energy(p, t)\noutput c [kgCO2e] = co2(e, 385 [gCO2e/kWh])\n",
                  NULL, 0, d);
    CHECK_MSG(a != NULL, "%s", first_error(d));
    if (a) {
        CHECK_REL(out(a, "e"), 4, 1e-15);
        CHECK_REL(out(a, "c"), 4 * 0.385, 1e-15);
    }
    cmc_model_free(a);

    /* a distribution as an argument used once is one random input; --set and
       variants call functions too */
    const char *sets[] = {"t = twice(5 [h])"};
    a = load_sets("twice(x) = 2 * x\np = 400 [W]\nt = 10 [h]\n"
                  "output e [kWh] = twice(uniform(1, 3)) * p * t\n"
                  "variant v: p = twice(300 [W])\n", sets, 1, d);
    CHECK_MSG(a != NULL, "%s", first_error(d));
    if (a) {
        CHECK(cmc_model_count(a, CMC_RANDOM) == 1);
        CHECK_REL(out(a, "e"), 2 * 2 * 0.4 * 10, 1e-15);
        CHECK_REL(find(cmc_model_variant(a, 0), CMC_OUTPUT, "e")->point, 2 * 2 * 0.6 * 10, 1e-15);
    }
    cmc_model_free(a);
    cmc_diags_free(d);

    fails_with("f(x) = f(x)\noutput y = 1\n", "recursive function: f -> f");
    fails_with("f(x) = g(x)\ng(x) = h(x) + 1\nh(x) = f(x)\noutput y = 1\n",
               "recursive function: f -> g -> h -> f");
    fails_with("f(x, y) = x\noutput y = f(1)\n", "f takes 2 arguments (x, y), got 1");
    fails_with("foo(x) = x\noutput y = fo(1)\n",
               "unknown function or distribution 'fo' (did you mean 'foo'?)");
    fails_with("max(x) = x\noutput y = 1\n", "'max' is a built-in function or distribution");
    fails_with("normal(x) = x\noutput y = 1\n", "'normal' is a built-in");
    fails_with("f(x, x) = x\noutput y = 1\n", "'x' is named twice");
    fails_with("use \"fmodel\"\nenergy(a, b) = a\noutput y = 1\n",
               "function 'energy' is already defined in");
    fails_with("sq(x) = x * x\noutput y = sq(uniform(1, 2))\n", "sq uses its parameter 'x' 2 times");
    /* a tree that doubles at each level: an error, not 2^40 nodes */
    fails_with("f0(x) = x + x\nf1(x) = f0(x) * f0(x)\nf2(x) = f1(x) * f1(x)\n"
               "f3(x) = f2(x) * f2(x)\nf4(x) = f3(x) * f3(x)\nf5(x) = f4(x) * f4(x)\n"
               "f6(x) = f5(x) * f5(x)\nf7(x) = f6(x) * f6(x)\nf8(x) = f7(x) * f7(x)\n"
               "f9(x) = f8(x) * f8(x)\nf10(x) = f9(x) * f9(x)\nf11(x) = f10(x) * f10(x)\n"
               "f12(x) = f11(x) * f11(x)\nf13(x) = f12(x) * f12(x)\n"
               "f14(x) = f13(x) * f13(x)\nf15(x) = f14(x) * f14(x)\n"
               "f16(x) = f15(x) * f15(x)\nf17(x) = f16(x) * f16(x)\n"
               "f18(x) = f17(x) * f17(x)\nf19(x) = f18(x) * f18(x)\n"
               "f20(x) = f19(x) * f19(x)\noutput y = f20(1)\n", "expands to more than");
}

/* Instances: one model used twice under prefixes, shared and separate inputs,
   --set, variants and report by prefixed name; the scenario as run reads back. */
static void instances(void)
{
    write_file("power.cmc", "input n\ninput w [W]\ninput load = 1\ninput pue in 1 to 3\n"
                            "input days [day]\nsq(x) = x * x\n"
                            "e [kWh] = n * w * load * pue * days\nhalf = sq(0.5) * 2\n"
                            "per_n(x) = x * n\n"
                            "output e \"energy\"\noutput h = e * half\noutput s = per_n(3)\n");
    const char *text = "use \"power\" as a\nuse \"power\" as b\nshare pue, load\n"
                       "a.n = 10\na.w = 400\na.days = 2\n"
                       "b.n = 20\nb.w = uniform(300, 500)\nb.days = 1\nb.load = pert(0.5, 0.8, 1)\n"
                       "pue = 1.1 to 1.3\nload = 0.9\n"
                       "output total [kWh] = a.e + b.e\nreport total, a.e\n"
                       "variant more: a.n = 20\n";
    cmc_diags *d = cmc_diags_new();
    cmc_model *m = load_sets(text, NULL, 0, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        /* random inputs: one pue for both, b's own w and load */
        CHECK(cmc_model_count(m, CMC_RANDOM) == 3);
        CHECK(find(m, CMC_RANDOM, "pue") && find(m, CMC_RANDOM, "b.w") &&
              find(m, CMC_RANDOM, "b.load"));
        CHECK(!find(m, CMC_RANDOM, "a.pue") && !find(m, CMC_RANDOM, "load"));
        double pue = find(m, CMC_RANDOM, "pue")->point, bl = find(m, CMC_RANDOM, "b.load")->point;
        /* a.load is the shared load (0.9); b defines its own */
        CHECK_REL(out(m, "a.e"), 10 * 0.4 * 0.9 * pue * 48, 1e-14);
        CHECK_REL(out(m, "total"), 10 * 0.4 * 0.9 * pue * 48 + 20 * 0.4 * bl * pue * 24, 1e-14);
        /* report: two outputs, in its order; b.e and a.h are computed, not shown */
        CHECK(cmc_model_count(m, CMC_OUTPUT) == 2);
        CHECK_STR(cmc_model_get(m, CMC_OUTPUT, 0)->name, "total");
        CHECK(find(m, CMC_DERIVED, "b.e") && find(m, CMC_DERIVED, "a.h"));
        CHECK_REL(find(m, CMC_DERIVED, "a.h")->point, out(m, "a.e") * 0.5, 1e-14);
        /* a function of the model reads the instance's own n once inlined */
        CHECK_REL(find(m, CMC_CONSTANT, "a.s")->point, 30, 0);
        CHECK_REL(find(m, CMC_CONSTANT, "b.s")->point, 60, 0);
        CHECK_STR(find(m, CMC_CONSTANT, "b.s")->expression, "3 * b.n");
        CHECK_STR(find(m, CMC_OUTPUT, "a.e")->description, "energy (a)");
        CHECK_STR(cmc_model_variant_name(m, 0), "more");
        CHECK_REL(find(cmc_model_variant(m, 0), CMC_OUTPUT, "a.e")->point, 2 * out(m, "a.e"), 1e-14);
        /* the scenario as run is one flat text with prefixed names: the same model */
        cmc_diags *d2 = cmc_diags_new();
        cmc_model *back = cmc_model_load_string("back.cmc", cmc_model_source(m), NULL, d2);
        CHECK_MSG(back != NULL, "%s\n%s", first_error(d2), cmc_model_source(m));
        if (back) {
            CHECK(cmc_model_count(back, CMC_OUTPUT) == 2);
            CHECK_REL(out(back, "total"), out(m, "total"), 0);
            /* the operations (the draws' texts differ: the unit is written out) */
            const char *ops = strstr(cmc_model_program_text(m), "= mul");
            CHECK(ops && strstr(cmc_model_program_text(back), ops));
        }
        cmc_model_free(back);
        cmc_diags_free(d2);
    }
    cmc_model_free(m);

    /* --report replaces the scenario's selection; all: every output */
    cmc_load_options ro = {NULL, 0, NULL, 0, "all"};
    char path[512];
    snprintf(path, sizeof path, "%s/scenario.cmc", tmpdir);
    m = cmc_model_load_string(path, text, &ro, d);
    CHECK_MSG(m && cmc_model_count(m, CMC_OUTPUT) == 7, "%s", first_error(d));
    cmc_model_free(m);
    ro.report = " b.e,a.h ";
    m = cmc_model_load_string(path, text, &ro, d);
    CHECK_MSG(m && cmc_model_count(m, CMC_OUTPUT) == 2, "%s", first_error(d));
    if (m) {
        CHECK_STR(cmc_model_get(m, CMC_OUTPUT, 0)->name, "b.e");
        CHECK_STR(cmc_model_get(m, CMC_OUTPUT, 1)->name, "a.h");
        CHECK(find(m, CMC_DERIVED, "total") != NULL);
    }
    cmc_model_free(m);
    const char *bad[] = {"b.ee", "a.e,,total", "a.e, a.e", ""};
    const char *why[] = {"no output 'b.ee' (did you mean 'b.e'?)", "expects output names",
                         "'a.e' is named twice", "expects output names"};
    for (int i = 0; i < 4; i++) {
        cmc_diags *e = cmc_diags_new();
        ro.report = bad[i];
        m = cmc_model_load_string(path, text, &ro, e);
        CHECK_MSG(!m && strstr(first_error(e), why[i]), "'%s': %s", bad[i], first_error(e));
        cmc_model_free(m);
        cmc_diags_free(e);
    }

    /* --set by prefixed name: one instance only */
    const char *sets[] = {"a.days = 4", "b.pue = 2"};
    m = load_sets(text, sets, 2, d);
    CHECK_MSG(m != NULL, "%s", first_error(d));
    if (m) {
        double pue = find(m, CMC_RANDOM, "pue")->point, bl = find(m, CMC_RANDOM, "b.load")->point;
        CHECK_REL(out(m, "a.e"), 10 * 0.4 * 0.9 * pue * 96, 1e-14);
        CHECK_REL(out(m, "total"), 10 * 0.4 * 0.9 * pue * 96 + 20 * 0.4 * bl * 2 * 24, 1e-14);
    }
    cmc_model_free(m);
    cmc_diags_free(d);

    /* an instance's range still applies to the shared input */
    fails_with("use \"power\" as a\nshare pue\na.n = 1\na.w = 1\na.days = 1\npue = 5\n",
               "outside");
    fails_with("use \"power\" as a\nuse \"power\" as a\n", "instance 'a' is already used");
    fails_with("use \"power\" as a\nshare pu\n", "no instance used here has an input 'pu' "
                                                   "(did you mean 'pue'?)");
    fails_with("use \"power\" as a\na.n = 1\na.w = 1\na.days = 1\na.pue = 1\n"
               "output t = a.ee\n", "unknown name 'a.ee' (did you mean 'a.e'?)");
    fails_with("use \"power\" as a\na.n = 1\na.w = 1\na.days = 1\na.pue = 1\nreport a.half\n",
               "report: 'a.half' is not an output");
    write_file("reports.cmc", "output x = 1\nreport x\n");
    fails_with("use \"reports\"\n", "'report' belongs in the scenario");
    write_file("nested.cmc", "use \"power\" as inner\n");
    fails_with("use \"nested\" as outer\n", "an instance cannot hold instances");
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cmc_test_model_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    semantics();
    printer();
    published();
    naming_and_order();
    uses_and_overrides();
    blocks();
    hardening();
    functions();
    instances();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return CHECK_DONE();
}
