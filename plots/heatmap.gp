# heatmap.gp: an output's median over a grid of two names (carbonmc sweep), one
# cell per grid point, coloured by the viridis palette (colour-blind safe, its
# lightness increasing with the value) and, where they fit, printed.
#
# Reads (prefix `data`, set by the driver with `out`, `fmt` and `plots`):
#   data.".heat.vars.gp"  title_str, label_str (the colour bar), xlabel_str,
#                         ylabel_str, nx, ny, cbmin, cbmax, xtics_cmd, ytics_cmd
#                         (the grid's values at cell indices), cbtics_cmd,
#                         show_values
#   data.".heat"          columns: 1 ix  2 iy  3 median  4 text colour (0xRRGGBB)
#                         5 the median as printed ("12,460");
#                         a blank line after each column of cells

reset
fig_w = 1.1; fig_h = 1.1
load plots."common.gp"
load data.".heat.vars.gp"

if (title_str ne "") { set title title_str }
set xlabel xlabel_str
set ylabel ylabel_str
set cblabel label_str
set xrange [-0.5:nx - 0.5]
set yrange [-0.5:ny - 0.5]
set cbrange [cbmin:cbmax]
eval xtics_cmd
eval ytics_cmd
eval cbtics_cmd
set tics scale 0
set border 0
set palette defined (0 "#440154", 0.25 "#3B528B", 0.5 "#21908C", 0.75 "#5DC863", 1 "#FDE725")
set colorbox

plot data.".heat" using 1:2:3 with image pixels, \
     (show_values ? data.".heat" : 1/0) using 1:2:5:4 with labels tc rgb variable font font_small
unset output
