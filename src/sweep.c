/*
 * sweep.c: cmc_sweep_run, one scenario over a grid of assumptions (sweep.h).
 *
 * A sweep adds no statistics of its own: each point is cmc_run on the scenario
 * loaded with the point's values as --set texts ("pue=1.1"), exactly the texts
 * `carbonmc run --set pue=1.1` would give, with the same run options. So a point
 * is bit-identical to that run, and because the random streams are keyed by
 * (seed, input name, sample index) the points share every draw of the inputs they
 * have in common: differences between points are the model's, not noise.
 *
 * Everything the user wrote is checked before any sampling: the --grid texts and
 * the CSV file (shape, numbers, duplicates: sweep_spec.c), then every name and every value by
 * loading the scenario once per distinct (name, value) with that one value set.
 * The loader's own messages (an unknown name with "did you mean", a value outside
 * the quantity's range, a unit that does not convert) point into the generated
 * --set text; they are moved to the place the value was written (`--grid:1:9:`,
 * `points.csv:3:5:`), so the user sees their own text under the caret.
 *
 * Parallelism. Points are independent runs, so they are spread over workers
 * (POSIX threads; the sampler's OpenMP team lives inside each run): with at least
 * as many points as threads, one worker per thread, each run on one thread;
 * with fewer points, one worker per point, the threads shared among them. A run
 * on one thread has no merge cursor to share and no idle partner at its end, and
 * a short run's fixed cost (loading, planning, the final brackets) is paid in
 * parallel; results are the same bits whatever the split (README "Sweeps").
 */
#include "sweep_priv.h"
#include "diag.h"
#include "lex.h"
#include "util.h"

#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Loading one point ----------------------------------------------------------- */

typedef struct sweeper {
    const char *path;
    const cmc_load_options *lo;
    const spec *sp;
    const cmc_sweep_options *o;
    cmc_run_options run;
    cmc_sweep *s;
    const char **settext;     /* [nvars * maxn]: "NAME=VALUE" for each var and value */
    size_t maxn;
    /* workers */
    atomic_size_t next;
    atomic_int failed;
    size_t done;
    pthread_mutex_t lock;
    /* Loads and frees take this lock. units.c serialises UDUNITS-2 itself (its
       parser is not reentrant: two workers loading at once crashed in utlex before
       it did); this lock also keeps the workers' loads, which are short, from
       interleaving their diagnostics. */
    pthread_mutex_t load_lock;
    cmc_diags **pd;           /* [npoints] the diagnostics of a point that failed */
} sweeper;

static const char *set_text(const sweeper *w, size_t k, size_t i)
{
    return w->settext[k * w->maxn + i];
}

/* The value index of var k at point i. */
static size_t value_index(const spec *sp, size_t k, size_t i)
{
    if (sp->points)
        return i;
    size_t stride = 1;
    for (size_t j = sp->nvars; j-- > k + 1;)
        stride *= sp->vars[j].n;
    return (i / stride) % sp->vars[k].n;
}

