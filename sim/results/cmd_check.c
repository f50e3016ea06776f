/* `avrami check RUN.db`: re-derives a finished run's claims from its
 * database alone (results/res_check.c); exit 1 on any violation (for CI). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "results/res.h"
#include "sweep/summary.h"

int cmd_check(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *o = argc < 2 ? stderr : stdout;
        fprintf(o, "usage: avrami check RUN.db [RUN.db...]\n\n"
                   "Re-derives what a run database claims from its own rows: every table and column\n"
                   "is there; the run completed and every invariant it recorded held; each node's\n"
                   "income equals the payments in the task rows; the accounts add up to the total\n"
                   "supply at the start and the end; the Task contract holds exactly the escrow of\n"
                   "its tasks and what its quirks stranded; each application paid its tasks' fees;\n"
                   "each actor row is the sum over its nodes; the per-minute series counts the task\n"
                   "rows; every task ended in one consistent state; no node was in two tasks at once.\n"
                   "A sweep database: its axes, points and runs agree, every run is stored, none\n"
                   "violated an invariant, counts add up and metrics are in range.\n"
                   "Exit 0 all good, 1 a violation (each named on stdout), 2 a file that cannot be\n"
                   "opened as an SQLite database.\n");
        return argc < 2 ? 2 : 0;
    }
    int worst = 0;
    for (int i = 1; i < argc; i++) {
        int bad = sweep_is_sweep_db(argv[i]) ? sweep_check(argv[i], stdout) : res_check(argv[i], stdout);
        if (bad < 0)
            worst = 2;
        else if (bad > 0 && worst < 1)
            worst = 1;
        else if (bad == 0)
            printf("%s: ok\n", argv[i]);
    }
    return worst;
}
