/* publish.c - the publishing loop (publish.h): one lane per output the
 * plugins open (output.h; the loop names none), each with its own consumer
 * group and two threads: one reads and prepares the next batch while the
 * other delivers the last one through the output; a batch is committed
 * once the output settled it, in order. Outputs reach the loop only
 * through the sp_output_host it hands them (dead letters, retries,
 * backoff). */
#include "publish.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classad.h"               /* sp_arena */
#include "log.h"
#include "record.h"
#include "clock.h"

/* A batch with the arena its records are unpacked in. */
typedef struct {
    sp_batch b;
    sp_arena arena;                 /* the unpacked records, freed at once */
    ProtobufCAllocator alloc;       /* protobuf-c allocating in the arena */
} lane_batch;

/* One output: a reading thread (consume, unpack, prepare) and a sending
 * thread (deliver), with one batch in flight while the next is read. */
typedef struct {
    sp_publisher *p;
    sp_output *out;
    sp_kafka_consumer *consumer;
    pthread_t reader, sender;
    int started;
    lane_batch batches[2];
    pthread_mutex_t lock;
    pthread_cond_t cond;
    lane_batch *inflight;           /* handed to the sender; NULL when none */
    int inflight_done, inflight_rc; /* the sender finished it, with deliver()'s result */
    int closing;                    /* no more batches: the sender ends */
    /* progress, for the stall metrics and /readyz (monitor and prober threads) */
    atomic_llong last_commit_ms;    /* monotonic; the start until the first commit */
    atomic_llong wait_since_ms;     /* since when messages wait; 0: none wait */
    atomic_llong lag;               /* behind the committed offsets; -1 unknown */
    char last_error[256];           /* under lock: the last reason of a retry */
} lane;

struct sp_publisher {
    sp_publish_opts o;
    sp_kafka_props props;           /* the caller's, plus the prefetch bound */
    lane *lanes;
    size_t n;
    sp_kafka_producer *dlq;
    pthread_mutex_t dlq_lock;       /* the dead-letter producer is shared by the lanes */
    atomic_int stop;
    sp_output_host host;            /* what outputs get of the loop, ctx this publisher */
    sp_metric *m_dead, *m_requests_retried, *m_batches, *m_lag, *m_stalled;
    pthread_t monitor, prober;      /* stalls every second; Kafka's answers every 5 s */
    int monitor_started;
    pthread_mutex_t ready_lock;     /* guards kafka_error */
    int kafka_ok;
    char kafka_error[256];
};

/* ---------- what outputs get (output.h's sp_output_host) ---------- */

static lane *lane_of(sp_publisher *p, const char *output)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->lanes[i].out->name, output))
            return &p->lanes[i];
    return NULL;
}

