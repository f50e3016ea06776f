/* avrami calibrate: measure this host's kernels over a grid of shapes,
 * weight types and thread counts, fit one roofline per (type, threads), and
 * write models/calibration/host.json.  --check predicts held-out shapes and
 * whole-model prefill/decode from that file, measures them, and reports the
 * mean absolute percentage error.  Exit 0, 1 when --check misses --max-mape,
 * 2 for bad arguments or an unreadable host.json. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "timing/tim_calib.h"
#include "timing/tim_json.h"
#include "util/afile.h"
#include "util/datadir.h"
#include "util/rfile.h"

static const kern_type TYPES[] = {KERN_F32, KERN_Q8_0, KERN_Q4_0};
#define NTYPES 3

typedef struct {
    size_t m, n, k;
} shape;

/* The shapes a model's forward is made of: matrix-vector products from a
 * narrow key/value projection (512 x 2048) to a 7B model's feed-forward,
 * and matrix-matrix products from a short prompt (4 rows) to a long one,
 * at 2048 and 4096 wide; the small ones pin down the per-call cost that
 * dominates a small model's decode on some hosts.  The shapes the check
 * holds out (5120 and 13824 wide, 128 rows) and the models it runs are not
 * among them. */
static const shape FULL_GRID[] = {{1, 512, 2048},   {1, 2048, 2048},  {1, 8192, 2048},
                                  {1, 2048, 8192},  {1, 4096, 4096},  {1, 11008, 4096},
                                  {1, 4096, 11008}, {1, 14336, 4096}, {4, 4096, 4096},
                                  {8, 2048, 2048},  {16, 4096, 4096}, {32, 2048, 2048},
                                  {64, 4096, 4096}, {256, 4096, 4096}, {64, 11008, 4096}};
static const shape QUICK_GRID[] = {{1, 256, 512}, {1, 1024, 512}, {1, 512, 1024},
                                   {8, 512, 512}, {32, 256, 512}};
static const shape FULL_HELD[] = {{1, 5120, 5120}, {1, 13824, 5120}, {1, 5120, 13824},
                                  {128, 5120, 5120}};
static const shape QUICK_HELD[] = {{1, 768, 512}, {16, 384, 512}};

static double cpu_ghz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    double mhz = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
            break;
    if (f)
        fclose(f);
    return mhz > 0 ? mhz / 1000.0 : 2.5;
}

/* The machine, as host.json records it and --check compares it. */
static void add_env(cJSON *root, const tim_cpu *cpu, const tim_load *l)
{
    cJSON *c = cJSON_AddObjectToObject(root, "cpu");
    cJSON_AddStringToObject(c, "model", cpu->model);
    cJSON_AddStringToObject(c, "flags", cpu->flags);
    cJSON_AddNumberToObject(c, "cpus", cpu->cpus);
    cJSON *o = cJSON_AddObjectToObject(root, "load_before");
    cJSON_AddNumberToObject(o, "loadavg_1min", l->loadavg1);
    cJSON_AddNumberToObject(o, "busy_share", l->busy);
    cJSON_AddNumberToObject(o, "steal_share", l->steal);
}

static void warn_if_busy(const char *what, const tim_load *l, int cpus)
{
    printf("machine: load average %.2f on %d CPUs, %.0f%% busy with other work, %.1f%% stolen\n",
           l->loadavg1, cpus, 100 * l->busy, 100 * l->steal);
    if (tim_host_is_busy(l, cpus))
        fprintf(stderr, "avrami calibrate%s: warning: the machine is loaded by other work "
                "(load average %.2f on %d CPUs, %.0f%% busy, %.1f%% stolen); the timings measure "
                "the share this process got, not the hardware\n",
                what, l->loadavg1, cpus, 100 * l->busy, 100 * l->steal);
}

/* The read bandwidth with th threads, GB/s, as calibrate measures it: a
 * 1 GiB array (32 MiB with --quick) read 5 times (3). */
