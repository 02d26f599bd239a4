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
 * Sinks, by --output (one file each, one row of sink.c's table;
 * sink_impl.h is what a backend provides): kafka (sink_kafka.c), jsonl
 * (sink_jsonl.c), bulk (sink_bulk.c); and null (sink_null.c) for --dry-run
 * and --read-only with Kafka. The sink turns the converted job into its
 * own form itself (sp_sink_emit_document).
 *
 * Ownership: the sink owns its producer or file. A track must stay alive
 * until sp_sink_wait() said all its records are settled; one that timed out
 * is handed to the sink (sp_sink_abandon), which frees it at the end. */
#ifndef SPIDER_COLLECTOR_SINK_H
#define SPIDER_COLLECTOR_SINK_H

#include <stdatomic.h>
#include <stdint.h>

#include "document.h"
#include "kafka.h"
#include "oversize.h"
#include "record.h"

typedef struct sp_track {
    atomic_long pending;      /* emitted, not yet acknowledged */
    atomic_long failed;       /* reported as failed */
    atomic_int first_error;   /* rd_kafka_resp_err_t of the first failure, 0 none */
    struct sp_track *next;    /* in the sink's abandoned list */
} sp_track;

typedef struct sp_sink sp_sink;

/* How to make a sink: which, and where. */
typedef struct {
    const char *output;              /* a row of sink.c's table: kafka | jsonl | bulk */
    const char *path;                /* jsonl, bulk: the file (appended to), "-" for stdout */
    const sp_kafka_props *kafka;     /* kafka: must name bootstrap.servers */
    int read_only;                   /* a sink that sends to Kafka becomes the null sink */
    int dry_run;                     /* every sink is the null sink */
} sp_sink_conf;

/* The sink that conf names, or NULL with err ("expected kafka, jsonl or bulk"). */
sp_sink *sp_sink_open(const sp_sink_conf *conf, char *err, size_t errlen);
void sp_sink_free(sp_sink *s);

/* One converted job, as the collector hands it to the sink. */
typedef struct {
    sp_ad *res;                      /* convert.h's result; the Kafka sink may cut its largest strings to fit */
    const sp_document_meta *meta;
    const char *key;                 /* the record's key; NULL: the job's GlobalJobId */
    sp_buf *scratch;                 /* the caller's, reused */
    sp_arena *arena;                 /* the caller's; reset for each document */
    char *id;                        /* out: the document's id (for the snapshot checksum) */
    size_t idlen;
    sp_oversize *oversize;           /* out: set when it was over the sink's limit; or NULL */
} sp_sink_doc;

#define SP_SINK_DROPPED 1            /* over the sink's limit even cut: not emitted */
#define SP_SINK_BAD_DOCUMENT (-1)    /* it cannot be a document: err says why; the sink is fine */
#define SP_SINK_FAILED (-2)          /* the sink failed (err): nothing was queued */

/* Emits the job as the sink writes it: a protobuf Record{document} on topic
 * (Kafka; the null sink only packs it), a JSON line, or a _bulk action and
 * source. 0, SP_SINK_DROPPED, SP_SINK_BAD_DOCUMENT or SP_SINK_FAILED. */
int sp_sink_emit_document(sp_sink *s, sp_track *t, const char *topic, const sp_sink_doc *doc, char *err,
                          size_t errlen);
/* Emits one record (the snapshot markers) keyed by key; scratch is the
 * caller's reused buffer. The JSON sinks write only documents. 0, or -1
 * with err (nothing was queued). */
int sp_sink_emit(sp_sink *s, sp_track *t, const char *topic, const char *key,
                 const Spider__Record *rec, sp_buf *scratch, char *err, size_t errlen);
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
