/* tim_hostenv: which CPU a calibration ran on and how busy the machine was.
 *
 * A host.json fitted on one CPU says little about another (cache sizes,
 * vector units and memory channels differ), and a machine shared with
 * other work measures the share it got, not the hardware.  `avrami
 * calibrate` records both; `--check` compares them with where it runs and
 * warns. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timing/tim_calib.h"
#include "timing/tim_json.h"
#include "util/rfile.h"

/* The flags that decide which kernel path runs and how fast. */
static const char *const FLAGS[] = {"avx", "avx2", "fma", "f16c", "avx512f", "avx512bw",
                                    "avx512vl", "avx512_vnni", "avx512_bf16", "avx_vnni",
                                    "amx_tile", NULL};

static int has_word(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += n)
        if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
            (p[n] == ' ' || p[n] == '\n' || p[n] == 0))
            return 1;
    return 0;
}

void tim_cpu_identity(tim_cpu *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->model, sizeof c->model, "unknown");
    long np = sysconf(_SC_NPROCESSORS_ONLN);
    c->cpus = np > 0 ? (int)np : 1;
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[8192];
    int got_model = 0, got_flags = 0;
    while (f && fgets(line, sizeof line, f) && !(got_model && got_flags)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        const char *v = colon + 1 + (colon[1] == ' ');
        if (!got_model && !strncmp(line, "model name", 10)) {
            snprintf(c->model, sizeof c->model, "%.*s", (int)strcspn(v, "\n"), v);
            got_model = 1;
        } else if (!got_flags && !strncmp(line, "flags", 5)) {
            for (int i = 0; FLAGS[i]; i++)
                if (has_word(v, FLAGS[i]))
                    snprintf(c->flags + strlen(c->flags), sizeof c->flags - strlen(c->flags), "%s%s",
                             c->flags[0] ? " " : "", FLAGS[i]);
            got_flags = 1;
        }
    }
    if (f)
        fclose(f);
}

int tim_cpu_same(const tim_cpu *a, const tim_cpu *b)
{
    return !strcmp(a->model, b->model) && !strcmp(a->flags, b->flags) && a->cpus == b->cpus;
}

/* cpu totals of /proc/stat's first line: busy (all but idle and iowait),
 * steal, and all */
static int stat_sample(double *busy, double *steal, double *all)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[10] = {0};
    int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                       &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9])
              : 0;
    if (f)
        fclose(f);
    if (n < 8)
        return -1;
    double sum = 0;
    for (int i = 0; i < 8; i++) /* guest time is already inside user */
        sum += (double)v[i];
    *all = sum;
    *steal = (double)v[7];
    *busy = sum - (double)v[3] - (double)v[4];
    return 0;
}

void tim_host_busy(tim_load *l, double window_s)
{
    memset(l, 0, sizeof *l);
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f || fscanf(f, "%lf", &l->loadavg1) != 1)
        l->loadavg1 = -1;
    if (f)
        fclose(f);
    double b0, s0, a0, b1, s1, a1;
    if (stat_sample(&b0, &s0, &a0)) {
        l->busy = l->steal = -1;
        return;
    }
    struct timespec ts = {(time_t)window_s, (long)((window_s - (double)(time_t)window_s) * 1e9)};
    nanosleep(&ts, NULL); /* this process sleeps: what was busy was other work */
    if (stat_sample(&b1, &s1, &a1) || a1 <= a0) {
        l->busy = l->steal = -1;
        return;
    }
    l->busy = (b1 - b0) / (a1 - a0);
    l->steal = (s1 - s0) / (a1 - a0);
}

int tim_host_is_busy(const tim_load *l, int cpus)
{
    return l->busy > 0.10 || l->steal > 0.02 || l->loadavg1 > 0.5 * cpus;
}

int tim_bandwidth_moved(double before_gbs, double now_gbs)
{
    return before_gbs > 0 && now_gbs > 0 && fabs(now_gbs / before_gbs - 1) > 0.15;
}

int tim_cpu_fitted(const char *host_json, tim_cpu *c)
{
    char err[256];
    memset(c, 0, sizeof *c);
    cJSON *j = rfile_json(host_json, err, sizeof err);
    cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "cpu");
    cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "model"),
          *f = cJSON_GetObjectItemCaseSensitive(o, "flags"),
          *n = cJSON_GetObjectItemCaseSensitive(o, "cpus");
    int ok = cJSON_IsString(m) && cJSON_IsString(f) && cJSON_IsNumber(n);
    if (ok) {
        snprintf(c->model, sizeof c->model, "%s", m->valuestring);
        snprintf(c->flags, sizeof c->flags, "%s", f->valuestring);
        c->cpus = (int)n->valuedouble;
    }
    cJSON_Delete(j);
    return ok ? 0 : -1;
}
