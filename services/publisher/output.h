/* output.h - what the publishing loop (publish.c) asks of an output, and
 * what it offers outputs in return.
 *
 * An output gets a batch of records read from Kafka and delivers each
 * document in it, or gives it up to the dead-letter topic; the loop commits
 * the batch's offsets only once every item is settled. An output may also
 * prepare a batch (encode it) while the previous one is being delivered:
 * prepare() runs in the lane's reading thread, deliver() in its sending
 * thread, never on the same batch at once. Outputs, one file
 * each (Fluent Bit's "plugins by kind"):
 *   out_es.c   one Elasticsearch or OpenSearch cluster of es_conf.json
 *   out_amq.c  ActiveMQ: MONIT notifications over STOMP, with receipts
 *
 * Ownership: the loop owns the batches (Kafka messages, unpacked records
 * and the body buffer); an output reads and writes them inside prepare()
 * and deliver() and keeps nothing of them. The loop owns each output and
 * frees it with free(). */
#ifndef SPIDER_PUBLISHER_OUTPUT_H
#define SPIDER_PUBLISHER_OUTPUT_H

#include <stddef.h>

#include "bulk.h"
#include "esconf.h"
#include "kafka.h"
#include "metrics.h"
#include "record.h"
#include "stomp.h"

typedef struct {
    rd_kafka_message_t *msg;
    Spider__Record *rec;              /* NULL: not a spider Record */
    const Spider__Document *doc;      /* into rec; NULL: nothing to deliver (a marker) */
    int done;                         /* delivered, dead-lettered, or nothing to do */
    int slot;                         /* the output's: its place in body, -1 none */
} sp_item;

typedef struct {
    sp_item *items;
    size_t n;
    sp_bulk body;                     /* the output's encoding of the batch (a _bulk) */
} sp_batch;

typedef struct sp_output sp_output;
struct sp_output {
    const char *name;                 /* metrics label; consumer group "<group>.<name>" */
    /* Optional: encodes the batch into b->body ahead of deliver(). */
    void (*prepare)(sp_output *o, sp_batch *b);
    /* Delivers every item not done and marks it done. 0 once all are, -1
     * when the publisher stops first (nothing is committed then). */
    int (*deliver)(sp_output *o, sp_batch *b);
    void (*free)(sp_output *o);
    int removed;                      /* also gets REMOVED change events, their identity document as doc */
};

/* ---- what the loop offers outputs ---- */

typedef struct sp_publisher sp_publisher;

/* The metric families, labelled by output name. */
typedef struct {
    sp_metric *indexed, *retried, *dead, *bulk_seconds;    /* search clusters */
    sp_metric *requests_retried, *max_request_bytes;
    sp_metric *amq_sent, *amq_confirmed, *amq_failed;      /* ActiveMQ */
} sp_publish_metrics;

const sp_publish_metrics *sp_publish_metrics_of(const sp_publisher *p);
/* Counts a request that failed and is sent again (request: "bulk",
 * "create_index", "deadletter", "send"), and the documents it carried. */
void sp_publish_retried(sp_publisher *p, const char *output, const char *request, size_t documents);
/* Sends the record to the dead-letter topic and counts it, once Kafka
 * acknowledged it (sent again until then). The record follows Kafka
 * Connect's convention: the original key and value, and headers
 * __connect.errors.{topic,partition,offset,connector.name,stage,
 * exception.class.name,exception.message} with spider.output, spider.id and
 * spider.index; type is the exception class (the cluster's error type, or
 * ours: undecodable_record, empty_record, missing_id, missing_document,
 * invalid_index_name_exception, document_too_large). */
void sp_publish_dead_letter(sp_publisher *p, const char *output, const sp_item *it, const char *type,
                            const char *reason);
/* Logs why, sleeps *backoff_ms plus jitter and doubles it (up to 30 s).
 * 0, or -1 when the publisher is stopping. */
int sp_publish_backoff(sp_publisher *p, const char *output, const char *why, long *backoff_ms);
int sp_publish_stopping(const sp_publisher *p);

/* ---- the outputs ---- */

/* One search cluster. conf must outlive the output. max_request: bytes of a
 * _bulk body at most (0: the cluster's http.max_content_length). NULL with
 * err naming the cluster on a configuration error (TLS, login refused). */
sp_output *sp_out_es_new(sp_publisher *p, const sp_cluster_conf *conf, long long max_request, char *err,
                         size_t errlen);
/* The same cluster's current-state index (named current): one document per
 * queued job, _id its GlobalJobId, indexed on ADDED and CHANGED, deleted on
 * REMOVED; every other record is skipped. Output name "<cluster>.current". */
sp_output *sp_out_es_current_new(sp_publisher *p, const sp_cluster_conf *conf, long long max_request,
                                 const char *current, char *err, size_t errlen);

/* ActiveMQ. Each document becomes one MONIT notification:
 *   {"data": <the document, dates in epoch ms>,
 *    "metadata": {"producer", "type", "_id", "timestamp" (RecordTime, ms),
 *                 "version", the document's spider_* metadata}}
 * sent persistent with a receipt; it counts once the receipt arrived. */
typedef struct {
    const sp_stomp_options *stomp;    /* brokers (failover in order), credentials, TLS */
    int timeout_ms;                   /* receipts */
    const char *destination;          /* e.g. /topic/cms.jobmon.condor */
    const char *producer;             /* metadata.producer */
    const char *type;                 /* metadata.type */
} sp_amq_conf;

sp_output *sp_out_amq_new(sp_publisher *p, const sp_amq_conf *conf, char *err, size_t errlen);

#endif
