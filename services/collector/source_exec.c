/* source_exec.c - the exec source: condor_q / condor_history /
 * condor_status run from PATH ("exec") or from DIR ("exec:DIR"). argv only,
 * never a shell; the constraint is one argument; stderr's tail goes into the
 * error; at the deadline the whole process group is killed (see source.h).
 *
 * Ownership: the source owns its dir (source.c frees it); each run owns its
 * pipes and child until it returns. */
#include "source_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int accepts(const char *spec)
{
    return !strcmp(spec, "exec") || !strncmp(spec, "exec:", 5);
}

static sp_source *open_exec(const char *spec, char *err, size_t errlen)
{
    if (!strcmp(spec, "exec"))
        return sp_source_make(&sp_source_exec, NULL, err, errlen);
    return sp_source_on_dir(&sp_source_exec, spec, err, errlen);
}

static const char *tool_of(sp_query_kind k)
{
    return k == SP_QUERY_QUEUE ? "condor_q" : k == SP_QUERY_HISTORY ? "condor_history" : "condor_status";
}

/* argv for the query; returns argc. */
static int build_argv(const sp_query *q, const char *tool, const char **argv)
{
    int n = 0;
    argv[n++] = tool;
    if (q->kind == SP_QUERY_QUEUE)
        argv[n++] = "-allusers";
    if (q->kind == SP_QUERY_SCHEDDS)
        argv[n++] = "-schedd";
    if (q->kind != SP_QUERY_SCHEDDS && q->schedd) {
        argv[n++] = "-name";
        argv[n++] = q->schedd;
    }
    if (q->pool && *q->pool) {           /* none configured: no -pool at all (HTCondor would take "" as a pool) */
        argv[n++] = "-pool";
        argv[n++] = q->pool;
    }
    if (q->constraint) {
        argv[n++] = "-constraint";
        argv[n++] = q->constraint;
    }
    argv[n++] = "-json";
    argv[n] = NULL;
    return n;
}

static void describe(const sp_source *s, const sp_query *q, char *out, size_t outlen)
{
    const char *argv[16];
    size_t used = 0;
    (void)s;
    int n = build_argv(q, tool_of(q->kind), argv);
    out[0] = '\0';
    for (int i = 0; i < n && used < outlen; i++) {
        int quote = strpbrk(argv[i], " \"'()&|<>=!") != NULL;
        used += (size_t)snprintf(out + used, outlen - used, "%s%s%s%s", i ? " " : "", quote ? "'" : "", argv[i], quote ? "'" : "");
    }
}

static void keep_tail(char *buf, size_t cap, size_t *len, const char *data, size_t n)
{
    if (n >= cap - 1) {
        data += n - (cap - 1);
        n = cap - 1;
    }
    if (*len + n > cap - 1) {
        size_t drop = *len + n - (cap - 1);
        memmove(buf, buf + drop, *len - drop);
        *len -= drop;
    }
    memcpy(buf + *len, data, n);
    *len += n;
    buf[*len] = '\0';
}

static pid_t spawn(const char *path, const char *const *argv, int out[2], int errp[2])
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* child: only async-signal-safe calls until exec */
    setpgid(0, 0);
    dup2(out[1], 1);
    dup2(errp[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, 0);
    if (strchr(path, '/'))
        execv(path, (char *const *)argv);
    else
        execvp(path, (char *const *)argv);
    static const char msg[] = "exec failed: no such program or not executable\n";
    (void)!write(2, msg, sizeof(msg) - 1);
    _exit(127);
}

static int run_exec(sp_source *s, const sp_query *q, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    const char *tool = tool_of(q->kind);
    char path[4096];
    const char *argv[16];
    if (s->dir)
        snprintf(path, sizeof(path), "%s/%s", s->dir, tool);
    else
        snprintf(path, sizeof(path), "%s", tool);
    build_argv(q, tool, argv);
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return snprintf(err, errlen, "%s: pipe: %s", tool, strerror(errno)), -1;
    if (pipe2(errp, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return snprintf(err, errlen, "%s: pipe: %s", tool, strerror(errno)), -1;
    }
#ifdef F_SETPIPE_SZ
    (void)fcntl(out[0], F_SETPIPE_SZ, 1 << 20);   /* fewer, fuller reads (the kernel may cap it) */
#endif
    pid_t pid = spawn(path, argv, out, errp);
    close(out[1]);
    close(errp[1]);
    if (pid < 0) {
        close(out[0]);
        close(errp[0]);
        return snprintf(err, errlen, "%s: fork: %s", tool, strerror(errno)), -1;
    }
    char buf[65536], tail[1024];
    size_t tail_len = 0;
    tail[0] = '\0';
    struct pollfd fds[2] = { { out[0], POLLIN, 0 }, { errp[0], POLLIN, 0 } };
    int open_fds = 2, stopped = 0, timed_out = 0;
    while (open_fds > 0 && !stopped) {
        int wait_ms = -1;
        if (q->deadline_ms) {
            long long left = q->deadline_ms - sp_source_now_ms();
            if (left <= 0) {
                timed_out = 1;
                break;
            }
            wait_ms = left > 1000 ? 1000 : (int)left;
        }
        int rc = poll(fds, 2, wait_ms);
        if (rc < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && rc > 0; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(fds[i].fd, buf, sizeof(buf));
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else if (i == 0) {
                if (cb(ctx, buf, (size_t)n) != 0)
                    stopped = 1;
            } else {
                keep_tail(tail, sizeof(tail), &tail_len, buf, (size_t)n);
            }
        }
    }
    if (timed_out || stopped)
        kill(-pid, SIGKILL);
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    sp_source_oneline(tail);
    if (timed_out)
        return snprintf(err, errlen, "%s: no complete answer before the deadline; killed", tool), -1;
    if (stopped)
        return snprintf(err, errlen, "%s: stopped", tool), -1;
    if (WIFSIGNALED(status))
        return snprintf(err, errlen, "%s: killed by signal %d%s%s", tool, WTERMSIG(status), *tail ? ": " : "", tail), -1;
    if (WEXITSTATUS(status) != 0)
        return snprintf(err, errlen, "%s: exit status %d%s%s", tool, WEXITSTATUS(status), *tail ? ": " : "", tail), -1;
    return 0;
}

const sp_source_type sp_source_exec = {
    .name = "exec",
    .accepts = accepts,
    .open = open_exec,
    .run = run_exec,
    .describe = describe,
};
