/*
 * sens.c: correlations, log-variance shares and Sobol indices from per-block records
 * (sens.h), and why they are computed this way.
 *
 * Records, not running sums. Each block's record is computed from that block alone
 * by the corrected two-pass method (means, refined by the sum of the deviations from
 * them, then sums of powers of the deviations), and records are merged by shifting
 * every central sum to the pooled mean.
 * Deviations from a mean cannot lose the digits that raw power sums lose when the
 * values share a large offset (an output of 1e6 + small variation), and a record
 * depends only on its block, so merging records in block order gives the same bits
 * whatever thread computed them.
 *
 * Co-moments. The merge of a bivariate central sum of any order is a binomial
 * expansion: with h = (old mean - pooled mean) for each variable,
 *     sum (x - m)^p (y - m')^q = sum_{i<=p, j<=q} C(p,i) C(q,j) M_ij hx^(p-i) hy^(q-j)
 * where M_00 = n and M_10 = M_01 = 0 (Pebay, "Formulas for robust, one-pass parallel
 * computation of covariances and arbitrary-order statistical moments", Sandia
 * SAND2008-6212; for order two it is Chan, Golub and LeVeque's update). Order four
 * is kept because the interval of a correlation of non-normal data needs it.
 *
 * Intervals of correlations. Pearson's r of (ln X, ln Y): Fisher's z = atanh r with
 * the asymptotic variance of r for any distribution with four moments,
 *     n var r = r^2/4 (k40 + 2 k22 + k04) - r (k31 + k13) + k22,
 * k_pq = m_pq / (m20^(p/2) m02^(q/2)) the standardised moments (the delta method
 * on r = m11 / sqrt(m20 m02); e.g. Steiger and Hakstian 1982, Br. J. Math. Stat.
 * Psychol. 35). For normal data it reduces to (1 - r^2)^2, Fisher's variance, so we
 * divide by n - 3 as Fisher does. Log-space inputs are often far from normal (the
 * log of a uniform or a beta): the normal-theory 1/(n - 3) would be wrong there.
 * Spearman's rho is Pearson's r of the ranks, but ranks are estimated, so the
 * moment formula does not apply; we use Bonett and Wright ("Sample size
 * requirements for estimating Pearson, Kendall and Spearman correlations",
 * Psychometrika 65, 2000): var z = (1 + r^2/2) / (n - 3), accurate for a normal
 * copula and |rho| < 0.9 (the case of a product of lognormal inputs).
 *
 * Sobol indices. Over rows i of the design, with D = f(AB_j) - f(A):
 *     V_j  = cov(f(B), D)            first order, Saltelli et al. 2010 (Table 2 (b)
 *                                    of "Variance based sensitivity analysis of
 *                                    model output. Design and estimator for the
 *                                    total sensitivity index", Comput. Phys.
 *                                    Commun. 181) written as a covariance, i.e.
 *                                    centred by the mean of f(B);
 *     VT_j = mean(D^2) / 2           total, Jansen 1999 ("Analysis of variance
 *                                    designs for model output", Comput. Phys.
 *                                    Commun. 117);
 *     V    = variance of f(A) and f(B) pooled;  S_j = V_j / V,  ST_j = VT_j / V.
 * The uncentred mean f(B) D of the paper has a variance that grows with the square
 * of the output's mean (an offset c adds c mean D, zero on average but not in a
 * sample); the covariance form is unchanged by an offset. D is a difference, so
 * Jansen's form needs no centring.
 *
 * Their intervals: the delta method on per-row terms. Each estimate is a ratio of
 * row means, S_j = mean u / mean v with u = (f(B) - mean)(D - mean) and v =
 * ((f(A) - mean)^2 + (f(B) - mean)^2) / 2 (estimating the means adds nothing at
 * first order because E[f(B) - mean] = E[D - mean] = 0), so
 *     var S_j = var(u - S_j v) / (n V^2),  var ST_j = var(w - ST_j v) / (n V^2),
 * w = D^2 / 2. The variances of those row terms are tracked through the means and
 * co-moment sums of (u, w, v), merged like any other moments. Exactly, u and v are
 * centred at the overall means, unknown until the end; a record centres them at
 * its own block's means instead, which changes var u by a relative O(1/n_block)
 * (1e-3 for full blocks) and the interval's width by half that. The estimates
 * themselves use the exactly merged sums. Batch means or a bootstrap over blocks
 * were the alternatives: they need dozens of blocks, and a run of N = 2,000 has two.
 * Measured coverage: tests/test_sens.c and the README.
 */
