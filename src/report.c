/*
 * report.c: the summary of a run in five formats, and the number formatting the
 * CLI shares (report.h). Part of the `carbonmc` program, not of libcarbonmc.
 *
 * Machine formats (json, csv) carry every number at full precision: the shortest
 * decimal text that reads back as exactly the same double. Formats for people
 * (text, markdown, latex) round, and the rounding follows the Monte Carlo error
 * rather than a fixed number of digits: a percentile is shown to the digit at which
 * its 95% Monte Carlo interval spans at least two units (so a value that another
 * seed would move by ±300 is not printed to the unit), never with fewer than 3 or
 * more than 10 significant digits; its interval bounds are shown to the same digit.
 * The mean is rounded by its own interval (mean ± 1.96 standard errors). Numbers
 * group thousands ("51,772,500", LaTeX "51{,}772{,}500") and switch to exponent
 * form outside [1e-4, 1e12). Statistics are looked up by probability, so a run
 * with its own --percentiles shows what it has and nothing is made up.
 */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const cmc_report_formats[] = {"text", "json", "csv", "markdown", "latex", NULL};

/* ---- Numbers --------------------------------------------------------------------- */

typedef enum style { PLAIN, LATEX } style;

/* The decimal exponent of x (finite, non-zero): 12456 -> 4, 0.05 -> -2. */
static int exponent_of(double x)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.16e", fabs(x));
    const char *e = strchr(buf, 'e');
    return e ? atoi(e + 1) : 0;
}

static void strip_zeros(char *s)
{
    char *dot = strchr(s, '.');
    if (!dot)
        return;
    char *end = s + strlen(s);
    while (end > dot + 1 && end[-1] == '0')
        end--;
    if (end == dot + 1)
        end = dot;
    *end = '\0';
}

/* Append to out (size) without overflowing; out stays NUL-terminated. */
static void put(char *out, size_t size, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n >= size)
        n = *len < size ? size - *len - 1 : 0;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
}

/* x rounded to a multiple of 10^d; strip drops trailing zeros of the fraction.
   Exponent form (1.5e12) when the rounded exponent is >= emax or < -4. */
static void fmt_at_e(char *out, size_t size, double x, int d, int strip, style st, int emax)
{
    size_t len = 0;
    if (size == 0)
        return;
    out[0] = '\0';
    if (isnan(x)) {
        put(out, size, &len, st == LATEX ? "NaN" : "nan");
        return;
    }
    if (isinf(x)) {
        put(out, size, &len, st == LATEX ? (x < 0 ? "$-\\infty$" : "$\\infty$")
                                         : (x < 0 ? "-inf" : "inf"));
        return;
    }
    if (d < -400)   /* beyond any double's digits; keeps num[] and pow() in range */
        d = -400;
    if (d > 300)
        d = 300;
    char num[420];
    int sig = x != 0 ? exponent_of(x) - d + 1 : 0;
    if (sig >= 1) {
        /* the exponent after rounding to sig digits decides the form */
        snprintf(num, sizeof num, "%.*e", sig > 17 ? 16 : sig - 1, x);
        char *e = strchr(num, 'e');
        int ex = e ? atoi(e + 1) : 0;
        if (e && (ex >= emax || ex < -4)) {
            *e = '\0';
            if (strip)
                strip_zeros(num);
            char tail[32];
            if (st == LATEX) {
                snprintf(tail, sizeof tail, "\\times10^{%d}$", ex);
                put(out, size, &len, "$");
            } else {
                snprintf(tail, sizeof tail, "e%d", ex);
            }
            put(out, size, &len, num);
            put(out, size, &len, tail);
            return;
        }
    }
    if (d > 0) {
        double s = pow(10, d);
        snprintf(num, sizeof num, "%.0f", round(x / s) * s);
    } else {
        snprintf(num, sizeof num, "%.*f", -d, x);
    }
    if (strip)
        strip_zeros(num);
    const char *p = num;
    int neg = *p == '-';
    p += neg;
    if (neg && strspn(p, "0.") != strlen(p))   /* no "-0.00" */
        put(out, size, &len, st == LATEX ? "$-$" : "-");
    size_t nint = strcspn(p, ".");
    for (size_t i = 0; i < nint; i++) {
        char c[2] = {p[i], '\0'};
        put(out, size, &len, c);
        if (i + 1 < nint && (nint - i - 1) % 3 == 0)
            put(out, size, &len, st == LATEX ? "{,}" : ",");
    }
    put(out, size, &len, p + nint);
}

