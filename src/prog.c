/*
 * prog.c: the evaluation kernel.
 *
 * All semantics live in apply(): cmc_op_fold calls it for constant folding and the
 * kernel calls it inside its loops with a literal opcode, so the switch disappears
 * and each loop is plain arithmetic the compiler can vectorise. NaN is never hidden:
 * comparisons, min/max and if() of a NaN give NaN (IEEE comparisons would quietly
 * turn it into 0 or pick the other operand), so a broken sample is counted by the
 * statistics instead of vanishing.
 */
#include "prog.h"

#include <assert.h>
#include <math.h>

static inline double apply(int code, double x, double y, double z)
{
    switch (code) {
    case OP_COPY: return x;
    case OP_NEG: return -x;
    case OP_ADD: return x + y;
    case OP_SUB: return x - y;
    case OP_MUL: return x * y;
    case OP_DIV: return x / y;
    case OP_POW: return pow(x, y);
    case OP_LT: return x != x || y != y ? NAN : (double)(x < y);
    case OP_LE: return x != x || y != y ? NAN : (double)(x <= y);
    case OP_GT: return x != x || y != y ? NAN : (double)(x > y);
    case OP_GE: return x != x || y != y ? NAN : (double)(x >= y);
    case OP_EQ: return x != x || y != y ? NAN : (double)(x == y);
    case OP_NE: return x != x || y != y ? NAN : (double)(x != y);
    case OP_MIN: return x != x ? x : (x < y ? x : y);
    case OP_MAX: return x != x ? x : (x > y ? x : y);
    case OP_EXP: return exp(x);
    case OP_LOG: return log(x);
    case OP_LOG10: return log10(x);
    case OP_SQRT: return sqrt(x);
    case OP_ABS: return fabs(x);
    case OP_FLOOR: return floor(x);
    case OP_CEIL: return ceil(x);
    case OP_IF: return x != x ? x : (x != 0 ? y : z);
    /* a NaN bound, or lo > hi (a constant one is a compile error), gives NaN */
    case OP_CLAMP: return x != x || y != y || z != z || y > z ? NAN : (x < y ? y : (x > z ? z : x));
    default: return NAN;
    }
}

static const struct { const char *name; int arity; } info[OP_NCODES] = {
    [OP_COPY] = {"copy", 1}, [OP_NEG] = {"neg", 1},
    [OP_ADD] = {"add", 2}, [OP_SUB] = {"sub", 2}, [OP_MUL] = {"mul", 2},
    [OP_DIV] = {"div", 2}, [OP_POW] = {"pow", 2},
    [OP_LT] = {"lt", 2}, [OP_LE] = {"le", 2}, [OP_GT] = {"gt", 2},
    [OP_GE] = {"ge", 2}, [OP_EQ] = {"eq", 2}, [OP_NE] = {"ne", 2},
    [OP_MIN] = {"min", 2}, [OP_MAX] = {"max", 2},
    [OP_EXP] = {"exp", 1}, [OP_LOG] = {"log", 1}, [OP_LOG10] = {"log10", 1},
    [OP_SQRT] = {"sqrt", 1}, [OP_ABS] = {"abs", 1}, [OP_FLOOR] = {"floor", 1},
    [OP_CEIL] = {"ceil", 1},
    [OP_IF] = {"if", 3}, [OP_CLAMP] = {"clamp", 3},
};

int cmc_op_arity(int code) { return info[code].arity; }
const char *cmc_op_name(int code) { return info[code].name; }

double cmc_op_fold(int code, const double *a)
{
    int k = info[code].arity;
    return apply(code, a[0], k > 1 ? a[1] : 0, k > 2 ? a[2] : 0);
}

/* One operation over n samples. The binary case has a loop for each placement of
   a constant operand (folding guarantees they are not both constant), so every
   loop reads contiguous arrays or a scalar. The rare ternary case with constants
   reads through a stride of 0 or 1. */
