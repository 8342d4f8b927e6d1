/*
 * table.c: `carbonmc table RUN.h5 ...`, the comparison table a paper prints: one
 * row per run (and per variant of a run), one column per output, each cell
 * "median [P5, P95]" (or the central interval asked for), in a display unit.
 *
 * Rounding. Each number is a percentile with a 95% Monte Carlo interval of width
 * w; it is resolved to the digit 10^d with d = floor(log10(w / 2)) (the last digit
 * shown is one that w spans at least twice, as in the text summary). A cell's
 * three numbers are shown to one digit, the coarsest any of them needs, so none
 * claims a digit another seed would change and the three line up. Cells are not
 * forced to one digit per column: one poorly resolved cell (GPT-4's bimodal
 * median, uncertain to +-1,500 t) would strip the digits every other run resolves.
 * Exact percentiles (width 0: an atom, a run without random inputs) do not limit
 * the digits; a cell of exact values shows four significant digits. A median keeps
 * one significant digit at least. There is no floor of three significant digits as
 * in the text summary: what a table prints is what the run resolves.
 *
 * Display unit. A unit whose text is a known base with an SI prefix (Wh, W, J,
 * FLOP, FLOP/s, B, g and t, the last two with a suffix such as CO2e) is rescaled
 * so that the largest median of its column lies in [1, 1000): kWh becomes GWh,
 * tCO2e ktCO2e (mass goes g, kg, t, kt, Mt, Gt). A divisor is kept: kWh/day may
 * become MWh/day, tCO2e/yr ktCO2e/yr. UDUNITS-2 confirms each rescaling's factor
 * (a unit it reads otherwise is shown as stored). Anything else (day, "", a
 * product such as kW*day) is shown as stored; gCO2e/kWh is rescaled only past
 * 1000 g. keep_units leaves every unit as stored.
 */
#include "table.h"
#include "diag.h"
#include "report_priv.h"
#include "units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cmc_table_formats[] = {"text", "markdown", "latex", "csv", NULL};

/* ---- Display units --------------------------------------------------------------- */

typedef struct prefix {
    const char *text;
    double factor;
} prefix;

static const prefix si[] = {{"", 1},       {"k", 1e3},   {"M", 1e6},
                            {"G", 1e9},    {"T", 1e12},  {"P", 1e15},
                            {"m", 1e-3},   {"\xc2\xb5", 1e-6}};
#define NSI (sizeof si / sizeof si[0])

/* The bases a prefix may precede; suffix: whether text may follow (CO2e). */
static const struct {
    const char *base;
    int suffix;
} bases[] = {{"FLOP/s", 0}, {"FLOP", 0}, {"Wh", 0}, {"W", 0}, {"J", 0}, {"B", 0},
             {"g", 1},      {"t", 1}};

typedef struct unit {
    int known;               /* a prefix and base were recognised */
    double to_base;          /* stored value x to_base = value in the base unit */
    char base[16], suffix[64];
    const char *per;         /* "/day" in kWh/day: kept as written after the new prefix */
    int mass;                /* g or t: grams are the base, tonnes a name for Mg */
} unit;

/* Split u into a prefixed base with an optional suffix (tCO2e) and an optional
   divisor ("/day", "/(GPU*h)"): only the head is re-prefixed, so kWh/day may show
   as MWh/day. Anything with a product, a power or a space in its head is left as
   stored. */
static void parse_unit(const char *u, unit *out)
{
    memset(out, 0, sizeof *out);
    out->to_base = 1;
    if (!u || !*u || strlen(u) > 60)
        return;
    const char *flops = strstr(u, "FLOP/s");   /* its '/' belongs to the head */
    const char *slash = strchr(flops && flops - u <= 2 ? flops + 6 : u, '/');
    size_t head = slash ? (size_t)(slash - u) : strlen(u);
    for (size_t i = 0; i < head; i++)
        if (strchr(" *()^.", u[i]))
            return;
    for (size_t p = 0; p < NSI; p++) {
        size_t lp = strlen(si[p].text);
        if (strncmp(u, si[p].text, lp))
            continue;
        for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
            size_t lb = strlen(bases[b].base);
            if (lp + lb > head || strncmp(u + lp, bases[b].base, lb))
                continue;
            const char *rest = u + lp + lb;
            size_t nrest = head - lp - lb;
            if (nrest && !bases[b].suffix)
                continue;
            /* a suffix must not start like a unit of its own ("gal", "ton") */
            if (nrest && !(rest[0] >= 'A' && rest[0] <= 'Z'))
                continue;
            out->known = 1;
            out->mass = bases[b].suffix;
            out->to_base = si[p].factor * (!strcmp(bases[b].base, "t") ? 1e6 : 1);
            snprintf(out->base, sizeof out->base, "%s", out->mass ? "g" : bases[b].base);
            snprintf(out->suffix, sizeof out->suffix, "%.*s", (int)nrest, rest);
            out->per = u + head;
            return;
        }
    }
}