static void fmt_at(char *out, size_t size, double x, int d, int strip, style st)
{
    fmt_at_e(out, size, x, d, strip, st, 12);
}

void cmc_fmt_sig(char *out, size_t size, double x, int sig, int emax)
{
    int d = isfinite(x) && x != 0 ? exponent_of(x) - sig + 1 : 0;
    fmt_at_e(out, size, x, d, 1, PLAIN, emax);
}

void cmc_fmt_human(char *out, size_t size, double x)
{
    fmt_at(out, size, x, isfinite(x) && x != 0 ? exponent_of(x) - 9 : 0, 1, PLAIN);
}

/* The shortest decimal that reads back as exactly x (the correctly rounded n-digit
   decimal is the nearest one, so the first n that round-trips is the least), laid
   out like Python's repr: plain digits for exponents -4..15, else "5e-324". */
static void shortest(char *out, size_t size, double x)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    char *e = strchr(buf, 'e');
    int ex = e ? atoi(e + 1) : 0;
    if (!e || ex < -4 || ex >= 16) {
        snprintf(out, size, "%s", buf);
        return;
    }
    char digits[24];
    size_t n = 0;
    const char *p = buf + (buf[0] == '-');
    for (; p < e && n < sizeof digits - 1; p++)
        if (*p != '.')
            digits[n++] = *p;
    digits[n] = '\0';
    char *o = out, *end = out + size - 1;
#define OUT(c) do { if (o < end) *o++ = (c); } while (0)
    if (buf[0] == '-')
        OUT('-');
    if (ex < 0) {
        OUT('0');
        OUT('.');
        for (int i = 0; i < -ex - 1; i++)
            OUT('0');
        for (size_t i = 0; i < n; i++)
            OUT(digits[i]);
    } else {
        for (int i = 0; i <= ex; i++)
            OUT((size_t)i < n ? digits[i] : '0');
        if ((size_t)ex + 1 < n) {
            OUT('.');
            for (size_t i = (size_t)ex + 1; i < n; i++)
                OUT(digits[i]);
        }
    }
#undef OUT
    *o = '\0';
}

void cmc_fmt_json_number(FILE *f, double x)
{
    char buf[40];
    if (!isfinite(x)) {   /* JSON has no NaN or infinity: strings that say which */
        fputs(isnan(x) ? "\"nan\"" : x > 0 ? "\"inf\"" : "\"-inf\"", f);
        return;
    }
    if (x == 0 && signbit(x)) {   /* "-0" would read back as the integer 0 */
        fputs("-0.0", f);
        return;
    }
    shortest(buf, sizeof buf, x);
    fputs(buf, f);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    int n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (n == 0 || s[0] > 0xf4)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

void cmc_fmt_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned char c = *p;
        int n = utf8_len(p);
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\r') {
            fputs("\\r", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
        } else if (n == 0) {
            fputs("\\ufffd", f);
            p++;
            continue;
        } else {
            fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        }
        p++;
    }
    fputc('"', f);
}

/* ---- Rounding by Monte Carlo error ---------------------------------------------- */

typedef struct shown {
    int d;       /* the last digit shown is 10^d */
    int strip;   /* nothing limits the digits: show up to 10, without trailing zeros */
} shown;

/* Clamp d to 3..10 significant digits of v. */
static int clamp_digits(double v, int d)
{
    if (!isfinite(v) || v == 0)
        return d;
    int e = exponent_of(v);
    return d < e - 9 ? e - 9 : d > e - 2 ? e - 2 : d;
}

/* The digits to show of v whose 95% Monte Carlo interval has width w: the last
   digit is the largest power of ten that w spans at least twice. */
