/*
 * report_text.c: the text summary of a run (`carbonmc run`, `summary`): per output
 * the median, mean and central intervals with their Monte Carlo intervals, the
 * random inputs, the sensitivity tables and the variants compared.
 */
#include "report_priv.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ------------------------------------------------------------------------ */

typedef struct row {
    const char *label;
    char sub[16];
    char value[64];
    char mc[240];
} row;

/* The rows text_stat can make besides one per percentile: mean, std, min, max,
   nonfinite (and a spare). */
#define EXTRA_ROWS 6

static row *add_row(row *rows, int *n, const char *label)
{
    row *r = &rows[(*n)++];
    memset(r, 0, sizeof *r);
    r->label = label;
    return r;
}

static void percentile_row(row *rows, int *n, const char *label, const cmc_stat *s, int i)
{
    row *r = add_row(rows, n, label);
    char lo[64], hi[64];
    if (strcmp(label, "median") != 0)
        rep_p_label(r->sub, sizeof r->sub, s->p[i]);
    rep_fmt_percentile(s, i, r->value, lo, hi, sizeof lo, PLAIN);
    if (isfinite(s->ci_low[i]) && isfinite(s->ci_high[i]))
        snprintf(r->mc, sizeof r->mc, "%s to %s", lo, hi);
}

static void text_stat(FILE *f, const cmc_stat *s)
{
    /* every percentile is shown at most once: npercentiles + EXTRA_ROWS rows suffice */
    row *rows = calloc(s->npercentiles + EXTRA_ROWS, sizeof *rows);
    int n = 0;
    char num[64], lo[64], hi[64];
    if (!rows) {
        fprintf(f, "\n%s: out of memory\n", s->name);
        return;
    }

    fprintf(f, "\n%s", s->name);
    if (s->description && s->description[0])
        fprintf(f, "  %s", s->description);
    if (s->unit && s->unit[0])
        fprintf(f, " [%s]", s->unit);
    fputc('\n', f);

    int med = rep_find_p(s, 0.5);
    if (med >= 0)
        percentile_row(rows, &n, "median", s, med);
    row *r = add_row(rows, &n, "mean");
    shown ms = rep_mean_resolution(s);
    rep_fmt_shown(r->value, sizeof r->value, s->mean, ms, PLAIN);
    if (isfinite(s->mean_se) && s->count > 0) {
        double h = 1.959963984540054 * s->mean_se;
        rep_fmt_shown(lo, sizeof lo, s->mean - h, ms, PLAIN);
        rep_fmt_shown(hi, sizeof hi, s->mean + h, ms, PLAIN);
        rep_fmt_at(num, sizeof num, s->mean_se,
               s->mean_se > 0 ? rep_exponent_of(s->mean_se) - 1 : 0, s->mean_se == 0, PLAIN);
        snprintf(r->mc, sizeof r->mc, "%s to %s (standard error %s)", lo, hi, num);
    }
    static const char *const intervals[] = {"90% interval", "95% interval"};
    int missing = med < 0;
    for (int k = 0; k < 2; k++) {
        int a = rep_find_p(s, rep_standard_p[1 + 2 * k]), b = rep_find_p(s, rep_standard_p[2 + 2 * k]);
        missing |= a < 0 || b < 0;
        if (a >= 0)
            percentile_row(rows, &n, intervals[k], s, a);
        if (b >= 0)
            percentile_row(rows, &n, a >= 0 ? "" : intervals[k], s, b);
    }
    if (missing) {   /* a run with its own --percentiles: show the rest it has */
        int first = 1;
        for (size_t i = 0; i < s->npercentiles; i++) {
            int standard = 0;
            for (size_t j = 0; j < REP_NSTANDARD; j++)
                standard |= fabs(s->p[i] - rep_standard_p[j]) < 1e-9;
            if (!standard) {
                percentile_row(rows, &n, first ? "percentiles" : "", s, (int)i);
                first = 0;
            }
        }
    }
    r = add_row(rows, &n, "std");
    rep_fmt_at(r->value, sizeof r->value, s->std,
           isfinite(s->std) && s->std != 0 ? rep_exponent_of(s->std) - 2 : 0, s->std == 0, PLAIN);
    /* min and max to the digit of the median (or the mean) */
    shown ref = med >= 0 ? rep_percentile_shown(s, (size_t)med) : ms;
    static const char *const ext[] = {"min", "max"};
    for (int k = 0; k < 2; k++) {
        double v = k ? s->max : s->min;
        shown sh = {rep_clamp_digits(v, ref.d), ref.strip};
        r = add_row(rows, &n, ext[k]);
        rep_fmt_shown(r->value, sizeof r->value, v, sh, PLAIN);
    }
    if (s->nonfinite) {
        r = add_row(rows, &n, "nonfinite");
        snprintf(r->value, sizeof r->value, "%" PRIu64, s->nonfinite);
        rep_fmt_at(num, sizeof num, (double)(s->count + s->nonfinite), 0, 1, PLAIN);
        snprintf(r->mc, sizeof r->mc, "of %s samples were NaN or infinite (left out above)",
                 num);
    }

    int w = 5;
    for (int i = 0; i < n; i++)
        if ((int)strlen(rows[i].value) > w)
            w = (int)strlen(rows[i].value);
    fprintf(f, "  %-14s%-7s%*s   %s\n", "", "", w, "value", "95% Monte Carlo interval");
    for (int i = 0; i < n; i++)
        fprintf(f, "  %-14s%-7s%*s%s%s\n", rows[i].label, rows[i].sub, w, rows[i].value,
                rows[i].mc[0] ? "   " : "", rows[i].mc);
    free(rows);
}

