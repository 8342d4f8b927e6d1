/*
 * copula.c: rank correlations between random inputs (copula.h).
 *
 * Building: every `correlate` statement of the loaded files is checked against the
 * model's random inputs (names are looked up in the resolved graph, so a constant,
 * a derived quantity or an output is named as such, and an unknown name gets a
 * "did you mean"); the pairs join inputs into groups (union-find); each group's
 * Spearman matrix becomes the Pearson matrix of the normal scores, r = 2 sin(pi
 * rho / 6), which the Gaussian copula turns back into exactly rho (Kruskal 1958,
 * "Ordinal measures of association", JASA 53, 814-861). Its Cholesky factor mixes
 * the normal scores; where the matrix is not positive semi-definite (three pairs
 * that cannot hold together: 0.9, 0.9, -0.9) it is replaced by the nearest
 * correlation matrix (Higham 2002) and a warning prints what is used instead.
 *
 * Sampling: per block and group, z = Phi^-1(v) by the sampler's own normal
 * quantile (draw.c, Wichura's AS 241), w = L z, u = Phi(w) = erfc(-w / sqrt 2) / 2.
 * u is uniform on (0, 1) up to rounding; it is kept inside [2^-1022, 1 - 2^-53] so
 * that no inverse CDF sees 0 or 1. The first member keeps v itself (L's first row
 * is (1, 0, ...) exactly), so its values are those of the uncorrelated run.
 *
 * The achieved correlations are tallied from the u: for continuous inputs, u is
 * the input's CDF level F(x), its population rank, and the correlation of the u
 * is Spearman's rho of the sample up to O(1/N) (for a `choice` it is the
 * correlation of the copula, not of the tied ranks). The tallies are integer sums
 * of u quantised to 24 bits (a block of 1,024 sums its squares in 64 bits): exact, so the threads' tallies add up to the same bits
 * in any order.
 */
#include "copula.h"

#include "diag.h"
#include "model.h"
#include "util.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Linear algebra --------------------------------------------------------------- */

int cmc_cholesky_psd(const double *c, double *L, size_t n)
{
    memset(L, 0, n * n * sizeof *L);
    for (size_t j = 0; j < n; j++) {
        double s = c[j * n + j];
        for (size_t k = 0; k < j; k++)
            s -= L[j * n + k] * L[j * n + k];
        if (s < -1e-10)
            return -1;
        double d = s > 1e-10 ? sqrt(s) : 0;
        L[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double t = c[i * n + j];
            for (size_t k = 0; k < j; k++)
                t -= L[i * n + k] * L[j * n + k];
            if (d > 0) {
                L[i * n + j] = t / d;
            } else if (fabs(t) > 1e-8) {
                return -1;   /* a zero pivot with a nonzero column: not PSD */
            }
        }
    }
    return 0;
}

/* x <- Q max(Lambda, floor) Q^T for the symmetric x (n x n). */
static int psd_project(double *x, size_t n, double floor, gsl_eigen_symmv_workspace *w,
                       gsl_matrix *a, gsl_matrix *q, gsl_vector *lam)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(a, i, j, x[i * n + j]);
    if (gsl_eigen_symmv(a, lam, q, w))
        return -1;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++) {
                double l = gsl_vector_get(lam, k);
                s += gsl_matrix_get(q, i, k) * (l > floor ? l : floor) * gsl_matrix_get(q, j, k);
            }
            x[i * n + j] = s;
        }
    return 0;
}

