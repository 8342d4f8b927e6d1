/*
 * fuzz_h5read.c: libFuzzer target for the HDF5 reader (issue 11).
 *
 * libhdf5 reads files, not buffers, so each input is written to a temporary file
 * and opened with the project's readers as `carbonmc summary` does (a sweep's file
 * by cmc_sweep_read, any other by cmc_results_read; both are tried on every
 * input); when one reads, every number and string of the summary is touched. A
 * corrupt file must give diagnostics, never a crash, a leak or an allocation the
 * file's size cannot justify.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carbonmc.h"
#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile double sink;

static void touch_stat(const cmc_stat *s)
{
    sink += (double)strlen(s->name) + (double)strlen(s->description) + (double)strlen(s->unit) +
            (double)strlen(s->expression) + s->mean + s->std + (double)s->count;
    for (size_t i = 0; i < s->npercentiles; i++)
        sink += s->p[i] + s->value[i] + s->ci_low[i] + s->ci_high[i];
    for (size_t i = 0; i < s->nbins; i++)
        sink += s->edges[i] + (double)s->counts[i];
    if (s->nbins)
        sink += s->edges[s->nbins];
    for (size_t i = 0; i < s->conv.n; i++)
        sink += (double)s->conv.samples[i] + s->conv.value[CMC_CONV_MEDIAN][i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/cmc-fuzz-h5-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(fd);
    cmc_diags *d = cmc_diags_new();
    cmc_results *r = d ? cmc_results_read(path, d) : NULL;
    if (r) {
        sink += (double)strlen(r->title) + (double)strlen(r->source) + (double)r->samples;
        for (size_t i = 0; i < r->noutputs; i++)
            touch_stat(&r->outputs[i]);
        for (size_t i = 0; i < r->ninputs; i++)
            touch_stat(&r->inputs[i]);
        for (size_t v = 0; v < r->nvariants; v++)
            for (size_t i = 0; i < r->variants[v].noutputs; i++)
                touch_stat(&r->variants[v].outputs[i]);
    }
    cmc_results_free(r);
    cmc_sweep *sw = d ? cmc_sweep_read(path, d) : NULL;
    if (sw) {
        sink += (double)strlen(sw->title) + (double)strlen(sw->source) + (double)sw->samples;
        for (size_t k = 0; k < sw->nvars; k++)
            for (size_t i = 0; i < sw->vars[k].n; i++)
                sink += sw->vars[k].value[i] + (double)strlen(sw->vars[k].unit);
        for (size_t o = 0; o < sw->noutputs; o++) {
            const cmc_sweep_output *so = &sw->outputs[o];
            sink += (double)strlen(so->name) + (double)strlen(so->unit) +
                    (double)strlen(so->description);
            for (size_t i = 0; i < sw->npoints; i++) {
                sink += so->mean[i] + so->std[i] + so->mean_se[i] + so->min[i] + so->max[i] +
                        (double)so->count[i] + (double)so->nonfinite[i];
                for (size_t j = 0; j < sw->np; j++)
                    sink += so->value[i * sw->np + j] + so->ci_low[i * sw->np + j] +
                            so->ci_high[i * sw->np + j] + so->resolution[i * sw->np + j];
            }
        }
    }
    cmc_sweep_free(sw);
    cmc_diags_free(d);
    unlink(path);
    return 0;
}
