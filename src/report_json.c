/*
 * report_json.c: the machine formats of a run, JSON and CSV, every number at full
 * precision (the shortest decimal text that reads back as exactly the same double).
 */
#include "report_priv.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- json ------------------------------------------------------------------------ */

static void json_stat(FILE *f, const cmc_stat *q);

static void json_stats(FILE *f, const cmc_stat *s, size_t n)
{
    fputc('{', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        cmc_fmt_json_string(f, s[i].name);
        fputs(": ", f);
        json_stat(f, &s[i]);
    }
    fputs(n ? "\n  }" : "}", f);
}

/* One statistic as a JSON object. */
static void json_stat(FILE *f, const cmc_stat *q)
{
    {
        fputs("{\n      \"description\": ", f);
        cmc_fmt_json_string(f, q->description);
        fputs(",\n      \"unit\": ", f);
        cmc_fmt_json_string(f, q->unit);
        fputs(",\n      \"expression\": ", f);   /* an input's: its distribution */
        cmc_fmt_json_string(f, q->expression);
        if (q->has_range) {   /* an input's `in LO to HI`, and the share outside */
            fputs(",\n      \"range\": [", f);
            cmc_fmt_json_number(f, q->range_lo);
            fputs(", ", f);
            cmc_fmt_json_number(f, q->range_hi);
            fputs("],\n      \"outside_range\": ", f);
            cmc_fmt_json_number(f, q->outside);
        }
        fprintf(f, ",\n      \"count\": %" PRIu64 ",\n      \"nonfinite\": %" PRIu64,
                q->count, q->nonfinite);
        const char *names[] = {"mean", "std", "mean_se", "min", "max"};
        const double v[] = {q->mean, q->std, q->mean_se, q->min, q->max};
        for (int k = 0; k < 5; k++) {
            fprintf(f, ",\n      \"%s\": ", names[k]);
            cmc_fmt_json_number(f, v[k]);
        }
        fputs(",\n      \"percentiles\": [", f);
        for (size_t k = 0; k < q->npercentiles; k++) {
            fputs(k ? ",\n        {\"p\": " : "\n        {\"p\": ", f);
            cmc_fmt_json_number(f, q->p[k]);
            fputs(", \"value\": ", f);
            cmc_fmt_json_number(f, q->value[k]);
            fputs(", \"ci_low\": ", f);
            cmc_fmt_json_number(f, q->ci_low[k]);
            fputs(", \"ci_high\": ", f);
            cmc_fmt_json_number(f, q->ci_high[k]);
            if (q->resolution) {
                fputs(", \"resolution\": ", f);
                cmc_fmt_json_number(f, q->resolution[k]);
            }
            fputc('}', f);
        }
        fputs(q->npercentiles ? "\n      ]" : "]", f);
        /* the same, keyed by the probability's shortest text: ["0.05"]["value"] */
        fputs(",\n      \"percentile\": {", f);
        for (size_t k = 0; k < q->npercentiles; k++) {
            char key[40];
            rep_shortest(key, sizeof key, q->p[k]);
            fprintf(f, "%s\"%s\": {\"value\": ", k ? ",\n        " : "\n        ", key);
            cmc_fmt_json_number(f, q->value[k]);
            fputs(", \"ci_low\": ", f);
            cmc_fmt_json_number(f, q->ci_low[k]);
            fputs(", \"ci_high\": ", f);
            cmc_fmt_json_number(f, q->ci_high[k]);
            fputc('}', f);
        }
        fputs(q->npercentiles ? "\n      }\n    }" : "}\n    }", f);
    }
}

/* "variant_reference": "base" (the scenario as written, whose numbers are "outputs")
   or the variant the others are compared with; then the variants. */
