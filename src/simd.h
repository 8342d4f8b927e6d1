/*
 * simd.h: CMC_CLONES, the attribute that compiles a hot loop twice.
 *
 * The hot sampling loops (rng.c, draw.c, stats.c) are compiled for baseline x86-64
 * and for x86-64-v3 (AVX2, FMA), and the loader picks one for the CPU. Floating-point
 * contraction is off (-ffp-contract=off) and no loop reassociates a sum (partial
 * sums are written out in the source), so both clones compute the same bits;
 * tests/run.sh compares a build with clones against one without.
 */
#ifndef CMC_SIMD_H
#define CMC_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(CMC_NO_CLONES)
#define CMC_CLONES __attribute__((target_clones("default", "arch=x86-64-v3")))
#else
#define CMC_CLONES
#endif

#endif