static void text_inputs(FILE *f, const cmc_results *r)
{
    if (!r->ninputs)
        return;
    int wn = 4, wm = 6, wi = 12;
    char (*med)[64] = calloc(r->ninputs, sizeof *med);
    char (*iv)[140] = calloc(r->ninputs, sizeof *iv);
    char (*nm)[200] = calloc(r->ninputs, sizeof *nm);
    if (!med || !iv || !nm)
        goto out;
    for (size_t i = 0; i < r->ninputs; i++) {
        const cmc_stat *s = &r->inputs[i];
        char lo[64], hi[64], v[64], x[64];
        if (s->unit && s->unit[0])
            snprintf(nm[i], sizeof nm[i], "%s [%s]", s->name, s->unit);
        else
            snprintf(nm[i], sizeof nm[i], "%s", s->name);
        int m = rep_find_p(s, 0.5), a = rep_find_p(s, 0.05), b = rep_find_p(s, 0.95);
        if (m >= 0)
            rep_fmt_percentile(s, m, med[i], lo, hi, sizeof lo, PLAIN);
        else
            snprintf(med[i], sizeof med[i], "-");
        if (a >= 0)   /* the bound itself, its own Monte Carlo interval unused */
            rep_fmt_percentile(s, a, lo, v, x, sizeof lo, PLAIN);
        if (b >= 0)
            rep_fmt_percentile(s, b, hi, v, x, sizeof lo, PLAIN);
        snprintf(iv[i], sizeof iv[i], "%s to %s", a >= 0 ? lo : "-", b >= 0 ? hi : "-");
        if ((int)strlen(nm[i]) > wn)
            wn = (int)strlen(nm[i]);
        if ((int)strlen(med[i]) > wm)
            wm = (int)strlen(med[i]);
        if ((int)strlen(iv[i]) > wi)
            wi = (int)strlen(iv[i]);
    }
    fprintf(f, "\nrandom inputs\n  %-*s  %*s   %-*s   %s\n", wn, "", wm, "median", wi,
            "90% interval", "distribution");
    for (size_t i = 0; i < r->ninputs; i++) {
        const cmc_stat *s = &r->inputs[i];
        fprintf(f, "  %-*s  %*s   %-*s   %s", wn, nm[i], wm, med[i], wi, iv[i],
                s->expression ? s->expression : "");
        if (s->nonfinite)
            fprintf(f, "  (%" PRIu64 " samples NaN or infinite)", s->nonfinite);
        fputc('\n', f);
    }
out:
    free(med);
    free(iv);
    free(nm);
}

/* Correlated inputs: each pair's Spearman rho as asked, as sampled (after a repair)
   and as achieved, with its 95% interval. */
