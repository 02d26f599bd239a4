/* collector.c - a poll cycle: schedd discovery, the worker pool, queue
 * snapshots, history with checkpoints (see collector.h). It names no
 * backend: ads come from the source (source.h), each converted job goes to
 * the sink, which makes its own Record, JSON line or _bulk line (sink.h),
 * and checkpoints live in the store (store.h).
 *
 * Ownership: a cycle owns its schedd list, tasks and workers; each worker
 * its result ad, arena and scratch buffer; each poll its track (handed to
 * the sink when it times out) and seen sets. */
#include "collector.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>

#include "adreader.h"
#include "config.h"
#include "convert.h"
#include "document.h"
#include "log.h"
#include "record.h"
#include "sink.h"
#include "source.h"
#include "store.h"

#define QUEUE_COMPLETED_SINCE (61 * 60)  /* completed jobs still shown by a queue poll */

typedef struct {
    char *name;
    char *pool_name;                     /* CMS_Pool */
    char *collector;                     /* -pool for the tools, or NULL */
} schedd;

struct sp_collector {
    sp_collector_opts o;
    sp_converter *conv;
    sp_source *src;
    sp_sink *sink;
    sp_store *store;                 /* the history checkpoints: checkpoint.json, or the scale-out topic */
    sp_metrics *m;
    sp_metric *m_ads, *m_bad, *m_docs, *m_convert_failed, *m_unevaluated, *m_polls, *m_schedd_polls;
    sp_metric *m_poll_seconds, *m_last_success, *m_checkpoint_age, *m_cycle_seconds, *m_schedds;
    sp_metric *m_oversized, *m_kafka_unreachable, *m_checkpoint_failed, *m_already_sent;
    sp_metric *m_poll_hist, *m_cycle_hist;
    atomic_llong last_cycle_end;         /* epoch seconds */
};

typedef struct {
    schedd *s;
    sp_query_kind kind;
} task;

typedef struct {
    sp_collector *c;
    task *tasks;
    size_t ntasks;
    atomic_size_t next;
    long long now;
    long long cycle_deadline_ms;
    atomic_ullong ads, bad, docs, convert_failed, ok, failed;
} cycle;

typedef struct {
    cycle *cy;
    sp_expr_cache *cache;
    sp_ad *res;
    sp_arena docs;
    sp_buf scratch;
} worker;

/* One poll of one schedd. */
typedef struct {
    worker *w;
    const task *t;
    sp_track *track;
    const char *topic;
    char snapshot_id[80];
    uint64_t count, checksum, ads, bad, failed;
    double max_ecs;
    sp_seen *seen;                       /* history: the overlap's records Kafka acknowledged before */
    sp_seen *fresh;                      /* history: the records this poll sent */
    uint64_t skipped;                    /* history: records in seen, not sent again */
    int truncated;                       /* stopped at --max-documents */
    char err[512];
    sp_convert_stats stats;
} poll_ctx;

static const char *kind_name(sp_query_kind k)
{
    return k == SP_QUERY_QUEUE ? "queue" : "history";
}

/* ---------- documents ---------- */

static int emit(poll_ctx *p, const char *key, Spider__Record *rec)
{
    sp_collector *c = p->w->cy->c;
    char err[256];
    if (sp_sink_emit(c->sink, p->track, p->topic, key, rec, &p->w->scratch, err, sizeof(err)) != 0) {
        snprintf(p->err, sizeof(p->err), "%s", err);
        return -1;
    }
    return 0;
}

/* The size limit's work on a document, in the log and the metrics. */
static void report_oversize(poll_ctx *p, const sp_oversize *r, const char *id)
{
    sp_collector *c = p->w->cy->c;
    const char *labels[] = { kind_name(p->t->kind), r->dropped ? "dropped" : "truncated" };
    char size[32];
    snprintf(size, sizeof(size), "%zu", r->bytes);
    sp_metric_add(c->m_oversized, labels, 1);
    if (!r->dropped)
        sp_warn("document.truncated", "schedd", p->t->s->name, "kind", labels[0], "id", id, "bytes", size, "limit",
                SP_LOG_INT((long long)r->limit), "largest", r->largest, "truncated", r->truncated, "now_bytes",
                SP_LOG_INT((long long)r->now_bytes));
    else
        sp_error("document.oversized", "schedd", p->t->s->name, "kind", labels[0], "id", id, "bytes", size, "limit",
                 SP_LOG_INT((long long)r->limit), "largest", r->largest, "action", "dropped: no string left to truncate");
}

/* The converted job to the sink, which makes it a Record, a JSON line or a
 * _bulk line. 0; 1 when it was too large even truncated (dropped and
 * counted); -1 with err when it cannot be a document; -1 with p->err set
 * when the sink failed. */
