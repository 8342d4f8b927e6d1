/*
 * check.h: the whole test framework. A test program is a main() calling CHECK*
 * macros; a failed check prints its location and makes the program exit 1, and
 * CHECK_DONE prints "N passed, N failed" and returns the exit status.
 * CHECK_REL compares with a relative tolerance (GSL's gsl_test_rel in spirit);
 * statistical tests pass a tolerance derived from the Monte Carlo standard error.
 */
#ifndef CMC_CHECK_H
#define CMC_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int check_passed, check_failed;

/* 1 in a build with AddressSanitizer (CMC_SANITIZE=ON). The sanitizer builds are
   there for memory errors: their tests run the same code at smaller sizes and leave
   the purely statistical checks (many replications, error against a closed form at
   large N) to the Release build, which runs them at full size (tests/run.sh). */
#if defined(__SANITIZE_ADDRESS__)
#define CMC_SANITIZED 1
#else
#define CMC_SANITIZED 0
#endif

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond) {                                                            \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

#define CHECK_MSG(cond, ...)                                                   \
    do {                                                                       \
        if (cond) {                                                            \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,   \
                    #cond);                                                    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

/* |got - want| <= tol * max(|want|, tiny); equal infinities and NaNs pass. */
#define CHECK_REL(got, want, tol)                                              \
    do {                                                                       \
        double g_ = (got), w_ = (want), t_ = (tol);                            \
        int ok_ = (isnan(g_) && isnan(w_)) || g_ == w_ ||                      \
                  fabs(g_ - w_) <= t_ * fmax(fabs(w_), 1e-300);                \
        CHECK_MSG(ok_, "got %.17g, want %.17g (rel tol %g)", g_, w_, t_);      \
    } while (0)

/* |got - want| <= tol */
#define CHECK_ABS(got, want, tol)                                              \
    do {                                                                       \
        double g_ = (got), w_ = (want), t_ = (tol);                            \
        CHECK_MSG(fabs(g_ - w_) <= t_, "got %.17g, want %.17g (abs tol %g)",   \
                  g_, w_, t_);                                                 \
    } while (0)

#define CHECK_STR(got, want)                                                   \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        CHECK_MSG(g_ && w_ && strcmp(g_, w_) == 0, "got \"%s\", want \"%s\"",  \
                  g_ ? g_ : "(null)", w_ ? w_ : "(null)");                     \
    } while (0)

/* Run the test function fn() and print the processor time it took (all threads),
   so that a test's label (quick, slow) can be judged from its output. */
#define CHECK_RUN(fn)                                                          \
    do {                                                                       \
        clock_t c0_ = clock();                                                 \
        fn();                                                                  \
        printf("  %-28s %6.2f s of CPU\n", #fn,                               \
               (double)(clock() - c0_) / CLOCKS_PER_SEC);                      \
    } while (0)

/* The acceptance band of a coverage test: k hits in n independent trials, each a
   hit with probability p0, are accepted when P(B <= k) >= a/2 and P(B >= k) >= a/2
   for B ~ Binomial(n, p0): a two-sided test at false-alarm rate a (divide a by the
   number of bands checked for a family-wise rate). [*lo, *hi] is the band. */
static inline void check_binomial_band(double p0, int n, double a, int *lo, int *hi)
{
    double cdf = 0, sf;
    *lo = 0;
    *hi = n;
    for (int k = 0; k <= n; k++) {
        double pmf = exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) +
                         (k ? k * log(p0) : 0) + (n - k ? (n - k) * log1p(-p0) : 0));
        sf = 1 - cdf;   /* P(B >= k) */
        cdf += pmf;     /* P(B <= k) */
        if (cdf < a / 2)
            *lo = k + 1;
        if (sf >= a / 2)
            *hi = k;
    }
}

#define CHECK_DONE()                                                           \
    (printf("%d passed, %d failed\n", check_passed, check_failed),             \
     check_failed ? 1 : 0)

#endif
