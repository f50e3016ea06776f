# One sweep metric against the first swept parameter, mean with 95%
# confidence-interval error bars; one line per combination of the others.
# data: blocks separated by two blank lines, one per line; each block starts
# with its title, then rows of  x <TAB> mean <TAB> low <TAB> high <TAB> x label
# Variables: metric (file stem), ylab, xlab, nblocks, numeric (1: x is numeric).
load dir.'/common.gp'
set title ylab.' against '.xlab
set xlabel xlab
set ylabel ylab
set key outside bottom center horizontal
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
# Lines that coincide would hide each other: each block is shifted sideways
# by a small step (1.5% of the x range; x itself stays in the data), and
# gets its own point type.
dx = 0
if (nblocks > 1) {
  if (numeric) {
    stats metric.'.tsv' using 1 nooutput
    dx = (STATS_max > STATS_min ? STATS_max - STATS_min : 1) * 0.015
  } else {
    dx = 0.03
  }
}
shift(i) = (i - (nblocks - 1) / 2.0) * dx
if (numeric) {
  plot for [i=0:nblocks-1] metric.'.tsv' index i using ($1 + shift(i)):2:3:4 with yerrorlines lw 1.5 pt (7 + i % 8) title columnheader(1)
} else {
  plot for [i=0:nblocks-1] metric.'.tsv' index i using ($1 + shift(i)):2:3:4:xtic(5) with yerrorlines lw 1.5 pt (7 + i % 8) title columnheader(1)
}
