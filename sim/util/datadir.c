/* Finding avrami's data directories (see datadir.h). */
#include "util/datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool exe_dir(char dir[DATADIR_PATH_MAX])
{
    ssize_t n = readlink("/proc/self/exe", dir, DATADIR_PATH_MAX - 1);
    if (n <= 0)
        return false;
    dir[n] = 0;
    char *slash = strrchr(dir, '/');
    if (!slash)
        return false;
    *slash = 0;
    return true;
}

static void note(char *tried, size_t cap, const char *path)
{
    if (!tried || !cap)
        return;
    size_t len = strlen(tried);
    if (len + 1 < cap)
        snprintf(tried + len, cap - len, "%s%s", len ? ", " : "", path);
}

bool datadir_find(const char *name, const char *probe, char out[DATADIR_PATH_MAX], char *tried,
                  size_t tried_cap)
{
    if (tried && tried_cap)
        tried[0] = 0;
    char cand[4][DATADIR_PATH_MAX];
    int n = 0;
    const char *env = getenv("AVRAMI_DATA");
    if (env && *env)
        snprintf(cand[n++], DATADIR_PATH_MAX, "%.2000s/%.2000s", env, name);
    snprintf(cand[n++], DATADIR_PATH_MAX, "%.4000s", name);
    char exe[DATADIR_PATH_MAX];
    if (name[0] != '/' && exe_dir(exe)) {
        snprintf(cand[n++], DATADIR_PATH_MAX, "%.2000s/../%.2000s", exe, name);
        snprintf(cand[n++], DATADIR_PATH_MAX, "%.2000s/../share/avrami/%.2000s", exe, name);
    }
    for (int i = 0; i < n; i++) {
        char path[DATADIR_PATH_MAX + 256];
        snprintf(path, sizeof path, "%.3800s%.200s", cand[i], probe);
        if (access(path, R_OK) == 0) {
            memcpy(out, cand[i], DATADIR_PATH_MAX);
            return true;
        }
        note(tried, tried_cap, path);
        if (name[0] == '/')
            break;
    }
    snprintf(out, DATADIR_PATH_MAX, "%.4000s", name);
    return false;
}

const char *datadir_models(void)
{
    static char dir[DATADIR_PATH_MAX];
    char tried[2048];
    if (!dir[0] && !datadir_find("models", "/llms.json", dir, tried, sizeof tried)) {
        fprintf(stderr, "avrami: no models directory found (tried %s); set AVRAMI_DATA to the directory "
                        "that holds models/\n", tried);
        snprintf(dir, sizeof dir, "models");
    }
    return dir;
}
