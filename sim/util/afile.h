/* Files written whole or not at all: the text goes to PATH.tmp, which is
 * renamed to PATH only when every write, the flush and the sync succeeded,
 * so an error (a full disk) or an interrupted run never leaves a PATH that
 * looks complete (or a half-overwritten data file such as
 * models/calibration/host.json).
 *
 * PATH.tmp is held under an exclusive lock (flock) from open to rename, so
 * two processes writing the same PATH cannot interleave or replace each
 * other's temp file: the second is refused (errno EBUSY; afile_strerror says
 * "another process is writing it").  A PATH.tmp left by a killed process
 * holds no lock and is reused. */
#ifndef AVRAMI_UTIL_AFILE_H
#define AVRAMI_UTIL_AFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Opens and locks PATH.tmp for writing (its name in tmp); NULL on error,
 * with errno. */
FILE *afile_open(const char *path, char *tmp, size_t cap);
/* Flushes and syncs f; when ok and that succeeded renames tmp to path, else
 * removes tmp; closes f.  Returns whether path now holds the file; on false
 * errno says why (0 when the caller's ok was false). */
bool afile_commit(FILE *f, const char *tmp, const char *path, bool ok);
/* text and a final newline, written whole or not at all */
bool afile_write_text(const char *path, const char *text);

/* The same lock for a temp file written by other means (the results
 * database): opens NAME with flags (plus O_CREAT), locked; -1 with errno
 * EBUSY when another process holds it.  Close the fd after the rename. */
int afile_open_locked(const char *name, int flags);
bool afile_lock(int fd);
/* strerror, with EBUSY from the lock spelled out */
const char *afile_strerror(int err);

#endif
