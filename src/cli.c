/*
 * cli.c: the `carbonmc` command. Parses options, calls libcarbonmc, prints.
 *
 * This is the only file that prints or exits. Results go to stdout; diagnostics go
 * to stderr in a compiler's form (`file:line:col: error: message`, the source line,
 * a caret under the culprit), everything else prefixed `carbonmc: `. Exit status:
 * 0 success, 1 a runtime failure (bad scenario, I/O), 2 a usage error.
 */
#include "carbonmc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2

static const char usage[] =
    "usage: carbonmc COMMAND [ARGS]\n"
    "\n"
    "Error bars on the energy and carbon footprint of training AI models.\n"
    "\n"
    "commands:\n"
    "  check SCENARIO [--set NAME=EXPR]... [--program]\n"
    "        parse and resolve the scenario; print its random inputs, constants,\n"
    "        derived quantities in evaluation order and outputs (--program: also the\n"
    "        compiled program)\n"
    "  point SCENARIO [--set NAME=EXPR]... [--format text|json]\n"
    "        evaluate once, every distribution at its median (a choice at its first\n"
    "        value), no sampling: reproduces a paper's point arithmetic\n"
    "\n"
    "options:\n"
    "  --set NAME=EXPR   replace the definition of NAME (any expression or\n"
    "                    distribution of the scenario language); repeatable\n"
    "  --format FMT      output format (point: text or json)\n"
    "  -h, --help        show this help and exit\n"
    "  --version         show the version and exit\n"
    "\n"
    "`use \"model\"` finds model.cmc in the scenario's folder, in models/ beside that\n"
    "folder, in each folder of CARBONMC_PATH (colon-separated), then in the models\n"
    "folder carbonmc was built or installed with.\n"
    "\n"
    "exit status: 0 success, 1 failure (bad scenario, I/O), 2 usage error\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("carbonmc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see 'carbonmc --help')\n", stderr);
    return EXIT_USAGE;
}

/* ---- Diagnostics --------------------------------------------------------------- */

static void print_diag(const cmc_diag *g)
{
    static const char *const sev[] = {"error", "warning", "note"};
    if (g->file && g->line > 0)
        fprintf(stderr, "%s:%d:%d: %s: %s\n", g->file, g->line, g->col, sev[g->severity], g->msg);
    else if (g->file)
        fprintf(stderr, "%s: %s: %s\n", g->file, sev[g->severity], g->msg);
    else
        fprintf(stderr, "carbonmc: %s: %s\n", sev[g->severity], g->msg);
    if (!g->source)
        return;
    fprintf(stderr, "%5d | %s\n      | ", g->line, g->source);
    /* copy tabs so the caret lines up under the source */
    int n = (int)strlen(g->source);
    for (int i = 0; i < g->col - 1 && i < n; i++)
        fputc(g->source[i] == '\t' ? '\t' : ' ', stderr);
    fputc('^', stderr);
    for (int i = 1; i < g->len && g->col - 1 + i < n; i++)
        fputc('~', stderr);
    fputc('\n', stderr);
}

static void print_diags(const cmc_diags *d)
{
    for (size_t i = 0; i < cmc_diags_count(d); i++)
        print_diag(cmc_diags_get(d, i));
}

/* ---- Numbers --------------------------------------------------------------------- */

/* Human text: up to 10 significant digits, thousands grouped ("51,772,500",
   "12,456.4635"); exponent form outside [1e-4, 1e12). */
