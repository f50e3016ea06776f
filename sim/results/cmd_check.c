/* `avrami check RUN.db`: re-verifies a finished run's invariants from its
 * database alone; exit 1 on any violation (for CI). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "results/res.h"

int cmd_check(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *o = argc < 2 ? stderr : stdout;
        fprintf(o, "usage: avrami check RUN.db [RUN.db...]\n\n"
                   "Checks that each run completed, that the invariants it recorded held, that the\n"
                   "total supply did not change, that every task ended in one consistent state and\n"
                   "that no node was in two tasks at once.  Exit 0 all good, 1 a violation, 2 a\n"
                   "file that is not a results database.\n");
        return argc < 2 ? 2 : 0;
    }
    int worst = 0;
    for (int i = 1; i < argc; i++) {
        int bad = res_check(argv[i], stdout);
        if (bad < 0)
            worst = 2;
        else if (bad > 0 && worst < 1)
            worst = 1;
        else if (bad == 0)
            printf("%s: ok\n", argv[i]);
    }
    return worst;
}
