/*
 * report_sweep.c: a sweep's summary as text, Markdown, LaTeX, CSV or JSON (CLI
 * only, like the run's summaries in report_*.c).
 *
 * One table per output, one row per point: the swept values, then the mean and
 * the percentiles a reader looks for first (P5, the median, P95, or whichever of
 * them the sweep has; all of its percentiles when it has none of them). Text,
 * Markdown and LaTeX round every number to the digit its own 95% Monte Carlo
 * interval resolves, by the rules of the run's summary (report_num.c: each
 * point's statistics are viewed as a cmc_stat); CSV (long format, one number a
 * row) and JSON carry every number of the file at full precision, intervals
 * included.
 */
#include "report_priv.h"
#include "sweep_cli.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cmc_sweep_report_formats[] = {"text", "json", "csv", "markdown", "latex",
                                                NULL};

/* Point i of output o as a cmc_stat, for the run's rounding rules. */
static cmc_stat view(const cmc_sweep *s, const cmc_sweep_output *o, size_t i)
{
    cmc_stat st;
    memset(&st, 0, sizeof st);
    st.name = o->name;
    st.unit = o->unit;
    st.description = o->description;
    st.count = o->count[i];
    st.nonfinite = o->nonfinite[i];
    st.mean = o->mean[i];
    st.std = o->std[i];
    st.mean_se = o->mean_se[i];
    st.min = o->min[i];
    st.max = o->max[i];
    st.npercentiles = s->np;
    st.p = s->p;
    st.value = o->value + i * s->np;
    st.ci_low = o->ci_low + i * s->np;
    st.ci_high = o->ci_high + i * s->np;
    st.resolution = o->resolution + i * s->np;
    return st;
}

/* The percentile columns: P5, the median and P95 where the sweep has them (in
   increasing order), else every percentile. */
static size_t columns(const cmc_sweep *s, int *col)
{
    static const double want[] = {0.05, 0.5, 0.95};
    size_t n = 0;
    for (size_t k = 0; k < 3; k++) {
        int j = cmc_sweep_find_p(s, want[k]);
        if (j >= 0)
            col[n++] = j;
    }
    if (n == 0)
        for (size_t j = 0; j < s->np && j < 64; j++)
            col[n++] = (int)j;
    return n;
}

static void p_name(char *out, size_t size, double p)
{
    if (fabs(p - 0.5) < 1e-12)
        snprintf(out, size, "median");
    else
        rep_p_label(out, size, p);
}

/* The cells of output o's table: header row, then a row per point. cells[r][c]. */
typedef struct table {
    size_t rows, cols;
    char **cell;   /* rows * cols strings */
} table;

static void table_free(table *t)
{
    for (size_t i = 0; t->cell && i < t->rows * t->cols; i++)
        free(t->cell[i]);
    free(t->cell);
}