#include "sens.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Z95 1.959963984540054   /* the 97.5% point of the standard normal */

/* ---- co-moments ---------------------------------------------------------------------- */

cmc_comoments cmc_sens_comoments_of(const double *x, const double *y, size_t n)
{
    cmc_comoments c;
    memset(&c, 0, sizeof c);
    double sx = 0, sy = 0;
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = isfinite(x[i]) && isfinite(y[i]);
        bad += !ok;
        sx += ok ? x[i] : 0;
        sy += ok ? y[i] : 0;
    }
    c.n = n - bad;
    c.skipped = bad;
    if (c.n == 0)
        return c;
    c.mx = sx / (double)c.n;
    c.my = sy / (double)c.n;
    /* one refinement of the means: the sums of values sharing a large offset lose
       digits; the sums of their deviations do not (the corrected two-pass algorithm) */
    double ex = 0, ey = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = isfinite(x[i]) && isfinite(y[i]);
        ex += ok ? x[i] - c.mx : 0;
        ey += ok ? y[i] - c.my : 0;
    }
    c.mx += ex / (double)c.n;
    c.my += ey / (double)c.n;
    double s20 = 0, s11 = 0, s02 = 0, s30 = 0, s21 = 0, s12 = 0, s03 = 0;
    double s40 = 0, s31 = 0, s22 = 0, s13 = 0, s04 = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = isfinite(x[i]) && isfinite(y[i]);
        double dx = ok ? x[i] - c.mx : 0, dy = ok ? y[i] - c.my : 0;
        double xx = dx * dx, yy = dy * dy, xy = dx * dy;
        s20 += xx;
        s11 += xy;
        s02 += yy;
        s30 += xx * dx;
        s21 += xx * dy;
        s12 += xy * dy;
        s03 += yy * dy;
        s40 += xx * xx;
        s31 += xx * xy;
        s22 += xx * yy;
        s13 += xy * yy;
        s04 += yy * yy;
    }
    c.m[2][0] = s20, c.m[1][1] = s11, c.m[0][2] = s02;
    c.m[3][0] = s30, c.m[2][1] = s21, c.m[1][2] = s12, c.m[0][3] = s03;
    c.m[4][0] = s40, c.m[3][1] = s31, c.m[2][2] = s22, c.m[1][3] = s13, c.m[0][4] = s04;
    return c;
}

static const double binom[5][5] = {
    {1, 0, 0, 0, 0}, {1, 1, 0, 0, 0}, {1, 2, 1, 0, 0}, {1, 3, 3, 1, 0}, {1, 4, 6, 4, 1}};

/* out[p][q] += the central sums of c moved to a centre h = (hx, hy) below c's means:
   sum (x - mx + hx)^p (y - my + hy)^q by the binomial expansion (file header). */
static void shift_add(const cmc_comoments *c, double hx, double hy, double out[5][5])
{
    double px[5] = {1, hx, hx * hx, hx * hx * hx, hx * hx * hx * hx};
    double py[5] = {1, hy, hy * hy, hy * hy * hy, hy * hy * hy * hy};
    for (int p = 0; p <= 4; p++)
        for (int q = 0; p + q <= 4; q++) {
            if (p + q < 2)
                continue;
            double s = 0;
            for (int i = 0; i <= p; i++)
                for (int j = 0; j <= q; j++) {
                    double mij = i + j == 0 ? (double)c->n : i + j == 1 ? 0 : c->m[i][j];
                    s += binom[p][i] * binom[q][j] * mij * px[p - i] * py[q - j];
                }
            out[p][q] += s;
        }
}

void cmc_sens_comoments_merge(cmc_comoments *a, const cmc_comoments *b)
{
    a->skipped += b->skipped;
    if (b->n == 0)
        return;
    if (a->n == 0) {
        uint64_t skipped = a->skipped;
        *a = *b;
        a->skipped = skipped;
        return;
    }
    double na = (double)a->n, nb = (double)b->n, n = na + nb;
    double dx = b->mx - a->mx, dy = b->my - a->my;
    double m[5][5];
    memset(m, 0, sizeof m);
    /* pooled mean = a's + dx nb/n = b's - dx na/n */
    shift_add(a, -dx * (nb / n), -dy * (nb / n), m);
    shift_add(b, dx * (na / n), dy * (na / n), m);
    memcpy(a->m, m, sizeof m);
    a->mx += dx * (nb / n);
    a->my += dy * (nb / n);
    a->n += b->n;
}