int cmc_nearest_correlation(double *a, size_t n)
{
    size_t nn = n * n;
    double *y = malloc(nn * sizeof *y), *r = malloc(nn * sizeof *r),
           *ds = calloc(nn, sizeof *ds), *x = malloc(nn * sizeof *x);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(n);
    gsl_matrix *ma = gsl_matrix_alloc(n, n), *mq = gsl_matrix_alloc(n, n);
    gsl_vector *lam = gsl_vector_alloc(n);
    int it = -1;
    if (!y || !r || !ds || !x || !w || !ma || !mq || !lam)
        goto out;
    memcpy(y, a, nn * sizeof *y);
    for (int k = 1; k <= 10000; k++) {
        for (size_t i = 0; i < nn; i++)   /* Dykstra's correction */
            r[i] = y[i] - ds[i];
        memcpy(x, r, nn * sizeof *x);
        if (psd_project(x, n, 0, w, ma, mq, lam) < 0)
            goto out;
        double diff = 0, norm = 0;
        for (size_t i = 0; i < nn; i++) {
            ds[i] = x[i] - r[i];
            double yn = i % (n + 1) == 0 ? 1 : x[i];   /* onto the unit diagonal */
            diff += (yn - y[i]) * (yn - y[i]);
            norm += yn * yn;
            y[i] = yn;
        }
        if (sqrt(diff) <= 1e-13 * sqrt(norm)) {
            it = k;
            break;
        }
    }
    if (it < 0)
        goto out;
    /* the limit is positive semi-definite only up to rounding: clip its eigenvalues
       at a tiny positive floor and rescale to the unit diagonal, so the Cholesky
       factorisation goes through */
    if (psd_project(y, n, 1e-12, w, ma, mq, lam) < 0) {
        it = -1;
        goto out;
    }
    for (size_t i = 0; i < n; i++)   /* symmetric to the bit */
        for (size_t j = 0; j < n; j++)
            a[i * n + j] = i == j ? 1
                           : (i < j ? y[i * n + j] : y[j * n + i]) / sqrt(y[i * n + i] * y[j * n + j]);
out:
    free(y);
    free(r);
    free(ds);
    free(x);
    if (w)
        gsl_eigen_symmv_free(w);
    if (ma)
        gsl_matrix_free(ma);
    if (mq)
        gsl_matrix_free(mq);
    if (lam)
        gsl_vector_free(lam);
    return it;
}

/* ---- Building --------------------------------------------------------------------- */

static double pearson_of(double rho) { return 2 * sin(M_PI * rho / 6); }
static double spearman_of(double r)
{
    double x = r / 2;
    return 6 / M_PI * asin(x > 1 ? 1 : x < -1 ? -1 : x);
}

/* A pair as written, in terms of random input indices. */
typedef struct wpair {
    size_t a, b;
    double v;
    const cmc_stmt *st;
    cmc_loc at;
} wpair;

static size_t uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

/* The random input called name, or an error saying what name is instead. Returns
   the index, -1 after an error, -2 when a variant should drop the pair. */
static long lookup(const cmc_graph *g, const cmc_model *m, const char *name, const cmc_loc *at,
                   int variant, cmc_diags *d)
{
    size_t k = m->nq[CMC_RANDOM];
    for (size_t i = 0; i < k; i++)
        if (!strcmp(m->q[CMC_RANDOM][i].name, name))
            return (long)i;
    if (variant >= 0)
        return -2;
    const cmc_sym *s = cmc_graph_find(g, name);
    if (s && s->needed && s->is_const) {
        char v[32];
        cmc_format_double(v, sizeof v, s->k);
        cmc_error(d, at, "'%s' is a constant (%s), not a random input: only distributions can "
                         "be correlated", name, v);
    } else if (s && s->needed && s->output) {
        cmc_error(d, at, "'%s' is an output, not a random input: correlate the distributions "
                         "it is computed from", name);
    } else if (s && s->needed && s->def) {
        cmc_error(d, at, "'%s' is computed from other quantities, not a random input: "
                         "correlate the distributions it is computed from", name);
    } else if (s && s->def) {
        cmc_error(d, at, "'%s' is not a random input: no output depends on it", name);
    } else {
        const char **cands = malloc((k + 1) * sizeof *cands);
        char hint[200] = "";
        if (cands) {
            for (size_t i = 0; i < k; i++)
                cands[i] = m->q[CMC_RANDOM][i].name;
            cmc_suggest_text(hint, sizeof hint, name, cands, k);
        }
        free(cands);
        cmc_error(d, at, "unknown random input '%s'%s", name, hint);
    }
    return -1;
}