/* UDUNITS-2 confirms a rescaled unit: a value in `stored` times `factor` is the
   value in `shown` (so "kWh/day" -> "MWh/day" is 1e-3, and a unit the reasoning
   above misreads is shown as stored). */
static int confirmed(const char *stored, const char *shown, double factor)
{
    cmc_unit_pool *pool = cmc_unit_pool_new();
    char msg[256] = "";
    cmc_unit *a = pool ? cmc_unit_parse(pool, stored, msg, sizeof msg) : NULL;
    cmc_unit *b = a ? cmc_unit_parse(pool, shown, msg, sizeof msg) : NULL;
    double f = a && b ? cmc_unit_factor(a, b) : 0;
    cmc_unit_pool_free(pool);
    return f > 0 && fabs(f / factor - 1) < 1e-9;
}

/* The display unit for values whose largest magnitude (in the stored unit) is
   big: text in name, and the factor stored values are divided by. */
static double display_unit(const char *stored, double big, int keep, char *name, size_t size)
{
    unit u;
    parse_unit(stored, &u);
    snprintf(name, size, "%s", stored ? stored : "");
    if (keep || !u.known || !(big > 0) || !isfinite(big))
        return 1;
    double x = big * u.to_base;   /* in the base unit (grams for mass) */
    static const prefix mass[] = {{"g", 1},     {"kg", 1e3}, {"t", 1e6},
                                  {"kt", 1e9},  {"Mt", 1e12}, {"Gt", 1e15}};
    static const prefix up[] = {{"", 1},     {"k", 1e3},   {"M", 1e6},  {"G", 1e9},
                                {"T", 1e12}, {"P", 1e15}};
    const prefix *tab = u.mass ? mass : up;
    size_t n = u.mass ? sizeof mass / sizeof *mass : sizeof up / sizeof *up;
    size_t pick = 0;
    for (size_t i = 0; i < n; i++)
        if (x >= tab[i].factor * (1 - 1e-12))
            pick = i;
    if (x < 1 || x >= tab[n - 1].factor * 1000)   /* outside the prefixes: as stored */
        return 1;
    char shown[96];
    if (u.mass)
        snprintf(shown, sizeof shown, "%s%s%s", tab[pick].text, u.suffix, u.per);
    else
        snprintf(shown, sizeof shown, "%s%s%s", tab[pick].text, u.base, u.per);
    double scale = tab[pick].factor / u.to_base;
    if (!strcmp(shown, stored))
        return 1;
    if (!confirmed(stored, shown, 1 / scale))
        return 1;
    snprintf(name, size, "%s", shown);
    return scale;
}

/* ---- Cells ------------------------------------------------------------------------ */

typedef struct cell {
    int ok;
    double v[3];   /* median, low, high, in the display unit */
    double w[3];   /* their Monte Carlo interval widths, in the display unit */
    int d;         /* the digit shown */
} cell;

static int find(const cmc_stat *s, double p)
{
    return s ? rep_find_p(s, p) : -1;
}

/* The digit that resolves width w, or INT_MIN-ish when w is 0 (exact). */
#define EXACT (-1000)
static int digit_of(double w)
{
    if (!(w > 0) || !isfinite(w))
        return EXACT;
    return (int)floor(log10(w / 2));
}

/* ---- The table -------------------------------------------------------------------- */

typedef struct trow {
    char label[600];
    int variant;                 /* a variant's row (indented) */
    const cmc_stat **col;        /* [ncol], NULL where the run lacks the output */
} trow;

static const cmc_stat *stat_named(const cmc_stat *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s[i].name, name))
            return &s[i];
    return NULL;
}

