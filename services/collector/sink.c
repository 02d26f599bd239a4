/* sink.c - the collector's outputs: Kafka, JSON lines, _bulk NDJSON,
 * nothing (see sink.h). */
#include "sink.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "docjson.h"
#include "source.h"
#include "version.h"

typedef enum { SINK_KAFKA, SINK_JSONL, SINK_BULK, SINK_NULL } sink_kind;

struct sp_sink {
    sink_kind kind;
    sp_kafka_producer *producer;
    size_t max_bytes;         /* Kafka: message.max.bytes */
    FILE *out;
    int own_out;
    sp_bulk bulk;             /* SINK_BULK: one document's action and source */
    pthread_mutex_t lock;     /* file writes; the abandoned list */
    sp_track *abandoned;
};

static void on_delivery(void *ctx, void *opaque, rd_kafka_resp_err_t err, const char *topic,
                        int32_t partition, int64_t offset)
{
    sp_track *t = opaque;
    (void)ctx, (void)topic, (void)partition, (void)offset;
    if (err) {
        int none = 0;
        atomic_compare_exchange_strong(&t->first_error, &none, (int)err);
        atomic_fetch_add(&t->failed, 1);
    }
    atomic_fetch_sub(&t->pending, 1);
}

static sp_sink *sink_new(sink_kind kind)
{
    sp_sink *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->kind = kind;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

sp_sink *sp_sink_kafka(const sp_kafka_props *props, char *err, size_t errlen)
{
    sp_sink *s = sink_new(SINK_KAFKA);
    if (!s)
        return snprintf(err, errlen, "out of memory"), NULL;
    s->producer = sp_kafka_producer_new(props, on_delivery, s, err, errlen);
    if (!s->producer) {
        sp_sink_free(s);
        return NULL;
    }
    const char *max = sp_kafka_props_get_producer(props, "message.max.bytes");
    s->max_bytes = max ? (size_t)strtoull(max, NULL, 10) : 1000000;
    return s;
}

static sp_sink *sink_file(sink_kind kind, const char *path, char *err, size_t errlen)
{
    sp_sink *s = sink_new(kind);
    if (!s)
        return snprintf(err, errlen, "out of memory"), NULL;
    if (!strcmp(path, "-")) {
        s->out = stdout;
    } else if (!(s->out = fopen(path, "a"))) {
        snprintf(err, errlen, "output file %s: %s", path, strerror(errno));
        sp_sink_free(s);
        return NULL;
    } else {
        s->own_out = 1;
    }
    return s;
}

sp_sink *sp_sink_jsonl(const char *path, char *err, size_t errlen)
{
    return sink_file(SINK_JSONL, path, err, errlen);
}

sp_sink *sp_sink_bulk(const char *path, char *err, size_t errlen)
{
    return sink_file(SINK_BULK, path, err, errlen);
}

sp_sink *sp_sink_null(void)
{
    return sink_new(SINK_NULL);
}

void sp_sink_free(sp_sink *s)
{
    if (!s)
        return;
    if (s->producer)
        sp_kafka_producer_free(s->producer, 30000);
    if (s->out)
        fflush(s->out);
    if (s->own_out)
        fclose(s->out);
    sp_bulk_free(&s->bulk);
    while (s->abandoned) {
        sp_track *next = s->abandoned->next;
        free(s->abandoned);
        s->abandoned = next;
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* The document as the publisher's out_es.c posts it: the same docjson with
 * this build's metadata.publisher_git_hash, into the same sp_bulk_index. */
static int write_bulk(sp_sink *s, const Spider__Document *d, sp_buf *buf)
{
    sp_docjson_opts o = { NULL, sp_git_hash() };
    buf->len = 0;
    if (sp_docjson_write(buf, d, &o) != 0)
        return -1;
    sp_bulk_reset(&s->bulk);
    if (sp_bulk_index(&s->bulk, d->index, d->id, (const char *)buf->data, buf->len) != 0)
        return -1;
    return fwrite(s->bulk.buf.data, 1, s->bulk.buf.len, s->out) == s->bulk.buf.len ? 0 : -2;
}

/* JSON lines: the document as the reference indexes it, one per line. */
static int write_jsonl(sp_sink *s, const Spider__Document *d, sp_buf *buf)
{
    buf->len = 0;
    if (sp_docjson_write(buf, d, NULL) != 0 || sp_buf_append(buf, "\n", 1) != 0)
        return -1;
    return fwrite(buf->data, 1, buf->len, s->out) == buf->len ? 0 : -2;
}

static int emit_file(sp_sink *s, const Spider__Record *rec, sp_buf *buf, char *err, size_t errlen)
{
    if (rec->kind_case != SPIDER__RECORD__KIND_DOCUMENT)
        return 0;                          /* markers have no JSON-lines or _bulk form */
    pthread_mutex_lock(&s->lock);
    int rc = s->kind == SINK_BULK ? write_bulk(s, rec->document, buf) : write_jsonl(s, rec->document, buf);
    pthread_mutex_unlock(&s->lock);
    if (rc == -1)
        return snprintf(err, errlen, "out of memory"), -1;
    if (rc != 0)
        return snprintf(err, errlen, "writing %s: %s", s->kind == SINK_BULK ? "_bulk NDJSON" : "JSON lines",
                        strerror(errno)), -1;
    return 0;
}

int sp_sink_wants_document(const sp_sink *s)
{
    return s->kind == SINK_JSONL || s->kind == SINK_BULK;
}

int sp_sink_emit_packed(sp_sink *s, sp_track *t, const char *topic, const char *key,
                        const void *data, size_t len, char *err, size_t errlen)
{
    if (s->kind != SINK_KAFKA)
        return 0;                        /* no delivery reports: written is acknowledged */
    atomic_fetch_add(&t->pending, 1);
    rd_kafka_resp_err_t rc = sp_kafka_produce(s->producer, topic, key, strlen(key), data, len, t);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        atomic_fetch_sub(&t->pending, 1);
        snprintf(err, errlen, "producing to %s: %s", topic, rd_kafka_err2str(rc));
        return -1;
    }
    return 0;
}

int sp_sink_emit(sp_sink *s, sp_track *t, const char *topic, const char *key,
                 const Spider__Record *rec, sp_buf *scratch, char *err, size_t errlen)
{
    if (s->kind == SINK_JSONL || s->kind == SINK_BULK)
        return emit_file(s, rec, scratch, err, errlen);
    if (s->kind == SINK_KAFKA && sp_record_pack(rec, scratch) != 0)
        return snprintf(err, errlen, "out of memory"), -1;
    return sp_sink_emit_packed(s, t, topic, key, scratch->data, scratch->len, err, errlen);
}

int sp_sink_wait(sp_sink *s, sp_track *t, long long deadline_ms)
{
    if (!deadline_ms)
        deadline_ms = sp_source_now_ms() + 300000;
    if (s->kind == SINK_JSONL || s->kind == SINK_BULK) {
        pthread_mutex_lock(&s->lock);
        int rc = fflush(s->out);
        pthread_mutex_unlock(&s->lock);
        return rc == 0 ? 0 : -1;
    }
    while (atomic_load(&t->pending) > 0 && sp_source_now_ms() < deadline_ms)
        if (s->producer)
            sp_kafka_producer_poll(s->producer, 50);
    return atomic_load(&t->pending) == 0 && atomic_load(&t->failed) == 0 ? 0 : -1;
}

size_t sp_sink_max_bytes(const sp_sink *s)
{
    return s->kind == SINK_KAFKA ? s->max_bytes : 0;
}

int sp_sink_check(sp_sink *s, int timeout_ms, char *err, size_t errlen)
{
    return s->kind == SINK_KAFKA ? sp_kafka_producer_check(s->producer, timeout_ms, err, errlen) : 0;
}

void sp_sink_failure(sp_sink *s, const sp_track *t, char *out, size_t len)
{
    char last[512] = "";
    int e = atomic_load(&t->first_error);
    if (s->producer)
        sp_kafka_producer_last_error(s->producer, last, sizeof(last));
    snprintf(out, len, "%s%s%s", e ? rd_kafka_err2str((rd_kafka_resp_err_t)e) : "not acknowledged in time",
             last[0] ? "; brokers: " : "", last);
}

void sp_sink_abandon(sp_sink *s, sp_track *t)
{
    pthread_mutex_lock(&s->lock);
    t->next = s->abandoned;
    s->abandoned = t;
    pthread_mutex_unlock(&s->lock);
}

int sp_sink_reachable(sp_sink *s, char *why, size_t whylen)
{
    if (s->kind != SINK_KAFKA)
        return 1;
    return sp_kafka_reachable(sp_kafka_producer_handle(s->producer), 1000, why, whylen);
}
