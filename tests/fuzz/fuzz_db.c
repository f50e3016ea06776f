/* libFuzzer target: run and sweep databases as avrami's readers take them,
 * the input being the database file: `check` (run or sweep), the
 * incomplete-run test of plot, report and export, what plot and report
 * read from a run database (its TSVs and tables, without gnuplot), the CSV
 * export of every table, the sweep summary behind plot and report, and the resume of a
 * sweep (its identity check and the stored runs).  A damaged database must
 * only ever be an error message or a reported violation. */
#include "fuzz_util.h"
#include <sys/stat.h>

#include "export/csv.h"
#include "plot/plot.h"
#include "plot/report.h"
#include "results/res.h"
#include "sweep/summary.h"
#include "sweep/sweep_db.h"

static sweep_plan plan;
static FILE *null;

/* the sweep tests/fuzz seeds were made with (scripts/fuzz.sh) */
static void setup(void)
{
    char err[2048];
    plan.scenario_path = "scenarios/vanishing-nodes.json";
    plan.duration_s = 600;
    plan.reps = 2;
    if (!grid_add(&plan.g, "network.nodes=10,20", err) || !sweep_plan_build(&plan, err, sizeof err))
        abort(); /* run from the repository root */
    null = fopen("/dev/null", "w");
}

/* As `avrami export DB TABLE` does for each table: the names first (a
 * statement over sqlite_master left open while others are prepared can be
 * restarted by a schema reload, for ever on a damaged file), then each
 * table on its own. */
static void export_all(const char *path)
{
    sqlite3 *db;
    char *names[64];
    int n = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *t;
        if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &t, NULL) == SQLITE_OK)
            while (n < 64 && sqlite3_step(t) == SQLITE_ROW)
                names[n++] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(t, 0));
        sqlite3_finalize(t);
        for (int i = 0; i < n; i++) {
            char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"", names[i] ? names[i] : "");
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
                csv_write(st, null);
            sqlite3_finalize(st);
            sqlite3_free(sql);
            sqlite3_free(names[i]);
        }
    }
    sqlite3_close(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!null)
        setup();
    const char *path = fuzz_file(data, size, "db");
    if (sweep_is_sweep_db(path)) {
        sweep_check(path, null);
        sweep_summary s;
        char err[512];
        if (sweep_summary_read(path, &s, err, sizeof err)) {
            sweep_summary_print(&s, null);
            sweep_summary_free(&s);
        }
        sdb *d = sdb_open(path, &plan, "fuzz", err, sizeof err);
        if (d) {
            uint8_t *done = calloc((size_t)plan.points * plan.reps, 1);
            sdb_done(d, done, plan.points, plan.reps, err, sizeof err);
            free(done);
            sdb_close(d);
        }
    } else {
        res_check(path, null);
        (void)res_incomplete(path);
        report_run_tables(null, path);
        static char dir[64];
        if (!dir[0]) {
            snprintf(dir, sizeof dir, "/tmp/avrami-fuzz-%d-plots", (int)getpid());
            mkdir(dir, 0777);
        }
        plot_run_data(path, dir); /* what plot reads, without gnuplot */
    }
    export_all(path);
    unlink(path);
    return 0;
}
