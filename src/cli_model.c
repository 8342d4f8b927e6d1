/*
 * cli_model.c: `carbonmc check` and `carbonmc point`: the scenario as resolved and its
 * point estimate, without sampling.
 */
#include "carbonmc.h"
#include "cli.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int cmd_check(options *o)
{
    cmc_model *m = cli_load(o);
    if (!m)
        return 1;
    int w = 4;
    for (int k = CMC_RANDOM; k <= CMC_OUTPUT; k++)
        w = width(m, (cmc_qkind)k, w);
    int ew = expr_width(m, 10);
    char num[64], where[512];
    printf("scenario  %s\ntitle     %s\nfiles    ", o->file, cmc_model_title(m));
    for (size_t i = 0; i < cmc_model_nfiles(m); i++)
        printf(" %s", cmc_model_file(m, i));
    printf("\n");

    size_t n = cmc_model_count(m, CMC_RANDOM), ncorr = cmc_model_ncorrelations(m);
    printf(ncorr ? "\nrandom inputs (%zu), some rank-correlated (listed below):\n"
                 : "\nrandom inputs (%zu), independent of each other:\n", n);
    /* the value `point` uses: the median, but a choice's first value (so not "median") */
    printf("  %-*s   %-*s %14s  %s\n", w, "name", ew, "distribution", "point value", "defined at");
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_RANDOM, i);
        cmc_fmt_human(num, sizeof num, q->point);
        origin(q, where, sizeof where);
        printf("  %-*s = %-*s %14s  %s\n", w, q->name, ew, q->expression, num, where);
    }
    if (ncorr)   /* `correlate` (README "Correlated inputs") */
        printf("\nrank correlations (%zu pairs; Spearman, by a Gaussian copula):\n", ncorr);
    for (size_t i = 0; i < ncorr; i++) {
        const cmc_correlation *c = cmc_model_correlation(m, i);
        char pair[2 * 256 + 3];
        snprintf(pair, sizeof pair, "%.256s, %.256s", c->a, c->b);
        printf("  %-*s  %8.4g%s", 2 * w + 2, pair, c->requested, c->named ? "" : "  (not named)");
        if (c->used != c->requested)
            printf("  (used: %.4f, repaired)", c->used);
        printf("\n");
    }
    n = cmc_model_count(m, CMC_CONSTANT);
    printf("\nconstants (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_CONSTANT, i);
        origin(q, where, sizeof where);
        cmc_fmt_human(num, sizeof num, q->point);
        if (q->unit[0])   /* its unit, declared or inferred */
            snprintf(num + strlen(num), sizeof num - strlen(num), " %.40s", q->unit);
        printf("  %-*s = %-*s %14s  %s\n", w, q->name, ew, q->expression, num, where);
    }
    n = cmc_model_count(m, CMC_DERIVED);
    printf("\nderived, in evaluation order (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_DERIVED, i);
        origin(q, where, sizeof where);
        printf("  %-*s = %-*s %14.40s  %s\n", w, q->name, ew, q->expression, q->unit, where);
    }
    n = cmc_model_count(m, CMC_OUTPUT);
    printf("\noutputs (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_quantity *q = cmc_model_get(m, CMC_OUTPUT, i);
        printf("  %-*s   %s%s%s%s%s\n", w, q->name, q->unit[0] ? "[" : "", q->unit,
               q->unit[0] ? "]" : "", q->unit[0] && q->description[0] ? " " : "",
               q->description);
    }
    n = cmc_model_nconversions(m);
    if (n)
        printf("\nunit conversions (%zu), inserted by carbonmc (folded into the program):\n", n);
    for (size_t i = 0; i < n; i++) {
        const cmc_conversion *c = cmc_model_conversion(m, i);
        cmc_fmt_human(num, sizeof num, c->factor);
        snprintf(where, sizeof where, "%s:%d:%d", c->file, c->line, c->col);
        printf("  %-*s   %s -> %s  x%s  %s\n", w, c->name, c->from, c->to, num, where);
    }
    n = cmc_model_nvariants(m);
    if (n)
        printf("\nvariants (%zu), on the same random numbers, compared with %s%s:\n", n,
               cmc_model_variant_reference(m),
               strcmp(cmc_model_variant_reference(m), "base") ? "" : " (the scenario as written)");
    for (size_t i = 0; i < n; i++) {
        const char *label = cmc_model_variant_label(m, i);
        printf("  %-*s   %s\n", w, cmc_model_variant_name(m, i), label[0] ? label : "");
    }
    if (o->program)
        printf("\nprogram (%s):\n%s", "one operation per line, over blocks of samples",
               cmc_model_program_text(m));
    cmc_model_free(m);
    return 0;
}

