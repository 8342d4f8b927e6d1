/*
 * fuzz_load.c: libFuzzer target for the scenario loader (issue 11).
 *
 * One input is one scenario text, bytes as they are (NUL bytes and invalid UTF-8
 * included): it is loaded from the buffer (cmc_model_load_mem: checked, parsed,
 * resolved against the shipped models, compiled, its point values computed, its
 * variants too), and when it loads, every accessor is read, the stored source is
 * loaded again (the printer and the parser must agree: it has to load) and every
 * quantity's point value is touched. Anything may fail with diagnostics; nothing
 * may crash, hang, leak (LeakSanitizer) or trip UBSan.
 *
 * Built with clang and -fsanitize=fuzzer when CMC_FUZZ=ON (see README "Fuzzing");
 * replay.c gives every build a main() that runs files through the same function.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonmc.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile double sink;

static void touch(const cmc_model *m)
{
    for (int k = 0; k < CMC_NKINDS; k++)
        for (size_t i = 0; i < cmc_model_count(m, (cmc_qkind)k); i++) {
            const cmc_quantity *q = cmc_model_get(m, (cmc_qkind)k, i);
            sink += q->point + (double)strlen(q->name) + (double)strlen(q->expression) +
                    (double)strlen(q->description) + (double)strlen(q->unit);
        }
    sink += (double)strlen(cmc_model_title(m)) + (double)strlen(cmc_model_program_text(m));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cmc_diags *d = cmc_diags_new();
    if (!d)
        return 0;
    cmc_model *m = cmc_model_load_mem("fuzz.cmc", (const char *)data, size, NULL, d);
    for (size_t i = 0; i < cmc_diags_count(d); i++) {
        const cmc_diag *g = cmc_diags_get(d, i);
        sink += (double)strlen(g->msg) + (g->source ? (double)strlen(g->source) : 0);
    }
    if (m) {
        touch(m);
        for (size_t v = 0; v < cmc_model_nvariants(m); v++)
            touch(cmc_model_variant(m, v));
        /* The scenario as run must load again (without its variants' lines when it
           reads them back, the same). */
        cmc_diags *d2 = cmc_diags_new();
        cmc_model *m2 = d2 ? cmc_model_load_string("fuzz.cmc", cmc_model_source(m), NULL, d2)
                           : NULL;
        if (d2 && !m2) {
            fprintf(stderr, "the stored source does not load again:\n%s\n",
                    cmc_model_source(m));
            for (size_t i = 0; i < cmc_diags_count(d2); i++)
                fprintf(stderr, "  %s\n", cmc_diags_get(d2, i)->msg);
            abort();
        }
        cmc_model_free(m2);
        cmc_diags_free(d2);
    }
    cmc_model_free(m);
    cmc_diags_free(d);
    return 0;
}
