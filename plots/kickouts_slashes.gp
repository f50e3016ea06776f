# Kick-outs and slashes per simulated hour.
# data: hour <TAB> kick-outs <TAB> slashes
load dir.'/common.gp'
set title 'Kick-outs and slashes over time'
set xlabel 'simulated hour'
set ylabel 'events per hour'
set yrange [0:*]
plot 'kickouts_slashes.tsv' using 1:2 with steps lw 2 title 'kick-outs', \
     '' using 1:3 with steps lw 2 title 'slashes'