static int emit_document(poll_ctx *p, const sp_document_meta *meta, char *id, size_t idlen, char *err, size_t errlen)
{
    sp_collector *c = p->w->cy->c;
    sp_oversize big;
    sp_sink_doc doc = { .res = p->w->res, .meta = meta, .key = p->t->kind == SP_QUERY_QUEUE ? p->t->s->name : NULL,
                        .scratch = &p->w->scratch, .arena = &p->w->docs, .id = id, .idlen = idlen, .oversize = &big };
    int rc = sp_sink_emit_document(c->sink, p->track, p->topic, &doc, p->err, sizeof(p->err));
    if (big.over)
        report_oversize(p, &big, id);
    if (rc == SP_SINK_BAD_DOCUMENT) {            /* not the sink's failure: the poll goes on */
        size_t n = strnlen(p->err, errlen - 1);
        memcpy(err, p->err, n);
        err[n] = p->err[0] = '\0';
    }
    return rc == SP_SINK_FAILED ? -1 : rc;
}

/* A history ad's GlobalJobId and EnteredCurrentStatus; 0 without both. */
static int history_identity(const sp_ad *ad, const char **gjid, double *ecs)
{
    const sp_cval *e = sp_ad_getz((sp_ad *)ad, "EnteredCurrentStatus");
    const sp_cval *g = sp_ad_getz((sp_ad *)ad, "GlobalJobId");
    if (!e || (e->type != SP_CV_INT && e->type != SP_CV_REAL) || !g || g->type != SP_CV_STRING)
        return 0;
    *ecs = e->type == SP_CV_INT ? (double)e->u.i : e->u.r;
    *gjid = g->u.str.s;
    return 1;
}

/* History: notes the newest completion; 1 when Kafka already has the record. */
static int history_seen(poll_ctx *p, const sp_ad *ad, char *gjid, size_t len, double *ecs)
{
    const char *g;
    *gjid = '\0';
    if (!history_identity(ad, &g, ecs))
        return 0;
    if (*ecs > p->max_ecs)
        p->max_ecs = *ecs;
    if (p->seen && sp_seen_has(p->seen, g, *ecs)) {
        p->skipped++;
        return 1;
    }
    snprintf(gjid, len, "%s", g);
    return 0;
}

static int on_ad(void *ctx, sp_ad *ad)
{
    poll_ctx *p = ctx;
    sp_collector *c = p->w->cy->c;
    const char *kind = kind_name(p->t->kind);
    char err[256], gjid[512] = "";
    double ecs = 0;
    p->ads++;
    if (p->t->kind == SP_QUERY_HISTORY && history_seen(p, ad, gjid, sizeof(gjid), &ecs))
        return 0;
    sp_convert_job job = { p->t->s->pool_name, p->t->kind == SP_QUERY_QUEUE && !c->o.keep_full_queue_data, p->w->cy->now,
                           p->w->cache };
    int rc = sp_convert(c->conv, &job, ad, p->w->res, &p->stats, err, sizeof(err));
    if (rc == 0)
        return 0;
    const char *labels[] = { kind, rc < 0 ? "no_global_job_id" : "document" };
    if (rc < 0) {
        p->failed++;
        sp_metric_add(c->m_convert_failed, labels, 1);
        sp_warn("convert.failed", "schedd", p->t->s->name, "kind", kind, "error", err);
        return 0;
    }
    sp_document_meta meta = { c->o.index_template, c->o.hostname, (long long)time(NULL) * 1000,
                              p->t->kind == SP_QUERY_QUEUE ? SPIDER__SOURCE__CONDOR_QUEUE : SPIDER__SOURCE__CONDOR_HISTORY,
                              p->t->kind == SP_QUERY_QUEUE ? p->snapshot_id : NULL,
                              p->t->kind == SP_QUERY_QUEUE ? job.now : 0 };
    char id[1024];
    rc = emit_document(p, &meta, id, sizeof(id), err, sizeof(err));
    if (rc > 0)
        return 0;                        /* dropped as oversized: counted, the poll goes on */
    if (rc != 0) {
        if (*p->err)
            return 1;                    /* the sink failed: stop this poll */
        p->failed++;
        sp_metric_add(c->m_convert_failed, labels, 1);
        sp_warn("convert.failed", "schedd", p->t->s->name, "kind", kind, "error", err);
        return 0;
    }
    p->count++;
    if (*gjid && p->fresh && sp_seen_add(p->fresh, gjid, ecs) != 0)
        return snprintf(p->err, sizeof(p->err), "out of memory"), 1;
    p->checksum = sp_record_checksum_add(p->checksum, id, strlen(id));
    if (c->o.max_documents > 0 && (long long)p->count >= c->o.max_documents) {
        p->truncated = 1;
        return 1;
    }
    return 0;
}

static void on_bad(void *ctx, const char *err)
{
    poll_ctx *p = ctx;
    sp_collector *c = p->w->cy->c;
    const char *labels[] = { kind_name(p->t->kind) };
    p->bad++;
    sp_metric_add(c->m_bad, labels, 1);
    sp_warn("ad.bad", "schedd", p->t->s->name, "kind", labels[0], "error", err);
}

