/* out_amq.c - the ActiveMQ output plugin (output.h), sp_out_amq_plugin:
 * each document as one MONIT notification over STOMP, as the reference's
 * amq.py sends them through CMSMonitoring:
 *   {"data": <the document, dates in epoch ms>,
 *    "metadata": {"producer", "type", "_id", "timestamp" (RecordTime, ms),
 *                 "version", the document's spider_* metadata}}
 * sent persistent with a receipt; it counts once the receipt arrived. One
 * output, "amq", when --amq-brokers names any; its options are the amq.*
 * ones (SP_SERVICE_AMQ_OPTIONS and the destination, producer and type).
 *
 * A batch is sent with one receipt per message, several in flight, and is
 * delivered once every receipt arrived. A broker that fails (connection
 * lost, ERROR frame, receipts late) is dropped and the next one of the list
 * is tried (failover); what was not confirmed is sent again, so ActiveMQ
 * sees each document at least once (MONIT keys on metadata._id).
 *
 * Ownership: the output owns its STOMP client, its connection settings
 * (sp_service_amq), its buffers and the date rulemap; the destination,
 * producer and type strings are the configuration's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "docjson.h"
#include "log.h"
#include "output.h"
#include "service.h"
#include "stomp.h"
#include "version.h"

/* The plugin's metric families, by output. */
typedef struct {
    sp_metric *sent, *confirmed, *failed;
} amq_metrics;

typedef struct {
    sp_output base;
    amq_metrics m;
    sp_service_amq conn;            /* brokers (failover in order), credentials, TLS, timeout_ms (receipts) */
    const char *destination;        /* e.g. /topic/cms.jobmon.condor */
    const char *producer;           /* metadata.producer */
    const char *type;               /* metadata.type */
    sp_stomp_client *client;        /* NULL until connected */
    int failed;                     /* the broker in use failed: fail over */
    sp_rules dates;               /* date attributes go out in epoch ms */
    sp_buf body;
} amq_output;

static int put(sp_buf *b, const char *s) { return sp_buf_append(b, s, strlen(s)); }

static int put_string_field(sp_buf *b, const char *name, const char *value)
{
    return put(b, ",\"") || put(b, name) || put(b, "\":") || sp_buf_append_json_string(b, value ? value : "");
}

/* The notification of one document into a->body. 0, or -1 out of memory. */
static int envelope(amq_output *a, const Spider__Document *d)
{
    sp_buf *b = &a->body;
    sp_docjson_opts o = { &a->dates, sp_version_git_hash() };
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)d->record_time * 1000);
    b->len = 0;
    if (put(b, "{\"data\":") || sp_docjson_write(b, d, &o) != 0 ||
        put(b, ",\"metadata\":{\"producer\":") || sp_buf_append_json_string(b, a->producer) ||
        put_string_field(b, "type", a->type) || put_string_field(b, "_id", d->id) ||
        put(b, ",\"timestamp\":") || put(b, ts) || put_string_field(b, "version", SPIDER_VERSION))
        return -1;
    const Spider__Metadata *m = d->metadata;
    if (m && (put_string_field(b, "spider_git_hash", m->spider_git_hash) ||
              put_string_field(b, "spider_hostname", m->spider_hostname)))
        return -1;
    return put_string_field(b, "publisher_git_hash", sp_version_git_hash()) || put(b, "}}");
}

/* Connected to some broker of the list. 0, or -1 with err. */
static int ensure_connected(amq_output *a, char *err, size_t errlen)
{
    if (a->client && !a->failed)
        return 0;
    if (a->client ? sp_stomp_reconnect(a->client, err, errlen) != 0
                  : !(a->client = sp_stomp_connect(&a->conn.stomp, err, errlen)))
        return -1;
    a->failed = 0;
    sp_info("publish.amq_connected", "broker", sp_stomp_broker(a->client));
    return 0;
}

/* Sends every item not done and waits for the receipts. 0 when all were
 * confirmed (and marks them done), -1 with err. */