static double read_gbs(int quick, int th)
{
    return tim_measure_read_gbs(quick ? (32u << 20) : (1u << 30), th, quick ? 3 : 5);
}

/* The read bandwidth per thread count now beside an earlier reading, and a
 * warning for each that moved (tim_bandwidth_moved). */
static void report_bandwidth(const char *what, const char *before_name, const double *before,
                             const double *now, int T)
{
    printf("read bandwidth now:");
    for (int th = 1; th <= T; th++)
        printf(" %.1f", now[th]);
    printf(" GB/s (%s:", before_name);
    for (int th = 1; th <= T; th++)
        printf(" %.1f", before[th]);
    printf(")\n");
    for (int th = 1; th <= T; th++)
        if (tim_bandwidth_moved(before[th], now[th]))
            fprintf(stderr, "avrami calibrate%s: warning: the %d-thread read bandwidth is %.1f GB/s, "
                    "%.1f at %s (%+.0f%%): the machine streams memory at another rate than the "
                    "fits describe, and memory-bound times carry the difference\n",
                    what, th, now[th], before[th], before_name, 100 * (now[th] / before[th] - 1));
}

static int reps_for(size_t m, int quick)
{
    return m == 1 ? (quick ? 5 : 15) : 3;
}

/* Every (weight type, thread count, shape) point, types outermost, then
 * thread counts; NULL out of memory. */
static tim_point *grid_points(const shape *s, int ns, int T)
{
    tim_point *p = calloc((size_t)NTYPES * (size_t)T * (size_t)ns, sizeof *p);
    for (int ti = 0, i = 0; p && ti < NTYPES; ti++)
        for (int th = 1; th <= T; th++)
            for (int g = 0; g < ns; g++, i++)
                p[i] = (tim_point){TYPES[ti], th, s[g].m, s[g].n, s[g].k, 0};
    return p;
}

/* Times every point twice, the second pass in reverse order, and keeps the
 * faster of its two estimates: other work and the hypervisor only ever add
 * time, and a slow spell of the machine (on 2026-11-30 one lasted through
 * a calibration's whole block of two-thread F32 points, which took twice
 * as long as a minute later) seldom covers both passes of a point.
 * 0, or -1 out of memory. */
static int measure_points(tim_point *p, int n, int quick, size_t rotate)
{
    double *first = malloc((size_t)n * sizeof *first);
    if (!first)
        return -1;
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < n; k++) {
            int i = pass ? n - 1 - k : k;
            if (tim_measure(&p[i], reps_for(p[i].m, quick), rotate)) {
                free(first);
                return -1;
            }
            if (!pass)
                first[i] = p[i].seconds;
            else if (first[i] < p[i].seconds)
                p[i].seconds = first[i];
        }
    free(first);
    return 0;
}

#define ABOUT                                                                                      \
    "avrami calibrate: kernel times on this host and the roofline t = max(flops/F, bytes/B) + c + "\
    "rows*r for one activation row, flops/F + bytes/B + c + rows*r for several (m > 1), fitted "   \
    "per weight type and thread count"

/* Fits (t, threads) to its n points, prints the fit's line and returns its
 * host.json entry. */
static cJSON *fit_entry(kern_type t, int th, const tim_point *p, int n, tim_roof *r)
{
    tim_fit(p, n, r);
    double e = tim_mape(r, p, n);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", kern_type_name(t));
    cJSON_AddNumberToObject(o, "threads", th);
    cJSON_AddNumberToObject(o, "F_flops", r->F);
    cJSON_AddNumberToObject(o, "B_bytes", r->B);
    cJSON_AddNumberToObject(o, "c_s", r->c);
    cJSON_AddNumberToObject(o, "r_s", r->r);
    cJSON_AddNumberToObject(o, "fit_mape_percent", e);
    printf("%-5s %3d %12.1f %10.2f %9.1f %9.1f %7.1f\n", kern_type_name(t), th, r->F / 1e9,
           r->B / 1e9, r->c * 1e6, r->r * 1e9, e);
    return o;
}

