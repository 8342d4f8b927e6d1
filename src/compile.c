/*
 * compile.c: from resolved definitions to a flat program.
 *
 * The names the outputs need are compiled in dependency order. Each expression
 * becomes either a constant, folded right here with the kernel's own arithmetic
 * (cmc_op_fold), or a slot written by an operation, so `days * 24 * pue` costs two
 * multiplications by a constant and no constant ever occupies a slot. A name that
 * is just another name shares its slot. Every distribution written in the source
 * becomes a random input with a slot of its own; the sampler fills those slots
 * before the program runs. Distribution parameters must fold to constants: a
 * parameter that depends on a random input would make the draws hierarchical, which
 * the block sampler does not do, and is reported as an error where it is written.
 */
#include "lex.h"
#include "model.h"
#include "units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct val {
    int is_const;
    double k;
    int slot;
    const cmc_unit *unit;   /* NULL: a plain number */
    int bare;               /* no unit written anywhere in it */
} val;

#define MAX_FACTORS 32

typedef struct compiler {
    cmc_model *m;
    const cmc_graph *g;
    cmc_diags *d;
    cmc_arena *a;
    cmc_op *ops;
    int nops, capops;
    const cmc_sym *cur;     /* the name being compiled */
    int ndist;              /* distributions met so far in its definition */
    int in_param;           /* compiling a distribution parameter */
    cmc_unit_pool *units;
    double factors[MAX_FACTORS];   /* conversions inserted in the current definition */
    int nfactors;
} compiler;

static int new_slot(compiler *c, const char *name)
{
    cmc_model *m = c->m;
    int s = m->prog.nslots++;
    if ((s & (s - 1)) == 0) {   /* grow at powers of two */
        const char **v = cmc_arena_alloc(c->a, (size_t)(s ? 2 * s : 1) * sizeof *v);
        if (!v)
            return -1;
        if (s)
            memcpy(v, m->slot_names, (size_t)s * sizeof *v);
        m->slot_names = v;
    }
    m->slot_names[s] = name;
    return s;
}

