/*
 * units.c: the unit system (UDUNITS-2) and carbonmc's additions to it.
 *
 * One ut_system per process, read from the database Debian installs
 * (/usr/share/xml/udunits/udunits2.xml, ut_read_xml(NULL) finds it without
 * UDUNITS2_XML_PATH) the first time a model is compiled, then extended with the
 * units of carbon accounting (units.h). UDUNITS prints its own errors on stderr
 * by default: carbonmc reports them itself, so the handler is ut_ignore.
 *
 * Labels keep their text so that messages and outputs show the unit as the user
 * wrote it ("cannot add kW and day", "[kW*day]"), while UDUNITS does the
 * arithmetic and the conversions. A conversion must be a pure factor (a linear
 * converter): carbonmc folds it into the program as one multiplication.
 */
#include "units.h"
#include "carbonmc.h"
#include "diag.h"
#include "util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <udunits2.h>

struct cmc_unit {
    ut_unit *u;
    char *text;
    struct cmc_unit *next;   /* the pool's list */
};

struct cmc_unit_pool {
    cmc_unit *all;
};

static ut_system *sys_units;   /* written once under pthread_once, read-only after */
static pthread_once_t sys_once = PTHREAD_ONCE_INIT;

/* name = scale x unit (unit text in UDUNITS syntax), as both a name and a symbol
   so that prefixes apply (kWh = k + Wh). */
static int add_alias(const char *name, double scale, ut_unit *of)
{
    ut_unit *u = ut_scale(scale, of);
    if (!u)
        return -1;
    int rc = ut_map_symbol_to_unit(name, UT_ASCII, u) == UT_SUCCESS &&
                     ut_map_unit_to_symbol(u, name, UT_ASCII) != UT_BAD_ARG
                 ? 0
                 : -1;
    ut_free(u);
    return rc;
}

static void load_system(void)
{
    ut_set_error_message_handler(ut_ignore);
    ut_system *s = ut_read_xml(NULL);
    if (!s)
        return;
    ut_unit *w = ut_get_unit_by_symbol(s, "W");
    ut_unit *h = ut_get_unit_by_name(s, "hour");
    ut_unit *g = ut_get_unit_by_symbol(s, "g");
    ut_unit *wh = w && h ? ut_multiply(w, h) : NULL;
    ut_unit *co2e = ut_new_base_unit(s);
    ut_unit *flop = ut_new_base_unit(s);
    ut_unit *gco2e = g && co2e ? ut_multiply(g, co2e) : NULL;
    int ok = wh && co2e && flop && gco2e && add_alias("Wh", 1, wh) == 0 &&
             ut_map_name_to_unit("CO2e", UT_ASCII, co2e) == UT_SUCCESS &&
             ut_map_symbol_to_unit("CO2e", UT_ASCII, co2e) == UT_SUCCESS &&
             ut_map_symbol_to_unit("CO2eq", UT_ASCII, co2e) == UT_SUCCESS &&
             ut_map_name_to_unit("FLOP", UT_ASCII, flop) == UT_SUCCESS &&
             ut_map_symbol_to_unit("FLOP", UT_ASCII, flop) == UT_SUCCESS &&
             ut_map_unit_to_symbol(flop, "FLOP", UT_ASCII) == UT_SUCCESS &&
             ut_map_symbol_to_unit("GPU", UT_ASCII, ut_get_dimensionless_unit_one(s)) ==
                 UT_SUCCESS;
    /* mass of CO2-equivalent: the usual spellings, with and without "eq" */
    static const struct { const char *name; double scale; } carbon[] = {
        {"gCO2e", 1}, {"kgCO2e", 1e3}, {"tCO2e", 1e6}, {"ktCO2e", 1e9},
        {"MtCO2e", 1e12}, {"GtCO2e", 1e15}, {"gCO2eq", 1}, {"kgCO2eq", 1e3},
        {"tCO2eq", 1e6}, {"ktCO2eq", 1e9}, {"MtCO2eq", 1e12}, {"GtCO2eq", 1e15},
    };
    for (size_t i = 0; ok && i < sizeof carbon / sizeof carbon[0]; i++)
        ok = add_alias(carbon[i].name, carbon[i].scale, gco2e) == 0;
    /* "kt" is the knot in UDUNITS; here it is the kilotonne (emissions in kt) */
    ut_unit *t = ut_get_unit_by_symbol(s, "t");
    ut_unit *kn = ut_get_unit_by_symbol(s, "kt");
    if (ok && t && kn) {
        ut_unmap_symbol_to_unit(s, "kt", UT_ASCII);
        ut_unmap_unit_to_symbol(kn, UT_ASCII);
        ok = add_alias("kt", 1000, t) == 0;
    }
    ut_free(t);
    ut_free(kn);
    ut_free(w);
    ut_free(h);
    ut_free(g);
    ut_free(wh);
    ut_free(co2e);
    ut_free(flop);
    ut_free(gco2e);
    if (!ok) {
        ut_free_system(s);
        return;
    }
    sys_units = s;
}

