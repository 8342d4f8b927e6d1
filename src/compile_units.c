/*
 * compile_units.c: the compiler's unit checks and conversions.
 *
 * Units come from units.h (UDUNITS-2). Here they meet the program: a conversion is
 * a factor folded into a constant, or one multiplication, and is recorded for
 * `check`; operands that must be commensurable are converted or reported with both
 * units named. Two checks run once a definition is compiled: a plain number equal
 * to a factor the compiler inserted in the same definition (the `days * 24` hazard)
 * is a warning, and an input's plausible range (`in LO to HI`) is checked, exactly
 * from the distribution's CDF for a random input.
 */
#include "compile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *cmc_compile_utext(const cmc_unit *u)
{
    return u ? cmc_unit_text(u) : "a plain number";
}

/* The unit of a [label] written at loc, or an error there. *ok = 0 on error. */
const cmc_unit *cmc_compile_label(compiler *c, const char *text, const cmc_loc *loc, int *ok)
{
    char msg[512] = "";
    *ok = 1;
    if (!text || !strcmp(text, "1"))
        return NULL;
    cmc_unit *u = cmc_unit_parse(c->units, text, msg, sizeof msg);
    if (!u && msg[0]) {
        /* a plain unit ("1", "count", "h/h") is NULL without a message */
        cmc_error(c->d, loc, "%s", msg);
        *ok = 0;
    }
    return u;
}

int cmc_compile_record(compiler *c, const cmc_loc *loc, const cmc_unit *from,
                             const cmc_unit *to, double f)
{
    cmc_model *m = c->m;
    if (c->nfactors < MAX_FACTORS)
        c->factors[c->nfactors++] = f;
    /* one conversion applied to each parameter of a distribution (`150 to 400 [W]` into
       kW) is listed once, at the first: the same definition, line, units and factor */
    const char *name = c->cur ? c->cur->name : "";
    if (m->nconversions) {
        const cmc_conversion *p = &m->conversions[m->nconversions - 1];
        if (p->factor == f && p->line == loc->line && !strcmp(p->name, name) &&
            !strcmp(p->file, loc->src->name) && !strcmp(p->from, cmc_unit_text(from)) &&
            !strcmp(p->to, cmc_unit_text(to)))
            return 0;
    }
    if (m->nconversions == m->capconversions) {
        size_t cap = m->capconversions ? 2 * m->capconversions : 8;
        cmc_conversion *v = cmc_arena_alloc(c->a, cap * sizeof *v);
        if (!v)
            return -1;
        if (m->nconversions)
            memcpy(v, m->conversions, m->nconversions * sizeof *v);
        m->conversions = v;
        m->capconversions = cap;
    }
    cmc_conversion *r = &m->conversions[m->nconversions++];
    r->name = name;
    r->file = loc->src->name;
    r->line = loc->line;
    r->col = loc->col;
    r->from = cmc_arena_strdup(c->a, cmc_unit_text(from));
    r->to = cmc_arena_strdup(c->a, cmc_unit_text(to));
    r->factor = f;
    return r->from && r->to ? 0 : -1;
}

/* Scale v by f (folded when v is a constant, else one multiplication). */
int cmc_compile_scale(compiler *c, val *v, double f)
{
    if (f == 1)
        return 0;
    val a[2] = {*v, {1, f, -1, NULL, 1}};
    const cmc_unit *u = v->unit;
    int bare = v->bare;
    if (cmc_compile_emit(c, OP_MUL, a, v) < 0)
        return -1;
    v->unit = u;
    v->bare = bare;
    return 0;
}

/* Convert v (written at loc) to unit `to`; what says what needs it, for the
   message ("cannot add kW and day"). */
int cmc_compile_convert(compiler *c, const cmc_loc *loc, val *v, const cmc_unit *to,
                   const char *what)
{
    if (v->unit == to)
        return 0;
    double f = cmc_unit_factor(v->unit, to);
    if (f == 0) {
        if (cmc_unit_convertible(v->unit, to))
            cmc_error(c->d, loc, "cannot convert %s to %s: not a plain factor (an offset "
                                 "unit such as degC)", cmc_compile_utext(v->unit), cmc_compile_utext(to));
        else
            cmc_error(c->d, loc, what, cmc_compile_utext(v->unit), cmc_compile_utext(to));
        return -1;
    }
    if (f != 1 && (cmc_compile_record(c, loc, v->unit, to, f) < 0 || cmc_compile_scale(c, v, f) < 0))
        return -1;
    v->unit = to;
    return 0;
}

/* b into a's unit, for + - comparisons min max clamp if. A plain 0 goes with any
   unit (max(0, x)). */
int cmc_compile_commensurate(compiler *c, const cmc_loc *loc, const val *a, val *b, const char *what)
{
    if (b->bare && b->is_const && b->k == 0) {
        b->unit = a->unit;
        return 0;
    }
    if (a->bare && a->is_const && a->k == 0 && !a->unit && b->unit) {
        /* the result takes b's unit: handled by the caller swapping */
        return 1;
    }
    if (!cmc_unit_convertible(a->unit, b->unit)) {
        char msg[512], num[32];
        snprintf(msg, sizeof msg, what, cmc_compile_utext(a->unit), cmc_compile_utext(b->unit));
        /* a plain constant beside a unit: most likely its unit was left out */
        const val *plain = b->bare && b->is_const && a->unit ? b
                           : a->bare && a->is_const && b->unit ? a
                                                               : NULL;
        if (plain) {
            cmc_format_double(num, sizeof num, plain->k);
            size_t n = strlen(msg);
            snprintf(msg + n, sizeof msg - n, " (give the number its unit: %s [%s])", num,
                     cmc_unit_text(plain == b ? a->unit : b->unit));
        }
        cmc_error(c->d, loc, "%s", msg);
        return -1;
    }
    return cmc_compile_convert(c, loc, b, a->unit, what);
}

