/*
 * test_paths.c: which code paths this build and this CPU run, said out loud.
 *
 * The hot loops have three kinds of implementation (src/simd.h): the portable C
 * code; per-CPU clones of it (target_clones: baseline, x86-64-v3, x86-64-v4, picked
 * by the loader); and hand-written AVX2 / AVX-512 paths (rng.c's Philox, draw.c's
 * normal tails and beta table, stats.c's moments, sketch.c's keys), picked at run
 * time with __builtin_cpu_supports. A test that passes on a CPU without AVX-512 has
 * not run the AVX-512 paths: this test prints which paths ran, checks that each is
 * available exactly when the build has it and the CPU supports it, and that the
 * vector Philox paths give the portable bits. A portable build (cmake
 * -DCMC_PORTABLE=ON, or the sanitizer build) must have no vector path at all.
 *
 * CMC_REQUIRE_PATH=portable|avx2|avx512 in the environment makes the test fail
 * unless that is the widest path that ran (tests/run.sh's portable lane sets it;
 * a CI runner that must exercise AVX-512 can set avx512).
 */
#include "check.h"
#include "lanes.h"
#include "rng.h"
#include "simd.h"

#include <stdlib.h>

int main(void)
{
    static const char *const name[] = {"portable", "AVX2", "AVX-512"};
    int cpu_avx2 = 0, cpu_avx512 = 0, cpu_v3 = 0, cpu_v4 = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    cpu_avx2 = __builtin_cpu_supports("avx2") != 0;
    cpu_avx512 = __builtin_cpu_supports("avx512f") != 0;
#if !defined(__clang__)
    cpu_v3 = __builtin_cpu_supports("x86-64-v3") != 0;
    cpu_v4 = __builtin_cpu_supports("x86-64-v4") != 0;
#endif
#endif
    printf("CPU: AVX2 %s, AVX-512F %s, x86-64-v3 %s, x86-64-v4 %s\n", cpu_avx2 ? "yes" : "no",
           cpu_avx512 ? "yes" : "no", cpu_v3 ? "yes" : "no", cpu_v4 ? "yes" : "no");
#ifdef CMC_NO_CLONES
    printf("build: CMC_PORTABLE (CMC_NO_CLONES): portable code only\n");
    CHECK_MSG(!CMC_X86_PATHS, "a portable build has the x86 paths compiled in");
#endif
    printf("build: %s\n", CMC_X86_PATHS ? "clones (baseline, x86-64-v3, x86-64-v4) and the "
                                          "AVX2 / AVX-512 paths compiled in"
                                        : "portable code only (no clones, no vector paths)");

    /* the Philox generator: every path this build has, against the portable one */
    cmc_rng_key k = cmc_rng_key_make(12345, "gpu_count");
    enum { N = 1000 };
    double ref[N], u[N];
    CHECK(cmc_rng_uniform_path(CMC_RNG_PORTABLE, &k, 3, 77, N, ref) == 0);
    int widest = CMC_RNG_PORTABLE;
    for (int path = CMC_RNG_AVX2; path <= CMC_RNG_AVX512; path++) {
        int want = CMC_X86_PATHS && (path == CMC_RNG_AVX2 ? cpu_avx2 : cpu_avx512);
        int got = cmc_rng_uniform_path(path, &k, 3, 77, N, u) == 0;
        CHECK_MSG(got == want, "Philox %s path %s, expected %s", name[path],
                  got ? "available" : "missing", want ? "available" : "missing");
        if (got) {
            CHECK_MSG(!memcmp(u, ref, sizeof u), "Philox %s path differs from the portable bits",
                      name[path]);
            widest = path;
        }
    }
    cmc_rng_uniform(&k, 3, 77, N, u);
    CHECK_MSG(!memcmp(u, ref, sizeof u), "cmc_rng_uniform differs from the portable bits");

    /* the lanes of stats.c and sketch.c, and draw.c's tails and beta table */
    int wide = wide_paths() != 0;
    CHECK_MSG(wide == (CMC_X86_PATHS && cpu_avx512), "wide_paths() = %d", wide);
    const char *clone = !CMC_X86_PATHS ? "none (portable code)"
                        : cpu_v4      ? "x86-64-v4 (AVX-512)"
                        : cpu_v3      ? "x86-64-v3 (AVX2, FMA)"
                                      : "baseline x86-64";
    printf("paths that ran here:\n");
    printf("  Philox (rng.c)                            %s\n", name[widest]);
    printf("  moments, sketch keys, normal tails, beta  %s\n", wide ? "AVX-512" : "portable");
    printf("  target_clones of the hot loops            %s\n", clone);
    if (CMC_X86_PATHS && !cpu_avx512)
        printf("NOTE: this CPU has no AVX-512: the AVX-512 paths were NOT tested here\n");
    if (CMC_X86_PATHS && !cpu_avx2)
        printf("NOTE: this CPU has no AVX2: the AVX2 paths were NOT tested here\n");

    const char *req = getenv("CMC_REQUIRE_PATH");
    if (req && *req) {
        int want = !strcmp(req, "portable") ? CMC_RNG_PORTABLE
                   : !strcmp(req, "avx2")   ? CMC_RNG_AVX2
                   : !strcmp(req, "avx512") ? CMC_RNG_AVX512
                                            : -1;
        CHECK_MSG(want >= 0, "CMC_REQUIRE_PATH=%s: expected portable, avx2 or avx512", req);
        CHECK_MSG(want == widest && (want == CMC_RNG_AVX512) == (wide != 0),
                  "CMC_REQUIRE_PATH=%s, but the widest path that ran is %s", req, name[widest]);
    }
    return CHECK_DONE();
}
