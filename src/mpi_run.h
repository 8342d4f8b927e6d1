/*
 * mpi_run.h: a run spread over MPI ranks (docs/scale.md; only in a build with
 * -DCMC_MPI=ON). mpi_run.c is the only file that includes <mpi.h>.
 *
 * Under `mpirun -n R carbonmc run ...` rank r draws part r + 1 of R of the run
 * (part.c, with OpenMP threads within the rank), sends its records to rank 0, and
 * rank 0 merges them as `carbonmc merge` merges files: the same bits as a one-process
 * run for any R and any thread count. Only rank 0 prints (the others' stdout and
 * stderr go to /dev/null) and every rank exits with the same status.
 */
#ifndef CMC_MPI_RUN_H
#define CMC_MPI_RUN_H

#include "carbonmc.h"

/* MPI_Init; silence every rank but 0. 0, or -1 if MPI could not start. */
int cmc_mpi_init(int *argc, char ***argv);
int cmc_mpi_size(void);   /* 1 before cmc_mpi_init */
int cmc_mpi_rank(void);
/* The run over the ranks: rank 0 gets the results in *r (and writes o->output);
   returns the status every rank shares: 0, or 1 with the errors in rank 0's d. */
int cmc_mpi_run(const cmc_model *m, const cmc_run_options *o, cmc_results **r, cmc_diags *d);
/* The worst of every rank's status (a collective: every rank calls it once, at the
   end), then MPI_Finalize. */
int cmc_mpi_finish(int status);

#endif
