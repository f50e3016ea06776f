/* Whole-simulation benchmark: a 10,000-node network serving 1,000,000 tasks
 * (targets: <= 10 s and <= 1 GB on one core) with the parametric and the
 * calibrated timing model, then a 1,000,000-node network.  Prints wall time, events/s and peak resident memory.
 * BENCH_SIM_DB=path also writes the results database of the first run. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/sim.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}


static const char *SCENARIO =
    "{\"name\": \"bench\", \"duration_s\": %llu, %s"
    " \"protocol\": {\"max_nodes\": 2000000, \"queue_size_limit\": 50},"
    " \"network\": {\"nodes\": %u, \"cards\": ["
    "   {\"card\": \"NVIDIA GeForce RTX 4090\", \"share\": 0.2},"
    "   {\"card\": \"NVIDIA GeForce RTX 4070\", \"share\": 0.3},"
    "   {\"card\": \"NVIDIA GeForce RTX 3060\", \"share\": 0.3},"
    "   {\"card\": \"Apple M2 Max\", \"share\": 0.2}],"
    "   \"churn\": {\"join_rate_per_h\": 10, \"pause_rate_per_h\": 0.01, \"quit_rate_per_h\": 0.002,"
    "              \"vanish_probability\": 0.2}},"
    " \"applications\": ["
    "  {\"name\": \"chat\", \"arrival\": {\"process\": \"poisson\", \"rate_per_h\": %f},"
    "   \"tasks\": [{\"type\": \"gpt\", %s \"vram_gb\": 12, \"size_min\": 64, \"size_max\": 512,"
    "     \"fee\": {\"dist\": \"uniform\", \"min\": \"100000000000000000\", \"max\": \"1000000000000000000\"}}]},"
    "  {\"name\": \"images\", \"arrival\": {\"process\": \"poisson\", \"rate_per_h\": %f},"
    "   \"tasks\": [{\"type\": \"sd\", %s \"size_min\": 1, \"size_max\": 4,"
    "     \"fee\": {\"dist\": \"uniform\", \"min\": \"500000000000000000\", \"max\": \"3000000000000000000\"}}]}]}";

typedef struct {
    const char *label;
    unsigned nodes;
    unsigned long long tasks, dur;
    bool calibrated;
} bench_case;

static int bench(const bench_case *b, const char *db)
{
    char text[4096];
    double rate = (double)b->tasks / ((double)b->dur / 3600.0) / 2;
    bool cal = b->calibrated;
    snprintf(text, sizeof text, SCENARIO, b->dur, cal ? "\"timing\": {\"model\": \"calibrated\"}," : "",
             b->nodes, rate, cal ? "\"model\": \"Llama-2-7B\", \"bits\": 4," : "", rate,
             cal ? "\"model\": \"stable-diffusion-v1-5\"," : "");
    scn s;
    char err[SCN_ERR_MAX];
    if (!scn_parse(text, "bench", ".", &s, err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    sim_opts o = {.seed = 1, .out_path = db};
    double t0 = now_s();
    sim *m = sim_run(&s, &o);
    double dt = now_s() - t0;
    if (!m) {
        scn_free(&s);
        return 1;
    }
    printf("bench_sim: %-30s %8u nodes %8llu tasks %9llu events  %6.2f s  %5.2f M events/s  ",
           b->label, b->nodes, (unsigned long long)sim_tasks(m), (unsigned long long)sim_events(m), dt,
           sim_events(m) / dt / 1e6);
    fflush(stdout);
    int rc = sim_status(m) ? 1 : 0;
    sim_free(m);
    scn_free(&s);
    return rc;
}

/* Each case in its own process, so its peak memory is its own. */
static int in_child(const bench_case *b, const char *db)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(bench(b, db));
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
        return 1;
    printf("peak RSS %ld MB\n", ru.ru_maxrss / 1024);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(void)
{
    static const bench_case cases[] = {
        {"10k nodes, 1M tasks, 24 h", 10000, 1000000, 86400, false},
        {"same, calibrated timing", 10000, 1000000, 86400, true},
        {"1M nodes, 200k tasks, 2 h", 1000000, 200000, 7200, false},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        rc |= in_child(&cases[i], i == 0 ? getenv("BENCH_SIM_DB") : NULL);
    return rc;
}
