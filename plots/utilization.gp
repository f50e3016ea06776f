# Share of online nodes busy, and the queue length, per simulated minute.
# data: hour <TAB> utilization <TAB> queue
load dir.'/common.gp'
set title 'Utilization over time'
set xlabel 'simulated hour'
set ylabel 'busy / online nodes'
set y2label 'queued tasks'
set yrange [0:1]
set y2range [0:*]
set y2tics
plot 'utilization.tsv' using 1:2 with lines lw 1.5 title 'utilization', \
     '' using 1:3 axes x1y2 with lines lw 1 lc rgb '#a0a0a0' title 'queue (right axis)'
