/*
 * simd.h: CMC_CLONES, the attribute that compiles a hot loop once per x86-64 level.
 *
 * The hot sampling loops (draw.c, stats.c) are compiled for baseline x86-64, for
 * x86-64-v3 (AVX2, FMA) and for x86-64-v4 (AVX-512), and the loader picks one for
 * the CPU (the v4 clone is about 12% faster than v3 on this project's AMD EPYC,
 * whose AVX-512 runs on 256-bit units: fewer instructions, masks). Floating-point
 * contraction is off (-ffp-contract=off) and no loop reassociates a sum (partial
 * sums are written out in the source), so every clone computes the same bits;
 * tests/run.sh compares a build with clones against one without.
 */
#ifndef CMC_SIMD_H
#define CMC_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(CMC_NO_CLONES)
#define CMC_CLONES \
    __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
/* Also hand-written AVX2 / AVX-512 paths, chosen at run time (rng.c's Philox,
   draw.c's beta table): integer work, or the same IEEE operations in the same
   order as the portable code, so the same bits; sanitizer builds, without them,
   check that in CI. */
#define CMC_X86_PATHS 1   /* the files that use it include <immintrin.h> */
#else
#define CMC_CLONES
#define CMC_X86_PATHS 0
#endif

#endif
