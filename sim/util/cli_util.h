/* Small helpers the commands share: strict number arguments and a stop flag
 * raised by SIGINT/SIGTERM (long runs end cleanly and say they were cut). */
#ifndef AVRAMI_UTIL_CLI_UTIL_H
#define AVRAMI_UTIL_CLI_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* A whole decimal number: no sign, no trailing text, no overflow. */
bool cli_parse_u64(const char *s, uint64_t *out);
/* Installs SIGINT and SIGTERM handlers that set the returned flag. */
volatile sig_atomic_t *cli_trap_stop(void);

#endif
