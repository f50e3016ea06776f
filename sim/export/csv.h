/* CSV out of SQLite (RFC 4180): a header row of column names, CRLF line
 * ends, a field quoted when it holds a comma, a quote, CR or LF (quotes
 * doubled), NULL as an empty field, REAL with the fewest digits that read
 * back to the same double.  Prefix `csv_`. */
#ifndef AVRAMI_EXPORT_CSV_H
#define AVRAMI_EXPORT_CSV_H

#include <stdbool.h>
#include <stdio.h>

#include <sqlite3.h>

/* One field, quoted as needed. */
void csv_field(FILE *out, const char *s);
/* Shortest decimal form of v that parses back to v exactly. */
void csv_real(char buf[32], double v);
/* Every row of a prepared statement; false on a step error. */
bool csv_write(sqlite3_stmt *st, FILE *out);

#endif
