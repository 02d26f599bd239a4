/* output.h - an output of the publisher as a plugin: what the publishing
 * loop (publish.c) asks of an output, what it offers outputs in return
 * (sp_output_host), and the plugin table (outputs.c) the loop and main.c
 * walk without naming any output.
 *
 * An output gets a batch of records read from Kafka and delivers each
 * document in it, or gives it up to the dead-letter topic; the loop commits
 * the batch's offsets only once every item is settled. An output may also
 * prepare a batch (encode it) while the previous one is being delivered:
 * prepare() runs in the lane's reading thread, deliver() in its sending
 * thread, never on the same batch at once. Plugins, one file each
 * (Fluent Bit's plugins/out_*), each exporting one sp_output_plugin:
 *   out_es.c   sp_out_es_plugin: every Elasticsearch or OpenSearch cluster of es_conf.json
 *   out_amq.c  sp_out_amq_plugin: ActiveMQ, MONIT notifications over STOMP, with receipts
 * Adding an output: one out_<name>.c with its plugin, and its row in
 * outputs.c's table.
 *
 * Ownership: the loop owns the batches (Kafka messages, unpacked records
 * and the body buffer); an output reads and writes them inside prepare()
 * and deliver() and keeps nothing of them. Whoever an output was given to
 * (sp_output_env's add(): the loop) frees it with its free(). A plugin's
 * open() may keep pointers into the configuration, the metrics and the
 * host: they outlive its outputs. */
#ifndef SPIDER_PUBLISHER_OUTPUT_H
#define SPIDER_PUBLISHER_OUTPUT_H

#include <stddef.h>

#include "bulk.h"
#include "config.h"
#include "kafka.h"
#include "metrics.h"
#include "record.h"

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

/* ---- what the loop offers outputs ---- */

/* Handed to a plugin's open(); ctx is the loop's, passed back on each call.
 * The loop counts spider_publisher_requests_retried_total and
 * spider_publisher_documents_dead_lettered_total by output. */
typedef struct {
    void *ctx;
    /* Sends the record to the dead-letter topic and counts it, once Kafka
     * acknowledged it (sent again until then). The record follows Kafka
     * Connect's convention: the original key and value, and headers
     * __connect.errors.{topic,partition,offset,connector.name,stage,
     * exception.class.name,exception.message} with spider.output, spider.id
     * and spider.index; type is the exception class (the cluster's error
     * type, or ours: undecodable_record, empty_record, missing_id,
     * missing_document, invalid_index_name_exception, document_too_large). */
    void (*dead_letter)(void *ctx, const char *output, const sp_item *it, const char *type, const char *reason);
    /* Counts a request that failed and is sent again (one of the output's
     * requests, below). */
    void (*retried)(void *ctx, const char *output, const char *request);
    /* Logs why, sleeps *backoff_ms plus jitter and doubles it (up to 30 s).
     * 0, or -1 when the publisher is stopping. */
    int (*backoff)(void *ctx, const char *output, const char *why, long *backoff_ms);
} sp_output_host;

/* ---- what the loop asks of an output ---- */

typedef struct sp_output sp_output;
struct sp_output {
    const char *name;                 /* metrics label; consumer group "<group>.<name>" */
    /* Optional: encodes the batch into b->body ahead of deliver(). */
    void (*prepare)(sp_output *o, sp_batch *b);
    /* Delivers every item not done and marks it done. 0 once all are, -1
     * when the publisher stops first (nothing is committed then). */
    int (*deliver)(sp_output *o, sp_batch *b);
    void (*free)(sp_output *o);
    /* Optional: creates the output's own series at 0, so that rate() sees
     * the first event; called once its lane started. */
    void (*declare)(sp_output *o);
    int removed;                      /* also gets REMOVED change events, their identity document as doc */
    const char *const *requests;      /* what it retries, NULL-terminated: declared at 0 with "deadletter" */
    const sp_output_host *host;
};

static inline void sp_output_dead_letter(sp_output *o, const sp_item *it, const char *type, const char *reason)
{
    o->host->dead_letter(o->host->ctx, o->name, it, type, reason);
}
static inline void sp_output_retried(sp_output *o, const char *request)
{
    o->host->retried(o->host->ctx, o->name, request);
}
static inline int sp_output_backoff(sp_output *o, const char *why, long *backoff_ms)
{
    return o->host->backoff(o->host->ctx, o->name, why, backoff_ms);
}

/* ---- plugins ---- */

/* What open() gets: the service's configuration, holding the plugin's
 * options (and the shared ones it reads, such as es-conf), the registry
 * its metric families go in, the loop, and where each output it opens
 * goes: add() takes the output over (freeing it when it fails), 0 or -1
 * with err. */
typedef struct {
    sp_config *cfg;
    sp_metrics *metrics;
    const sp_output_host *host;
    int (*add)(void *ctx, sp_output *o, char *err, size_t errlen);
    void *ctx;                        /* add()'s */
} sp_output_env;

typedef struct {
    const char *name;                 /* "es", "amq" */
    const sp_opt *options;            /* its flags and configuration keys, in --help order */
    size_t noptions;
    const sp_opt_rule *rules;         /* their ranges and commands */
    size_t nrules;
    /* Registers the plugin's metric families (whether it opens an output
     * or not, so /metrics always lists them) and opens the outputs the
     * configuration asks for, none or several, each given to add(). 0, or
     * -1 with err (what it added before stays added). */
    int (*open)(const sp_output_env *env, char *err, size_t errlen);
    /* replay: calls each() with every output name the configuration gives
     * (whether run would open it or not). 0, or -1 with err. */
    int (*names)(sp_config *cfg, void (*each)(void *ctx, const char *name), void *ctx, char *err, size_t errlen);
} sp_output_plugin;

/* Every plugin, NULL-terminated (outputs.c). */
extern const sp_output_plugin *const sp_output_plugins[];

/* head, then every plugin's options in table order, then tail, as one
 * array the caller frees; NULL out of memory. */
sp_opt *sp_output_options(const sp_opt *head, size_t nhead, const sp_opt *tail, size_t ntail, size_t *n);
/* core, then every plugin's rules, as one array the caller frees. */
sp_opt_rule *sp_output_rules(const sp_opt_rule *core, size_t ncore, size_t *n);

#endif