/* Load the scenario with the fixed --set values and sets[0..n). */
static cmc_model *load_with(const sweeper *w, const char *const *extra, size_t n, cmc_diags *d)
{
    size_t nb = w->lo ? w->lo->nsets : 0;
    const char **sets = malloc((nb + n + 1) * sizeof *sets);
    if (!sets) {
        cmc_error(d, NULL, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < nb; i++)
        sets[i] = w->lo->sets[i];
    for (size_t i = 0; i < n; i++)
        sets[nb + i] = extra[i];
    cmc_load_options lo = {sets, nb + n, w->lo ? w->lo->path : NULL, w->lo ? w->lo->npath : 0,
                           w->lo ? w->lo->report : NULL};
    cmc_model *m = cmc_model_load(w->path, &lo, d);
    free(sets);
    return m;
}

/* Re-add diagnostic g to d: one about the generated --set text `set` (the value of
   var v at index i) moves to where the user wrote it; any other keeps its place. */
static void move_diag(cmc_diags *d, const cmc_diag *g, const char *set, const spec_var *v,
                      size_t i, int strict)
{
    cmc_severity sev = strict && g->severity == CMC_WARNING ? CMC_ERROR : g->severity;
    if (g->file && !strcmp(g->file, "--set") && g->source && !strcmp(g->source, set)) {
        int nl = (int)strlen(v->name) + 1;   /* "NAME=" */
        int in_name = g->col <= nl - 1;
        cmc_loc l = {in_name ? v->name_src : v->src[i], in_name ? v->name_line : v->line[i],
                     in_name ? v->name_col + g->col - 1 : v->col[i] + g->col - 1 - nl,
                     g->len};
        if (l.col < 1)
            l.col = 1;
        cmc_diag_add(d, sev, &l, "%s", g->msg);
        return;
    }
    if (g->file && g->line > 0 && g->source) {
        /* a source whose line g->line is g's own line */
        size_t len = strlen(g->source);
        char *text = malloc((size_t)g->line + len);
        if (text) {
            memset(text, '\n', (size_t)g->line - 1);
            memcpy(text + g->line - 1, g->source, len + 1);
            cmc_src src = {g->file, text};
            cmc_loc l = {&src, g->line, g->col, g->len};
            cmc_diag_add(d, sev, &l, "%s", g->msg);
            free(text);
            return;
        }
    }
    cmc_diag_add(d, sev, NULL, "%s%s%s", g->file ? g->file : "", g->file ? ": " : "", g->msg);
}

static const cmc_quantity *find_quantity(const cmc_model *m, const char *name, int *is_output)
{
    *is_output = 0;
    for (size_t i = 0; i < cmc_model_count(m, CMC_OUTPUT); i++)
        if (!strcmp(cmc_model_get(m, CMC_OUTPUT, i)->name, name)) {
            *is_output = 1;
            return cmc_model_get(m, CMC_OUTPUT, i);
        }
    for (int k = CMC_RANDOM; k < CMC_OUTPUT; k++)
        for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++)
            if (!strcmp(cmc_model_get(m, (cmc_qkind)k, i)->name, name))
                return cmc_model_get(m, (cmc_qkind)k, i);
    return NULL;
}

/* Every value of every var, loaded once with the scenario: a name the scenario
   lacks, an output, a value outside its range or in a unit that does not convert
   are found here, before sampling. The coordinate of each value is its quantity's
   value in the model's unit. */
static int check_values(sweeper *w, const cmc_model *base, cmc_diags *d)
{
    const spec *sp = w->sp;
    cmc_sweep *s = w->s;
    int rc = 0;
    for (size_t k = 0; k < sp->nvars; k++) {
        const spec_var *v = &sp->vars[k];
        cmc_sweep_var *sv = &s->vars[k];
        int is_output;
        const cmc_quantity *bq = find_quantity(base, v->name, &is_output);
        if (is_output) {
            cmc_loc l = {v->name_src, v->name_line, v->name_col, (int)strlen(v->name)};
            cmc_error(d, &l, "'%s' is an output of the scenario: a sweep varies what the "
                      "outputs depend on", v->name);
            rc = -1;
            continue;
        }
        sv->unit = bq ? cmc_arena_strdup(s->arena, bq->unit) : "";
        sv->description = bq ? cmc_arena_strdup(s->arena, bq->description) : "";
        cmc_map seen;   /* a CSV repeats values: each is checked once */
        cmc_map_init(&seen, s->arena);
        for (size_t i = 0; i < v->n; i++) {
            size_t first = (size_t)(uintptr_t)cmc_map_get(&seen, v->text[i]);
            if (first) {
                sv->value[i] = sv->value[first - 1];
                continue;
            }
            if (cmc_map_put(&seen, v->text[i], (void *)(uintptr_t)(i + 1)) < 0)
                return -1;
            cmc_diags *tmp = cmc_diags_new();
            if (!tmp)
                return -1;
            const char *set = set_text(w, k, i);
            cmc_model *m = load_with(w, &set, 1, tmp);
            int bad = !m;
            for (size_t g = 0; g < cmc_diags_count(tmp); g++) {
                const cmc_diag *dg = cmc_diags_get(tmp, g);
                /* the scenario's own warnings were reported by the base load */
                int ours = dg->file && !strcmp(dg->file, "--set") && dg->source &&
                           !strcmp(dg->source, set);
                if (dg->severity == CMC_ERROR || ours) {
                    move_diag(d, dg, set, v, i, w->o->strict);
                    bad |= dg->severity == CMC_ERROR || w->o->strict;
                }
            }
            cmc_diags_free(tmp);
            if (!bad) {
                const cmc_quantity *q = find_quantity(m, v->name, &is_output);
                double x = NAN;
                if (q)
                    x = q->point;
                else
                    cmc_lex_number(v->text[i][0] == '-' ? v->text[i] + 1 : v->text[i], &x),
                        x = v->text[i][0] == '-' ? -x : x;
                sv->value[i] = x;
            }
            cmc_model_free(m);
            if (bad) {
                rc = -1;
                if (i == 0)
                    break;   /* an unknown name: once is enough */
            }
        }
    }
    return rc;
}