static void num(char *out, size_t size, double x, int d, style st)
{
    rep_fmt_at_e(out, size, x, d, 0, st, 16);
}

/* "co2_t" -> its description if it has one; the header of a column. */
static const char *col_title(const cmc_stat *s)
{
    return s->description && s->description[0] ? s->description : s->name;
}

int cmc_table(FILE *f, const cmc_results *const *runs, const char *const *labels, size_t n,
              const cmc_table_options *o, cmc_diags *d)
{
    cmc_table_options none = {0};
    if (!o)
        o = &none;
    const char *fmt = o->format ? o->format : "text";
    double interval = o->interval > 0 ? o->interval : 90;
    if (!(interval > 0 && interval < 100)) {
        cmc_error(d, NULL, "--interval must be a percentage between 0 and 100, got %g",
                  interval);
        return -1;
    }
    double plo = (100 - interval) / 200, phi = 1 - plo;
    int rc = -1;

    /* the columns: the outputs asked for, else those of the first run */
    const char *names[256];
    size_t ncol = 0;
    char *list = o->outputs ? strdup(o->outputs) : NULL;
    if (o->outputs && !list) {
        cmc_error(d, NULL, "out of memory");
        return -1;
    }
    if (list) {
        for (char *t = strtok(list, ","); t && ncol < 256; t = strtok(NULL, ","))
            names[ncol++] = t;
    } else {
        for (size_t i = 0; i < runs[0]->noutputs && ncol < 256; i++)
            names[ncol++] = runs[0]->outputs[i].name;
    }
    size_t nrows = 0;
    for (size_t k = 0; k < n; k++)
        nrows += 1 + runs[k]->nvariants;
    trow *rows = calloc(nrows ? nrows : 1, sizeof *rows);
    cell *cells = calloc((nrows ? nrows : 1) * (ncol ? ncol : 1), sizeof *cells);
    const cmc_stat **cols = calloc((nrows ? nrows : 1) * (ncol ? ncol : 1), sizeof *cols);
    double *scale = calloc(ncol ? ncol : 1, sizeof *scale);
    char (*unit)[96] = calloc(ncol ? ncol : 1, sizeof *unit);
    const cmc_stat **first = calloc(ncol ? ncol : 1, sizeof *first);
    if (!rows || !cells || !cols || !scale || !unit || !first) {
        cmc_error(d, NULL, "out of memory");
        goto out;
    }
    if (!ncol) {
        cmc_error(d, NULL, "no outputs to tabulate");
        goto out;
    }

    /* rows: each run, then its variants */
    size_t r = 0;
    for (size_t k = 0; k < n; k++) {
        const cmc_results *run = runs[k];
        const char *t = run->title && run->title[0] ? run->title : labels[k];
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            dup |= j != k && runs[j]->title && !strcmp(runs[j]->title, t);
        if (dup)
            snprintf(rows[r].label, sizeof rows[r].label, "%s (%s)", t, labels[k]);
        else
            snprintf(rows[r].label, sizeof rows[r].label, "%s", t);
        rows[r].col = cols + r * ncol;
        for (size_t c = 0; c < ncol; c++)
            rows[r].col[c] = stat_named(run->outputs, run->noutputs, names[c]);
        r++;
        for (size_t v = 0; v < run->nvariants; v++, r++) {
            const cmc_variant_result *vr = &run->variants[v];
            snprintf(rows[r].label, sizeof rows[r].label, "%s",
                     vr->label && vr->label[0] ? vr->label : vr->name);
            rows[r].variant = 1;
            rows[r].col = cols + r * ncol;
            for (size_t c = 0; c < ncol; c++)
                rows[r].col[c] = stat_named(vr->outputs, vr->noutputs, names[c]);
        }
    }
    for (size_t c = 0; c < ncol; c++) {
        int any = 0;
        for (size_t i = 0; i < nrows; i++)
            if (rows[i].col[c]) {
                any = 1;
                if (!first[c])
                    first[c] = rows[i].col[c];
                const cmc_stat *s = rows[i].col[c];
                if (find(s, 0.5) < 0 || find(s, plo) < 0 || find(s, phi) < 0) {
                    char a[32], b[32];
                    rep_p_label(a, sizeof a, plo);
                    rep_p_label(b, sizeof b, phi);
                    cmc_error(d, NULL, "'%s' of %s has no %s, P50 and %s stored (run it with "
                              "--percentiles holding %g, 0.5 and %g, or choose another "
                              "--interval)", s->name, rows[i].label, a, b, plo, phi);
                    goto out;
                }
            }
        if (!any) {
            cmc_error(d, NULL, "no run has an output named '%s'", names[c]);
            goto out;
        }
    }

    /* display units, then the digits of each cell and column */
    for (size_t c = 0; c < ncol; c++) {
        double big = 0;
        for (size_t i = 0; i < nrows; i++) {
            const cmc_stat *s = rows[i].col[c];
            if (s && isfinite(s->value[find(s, 0.5)]))
                big = fmax(big, fabs(s->value[find(s, 0.5)]));
        }
        scale[c] = display_unit(first[c]->unit, big, o->keep_units, unit[c], sizeof unit[c]);
        for (size_t i = 0; i < nrows; i++) {
            const cmc_stat *s = rows[i].col[c];
            cell *ce = &cells[i * ncol + c];
            if (!s)
                continue;
            const int idx[3] = {find(s, 0.5), find(s, plo), find(s, phi)};
            ce->ok = 1;
            int dd = EXACT;
            for (int j = 0; j < 3; j++) {
                ce->v[j] = s->value[idx[j]] / scale[c];
                ce->w[j] = (s->ci_high[idx[j]] - s->ci_low[idx[j]]) / scale[c];
                int dj = digit_of(ce->w[j]);
                dd = dj > dd ? dj : dd;
            }
            double m = fabs(ce->v[0]);
            int e = m > 0 && isfinite(m) ? rep_exponent_of(m) : 0;
            if (dd == EXACT)   /* every number exact: four significant digits */
                dd = e - 3;
            if (dd > e)   /* one significant digit of the median at least */
                dd = e;
            ce->d = dd;
        }
    }

    int latex = !strcmp(fmt, "latex"), md = !strcmp(fmt, "markdown"), csv = !strcmp(fmt, "csv");
    style st = latex ? LATEX : PLAIN;
    char ilab[32], lo[32], hi[32];
    snprintf(ilab, sizeof ilab, "%g%%", interval);
    rep_p_label(lo, sizeof lo, plo);
    rep_p_label(hi, sizeof hi, phi);
    /* every cell's text */
    char (*text)[200] = calloc(nrows * ncol, sizeof *text);
    if (!text) {
        cmc_error(d, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nrows; i++)
        for (size_t c = 0; c < ncol; c++) {
            cell *ce = &cells[i * ncol + c];
            char a[64], b[64], m[64];
            if (!ce->ok) {
                snprintf(text[i * ncol + c], 200, "%s", latex ? "--" : "-");
                continue;
            }
            num(m, sizeof m, ce->v[0], ce->d, st);
            num(a, sizeof a, ce->v[1], ce->d, st);
            num(b, sizeof b, ce->v[2], ce->d, st);
            snprintf(text[i * ncol + c], 200, "%s [%s, %s]", m, a, b);
        }

    if (csv) {
        fputs("run,variant,output,unit,median,low,high,p_low,p_high\n", f);
        size_t run = 0;
        for (size_t i = 0; i < nrows; i++) {
            if (!rows[i].variant)
                run = i;
            for (size_t c = 0; c < ncol; c++) {
                cell *ce = &cells[i * ncol + c];
                if (!ce->ok)
                    continue;
                char v[3][40];
                for (int j = 0; j < 3; j++)
                    rep_shortest(v[j], sizeof v[j], ce->v[j]);
                rep_csv_field(f, rows[run].label);
                fputc(',', f);
                rep_csv_field(f, rows[i].variant ? rows[i].label : "");
                fputc(',', f);
                rep_csv_field(f, names[c]);
                fputc(',', f);
                rep_csv_field(f, unit[c]);
                fprintf(f, ",%s,%s,%s,%g,%g\n", v[0], v[1], v[2], plo, phi);
            }
        }
    } else if (latex) {
        fprintf(f, "%% carbonmc table: median [%s, %s] (%s interval) of each output; every\n"
                   "%% number rounded to its Monte Carlo error. Needs \\usepackage{booktabs}.\n"
                   "\\begin{tabular}{l", lo, hi, ilab);
        for (size_t c = 0; c < ncol; c++)
            fputc('r', f);
        fputs("}\n\\toprule\nRun", f);
        for (size_t c = 0; c < ncol; c++) {
            fputs(" & ", f);
            rep_tex_unit(f, col_title(first[c]));
            if (unit[c][0]) {
                fputs(" (", f);
                rep_tex_unit(f, unit[c]);
                fputc(')', f);
            }
        }
        fputs(" \\\\\n\\midrule\n", f);
        for (size_t i = 0; i < nrows; i++) {
            if (rows[i].variant)
                fputs("\\quad ", f);
            rep_tex_unit(f, rows[i].label);   /* formulas subscripted in text too */
            for (size_t c = 0; c < ncol; c++)
                fprintf(f, " & %s", text[i * ncol + c]);
            fputs(" \\\\\n", f);
        }
        fprintf(f, "\\bottomrule\n\\multicolumn{%zu}{l}{\\footnotesize Median [%s, %s]; "
                   "Monte Carlo error below the last digit shown.}\n\\end{tabular}\n",
                ncol + 1, lo, hi);
    } else if (md) {
        fputs("| run |", f);
        for (size_t c = 0; c < ncol; c++) {
            fputc(' ', f);
            rep_md_text(f, col_title(first[c]));
            if (unit[c][0]) {
                fputs(" [", f);
                rep_md_text(f, unit[c]);
                fputc(']', f);
            }
            fputs(" |", f);
        }
        fputs("\n|:--|", f);
        for (size_t c = 0; c < ncol; c++)
            fputs("--:|", f);
        fputc('\n', f);
        for (size_t i = 0; i < nrows; i++) {
            fputs(rows[i].variant ? "| \xe2\x80\x83" : "| ", f);
            rep_md_text(f, rows[i].label);
            fputs(" |", f);
            for (size_t c = 0; c < ncol; c++)
                fprintf(f, " %s |", text[i * ncol + c]);
            fputc('\n', f);
        }
        fprintf(f, "\nMedian [%s, %s] (%s interval); every number rounded to its Monte Carlo "
                   "error.\n", lo, hi, ilab);
    } else {
        size_t wl = 3;
        for (size_t i = 0; i < nrows; i++) {
            size_t l = strlen(rows[i].label) + 2 * (size_t)rows[i].variant;
            wl = l > wl ? l : wl;
        }
        size_t *wc = calloc(ncol, sizeof *wc);
        char (*head)[400] = calloc(ncol, sizeof *head);
        if (!wc || !head) {
            free(wc);
            free(head);
            free(text);
            cmc_error(d, NULL, "out of memory");
            goto out;
        }
        for (size_t c = 0; c < ncol; c++) {
            if (unit[c][0])
                snprintf(head[c], sizeof head[c], "%s [%s]", names[c], unit[c]);
            else
                snprintf(head[c], sizeof head[c], "%s", names[c]);
            wc[c] = strlen(head[c]);
            for (size_t i = 0; i < nrows; i++)
                wc[c] = strlen(text[i * ncol + c]) > wc[c] ? strlen(text[i * ncol + c]) : wc[c];
        }
        fprintf(f, "%-*s", (int)wl, "");
        for (size_t c = 0; c < ncol; c++)
            fprintf(f, "   %*s", (int)wc[c], head[c]);
        fputc('\n', f);
        for (size_t i = 0; i < nrows; i++) {
            fprintf(f, "%s%-*s", rows[i].variant ? "  " : "",
                    (int)(wl - 2 * (size_t)rows[i].variant), rows[i].label);
            for (size_t c = 0; c < ncol; c++)
                fprintf(f, "   %*s", (int)wc[c], text[i * ncol + c]);
            fputc('\n', f);
        }
        fprintf(f, "\nmedian [%s, %s] (%s interval); every number rounded to its Monte Carlo "
                   "error\n", lo, hi, ilab);
        free(wc);
        free(head);
    }
    free(text);
    rc = ferror(f) || fflush(f) != 0 ? -1 : 0;
    if (rc < 0)
        cmc_error(d, NULL, "cannot write the table");
out:
    free(list);
    free(rows);
    free(cells);
    free(cols);
    free(scale);
    free(unit);
    free(first);
    return rc;
}