static void text_correlations(FILE *f, const cmc_results *r)
{
    if (!r->ncorrelations)
        return;
    int w = 4, repaired = 0;
    for (size_t p = 0; p < r->ncorrelations; p++) {
        const cmc_correlation *c = &r->correlations[p];
        int l = (int)(strlen(c->a) + strlen(c->b) + 2);
        w = l > w ? l : w;
        repaired |= c->used != c->requested;
    }
    fprintf(f, "\nrank correlations (Spearman; Gaussian copula)\n  %-*s  %9s  %s%s\n", w,
            "pair", "requested", repaired ? "   used (repaired)" : "", "   achieved [95% interval]");
    for (size_t p = 0; p < r->ncorrelations; p++) {
        const cmc_correlation *c = &r->correlations[p];
        char pair[256], used[48] = "";
        snprintf(pair, sizeof pair, "%s, %s", c->a, c->b);
        if (repaired)
            snprintf(used, sizeof used, "   %15.4f", c->used);
        fprintf(f, "  %-*s  %9.4g%s   %.4f [%.4f, %.4f]%s\n", w, pair, c->requested, used,
                c->achieved, c->ci_low, c->ci_high, c->named ? "" : "   (not named: 0)");
    }
}

/* One row of a variants table: median and 90% interval, to the Monte Carlo digit. */
static void variant_row(FILE *f, int w, const char *label, const cmc_stat *s)
{
    char med[64] = "-", lo[64] = "-", hi[64] = "-", a[64], b[64];
    int m = rep_find_p(s, 0.5), i5 = rep_find_p(s, 0.05), i95 = rep_find_p(s, 0.95);
    if (m >= 0)
        rep_fmt_percentile(s, m, med, a, b, sizeof med, PLAIN);
    if (i5 >= 0)
        rep_fmt_percentile(s, i5, lo, a, b, sizeof lo, PLAIN);
    if (i95 >= 0)
        rep_fmt_percentile(s, i95, hi, a, b, sizeof hi, PLAIN);
    fprintf(f, "  %-*s %12s   %s to %s", w, label, med, lo, hi);
    if (s->nonfinite)
        fprintf(f, "   (%" PRIu64 " not finite)", s->nonfinite);
    fputc('\n', f);
}

/* The name the variants are compared with: "base" (the scenario as written) or a
   variant's. */
static const char *variant_reference(const cmc_results *r)
{
    return r->variant_reference ? r->variant_reference : r->variants[0].name;
}

/* Per output: base's (the scenario as written) and each variant's median and 90%
   interval, then each one's difference and ratio with the reference, sample by
   sample, and P(variant > reference). */
