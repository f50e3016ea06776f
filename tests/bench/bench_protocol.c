/* Protocol model throughput: full task lifecycles on networks of 1,000 /
 * 10,000 / 100,000 nodes over 12 GPU models, one row per edition and size.
 * Helium and Hydrogen (three nodes a task): create, 3 commits, 3
 * disclosures, upload report.  Helium: every node busy and the queue kept
 * non-empty, so that every completion pops a queued task.  Hydrogen (no
 * queue): every node it can fill busy, and each completion followed by one
 * create, a gpt task when the freed nodes allow one, else sd (a gpt create
 * that reverts is timed too).
 * VSS (one node a task): create, parameters uploaded (relay), score
 * (node), validateSingleTask (creator; the sampling decision "not
 * sampled", as for 9 requests in 10), result uploaded (relay); every node
 * busy and 25 tasks queued as for Helium; one model id per task, which no
 * node reports, so every start also draws the pre-download notices.  Two
 * rows: "vss" as the simulator runs it (sim/run/vss_agents.c: the notices,
 * which no agent reads, unrecorded, so their draws only take their random
 * numbers; keys vouched fresh), and "vss-notices" with every notice's nodes
 * found and the nonce and task maps kept, as a replay runs it.  A gpt task names one of the 12 GPU models (the contract
 * requires it), an sd task asks for 8 GB.  Each row runs in its own process
 * so peak RSS is per row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "protocol/edition.h"
#include "protocol/proto.h"
#include "protocol/vss/vss_edition.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t xs(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static uint64_t draw(void *ctx, uint64_t bound)
{
    (void)ctx;
    return xs() % bound;
}

typedef struct running {
    uint64_t id;
    uint32_t node[3];
} running;

static running *fifo;
static size_t fifo_cap, head, tail;

static void collect_started(proto *p)
{
    size_t n;
    const proto_event *ev = proto_events(p, &n);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == PROTO_EV_TASK_STARTED) {
            running *r = &fifo[tail % fifo_cap];
            r->id = ev[i].task_id;
            r->node[ev[i].round] = ev[i].node;
            if (ev[i].round == 2)
                tail++;
        }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void must(bool ok, proto *p, const char *what)
{
    if (!ok) {
        fprintf(stderr, "bench: %s reverted: %s\n", what, proto_revert_reason(p));
        exit(1);
    }
}

static bool try_create(proto *p, uint32_t app, proto_task_type type)
{
    wei_t fee = (wei_t)(1 + xs() % 1000) * 1000000000000000ULL;
    bool ok = proto_create_task(p, 0, app, type, 0, fee, 1 + xs() % 60, NULL);
    if (ok)
        collect_started(p);
    return ok;
}

static void create(proto *p, uint32_t app, bool queues)
{
    proto_task_type type = (xs() % 3) ? PROTO_SD : PROTO_GPT;
    if (!try_create(p, app, type))
        must(!queues && type == PROTO_GPT && try_create(p, app, PROTO_SD), p, "create_task");
}

static const char *GPU[12] = {"RTX 3060", "RTX 3080", "RTX 3090", "RTX 4060 Ti", "RTX 4070", "RTX 4080",
                              "RTX 4090", "A4000",    "A5000",    "A6000",       "L4",       "M2 Max"};
static const uint64_t VRAM[12] = {12, 10, 24, 16, 12, 16, 24, 16, 24, 48, 24, 32};

static void report(const char *row, uint32_t nodes, uint64_t lifecycles, double dt,
                   uint64_t queued_sum)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  %-11s %7u nodes: %8.0f lifecycles/s  (%llu in %.2f s, mean queue %.1f, peak RSS %.0f MiB)\n",
           row, nodes, lifecycles / dt, (unsigned long long)lifecycles, dt,
           (double)queued_sum / lifecycles, ru.ru_maxrss / 1024.0);
    fflush(stdout);
}

/* ---- vss ---- */

static uint32_t vss_relay, vss_gpu_name[12], vss_model;

static void vss_collect(proto *p)
{
    size_t n;
    const proto_event *ev = proto_events(p, &n);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == PROTO_EV_VSS_STARTED) {
            running *r = &fifo[tail++ % fifo_cap];
            r->id = ev[i].task_id;
            r->node[0] = ev[i].node;
        }
}

static void vss_create(proto *p, uint32_t app, uint64_t k)
{
    vss_task_spec s = {.models = &vss_model, .n_models = 1, .size = 1 + xs() % 60};
    memcpy(s.version, VSS_SIM_VERSION, sizeof s.version);
    /* unique taskIDCommitment and nonce (validateSingleTask does not check the
     * guid, so no hash is needed) */
    memcpy(s.commitment, &k, sizeof k);
    memcpy(s.nonce, &k, sizeof k);
    if (xs() % 3) {
        s.type = VSS_SD;
        s.min_vram = 8;
    } else {
        uint32_t g = (uint32_t)(xs() % 12);
        s.type = VSS_LLM;
        s.gpu = vss_gpu_name[g];
        s.gpu_vram = VRAM[g];
    }
    vss_ext a = {.spec = &s, .fee = (wei_t)(1 + xs() % 1000) * 1000000000000000ULL};
    must(proto_ext(p, 0, app, VSS_OP_CREATE, &a), p, "createTask");
    vss_collect(p);
}

