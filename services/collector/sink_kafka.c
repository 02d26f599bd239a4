/* sink_kafka.c - the Kafka sink (--output kafka): each record a protobuf
 * Record on its topic, acknowledged by acks=all delivery reports counted on
 * the poll's track; a document over message.max.bytes is cut to fit
 * (oversize.h) or dropped (see sink.h).
 *
 * Ownership: the sink owns its producer (flushed for up to 30 s when
 * freed); tracks are the caller's until abandoned. */
#include "sink_impl.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

typedef struct {
    sp_kafka_producer *producer;
    size_t max_bytes;                /* message.max.bytes */
} kafka_sink;

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

static void close_kafka(sp_sink *s)
{
    kafka_sink *k = s->impl;
    if (k && k->producer)
        sp_kafka_producer_free(k->producer, 30000);
    free(k);
}

static sp_sink *open_kafka(const sp_sink_conf *conf, char *err, size_t errlen)
{
    sp_sink *s = sp_sink_new(&sp_sink_kafka, err, errlen);
    kafka_sink *k = s ? calloc(1, sizeof(*k)) : NULL;
    if (!k) {
        sp_sink_free(s);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    s->impl = k;
    k->producer = sp_kafka_producer_new(conf->kafka, on_delivery, s, err, errlen);
    if (!k->producer) {
        sp_sink_free(s);
        return NULL;
    }
    const char *max = sp_kafka_props_get_producer(conf->kafka, "message.max.bytes");
    k->max_bytes = max ? (size_t)strtoull(max, NULL, 10) : 1000000;
    return s;
}

static int produce(sp_sink *s, sp_track *t, const char *topic, const char *key, const void *data, size_t len,
                   char *err, size_t errlen)
{
    kafka_sink *k = s->impl;
    atomic_fetch_add(&t->pending, 1);
    rd_kafka_resp_err_t rc = sp_kafka_produce(k->producer, topic, key, strlen(key), data, len, t);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        atomic_fetch_sub(&t->pending, 1);
        snprintf(err, errlen, "producing to %s: %s", topic, rd_kafka_err2str(rc));
        return -1;
    }
    return 0;
}

/* Packed straight from the result ad (sp_document_pack), cut to fit. */
static int emit_document(sp_sink *s, sp_track *t, const char *topic, const sp_sink_doc *doc, char *err,
                         size_t errlen)
{
    kafka_sink *k = s->impl;
    sp_oversize none;
    if (sp_document_pack(doc->res, doc->meta, doc->scratch, doc->id, doc->idlen, err, errlen) != 0)
        return SP_SINK_BAD_DOCUMENT;
    int fit = sp_oversize_fit(doc->res, doc->meta, doc->scratch, k->max_bytes, strlen(sp_sink_doc_key(doc)), doc->id,
                              doc->idlen, doc->oversize ? doc->oversize : &none, err, errlen);
    if (fit != 0)
        return fit < 0 ? SP_SINK_BAD_DOCUMENT : SP_SINK_DROPPED;
    /* the key again: the ad may have grown */
    if (produce(s, t, topic, sp_sink_doc_key(doc), doc->scratch->data, doc->scratch->len, err, errlen) != 0)
        return SP_SINK_FAILED;
    return 0;
}

static int emit(sp_sink *s, sp_track *t, const char *topic, const char *key, const Spider__Record *rec,
                sp_buf *scratch, char *err, size_t errlen)
{
    if (sp_record_pack(rec, scratch) != 0)
        return snprintf(err, errlen, "out of memory"), -1;
    return produce(s, t, topic, key, scratch->data, scratch->len, err, errlen);
}

static int wait_acks(sp_sink *s, sp_track *t, long long deadline_ms)
{
    kafka_sink *k = s->impl;
    while (atomic_load(&t->pending) > 0 && sp_clock_mono_ms() < deadline_ms)
        sp_kafka_producer_poll(k->producer, 50);
    return atomic_load(&t->pending) == 0 && atomic_load(&t->failed) == 0 ? 0 : -1;
}

static size_t max_bytes(const sp_sink *s)
{
    return ((const kafka_sink *)s->impl)->max_bytes;
}

static int check(sp_sink *s, int timeout_ms, char *err, size_t errlen)
{
    return sp_kafka_producer_check(((kafka_sink *)s->impl)->producer, timeout_ms, err, errlen);
}

static void last_error(sp_sink *s, char *out, size_t len)
{
    sp_kafka_producer_last_error(((kafka_sink *)s->impl)->producer, out, len);
}

static int reachable(sp_sink *s, char *why, size_t whylen)
{
    return sp_kafka_reachable(sp_kafka_producer_handle(((kafka_sink *)s->impl)->producer), 1000, why, whylen);
}

const sp_sink_type sp_sink_kafka = {
    .name = "kafka",
    .sends = 1,
    .open = open_kafka,
    .emit_document = emit_document,
    .emit = emit,
    .wait = wait_acks,
    .max_bytes = max_bytes,
    .check = check,
    .last_error = last_error,
    .reachable = reachable,
    .close = close_kafka,
};
