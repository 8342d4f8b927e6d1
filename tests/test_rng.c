/*
 * test_rng.c: the counter-based streams.
 *
 * Philox4x32-10 against Random123's published known-answer vectors
 * (examples/kat_vectors in the Random123 distribution) and against the
 * reference implementation in <Random123/philox.h> on random counters and keys;
 * the name hash against the FNV-1a test vectors followed by the splitmix64
 * finaliser written out here; pinned hashes and uniforms (any change to the scheme
 * documented in rng.c changes every result, so it must show up here); the scheme
 * itself rebuilt from cmc_rng_philox, for every implementation this machine has
 * (portable C, AVX2, AVX-512); uniforms strictly inside (0, 1) on the grid
 * (j + 1/2) 2^-52; any partition of a range into calls, from odd or even starts,
 * gives the same numbers; different seeds, names and streams give different
 * ones; and a chi-square test of uniformity and a correlation test at a fixed
 * seed.
 */
#include "check.h"
#include "rng.h"

#include <Random123/philox.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <stdint.h>
#include <stdlib.h>

/* Random123 kat_vectors, "philox4x32 10": counter, key, expected output. */
static void known_answers(void)
{
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0x00000000, 0x00000000, 0x00000000, 0x00000000},
         {0x00000000, 0x00000000},
         {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t t = 0; t < sizeof kat / sizeof kat[0]; t++) {
        uint32_t out[4];
        cmc_rng_philox(kat[t].ctr, kat[t].key, out);
        for (int j = 0; j < 4; j++)
            CHECK_MSG(out[j] == kat[t].out[j], "kat %zu word %d: %08x, want %08x", t, j,
                      out[j], kat[t].out[j]);
    }
}

