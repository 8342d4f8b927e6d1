/*
 * resolve.h: from source files to a dependency-ordered set of named quantities
 * (internal). resolve.c fills a cmc_graph; compile.c turns it into a program.
 */
#ifndef CMC_RESOLVE_H
#define CMC_RESOLVE_H

#include "carbonmc.h"
#include "expr.h"
#include "func.h"

typedef struct cmc_file {
    cmc_src src;
    const char *path;          /* as opened, for messages */
    const char *dir;           /* its folder, for `use` */
    const char *real;          /* canonical path: a file used twice is loaded once */
    cmc_stmt *stmts;
    struct cmc_file **uses;    /* files this one uses, in order */
    const cmc_stmt **use_stmts;
    int nuses;
    int loading, applied;
    int index;                 /* 0, 1, ... in the order first loaded */
    const unsigned long long *reach;   /* bit i: this file uses file i, directly or not */
    struct cmc_file *next;     /* all files, in the order first loaded */
    cmc_funcs_scope funcs;     /* the functions it sees (func.h) */
    const struct cmc_file *instance_of;   /* an instance (`use "m" as p`): its model */
    const char *prefix;        /* an instance's prefix, "p" */
} cmc_file;

typedef struct cmc_sym {
    const char *name;
    const cmc_stmt *input;     /* the first `input` declaration, or NULL */
    const cmc_file *input_file;
    const cmc_stmt *output;    /* the `output` declaration, or NULL */
    const cmc_stmt *def;       /* the definition in force (its value), or NULL */
    const cmc_stmt *written;   /* the files' definition, before --set and variants */
    const cmc_file *def_file;  /* NULL when the definition came from --set */
    const cmc_src *def_src;
    int from_set, is_default, needed, state, written_state;
    int reported;              /* named by the scenario's `report` */
    int variant_used;          /* needed by an output or by some variant's
                                  definitions, or defined by a variant */
    /* filled by compile.c */
    int is_const, slot;
    double k;
    const struct cmc_unit *unit;   /* the value's unit (NULL: a plain number) */
    int bare;                  /* no unit was written anywhere in its definition */
} cmc_sym;

typedef struct cmc_graph {
    cmc_arena *arena;
    cmc_file *files, *top;
    const char *title;
    cmc_sym **syms;            /* every name, in the order first seen */
    int nsyms, capsyms;
    cmc_map names;             /* name -> cmc_sym */
    cmc_map by_real;           /* canonical path -> cmc_file */
    cmc_file **files_tail;     /* where the next file is linked */
    int nfiles;
    cmc_sym **order;           /* the names the outputs need, dependencies first */
    int norder;
    cmc_sym **outputs;         /* in declaration order */
    int noutputs;
    const cmc_stmt **variants; /* the scenario's `variant` statements, in order */
    int nvariants;
    struct cmc_vindex *vindex; /* the names variants define and what their
                                  definitions refer to: built once with the
                                  scenario, shared by every variant (resolve.c) */
    const cmc_stmt *reference; /* the scenario's `reference NAME`, or NULL */
    int reference_variant;     /* the variant it names, or -1: base, the scenario
                                  as written (the default) */
    int reporting;             /* the scenario has `report`: only the outputs it
                                  names are the model's outputs (the rest are
                                  computed as derived quantities) */
    cmc_sym **shown;           /* those outputs, in the order `report` names them */
    int nshown;
    const cmc_stmt **reports;  /* the `report` statements (or --report's) */
    int nreports, capreports;
} cmc_graph;

/* Load path (or, if text is not NULL, those len bytes under the name path),
   everything it uses and the --set overrides; then, if variant >= 0, that
   variant's definitions (they win over --set for the names they define); resolve
   names. With base (a graph already resolved from the same files), its files and
   statements are shared instead of read and parsed again: a variant costs memory
   for its names and program only, not for another copy of every file (base and
   its arena must outlive g). Returns 0, or -1 with errors in d. */
int cmc_resolve(cmc_graph *g, const char *path, const char *text, size_t len,
                const cmc_load_options *opt, int variant, const cmc_graph *base,
                cmc_diags *d);

/* The quantity called name, or NULL. An instance's names are ordinary names with
   its prefix ("pretrain.co2_t"): this is the one lookup for every name, prefixed or
   not, once cmc_resolve has run. */
cmc_sym *cmc_graph_find(const cmc_graph *g, const char *name);

/* resolve_load.c: read path (or the len bytes of text under that name) and every
   file it uses, into g's files (g->top the scenario), with each file's `reach`.
   0, or -1 with errors in d. */
int cmc_load_files(cmc_graph *g, const char *path, const char *text, size_t len,
                   const cmc_load_options *opt, cmc_diags *d);

/* resolve_report.c: a `report` statement of the scenario; --report LIST in place of
   them ("all": every output); then every name checked and g->shown filled. 0, or -1
   with errors in d. */
int cmc_report_add(cmc_graph *g, const cmc_stmt *st, cmc_diags *d);
int cmc_report_option(cmc_graph *g, const char *text, cmc_diags *d);
int cmc_report_check(cmc_graph *g, cmc_diags *d);

/* resolve_inst.c: `use "model" as PREFIX` makes an instance of the loaded model
   tmpl: a file of its own whose statements are copies of tmpl's with every name
   tmpl declares or defines prefixed (appended to g's files). NULL with errors in d. */
cmc_file *cmc_inst_new(cmc_graph *g, const cmc_file *tmpl, const cmc_stmt *use,
                       cmc_diags *d);
/* f's `share NAME, ...` statements, turned into statements: one input NAME in f
   (the model's declaration: unit, description, range, default) and, for every
   instance f uses that declares input NAME, the definition PREFIX.NAME = NAME
   (unless f defines PREFIX.NAME itself). 0, or -1 with errors in d. */
int cmc_inst_share(cmc_graph *g, cmc_file *f, cmc_diags *d);

#endif