static cmc_sens_ci nan_ci(void)
{
    return (cmc_sens_ci){NAN, NAN, NAN, NAN};
}

/* r of the co-moments, clamped to [-1, 1] against rounding; NaN if a variance is 0. */
static double corr(const cmc_comoments *c)
{
    double sxx = c->m[2][0], syy = c->m[0][2];
    if (c->n < 2 || !(sxx > 0) || !(syy > 0))
        return NAN;
    double r = c->m[1][1] / sqrt(sxx * syy);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

/* The interval tanh(atanh r -+ 1.96 se_z); a perfect correlation is its own interval. */
static cmc_sens_ci fisher(double r, double se_z)
{
    cmc_sens_ci ci = {r, NAN, NAN, (1 - r * r) * se_z};
    if (fabs(r) == 1) {
        ci.lo = ci.hi = r;
        ci.se = 0;
    } else if (isfinite(se_z)) {
        double z = atanh(r);
        ci.lo = tanh(z - Z95 * se_z);
        ci.hi = tanh(z + Z95 * se_z);
    }
    return ci;
}

cmc_sens_ci cmc_sens_pearson(const cmc_comoments *c)
{
    double r = corr(c);
    if (isnan(r) || c->n < 4)
        return (cmc_sens_ci){r, NAN, NAN, NAN};
    double n = (double)c->n, vx = c->m[2][0] / n, vy = c->m[0][2] / n;
    double k40 = c->m[4][0] / n / (vx * vx), k04 = c->m[0][4] / n / (vy * vy);
    double k22 = c->m[2][2] / n / (vx * vy);
    double k31 = c->m[3][1] / n / (vx * sqrt(vx * vy));
    double k13 = c->m[1][3] / n / (vy * sqrt(vx * vy));
    double tau2 = r * r / 4 * (k40 + 2 * k22 + k04) - r * (k31 + k13) + k22;
    tau2 = tau2 > 0 ? tau2 : 0;
    return fisher(r, sqrt(tau2 / (n - 3)) / (1 - r * r));
}

cmc_sens_ci cmc_sens_spearman(const cmc_comoments *c)
{
    double r = corr(c);
    if (isnan(r) || c->n < 4)
        return (cmc_sens_ci){r, NAN, NAN, NAN};
    return fisher(r, sqrt((1 + r * r / 2) / ((double)c->n - 3)));
}

size_t cmc_sens_log(const double *x, size_t n, double *lx)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        bad += isfinite(v) && v <= 0;
        lx[i] = v > 0 && v < INFINITY ? log(v) : NAN;
    }
    return bad;
}

cmc_sens_ci cmc_sens_logvar_share(const cmc_comoments *c, uint64_t nonpositive)
{
    if (nonpositive)
        return nan_ci();
    cmc_sens_ci p = cmc_sens_pearson(c);
    double lo2 = p.lo * p.lo, hi2 = p.hi * p.hi;
    cmc_sens_ci s = {p.value * p.value, fmin(lo2, hi2), fmax(lo2, hi2),
                     2 * fabs(p.value) * p.se};
    if (p.lo <= 0 && p.hi >= 0)
        s.lo = 0;   /* r's interval holds 0: so does the share's */
    return s;
}

/* ---- Sobol indices ------------------------------------------------------------------- */

/* One input's record of one block: fc = f(AB_j). Four passes: means and their
   refinement; the sums the estimates use; the centred second moments of the per-row
   terms u, w, v. */