static int send_batch(amq_output *a, sp_item *items, size_t n, char *err, size_t errlen)
{
    const char *l[] = { a->base.name };
    const sp_stomp_header h[] = {
        { "persistent", "true" }, { "content-type", "application/json" },
        { "producer", (char *)a->producer }, { "type", (char *)a->type },
        { "version", SPIDER_VERSION },
    };
    size_t sent = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (items[i].done)
            continue;
        if (envelope(a, items[i].doc) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else if ((rc = sp_stomp_send_async(a->client, a->destination, h, sizeof(h) / sizeof(h[0]),
                                             a->body.data, a->body.len, err, errlen)) == 0) {
            sent++;
        }
    }
    sp_metric_add(a->m.sent, l, (double)sent);
    if (rc == 0)
        rc = sp_stomp_wait_receipts(a->client, a->conn.timeout_ms, err, errlen);
    if (rc != 0) {
        sp_metric_add(a->m.failed, l, (double)sent);
        a->failed = 1;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        items[i].done = 1;
    sp_metric_add(a->m.confirmed, l, (double)sent);
    return 0;
}

static int amq_deliver(sp_output *o, sp_batch *b)
{
    amq_output *a = (amq_output *)o;
    char err[1024];
    long backoff = 200;
    for (;;) {
        if (ensure_connected(a, err, sizeof(err)) == 0 && send_batch(a, b->items, b->n, err, sizeof(err)) == 0)
            return 0;
        sp_output_retried(&a->base, "send");
        if (sp_output_backoff(&a->base, err, &backoff) != 0)
            return -1;
    }
}

static void amq_free(sp_output *o)
{
    amq_output *a = (amq_output *)o;
    sp_stomp_close(a->client);
    sp_service_amq_free(&a->conn);
    sp_rules_free(&a->dates);
    sp_buf_free(&a->body);
    free(a);
}

static void amq_declare(sp_output *o)
{
    amq_output *a = (amq_output *)o;
    const char *l[] = { o->name };
    sp_metric_declare(a->m.sent, l);
    sp_metric_declare(a->m.confirmed, l);
    sp_metric_declare(a->m.failed, l);
}

static const char *const amq_requests[] = { "send", NULL };

static int amq_open(const sp_output_env *env, char *err, size_t errlen)
{
    static const char *const ol[] = { "output", NULL };
    amq_metrics m = {
        .sent = sp_metrics_counter(env->metrics, "spider_publisher_amq_sent_total", "Notifications sent to ActiveMQ", ol),
        .confirmed = sp_metrics_counter(env->metrics, "spider_publisher_amq_confirmed_total", "Notifications whose receipt arrived", ol),
        .failed = sp_metrics_counter(env->metrics, "spider_publisher_amq_failed_total", "Notifications not confirmed (sent again)", ol),
    };
    amq_output *a = calloc(1, sizeof(*a));
    if (!a || sp_rules_init(&a->dates) != 0) {
        free(a);
        return snprintf(err, errlen, "out of memory"), -1;
    }
    a->base = (sp_output){ .name = "amq", .deliver = amq_deliver, .free = amq_free, .declare = amq_declare,
                           .requests = amq_requests, .host = env->host };
    a->m = m;
    a->destination = sp_config_str(env->cfg, "amq.destination");
    a->producer = sp_config_str(env->cfg, "amq.producer");
    a->type = sp_config_str(env->cfg, "amq.type");
    int rc = sp_service_amq_load(env->cfg, &a->conn, err, errlen);
    if (rc != 0 || !a->conn.stomp.nbrokers) {         /* no broker: no output */
        amq_free(&a->base);
        return rc;
    }
    return env->add(env->ctx, &a->base, err, errlen);
}

static int amq_names(sp_config *cfg, void (*each)(void *ctx, const char *name), void *ctx, char *err, size_t errlen)
{
    (void)cfg, (void)err, (void)errlen;
    each(ctx, "amq");
    return 0;
}

static const sp_opt amq_options[] = {
    SP_SERVICE_AMQ_OPTIONS,
    { "amq.destination", SP_OPT_STRING, "/topic/spider.jobs", "amq-destination", "where notifications go (the reference's CMS_HTCONDOR_TOPIC)" },
    { "amq.producer", SP_OPT_STRING, "condor", "amq-producer", "metadata.producer (the reference's CMS_HTCONDOR_PRODUCER)" },
    { "amq.type", SP_OPT_STRING, "metric", "amq-type", "metadata.type of the notifications" },
};

static const sp_opt_rule amq_rules[] = {
    { "amq.destination", NULL, "run" },
    { "amq.producer", NULL, "run" },
    { "amq.type", NULL, "run" },
    { "amq.timeout_ms", "1..", NULL },
};

const sp_output_plugin sp_out_amq_plugin = {
    .name = "amq",
    .options = amq_options,
    .noptions = sizeof(amq_options) / sizeof(amq_options[0]),
    .rules = amq_rules,
    .nrules = sizeof(amq_rules) / sizeof(amq_rules[0]),
    .open = amq_open,
    .names = amq_names,
};