static ut_system *units_system(void)
{
    pthread_once(&sys_once, load_system);
    return sys_units;
}

cmc_unit_pool *cmc_unit_pool_new(void)
{
    return calloc(1, sizeof(cmc_unit_pool));
}

static void unit_pool_free_unlocked(cmc_unit_pool *p)
{
    if (!p)
        return;
    for (cmc_unit *u = p->all, *n; u; u = n) {
        n = u->next;
        ut_free(u->u);
        free(u->text);
        free(u);
    }
    free(p);
}

/* Takes u (freed on failure). NULL for a dimensionless unit of scale 1. */
static cmc_unit *wrap(cmc_unit_pool *p, ut_unit *u, const char *text, int *ok)
{
    *ok = 0;
    if (!u)
        return NULL;
    ut_unit *one = ut_get_dimensionless_unit_one(ut_get_system(u));
    if (ut_compare(u, one) == 0) {
        ut_free(u);
        *ok = 1;
        return NULL;
    }
    cmc_unit *c = malloc(sizeof *c);
    char *t = strdup(text);
    if (!c || !t) {
        free(c);
        free(t);
        ut_free(u);
        return NULL;
    }
    c->u = u;
    c->text = t;
    c->next = p->all;
    p->all = c;
    *ok = 1;
    return c;
}

/* Labels carbonmc users write, for "did you mean". */
static const char *const known[] = {
    "W", "kW", "MW", "GW", "Wh", "kWh", "MWh", "GWh", "TWh", "J", "kJ", "MJ", "GJ",
    "s", "min", "h", "day", "week", "yr", "year", "g", "kg", "t", "kt", "Mt",
    "gCO2e", "kgCO2e", "tCO2e", "ktCO2e", "MtCO2e", "GtCO2e", "gCO2eq", "kgCO2eq",
    "tCO2eq", "MtCO2eq", "gCO2e/kWh", "kgCO2e/kWh", "kgCO2e/MWh", "tCO2e/MWh",
    "FLOP", "FLOP/s", "GPU", "GPU-h", "percent", "%", "1", "km", "m", "mile", "lb",
    "gCO2e/km", "kgCO2e/yr", "tCO2e/yr", "W/GPU", "kW/GPU",
};

static const char *nearest(const char *word)
{
    return cmc_suggest(word, known, sizeof known / sizeof known[0]);
}

static cmc_unit *unit_parse_unlocked(cmc_unit_pool *p, const char *text, char *msg, size_t size)
{
    ut_system *s = units_system();
    if (!s) {
        snprintf(msg, size, "the UDUNITS-2 unit database could not be loaded "
                            "(is udunits2.xml installed? UDUNITS2_XML_PATH names it)");
        return NULL;
    }
    /* UDUNITS reads "%" only as a whole label */
    ut_unit *u = ut_parse(s, text, UT_ASCII);
    int ok = 0;
    cmc_unit *c = u ? wrap(p, u, text, &ok) : NULL;
    if (ok)
        return c;
    if (u) {   /* wrap failed: out of memory */
        snprintf(msg, size, "out of memory");
        return NULL;
    }
    const char *near = nearest(text);
    if (near) {
        snprintf(msg, size, "unknown unit '%s' (did you mean '%s'?)", text, near);
        return NULL;
    }
    /* name the first part that is not a unit: "kgCO2/kWh" -> 'kgCO2' */
    char part[128];
    const char *q = text;
    while (*q) {
        size_t n = strcspn(q, "/*. ()^");
        if (n && n < sizeof part) {
            memcpy(part, q, n);
            part[n] = 0;
            ut_unit *pu = ut_parse(s, part, UT_ASCII);
            char *end;
            strtod(part, &end);
            if (!pu && *end) {
                const char *pn = nearest(part);
                snprintf(msg, size, "unknown unit '%s': '%s' is not a unit%s%s%s", text, part,
                         pn ? " (did you mean '" : "", pn ? pn : "", pn ? "'?)" : "");
                return NULL;
            }
            ut_free(pu);
        }
        q += n;
        if (*q)
            q++;
    }
    snprintf(msg, size, "cannot read the unit '%s' (UDUNITS-2 syntax: kW, kW*h, "
                        "gCO2e/kWh, m2, s-1)", text);
    return NULL;
}

