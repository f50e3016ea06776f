/* `avrami export DB TABLE [--out FILE]`: one table of a results or sweep
 * database as CSV, for analysis in Python or R. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli/commands.h"
#include "export/csv.h"
#include "results/res.h"
#include "util/afile.h"
#include "util/rfile.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: avrami export DB TABLE [--out FILE.csv]\n\n"
                 "Writes one table of a run or sweep database as CSV (RFC 4180: header row, CRLF,\n"
                 "quoted fields; NULL is an empty field; amounts stay exact decimal wei).  Without\n"
                 "--out the CSV goes to stdout.  An unknown TABLE lists the tables (exit 2).\n");
}

/* "a, b, c": the database's tables, or NULL when it has none / is not SQLite. */
static char *table_list(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &st,
                           NULL) != SQLITE_OK)
        return NULL;
    size_t len = 0;
    char *s = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *n = (const char *)sqlite3_column_text(st, 0);
        if (!n) /* a damaged schema row */
            continue;
        s = realloc(s, len + strlen(n) + 3);
        len += (size_t)sprintf(s + len, "%s%s", len ? ", " : "", n);
    }
    sqlite3_finalize(st);
    return s;
}

int cmd_export(int argc, char **argv)
{
    const char *path = NULL, *table = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "avrami export: unknown option or missing value: %s\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else if (!table) {
            table = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!path || !table) {
        usage(stderr);
        return 2;
    }
    sqlite3 *db = NULL;
    char *tables = NULL, tmp[4200];
    sqlite3_stmt *st = NULL;
    int rc = 2;
    char why[128] = "cannot open";
    if (access(path, R_OK) != 0 || !rfile_is_regular(path, why, sizeof why) ||
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "avrami export: %s: cannot open (%s)\n", path, why);
        goto done;
    }
    tables = table_list(db);
    if (!tables) {
        fprintf(stderr, "avrami export: %s: not an SQLite database\n", path);
        goto done;
    }
    /* the name is checked against the list, then quoted as an identifier */
    bool known = false;
    for (const char *t = tables; *t;) {
        size_t n = strcspn(t, ",");
        known |= n == strlen(table) && !strncmp(t, table, n);
        t += n;
        t += strspn(t, ", ");
    }
    if (!known) {
        fprintf(stderr, "avrami export: %s: no table \"%s\"; its tables: %s\n", path, table, tables);
        goto done;
    }
    char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"", table);
    int prc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (prc != SQLITE_OK) {
        fprintf(stderr, "avrami export: %s: %s\n", path, sqlite3_errmsg(db));
        goto done;
    }
    FILE *f = stdout;
    if (out) {
        /* written beside and renamed: never a half-written FILE */
        f = afile_open(out, tmp, sizeof tmp);
        if (!f) {
            fprintf(stderr, "avrami export: %s: cannot write: %s\n", out, afile_strerror(errno));
            goto done;
        }
    }
    bool ok = csv_write(st, f);
    if (!ok)
        fprintf(stderr, "avrami export: %s: %s\n", path, sqlite3_errmsg(db));
    if (out && !afile_commit(f, tmp, out, ok)) {
        if (errno)
            fprintf(stderr, "avrami export: %s: cannot write: %s\n", out, afile_strerror(errno));
        ok = false;
    } else if (!out && (fflush(f) != 0 || ferror(f))) {
        fprintf(stderr, "avrami export: standard output: cannot write: %s\n", strerror(errno));
        ok = false;
    }
    rc = ok ? 0 : 2;
    if (ok && res_incomplete(path)) {
        fprintf(stderr, "avrami export: %s is an incomplete run (interrupted or failed): the rows cover only the "
                "simulated time before it stopped (exit 1)\n", path);
        rc = 1;
    }
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(tables);
    return rc;
}