static void text_variants(FILE *f, const cmc_results *r)
{
    if (!r->nvariants)
        return;
    const char *ref = variant_reference(r);
    int is_base = 1;
    for (size_t v = 0; v < r->nvariants; v++)
        is_base &= strcmp(r->variants[v].name, ref) != 0;
    fprintf(f, "\nvariants, on common random numbers; compared sample by sample with %s%s\n",
            ref, is_base ? " (the scenario as written)" : "");
    if (!is_base)
        fprintf(f, "  %-16s %s\n", "base", "the scenario as written");
    for (size_t v = 0; v < r->nvariants; v++)
        if (r->variants[v].label && r->variants[v].label[0])
            fprintf(f, "  %-16s %s\n", r->variants[v].name, r->variants[v].label);
    /* which random inputs each variant draws as the scenario does */
    for (size_t v = 0; v < r->nvariants; v++) {
        const cmc_variant_result *vr = &r->variants[v];
        if (!vr->nshared && !vr->nchanged)
            continue;   /* a file from before 0.3 */
        fprintf(f, "  %s shares", vr->name);
        for (size_t i = 0; i < vr->nshared; i++)
            fprintf(f, "%s %s", i ? "," : "", vr->shared[i]);
        fputs(vr->nshared ? " (the same draws as base)" : " no random input with base", f);
        if (vr->nchanged) {
            fputs("; changes", f);
            for (size_t i = 0; i < vr->nchanged; i++)
                fprintf(f, "%s %s", i ? "," : "", vr->changed[i]);
        }
        fputc('\n', f);
    }
    int w = 16;
    for (size_t v = 0; v < r->nvariants; v++) {
        int n = (int)(strlen(r->variants[v].name) + strlen(ref)) + 3;
        w = n > w ? n : w;
    }
    for (size_t o = 0; o < r->noutputs; o++) {
        const cmc_stat *s0 = &r->outputs[o];
        fprintf(f, "\n%s", s0->name);
        if (s0->unit && s0->unit[0])
            fprintf(f, " [%s]", s0->unit);
        fprintf(f, "\n  %-*s %12s   %s\n", w, "", "median", "90% interval");
        variant_row(f, w, "base", s0);
        for (size_t v = 0; v < r->nvariants; v++) {
            const cmc_variant_result *vr = &r->variants[v];
            for (size_t i = 0; i < vr->noutputs; i++)
                if (!strcmp(vr->outputs[i].name, s0->name))
                    variant_row(f, w, vr->name, &vr->outputs[i]);
        }
        for (size_t v = 0; v < r->nvariants; v++) {
            const cmc_variant_result *vr = &r->variants[v];
            for (size_t i = 0; i < vr->npaired; i++) {
                const cmc_paired *pr = &vr->paired[i];
                if (strcmp(pr->output, s0->name))
                    continue;
                char label[256], p[64], lo[64], hi[64];
                snprintf(label, sizeof label, "%s - %s", vr->name, pr->reference);
                variant_row(f, w, label, &pr->difference);
                snprintf(label, sizeof label, "%s / %s", vr->name, pr->reference);
                variant_row(f, w, label, &pr->ratio);
                rep_fmt_p_greater(pr, p, lo, hi);
                fprintf(f, "  P(%s > %s) = %s (95%% interval %s to %s)\n", vr->name,
                        pr->reference, p, lo, hi);
            }
        }
    }
}

/* Correlated inputs (README "Correlated inputs"): the given-data index and its
   interval. */
static void given_ci(char *out, size_t size, const cmc_sensitivity *se, size_t j)
{
    char v[24], lo[24], hi[24];
    cmc_fmt_sig(v, sizeof v, se->given[j], 3, 12);
    cmc_fmt_sig(lo, sizeof lo, se->given_ci_low[j], 3, 12);
    cmc_fmt_sig(hi, sizeof hi, se->given_ci_high[j], 3, 12);
    if (isnan(se->given_ci_low[j]))
        snprintf(out, size, "%s", v);
    else
        snprintf(out, size, "%s [%s, %s]", v, lo, hi);
}