const char *cmc_unit_text(const cmc_unit *u)
{
    return u ? u->text : "1";
}

/* ---- The text of an inferred unit ---------------------------------------------------
   A product of labels with integer exponents, kept in the order first met, so that
   kWh*(gCO2e/kWh) reads gCO2e and day*(h/day) reads h. Each label is split at its
   top-level '*' and '/' (gCO2e/kWh is gCO2e and kWh^-1); a parenthesised group is read
   recursively and "^n" raises the item before it. The text is for people and for the
   HDF5 `units` attribute; UDUNITS does the arithmetic on the unit itself. */

#define MAX_ATOMS 16
typedef struct atoms {
    int n;
    char name[MAX_ATOMS][64];
    int exp[MAX_ATOMS];
} atoms;

static int add_atom(atoms *a, const char *name, size_t len, int e)
{
    if (!len || e == 0)
        return 0;
    for (int i = 0; i < a->n; i++)
        if (strlen(a->name[i]) == len && !strncmp(a->name[i], name, len)) {
            a->exp[i] += e;
            return 0;
        }
    if (a->n == MAX_ATOMS || len >= sizeof a->name[0])
        return -1;
    memcpy(a->name[a->n], name, len);
    a->name[a->n][len] = 0;
    a->exp[a->n++] = e;
    return 0;
}

/* text[0..len) times e into a; -1 when it does not fit the simple grammar */
static int read_atoms(atoms *a, const char *t, size_t len, int e, int depth)
{
    size_t i = 0;
    int sign = 1;
    if (depth > 8)
        return -1;
    while (i < len) {
        size_t j = i, item_len;
        const char *item;
        int group = t[i] == '(';
        if (group) {
            int d = 0;
            for (; j < len; j++) {
                d += t[j] == '(';
                d -= t[j] == ')';
                if (!d)
                    break;
            }
            if (j == len)
                return -1;
            item = t + i + 1;
            item_len = j - i - 1;
            j++;
        } else {
            while (j < len && t[j] != '*' && t[j] != '/' && t[j] != '^' && t[j] != '(' &&
                   t[j] != ')')
                j++;
            item = t + i;
            item_len = j - i;
        }
        int pw = 1;
        if (j < len && t[j] == '^') {
            char *end;
            long v = strtol(t + j + 1, &end, 10);
            if (end == t + j + 1 || v == 0 || v > 64 || v < -64)
                return -1;
            pw = (int)v;
            j = (size_t)(end - t);
        }
        if (group ? read_atoms(a, item, item_len, e * sign * pw, depth + 1) < 0
                  : !(item_len == 1 && item[0] == '1') &&
                        add_atom(a, item, item_len, e * sign * pw) < 0)
            return -1;
        if (j < len && t[j] != '*' && t[j] != '/')
            return -1;
        sign = j < len && t[j] == '/' ? -1 : 1;
        i = j + (j < len);
    }
    return 0;
}

static void put_atom(char *out, size_t size, const char *name, int e)
{
    size_t n = strlen(out);
    int paren = strpbrk(name, "*/") != NULL;
    if (e == 1)
        snprintf(out + n, size - n, paren ? "(%s)" : "%s", name);
    else
        snprintf(out + n, size - n, paren ? "(%s)^%d" : "%s^%d", name, e);
}

