# Queue wait against task value (fee / cap): do dearer tasks wait less?
# data: value_cnx_per_s <TAB> queue_wait_s (tasks created after warm-up that started)
load dir.'/common.gp'
set title 'Queue wait against task value'
set xlabel 'task value (CNX per second of cap)'
set ylabel 'queue wait (s)'
set logscale x
plot 'wait_vs_value.tsv' using 1:2 with points pt 7 ps 0.3 lc rgb '#3060a0' notitle