static void json_variants(FILE *f, const cmc_results *r)
{
    fputs(",\n  \"variant_reference\": ", f);
    cmc_fmt_json_string(f, r->variant_reference ? r->variant_reference : r->variants[0].name);
    fputs(",\n  \"variants\": {", f);
    for (size_t v = 0; v < r->nvariants; v++) {
        const cmc_variant_result *vr = &r->variants[v];
        fputs(v ? ",\n  " : "\n  ", f);
        cmc_fmt_json_string(f, vr->name);
        fputs(": {\"label\": ", f);
        cmc_fmt_json_string(f, vr->label);
        for (int k = 0; k < 2; k++) {   /* the inputs drawn as the scenario does, or not */
            fputs(k ? "], \"changed\": [" : ", \"shared\": [", f);
            for (size_t i = 0; i < (k ? vr->nchanged : vr->nshared); i++) {
                fputs(i ? ", " : "", f);
                cmc_fmt_json_string(f, k ? vr->changed[i] : vr->shared[i]);
            }
        }
        fputs("], \"outputs\": ", f);
        json_stats(f, vr->outputs, vr->noutputs);
        fputs(", \"paired\": {", f);
        for (size_t i = 0; i < vr->npaired; i++) {
            const cmc_paired *pr = &vr->paired[i];
            fputs(i ? ",\n    " : "\n    ", f);
            cmc_fmt_json_string(f, pr->output);
            fputs(": {\"reference\": ", f);
            cmc_fmt_json_string(f, pr->reference);
            fprintf(f, ", \"count\": %" PRIu64 ", \"p_greater\": ", pr->count);
            cmc_fmt_json_number(f, pr->p_greater);
            fputs(", \"p_greater_ci_low\": ", f);
            cmc_fmt_json_number(f, pr->p_greater_ci_low);
            fputs(", \"p_greater_ci_high\": ", f);
            cmc_fmt_json_number(f, pr->p_greater_ci_high);
            fputs(",\n    \"difference\": ", f);
            json_stat(f, &pr->difference);
            fputs(",\n    \"ratio\": ", f);
            json_stat(f, &pr->ratio);
            fputc('}', f);
        }
        fputs(vr->npaired ? "\n  }}" : "}}", f);
    }
    fputs(r->nvariants ? "\n  }" : "}", f);
}

static void json_array(FILE *f, const double *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        cmc_fmt_json_number(f, v[i]);
    }
    fputc(']', f);
}

static const char *const sens_keys[CMC_SENS_NEST] = {"spearman", "logvar_share", "sobol_first",
                                                     "sobol_total"};

