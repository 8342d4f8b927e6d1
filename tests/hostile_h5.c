/*
 * hostile_h5.c: turns a run's file into the hostile files of issue 11 (items 6, 7
 * and 22) for tests/faults.sh, which then checks that `summary` refuses each with
 * one clear message, exit 1, and never crashes or prints HDF5's error stack.
 *
 * usage: hostile_h5 FILE.h5 MODE
 *   huge      /outputs/co2_t/percentiles/value becomes a dataset of 2^61 + 1 float32
 *             elements, never written (the reader's byte count would wrap to 8)
 *   big       the same with 2^27 elements (1 GiB to allocate, a file of 200 KB)
 *   nanprob   the second probability of /outputs/co2_t becomes NaN
 *   downprob  the probabilities of /outputs/co2_t decrease
 *   highprob  the last probability of /outputs/co2_t becomes 1.5
 *   offset    print the file offset of /scenario/source's string descriptor
 * This helper includes hdf5.h; carbonmc's own tests do not (see test_h5.c).
 */
#include <hdf5.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PCT "/outputs/co2_t/percentiles"

static int replace_values(hid_t f, hsize_t n)
{
    if (H5Ldelete(f, PCT "/value", H5P_DEFAULT) < 0)
        return -1;
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t ds = H5Dcreate2(f, PCT "/value", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    H5Sclose(space);
    if (ds < 0)
        return -1;
    return H5Dclose(ds);
}

static int edit_probabilities(hid_t f, const char *mode)
{
    hid_t ds = H5Dopen2(f, PCT "/probability", H5P_DEFAULT);
    if (ds < 0)
        return -1;
    double p[64];
    hid_t space = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    int rc = -1;
    if (n >= 3 && n <= 64 && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, p) >= 0) {
        if (!strcmp(mode, "nanprob"))
            p[1] = NAN;
        else if (!strcmp(mode, "downprob"))
            p[2] = p[0] / 2;
        else
            p[n - 1] = 1.5;
        rc = H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, p) < 0 ? -1 : 0;
    }
    H5Dclose(ds);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: hostile_h5 FILE.h5 huge|big|nanprob|downprob|highprob|offset\n", stderr);
        return 2;
    }
    const char *mode = argv[2];
    int ro = !strcmp(mode, "offset");
    hid_t f = H5Fopen(argv[1], ro ? H5F_ACC_RDONLY : H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        return 1;
    int rc = -1;
    if (!strcmp(mode, "huge"))
        rc = replace_values(f, ((hsize_t)1 << 61) + 1);
    else if (!strcmp(mode, "big"))
        rc = replace_values(f, (hsize_t)1 << 27);
    else if (!strcmp(mode, "nanprob") || !strcmp(mode, "downprob") || !strcmp(mode, "highprob"))
        rc = edit_probabilities(f, mode);
    else if (ro) {
        hid_t ds = H5Dopen2(f, "/scenario/source", H5P_DEFAULT);
        haddr_t at = ds >= 0 ? H5Dget_offset(ds) : HADDR_UNDEF;
        if (ds >= 0)
            H5Dclose(ds);
        if (at != HADDR_UNDEF) {
            printf("%llu\n", (unsigned long long)at);
            rc = 0;
        }
    }
    if (H5Fclose(f) < 0)
        rc = -1;
    return rc < 0 ? 1 : 0;
}