static bool take_unread(void *ctx, uint64_t max_bound, uint64_t *x)
{
    (void)ctx, (void)max_bound;
    *x = xs(); /* draw() refuses no number */
    return true;
}

static uint64_t finish_unread(void *ctx, uint64_t bound, uint64_t x)
{
    (void)ctx;
    return x % bound;
}

static void run_size_vss(uint32_t nodes, uint64_t lifecycles, bool notices)
{
    proto_params prm = proto_params_of(PROTO_VSS);
    proto *p = proto_new(&prm, nodes + 2, lifecycles + nodes + 1000);
    proto_set_chooser(p, (proto_chooser){draw, NULL});
    fifo_cap = nodes;
    fifo = calloc(fifo_cap, sizeof *fifo);
    vss *m = proto_vss(p);
    if (!notices) { /* and keys vouched fresh: vss_create's are */
        vss_set_fresh_keys(m, true);
        vss_set_muted_events(m, 1u << VSS_EV_DOWNLOAD_MODEL);
        vss_set_unread_draws(m, (vss_unread_draws){take_unread, finish_unread, NULL});
    }
    for (int g = 0; g < 12; g++)
        vss_gpu_name[g] = vss_intern(m, GPU[g]);
    vss_model = vss_intern(m, "crynuxai/sdxl-turbo");
    for (uint32_t i = 0; i < nodes; i++) {
        uint32_t a = proto_add_account(p, (wei_t)1000 * 1000000000000000000ULL);
        must(proto_join(p, 0, a, GPU[i % 12], VRAM[i % 12]), p, "join");
    }
    vss_relay = proto_add_account(p, 0);
    vss_ext set = {.relay = vss_relay};
    must(proto_ext(p, 0, PROTO_ACC_OWNER, VSS_OP_SET_RELAY, &set), p, "setRelayAddress");
    uint32_t app = proto_add_account(p, (wei_t)1 << 120);
    uint64_t k = 0;
    while (proto_queue_size(p) < 25)
        vss_create(p, app, ++k);
    static const uint8_t score[8] = {7};
    double t0 = now_s();
    uint64_t queued_sum = 0;
    for (uint64_t i = 0; i < lifecycles; i++) {
        running r = fifo[head++ % fifo_cap];
        vss_ext a = {.task_id = r.id, .score = score, .score_len = sizeof score,
                     .proof = vss_proof_honest(app, false)};
        must(proto_ext(p, 1, vss_relay, VSS_OP_PARAMETERS_UPLOADED, &a), p, "parameters uploaded");
        must(proto_ext(p, 2, r.node[0], VSS_OP_SUBMIT_SCORE, &a), p, "submitTaskScore");
        must(proto_ext(p, 3, app, VSS_OP_VALIDATE_SINGLE, &a), p, "validateSingleTask");
        must(proto_ext(p, 4, vss_relay, VSS_OP_RESULT_UPLOADED, &a), p, "result uploaded");
        vss_collect(p);
        vss_create(p, app, ++k);
        queued_sum += proto_queue_size(p);
    }
    report(notices ? "vss-notices" : "vss", nodes, lifecycles, now_s() - t0, queued_sum);
    proto_free(p);
    free(fifo);
}

/* ---- helium, hydrogen ---- */

static void run_size(proto_edition_id edition, uint32_t nodes, uint64_t lifecycles)
{
    proto_params prm = proto_params_of(edition);
    bool queues = proto_edition_get(edition)->queues;
    proto *p = proto_new(&prm, nodes + 1, lifecycles + nodes + 1000);
    proto_set_chooser(p, (proto_chooser){draw, NULL});
    fifo_cap = nodes;
    fifo = calloc(fifo_cap, sizeof *fifo);
    for (uint32_t i = 0; i < nodes; i++) {
        uint32_t a = proto_add_account(p, (wei_t)1000 * 1000000000000000000ULL);
        must(proto_join(p, 0, a, GPU[i % 12], VRAM[i % 12]), p, "join");
    }
    uint32_t app = proto_add_account(p, (wei_t)1 << 120);
    /* fill every node, then put 25 tasks in the queue; without a queue,
     * fill until sd creates revert */
    if (queues)
        while (proto_queue_size(p) < 25)
            create(p, app, true);
    else
        while (try_create(p, app, PROTO_SD))
            ;
    /* nonces need only be unique within a task: one per round, and the
     * nodes' commitments computed once, outside the timed loop */
    uint8_t result[32] = {7}, nonce[3][32] = {{1}, {2}, {3}}, c[3][32];
    for (int round = 0; round < 3; round++)
        proto_commitment(result, sizeof result, nonce[round], c[round]);
    double t0 = now_s();
    uint64_t queued_sum = 0;
    for (uint64_t k = 0; k < lifecycles; k++) {
        running r = fifo[head++ % fifo_cap];
        for (int round = 0; round < 3; round++)
            must(proto_commit(p, 1, r.node[round], r.id, round, c[round], nonce[round]), p,
                 "commit");
        for (int round = 0; round < 3; round++) {
            must(proto_disclose(p, 2, r.node[round], r.id, round, result, sizeof result), p,
                 "disclose");
            collect_started(p);
        }
        must(proto_report_uploaded(p, 3, r.node[0], r.id, 0), p, "report_uploaded");
        collect_started(p);
        create(p, app, queues);
        queued_sum += proto_queue_size(p);
    }
    report(proto_edition_get(edition)->name, nodes, lifecycles, now_s() - t0, queued_sum);
    proto_free(p);
    free(fifo);
}

