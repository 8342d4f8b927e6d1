/*
 * model.c: the public face of a compiled model: load (parse, resolve, compile),
 * the point evaluation, accessors.
 *
 * Loading is all or nothing: any error leaves no model and everything allocated so
 * far is released with the model's arena. The point values are computed once at
 * load by running the compiled program on a single sample whose random slots hold
 * each distribution's point value (its median; a choice its first value), so
 * `point` exercises exactly the arithmetic that sampling will.
 */
#include "model.h"
#include "copula.h"
#include "lex.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef CMC_VERSION
#define CMC_VERSION "0"
#endif

const char *cmc_version(void)
{
    return CMC_VERSION;
}

void cmc_model_free(cmc_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nvariants; i++)
        cmc_model_free(m->variants[i].m);
    for (size_t i = 0; i < m->nq[CMC_RANDOM]; i++)
        cmc_dist_free(m->dists[i]);
    cmc_copula_free(m->copula);
    cmc_arena_free(m->arena);
}

static int evaluate_points(cmc_model *m)
{
    double *slots = calloc((size_t)m->prog.nslots + 1, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->nq[CMC_RANDOM]; i++)
        slots[m->slot[CMC_RANDOM][i]] = m->q[CMC_RANDOM][i].point;
    cmc_prog_run(&m->prog, slots, 1, 1);
    for (int k = CMC_DERIVED; k <= CMC_OUTPUT; k++)
        for (size_t i = 0; i < m->nq[k]; i++)
            if (m->slot[k][i] >= 0)
                m->q[k][i].point = slots[m->slot[k][i]];
    free(slots);
    return 0;
}

/* An input with a range (`in LO to HI`) defined by an expression of random inputs
   has no distribution to measure: its point value (every random input at its
   median) outside the range is a warning where it is defined. Constants and
   distributions are checked as they are compiled (compile_units.c). */
static void check_derived_ranges(const cmc_model *m, const cmc_graph *g, cmc_diags *d)
{
    for (int i = 0; i < g->norder; i++) {
        const cmc_sym *s = g->order[i];
        if (!s->input || !s->input->has_range || s->is_const || s->def->value->kind == EX_DIST)
            continue;
        for (size_t k = 0; k < m->nq[CMC_DERIVED]; k++) {
            const cmc_quantity *q = &m->q[CMC_DERIVED][k];
            if (m->slot[CMC_DERIVED][k] != s->slot || strcmp(q->name, s->name))
                continue;
            if (!(q->point >= s->input->lo && q->point <= s->input->hi)) {
                char v[32], lo[32], hi[32];
                cmc_format_double(v, sizeof v, q->point);
                cmc_format_double(lo, sizeof lo, s->input->lo);
                cmc_format_double(hi, sizeof hi, s->input->hi);
                cmc_warning(d, &s->def->value->loc,
                            "%s = %s at the point estimate (every random input at its median) "
                            "is outside its plausible range %s to %s (%s:%d)",
                            s->name, v, lo, hi, s->input->range_loc.src->name,
                            s->input->range_loc.line);
            }
            break;
        }
    }
}

static cmc_model *load(const char *path, const char *text, size_t len,
                       const cmc_load_options *opt, int variant, const cmc_graph *base,
                       cmc_diags *d);

/* Every variant of the scenario as a model of its own, and their lines appended to
   the scenario's source. A variant shares the scenario's files and statements (g,
   in m's arena, which outlives the variants: cmc_model_free frees them first) and
   resolves and compiles them again with its own definitions; its warnings, already
   reported for the scenario, are dropped and its errors reported. Memory: O(V x
   the program), where reading and parsing the files again for each variant took
   O(V x the file), and the file holds the V variants: O(V^2) (800 variants, 563 MB). */
static int load_variants(cmc_model *m, const cmc_graph *g, const char *path, const char *text,
                         size_t len, const cmc_load_options *opt, cmc_diags *d)
{
    m->reference = -1;
    if (!g->nvariants)
        return 0;
    m->reference = g->reference_variant;
    m->variants = cmc_arena_alloc(m->arena, (size_t)g->nvariants * sizeof *m->variants);
    if (!m->variants)
        return -1;
    cmc_buf b;
    cmc_buf_init(&b);
    cmc_buf_printf(&b, "%s", m->source);
    int rc = 0;
    for (int v = 0; v < g->nvariants && rc == 0; v++) {
        const cmc_stmt *st = g->variants[v];
        cmc_diags *vd = cmc_diags_new();
        cmc_model *vm = vd ? load(path, text, len, opt, v, g, vd) : NULL;
        if (vd)
            cmc_diags_copy(d, vd, 1);
        cmc_diags_free(vd);
        if (!vm) {
            rc = -1;
            break;
        }
        /* compared with base but the same program on the same draws (a variant that
           restates the scenario): a comparison that can only say 0. Not said under
           --set, which may make a variant the scenario on purpose. */
        if (m->reference < 0 && !(opt && opt->nsets) && m->program_text && vm->program_text &&
            !strcmp(m->program_text, vm->program_text) &&
            (!m->copula) == (!vm->copula))
            cmc_warning(d, &st->name_loc, "variant '%s' computes what the scenario as written "
                        "(base) does: it changes nothing", st->name);
        struct cmc_variant *x = &m->variants[m->nvariants++];
        x->m = vm;
        x->name = st->name;
        x->label = st->str ? st->str : "";
        cmc_buf_printf(&b, "variant %s", st->name);
        if (st->str) {
            cmc_buf_printf(&b, " ");
            cmc_buf_quote(&b, st->str);
        }
        cmc_buf_printf(&b, ":");
        for (const cmc_stmt *a = st->body; a; a = a->next) {
            cmc_buf_printf(&b, "%s %s = ", a == st->body ? "" : ",", a->name);
            cmc_expr_format(&b, a->value);
        }
        cmc_buf_printf(&b, "\n");
    }
    if (m->reference >= 0)
        cmc_buf_printf(&b, "reference %s\n", m->variants[m->reference].name);
    /* a variant's line can be long: continued over lines, so the source reads back */
    cmc_buf w;
    cmc_buf_init(&w);
    cmc_lex_wrap(&w, cmc_buf_str(&b), 1000);
    if (rc == 0 && (b.failed || w.failed || !(m->source = cmc_arena_strdup(m->arena, cmc_buf_str(&w)))))
        rc = -1;
    cmc_buf_free(&b);
    cmc_buf_free(&w);
    return rc;
}

