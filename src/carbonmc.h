/*
 * carbonmc.h: the public interface of libcarbonmc.
 *
 * carbonmc turns a scenario (what is known about one AI training run, and how
 * unsure it is) into distributions of its energy and carbon footprint. The
 * library does the work; the `carbonmc` program only parses options, calls it and
 * prints. The library never prints and never exits: every function that can fail
 * returns NULL or a negative status and appends what went wrong, with its place in
 * the source, to a caller-owned cmc_diags list.
 *
 * Ownership: every cmc_X_new / cmc_X_load has a cmc_X_free, and cmc_X_free(NULL)
 * is harmless. Strings and structures returned by accessors belong to the object
 * they came from and live until it is freed. The one global state is the unit
 * system (UDUNITS-2, loaded once; its parser is not reentrant, so every use of it
 * takes one lock): models may be loaded from several threads at once, and a model
 * may be used from several threads at once for reading and evaluation.
 */
#ifndef CARBONMC_H
#define CARBONMC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

const char *cmc_version(void);

/* ---- Diagnostics ----------------------------------------------------------- */

typedef enum cmc_severity { CMC_ERROR, CMC_WARNING, CMC_NOTE } cmc_severity;

typedef struct cmc_diag {
    cmc_severity severity;
    const char *file;    /* the file (or "--set") it is about; NULL if no place */
    int line, col;       /* 1-based; 0 when there is no place */
    int len;             /* columns to underline, >= 1 when there is a place */
    const char *source;  /* the source line (its first 400 bytes), without its
                            newline, or NULL */
    const char *msg;
} cmc_diag;

typedef struct cmc_diags cmc_diags;

/* A list keeps the first 20 errors and the first 20 warnings (with their notes);
   when it left any out, the last entry is a note without a place that counts
   them ("39980 more errors not shown ..."). cmc_diags_errors counts them all. */
cmc_diags *cmc_diags_new(void);
void cmc_diags_free(cmc_diags *d);
size_t cmc_diags_count(const cmc_diags *d);
const cmc_diag *cmc_diags_get(const cmc_diags *d, size_t i);
size_t cmc_diags_errors(const cmc_diags *d);   /* how many have CMC_ERROR */

/* ---- Loading a scenario ------------------------------------------------------ */

typedef struct cmc_load_options {
    /* "NAME=EXPR" overrides, applied after the scenario, in order (--set). */
    const char *const *sets;
    size_t nsets;
    /* Folders searched by `use` after the using file's own folder and the models/
       folder beside it, before the built-in models folder (CARBONMC_PATH). */
    const char *const *path;
    size_t npath;
    /* The outputs to report, comma-separated ("co2_t, pretrain.co2_t"), in place of
       the scenario's `report` statements; "all" reports every output; NULL: as the
       scenario says (--report). */
    const char *report;
} cmc_load_options;

typedef struct cmc_model cmc_model;

/* Parse, resolve and compile a scenario file (and everything it uses). Returns NULL
   with at least one CMC_ERROR in diags when anything is wrong; warnings may be added
   on success. opt may be NULL. */
cmc_model *cmc_model_load(const char *path, const cmc_load_options *opt,
                          cmc_diags *diags);
/* The same for scenario text held in memory; name is used in diagnostics and its
   folder for `use`. */
cmc_model *cmc_model_load_string(const char *name, const char *text,
                                 const cmc_load_options *opt, cmc_diags *diags);
void cmc_model_free(cmc_model *m);

const char *cmc_model_title(const cmc_model *m);
/* Files read, the scenario first, then each used file in the order first used. */
size_t cmc_model_nfiles(const cmc_model *m);
const char *cmc_model_file(const cmc_model *m, size_t i);

/* ---- The quantities of a compiled model --------------------------------------- */

typedef enum cmc_qkind {
    CMC_RANDOM,     /* a distribution written in the source: one random input */
    CMC_CONSTANT,   /* a name whose value is fixed (numbers and constant arithmetic) */
    CMC_DERIVED,    /* a name computed from random inputs */
    CMC_OUTPUT      /* an `output` (its value is also one of the kinds above) */
} cmc_qkind;