static shown resolution(double v, double w)
{
    shown s = {0, 0};
    if (isfinite(w) && w / 2 > 0 && isfinite(log10(w / 2))) {
        s.d = (int)floor(log10(w / 2));
    } else {
        s.strip = 1;
        s.d = isfinite(v) && v != 0 ? exponent_of(v) - 9 : 0;
    }
    s.d = clamp_digits(v, s.d);
    return s;
}

static void fmt_shown(char *out, size_t size, double x, shown s, style st)
{
    fmt_at(out, size, x, s.d, s.strip, st);
}

/* Index of probability p in s, or -1. */
static int find_p(const cmc_stat *s, double p)
{
    for (size_t i = 0; i < s->npercentiles; i++)
        if (fabs(s->p[i] - p) < 1e-9)
            return (int)i;
    return -1;
}

static void p_label(char *out, size_t size, double p)
{
    snprintf(out, size, "P%g", p * 100);
}

/* The digits of percentile i alone: to the digit its interval resolves; an
   interval of zero width is an exact value (an atom, a constant, a short run's
   order statistic: zoom.c), shown whole, like 240.6. */
static shown percentile_digits(const cmc_stat *s, size_t i)
{
    return resolution(s->value[i], s->ci_high[i] - s->ci_low[i]);
}

static double rounded_at(double v, shown sh)
{
    return sh.strip ? v : round(v / pow(10, sh.d)) * pow(10, sh.d);
}

/* The digits percentile i is shown with: its own, unless rounding each percentile
   to its own digits would print them out of order (a median below P5: percentiles
   whose intervals differ much in width, next to each other); then every percentile
   of s gets the finest digit any of them has, which keeps the order. */
static shown percentile_shown(const cmc_stat *s, size_t i)
{
    shown own = percentile_digits(s, i), finest = own;
    int ordered = 1;
    double prev = -INFINITY;
    for (size_t j = 0; j < s->npercentiles; j++) {
        shown sj = percentile_digits(s, j);
        if (!isfinite(s->value[j]))
            continue;
        double r = rounded_at(s->value[j], sj);
        ordered &= r >= prev;
        prev = r;
        if (sj.strip || (!finest.strip && sj.d < finest.d))
            finest = sj;
    }
    if (ordered || own.strip)
        return own;
    return (shown){clamp_digits(s->value[i], finest.strip ? exponent_of(s->value[i]) - 9 : finest.d),
                   finest.strip};
}

/* Percentile i of s for people: its value and interval bounds, all to the digit
   the interval resolves (percentile_shown). */
static void fmt_percentile(const cmc_stat *s, int i, char *value, char *lo, char *hi,
                           size_t size, style st)
{
    shown sh = percentile_shown(s, (size_t)i);
    fmt_shown(value, size, s->value[i], sh, st);
    fmt_shown(lo, size, s->ci_low[i], sh, st);
    fmt_shown(hi, size, s->ci_high[i], sh, st);
}

static shown mean_resolution(const cmc_stat *s)
{
    return resolution(s->mean, 2 * 1.959963984540054 * s->mean_se);
}

