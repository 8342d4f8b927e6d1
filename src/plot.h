/*
 * plot.h: figures of one or more runs with gnuplot (CLI only, like report.h).
 *
 * cmc_plot writes, for each run, plain-text data files that gnuplot reads (the
 * histograms, percentiles and convergence checkpoints of the HDF5 file, plus a
 * small file of gnuplot variables per figure: titles, axis labels, tick labels,
 * band limits), and a driver script DIR/data/figures.gp that sets the terminal and
 * loads the scripts in plots/ (distribution.gp, cdf.gp, convergence.gp,
 * inputs.gp, compare.gp) once per figure. Then it runs the external gnuplot on
 * the driver. A user restyles a figure by editing a script in plots/ (each says
 * at its top which files and columns it reads) and running
 * `gnuplot DIR/data/figures.gp` again.
 */
#ifndef CMC_PLOT_H
#define CMC_PLOT_H

#include "carbonmc.h"

#include <stddef.h>

/* The figure formats: png (pngcairo), pdf (pdfcairo), svg; NULL-terminated. */
extern const char *const cmc_plot_formats[];

typedef struct cmc_plot_options {
    const char *dir;       /* output folder, created if missing (NULL: "figures") */
    const char *format;    /* one of cmc_plot_formats (NULL: "png") */
    const char *only;      /* NULL, or the one output or input to draw */
    const char *gnuplot;   /* the program to run: a path, or a name looked up on
                              PATH (NULL: "gnuplot") */
    const char *scripts;   /* the folder of the .gp scripts (NULL: search the folders
                              carbonmc was built or installed with) */
    /* Called with the path of every figure written, in order. */
    void (*wrote)(void *ctx, const char *path);
    void *wrote_ctx;
    const char *size;      /* NULL (5 x 3.2 in, 9 pt), "column" (3.3 in, 8 pt), "page"
                              (6.75 in, 9 pt) or "WxH" in inches ("4x2.5") */
    int no_title;          /* leave the titles out (a paper has captions) */
    const char *const *published;   /* "LABEL=VALUE": a published point estimate
                                       drawn on run LABEL's row of the forest figure */
    size_t npublished;
} cmc_plot_options;

/* Draw the figures of runs[0..n). labels[i] names run i in file names (for
   example the HDF5 file's base name; must be distinct, made of letters, digits,
   '-', '_' and '.'). Everything is checked (gnuplot found, the scripts found,
   `only` known) before anything is written. Returns 0, or -1 with errors in d. */
int cmc_plot(const cmc_results *const *runs, const char *const *labels, size_t n,
             const cmc_plot_options *o, cmc_diags *d);

#endif
