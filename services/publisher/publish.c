/* publish.c - the publishing loop, one thread per cluster (see publish.h). */
#include "publish.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulk.h"
#include "docjson.h"
#include "log.h"
#include "mapping.h"
#include "record.h"
#include "version.h"

#define MAX_INDICES 64              /* remembered per cluster (daily: plenty) */

typedef struct {
    rd_kafka_message_t *msg;        /* owned until the batch is settled */
    int in_bulk;                    /* index in the bulk request, -1 when not a document */
    const char *index, *id;         /* into the unpacked record */
    Spider__Record *rec;
    int done;
} item;

typedef struct {
    sp_publisher *p;
    const sp_cluster_conf *conf;
    sp_http *http;
    sp_kafka_consumer *consumer;
    char *known[MAX_INDICES];       /* indices created or found */
    size_t nknown;
    pthread_t thread;
    sp_buf json;
    sp_bulk bulk;
} cluster;

struct sp_publisher {
    sp_publish_opts o;
    cluster *clusters;
    size_t n;
    sp_kafka_producer *dlq;
    atomic_int stop;
    sp_metric *m_indexed, *m_retried, *m_dead, *m_latency, *m_batches;
};

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- indices ---------- */

static int known_index(cluster *c, const char *index)
{
    for (size_t i = 0; i < c->nknown; i++)
        if (!strcmp(c->known[i], index))
            return 1;
    return 0;
}

/* Creates the index with the reference mapping unless it exists. 0, or -1
 * when the cluster could not be asked (retry later). */
static int ensure_index(cluster *c, const char *index, char *err, size_t errlen)
{
    if (known_index(c, index))
        return 0;
    char path[512];
    snprintf(path, sizeof(path), "/%s", index);
    json_t *body = sp_mapping_index_body();
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    sp_http_response r;
    int rc = sp_http_request(c->http, "PUT", path, NULL, text, strlen(text), &r, err, errlen);
    free(text);
    if (rc != 0)
        return -1;
    if (r.status != 200 && !(r.status == 400 && strstr(r.body, "already_exists"))) {
        snprintf(err, errlen, "creating %s: status %ld: %.300s", index, r.status, r.body);
        return -1;
    }
    if (c->nknown == MAX_INDICES) {
        free(c->known[0]);
        memmove(c->known, c->known + 1, (MAX_INDICES - 1) * sizeof(char *));
        c->nknown--;
    }
    c->known[c->nknown++] = strdup(index);
    return 0;
}

/* ---------- one batch ---------- */

static const Spider__Document *doc_of(const Spider__Record *r)
{
    if (!r)
        return NULL;
    if (r->kind_case == SPIDER__RECORD__KIND_DOCUMENT)
        return r->document;
    if (r->kind_case == SPIDER__RECORD__KIND_CHANGE && r->change)
        return r->change->document;
    return NULL;
}

static void dead_letter(cluster *c, const item *it, const char *type, const char *reason)
{
    sp_publisher *p = c->p;
    json_t *j = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:I,s:I}", "cluster", c->conf->name, "id", it->id, "index", it->index,
                          "error_type", type, "reason", reason, "partition", (json_int_t)it->msg->partition,
                          "offset", (json_int_t)it->msg->offset);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (p->dlq && text) {
        sp_kafka_produce(p->dlq, p->o.deadletter_topic, it->id, it->id ? strlen(it->id) : 0, text, strlen(text), NULL);
        sp_kafka_producer_poll(p->dlq, 0);
    }
    free(text);
    const char *l[] = { c->conf->name };
    sp_metric_add(p->m_dead, l, 1);
    sp_warn("publish.dead_letter", "cluster", c->conf->name, "id", it->id ? it->id : "", "error", reason ? reason : "");
}

