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
# a narrow figure (plot --size column) has two panels a row, each a little taller
narrow = exists("size_w") ? (size_w > 0 && size_w < 4.5) : 0
cols = n_inputs <= 3 ? n_inputs : (n_inputs == 4 ? 2 : 3)
cols = narrow && cols > 2 ? 2 : cols
rows = int(ceil(n_inputs / (cols * 1.0)))
fig_w = cols <= 1 || narrow ? 1 : 1.3
fig_h = narrow ? 0.25 + 0.8 * rows : 0.2 + 0.55 * rows
load plots."common.gp"

# margins in screen fractions: keep the title band and the tick labels a fixed size
# (u inches: 0.16 * 3.2 in between rows whatever the figure's height)
u = 3.2 / H
top = title_str eq "" ? 0.08 : 0.17
set multiplot layout rows, cols title title_str spacing 0.09, 0.16 * u margins 0.07, 0.97, 0.09 * u, 1 - top * u
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
    stats in_data[i].".hist" using 5 nooutput
    set yrange [0:1.3 * STATS_max]
    plot in_data[i].".hist" using (($1 + $2) / 2):5:1:2:(0):5 with boxxyerror fc rgb c_line
}
unset multiplot
unset output