/* The percentiles text shows by name: the median and two central intervals. */
static const double standard_p[] = {0.5, 0.05, 0.95, 0.025, 0.975};
#define NSTANDARD (sizeof standard_p / sizeof standard_p[0])

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
        p_label(r->sub, sizeof r->sub, s->p[i]);
    fmt_percentile(s, i, r->value, lo, hi, sizeof lo, PLAIN);
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

    int med = find_p(s, 0.5);
    if (med >= 0)
        percentile_row(rows, &n, "median", s, med);
    row *r = add_row(rows, &n, "mean");
    shown ms = mean_resolution(s);
    fmt_shown(r->value, sizeof r->value, s->mean, ms, PLAIN);
    if (isfinite(s->mean_se) && s->count > 0) {
        double h = 1.959963984540054 * s->mean_se;
        fmt_shown(lo, sizeof lo, s->mean - h, ms, PLAIN);
        fmt_shown(hi, sizeof hi, s->mean + h, ms, PLAIN);
        fmt_at(num, sizeof num, s->mean_se,
               s->mean_se > 0 ? exponent_of(s->mean_se) - 1 : 0, s->mean_se == 0, PLAIN);
        snprintf(r->mc, sizeof r->mc, "%s to %s (standard error %s)", lo, hi, num);
    }
    static const char *const intervals[] = {"90% interval", "95% interval"};
    int missing = med < 0;
    for (int k = 0; k < 2; k++) {
        int a = find_p(s, standard_p[1 + 2 * k]), b = find_p(s, standard_p[2 + 2 * k]);
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
            for (size_t j = 0; j < NSTANDARD; j++)
                standard |= fabs(s->p[i] - standard_p[j]) < 1e-9;
            if (!standard) {
                percentile_row(rows, &n, first ? "percentiles" : "", s, (int)i);
                first = 0;
            }
        }
    }
    r = add_row(rows, &n, "std");
    fmt_at(r->value, sizeof r->value, s->std,
           isfinite(s->std) && s->std != 0 ? exponent_of(s->std) - 2 : 0, s->std == 0, PLAIN);
    /* min and max to the digit of the median (or the mean) */
    shown ref = med >= 0 ? percentile_shown(s, (size_t)med) : ms;
    static const char *const ext[] = {"min", "max"};
    for (int k = 0; k < 2; k++) {
        double v = k ? s->max : s->min;
        shown sh = {clamp_digits(v, ref.d), ref.strip};
        r = add_row(rows, &n, ext[k]);
        fmt_shown(r->value, sizeof r->value, v, sh, PLAIN);
    }
    if (s->nonfinite) {
        r = add_row(rows, &n, "nonfinite");
        snprintf(r->value, sizeof r->value, "%" PRIu64, s->nonfinite);
        fmt_at(num, sizeof num, (double)(s->count + s->nonfinite), 0, 1, PLAIN);
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
        int m = find_p(s, 0.5), a = find_p(s, 0.05), b = find_p(s, 0.95);
        if (m >= 0)
            fmt_percentile(s, m, med[i], lo, hi, sizeof lo, PLAIN);
        else
            snprintf(med[i], sizeof med[i], "-");
        if (a >= 0)   /* the bound itself, its own Monte Carlo interval unused */
            fmt_percentile(s, a, lo, v, x, sizeof lo, PLAIN);
        if (b >= 0)
            fmt_percentile(s, b, hi, v, x, sizeof lo, PLAIN);
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

/* One row of a variants table: median and 90% interval, to the Monte Carlo digit. */
static void variant_row(FILE *f, int w, const char *label, const cmc_stat *s)
{
    char med[64] = "-", lo[64] = "-", hi[64] = "-", a[64], b[64];
    int m = find_p(s, 0.5), i5 = find_p(s, 0.05), i95 = find_p(s, 0.95);
    if (m >= 0)
        fmt_percentile(s, m, med, a, b, sizeof med, PLAIN);
    if (i5 >= 0)
        fmt_percentile(s, i5, lo, a, b, sizeof lo, PLAIN);
    if (i95 >= 0)
        fmt_percentile(s, i95, hi, a, b, sizeof hi, PLAIN);
    fprintf(f, "  %-*s %12s   %s to %s", w, label, med, lo, hi);
    if (s->nonfinite)
        fprintf(f, "   (%" PRIu64 " not finite)", s->nonfinite);
    fputc('\n', f);
}

/* Per output: each variant's median and 90% interval, then each one's difference
   and ratio with the reference, sample by sample, and P(variant > reference). */
static void text_variants(FILE *f, const cmc_results *r)
{
    if (!r->nvariants)
        return;
    const char *ref = r->variants[0].name;
    fprintf(f, "\nvariants, on common random numbers; compared sample by sample with %s\n", ref);
    for (size_t v = 0; v < r->nvariants; v++)
        if (r->variants[v].label && r->variants[v].label[0])
            fprintf(f, "  %-16s %s\n", r->variants[v].name, r->variants[v].label);
    int w = 16;
    for (size_t v = 0; v < r->nvariants; v++) {
        int n = (int)(strlen(r->variants[v].name) + strlen(ref)) + 3;
        w = n > w ? n : w;
    }
    for (size_t o = 0; o < r->variants[0].noutputs; o++) {
        const cmc_stat *s0 = &r->variants[0].outputs[o];
        fprintf(f, "\n%s", s0->name);
        if (s0->unit && s0->unit[0])
            fprintf(f, " [%s]", s0->unit);
        fprintf(f, "\n  %-*s %12s   %s\n", w, "", "median", "90% interval");
        for (size_t v = 0; v < r->nvariants; v++) {
            const cmc_variant_result *vr = &r->variants[v];
            for (size_t i = 0; i < vr->noutputs; i++)
                if (!strcmp(vr->outputs[i].name, s0->name))
                    variant_row(f, w, vr->name, &vr->outputs[i]);
        }
        for (size_t v = 1; v < r->nvariants; v++) {
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
                cmc_fmt_sig(p, sizeof p, pr->p_greater, 3, 12);
                cmc_fmt_sig(lo, sizeof lo, pr->p_greater_ci_low, 2, 12);
                cmc_fmt_sig(hi, sizeof hi, pr->p_greater_ci_high, 2, 12);
                fprintf(f, "  P(%s > %s) = %s (95%% interval %s to %s)\n", vr->name,
                        pr->reference, p, lo, hi);
            }
        }
    }
}

