/* Whole-simulation benchmark: a 10,000-node network serving 1,000,000 tasks
 * (targets: <= 4 s, >= 1.5 M events/s, <= 300 MB on one core) with the
 * parametric and the calibrated timing model, then a 1,000,000-node network,
 * then the first case again under hydrogen, vss and relay-2026 (the
 * Relay's matching rounds draw each queued task's node among the nodes free
 * at the round's start).
 *
 * Per case: wall time, the CPU time of the run (user + system; on a shared
 * machine the steadier figure), events per wall and per CPU second, peak
 * resident memory, and where the CPU time went (protocol model, agents,
 * engine, chain bookkeeping, setup), sampled by a CPU-time timer (asked
 * for every millisecond; it fires at the kernel's tick, a few hundred
 * times a second).  The shares come from a second run of the case, the
 * same simulation with the sampler on: its signals and the loop's phase
 * marks cost about 1% of the time, which the timed run leaves out (as a
 * build without phases, an older commit's, leaves them out).  That run's
 * CPU seconds are printed beside the shares, so the sampler's cost shows.
 *
 *   bench_sim [CASE...]     run only these cases (1-based; default all)
 *   BENCH_SIM_SCALE=f       tasks and simulated time times f (nodes kept),
 *                           e.g. 0.1 for runs under valgrind
 *   BENCH_SIM_SHARES=0      no second run, no shares (instruction counts)
 *   BENCH_SIM_DB=path       also writes the results database of case 1
 *
 * The harness builds against older libraries too (without sim_opts.phase it
 * prints no shares), so scripts/bench-sim-compare.sh can time another commit
 * with the same cases side by side. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
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

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static const char *SCENARIO =
    "{\"name\": \"bench\", \"duration_s\": %llu, %s"
    " \"protocol\": {\"max_nodes\": 2000000, %s},"
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
    const char *edition; /* NULL: helium, the default */
} bench_case;

#ifdef SIM_HAVE_PHASES
static volatile sig_atomic_t phase;
static volatile unsigned long samples[SIM_PH_COUNT];

static void on_prof(int sig)
{
    (void)sig;
    if (phase >= 0 && phase < SIM_PH_COUNT)
        samples[phase]++;
}

static void profile_start(sim_opts *o)
{
    o->phase = &phase;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_prof;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGPROF, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}}; /* every ms of CPU time */
    setitimer(ITIMER_PROF, &it, NULL);
}

static void profile_print(double cpu)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_PROF, &off, NULL);
    static const char *names[SIM_PH_COUNT] = {"setup", "engine", "protocol", "agents", "chain"};
    static const int order[SIM_PH_COUNT] = {SIM_PH_PROTOCOL, SIM_PH_AGENTS, SIM_PH_ENGINE, SIM_PH_CHAIN,
                                            SIM_PH_SETUP};
    unsigned long total = 0;
    for (int i = 0; i < SIM_PH_COUNT; i++)
        total += samples[i];
    printf("           CPU time in:");
    for (int i = 0; i < SIM_PH_COUNT; i++)
        printf(" %s %.0f%%", names[order[i]], total ? 100.0 * samples[order[i]] / total : 0.0);
    printf(" (%lu samples of a second run: cpu %.2f s with the sampler)\n", total, cpu);
}
static const bool have_phases = true;
#else
static void profile_start(sim_opts *o) { (void)o; }
static void profile_print(double cpu) { (void)cpu; }
static const bool have_phases = false;
#endif

/* Runs the case once: timed (its line of figures), or with the sampler on
 * (the shares). */