/* The pairs of one statement, appended to *pairs. Returns 0 or -1 (errors). */
static int statement_pairs(const cmc_graph *g, const cmc_model *m, const cmc_stmt *st,
                           int variant, wpair **pairs, size_t *np, size_t *cap, cmc_diags *d)
{
    const cmc_corr_spec *c = st->corr;
    size_t n = (size_t)c->nnames, want = n * (n - 1) / 2;
    int rc = 0;
    if (c->nvals != 1 && (size_t)c->nvals != want) {
        if (n == 2)
            cmc_error(d, &c->val_locs[1], "two names take one rank correlation; found %d",
                      c->nvals);
        else
            cmc_error(d, &st->loc, "%zu names take 1 rank correlation (for every pair) or %zu "
                      "(the pairs in order: %s-%s, %s-%s, ...); found %d", n, want,
                      c->names[0], c->names[1], c->names[0], c->names[2], c->nvals);
        return -1;
    }
    for (int i = 0; i < c->nvals; i++)
        if (!(c->vals[i] >= -1 && c->vals[i] <= 1)) {
            char v[32];
            cmc_format_double(v, sizeof v, c->vals[i]);
            cmc_error(d, &c->val_locs[i], "rank correlation %s is outside -1 to 1", v);
            rc = -1;
        }
    long *idx = malloc(n * sizeof *idx);
    if (!idx)
        return -1;
    for (size_t i = 0; i < n; i++) {
        idx[i] = lookup(g, m, c->names[i], &c->name_locs[i], variant, d);
        if (idx[i] == -1)
            rc = -1;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->names[i], c->names[j])) {
                cmc_error(d, &c->name_locs[i], "'%s' is named twice: an input's correlation "
                          "with itself is 1", c->names[i]);
                rc = -1;
                idx[i] = -1;
                break;
            }
    }
    for (size_t i = 0, p = 0; rc == 0 && i < n; i++)
        for (size_t j = i + 1; j < n; j++, p++) {
            if (idx[i] < 0 || idx[j] < 0)
                continue;   /* dropped in a variant */
            size_t a = (size_t)idx[i], b = (size_t)idx[j];
            wpair w = {a < b ? a : b, a < b ? b : a, c->vals[c->nvals == 1 ? 0 : p], st,
                       c->val_locs[c->nvals == 1 ? 0 : p]};
            for (size_t q = 0; q < *np; q++)
                if ((*pairs)[q].a == w.a && (*pairs)[q].b == w.b) {
                    cmc_error(d, &c->name_locs[j], "the pair %s, %s is already correlated "
                              "(%s:%d)", c->names[i], c->names[j],
                              (*pairs)[q].st->loc.src->name, (*pairs)[q].st->loc.line);
                    rc = -1;
                }
            if (rc)
                break;
            if (*np == *cap) {
                size_t nc = *cap ? 2 * *cap : 16;
                wpair *x = realloc(*pairs, nc * sizeof *x);
                if (!x) {
                    free(idx);
                    return -1;
                }
                *pairs = x;
                *cap = nc;
            }
            (*pairs)[(*np)++] = w;
        }
    free(idx);
    return rc;
}

