#include "util/rfile.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *rfile_read(const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
    /* O_NONBLOCK: opening a FIFO for reading must not wait for a writer */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "not a regular file");
        close(fd);
        return NULL;
    }
    if ((size_t)st.st_size > max) {
        snprintf(why, whylen, "larger than %zu bytes", max);
        close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(why, whylen, "%s", strerror(errno));
            free(buf);
            buf = NULL;
            break;
        }
        n += (size_t)r;
        if (r == 0 || n > max)
            break;
        if (n + 1 == cap) { /* the file grew while being read */
            char *nb = cap > max ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                snprintf(why, whylen, "larger than %zu bytes", max);
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    close(fd);
    if (!buf)
        return NULL;
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

char *rfile_read_stdin(size_t max, size_t *len, char *why, size_t whylen)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 == cap) {
            char *nb = cap > max ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                snprintf(why, whylen, "larger than %zu bytes", max);
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(0, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(why, whylen, "%s", strerror(errno));
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (!buf)
        return NULL;
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

int rfile_is_regular(const char *path, char *why, size_t whylen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "not a regular file");
        return 0;
    }
    return 1;
}

cJSON *rfile_json(const char *path, char *err, size_t errlen)
{
    size_t n;
    char why[128];
    char *s = rfile_read(path, RFILE_MAX, &n, why, sizeof why);
    if (!s) {
        snprintf(err, errlen, "%s: cannot read the file (%s)", path, why);
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength(s, n);
    if (!j) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= s && at <= s + n ? (size_t)(at - s) : 0;
        snprintf(err, errlen, "%s: invalid JSON near byte %zu", path, off);
    }
    free(s);
    return j;
}