static int bench(const bench_case *b, const char *db, bool sampled)
{
    char text[4096];
    double rate = (double)b->tasks / ((double)b->dur / 3600.0) / 2;
    bool cal = b->calibrated;
    char protocol[64];
    if (b->edition)
        snprintf(protocol, sizeof protocol, "\"edition\": \"%s\"", b->edition);
    else
        snprintf(protocol, sizeof protocol, "\"queue_size_limit\": 50");
    snprintf(text, sizeof text, SCENARIO, b->dur, cal ? "\"timing\": {\"model\": \"calibrated\"}," : "",
             protocol, b->nodes, rate, cal ? "\"model\": \"Llama-2-7B\", \"bits\": 4," : "", rate,
             cal ? "\"model\": \"stable-diffusion-v1-5\"," : "");
    scn s;
    char err[SCN_ERR_MAX];
    if (!scn_parse(text, "bench", ".", &s, err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    sim_opts o = {.seed = 1, .out_path = db};
    if (sampled)
        profile_start(&o);
    double t0 = now_s(), c0 = cpu_s();
    sim *m = sim_run(&s, &o);
    double dt = now_s() - t0, dc = cpu_s() - c0;
    if (!m) {
        scn_free(&s);
        return 1;
    }
    if (sampled)
        profile_print(dc);
    else
        printf("bench_sim: %-30s %8u nodes %8llu tasks %9llu events  wall %6.2f s  %5.2f M events/s  "
               "cpu %6.2f s  %5.2f M events/cpu-s  ",
               b->label, b->nodes, (unsigned long long)sim_tasks(m), (unsigned long long)sim_events(m), dt,
               sim_events(m) / dt / 1e6, dc, sim_events(m) / dc / 1e6);
    fflush(stdout);
    int rc = sim_status(m) ? 1 : 0;
    sim_free(m);
    scn_free(&s);
    return rc;
}

/* Each run in its own process, so its peak memory is its own. */
static int in_child(const bench_case *b, const char *db, bool sampled)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(bench(b, db, sampled));
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
        return 1;
    if (!sampled)
        printf("peak RSS %ld MB\n", ru.ru_maxrss / 1024);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
    static const bench_case cases[] = {
        {"10k nodes, 1M tasks, 24 h", 10000, 1000000, 86400, false, NULL},
        {"same, calibrated timing", 10000, 1000000, 86400, true, NULL},
        {"1M nodes, 200k tasks, 2 h", 1000000, 200000, 7200, false, NULL},
        /* case 1 under each other edition: the same offered load (Hydrogen
         * rejects what finds no free nodes instead of queueing it) */
        {"case 1, edition hydrogen", 10000, 1000000, 86400, false, "hydrogen"},
        {"case 1, edition vss", 10000, 1000000, 86400, false, "vss"},
        {"case 1, edition relay-2026", 10000, 1000000, 86400, false, "relay-2026"},
    };
    const size_t n_cases = sizeof cases / sizeof cases[0];
    double scale = 1;
    const char *sc = getenv("BENCH_SIM_SCALE");
    if (sc && (sscanf(sc, "%lf", &scale) != 1 || !(scale > 0 && scale <= 1))) {
        fprintf(stderr, "bench_sim: BENCH_SIM_SCALE: expected a number in (0, 1], got \"%s\"\n", sc);
        return 2;
    }
    bool run[sizeof cases / sizeof cases[0]];
    for (size_t i = 0; i < n_cases; i++)
        run[i] = argc <= 1;
    for (int i = 1; i < argc; i++) {
        char *end;
        long k = strtol(argv[i], &end, 10);
        if (*end || k < 1 || (size_t)k > n_cases) {
            fprintf(stderr, "bench_sim: expected a case number 1..%zu, got \"%s\"\n", n_cases, argv[i]);
            return 2;
        }
        run[k - 1] = true;
    }
    const char *sh = getenv("BENCH_SIM_SHARES");
    if (sh && strcmp(sh, "0") && strcmp(sh, "1")) {
        fprintf(stderr, "bench_sim: BENCH_SIM_SHARES: expected 0 or 1, got \"%s\"\n", sh);
        return 2;
    }
    bool shares = have_phases && !(sh && !strcmp(sh, "0"));
    if (scale != 1)
        printf("bench_sim: BENCH_SIM_SCALE=%g: tasks and simulated time of each case times %g\n", scale, scale);
    int rc = 0;
    for (size_t i = 0; i < n_cases; i++) {
        if (!run[i])
            continue;
        bench_case b = cases[i];
        b.tasks = (unsigned long long)(b.tasks * scale + 0.5);
        b.dur = (unsigned long long)(b.dur * scale + 0.5);
        rc |= in_child(&b, i == 0 ? getenv("BENCH_SIM_DB") : NULL, false);
        if (shares)
            rc |= in_child(&b, NULL, true);
    }
    return rc;
}