/* ---- Running the points -------------------------------------------------------------- */

static int copy_point(sweeper *w, size_t i, const cmc_results *r, cmc_diags *d)
{
    cmc_sweep *s = w->s;
    if (i == 0)
        s->samples = r->samples;   /* a design rounds N up to whole blocks */
    if (r->noutputs != s->noutputs) {
        cmc_error(d, NULL, "point %zu of the sweep has %zu outputs, the scenario %zu", i,
                  r->noutputs, s->noutputs);
        return -1;
    }
    for (size_t o = 0; o < s->noutputs; o++) {
        const cmc_stat *st = &r->outputs[o];
        cmc_sweep_output *so = &s->outputs[o];
        if (strcmp(st->name, so->name) || st->npercentiles != s->np) {
            cmc_error(d, NULL, "point %zu of the sweep has output '%s' where the scenario "
                      "has '%s'", i, st->name, so->name);
            return -1;
        }
        for (size_t j = 0; j < s->np; j++) {
            so->value[i * s->np + j] = st->value[j];
            so->ci_low[i * s->np + j] = st->ci_low[j];
            so->ci_high[i * s->np + j] = st->ci_high[j];
            so->resolution[i * s->np + j] = st->resolution ? st->resolution[j] : 0;
        }
        so->mean[i] = st->mean;
        so->mean_se[i] = st->mean_se;
        so->std[i] = st->std;
        so->min[i] = st->min;
        so->max[i] = st->max;
        so->count[i] = st->count;
        so->nonfinite[i] = st->nonfinite;
    }
    return 0;
}