static void json_sensitivity(FILE *f, const cmc_results *r)
{
    fputs(",\n  \"sensitivity\": {", f);
    for (size_t i = 0; i < r->nsensitivity; i++) {
        const cmc_sensitivity *se = &r->sensitivity[i];
        fputs(i ? ",\n    " : "\n    ", f);
        cmc_fmt_json_string(f, se->output);
        fputs(": {\"input\": [", f);
        for (size_t j = 0; j < se->ninputs; j++) {
            if (j)
                fputs(", ", f);
            cmc_fmt_json_string(f, se->input[j]);
        }
        fputc(']', f);
        for (int e = 0; e < CMC_SENS_NEST; e++) {
            fprintf(f, ",\n      \"%s\": ", sens_keys[e]);
            json_array(f, se->value[e], se->ninputs);
            fprintf(f, ", \"%s_ci_low\": ", sens_keys[e]);
            json_array(f, se->ci_low[e], se->ninputs);
            fprintf(f, ", \"%s_ci_high\": ", sens_keys[e]);
            json_array(f, se->ci_high[e], se->ninputs);
        }
        if (se->given) {   /* correlated inputs */
            fputs(",\n      \"given_first\": ", f);
            json_array(f, se->given, se->ninputs);
            fputs(", \"given_first_ci_low\": ", f);
            json_array(f, se->given_ci_low, se->ninputs);
            fputs(", \"given_first_ci_high\": ", f);
            json_array(f, se->given_ci_high, se->ninputs);
            fprintf(f, ", \"given_bins\": %zu, \"correlated\": [", se->given_bins);
            for (size_t j = 0; j < se->ninputs; j++)
                fputs(j ? (se->dependent[j] ? ", true" : ", false")
                        : (se->dependent[j] ? "true" : "false"), f);
            fputc(']', f);
        }
        fputs(",\n      \"swing_low\": ", f);
        json_array(f, se->swing_low, se->ninputs);
        fputs(", \"swing_high\": ", f);
        json_array(f, se->swing_high, se->ninputs);
        fputs(", \"swing_base\": ", f);
        cmc_fmt_json_number(f, se->swing_base);
        fprintf(f, ", \"samples\": %" PRIu64 ", \"skipped\": %" PRIu64, se->samples,
                se->skipped);
        char line[1200];
        double sum;
        rep_sens_summary(line, sizeof line, se);
        fputs(",\n      \"summary\": ", f);
        cmc_fmt_json_string(f, line);
        fprintf(f, ", \"logvar_share_applies\": %s, \"logvar_share_sum\": ",
                rep_logvar_applies(se, &sum) ? "true" : "false");
        cmc_fmt_json_number(f, sum);
        fputs(", \"no_path\": [", f);
        for (size_t j = 0, first = 1; j < se->ninputs; j++)
            if (!rep_sens_related(se, j)) {
                fputs(first ? "" : ", ", f);
                cmc_fmt_json_string(f, se->input[j]);
                first = 0;
            }
        fputs("]}", f);
    }
    fputs(r->nsensitivity ? "\n  }" : "}", f);
}

/* "correlations": one object per pair (README "Correlated inputs") */
static void json_correlations(FILE *f, const cmc_results *r)
{
    fputs(",\n  \"correlations\": [", f);
    for (size_t p = 0; p < r->ncorrelations; p++) {
        const cmc_correlation *c = &r->correlations[p];
        fputs(p ? ",\n    {\"a\": " : "\n    {\"a\": ", f);
        cmc_fmt_json_string(f, c->a);
        fputs(", \"b\": ", f);
        cmc_fmt_json_string(f, c->b);
        fprintf(f, ", \"named\": %s, \"requested\": ", c->named ? "true" : "false");
        cmc_fmt_json_number(f, c->requested);
        fputs(", \"used\": ", f);
        cmc_fmt_json_number(f, c->used);
        fputs(", \"achieved\": ", f);
        cmc_fmt_json_number(f, c->achieved);
        fputs(", \"ci_low\": ", f);
        cmc_fmt_json_number(f, c->ci_low);
        fputs(", \"ci_high\": ", f);
        cmc_fmt_json_number(f, c->ci_high);
        fputc('}', f);
    }
    fputs("\n  ]", f);
}

void cmc_report_json(FILE *f, const cmc_results *r, int flags)
{
    (void)flags;
    fputs("{\n  \"title\": ", f);
    cmc_fmt_json_string(f, r->title);
    fprintf(f, ",\n  \"seed\": %" PRIu64 ",\n  \"samples\": %" PRIu64, r->seed, r->samples);
    fputs(",\n  \"method\": ", f);
    cmc_fmt_json_string(f, r->method);
    if (r->design && r->design[0]) {   /* files of carbonmc 0.2 do not record them */
        fputs(",\n  \"design\": ", f);
        cmc_fmt_json_string(f, r->design);
        fprintf(f, ",\n  \"replicates\": %" PRIu32 ",\n  \"stop\": ", r->replicates);
        cmc_fmt_json_string(f, r->stop ? r->stop : "");
    }
    fputs(",\n  \"rng\": ", f);
    cmc_fmt_json_string(f, r->rng);
    fputs(",\n  \"tool_version\": ", f);
    cmc_fmt_json_string(f, r->tool_version);
    fputs(",\n  \"set\": [", f);
    for (size_t i = 0; i < r->nsets; i++) {
        fputs(i ? ", " : "", f);
        cmc_fmt_json_string(f, r->sets[i]);
    }
    fputs("],\n  \"distributions\": {", f);
    for (size_t i = 0; i < r->ninputs; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        cmc_fmt_json_string(f, r->inputs[i].name);
        fputs(": ", f);
        cmc_fmt_json_string(f, r->inputs[i].expression);
    }
    fputs(r->ninputs ? "\n  },\n  \"outputs\": " : "},\n  \"outputs\": ", f);
    json_stats(f, r->outputs, r->noutputs);
    fputs(",\n  \"inputs\": ", f);
    json_stats(f, r->inputs, r->ninputs);
    if (r->nvariants)
        json_variants(f, r);
    if (r->ncorrelations)
        json_correlations(f, r);
    if (r->nsensitivity)
        json_sensitivity(f, r);
    fputs("\n}\n", f);
}