static void human(char *out, size_t size, double x)
{
    if (!isfinite(x)) {
        snprintf(out, size, "%s", isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
        return;
    }
    double ax = fabs(x);
    if (ax != 0 && (ax < 1e-4 || ax >= 1e12)) {
        snprintf(out, size, "%.6g", x);
        return;
    }
    char raw[64];
    int digits_before = ax >= 1 ? (int)floor(log10(ax)) + 1 : 1;
    int decimals = 10 - digits_before;
    if (decimals < 0)
        decimals = 0;
    if (ax < 1 && ax > 0)
        decimals = 10 - (int)floor(log10(ax)) - 1;
    snprintf(raw, sizeof raw, "%.*f", decimals, x);
    char *dot = strchr(raw, '.');
    if (dot) {
        char *e = raw + strlen(raw) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
    /* group the integer digits */
    const char *s = raw;
    size_t o = 0;
    if (*s == '-' && o + 1 < size)
        out[o++] = *s++;
    size_t intlen = strcspn(s, ".");
    for (size_t i = 0; s[i] && o + 1 < size; i++) {
        if (i > 0 && i < intlen && (intlen - i) % 3 == 0 && o + 1 < size)
            out[o++] = ',';
        if (o + 1 < size)
            out[o++] = s[i];
    }
    out[o] = '\0';
    if (!strcmp(out, "-0"))
        snprintf(out, size, "0");
}

/* JSON: the shortest text that reads back as exactly x; null for NaN and inf. */
static void json_number(FILE *f, double x)
{
    if (!isfinite(x)) {
        fputs("null", f);
        return;
    }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    fputs(buf, f);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* ---- Options ----------------------------------------------------------------------- */

typedef struct options {
    const char *scenario;
    const char *format;
    const char **sets;
    size_t nsets;
    int program;
    char **path;
    size_t npath;
} options;

/* Returns 0, or EXIT_USAGE after printing the problem. */
static int parse_options(int argc, char **argv, options *o, const char *command,
                         const char *const *formats)
{
    o->sets = calloc((size_t)argc, sizeof *o->sets);
    if (!o->sets)
        return 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!strncmp(a, "--set=", 6) || !strncmp(a, "--format=", 9)) {
            val = strchr(a, '=') + 1;
        } else if (!strcmp(a, "--set") || !strcmp(a, "--format")) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a value", a);
            val = argv[++i];
        }
        if (!strncmp(a, "--set", 5) && val) {
            if (!strchr(val, '='))
                return usage_error("--set expects NAME=EXPR, got '%s'", val);
            o->sets[o->nsets++] = val;
        } else if (!strncmp(a, "--format", 8) && val) {
            if (!formats)
                return usage_error("'%s' takes no --format", command);
            int ok = 0;
            for (const char *const *f = formats; *f; f++)
                ok |= !strcmp(*f, val);
            if (!ok)
                return usage_error("unknown --format '%s'", val);
            o->format = val;
        } else if (!strcmp(a, "--program") && !strcmp(command, "check")) {
            o->program = 1;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (!o->scenario) {
            o->scenario = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (!o->scenario)
        return usage_error("'%s' needs a SCENARIO file", command);
    return 0;
}

static void split_path(options *o)
{
    const char *env = getenv("CARBONMC_PATH");
    if (!env || !*env)
        return;
    size_t n = 1;
    for (const char *p = env; *p; p++)
        n += *p == ':';
    o->path = calloc(n, sizeof *o->path);
    if (!o->path)
        return;
    const char *p = env;
    while (*p) {
        size_t len = strcspn(p, ":");
        if (len) {
            o->path[o->npath] = malloc(len + 1);
            if (o->path[o->npath]) {
                memcpy(o->path[o->npath], p, len);
                o->path[o->npath++][len] = '\0';
            }
        }
        p += len + (p[len] == ':');
    }
}

static void free_options(options *o)
{
    free(o->sets);
    for (size_t i = 0; i < o->npath; i++)
        free(o->path[i]);
    free(o->path);
}

static cmc_model *load(options *o)
{
    split_path(o);
    cmc_load_options lo = {o->sets, o->nsets, (const char *const *)o->path, o->npath};
    cmc_diags *d = cmc_diags_new();
    if (!d) {
        fputs("carbonmc: error: out of memory\n", stderr);
        return NULL;
    }
    cmc_model *m = cmc_model_load(o->scenario, &lo, d);
    print_diags(d);
    cmc_diags_free(d);
    return m;
}

/* ---- check ------------------------------------------------------------------------ */

static int width(const cmc_model *m, cmc_qkind k, int w)
{
    for (size_t i = 0; i < cmc_model_count(m, k); i++) {
        int n = (int)strlen(cmc_model_get(m, k, i)->name);
        if (n > w)
            w = n;
    }
    return w;
}

static void origin(const cmc_quantity *q, char *buf, size_t size)
{
    if (q->from_set)
        snprintf(buf, size, "--set");
    else
        snprintf(buf, size, "%s:%d%s", q->file, q->line, q->is_default ? " (default)" : "");
}

static int expr_width(const cmc_model *m, int w)
{
    for (int k = CMC_RANDOM; k < CMC_OUTPUT; k++)
        for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++) {
            int n = (int)strlen(cmc_model_get(m, (cmc_qkind)k, i)->expression);
            if (n > w && n <= 60)
                w = n;
        }
    return w;
}

static int cmd_check(options *o)
{
    cmc_model *m = load(o);
    if (!m)
        return 1;
    int w = 4;
    for (int k = CMC_RANDOM; k <= CMC_OUTPUT; k++)
        w = width(m, (cmc_qkind)k, w);
    int ew = expr_width(m, 10);
    char num[64], where[512];
    printf("scenario  %s\ntitle     %s\nfiles    ", o->scenario, cmc_model_title(m));
    for (size_t i = 0; i < cmc_model_nfiles(m); i++)
        printf(" %s", cmc_model_file(m, i));
    printf("\n");

    size_t n = cmc_model_count(m, CMC_RANDOM);
    printf("\nrandom inputs (%zu), independent of each other:\n", n);
    printf("  %-*s   %-*s %14s  %s\n", w, "name", ew, "distribution", "median", "defined at");
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_RANDOM, i);
        human(num, sizeof num, q->point);
        origin(q, where, sizeof where);
        printf("  %-*s = %-*s %14s  %s\n", w, q->name, ew, q->expression, num, where);
    }
    n = cmc_model_count(m, CMC_CONSTANT);
    printf("\nconstants (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_CONSTANT, i);
        origin(q, where, sizeof where);
        human(num, sizeof num, q->point);
        printf("  %-*s = %-*s %14s  %s\n", w, q->name, ew, q->expression, num, where);
    }
    n = cmc_model_count(m, CMC_DERIVED);
    printf("\nderived, in evaluation order (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_DERIVED, i);
        origin(q, where, sizeof where);
        printf("  %-*s = %-*s %14s  %s\n", w, q->name, ew, q->expression, "", where);
    }
    n = cmc_model_count(m, CMC_OUTPUT);
    printf("\noutputs (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_OUTPUT, i);
        printf("  %-*s   %s%s%s%s%s\n", w, q->name, q->unit[0] ? "[" : "", q->unit,
               q->unit[0] ? "]" : "", q->unit[0] && q->description[0] ? " " : "",
               q->description);
    }
    if (o->program)
        printf("\nprogram (%s):\n%s", "one operation per line, over blocks of samples",
               cmc_model_program_text(m));
    cmc_model_free(m);
    return 0;
}

