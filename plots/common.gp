# common.gp: terminal, fonts, colours and axes shared by every carbonmc figure.
#
# Reads (set by DIR/data/figures.gp, the driver `carbonmc plot` writes):
#   fmt    "png" (pngcairo), "pdf" (pdfcairo) or "svg"
#   out    the figure's path
#   fig_w, fig_h   size relative to a single figure (set by each script first)
# Defines font_title, font_small, font_tiny (font strings) for the scripts.
# Colours: Okabe and Ito's colour-blind-safe palette; bands are tints of its blue.

set encoding utf8
fs = fmt eq "pdf" ? 9 : (fmt eq "svg" ? 13 : 19)
if (fmt eq "pdf") {
    set terminal pdfcairo size (5.0 * fig_w) in, (3.2 * fig_h) in font "Sans,9" linewidth 1 noenhanced
} else {
    if (fmt eq "svg") {
        set terminal svg size (800 * fig_w), (512 * fig_h) font "Sans,13" linewidth 1.3 noenhanced
    } else {
        set terminal pngcairo size (1200 * fig_w), (768 * fig_h) font "Sans,19" linewidth 2 noenhanced
    }
}
font_title = sprintf("Sans,%g", fs * 1.1)
font_small = sprintf("Sans,%g", fs * 0.85)
font_tiny = sprintf("Sans,%g", fs * 0.7)
set output out

c_line = "#0072B2"       # blue: curves, bars
c_accent = "#D55E00"     # vermillion: second series
c_median = "#1B2A41"     # near-black: median marker
c_band50 = "#9CC3E4"     # tints of the blue, darkest for the narrowest band
c_band90 = "#C7DDF0"
c_band95 = "#E6F0F9"
c_text = "#333333"

set border 3 lw 1 lc rgb c_text
set tics nomirror out scale 0.6 textcolor rgb c_text
set xtics nomirror
set ytics nomirror
set key noautotitle
set style fill solid 1.0 noborder
set title font font_title textcolor rgb c_text
set label textcolor rgb c_text