typedef struct {
    sp_adreader *r;
    poll_ctx *p;
    char err[256];
    int failed;
} feed_ctx;

static int on_bytes(void *ctx, const void *data, size_t len)
{
    feed_ctx *f = ctx;
    if (sp_adreader_feed(f->r, data, len, f->err, sizeof(f->err)) != 0) {
        f->failed = 1;
        return 1;
    }
    return 0;
}

/* ---------- queue and history polls ---------- */

static int emit_marker(poll_ctx *p, int begin)
{
    Spider__Record rec = SPIDER__RECORD__INIT;
    Spider__SnapshotBegin b = SPIDER__SNAPSHOT_BEGIN__INIT;
    Spider__SnapshotEnd e = SPIDER__SNAPSHOT_END__INIT;
    if (begin) {
        b.schedd = p->t->s->name;
        b.snapshot_id = p->snapshot_id;
        b.time_slot = p->w->cy->now;
        rec.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_BEGIN;
        rec.snapshot_begin = &b;
    } else {
        e.schedd = p->t->s->name;
        e.snapshot_id = p->snapshot_id;
        e.time_slot = p->w->cy->now;
        e.count = p->count;
        e.checksum = p->checksum;
        e.truncated = p->truncated != 0;
        rec.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_END;
        rec.snapshot_end = &e;
    }
    return emit(p, p->t->s->name, &rec);
}

static void build_constraint(const poll_ctx *p, double start, char *out, size_t len)
{
    long long now = p->w->cy->now;
    if (p->t->kind == SP_QUERY_QUEUE) {
        long long since = now - QUEUE_COMPLETED_SINCE;
        snprintf(out, len,
                 "(JobUniverse == 5) && (CMS_Type != \"DONOTMONIT\") && (JobStatus < 3 || JobStatus > 4 || "
                 "EnteredCurrentStatus >= %lld || CRAB_PostJobLastUpdate >= %lld)", since, since);
    } else {
        long long since = sp_history_since(start, p->w->cy->c->o.history_overlap_s);
        snprintf(out, len,
                 "(JobUniverse == 5) && (CMS_Type != \"DONOTMONIT\") && (EnteredCurrentStatus >= %lld || "
                 "CRAB_PostJobLastUpdate >= %lld)", since, since);
    }
}

/* Reads the answer into documents; 0 when it was whole. */
static int read_answer(poll_ctx *p, const sp_query *q)
{
    sp_collector *c = p->w->cy->c;
    feed_ctx f = { sp_adreader_new(c->o.max_ad_bytes, on_ad, on_bad, p), p, "", 0 };
    if (!f.r)
        return snprintf(p->err, sizeof(p->err), "out of memory"), -1;
    char err[512];
    int rc = sp_source_run(c->src, q, on_bytes, &f, err, sizeof(err));
    if (p->truncated) {
        rc = 0;
    } else if (f.failed) {
        if (!*p->err)
            snprintf(p->err, sizeof(p->err), "%s: %s", sp_adreader_format(f.r), f.err);
        rc = -1;
    } else if (rc != 0) {
        snprintf(p->err, sizeof(p->err), "%s", err);
    } else if (sp_adreader_finish(f.r, err, sizeof(err)) != 0) {
        snprintf(p->err, sizeof(p->err), "answer ended badly: %.400s", err);
        rc = -1;
    }
    sp_adreader_free(f.r);
    return rc;
}

/* The seen set to keep after an acknowledged poll: what was seen before
 * and what this poll sent, less what the next overlap (from t) cannot
 * read again. In p->seen; -1 on ENOMEM. */
static int next_seen(poll_ctx *p, double t)
{
    return p->seen && p->fresh ? sp_seen_next(p->seen, p->fresh, t, p->w->cy->c->o.history_overlap_s) : -1;
}

/* 0, or -1 with p->err when the checkpoint could not be saved. */
static int advance_checkpoint(poll_ctx *p, double start)
{
    sp_collector *c = p->w->cy->c;
    double t = p->max_ecs > start ? p->max_ecs : start;
    char err[256] = "out of memory";
    int rc = next_seen(p, t);
    if (rc == 0)
        rc = sp_store_save(c->store, p->t->s->name, t, p->seen, err, sizeof(err));
    const char *labels[] = { p->t->s->name };
    if (rc != 0) {
        const char *where = sp_store_where(c->store);
        sp_error("checkpoint.save_failed", "schedd", p->t->s->name, sp_store_kind(c->store), where, "error", err);
        sp_metric_add(c->m_checkpoint_failed, labels, 1);
        snprintf(p->err, sizeof(p->err), "checkpoint not saved (%s): %s", where, err);
        return -1;
    }
    sp_metric_set(c->m_checkpoint_age, labels, (double)p->w->cy->now - t);
    return 0;
}