static cmc_sobol_part sobol_of(const double *fa, const double *fb, const double *fc,
                               size_t n)
{
    cmc_sobol_part p;
    memset(&p, 0, sizeof p);
    double sa = 0, sb = 0, sd = 0;
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = isfinite(fa[i]) && isfinite(fb[i]) && isfinite(fc[i]);
        bad += !ok;
        sa += ok ? fa[i] : 0;
        sb += ok ? fb[i] : 0;
        sd += ok ? fc[i] - fa[i] : 0;
    }
    p.n = n - bad;
    p.skipped = bad;
    if (p.n == 0)
        return p;
    double nn = (double)p.n;
    p.mp = (sa + sb) / (2 * nn);
    p.mb = sb / nn;
    p.md = sd / nn;
    double ea = 0, eb = 0, ed = 0;   /* refine the means (as in cmc_sens_comoments_of) */
    for (size_t i = 0; i < n; i++) {
        int ok = isfinite(fa[i]) && isfinite(fb[i]) && isfinite(fc[i]);
        ea += ok ? (fa[i] - p.mp) + (fb[i] - p.mp) : 0;
        eb += ok ? fb[i] - p.mb : 0;
        ed += ok ? (fc[i] - fa[i]) - p.md : 0;
    }
    p.mp += ea / (2 * nn);
    p.mb += eb / nn;
    p.md += ed / nn;
    double cbd = 0, m2p = 0, sw = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = isfinite(fa[i]) && isfinite(fb[i]) && isfinite(fc[i]);
        double a = ok ? fa[i] - p.mp : 0, b = ok ? fb[i] - p.mp : 0;
        double bb = ok ? fb[i] - p.mb : 0, dd = ok ? fc[i] - fa[i] : 0;
        cbd += bb * (dd - p.md);
        m2p += a * a + b * b;
        sw += dd * dd;
    }
    p.cbd = cbd;
    p.m2p = m2p;
    p.mu = cbd / nn;
    p.mw = sw / (2 * nn);
    p.mv = m2p / (2 * nn);
    double quu = 0, qww = 0, qvv = 0, quv = 0, qwv = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(fa[i]) && isfinite(fb[i]) && isfinite(fc[i])))
            continue;
        double a = fa[i] - p.mp, b = fb[i] - p.mp, dd = fc[i] - fa[i];
        double u = (fb[i] - p.mb) * (dd - p.md) - p.mu;
        double w = dd * dd / 2 - p.mw;
        double v = (a * a + b * b) / 2 - p.mv;
        quu += u * u;
        qww += w * w;
        qvv += v * v;
        quv += u * v;
        qwv += w * v;
    }
    p.quu = quu, p.qww = qww, p.qvv = qvv, p.quv = quv, p.qwv = qwv;
    return p;
}

void cmc_sens_sobol_block(const double *fA, const double *fB, const double *const *fAB,
                          size_t k, size_t n, cmc_sobol_part *part)
{
    for (size_t j = 0; j < k; j++)
        part[j] = sobol_of(fA, fB, fAB[j], n);
}

/* Chan, Golub and LeVeque's pairwise update for every mean and co-moment sum. */
static void sobol_merge1(cmc_sobol_part *a, const cmc_sobol_part *b)
{
    a->skipped += b->skipped;
    if (b->n == 0)
        return;
    if (a->n == 0) {
        uint64_t skipped = a->skipped;
        *a = *b;
        a->skipped = skipped;
        return;
    }
    double na = (double)a->n, nb = (double)b->n, n = na + nb;
    double t = nb / n, f = na * nb / n;
    double dp = b->mp - a->mp;
    a->m2p += b->m2p + dp * dp * 2 * f;   /* 2na and 2nb values */
    a->mp += dp * t;
    double db = b->mb - a->mb, dd = b->md - a->md;
    a->cbd += b->cbd + db * dd * f;
    a->mb += db * t;
    a->md += dd * t;
    double du = b->mu - a->mu, dw = b->mw - a->mw, dv = b->mv - a->mv;
    a->quu += b->quu + du * du * f;
    a->qww += b->qww + dw * dw * f;
    a->qvv += b->qvv + dv * dv * f;
    a->quv += b->quv + du * dv * f;
    a->qwv += b->qwv + dw * dv * f;
    a->mu += du * t;
    a->mw += dw * t;
    a->mv += dv * t;
    a->n += b->n;
}

void cmc_sens_sobol_merge(cmc_sobol_part *acc, const cmc_sobol_part *part, size_t k)
{
    for (size_t j = 0; j < k; j++)
        sobol_merge1(&acc[j], &part[j]);
}

/* value -+ 1.96 se from the variance of the influence term x - s v over n rows */
static cmc_sens_ci ratio_ci(double s, double qxx, double qxv, double qvv, double n,
                            double V)
{
    double var = (qxx - 2 * s * qxv + s * s * qvv) / (n - 1);
    double se = sqrt((var > 0 ? var : 0) / n) / V;
    return (cmc_sens_ci){s, s - Z95 * se, s + Z95 * se, se};
}