static uint64_t splitmix_state = 0x1234567u;
static uint64_t next64(void)   /* splitmix64 as a test driver */
{
    uint64_t z = (splitmix_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The same function as Random123's own implementation. */
static void against_random123(void)
{
    int bad = 0;
    for (int t = 0; t < 2000; t++) {
        uint64_t a = next64(), b = next64(), c = next64();
        philox4x32_ctr_t ctr = {{(uint32_t)a, (uint32_t)(a >> 32), (uint32_t)b,
                                 (uint32_t)(b >> 32)}};
        philox4x32_key_t key = {{(uint32_t)c, (uint32_t)(c >> 32)}};
        philox4x32_ctr_t want = philox4x32(ctr, key);
        uint32_t out[4];
        cmc_rng_philox(ctr.v, key.v, out);
        bad += memcmp(out, want.v, sizeof out) != 0;
    }
    CHECK_MSG(bad == 0, "%d of 2000 blocks differ from Random123", bad);
}

static uint64_t finalise(uint64_t h)   /* splitmix64's output function */
{
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9u;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebu;
    return h ^ (h >> 31);
}

static void hashes(void)
{
    /* FNV-1a 64 test vectors (Fowler, Noll and Vo's reference test suite). */
    CHECK(cmc_rng_hash("") == finalise(0xcbf29ce484222325u));
    CHECK(cmc_rng_hash("a") == finalise(0xaf63dc4c8601ec8cu));
    CHECK(cmc_rng_hash("foobar") == finalise(0x85944171f73967e8u));

    /* Pinned: these fix every stream of every input. */
    static const struct {
        const char *name;
        uint64_t h;
    } pinned[] = {
        {"", 0xf52a15e9a9b5e89bu},          {"a", 0x02c0bdbf481420f8u},
        {"foobar", 0x404da9e3b74078c2u},    {"gpu_count", 0xced83cc12941bf8cu},
        {"days", 0x20aa629ad8a52726u},      {"load", 0x3b8ac9f9603fedfau},
        {"pue", 0xf86577f8feaa90c5u},       {"intensity", 0xff2c5e6ea8a55b69u},
    };
    for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++)
        CHECK_MSG(cmc_rng_hash(pinned[i].name) == pinned[i].h, "hash(\"%s\") = %016llx",
                  pinned[i].name, (unsigned long long)cmc_rng_hash(pinned[i].name));

    cmc_rng_key k = cmc_rng_key_make(0x0123456789abcdefu, "gpu_count");
    CHECK(k.key[0] == 0x89abcdefu && k.key[1] == 0x01234567u);
    CHECK(k.name[0] == 0x2941bf8cu && k.name[1] == 0xced83cc1u);
}

/* The documented scheme, rebuilt from the raw block function. */
static double scheme_u(const cmc_rng_key *k, uint32_t stream, uint64_t i)
{
    uint64_t p = i / 2;
    uint32_t ctr[4] = {(uint32_t)p, (uint32_t)((p >> 32) & 0xffff) | (stream << 16),
                       k->name[0], k->name[1]};
    uint32_t x[4];
    cmc_rng_philox(ctr, k->key, x);
    uint64_t w = i % 2 ? (uint64_t)x[3] << 32 | x[2] : (uint64_t)x[1] << 32 | x[0];
    return ((double)(w >> 12) + 0.5) * 0x1p-52;   /* exact: < 2^53 before scaling */
}

static void scheme(void)
{
    cmc_rng_key k = cmc_rng_key_make(42, "gpu_count");
    static const double first[5] = {0x1.4c74b39e2c0dfp-1, 0x1.928a417f0efa1p-1,
                                    0x1.de7e18e14e41p-5, 0x1.331465a091864p-3,
                                    0x1.e47562fb14164p-3};
    static const double far[3] = {0x1.014652bea2672p-2, 0x1.77e93fdbe6c79p-1,
                                  0x1.d60b62163976ep-2};
    double u[5];
    cmc_rng_uniform(&k, 0, 0, 5, u);
    for (int i = 0; i < 5; i++)
        CHECK_MSG(u[i] == first[i], "u[%d] = %a, want %a", i, u[i], first[i]);
    uint64_t i0 = ((uint64_t)1 << 40) + 1;   /* pair index above 2^32: word 1 */
    cmc_rng_uniform(&k, 3, i0, 3, u);
    for (int i = 0; i < 3; i++)
        CHECK_MSG(u[i] == far[i], "stream 3, u[2^40 + %d] = %a, want %a", i + 1, u[i],
                  far[i]);

    /* Rebuilt scheme, over streams and indices including the top of the range. */
    static const uint64_t starts[] = {0, 1, 2, 999, ((uint64_t)1 << 32) - 3,
                                      ((uint64_t)1 << 49) - 300};
    static const uint32_t streams[] = {0, 1, 2, 65, 65535};
    int bad = 0;
    for (size_t a = 0; a < sizeof starts / sizeof starts[0]; a++) {
        for (size_t b = 0; b < sizeof streams / sizeof streams[0]; b++) {
            double v[300];
            cmc_rng_uniform(&k, streams[b], starts[a], 300, v);
            for (int i = 0; i < 300; i++)
                bad += v[i] != scheme_u(&k, streams[b], starts[a] + (uint64_t)i);
        }
    }
    CHECK_MSG(bad == 0, "%d uniforms differ from the documented scheme", bad);

    /* Every implementation this machine has (portable, AVX2, AVX-512), over odd
       and even starts and lengths that leave partial vectors. */
    static const char *const path_name[] = {"portable", "AVX2", "AVX-512"};
    for (int path = CMC_RNG_PORTABLE; path <= CMC_RNG_AVX512; path++) {
        double v[301];
        int ran = 0;
        bad = 0;
        for (size_t a = 0; a < sizeof starts / sizeof starts[0]; a++) {
            for (size_t len = 1; len <= 300; len += 23) {
                if (cmc_rng_uniform_path(path, &k, 5, starts[a], len, v) < 0)
                    continue;
                ran = 1;
                for (size_t i = 0; i < len; i++)
                    bad += v[i] != scheme_u(&k, 5, starts[a] + (uint64_t)i);
            }
        }
        printf("rng path %s: %s\n", path_name[path], ran ? "checked" : "not on this machine");
        CHECK_MSG(bad == 0, "%s path: %d uniforms differ from the scheme", path_name[path], bad);
    }
    CHECK(cmc_rng_uniform_path(CMC_RNG_PORTABLE, &k, 0, 0, 1, u) == 0);
}

/* One range drawn at once equals the same range drawn in pieces. */
static void partitions(void)
{
    enum { M = 5000 };
    static const size_t sizes[] = {1, 2, 3, 127, 128, 129, 1, 255, 256, 7, 1000, 64, 65};
    cmc_rng_key k = cmc_rng_key_make(7, "days");
    double *all = malloc(M * sizeof *all), *part = malloc(M * sizeof *part);
    for (uint64_t i0 = 100; i0 < 104; i0++) {   /* even and odd starts */
        cmc_rng_uniform(&k, 2, i0, M, all);
        for (size_t s = i0 % 3, done = 0; done < M; s++) {
            size_t m = sizes[s % (sizeof sizes / sizeof sizes[0])];
            m = m < M - done ? m : M - done;
            cmc_rng_uniform(&k, 2, i0 + done, m, part + done);
            done += m;
        }
        CHECK_MSG(memcmp(all, part, M * sizeof *all) == 0, "pieces differ (i0 = %llu)",
                  (unsigned long long)i0);
        /* a shifted start continues the same sequence */
        cmc_rng_uniform(&k, 2, i0 + 1, M - 1, part);
        CHECK(memcmp(all + 1, part, (M - 1) * sizeof *all) == 0);
    }
    cmc_rng_uniform(&k, 2, 5, 0, part);   /* n = 0 writes nothing */
    free(all);
    free(part);
}

/* Streams, names and seeds each change the sequence. */
static void independence(void)
{
    enum { M = 1000 };
    double a[M], b[M];
    cmc_rng_key k = cmc_rng_key_make(1, "pue");
    cmc_rng_key kname = cmc_rng_key_make(1, "pue2"), kseed = cmc_rng_key_make(2, "pue");
    cmc_rng_key kseedhi = cmc_rng_key_make(1 + ((uint64_t)1 << 32), "pue");
    cmc_rng_uniform(&k, 0, 0, M, a);
    const struct {
        const cmc_rng_key *k;
        uint32_t stream;
        const char *what;
    } other[] = {{&k, 1, "stream 1"},     {&k, 65535, "stream 65535"},
                 {&kname, 0, "name"},     {&kseed, 0, "seed"},
                 {&kseedhi, 0, "seed's high word"}};
    for (size_t t = 0; t < sizeof other / sizeof other[0]; t++) {
        int same = 0;
        cmc_rng_uniform(other[t].k, other[t].stream, 0, M, b);
        for (int i = 0; i < M; i++)
            same += a[i] == b[i];
        CHECK_MSG(same == 0, "%s: %d equal uniforms", other[t].what, same);
    }
}

static void uniformity(void)
{
    enum { M = 1000000, BINS = 1000 };
    double *u = malloc(M * sizeof *u);
    static unsigned counts[BINS];
    cmc_rng_key k = cmc_rng_key_make(20240601, "intensity");
    cmc_rng_uniform(&k, 0, 3, M, u);

    int outside = 0, offgrid = 0;
    size_t low_bit = 0;
    double umin = 1, umax = 0;
    for (int i = 0; i < M; i++) {
        double j = u[i] * 0x1p52 - 0.5;   /* exact for the grid (j + 1/2) 2^-52 */
        outside += !(u[i] > 0 && u[i] < 1);
        offgrid += j != floor(j) || 1 - u[i] != (0x1p52 - 1 - j + 0.5) * 0x1p-52;
        low_bit += fmod(j, 2) == 1;
        umin = fmin(umin, u[i]);
        umax = fmax(umax, u[i]);
        counts[(int)(u[i] * BINS)]++;
    }
    CHECK_MSG(outside == 0, "%d uniforms outside (0, 1)", outside);
    CHECK_MSG(offgrid == 0, "%d uniforms off the grid", offgrid);
    /* the lowest of the 52 bits is fair too: within 5 standard errors */
    CHECK_MSG(fabs((double)low_bit - M / 2.0) < 5 * sqrt(M / 4.0), "low bit set %zu times",
              low_bit);
    CHECK(umin < 1e-5 && umax > 1 - 1e-5);

    double chi2 = 0, e = (double)M / BINS;
    for (int b = 0; b < BINS; b++)
        chi2 += (counts[b] - e) * (counts[b] - e) / e;
    double p = gsl_cdf_chisq_Q(chi2, BINS - 1);
    printf("uniformity: chi2 = %.1f on %d df, p = %.3f\n", chi2, BINS - 1, p);
    CHECK_MSG(p > 1e-3 && p < 1 - 1e-3, "chi-square p = %.4g", p);

    /* Lag-1 correlation within a stream, and between streams 0 and 1 at the same
       sample: |r| < 5 / sqrt(M). */
    double *v = malloc(M * sizeof *v);
    cmc_rng_uniform(&k, 1, 3, M, v);
    double s01 = 0, slag = 0;
    for (int i = 0; i < M; i++) {
        s01 += (u[i] - 0.5) * (v[i] - 0.5);
        if (i + 1 < M)
            slag += (u[i] - 0.5) * (u[i + 1] - 0.5);
    }
    double r01 = s01 / M * 12, rlag = slag / (M - 1) * 12;   /* var(U) = 1/12 */
    CHECK_MSG(fabs(r01) < 5 / sqrt(M), "streams 0 and 1 correlate: r = %.3g", r01);
    CHECK_MSG(fabs(rlag) < 5 / sqrt(M), "lag-1 correlation r = %.3g", rlag);
    free(u);
    free(v);
}

int main(void)
{
    gsl_set_error_handler_off();
    known_answers();
    against_random123();
    hashes();
    scheme();
    partitions();
    independence();
    uniformity();
    return CHECK_DONE();
}
