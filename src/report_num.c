/*
 * report_num.c: the numbers of every summary format (report_priv.h): grouped
 * thousands, exponent form, the shortest round-trip text of JSON and CSV, and the
 * rounding by Monte Carlo error that text, Markdown, LaTeX and `table` share.
 *
 * Formats for people round, and the rounding follows the Monte Carlo error rather
 * than a fixed number of digits: a percentile is shown to the digit at which its
 * 95% Monte Carlo interval spans at least two units (so a value that another seed
 * would move by +-300 is not printed to the unit), never with fewer than 3 or more
 * than 10 significant digits; its interval bounds are shown to the same digit. The
 * mean is rounded by its own interval (mean +- 1.96 standard errors). Numbers group
 * thousands ("51,772,500", LaTeX "51{,}772{,}500") and switch to exponent form
 * outside [1e-4, 1e12). Statistics are looked up by probability, so a run with its
 * own --percentiles shows what it has and nothing is made up.
 */
#include "report_priv.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Numbers --------------------------------------------------------------------- */


/* The decimal exponent of x (finite, non-zero): 12456 -> 4, 0.05 -> -2. */
int rep_exponent_of(double x)
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
void rep_fmt_at_e(char *out, size_t size, double x, int d, int strip, style st, int emax)
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
    int sig = x != 0 ? rep_exponent_of(x) - d + 1 : 0;
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

void rep_fmt_at(char *out, size_t size, double x, int d, int strip, style st)
{
    rep_fmt_at_e(out, size, x, d, strip, st, 12);
}

void cmc_fmt_sig(char *out, size_t size, double x, int sig, int emax)
{
    int d = isfinite(x) && x != 0 ? rep_exponent_of(x) - sig + 1 : 0;
    rep_fmt_at_e(out, size, x, d, 1, PLAIN, emax);
}

void cmc_fmt_human(char *out, size_t size, double x)
{
    rep_fmt_at(out, size, x, isfinite(x) && x != 0 ? rep_exponent_of(x) - 9 : 0, 1, PLAIN);
}

/* The shortest decimal that reads back as exactly x (the correctly rounded n-digit
   decimal is the nearest one, so the first n that round-trips is the least), laid
   out like Python's repr: plain digits for exponents -4..15, else "5e-324". */
void rep_shortest(char *out, size_t size, double x)
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
    rep_shortest(buf, sizeof buf, x);
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

/* Clamp d to 3..10 significant digits of v. */
int rep_clamp_digits(double v, int d)
{
    if (!isfinite(v) || v == 0)
        return d;
    int e = rep_exponent_of(v);
    return d < e - 9 ? e - 9 : d > e - 2 ? e - 2 : d;
}

/* The digits to show of v whose 95% Monte Carlo interval has width w: the last
   digit is the largest power of ten that w spans at least twice. */
shown rep_resolution(double v, double w)
{
    shown s = {0, 0};
    if (isfinite(w) && w / 2 > 0 && isfinite(log10(w / 2))) {
        s.d = (int)floor(log10(w / 2));
    } else {
        s.strip = 1;
        s.d = isfinite(v) && v != 0 ? rep_exponent_of(v) - 9 : 0;
    }
    s.d = rep_clamp_digits(v, s.d);
    return s;
}

void rep_fmt_shown(char *out, size_t size, double x, shown s, style st)
{
    rep_fmt_at(out, size, x, s.d, s.strip, st);
}

/* Index of probability p in s, or -1. */
int rep_find_p(const cmc_stat *s, double p)
{
    for (size_t i = 0; i < s->npercentiles; i++)
        if (fabs(s->p[i] - p) < 1e-9)
            return (int)i;
    return -1;
}

void rep_p_label(char *out, size_t size, double p)
{
    snprintf(out, size, "P%g", p * 100);
}

/* The digits of percentile i alone: to the digit its interval resolves; an
   interval of zero width is an exact value (an atom, a constant, a short run's
   order statistic: zoom.c), shown whole, like 240.6. */