/* host.json's "efficiency": the rate a 4096 x 4096 Q4_0 matvec (a
 * Llama-2-7B projection) streams at, its per-call and per-row costs
 * included, over the read bandwidth; the fitted FP32 F over the peak
 * (peak_flops: threads x clock x 64 FLOP per cycle, or 0 when unknown). */
static void add_efficiency(cJSON *root, const tim_roof *q4, const tim_roof *f32, double read_gbs,
                           double peak_flops, double *eb, double *ec)
{
    tim_point mv = {KERN_Q4_0, 1, 1, 4096, 4096, 0};
    double mv_s = tim_roof_time(q4, tim_point_flops(&mv), tim_point_bytes(&mv), 4096, 1);
    *eb = read_gbs > 0 ? tim_point_bytes(&mv) / mv_s / 1e9 / read_gbs : 0;
    *ec = peak_flops > 0 ? f32->F / peak_flops : 0;
    cJSON_DeleteItemFromObjectCaseSensitive(root, "efficiency");
    cJSON *eff = cJSON_AddObjectToObject(root, "efficiency");
    cJSON_AddNumberToObject(eff, "bandwidth", *eb);
    cJSON_AddNumberToObject(eff, "compute", *ec);
    cJSON_AddStringToObject(eff, "how",
                            "bandwidth: a 4096 x 4096 Q4_0 matvec's predicted bytes per second / "
                            "measured read bandwidth; compute: fitted F32 F / (threads x cpu MHz "
                            "x 64 FLOP per cycle: two 16-lane FMA units)");
}

