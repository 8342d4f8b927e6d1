# tornado.gp: which input drives an output. Left: inputs ranked by their total
# Sobol index (bar, with its 95% interval as an error bar) and first-order index
# (dot, with its interval). Right: the one-at-a-time swing of the output when the
# input goes from its 5th to its 95th percentile, the others at their point values
# (the dashed line).
#
# Reads (prefix `data`, set by the driver with `out`, `fmt` and `plots`):
#   data.".vars.gp"  title_str, label_str, ninputs, left_margin, xmin, xmax (index axis),
#                    swing_base, swing_min, swing_max, swing_xtics_cmd, swing_label_str
#                    (the swing axis), base_str (the dashed line: all inputs at their point values),
#                    index_title, first_title, index_label (with correlated inputs the dot
#                    is the given-data first-order index and the bar is for the independent
#                    inputs only)
#   data.".dat"      columns: 1 row  2 "input"  3 total  4 total_ci_low
#                    5 total_ci_high  6 first  7 first_ci_low  8 first_ci_high
#                    9 swing_low  10 swing_high   (rows by total index, largest first)

reset
load data.".vars.gp"
# a narrow figure (plot --size column) stacks the two panels; rows line up
narrow = exists("size_w") ? (size_w > 0 && size_w < 4.5) : 0
rows_h = ninputs <= 4 ? 0.8 : 0.5 + 0.075 * ninputs
fig_w = narrow ? 1 : 1.25
fig_h = narrow ? 2 * rows_h + 0.2 : rows_h
load plots."common.gp"

lm = left_margin * 6.25 / W   # left_margin is the share of a 6.25 in wide figure
lm = lm > 0.45 ? 0.45 : lm
if (narrow) {
    set multiplot layout 2, 1 title title_str margins lm, 0.97, 0.13, (title_str eq "" ? 0.95 : 0.9) spacing 0, 0.17
} else {
    set multiplot layout 1, 2 title title_str margins lm, 0.97, 0.25, (title_str eq "" ? 0.9 : 0.8) spacing 0.04, 0
}
set yrange [ninputs + 0.6:0.4]
set ytics scale 0
set border 1
set key bottom right samplen 1.5 font font_small

set title index_title font font_small offset 0, -0.5
set xlabel index_label
set xrange [xmin:xmax]
set xtics autofreq
if (xmin < 0) { set arrow 1 from 0, graph 0 to 0, graph 1 nohead lc rgb c_text lw 0.8 }
plot data.".dat" using 3:1:(0):3:($1 - 0.3):($1 + 0.3):ytic(2) with boxxyerror fc rgb c_band50 title "total", \
     '' using 3:1:4:5 with xerrorbars pt -1 lw 1.2 lc rgb c_median notitle, \
     '' using 6:1:7:8 with xerrorbars pt 7 ps 0.6 lw 1.2 lc rgb c_accent title first_title

unset arrow 1
set format y ""
set title "one-at-a-time swings, P5 to P95" font font_small offset 0, -0.5
set xlabel swing_label_str."\n(dashed: ".base_str.")" font font_small
set xrange [swing_min:swing_max]
eval swing_xtics_cmd
set arrow 1 from swing_base, graph 0 to swing_base, graph 1 nohead dt 2 lw 1 lc rgb c_median
plot data.".dat" using (($9 + $10) / 2):1:($9 < $10 ? $9 : $10):($9 < $10 ? $10 : $9):($1 - 0.3):($1 + 0.3) with boxxyerror fc rgb c_line notitle, \
     '' using 9:1 with points pt 6 ps 0.8 lc rgb c_median title "at P5", \
     '' using 10:1 with points pt 7 ps 0.8 lc rgb c_median title "at P95"
unset multiplot
unset output
