/* stream.c - spider-differ stream through Kafka (see stream.h). */
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>

#include <jansson.h>
#include <unistd.h>

#include "log.h"
#include "lost.h"
#include "record.h"
#include "snapdiff.h"
#include "clock.h"
#include "pbwire.h"

#define MAX_META 4000                  /* commit metadata bytes (Kafka's default limit: 4096) */

/* Where each schedd's snapshots are, for the commits. */
typedef struct {
    char *name;
    int32_t partition;
    int64_t begin;                     /* offset of the begin marker in progress, -1 */
    int64_t diffed_begin;              /* offset of the last diffed snapshot's begin, -1 */
    char *diffed_sid;
    int64_t resume_until;              /* snapshots beginning up to here were diffed before, -1 */
} schedd_pos;

/* Last diffed snapshots read from a commit's metadata, by schedd hash. */
typedef struct {
    uint32_t hash;
    int32_t partition;
    int64_t begin;
    char sid[64];
} resume_point;

typedef struct {
    const sp_stream_opts *o;
    sp_kafka_consumer *consumer;
    sp_kafka_consumer *history;        /* NULL without lost-job tracking */
    sp_lost *lost;
    sp_stomp_client *amq;              /* connected at the first alert */
    sp_kafka_producer *producer;
    sp_snapdiff *diff;
    schedd_pos *schedds;
    size_t n, cap;
    resume_point *resume;
    size_t nresume, capresume;
    rd_kafka_message_t *msg;           /* the message being fed */
    int32_t done_partition;            /* a snapshot completed on it: commit; -1 none */
    sp_metric *m_snap, *m_changes, *m_jobs, *m_bytes, *m_records, *m_alerts, *m_alerts_failed, *m_pending;
    sp_snapdiff_stats last;
    atomic_llong loop_ms;              /* the loop's last round (/readyz) */
} stream;

static uint32_t hash32(const char *s) { return (uint32_t)sp_hash_fnv1a64(s, strlen(s)); }

static schedd_pos *pos_of(stream *st, const char *name, int32_t partition)
{
    for (size_t i = 0; i < st->n; i++)
        if (!strcmp(st->schedds[i].name, name))
            return &st->schedds[i];
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 32;
        schedd_pos *s = realloc(st->schedds, cap * sizeof(*s));
        if (!s)
            return NULL;
        st->schedds = s;
        st->cap = cap;
    }
    schedd_pos *p = &st->schedds[st->n];
    *p = (schedd_pos){ strdup(name), partition, -1, -1, NULL, -1 };
    if (!p->name)
        return NULL;
    st->n++;
    /* first sight since the partition was assigned: resume where it was */
    uint32_t h = hash32(name);
    for (size_t i = 0; i < st->nresume; i++)
        if (st->resume[i].hash == h) {
            sp_snapdiff_resume(st->diff, name, st->resume[i].sid);
            p->resume_until = st->resume[i].begin;
            sp_info("differ.resume", "schedd", name, "after_snapshot", st->resume[i].sid);
        }
    return p;
}

/* ---------- callbacks ---------- */

