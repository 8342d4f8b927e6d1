#include "sweep_cli.h"
#include "diag.h"
int cmc_plot_sweep(const cmc_sweep *s, const char *label, const cmc_plot_options *o,
                   cmc_diags *d)
{
    (void)s; (void)label; (void)o;
    cmc_error(d, NULL, "not yet");
    return -1;
}