typedef struct cmc_quantity {
    const char *name;        /* "gpu_count"; an unnamed distribution inside a
                                definition is "NAME.k", k = 1, 2, ... in source order */
    const char *description; /* "" if none */
    const char *unit;        /* "" if none: the label written in [brackets] */
    const char *expression;  /* the definition as canonical source text */
    const char *file;        /* where it is defined */
    int line;
    int from_set;            /* defined by --set */
    int is_default;          /* the value is the default of a model's `input` */
    double point;            /* the value `point` uses: constants their value, random
                                inputs their median (a choice its first value),
                                derived quantities and outputs computed from those */
    int has_range;           /* an input declared `in LO to HI` (README "Units and
                                ranges"), in unit */
    double range_lo, range_hi;
    double outside;          /* random inputs with a range: the probability that a
                                draw falls outside it (from the distribution's CDF);
                                else 0 */
} cmc_quantity;

/* Random inputs in the order the program draws them; constants and derived
   quantities in evaluation order; outputs in declaration order. */
size_t cmc_model_count(const cmc_model *m, cmc_qkind kind);
const cmc_quantity *cmc_model_get(const cmc_model *m, cmc_qkind kind, size_t i);

/* Variants: the scenario's `variant NAME "label": x = EXPR, ...` lines, each the
   scenario with those definitions replaced (after --set). cmc_run samples every
   variant on the scenario's own random numbers (draws are keyed by input name) and
   compares each with the reference: `base`, the scenario as written, unless a
   `reference NAME` statement names a variant. A variant model has no variants of
   its own. */
size_t cmc_model_nvariants(const cmc_model *m);
const char *cmc_model_variant_name(const cmc_model *m, size_t i);
const char *cmc_model_variant_label(const cmc_model *m, size_t i);   /* "" if none */
const cmc_model *cmc_model_variant(const cmc_model *m, size_t i);
const char *cmc_model_variant_reference(const cmc_model *m);   /* "base" or a variant */

/* A unit conversion the compiler inserted (README "Units and ranges"): the value
   written at file:line:col in unit `from` is multiplied by factor to be in `to`.
   `check` lists them. */
typedef struct cmc_conversion {
    const char *name;          /* the definition it is in */
    const char *file;
    int line, col;
    const char *from, *to;
    double factor;
} cmc_conversion;
size_t cmc_model_nconversions(const cmc_model *m);
const cmc_conversion *cmc_model_conversion(const cmc_model *m, size_t i);

/* The compiled program, one operation a line, for `check --program`. The returned
   string is owned by the model. */
const char *cmc_model_program_text(const cmc_model *m);

/* ---- Results of a Monte Carlo run ------------------------------------------------ */

/* How the estimates of an output settle as samples accumulate: the statistics of
   the first samples[c] samples, at samples = 1024, 2048, 4096, ... and finally all.
   est[CMC_CONV_MEAN] is the mean with mean -+ 1.96 mean_se as its interval;
   est[CMC_CONV_MEDIAN] and est[CMC_CONV_P95] are percentiles 0.5 and 0.95 with their
   order-statistic 95% confidence intervals. */
enum { CMC_CONV_MEAN, CMC_CONV_MEDIAN, CMC_CONV_P95, CMC_CONV_NEST };
typedef struct cmc_convergence {
    size_t n;                  /* checkpoints; 0 for inputs */
    uint64_t *samples;         /* [n], increasing */
    double *value[CMC_CONV_NEST], *ci_low[CMC_CONV_NEST], *ci_high[CMC_CONV_NEST];  /* [n] */
} cmc_convergence;

/* The statistics of one quantity (an output or a random input) over all samples. */
typedef struct cmc_stat {
    const char *name;
    const char *description;   /* "" if none */
    const char *unit;          /* "" if none */
    const char *expression;    /* outputs: the definition; inputs: the distribution */
    uint64_t count;            /* finite samples */
    uint64_t nonfinite;        /* samples that were NaN or infinite (not in the rest) */
    double mean, std, mean_se, min, max;   /* over the finite samples */
    size_t npercentiles;
    double *p;                 /* probabilities, e.g. 0.05 */
    double *value;             /* the percentiles */
    double *ci_low, *ci_high;  /* 95% Monte Carlo confidence interval of each */
    double *resolution;        /* the width of the bracket that certainly holds each
                                  value's order statistic: 0 where it is exact (see
                                  the README's "How exact are the percentiles") */
    size_t nbins;              /* plotting histogram */
    double *edges;             /* [nbins + 1] */
    uint64_t *counts;          /* [nbins] */
    uint64_t underflow, overflow;
    int log_bins;              /* edges are log-spaced */
    int has_range;             /* random inputs declared `in LO to HI` */
    double range_lo, range_hi; /* in unit */
    double outside;            /* the probability of a draw outside the range */
    cmc_convergence conv;      /* outputs only */
} cmc_stat;

