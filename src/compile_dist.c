/*
 * compile_dist.c: distributions into random inputs.
 *
 * Each distribution written in a definition becomes a random input with a slot of
 * its own. Its parameters are constants, converted when the model is compiled to
 * the unit its values are drawn in: a location or scale parameter carries the
 * result's unit (uniform, triangular, pert, normal, `a to b`, choice values,
 * truncate bounds, gamma's theta, weibull's lambda; exponential's rate its
 * reciprocal), a shape parameter is plain (beta, gamma's k, lognormal's mu and
 * sigma, which are of ln x: a change of unit adds ln f to mu). So a distribution
 * written in kW for an input in W costs nothing per sample.
 */
#include "compile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a parameter's unit is: the result's (1), dimensionless (0), or its
   reciprocal (2: exponential's rate). */
static int param_class(const cmc_dist_type *t, int i)
{
    switch (t->kind) {
    case CMC_DIST_LOGNORMAL:
    case CMC_DIST_BETA:
        return 0;
    case CMC_DIST_GAMMA:
    case CMC_DIST_WEIBULL:
        return i == 1;
    case CMC_DIST_EXPONENTIAL:
        return 2;
    default:
        return 1;
    }
}

/* A distribution parameter: a constant, converted to unit (class 1), 1/unit
   (class 2) or to a plain number (class 0); a plain parameter of class 1 or 2 is
   in dflt (the unit the definition is written in). */
static int unit_param(compiler *c, const cmc_expr *e, const char *what, int cls,
                      const cmc_unit *dflt, const cmc_unit *unit, double *out)
{
    val v;
    c->in_param++;
    int rc = cmc_compile_expr(c, e, &v);
    c->in_param--;
    if (rc < 0)
        return -1;
    if (!v.is_const) {
        cmc_error(c->d, &e->loc,
                  "%s must be a constant, but this depends on a random input", what);
        return -1;
    }
    int ok = 1;
    const cmc_unit *to = NULL;
    if (cls == 1) {
        to = unit;
        if (v.bare)
            v.unit = dflt;
    } else if (cls == 2) {
        to = cmc_unit_div(c->units, NULL, unit, &ok);
        if (v.bare)
            v.unit = cmc_unit_div(c->units, NULL, dflt, &ok);
    }
    if (!ok)
        return -1;
    char msg[160];
    snprintf(msg, sizeof msg, "%s: cannot convert %%s to %%s (the unit of the distribution's "
                              "result)", what);
    if (cls == 0)
        snprintf(msg, sizeof msg, "%s must be dimensionless: cannot convert %%s to %%s", what);
    if (cmc_compile_convert(c, &e->loc, &v, to, msg) < 0)
        return -1;
    *out = v.k;
    return 0;
}

/* The unit the first class-1 parameter written with a unit carries (the
   distribution's unit when the definition declares none), else dflt. */
static const cmc_unit *first_unit(compiler *c, const cmc_expr *e, const cmc_unit *dflt)
{
    for (int i = 0; i < e->nargs; i++) {
        const cmc_expr *x = e->args[i];
        if (x->kind == EX_NUM && x->unit && param_class(e->dist, i) == 1) {
            /* quietly: a label that does not parse is reported with its parameter */
            char msg[256] = "";
            const cmc_unit *u = cmc_unit_parse(c->units, x->unit, msg, sizeof msg);
            if (u || !msg[0])
                return u;
        }
        if (x->kind == EX_NAME && param_class(e->dist, i) == 1) {
            const cmc_sym *s = cmc_graph_find(c->g, x->name);
            if (s && !s->bare)
                return s->unit;
        }
        if (x->kind == EX_DIST)
            return first_unit(c, x, dflt);
    }
    return dflt;
}

/* lognormal(mu, sigma) takes the mean and standard deviation of ln x. Written with
   those of x (lognormal(400, 30)) its median is e^400: a warning, with the `a to b`
   that matches a mean and standard deviation of x (Fenton-Wilkinson moments:
   sigma^2 = ln(1 + s^2/m^2), mu = ln m - sigma^2/2; a, b its 5th and 95th
   percentiles). */
static void lognormal_guard(compiler *c, const cmc_expr *e, double mu, double sigma)
    __attribute__((noinline));
static void lognormal_guard(compiler *c, const cmc_expr *e, double mu, double sigma)
{
    char med[32], alt[160] = "";
    snprintf(med, sizeof med, "%.3g", exp(mu));
    if (mu > 0 && sigma > 0) {
        double s2 = log1p(sigma * sigma / (mu * mu)), m = log(mu) - s2 / 2, z = 1.6448536269514722;
        char a[32], b[32];
        snprintf(a, sizeof a, "%.3g", exp(m - z * sqrt(s2)));
        snprintf(b, sizeof b, "%.3g", exp(m + z * sqrt(s2)));
        snprintf(alt, sizeof alt, " (mean %g and sd %g of x: about %s to %s)", mu, sigma, a, b);
    }
    cmc_warning(c->d, &e->loc,
                "lognormal(mu, sigma) takes the mean and standard deviation of ln(x), and "
                "mu = %g, sigma = %g are implausible for a log (median e^mu = %s): give the "
                "5th and 95th percentiles instead, `a to b`%s",
                mu, sigma, med, alt);
}

/* Build the distribution e with its values in unit `unit`; parameters written
   without a unit are in dflt. */
static cmc_dist *build_dist(compiler *c, const cmc_expr *e, const cmc_unit *dflt,
                            const cmc_unit *unit)
{
    const cmc_dist_type *t = e->dist;
    int n = e->nargs;
    /* choice and mixture take any number of arguments: the parameters, weights and
       components in one block sized for them (truncate(..., lo, hi) needs 3) */
    size_t m = (size_t)(n > 3 ? n : 3);
    double *p = cmc_arena_alloc(c->a, m * (2 * sizeof(double) + sizeof(cmc_dist *)));
    if (!p) {
        cmc_error(c->d, &e->loc, "out of memory");
        return NULL;
    }
    double *w = p + m;
    cmc_dist **parts = (cmc_dist **)(w + m);
    cmc_dist_error err = {-1, 0, ""};
    cmc_dist *d = NULL;
    char what[96];

    for (int i = 0; i < n; i++) {
        const char *pname = t->nparams > 0 ? t->params[i] : NULL;
        if (t->kind == CMC_DIST_TRUNCATE)
            pname = i == 1 ? "lo" : "hi";
        if (t->kind == CMC_DIST_TO)
            pname = i == 0 ? "a" : "b";
        if (pname)
            snprintf(what, sizeof what, "%s: %s", t->kind == CMC_DIST_TO ? "a to b" : t->name,
                     pname);
        else
            snprintf(what, sizeof what, "%s: every value", t->name);
        if (t->kind == CMC_DIST_TRUNCATE && i == 0)
            continue;
        if (t->kind == CMC_DIST_MIXTURE) {
            if (e->args[i]->kind == EX_DIST) {
                if (!(parts[i] = build_dist(c, e->args[i], dflt, unit))) {
                    while (i--)
                        cmc_dist_free(parts[i]);
                    return NULL;
                }
            } else {
                /* a number is a point mass */
                double v;
                int ok = unit_param(c, e->args[i], "mixture: each component (a distribution or a number)",
                                    1, dflt, unit, &v) == 0;
                if (ok && !isfinite(v)) {
                    char num[32];
                    cmc_format_double(num, sizeof num, v);
                    cmc_error(c->d, &e->args[i]->loc, "mixture: a number component must be "
                                                      "finite (got %s)", num);
                    ok = 0;
                }
                if (!ok || !(parts[i] = cmc_dist_new_choice(&v, NULL, 1, &err))) {
                    if (ok)
                        cmc_error(c->d, &e->args[i]->loc, "%s", err.msg);
                    while (i--)
                        cmc_dist_free(parts[i]);
                    return NULL;
                }
            }
        } else if (unit_param(c, e->args[i], what, param_class(t, i), dflt, unit, &p[i]) < 0) {
            return NULL;
        }
        if (e->weights && e->weights[i]) {
            if (unit_param(c, e->weights[i], t->kind == CMC_DIST_CHOICE ? "choice: every weight"
                                                                          : "mixture: every weight",
                           0, NULL, NULL, &w[i]) < 0) {
                if (t->kind == CMC_DIST_MIXTURE)
                    for (int j = 0; j <= i; j++)
                        cmc_dist_free(parts[j]);
                return NULL;
            }
        }
    }
    if (t->kind == CMC_DIST_LOGNORMAL && (p[0] > 15 || p[1] > 3))
        lognormal_guard(c, e, p[0], p[1]);
    /* a lognormal or beta drawn in dflt but wanted in unit: lognormal scales by its
       mu; a beta's values are its own, so the units must agree */
    double f = cmc_unit_factor(dflt, unit);
    if ((t->kind == CMC_DIST_LOGNORMAL || t->kind == CMC_DIST_BETA) && f != 1) {
        if (f == 0 || t->kind == CMC_DIST_BETA) {
            cmc_error(c->d, &e->loc, "%s draws in %s, which cannot be given in %s here",
                      t->name, cmc_compile_utext(dflt), cmc_compile_utext(unit));
            return NULL;
        }
        if (cmc_compile_record(c, &e->loc, dflt, unit, f) < 0)
            return NULL;
        p[0] += log(f);
    }

    switch (t->kind) {
    case CMC_DIST_CHOICE:
        d = cmc_dist_new_choice(p, e->weights ? w : NULL, (size_t)n, &err);
        break;
    case CMC_DIST_MIXTURE:
        d = cmc_dist_new_mixture(parts, e->weights ? w : NULL, (size_t)n, &err);
        break;
    case CMC_DIST_TRUNCATE: {
        cmc_dist *inner = build_dist(c, e->args[0], dflt, unit);
        if (!inner)
            return NULL;
        d = cmc_dist_new_truncate(inner, p[1], p[2], &err);
        break;
    }
    default:
        d = cmc_dist_new(t, p, n, &err);
        break;
    }
    if (!d) {
        const cmc_loc *l = &e->loc;
        if (err.bad >= 0 && err.bad < n)
            l = err.bad_is_weight && e->weights && e->weights[err.bad] ? &e->weights[err.bad]->loc
                                                                       : &e->args[err.bad]->loc;
        cmc_error(c->d, l, "%s", err.msg);
    }
    return d;
}

/* A distribution: a random input with a slot of its own. dflt is the unit its
   plain parameters are in, unit the unit to draw in (a whole definition: the
   name's unit; inside an expression: its first parameter's unit). */
int cmc_compile_dist(compiler *c, const cmc_expr *e, const cmc_unit *dflt,
                        const cmc_unit *unit, int have_unit, val *out)
{
    if (c->in_param) {
        cmc_error(c->d, &e->loc, "a distribution cannot be a parameter of another "
                                 "(to combine distributions, use mixture())");
        return -1;
    }
    if (!have_unit)
        unit = dflt = first_unit(c, e, dflt);
    cmc_dist *d = build_dist(c, e, dflt, unit);
    if (!d)
        return -1;
    const cmc_sym *s = c->cur;
    c->ndist++;
    int whole = s->def->value == e;
    const char *name = whole ? s->name : cmc_arena_printf(c->a, "%s.%d", s->name, c->ndist);
    int slot = name ? cmc_compile_new_slot(c, name) : -1;
    cmc_quantity *q = slot >= 0 ? cmc_compile_add_quantity(c, CMC_RANDOM, slot) : NULL;
    if (!q) {
        cmc_dist_free(d);
        return -1;
    }
    c->m->dists[c->m->nq[CMC_RANDOM] - 1] = d;
    q->name = name;
    q->expression = cmc_compile_format(c, e);
    if (whole && s->def->unit && q->expression)   /* "0.15 to 0.4 [kW]" */
        q->expression = cmc_arena_printf(c->a, "%s [%s]", q->expression, s->def->unit);
    q->unit = unit ? cmc_arena_strdup(c->a, cmc_unit_text(unit)) : "";
    q->file = e->loc.src->name;
    q->line = e->loc.line;
    q->from_set = s->from_set;
    q->is_default = s->is_default;
    q->point = cmc_dist_point(d);
    out->is_const = 0;
    out->slot = slot;
    out->unit = unit;
    out->bare = !have_unit && !unit;
    return 0;
}

