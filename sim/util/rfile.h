/* Reading a whole input file, safely: only regular files (a FIFO, a device
 * or a directory would block or mislead), at most `max` bytes, and the text
 * always NUL-terminated.  On failure NULL, with the reason in why ("not a
 * regular file", "larger than N bytes", or strerror). */
#ifndef AVRAMI_UTIL_RFILE_H
#define AVRAMI_UTIL_RFILE_H

#include <stddef.h>

#define RFILE_MAX ((size_t)1 << 30) /* 1 GiB: far above any input avrami reads */

char *rfile_read(const char *path, size_t max, size_t *len, char *why, size_t whylen);

/* The whole of standard input (a pipe or a terminal: it is read to its
 * end), at most `max` bytes, NUL-terminated; NULL with the reason in why. */
char *rfile_read_stdin(size_t max, size_t *len, char *why, size_t whylen);

/* A JSON file, parsed: NULL with err "PATH: cannot read the file (why)" or
 * "PATH: invalid JSON near byte N".  Every reader of a JSON input file goes
 * through it, so all of them refuse FIFOs and oversized files alike. */
struct cJSON;
struct cJSON *rfile_json(const char *path, char *err, size_t errlen);

/* Whether path names a regular file (for readers that open by name, such as
 * SQLite); false with the reason in why otherwise. */
int rfile_is_regular(const char *path, char *why, size_t whylen);

#endif