static int calibrate(const char *out, int T, int quick)
{
    const shape *grid = quick ? QUICK_GRID : FULL_GRID;
    int ng = quick ? (int)(sizeof QUICK_GRID / sizeof *grid) : (int)(sizeof FULL_GRID / sizeof *grid);
    size_t rot = quick ? (8u << 20) : (512u << 20);
    cJSON *root = cJSON_CreateObject(), *pts = cJSON_AddArrayToObject(root, "points");
    cJSON *fits = cJSON_AddArrayToObject(root, "fits"), *rd = cJSON_AddArrayToObject(root, "read_gbs");
    cJSON_AddStringToObject(root, "about",
                            ABOUT);
    cJSON_AddStringToObject(root, "isa", kern_isa_name(kern_isa_get()));
    cJSON_AddBoolToObject(root, "quick", quick);
    tim_cpu cpu;
    tim_load load;
    tim_cpu_identity(&cpu);
    tim_host_busy(&load, quick ? 0.2 : 1.0);
    add_env(root, &cpu, &load);
    printf("cpu: %s (%s), %d CPUs\n", cpu.model, cpu.flags, cpu.cpus);
    warn_if_busy("", &load, cpu.cpus);
    double read[65] = {0}, ghz = cpu_ghz();
    for (int th = 1; th <= T; th++) {
        read[th] = read_gbs(quick, th);
        cJSON_AddItemToArray(rd, cJSON_CreateNumber(read[th]));
    }
    tim_roof fit[KERN_NTYPES][65];
    printf("%-5s %3s %12s %10s %9s %9s %7s   (read bandwidth:", "type", "thr", "F GFLOP/s",
           "B GB/s", "c us", "r ns/row", "MAPE%");
    for (int th = 1; th <= T; th++)
        printf(" %.1f", read[th]);
    printf(" GB/s)\n");
    int np = NTYPES * T * ng;
    tim_point *p = grid_points(grid, ng, T);
    if (!p || measure_points(p, np, quick, rot)) {
        fprintf(stderr, "avrami calibrate: out of memory\n");
        free(p);
        cJSON_Delete(root);
        return 2;
    }
    for (int ti = 0; ti < NTYPES; ti++)
        for (int th = 1; th <= T; th++) {
            tim_point *q = p + (ti * T + th - 1) * ng; /* this type's and thread count's points */
            for (int g = 0; g < ng; g++) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "type", kern_type_name(q[g].type));
                cJSON_AddNumberToObject(o, "threads", th);
                cJSON_AddNumberToObject(o, "m", (double)q[g].m);
                cJSON_AddNumberToObject(o, "n", (double)q[g].n);
                cJSON_AddNumberToObject(o, "k", (double)q[g].k);
                tim_json_set_exact(o, "seconds", q[g].seconds); /* --refit reads it back */
                cJSON_AddNumberToObject(o, "flops", tim_point_flops(&q[g]));
                cJSON_AddNumberToObject(o, "bytes", tim_point_bytes(&q[g]));
                cJSON_AddItemToArray(pts, o);
            }
            cJSON_AddItemToArray(fits, fit_entry(TYPES[ti], th, q, ng, &fit[TYPES[ti]][th]));
        }
    free(p);
    double qns, ans, gns, ens;
    tim_measure_serial(&qns, &ans, &gns, &ens);
    cJSON *se = cJSON_AddObjectToObject(root, "serial_ns_per_element");
    cJSON_AddNumberToObject(se, "quantize", qns);
    cJSON_AddNumberToObject(se, "activation", ans);
    cJSON_AddNumberToObject(se, "gelu", gns);
    cJSON_AddNumberToObject(se, "row_pass", ens);
    printf("serial work: %.2f ns per quantized activation, %.2f ns per SiLU, %.2f ns per GELU, "
           "%.2f ns per element of a row pass\n", qns, ans, gns, ens);
    /* the wake-up of a parallel region that no product's fit covers (each
     * layer's attention) */
    cJSON *pc = cJSON_AddArrayToObject(root, "parallel_call_us");
    printf("a parallel call with an empty body, after 20 us of serial work:");
    for (int th = 1; th <= T; th++) {
        double us = tim_measure_parallel_call(th) * 1e6;
        cJSON_AddItemToArray(pc, cJSON_CreateNumber(us));
        printf(" %.1f us on %d thread(s)%s", us, th, th < T ? "," : "\n");
    }
    /* the machine's streaming rate again: a calibration that began in one
     * state and ended in another fitted a mix of the two */
    double read_end[65] = {0};
    cJSON *rde = cJSON_AddArrayToObject(root, "read_gbs_end");
    for (int th = 1; th <= T; th++) {
        read_end[th] = read_gbs(quick, th);
        cJSON_AddItemToArray(rde, cJSON_CreateNumber(read_end[th]));
    }
    report_bandwidth("", "the start", read, read_end, T);
    double eb, ec;
    add_efficiency(root, &fit[KERN_Q4_0][T], &fit[KERN_F32][T], read[T], T * ghz * 1e9 * 64, &eb, &ec);
    char *s = cJSON_Print(root);
    int rc = 0;
    if (!s || !afile_write_text(out, s)) {
        fprintf(stderr, "avrami calibrate: %s: cannot write the file\n", out);
        rc = 2;
    }
    free(s);
    cJSON_Delete(root);
    printf("host efficiency: bandwidth %.3f, compute %.3f  ->  %s\n", eb, ec, out);
    return rc;
}

/* --refit: the points PATH keeps, fitted again with this build's model and
 * nothing measured, so that a host.json measured before a change of the
 * model gains the new fit without a new calibration (its cpu and load stay
 * those of the measurement). */