static long long poll_deadline(const cycle *cy)
{
    long long d = sp_source_now_ms() + (long long)cy->c->o.schedd_timeout_s * 1000;
    return d < cy->cycle_deadline_ms ? d : cy->cycle_deadline_ms;
}

/* 64 random bits for a snapshot id: unique across instances and restarts
 * (a seeded random() repeated itself in two instances started together). */
static unsigned long long snapshot_nonce(void)
{
    unsigned long long r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r = ((unsigned long long)ts.tv_nsec << 20) ^ (unsigned long long)getpid() ^ (unsigned long long)(uintptr_t)&r;
    }
    return r;
}

/* One poll of one schedd in spider_collector_schedd_polls_total, both of its
 * results declared at the schedd's first poll so that rate() sees the first
 * failure (success per schedd, for the dashboard). */
static void count_schedd_poll(sp_collector *c, const char *schedd, const char *kind, int ok)
{
    sp_metric_declare(c->m_schedd_polls, (const char *[]){ schedd, kind, "ok" });
    sp_metric_declare(c->m_schedd_polls, (const char *[]){ schedd, kind, "failed" });
    sp_metric_add(c->m_schedd_polls, (const char *[]){ schedd, kind, ok ? "ok" : "failed" }, 1);
}

static int run_poll(worker *w, const task *t)
{
    sp_collector *c = w->cy->c;
    poll_ctx p = { .w = w, .t = t };
    char constraint[512];
    double start = 0;
    long long t0 = sp_source_now_ms();
    if (t->kind == SP_QUERY_HISTORY) {
        start = sp_store_history_start(c->store, t->s->name, (double)w->cy->now, c->o.history_max_minutes, &p.seen);
        p.fresh = sp_seen_new();
    }
    build_constraint(&p, start, constraint, sizeof(constraint));
    long long deadline = poll_deadline(w->cy);
    sp_query q = { t->kind, t->s->name, t->s->collector, constraint, deadline };
    if (c->o.dry_run) {
        char cmd[1024];
        sp_source_describe(c->src, &q, cmd, sizeof(cmd));
        sp_info("poll.dry_run", "schedd", t->s->name, "kind", kind_name(t->kind), "would_run", cmd);
        sp_seen_free(p.seen);
        sp_seen_free(p.fresh);
        return 0;
    }
    p.track = calloc(1, sizeof(*p.track));
    if (!p.track) {
        sp_seen_free(p.seen);
        sp_seen_free(p.fresh);
        return -1;
    }
    p.topic = t->kind == SP_QUERY_QUEUE ? c->o.topic_queue : c->o.topic_history;
    snprintf(p.snapshot_id, sizeof(p.snapshot_id), "%lld-%016llx", w->cy->now, snapshot_nonce());
    int rc = t->kind == SP_QUERY_QUEUE ? emit_marker(&p, 1) : 0;
    if (rc == 0)
        rc = read_answer(&p, &q);
    if (rc == 0 && t->kind == SP_QUERY_QUEUE)
        rc = emit_marker(&p, 0);
    int acked = sp_sink_wait(c->sink, p.track, deadline + 30000) == 0;
    if (rc == 0 && !acked) {
        char why[512];
        sp_sink_failure(c->sink, p.track, why, sizeof(why));
        snprintf(p.err, sizeof(p.err), "%ld of %lu records not acknowledged by Kafka (%.100s): %.300s",
                 atomic_load(&p.track->pending) + atomic_load(&p.track->failed),
                 (unsigned long)(p.count + (t->kind == SP_QUERY_QUEUE ? 2 : 0)),
                 sp_kafka_props_get_producer(c->o.kafka, "bootstrap.servers"), why);
        rc = -1;
    }
    if (atomic_load(&p.track->pending) > 0)
        sp_sink_abandon(c->sink, p.track);
    else
        free(p.track);
    if (rc == 0 && t->kind == SP_QUERY_HISTORY && !p.truncated && !c->o.read_only)
        rc = advance_checkpoint(&p, start);
    sp_seen_free(p.seen);
    sp_seen_free(p.fresh);

    const char *kind = kind_name(t->kind);
    const char *l_kind[] = { kind };
    const char *l_poll[] = { kind, rc == 0 ? "ok" : "failed" };
    const char *l_schedd[] = { t->s->name, kind };
    double secs = (double)(sp_source_now_ms() - t0) / 1000.0;
    sp_metric_add(c->m_ads, l_kind, (double)p.ads);
    sp_metric_add(c->m_docs, l_kind, (double)p.count);
    if (t->kind == SP_QUERY_HISTORY)
        sp_metric_add(c->m_already_sent, NULL, (double)p.skipped);
    sp_metric_add(c->m_unevaluated, l_kind, (double)p.stats.unevaluated);
    sp_metric_add(c->m_polls, l_poll, 1);
    count_schedd_poll(c, t->s->name, kind, rc == 0);
    sp_metric_set(c->m_poll_seconds, l_schedd, secs);
    sp_metric_observe(c->m_poll_hist, l_kind, secs);
    sp_metric_declare(c->m_checkpoint_failed, l_schedd);   /* 0 until this schedd's first failure */
    atomic_fetch_add(&w->cy->ads, p.ads);
    atomic_fetch_add(&w->cy->bad, p.bad);
    atomic_fetch_add(&w->cy->docs, p.count);
    atomic_fetch_add(&w->cy->convert_failed, p.failed);
    if (rc == 0) {
        sp_metric_set(c->m_last_success, l_schedd, (double)time(NULL));
        sp_info("poll.done", "schedd", t->s->name, "kind", kind, "ads", SP_LOG_INT(p.ads), "documents", SP_LOG_INT(p.count),
                "already_sent", SP_LOG_INT(p.skipped), "bad_ads", SP_LOG_INT(p.bad), "seconds", SP_LOG_DBL(secs));
    } else {
        sp_error("poll.failed", "schedd", t->s->name, "kind", kind, "error", p.err, "ads", SP_LOG_INT(p.ads),
                 "seconds", SP_LOG_DBL(secs));
    }
    return rc;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    cycle *cy = w->cy;
    size_t i;
    while ((i = atomic_fetch_add(&cy->next, 1)) < cy->ntasks) {
        const task *t = &cy->tasks[i];
        if (sp_source_now_ms() >= cy->cycle_deadline_ms) {
            sp_error("poll.skipped", "schedd", t->s->name, "kind", kind_name(t->kind), "error", "cycle deadline passed");
            atomic_fetch_add(&cy->failed, 1);
            continue;
        }
        if (run_poll(w, t) == 0)
            atomic_fetch_add(&cy->ok, 1);
        else
            atomic_fetch_add(&cy->failed, 1);
    }
    return NULL;
}

