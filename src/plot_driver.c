/*
 * plot_driver.c: driving gnuplot for `carbonmc plot` (CLI only): the seam between
 * the numbers (plot.c writes a run's figures, plot_sweep.c a sweep's) and the
 * drawing (the scripts in plots/).
 *
 * plot_begin checks what every figure needs before anything is written (the
 * format, gnuplot, the scripts, --size, the output folder), makes DIR and
 * DIR/data and opens the driver DIR/data/figures.gp; each figure's data is then
 * written by its maker, which adds the figure to the driver with plot_figure
 * (the data's prefix, the script, the figure's name); plot_end runs gnuplot once
 * on the driver, checks that every figure exists and reports them. Files are
 * opened by plot_open_out: a regular file or a new one, never a FIFO or device.
 */
#include "plot_priv.h"
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CMC_PLOTS_DIRS
#define CMC_PLOTS_DIRS ""
#endif


/* path for writing: a regular file or a new one. A FIFO, device or socket in its
   place is refused without blocking on it (O_NONBLOCK) or truncating it. */
FILE *plot_open_out(plotter *p, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        cmc_error(p->d, NULL, "cannot write '%s': it is not a regular file", path);
        p->failed = 1;
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0666);
    if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {   /* it changed */
        close(fd);
        cmc_error(p->d, NULL, "cannot write '%s': it is not a regular file", path);
        p->failed = 1;
        return NULL;
    }
    FILE *f = fd >= 0 && ftruncate(fd, 0) == 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        cmc_error(p->d, NULL, "cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        p->failed = 1;
    }
    return f;
}

void plot_close_out(plotter *p, FILE *f, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        cmc_error(p->d, NULL, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
        p->failed = 1;
    }
}