/* One group: its Spearman and Pearson matrices, the repair, the factor. */
static int build_group(cmc_copula *cp, size_t gi, const wpair *wp, size_t nw, cmc_arena *ar,
                       const cmc_model *m, int variant, cmc_diags *d)
{
    cmc_copula_group *G = &cp->groups[gi];
    size_t n = G->n;
    double *rho = calloc(n * n, sizeof *rho), *r = calloc(n * n, sizeof *r);
    int *named = calloc(n * n, sizeof *named);
    const cmc_stmt *first = NULL;
    int rc = -1;
    if (!rho || !r || !named || !(G->L = cmc_arena_alloc(ar, n * n * sizeof *G->L)))
        goto out;
    for (size_t i = 0; i < n; i++)
        rho[i * n + i] = 1;
    for (size_t q = 0; q < nw; q++) {
        if (cp->group_of[wp[q].a] != (int)gi)
            continue;
        size_t i = 0, j = 0;
        while (G->member[i] != wp[q].a)
            i++;
        while (G->member[j] != wp[q].b)
            j++;
        rho[i * n + j] = rho[j * n + i] = wp[q].v;
        named[i * n + j] = 1;
        if (!first)
            first = wp[q].st;
    }
    for (size_t i = 0; i < n * n; i++)
        r[i] = i % (n + 1) == 0 ? 1 : pearson_of(rho[i]);
    if (cmc_cholesky_psd(r, G->L, n) < 0) {
        if (cmc_nearest_correlation(r, n) < 0 || cmc_cholesky_psd(r, G->L, n) < 0)
            goto out;
        G->repaired = 1;
        if (variant < 0) {
            cmc_buf b;
            cmc_buf_init(&b);
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                    char was[32], now[32];
                    cmc_format_double(was, sizeof was, rho[i * n + j]);
                    snprintf(now, sizeof now, "%.4f", spearman_of(r[i * n + j]));
                    cmc_buf_printf(&b, "%s%s-%s %s (asked %s)", i + j == 1 ? "" : ", ",
                                   m->q[CMC_RANDOM][G->member[i]].name,
                                   m->q[CMC_RANDOM][G->member[j]].name, now, was);
                }
            cmc_warning(d, &first->loc, "these rank correlations cannot hold together (their "
                        "matrix is not positive semi-definite); using the nearest that can "
                        "(Higham 2002): %s", b.failed ? "" : cmc_buf_str(&b));
            cmc_buf_free(&b);
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            cmc_copula_pair *p = &cp->pairs[cp->npairs++];
            p->a = G->member[i];
            p->b = G->member[j];
            p->name_a = m->q[CMC_RANDOM][p->a].name;
            p->name_b = m->q[CMC_RANDOM][p->b].name;
            p->requested = rho[i * n + j];
            p->used = G->repaired ? spearman_of(r[i * n + j]) : rho[i * n + j];
            p->named = named[i * n + j];
            p->group = gi;
        }
    rc = 0;
out:
    free(rho);
    free(r);
    free(named);
    return rc;
}

void cmc_copula_free(cmc_copula *c)
{
    if (c)
        cmc_dist_free(c->normal);   /* the rest is in the model's arena */
}

/* The statements as resolved, for the scenario as run (m->source). */
static int append_source(cmc_model *m, const cmc_copula *cp)
{
    cmc_buf b;
    cmc_buf_init(&b);
    cmc_buf_printf(&b, "%s", m->source);
    for (size_t p = 0; p < cp->npairs; p++) {
        const cmc_copula_pair *x = &cp->pairs[p];
        if (!x->named)
            continue;
        char v[32];
        cmc_format_double(v, sizeof v, x->requested);
        cmc_buf_printf(&b, "correlate %s, %s: %s\n", x->name_a, x->name_b, v);
    }
    int rc = b.failed || !(m->source = cmc_arena_strdup(m->arena, cmc_buf_str(&b))) ? -1 : 0;
    cmc_buf_free(&b);
    return rc;
}

/* The correlate statements of f and the files it uses, each file once: the files the
   scenario applies (a model used only with `as` is read through its instances, whose
   statements carry the prefix, never as itself). */
static int collect_pairs(const cmc_graph *g, const cmc_file *f, char *seen, cmc_model *m,
                         int variant, wpair **wp, size_t *nw, size_t *cap, cmc_diags *d)
{
    if (seen[f->index])
        return 0;
    seen[f->index] = 1;
    int rc = 0;
    for (int i = 0; i < f->nuses; i++)
        if (collect_pairs(g, f->uses[i], seen, m, variant, wp, nw, cap, d) < 0)
            rc = -1;
    for (const cmc_stmt *st = f->stmts; st; st = st->next)
        if (st->kind == ST_CORRELATE && statement_pairs(g, m, st, variant, wp, nw, cap, d) < 0)
            rc = -1;
    return rc;
}