/* ---------- schedd discovery ---------- */

typedef struct {
    schedd *list;
    size_t n, cap;
    const char *pool_name, *collector;
    const sp_collector_opts *o;
} discovery;

static int wanted(const sp_collector_opts *o, const char *name)
{
    if (!o->schedd_filter)
        return 1;
    for (char **f = o->schedd_filter; *f; f++)
        if (!strcmp(*f, name))
            return 1;
    return 0;
}

static int add_schedd(discovery *d, const char *name, const char *pool_name, const char *collector)
{
    if (!wanted(d->o, name))
        return 0;
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->list[i].name, name))
            return 0;                    /* seen in an earlier pool */
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        schedd *l = realloc(d->list, cap * sizeof(*l));
        if (!l)
            return -1;
        d->list = l;
        d->cap = cap;
    }
    schedd *s = &d->list[d->n++];
    s->name = strdup(name);
    s->pool_name = strdup(pool_name);
    s->collector = collector ? strdup(collector) : NULL;
    return s->name && s->pool_name ? 0 : -1;
}

static int on_schedd_ad(void *ctx, sp_ad *ad)
{
    discovery *d = ctx;
    const sp_cval *name = sp_ad_getz(ad, "Name");
    if (name && name->type == SP_CV_STRING)
        return add_schedd(d, name->u.str.s, d->pool_name, d->collector) != 0;
    return 0;
}

static void on_bad_schedd_ad(void *ctx, const char *err)
{
    discovery *d = ctx;
    sp_warn("discovery.bad_ad", "collector", d->collector, "error", err);
}

static int reader_bytes(void *ctx, const void *data, size_t len)
{
    char err[256];
    return sp_adreader_feed(ctx, data, len, err, sizeof(err)) != 0;
}

/* Asks the pool's collectors in turn until one answers. */
static int discover_pool(sp_collector *c, discovery *d, const char *pool_name, json_t *hosts)
{
    size_t i;
    json_t *host;
    char err[512] = "no collector listed";
    json_array_foreach(hosts, i, host) {
        d->pool_name = pool_name;
        d->collector = json_string_value(host);
        if (!d->collector)
            continue;
        sp_adreader *r = sp_adreader_new(0, on_schedd_ad, on_bad_schedd_ad, d);
        sp_query q = { SP_QUERY_SCHEDDS, NULL, d->collector, NULL, sp_source_now_ms() + 60000 };
        int rc = r ? sp_source_run(c->src, &q, reader_bytes, r, err, sizeof(err)) : -1;
        if (rc == 0)
            rc = sp_adreader_finish(r, err, sizeof(err));
        sp_adreader_free(r);
        if (rc == 0)
            return 0;
        sp_warn("discovery.collector_failed", "pool", pool_name, "collector", d->collector, "error", err);
    }
    sp_error("discovery.pool_failed", "pool", pool_name, "error", err);
    return -1;
}

static void free_schedd_fields(schedd *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].name);
        free(l[i].pool_name);
        free(l[i].collector);
    }
}

static void free_schedds(schedd *l, size_t n)
{
    free_schedd_fields(l, n);
    free(l);
}