static int refit(const char *path)
{
    char err[512];
    cJSON *root = rfile_json(path, err, sizeof err);
    tim_point *p = NULL, *grp = NULL;
    int n = 0, rc = 2;
    if (!root ||
        tim_points_from_json(cJSON_GetObjectItemCaseSensitive(root, "points"), path, &p, &n, err,
                             sizeof err)) {
        fprintf(stderr, "avrami calibrate --refit: %s\n", err);
        goto out;
    }
    int i = 0; /* the measured times go back as they were read, bit for bit */
    for (cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "points")->child; o; o = o->next)
        tim_json_set_exact(o, "seconds", p[i++].seconds);
    /* the old compute efficiency gives the peak it was measured against */
    double old_f32 = 0, old_ec = 0;
    int T = 0;
    cJSON *o, *fits = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        T = p[i].threads > T ? p[i].threads : T;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root, "fits")) {
        cJSON *ty = cJSON_GetObjectItemCaseSensitive(o, "type"), *th = cJSON_GetObjectItemCaseSensitive(o, "threads"),
              *f = cJSON_GetObjectItemCaseSensitive(o, "F_flops");
        if (cJSON_IsString(ty) && !strcmp(ty->valuestring, "f32") && cJSON_IsNumber(th) &&
            th->valuedouble == T && cJSON_IsNumber(f))
            old_f32 = f->valuedouble;
    }
    cJSON *ec = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "efficiency"),
                                                 "compute");
    old_ec = cJSON_IsNumber(ec) ? ec->valuedouble : 0;
    grp = malloc((size_t)n * sizeof *grp);
    tim_roof fit[KERN_NTYPES][65];
    memset(fit, 0, sizeof fit);
    printf("%-5s %3s %12s %10s %9s %9s %7s\n", "type", "thr", "F GFLOP/s", "B GB/s", "c us",
           "r ns/row", "MAPE%");
    for (int ti = 0; grp && ti < NTYPES; ti++)
        for (int th = 1; th <= T; th++) {
            int ng = 0;
            for (int i = 0; i < n; i++)
                if (p[i].type == TYPES[ti] && p[i].threads == th)
                    grp[ng++] = p[i];
            if (ng)
                cJSON_AddItemToArray(fits, fit_entry(TYPES[ti], th, grp, ng, &fit[TYPES[ti]][th]));
        }
    if (!cJSON_ReplaceItemInObjectCaseSensitive(root, "fits", fits)) /* absent: the points say it all */
        cJSON_AddItemToObject(root, "fits", fits);
    cJSON_DeleteItemFromObjectCaseSensitive(root, "about");
    cJSON_AddStringToObject(root, "about", ABOUT);
    cJSON *rd = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "read_gbs"), T - 1);
    double eb, ecn;
    add_efficiency(root, &fit[KERN_Q4_0][T], &fit[KERN_F32][T], cJSON_IsNumber(rd) ? rd->valuedouble : 0,
                   old_f32 > 0 && old_ec > 0 ? old_f32 / old_ec : 0, &eb, &ecn);
    char *s = grp ? cJSON_Print(root) : NULL;
    if (!s || !afile_write_text(path, s))
        fprintf(stderr, "avrami calibrate --refit: cannot write %s\n", path);
    else {
        printf("refitted %d points -> %s\n", n, path);
        rc = 0;
    }
    free(s);
out:
    free(p);
    free(grp);
    cJSON_Delete(root);
    return rc;
}

static double ape(double pred, double meas) { return 100.0 * fabs(pred - meas) / meas; }

/* Prefill at each prompt length of `prompts` (0-terminated) and decode
 * after the longest: predicted and measured tokens/s, errors added to
 * *sum and *n.  0, or 2 with a message. */
