# Distribution of the nodes' final QoS (task score).
# data: score <TAB> nodes
load dir.'/common.gp'
set title 'QoS score distribution (final task score of every node)'
set xlabel 'QoS task score'
set ylabel 'nodes'
set style fill solid 0.7
set yrange [0:*]
plot 'qos.tsv' using 1:2 with boxes lc rgb '#a06030' notitle
