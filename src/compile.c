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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct val {
    int is_const;
    double k;
    int slot;
} val;

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

static int const_arg(compiler *c, const cmc_expr *e, const char *what, double *out)
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
    *out = v.k;
    return 0;
}

static cmc_dist *build_dist(compiler *c, const cmc_expr *e)
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
                if (!(parts[i] = build_dist(c, e->args[i]))) {
                    while (i--)
                        cmc_dist_free(parts[i]);
                    return NULL;
                }
            } else {
                /* a number is a point mass */
                double v;
                int ok = const_arg(c, e->args[i], "mixture: each component (a distribution or a number)", &v) == 0;
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
        } else if (const_arg(c, e->args[i], what, &p[i]) < 0) {
            return NULL;
        }
        if (e->weights && e->weights[i]) {
            if (const_arg(c, e->weights[i], t->kind == CMC_DIST_CHOICE ? "choice: every weight"
                                                                         : "mixture: every weight",
                          &w[i]) < 0) {
                if (t->kind == CMC_DIST_MIXTURE)
                    for (int j = 0; j <= i; j++)
                        cmc_dist_free(parts[j]);
                return NULL;
            }
        }
    }

    switch (t->kind) {
    case CMC_DIST_CHOICE:
        d = cmc_dist_new_choice(p, e->weights ? w : NULL, (size_t)n, &err);
        break;
    case CMC_DIST_MIXTURE:
        d = cmc_dist_new_mixture(parts, e->weights ? w : NULL, (size_t)n, &err);
        break;
    case CMC_DIST_TRUNCATE: {
        cmc_dist *inner = build_dist(c, e->args[0]);
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

static int compile_dist(compiler *c, const cmc_expr *e, val *out)
{
    if (c->in_param) {
        cmc_error(c->d, &e->loc, "a distribution cannot be a parameter of another "
                                 "(to combine distributions, use mixture())");
        return -1;
    }
    cmc_dist *d = build_dist(c, e);
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
    q->file = e->loc.src->name;
    q->line = e->loc.line;
    q->from_set = s->from_set;
    q->is_default = s->is_default;
    q->point = cmc_dist_point(d);
    out->is_const = 0;
    out->slot = slot;
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
             emit(c, opcode_of(spine[i]->op), a, &a[0]) < 0 ? -1 : 0;
    free(spine);
    *out = a[0];
    return rc;
}

static int compile_expr(compiler *c, const cmc_expr *e, val *out)
{
    val a[3];
    switch (e->kind) {
    case EX_NUM:
        out->is_const = 1;
        out->k = e->num;
        out->slot = -1;
        return 0;
    case EX_NAME: {
        const cmc_sym *s = cmc_graph_find(c->g, e->name);
        out->is_const = s->is_const;
        out->k = s->k;
        out->slot = s->slot;
        return 0;
    }
    case EX_NEG:
        if (compile_expr(c, e->args[0], &a[0]) < 0)
            return -1;
        return emit(c, OP_NEG, a, out);
    case EX_BIN:
        return compile_chain(c, e, out);
    case EX_CALL:
        if (compile_expr(c, e->args[0], &a[0]) < 0)
            return -1;
        if (e->func->opcode == OP_MIN || e->func->opcode == OP_MAX) {
            /* min(a, b, c) = min(min(a, b), c) */
            for (int i = 1; i < e->nargs; i++) {
                if (compile_expr(c, e->args[i], &a[1]) < 0 || emit(c, e->func->opcode, a, &a[0]) < 0)
                    return -1;
            }
            *out = a[0];
            return 0;
        }
        for (int i = 1; i < e->nargs; i++)
            if (compile_expr(c, e->args[i], &a[i]) < 0)
                return -1;
        if (e->func->opcode == OP_CLAMP && a[1].is_const && a[2].is_const && a[1].k > a[2].k)
            return clamp_order_error(c, e, a[1].k, a[2].k);
        return emit(c, e->func->opcode, a, out);
    case EX_DIST:
        return compile_dist(c, e, out);
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
        cmc_buf_printf(&b, "%s = ", s->name);
        cmc_expr_format(&b, s->def->value);
        if (s->def->desc)
            quoted(&b, s->def->desc);
        else if (s->input && s->input->desc)
            quoted(&b, s->input->desc);
        const char *unit = s->def->unit ? s->def->unit : s->input ? s->input->unit : NULL;
        if (unit && !(s->def->value->kind == EX_NUM && s->def->value->unit))
            cmc_buf_printf(&b, " [%s]", unit);
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

int cmc_compile(const cmc_graph *g, cmc_model *m, cmc_diags *d)
{
    compiler c = {m, g, d, m->arena, NULL, 0, 0, NULL, 0, 0};
    for (int i = 0; i < g->norder; i++) {
        cmc_sym *s = g->order[i];
        c.cur = s;
        c.ndist = 0;
        val v;
        if (compile_expr(&c, s->def->value, &v) < 0)
            return -1;
        s->is_const = v.is_const;
        s->k = v.k;
        s->slot = v.slot;
        if (s->def->value->kind == EX_DIST) {
            /* the name is the random input itself: give it the name's labels */
            cmc_quantity *q = &m->q[CMC_RANDOM][m->nq[CMC_RANDOM] - 1];
            q->description = desc_of(s);
            q->unit = unit_of(s);
            continue;
        }
        if (!v.is_const && !m->slot_names[v.slot])
            m->slot_names[v.slot] = s->name;
        cmc_quantity *q = add_quantity(&c, v.is_const ? CMC_CONSTANT : CMC_DERIVED, v.slot);
        if (!q)
            return -1;
        describe(&c, q, s);
        q->point = v.k;
    }
    for (int i = 0; i < g->noutputs; i++) {
        cmc_sym *s = g->outputs[i];
        int slot = s->slot;
        if (s->is_const) {
            /* a constant output still gets a slot, so every output reads alike */
            cmc_op *o = push_op(&c);
            if (!o)
                return -1;
            o->code = OP_COPY;
            o->konst = 1;
            o->k[0] = s->k;
            if ((o->dst = new_slot(&c, s->name)) < 0)
                return -1;
            slot = o->dst;
        }
        cmc_quantity *q = add_quantity(&c, CMC_OUTPUT, slot);
        if (!q)
            return -1;
        describe(&c, q, s);
    }
    m->prog.ops = c.ops;
    m->prog.nops = c.nops;
    if (!(m->source = flatten(&c)))
        return -1;
    return 0;
}
