# inputs.gp: small multiples of every random input's distribution, so a reader
# sees what went into the model.
#
# Reads (prefix `data`, set by the driver with `out`, `fmt` and `plots`):
#   data.".vars.gp"  title_str, n_inputs and arrays [1:n_inputs]: in_data (the
#                    prefix of each input's files), in_label, in_dist (the
#                    distribution as written), in_logx, in_xmin, in_xmax, in_xtics
#   in_data[i].".hist"  columns: 1 bin_low  2 bin_high  3 count  4 percent of samples

reset
load data.".vars.gp"
cols = n_inputs <= 3 ? n_inputs : (n_inputs == 4 ? 2 : 3)
rows = int(ceil(n_inputs / (cols * 1.0)))
fig_w = cols <= 1 ? 1 : 1.3
fig_h = 0.2 + 0.55 * rows
load plots."common.gp"

# margins in screen fractions: keep the title band and the tick labels a fixed size
set multiplot layout rows, cols title title_str spacing 0.09, 0.16 / fig_h margins 0.07, 0.97, 0.09 / fig_h, 1 - 0.17 / fig_h
set ytics format ""
set tics font font_small
set ytics scale 0
set border 1
set style fill solid 0.85 noborder
do for [i = 1:n_inputs] {
    unset logscale x
    if (in_logx[i]) { set logscale x }
    set xrange [in_xmin[i]:in_xmax[i]]
    set xtics autofreq
    eval in_xtics[i]
    set title in_label[i] font font_small
    set label 1 in_dist[i] at graph 0.02, graph 0.92 left front font font_tiny
    set yrange [*:*]
    stats in_data[i].".hist" using 4 nooutput
    set yrange [0:1.3 * STATS_max]
    plot in_data[i].".hist" using (($1 + $2) / 2):4:1:2:(0):4 with boxxyerror fc rgb c_line
}
unset multiplot
unset output