static int discover(sp_collector *c, schedd **out, size_t *n)
{
    discovery d = { .o = &c->o };
    int rc = 0;
    if (c->o.schedds) {
        for (char **s = c->o.schedds; *s && rc == 0; s++)
            rc = add_schedd(&d, *s, "Unknown", NULL);
    } else if (c->o.collectors_file && *c->o.collectors_file) {
        char err[512];
        json_t *pools = sp_config_read_json(c->o.collectors_file, err, sizeof(err));
        if (!pools || !json_is_object(pools)) {
            sp_error("discovery.failed", "file", c->o.collectors_file, "error", pools ? "not a JSON object of pool -> [collector hosts]" : err);
            json_decref(pools);
            return -1;
        }
        const char *pool;
        json_t *hosts;
        json_object_foreach(pools, pool, hosts) {
            if (json_is_array(hosts))
                discover_pool(c, &d, pool, hosts);
            else
                sp_error("discovery.failed", "file", c->o.collectors_file, "pool", pool, "error", "expected a list of collector hosts");
        }
        json_decref(pools);
    } else {
        json_t *none = json_array();
        json_array_append_new(none, json_string(""));
        rc = discover_pool(c, &d, "Unknown", none);
        json_decref(none);
    }
    *out = d.list;
    *n = d.n;
    return rc;
}

/* ---------- the cycle ---------- */

/* Before any poll: do the brokers answer within --kafka-timeout? When they
 * do not, the cycle polls nothing (no snapshot begun that cannot end, no
 * checkpoint), every poll it would have run counts as failed, and one line
 * says which brokers and why: once per cycle, not once per record. */
static int kafka_unreachable(sp_collector *c, size_t nschedds, int kinds, sp_cycle_stats *stats)
{
    char err[1024];
    if (c->o.read_only || c->o.dry_run || sp_sink_check(c->sink, c->o.kafka_timeout_s * 1000, err, sizeof(err)) == 0)
        return 0;
    size_t per = 0;
    int q = c->o.process_queue && (kinds & SP_POLL_QUEUE), h = c->o.process_history && (kinds & SP_POLL_HISTORY);
    const char *lq[] = { "queue", "failed" }, *lh[] = { "history", "failed" };
    if (q)
        sp_metric_add(c->m_polls, lq, (double)nschedds), per++;
    if (h)
        sp_metric_add(c->m_polls, lh, (double)nschedds), per++;
    sp_metric_add(c->m_kafka_unreachable, NULL, 1);
    stats->schedds = nschedds;
    stats->polls_failed = nschedds * per;
    sp_error("kafka.unreachable", "error", err, "polls_failed", SP_LOG_INT((long long)stats->polls_failed),
             "timeout_s", SP_LOG_INT(c->o.kafka_timeout_s));
    return 1;
}

