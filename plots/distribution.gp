# distribution.gp: the distribution of one output, as a histogram, with its median
# marked and its 50%, 90% and 95% central intervals shaded and printed.
#
# Reads (prefix `data`, set by the driver with `out`, `fmt` and `plots`):
#   data.".vars.gp"  gnuplot variables: title_str, label_str, logx, xmin, xmax,
#                    xtics_cmd, median, lo50, hi50, lo90, hi90, lo95, hi95 (NaN when
#                    the run did not store that percentile), band_str, nonfinite_str
#                    density_str (the y label)
#   data.".hist"     columns: 1 bin_low  2 bin_high  3 count  4 percent of samples
#                    5 density: per unit of x, or per decade on a log axis, so that
#                    the heights do not depend on the number of bins
# A log x axis (logx = 1) has log-spaced bins, so bar areas stay comparable.

reset
fig_w = 1; fig_h = 1
load plots."common.gp"
load data.".vars.gp"

set title title_str
set xlabel label_str
set ylabel density_str
if (logx) { set logscale x }
set xrange [xmin:xmax]
eval xtics_cmd
stats data.".hist" using 5 nooutput
set yrange [0:1.5 * STATS_max]   # headroom for the numbers

# the bands, widest first, behind the bars
if (lo95 == lo95 && hi95 == hi95) { set object 1 rect from lo95, graph 0 to hi95, graph 1 behind fc rgb c_band95 fs solid noborder }
if (lo90 == lo90 && hi90 == hi90) { set object 2 rect from lo90, graph 0 to hi90, graph 1 behind fc rgb c_band90 fs solid noborder }
if (lo50 == lo50 && hi50 == hi50) { set object 3 rect from lo50, graph 0 to hi50, graph 1 behind fc rgb c_band50 fs solid noborder }
if (median == median) { set arrow 1 from median, graph 0 to median, graph 1 nohead lw 1.5 dt 2 lc rgb c_median front }

# the numbers, on the side away from the bulk of the samples
at_right = 1
if (median == median) {
    f = logx ? log(median / xmin) / log(xmax / xmin) : (median - xmin) / (xmax - xmin)
    at_right = f < 0.5
}
if (at_right) { set label 1 band_str at graph 0.98, graph 0.95 right front } else { set label 1 band_str at graph 0.02, graph 0.95 left front }
if (strlen(nonfinite_str) > 0) { set label 2 nonfinite_str at graph 0.5, graph -0.22 center front font font_small }

plot data.".hist" using (($1 + $2) / 2):5:1:2:(0):5 with boxxyerror fc rgb c_line fs solid 0.85 noborder
unset output