/* The rows: the on-chain editions.  The Relay editions' transactions
 * (proto_ext ops of relay_edition.h) have no lifecycle here, so they get no
 * row (bench_sim times them in a whole simulation). */
typedef struct bench_row {
    const char *name;
    proto_edition_id edition;
    bool notices;             /* vss: every notice's nodes found (a replay's
                                 configuration: the targets are the simulator's) */
} bench_row;

static const bench_row ROWS[] = {
    {"helium", PROTO_HELIUM, false},
    {"hydrogen", PROTO_HYDROGEN, false},
    {"vss", PROTO_VSS, false},
    {"vss-notices", PROTO_VSS, true},
};
#define N_ROWS (sizeof ROWS / sizeof *ROWS)

static void run_row(const bench_row *r, uint32_t nodes, uint64_t lifecycles)
{
    if (r->edition == PROTO_VSS)
        run_size_vss(nodes, lifecycles, r->notices);
    else
        run_size(r->edition, nodes, lifecycles);
}

int main(int argc, char **argv)
{
    const uint32_t sizes[3] = {1000, 10000, 100000};
    const uint64_t n = getenv("BENCH_LIFECYCLES") ? strtoull(getenv("BENCH_LIFECYCLES"), 0, 10)
                                                  : 1000000;
    static const char usage[] = "usage: bench_protocol [ROW NODES] (ROW: helium, hydrogen, vss or "
                                "vss-notices; NODES: 1 to 1000000)\n";
    /* one row, in this process (for a profiler) */
    if (argc == 3) {
        const bench_row *r = NULL;
        for (size_t i = 0; i < N_ROWS; i++)
            if (!strcmp(argv[1], ROWS[i].name))
                r = &ROWS[i];
        char *end;
        unsigned long nodes = strtoul(argv[2], &end, 10);
        if (!r || *end || nodes < 1 || nodes > 1000000) {
            fputs(usage, stderr);
            return 2;
        }
        run_row(r, (uint32_t)nodes, n);
        return 0;
    }
    if (argc != 1) {
        fputs(usage, stderr);
        return 2;
    }
    printf("bench_protocol: task lifecycles through the protocol model, one core\n");
    double rate[N_ROWS][3];
    for (size_t e = 0; e < N_ROWS; e++)
        for (int s = 0; s < 3; s++) {
            int fd[2];
            if (pipe(fd))
                return 1;
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                dup2(fd[1], 1);
                run_row(&ROWS[e], sizes[s], n);
                _exit(0);
            }
            int st;
            waitpid(pid, &st, 0);
            close(fd[1]);
            char buf[512];
            ssize_t got = read(fd[0], buf, sizeof buf - 1);
            close(fd[0]);
            if (got <= 0 || !WIFEXITED(st) || WEXITSTATUS(st))
                return 1;
            buf[got] = 0;
            fputs(buf, stdout);
            sscanf(strchr(buf, ':') + 1, "%lf", &rate[e][s]);
            const char *target = ROWS[e].notices ? "" : " (target < 2x)";
            if (s == 2)
                printf("  %s: slowdown 1,000 -> 100,000 nodes: %.2fx%s\n", ROWS[e].name,
                       rate[e][0] / rate[e][2], target);
            if (s == 1)
                printf("  %s: 10,000 nodes vs %s200,000/s: %.2fx\n", ROWS[e].name,
                       ROWS[e].notices ? "" : "target ", rate[e][1] / 200000.0);
        }
    /* an edition costs no more per task than helium: the ratio of rates (a
     * vss lifecycle is one node's task, a helium one three nodes') */
    for (size_t e = 1; e < N_ROWS; e++)
        for (int s = 0; s < 3; s++)
            printf("  %s / helium at %u nodes: %.2fx the lifecycles per second%s\n", ROWS[e].name,
                   sizes[s], rate[e][s] / rate[0][s], ROWS[e].notices ? "" : " (target >= 1)");
    return 0;
}
