/*
 * prog.h: the compiled form of a model: a flat program over numbered slots.
 *
 * A slot holds one quantity for a block of samples: slot s of sample j lives at
 * slots[s * stride + j]. The program is a topologically ordered list of operations,
 * each writing one slot from up to three operands; an operand is a slot or a
 * constant folded in at compile time (bit i of konst). Evaluating it on a block is
 * one simple loop over contiguous arrays per operation, which the compiler can
 * vectorise, and it never allocates. `point` runs the same program with n = 1.
 */
#ifndef CMC_PROG_H
#define CMC_PROG_H

#include <stddef.h>

#include "util.h"

typedef enum cmc_opcode {
    OP_COPY, OP_NEG,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW,
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
    OP_MIN, OP_MAX,
    OP_EXP, OP_LOG, OP_LOG10, OP_SQRT, OP_ABS, OP_FLOOR, OP_CEIL,
    OP_IF, OP_CLAMP,
    OP_NCODES
} cmc_opcode;

typedef struct cmc_op {
    int code;
    unsigned konst;     /* bit i set: operand i is k[i] rather than slot arg[i] */
    int dst;
    int arg[3];
    double k[3];
} cmc_op;

typedef struct cmc_prog {
    int nslots;
    int nops;
    cmc_op *ops;
} cmc_prog;

int cmc_op_arity(int code);
const char *cmc_op_name(int code);
/* The operation on scalars: constant folding uses exactly the arithmetic the
   program does. */
double cmc_op_fold(int code, const double *a);

/* Run every operation on samples 0..n-1 of the slot arrays (n <= stride). */
void cmc_prog_run(const cmc_prog *p, double *slots, size_t stride, size_t n);

/* One operation a line: "  s5 = mul s3, 24". names[s] labels slot s (may be NULL). */
void cmc_prog_format(const cmc_prog *p, const char *const *names, cmc_buf *b);

#endif
