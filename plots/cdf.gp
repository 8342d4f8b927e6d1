# cdf.gp: the cumulative distribution of one output, with the stored percentiles
# marked and their 95% Monte Carlo confidence intervals as horizontal error bars.
#
# Reads (prefix `data`, set by the driver with `out`, `fmt` and `plots`):
#   data.".vars.gp"  title_str, label_str, logx, xmin, xmax, xtics_cmd
#   data.".cdf"      columns: 1 x (a histogram edge)  2 fraction of samples <= x
#   data.".pct"      columns: 1 probability  2 percentile  3 ci_low  4 ci_high
# The intervals are usually narrower than the points at a million samples: that
# is the point of running that many.

reset
fig_w = 1; fig_h = 1
load plots."common.gp"
load data.".vars.gp"

set title title_str
set xlabel label_str
set ylabel "cumulative probability"
if (logx) { set logscale x }
set xrange [xmin:xmax]
eval xtics_cmd
set yrange [0:1]
set ytics 0, 0.25, 1
set grid ytics lc rgb "#DDDDDD" lw 1 dt 1
set key bottom right reverse Left samplen 2 spacing 1.2

plot data.".cdf" using 1:2 with lines lw 1.5 lc rgb c_line title "empirical CDF", \
     data.".pct" using 2:1:3:4 with xerrorbars pt 7 ps 0.7 lw 1.2 lc rgb c_accent title "percentiles, 95% MC intervals"
unset output
