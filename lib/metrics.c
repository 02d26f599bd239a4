/* metrics.c - metrics registry, Prometheus text rendering and the /metrics
 * and /healthz endpoints (libmicrohttpd); see metrics.h. */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "metrics.h"
#include "version.h"

#define MAX_LABELS 8

typedef enum { COUNTER, GAUGE, HISTOGRAM } kind_t;

typedef struct {
    char **values;       /* one per label name */
    double value;        /* counter/gauge; histogram: sum */
    double count;        /* histogram observations */
    double *buckets;     /* histogram: cumulative counts per bound */
} series_t;

struct sp_metric {
    sp_metrics *owner;
    kind_t kind;
    char *name;
    char *help;
    char *labels[MAX_LABELS];
    size_t nlabels;
    double *bounds;
    size_t nbounds;
    series_t *series;
    size_t nseries, cap;
};

struct sp_metrics {
    pthread_mutex_t lock;
    sp_metric **metrics;
    size_t n, cap;
    sp_metric *proc[4];  /* process_*: refreshed at each render (sp_metrics_standard) */
};

sp_metrics *sp_metrics_new(void)
{
    sp_metrics *m = calloc(1, sizeof(*m));
    if (m)
        pthread_mutex_init(&m->lock, NULL);
    return m;
}

static void metric_free(sp_metric *x)
{
    for (size_t s = 0; s < x->nseries; s++) {
        for (size_t i = 0; i < x->nlabels; i++)
            free(x->series[s].values[i]);
        free(x->series[s].values);
        free(x->series[s].buckets);
    }
    for (size_t i = 0; i < x->nlabels; i++)
        free(x->labels[i]);
    free(x->series);
    free(x->bounds);
    free(x->name);
    free(x->help);
    free(x);
}

