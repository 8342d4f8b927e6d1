/*
 * mpi_run.c: a run spread over MPI ranks (mpi_run.h, docs/scale.md).
 *
 * Rank r draws part r + 1 of R into memory (cmc_part_draw: the prefix, then its
 * share of the rounds), packs its records into one array of integers and sends it
 * to rank 0, which merges the R parts (cmc_run_merge_parts: it draws the prefix
 * again and adds the parts in block order) and writes the file. The reduction is
 * the fixed tree of a one-process run, so the file has the same bits.
 *
 * Errors: what every rank sees alike (a bad scenario, an option a split run cannot
 * take) every rank detects, and rank 0 reports; what only rank 0 can see (an
 * unwritable output) it checks before any sampling and broadcasts; a rank that
 * fails to draw its part sends an empty record, named by rank 0. A rank that dies
 * makes mpirun end the job (Open MPI aborts the others) rather than hang.
 */
#include "mpi_run.h"
#include "part.h"
#include "util.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int size = 1, rank = 0;

int cmc_mpi_init(int *argc, char ***argv)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return -1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank > 0 && (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)))
        return -1;
    return 0;
}

int cmc_mpi_size(void)
{
    return size;
}

int cmc_mpi_rank(void)
{
    return rank;
}

/* MPI counts are ints: long arrays go in pieces. */
#define PIECE ((size_t)1 << 28)

static void send_u64(const uint64_t *a, size_t n)
{
    for (size_t at = 0; at < n; at += PIECE)
        MPI_Send(a + at, (int)(n - at < PIECE ? n - at : PIECE), MPI_UINT64_T, 0, 1,
                 MPI_COMM_WORLD);
}

static void recv_u64(uint64_t *a, size_t n, int from)
{
    for (size_t at = 0; at < n; at += PIECE)
        MPI_Recv(a + at, (int)(n - at < PIECE ? n - at : PIECE), MPI_UINT64_T, from, 1,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

int cmc_mpi_run(const cmc_model *m, const cmc_run_options *o, cmc_results **r, cmc_diags *d)
{
    *r = NULL;
    int ok = 1;
    char why[256];
    if (rank == 0 && o->output && cmc_output_check(o->output, why, sizeof why) < 0) {
        cmc_diag_add(d, CMC_ERROR, NULL, "cannot write '%s': %s", o->output, why);
        ok = 0;
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!ok)
        return 1;
    cmc_part *mine = cmc_part_draw(m, o, (uint32_t)rank + 1, (uint32_t)size, d);
    if (rank > 0) {
        size_t len = 0;
        uint64_t *a = mine ? cmc_part_pack(mine, &len) : NULL;
        uint64_t n = a ? len : 0;
        MPI_Send(&n, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD);
        if (n)
            send_u64(a, len);
        free(a);
        cmc_part_free(mine);
    } else {
        cmc_part **parts = calloc((size_t)size, sizeof *parts);
        int good = mine && parts;
        if (parts)
            parts[0] = mine;
        else
            cmc_part_free(mine);
        for (int k = 1; k < size; k++) {
            uint64_t n;
            MPI_Recv(&n, 1, MPI_UINT64_T, k, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            uint64_t *a = n ? malloc(n * sizeof *a) : NULL;
            if (n && !a) {
                fputs("carbonmc: error: out of memory receiving the parts\n", stderr);
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
            if (n)
                recv_u64(a, n, k);
            char name[32];
            snprintf(name, sizeof name, "rank %d", k);
            cmc_part *p = a ? cmc_part_unpack(a, n, name) : NULL;
            free(a);
            if (parts)
                parts[k] = p;
            else
                cmc_part_free(p);
            if (!p && mine)   /* else rank 0 failed alike and said why */
                cmc_diag_add(d, CMC_ERROR, NULL, "rank %d of %d could not draw its part "
                             "(out of memory?)", k, size);
            good = good && p;
        }
        if (good)
            *r = cmc_run_merge_parts(m, o, parts, (size_t)size, d);
        for (int k = 0; parts && k < size; k++)
            cmc_part_free(parts[k]);
        free(parts);
        ok = *r != NULL;
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return ok ? 0 : 1;
}

int cmc_mpi_finish(int status)
{
    int worst = status;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return worst;
}