void cmc_sens_order(const cmc_sensitivity *se, size_t *order)
{
    size_t k = se->ninputs;
    for (size_t j = 0; j < k; j++)
        order[j] = j;
    const double *st = se->value[CMC_SENS_SOBOL_TOTAL];
    for (size_t i = 1; i < k; i++)   /* insertion sort: stable, k is small */
        for (size_t j = i; j > 0; j--) {
            double a = st[order[j - 1]], b = st[order[j]];
            if (!(isnan(a) ? !isnan(b) : b > a))
                break;
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

/* x, with what would print as -0.000 made 0 */
static double z3(double x)
{
    return fabs(x) < 5e-4 ? 0.0 : x;
}

/* "0.909 [0.905, 0.913]", three decimals (indices live in [-1, 1] or near it). */
static void fmt_ci3(char *out, size_t size, const cmc_sensitivity *se, int e, size_t j)
{
    double v = se->value[e][j], lo = se->ci_low[e][j], hi = se->ci_high[e][j];
    if (isnan(v))
        snprintf(out, size, "n/a");
    else
        snprintf(out, size, "%.3f [%.3f, %.3f]", z3(v), z3(lo), z3(hi));
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
        fmt_at(n, sizeof n, (double)se->samples, 0, 1, PLAIN);
        fmt_at(runs, sizeof runs, (double)se->samples * (double)(k + 2), 0, 1, PLAIN);
        fprintf(f, "\nsensitivity of %s (Sobol design: %s model runs; by total index)\n",
                se->output, runs);
        int w = 5;
        for (size_t j = 0; j < k; j++)
            w = (int)strlen(se->input[j]) > w ? (int)strlen(se->input[j]) : w;
        fprintf(f, "  %-*s  %-22s  %-22s  %-22s  %-22s  %s\n", w, "input", "Spearman",
                "share of Var(ln)", "Sobol first order", "Sobol total", "swing P5 to P95");
        for (size_t jj = 0; jj < k; jj++) {
            size_t j = order[jj];
            char c[CMC_SENS_NEST][80], lo[64], hi[64];
            for (int e = 0; e < CMC_SENS_NEST; e++)
                fmt_ci3(c[e], sizeof c[e], se, e, j);
            cmc_fmt_sig(lo, sizeof lo, se->swing_low[j], 4, 12);
            cmc_fmt_sig(hi, sizeof hi, se->swing_high[j], 4, 12);
            fprintf(f, "  %-*s  %-22s  %-22s  %-22s  %-22s  %s to %s\n", w, se->input[j], c[0],
                    c[1], c[2], c[3], lo, hi);
        }
        char base[64];
        cmc_fmt_sig(base, sizeof base, se->swing_base, 4, 12);
        fprintf(f, "  (swings: the others at their medians, where %s = %s", se->output, base);
        if (se->skipped)
            fprintf(f, "; %" PRIu64 " Sobol rows left out as not finite", se->skipped);
        fprintf(f, ")\n");
        (void)n;
        free(order);
    }
}

static void report_text(FILE *f, const cmc_results *r)
{
    char n[64];
    if (r->title && r->title[0])
        fprintf(f, "%s\n", r->title);
    fmt_at(n, sizeof n, (double)r->samples, 0, 1, PLAIN);
    fprintf(f, "%s samples, seed %" PRIu64, n, r->seed);
    if (r->method && r->method[0] && r->rng && r->rng[0])
        fprintf(f, " (%s, %s)", r->method, r->rng);
    fputc('\n', f);
    for (size_t i = 0; i < r->noutputs; i++)
        text_stat(f, &r->outputs[i]);
    text_inputs(f, r);
    text_sensitivity(f, r);
    text_variants(f, r);
}

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
        fputs(q->npercentiles ? "\n      ]\n    }" : "]\n    }", f);
    }
}