/* ---- point ------------------------------------------------------------------------- */

static int cmd_point(options *o)
{
    cmc_model *m = load(o);
    if (!m)
        return 1;
    size_t nin = cmc_model_count(m, CMC_RANDOM), nout = cmc_model_count(m, CMC_OUTPUT);
    if (o->format && !strcmp(o->format, "json")) {
        printf("{\"title\": ");
        json_string(stdout, cmc_model_title(m));
        printf(", \"outputs\": {");
        for (size_t i = 0; i < nout; i++) {
            const cmc_quantity *q = cmc_model_get(m, CMC_OUTPUT, i);
            printf("%s", i ? ", " : "");
            json_string(stdout, q->name);
            printf(": ");
            json_number(stdout, q->point);
        }
        printf("}, \"inputs\": {");
        for (size_t i = 0; i < nin; i++) {
            const cmc_quantity *q = cmc_model_get(m, CMC_RANDOM, i);
            printf("%s", i ? ", " : "");
            json_string(stdout, q->name);
            printf(": ");
            json_number(stdout, q->point);
        }
        printf("}}\n");
    } else {
        int w = width(m, CMC_OUTPUT, width(m, CMC_RANDOM, 8));
        char num[64];
        printf("%s\npoint estimate: every distribution at its median, a choice at its "
               "first value\n", cmc_model_title(m));
        int nset = 0;
        for (int k = CMC_RANDOM; k < CMC_OUTPUT; k++)
            for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++) {
                const cmc_quantity *q = cmc_model_get(m, (cmc_qkind)k, i);
                if (q->from_set && k != CMC_RANDOM)
                    printf("%s%s = %s", nset++ ? ", " : "\ngiven with --set: ", q->name,
                           q->expression);
            }
        if (nset)
            printf("\n");
        if (nin)
            printf("\nrandom inputs at their point values:\n");
        for (size_t i = 0; i < nin; i++) {
            const cmc_quantity *q = cmc_model_get(m, CMC_RANDOM, i);
            human(num, sizeof num, q->point);
            printf("  %-*s %18s   %s\n", w, q->name, num, q->expression);
        }
        printf("\noutputs:\n");
        for (size_t i = 0; i < nout; i++) {
            const cmc_quantity *q = cmc_model_get(m, CMC_OUTPUT, i);
            human(num, sizeof num, q->point);
            printf("  %-*s %18s   %s%s%s%s%s\n", w, q->name, num, q->unit[0] ? "[" : "",
                   q->unit, q->unit[0] ? "]" : "", q->unit[0] && q->description[0] ? " " : "",
                   q->description);
        }
    }
    cmc_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "missing COMMAND");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("carbonmc %s\n", cmc_version());
        return 0;
    }
    static const char *const point_formats[] = {"text", "json", NULL};
    options o;
    memset(&o, 0, sizeof o);
    int rc;
    if (!strcmp(cmd, "check")) {
        rc = parse_options(argc - 2, argv + 2, &o, cmd, NULL);
        if (!rc)
            rc = cmd_check(&o);
    } else if (!strcmp(cmd, "point")) {
        rc = parse_options(argc - 2, argv + 2, &o, cmd, point_formats);
        if (!rc)
            rc = cmd_point(&o);
    } else {
        rc = usage_error(cmd[0] == '-' ? "unknown option '%s'" : "unknown command '%s'", cmd);
    }
    free_options(&o);
    return rc;
}
