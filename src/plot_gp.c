/*
 * plot_gp.c: what talking to gnuplot takes (plot_priv.h): finding the program and
 * the scripts of plots/, numbers and strings gnuplot reads back exactly, tick
 * positions and their labels (1-2-5 steps, on log axes too), and running gnuplot
 * on the driver with its messages in DIR/data/gnuplot.log.
 */
#include "plot_priv.h"
#include "diag.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#ifndef CMC_PLOTS_DIRS
#define CMC_PLOTS_DIRS ""
#endif

const char *const plot_script_names[] = {"common.gp",  "distribution.gp", "cdf.gp",
                                           "convergence.gp", "inputs.gp", "compare.gp",
                                           "tornado.gp", "forest.gp", "fan.gp",
                                           "heatmap.gp", NULL};

/* ---- Finding gnuplot and the scripts -------------------------------------------- */

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The program's path (malloc'ed): as given if it holds a '/', else found on PATH. */
char *plot_find_program(const char *name)
{
    if (strchr(name, '/'))
        return executable(name) ? strdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char buf[PATH_MAX];
        if (n && snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, name) < (int)sizeof buf &&
            executable(buf))
            return strdup(buf);
        path += n + (path[n] == ':');
    }
    return NULL;
}

static int has_scripts(const char *dir)
{
    for (int i = 0; plot_script_names[i]; i++) {
        char buf[PATH_MAX];
        if (snprintf(buf, sizeof buf, "%s/%s", dir, plot_script_names[i]) >= (int)sizeof buf ||
            access(buf, R_OK) != 0)
            return 0;
    }
    return 1;
}

/* The absolute path of the scripts folder (malloc'ed), or NULL. */
char *plot_find_scripts(const char *given)
{
    if (given)
        return has_scripts(given) ? realpath(given, NULL) : NULL;
    const char *b = CMC_PLOTS_DIRS;
    while (*b) {
        size_t n = strcspn(b, ":");
        char buf[PATH_MAX];
        if (n && snprintf(buf, sizeof buf, "%.*s", (int)n, b) < (int)sizeof buf &&
            has_scripts(buf))
            return realpath(buf, NULL);
        b += n + (b[n] == ':');
    }
    return NULL;
}

int plot_mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(buf, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* ---- Numbers and strings for gnuplot -------------------------------------------- */

/* A number gnuplot reads back exactly; NaN for anything not finite. */
void plot_gp_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.17g", x);
    else
        fputs("NaN", f);
}

/* v[0..n) separated by spaces (and one before the first if lead), then a newline. */
void plot_gp_row(FILE *f, int lead, const double *v, int n)
{
    for (int k = 0; k < n; k++) {
        if (lead || k)
            fputc(' ', f);
        plot_gp_num(f, v[k]);
    }
    fputc('\n', f);
}

/* s as a gnuplot double-quoted string. */
void plot_gp_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else if ((unsigned char)*s >= 0x20 || *s == '\t')
            fputc(*s, f);
    }
    fputc('"', f);
}

void plot_fmt3(char *out, size_t size, double x)
{
    cmc_fmt_sig(out, size, x, 3, 7);
}

/* Tick positions for [lo, hi]: 1-2-5 steps on a linear axis; on a log axis the
   powers of ten, with 2 and 5 times them when the range spans few decades. */

static void linear_ticks(double lo, double hi, int target, ticks *t)
{
    t->n = 0;
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi))
        return;
    double raw = (hi - lo) / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
    for (double k = ceil(lo / step - 1e-9); t->n < MAX_TICKS; k++) {
        double v = k * step;
        if (v > hi + 1e-9 * step)
            break;
        if (fabs(v) < 1e-9 * step)
            v = 0;
        t->v[t->n++] = v;
    }
}