/* A variant against the reference (base, the scenario as written, or the variant
   `reference NAME` names), sample by sample on common random numbers, for one
   output. */
typedef struct cmc_paired {
    const char *output;
    const char *reference;     /* "base" or the reference variant's name */
    cmc_stat difference;       /* variant - reference */
    cmc_stat ratio;            /* variant / reference (non-finite where it is 0) */
    uint64_t count;            /* pairs where both are numbers */
    double p_greater;          /* P(variant > reference), the share of those pairs */
    double p_greater_ci_low, p_greater_ci_high;   /* Wilson score 95% interval */
} cmc_paired;

typedef struct cmc_variant_result {
    const char *name, *label;
    size_t noutputs;
    cmc_stat *outputs;         /* the variant's outputs (no convergence records) */
    size_t npaired;
    cmc_paired *paired;        /* per output, against the reference; none for it */
    /* the scenario's random inputs the variant draws alike (same name, same
       distribution: the same numbers), and those it changes (another distribution
       of the same uniforms, a constant, or not used); its own new inputs are in
       `changed` too. Empty in files before 0.3. */
    size_t nshared, nchanged;
    const char **shared, **changed;
} cmc_variant_result;

/* Which random input drives an output (cmc_run_options.sensitivity). Each measure
   is an array over the random inputs, in input[] order, with its 95% confidence
   interval:
     CMC_SENS_SPEARMAN      Spearman's rank correlation of input and output
     CMC_SENS_LOGVAR_SHARE  the input's share of Var(ln output): squared correlation
                            of the logarithms (NaN if either takes a value <= 0)
     CMC_SENS_SOBOL_FIRST   first-order Sobol index (Saltelli et al. 2010)
     CMC_SENS_SOBOL_TOTAL   total Sobol index (Jansen 1999)
   Estimates are never clipped: a negative Sobol estimate is sampling error, with
   its interval. swing_low and swing_high are the output with that input at its 5th
   and 95th percentile and every other input at its median (swing_base). */
enum { CMC_SENS_SPEARMAN, CMC_SENS_LOGVAR_SHARE, CMC_SENS_SOBOL_FIRST, CMC_SENS_SOBOL_TOTAL,
       CMC_SENS_NEST };
typedef struct cmc_sensitivity {
    const char *output;
    size_t ninputs;
    const char **input;
    double *value[CMC_SENS_NEST], *ci_low[CMC_SENS_NEST], *ci_high[CMC_SENS_NEST];
    double *swing_low, *swing_high;
    double swing_base;
    uint64_t samples;          /* base samples N; the Sobol design took N (k + 2) runs */
    uint64_t skipped;          /* Sobol rows left out for a non-finite value (most of
                                  any input) */
    /* With correlated inputs (cmc_results.ncorrelations > 0): dependent[j] marks an
       input in a correlated group, whose Sobol indices (they assume independent
       inputs) are NaN; given is the first-order index Var(E[Y | X_j]) / Var(Y)
       estimated from the run's own (dependent) sample by rank bins, with its 95%
       interval, for every input. All NULL without correlations. */
    int *dependent;
    double *given, *given_ci_low, *given_ci_high;
    size_t given_bins;         /* the rank bins it used */
} cmc_sensitivity;

/* A rank correlation between two random inputs (`correlate`, README "Correlated
   inputs"): every pair within a correlated group, named or not. */
typedef struct cmc_correlation {
    const char *a, *b;         /* random input names, in draw order */
    double requested;          /* Spearman's rho as written; 0 for a pair not named */
    double used;               /* what was sampled: requested, or the nearest
                                  consistent value when the group's matrix was
                                  repaired (Higham 2002) */
    int named;                 /* written in a correlate statement */
    double achieved;           /* Spearman's rho of the run's samples */
    double ci_low, ci_high;    /* its 95% interval */
} cmc_correlation;

/* The pairs a model's `correlate` statements set, as above without the achieved
   values (NaN): `check` lists them. Owned by the model. */
