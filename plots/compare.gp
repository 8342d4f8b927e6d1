# compare.gp: one output across several runs on a shared axis. Per run, one row
# labelled by its title: the 95%, 90% and 50% intervals as nested bars and the
# median as a tick, with the median and the 90% interval printed.
#
# Reads (prefix `data`, set by the driver with `out`, `fmt` and `plots`):
#   data.".vars.gp"  label_str, nruns, logx, xmin, xmax, xtics_cmd
#   data.".dat"      columns: 1 row  2 p2.5  3 p5  4 p25  5 p50  6 p75  7 p95
#                    8 p97.5 (NaN if that run did not store it)  9 "run"
#                    10 "numbers"

reset
load data.".vars.gp"
fig_w = 1
fig_h = nruns <= 3 ? 0.75 : 0.45 + 0.1 * nruns
load plots."common.gp"

set title "bars: 95%, 90% and 50% intervals; tick: median" font font_small
set xlabel label_str
if (logx) { set logscale x }
set xrange [xmin:xmax]
eval xtics_cmd
set yrange [nruns + 0.5:0.3]
unset ytics
set border 1

plot data.".dat" using 2:1:2:8:($1 - 0.05):($1 + 0.05) with boxxyerror fc rgb c_band90, \
     '' using 3:1:3:7:($1 - 0.13):($1 + 0.13) with boxxyerror fc rgb c_band50, \
     '' using 4:1:4:6:($1 - 0.2):($1 + 0.2) with boxxyerror fc rgb c_line, \
     '' using 5:($1 - 0.27):(0):(0.54) with vectors nohead lw 2.5 lc rgb c_median, \
     '' using (xmin):($1 - 0.4):(stringcolumn(9)."   ".stringcolumn(10)) with labels left offset 0.5, 0 font font_small textcolor rgb c_text
unset output