static int whole_model(const tim_host *h, const char *name, kern_type t, const int *prompts,
                       int quick, double *sum, int *n)
{
    char err[512];
    kern_model_cfg c;
    kern_model m;
    int longest = 0;
    for (const int *p = prompts; *p; p++)
        longest = *p > longest ? *p : longest;
    char llms[DATADIR_PATH_MAX + 32];
    snprintf(llms, sizeof llms, "%s/llms.json", datadir_models());
    if (kern_model_cfg_load(llms, name, &c, err, sizeof err)) {
        fprintf(stderr, "avrami calibrate --check: %s\n", err);
        return 2;
    }
    if (kern_model_init(&m, &c, t, longest + 8, 11, NULL)) {
        fprintf(stderr, "avrami calibrate --check: out of memory for %s\n", c.name);
        return 2;
    }
    for (const int *p = prompts; *p; p++) {
        double tp = tim_measure_forward(&m, *p, 0, quick ? 2 : *p < 64 ? 7 : 3);
        double pp = tim_host_forward_seconds(h, &c, t, *p, 0), e = ape(*p / pp, *p / tp);
        printf("  %-14s %-5s prefill %3d %10.1f %15.1f %8.1f\n", c.name, kern_type_name(t), *p,
               *p / pp, *p / tp, e);
        *sum += e;
        (*n)++;
    }
    double td = tim_measure_forward(&m, 1, longest, quick ? 3 : 7);
    double pd = tim_host_forward_seconds(h, &c, t, 1, longest), e = ape(1 / pd, 1 / td);
    printf("  %-14s %-5s decode      %10.2f %15.2f %8.1f\n", c.name, kern_type_name(t), 1 / pd,
           1 / td, e);
    *sum += e;
    (*n)++;
    kern_model_free(&m);
    return 0;
}

/* Warnings when the check runs elsewhere than the fit, or on a busy machine. */
static void check_env(const char *path, int quick)
{
    tim_cpu here, fitted;
    tim_load load;
    tim_cpu_identity(&here);
    printf("cpu: %s (%s), %d CPUs\n", here.model, here.flags, here.cpus);
    if (tim_cpu_fitted(path, &fitted))
        fprintf(stderr, "avrami calibrate --check: warning: %s does not say which CPU it was fitted "
                "on; run avrami calibrate on this machine\n", path);
    else if (!tim_cpu_same(&here, &fitted))
        fprintf(stderr, "avrami calibrate --check: warning: %s was fitted on another CPU (%s; %s; "
                "%d CPUs); its roofs describe that machine: run avrami calibrate here first\n",
                path, fitted.model, fitted.flags, fitted.cpus);
    tim_host_busy(&load, quick ? 0.2 : 1.0);
    warn_if_busy(" --check", &load, here.cpus);
}

static int check(const char *path, int T, int quick, double max_mape)
{
    char err[512];
    tim_host h[65];
    check_env(path, quick);
    for (int th = 1; th <= T; th++)
        if (tim_host_load(path, th, &h[th], err, sizeof err)) {
            fprintf(stderr, "avrami calibrate --check: %s\n", err);
            return 2;
        }
    /* read as the calibration read (a --quick one's 32 MiB partly stay in
     * the caches) */
    double before[65] = {0}, now[65] = {0};
    for (int th = 1; th <= T; th++) {
        before[th] = h[th].read_gbs;
        now[th] = read_gbs(h[T].quick, th);
    }
    report_bandwidth(" --check", "calibration", before, now, T);
    const shape *held = quick ? QUICK_HELD : FULL_HELD;
    int nh = quick ? (int)(sizeof QUICK_HELD / sizeof *held) : (int)(sizeof FULL_HELD / sizeof *held);
    double sum = 0;
    int np = NTYPES * T * nh;
    tim_point *p = grid_points(held, nh, T);
    if (!p || measure_points(p, np, quick, quick ? (8u << 20) : (512u << 20))) {
        fprintf(stderr, "avrami calibrate --check: out of memory\n");
        free(p);
        return 2;
    }
    printf("held-out shapes      type  thr  predicted ms  measured ms   error%%\n");
    for (int i = 0; i < np; i++) {
        double pr = tim_host_gemm_seconds(&h[p[i].threads], p[i].type, p[i].m, p[i].n, p[i].k),
               e = ape(pr, p[i].seconds);
        printf("  %4zu x %5zu x %5zu  %-5s %3d %13.3f %12.3f %8.1f\n", p[i].m, p[i].n, p[i].k,
               kern_type_name(p[i].type), p[i].threads, pr * 1e3, p[i].seconds * 1e3, e);
        sum += e;
    }
    free(p);
    double kmape = sum / np, msum = 0;
    int mcnt = 0;
    printf("whole model (threads %d)       predicted tok/s  measured tok/s   error%%\n", T);
    kern_threads_set(T);
    /* short prompts too: their per-token and per-call costs are what a
     * roofline of long products misses */
    static const int QUICK_PROMPTS[] = {8, 0}, SHORT_PROMPTS[] = {4, 16, 64, 0}, LONG[] = {64, 0};
    if (quick) {
        if (whole_model(&h[T], "gpt2", KERN_Q4_0, QUICK_PROMPTS, 1, &msum, &mcnt) ||
            whole_model(&h[T], "gpt2", KERN_Q8_0, QUICK_PROMPTS, 1, &msum, &mcnt))
            return 2;
    } else if (whole_model(&h[T], "TinyLlama-1.1B", KERN_Q4_0, SHORT_PROMPTS, 0, &msum, &mcnt) ||
               whole_model(&h[T], "TinyLlama-1.1B", KERN_Q8_0, SHORT_PROMPTS, 0, &msum, &mcnt) ||
               whole_model(&h[T], "Llama-2-7B", KERN_Q4_0, LONG, 0, &msum, &mcnt)) {
        return 2; /* 7B: Q4_0 only, to keep the check short */
    }
    double mmape = msum / mcnt, all = (sum + msum) / (np + mcnt);
    printf("MAPE: held-out kernels %.1f%%, whole model %.1f%%, all %.1f%% (limit %.0f%%)\n", kmape,
           mmape, all, max_mape);
    return all <= max_mape ? 0 : 1;
}

