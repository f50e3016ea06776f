#include "util/afile.h"

#include <stdio.h>

FILE *afile_open(const char *path, char *tmp, size_t cap)
{
    int n = snprintf(tmp, cap, "%s.tmp", path);
    if (n < 0 || (size_t)n >= cap)
        return NULL;
    return fopen(tmp, "w");
}

bool afile_commit(FILE *f, const char *tmp, const char *path, bool ok)
{
    ok = fclose(f) == 0 && ok && rename(tmp, path) == 0;
    if (!ok)
        remove(tmp);
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
