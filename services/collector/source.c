/* source.c - ad sources: exec of the HTCondor tools and file replay
 * (see source.h). */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

typedef enum { SRC_EXEC, SRC_FILE, SRC_HTTP } src_kind;

struct sp_source {
    src_kind kind;
    char *dir;               /* exec: where the tools are (NULL: PATH); file: the replay dir; http: base URL */
};

static int http_url(CURL *c, const char *base, const sp_query *q, char *url, size_t len);

sp_source *sp_source_new(const char *spec, char *err, size_t errlen)
{
    sp_source *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!strcmp(spec, "exec")) {
        s->kind = SRC_EXEC;
    } else if (!strncmp(spec, "http://", 7) || !strncmp(spec, "https://", 8)) {
        s->kind = SRC_HTTP;
        s->dir = strdup(spec);
        size_t n = strlen(s->dir);
        while (n && s->dir[n - 1] == '/')
            s->dir[--n] = '\0';
    } else if (!strncmp(spec, "exec:", 5) || !strncmp(spec, "file:", 5)) {
        s->kind = spec[0] == 'e' ? SRC_EXEC : SRC_FILE;
        struct stat st;
        if (stat(spec + 5, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "source \"%s\": %s is not a directory", spec, spec + 5);
            free(s);
            return NULL;
        }
        s->dir = strdup(spec + 5);
    } else {
        snprintf(err, errlen, "source \"%s\": expected exec, exec:DIR, file:DIR or an http(s):// URL", spec);
        free(s);
        return NULL;
    }
    return s;
}

void sp_source_free(sp_source *s)
{
    if (!s)
        return;
    free(s->dir);
    free(s);
}

/* ---- exec ---- */

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

void sp_source_describe(const sp_source *s, const sp_query *q, char *out, size_t outlen)
{
    const char *argv[16];
    size_t used = 0;
    if (s->kind == SRC_HTTP) {
        CURL *c = curl_easy_init();
        if (!c || http_url(c, s->dir, q, out, outlen) != 0)
            snprintf(out, outlen, "GET %s/...", s->dir);
        curl_easy_cleanup(c);
        return;
    }
    if (s->kind == SRC_FILE) {
        snprintf(out, outlen, "read %s/%s/%s.*", s->dir, q->schedd ? q->schedd : "", q->kind == SP_QUERY_QUEUE ? "queue" : "history");
        return;
    }
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

static void oneline(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
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
    oneline(tail);
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

/* ---- file ---- */

static int stream_file(const char *path, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1;
    char buf[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (cb(ctx, buf, n) != 0)
            rc = -1, snprintf(err, errlen, "%s: stopped", path);
    if (rc == 0 && ferror(f))
        rc = -1, snprintf(err, errlen, "%s: read error", path);
    fclose(f);
    return rc;
}

/* The schedd list of a replay directory, as JSON lines of {"Name": ...}. */
static int list_schedds(const char *dir, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d)
        return snprintf(err, errlen, "%s: %s", dir, strerror(errno)), -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strchr(e->d_name, '"') || strchr(e->d_name, '\\'))
            continue;
        char line[600];
        int n = snprintf(line, sizeof(line), "{\"Name\": \"%s\"}\n", e->d_name);
        if (n > 0 && (size_t)n < sizeof(line))
            rc = cb(ctx, line, (size_t)n) ? -1 : 0;
    }
    closedir(d);
    return rc;
}

static int run_file(sp_source *s, const sp_query *q, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    static const char *const exts[] = { "json", "jsonl", "long" };
    if (q->kind == SP_QUERY_SCHEDDS)
        return list_schedds(s->dir, cb, ctx, err, errlen);
    if (!q->schedd || strchr(q->schedd, '/') || !strcmp(q->schedd, "..") || !strcmp(q->schedd, "."))
        return snprintf(err, errlen, "file source: bad schedd name"), -1;
    char path[4096];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s/%s.%s", s->dir, q->schedd, q->kind == SP_QUERY_QUEUE ? "queue" : "history", exts[i]);
        if (access(path, R_OK) == 0)
            return stream_file(path, cb, ctx, err, errlen);
    }
    snprintf(err, errlen, "file source: no %s/%s/%s.{json,jsonl,long}", s->dir, q->schedd,
             q->kind == SP_QUERY_QUEUE ? "queue" : "history");
    return -1;
}

