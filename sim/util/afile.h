/* Files written whole or not at all: the text goes to PATH.tmp, which is
 * renamed to PATH only when every write and the close succeeded, so an
 * error or an interrupted run never leaves a PATH that looks complete (or
 * a half-overwritten data file such as models/calibration/host.json). */
#ifndef AVRAMI_UTIL_AFILE_H
#define AVRAMI_UTIL_AFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Opens PATH.tmp for writing (its name in tmp); NULL on error, with errno. */
FILE *afile_open(const char *path, char *tmp, size_t cap);
/* Closes f; when ok and the close succeeded renames tmp to path, else
 * removes tmp.  Returns whether path now holds the file. */
bool afile_commit(FILE *f, const char *tmp, const char *path, bool ok);
/* text and a final newline, written whole or not at all */
bool afile_write_text(const char *path, const char *text);

#endif