void cmc_sens_sobol_result(const cmc_sobol_part *acc, size_t k, cmc_sobol_index *out)
{
    for (size_t j = 0; j < k; j++) {
        const cmc_sobol_part *p = &acc[j];
        cmc_sobol_index *o = &out[j];
        o->n = p->n;
        o->skipped = p->skipped;
        double n = (double)p->n, V = p->n >= 2 ? p->m2p / (2 * n - 1) : NAN;
        if (!(V > 0)) {
            o->first = o->total = nan_ci();
            continue;
        }
        double s = p->cbd / (n - 1) / V, st = p->mw / V;
        o->first = ratio_ci(s, p->quu, p->quv, p->qvv, n, V);
        o->total = ratio_ci(st, p->qww, p->qwv, p->qvv, n, V);
    }
}

/* ---- First-order index from given data ------------------------------------------- */

/* The bias-corrected correlation ratio of one set of bins: (SSB - (M - 1) MSW) /
   SST, the ANOVA estimator of Var(E[Y | bin]) / Var(Y) whose expectation the bins'
   own sampling noise does not inflate (Kelley 1935's epsilon^2). */
static double given_eta2(const double *cnt, const double *sum, const double *sq, size_t M)
{
    double n = 0, s = 0, q = 0, ssb = 0;
    size_t used = 0;
    for (size_t b = 0; b < M; b++) {
        if (cnt[b] <= 0)
            continue;
        used++;
        n += cnt[b];
        s += sum[b];
        q += sq[b];
        ssb += sum[b] * sum[b] / cnt[b];
    }
    if (used < 2 || n <= (double)used)
        return NAN;
    double sst = q - s * s / n;
    ssb -= s * s / n;
    double msw = (sst - ssb) / (n - (double)used);
    return sst > 0 ? (ssb - (double)(used - 1) * msw) / sst : NAN;
}

cmc_sens_ci cmc_sens_given_first(const double *acc, size_t stride, size_t M)
{
    double *all = calloc(3 * M, sizeof *all), est[CMC_GIVEN_BATCHES];
    if (!all)
        return nan_ci();
    for (size_t b = 0; b < CMC_GIVEN_BATCHES; b++) {
        const double *x = acc + b * stride;
        for (size_t i = 0; i < 3 * M; i++)
            all[i] += x[i];
        est[b] = given_eta2(x, x + M, x + 2 * M, M);
    }
    cmc_sens_ci r = {given_eta2(all, all + M, all + 2 * M, M), NAN, NAN, NAN};
    free(all);
    double s = 0, s2 = 0;
    for (size_t b = 0; b < CMC_GIVEN_BATCHES; b++) {
        s += est[b];
        s2 += est[b] * est[b];
    }
    double mean = s / CMC_GIVEN_BATCHES;
    double var = (s2 - CMC_GIVEN_BATCHES * mean * mean) / (CMC_GIVEN_BATCHES - 1);
    if (isnan(r.value) || isnan(var))
        return r;
    /* the batches are independent; the full-sample estimate's se is theirs / sqrt(B)
       (same bins, so the same discretisation); Student t with B - 1 degrees */
    r.se = sqrt(var > 0 ? var / CMC_GIVEN_BATCHES : 0);
    const double t15 = 2.131449545559323;   /* t_{0.975, 15} */
    r.lo = r.value - t15 * r.se;
    r.hi = r.value + t15 * r.se;
    return r;
}

/* ---- The fixed reduction tree ------------------------------------------------------ */

int cmc_sens_stack_init(cmc_sens_stack *s, int kind, size_t P, size_t Q, size_t G,
                        uint32_t depth)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->P = P;
    s->Q = Q;
    s->G = G;
    s->depth = depth;
    s->bytes = kind == CMC_SENS_REC ? P * (2 * sizeof(cmc_comoments) + sizeof(cmc_sobol_part)) +
                                          Q * sizeof(uint64_t)
                                    : G * sizeof(double);
    s->start = calloc(depth, sizeof *s->start);
    s->level = calloc(depth, sizeof *s->level);
    s->rec = calloc(depth, s->bytes ? s->bytes : 8);
    if (!s->start || !s->level || !s->rec) {
        cmc_sens_stack_free(s);
        return -1;
    }
    return 0;
}

void cmc_sens_stack_free(cmc_sens_stack *s)
{
    free(s->start);
    free(s->level);
    free(s->rec);
    s->start = NULL;
    s->level = NULL;
    s->rec = NULL;
    s->n = 0;
}