/* ---- http ---- */

typedef struct {
    sp_source_bytes_fn *cb;
    void *ctx;
    long status;
    int stopped;
    char head[512];          /* start of an error body */
    size_t head_len;
    CURL *curl;
} http_ctx;

static size_t on_http_bytes(char *data, size_t size, size_t n, void *arg)
{
    http_ctx *h = arg;
    size_t len = size * n;
    if (!h->status)
        curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &h->status);
    if (h->status != 200) {
        size_t room = sizeof(h->head) - 1 - h->head_len;
        size_t k = len < room ? len : room;
        memcpy(h->head + h->head_len, data, k);
        h->head_len += k;
        h->head[h->head_len] = '\0';
        return len;
    }
    if (h->cb(h->ctx, data, len) != 0) {
        h->stopped = 1;
        return 0;
    }
    return len;
}

/* base/queue?schedd=S&pool=P&constraint=C (each value URL-encoded). */
static int http_url(CURL *c, const char *base, const sp_query *q, char *url, size_t len)
{
    const char *what = q->kind == SP_QUERY_QUEUE ? "queue" : q->kind == SP_QUERY_HISTORY ? "history" : "schedds";
    const char *names[] = { "schedd", "pool", "constraint" };
    const char *values[] = { q->kind == SP_QUERY_SCHEDDS ? NULL : q->schedd, q->pool, q->constraint };
    size_t used = (size_t)snprintf(url, len, "%s/%s", base, what);
    char sep = '?';
    for (int i = 0; i < 3 && used < len; i++) {
        if (!values[i] || !*values[i])
            continue;
        char *enc = curl_easy_escape(c, values[i], 0);
        if (!enc)
            return -1;
        used += (size_t)snprintf(url + used, len - used, "%c%s=%s", sep, names[i], enc);
        curl_free(enc);
        sep = '&';
    }
    return used < len ? 0 : -1;
}

static int run_http(sp_source *s, const sp_query *q, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    char url[8192];
    if (!c)
        return snprintf(err, errlen, "http source: out of memory"), -1;
    if (http_url(c, s->dir, q, url, sizeof(url)) != 0) {
        curl_easy_cleanup(c);
        return snprintf(err, errlen, "http source: query too long"), -1;
    }
    http_ctx h = { .cb = cb, .ctx = ctx, .curl = c };
    long left = q->deadline_ms ? (long)(q->deadline_ms - sp_source_now_ms()) : 0;
    if (q->deadline_ms && left <= 0)
        left = 1;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_http_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    CURLcode rc = curl_easy_perform(c);
    if (!h.status)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h.status);
    curl_easy_cleanup(c);
    oneline(h.head);
    if (h.stopped)
        return snprintf(err, errlen, "http %s: stopped", s->dir), -1;
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return snprintf(err, errlen, "http %s: no complete answer before the deadline", s->dir), -1;
    if (rc != CURLE_OK)
        return snprintf(err, errlen, "http %s: %s", s->dir, curl_easy_strerror(rc)), -1;
    if (h.status != 200)
        return snprintf(err, errlen, "http %s: status %ld%s%s", s->dir, h.status, *h.head ? ": " : "", h.head), -1;
    return 0;
}

int sp_source_run(sp_source *s, const sp_query *q, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    switch (s->kind) {
    case SRC_EXEC: return run_exec(s, q, cb, ctx, err, errlen);
    case SRC_FILE: return run_file(s, q, cb, ctx, err, errlen);
    default: return run_http(s, q, cb, ctx, err, errlen);
    }
}
