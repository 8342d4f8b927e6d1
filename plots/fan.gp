# fan.gp: an output across a sweep of one name (carbonmc sweep): its median (line)
# inside nested bands of its central 50%, 90% and 95% intervals at each point
# (dark to light), the mean dashed, and the median's own 95% Monte Carlo interval
# as error bars. The bands are the output's spread, not sampling error.
#
# Reads (prefix `data`, set by the driver with `out`, `fmt` and `plots`):
#   data.".fan.vars.gp"  title_str, label_str (y axis), xlabel_str, logx, xmin, xmax,
#                        xtics_cmd, logy, ymin, ymax, ytics_cmd, has50, has90, has95,
#                        has_median
#   data.".fan"          columns: 1 x  2 median  3 p25  4 p75  5 p5  6 p95
#                        7 p2.5  8 p97.5  9 mean  10 median_ci_low  11 median_ci_high

reset
fig_w = 1; fig_h = 1
load plots."common.gp"
load data.".fan.vars.gp"

if (title_str ne "") { set title title_str }
set xlabel xlabel_str
set ylabel label_str
if (logx) { set logscale x }
if (logy) { set logscale y }
set xrange [xmin:xmax]
set yrange [ymin:ymax]
eval xtics_cmd
eval ytics_cmd
set key top left reverse Left samplen 2 font font_small

# a band the sweep lacks (its --percentiles leave out an end) is NaN in the data and
# has no entry in the key
plot data.".fan" using 1:7:8 with filledcurves fc rgb c_band95 title (has95 ? "95%" : ""), \
     '' using 1:5:6 with filledcurves fc rgb c_band90 title (has90 ? "90%" : ""), \
     '' using 1:3:4 with filledcurves fc rgb c_band50 title (has50 ? "50%" : ""), \
     '' using 1:9 with lines dt 2 lw 1 lc rgb c_accent title "mean", \
     '' using 1:2 with linespoints pt 7 ps 0.5 lw 1.5 lc rgb c_median title (has_median ? "median" : ""), \
     '' using 1:2:10:11 with yerrorbars pt -1 lw 1 lc rgb c_median notitle
unset output