int sp_collector_cycle(sp_collector *c, long long now, int kinds, sp_cycle_stats *stats)
{
    schedd *list = NULL;
    size_t n = 0;
    long long t0 = sp_source_now_ms();
    memset(stats, 0, sizeof(*stats));
    discover(c, &list, &n);
    if (n == 0) {
        sp_error("cycle.no_schedds", "hint", "check --schedds, --collectors-file and --schedd-filter");
        free_schedds(list, n);
        return -1;
    }
    if (sp_store_shared(c->store)) { /* only the schedds of this instance's partitions */
        size_t k = 0, all = n;
        for (size_t i = 0; i < n; i++) {
            if (sp_store_owns(c->store, list[i].name)) {
                schedd tmp = list[k];
                list[k++] = list[i];
                list[i] = tmp;
            }
        }
        free_schedd_fields(list + k, n - k);
        n = k;
        int assigned, loaded = sp_store_loaded(c->store, &assigned);
        sp_info("cycle.scaleout", "schedds_here", SP_LOG_INT(n), "schedds_in_pool", SP_LOG_INT(all), "partitions_assigned",
                SP_LOG_INT(assigned), "partitions_loaded", SP_LOG_INT(loaded));
        if (n == 0) {
            free(list);
            return 0;
        }
    }
    sp_metric_set(c->m_schedds, NULL, (double)n);
    if (kafka_unreachable(c, n, kinds, stats)) {
        free_schedds(list, n);
        atomic_store(&c->last_cycle_end, (long long)time(NULL));
        return 1;
    }
    cycle cy = { .c = c, .now = now, .cycle_deadline_ms = t0 + (long long)c->o.cycle_timeout_s * 1000 };
    cy.tasks = calloc(n * 2, sizeof(*cy.tasks));
    for (size_t i = 0; cy.tasks && i < n; i++) {
        if (c->o.process_queue && (kinds & SP_POLL_QUEUE))
            cy.tasks[cy.ntasks++] = (task){ &list[i], SP_QUERY_QUEUE };
        if (c->o.process_history && (kinds & SP_POLL_HISTORY))
            cy.tasks[cy.ntasks++] = (task){ &list[i], SP_QUERY_HISTORY };
    }
    int nw = c->o.workers < 1 ? 1 : c->o.workers;
    if ((size_t)nw > cy.ntasks)
        nw = (int)cy.ntasks;
    worker *ws = calloc((size_t)nw, sizeof(*ws));
    pthread_t *th = calloc((size_t)nw, sizeof(*th));
    int started = 0;
    for (int i = 0; ws && th && cy.tasks && i < nw; i++) {
        ws[i].cy = &cy;
        ws[i].res = sp_ad_new();
        ws[i].cache = sp_expr_cache_new();
        if (ws[i].res && ws[i].cache && pthread_create(&th[i], NULL, worker_main, &ws[i]) == 0)
            started++;
        else
            break;
    }
    if (started == 0 && cy.ntasks)
        worker_main(&(worker){ .cy = &cy, .res = sp_ad_new() });    /* threads refused: do it here */
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; ws && i < nw; i++) {
        sp_ad_free(ws[i].res);
        sp_expr_cache_free(ws[i].cache);
        sp_arena_free(&ws[i].docs);
        sp_buf_free(&ws[i].scratch);
    }
    free(ws);
    free(th);
    free(cy.tasks);
    stats->schedds = n;
    stats->polls_ok = cy.ok;
    stats->polls_failed = cy.failed;
    stats->ads = cy.ads;
    stats->bad_ads = cy.bad;
    stats->documents = cy.docs;
    stats->convert_failed = cy.convert_failed;
    free_schedds(list, n);
    double secs = (double)(sp_source_now_ms() - t0) / 1000.0;
    sp_metric_set(c->m_cycle_seconds, NULL, secs);
    sp_metric_observe(c->m_cycle_hist, NULL, secs);
    atomic_store(&c->last_cycle_end, (long long)time(NULL));   /* failed schedds are in the metrics */
    sp_info("cycle.done", "schedds", SP_LOG_INT(n), "polls_ok", SP_LOG_INT(stats->polls_ok), "polls_failed",
            SP_LOG_INT(stats->polls_failed), "ads", SP_LOG_INT(stats->ads), "documents", SP_LOG_INT(stats->documents),
            "bad_ads", SP_LOG_INT(stats->bad_ads), "seconds", SP_LOG_DBL(secs));
    return stats->polls_failed ? 1 : 0;
}

