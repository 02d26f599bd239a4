/* sink.c - the collector's outputs: Kafka, JSON lines, nothing (see sink.h). */
#include "sink.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docjson.h"
#include "source.h"

typedef enum { SINK_KAFKA, SINK_JSONL, SINK_NULL } sink_kind;

struct sp_sink {
    sink_kind kind;
    sp_kafka_producer *producer;
    FILE *out;
    int own_out;
    pthread_mutex_t lock;     /* JSON lines writes; the abandoned list */
    sp_track *abandoned;
};

static void on_delivery(void *ctx, void *opaque, rd_kafka_resp_err_t err, const char *topic,
                        int32_t partition, int64_t offset)
{
    sp_track *t = opaque;
    (void)ctx, (void)topic, (void)partition, (void)offset;
    if (err)
        atomic_fetch_add(&t->failed, 1);
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
    return s;
}

sp_sink *sp_sink_jsonl(const char *path, char *err, size_t errlen)
{
    sp_sink *s = sink_new(SINK_JSONL);
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
    while (s->abandoned) {
        sp_track *next = s->abandoned->next;
        free(s->abandoned);
        s->abandoned = next;
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static int emit_jsonl(sp_sink *s, const Spider__Record *rec, sp_buf *buf, char *err, size_t errlen)
{
    if (rec->kind_case != SPIDER__RECORD__KIND_DOCUMENT)
        return 0;                          /* markers have no JSON-lines form */
    buf->len = 0;
    if (sp_docjson_write(buf, rec->document, NULL) != 0 || sp_buf_append(buf, "\n", 1) != 0)
        return snprintf(err, errlen, "out of memory"), -1;
    pthread_mutex_lock(&s->lock);
    size_t n = fwrite(buf->data, 1, buf->len, s->out);
    pthread_mutex_unlock(&s->lock);
    if (n != buf->len)
        return snprintf(err, errlen, "writing JSON lines: %s", strerror(errno)), -1;
    return 0;
}

int sp_sink_wants_document(const sp_sink *s)
{
    return s->kind == SINK_JSONL;
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
    if (s->kind == SINK_JSONL)
        return emit_jsonl(s, rec, scratch, err, errlen);
    if (s->kind == SINK_KAFKA && sp_record_pack(rec, scratch) != 0)
        return snprintf(err, errlen, "out of memory"), -1;
    return sp_sink_emit_packed(s, t, topic, key, scratch->data, scratch->len, err, errlen);
}

int sp_sink_wait(sp_sink *s, sp_track *t, long long deadline_ms)
{
    if (!deadline_ms)
        deadline_ms = sp_source_now_ms() + 300000;
    if (s->kind == SINK_JSONL) {
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
