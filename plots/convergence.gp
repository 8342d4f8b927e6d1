# convergence.gp: how the median and the 95th percentile of one output settle as
# samples accumulate, each with its 95% Monte Carlo confidence band; the dashed
# line is the final estimate.
#
# Reads (prefix `data`, set by the driver with `out`, `fmt` and `plots`):
#   data.".vars.gp"  title_str, label_str, conv_xmin, conv_xmax, conv_xtics_cmd,
#                    conv_median_min/max/final, conv_p95_min/max/final and
#                    conv_median_ytics_cmd, conv_p95_ytics_cmd
#   data.".conv"     columns: 1 samples  2 mean  3 mean_ci_low  4 mean_ci_high
#                    5 median  6 median_ci_low  7 median_ci_high
#                    8 p95  9 p95_ci_low  10 p95_ci_high

reset
fig_w = 1; fig_h = 1.25
load plots."common.gp"
load data.".vars.gp"

set multiplot layout 2, 1 title (title_str eq "" ? label_str : title_str."\n".label_str) margins 0.16, 0.96, 0.11, 0.88 spacing 0, 0.07
set logscale x
set xrange [conv_xmin:conv_xmax]
set xtics autofreq
set format x ""   # the top panel shares the bottom one's labels

set ylabel "median"
set yrange [conv_median_min:conv_median_max]
eval conv_median_ytics_cmd
set arrow 1 from graph 0, first conv_median_final to graph 1, first conv_median_final nohead dt 2 lw 1 lc rgb c_median
plot data.".conv" using 1:6:7 with filledcurves fc rgb c_band90, \
     '' using 1:5 with linespoints pt 7 ps 0.6 lw 1.5 lc rgb c_line

unset arrow 1
set format x "% h"
eval conv_xtics_cmd
set xlabel "samples"
set ylabel "95th percentile"
set yrange [conv_p95_min:conv_p95_max]
eval conv_p95_ytics_cmd
set arrow 1 from graph 0, first conv_p95_final to graph 1, first conv_p95_final nohead dt 2 lw 1 lc rgb c_median
plot data.".conv" using 1:9:10 with filledcurves fc rgb c_accent_band, \
     '' using 1:8 with linespoints pt 7 ps 0.6 lw 1.5 lc rgb c_accent
unset multiplot
unset output