#define UNARY(C)                                                                 \
    case C:                                                                      \
        for (size_t j = 0; j < n; j++)                                           \
            d[j] = apply(C, a[j], 0, 0);                                         \
        break;

#define BINARY(C)                                                                \
    case C:                                                                      \
        if (!o->konst) {                                                         \
            for (size_t j = 0; j < n; j++)                                       \
                d[j] = apply(C, a[j], b[j], 0);                                  \
        } else if (o->konst & 1) {                                               \
            const double x = o->k[0];                                            \
            for (size_t j = 0; j < n; j++)                                       \
                d[j] = apply(C, x, b[j], 0);                                     \
        } else {                                                                 \
            const double y = o->k[1];                                            \
            for (size_t j = 0; j < n; j++)                                       \
                d[j] = apply(C, a[j], y, 0);                                     \
        }                                                                        \
        break;

#define TERNARY(C)                                                               \
    case C:                                                                      \
        for (size_t j = 0; j < n; j++)                                           \
            d[j] = apply(C, a[j * sa], b[j * sb], c[j * sc]);                    \
        break;

static void run_op(const cmc_op *o, double *slots, size_t stride, size_t n)
{
    int ar = info[o->code].arity;
    double *d = slots + (size_t)o->dst * stride;
    const double *a = o->konst & 1 ? &o->k[0] : slots + (size_t)o->arg[0] * stride;
    const double *b = ar < 2 ? NULL : o->konst & 2 ? &o->k[1] : slots + (size_t)o->arg[1] * stride;
    const double *c = ar < 3 ? NULL : o->konst & 4 ? &o->k[2] : slots + (size_t)o->arg[2] * stride;
    size_t sa = !(o->konst & 1), sb = !(o->konst & 2), sc = !(o->konst & 4);

    assert(ar != 2 || o->konst != 3);
    assert(ar != 1 || o->code == OP_COPY || !o->konst);
    switch (o->code) {
    case OP_COPY:
        for (size_t j = 0; j < n; j++)
            d[j] = a[j * sa];
        break;
    UNARY(OP_NEG)
    BINARY(OP_ADD) BINARY(OP_SUB) BINARY(OP_MUL) BINARY(OP_DIV) BINARY(OP_POW)
    BINARY(OP_LT) BINARY(OP_LE) BINARY(OP_GT) BINARY(OP_GE) BINARY(OP_EQ) BINARY(OP_NE)
    BINARY(OP_MIN) BINARY(OP_MAX)
    UNARY(OP_EXP) UNARY(OP_LOG) UNARY(OP_LOG10) UNARY(OP_SQRT) UNARY(OP_ABS)
    UNARY(OP_FLOOR) UNARY(OP_CEIL)
    TERNARY(OP_IF) TERNARY(OP_CLAMP)
    default:
        assert(!"unknown opcode");
    }
}

void cmc_prog_run(const cmc_prog *p, double *slots, size_t stride, size_t n)
{
    assert(n <= stride);
    for (int i = 0; i < p->nops; i++)
        run_op(&p->ops[i], slots, stride, n);
}

void cmc_prog_format(const cmc_prog *p, const char *const *names, cmc_buf *b)
{
    for (int i = 0; i < p->nops; i++) {
        const cmc_op *o = &p->ops[i];
        cmc_buf_printf(b, "  s%-3d = %-5s", o->dst, cmc_op_name(o->code));
        for (int k = 0; k < info[o->code].arity; k++) {
            cmc_buf_puts(b, k ? ", " : " ");
            if (o->konst & (1u << k)) {
                char num[32];
                cmc_format_double(num, sizeof num, o->k[k]);
                cmc_buf_puts(b, num);
            } else {
                cmc_buf_printf(b, "s%d", o->arg[k]);
            }
        }
        if (names && names[o->dst])
            cmc_buf_printf(b, "    # %s", names[o->dst]);
        cmc_buf_puts(b, "\n");
    }
}