/* The plain numbers written in e (not those with a unit), for the warning below. */
static void plain_numbers(const cmc_expr *e, const cmc_expr **out, int *n, int cap)
{
    for (; e; e = e->kind == EX_BIN ? e->args[0] : NULL) {
        if (e->kind == EX_NUM) {
            if (!e->unit && *n < cap)
                out[(*n)++] = e;
            return;
        }
        /* a distribution's parameters written as numbers are values, not factors;
           an expression in a parameter may hold factors */
        for (int i = e->kind == EX_BIN ? 1 : 0; i < e->nargs; i++)
            if (e->kind != EX_DIST || e->args[i]->kind != EX_NUM)
                plain_numbers(e->args[i], out, n, cap);
    }
}

/* The double-conversion hazard: `days * 24` where days is in day and the result
   is declared in h gets the factor 24 from the compiler; a plain 24 beside it
   multiplies again. A plain number equal to a factor (or its reciprocal) the
   compiler inserted in the same definition is a warning. */
void cmc_compile_warn_factors(compiler *c, const cmc_expr *value)
{
    if (!c->nfactors)
        return;
    const cmc_expr *nums[64];
    int n = 0;
    plain_numbers(value, nums, &n, 64);
    for (int i = 0; i < n; i++) {
        double x = nums[i]->num;
        if (x == 0 || x == 1 || x == -1)
            continue;
        for (int j = 0; j < c->nfactors; j++) {
            double f = c->factors[j];
            if (fabs(fabs(x) - f) <= 1e-9 * f || fabs(fabs(x) - 1 / f) <= 1e-9 / f) {
                const cmc_conversion *r = NULL;
                for (size_t k = c->m->nconversions; k-- > 0;)
                    if (c->m->conversions[k].factor == f) {
                        r = &c->m->conversions[k];
                        break;
                    }
                char num[32];
                cmc_format_double(num, sizeof num, f);
                cmc_warning(c->d, &nums[i]->loc,
                            "the plain number %s equals the factor %s -> %s (x%s) that carbonmc "
                            "inserts in this definition: the conversion would be applied twice "
                            "(delete the number, or give it its unit, e.g. 24 [h/day])",
                            nums[i]->lit, r ? r->from : "?", r ? r->to : "?", num);
                break;
            }
        }
    }
}

/* An input's plausible range (`input pue in 1 to 3`): a constant outside it is an
   error where it is defined; a distribution that can draw outside it is a warning
   that gives the probability, from the distribution's CDF (exact, not sampled). */
int cmc_compile_check_range(compiler *c, const cmc_sym *s, const val *v, cmc_quantity *q)
{
    const cmc_stmt *in = s->input;
    char lo[32], hi[32], num[32];
    cmc_format_double(lo, sizeof lo, in->lo);
    cmc_format_double(hi, sizeof hi, in->hi);
    const char *u = in->unit ? in->unit : "";
    if (q) {
        q->has_range = 1;
        q->range_lo = in->lo;
        q->range_hi = in->hi;
    }
    const cmc_loc *at = &s->def->value->loc;
    if (v->is_const) {
        if (v->k >= in->lo && v->k <= in->hi)
            return 0;
        cmc_format_double(num, sizeof num, v->k);
        /* a plain number that would fit as a percentage or in a unit 1000 times
           larger: say so (85 for 85%, 0.4 meant as kgCO2e/kWh) */
        char hint[160] = "";
        const cmc_expr *x = s->def->value;
        int plain = v->bare || (x->kind == EX_NUM && !x->unit && !s->def->unit);
        if (plain && in->hi <= 1 && v->k > 1 && v->k <= 100)
            snprintf(hint, sizeof hint, ": a fraction, not a percentage? (%s%% is %s = %g, "
                     "or write %s [%%])", num, s->name, v->k / 100, num);
        else if (plain && *u && v->k * 1000 >= in->lo && v->k * 1000 <= in->hi)
            snprintf(hint, sizeof hint, ": in a unit 1000 times larger? write the unit "
                     "(%s [%s%s])", num, strchr("kMGTmun", u[0]) ? "..." : "k", u);
        cmc_error(c->d, at, "%s = %s%s%s is outside its plausible range %s to %s%s%s (%s:%d)%s",
                  s->name, num, *u ? " " : "", u, lo, hi, *u ? " " : "", u,
                  in->range_loc.src->name, in->range_loc.line, hint);
        return -1;
    }
    if (s->def->value->kind != EX_DIST || !q)
        return 0;
    const cmc_dist *d = c->m->dists[c->m->nq[CMC_RANDOM] - 1];
    double below = isfinite(in->lo) ? cmc_dist_cdf(d, nextafter(in->lo, -INFINITY)) : 0;
    double above = isfinite(in->hi) ? 1 - cmc_dist_cdf(d, in->hi) : 0;
    double share = below + above;
    q->outside = share > 0 ? share : 0;
    if (!(share > 1e-3))   /* outside the central 99.9%: a warning */
        return 0;
    char pct[32];
    snprintf(pct, sizeof pct, "%.3g%%", 100 * share);
    cmc_warning(c->d, at, "%s = %s draws outside its plausible range %s to %s%s%s (%s:%d) with "
                          "probability %s%s",
                s->name, q->expression, lo, hi, *u ? " " : "", u, in->range_loc.src->name,
                in->range_loc.line, pct,
                s->def->value->dist->kind == CMC_DIST_NORMAL
                    ? " (truncate it, truncate(normal(...), lo, hi), or use a lognormal: a to b)"
                    : "");
    return 0;
}

