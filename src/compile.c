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
 *
 * Every expression also gets its unit (README "Units and ranges"): `*` and `/`
 * combine units, `+ -` comparisons and the like convert their right operand into
 * the left's, and each definition is converted into the unit its name is declared
 * in. A conversion is a factor folded here, never work per sample beyond one
 * multiplication (compile_units.c).
 */
#include "compile.h"
#include "lex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmc_compile_new_slot(compiler *c, const char *name)
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

int cmc_compile_emit(compiler *c, int code, const val *args, val *out)
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
    if ((o->dst = cmc_compile_new_slot(c, NULL)) < 0)
        return -1;
    out->is_const = 0;
    out->slot = o->dst;
    return 0;
}

cmc_quantity *cmc_compile_add_quantity(compiler *c, cmc_qkind kind, int slot)
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

const char *cmc_compile_format(compiler *c, const cmc_expr *e)
{
    cmc_buf b;
    cmc_buf_init(&b);
    cmc_expr_format(&b, e);
    const char *s = b.failed ? NULL : cmc_arena_strdup(c->a, cmc_buf_str(&b));
    cmc_buf_free(&b);
    return s ? s : "";
}

static int opcode_of(int tok);

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
        int r = cmc_compile_commensurate(c, &op->loc, a, b, what);
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
                      cmc_compile_utext(b->unit));
            return -1;
        }
        if (cmc_compile_convert(c, &op->loc, b, NULL, "'^': cannot convert %s to %s") < 0)
            return -1;
        if (a->unit && !cmc_unit_dimensionless(a->unit)) {
            double n = b->k;
            if (!b->is_const || !(n == floor(n) || n * 2 == floor(n * 2)) || fabs(n) > 64) {
                cmc_error(c->d, &op->loc, "a quantity in %s can only be raised to a constant "
                                          "whole or half power", cmc_compile_utext(a->unit));
                return -1;
            }
            if (n == floor(n)) {
                u = cmc_unit_pow(c->units, a->unit, (int)n, &ok);
            } else {
                const cmc_unit *r = cmc_unit_root(c->units, a->unit, 2, &ok);
                u = ok ? cmc_unit_pow(c->units, r, (int)(n * 2), &ok) : NULL;
            }
        } else if (cmc_compile_convert(c, &op->loc, a, NULL, "'^': cannot convert %s to %s") < 0) {
            return -1;
        }
        break;
    }
    if (!ok) {
        cmc_error(c->d, &op->loc, "unit arithmetic failed (%s and %s)", cmc_compile_utext(a->unit),
                  cmc_compile_utext(b->unit));
        return -1;
    }
    val args[2] = {*a, *b};
    if (cmc_compile_emit(c, code, args, out) < 0)
        return -1;
    out->unit = u;
    out->bare = bare;
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
    int rc = cmc_compile_expr(c, x, &a[0]);
    for (i = 0; i < n && rc == 0; i++)
        rc = cmc_compile_expr(c, spine[i]->args[1], &a[1]) < 0 ||
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
    if (cmc_compile_expr(c, e->args[0], &a[0]) < 0)
        return -1;
    if (code == OP_MIN || code == OP_MAX) {
        /* min(a, b, c) = min(min(a, b), c) */
        snprintf(what, sizeof what, "%s: cannot compare %%s with %%s", fn);
        for (int i = 1; i < e->nargs; i++) {
            if (cmc_compile_expr(c, e->args[i], &a[1]) < 0)
                return -1;
            int r = cmc_compile_commensurate(c, &e->args[i]->loc, &a[0], &a[1], what);
            if (r < 0)
                return -1;
            if (r == 1)
                a[0].unit = a[1].unit;
            const cmc_unit *u = a[0].unit;
            int bare = a[0].bare && a[1].bare;
            if (cmc_compile_emit(c, code, a, &a[0]) < 0)
                return -1;
            a[0].unit = u;
            a[0].bare = bare;
        }
        *out = a[0];
        return 0;
    }
    for (int i = 1; i < e->nargs; i++)
        if (cmc_compile_expr(c, e->args[i], &a[i]) < 0)
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
            cmc_error(c->d, &e->args[0]->loc, what, cmc_compile_utext(a[0].unit));
            return -1;
        }
        if (cmc_compile_convert(c, &e->args[0]->loc, &a[0], NULL, what) < 0)
            return -1;
        u = NULL;
        break;
    case OP_SQRT:
        u = cmc_unit_root(c->units, a[0].unit, 2, &ok);
        if (!ok) {
            cmc_error(c->d, &e->args[0]->loc, "sqrt: %s has no square root",
                      cmc_compile_utext(a[0].unit));
            return -1;
        }
        break;
    case OP_CLAMP:
        snprintf(what, sizeof what, "clamp: cannot compare %%s with %%s");
        for (int i = 1; i < 3; i++) {
            int r = cmc_compile_commensurate(c, &e->args[i]->loc, &a[0], &a[i], what);
            if (r < 0)
                return -1;
            if (r == 1)
                a[0].unit = a[i].unit;   /* clamp(0, lo, hi): the 0 takes their unit */
            bare &= a[i].bare;
        }
        u = a[0].unit;
        break;
    case OP_IF: {
        snprintf(what, sizeof what, "if: the two values must be commensurable (%%s and %%s)");
        int r = cmc_compile_commensurate(c, &e->args[2]->loc, &a[1], &a[2], what);
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
    if (cmc_compile_emit(c, code, a, out) < 0)
        return -1;
    out->unit = u;
    out->bare = bare;
    return 0;
}

