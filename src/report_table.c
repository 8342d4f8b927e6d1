/*
 * report_table.c: a run as Markdown and LaTeX tables, for a report or a paper,
 * rounded to the Monte Carlo error like the text summary.
 */
#include "report_priv.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- markdown and latex tables --------------------------------------------------- */

/* Backslash-escape what Markdown would read as markup (and | in tables). */
void rep_md_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (strchr("\\`*_[]<>|#", *s))
            fputc('\\', f);
        fputc(*s, f);
    }
}

void rep_tex_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            fputc('\\', f);
            fputc(*s, f);
            break;
        case '~': fputs("\\textasciitilde{}", f); break;
        case '^': fputs("\\textasciicircum{}", f); break;
        case '\\': fputs("\\textbackslash{}", f); break;
        case '<': fputs("\\textless{}", f); break;
        case '>': fputs("\\textgreater{}", f); break;
        case '|': fputs("\\textbar{}", f); break;
        case '\n': case '\r': fputc(' ', f); break;
        default: fputc(*s, f);
        }
    }
}

/* Chemical formulas that units carry, and their LaTeX: the digits subscripted. */
static const char *const formulas[][2] = {{"CO2", "CO$_2$"}, {"CH4", "CH$_4$"},
                                          {"N2O", "N$_2$O"}, {"SF6", "SF$_6$"}};

void rep_tex_unit(FILE *f, const char *unit)
{
    for (const char *p = unit; p && *p;) {
        size_t k = 0;
        while (k < sizeof formulas / sizeof *formulas &&
               strncmp(p, formulas[k][0], strlen(formulas[k][0])))
            k++;
        if (k < sizeof formulas / sizeof *formulas) {
            fputs(formulas[k][1], f);
            p += strlen(formulas[k][0]);
            continue;
        }
        char one[2] = {*p++, '\0'};
        rep_tex_text(f, one);
    }
}

/* The percentile columns of a summary table: the run's own list when --percentiles
   chose it (every percentile stored), else of the default list the 95% and 90%
   intervals around the median; then the mean, and last the median's 95% Monte
   Carlo interval (unless REP_NO_MC): the Monte Carlo error, in a column of its own
   so that nobody takes it for the spread. */
#define MAX_PCOLS 64
typedef struct pcols {
    double p[MAX_PCOLS];
    size_t n;
    int mc;          /* the last column */
} pcols;

static const double default_p[] = {0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975,
                                   0.995};

static void table_columns(const cmc_results *r, int flags, pcols *c)
{
    const cmc_stat *s = r->noutputs ? &r->outputs[0] : r->ninputs ? &r->inputs[0] : NULL;
    c->n = 0;
    c->mc = !(flags & REP_NO_MC);
    size_t nd = sizeof default_p / sizeof *default_p;
    int is_default = s && s->npercentiles == nd;
    for (size_t i = 0; is_default && i < nd; i++)
        is_default = fabs(s->p[i] - default_p[i]) < 1e-12;
    if (!s || is_default) {
        static const double std_p[] = {0.025, 0.05, 0.5, 0.95, 0.975};
        for (size_t i = 0; i < sizeof std_p / sizeof *std_p; i++)
            c->p[c->n++] = std_p[i];
        return;
    }
    for (size_t i = 0; i < s->npercentiles && c->n < MAX_PCOLS; i++)
        c->p[c->n++] = s->p[i];
}

static void column_label(char *out, size_t size, double p)
{
    if (fabs(p - 0.5) < 1e-12)
        snprintf(out, size, "Median");
    else
        rep_p_label(out, size, p);
}

/* Between the two ends of a range: an en dash, or " to " when an end is negative
   ("-39,400 to -38,000", not "-39,400–-38,000"). */
static const char *range_sep(double a, double b, style st, int spaced)
{
    if (a < 0 || b < 0)
        return " to ";
    if (st == LATEX)
        return spaced ? " -- " : "--";
    return spaced ? " \u2013 " : "\u2013";
}

/* The name the variants are compared with: "base" (the scenario as written, whose
   rows are the outputs above) or one of them. */
