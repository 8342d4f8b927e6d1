/*
 * report.h: the summary of a run as text, JSON, CSV, Markdown or LaTeX (CLI only).
 *
 * `carbonmc run` and `carbonmc summary` print a cmc_results with cmc_report; the
 * number formatting helpers are shared with the rest of the CLI (`point`, `check`).
 * This is not part of libcarbonmc: it prints, to the FILE * it is given.
 */
#ifndef CMC_REPORT_H
#define CMC_REPORT_H

#include "carbonmc.h"

#include <stddef.h>
#include <stdio.h>

/* The format names cmc_report accepts, NULL-terminated (for --format checks). */
extern const char *const cmc_report_formats[];

/* Write r to f as format: "text" (rounded for reading, with Monte Carlo
   intervals), "json" (docs/json.md, full precision), "csv" (long format, full
   precision), "markdown" or "latex" (tables for a report or paper, rounded).
   Returns 0, -1 for an unknown format (nothing written), -2 if writing failed. */
int cmc_report(FILE *f, const cmc_results *r, const char *format);
/* The same with flags: CMC_REPORT_NO_MC leaves the Monte Carlo error column out of
   the Markdown and LaTeX tables (--no-mc-error). Those tables show the mean, the
   run's own --percentiles (of the default list: P2.5, P5, median, P95, P97.5) and
   last the median's 95% Monte Carlo interval. */
#define CMC_REPORT_NO_MC 1
int cmc_report_flags(FILE *f, const cmc_results *r, const char *format, int flags);

/* x for people: up to 10 significant digits, thousands grouped ("51,772,500",
   "12,456.4635"), exponent form outside [1e-4, 1e12) ("1.5e12", "3.2e-5"), "nan",
   "inf", "-inf". out should hold at least 32 bytes. */
void cmc_fmt_human(char *out, size_t size, double x);

/* x rounded to sig significant digits, trailing zeros dropped, thousands grouped
   ("12,500", "1.18", "0.05"); exponent form when the rounded exponent is >= emax
   or < -4 ("5.2e7"). For figures and their labels. */
void cmc_fmt_sig(char *out, size_t size, double x, int sig, int emax);

/* order[0..se->ninputs) = the inputs of se by decreasing total Sobol index (NaN
   last; ties keep input order): how tables and the tornado figure rank them. */
void cmc_sens_order(const cmc_sensitivity *se, size_t *order);

/* x as a JSON number, the shortest text that reads back as exactly x; null for
   NaN and infinities, which JSON cannot represent. */
void cmc_fmt_json_number(FILE *f, double x);

/* s as a JSON string: quoted, escaped; bytes that are not valid UTF-8 become
   U+FFFD so the output is always valid JSON. NULL writes "". */
void cmc_fmt_json_string(FILE *f, const char *s);

#endif