int cmc_copula_build(const cmc_graph *g, cmc_model *m, int variant, cmc_diags *d)
{
    wpair *wp = NULL;
    size_t nw = 0, cap = 0, k = m->nq[CMC_RANDOM];
    size_t *parent = NULL;
    int rc = 0;
    m->copula = NULL;
    char *seen = calloc((size_t)g->nfiles + 1, 1);
    if (!seen)
        return -1;
    if (g->top)
        rc = collect_pairs(g, g->top, seen, m, variant, &wp, &nw, &cap, d);
    free(seen);
    if (rc < 0 || nw == 0)
        goto out;
    cmc_arena *ar = m->arena;
    cmc_copula *cp = cmc_arena_alloc(ar, sizeof *cp);
    parent = malloc(k * sizeof *parent);
    rc = -1;
    if (!cp || !parent)
        goto oom;
    memset(cp, 0, sizeof *cp);
    cp->nrandom = k;
    if (!(cp->group_of = cmc_arena_alloc(ar, k * sizeof *cp->group_of)))
        goto oom;
    for (size_t i = 0; i < k; i++)
        parent[i] = i;
    for (size_t q = 0; q < nw; q++) {
        size_t ra = uf_find(parent, wp[q].a), rb = uf_find(parent, wp[q].b);
        if (ra != rb)
            parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;   /* the root is the first */
    }
    int *in = calloc(k, sizeof *in);
    if (!in)
        goto oom;
    for (size_t q = 0; q < nw; q++)
        in[wp[q].a] = in[wp[q].b] = 1;
    for (size_t i = 0; i < k; i++) {
        cp->group_of[i] = -1;
        if (in[i] && uf_find(parent, i) == i)
            cp->ngroups++;
    }
    cp->groups = cmc_arena_alloc(ar, cp->ngroups * sizeof *cp->groups);
    if (!cp->groups) {
        free(in);
        goto oom;
    }
    memset(cp->groups, 0, cp->ngroups * sizeof *cp->groups);
    size_t ng = 0, npairs = 0;
    for (size_t i = 0; i < k; i++)   /* groups in the order of their first member */
        if (in[i] && uf_find(parent, i) == i)
            cp->group_of[i] = (int)ng++;
    for (size_t i = 0; i < k; i++)
        if (in[i])
            cp->groups[cp->group_of[i] = cp->group_of[uf_find(parent, i)]].n++;
    free(in);
    for (size_t gi = 0; gi < ng; gi++) {
        cmc_copula_group *G = &cp->groups[gi];
        if (!(G->member = cmc_arena_alloc(ar, G->n * sizeof *G->member)))
            goto oom;
        size_t j = 0;
        for (size_t i = 0; i < k; i++)
            if (cp->group_of[i] == (int)gi)
                G->member[j++] = i;
        npairs += G->n * (G->n - 1) / 2;
        if (G->n > cp->gmax)
            cp->gmax = G->n;
    }
    if (!(cp->pairs = cmc_arena_alloc(ar, npairs * sizeof *cp->pairs)))
        goto oom;
    double one[2] = {0, 1};
    cmc_dist_error err;
    if (!(cp->normal = cmc_dist_new(cmc_dist_lookup("normal"), one, 2, &err)))
        goto oom;
    for (size_t gi = 0; gi < ng; gi++)
        if (build_group(cp, gi, wp, nw, ar, m, variant, d) < 0) {
            cmc_copula_free(cp);
            goto oom;
        }
    if (!(cp->public_pairs = cmc_arena_alloc(ar, (cp->npairs + 1) * sizeof *cp->public_pairs))) {
        cmc_copula_free(cp);
        goto oom;
    }
    for (size_t p = 0; p < cp->npairs; p++) {
        const cmc_copula_pair *x = &cp->pairs[p];
        cp->public_pairs[p] = (cmc_correlation){x->name_a, x->name_b, x->requested, x->used,
                                                x->named, NAN, NAN, NAN};
    }
    m->copula = cp;
    if (variant < 0 && append_source(m, cp) < 0)
        goto oom;
    rc = 0;
    goto out;
oom:
    cmc_diag_add(d, CMC_ERROR, NULL, "out of memory");
out:
    free(wp);
    free(parent);
    return rc;
}