static const char *variant_reference(const cmc_results *r, int *is_base)
{
    const char *ref = r->variant_reference ? r->variant_reference : r->variants[0].name;
    *is_base = 1;
    for (size_t v = 0; v < r->nvariants; v++)
        *is_base &= strcmp(r->variants[v].name, ref) != 0;
    return ref;
}

/* A number as cmc_fmt_sig prints it, for LaTeX: {,} between thousands, $-$. */
static void tex_number(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == ',')
            fputs("{,}", f);
        else if (*s == '-')
            fputs("$-$", f);
        else
            fputc(*s, f);
    }
}

/* The cells of stat s under columns c: [0] mean, [1..n] the percentiles, [n + 1]
   the median's Monte Carlo interval ("n/a" where s lacks one). */
static void table_cells(const cmc_stat *s, const pcols *c, char (*cell)[140], style st)
{
    const char *na = "n/a";
    char lo[64], hi[64];
    rep_fmt_shown(cell[0], 140, s->mean, rep_mean_resolution(s), st);
    for (size_t k = 0; k < c->n; k++) {
        int i = rep_find_p(s, c->p[k]);
        if (i >= 0)
            rep_fmt_percentile(s, i, cell[1 + k], lo, hi, sizeof lo, st);
        else
            snprintf(cell[1 + k], 140, "%s", na);
    }
    int m = rep_find_p(s, 0.5);
    if (m >= 0) {
        char v[64];
        rep_fmt_percentile(s, m, v, lo, hi, sizeof lo, st);
        snprintf(cell[1 + c->n], 140, "%s%s%s", lo, range_sep(s->ci_low[m], s->ci_high[m], st, 0),
                 hi);
    } else {
        snprintf(cell[1 + c->n], 140, "%s", na);
    }
}

static void md_table(FILE *f, const char *head, const cmc_stat *s, size_t n, const pcols *c)
{
    if (!n)
        return;
    fprintf(f, "\n| %s | unit | mean |", head);
    for (size_t k = 0; k < c->n; k++) {
        char lab[32];
        column_label(lab, sizeof lab, c->p[k]);
        fprintf(f, " %s |", lab);
    }
    fputs(c->mc ? " Monte Carlo error: 95% interval of the median |\n|:--|:--|--:|"
                : "\n|:--|:--|--:|", f);
    for (size_t k = 0; k < c->n + (size_t)c->mc; k++)
        fputs("--:|", f);
    fputc('\n', f);
    char cell[MAX_PCOLS + 2][140];
    for (size_t i = 0; i < n; i++) {
        table_cells(&s[i], c, cell, PLAIN);
        fputs("| `", f);
        fputs(s[i].name, f);
        fputs("` | ", f);
        rep_md_text(f, s[i].unit);
        fputs(" |", f);
        for (size_t k = 0; k < c->n + 1 + (size_t)c->mc; k++)
            fprintf(f, " %s |", cell[k]);
        fputc('\n', f);
    }
}

/* Variant v's rows: its outputs, then (v > 0) for each paired output the
   difference and the ratio with the reference, named "OUT: v - ref", "OUT: v / ref";
   names[] holds those names. Returns the count (at most 3 per output). */
static size_t variant_rows(const cmc_results *r, size_t v, cmc_stat *rows, char (*names)[256],
                           size_t max)
{
    const cmc_variant_result *vr = &r->variants[v];
    size_t n = 0;
    for (size_t i = 0; i < vr->noutputs && n < max; i++)
        rows[n++] = vr->outputs[i];
    for (size_t i = 0; i < vr->npaired && n + 2 <= max; i++) {
        const cmc_paired *pr = &vr->paired[i];
        snprintf(names[n], 256, "%s: %s - %s", pr->output, vr->name, pr->reference);
        rows[n] = pr->difference;
        rows[n].name = names[n];
        n++;
        snprintf(names[n], 256, "%s: %s / %s", pr->output, vr->name, pr->reference);
        rows[n] = pr->ratio;
        rows[n].name = names[n];
        n++;
    }
    return n;
}