static cmc_model *load(const char *path, const char *text, size_t len,
                       const cmc_load_options *opt, int variant, const cmc_graph *base,
                       cmc_diags *d)
{
    gsl_set_error_handler_off();
    cmc_model *m = NULL;
    cmc_arena *a = cmc_arena_new();
    if (!a || !(m = cmc_arena_alloc(a, sizeof *m))) {
        cmc_arena_free(a);
        cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
        return NULL;
    }
    m->arena = a;
    cmc_graph g;
    memset(&g, 0, sizeof g);
    g.arena = a;
    if (cmc_resolve(&g, path, text, len, opt, variant, base, d) < 0 ||
        cmc_compile(&g, m, d) < 0 || cmc_copula_build(&g, m, variant, d) < 0)
        goto fail;
    m->title = g.title ? g.title : g.top->path;
    for (cmc_file *f = g.files; f; f = f->next)
        m->nfiles += !f->instance_of;   /* an instance's file is its model's */
    m->files = cmc_arena_alloc(a, (m->nfiles + 1) * sizeof *m->files);
    if (!m->files)
        goto oom;
    size_t i = 0;
    for (cmc_file *f = g.files; f; f = f->next)
        if (!f->instance_of)
            m->files[i++] = f->path;
    if (evaluate_points(m) < 0)
        goto oom;
    if (variant < 0)
        check_derived_ranges(m, &g, d);
    cmc_buf b;
    cmc_buf_init(&b);
    for (size_t k = 0; k < m->nq[CMC_RANDOM]; k++)
        cmc_buf_printf(&b, "  s%-3d <- draw  %s ~ %s\n", m->slot[CMC_RANDOM][k],
                       m->q[CMC_RANDOM][k].name, m->q[CMC_RANDOM][k].expression);
    cmc_prog_format(&m->prog, m->slot_names, &b);
    m->program_text = cmc_arena_strdup(a, cmc_buf_str(&b));
    cmc_buf_free(&b);
    if (!m->program_text)
        goto oom;
    if (variant < 0 && load_variants(m, &g, path, text, len, opt, d) < 0) {
        if (!cmc_diags_errors(d))
            goto oom;
        goto fail;
    }
    return m;
oom:
    cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
fail:
    cmc_model_free(m);
    return NULL;
}

cmc_model *cmc_model_load(const char *path, const cmc_load_options *opt, cmc_diags *d)
{
    return load(path, NULL, 0, opt, -1, NULL, d);
}

cmc_model *cmc_model_load_string(const char *name, const char *text,
                                 const cmc_load_options *opt, cmc_diags *d)
{
    return load(name, text, strlen(text), opt, -1, NULL, d);
}

cmc_model *cmc_model_load_mem(const char *name, const char *text, size_t len,
                              const cmc_load_options *opt, cmc_diags *d)
{
    return load(name, text, len, opt, -1, NULL, d);
}

const char *cmc_model_title(const cmc_model *m) { return m->title; }
size_t cmc_model_nfiles(const cmc_model *m) { return m->nfiles; }
const char *cmc_model_file(const cmc_model *m, size_t i) { return i < m->nfiles ? m->files[i] : NULL; }
const char *cmc_model_program_text(const cmc_model *m) { return m->program_text; }
const char *cmc_model_source(const cmc_model *m) { return m->source; }

size_t cmc_model_count(const cmc_model *m, cmc_qkind kind)
{
    return (unsigned)kind < CMC_NKINDS ? m->nq[kind] : 0;
}

const cmc_quantity *cmc_model_get(const cmc_model *m, cmc_qkind kind, size_t i)
{
    return (unsigned)kind < CMC_NKINDS && i < m->nq[kind] ? &m->q[kind][i] : NULL;
}

size_t cmc_model_nvariants(const cmc_model *m) { return m->nvariants; }
const char *cmc_model_variant_name(const cmc_model *m, size_t i) { return i < m->nvariants ? m->variants[i].name : NULL; }
const char *cmc_model_variant_label(const cmc_model *m, size_t i) { return i < m->nvariants ? m->variants[i].label : NULL; }
const char *cmc_model_variant_reference(const cmc_model *m) { return m->nvariants && m->reference >= 0 ? m->variants[m->reference].name : "base"; }
const cmc_model *cmc_model_variant(const cmc_model *m, size_t i) { return i < m->nvariants ? m->variants[i].m : NULL; }

size_t cmc_model_nconversions(const cmc_model *m) { return m->nconversions; }
const cmc_conversion *cmc_model_conversion(const cmc_model *m, size_t i)
{
    return i < m->nconversions ? &m->conversions[i] : NULL;
}