static int make_table(const cmc_sweep *s, const cmc_sweep_output *o, style st, table *t)
{
    int col[64];
    size_t nc = columns(s, col);
    t->cols = s->nvars + 1 + nc;
    t->rows = s->npoints + 1;
    t->cell = calloc(t->rows * t->cols, sizeof *t->cell);
    if (!t->cell)
        return -1;
    char buf[256], lo[64], hi[64];
    for (size_t k = 0; k < s->nvars; k++) {
        const cmc_sweep_var *v = &s->vars[k];
        if (v->unit && v->unit[0])
            snprintf(buf, sizeof buf, "%s [%s]", v->name, v->unit);
        else
            snprintf(buf, sizeof buf, "%s", v->name);
        t->cell[k] = strdup(buf);
    }
    t->cell[s->nvars] = strdup("mean");
    for (size_t c = 0; c < nc; c++) {
        p_name(buf, sizeof buf, s->p[col[c]]);
        t->cell[s->nvars + 1 + c] = strdup(buf);
    }
    for (size_t i = 0; i < s->npoints; i++) {
        char **row = t->cell + (i + 1) * t->cols;
        for (size_t k = 0; k < s->nvars; k++) {
            cmc_fmt_human(buf, sizeof buf, cmc_sweep_coord(s, k, i));
            row[k] = strdup(buf);
        }
        cmc_stat sv = view(s, o, i);
        rep_fmt_shown(buf, sizeof buf, sv.mean, rep_mean_resolution(&sv), st);
        row[s->nvars] = strdup(buf);
        for (size_t c = 0; c < nc; c++) {
            rep_fmt_percentile(&sv, col[c], buf, lo, hi, 64, st);
            row[s->nvars + 1 + c] = strdup(buf);
        }
    }
    for (size_t i = 0; i < t->rows * t->cols; i++)
        if (!t->cell[i])
            return -1;
    return 0;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(FILE *f, size_t n)
{
    while (n--)
        fputc(' ', f);
}

static void header_line(FILE *f, const cmc_sweep *s)
{
    fprintf(f, "sweep of %zu point%s", s->npoints, s->npoints == 1 ? "" : "s");
    if (s->points) {
        fputs(" (rows of a CSV file:", f);
        for (size_t k = 0; k < s->nvars; k++)
            fprintf(f, " %s", s->vars[k].name);
        fputs(")", f);
    } else {
        fputs(" (", f);
        for (size_t k = 0; k < s->nvars; k++)
            fprintf(f, "%s%s: %zu", k ? " x " : "", s->vars[k].name, s->vars[k].n);
        fputs(")", f);
    }
    char n[32];
    cmc_fmt_human(n, sizeof n, (double)s->samples);
    fprintf(f, ", %s samples each, seed %" PRIu64 " (%s, %s), on common random numbers\n", n,
            s->seed, s->method, s->rng);
}

static void text(FILE *f, const cmc_sweep *s, int markdown)
{
    if (markdown) {
        fputs("## ", f);
        rep_md_text(f, s->title);
        fputs("\n\n", f);
    } else {
        fprintf(f, "%s\n", s->title);
    }
    header_line(f, s);
    for (size_t i = 0; i < s->nsets; i++)
        fprintf(f, "%s--set %s", i ? ", " : "fixed: ", s->sets[i]);
    if (s->nsets)
        fputc('\n', f);
    for (size_t oi = 0; oi < s->noutputs; oi++) {
        const cmc_sweep_output *o = &s->outputs[oi];
        table t = {0, 0, NULL};
        if (make_table(s, o, PLAIN, &t) < 0) {
            table_free(&t);
            fputs("(out of memory)\n", f);
            return;
        }
        if (markdown) {
            fputs("\n### ", f);
            rep_md_text(f, o->name);
            if (o->unit[0]) {
                fputs(" [", f);
                rep_md_text(f, o->unit);
                fputs("]", f);
            }
            if (o->description[0]) {
                fputs(", ", f);
                rep_md_text(f, o->description);
            }
            fputs("\n\n", f);
            for (size_t r = 0; r < t.rows; r++) {
                for (size_t c = 0; c < t.cols; c++) {
                    fputs("| ", f);
                    rep_md_text(f, t.cell[r * t.cols + c]);
                    fputc(' ', f);
                }
                fputs("|\n", f);
                if (r == 0) {
                    for (size_t c = 0; c < t.cols; c++)
                        fputs(c < s->nvars ? "|:--" : "|--:", f);
                    fputs("|\n", f);
                }
            }
        } else {
            fprintf(f, "\n%s%s%s%s  %s\n", o->name, o->unit[0] ? " [" : "", o->unit,
                    o->unit[0] ? "]" : "", o->description);
            size_t *w = calloc(t.cols, sizeof *w);
            if (!w) {
                table_free(&t);
                return;
            }
            for (size_t r = 0; r < t.rows; r++)
                for (size_t c = 0; c < t.cols; c++)
                    if (width(t.cell[r * t.cols + c]) > w[c])
                        w[c] = width(t.cell[r * t.cols + c]);
            for (size_t r = 0; r < t.rows; r++) {
                fputs(" ", f);
                for (size_t c = 0; c < t.cols; c++) {
                    const char *x = t.cell[r * t.cols + c];
                    fputs("  ", f);
                    /* the swept values to the left, the statistics to the right */
                    if (c < s->nvars) {
                        fputs(x, f);
                        if (c + 1 < t.cols)
                            pad(f, w[c] - width(x));
                    } else {
                        pad(f, w[c] - width(x));
                        fputs(x, f);
                    }
                }
                fputc('\n', f);
            }
            free(w);
        }
        table_free(&t);
    }
}

static void latex(FILE *f, const cmc_sweep *s)
{
    fputs("% ", f);
    header_line(f, s);
    for (size_t oi = 0; oi < s->noutputs; oi++) {
        const cmc_sweep_output *o = &s->outputs[oi];
        table t = {0, 0, NULL};
        if (make_table(s, o, LATEX, &t) < 0) {
            table_free(&t);
            return;
        }
        fprintf(f, "%% %s\n\\begin{tabular}{", o->name);
        for (size_t c = 0; c < t.cols; c++)
            fputc(c < s->nvars ? 'l' : 'r', f);
        fputs("}\n\\toprule\n", f);
        fprintf(f, "\\multicolumn{%zu}{l}{", t.cols);
        rep_tex_text(f, o->name);
        if (o->unit[0]) {
            fputs(" (", f);
            rep_tex_unit(f, o->unit);
            fputs(")", f);
        }
        fputs("} \\\\\n\\midrule\n", f);
        for (size_t r = 0; r < t.rows; r++) {
            for (size_t c = 0; c < t.cols; c++) {
                if (c)
                    fputs(" & ", f);
                const char *x = t.cell[r * t.cols + c];
                if (r == 0 || c < s->nvars)
                    rep_tex_unit(f, x);   /* escaped, CO$_2$e */
                else
                    fputs(x, f);           /* formatted for LaTeX already */
            }
            fputs(" \\\\\n", f);
            if (r == 0)
                fputs("\\midrule\n", f);
        }
        fputs("\\bottomrule\n\\end{tabular}\n", f);
        table_free(&t);
    }
}

static void csv_num(FILE *f, double x)
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

static void csv_lead(FILE *f, const cmc_sweep *s, size_t i, const char *out, const char *stat)
{
    fprintf(f, "%zu,", i);
    for (size_t k = 0; k < s->nvars; k++) {
        csv_num(f, cmc_sweep_coord(s, k, i));
        fputc(',', f);
    }
    rep_csv_field(f, out);
    fprintf(f, ",%s,", stat);
}

static void csv(FILE *f, const cmc_sweep *s)
{
    fputs("point,", f);
    for (size_t k = 0; k < s->nvars; k++) {
        rep_csv_field(f, s->vars[k].name);
        fputc(',', f);
    }
    fputs("output,statistic,p,value,ci_low,ci_high\n", f);
    for (size_t i = 0; i < s->npoints; i++)
        for (size_t oi = 0; oi < s->noutputs; oi++) {
            const cmc_sweep_output *o = &s->outputs[oi];
            const char *names[] = {"mean", "std", "mean_se", "min", "max"};
            const double v[] = {o->mean[i], o->std[i], o->mean_se[i], o->min[i], o->max[i]};
            for (int k = 0; k < 5; k++) {
                csv_lead(f, s, i, o->name, names[k]);
                fputc(',', f);
                csv_num(f, v[k]);
                fputs(",,\n", f);
            }
            csv_lead(f, s, i, o->name, "nonfinite");
            fprintf(f, ",%" PRIu64 ",,\n", o->nonfinite[i]);
            csv_lead(f, s, i, o->name, "count");
            fprintf(f, ",%" PRIu64 ",,\n", o->count[i]);
            for (size_t j = 0; j < s->np; j++) {
                csv_lead(f, s, i, o->name, "percentile");
                csv_num(f, s->p[j]);
                fputc(',', f);
                csv_num(f, o->value[i * s->np + j]);
                fputc(',', f);
                csv_num(f, o->ci_low[i * s->np + j]);
                fputc(',', f);
                csv_num(f, o->ci_high[i * s->np + j]);
                fputc('\n', f);
            }
        }
}

static void json_key(FILE *f, const char *k)
{
    cmc_fmt_json_string(f, k);
    fputs(": ", f);
}

static void json(FILE *f, const cmc_sweep *s)
{
    fputs("{\n  \"format\": \"carbonmc-sweep/1\",\n  ", f);
    const char *sk[] = {"title", "tool_version", "created", "method", "design", "rng"};
    const char *sv[] = {s->title, s->tool_version, s->created, s->method, s->design, s->rng};
    for (int k = 0; k < 6; k++) {
        json_key(f, sk[k]);
        cmc_fmt_json_string(f, sv[k]);
        fputs(",\n  ", f);
    }
    fprintf(f, "\"seed\": %" PRIu64 ",\n  \"samples\": %" PRIu64 ",\n  \"replicates\": %u,\n  "
            "\"sweep\": \"%s\",\n  \"set\": [", s->seed, s->samples, (unsigned)s->replicates,
            s->points ? "points" : "grid");
    for (size_t i = 0; i < s->nsets; i++) {
        fputs(i ? ", " : "", f);
        cmc_fmt_json_string(f, s->sets[i]);
    }
    fputs("],\n  \"swept\": [", f);
    for (size_t k = 0; k < s->nvars; k++) {
        const cmc_sweep_var *v = &s->vars[k];
        fputs(k ? ",\n    {" : "\n    {", f);
        json_key(f, "name");
        cmc_fmt_json_string(f, v->name);
        fputs(", ", f);
        json_key(f, "unit");
        cmc_fmt_json_string(f, v->unit);
        fputs(", ", f);
        json_key(f, "description");
        cmc_fmt_json_string(f, v->description);
        fputs(", \"values\": [", f);
        for (size_t i = 0; i < v->n; i++) {
            fputs(i ? ", " : "", f);
            cmc_fmt_json_number(f, v->value[i]);
        }
        fputs("]}", f);
    }
    fputs("\n  ],\n  \"probability\": [", f);
    for (size_t j = 0; j < s->np; j++) {
        fputs(j ? ", " : "", f);
        cmc_fmt_json_number(f, s->p[j]);
    }
    fputs("],\n  \"outputs\": [", f);
    for (size_t oi = 0; oi < s->noutputs; oi++) {
        const cmc_sweep_output *o = &s->outputs[oi];
        fputs(oi ? ",\n    {" : "\n    {", f);
        json_key(f, "name");
        cmc_fmt_json_string(f, o->name);
        fputs(", ", f);
        json_key(f, "unit");
        cmc_fmt_json_string(f, o->unit);
        fputs(", ", f);
        json_key(f, "description");
        cmc_fmt_json_string(f, o->description);
        fputs("}", f);
    }
    fputs("\n  ],\n  \"points\": [", f);
    for (size_t i = 0; i < s->npoints; i++) {
        fprintf(f, "%s\n    {\"point\": %zu, \"values\": {", i ? "," : "", i);
        for (size_t k = 0; k < s->nvars; k++) {
            fputs(k ? ", " : "", f);
            json_key(f, s->vars[k].name);
            cmc_fmt_json_number(f, cmc_sweep_coord(s, k, i));
        }
        fputs("}, \"outputs\": {", f);
        for (size_t oi = 0; oi < s->noutputs; oi++) {
            const cmc_sweep_output *o = &s->outputs[oi];
            fputs(oi ? ",\n      " : "\n      ", f);
            json_key(f, o->name);
            fputs("{", f);
            const char *mk[] = {"mean", "mean_se", "std", "min", "max"};
            const double mv[] = {o->mean[i], o->mean_se[i], o->std[i], o->min[i], o->max[i]};
            for (int k = 0; k < 5; k++) {
                fprintf(f, "\"%s\": ", mk[k]);
                cmc_fmt_json_number(f, mv[k]);
                fputs(", ", f);
            }
            fprintf(f, "\"count\": %" PRIu64 ", \"nonfinite\": %" PRIu64 ", \"percentile\": {",
                    o->count[i], o->nonfinite[i]);
            for (size_t j = 0; j < s->np; j++) {
                char key[40];
                rep_shortest(key, sizeof key, s->p[j]);
                fprintf(f, "%s\"%s\": {\"value\": ", j ? ", " : "", key);
                cmc_fmt_json_number(f, o->value[i * s->np + j]);
                fputs(", \"ci_low\": ", f);
                cmc_fmt_json_number(f, o->ci_low[i * s->np + j]);
                fputs(", \"ci_high\": ", f);
                cmc_fmt_json_number(f, o->ci_high[i * s->np + j]);
                fputs(", \"resolution\": ", f);
                cmc_fmt_json_number(f, o->resolution[i * s->np + j]);
                fputs("}", f);
            }
            fputs("}}", f);
        }
        fputs("}}", f);
    }
    fputs("\n  ]\n}\n", f);
}

int cmc_sweep_report(FILE *f, const cmc_sweep *s, const char *format)
{
    if (!strcmp(format, "text") || !strcmp(format, "markdown"))
        text(f, s, !strcmp(format, "markdown"));
    else if (!strcmp(format, "latex"))
        latex(f, s);
    else if (!strcmp(format, "csv"))
        csv(f, s);
    else if (!strcmp(format, "json"))
        json(f, s);
    else
        return -1;
    return ferror(f) ? -2 : 0;
}