#define MAX_VARIANT_ROWS 96

static void md_variants(FILE *f, const cmc_results *r, const pcols *c)
{
    cmc_stat rows[MAX_VARIANT_ROWS];
    static char names[MAX_VARIANT_ROWS][256];
    if (!r->nvariants)
        return;
    int is_base;
    const char *ref = variant_reference(r, &is_base);
    fputs("\nVariants, on common random numbers, compared sample by sample with ", f);
    if (is_base)
        fputs("*base*, the scenario as written (the outputs above).\n", f);
    else {
        fputs("*", f);
        rep_md_text(f, ref);
        fputs("*; *base* is the scenario as written (the outputs above).\n", f);
    }
    int listed = 0;
    for (size_t v = 0; v < r->nvariants; v++) {
        const cmc_variant_result *vr = &r->variants[v];
        if (!vr->nshared && !vr->nchanged)
            continue;   /* a file from before 0.3 */
        fputs(listed++ ? "- *" : "\n- *", f);
        rep_md_text(f, vr->name);
        fputs(vr->nshared ? "* shares with base" : "* shares no random input with base", f);
        for (size_t i = 0; i < vr->nshared; i++)
            fprintf(f, "%s `%s`", i ? "," : "", vr->shared[i]);
        if (vr->nshared)
            fputs(" (the same draws)", f);
        if (vr->nchanged) {
            fputs("; changes", f);
            for (size_t i = 0; i < vr->nchanged; i++)
                fprintf(f, "%s `%s`", i ? "," : "", vr->changed[i]);
        }
        fputs(".\n", f);
    }
    for (size_t v = 0; v < r->nvariants; v++) {
        const cmc_variant_result *vr = &r->variants[v];
        char head[300];
        snprintf(head, sizeof head, "variant %s", vr->name);
        fputs("\n", f);
        if (vr->label && vr->label[0]) {
            fputs("*", f);
            rep_md_text(f, vr->name);
            fputs("*: ", f);
            rep_md_text(f, vr->label);
            fputs("\n", f);
        }
        md_table(f, head, rows, variant_rows(r, v, rows, names, MAX_VARIANT_ROWS), c);
        for (size_t i = 0; i < vr->npaired; i++) {
            const cmc_paired *pr = &vr->paired[i];
            char p[64], lo[64], hi[64];
            rep_fmt_p_greater(pr, p, lo, hi);
            fprintf(f, "%sP(`%s` of %s > of %s) = %s [%s, %s]", i ? "; " : "\n", pr->output,
                    vr->name, pr->reference, p, lo, hi);
        }
        if (vr->npaired)
            fputs(".\n", f);
    }
}

/* Correlated inputs: each pair's Spearman rho asked, used and achieved. */
static void md_correlations(FILE *f, const cmc_results *r)
{
    if (!r->ncorrelations)
        return;
    fputs("\n| rank correlation (Spearman) | requested | used | achieved [95% CI] |\n"
          "|:--|--:|--:|--:|\n", f);
    for (size_t p = 0; p < r->ncorrelations; p++) {
        const cmc_correlation *c = &r->correlations[p];
        fprintf(f, "| `%s`, `%s` | %.4g%s | %.4g | %.4f [%.4f, %.4f] |\n", c->a, c->b,
                c->requested, c->named ? "" : " (not named)", c->used, c->achieved, c->ci_low,
                c->ci_high);
    }
}

/* The variants' P(variant > reference) with its 95% interval, one row per variant
   and output (their differences and ratios are rows of the main table). */