/* Builds one _bulk of the items not done yet. */
static void build_bulk(cluster *c, item *items, size_t n)
{
    sp_docjson_opts o = { NULL, sp_git_hash() };
    sp_bulk_reset(&c->bulk);
    for (size_t i = 0; i < n; i++) {
        items[i].in_bulk = -1;
        const Spider__Document *d = doc_of(items[i].rec);
        if (items[i].done || !d)
            continue;
        c->json.len = 0;
        if (sp_docjson_write(&c->json, d, &o) != 0 || sp_buf_append(&c->json, "", 1) != 0)
            continue;
        items[i].in_bulk = (int)c->bulk.items;
        sp_bulk_index(&c->bulk, d->index, d->id, (const char *)c->json.data, c->json.len - 1);
    }
}

/* Sends what is left of the batch until every item is indexed or dead-
 * lettered (or the publisher stops). 0 when settled. */
static int settle(cluster *c, item *items, size_t n)
{
    sp_publisher *p = c->p;
    const char *l[] = { c->conf->name };
    char err[1024];
    long backoff = 200;
    for (;;) {
        int left = 0, ensure_failed = 0;
        for (size_t i = 0; i < n; i++) {
            const Spider__Document *d = doc_of(items[i].rec);
            if (!items[i].done && d) {
                left++;
                if (!ensure_failed && ensure_index(c, d->index, err, sizeof(err)) != 0)
                    ensure_failed = 1;
            } else {
                items[i].done = 1;
            }
        }
        if (!left)
            return 0;
        if (!ensure_failed) {
            build_bulk(c, items, n);
            sp_http_response r;
            long long t0 = now_ms();
            int rc = sp_http_request(c->http, "POST", "/_bulk", "application/x-ndjson", c->bulk.buf.data,
                                     c->bulk.buf.len, &r, err, sizeof(err));
            sp_metric_observe(p->m_latency, l, (double)(now_ms() - t0) / 1000.0);
            sp_bulk_result res;
            if (rc == 0 && r.status == 200 &&
                sp_bulk_parse_response(r.body, r.len, c->bulk.items, &res, err, sizeof(err)) == 0) {
                for (size_t i = 0; i < n; i++) {
                    if (items[i].in_bulk < 0)
                        continue;
                    const sp_bulk_item *b = &res.items[items[i].in_bulk];
                    if (b->outcome == SP_BULK_OK) {
                        items[i].done = 1;
                        sp_metric_add(p->m_indexed, l, 1);
                    } else if (b->outcome == SP_BULK_REJECT) {
                        items[i].done = 1;
                        dead_letter(c, &items[i], b->error_type, b->reason);
                    } else {
                        sp_metric_add(p->m_retried, l, 1);
                    }
                }
                int retry = (int)res.retry;
                sp_bulk_result_free(&res);
                if (!retry)
                    continue;        /* loop once more to see nothing is left */
            } else if (rc == 0) {
                snprintf(err, sizeof(err), "bulk status %ld: %.300s", r.status, r.body);
            }
        }
        if (atomic_load(&p->stop))
            return -1;
        sp_warn("publish.retry", "cluster", c->conf->name, "error", err, "backoff_ms", SP_INT(backoff));
        sleep_ms(backoff + random() % (backoff / 2 + 1));     /* exponential, with jitter */
        backoff = backoff < 30000 ? backoff * 2 : 30000;
    }
}

/* Commits the highest offset of each partition in the batch: walking back
 * from the newest message, the first one seen of each partition. */
static void commit(cluster *c, item *items, size_t n)
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
        sp_kafka_commit(c->consumer, m, 0);
    }
}

