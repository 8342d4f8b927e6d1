/*
 * lanes.h: the fixed lanes of the vector loops in stats.c and sketch.c (internal).
 *
 * A loop over a block keeps MLANES partial results in a fixed pattern (value j goes
 * to lane j % MLANES), written with GCC's generic vectors of VW doubles: GCC's
 * vectoriser keeps scalar lane arrays in memory or leaves them scalar, three to
 * five times slower. Each lane is a plain sequence of IEEE operations, so every
 * clone (simd.h) computes the same bits. On CPUs with AVX-512 the same lane
 * operations run as intrinsics on two 8-double registers (wide_paths()).
 */
#ifndef CMC_LANES_H
#define CMC_LANES_H

#include "simd.h"

#include <float.h>
#include <stdint.h>
#include <string.h>
#if CMC_X86_PATHS
#include <immintrin.h>
#endif

#define MLANES 16
#define VW 4                       /* doubles per generic vector */
#define NV (MLANES / VW)

typedef double vdouble __attribute__((vector_size(VW * sizeof(double))));
typedef int64_t vmask __attribute__((vector_size(VW * sizeof(double))));
typedef uint64_t vkey __attribute__((vector_size(VW * sizeof(double))));

/* Helpers as macros: a function returning a 32-byte vector draws GCC's ABI note
   (-Wpsabi) in the baseline clone. VLOAD reads four doubles at p (unaligned),
   VSEL(m, a, b) is m ? a : b per lane, VFINITE(v) all ones where v is finite. */
#define VLOAD(dst, p) memcpy(&(dst), (p), sizeof(vdouble))
#define VSEL(m, a, b) ((vdouble)(((vmask)(a) & (m)) | ((vmask)(b) & ~(m))))
#define VFINITE(v) ((vdouble)((vmask)(v) & INT64_MAX) <= DBL_MAX)

#if CMC_X86_PATHS
__attribute__((target("avx512f"))) static inline __mmask8 finite8(__m512d y)
{
    __m512d a = _mm512_castsi512_pd(
        _mm512_and_si512(_mm512_castpd_si512(y), _mm512_set1_epi64(INT64_MAX)));
    return _mm512_cmp_pd_mask(a, _mm512_set1_pd(DBL_MAX), _CMP_LE_OQ);
}
#endif

static inline int wide_paths(void)   /* the AVX-512 loops, on this CPU? */
{
#if CMC_X86_PATHS
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

#endif