static void tex_comparisons(FILE *f, const cmc_results *r)
{
    size_t n = 0;
    for (size_t v = 0; v < r->nvariants; v++)
        n += r->variants[v].npaired;
    if (!n)
        return;
    int is_base;
    const char *ref = variant_reference(r, &is_base);
    fputs("\n% variants against ", f);
    fputs(ref, f);
    fputs(is_base ? " (the scenario as written: the Outputs rows)" : "", f);
    fputs(", sample by sample on common random numbers\n"
          "\\begin{tabular}{llr}\n\\toprule\n"
          "Output & Comparison & Probability [95\\% interval] \\\\\n\\midrule\n", f);
    for (size_t v = 0; v < r->nvariants; v++) {
        const cmc_variant_result *vr = &r->variants[v];
        for (size_t i = 0; i < vr->npaired; i++) {
            const cmc_paired *pr = &vr->paired[i];
            char p[64], lo[64], hi[64];
            rep_fmt_p_greater(pr, p, lo, hi);
            rep_tex_text(f, pr->output);
            fputs(" & P(", f);
            rep_tex_text(f, vr->name);
            fputs(" $>$ ", f);
            rep_tex_text(f, pr->reference);
            fputs(") & ", f);
            tex_number(f, p);
            fputs(" [", f);
            tex_number(f, lo);
            fputs(", ", f);
            tex_number(f, hi);
            fputs("] \\\\\n", f);
        }
    }
    fputs("\\bottomrule\n\\end{tabular}\n", f);
}

static void tex_correlations(FILE *f, const cmc_results *r)
{
    if (!r->ncorrelations)
        return;
    fputs("\n% rank correlations (Spearman; Gaussian copula); [95% CI]\n"
          "\\begin{tabular}{llrrr}\n\\toprule\n"
          "Input & Input & Requested & Used & Achieved \\\\\n\\midrule\n", f);
    for (size_t p = 0; p < r->ncorrelations; p++) {
        const cmc_correlation *c = &r->correlations[p];
        rep_tex_text(f, c->a);
        fputs(" & ", f);
        rep_tex_text(f, c->b);
        fprintf(f, " & $%.4g$ & $%.4g$ & $%.4f$ [$%.4f$, $%.4f$] \\\\\n", c->requested,
                c->used, c->achieved, c->ci_low, c->ci_high);
    }
    fputs("\\bottomrule\n\\end{tabular}\n", f);
}