/* About `target` ticks (fewer for small panels). */
void plot_make_ticks(double lo, double hi, int logx, int target, ticks *t)
{
    double decades = logx && lo > 0 ? log10(hi / lo) : 0;
    if (!logx || !(lo > 0) || decades < 0.6) {
        linear_ticks(lo, hi, target, t);
        return;
    }
    /* 1-2-5 when they fit, else 1-3 (so that a value near 30 on an axis from 20 to
       14,000 has a labelled tick beside it), else the powers of ten */
    static const double m125[] = {1, 2, 5}, m13[] = {1, 3}, m1[] = {1};
    int dense = decades * 3 <= target + 2, mid = !dense && decades * 2 <= target + 4;
    const double *m = dense ? m125 : mid ? m13 : m1;
    size_t nm = dense ? 3 : mid ? 2 : 1;
    int stride = decades > target + 2 ? (int)ceil(decades / (target + 2)) : 1;   /* every k-th power of ten */
    t->n = 0;
    for (int e = (int)floor(log10(lo)); e <= (int)ceil(log10(hi)) && t->n < MAX_TICKS; e++) {
        if (nm == 1 && e % stride)
            continue;
        for (size_t i = 0; i < nm && t->n < MAX_TICKS; i++) {
            double v = m[i] * pow(10, e);
            if (v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12))
                t->v[t->n++] = v;
        }
    }
    if (t->n < 2)
        linear_ticks(lo, hi, target, t);
}

/* name = "set {axis}tics (\"12,000\" 12000, ...)" for eval in the scripts. */
void plot_gp_tics(FILE *f, const char *name, const char *axis, double lo, double hi,
                    int logx, int target)
{
    ticks t;
    plot_make_ticks(lo, hi, logx, target, &t);
    char cmd[MAX_TICKS * 64 + 64];
    size_t len = (size_t)snprintf(cmd, sizeof cmd, "set %stics (", axis);
    for (size_t i = 0; i < t.n && len < sizeof cmd; i++) {
        char lab[40];
        cmc_fmt_sig(lab, sizeof lab, t.v[i], 6, 7);
        len += (size_t)snprintf(cmd + len, sizeof cmd - len, "%s\"%s\" %.17g", i ? ", " : "",
                                lab, t.v[i]);
    }
    if (len < sizeof cmd)
        snprintf(cmd + len, sizeof cmd - len, ")");
    fprintf(f, "%s = ", name);
    plot_gp_string(f, t.n ? cmd : "");
    fputc('\n', f);
}

/* The displayed range: [lo, hi] widened by 3% on each side (in log space for a log
   axis), so spikes at the ends stay visible. */
void plot_pad_range(double *lo, double *hi, int logx)
{
    if (logx && *lo > 0) {
        double r = pow(*hi / *lo, 0.03);
        *lo /= r;
        *hi *= r;
    } else {
        double w = 0.03 * (*hi - *lo);
        *lo -= w;
        *hi += w;
    }
}

/* snprintf for paths under the output folder: a path that does not fit is cut (the
   folder name would have to be nearly PATH_MAX long) and the file then fails to
   open with a clear message. */
void plot_pathf(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    (void)n;
}

/* ---- Running gnuplot --------------------------------------------------------------- */

/* The tail of the log (at most 2,000 bytes, whole lines), trimmed. */
static void log_tail(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char buf[2001];
    long at = 0;
    if (fseek(f, 0, SEEK_END) == 0 && (at = ftell(f)) > 2000)
        fseek(f, at - 2000, SEEK_SET);
    else
        fseek(f, 0, SEEK_SET);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = buf;
    if (at > 2000 && (s = strchr(buf, '\n')))
        s++;
    else
        s = buf;
    while (*s == '\n')
        s++;
    n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    snprintf(out, size, "%s", s);
}

int plot_run_gnuplot(cmc_diags *d, const char *datadir, const char *gnuplot, const char *driver)
{
    char logpath[PATH_MAX], tail[2100];
    plot_pathf(logpath, sizeof logpath, "%s/gnuplot.log", datadir);
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        cmc_error(d, NULL, "cannot start gnuplot: out of memory");
        return -1;
    }
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {(char *)gnuplot, (char *)driver, NULL};
    pid_t pid;
    int err = posix_spawn(&pid, gnuplot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        cmc_error(d, NULL, "cannot run '%s': %s", gnuplot, strerror(err));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            cmc_error(d, NULL, "waiting for gnuplot: %s", strerror(errno));
            return -1;
        }
    log_tail(logpath, tail, sizeof tail);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status))
            cmc_error(d, NULL, "gnuplot failed (exit status %d) on %s%s%s", WEXITSTATUS(status),
                      driver, tail[0] ? ":\n" : "", tail);
        else
            cmc_error(d, NULL, "gnuplot was killed by signal %d on %s", WTERMSIG(status),
                      driver);
        return -1;
    }
    if (tail[0])
        cmc_warning(d, NULL, "gnuplot said (see %s):\n%s", logpath, tail);
    return 0;
}