/* a^ea * b^eb as text into out; 0 if it could not be simplified (use the plain form) */
static int combine(char *out, size_t size, const char *a, int ea, const char *b, int eb)
{
    atoms x = {0};
    if ((a && read_atoms(&x, a, strlen(a), ea, 0) < 0) ||
        (b && read_atoms(&x, b, strlen(b), eb, 0) < 0))
        return 0;
    out[0] = 0;
    int num = 0, den = 0;
    for (int i = 0; i < x.n; i++) {
        num += x.exp[i] > 0;
        den += x.exp[i] < 0;
    }
    for (int i = 0; i < x.n; i++)
        if (x.exp[i] > 0) {
            if (out[0])
                strncat(out, "*", size - strlen(out) - 1);
            put_atom(out, size, x.name[i], x.exp[i]);
        }
    if (!num)
        snprintf(out, size, "1");
    if (den) {
        strncat(out, den > 1 ? "/(" : "/", size - strlen(out) - 1);
        int k = 0;
        for (int i = 0; i < x.n; i++)
            if (x.exp[i] < 0) {
                if (k++)
                    strncat(out, "*", size - strlen(out) - 1);
                put_atom(out, size, x.name[i], -x.exp[i]);
            }
        if (den > 1)
            strncat(out, ")", size - strlen(out) - 1);
    }
    return strlen(out) < size - 1;
}

static int simple(const char *t)
{
    return !strpbrk(t, "/*. ");
}

static ut_unit *raw(const cmc_unit *a)
{
    return a ? a->u : ut_get_dimensionless_unit_one(units_system());
}

static cmc_unit *unit_mul_unlocked(cmc_unit_pool *p, const cmc_unit *a, const cmc_unit *b, int *ok)
{
    if (!a || !b) {
        *ok = 1;
        const cmc_unit *x = a ? a : b;
        if (!x)
            return NULL;
        return wrap(p, ut_clone(x->u), x->text, ok);
    }
    char t[512];
    if (!combine(t, sizeof t, a->text, 1, b->text, 1))
        snprintf(t, sizeof t, "%s%s%s*%s%s%s", simple(a->text) ? "" : "(", a->text,
                 simple(a->text) ? "" : ")", simple(b->text) ? "" : "(", b->text,
                 simple(b->text) ? "" : ")");
    return wrap(p, ut_multiply(a->u, b->u), t, ok);
}

static cmc_unit *unit_div_unlocked(cmc_unit_pool *p, const cmc_unit *a, const cmc_unit *b, int *ok)
{
    if (!b) {
        *ok = 1;
        return a ? wrap(p, ut_clone(a->u), a->text, ok) : NULL;
    }
    char t[512];
    const char *at = a ? a->text : "1";
    if (!combine(t, sizeof t, at, 1, b->text, -1))
        snprintf(t, sizeof t, "%s%s%s/%s%s%s", a && !simple(at) ? "(" : "", at,
                 a && !simple(at) ? ")" : "", simple(b->text) ? "" : "(", b->text,
                 simple(b->text) ? "" : ")");
    ut_unit *q = ut_divide(raw(a), b->u);
    return wrap(p, q, t, ok);
}

static cmc_unit *unit_pow_unlocked(cmc_unit_pool *p, const cmc_unit *a, int n, int *ok)
{
    *ok = 1;
    if (!a)
        return NULL;
    char t[512];
    if (!combine(t, sizeof t, a->text, n, NULL, 0))
        snprintf(t, sizeof t, "%s%s%s^%d", simple(a->text) ? "" : "(", a->text,
                 simple(a->text) ? "" : ")", n);
    return wrap(p, ut_raise(a->u, n), t, ok);
}

static cmc_unit *unit_root_unlocked(cmc_unit_pool *p, const cmc_unit *a, int n, int *ok)
{
    *ok = 1;
    if (!a)
        return NULL;
    char t[512];
    snprintf(t, sizeof t, "(%s)^(1/%d)", a->text, n);
    return wrap(p, ut_root(a->u, n), t, ok);
}

static int unit_convertible_unlocked(const cmc_unit *a, const cmc_unit *b)
{
    if (!a && !b)
        return 1;   /* plain numbers: no need to load the unit system */
    return ut_are_convertible(raw(a), raw(b)) != 0;
}

static double factor_raw(const ut_unit *a, const ut_unit *b)
{
    if (!ut_are_convertible(a, b))
        return 0;
    cv_converter *cv = ut_get_converter((ut_unit *)a, (ut_unit *)b);
    if (!cv)
        return 0;
    double f = cv_convert_double(cv, 1), z = cv_convert_double(cv, 0);
    cv_free(cv);
    if (z != 0 || !isfinite(f) || f == 0)
        return 0;
    /* UDUNITS composes scales in floating point (h*W -> kWh is 0.0010000000000000002):
       round to 15 significant digits, so that 1 is 1 and 1e-3 is 1e-3 */
    char buf[32];
    snprintf(buf, sizeof buf, "%.15g", f);
    return strtod(buf, NULL);
}