size_t cmc_model_ncorrelations(const cmc_model *m);
const cmc_correlation *cmc_model_correlation(const cmc_model *m, size_t i);

/* Sampling designs (cmc_run_options.design; the README's "Sampling designs"). */
typedef enum cmc_design_kind {
    CMC_DESIGN_MC,     /* plain Monte Carlo */
    CMC_DESIGN_LHS,    /* Latin hypercube, in R independent replicates */
    CMC_DESIGN_QMC     /* scrambled Sobol' points, in R independent replicates */
} cmc_design_kind;
#define CMC_DEFAULT_REPLICATES 16

typedef struct cmc_results {
    const char *title;
    const char *tool_version;
    const char *created;       /* UTC, ISO 8601 */
    uint64_t seed, samples;
    const char *method;        /* "monte carlo", "latin hypercube, 16 replicates",
                                  "randomised quasi-monte carlo, 16 replicates" */
    const char *design;        /* "mc", "lhs" or "qmc" (NULL in files read back) */
    uint32_t replicates;       /* 1 for mc; intervals come from their spread */
    /* Why sampling stopped: "samples" (the N asked for), "tolerance" (every
       percentile and mean of every output within --rel-tol/--abs-tol at `samples`),
       "max-n" (the limit came first; shortfall names the statistic furthest from
       its tolerance). NULL in files read back. */
    const char *stop;
    const char *shortfall;
    const char *rng;           /* "philox4x32-10" */
    const char *source;        /* the scenario as run, after `use` and --set */
    size_t nsets;
    const char **sets;         /* the --set overrides in force, "NAME = EXPR" (canonical
                                  text), in evaluation order; none in files before 0.3 */
    size_t noutputs, ninputs;
    cmc_stat *outputs, *inputs;
    size_t nvariants;
    cmc_variant_result *variants;   /* the scenario's variants, in order */
    const char *variant_reference;  /* what they are compared with: "base" (the
                                       scenario as written, whose outputs are
                                       outputs[]) or one of variants[]; the
                                       first variant in files older than the
                                       `reference` statement */
    size_t nsensitivity;
    cmc_sensitivity *sensitivity;   /* per output, when asked for; else none */
    size_t ncorrelations;
    cmc_correlation *correlations;  /* the scenario's correlated pairs; else none */
    struct cmc_arena *arena;   /* owns everything above */
} cmc_results;

/* The scenario as it runs, as one self-contained scenario text: every definition in
   force after `use` and --set, in evaluation order, then the outputs. Loading this
   text gives the same model. Owned by the model. */
const char *cmc_model_source(const cmc_model *m);

#define CMC_DEFAULT_SAMPLES 1000000
#define CMC_DEFAULT_SEED 1
#define CMC_DEFAULT_BINS 100
/* cmc_run refuses a run it estimates above this many bytes (cmc_run_memory) */
#define CMC_DEFAULT_MAX_MEMORY 4000000000u

typedef struct cmc_run_options {
    uint64_t samples;            /* 0: CMC_DEFAULT_SAMPLES */
    uint64_t seed;
    int threads;                 /* 0: every core OpenMP offers */
    const double *percentiles;   /* probabilities in (0, 1), increasing; NULL: the
                                    default 0.005 0.025 0.05 0.1 0.25 0.5 0.75 0.9
                                    0.95 0.975 0.995 */
    size_t npercentiles;
    size_t bins;                 /* plotting histogram bins; 0: CMC_DEFAULT_BINS */
    const char *output;          /* HDF5 file to write (atomically), or NULL */
    int save_samples;            /* also store every sample in the file */
    int sensitivity;             /* also compute cmc_results.sensitivity: a second
                                    pass of N (k + 2) model runs for k random inputs */
    /* Called now and then from one thread with the samples done so far. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    /* Called with the name of the temporary file once it exists (output is written
       under it, then renamed), and with NULL once it is gone: a program that
       catches signals removes that file in its handler. May be NULL. */
    void (*tempfile)(void *ctx, const char *path);
    void *tempfile_ctx;
    /* Refuse a run whose statistics would take more than this many bytes (the
       estimate is in the error); 0: CMC_DEFAULT_MAX_MEMORY. See cmc_run_memory. */
    uint64_t max_memory;
    cmc_design_kind design;      /* 0: plain Monte Carlo */
    uint32_t replicates;         /* lhs, qmc: a power of two from 2 to 1024; 0:
                                    CMC_DEFAULT_REPLICATES. samples is rounded up to
                                    whole blocks per replicate (a multiple of
                                    replicates * 1024) */
    /* > 0: stop at the first checkpoint (after 2^k blocks of 1,024 samples, at least
       16 blocks and 2 per replicate) where, for every output, the 95% interval of
       the mean and of every requested percentile has a half-width within
       max(abs_tol, rel_tol |value|); samples is then the most to draw. */
    double rel_tol, abs_tol;
} cmc_run_options;

