/*
 * units.h: physical units, by UDUNITS-2 (internal).
 *
 * carbonmc reasons about units with UDUNITS-2 (Unidata), not a table of its own:
 * its database knows the SI, their prefixes and the usual non-SI units (day, h,
 * yr, t, lb, mile, percent). To it carbonmc adds what carbon accounting needs:
 *   - Wh (W x h), so that kWh, MWh and GWh parse;
 *   - CO2e, a base unit of its own, so that gCO2e/kWh is not g/kWh: gCO2e is
 *     g x CO2e, and gCO2e, kgCO2e, tCO2e, ktCO2e, MtCO2e, GtCO2e (and the same
 *     with "eq": gCO2eq, tCO2eq, ...) are names for it;
 *   - FLOP, a count with a unit of its own (FLOP/s x s = FLOP);
 *   - GPU, a dimensionless count (GPU-h is an hour);
 *   - kt, the kilotonne (UDUNITS' kt is the knot).
 * The unit system is loaded once per process, on first use (pthread_once), and is
 * read-only afterwards. UDUNITS keeps its last status in a global, so parsing and
 * arithmetic on units happen only while a model compiles (one thread), never in
 * the sampler: every conversion is a factor folded into the program.
 *
 * A cmc_unit is a UDUNITS unit and the text that names it: the label as written,
 * or, for one inferred by arithmetic, a product/quotient of labels in which equal
 * labels cancel ("kW*day", "kWh*(gCO2e/kWh)" reads "gCO2e").
 * NULL is the plain number (dimensionless, scale 1). Units are owned by a
 * cmc_unit_pool and freed with it.
 */
#ifndef CMC_UNITS_H
#define CMC_UNITS_H

#include <stddef.h>

typedef struct cmc_unit cmc_unit;
typedef struct cmc_unit_pool cmc_unit_pool;

cmc_unit_pool *cmc_unit_pool_new(void);
void cmc_unit_pool_free(cmc_unit_pool *p);   /* NULL is harmless */

/* Parse a label in UDUNITS syntax. NULL on failure, with a message in msg
   ("unknown unit 'kwh' (did you mean 'kWh'?)"); NULL with msg untouched for a
   plain unit of scale 1 ("count"). The unit system failing to load is reported as
   a failure. */
cmc_unit *cmc_unit_parse(cmc_unit_pool *p, const char *text, char *msg, size_t size);

/* The name to show: the label, "1" for NULL. */
const char *cmc_unit_text(const cmc_unit *u);

/* Products, quotients and integer powers; NULL (= 1) works as an operand. They
   return NULL for a dimensionless result of scale 1 too; *ok = 0 on failure. */
cmc_unit *cmc_unit_mul(cmc_unit_pool *p, const cmc_unit *a, const cmc_unit *b, int *ok);
cmc_unit *cmc_unit_div(cmc_unit_pool *p, const cmc_unit *a, const cmc_unit *b, int *ok);
cmc_unit *cmc_unit_pow(cmc_unit_pool *p, const cmc_unit *a, int n, int *ok);
cmc_unit *cmc_unit_root(cmc_unit_pool *p, const cmc_unit *a, int n, int *ok);

/* Same dimension (a number in a converts to b). */
int cmc_unit_convertible(const cmc_unit *a, const cmc_unit *b);
/* The factor f with value_in_b = f * value_in_a; 0 when not convertible or the
   conversion is not a pure factor (degC to K has an offset). Rounded to 15
   significant digits (UDUNITS composes scales in floating point). */
double cmc_unit_factor(const cmc_unit *a, const cmc_unit *b);
/* No dimension (scale may differ from 1: percent). */
int cmc_unit_dimensionless(const cmc_unit *a);

#endif