static double unit_factor_unlocked(const cmc_unit *a, const cmc_unit *b)
{
    if (!a && !b)
        return 1;
    return factor_raw(raw(a), raw(b));
}

static int unit_dimensionless_unlocked(const cmc_unit *a)
{
    return !a || ut_are_convertible(a->u, ut_get_dimensionless_unit_one(units_system()));
}

double cmc_unit_convert_factor(const char *from, const char *to, char *msg, size_t size)
{
    cmc_unit_pool *p = cmc_unit_pool_new();
    if (!p) {
        snprintf(msg, size, "out of memory");
        return 0;
    }
    double f = 0;
    int ok = 1;
    cmc_unit *a = NULL, *b = NULL;
    msg[0] = '\0';
    if (*from && strcmp(from, "1")) {
        a = cmc_unit_parse(p, from, msg, size);
        ok = a != NULL || !msg[0];   /* NULL without a message: a plain unit */
    }
    if (ok && *to && strcmp(to, "1")) {
        b = cmc_unit_parse(p, to, msg, size);
        ok = b != NULL || !msg[0];
    }
    if (ok) {
        f = cmc_unit_factor(a, b);
        if (f == 0 && a && b) {
            /* a mass for a CO2e quantity: tCO2e shown in kt means ktCO2e */
            ut_unit *co2e = ut_get_unit_by_symbol(units_system(), "CO2e");
            ut_unit *bc = co2e ? ut_multiply(b->u, co2e) : NULL;
            if (bc)
                f = factor_raw(a->u, bc);
            ut_free(bc);
            ut_free(co2e);
        }
        if (f == 0)
            snprintf(msg, size, "cannot show %s in %s: the units are not commensurable",
                     *from ? from : "a dimensionless number", to);
    }
    cmc_unit_pool_free(p);
    return f;
}

/* ---- --unit: showing a quantity of a run in another unit ----------------------- */

static void scale_array(double *v, size_t n, double f)
{
    for (size_t i = 0; v && i < n; i++)
        v[i] *= f;
}

/* Every value of st that is in st's unit (not counts, probabilities, ratios). */
static void scale_stat(cmc_stat *st, double f)
{
    st->mean *= f;
    st->std *= f;
    st->mean_se *= f;
    st->min *= f;
    st->max *= f;
    scale_array(st->value, st->npercentiles, f);
    scale_array(st->ci_low, st->npercentiles, f);
    scale_array(st->ci_high, st->npercentiles, f);
    scale_array(st->resolution, st->npercentiles, f);
    if (st->nbins)
        scale_array(st->edges, st->nbins + 1, f);
    for (int k = 0; k < CMC_CONV_NEST; k++) {
        scale_array(st->conv.value[k], st->conv.n, f);
        scale_array(st->conv.ci_low[k], st->conv.n, f);
        scale_array(st->conv.ci_high[k], st->conv.n, f);
    }
}

/* Every stat of r named name (an output and the random input it may also be). */
static int convert_stat(cmc_stat *st, const char *name, const char *unit, const char **u,
                        double *f, char *msg, size_t size, cmc_arena *a)
{
    if (strcmp(st->name, name))
        return 0;
    char why[256];
    double k = cmc_unit_convert_factor(st->unit, unit, why, sizeof why);
    if (k == 0) {
        snprintf(msg, size, "--unit %s=%s: %s", name, unit, why);
        return -1;
    }
    if (!*u && !(*u = cmc_arena_strdup(a, unit))) {
        snprintf(msg, size, "out of memory");
        return -1;
    }
    scale_stat(st, k);
    st->unit = *u;
    *f = k;
    return 1;
}