/* ---- point ------------------------------------------------------------------------- */

/* {"name": value, ...} of the point values of one kind of quantity (in the
   --unit asked for; point_units_known has checked the units) */
static void json_points(const options *o, const cmc_model *m, cmc_qkind kind)
{
    printf("{");
    for (size_t i = 0; i < cmc_model_count(m, kind); i++) {
        const cmc_quantity *q = cmc_model_get(m, kind, i);
        double f;
        const char *u;
        cli_point_unit(o, q, &f, &u);
        printf("%s", i ? ", " : "");
        cmc_fmt_json_string(stdout, q->name);
        printf(": ");
        cmc_fmt_json_number(stdout, q->point * f);
    }
    printf("}");
}

/* Every --unit names a random input or output of m in a commensurable unit: checked
   before anything is run, written or printed. */
int cli_model_units_ok(const options *o, const cmc_model *m)
{
    for (int k = CMC_RANDOM; k <= CMC_OUTPUT; k += CMC_OUTPUT - CMC_RANDOM)
        for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++) {
            double f;
            const char *u;
            if (cli_point_unit(o, cmc_model_get(m, (cmc_qkind)k, i), &f, &u) < 0)
                return -1;
        }
    return cli_point_units_known(o, m);
}

int cmd_point(options *o)
{
    cmc_model *m = cli_load(o);
    if (!m)
        return 1;
    if (cli_model_units_ok(o, m) < 0) {
        cmc_model_free(m);
        return 1;
    }
    size_t nin = cmc_model_count(m, CMC_RANDOM), nout = cmc_model_count(m, CMC_OUTPUT);
    if (o->format && !strcmp(o->format, "json")) {
        printf("{\"title\": ");
        cmc_fmt_json_string(stdout, cmc_model_title(m));
        printf(", \"outputs\": ");
        json_points(o, m, CMC_OUTPUT);
        printf(", \"inputs\": ");
        json_points(o, m, CMC_RANDOM);
        if (cmc_model_nvariants(m)) {
            printf(", \"variants\": {");
            for (size_t v = 0; v < cmc_model_nvariants(m); v++) {
                printf(v ? ", " : "");
                cmc_fmt_json_string(stdout, cmc_model_variant_name(m, v));
                printf(": {\"outputs\": ");
                json_points(o, cmc_model_variant(m, v), CMC_OUTPUT);
                printf("}");
            }
            printf("}");
        }
        printf("}\n");
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
        double f;
        const char *u;
        for (size_t i = 0; i < nin; i++) {
            const cmc_quantity *q = cmc_model_get(m, CMC_RANDOM, i);
            cli_point_unit(o, q, &f, &u);
            cmc_fmt_human(num, sizeof num, q->point * f);
            /* the unit, unless the distribution already ends with it */
            size_t el = strlen(q->expression), ul = strlen(u);
            int shown = ul && el > ul + 2 && q->expression[el - 1] == ']' &&
                        !strncmp(q->expression + el - ul - 1, u, ul) &&
                        q->expression[el - ul - 2] == '[';
            printf("  %-*s %18s   %s%s%s%s\n", w, q->name, num, u[0] && !shown ? "[" : "",
                   shown ? "" : u, u[0] && !shown ? "] " : "", q->expression);
        }
        printf("\noutputs:\n");
        for (size_t i = 0; i < nout; i++) {
            const cmc_quantity *q = cmc_model_get(m, CMC_OUTPUT, i);
            cli_point_unit(o, q, &f, &u);
            cmc_fmt_human(num, sizeof num, q->point * f);
            printf("  %-*s %18s   %s%s%s%s%s\n", w, q->name, num, u[0] ? "[" : "",
                   u, u[0] ? "]" : "", u[0] && q->description[0] ? " " : "",
                   q->description);
        }
        for (size_t v = 0; v < cmc_model_nvariants(m); v++) {
            const cmc_model *vm = cmc_model_variant(m, v);
            const char *label = cmc_model_variant_label(m, v);
            printf("\nvariant %s%s%s:\n", cmc_model_variant_name(m, v), label[0] ? ", " : "",
                   label);
            for (size_t i = 0; i < cmc_model_count(vm, CMC_OUTPUT); i++) {
                const cmc_quantity *q = cmc_model_get(vm, CMC_OUTPUT, i);
                cli_point_unit(o, q, &f, &u);
                cmc_fmt_human(num, sizeof num, q->point * f);
                printf("  %-*s %18s   %s%s%s\n", w, q->name, num, u[0] ? "[" : "",
                       u, u[0] ? "]" : "");
            }
        }
    }
    cmc_model_free(m);
    return 0;
}