static void json_variants(FILE *f, const cmc_results *r)
{
    fputs(",\n  \"variants\": {", f);
    for (size_t v = 0; v < r->nvariants; v++) {
        const cmc_variant_result *vr = &r->variants[v];
        fputs(v ? ",\n  " : "\n  ", f);
        cmc_fmt_json_string(f, vr->name);
        fputs(": {\"label\": ", f);
        cmc_fmt_json_string(f, vr->label);
        fputs(", \"outputs\": ", f);
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
        fputs(",\n      \"swing_low\": ", f);
        json_array(f, se->swing_low, se->ninputs);
        fputs(", \"swing_high\": ", f);
        json_array(f, se->swing_high, se->ninputs);
        fputs(", \"swing_base\": ", f);
        cmc_fmt_json_number(f, se->swing_base);
        fprintf(f, ", \"samples\": %" PRIu64 ", \"skipped\": %" PRIu64 "}", se->samples,
                se->skipped);
    }
    fputs(r->nsensitivity ? "\n  }" : "}", f);
}

static void report_json(FILE *f, const cmc_results *r)
{
    fputs("{\n  \"title\": ", f);
    cmc_fmt_json_string(f, r->title);
    fprintf(f, ",\n  \"seed\": %" PRIu64 ",\n  \"samples\": %" PRIu64 ",\n  \"outputs\": ",
            r->seed, r->samples);
    json_stats(f, r->outputs, r->noutputs);
    fputs(",\n  \"inputs\": ", f);
    json_stats(f, r->inputs, r->ninputs);
    if (r->nvariants)
        json_variants(f, r);
    if (r->nsensitivity)
        json_sensitivity(f, r);
    fputs("\n}\n", f);
}

/* ---- csv ------------------------------------------------------------------------- */

/* RFC 4180: quote a field holding a comma, quote or line break; double quotes. */
static void csv_field(FILE *f, const char *s)
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
        shortest(buf, sizeof buf, x);
        fputs(buf, f);
    }
}

/* name column: prefix + the stat's name (variants: "VARIANT.OUTPUT"). */
static void csv_name(FILE *f, const char *prefix, const char *name)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", prefix, name);
    csv_field(f, buf);
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

