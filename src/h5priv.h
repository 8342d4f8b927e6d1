/*
 * h5priv.h: what the HDF5 writer (h5.c) and reader (h5read.c) share (internal; the
 * only header that includes hdf5.h, and only those two files include it).
 */
#ifndef CMC_H5PRIV_H
#define CMC_H5PRIV_H

#include "h5.h"

#include <hdf5.h>

#define FORMAT_PREFIX "carbonmc/"
#define FORMAT_VERSION 1
#define FORMAT_NAME "carbonmc/1"

/* HDF5's automatic error printing, switched off between begin and end (and the
   caller's setting restored), so the library never prints. */
typedef struct cmc_h5_quiet {
    H5E_auto2_t func;
    void *data;
    int saved;
} cmc_h5_quiet;

void cmc_h5_quiet_begin(cmc_h5_quiet *q);
void cmc_h5_quiet_end(cmc_h5_quiet *q);
/* The most specific message on HDF5's error stack (call right after the failure,
   before any other HDF5 call clears the stack); "" if there is none. */
void cmc_h5_reason(char out[256]);
/* A variable-length UTF-8 string type (to close with H5Tclose), or -1. */
hid_t cmc_h5_utf8_string_type(void);
/* Whether s can name an HDF5 group: not empty, no '/', not ".". */
int cmc_h5_valid_name(const char *s);

/* The dataset names of the convergence estimates (NAME/convergence/...) and of the
   sensitivity measures (/sensitivity/OUTPUT/...), each with _ci_low and _ci_high. */
extern const char *const cmc_h5_est_names[CMC_CONV_NEST];
extern const char *const cmc_h5_sens_names[CMC_SENS_NEST];

/* As cmc_h5_commit, with write(ctx, file, err) writing the contents instead of a
   run's results (a part of a split run, h5part.c); on failure it says why in err. */
int cmc_h5_commit_with(cmc_h5 *h, int (*write)(void *ctx, hid_t file, char err[256]),
                       void *ctx, cmc_diags *d);

#endif