static void text_sensitivity(FILE *f, const cmc_results *r)
{
    for (size_t i = 0; i < r->nsensitivity; i++) {
        const cmc_sensitivity *se = &r->sensitivity[i];
        size_t k = se->ninputs, *order = calloc(k ? k : 1, sizeof *order);
        if (!order)
            return;
        cmc_sens_order(se, order);
        char n[64], runs[64];
        rep_fmt_at(n, sizeof n, (double)se->samples, 0, 1, PLAIN);
        rep_fmt_at(runs, sizeof runs, (double)se->samples * (double)(k + 2), 0, 1, PLAIN);
        char line[1200];
        if (se->given) {   /* correlated inputs: by the given-data index instead */
            fprintf(f, "\nsensitivity of %s (correlated inputs; by the given-data first-order "
                       "index of %s samples)\n", se->output, n);
            rep_sens_summary(line, sizeof line, se);
        } else {
            fprintf(f, "\nsensitivity of %s (Sobol design: %s model runs; by total index)\n",
                    se->output, runs);
            rep_sens_summary(line, sizeof line, se);
        }
        fprintf(f, "  %s\n", line);
        double sum;
        int logvar = rep_logvar_applies(se, &sum);
        int w = 5;
        for (size_t j = 0; j < k; j++)
            w = (int)strlen(se->input[j]) > w ? (int)strlen(se->input[j]) : w;
        if (se->given)
            fprintf(f, "  %-*s  %-22s  %-22s  %-24s  %-22s  %-22s  %s\n", w, "input",
                    "Spearman", "share of Var(ln)", "first order (given)", "Sobol first order",
                    "Sobol total", "swing P5 to P95");
        else
            fprintf(f, "  %-*s  %-22s  %-22s  %-22s  %-22s  %s\n", w, "input", "Spearman",
                    "share of Var(ln)", "Sobol first order", "Sobol total", "swing P5 to P95");
        size_t unrelated = 0;
        for (size_t jj = 0; jj < k; jj++) {
            size_t j = order[jj];
            if (!rep_sens_related(se, j)) {
                unrelated++;
                continue;
            }
            char c[CMC_SENS_NEST][80], lo[64], hi[64];
            for (int e = 0; e < CMC_SENS_NEST; e++)
                rep_fmt_ci3(c[e], sizeof c[e], se, e, j);
            if (!logvar)
                snprintf(c[CMC_SENS_LOGVAR_SHARE], sizeof c[0], "n/a (see below)");
            cmc_fmt_sig(lo, sizeof lo, se->swing_low[j], 4, 12);
            cmc_fmt_sig(hi, sizeof hi, se->swing_high[j], 4, 12);
            if (se->given) {
                char g[96];
                given_ci(g, sizeof g, se, j);
                if (se->dependent[j]) {
                    snprintf(c[CMC_SENS_SOBOL_FIRST], sizeof c[0], "n/a (correlated)");
                    snprintf(c[CMC_SENS_SOBOL_TOTAL], sizeof c[0], "n/a (correlated)");
                }
                fprintf(f, "  %-*s  %-22s  %-22s  %-24s  %-22s  %-22s  %s to %s\n", w,
                        se->input[j], c[0], c[1], g, c[2], c[3], lo, hi);
                continue;
            }
            fprintf(f, "  %-*s  %-22s  %-22s  %-22s  %-22s  %s to %s\n", w, se->input[j], c[0],
                    c[1], c[2], c[3], lo, hi);
        }
        char base[64];
        cmc_fmt_sig(base, sizeof base, se->swing_base, 4, 12);
        fprintf(f, "  (swings: the others at their point values, where %s = %s", se->output, base);
        if (se->skipped)
            fprintf(f, "; %" PRIu64 " Sobol rows left out as not finite", se->skipped);
        fprintf(f, ")\n");
        if (!logvar) {
            rep_logvar_reason(line, sizeof line, se);
            fprintf(f, "  (share of Var(ln): %s)\n", line);
        }
        if (se->given)
            fprintf(f, "  (Sobol indices assume independent inputs: the Saltelli design pairs an "
                       "input's values with\n   the others' drawn apart from it, off the joint "
                       "distribution, so a correlated input's are\n   withheld. First order "
                       "(given): Var(E[%s | input]) / Var(%s) from the run's own sample,\n   "
                       "in %zu rank bins, bias-corrected; it includes what the input carries of "
                       "its partners.)\n", se->output, se->output, se->given_bins);
        if (unrelated) {
            fprintf(f, "  (left out, no path to %s:", se->output);
            for (size_t j = 0; j < k; j++)
                if (!rep_sens_related(se, j))
                    fprintf(f, " %s", se->input[j]);
            fputs(")\n", f);
        }
        if (i + 1 == r->nsensitivity) {   /* the legend, wrapped at 88 columns */
            const char *q = rep_sens_legend;
            while (*q) {
                size_t n = strlen(q), cut = n;
                if (n > 86) {
                    cut = 86;
                    while (cut > 0 && q[cut] != ' ')
                        cut--;
                    if (cut == 0)
                        cut = 86;
                }
                fprintf(f, "  %.*s\n", (int)cut, q);
                q += cut + (q[cut] == ' ');
            }
        }
        (void)n;
        free(order);
    }
}

void cmc_report_text(FILE *f, const cmc_results *r, int flags)
{
    (void)flags;
    char n[64];
    if (r->title && r->title[0])
        fprintf(f, "%s\n", r->title);
    rep_fmt_at(n, sizeof n, (double)r->samples, 0, 1, PLAIN);
    fprintf(f, "%s samples, seed %" PRIu64, n, r->seed);
    if (r->method && r->method[0] && r->rng && r->rng[0])
        fprintf(f, " (%s, %s)", r->method, r->rng);
    fputc('\n', f);
    for (size_t i = 0; i < r->noutputs; i++)
        text_stat(f, &r->outputs[i]);
    text_inputs(f, r);
    text_correlations(f, r);
    text_sensitivity(f, r);
    text_variants(f, r);
}

