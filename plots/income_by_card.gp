# Node income per online hour, by card type.
# data: card <TAB> CNX per online hour <TAB> nodes
load dir.'/common.gp'
set title 'Node income by card type'
set ylabel 'CNX per online node-hour'
set style fill solid 0.7
set boxwidth 0.7
set xtics rotate by -30
set yrange [0:*]
plot 'income_by_card.tsv' using 0:2:xtic(1) with boxes lc rgb '#40a060' notitle