/* ---- Per block -------------------------------------------------------------------- */

cmc_copula_tally *cmc_copula_tally_new(const cmc_copula *c, uint32_t replicates)
{
    cmc_copula_tally *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->npairs = c->npairs;
    t->replicates = replicates ? replicates : 1;
    t->n = calloc(t->replicates, sizeof *t->n);
    t->sum = calloc((size_t)t->replicates * (c->npairs ? c->npairs : 1) * 5, sizeof *t->sum);
    if (!t->n || !t->sum) {
        cmc_copula_tally_free(t);
        return NULL;
    }
    return t;
}

void cmc_copula_tally_free(cmc_copula_tally *t)
{
    if (!t)
        return;
    free(t->n);
    free(t->sum);
    free(t);
}

void cmc_copula_tally_add(cmc_copula_tally *to, const cmc_copula_tally *from)
{
    for (uint32_t r = 0; r < to->replicates; r++)
        to->n[r] += from->n[r];
    for (size_t i = 0; i < (size_t)to->replicates * to->npairs * 5; i++)
        to->sum[i] += from->sum[i];
}

void cmc_copula_mix(const cmc_copula *c, double *base, const int *col, size_t stride, size_t n,
                    double *work, double *scratch, cmc_copula_tally *t, uint32_t rep)
{
    const double lo = 0x1p-1022, hi = 0x1.fffffffffffffp-1;
    size_t pair0 = 0;
    for (size_t gi = 0; gi < c->ngroups; gi++) {
        const cmc_copula_group *G = &c->groups[gi];
        const size_t m = G->n;
        for (size_t j = 0; j < m; j++) {   /* normal scores */
            double *z = work + j * n;
            memcpy(z, base + (size_t)col[G->member[j]] * stride, n * sizeof *z);
            cmc_dist_from_uniform(c->normal, z, n, scratch);
        }
        for (size_t j = 1; j < m; j++) {   /* member 0 keeps its v */
            double *u = base + (size_t)col[G->member[j]] * stride;
            const double *L = G->L + j * m;
            for (size_t i = 0; i < n; i++)   /* w = L z, a vector loop */
                u[i] = L[0] * work[i];
            for (size_t q = 1; q <= j; q++)
                for (size_t i = 0; i < n; i++)
                    u[i] += L[q] * work[q * n + i];
            for (size_t i = 0; i < n; i++) {
                double w = u[i];
                double x = w <= 0 ? 0.5 * erfc(-w * M_SQRT1_2) : 1 - 0.5 * erfc(w * M_SQRT1_2);
                u[i] = x < lo ? lo : x > hi ? hi : x;
            }
        }
        if (t) {
            size_t np = m * (m - 1) / 2;
            cmc_u128 *s = t->sum + ((size_t)rep * t->npairs + pair0) * 5;
            for (size_t a = 0, p = 0; a < m; a++)
                for (size_t b = a + 1; b < m; b++, p++) {
                    const double *ua = base + (size_t)col[G->member[a]] * stride;
                    const double *ub = base + (size_t)col[G->member[b]] * stride;
                    /* 24-bit levels: a block's sums of squares stay below 2^58 */
                    uint64_t sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
                    for (size_t i = 0; i < n; i++) {
                        /* through int32: packed conversions exist on every x86-64 */
                        uint64_t qa = (uint32_t)(int32_t)(ua[i] * 0x1p24);
                        uint64_t qb = (uint32_t)(int32_t)(ub[i] * 0x1p24);
                        sa += qa;
                        sb += qb;
                        saa += qa * qa;
                        sbb += qb * qb;
                        sab += qa * qb;
                    }
                    cmc_u128 *x = s + p * 5;
                    x[0] += sa;
                    x[1] += sb;
                    x[2] += saa;
                    x[3] += sbb;
                    x[4] += sab;
                }
            pair0 += np;
        }
    }
    if (t)
        t->n[rep] += n;
}

