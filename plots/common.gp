# common.gp: terminal, fonts, colours and axes shared by every carbonmc figure.
#
# Reads (set by DIR/data/figures.gp, the driver `carbonmc plot` writes):
#   fmt    "png" (pngcairo), "pdf" (pdfcairo) or "svg"
#   out    the figure's path
#   fig_w, fig_h   size relative to a single figure (set by each script first)
#   size_w, size_h, size_pt   (optional, plot --size) width, height in inches, font pt
# Defines font_title, font_small, font_tiny (font strings) for the scripts.
# Colours: Okabe and Ito's colour-blind-safe palette; bands are tints of its blue.

set encoding utf8
# The size: by default 5 x 3.2 in (PDF; PNG at 240 pixels and SVG at 160 per inch)
# times fig_w x fig_h, text 9 pt. With `plot --size` the driver sets size_w, size_h
# (inches) and size_pt: a figure is then exactly size_w wide, as a column or page of
# a paper is, its height scaled by the figure's own shape, and no text is smaller
# than 8 pt at that size.
if (!exists("size_w")) { size_w = 0 }
if (size_w > 0) {
    W = size_w; H = size_h * fig_h / fig_w; fs0 = size_pt; fmin = 8
} else {
    W = 5.0 * fig_w; H = 3.2 * fig_h; fs0 = 9; fmin = 0
}
k = fmt eq "pdf" ? 1 : (fmt eq "svg" ? 13 / 9. : 19 / 9.)   # pixel terminals' font scale
fs = fs0 * k
fs_small = (fs0 * 0.85 > fmin ? fs0 * 0.85 : fmin) * k
fs_tiny = (fs0 * 0.7 > fmin ? fs0 * 0.7 : fmin) * k
if (fmt eq "pdf") {
    eval sprintf('set terminal pdfcairo size %g in, %g in font "Sans,%g" linewidth 1 noenhanced', W, H, fs)
} else {
    if (fmt eq "svg") {
        eval sprintf('set terminal svg size %d, %d font "Sans,%g" linewidth 1.3 noenhanced', int(160 * W + 0.5), int(160 * H + 0.5), fs)
    } else {
        eval sprintf('set terminal pngcairo size %d, %d font "Sans,%g" linewidth 2 noenhanced', int(240 * W + 0.5), int(240 * H + 0.5), fs)
    }
}
font_title = sprintf("Sans,%g", fs * 1.1)
font_small = sprintf("Sans,%g", fs_small)
font_tiny = sprintf("Sans,%g", fs_tiny)
set output out

c_line = "#0072B2"       # blue: curves, bars
c_accent = "#D55E00"     # vermillion: second series
c_median = "#1B2A41"     # near-black: median marker
c_band50 = "#9CC3E4"     # tints of the blue, darkest for the narrowest band
c_band90 = "#C7DDF0"
c_band95 = "#E6F0F9"
c_accent_band = "#F6D2BA"   # a tint of the vermillion: the band under an accent line
c_text = "#333333"

set border 3 lw 1 lc rgb c_text
set tics nomirror out scale 0.6 textcolor rgb c_text
set xtics nomirror
set ytics nomirror
set key noautotitle
set style fill solid 1.0 noborder
set title font font_title textcolor rgb c_text
set label textcolor rgb c_text
