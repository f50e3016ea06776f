/* Running a sweep's jobs: forked local workers and MPI ranks behind one
 * dispatcher.
 *
 * Workers are started once and fed one job at a time (dynamic assignment:
 * a worker that finishes early takes the next job), so a grid of thousands
 * of points costs no process start-ups.  A local worker is a fork() of the
 * parent and inherits the plan; jobs go down a pipe as (point, rep), results
 * come back up another as one sweep_result (smaller than PIPE_BUF, so each
 * write is atomic).  Only the parent touches the database. */
#include "sweep/pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sweep/sweep_mpi.h"

typedef struct slot {
    bool remote, busy, dead;
    pid_t pid;
    int to, from;      /* local: job pipe (write end), result pipe (read end) */
    int rank;          /* remote: MPI rank */
    sweep_job job;
    sweep_result res;  /* remote: the posted receive */
} slot;

static bool write_full(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static _Noreturn void worker_main(const sweep_plan *p, int in, int out, volatile sig_atomic_t *stop)
{
    sweep_job j;
    while (read_full(in, &j, sizeof j) && j.point != SWEEP_JOB_QUIT) {
        sweep_result r;
        sweep_run_one(p, j, stop, &r);
        if (!write_full(out, &r, sizeof r))
            break;
    }
    /* _exit: no atexit handlers of the parent (stdio buffers, MPI) run twice */
    _exit(0);
}

static bool start_local(slot *s, slot *all, unsigned n_started, const sweep_plan *p, volatile sig_atomic_t *stop)
{
    int down[2], up[2];
    if (pipe(down) != 0)
        return false;
    if (pipe(up) != 0) {
        close(down[0]);
        close(down[1]);
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(down[0]), close(down[1]), close(up[0]), close(up[1]);
        return false;
    }
    if (pid == 0) {
        /* the other workers' pipe ends would keep them from seeing EOF */
        for (unsigned i = 0; i < n_started; i++)
            if (!all[i].remote)
                close(all[i].to), close(all[i].from);
        close(down[1]);
        close(up[0]);
        worker_main(p, down[0], up[1], stop);
    }
    close(down[0]);
    close(up[1]);
    *s = (slot){.pid = pid, .to = down[1], .from = up[0]};
    return true;
}

static bool assign(slot *s, sweep_job j)
{
    s->job = j;
    s->busy = true;
    if (s->remote) {
        smpi_send_job(s->rank, j, &s->res);
        return true;
    }
    return write_full(s->to, &j, sizeof j);
}

/* A finished job: finished runs go to the sink, interrupted ones are
 * dropped (redone on resume), failed ones counted. */
static void deliver(slot *s, const sweep_result *r, sweep_sink sink, void *ctx, unsigned *failed,
                    unsigned *interrupted, unsigned *by_rank)
{
    s->busy = false;
    if (r->status == 0 || r->status == 1) {
        by_rank[s->remote ? s->rank : 0]++;
        sink(ctx, r);
    } else if (r->status == 3) {
        (*interrupted)++;
    } else {
        fprintf(stderr, "avrami sweep: point %u replication %u could not run\n", r->point, r->rep);
        (*failed)++;
    }
}

int sweep_pool_run(const sweep_plan *p, const sweep_job *jobs, size_t n, unsigned local, unsigned remote,
                   volatile sig_atomic_t *stop, sweep_sink sink, void *ctx, unsigned *by_rank)
{
    unsigned n_slots = local + remote, started = 0, failed = 0, busy = 0, interrupted = 0;
    /* a worker that dies between jobs closes its pipe: the next job written
     * to it must fail with EPIPE and be reported, not kill the parent */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
    sigaction(SIGPIPE, &ign, &old_pipe);
    slot *s = calloc(n_slots ? n_slots : 1, sizeof *s);
    struct pollfd *pf = calloc(n_slots ? n_slots : 1, sizeof *pf);
    for (unsigned i = 0; i < remote; i++)
        s[started++] = (slot){.remote = true, .rank = (int)i + 1, .to = -1, .from = -1};
    for (unsigned i = 0; i < local; i++) {
        if (!start_local(&s[started], s, started, p, stop)) {
            fprintf(stderr, "avrami sweep: cannot start worker %u: %s\n", i, strerror(errno));
            break;
        }
        started++;
    }
    size_t next = 0;
    bool forwarded = false;
    for (;;) {
        for (unsigned i = 0; i < started && next < n && !*stop; i++)
            if (!s[i].busy && !s[i].dead) {
                if (!assign(&s[i], jobs[next])) {
                    fprintf(stderr, "avrami sweep: worker %u (pid %d) died while idle (%s); its job goes to "
                            "another worker\n", i, (int)s[i].pid, strerror(errno));
                    s[i].busy = false;
                    s[i].dead = true;
                    failed++;
                    continue;
                }
                next++;
                busy++;
            }
        if (!busy)
            break;
        if (*stop && !forwarded) {
            /* a signal sent to the parent alone reaches the runs in progress */
            for (unsigned i = 0; i < started; i++)
                if (!s[i].remote && !s[i].dead)
                    kill(s[i].pid, SIGINT);
            forwarded = true;
        }
        nfds_t nf = 0;
        bool remote_busy = false;
        for (unsigned i = 0; i < started; i++) {
            remote_busy |= s[i].remote && s[i].busy;
            if (!s[i].remote && s[i].busy)
                pf[nf++] = (struct pollfd){.fd = s[i].from, .events = POLLIN};
        }
        /* remote results are polled: a 1 ms tick costs nothing next to a run */
        int rc = poll(pf, nf, remote_busy ? 1 : -1);
        if (rc < 0 && errno != EINTR)
            break;
        for (unsigned i = 0; i < started; i++) {
            if (!s[i].busy)
                continue;
            if (s[i].remote) {
                if (smpi_result_ready(s[i].rank)) {
                    busy--;
                    deliver(&s[i], &s[i].res, sink, ctx, &failed, &interrupted, by_rank);
                }
                continue;
            }
            bool ready = false;
            for (nfds_t k = 0; k < nf; k++)
                ready |= pf[k].fd == s[i].from && pf[k].revents;
            if (!ready || rc <= 0)
                continue;
            sweep_result r;
            busy--;
            if (read_full(s[i].from, &r, sizeof r)) {
                deliver(&s[i], &r, sink, ctx, &failed, &interrupted, by_rank);
            } else {
                fprintf(stderr, "avrami sweep: the worker running point %u replication %u died\n",
                        s[i].job.point, s[i].job.rep);
                s[i].busy = false;
                s[i].dead = true;
                failed++;
            }
        }
    }
    sweep_job quit = {SWEEP_JOB_QUIT, 0};
    for (unsigned i = 0; i < started; i++) {
        if (s[i].remote) {
            smpi_send_job(s[i].rank, quit, NULL);
            continue;
        }
        if (!s[i].dead)
            write_full(s[i].to, &quit, sizeof quit);
        close(s[i].to);
        close(s[i].from);
        int status = 0;
        while (waitpid(s[i].pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (!s[i].dead && WIFSIGNALED(status))
            fprintf(stderr, "avrami sweep: worker %u (pid %d) was killed by signal %d while idle; every run "
                    "it finished is stored\n", i, (int)s[i].pid, WTERMSIG(status));
    }
    bool all_started = started == n_slots;
    sigaction(SIGPIPE, &old_pipe, NULL);
    free(s);
    free(pf);
    if (failed || !all_started)
        return 2;
    return next < n || interrupted ? 1 : 0;
}