/* The correlation of the tallied sums; NaN without variance. */
static double corr_of(uint64_t n, const cmc_u128 *x)
{
    if (n < 3)
        return NAN;
    long double N = n, ma = (long double)x[0] / N, mb = (long double)x[1] / N;
    long double va = (long double)x[2] / N - ma * ma, vb = (long double)x[3] / N - mb * mb;
    long double cab = (long double)x[4] / N - ma * mb;
    return va > 0 && vb > 0 ? (double)(cab / sqrtl(va * vb)) : NAN;
}

void cmc_copula_achieved(const cmc_copula_tally *t, size_t p, double *est, double *lo,
                         double *hi)
{
    uint64_t n = 0;
    cmc_u128 x[5] = {0, 0, 0, 0, 0};
    for (uint32_t r = 0; r < t->replicates; r++) {
        n += t->n[r];
        for (int i = 0; i < 5; i++)
            x[i] += t->sum[((size_t)r * t->npairs + p) * 5 + i];
    }
    double rho = corr_of(n, x);
    *est = rho;
    *lo = *hi = NAN;
    if (rho != rho)
        return;
    if (t->replicates == 1) {
        /* Fisher's z, Bonett and Wright's (2000) variance for Spearman's rho */
        double z = atanh(rho > 0.999999 ? 0.999999 : rho < -0.999999 ? -0.999999 : rho);
        double se = sqrt((1 + rho * rho / 2) / ((double)n - 3));
        *lo = tanh(z - 1.959963984540054 * se);
        *hi = tanh(z + 1.959963984540054 * se);
        return;
    }
    double s = 0, s2 = 0;
    uint32_t R = t->replicates;
    for (uint32_t r = 0; r < R; r++) {
        double e = corr_of(t->n[r], t->sum + ((size_t)r * t->npairs + p) * 5);
        s += e;
        s2 += e * e;
    }
    double mean = s / R, var = (s2 - R * mean * mean) / (R - 1);
    double h = gsl_cdf_tdist_Pinv(0.975, R - 1) * sqrt(var > 0 ? var / R : 0);
    *lo = rho - h;
    *hi = rho + h;
}

int cmc_copula_same_draws(const cmc_model *m, size_t i, const cmc_model *vm, size_t j)
{
    const cmc_copula *a = m->copula, *b = vm->copula;
    int ma = cmc_copula_member(a, i), mb = cmc_copula_member(b, j);
    if (!ma || !mb)
        return ma == mb;
    const cmc_copula_group *ga = &a->groups[a->group_of[i]], *gb = &b->groups[b->group_of[j]];
    size_t pa = 0, pb = 0;
    while (ga->member[pa] != i)
        pa++;
    while (gb->member[pb] != j)
        pb++;
    if (pa != pb)
        return 0;
    /* row p of a Cholesky factor depends on the leading (p + 1) x (p + 1) block only */
    for (size_t q = 0; q <= pa; q++)
        if (strcmp(m->q[CMC_RANDOM][ga->member[q]].name, vm->q[CMC_RANDOM][gb->member[q]].name) ||
            ga->L[pa * ga->n + q] != gb->L[pb * gb->n + q])
            return 0;
    return 1;
}

size_t cmc_model_ncorrelations(const cmc_model *m)
{
    return m->copula ? m->copula->npairs : 0;
}

const cmc_correlation *cmc_model_correlation(const cmc_model *m, size_t i)
{
    return i < cmc_model_ncorrelations(m) ? &m->copula->public_pairs[i] : NULL;
}