/* ---- csv ------------------------------------------------------------------------- */

/* RFC 4180: quote a field holding a comma, quote or line break; double quotes. */
void rep_csv_field(FILE *f, const char *s)
{
    if (!s)
        s = "";
    if (!s[strcspn(s, ",\"\r\n")]) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Full precision; NaN and infinities as R and pandas read them. */
static void csv_number(FILE *f, double x)
{
    char buf[40];
    if (isnan(x))
        fputs("NaN", f);
    else if (isinf(x))
        fputs(x < 0 ? "-Inf" : "Inf", f);
    else {
        rep_shortest(buf, sizeof buf, x);
        fputs(buf, f);
    }
}

/* name column: prefix + the stat's name (variants: "VARIANT.OUTPUT"). */
static void csv_name(FILE *f, const char *prefix, const char *name)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", prefix, name);
    rep_csv_field(f, buf);
}

static void csv_stats_as(FILE *f, const char *kind, const char *prefix, const cmc_stat *s,
                         size_t n);

static void csv_stats(FILE *f, const char *kind, const cmc_stat *s, size_t n)
{
    csv_stats_as(f, kind, "", s, n);
}

static void csv_stats_as(FILE *f, const char *kind, const char *prefix, const cmc_stat *s,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cmc_stat *q = &s[i];
        const char *names[] = {"mean", "std", "mean_se", "min", "max"};
        const double v[] = {q->mean, q->std, q->mean_se, q->min, q->max};
        for (int k = 0; k < 5; k++) {
            fprintf(f, "%s,", kind);
            csv_name(f, prefix, q->name);
            fprintf(f, ",%s,,", names[k]);
            csv_number(f, v[k]);
            fputs(",,\n", f);
        }
        fprintf(f, "%s,", kind);
        csv_name(f, prefix, q->name);
        fprintf(f, ",nonfinite,,%" PRIu64 ",,\n", q->nonfinite);
        fprintf(f, "%s,", kind);
        csv_name(f, prefix, q->name);
        fprintf(f, ",count,,%" PRIu64 ",,\n", q->count);
        for (size_t k = 0; k < q->npercentiles; k++) {
            fprintf(f, "%s,", kind);
            csv_name(f, prefix, q->name);
            fputs(",percentile,", f);
            csv_number(f, q->p[k]);
            fputc(',', f);
            csv_number(f, q->value[k]);
            fputc(',', f);
            csv_number(f, q->ci_low[k]);
            fputc(',', f);
            csv_number(f, q->ci_high[k]);
            fputc('\n', f);
        }
    }
}

