/* sink.h - where the collector's records go: Kafka (protobuf Records on
 * jobs.queue / jobs.history), JSON lines or the _bulk NDJSON the publisher
 * would post (a file or stdout, for debugging, for the migration check and
 * for running without Kafka), and how a poll learns that every record
 * it emitted was acknowledged before its checkpoint moves.
 *
 * Each poll emits through its own sp_track; sp_sink_wait() returns once the
 * sink acknowledged all of them (Kafka: acks=all delivery reports; files:
 * written and flushed). Workers share one sink.
 *
 * Ownership: the sink owns its producer or file. A track must stay alive
 * until sp_sink_wait() said all its records are settled; one that timed out
 * is handed to the sink (sp_sink_abandon), which frees it at the end. */
#ifndef SPIDER_COLLECTOR_SINK_H
#define SPIDER_COLLECTOR_SINK_H

#include <stdatomic.h>
#include <stdint.h>

#include "kafka.h"
#include "record.h"

typedef struct sp_track {
    atomic_long pending;      /* emitted, not yet acknowledged */
    atomic_long failed;       /* reported as failed */
    atomic_int first_error;   /* rd_kafka_resp_err_t of the first failure, 0 none */
    struct sp_track *next;    /* in the sink's abandoned list */
} sp_track;

typedef struct sp_sink sp_sink;

/* Kafka: props must name bootstrap.servers. */
sp_sink *sp_sink_kafka(const sp_kafka_props *props, char *err, size_t errlen);
/* JSON lines into path ("-" for stdout), documents only. */
sp_sink *sp_sink_jsonl(const char *path, char *err, size_t errlen);
/* Elasticsearch _bulk NDJSON into path ("-" for stdout), documents only:
 * {"index":{"_index":I,"_id":D}} then the document, byte for byte what the
 * publisher of this build posts for it (with metadata.publisher_git_hash). */
sp_sink *sp_sink_bulk(const char *path, char *err, size_t errlen);
/* Counts records and drops them (--read-only with Kafka, --dry-run). */
sp_sink *sp_sink_null(void);
void sp_sink_free(sp_sink *s);

/* Emits one record keyed by key; scratch is the caller's reused buffer.
 * 0, or -1 with err (nothing was queued). */
int sp_sink_emit(sp_sink *s, sp_track *t, const char *topic, const char *key,
                 const Spider__Record *rec, sp_buf *scratch, char *err, size_t errlen);
/* Emits an already packed Record (Kafka and null sinks; the JSON-lines
 * sink needs the Document: see sp_sink_wants_document). */
int sp_sink_emit_packed(sp_sink *s, sp_track *t, const char *topic, const char *key,
                        const void *data, size_t len, char *err, size_t errlen);
/* 1 when the sink writes documents as JSON and needs sp_sink_emit(). */
int sp_sink_wants_document(const sp_sink *s);
/* Waits until every record of t is acknowledged or failed, or deadline_ms
 * (sp_source_now_ms clock; 0 = 5 minutes). 0 when all were acknowledged. */
int sp_sink_wait(sp_sink *s, sp_track *t, long long deadline_ms);
/* The largest record the sink takes, in bytes (Kafka: the producer's
 * message.max.bytes, librdkafka's default 1000000); 0: no limit. */
size_t sp_sink_max_bytes(const sp_sink *s);
/* Kafka: 0 when a broker answers a metadata request within timeout_ms,
 * else -1 with err naming the brokers and the cause. Others: 0. */
int sp_sink_check(sp_sink *s, int timeout_ms, char *err, size_t errlen);
/* Why t's records failed, into out: the first delivery error and what
 * librdkafka last said about the brokers. */
void sp_sink_failure(sp_sink *s, const sp_track *t, char *out, size_t len);
/* Gives a track that may still get reports to the sink to free later. */
void sp_sink_abandon(sp_sink *s, sp_track *t);
/* /readyz: 1 when the sink can take records now (Kafka: a broker answers
 * within 1 s); 0 with why. Thread-safe. */
int sp_sink_reachable(sp_sink *s, char *why, size_t whylen);

#endif