void sp_metrics_free(sp_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        metric_free(m->metrics[i]);
    free(m->metrics);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static sp_metric *define(sp_metrics *m, kind_t kind, const char *name, const char *help,
                         const char *const *labels, const double *bounds, size_t nbounds)
{
    pthread_mutex_lock(&m->lock);
    sp_metric *x = NULL;
    for (size_t i = 0; i < m->n && !x; i++)
        if (strcmp(m->metrics[i]->name, name) == 0)
            x = m->metrics[i];
    if (!x && m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        sp_metric **more = realloc(m->metrics, cap * sizeof(*more));
        if (more) {
            m->metrics = more;
            m->cap = cap;
        }
    }
    if (x || m->n == m->cap || !(x = calloc(1, sizeof(*x)))) {
        pthread_mutex_unlock(&m->lock);
        return x;
    }
    x->owner = m;
    x->kind = kind;
    x->name = strdup(name);
    x->help = strdup(help ? help : "");
    for (size_t i = 0; labels && labels[i] && i < MAX_LABELS; i++)
        x->labels[x->nlabels++] = strdup(labels[i]);
    if (nbounds) {
        x->bounds = malloc(nbounds * sizeof(double));
        memcpy(x->bounds, bounds, nbounds * sizeof(double));
        x->nbounds = nbounds;
    }
    m->metrics[m->n++] = x;
    pthread_mutex_unlock(&m->lock);
    return x;
}

sp_metric *sp_metrics_counter(sp_metrics *m, const char *name, const char *help, const char *const *labels)
{
    return define(m, COUNTER, name, help, labels, NULL, 0);
}

sp_metric *sp_metrics_gauge(sp_metrics *m, const char *name, const char *help, const char *const *labels)
{
    return define(m, GAUGE, name, help, labels, NULL, 0);
}

sp_metric *sp_metrics_histogram(sp_metrics *m, const char *name, const char *help,
                                const char *const *labels, const double *buckets, size_t nbuckets)
{
    return define(m, HISTOGRAM, name, help, labels, buckets, nbuckets);
}

/* The series for these label values, created on first use; lock held. */
static series_t *series_for(sp_metric *x, const char *const *values)
{
    for (size_t s = 0; s < x->nseries; s++) {
        size_t i = 0;
        while (i < x->nlabels && strcmp(x->series[s].values[i], values[i]) == 0)
            i++;
        if (i == x->nlabels)
            return &x->series[s];
    }
    if (x->nseries == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 8;
        series_t *more = realloc(x->series, cap * sizeof(*more));
        if (!more)
            return NULL;
        x->series = more;
        x->cap = cap;
    }
    series_t *s = &x->series[x->nseries++];
    memset(s, 0, sizeof(*s));
    s->values = calloc(x->nlabels ? x->nlabels : 1, sizeof(char *));
    for (size_t i = 0; i < x->nlabels; i++)
        s->values[i] = strdup(values[i] ? values[i] : "");
    if (x->kind == HISTOGRAM)
        s->buckets = calloc(x->nbounds ? x->nbounds : 1, sizeof(double));
    return s;
}

static void update(sp_metric *x, const char *const *values, double v, int how)
{
    pthread_mutex_lock(&x->owner->lock);
    series_t *s = series_for(x, values);
    if (s && how == 0) {
        s->value += v;
    } else if (s && how == 1) {
        s->value = v;
    } else if (s) {
        s->value += v;
        s->count += 1;
        for (size_t i = 0; i < x->nbounds; i++)
            if (v <= x->bounds[i])
                s->buckets[i] += 1;
    }
    pthread_mutex_unlock(&x->owner->lock);
}

void sp_metric_add(sp_metric *x, const char *const *values, double v) { update(x, values, v, 0); }
void sp_metric_declare(sp_metric *x, const char *const *values) { update(x, values, 0, 0); }
void sp_metric_set(sp_metric *x, const char *const *values, double v) { update(x, values, v, 1); }
void sp_metric_observe(sp_metric *x, const char *const *values, double v) { update(x, values, v, 2); }

double sp_metric_value(sp_metric *x, const char *const *values)
{
    pthread_mutex_lock(&x->owner->lock);
    series_t *s = series_for(x, values);
    double v = s ? (x->kind == HISTOGRAM ? s->count : s->value) : 0;
    pthread_mutex_unlock(&x->owner->lock);
    return v;
}

/* ---- rendering ---- */

static int put(sp_buf *out, const char *fmt, ...)
{
    for (;;) {
        size_t room = out->cap - out->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(out->data ? (char *)out->data + out->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -1;
        if ((size_t)n < room) {
            out->len += (size_t)n;
            return 0;
        }
        if (sp_buf_reserve(out, (size_t)n + 1) != 0)
            return -1;
    }
}

static int put_escaped(sp_buf *out, const char *s, int quote)
{
    for (; *s; s++) {
        int rc = *s == '\\' ? put(out, "\\\\") : *s == '\n' ? put(out, "\\n")
               : (quote && *s == '"') ? put(out, "\\\"") : put(out, "%c", *s);
        if (rc)
            return -1;
    }
    return 0;
}

void sp_metrics_format_double(double v, char *buf, size_t len)
{
    if (isinf(v) || isnan(v)) {
        snprintf(buf, len, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {   /* the fewest digits that read back as v */
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* An integer as an integer when that is no longer: 180, le="10", not
     * 1.8e+02, 1e+01 (what Prometheus' own clients print). */
    char whole[40];
    if (v == floor(v) && fabs(v) < 1e17 && snprintf(whole, sizeof(whole), "%.0f", v) > 0
        && strlen(whole) <= strlen(buf))
        snprintf(buf, len, "%s", whole);
}

static int put_number(sp_buf *out, double v)
{
    char num[40];
    sp_metrics_format_double(v, num, sizeof(num));
    return put(out, "%s", num);
}

/* {a="x",b="y"[,le="0.5"]} */
static int put_labels(sp_buf *out, const sp_metric *x, const series_t *s, const char *le)
{
    if (!x->nlabels && !le)
        return 0;
    int rc = put(out, "{");
    for (size_t i = 0; i < x->nlabels && !rc; i++)
        rc = put(out, "%s%s=\"", i ? "," : "", x->labels[i]) || put_escaped(out, s->values[i], 1) || put(out, "\"");
    if (le && !rc)
        rc = put(out, "%sle=\"%s\"", x->nlabels ? "," : "", le);
    return rc || put(out, "}");
}

static int render_series(sp_buf *out, const sp_metric *x, const series_t *s)
{
    if (x->kind != HISTOGRAM)
        return put(out, "%s", x->name) || put_labels(out, x, s, NULL) || put(out, " ") ||
               put_number(out, s->value) || put(out, "\n");
    for (size_t i = 0; i < x->nbounds; i++) {
        char le[40];
        sp_metrics_format_double(x->bounds[i], le, sizeof(le));
        if (put(out, "%s_bucket", x->name) || put_labels(out, x, s, le) || put(out, " ") ||
            put_number(out, s->buckets[i]) || put(out, "\n"))
            return -1;
    }
    return put(out, "%s_bucket", x->name) || put_labels(out, x, s, "+Inf") || put(out, " ") ||
           put_number(out, s->count) || put(out, "\n") ||
           put(out, "%s_sum", x->name) || put_labels(out, x, s, NULL) || put(out, " ") ||
           put_number(out, s->value) || put(out, "\n") ||
           put(out, "%s_count", x->name) || put_labels(out, x, s, NULL) || put(out, " ") ||
           put_number(out, s->count) || put(out, "\n");
}

/* ---- standard metrics: build info and the process, read from /proc ---- */

/* Seconds since the epoch at which the system booted (btime), or -1. */
static double boot_time(void)
{
    FILE *f = fopen("/proc/stat", "r");
    char line[256];
    double bt = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "btime ", 6) == 0)
            bt = strtod(line + 6, NULL);
    if (f)
        fclose(f);
    return bt;
}

/* Fields 14-15 (utime, stime), 22 (starttime) and 24 (rss) of
 * /proc/self/stat, in clock ticks and pages. 0 or -1. */
static int read_self_stat(double *cpu_ticks, double *start_ticks, double *rss_pages)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');   /* the command may hold spaces */
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0, start = 0;
    long rss = 0;
    if (sscanf(p + 2, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu %*s %*s %*s %*s %*s %*s %llu %*s %ld",
               &utime, &stime, &start, &rss) != 4)
        return -1;
    *cpu_ticks = (double)(utime + stime);
    *start_ticks = (double)start;
    *rss_pages = (double)rss;
    return 0;
}

static double open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    double n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;   /* not the descriptor opendir itself holds */
}

static void refresh_process(sp_metrics *m)
{
    double cpu, start, rss, tick = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
    if (read_self_stat(&cpu, &start, &rss) == 0 && tick > 0) {
        sp_metric_set(m->proc[0], NULL, cpu / tick);
        sp_metric_set(m->proc[1], NULL, rss * page);
        double bt = boot_time();
        if (bt >= 0)
            sp_metric_set(m->proc[3], NULL, bt + start / tick);
    }
    double fds = open_fds();
    if (fds >= 0)
        sp_metric_set(m->proc[2], NULL, fds);
}

void sp_metrics_standard(sp_metrics *m)
{
    static const char *const build_labels[] = { "version", "git_hash", NULL };
    sp_metric *b = sp_metrics_gauge(m, "spider_build_info", "Always 1: the version and git hash of this build", build_labels);
    sp_metric_set(b, (const char *[]){ SPIDER_VERSION, sp_version_git_hash() }, 1);
    sp_metric *p[4] = {
        sp_metrics_counter(m, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds", NULL),
        sp_metrics_gauge(m, "process_resident_memory_bytes", "Resident memory size in bytes", NULL),
        sp_metrics_gauge(m, "process_open_fds", "Number of open file descriptors", NULL),
        sp_metrics_gauge(m, "process_start_time_seconds", "Start time of the process since unix epoch in seconds", NULL),
    };
    pthread_mutex_lock(&m->lock);
    memcpy(m->proc, p, sizeof(p));
    pthread_mutex_unlock(&m->lock);
    refresh_process(m);
}

int sp_metrics_render(sp_metrics *m, sp_buf *out)
{
    static const char *types[] = { "counter", "gauge", "histogram" };
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    int process = m->proc[0] != NULL;
    pthread_mutex_unlock(&m->lock);
    if (process)
        refresh_process(m);
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->n && !rc; i++) {
        const sp_metric *x = m->metrics[i];
        rc = put(out, "# HELP %s ", x->name) || put_escaped(out, x->help, 0) ||
             put(out, "\n# TYPE %s %s\n", x->name, types[x->kind]);
        for (size_t s = 0; s < x->nseries && !rc; s++)
            rc = render_series(out, x, &x->series[s]);
    }
    pthread_mutex_unlock(&m->lock);
    return rc ? -1 : 0;
}

/* ---- HTTP ---- */

struct sp_metrics_server {
    struct MHD_Daemon *daemon;
    sp_metrics *metrics;
    sp_metrics_health_fn *health;
    void *ctx;
    pthread_mutex_t lock;           /* guards ready, ready_ctx */
    sp_metrics_health_fn *ready;
    void *ready_ctx;
    int port;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             const void *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* 200 "ok" when fn (or no fn) says so, else 503 with its reason. */
static enum MHD_Result probe(struct MHD_Connection *conn, sp_metrics_health_fn *fn, void *ctx, const char *what)
{
    char why[512];
    snprintf(why, sizeof(why), "%s", what);
    if (!fn || fn(ctx, why, sizeof(why)))
        return reply(conn, MHD_HTTP_OK, "text/plain", "ok\n", 3);
    size_t n = strlen(why);
    if (n && why[n - 1] != '\n' && n + 1 < sizeof(why))
        why[n++] = '\n';
    return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", why, n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    sp_metrics_server *s = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n", 19);
    if (strcmp(url, "/metrics") == 0) {
        sp_buf out = {0};
        if (sp_metrics_render(s->metrics, &out) != 0) {
            sp_buf_free(&out);
            return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "out of memory\n", 14);
        }
        enum MHD_Result r = reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                                  out.data ? (const char *)out.data : "", out.len);
        sp_buf_free(&out);
        return r;
    }
    if (strcmp(url, "/healthz") == 0)
        return probe(conn, s->health, s->ctx, "unhealthy");
    if (strcmp(url, "/readyz") == 0) {
        pthread_mutex_lock(&s->lock);
        sp_metrics_health_fn *fn = s->ready ? s->ready : s->health;
        void *ctx = s->ready ? s->ready_ctx : s->ctx;
        pthread_mutex_unlock(&s->lock);
        return probe(conn, fn, ctx, "not ready");
    }
    return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found: try /metrics, /healthz or /readyz\n", 45);
}

sp_metrics_server *sp_metrics_serve(sp_metrics *m, const char *address, int port,
                                    sp_metrics_health_fn *health, void *ctx, char *err, size_t errlen)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "metrics: \"%s\" is not an IPv4 address", address);
        return NULL;
    }
    sp_metrics_server *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sp_metrics_standard(m);
    s->metrics = m;
    s->health = health;
    s->ctx = ctx;
    pthread_mutex_init(&s->lock, NULL);
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                                 on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "metrics: cannot listen on %s:%d (in use?)", address, port);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : port;
    return s;
}

int sp_metrics_server_port(const sp_metrics_server *s) { return s->port; }

void sp_metrics_server_set_ready(sp_metrics_server *s, sp_metrics_health_fn *ready, void *ctx)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->ready = ready;
    s->ready_ctx = ctx;
    pthread_mutex_unlock(&s->lock);
}

void sp_metrics_server_stop(sp_metrics_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
