/*
 * h5.h: the HDF5 file of a run (internal). h5.c is the only file that includes
 * hdf5.h: it writes the layout of docs/hdf5.md and reads it back.
 *
 * PATH must be a regular file or a new path (cmc_output_check): a device, FIFO or
 * folder is refused before anything is created, and checked again before the
 * rename. Writing is atomic: cmc_h5_create opens "PATH.tmp.PID" beside the final name;
 * cmc_h5_commit writes the statistics, closes the file and renames it to PATH;
 * cmc_h5_abort (or any failure inside commit) closes and removes the temporary
 * file, so an interrupted or failed run never leaves a half-written PATH.
 * Optional per-sample datasets (/samples/NAME, --save-samples) are created with
 * cmc_h5_samples_begin and filled in order with cmc_h5_samples_write.
 */
#ifndef CMC_H5_H
#define CMC_H5_H

#include "carbonmc.h"

typedef struct cmc_h5 cmc_h5;

cmc_h5 *cmc_h5_create(const char *path, cmc_diags *d);
/* Create /samples/NAME for each name, float64 [total], chunked and compressed. */
int cmc_h5_samples_begin(cmc_h5 *h, const char *const *names, size_t n, uint64_t total,
                         cmc_diags *d);
/* Write x[0..count) of variable var at sample offset. */
int cmc_h5_samples_write(cmc_h5 *h, size_t var, uint64_t offset, const double *x,
                         size_t count, cmc_diags *d);
/* Write everything in r, close, rename to the final path; frees h either way. */
int cmc_h5_commit(cmc_h5 *h, const cmc_results *r, cmc_diags *d);
/* fn(ctx, tmp) now, with the temporary file's name, and fn(ctx, NULL) once it is
   gone (renamed or removed): a program's signal handler can remove it. */
void cmc_h5_watch(cmc_h5 *h, void (*fn)(void *ctx, const char *tmp), void *ctx);
/* Close and remove the temporary file; frees h. NULL is harmless. */
void cmc_h5_abort(cmc_h5 *h);

#endif
