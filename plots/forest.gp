# forest.gp: several estimates of one output on one axis, the figure footprint papers
# print to compare them: per row (a run, then its variants indented) the median (dot)
# and the 90% interval (bar), its label above it at the left and its numbers at the
# right, and a published point estimate (open diamond) where
# `plot --published LABEL=VALUE` gave one.
#
# Reads (prefix `data`, set by the driver with `out`, `fmt` and `plots`):
#   data.".vars.gp"  label_str, nrows, published (how many were given), logx, xmin,
#                    xmax, xtics_cmd
#   data.".dat"      columns: 1 row  2 median  3 p05  4 p95  5 published (NaN: none)
#                    6 "row label"  7 "median [P5, P95]"

reset
load data.".vars.gp"
fig_w = 1
fig_h = 0.3 + 0.17 * nrows
load plots."common.gp"

# characters of small text a line holds (DejaVu Sans: about 0.45 em a character)
line_chars = int(0.92 * W * 72 / (0.47 * fs_small / k))
fit(s, room) = strlen(s) <= room ? s : s[1:room - 3]."..."

set xlabel label_str
if (logx) { set logscale x }
set xrange [xmin:xmax]
eval xtics_cmd
set yrange [nrows + 0.5:0.25]
unset ytics
set border 1
set lmargin at screen 0.04
set rmargin at screen 0.96
set key below horizontal samplen 1 font font_small
if (published == 0) { unset key }

plot data.".dat" using 2:1:3:4 with xerrorbars pt 7 ps 0.7 lw 1.3 lc rgb c_line title "median, 90% interval", \
     '' using 5:1 with points pt 12 ps 1.1 lw 1.2 lc rgb c_accent title "published", \
     '' using (xmin):($1 - 0.42):(fit(stringcolumn(6), line_chars - strlen(stringcolumn(7)) - 2)) with labels left font font_small textcolor rgb c_text notitle, \
     '' using (xmax):($1 - 0.42):7 with labels right font font_small textcolor rgb c_text notitle
unset output
