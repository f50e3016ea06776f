/* CSV out of SQLite (see csv.h). */
#include "export/csv.h"

#include <stdlib.h>
#include <string.h>

void csv_field(FILE *out, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")]) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void csv_real(char buf[32], double v)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

bool csv_write(sqlite3_stmt *st, FILE *out)
{
    int cols = sqlite3_column_count(st);
    for (int c = 0; c < cols; c++) {
        if (c)
            fputc(',', out);
        csv_field(out, sqlite3_column_name(st, c));
    }
    fputs("\r\n", out);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < cols; c++) {
            if (c)
                fputc(',', out);
            char b[32];
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL:
                break;
            case SQLITE_FLOAT:
                csv_real(b, sqlite3_column_double(st, c));
                fputs(b, out);
                break;
            default: /* integers and text as SQLite renders them; blobs as bytes */
                csv_field(out, (const char *)sqlite3_column_text(st, c));
            }
        }
        fputs("\r\n", out);
    }
    return rc == SQLITE_DONE;
}