void *cmc_sens_stack_top(cmc_sens_stack *s)
{
    if (s->n >= s->depth) {   /* grow: about two nodes per level at most */
        uint32_t d = s->depth ? 2 * s->depth : 4;
        uint64_t *st = realloc(s->start, d * sizeof *st);
        if (st)
            s->start = st;
        uint32_t *lv = st ? realloc(s->level, d * sizeof *lv) : NULL;
        if (lv)
            s->level = lv;
        unsigned char *r = lv ? realloc(s->rec, d * (s->bytes ? s->bytes : 8)) : NULL;
        if (!r)
            return NULL;
        s->rec = r;
        s->depth = d;
    }
    return s->rec + (size_t)s->n * s->bytes;
}

/* a += b, records of s's kind */
static void rec_merge(const cmc_sens_stack *s, unsigned char *a, const unsigned char *b)
{
    if (s->kind == CMC_SENS_SUMS) {
        double x, y;
        for (size_t i = 0; i < s->G; i++) {
            memcpy(&x, a + i * sizeof x, sizeof x);
            memcpy(&y, b + i * sizeof y, sizeof y);
            x += y;
            memcpy(a + i * sizeof x, &x, sizeof x);
        }
        return;
    }
    const size_t P = s->P, C = sizeof(cmc_comoments);
    cmc_comoments *ra = (cmc_comoments *)(void *)a, *rb = (cmc_comoments *)(void *)b;
    for (size_t p = 0; p < 2 * P; p++)   /* the ranks', then the logarithms' */
        cmc_sens_comoments_merge(&ra[p], &rb[p]);
    cmc_sens_sobol_merge((cmc_sobol_part *)(void *)(a + 2 * P * C),
                         (const cmc_sobol_part *)(const void *)(b + 2 * P * C), P);
    uint64_t *na = (uint64_t *)(void *)(a + 2 * P * C + P * sizeof(cmc_sobol_part));
    const uint64_t *nb = (const uint64_t *)(const void *)(b + 2 * P * C + P * sizeof(cmc_sobol_part));
    for (size_t q = 0; q < s->Q; q++)
        na[q] += nb[q];
}

int cmc_sens_stack_push(cmc_sens_stack *s, uint64_t start, uint32_t level)
{
    if (level >= 63 || (start & (((uint64_t)1 << level) - 1)) || s->n >= s->depth ||
        (s->n && s->start[s->n - 1] + ((uint64_t)1 << s->level[s->n - 1]) != start))
        return -1;
    s->start[s->n] = start;
    s->level[s->n] = level;
    s->n++;
    /* the carry: the node below is this one's left sibling */
    while (s->n >= 2) {
        uint32_t t = s->n - 1, l = s->level[t];
        if (s->level[t - 1] != l || ((s->start[t - 1] >> l) & 1))
            break;
        rec_merge(s, s->rec + (size_t)(t - 1) * s->bytes, s->rec + (size_t)t * s->bytes);
        s->level[t - 1]++;
        s->n--;
    }
    return 0;
}

void *cmc_sens_stack_fold(cmc_sens_stack *s)
{
    if (!s->n) {
        memset(s->rec, 0, s->bytes);
        return s->rec;
    }
    for (uint32_t i = 1; i < s->n; i++)
        rec_merge(s, s->rec, s->rec + (size_t)i * s->bytes);
    s->n = 1;
    return s->rec;
}

int cmc_sens_stack_save(const cmc_sens_stack *s, uint64_t **out, size_t *len)
{
    size_t w = s->bytes / 8, add = 1 + (size_t)s->n * (2 + w);
    uint64_t *a = realloc(*out, (*len + add) * sizeof *a);
    if (!a)
        return -1;
    *out = a;
    a += *len;
    *a++ = s->n;
    for (uint32_t i = 0; i < s->n; i++) {
        *a++ = s->start[i];
        *a++ = s->level[i];
        memcpy(a, s->rec + (size_t)i * s->bytes, s->bytes);
        a += w;
    }
    *len += add;
    return 0;
}

size_t cmc_sens_stack_load(cmc_sens_stack *s, const uint64_t *a, size_t len)
{
    size_t w = s->bytes / 8;
    if (len < 1 || a[0] > (len - 1) / (2 + w))
        return 0;
    size_t n = (size_t)a[0], at = 1;
    for (size_t i = 0; i < n; i++, at += 2 + w) {
        void *top = cmc_sens_stack_top(s);
        if (!top)
            return 0;
        memcpy(top, a + at + 2, s->bytes);
        if (cmc_sens_stack_push(s, a[at], (uint32_t)a[at + 1]) < 0)
            return 0;
    }
    return at;
}