static void on_change(void *ctx, const char *key, const void *record, size_t len)
{
    stream *st = ctx;
    while (sp_kafka_produce(st->producer, st->o->topic_changes, key, strlen(key), record, len, NULL) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        sp_kafka_producer_poll(st->producer, 100);
    sp_kafka_producer_poll(st->producer, 0);
}

static void on_summary(void *ctx, const char *key, const void *record, size_t len)
{
    stream *st = ctx;
    while (sp_kafka_produce(st->producer, st->o->topic_summary, key, strlen(key), record, len, NULL) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        sp_kafka_producer_poll(st->producer, 100);
    sp_kafka_producer_poll(st->producer, 0);
}

static void on_removed(void *ctx, const char *schedd, const char *gjid, long long time_slot)
{
    stream *st = ctx;
    if (st->lost)
        sp_lost_removed(st->lost, schedd, gjid, time_slot);
}

/* An alert: logged, counted, and sent to ActiveMQ with a receipt (one
 * reconnection, to the next broker, if the send fails). */
static void on_alert(void *ctx, const Spider__Alert *a)
{
    stream *st = ctx;
    const char *kind = a->kind == SPIDER__ALERT__KIND__LOST_JOB ? "LOST_JOB" : "LOST_JOB_RESOLVED";
    const char *l[] = { kind };
    sp_metric_add(st->m_alerts, l, 1);
    sp_warn("differ.alert", "kind", kind, "schedd", a->schedd, "job", a->global_job_id, "message", a->message);
    if (!st->o->amq)
        return;
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:I}", "kind", kind, "schedd", a->schedd, "global_job_id",
                          a->global_job_id, "message", a->message, "raised_at", (json_int_t)a->raised_at);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char err[512] = "";
    const sp_stomp_header h[] = { { "persistent", "true" }, { "content-type", "application/json" } };
    int rc = -1;
    for (int attempt = 0; body && rc != 0 && attempt < 2; attempt++) {
        if (!st->amq)
            st->amq = sp_stomp_connect(st->o->amq, err, sizeof(err));
        else if (attempt)
            sp_stomp_reconnect(st->amq, err, sizeof(err));
        if (st->amq)
            rc = sp_stomp_send(st->amq, st->o->alerts_destination, h, 2, body, strlen(body), st->o->amq_timeout_ms,
                               err, sizeof(err));
    }
    if (rc != 0) {
        sp_metric_add(st->m_alerts_failed, NULL, 1);
        sp_error("differ.alert_not_sent", "destination", st->o->alerts_destination, "error", err);
    }
    free(body);
}

static void on_done(void *ctx, const char *schedd, const char *sid, long long time_slot)
{
    stream *st = ctx;
    if (st->lost)
        sp_lost_tick(st->lost, schedd, time_slot);
    schedd_pos *p = pos_of(st, schedd, st->msg->partition);
    if (!p)
        return;
    p->diffed_begin = p->begin;
    p->begin = -1;
    free(p->diffed_sid);
    p->diffed_sid = strdup(sid);
    st->done_partition = st->msg->partition;
}

/* Partitions gained: the resume points in their commits' metadata.
 * Partitions lost: forget their schedds. */
static void on_assign(void *ctx, const rd_kafka_topic_partition_list_t *parts, int assigned)
{
    stream *st = ctx;
    if (!assigned) {
        for (int k = 0; k < parts->cnt; k++)
            for (size_t i = 0; i < st->nresume;)
                if (st->resume[i].partition == parts->elems[k].partition)
                    st->resume[i] = st->resume[--st->nresume];
                else
                    i++;
        for (int k = 0; k < parts->cnt; k++)
            for (size_t i = 0; i < st->n;) {
                if (st->schedds[i].partition != parts->elems[k].partition) {
                    i++;
                    continue;
                }
                sp_snapdiff_forget(st->diff, st->schedds[i].name);
                free(st->schedds[i].name);
                free(st->schedds[i].diffed_sid);
                st->schedds[i] = st->schedds[--st->n];
            }
        return;
    }
    rd_kafka_topic_partition_list_t *copy = rd_kafka_topic_partition_list_copy(parts);
    if (rd_kafka_committed(sp_kafka_consumer_handle(st->consumer), copy, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int k = 0; k < copy->cnt; k++) {
            const char *m = copy->elems[k].metadata;
            size_t len = copy->elems[k].metadata_size;
            for (size_t at = 0; m && at < len;) {            /* lines "hash8 offset sid" */
                const char *nl = memchr(m + at, '\n', len - at);
                size_t line = nl ? (size_t)(nl - (m + at)) : len - at;
                resume_point r = { 0 };
                char text[128], *end;
                if (line < sizeof(text)) {
                    memcpy(text, m + at, line);
                    text[line] = '\0';
                }
                if (line < sizeof(text) && line > 9 && text[8] == ' ') {
                    r.hash = (uint32_t)strtoul(text, NULL, 16);
                    r.partition = copy->elems[k].partition;
                    r.begin = strtoll(text + 9, &end, 10);
                    snprintf(r.sid, sizeof(r.sid), "%s", *end == ' ' ? end + 1 : "");
                    if (st->nresume == st->capresume) {
                        size_t cap = st->capresume ? st->capresume * 2 : 64;
                        resume_point *g = realloc(st->resume, cap * sizeof(*g));
                        if (!g)
                            break;
                        st->resume = g;
                        st->capresume = cap;
                    }
                    st->resume[st->nresume++] = r;
                }
                at += line + 1;
            }
        }
    }
    rd_kafka_topic_partition_list_destroy(copy);
}

