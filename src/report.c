/*
 * report.c: the summary of a run in five formats (report.h). Part of the `carbonmc`
 * program, not of libcarbonmc. One value, several renderings: the numbers in
 * report_num.c, text in report_text.c, JSON and CSV in report_json.c, Markdown and
 * LaTeX in report_table.c; this file only dispatches.
 */
#include "report.h"
#include "report_priv.h"

#include <string.h>

const char *const cmc_report_formats[] = {"text", "json", "csv", "markdown", "latex", NULL};

/* ---- dispatch -------------------------------------------------------------------- */

int cmc_report(FILE *f, const cmc_results *r, const char *format)
{
    return cmc_report_flags(f, r, format, 0);
}

int cmc_report_flags(FILE *f, const cmc_results *r, const char *format, int flags)
{
    static void (*const fns[])(FILE *, const cmc_results *, int) = {
        cmc_report_text, cmc_report_json, cmc_report_csv, cmc_report_markdown, cmc_report_latex};
    for (size_t i = 0; cmc_report_formats[i]; i++)
        if (format && strcmp(format, cmc_report_formats[i]) == 0) {
            fns[i](f, r, flags);
            return ferror(f) || fflush(f) != 0 ? -2 : 0;
        }
    return -1;
}
