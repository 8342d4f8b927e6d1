/*
 * report_priv.h: what the files of the summary formats share (report.c,
 * report_num.c, report_text.c, report_json.c, report_table.c, table.c): the
 * number formatting and the rounding by Monte Carlo error (report_num.c), and each
 * format's writer. Not installed; CLI only.
 */
#ifndef CMC_REPORT_PRIV_H
#define CMC_REPORT_PRIV_H

#include "report.h"

#include <stddef.h>
#include <stdio.h>

typedef enum style { PLAIN, LATEX } style;

/* The digits a number is shown with. */
typedef struct shown {
    int d;       /* the last digit shown is 10^d */
    int strip;   /* nothing limits the digits: show up to 10, without trailing zeros */
} shown;

/* The decimal exponent of x (finite, non-zero): 12456 -> 4, 0.05 -> -2. */
int rep_exponent_of(double x);
/* x rounded to a multiple of 10^d; strip drops trailing zeros of the fraction;
   exponent form when the rounded exponent is >= emax or < -4 (rep_fmt_at: 12). */
void rep_fmt_at_e(char *out, size_t size, double x, int d, int strip, style st, int emax);
void rep_fmt_at(char *out, size_t size, double x, int d, int strip, style st);
/* The shortest decimal that reads back as exactly x. */
void rep_shortest(char *out, size_t size, double x);
/* Clamp d to 3..10 significant digits of v. */
int rep_clamp_digits(double v, int d);
/* The digits of v whose 95% Monte Carlo interval has width w. */
shown rep_resolution(double v, double w);
void rep_fmt_shown(char *out, size_t size, double x, shown s, style st);
/* Index of probability p in s, or -1. */
int rep_find_p(const cmc_stat *s, double p);
void rep_p_label(char *out, size_t size, double p);
/* The digits percentile i of s is shown with (ordered with its neighbours). */
shown rep_percentile_shown(const cmc_stat *s, size_t i);
/* Percentile i: value and interval bounds to the digit its interval resolves. */
void rep_fmt_percentile(const cmc_stat *s, int i, char *value, char *lo, char *hi, size_t size,
                        style st);
shown rep_mean_resolution(const cmc_stat *s);
/* A probability, near 1 as "1 - 3.8e-6" (the mirror of 3.8e-6 near 0). */
void rep_fmt_prob(char *out, size_t size, double p, int sig);
void rep_fmt_p_greater(const cmc_paired *pr, char p[64], char lo[64], char hi[64]);
/* "0.909 [0.905, 0.913]": sensitivity measure e of input j, three decimals. */
void rep_fmt_ci3(char *out, size_t size, const cmc_sensitivity *se, int e, size_t j);

/* The percentiles text shows by name: the median and two central intervals. */
extern const double rep_standard_p[5];
#define REP_NSTANDARD 5

/* s as Markdown text (markup backslash-escaped) and as LaTeX text (specials
   escaped). */
void rep_md_text(FILE *f, const char *s);
void rep_tex_text(FILE *f, const char *s);
/* s as one CSV field (RFC 4180: quoted when it holds a comma, quote or newline). */
void rep_csv_field(FILE *f, const char *s);
/* A unit as LaTeX text: escaped, with chemical formulas subscripted (CO$_2$e). */
void rep_tex_unit(FILE *f, const char *unit);   /* also for any text */

/* Sensitivity in words (report_sens.c): whether input j has a path to the output
   (its indices and swing are not exactly zero); whether the log-variance shares
   apply (their sum, in *sum, is one within its sampling error) and why (not);
   the one-line summary; the legend under the tables. */
int rep_sens_related(const cmc_sensitivity *se, size_t j);
int rep_logvar_applies(const cmc_sensitivity *se, double *sum);
void rep_logvar_reason(char *out, size_t size, const cmc_sensitivity *se);
void rep_sens_summary(char *out, size_t size, const cmc_sensitivity *se);
extern const char *const rep_sens_legend;

/* Each format's writer; flags: CMC_REPORT_* of report.h. */
#define REP_NO_MC CMC_REPORT_NO_MC
void cmc_report_text(FILE *f, const cmc_results *r, int flags);
void cmc_report_json(FILE *f, const cmc_results *r, int flags);
void cmc_report_csv(FILE *f, const cmc_results *r, int flags);
void cmc_report_markdown(FILE *f, const cmc_results *r, int flags);
void cmc_report_latex(FILE *f, const cmc_results *r, int flags);

#endif