int sp_collector_wait_ready(sp_collector *c, int timeout_ms)
{
    long long end = sp_source_now_ms() + timeout_ms;
    int assigned = 0, loaded = 0;
    int shared = sp_store_shared(c->store);
    while (shared && sp_source_now_ms() < end) {
        loaded = sp_store_loaded(c->store, &assigned);
        if (assigned > 0 && loaded == assigned)
            return 1;
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return !shared;
}

int sp_collector_healthy(void *ctx, char *why, size_t whylen)
{
    sp_collector *c = ctx;
    long long last = atomic_load(&c->last_cycle_end);
    if (last < 0)
        snprintf(why, whylen, "no poll cycle has completed yet\n");
    return last >= 0;
}

int sp_collector_ready(void *ctx, char *why, size_t whylen)
{
    sp_collector *c = ctx;
    return sp_collector_healthy(ctx, why, whylen) && sp_sink_reachable(c->sink, why, whylen);
}

/* ---------- life cycle ---------- */

/* Every known label value at 0 from the start, so that rate() sees the
 * first event. Per-schedd series appear at the schedd's first poll. */
static void declare_known(sp_collector *c)
{
    static const char *const kinds[] = { "queue", "history" };
    static const char *const results[] = { "ok", "failed" };
    static const char *const reasons[] = { "no_global_job_id", "document" };
    static const char *const actions[] = { "truncated", "dropped" };
    for (size_t k = 0; k < 2; k++) {
        const char *l[] = { kinds[k] };
        sp_metric *per_kind[] = { c->m_ads, c->m_bad, c->m_docs, c->m_unevaluated, c->m_poll_hist };
        for (size_t i = 0; i < sizeof(per_kind) / sizeof(per_kind[0]); i++)
            sp_metric_declare(per_kind[i], l);
        for (size_t j = 0; j < 2; j++) {
            sp_metric_declare(c->m_polls, (const char *[]){ kinds[k], results[j] });
            sp_metric_declare(c->m_convert_failed, (const char *[]){ kinds[k], reasons[j] });
            sp_metric_declare(c->m_oversized, (const char *[]){ kinds[k], actions[j] });
        }
    }
    sp_metric_declare(c->m_kafka_unreachable, NULL);
    sp_metric_declare(c->m_cycle_hist, NULL);
}

static void register_metrics(sp_collector *c)
{
    static const char *const kind[] = { "kind", NULL };
    static const char *const kind_result[] = { "kind", "result", NULL };
    static const char *const kind_reason[] = { "kind", "reason", NULL };
    static const char *const schedd_kind[] = { "schedd", "kind", NULL };
    static const char *const schedd_l[] = { "schedd", NULL };
    c->m_ads = sp_metrics_counter(c->m, "spider_collector_ads_total", "Ads read from schedds", kind);
    c->m_bad = sp_metrics_counter(c->m, "spider_collector_bad_ads_total", "Ads skipped: malformed, invalid UTF-8, too large", kind);
    c->m_docs = sp_metrics_counter(c->m, "spider_collector_documents_total", "Documents emitted", kind);
    c->m_already_sent = sp_metrics_counter(c->m, "spider_collector_history_already_sent_total", "History records of the overlap not sent again: Kafka acknowledged them before", NULL);
    c->m_convert_failed = sp_metrics_counter(c->m, "spider_collector_convert_failed_total", "Ads that could not become documents", kind_reason);
    c->m_unevaluated = sp_metrics_counter(c->m, "spider_collector_unevaluated_expressions_total", "Expressions kept as text", kind);
    c->m_polls = sp_metrics_counter(c->m, "spider_collector_polls_total", "Schedd polls by result", kind_result);
    static const char *const schedd_kind_result[] = { "schedd", "kind", "result", NULL };
    c->m_schedd_polls = sp_metrics_counter(c->m, "spider_collector_schedd_polls_total", "Polls of each schedd by result (those of a cycle skipped for Kafka: spider_collector_polls_total only)", schedd_kind_result);
    c->m_poll_seconds = sp_metrics_gauge(c->m, "spider_collector_poll_duration_seconds", "Duration of the last poll", schedd_kind);
    c->m_last_success = sp_metrics_gauge(c->m, "spider_collector_last_success_timestamp_seconds", "End of the last successful poll", schedd_kind);
    c->m_checkpoint_age = sp_metrics_gauge(c->m, "spider_collector_checkpoint_age_seconds", "Poll time minus the schedd's history checkpoint", schedd_l);
    c->m_cycle_seconds = sp_metrics_gauge(c->m, "spider_collector_cycle_duration_seconds", "Duration of the last cycle", NULL);
    c->m_schedds = sp_metrics_gauge(c->m, "spider_collector_schedds", "Schedds in the last cycle", NULL);
    static const char *const kind_action[] = { "kind", "action", NULL };
    c->m_oversized = sp_metrics_counter(c->m, "spider_collector_oversized_documents_total", "Documents over message.max.bytes: truncated (largest strings cut), or dropped", kind_action);
    c->m_kafka_unreachable = sp_metrics_counter(c->m, "spider_collector_kafka_unreachable_total", "Cycles skipped: no Kafka broker answered within --kafka-timeout", NULL);
    c->m_checkpoint_failed = sp_metrics_counter(c->m, "spider_collector_checkpoint_save_failed_total", "History polls whose checkpoint could not be saved (the poll failed)", schedd_l);
    static const double buckets[] = { 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600 };
    c->m_poll_hist = sp_metrics_histogram(c->m, "spider_collector_poll_seconds", "Duration of one schedd poll (spider_collector_poll_duration_seconds: the last one)", kind, buckets, 11);
    c->m_cycle_hist = sp_metrics_histogram(c->m, "spider_collector_cycle_seconds", "Duration of one cycle (spider_collector_cycle_duration_seconds: the last one)", NULL, buckets, 11);
    declare_known(c);
}

sp_collector *sp_collector_new(const sp_collector_opts *o, sp_metrics *metrics, char *err, size_t errlen)
{
    sp_collector *c = calloc(1, sizeof(*c));
    if (!c)
        return snprintf(err, errlen, "out of memory"), NULL;
    c->o = *o;
    c->m = metrics;
    atomic_store(&c->last_cycle_end, -1);
    register_metrics(c);
    if (!(c->conv = sp_converter_new(o->affiliation_file, err, errlen)) ||
        !(c->src = sp_source_new(o->source, err, errlen))) {
        sp_collector_free(c);
        return NULL;
    }
    sp_store_conf store = { .scale_out = o->scale_out, .file = o->checkpoint_file, .kafka = o->kafka, .group = o->group,
                            .topic = o->checkpoint_topic, .partitions = o->checkpoint_partitions };
    if (!(c->store = sp_store_open(&store, err, errlen))) {
        sp_collector_free(c);
        return NULL;
    }
    sp_sink_conf sink = { .output = o->output, .path = o->output_file, .kafka = o->kafka, .read_only = o->read_only,
                          .dry_run = o->dry_run };
    c->sink = sp_sink_open(&sink, err, errlen);
    if (!c->sink) {
        sp_collector_free(c);
        return NULL;
    }
    return c;
}

void sp_collector_free(sp_collector *c)
{
    if (!c)
        return;
    sp_sink_free(c->sink);
    sp_store_free(c->store);
    sp_source_free(c->src);
    sp_converter_free(c->conv);
    free(c);
}