int cmc_results_convert_unit(cmc_results *r, const char *name, const char *unit, char *msg,
                             size_t size)
{
    const char *u = NULL;
    double f = 0;
    int found = 0, rc;
    for (size_t i = 0; i < r->noutputs; i++) {
        if ((rc = convert_stat(&r->outputs[i], name, unit, &u, &f, msg, size, r->arena)) < 0)
            return -1;
        found |= rc;
    }
    double fo = f;   /* the output's factor, for variants and swings */
    for (size_t i = 0; i < r->ninputs; i++) {
        if ((rc = convert_stat(&r->inputs[i], name, unit, &u, &f, msg, size, r->arena)) < 0)
            return -1;
        found |= rc;
    }
    if (!found) {
        snprintf(msg, size, "--unit %s=%s: no output or random input '%s' in this run", name,
                 unit, name);
        return -1;
    }
    if (fo == 0)
        return 0;
    for (size_t v = 0; v < r->nvariants; v++) {
        cmc_variant_result *vr = &r->variants[v];
        for (size_t i = 0; i < vr->noutputs; i++)
            if (!strcmp(vr->outputs[i].name, name)) {
                scale_stat(&vr->outputs[i], fo);
                vr->outputs[i].unit = u;
            }
        for (size_t i = 0; i < vr->npaired; i++)
            if (!strcmp(vr->paired[i].output, name)) {
                scale_stat(&vr->paired[i].difference, fo);
                vr->paired[i].difference.unit = u;
            }
    }
    for (size_t i = 0; i < r->nsensitivity; i++) {
        cmc_sensitivity *s = &r->sensitivity[i];
        if (strcmp(s->output, name))
            continue;
        scale_array(s->swing_low, s->ninputs, fo);
        scale_array(s->swing_high, s->ninputs, fo);
        s->swing_base *= fo;
    }
    return 0;
}

/* ---- One caller at a time ----------------------------------------------------------

   UDUNITS-2 is not reentrant: its parser is a yacc one with global state, and every
   call leaves its status in a global. Each function above that reaches it runs
   under one recursive lock (so that they may call each other), which makes loading
   models from several threads at once safe (a sweep's points). Unit work happens
   only while a model compiles or a result is converted for display, never per
   sample, so the lock costs nothing measurable. */
static pthread_mutex_t units_lock;
static pthread_once_t lock_once = PTHREAD_ONCE_INIT;

static void init_lock(void)
{
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&units_lock, &at);
    pthread_mutexattr_destroy(&at);
}

static void lock(void)
{
    pthread_once(&lock_once, init_lock);
    pthread_mutex_lock(&units_lock);
}

static void unlock(void)
{
    pthread_mutex_unlock(&units_lock);
}

cmc_unit *cmc_unit_parse(cmc_unit_pool *p, const char *text, char *msg, size_t size)
{
    lock();
    cmc_unit *r = unit_parse_unlocked(p, text, msg, size);
    unlock();
    return r;
}

cmc_unit *cmc_unit_mul(cmc_unit_pool *p, const cmc_unit *a, const cmc_unit *b, int *ok)
{
    lock();
    cmc_unit *r = unit_mul_unlocked(p, a, b, ok);
    unlock();
    return r;
}

cmc_unit *cmc_unit_div(cmc_unit_pool *p, const cmc_unit *a, const cmc_unit *b, int *ok)
{
    lock();
    cmc_unit *r = unit_div_unlocked(p, a, b, ok);
    unlock();
    return r;
}

cmc_unit *cmc_unit_pow(cmc_unit_pool *p, const cmc_unit *a, int n, int *ok)
{
    lock();
    cmc_unit *r = unit_pow_unlocked(p, a, n, ok);
    unlock();
    return r;
}

cmc_unit *cmc_unit_root(cmc_unit_pool *p, const cmc_unit *a, int n, int *ok)
{
    lock();
    cmc_unit *r = unit_root_unlocked(p, a, n, ok);
    unlock();
    return r;
}

int cmc_unit_convertible(const cmc_unit *a, const cmc_unit *b)
{
    lock();
    int r = unit_convertible_unlocked(a, b);
    unlock();
    return r;
}

double cmc_unit_factor(const cmc_unit *a, const cmc_unit *b)
{
    lock();
    double r = unit_factor_unlocked(a, b);
    unlock();
    return r;
}

int cmc_unit_dimensionless(const cmc_unit *a)
{
    lock();
    int r = unit_dimensionless_unlocked(a);
    unlock();
    return r;
}

void cmc_unit_pool_free(cmc_unit_pool *p)
{
    lock();
    unit_pool_free_unlocked(p);
    unlock();
}