void cmc_report_markdown(FILE *f, const cmc_results *r, int flags)
{
    char n[64];
    rep_fmt_at(n, sizeof n, (double)r->samples, 0, 1, PLAIN);
    if (r->title && r->title[0]) {
        fputs("**", f);
        rep_md_text(f, r->title);
        fputs("**: ", f);
    }
    if (r->design && r->design[0] && strcmp(r->design, "mc") && r->method)
        fprintf(f, "%s samples (%s), seed %" PRIu64 ".\n", n, r->method, r->seed);
    else
        fprintf(f, "%s Monte Carlo samples, seed %" PRIu64 ".\n", n, r->seed);
    pcols c;
    table_columns(r, flags, &c);
    md_table(f, "output", r->outputs, r->noutputs, &c);
    md_table(f, "random input", r->inputs, r->ninputs, &c);
    md_correlations(f, r);
    for (size_t i = 0; i < r->nsensitivity; i++) {
        const cmc_sensitivity *se = &r->sensitivity[i];
        size_t *order = calloc(se->ninputs ? se->ninputs : 1, sizeof *order);
        if (!order)
            break;
        cmc_sens_order(se, order);
        if (se->given)   /* correlated inputs: the given-data first order too */
            fprintf(f, "\n| sensitivity of `%s` | Spearman | share of Var(ln) | first order "
                       "(given data) | Sobol first order | Sobol total | swing P5 to P95 |\n"
                       "|:--|--:|--:|--:|--:|--:|--:|\n", se->output);
        else
            fprintf(f, "\n| sensitivity of `%s` | Spearman | share of Var(ln) | Sobol first "
                       "order | Sobol total | swing P5 to P95 |\n|:--|--:|--:|--:|--:|--:|\n",
                    se->output);
        double sum;
        int logvar = rep_logvar_applies(se, &sum);
        for (size_t jj = 0; jj < se->ninputs; jj++) {
            size_t j = order[jj];
            if (!rep_sens_related(se, j))
                continue;
            char c[CMC_SENS_NEST][80], lo[64], hi[64];
            for (int e = 0; e < CMC_SENS_NEST; e++)
                rep_fmt_ci3(c[e], sizeof c[e], se, e, j);
            if (!logvar)
                snprintf(c[CMC_SENS_LOGVAR_SHARE], sizeof c[0], "n/a");
            cmc_fmt_sig(lo, sizeof lo, se->swing_low[j], 4, 12);
            cmc_fmt_sig(hi, sizeof hi, se->swing_high[j], 4, 12);
            if (se->given) {
                char g[80];
                if (isnan(se->given_ci_low[j]))
                    snprintf(g, sizeof g, "%.3f", se->given[j]);
                else
                    snprintf(g, sizeof g, "%.3f [%.3f, %.3f]", se->given[j],
                             se->given_ci_low[j], se->given_ci_high[j]);
                fprintf(f, "| `%s` | %s | %s | %s | %s | %s | %s%s%s |\n", se->input[j],
                        c[0], c[1], g, se->dependent[j] ? "n/a (correlated)" : c[2],
                        se->dependent[j] ? "n/a (correlated)" : c[3], lo,
                        range_sep(se->swing_low[j], se->swing_high[j], PLAIN, 1), hi);
                continue;
            }
            fprintf(f, "| `%s` | %s | %s | %s | %s | %s%s%s |\n", se->input[j], c[0], c[1],
                    c[2], c[3], lo, range_sep(se->swing_low[j], se->swing_high[j], PLAIN, 1), hi);
        }
        char line[1200], sb[64];
        rep_sens_summary(line, sizeof line, se);
        fputs("\n", f);
        rep_md_text(f, line);
        fputs(".", f);
        cmc_fmt_sig(sb, sizeof sb, se->swing_base, 4, 12);
        fprintf(f, " Swings: the others at their point values, where `%s` = %s.", se->output, sb);
        if (!logvar) {
            rep_logvar_reason(line, sizeof line, se);
            fputs(" Share of Var(ln): ", f);
            rep_md_text(f, line);
            fputs(".", f);
        }
        fputs("\n", f);
        free(order);
    }
    if (r->nsensitivity) {
        fputs("\n", f);
        rep_md_text(f, rep_sens_legend);
        fputs(".\n", f);
    }
    md_variants(f, r, &c);
}

static void tex_rows(FILE *f, const char *head, const cmc_stat *s, size_t n, const pcols *c)
{
    if (!n)
        return;
    fprintf(f, "\\midrule\n\\multicolumn{%zu}{l}{\\textit{%s}} \\\\\n", c->n + 3 + (size_t)c->mc,
            head);
    char cell[MAX_PCOLS + 2][140];
    for (size_t i = 0; i < n; i++) {
        table_cells(&s[i], c, cell, LATEX);
        rep_tex_text(f, s[i].name);
        fputs(" & ", f);
        rep_tex_unit(f, s[i].unit);
        for (size_t k = 0; k < c->n + 1 + (size_t)c->mc; k++)
            fprintf(f, " & %s", cell[k]);
        fputs(" \\\\\n", f);
    }
}