/* ---------- commits ---------- */

/* Commits partition at the oldest begin its schedds still need, with their
 * last diffed snapshots as metadata. 0, or -1 (logged). */
static int commit_partition(stream *st, int32_t partition)
{
    int64_t at = -1;
    char meta[MAX_META + 80];
    size_t len = 0;
    for (size_t i = 0; i < st->n; i++) {
        const schedd_pos *p = &st->schedds[i];
        if (p->partition != partition)
            continue;
        int64_t need = p->diffed_begin >= 0 ? p->diffed_begin : p->begin;
        if (need >= 0 && (at < 0 || need < at))
            at = need;
        if (p->diffed_sid && len + 32 + strlen(p->diffed_sid) < MAX_META)
            len += (size_t)snprintf(meta + len, sizeof(meta) - len, "%08x %lld %s\n", hash32(p->name),
                                    (long long)p->diffed_begin, p->diffed_sid);
    }
    if (at < 0)
        return 0;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(list, st->o->topic_queue, partition);
    tp->offset = at;
    tp->metadata = malloc(len + 1);
    memcpy(tp->metadata, meta, len + 1);
    tp->metadata_size = len;
    rd_kafka_resp_err_t e = rd_kafka_commit(sp_kafka_consumer_handle(st->consumer), list, 0);
    rd_kafka_topic_partition_list_destroy(list);
    if (e) {
        sp_warn("differ.commit", "partition", SP_LOG_INT(partition), "error", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static void update_metrics(stream *st)
{
    sp_snapdiff_stats s;
    sp_snapdiff_stats_get(st->diff, &s);
    const struct { const char *label; uint64_t now, was; sp_metric *m; } deltas[] = {
        { "complete", s.snapshots - s.baselines, st->last.snapshots - st->last.baselines, st->m_snap },
        { "baseline", s.baselines, st->last.baselines, st->m_snap },
        { "incomplete", s.incomplete, st->last.incomplete, st->m_snap },
        { "inconsistent", s.inconsistent, st->last.inconsistent, st->m_snap },
        { "added", s.added, st->last.added, st->m_changes },
        { "changed", s.changed, st->last.changed, st->m_changes },
        { "removed", s.removed, st->last.removed, st->m_changes },
        { "summary", s.summaries, st->last.summaries, st->m_changes },
        { "stray", s.stray, st->last.stray, st->m_records },
        { "undecodable", s.undecodable, st->last.undecodable, st->m_records },
        { "unsummed", s.unsummed, st->last.unsummed, st->m_records },
    };
    for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
        const char *l[] = { deltas[i].label };
        if (deltas[i].now != deltas[i].was)
            sp_metric_add(deltas[i].m, l, (double)(deltas[i].now - deltas[i].was));
    }
    sp_metric_set(st->m_jobs, NULL, (double)s.jobs);
    if (st->lost) {
        sp_lost_stats ls;
        sp_lost_stats_get(st->lost, &ls);
        sp_metric_set(st->m_pending, NULL, (double)ls.pending);
    }
    sp_metric_set(st->m_bytes, NULL, (double)s.state_bytes);
    st->last = s;
}

/* Every known label value at 0 from the start, so that rate() sees the
 * first event. */
static void declare_known(stream *st)
{
    static const char *const snaps[] = { "complete", "baseline", "incomplete", "inconsistent" };
    static const char *const changes[] = { "added", "changed", "removed", "summary" };
    static const char *const records[] = { "stray", "undecodable", "unsummed" };
    static const char *const alerts[] = { "LOST_JOB", "LOST_JOB_RESOLVED" };
    for (size_t i = 0; i < 4; i++)
        sp_metric_declare(st->m_snap, (const char *[]){ snaps[i] });
    for (size_t i = 0; i < 4; i++)
        sp_metric_declare(st->m_changes, (const char *[]){ changes[i] });
    for (size_t i = 0; i < 3; i++)
        sp_metric_declare(st->m_records, (const char *[]){ records[i] });
    for (size_t i = 0; i < 2; i++)
        sp_metric_declare(st->m_alerts, (const char *[]){ alerts[i] });
    sp_metric_declare(st->m_alerts_failed, NULL);
}

/* ---------- the loop ---------- */

/* What jobs.history has for us now (lost-job tracking). */
static void drain_history(stream *st)
{
    rd_kafka_message_t *m;
    for (int i = 0; st->history && i < 10000 && (m = sp_kafka_consume(st->history, 0)); i++) {
        Spider__Record *r = m->err ? NULL : sp_record_unpack(m->payload, m->len);
        if (r && r->kind_case == SPIDER__RECORD__KIND_DOCUMENT && r->document->global_job_id)
            sp_lost_history(st->lost, r->document->global_job_id, 0);
        if (r)
            spider__record__free_unpacked(r, NULL);
        rd_kafka_message_destroy(m);
    }
}

/* One message of jobs.queue. 0, or -1 when Kafka refused changes. */
static int handle(stream *st, rd_kafka_message_t *m, char *err, size_t errlen)
{
    const uint8_t *data = m->payload;
    if (m->len && data[0] == SP_PB_KEY_LEN(SP_PB_RECORD_SNAPSHOT_BEGIN)) {   /* where a snapshot starts */
        Spider__Record *r = sp_record_unpack(m->payload, m->len);
        schedd_pos *p = r && r->snapshot_begin ? pos_of(st, r->snapshot_begin->schedd, m->partition) : NULL;
        if (p)
            p->begin = m->offset;
        if (p && p->resume_until >= 0 && m->offset > p->resume_until) {
            sp_snapdiff_resume(st->diff, p->name, NULL);    /* past what was diffed before */
            p->resume_until = -1;
        }
        if (r)
            spider__record__free_unpacked(r, NULL);
    }
    st->msg = m;
    st->done_partition = -1;
    if (sp_snapdiff_feed(st->diff, m->payload, m->len, sp_clock_wall_ms()) != 0)
        sp_warn("differ.undecodable", "partition", SP_LOG_INT(m->partition), "offset", SP_LOG_INT(m->offset));
    if (st->done_partition < 0)
        return 0;
    uint64_t failed = sp_kafka_producer_failed(st->producer);
    sp_kafka_producer_flush(st->producer, 60000);
    if (sp_kafka_producer_failed(st->producer) != failed) {
        snprintf(err, errlen, "Kafka refused changes for %s (or summaries): stopping before committing past them",
                 st->o->topic_changes);
        return -1;
    }
    commit_partition(st, st->done_partition);
    update_metrics(st);
    return 0;
}

/* /readyz: Kafka answers and the loop is not stuck. */
static int stream_ready(void *ctx, char *why, size_t whylen)
{
    stream *st = ctx;
    long long idle = (sp_clock_wall_ms() - atomic_load(&st->loop_ms)) / 1000;
    if (idle >= 60) {
        snprintf(why, whylen, "stream loop stuck for %lld s (waiting for Kafka to take changes?)", idle);
        return 0;
    }
    char k[256];
    if (!sp_kafka_reachable(sp_kafka_consumer_handle(st->consumer), 1000, k, sizeof(k))) {
        snprintf(why, whylen, "%s (brokers %s)", k,
                 sp_kafka_props_get(st->o->kafka, "bootstrap.servers") ? sp_kafka_props_get(st->o->kafka, "bootstrap.servers") : "?");
        return 0;
    }
    return 1;
}

int sp_stream_run(const sp_stream_opts *o, sp_metrics *m, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    static const char *const result[] = { "result", NULL }, *const kind[] = { "kind", NULL }, *const none[] = { NULL };
    stream st = { .o = o, .done_partition = -1 };
    st.m_snap = sp_metrics_counter(m, "spider_differ_snapshots_total", "Queue snapshots by result", result);
    st.m_changes = sp_metrics_counter(m, "spider_differ_changes_total", "Change events (kind=summary: summary documents) emitted", kind);
    st.m_records = sp_metrics_counter(m, "spider_differ_records_skipped_total", "Records outside a snapshot, not decodable (both not diffed), or left out of their summary (unsummed)", kind);
    st.m_jobs = sp_metrics_gauge(m, "spider_differ_state_jobs", "Jobs held in the schedds' last snapshots", none);
    st.m_bytes = sp_metrics_gauge(m, "spider_differ_state_bytes", "Bytes of that state", none);
    st.m_alerts = sp_metrics_counter(m, "spider_differ_alerts_total", "Lost-job alerts raised", kind);
    st.m_alerts_failed = sp_metrics_counter(m, "spider_differ_alerts_failed_total", "Alerts ActiveMQ did not confirm", none);
    st.m_pending = sp_metrics_gauge(m, "spider_differ_lost_pending", "Removed jobs waiting for their history", none);
    declare_known(&st);
    sp_snapdiff_opts so = { o->ignore, o->nignore, o->emit_initial, on_change, on_done, on_removed, &st, o->summary,
                            o->topic_summary && *o->topic_summary && o->summary ? on_summary : NULL };
    const char *topics[] = { o->topic_queue };
    int rc = -1;
    if (!(st.diff = sp_snapdiff_new(&so)))
        snprintf(err, errlen, "out of memory");
    else if ((st.producer = sp_kafka_producer_new(o->kafka, NULL, NULL, err, errlen)) &&
             (st.consumer = sp_kafka_consumer_new(o->kafka, o->group, topics, 1, on_assign, &st, err, errlen)))
        rc = 0;
    if (rc == 0 && o->lost_grace_s > 0) {
        char group[512];
        snprintf(group, sizeof(group), "%s.history.%d.%lld", o->group, (int)getpid(), sp_clock_wall_ms());
        const char *ht[] = { o->topic_history };
        if (!(st.lost = sp_lost_new(o->lost_grace_s, on_alert, &st)) ||
            !(st.history = sp_kafka_consumer_new(o->kafka, group, ht, 1, NULL, NULL, err, errlen)))
            rc = -1;
    }
    atomic_store(&st.loop_ms, sp_clock_wall_ms());
    if (rc == 0)
        sp_metrics_server_set_ready(o->server, stream_ready, &st);
    while (rc == 0 && !*stop) {
        atomic_store(&st.loop_ms, sp_clock_wall_ms());
        drain_history(&st);
        rd_kafka_message_t *msg = sp_kafka_consume(st.consumer, 200);
        if (!msg)
            continue;
        if (msg->err) {
            if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                sp_warn("differ.consumer", "error", rd_kafka_message_errstr(msg));
        } else {
            rc = handle(&st, msg, err, errlen);
        }
        rd_kafka_message_destroy(msg);
    }
    sp_metrics_server_set_ready(o->server, NULL, NULL);
    if (st.consumer)
        sp_kafka_consumer_free(st.consumer);
    if (st.history)
        sp_kafka_consumer_free(st.history);
    sp_lost_free(st.lost);
    sp_stomp_close(st.amq);
    if (st.producer)
        sp_kafka_producer_free(st.producer, 10000);
    for (size_t i = 0; i < st.n; i++) {
        free(st.schedds[i].name);
        free(st.schedds[i].diffed_sid);
    }
    free(st.schedds);
    free(st.resume);
    sp_snapdiff_free(st.diff);
    return rc;
}
