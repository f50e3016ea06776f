# Shared set-up: called by every plot script with fmt ('png' or 'svg') and
# out (the file name without extension) defined on the command line.
if (fmt eq 'svg') { set terminal svg size 900,540 dynamic font 'sans,12' } else { set terminal pngcairo size 900,540 font 'sans,11' }
set output out.'.'.fmt
set grid
set termoption noenhanced
set key top left
set datafile separator "\t"