void cmc_report_latex(FILE *f, const cmc_results *r, int flags)
{
    char n[64];
    rep_fmt_at(n, sizeof n, (double)r->samples, 0, 1, PLAIN);
    fputs("% carbonmc summary", f);
    if (r->title && r->title[0]) {
        fputs(": ", f);
        for (const char *p = r->title; *p; p++)
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
    }
    if (r->design && r->design[0] && strcmp(r->design, "mc") && r->method)
        fprintf(f, "\n%% %s samples (%s), seed %" PRIu64 ".", n, r->method, r->seed);
    else
        fprintf(f, "\n%% %s Monte Carlo samples, seed %" PRIu64 ".", n, r->seed);
    fputs(" Needs \\usepackage{booktabs}.\n"
          "% Rounded to the Monte Carlo error; {,} separates thousands.\n", f);
    pcols c;
    table_columns(r, flags, &c);
    fputs("\\begin{tabular}{ll", f);
    for (size_t k = 0; k < c.n + 1 + (size_t)c.mc; k++)
        fputc('r', f);
    fputs("}\n\\toprule\nQuantity & Unit & Mean", f);
    for (size_t k = 0; k < c.n; k++) {
        char lab[32];
        column_label(lab, sizeof lab, c.p[k]);
        fprintf(f, " & %s", lab);
    }
    fputs(c.mc ? " & MC error of the median (95\\%) \\\\\n" : " \\\\\n", f);
    tex_rows(f, r->nvariants ? "Outputs (base: the scenario as written)" : "Outputs", r->outputs,
             r->noutputs, &c);
    tex_rows(f, "Random inputs", r->inputs, r->ninputs, &c);
    for (size_t v = 0; v < r->nvariants; v++) {
        cmc_stat rows[MAX_VARIANT_ROWS];
        static char names[MAX_VARIANT_ROWS][256];
        char head[600];
        const cmc_variant_result *vr = &r->variants[v];
        snprintf(head, sizeof head, "Variant %s%s%s", vr->name,
                 vr->label && vr->label[0] ? ": " : "", vr->label ? vr->label : "");
        char esc[1400];   /* the head goes into \textit{} as text */
        size_t e = 0;
        for (const char *c = head; *c && e + 3 < sizeof esc; c++) {
            if (strchr("&%$#_{}", *c))
                esc[e++] = '\\';
            esc[e++] = *c;
        }
        esc[e] = '\0';
        tex_rows(f, esc, rows, variant_rows(r, v, rows, names, MAX_VARIANT_ROWS), &c);
    }
    fputs("\\bottomrule\n\\end{tabular}\n", f);
    tex_comparisons(f, r);
    tex_correlations(f, r);
    for (size_t i = 0; i < r->nsensitivity; i++) {
        const cmc_sensitivity *se = &r->sensitivity[i];
        size_t *order = calloc(se->ninputs ? se->ninputs : 1, sizeof *order);
        if (!order)
            break;
        cmc_sens_order(se, order);
        fputs("\n% sensitivity of ", f);
        fputs(se->output, f);
        fputs(", inputs by total Sobol index; [95% CI]\n\\begin{tabular}{lrrrrr}\n\\toprule\n"
              "Input & Spearman & Share of Var(ln) & Sobol first order & Sobol total & "
              "Swing P5 to P95 \\\\\n\\midrule\n", f);
        double sum;
        int logvar = rep_logvar_applies(se, &sum);
        for (size_t jj = 0; jj < se->ninputs; jj++) {
            size_t j = order[jj];
            if (!rep_sens_related(se, j))
                continue;
            char c[CMC_SENS_NEST][80];
            for (int e = 0; e < CMC_SENS_NEST; e++)
                rep_fmt_ci3(c[e], sizeof c[e], se, e, j);
            if (!logvar)
                snprintf(c[CMC_SENS_LOGVAR_SHARE], sizeof c[0], "n/a");
            char lo[64], hi[64];
            cmc_fmt_sig(lo, sizeof lo, se->swing_low[j], 4, 12);
            cmc_fmt_sig(hi, sizeof hi, se->swing_high[j], 4, 12);
            rep_tex_text(f, se->input[j]);
            fprintf(f, " & %s & %s & %s & %s & ", c[0], c[1], c[2], c[3]);
            tex_number(f, lo);
            fputs(range_sep(se->swing_low[j], se->swing_high[j], LATEX, 1), f);
            tex_number(f, hi);
            fputs(" \\\\\n", f);
        }
        fputs("\\bottomrule\n\\end{tabular}\n", f);
        char line[1200];
        rep_sens_summary(line, sizeof line, se);
        fputs("% ", f);
        fputs(line, f);
        fputs("\n", f);
        cmc_fmt_sig(line, sizeof line, se->swing_base, 4, 12);
        fprintf(f, "%% swing: the output with the input at its P5 and P95, the others at their "
                   "point values, where %s = %s\n", se->output, line);
        if (!logvar) {
            rep_logvar_reason(line, sizeof line, se);
            fprintf(f, "%% share of Var(ln): %s\n", line);
        }
        free(order);
    }
}