int cmd_calibrate(int argc, char **argv)
{
    char out_def[DATADIR_PATH_MAX + 32];
    snprintf(out_def, sizeof out_def, "%s/calibration/host.json", datadir_models());
    const char *out = out_def;
    int quick = 0, do_check = 0, do_refit = 0;
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    int T = nproc > 0 ? (int)(nproc > 64 ? 64 : nproc) : 1;
    double max_mape = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick")) {
            quick = 1;
        } else if (!strcmp(a, "--check")) {
            do_check = 1;
        } else if (!strcmp(a, "--refit")) {
            do_refit = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: avrami calibrate [--quick] [--check | --refit] [--threads N] [--out PATH] "
                   "[--max-mape PERCENT]\n"
                   "  writes (or, with --check, reads) PATH, default %s, with the CPU it was\n"
                   "  fitted on and the load; --check warns when it runs on another CPU or while\n"
                   "  other work holds the machine (the figures then describe that share);\n"
                   "  --refit fits PATH's measured points again with this build's model, measuring\n"
                   "  nothing\n",
                   out);
            return 0;
        } else if (v && !strcmp(a, "--out")) {
            out = argv[++i];
        } else if (v && !strcmp(a, "--threads")) {
            T = atoi(argv[++i]);
            if (T < 1 || T > 64) {
                fprintf(stderr, "avrami calibrate: --threads: expected 1 to 64\n");
                return 2;
            }
        } else if (v && !strcmp(a, "--max-mape")) {
            max_mape = atof(argv[++i]);
            if (!(max_mape > 0)) {
                fprintf(stderr, "avrami calibrate: --max-mape: expected a positive percentage\n");
                return 2;
            }
        } else {
            fprintf(stderr, "avrami calibrate: unknown or incomplete option '%s'\n", a);
            return 2;
        }
    }
    if (do_refit && do_check) {
        fprintf(stderr, "avrami calibrate: --refit and --check: expected one of them\n");
        return 2;
    }
    if (do_refit)
        return refit(out);
    if (max_mape < 0) /* quick runs are too small to hold to a tight error */
        max_mape = quick ? 1000 : 10;
    printf("avrami calibrate%s%s: %s, threads 1..%d\n", quick ? " --quick" : "",
           do_check ? " --check" : "", kern_isa_name(kern_isa_get()), T);
    int rc = do_check ? check(out, T, quick, max_mape) : calibrate(out, T, quick);
    kern_threads_set(1);
    return rc;
}