/* Sample the model and compute the statistics of every random input and output;
   write them to o->output if given. The datasets depend only on the model, the seed,
   the sample count, the percentiles and the bins: not on the thread count. Returns
   NULL with errors in diags on failure (nothing is left at o->output then). */
cmc_results *cmc_run(const cmc_model *m, const cmc_run_options *o, cmc_diags *diags);
/* An estimate of the peak memory cmc_run(m, o) takes, in bytes, fitted to measured
   peaks (within about 30% for spread laws; README "Limits"): per input, output,
   variant output and comparison about 118 KiB plus 173 KiB per thread, more from
   1e5 samples on (the percentiles' windows) and per histogram bin; plus
   --sensitivity's and --save-samples' buffers. cmc_run refuses to start above
   o->max_memory. */
uint64_t cmc_run_memory(const cmc_model *m, const cmc_run_options *o);
/* For a program's main, before any other call: switches off HDF5's printing of its
   error stack and its exit handler, for the whole process (every file carbonmc
   opens it also closes; a file whose close failed on a full disk would crash that
   handler). A program that uses HDF5 itself may prefer not to call it. */
void cmc_process_setup(void);

/* ---- A run split into parts, and their merge (docs/scale.md) ----
   Part K of M (1 <= K <= M) of the run cmc_run(m, o) makes, written to o->output
   (required) as a part's file: the records a merge needs, no statistics. args are the
   command's arguments that fix the results (recorded for `merge`, which must see the
   same in every part). Refuses --sensitivity, tolerances and --save-samples. */
int cmc_run_part(const cmc_model *m, const cmc_run_options *o, uint32_t part, uint32_t nparts,
                 const char *const *args, size_t nargs, cmc_diags *diags);
/* The blocks [from, to) (of 1,024 samples) that part K of M of a run of samples
   draws, besides the prefix that every part draws. */
void cmc_part_blocks(uint64_t samples, uint32_t part, uint32_t nparts, uint64_t *from,
                     uint64_t *to);
/* The arguments recorded in a part's file (NULL-terminated; cmc_strings_free), or
   NULL with an error if it is not one. */
char **cmc_part_arguments(const char *path, cmc_diags *diags);
void cmc_strings_free(char **s);
/* The run that the parts' files make together, as cmc_run(m, o) would (bit for bit:
   the same datasets), with m and o those of the parts' arguments; written to
   o->output if given. Checks that the parts belong to this run, each exactly once,
   and writes nothing otherwise. */
cmc_results *cmc_run_merge(const cmc_model *m, const cmc_run_options *o,
                           const char *const *parts, size_t nparts, cmc_diags *diags);

/* Read a file written by `carbonmc run` (HDF5, docs/hdf5.md). */
cmc_results *cmc_results_read(const char *path, cmc_diags *diags);
void cmc_results_free(cmc_results *r);

/* Units (README "Units and ranges"), by UDUNITS-2. The factor that takes a value in
   `from` to one in `to`: value_in_to = f * value_in_from;
   0 with a message in msg when either unit does not parse or they are not
   commensurable ("" is a plain number). */
double cmc_unit_convert_factor(const char *from, const char *to, char *msg, size_t size);
/* Show the quantity `name` (an output or a random input) of r in `unit`: every value
   of its statistics (mean, sd, percentiles and their intervals, histogram edges,
   convergence, variants, swings) is multiplied by the factor, and its unit becomes
   `unit`. Returns 0, or -1 with a message (unknown name, incommensurable unit). */
int cmc_results_convert_unit(cmc_results *r, const char *name, const char *unit, char *msg,
                             size_t size);

#ifdef __cplusplus
}
#endif

#endif