/* A new zeroed operation at the end of the program, NULL if out of memory. */
static cmc_op *push_op(compiler *c)
{
    if (c->nops == c->capops) {
        int cap = c->capops ? 2 * c->capops : 32;
        cmc_op *v = cmc_arena_alloc(c->a, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        if (c->nops)
            memcpy(v, c->ops, (size_t)c->nops * sizeof *v);
        c->ops = v;
        c->capops = cap;
    }
    cmc_op *o = &c->ops[c->nops++];
    memset(o, 0, sizeof *o);
    return o;
}

static int emit(compiler *c, int code, const val *args, val *out)
{
    int n = cmc_op_arity(code);
    int allk = 1;
    double k[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        allk &= args[i].is_const;
        k[i] = args[i].k;
    }
    if (allk) {
        out->is_const = 1;
        out->k = cmc_op_fold(code, k);
        out->slot = -1;
        return 0;
    }
    cmc_op *o = push_op(c);
    if (!o)
        return -1;
    o->code = code;
    for (int i = 0; i < n; i++) {
        if (args[i].is_const) {
            o->konst |= 1u << i;
            o->k[i] = args[i].k;
        } else {
            o->arg[i] = args[i].slot;
        }
    }
    if ((o->dst = new_slot(c, NULL)) < 0)
        return -1;
    out->is_const = 0;
    out->slot = o->dst;
    return 0;
}

static cmc_quantity *add_quantity(compiler *c, cmc_qkind kind, int slot)
{
    cmc_model *m = c->m;
    if (m->nq[kind] == m->cap[kind]) {
        size_t cap = m->cap[kind] ? 2 * m->cap[kind] : 16;
        cmc_quantity *q = cmc_arena_alloc(c->a, cap * sizeof *q);
        int *s = cmc_arena_alloc(c->a, cap * sizeof *s);
        cmc_dist **d = kind == CMC_RANDOM ? cmc_arena_alloc(c->a, cap * sizeof *d) : NULL;
        if (!q || !s || (kind == CMC_RANDOM && !d))
            return NULL;
        if (m->nq[kind]) {
            memcpy(q, m->q[kind], m->nq[kind] * sizeof *q);
            memcpy(s, m->slot[kind], m->nq[kind] * sizeof *s);
            if (d)
                memcpy(d, m->dists, m->nq[kind] * sizeof *d);
        }
        m->q[kind] = q;
        m->slot[kind] = s;
        if (d)
            m->dists = d;
        m->cap[kind] = cap;
    }
    m->slot[kind][m->nq[kind]] = slot;
    cmc_quantity *q = &m->q[kind][m->nq[kind]++];
    memset(q, 0, sizeof *q);
    q->description = q->unit = "";
    return q;
}

static const char *format(compiler *c, const cmc_expr *e)
{
    cmc_buf b;
    cmc_buf_init(&b);
    cmc_expr_format(&b, e);
    const char *s = b.failed ? NULL : cmc_arena_strdup(c->a, cmc_buf_str(&b));
    cmc_buf_free(&b);
    return s ? s : "";
}

static int compile_expr(compiler *c, const cmc_expr *e, val *out);
static int opcode_of(int tok);

/* ---- units ---------------------------------------------------------------------- */

static const char *utext(const cmc_unit *u)
{
    return u ? cmc_unit_text(u) : "a plain number";
}

/* The unit of a [label] written at loc, or an error there. *ok = 0 on error. */
static const cmc_unit *label_unit(compiler *c, const char *text, const cmc_loc *loc, int *ok)
{
    char msg[512];
    *ok = 1;
    if (!text || !strcmp(text, "1"))
        return NULL;
    cmc_unit *u = cmc_unit_parse(c->units, text, msg, sizeof msg);
    if (!u && msg[0]) {
        /* "1" parses to NULL without a message; anything else that is NULL failed */
        cmc_error(c->d, loc, "%s", msg);
        *ok = 0;
    }
    return u;
}

static int record_conversion(compiler *c, const cmc_loc *loc, const cmc_unit *from,
                             const cmc_unit *to, double f)
{
    cmc_model *m = c->m;
    if (c->nfactors < MAX_FACTORS)
        c->factors[c->nfactors++] = f;
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
    r->name = c->cur ? c->cur->name : "";
    r->file = loc->src->name;
    r->line = loc->line;
    r->col = loc->col;
    r->from = cmc_arena_strdup(c->a, cmc_unit_text(from));
    r->to = cmc_arena_strdup(c->a, cmc_unit_text(to));
    r->factor = f;
    return r->from && r->to ? 0 : -1;
}

/* Scale v by f (folded when v is a constant, else one multiplication). */
static int scale(compiler *c, val *v, double f)
{
    if (f == 1)
        return 0;
    val a[2] = {*v, {1, f, -1, NULL, 1}};
    const cmc_unit *u = v->unit;
    int bare = v->bare;
    if (emit(c, OP_MUL, a, v) < 0)
        return -1;
    v->unit = u;
    v->bare = bare;
    return 0;
}

/* Convert v (written at loc) to unit `to`; what says what needs it, for the
   message ("cannot add kW and day"). */
static int convert(compiler *c, const cmc_loc *loc, val *v, const cmc_unit *to,
                   const char *what)
{
    if (v->unit == to)
        return 0;
    double f = cmc_unit_factor(v->unit, to);
    if (f == 0) {
        if (cmc_unit_convertible(v->unit, to))
            cmc_error(c->d, loc, "cannot convert %s to %s: not a plain factor (an offset "
                                 "unit such as degC)", utext(v->unit), utext(to));
        else
            cmc_error(c->d, loc, what, utext(v->unit), utext(to));
        return -1;
    }
    if (f != 1 && (record_conversion(c, loc, v->unit, to, f) < 0 || scale(c, v, f) < 0))
        return -1;
    v->unit = to;
    return 0;
}

/* b into a's unit, for + - comparisons min max clamp if. A plain 0 goes with any
   unit (max(0, x)). */
static int commensurate(compiler *c, const cmc_loc *loc, const val *a, val *b, const char *what)
{
    if (b->bare && b->is_const && b->k == 0) {
        b->unit = a->unit;
        return 0;
    }
    if (a->bare && a->is_const && a->k == 0 && a->unit != b->unit) {
        /* the result takes b's unit: handled by the caller swapping */
        return 1;
    }
    if (!cmc_unit_convertible(a->unit, b->unit)) {
        cmc_error(c->d, loc, what, utext(a->unit), utext(b->unit));
        return -1;
    }
    return convert(c, loc, b, a->unit, what);
}

static int binary_op(compiler *c, const cmc_expr *op, val *a, val *b, val *out)
{
    int code = opcode_of(op->op);
    int ok = 1;
    const cmc_unit *u = NULL;
    int bare = a->bare && b->bare;
    switch (code) {
    case OP_ADD:
    case OP_SUB:
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_EQ: case OP_NE: {
        const char *what = code == OP_ADD   ? "cannot add %s and %s"
                           : code == OP_SUB ? "cannot subtract %s and %s"
                                            : "cannot compare %s with %s";
        int r = commensurate(c, &op->loc, a, b, what);
        if (r < 0)
            return -1;
        if (r == 1)
            a->unit = b->unit;   /* 0 - x: the 0 takes x's unit */
        u = code == OP_ADD || code == OP_SUB ? a->unit : NULL;
        break;
    }
    case OP_MUL:
        u = cmc_unit_mul(c->units, a->unit, b->unit, &ok);
        break;
    case OP_DIV:
        u = cmc_unit_div(c->units, a->unit, b->unit, &ok);
        break;
    case OP_POW:
        if (!cmc_unit_dimensionless(b->unit)) {
            cmc_error(c->d, &op->loc, "'^' needs a dimensionless exponent, got %s",
                      utext(b->unit));
            return -1;
        }
        if (convert(c, &op->loc, b, NULL, "'^': cannot convert %s to %s") < 0)
            return -1;
        if (a->unit && !cmc_unit_dimensionless(a->unit)) {
            double n = b->k;
            if (!b->is_const || !(n == floor(n) || n * 2 == floor(n * 2)) || fabs(n) > 64) {
                cmc_error(c->d, &op->loc, "a quantity in %s can only be raised to a constant "
                                          "whole or half power", utext(a->unit));
                return -1;
            }
            if (n == floor(n)) {
                u = cmc_unit_pow(c->units, a->unit, (int)n, &ok);
            } else {
                const cmc_unit *r = cmc_unit_root(c->units, a->unit, 2, &ok);
                u = ok ? cmc_unit_pow(c->units, r, (int)(n * 2), &ok) : NULL;
            }
        } else if (convert(c, &op->loc, a, NULL, "'^': cannot convert %s to %s") < 0) {
            return -1;
        }
        break;
    }
    if (!ok) {
        cmc_error(c->d, &op->loc, "unit arithmetic failed (%s and %s)", utext(a->unit),
                  utext(b->unit));
        return -1;
    }
    val args[2] = {*a, *b};
    if (emit(c, code, args, out) < 0)
        return -1;
    out->unit = u;
    out->bare = bare;
    return 0;
}

/* ---- distributions ------------------------------------------------------------------ */

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
    int rc = compile_expr(c, e, &v);
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
    if (convert(c, &e->loc, &v, to, msg) < 0)
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
        if (x->kind == EX_NUM && x->unit) {
            int ok;
            const cmc_unit *u = label_unit(c, x->unit, &x->loc, &ok);
            if (ok && param_class(e->dist, i) == 1)
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
                      t->name, utext(dflt), utext(unit));
            return NULL;
        }
        if (record_conversion(c, &e->loc, dflt, unit, f) < 0)
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
static int compile_dist(compiler *c, const cmc_expr *e, const cmc_unit *dflt,
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
    int slot = name ? new_slot(c, name) : -1;
    cmc_quantity *q = slot >= 0 ? add_quantity(c, CMC_RANDOM, slot) : NULL;
    if (!q) {
        cmc_dist_free(d);
        return -1;
    }
    c->m->dists[c->m->nq[CMC_RANDOM] - 1] = d;
    q->name = name;
    q->expression = format(c, e);
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

static int opcode_of(int tok)
{
    switch (tok) {
    case TK_PLUS: return OP_ADD;
    case TK_MINUS: return OP_SUB;
    case TK_STAR: return OP_MUL;
    case TK_SLASH: return OP_DIV;
    case TK_CARET: return OP_POW;
    case TK_LT: return OP_LT;
    case TK_LE: return OP_LE;
    case TK_GT: return OP_GT;
    case TK_GE: return OP_GE;
    case TK_EQ: return OP_EQ;
    default: return OP_NE;
    }
}

static int clamp_order_error(compiler *c, const cmc_expr *e, double lo, double hi)
    __attribute__((noinline));

/* A constant clamp(x, lo, hi) with lo > hi: an error where lo is written. Kept out
   of compile_expr so that its buffers do not enlarge every recursive frame. */
static int clamp_order_error(compiler *c, const cmc_expr *e, double lo, double hi)
{
    char l[32], h[32];
    cmc_format_double(l, sizeof l, lo);
    cmc_format_double(h, sizeof h, hi);
    cmc_error(c->d, &e->args[1]->loc, "clamp: lo must be <= hi (got lo = %s, hi = %s)", l, h);
    return -1;
}

/* A chain of binary operators down its left spine, x0 op1 y1 op2 y2 ...: the
   leftmost operand, then each right operand and operation in turn, in a loop, so
   the chain's length costs no stack (a sum of 50,000 terms). The same order as the
   recursion it replaces, hence the same program. O(chain). */
static int compile_chain(compiler *c, const cmc_expr *e, val *out)
{
    size_t n = 0;
    const cmc_expr *x = e;
    for (; x->kind == EX_BIN; x = x->args[0])
        n++;
    const cmc_expr **spine = malloc(n * sizeof *spine);
    if (!spine) {
        cmc_error(c->d, &e->loc, "out of memory");
        return -1;
    }
    size_t i = n;
    for (x = e; x->kind == EX_BIN; x = x->args[0])
        spine[--i] = x;   /* spine[0] is the lowest operator */
    val a[2];
    int rc = compile_expr(c, x, &a[0]);
    for (i = 0; i < n && rc == 0; i++)
        rc = compile_expr(c, spine[i]->args[1], &a[1]) < 0 ||
             binary_op(c, spine[i], &a[0], &a[1], &a[0]) < 0 ? -1 : 0;
    free(spine);
    *out = a[0];
    return rc;
}

static int compile_call(compiler *c, const cmc_expr *e, val *out)
{
    val a[3];
    int code = e->func->opcode;
    const char *fn = e->func->name;
    char what[96];
    if (compile_expr(c, e->args[0], &a[0]) < 0)
        return -1;
    if (code == OP_MIN || code == OP_MAX) {
        /* min(a, b, c) = min(min(a, b), c) */
        snprintf(what, sizeof what, "%s: cannot compare %%s with %%s", fn);
        for (int i = 1; i < e->nargs; i++) {
            if (compile_expr(c, e->args[i], &a[1]) < 0)
                return -1;
            int r = commensurate(c, &e->args[i]->loc, &a[0], &a[1], what);
            if (r < 0)
                return -1;
            if (r == 1)
                a[0].unit = a[1].unit;
            const cmc_unit *u = a[0].unit;
            int bare = a[0].bare && a[1].bare;
            if (emit(c, code, a, &a[0]) < 0)
                return -1;
            a[0].unit = u;
            a[0].bare = bare;
        }
        *out = a[0];
        return 0;
    }
    for (int i = 1; i < e->nargs; i++)
        if (compile_expr(c, e->args[i], &a[i]) < 0)
            return -1;
    const cmc_unit *u = a[0].unit;
    int bare = a[0].bare;
    int ok = 1;
    switch (code) {
    case OP_EXP:
    case OP_LOG:
    case OP_LOG10:
        snprintf(what, sizeof what, "%s needs a dimensionless argument, got %%s", fn);
        if (!cmc_unit_dimensionless(a[0].unit)) {
            cmc_error(c->d, &e->args[0]->loc, what, utext(a[0].unit));
            return -1;
        }
        if (convert(c, &e->args[0]->loc, &a[0], NULL, what) < 0)
            return -1;
        u = NULL;
        break;
    case OP_SQRT:
        u = cmc_unit_root(c->units, a[0].unit, 2, &ok);
        if (!ok) {
            cmc_error(c->d, &e->args[0]->loc, "sqrt: %s has no square root",
                      utext(a[0].unit));
            return -1;
        }
        break;
    case OP_CLAMP:
        snprintf(what, sizeof what, "clamp: cannot compare %%s with %%s");
        for (int i = 1; i < 3; i++) {
            int r = commensurate(c, &e->args[i]->loc, &a[0], &a[i], what);
            if (r < 0)
                return -1;
            if (r == 1 && convert(c, &e->args[0]->loc, &a[0], a[i].unit, what) < 0)
                return -1;
            bare &= a[i].bare;
        }
        u = a[0].unit;
        break;
    case OP_IF: {
        snprintf(what, sizeof what, "if: the two values must be commensurable (%%s and %%s)");
        int r = commensurate(c, &e->args[2]->loc, &a[1], &a[2], what);
        if (r < 0)
            return -1;
        if (r == 1)
            a[1].unit = a[2].unit;
        u = a[1].unit;
        bare = a[1].bare && a[2].bare;
        break;
    }
    default:   /* abs floor ceil keep the unit */
        break;
    }
    if (code == OP_CLAMP && a[1].is_const && a[2].is_const && a[1].k > a[2].k)
        return clamp_order_error(c, e, a[1].k, a[2].k);
    if (emit(c, code, a, out) < 0)
        return -1;
    out->unit = u;
    out->bare = bare;
    return 0;
}

static int compile_expr(compiler *c, const cmc_expr *e, val *out)
{
    val a[1];
    int ok = 1;
    switch (e->kind) {
    case EX_NUM:
        out->is_const = 1;
        out->k = e->num;
        out->slot = -1;
        out->unit = label_unit(c, e->unit, &e->loc, &ok);
        out->bare = !e->unit;
        return ok ? 0 : -1;
    case EX_NAME: {
        const cmc_sym *s = cmc_graph_find(c->g, e->name);
        out->is_const = s->is_const;
        out->k = s->k;
        out->slot = s->slot;
        out->unit = s->unit;
        out->bare = s->bare;
        return 0;
    }
    case EX_NEG:
        if (compile_expr(c, e->args[0], &a[0]) < 0)
            return -1;
        if (emit(c, OP_NEG, a, out) < 0)
            return -1;
        out->unit = a[0].unit;
        out->bare = a[0].bare;
        return 0;
    case EX_BIN:
        return compile_chain(c, e, out);
    case EX_CALL:
        return compile_call(c, e, out);
    case EX_DIST:
        return compile_dist(c, e, NULL, NULL, 0, out);
    }
    return -1;
}

static const char *desc_of(const cmc_sym *s)
{
    if (s->output && s->output->desc)
        return s->output->desc;
    if (s->input && s->input->desc)
        return s->input->desc;
    return s->def && s->def->desc ? s->def->desc : "";
}

static const char *unit_of(const cmc_sym *s)
{
    if (s->output && s->output->unit)
        return s->output->unit;
    if (s->input && s->input->unit)
        return s->input->unit;
    return s->def && s->def->unit ? s->def->unit : "";
}

static void describe(compiler *c, cmc_quantity *q, const cmc_sym *s)
{
    q->name = s->name;
    q->description = desc_of(s);
    q->unit = unit_of(s);
    q->expression = format(c, s->def->value);
    q->file = s->def_src->name;
    q->line = s->def->name_loc.line;
    q->from_set = s->from_set;
    q->is_default = s->is_default;
}

static void quoted(cmc_buf *b, const char *s)
{
    cmc_buf_puts(b, " ");
    cmc_buf_quote(b, s);
}

/* The flattened scenario: one definition per needed name in evaluation order, with
   its labels and where it came from, then the outputs. It reads back into the same
   program (random inputs keep their names: "y.1" is the first distribution in y). */
static char *flatten(compiler *c)
{
    const cmc_graph *g = c->g;
    cmc_buf b;
    cmc_buf_init(&b);
    cmc_buf_puts(&b, "# The scenario as run: every definition in force after `use` and "
                     "--set,\n# in evaluation order. Generated by carbonmc.\n");
    if (g->title) {
        cmc_buf_puts(&b, "title");
        quoted(&b, g->title);
        cmc_buf_puts(&b, "\n");
    }
    for (int i = 0; i < g->norder + g->nsyms; i++) {
        /* the definitions the outputs need, in evaluation order; then those only
           the variants need (or define), so that the variant lines model.c adds
           read back; a variant's name with no definition here is an input */
        const cmc_sym *s = i < g->norder ? g->order[i] : g->syms[i - g->norder];
        if (i >= g->norder && (s->needed || !s->variant_used))
            continue;
        if (!s->def) {
            cmc_buf_printf(&b, "input %s", s->name);
            if (s->input && s->input->unit)
                cmc_buf_printf(&b, " [%s]", s->input->unit);
            if (s->input && s->input->desc)
                quoted(&b, s->input->desc);
            cmc_buf_puts(&b, "    # set by variants\n");
            continue;
        }
        /* the unit the value is written in, and the input's if it differs: the
           compiler converts from one to the other again when this is read back */
        const char *unit = s->def->unit ? s->def->unit : s->input ? s->input->unit : NULL;
        if (s->input && s->input->unit && unit != s->input->unit)
            cmc_buf_printf(&b, "input %s [%s]\n", s->name, s->input->unit);
        /* `x = 300 [W]`, `x = 150 to 400 [W]`, `x [kWh] = p * t` (parse.c) */
        int kind = s->def->value->kind, after = kind == EX_NUM || kind == EX_DIST;
        cmc_buf_printf(&b, "%s", s->name);
        if (unit && !after)
            cmc_buf_printf(&b, " [%s]", unit);
        cmc_buf_puts(&b, " = ");
        cmc_expr_format(&b, s->def->value);
        if (unit && after && !(kind == EX_NUM && s->def->value->unit))
            cmc_buf_printf(&b, " [%s]", unit);
        if (s->def->desc)
            quoted(&b, s->def->desc);
        else if (s->input && s->input->desc)
            quoted(&b, s->input->desc);
        if (s->from_set)
            cmc_buf_puts(&b, "    # --set\n");
        else
            cmc_buf_printf(&b, "    # %s:%d\n", s->def_src->name, s->def->name_loc.line);
    }
    for (int i = 0; i < g->noutputs; i++) {
        const cmc_sym *s = g->outputs[i];
        cmc_buf_printf(&b, "output %s", s->name);
        if (*unit_of(s))
            cmc_buf_printf(&b, " [%s]", unit_of(s));
        if (*desc_of(s))
            quoted(&b, desc_of(s));
        cmc_buf_puts(&b, "\n");
    }
    /* a definition longer than a line may be (a sum of 50,000 terms) is continued
       over several lines, so that the text reads back */
    cmc_buf w;
    cmc_buf_init(&w);
    cmc_lex_wrap(&w, cmc_buf_str(&b), 1000);
    char *r = b.failed || w.failed ? NULL : cmc_arena_strdup(c->a, cmc_buf_str(&w));
    cmc_buf_free(&b);
    cmc_buf_free(&w);
    return r;
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
static void warn_plain_factors(compiler *c, const cmc_expr *value)
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

/* One definition: its value in the unit it is written in (a [unit] on its line,
   else the input's or output's declared unit, which plain values take), then
   converted to the name's unit (the input's, else the output's, else that). */
static int compile_def(compiler *c, cmc_sym *s, val *v)
{
    const cmc_stmt *def = s->def;
    int ok = 1, has_src = 0, has_dst = 0;
    const cmc_unit *src = NULL, *dst = NULL;
    if (def->unit) {
        const cmc_loc *l = def->value->kind == EX_NUM && def->value->unit ? &def->value->loc
                                                                           : &def->name_loc;
        src = label_unit(c, def->unit, l, &ok);
        has_src = 1;
    }
    if (ok && s->input) {
        dst = label_unit(c, s->input->unit, &s->input->name_loc, &ok);
        has_dst = 1;
    } else if (ok && s->output && s->output->unit) {
        dst = label_unit(c, s->output->unit, &s->output->name_loc, &ok);
        has_dst = 1;
    }
    if (!ok)
        return -1;
    if (!has_src) {
        src = dst;
        has_src = has_dst;
    }
    if (!has_dst) {
        dst = src;
        has_dst = has_src;
    }
    c->nfactors = 0;
    if (def->value->kind == EX_DIST) {
        if (compile_dist(c, def->value, src, dst, has_dst, v) < 0)
            return -1;
    } else {
        if (compile_expr(c, def->value, v) < 0)
            return -1;
        const cmc_loc *at = &def->value->loc;
        char what[160];
        if (v->bare && has_src) {
            v->unit = src;
        } else if (has_src) {
            snprintf(what, sizeof what, "%s is declared in %%2$s but its definition is in %%1$s",
                     s->name);
            if (!cmc_unit_convertible(v->unit, src)) {
                cmc_error(c->d, &def->name_loc, what, utext(v->unit), utext(src));
                return -1;
            }
            if (convert(c, at, v, src, what) < 0)
                return -1;
        }
        if (has_dst) {
            snprintf(what, sizeof what, "%s is declared in %%2$s but its definition is in %%1$s",
                     s->name);
            if (!cmc_unit_convertible(v->unit, dst)) {
                cmc_error(c->d, &def->name_loc, what, utext(v->unit), utext(dst));
                return -1;
            }
            if (convert(c, at, v, dst, what) < 0)
                return -1;
        }
        warn_plain_factors(c, def->value);
    }
    s->unit = v->unit;
    s->bare = v->bare && !has_src && !has_dst;
    return 0;
}

/* An input's plausible range (`input pue in 1 to 3`): a constant outside it is an
   error where it is defined; a distribution that can draw outside it is a warning
   that gives the probability, from the distribution's CDF (exact, not sampled). */
static int check_range(compiler *c, const cmc_sym *s, const val *v, cmc_quantity *q)
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

int cmc_compile(const cmc_graph *g, cmc_model *m, cmc_diags *d)
{
    compiler c = {m, g, d, m->arena, NULL, 0, 0, NULL, 0, 0, cmc_unit_pool_new(), {0}, 0};
    int rc = -1;
    if (!c.units)
        return -1;
    for (int i = 0; i < g->norder; i++) {
        cmc_sym *s = g->order[i];
        c.cur = s;
        c.ndist = 0;
        val v;
        if (compile_def(&c, s, &v) < 0)
            goto done;
        s->is_const = v.is_const;
        s->k = v.k;
        s->slot = v.slot;
        const char *ut = v.unit ? cmc_arena_strdup(c.a, cmc_unit_text(v.unit)) : "";
        if (s->def->value->kind == EX_DIST) {
            /* the name is the random input itself: give it the name's labels */
            cmc_quantity *q = &m->q[CMC_RANDOM][m->nq[CMC_RANDOM] - 1];
            q->description = desc_of(s);
            q->unit = ut;
            if (s->input && s->input->has_range && check_range(&c, s, &v, q) < 0)
                goto done;
            continue;
        }
        if (s->input && s->input->has_range && check_range(&c, s, &v, NULL) < 0)
            goto done;
        if (!v.is_const && !m->slot_names[v.slot])
            m->slot_names[v.slot] = s->name;
        cmc_quantity *q = add_quantity(&c, v.is_const ? CMC_CONSTANT : CMC_DERIVED, v.slot);
        if (!q)
            goto done;
        describe(&c, q, s);
        q->unit = ut;
        q->point = v.k;
    }
    for (int i = 0; i < g->noutputs; i++) {
        cmc_sym *s = g->outputs[i];
        int slot = s->slot;
        if (s->is_const) {
            /* a constant output still gets a slot, so every output reads alike */
            cmc_op *o = push_op(&c);
            if (!o)
                goto done;
            o->code = OP_COPY;
            o->konst = 1;
            o->k[0] = s->k;
            if ((o->dst = new_slot(&c, s->name)) < 0)
                goto done;
            slot = o->dst;
        }
        cmc_quantity *q = add_quantity(&c, CMC_OUTPUT, slot);
        if (!q)
            goto done;
        describe(&c, q, s);
        q->unit = s->unit ? cmc_arena_strdup(c.a, cmc_unit_text(s->unit)) : "";
    }
    m->prog.ops = c.ops;
    m->prog.nops = c.nops;
    if (!(m->source = flatten(&c)))
        goto done;
    rc = 0;
done:
    cmc_unit_pool_free(c.units);
    return rc;
}