static void report_csv(FILE *f, const cmc_results *r)
{
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

/* ---- markdown and latex tables --------------------------------------------------- */

/* Backslash-escape what Markdown would read as markup (and | in tables). */
static void md_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (strchr("\\`*_[]<>|#", *s))
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void tex_text(FILE *f, const char *s)
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

/* The cells of one table row: median, its MC interval, mean, P5, P95, P2.5, P97.5. */
typedef struct cells {
    char median[64], ci[140], mean[64], p[4][64];
} cells;

static void table_cells(const cmc_stat *s, cells *c, style st)
{
    const char *na = "n/a", *dash = st == LATEX ? "--" : "\u2013";
    char lo[64], hi[64];
    int m = find_p(s, 0.5);
    if (m >= 0) {
        fmt_percentile(s, m, c->median, lo, hi, sizeof lo, st);
        snprintf(c->ci, sizeof c->ci, "%s%s%s", lo, dash, hi);
    } else {
        snprintf(c->median, sizeof c->median, "%s", na);
        snprintf(c->ci, sizeof c->ci, "%s", na);
    }
    fmt_shown(c->mean, sizeof c->mean, s->mean, mean_resolution(s), st);
    for (int k = 0; k < 4; k++) {
        int i = find_p(s, standard_p[1 + k]);
        if (i >= 0)
            fmt_percentile(s, i, c->p[k], lo, hi, sizeof lo, st);
        else
            snprintf(c->p[k], sizeof c->p[k], "%s", na);
    }
}

static void md_table(FILE *f, const char *head, const cmc_stat *s, size_t n)
{
    if (!n)
        return;
    fprintf(f, "\n| %s | unit | median [95%% MC CI] | mean | P5 | P95 | P2.5 | P97.5 |\n"
               "|:--|:--|--:|--:|--:|--:|--:|--:|\n", head);
    for (size_t i = 0; i < n; i++) {
        cells c;
        table_cells(&s[i], &c, PLAIN);
        fputs("| `", f);
        fputs(s[i].name, f);
        fputs("` | ", f);
        md_text(f, s[i].unit);
        int has = find_p(&s[i], 0.5) >= 0;
        fprintf(f, " | %s%s%s%s | %s | %s | %s | %s | %s |\n", c.median, has ? " [" : "",
                has ? c.ci : "", has ? "]" : "", c.mean, c.p[0], c.p[1], c.p[2], c.p[3]);
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

static void md_variants(FILE *f, const cmc_results *r)
{
    cmc_stat rows[MAX_VARIANT_ROWS];
    static char names[MAX_VARIANT_ROWS][256];
    for (size_t v = 0; v < r->nvariants; v++) {
        const cmc_variant_result *vr = &r->variants[v];
        char head[300];
        snprintf(head, sizeof head, "variant %s", vr->name);
        fputs("\n", f);
        if (vr->label && vr->label[0]) {
            fputs("*", f);
            md_text(f, vr->name);
            fputs("*: ", f);
            md_text(f, vr->label);
            fputs("\n", f);
        }
        md_table(f, head, rows, variant_rows(r, v, rows, names, MAX_VARIANT_ROWS));
        for (size_t i = 0; i < vr->npaired; i++) {
            const cmc_paired *pr = &vr->paired[i];
            char p[64], lo[64], hi[64];
            cmc_fmt_sig(p, sizeof p, pr->p_greater, 3, 12);
            cmc_fmt_sig(lo, sizeof lo, pr->p_greater_ci_low, 2, 12);
            cmc_fmt_sig(hi, sizeof hi, pr->p_greater_ci_high, 2, 12);
            fprintf(f, "%sP(`%s` of %s > of %s) = %s [%s, %s]", i ? "; " : "\n", pr->output,
                    vr->name, pr->reference, p, lo, hi);
        }
        if (vr->npaired)
            fputs(".\n", f);
    }
}

static void report_markdown(FILE *f, const cmc_results *r)
{
    char n[64];
    fmt_at(n, sizeof n, (double)r->samples, 0, 1, PLAIN);
    if (r->title && r->title[0]) {
        fputs("**", f);
        md_text(f, r->title);
        fputs("**: ", f);
    }
    fprintf(f, "%s Monte Carlo samples, seed %" PRIu64 ".\n", n, r->seed);
    md_table(f, "output", r->outputs, r->noutputs);
    md_table(f, "random input", r->inputs, r->ninputs);
    for (size_t i = 0; i < r->nsensitivity; i++) {
        const cmc_sensitivity *se = &r->sensitivity[i];
        size_t *order = calloc(se->ninputs ? se->ninputs : 1, sizeof *order);
        if (!order)
            break;
        cmc_sens_order(se, order);
        fprintf(f, "\n| sensitivity of `%s` | Spearman | share of Var(ln) | Sobol first order "
                   "| Sobol total | swing P5 to P95 |\n|:--|--:|--:|--:|--:|--:|\n", se->output);
        for (size_t jj = 0; jj < se->ninputs; jj++) {
            size_t j = order[jj];
            char c[CMC_SENS_NEST][80], lo[64], hi[64];
            for (int e = 0; e < CMC_SENS_NEST; e++)
                fmt_ci3(c[e], sizeof c[e], se, e, j);
            cmc_fmt_sig(lo, sizeof lo, se->swing_low[j], 4, 12);
            cmc_fmt_sig(hi, sizeof hi, se->swing_high[j], 4, 12);
            fprintf(f, "| `%s` | %s | %s | %s | %s | %s \u2013 %s |\n", se->input[j], c[0], c[1],
                    c[2], c[3], lo, hi);
        }
        free(order);
    }
    md_variants(f, r);
}

static void tex_rows(FILE *f, const char *head, const cmc_stat *s, size_t n)
{
    if (!n)
        return;
    fprintf(f, "\\midrule\n\\multicolumn{9}{l}{\\textit{%s}} \\\\\n", head);
    for (size_t i = 0; i < n; i++) {
        cells c;
        table_cells(&s[i], &c, LATEX);
        tex_text(f, s[i].name);
        fputs(" & ", f);
        tex_text(f, s[i].unit);
        fprintf(f, " & %s & %s & %s & %s & %s & %s & %s \\\\\n", c.median, c.ci, c.mean,
                c.p[0], c.p[1], c.p[2], c.p[3]);
    }
}

static void report_latex(FILE *f, const cmc_results *r)
{
    char n[64];
    fmt_at(n, sizeof n, (double)r->samples, 0, 1, PLAIN);
    fputs("% carbonmc summary", f);
    if (r->title && r->title[0]) {
        fputs(": ", f);
        for (const char *p = r->title; *p; p++)
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
    }
    fprintf(f, "\n%% %s Monte Carlo samples, seed %" PRIu64 ". Needs \\usepackage{booktabs}.\n"
               "%% Rounded to the Monte Carlo error; {,} separates thousands.\n", n, r->seed);
    fputs("\\begin{tabular}{llrrrrrrr}\n\\toprule\n"
          "Quantity & Unit & Median & 95\\% MC CI & Mean & P5 & P95 & P2.5 & P97.5 \\\\\n", f);
    tex_rows(f, "Outputs", r->outputs, r->noutputs);
    tex_rows(f, "Random inputs", r->inputs, r->ninputs);
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
        tex_rows(f, esc, rows, variant_rows(r, v, rows, names, MAX_VARIANT_ROWS));
    }
    fputs("\\bottomrule\n\\end{tabular}\n", f);
    for (size_t i = 0; i < r->nsensitivity; i++) {
        const cmc_sensitivity *se = &r->sensitivity[i];
        size_t *order = calloc(se->ninputs ? se->ninputs : 1, sizeof *order);
        if (!order)
            break;
        cmc_sens_order(se, order);
        fputs("\n% sensitivity of ", f);
        fputs(se->output, f);
        fputs(", inputs by total Sobol index; [95% CI]\n\\begin{tabular}{lrrrr}\n\\toprule\n"
              "Input & Spearman & Share of Var(ln) & Sobol first order & Sobol total \\\\\n"
              "\\midrule\n", f);
        for (size_t jj = 0; jj < se->ninputs; jj++) {
            size_t j = order[jj];
            char c[CMC_SENS_NEST][80];
            for (int e = 0; e < CMC_SENS_NEST; e++)
                fmt_ci3(c[e], sizeof c[e], se, e, j);
            tex_text(f, se->input[j]);
            fprintf(f, " & %s & %s & %s & %s \\\\\n", c[0], c[1], c[2], c[3]);
        }
        fputs("\\bottomrule\n\\end{tabular}\n", f);
        free(order);
    }
}

/* ---- dispatch -------------------------------------------------------------------- */

int cmc_report(FILE *f, const cmc_results *r, const char *format)
{
    static void (*const fns[])(FILE *, const cmc_results *) = {
        report_text, report_json, report_csv, report_markdown, report_latex};
    for (size_t i = 0; cmc_report_formats[i]; i++)
        if (format && strcmp(format, cmc_report_formats[i]) == 0) {
            fns[i](f, r);
            return ferror(f) || fflush(f) != 0 ? -2 : 0;
        }
    return -1;
}