static shown percentile_digits(const cmc_stat *s, size_t i)
{
    /* an exact value that is an end of its own interval is an atom the interval
       straddles (the P50 of choice(240.6, 20) is 20 or 240.6, by chance): shown whole,
       240.6 and not 241, which is no value the input takes */
    if (s->resolution && s->resolution[i] == 0 && isfinite(s->value[i]) &&
        (s->value[i] == s->ci_low[i] || s->value[i] == s->ci_high[i]))
        return rep_resolution(s->value[i], 0);
    return rep_resolution(s->value[i], s->ci_high[i] - s->ci_low[i]);
}

static double rounded_at(double v, shown sh)
{
    return sh.strip ? v : round(v / pow(10, sh.d)) * pow(10, sh.d);
}

/* The digits percentile i is shown with: its own, unless rounding each percentile
   to its own digits would print them out of order (a median below P5: percentiles
   whose intervals differ much in width, next to each other); then every percentile
   of s gets the finest digit any of them has, which keeps the order. */
shown rep_percentile_shown(const cmc_stat *s, size_t i)
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
    return (shown){rep_clamp_digits(s->value[i], finest.strip ? rep_exponent_of(s->value[i]) - 9 : finest.d),
                   finest.strip};
}

/* Percentile i of s for people: its value and interval bounds, all to the digit
   the interval resolves (rep_percentile_shown). */
void rep_fmt_percentile(const cmc_stat *s, int i, char *value, char *lo, char *hi,
                           size_t size, style st)
{
    shown sh = rep_percentile_shown(s, (size_t)i);
    rep_fmt_shown(value, size, s->value[i], sh, st);
    rep_fmt_shown(lo, size, s->ci_low[i], sh, st);
    rep_fmt_shown(hi, size, s->ci_high[i], sh, st);
}

shown rep_mean_resolution(const cmc_stat *s)
{
    return rep_resolution(s->mean, 2 * 1.959963984540054 * s->mean_se);
}

/* The percentiles text shows by name: the median and two central intervals. */
const double rep_standard_p[REP_NSTANDARD] = {0.5, 0.05, 0.95, 0.025, 0.975};

void cmc_sens_order(const cmc_sensitivity *se, size_t *order)
{
    size_t k = se->ninputs;
    for (size_t j = 0; j < k; j++)
        order[j] = j;
    /* by total index; with correlated inputs by the given-data index (README
       "Correlated inputs"), as the correlated ones have no Sobol indices */
    const double *st = se->given ? se->given : se->value[CMC_SENS_SOBOL_TOTAL];
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
void rep_fmt_ci3(char *out, size_t size, const cmc_sensitivity *se, int e, size_t j)
{
    double v = se->value[e][j], lo = se->ci_low[e][j], hi = se->ci_high[e][j];
    if (isnan(v))
        snprintf(out, size, "n/a");
    else
        snprintf(out, size, "%.3f [%.3f, %.3f]", z3(v), z3(lo), z3(hi));
}


/* A probability to sig significant digits, near 1 as its complement so that both
   ends are as precise: 0.9999962 is "1 - 3.8e-6", the mirror of "3.8e-6" near 0
   (rounded it would print as 1 and hide how near). */
void rep_fmt_prob(char *out, size_t size, double p, int sig)
{
    if (isfinite(p) && p > 0.99 && p < 1) {
        char c[40];
        cmc_fmt_sig(c, sizeof c, 1 - p, sig, 12);
        snprintf(out, size, "1 - %s", c);
        return;
    }
    cmc_fmt_sig(out, size, p, sig, 12);
}

/* P(variant > reference) to 3 digits and its 95% interval's ends to 2, as every
   format prints them. */
void rep_fmt_p_greater(const cmc_paired *pr, char p[64], char lo[64], char hi[64])
{
    rep_fmt_prob(p, 64, pr->p_greater, 3);
    rep_fmt_prob(lo, 64, pr->p_greater_ci_low, 2);
    rep_fmt_prob(hi, 64, pr->p_greater_ci_high, 2);
}
