#include "util/afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

bool afile_lock(int fd)
{
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return true;
    if (errno == EWOULDBLOCK)
        errno = EBUSY;
    return false;
}

/* Opens and locks NAME, which must still be that file once locked: a
 * writer that renamed it away between our open and our lock released a
 * lock on what is now its finished output. */
int afile_open_locked(const char *name, int flags)
{
    for (int tries = 0; tries < 8; tries++) {
        int fd = open(name, flags | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0)
            return -1;
        struct stat a, b;
        if (!afile_lock(fd)) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (fstat(fd, &a) == 0 && stat(name, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            return fd;
        close(fd);
    }
    errno = EBUSY;
    return -1;
}

const char *afile_strerror(int err)
{
    return err == EBUSY ? "another process is writing it (its PATH.tmp is locked)" : strerror(err);
}

FILE *afile_open(const char *path, char *tmp, size_t cap)
{
    int n = snprintf(tmp, cap, "%s.tmp", path);
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    /* no O_TRUNC: a file another process is writing must not be cut
     * before its lock is tested */
    int fd = afile_open_locked(tmp, O_WRONLY);
    if (fd < 0)
        return NULL;
    FILE *f = NULL;
    if (ftruncate(fd, 0) != 0 || !(f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    return f;
}

bool afile_commit(FILE *f, const char *tmp, const char *path, bool ok)
{
    int e = 0;
    if (!ok)
        e = 0;
    else if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0 || rename(tmp, path) != 0)
        e = errno ? errno : EIO, ok = false;
    /* renamed while still locked, so no other writer can have taken tmp */
    if (!ok)
        unlink(tmp);
    if (fclose(f) != 0 && ok) { /* cannot happen after a good flush; kept honest */
        e = errno;
        ok = false;
        unlink(path);
    }
    errno = e;
    return ok;
}

bool afile_write_text(const char *path, const char *text)
{
    char tmp[4096];
    FILE *f = afile_open(path, tmp, sizeof tmp);
    if (!f)
        return false;
    return afile_commit(f, tmp, path, fputs(text, f) >= 0 && fputc('\n', f) != EOF);
}