/* Adds a figure to the driver: data = the files' common prefix, out = the figure. */
void plot_figure(plotter *p, const char *script, const char *data, const char *name)
{
    char out[PATH_MAX];
    if (snprintf(out, sizeof out, "%s/%s.%s", p->dir, name, p->ext) >= (int)sizeof out) {
        cmc_error(p->d, NULL, "path too long: %s/%s.%s", p->dir, name, p->ext);
        p->failed = 1;
        return;
    }
    if (p->nfigures == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        char **v = realloc(p->figures, cap * sizeof *v);
        if (!v) {
            cmc_error(p->d, NULL, "out of memory");
            p->failed = 1;
            return;
        }
        p->figures = v;
        p->cap = cap;
    }
    if (!(p->figures[p->nfigures] = strdup(out))) {
        cmc_error(p->d, NULL, "out of memory");
        p->failed = 1;
        return;
    }
    p->nfigures++;
    struct stat st;
    if (lstat(out, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        cmc_error(p->d, NULL, "cannot write '%s': it is not a regular file", out);
        p->failed = 1;
        return;
    }
    unlink(out);   /* so a figure gnuplot failed to draw is not an old one */
    fputs("data = ", p->driver);
    plot_gp_string(p->driver, data);
    fputs("\nout = ", p->driver);
    plot_gp_string(p->driver, out);
    fprintf(p->driver, "\nload plots.\"%s\"\n\n", script);
}

/* The data file prefix + suffix; its path goes to path[PATH_MAX + 32]. */
FILE *plot_open_data(plotter *p, const char *prefix, const char *suffix, char *path)
{
    snprintf(path, PATH_MAX + 32, "%s%s", prefix, suffix);
    return plot_open_out(p, path);
}

/* --size: column (3.3 in, a two-column paper's column, 8 pt), page (6.75 in, the
   text width of the same papers, 9 pt) or WxH in inches; the height of a single
   figure (fig_h = 1), its width always the one given. */
static int parse_size(const char *s, double *w, double *h, double *pt)
{
    if (!strcmp(s, "column")) {
        *w = 3.3, *h = 3.3 * 0.64, *pt = 8;
        return 0;
    }
    if (!strcmp(s, "page")) {
        *w = 6.75, *h = 6.75 * 0.5, *pt = 9;
        return 0;
    }
    char *end;
    *w = strtod(s, &end);
    if (end == s || (*end != 'x' && *end != 'X'))
        return -1;
    const char *b = end + 1;
    *h = strtod(b, &end);
    if (end == b || *end || !(*w >= 1 && *w <= 40) || !(*h >= 1 && *h <= 40))
        return -1;
    *pt = *w < 4.5 ? 8 : 9;
    return 0;
}

static int isalnum_ascii(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int plot_valid_label(const char *s)
{
    if (!s || !*s || !strcmp(s, "compare"))
        return 0;
    for (; *s; s++)
        if (!(isalnum_ascii(*s) || *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}


int plot_begin(plotter *p, const cmc_plot_options *o, cmc_diags *d)
{
    memset(p, 0, sizeof *p);
    p->o = o;
    p->d = d;
    const char *fmt = o->format ? o->format : "png";
    int known = 0;
    for (int i = 0; cmc_plot_formats[i]; i++)
        known |= !strcmp(fmt, cmc_plot_formats[i]);
    if (!known) {
        cmc_error(d, NULL, "unknown figure format '%s' (png, pdf or svg)", fmt);
        return -1;
    }
    p->ext = fmt;
    const char *gp = o->gnuplot ? o->gnuplot : "gnuplot";
    char *gnuplot = plot_find_program(gp);
    if (!gnuplot) {
        cmc_error(d, NULL, "cannot find gnuplot ('%s' is not %s); install it (Debian: apt-get "
                           "install gnuplot-nox) or name it with CARBONMC_GNUPLOT",
                  gp, strchr(gp, '/') ? "an executable file" : "on PATH");
        return -1;
    }
    char *scripts = plot_find_scripts(o->scripts);
    if (!scripts) {
        if (o->scripts)
            cmc_error(d, NULL, "'%s' does not hold carbonmc's gnuplot scripts (%s, ...)",
                      o->scripts, plot_script_names[0]);
        else
            cmc_error(d, NULL, "cannot find carbonmc's gnuplot scripts (looked in %s); "
                               "name their folder with CARBONMC_PLOTS", CMC_PLOTS_DIRS);
        free(gnuplot);
        return -1;
    }

    const char *dir = o->dir ? o->dir : "figures";
    char *absdir = NULL, *driver = p->driver_path;
    double size_w = 0, size_h = 0, size_pt = 0;
    if (o->size && parse_size(o->size, &size_w, &size_h, &size_pt) < 0) {
        cmc_error(d, NULL, "--size expects column, page or WIDTHxHEIGHT in inches between 1 "
                           "and 40 (4x2.5), got '%s'", o->size);
        goto out;
    }
    p->narrow = size_w > 0 && size_w < 4.5;
    struct stat dst;
    if (stat(dir, &dst) == 0 && !S_ISDIR(dst.st_mode)) {   /* before anything is written */
        cmc_error(d, NULL, "cannot write figures into '%s': it is %s; -o must name a folder "
                           "or a new path", dir, S_ISREG(dst.st_mode) ? "a file" :
                  S_ISFIFO(dst.st_mode) ? "a FIFO" : S_ISSOCK(dst.st_mode) ? "a socket" :
                  "a device");
        goto out;
    }
    if (plot_mkdir_p(dir) < 0 || !(absdir = realpath(dir, NULL))) {
        cmc_error(d, NULL, "cannot make the folder '%s': %s", dir, strerror(errno));
        goto out;
    }
    p->dir = absdir;
    if (snprintf(p->datadir, sizeof p->datadir, "%s/data", absdir) >= (int)sizeof p->datadir ||
        plot_mkdir_p(p->datadir) < 0) {
        cmc_error(d, NULL, "cannot make the folder '%s/data': %s", dir, strerror(errno));
        goto out;
    }
    plot_pathf(driver, sizeof p->driver_path, "%s/figures.gp", p->datadir);
    if (!(p->driver = plot_open_out(p, driver)))
        goto out;
    fprintf(p->driver, "# Draws every figure of `carbonmc plot`: run `gnuplot %s` to redraw\n"
                      "# after editing the scripts in plots (copy them, and change `plots`).\n"
                      "fmt = \"%s\"\nplots = ", driver, fmt);
    char slash[PATH_MAX];
    snprintf(slash, sizeof slash, "%s/", scripts);
    plot_gp_string(p->driver, slash);
    if (size_w > 0)
        fprintf(p->driver, "\n# --size %s: inches and points\nsize_w = %g\nsize_h = %g\nsize_pt = %g",
                o->size, size_w, size_h, size_pt);
    fputs("\n\n", p->driver);

    p->gnuplot = gnuplot;
    p->scripts = scripts;
    p->absdir = absdir;
    return 0;
out:
    if (p->driver)
        fclose(p->driver);
    p->driver = NULL;
    free(absdir);
    free(scripts);
    free(gnuplot);
    return -1;
}

int plot_end(plotter *p)
{
    cmc_diags *d = p->d;
    const cmc_plot_options *o = p->o;
    int rc = -1;
    FILE *f = p->driver;
    p->driver = NULL;
    plot_close_out(p, f, p->driver_path);
    if (p->failed)
        goto out;
    if (plot_run_gnuplot(d, p->datadir, p->gnuplot, p->driver_path) < 0)
        goto out;
    for (size_t i = 0; i < p->nfigures; i++) {
        struct stat st;
        if (stat(p->figures[i], &st) < 0 || st.st_size == 0) {
            cmc_error(d, NULL, "gnuplot did not write '%s'", p->figures[i]);
            goto out;
        }
    }
    for (size_t i = 0; i < p->nfigures && o->wrote; i++)
        o->wrote(o->wrote_ctx, p->figures[i]);
    rc = 0;
out:
    for (size_t i = 0; i < p->nfigures; i++)
        free(p->figures[i]);
    free(p->figures);
    free(p->absdir);
    free(p->scripts);
    free(p->gnuplot);
    return rc;
}
