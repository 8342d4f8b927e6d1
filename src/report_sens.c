/*
 * report_sens.c: what the sensitivity tables say in words (report_priv.h), shared by
 * the text, Markdown and LaTeX summaries and by JSON.
 *
 * Three judgements, each exact or a stated test:
 * - An input with no path to an output: the Sobol design changes only that input in
 *   AB_j, so f(AB_j) = f(A) on every row, D = 0, and both indices are exactly 0 with
 *   an interval of zero width; its swing is exactly the baseline at both ends. Such
 *   an input is left out of that output's table (and named in a note), not listed
 *   with zeros.
 * - The log-variance shares apply when ln Y is a sum of the inputs' logarithms,
 *   that is when the model is a product of powers of its inputs: then the shares add
 *   to one. They are shown only when their sum is one within its sampling error
 *   (three standard errors, from the shares' intervals, and at least 0.005); a sum
 *   below (the model adds quantities, or uses if, min, max or clamp) or above (the
 *   inputs are dependent) marks them not applicable, with the sum as the reason.
 *   The test is on the run, not on the model's text: a sum of terms one of which
 *   carries all the variance passes it, and then the shares are what they claim.
 * - The sentence: the input with the largest total index, the share of the variance
 *   it explains (alone and with others), and what fixing it would do.
 */
#include "report_priv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int rep_sens_related(const cmc_sensitivity *se, size_t j)
{
    const int e[2] = {CMC_SENS_SOBOL_FIRST, CMC_SENS_SOBOL_TOTAL};
    for (int k = 0; k < 2; k++)
        if (se->value[e[k]][j] != 0 || se->ci_low[e[k]][j] != 0 || se->ci_high[e[k]][j] != 0)
            return 1;
    return se->swing_low[j] != se->swing_base || se->swing_high[j] != se->swing_base;
}

int rep_logvar_applies(const cmc_sensitivity *se, double *sum)
{
    double s = 0, var = 0;
    *sum = 0;
    if (!se->ninputs)
        return 1;   /* nothing to show, nothing to explain */
    for (size_t j = 0; se->dependent && j < se->ninputs; j++)
        if (se->dependent[j])
            return 0;   /* correlated inputs: the shares overlap (rep_logvar_reason) */
    for (size_t j = 0; j < se->ninputs; j++) {
        double v = se->value[CMC_SENS_LOGVAR_SHARE][j];
        if (isnan(v)) {
            *sum = NAN;
            return 0;
        }
        double half = (se->ci_high[CMC_SENS_LOGVAR_SHARE][j] - se->ci_low[CMC_SENS_LOGVAR_SHARE][j]) / 2;
        double sd = isfinite(half) ? half / 1.959963984540054 : 0;
        s += v;
        var += sd * sd;
    }
    *sum = s;
    double tol = 3 * sqrt(var);
    tol = tol > 0.005 ? tol : 0.005;
    return fabs(s - 1) <= tol;
}

void rep_logvar_reason(char *out, size_t size, const cmc_sensitivity *se)
{
    double sum;
    int dependent = 0;
    for (size_t j = 0; se->dependent && j < se->ninputs; j++)
        dependent |= se->dependent[j];
    if (dependent)   /* correlated inputs: the squared correlations overlap */
        snprintf(out, size, "not applicable: correlated inputs share their log-variance, so "
                            "the shares overlap; see the given-data first-order index");
    else if (rep_logvar_applies(se, &sum))
        snprintf(out, size, "the shares add to %.3f: %s is a product of powers of its inputs",
                 sum, se->output);
    else if (isnan(sum))
        snprintf(out, size, "not applicable: a value of %s or of an input is zero or negative, "
                            "so it has no logarithm", se->output);
    else if (sum < 1)
        snprintf(out, size, "not applicable: the shares add to %.3f, not 1, so ln %s is not a sum "
                            "of the inputs' logarithms (the model adds quantities or uses if, "
                            "min, max or clamp); use the Sobol indices", sum, se->output);
    else
        snprintf(out, size, "not applicable: the shares add to %.3f, more than 1 (dependent "
                            "inputs); use the Sobol indices", sum);
}

/* With correlated inputs: by the given-data index (README "Correlated inputs"). */
static void given_summary(char *out, size_t size, const cmc_sensitivity *se)
{
    size_t top = se->ninputs;
    for (size_t j = 0; j < se->ninputs; j++)
        if (!isnan(se->given[j]) && (top == se->ninputs || se->given[j] > se->given[top]))
            top = j;
    if (top == se->ninputs) {
        snprintf(out, size, "no random input changes %s: its spread is zero or not finite",
                 se->output);
        return;
    }
    double g = se->given[top];
    snprintf(out, size, "knowing %s alone would remove about %d%% of the variance of %s "
             "(given-data first order %.3f); the inputs are correlated, so these shares "
             "overlap and need not add to one, and the Sobol indices of the correlated ones "
             "are withheld", se->input[top], (int)lround(100 * (g < 0 ? 0 : g > 1 ? 1 : g)),
             se->output, g);
}

void rep_sens_summary(char *out, size_t size, const cmc_sensitivity *se)
{
    if (se->given) {
        given_summary(out, size, se);
        return;
    }
    size_t k = se->ninputs, top = k, next = k;
    const double *st = se->value[CMC_SENS_SOBOL_TOTAL];
    for (size_t j = 0; j < k; j++) {
        if (isnan(st[j]) || !rep_sens_related(se, j))
            continue;
        if (top == k || st[j] > st[top]) {
            next = top;
            top = j;
        } else if (next == k || st[j] > st[next]) {
            next = j;
        }
    }
    if (top == k) {
        snprintf(out, size, "no random input changes %s: its spread is zero or not finite",
                 se->output);
        return;
    }
    double t = st[top], lo = se->ci_low[CMC_SENS_SOBOL_TOTAL][top],
           hi = se->ci_high[CMC_SENS_SOBOL_TOTAL][top];
    int pct = (int)lround(100 * (t < 0 ? 0 : t > 1 ? 1 : t));
    const char *verdict = t >= 0.9   ? "fixing it would remove nearly all of the spread"
                          : t >= 0.5 ? "fixing it would remove most of the spread"
                          : t >= 0.2 ? "no single input dominates; fixing it would remove part "
                                       "of the spread"
                                     : "the spread comes from many inputs together";
    int n = snprintf(out, size, "%s explains %d%% of the variance of %s (Sobol total %.3f "
                     "[%.3f, %.3f]); %s", se->input[top], pct, se->output, t, lo, hi, verdict);
    if (next != k && n > 0 && (size_t)n < size && st[next] >= 0.05)
        snprintf(out + n, size - (size_t)n, "; next, %s explains %d%%", se->input[next],
                 (int)lround(100 * (st[next] > 1 ? 1 : st[next])));
}

const char *const rep_sens_legend =
    "Spearman: rank correlation of input and output. Share of Var(ln): the input's share of "
    "the output's log-variance (products of powers only). Sobol first order: the share of "
    "the variance the input causes alone; total: alone and with the others. Swing: the "
    "output with the input at its P5 and P95, the others at their point values (medians; a "
    "choice its first value: what `point` prints). [95% confidence interval]";