static int run_point(sweeper *w, size_t i, int threads, cmc_diags *d)
{
    const spec *sp = w->sp;
    const char **sets = malloc(sp->nvars * sizeof *sets);
    if (!sets) {
        cmc_error(d, NULL, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < sp->nvars; k++)
        sets[k] = set_text(w, k, value_index(sp, k, i));
    cmc_diags *tmp = cmc_diags_new();
    pthread_mutex_lock(&w->load_lock);
    cmc_model *m = tmp ? load_with(w, sets, sp->nvars, tmp) : NULL;
    pthread_mutex_unlock(&w->load_lock);
    int rc = -1;
    if (m) {
        cmc_run_options ro = w->run;
        ro.threads = threads;
        ro.output = NULL;
        ro.progress = NULL;
        ro.tempfile = NULL;
        ro.save_samples = 0;
        cmc_results *r = cmc_run(m, &ro, tmp);
        if (r)
            rc = copy_point(w, i, r, tmp);
        cmc_results_free(r);
    }
    if (rc < 0) {
        /* the point's values, then why it failed */
        char buf[1024];
        size_t len = 0;
        buf[0] = '\0';
        for (size_t k = 0; k < sp->nvars && len < sizeof buf; k++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", k ? ", " : "", sets[k]);
        cmc_error(d, NULL, "point %zu of the sweep (%s) failed:", i, buf);
        if (tmp)
            cmc_diags_copy(d, tmp, 1);
        else
            cmc_error(d, NULL, "out of memory");
    }
    pthread_mutex_lock(&w->load_lock);
    cmc_model_free(m);
    pthread_mutex_unlock(&w->load_lock);
    cmc_diags_free(tmp);
    free(sets);
    return rc;
}

typedef struct worker {
    sweeper *w;
    int threads;
} worker;

static void *work(void *arg)
{
    worker *k = arg;
    sweeper *w = k->w;
    size_t n = w->s->npoints;
    for (;;) {
        size_t i = atomic_fetch_add(&w->next, 1);
        if (i >= n || atomic_load(&w->failed))
            break;
        cmc_diags *d = cmc_diags_new();
        if (!d || run_point(w, i, k->threads, d) < 0) {
            w->pd[i] = d;   /* NULL: out of memory, reported by the caller */
            atomic_store(&w->failed, 1);
            break;
        }
        cmc_diags_free(d);
        pthread_mutex_lock(&w->lock);
        size_t done = ++w->done;
        if (w->o->progress)
            w->o->progress(w->o->progress_ctx, done, n);
        pthread_mutex_unlock(&w->lock);
    }
    return NULL;
}

static int run_points(sweeper *w, cmc_diags *d)
{
    size_t n = w->s->npoints;
    int threads = w->run.threads > 0 ? w->run.threads : omp_get_max_threads();
    if (threads < 1)
        threads = 1;
    size_t nw = w->o->workers > 0 ? (size_t)w->o->workers : (size_t)threads;
    if (nw > n)
        nw = n;
    if (nw > (size_t)threads)
        nw = (size_t)threads;
    if (nw < 1)
        nw = 1;
    worker *ks = calloc(nw, sizeof *ks);
    pthread_t *tid = calloc(nw, sizeof *tid);
    w->pd = calloc(n, sizeof *w->pd);
    int rc = -1;
    if (!ks || !tid || !w->pd) {
        cmc_error(d, NULL, "out of memory");
        goto out;
    }
    atomic_init(&w->next, 0);
    atomic_init(&w->failed, 0);
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->load_lock, NULL);
    size_t started = 0;
    for (size_t j = 0; j < nw; j++) {
        /* the threads shared out; the first workers take the remainder */
        ks[j].w = w;
        ks[j].threads = threads / (int)nw + ((size_t)(threads % (int)nw) > j ? 1 : 0);
        if (nw == 1) {
            work(&ks[0]);   /* one worker: this thread */
            started = 0;
            break;
        }
        if (pthread_create(&tid[j], NULL, work, &ks[j]) != 0) {
            atomic_store(&w->failed, 1);
            cmc_error(d, NULL, "cannot start a thread for the sweep");
            break;
        }
        started++;
    }
    for (size_t j = 0; j < started; j++)
        pthread_join(tid[j], NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_mutex_destroy(&w->load_lock);
    rc = atomic_load(&w->failed) ? -1 : 0;
    /* the first point that failed says why (the order of points, not of threads) */
    for (size_t i = 0; i < n && rc < 0; i++)
        if (w->pd[i]) {
            cmc_diags_copy(d, w->pd[i], 0);
            break;
        }
    if (rc < 0 && cmc_diags_errors(d) == 0)
        cmc_error(d, NULL, "the sweep failed: out of memory");
out:
    for (size_t i = 0; w->pd && i < n; i++)
        cmc_diags_free(w->pd[i]);
    free(w->pd);
    w->pd = NULL;
    free(ks);
    free(tid);
    return rc;
}

/* ---- The sweep ------------------------------------------------------------------- */

static int alloc_outputs(cmc_sweep *s, const cmc_model *base)
{
    cmc_arena *a = s->arena;
    s->noutputs = cmc_model_count(base, CMC_OUTPUT);
    s->outputs = cmc_arena_alloc(a, (s->noutputs ? s->noutputs : 1) * sizeof *s->outputs);
    if (!s->outputs)
        return -1;
    size_t n = s->npoints, np = s->np;
    for (size_t o = 0; o < s->noutputs; o++) {
        const cmc_quantity *q = cmc_model_get(base, CMC_OUTPUT, o);
        cmc_sweep_output *so = &s->outputs[o];
        if (!(so->name = cmc_arena_strdup(a, q->name)) ||
            !(so->unit = cmc_arena_strdup(a, q->unit)) ||
            !(so->description = cmc_arena_strdup(a, q->description)))
            return -1;
        double **pp[] = {&so->value, &so->ci_low, &so->ci_high, &so->resolution};
        for (size_t k = 0; k < 4; k++)
            if (!(*pp[k] = cmc_arena_alloc(a, n * np * sizeof(double) + 1)))
                return -1;
        double **mm[] = {&so->mean, &so->mean_se, &so->std, &so->min, &so->max};
        for (size_t k = 0; k < 5; k++)
            if (!(*mm[k] = cmc_arena_alloc(a, n * sizeof(double))))
                return -1;
        if (!(so->count = cmc_arena_alloc(a, n * sizeof(uint64_t))) ||
            !(so->nonfinite = cmc_arena_alloc(a, n * sizeof(uint64_t))))
            return -1;
    }
    return 0;
}

static const double default_p[] = {0.005, 0.025, 0.05, 0.1, 0.25, 0.5,
                                   0.75, 0.9, 0.95, 0.975, 0.995};

/* The run's metadata, from a one-block run of the base model: the same code that
   names the method and design of a run names the sweep's. */
static int describe(cmc_sweep *s, const cmc_model *base, const cmc_run_options *run,
                    cmc_diags *d)
{
    cmc_arena *a = s->arena;
    s->title = cmc_arena_strdup(a, cmc_model_title(base));
    s->tool_version = cmc_version();
    s->seed = run->seed;
    s->source = cmc_arena_strdup(a, cmc_model_source(base));
    s->rng = "philox4x32-10";
    s->design = run->design == CMC_DESIGN_LHS ? "lhs" : run->design == CMC_DESIGN_QMC ? "qmc"
                                                                                        : "mc";
    s->replicates = run->design == CMC_DESIGN_MC ? 1
                    : run->replicates          ? run->replicates
                                               : CMC_DEFAULT_REPLICATES;
    s->method = run->design == CMC_DESIGN_MC ? "monte carlo"
                : cmc_arena_printf(a, "%s, %u replicates",
                                   run->design == CMC_DESIGN_LHS ? "latin hypercube"
                                                                 : "randomised quasi-monte carlo",
                                   (unsigned)s->replicates);
    time_t now = time(NULL);
    struct tm tm;
    char buf[32];
    if (gmtime_r(&now, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        s->created = cmc_arena_strdup(a, buf);
    else
        s->created = "";
    s->np = run->percentiles ? run->npercentiles : sizeof default_p / sizeof default_p[0];
    s->p = cmc_arena_alloc(a, s->np * sizeof *s->p);
    if (!s->title || !s->source || !s->method || !s->p) {
        cmc_error(d, NULL, "out of memory");
        return -1;
    }
    memcpy(s->p, run->percentiles ? run->percentiles : default_p, s->np * sizeof *s->p);
    return 0;
}

cmc_sweep *cmc_sweep_run(const char *path, const cmc_load_options *lo,
                         const cmc_sweep_options *o, const cmc_run_options *run,
                         cmc_diags *d)
{
    cmc_arena *a = cmc_arena_new();
    cmc_sweep *s = a ? cmc_arena_alloc(a, sizeof *s) : NULL;
    cmc_model *base = NULL;
    spec sp;
    memset(&sp, 0, sizeof sp);
    if (!s) {
        cmc_error(d, NULL, "out of memory");
        goto fail;
    }
    s->arena = a;
    if (run->rel_tol > 0 || run->abs_tol > 0) {
        cmc_error(d, NULL, "a sweep runs every point with the same N: --rel-tol and "
                  "--abs-tol would stop each point at its own");
        goto fail;
    }
    if ((o->ngrids > 0) == (o->csv != NULL)) {
        cmc_error(d, NULL, o->csv ? "a sweep takes either --grid or --grid-csv, not both"
                                  : "a sweep needs --grid NAME=V1,V2,... or --grid-csv FILE");
        goto fail;
    }
    /* what the user wrote, all of it checked before giving up */
    if (cmc_sweep_spec_read(&sp, o, lo, a, d) < 0)
        goto fail;
    s->points = sp.points;

    sweeper w;
    memset(&w, 0, sizeof w);
    w.path = path;
    w.lo = lo;
    w.sp = &sp;
    w.o = o;
    w.run = *run;
    w.s = s;
    for (size_t k = 0; k < sp.nvars; k++)
        w.maxn = sp.vars[k].n > w.maxn ? sp.vars[k].n : w.maxn;
    w.settext = cmc_arena_alloc(a, (sp.nvars * w.maxn + 1) * sizeof *w.settext);
    s->nvars = sp.nvars;
    s->vars = cmc_arena_alloc(a, (sp.nvars + 1) * sizeof *s->vars);
    if (!w.settext || !s->vars)
        goto nomem;
    for (size_t k = 0; k < sp.nvars; k++) {
        const spec_var *v = &sp.vars[k];
        cmc_sweep_var *sv = &s->vars[k];
        sv->name = v->name;
        sv->n = v->n;
        sv->text = v->text;
        sv->value = cmc_arena_alloc(a, (v->n + 1) * sizeof *sv->value);
        if (!sv->value)
            goto nomem;
        for (size_t i = 0; i < v->n; i++)
            if (!(w.settext[k * w.maxn + i] = cmc_arena_printf(a, "%s=%s", v->name, v->text[i])))
                goto nomem;
    }
    s->npoints = sp.npoints;

    base = load_with(&w, NULL, 0, d);
    if (!base)
        goto fail;
    if (o->strict)
        for (size_t i = 0; i < cmc_diags_count(d); i++)
            if (cmc_diags_get(d, i)->severity == CMC_WARNING) {
                cmc_error(d, NULL, "--strict: the scenario has warnings");
                goto fail;
            }
    if (check_values(&w, base, d) < 0)
        goto fail;
    if (cmc_model_nvariants(base))
        cmc_warning(d, NULL, "the scenario's variants are not part of the sweep: only the "
                    "scenario as written is evaluated at each point (sweep the names a "
                    "variant changes instead)");
    if (describe(s, base, run, d) < 0 || alloc_outputs(s, base) < 0)
        goto nomem;
    s->samples = run->samples ? run->samples : CMC_DEFAULT_SAMPLES;
    {
        size_t nb = lo ? lo->nsets : 0;
        s->nsets = nb;
        s->sets = cmc_arena_alloc(a, (nb + 1) * sizeof *s->sets);
        if (!s->sets)
            goto nomem;
        for (size_t i = 0; i < nb; i++)
            if (!(s->sets[i] = cmc_arena_strdup(a, lo->sets[i])))
                goto nomem;
        cmc_buf b;
        cmc_buf_init(&b);
        if (o->csv) {
            size_t len;
            char *t = cmc_read_file(o->csv, &len);
            cmc_buf_puts(&b, t ? t : "");
            free(t);
        } else {
            for (size_t k = 0; k < o->ngrids; k++) {
                cmc_buf_puts(&b, o->grids[k]);
                cmc_buf_puts(&b, "\n");
            }
        }
        s->spec = cmc_arena_strdup(a, cmc_buf_str(&b));
        int failed = b.failed;
        cmc_buf_free(&b);
        if (!s->spec || failed)
            goto nomem;
    }
    cmc_model_free(base);
    base = NULL;
    if (run_points(&w, d) < 0)
        goto fail;
    /* the sample count the runs used (a design rounds it up to whole blocks) */
    return s;

nomem:
    cmc_error(d, NULL, "out of memory");
fail:
    cmc_model_free(base);
    cmc_arena_free(a);
    return NULL;
}

void cmc_sweep_free(cmc_sweep *s)
{
    if (s)
        cmc_arena_free(s->arena);
}

int cmc_sweep_find_p(const cmc_sweep *s, double p)
{
    for (size_t j = 0; j < s->np; j++)
        if (fabs(s->p[j] - p) < 1e-12)
            return (int)j;
    return -1;
}

double cmc_sweep_coord(const cmc_sweep *s, size_t k, size_t i)
{
    if (s->points)
        return s->vars[k].value[i];
    size_t stride = 1;
    for (size_t j = s->nvars; j-- > k + 1;)
        stride *= s->vars[j].n;
    return s->vars[k].value[(i / stride) % s->vars[k].n];
}