static void *cluster_main(void *arg)
{
    cluster *c = arg;
    sp_publisher *p = c->p;
    item *items = calloc((size_t)p->o.batch_docs, sizeof(*items));
    const char *l[] = { c->conf->name };
    while (items && !atomic_load(&p->stop)) {
        size_t n = 0, bytes = 0;
        long long deadline = now_ms() + p->o.batch_ms;
        while (n < (size_t)p->o.batch_docs && bytes < p->o.batch_bytes && now_ms() < deadline && !atomic_load(&p->stop)) {
            rd_kafka_message_t *m = sp_kafka_consume(c->consumer, 100);
            if (!m)
                continue;
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    sp_warn("publish.consumer", "cluster", c->conf->name, "error", rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
                continue;
            }
            item *it = &items[n++];
            memset(it, 0, sizeof(*it));
            it->msg = m;
            it->rec = sp_record_unpack(m->payload, m->len);
            const Spider__Document *d = doc_of(it->rec);
            it->index = d ? d->index : NULL;
            it->id = d ? d->id : NULL;
            bytes += m->len;
            if (!it->rec) {                      /* not a Record: dead-letter, never block */
                it->done = 1;
                dead_letter(c, it, "undecodable", "message is not a spider Record (proto/spider.proto)");
            }
        }
        if (n && settle(c, items, n) == 0) {
            commit(c, items, n);
            sp_metric_add(p->m_batches, l, 1);
        }
        for (size_t i = 0; i < n; i++) {
            if (items[i].rec)
                spider__record__free_unpacked(items[i].rec, NULL);
            rd_kafka_message_destroy(items[i].msg);
        }
    }
    free(items);
    return NULL;
}

/* ---------- life cycle ---------- */

sp_publisher *sp_publisher_start(const sp_publish_opts *o, const sp_clusters *clusters, sp_metrics *m,
                                 char *err, size_t errlen)
{
    static const char *const cl[] = { "cluster", NULL };
    static const double buckets[] = { 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
    sp_publisher *p = calloc(1, sizeof(*p));
    if (!p)
        return snprintf(err, errlen, "out of memory"), NULL;
    p->o = *o;
    p->m_indexed = sp_metrics_counter(m, "spider_publisher_documents_indexed_total", "Documents the cluster acknowledged", cl);
    p->m_retried = sp_metrics_counter(m, "spider_publisher_documents_retried_total", "Documents sent again (429, 5xx)", cl);
    p->m_dead = sp_metrics_counter(m, "spider_publisher_documents_dead_lettered_total", "Documents that can never be indexed", cl);
    p->m_batches = sp_metrics_counter(m, "spider_publisher_batches_total", "Batches settled and committed", cl);
    p->m_latency = sp_metrics_histogram(m, "spider_publisher_bulk_seconds", "Latency of one _bulk", cl, buckets, 10);
    p->dlq = sp_kafka_producer_new(o->kafka, NULL, NULL, err, errlen);
    p->clusters = calloc(clusters->n, sizeof(*p->clusters));
    if (!p->dlq || !p->clusters) {
        sp_publisher_stop(p);
        return NULL;
    }
    for (size_t i = 0; i < clusters->n; i++) {
        cluster *c = &p->clusters[i];
        char group[512];
        c->p = p;
        c->conf = &clusters->items[i];
        sp_bulk_init(&c->bulk);
        snprintf(group, sizeof(group), "%s.%s", o->group, c->conf->name);
        if (!(c->http = sp_cluster_http(c->conf, 120000, err, errlen)) ||
            !(c->consumer = sp_kafka_consumer_new(o->kafka, group, o->topics, o->ntopics, NULL, NULL, err, errlen)) ||
            pthread_create(&c->thread, NULL, cluster_main, c) != 0) {
            p->n = i;
            sp_http_free(c->http);
            if (c->consumer)
                sp_kafka_consumer_free(c->consumer);
            sp_bulk_free(&c->bulk);
            sp_publisher_stop(p);
            return NULL;
        }
        p->n = i + 1;
        sp_info("publish.cluster", "cluster", c->conf->name, "group", group, "url", c->conf->base_url);
    }
    return p;
}

void sp_publisher_stop(sp_publisher *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, 1);
    for (size_t i = 0; i < p->n; i++) {
        cluster *c = &p->clusters[i];
        pthread_join(c->thread, NULL);
        sp_kafka_consumer_free(c->consumer);
        sp_http_free(c->http);
        sp_bulk_free(&c->bulk);
        sp_buf_free(&c->json);
        for (size_t k = 0; k < c->nknown; k++)
            free(c->known[k]);
    }
    free(p->clusters);
    if (p->dlq)
        sp_kafka_producer_free(p->dlq, 10000);
    free(p);
}