void cmc_report_csv(FILE *f, const cmc_results *r, int flags)
{
    (void)flags;
    fputs("kind,name,statistic,p,value,ci_low,ci_high\n", f);
    csv_stats(f, "output", r->outputs, r->noutputs);
    csv_stats(f, "input", r->inputs, r->ninputs);
    for (size_t i = 0; i < r->nsensitivity; i++) {   /* sensitivity,OUTPUT.INPUT,MEASURE,,v,lo,hi */
        const cmc_sensitivity *se = &r->sensitivity[i];
        for (size_t j = 0; j < se->ninputs; j++) {
            char prefix[300];
            snprintf(prefix, sizeof prefix, "%s.", se->output);
            for (int e = 0; e <= CMC_SENS_NEST; e++) {
                fputs("sensitivity,", f);
                csv_name(f, prefix, se->input[j]);
                if (e < CMC_SENS_NEST) {
                    fprintf(f, ",%s,,", sens_keys[e]);
                    csv_number(f, se->value[e][j]);
                    fputc(',', f);
                    csv_number(f, se->ci_low[e][j]);
                    fputc(',', f);
                    csv_number(f, se->ci_high[e][j]);
                } else {   /* the swing: the output at the input's P5 and P95 */
                    fputs(",swing,,", f);
                    csv_number(f, se->swing_base);
                    fputc(',', f);
                    csv_number(f, se->swing_low[j]);
                    fputc(',', f);
                    csv_number(f, se->swing_high[j]);
                }
                fputc('\n', f);
            }
        }
    }
    for (size_t i = 0; i < r->nsensitivity; i++) {   /* correlated inputs: given-data index */
        const cmc_sensitivity *se = &r->sensitivity[i];
        for (size_t j = 0; se->given && j < se->ninputs; j++) {
            char prefix[300];
            snprintf(prefix, sizeof prefix, "%s.", se->output);
            fputs("sensitivity,", f);
            csv_name(f, prefix, se->input[j]);
            fputs(",given_first,,", f);
            csv_number(f, se->given[j]);
            fputc(',', f);
            csv_number(f, se->given_ci_low[j]);
            fputc(',', f);
            csv_number(f, se->given_ci_high[j]);
            fputc('\n', f);
        }
    }
    for (size_t p = 0; p < r->ncorrelations; p++) {   /* correlation,A.B,spearman,... */
        const cmc_correlation *c = &r->correlations[p];
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%s.", c->a);
        const char *stat[3] = {"requested", "used", "spearman"};
        const double v[3] = {c->requested, c->used, c->achieved};
        for (int k = 0; k < 3; k++) {
            fputs("correlation,", f);
            csv_name(f, prefix, c->b);
            fprintf(f, ",%s,,", stat[k]);
            csv_number(f, v[k]);
            if (k == 2) {
                fputc(',', f);
                csv_number(f, c->ci_low);
                fputc(',', f);
                csv_number(f, c->ci_high);
            } else {
                fputs(",,", f);
            }
            fputc('\n', f);
        }
    }
    if (r->nvariants) {   /* what the variants' paired rows compare with: "base" or one */
        fputs("variant,", f);
        csv_name(f, "", r->variant_reference ? r->variant_reference : r->variants[0].name);
        fputs(",reference,,,,\n", f);
    }
    for (size_t v = 0; v < r->nvariants; v++) {
        const cmc_variant_result *vr = &r->variants[v];
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%s.", vr->name);
        csv_stats_as(f, "variant", prefix, vr->outputs, vr->noutputs);
        for (size_t i = 0; i < vr->npaired; i++) {
            const cmc_paired *pr = &vr->paired[i];
            snprintf(prefix, sizeof prefix, "%s.%s.", vr->name, pr->output);
            csv_stats_as(f, "paired", prefix, &pr->difference, 1);
            csv_stats_as(f, "paired", prefix, &pr->ratio, 1);
            fputs("paired,", f);
            csv_name(f, prefix, "p_greater");
            fputs(",p_greater,,", f);
            csv_number(f, pr->p_greater);
            fputc(',', f);
            csv_number(f, pr->p_greater_ci_low);
            fputc(',', f);
            csv_number(f, pr->p_greater_ci_high);
            fputc('\n', f);
        }
    }
}