int cmc_compile_expr(compiler *c, const cmc_expr *e, val *out)
{
    val a[1];
    int ok = 1;
    switch (e->kind) {
    case EX_NUM:
        out->is_const = 1;
        out->k = e->num;
        out->slot = -1;
        out->unit = cmc_compile_label(c, e->unit, &e->unit_loc, &ok);
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
        if (cmc_compile_expr(c, e->args[0], &a[0]) < 0)
            return -1;
        if (cmc_compile_emit(c, OP_NEG, a, out) < 0)
            return -1;
        out->unit = a[0].unit;
        out->bare = a[0].bare;
        return 0;
    case EX_BIN:
        return compile_chain(c, e, out);
    case EX_CALL:
        return compile_call(c, e, out);
    case EX_DIST:
        return cmc_compile_dist(c, e, NULL, NULL, 0, out);
    case EX_PARAM:   /* func.c replaces every one */
        break;
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
    q->expression = cmc_compile_format(c, s->def->value);
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
        const cmc_stmt *w = unit || s->input ? NULL : cmc_map_get(&c->declared, s->name);
        if (w && w != s->def)   /* the unit of the definition it replaced (compile_def) */
            unit = w->unit;
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
    for (int i = 0; i < g->nshown; i++)
        cmc_buf_printf(&b, "%s %s", i ? "," : "report", g->shown[i]->name);
    if (g->reporting)
        cmc_buf_puts(&b, "\n");
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

/* One definition: its value in the unit it is written in (a [unit] on its line,
   else the input's or output's declared unit, which plain values take), then
   converted to the name's unit (the input's, else the output's, else that). */
static int compile_def(compiler *c, cmc_sym *s, val *v)
{
    const cmc_stmt *def = s->def;
    int ok = 1, has_src = 0, has_dst = 0;
    const cmc_unit *src = NULL, *dst = NULL;
    if (def->unit) {
        src = cmc_compile_label(c, def->unit, &def->unit_loc, &ok);
        has_src = 1;
    }
    if (ok && s->input) {
        dst = cmc_compile_label(c, s->input->unit, &s->input->unit_loc, &ok);
        has_dst = 1;
        const cmc_unit *o = ok && s->output && s->output->unit
                                ? cmc_compile_label(c, s->output->unit, &s->output->unit_loc, &ok)
                                : dst;
        if (ok && cmc_unit_factor(o, dst) != 1) {
            /* one quantity, one unit: --unit shows it in another */
            cmc_error(c->d, &s->output->unit_loc, "%s is an input in %s and an output in %s: "
                      "declare one unit (carbonmc summary --unit %s=%s shows it in another)",
                      s->name, cmc_compile_utext(dst), cmc_compile_utext(o), s->name,
                      cmc_unit_text(o));
            return -1;
        }
    } else if (ok && s->output && s->output->unit) {
        dst = cmc_compile_label(c, s->output->unit, &s->output->unit_loc, &ok);
        has_dst = 1;
    } else if (ok && !has_src) {
        /* a definition that replaces one declaring a unit (`gpu_hours = 39.3M` for a
           model's `gpu_hours [h] = ...`) is in that unit, as an input's would be */
        const cmc_stmt *w = cmc_map_get(&c->declared, s->name);
        if (w && w != def) {
            dst = cmc_compile_label(c, w->unit, &w->unit_loc, &ok);
            has_dst = 1;
        }
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
        if (cmc_compile_dist(c, def->value, src, dst, has_dst, v) < 0)
            return -1;
    } else {
        if (cmc_compile_expr(c, def->value, v) < 0)
            return -1;
        const cmc_loc *at = &def->value->loc;
        char what[160];
        if (v->bare && has_src) {
            v->unit = src;
        } else if (has_src) {
            snprintf(what, sizeof what, "%s is declared in %%2$s but its definition is in %%1$s",
                     s->name);
            if (!cmc_unit_convertible(v->unit, src)) {
                cmc_error(c->d, &def->name_loc, what, cmc_compile_utext(v->unit), cmc_compile_utext(src));
                return -1;
            }
            if (cmc_compile_convert(c, at, v, src, what) < 0)
                return -1;
        }
        if (has_dst) {
            snprintf(what, sizeof what, "%s is declared in %%2$s but its definition is in %%1$s",
                     s->name);
            if (!cmc_unit_convertible(v->unit, dst)) {
                cmc_error(c->d, &def->name_loc, what, cmc_compile_utext(v->unit), cmc_compile_utext(dst));
                return -1;
            }
            if (cmc_compile_convert(c, at, v, dst, what) < 0)
                return -1;
        }
        cmc_compile_warn_factors(c, def->value);
    }
    s->unit = v->unit;
    s->bare = v->bare && !has_src && !has_dst;
    return 0;
}

int cmc_compile(const cmc_graph *g, cmc_model *m, cmc_diags *d)
{
    compiler c = {m, g, d, m->arena, NULL, 0, 0, NULL, 0, 0, cmc_unit_pool_new(), {0}, 0, {0}};
    int rc = -1;
    if (!c.units)
        return -1;
    /* the definitions in the files that declare a unit, by name (compile_def) */
    cmc_map_init(&c.declared, c.a);
    for (const cmc_file *f = g->files; f; f = f->next)
        for (const cmc_stmt *st = f->stmts; st; st = st->next)
            if (st->kind == ST_DEF && st->unit && !cmc_map_get(&c.declared, st->name) &&
                cmc_map_put(&c.declared, st->name, (void *)st) < 0)
                goto done;
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
            if (s->input && s->input->has_range && cmc_compile_check_range(&c, s, &v, q) < 0)
                goto done;
            continue;
        }
        if (s->input && s->input->has_range && cmc_compile_check_range(&c, s, &v, NULL) < 0)
            goto done;
        if (!v.is_const && !m->slot_names[v.slot])
            m->slot_names[v.slot] = s->name;
        cmc_quantity *q = cmc_compile_add_quantity(&c, v.is_const ? CMC_CONSTANT : CMC_DERIVED, v.slot);
        if (!q)
            goto done;
        describe(&c, q, s);
        q->unit = ut;
        q->point = v.k;
    }
    /* the outputs: all of them, or the ones `report` names in its order (the others
       are still computed, as derived quantities) */
    int nout = g->reporting ? g->nshown : g->noutputs;
    for (int i = 0; i < nout; i++) {
        cmc_sym *s = g->reporting ? g->shown[i] : g->outputs[i];
        int slot = s->slot;
        if (s->is_const) {
            /* a constant output still gets a slot, so every output reads alike */
            cmc_op *o = push_op(&c);
            if (!o)
                goto done;
            o->code = OP_COPY;
            o->konst = 1;
            o->k[0] = s->k;
            if ((o->dst = cmc_compile_new_slot(&c, s->name)) < 0)
                goto done;
            slot = o->dst;
        }
        cmc_quantity *q = cmc_compile_add_quantity(&c, CMC_OUTPUT, slot);
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
