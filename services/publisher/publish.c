/* publish.c - the publishing loop (publish.h): one lane per output, each
 * with its own consumer group and two threads: one reads and prepares the
 * next batch while the other delivers the last one through the output
 * (output.h); a batch is committed once the output settled it, in order. */
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
} lane;

struct sp_publisher {
    sp_publish_opts o;
    sp_kafka_props props;           /* the caller's, plus the prefetch bound */
    lane *lanes;
    size_t n;
    sp_kafka_producer *dlq;
    atomic_int stop;
    sp_publish_metrics m;
    sp_metric *m_batches, *m_lag;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- what outputs get (output.h) ---------- */

const sp_publish_metrics *sp_publish_metrics_of(const sp_publisher *p) { return &p->m; }

int sp_publish_stopping(const sp_publisher *p) { return atomic_load(&p->stop); }

int sp_publish_backoff(sp_publisher *p, const char *output, const char *why, long *backoff_ms)
{
    if (atomic_load(&p->stop))
        return -1;
    sp_warn("publish.retry", "output", output, "error", why, "backoff_ms", SP_INT(*backoff_ms));
    long long until = now_ms() + *backoff_ms + random() % (*backoff_ms / 2 + 1);
    while (now_ms() < until && !atomic_load(&p->stop)) {
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    *backoff_ms = *backoff_ms < 15000 ? *backoff_ms * 2 : 30000;
    return atomic_load(&p->stop) ? -1 : 0;
}

void sp_publish_dead_letter(sp_publisher *p, const char *output, const sp_item *it, const char *type,
                            const char *reason)
{
    const char *id = it->doc ? it->doc->id : NULL, *index = it->doc ? it->doc->index : NULL;
    json_t *j = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:I,s:I}", "output", output, "id", id, "index", index,
                          "error_type", type, "reason", reason, "partition", (json_int_t)it->msg->partition,
                          "offset", (json_int_t)it->msg->offset);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (p->dlq && text) {
        sp_kafka_produce(p->dlq, p->o.deadletter_topic, id, id ? strlen(id) : 0, text, strlen(text), NULL);
        sp_kafka_producer_poll(p->dlq, 0);
    }
    free(text);
    const char *l[] = { output };
    sp_metric_add(p->m.dead, l, 1);
    sp_warn("publish.dead_letter", "output", output, "id", id ? id : "", "error", reason ? reason : "");
}

/* ---------- one lane ---------- */

/* Unpacked records live in the lane's arena until the batch is done: one
 * reset instead of a free per attribute and value. */
static void *arena_alloc(void *arena, size_t size) { return sp_arena_alloc(arena, size); }
static void arena_free(void *arena, void *ptr) { (void)arena, (void)ptr; }

/* Reads one batch: up to batch_docs, batch_bytes or batch_ms. */
static size_t read_batch(lane *ln, lane_batch *lb)
{
    sp_publisher *p = ln->p;
    sp_item *items = lb->b.items;
    size_t n = 0, bytes = 0;
    long long deadline = now_ms() + p->o.batch_ms;
    while (n < (size_t)p->o.batch_docs && bytes < p->o.batch_bytes && now_ms() < deadline && !atomic_load(&p->stop)) {
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
                 it->rec->change->kind != SPIDER__CHANGE_EVENT__KIND__REMOVED)
            it->doc = it->rec->change->document;
        it->done = !it->doc;                     /* markers, REMOVED (history has the end): nothing to deliver */
        bytes += m->len;
        if (!it->rec)                            /* not a Record: dead-letter, never block */
            sp_publish_dead_letter(p, ln->out->name, it, "undecodable",
                                   "message is not a spider Record (proto/spider.proto)");
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

/* Consumer lag of the lane: messages behind the high watermarks (cached,
 * no broker round trip) over its assigned partitions. */
static void update_lag(lane *ln)
{
    rd_kafka_t *rk = sp_kafka_consumer_handle(ln->consumer);
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts)
        return;
    long long lag = 0;
    if (rd_kafka_position(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < parts->cnt; i++) {
            int64_t lo = 0, hi = 0;
            const rd_kafka_topic_partition_t *tp = &parts->elems[i];
            if (rd_kafka_get_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi) != RD_KAFKA_RESP_ERR_NO_ERROR ||
                hi < 0)
                continue;
            lag += hi - (tp->offset >= 0 ? tp->offset : lo);
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
    const char *l[] = { ln->out->name };
    sp_metric_set(ln->p->m_lag, l, (double)lag);
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
    }
    free_batch(lb);
}

static void hand(lane *ln, lane_batch *lb)
{
    pthread_mutex_lock(&ln->lock);
    ln->inflight = lb;
    ln->inflight_done = 0;
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
        update_lag(ln);
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
    static const char *const ol[] = { "output", NULL };
    static const double buckets[] = { 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
    p->m.indexed = sp_metrics_counter(m, "spider_publisher_documents_indexed_total", "Documents the cluster acknowledged", ol);
    p->m.retried = sp_metrics_counter(m, "spider_publisher_documents_retried_total", "Documents sent again (429, 5xx)", ol);
    p->m.dead = sp_metrics_counter(m, "spider_publisher_documents_dead_lettered_total", "Documents that can never be delivered", ol);
    p->m.bulk_seconds = sp_metrics_histogram(m, "spider_publisher_bulk_seconds", "Latency of one _bulk", ol, buckets, 10);
    p->m.amq_sent = sp_metrics_counter(m, "spider_publisher_amq_sent_total", "Notifications sent to ActiveMQ", ol);
    p->m.amq_confirmed = sp_metrics_counter(m, "spider_publisher_amq_confirmed_total", "Notifications whose receipt arrived", ol);
    p->m.amq_failed = sp_metrics_counter(m, "spider_publisher_amq_failed_total", "Notifications not confirmed (sent again)", ol);
    p->m_batches = sp_metrics_counter(m, "spider_publisher_batches_total", "Batches settled and committed", ol);
    p->m_lag = sp_metrics_gauge(m, "spider_publisher_consumer_lag", "Messages behind the end of the assigned partitions", ol);
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
    if (!out)
        return -1;
    lane *ln = &p->lanes[p->n++];
    char group[512];
    ln->p = p;
    ln->out = out;
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

sp_publisher *sp_publisher_start(const sp_publish_opts *o, const sp_clusters *clusters, sp_metrics *m,
                                 char *err, size_t errlen)
{
    sp_publisher *p = calloc(1, sizeof(*p));
    if (!p)
        return snprintf(err, errlen, "out of memory"), NULL;
    p->o = *o;
    define_metrics(p, m);
    size_t want = clusters->n + (o->amq ? 1 : 0);
    if (consumer_props(p, o->kafka) != 0 || !(p->lanes = calloc(want, sizeof(*p->lanes)))) {
        snprintf(err, errlen, "out of memory");
        sp_publisher_stop(p);
        return NULL;
    }
    int rc = (p->dlq = sp_kafka_producer_new(o->kafka, NULL, NULL, err, errlen)) ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < clusters->n; i++)
        rc = start_lane(p, sp_out_es_new(p, &clusters->items[i], err, errlen), err, errlen);
    if (rc == 0 && o->amq)
        rc = start_lane(p, sp_out_amq_new(p, o->amq, err, errlen), err, errlen);
    if (rc != 0) {
        sp_publisher_stop(p);
        return NULL;
    }
    return p;
}

void sp_publisher_stop(sp_publisher *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, 1);
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
    free(p);
}