static int backoff(void *ctx, const char *output, const char *why, long *backoff_ms)
{
    sp_publisher *p = ctx;
    if (atomic_load(&p->stop))
        return -1;
    sp_warn("publish.retry", "output", output, "error", why, "backoff_ms", SP_LOG_INT(*backoff_ms));
    lane *ln = lane_of(p, output);
    if (ln) {
        pthread_mutex_lock(&ln->lock);
        snprintf(ln->last_error, sizeof(ln->last_error), "%s", why);
        pthread_mutex_unlock(&ln->lock);
    }
    long long until = sp_clock_mono_ms() + *backoff_ms + random() % (*backoff_ms / 2 + 1);
    while (sp_clock_mono_ms() < until && !atomic_load(&p->stop)) {
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    *backoff_ms = *backoff_ms < 15000 ? *backoff_ms * 2 : 30000;
    return atomic_load(&p->stop) ? -1 : 0;
}

static void retried(void *ctx, const char *output, const char *request)
{
    sp_publisher *p = ctx;
    sp_metric_add(p->m_requests_retried, (const char *[]){ output, request }, 1);
}

/* Queues one dead-letter record: the original key and value, and Kafka
 * Connect's error headers plus ours. */
static rd_kafka_resp_err_t produce_dead_letter(sp_publisher *p, const char *output, const sp_item *it,
                                               const char *type, const char *reason)
{
    const rd_kafka_message_t *m = it->msg;
    char part[16], off[24];
    snprintf(part, sizeof(part), "%d", (int)m->partition);
    snprintf(off, sizeof(off), "%lld", (long long)m->offset);
    rd_kafka_headers_t *h = rd_kafka_headers_new(10);
    const char *kv[][2] = {
        { "__connect.errors.topic", rd_kafka_topic_name(m->rkt) },
        { "__connect.errors.partition", part },
        { "__connect.errors.offset", off },
        { "__connect.errors.connector.name", "spider-publisher" },
        { "__connect.errors.stage", it->doc ? "TASK_PUT" : "VALUE_CONVERTER" },
        { "__connect.errors.exception.class.name", type ? type : "unknown" },
        { "__connect.errors.exception.message", reason ? reason : "" },
        { "spider.output", output },
        { "spider.id", it->doc && it->doc->id ? it->doc->id : NULL },
        { "spider.index", it->doc && it->doc->index ? it->doc->index : NULL },
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        if (kv[i][1] && (*kv[i][1] || i < 7))
            rd_kafka_header_add(h, kv[i][0], -1, kv[i][1], -1);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        sp_kafka_producer_handle(p->dlq), RD_KAFKA_V_TOPIC(p->o.deadletter_topic), RD_KAFKA_V_KEY(m->key, m->key_len),
        RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
        RD_KAFKA_V_END);
    if (e)
        rd_kafka_headers_destroy(h);       /* on success the message owns them */
    return e;
}

/* The record goes to the dead-letter topic, acknowledged by Kafka before
 * the batch can be committed: sent again, with backoff, until it is (or the
 * publisher stops, and then nothing of the batch is committed anyway). */
static void dead_letter(void *ctx, const char *output, const sp_item *it, const char *type, const char *reason)
{
    sp_publisher *p = ctx;
    const char *id = it->doc && it->doc->id ? it->doc->id : "";
    sp_warn("publish.dead_letter", "output", output, "topic", rd_kafka_topic_name(it->msg->rkt), "partition",
            SP_LOG_INT(it->msg->partition), "offset", SP_LOG_INT(it->msg->offset), "id", id, "error_type", type ? type : "",
            "error", reason ? reason : "");
    long wait_ms = 200;
    for (;;) {
        pthread_mutex_lock(&p->dlq_lock);
        uint64_t failed = sp_kafka_producer_failed(p->dlq);
        rd_kafka_resp_err_t e = produce_dead_letter(p, output, it, type, reason);
        int left = e ? 1 : sp_kafka_producer_flush(p->dlq, 10000);
        int ok = !e && left == 0 && sp_kafka_producer_failed(p->dlq) == failed;
        pthread_mutex_unlock(&p->dlq_lock);
        if (ok)
            break;
        char why[300];
        snprintf(why, sizeof(why), "dead-letter topic %s: %s", p->o.deadletter_topic,
                 e ? rd_kafka_err2str(e) : left ? "not acknowledged in 10 s" : "refused by Kafka");
        retried(p, output, "deadletter");
        if (backoff(p, output, why, &wait_ms) != 0)
            return;
    }
    const char *l[] = { output };
    sp_metric_add(p->m_dead, l, 1);
}

/* ---------- one lane ---------- */

/* Unpacked records live in the lane's arena until the batch is done: one
 * reset instead of a free per attribute and value. */
static void *arena_alloc(void *arena, size_t size) { return sp_arena_alloc(arena, size); }
static void arena_free(void *arena, void *ptr) { (void)arena, (void)ptr; }

/* A record no output can ever write goes to the dead-letter topic now:
 * bytes that are not a Record, an empty one, a document without an id. */
static void screen(sp_publisher *p, const char *output, sp_item *it)
{
    const char *type = NULL, *why = NULL;
    const Spider__Record *r = it->rec;
    if (it->msg->len == 0)
        type = "empty_record", why = "empty message: no spider Record (proto/spider.proto)";
    else if (!r)
        type = "undecodable_record", why = "message is not a spider Record (proto/spider.proto)";
    else if (r->kind_case == SPIDER__RECORD__KIND__NOT_SET)
        type = "empty_record", why = "Record with nothing set (proto/spider.proto)";
    else if (r->kind_case == SPIDER__RECORD__KIND_CHANGE && r->change &&
             r->change->kind != SPIDER__CHANGE_EVENT__KIND__REMOVED && !r->change->document)
        type = "missing_document", why = "change event without its document";
    else if (it->doc && (!it->doc->id || !*it->doc->id) &&
             !(r->kind_case == SPIDER__RECORD__KIND_CHANGE && r->change->kind == SPIDER__CHANGE_EVENT__KIND__REMOVED))
        type = "missing_id", why = "document without an id";
    if (!type)
        return;
    it->done = 1;
    dead_letter(p, output, it, type, why);
}

/* Reads one batch: up to batch_docs, batch_bytes or batch_ms. */
static size_t read_batch(lane *ln, lane_batch *lb)
{
    sp_publisher *p = ln->p;
    sp_item *items = lb->b.items;
    size_t n = 0, bytes = 0;
    long long deadline = sp_clock_mono_ms() + p->o.batch_ms;
    while (n < (size_t)p->o.batch_docs && bytes < p->o.batch_bytes && sp_clock_mono_ms() < deadline && !atomic_load(&p->stop)) {
        rd_kafka_message_t *m = sp_kafka_consume(ln->consumer, 100);
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                sp_warn("publish.consumer", "output", ln->out->name, "error", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        sp_item *it = &items[n++];
        memset(it, 0, sizeof(*it));
        it->msg = m;
        it->rec = spider__record__unpack(&lb->alloc, m->len, m->payload);
        if (it->rec && it->rec->kind_case == SPIDER__RECORD__KIND_DOCUMENT)
            it->doc = it->rec->document;
        else if (it->rec && it->rec->kind_case == SPIDER__RECORD__KIND_CHANGE && it->rec->change &&
                 (it->rec->change->kind != SPIDER__CHANGE_EVENT__KIND__REMOVED || ln->out->removed))
            it->doc = it->rec->change->document;
        it->done = !it->doc;                     /* markers, REMOVED (history has the end): nothing to deliver,
                                                    but for a current-state output */
        bytes += m->len;
        screen(p, ln->out->name, it);
    }
    return lb->b.n = n;
}

/* Commits the highest offset of each partition in the batch: walking back
 * from the newest message, the first one seen of each partition. */
static void commit(lane *ln, const sp_item *items, size_t n)
{
    enum { MAX_PARTS = 256 };
    struct { const rd_kafka_topic_t *rkt; int32_t partition; } seen[MAX_PARTS];
    size_t nseen = 0;
    for (size_t i = n; i-- > 0;) {
        const rd_kafka_message_t *m = items[i].msg;
        size_t k = 0;
        while (k < nseen && !(seen[k].rkt == m->rkt && seen[k].partition == m->partition))
            k++;
        if (k < nseen || nseen == MAX_PARTS)
            continue;                    /* older, or beyond the table: the next batch commits it */
        seen[nseen].rkt = m->rkt;
        seen[nseen++].partition = m->partition;
        sp_kafka_commit(ln->consumer, m, 0);
    }
}

/* Messages of the lane's assigned partitions after its committed offsets
 * (what a restart would read again), from the broker: a lane stuck on one
 * batch keeps reading ahead, so its read position says nothing. -1 when
 * Kafka did not answer. */
static long long committed_lag(lane *ln)
{
    rd_kafka_t *rk = sp_kafka_consumer_handle(ln->consumer);
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts)
        return -1;
    long long lag = 0;
    if (parts->cnt && rd_kafka_committed(rk, parts, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        lag = -1;
    for (int i = 0; lag >= 0 && i < parts->cnt; i++) {
        int64_t lo = 0, hi = 0;
        const rd_kafka_topic_partition_t *tp = &parts->elems[i];
        if (rd_kafka_query_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            lag = -1;
            break;
        }
        lag += hi - (tp->offset >= 0 ? tp->offset : lo);
    }
    rd_kafka_topic_partition_list_destroy(parts);
    return lag;
}

/* Seconds the lane has not committed while messages wait for it; 0 idle. */
static double stalled_seconds(lane *ln, long long now)
{
    long long since = atomic_load(&ln->wait_since_ms), last = atomic_load(&ln->last_commit_ms);
    if (!since)
        return 0;
    return (double)(now - (last > since ? last : since)) / 1000.0;
}

/* One look at a lane: whether messages wait, the stall. Never blocks, so
 * the stall gauge is at most a second old whatever Kafka does. */
static void watch_lane(lane *ln)
{
    long long now = sp_clock_mono_ms();
    pthread_mutex_lock(&ln->lock);
    int inflight = ln->inflight != NULL;
    pthread_mutex_unlock(&ln->lock);
    int waiting = inflight || atomic_load(&ln->lag) > 0;
    if (!waiting)
        atomic_store(&ln->wait_since_ms, 0);
    else if (!atomic_load(&ln->wait_since_ms))
        atomic_store(&ln->wait_since_ms, now);
    const char *l[] = { ln->out->name };
    sp_metric_set(ln->p->m_lag, l, (double)(atomic_load(&ln->lag) > 0 ? atomic_load(&ln->lag) : 0));
    sp_metric_set(ln->p->m_stalled, l, stalled_seconds(ln, now));
}

/* Sleeps about ms, waking early when the publisher stops. */
static void nap(sp_publisher *p, int ms)
{
    for (int k = 0; k < ms / 50 && !atomic_load(&p->stop); k++) {
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* The monitor thread: every second each lane's stall. */
static void *monitor_main(void *arg)
{
    sp_publisher *p = arg;
    while (!atomic_load(&p->stop)) {
        for (size_t i = 0; i < p->n && !atomic_load(&p->stop); i++)
            watch_lane(&p->lanes[i]);
        nap(p, 1000);
    }
    return NULL;
}

/* The prober thread: every 5 s whether Kafka answers and each lane's lag
 * from committed offsets. These calls wait on Kafka for seconds when it is
 * slow, which is why they are not the monitor's. */
static void *prober_main(void *arg)
{
    sp_publisher *p = arg;
    while (!atomic_load(&p->stop)) {
        char why[256] = "";
        int ok = sp_kafka_reachable(sp_kafka_producer_handle(p->dlq), 2000, why, sizeof(why));
        pthread_mutex_lock(&p->ready_lock);
        p->kafka_ok = ok;
        snprintf(p->kafka_error, sizeof(p->kafka_error), "%s", why);
        pthread_mutex_unlock(&p->ready_lock);
        for (size_t i = 0; i < p->n && !atomic_load(&p->stop); i++) {
            long long lag = committed_lag(&p->lanes[i]);
            if (lag >= 0)
                atomic_store(&p->lanes[i].lag, lag);
        }
        nap(p, 5000);
    }
    return NULL;
}

int sp_publisher_ready(void *ctx, char *why, size_t whylen)
{
    sp_publisher *p = ctx;
    pthread_mutex_lock(&p->ready_lock);
    int ok = p->kafka_ok;
    if (!ok)
        snprintf(why, whylen, "%s (brokers %s)", p->kafka_error[0] ? p->kafka_error : "kafka not reached yet",
                 sp_kafka_props_get(&p->props, "bootstrap.servers") ? sp_kafka_props_get(&p->props, "bootstrap.servers") : "?");
    pthread_mutex_unlock(&p->ready_lock);
    if (!ok)
        return 0;
    long long now = sp_clock_mono_ms();
    for (size_t i = 0; i < p->n; i++) {
        lane *ln = &p->lanes[i];
        double stalled = stalled_seconds(ln, now);
        if (stalled < p->o.stall_s)
            continue;
        pthread_mutex_lock(&ln->lock);
        snprintf(why, whylen, "output %s: no progress for %.0f s, %lld messages waiting; last error: %s", ln->out->name,
                 stalled, (long long)atomic_load(&ln->lag), ln->last_error[0] ? ln->last_error : "none");
        pthread_mutex_unlock(&ln->lock);
        return 0;
    }
    return 1;
}

static void free_batch(lane_batch *lb)
{
    for (size_t i = 0; i < lb->b.n; i++)
        rd_kafka_message_destroy(lb->b.items[i].msg);
    lb->b.n = 0;
    sp_bulk_reset(&lb->b.body);
    sp_arena_reset(&lb->arena);
}

/* Takes the batch in flight back once the sender is done with it (waiting
 * for that when block), commits it if it was delivered and frees it. */
static void settle(lane *ln, int block)
{
    pthread_mutex_lock(&ln->lock);
    while (block && ln->inflight && !ln->inflight_done)
        pthread_cond_wait(&ln->cond, &ln->lock);
    lane_batch *lb = ln->inflight && ln->inflight_done ? ln->inflight : NULL;
    int rc = ln->inflight_rc;
    if (lb)
        ln->inflight = NULL;
    pthread_mutex_unlock(&ln->lock);
    if (!lb)
        return;
    if (rc == 0) {
        const char *l[] = { ln->out->name };
        commit(ln, lb->b.items, lb->b.n);
        sp_metric_add(ln->p->m_batches, l, 1);
        atomic_store(&ln->last_commit_ms, sp_clock_mono_ms());
    }
    free_batch(lb);
}

static void hand(lane *ln, lane_batch *lb)
{
    pthread_mutex_lock(&ln->lock);
    ln->inflight = lb;
    ln->inflight_done = 0;
    if (!atomic_load(&ln->wait_since_ms))
        atomic_store(&ln->wait_since_ms, sp_clock_mono_ms());   /* messages wait from now */
    pthread_cond_broadcast(&ln->cond);
    pthread_mutex_unlock(&ln->lock);
}

static void *reader_main(void *arg)
{
    lane *ln = arg;
    int cur = 0;
    while (!atomic_load(&ln->p->stop)) {
        lane_batch *lb = &ln->batches[cur];
        size_t n = read_batch(ln, lb);
        if (n && ln->out->prepare)
            ln->out->prepare(ln->out, &lb->b);
        settle(ln, n > 0);
        if (n) {
            hand(ln, lb);
            cur ^= 1;
        }
    }
    settle(ln, 1);
    pthread_mutex_lock(&ln->lock);
    ln->closing = 1;
    pthread_cond_broadcast(&ln->cond);
    pthread_mutex_unlock(&ln->lock);
    return NULL;
}

static void *sender_main(void *arg)
{
    lane *ln = arg;
    for (;;) {
        pthread_mutex_lock(&ln->lock);
        while (!ln->closing && !(ln->inflight && !ln->inflight_done))
            pthread_cond_wait(&ln->cond, &ln->lock);
        lane_batch *lb = ln->inflight && !ln->inflight_done ? ln->inflight : NULL;
        pthread_mutex_unlock(&ln->lock);
        if (!lb)
            return NULL;                         /* closing, nothing in flight */
        int rc = ln->out->deliver(ln->out, &lb->b);
        pthread_mutex_lock(&ln->lock);
        ln->inflight_rc = rc;
        ln->inflight_done = 1;
        pthread_cond_broadcast(&ln->cond);
        pthread_mutex_unlock(&ln->lock);
    }
}

/* ---------- life cycle ---------- */

static void define_metrics(sp_publisher *p, sp_metrics *m)
{
    static const char *const ol[] = { "output", NULL }, *const orl[] = { "output", "request", NULL };
    p->m_requests_retried = sp_metrics_counter(m, "spider_publisher_requests_retried_total", "Requests that failed and are sent again, by request (bulk, create_index, deadletter, send)", orl);
    p->m_dead = sp_metrics_counter(m, "spider_publisher_documents_dead_lettered_total", "Documents that can never be delivered", ol);
    p->m_batches = sp_metrics_counter(m, "spider_publisher_batches_total", "Batches settled and committed", ol);
    p->m_lag = sp_metrics_gauge(m, "spider_publisher_consumer_lag", "Messages after the committed offsets of the assigned partitions", ol);
    p->m_stalled = sp_metrics_gauge(m, "spider_publisher_stalled_seconds", "Seconds since the last commit while messages wait (0: progressing or idle)", ol);
}

/* The caller's Kafka properties, with the consumer's prefetch bounded
 * unless the configuration set it: with the batch in hand, this is what a
 * lane holds however long the backlog. */
static int consumer_props(sp_publisher *p, const sp_kafka_props *in)
{
    sp_kafka_props_init(&p->props);
    for (size_t i = 0; i < in->n; i++)
        if (sp_kafka_props_set(&p->props, in->keys[i], in->values[i]) != 0)
            return -1;
    char kb[32];
    snprintf(kb, sizeof(kb), "%zu", p->o.prefetch_bytes / 1024 ? p->o.prefetch_bytes / 1024 : 1);
    if (!sp_kafka_props_get(in, "queued.max.messages.kbytes") &&
        sp_kafka_props_set(&p->props, "queued.max.messages.kbytes", kb) != 0)
        return -1;
    return 0;
}

static int start_lane(sp_publisher *p, sp_output *out, char *err, size_t errlen)
{
    lane *ln = &p->lanes[p->n++];
    char group[512];
    ln->p = p;
    ln->out = out;
    atomic_store(&ln->last_commit_ms, sp_clock_mono_ms());
    atomic_store(&ln->lag, 0);
    pthread_mutex_init(&ln->lock, NULL);
    pthread_cond_init(&ln->cond, NULL);
    for (int i = 0; i < 2; i++) {
        lane_batch *lb = &ln->batches[i];
        lb->alloc = (ProtobufCAllocator){ arena_alloc, arena_free, &lb->arena };
        sp_bulk_init(&lb->b.body);
        if (!(lb->b.items = calloc((size_t)p->o.batch_docs, sizeof(sp_item))))
            return snprintf(err, errlen, "out of memory"), -1;
    }
    snprintf(group, sizeof(group), "%s.%s", p->o.group, out->name);
    if (!(ln->consumer = sp_kafka_consumer_new(&p->props, group, p->o.topics, p->o.ntopics, NULL, NULL, err, errlen)))
        return -1;
    if (pthread_create(&ln->sender, NULL, sender_main, ln) != 0)
        return snprintf(err, errlen, "cannot start a thread"), -1;
    if (pthread_create(&ln->reader, NULL, reader_main, ln) != 0) {
        pthread_mutex_lock(&ln->lock);
        ln->closing = 1;
        pthread_cond_broadcast(&ln->cond);
        pthread_mutex_unlock(&ln->lock);
        pthread_join(ln->sender, NULL);
        return snprintf(err, errlen, "cannot start a thread"), -1;
    }
    ln->started = 1;
    sp_info("publish.output", "output", out->name, "group", group);
    return 0;
}

/* An output's series at 0 from the start, so that rate() sees the first
 * event: the loop's, and the output's own. */
static void declare_known(sp_publisher *p, sp_output *out)
{
    const char *l[] = { out->name };
    if (out->declare)
        out->declare(out);
    sp_metric_declare(p->m_batches, l);
    sp_metric_declare(p->m_dead, l);
    for (const char *const *r = out->requests; r && *r; r++)
        sp_metric_declare(p->m_requests_retried, (const char *[]){ out->name, *r });
    sp_metric_declare(p->m_requests_retried, (const char *[]){ out->name, "deadletter" });
}

/* The outputs the plugins opened, before their lanes start. */
typedef struct {
    sp_output **items;
    size_t n, cap;
} output_list;

/* sp_output_env's add(): o into the list (ctx). */
static int add_output(void *ctx, sp_output *o, char *err, size_t errlen)
{
    output_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        sp_output **items = realloc(l->items, cap * sizeof(*items));
        if (!items) {
            o->free(o);
            return snprintf(err, errlen, "out of memory"), -1;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = o;
    return 0;
}

/* Every plugin's outputs into outs. 0, or -1 with err. */
static int open_outputs(sp_publisher *p, sp_config *cfg, sp_metrics *m, output_list *outs, char *err,
                        size_t errlen)
{
    sp_output_env env = { .cfg = cfg, .metrics = m, .host = &p->host, .add = add_output, .ctx = outs };
    for (const sp_output_plugin *const *pl = sp_output_plugins; *pl; pl++)
        if ((*pl)->open(&env, err, errlen) != 0)
            return -1;
    return 0;
}

sp_publisher *sp_publisher_start(const sp_publish_opts *o, sp_config *cfg, sp_metrics *m, char *err,
                                 size_t errlen)
{
    sp_publisher *p = calloc(1, sizeof(*p));
    if (!p)
        return snprintf(err, errlen, "out of memory"), NULL;
    p->o = *o;
    p->host = (sp_output_host){ .ctx = p, .dead_letter = dead_letter, .retried = retried, .backoff = backoff };
    pthread_mutex_init(&p->dlq_lock, NULL);
    pthread_mutex_init(&p->ready_lock, NULL);
    define_metrics(p, m);
    output_list outs = { 0 };
    int rc = open_outputs(p, cfg, m, &outs, err, errlen);
    if (rc == 0 && (consumer_props(p, o->kafka) != 0 || !(p->lanes = calloc(outs.n + 1, sizeof(*p->lanes))))) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc != 0) {
        for (size_t i = 0; i < outs.n; i++)
            outs.items[i]->free(outs.items[i]);
        free(outs.items);
        sp_publisher_stop(p);
        return NULL;
    }
    rc = (p->dlq = sp_kafka_producer_new(o->kafka, NULL, NULL, err, errlen)) ? 0 : -1;
    char why[512];
    if (rc == 0 && sp_kafka_create_topic(o->kafka, o->deadletter_topic, 1, NULL, 0, 5000, why, sizeof(why)) != 0)
        sp_warn("publish.deadletter_topic", "topic", o->deadletter_topic, "error", why);
    size_t i = 0;
    for (; rc == 0 && i < outs.n; i++)
        if ((rc = start_lane(p, outs.items[i], err, errlen)) == 0)
            declare_known(p, outs.items[i]);
    for (i = p->n; i < outs.n; i++)
        outs.items[i]->free(outs.items[i]);       /* the lanes own the others */
    free(outs.items);
    if (rc == 0 && pthread_create(&p->monitor, NULL, monitor_main, p) != 0) {
        snprintf(err, errlen, "cannot start a thread");
        rc = -1;
    } else if (rc == 0 && pthread_create(&p->prober, NULL, prober_main, p) != 0) {
        atomic_store(&p->stop, 1);
        pthread_join(p->monitor, NULL);
        snprintf(err, errlen, "cannot start a thread");
        rc = -1;
    }
    if (rc != 0) {
        sp_publisher_stop(p);
        return NULL;
    }
    p->monitor_started = 1;
    return p;
}

void sp_publisher_stop(sp_publisher *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, 1);
    if (p->monitor_started) {
        pthread_join(p->monitor, NULL);
        pthread_join(p->prober, NULL);
    }
    for (size_t i = 0; i < p->n; i++) {
        lane *ln = &p->lanes[i];
        if (ln->started) {
            pthread_join(ln->reader, NULL);
            pthread_join(ln->sender, NULL);
        }
        if (ln->consumer)
            sp_kafka_consumer_free(ln->consumer);
        ln->out->free(ln->out);
        for (int k = 0; k < 2; k++) {
            free(ln->batches[k].b.items);
            sp_bulk_free(&ln->batches[k].b.body);
            sp_arena_free(&ln->batches[k].arena);
        }
        pthread_mutex_destroy(&ln->lock);
        pthread_cond_destroy(&ln->cond);
    }
    free(p->lanes);
    if (p->dlq)
        sp_kafka_producer_free(p->dlq, 10000);
    sp_kafka_props_free(&p->props);
    pthread_mutex_destroy(&p->dlq_lock);
    pthread_mutex_destroy(&p->ready_lock);
    free(p);
}
