/* out_amq.c - the ActiveMQ output (output.h): each document as one MONIT
 * notification over STOMP, as the reference's amq.py sends them through
 * CMSMonitoring, with the envelope of output.h.
 *
 * A batch is sent with one receipt per message, several in flight, and is
 * delivered once every receipt arrived. A broker that fails (connection
 * lost, ERROR frame, receipts late) is dropped and the next one of the list
 * is tried (failover); what was not confirmed is sent again, so ActiveMQ
 * sees each document at least once (MONIT keys on metadata._id).
 *
 * Ownership: the output owns its STOMP client, its buffers and the date
 * rulemap; the configuration belongs to the caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "docjson.h"
#include "log.h"
#include "output.h"
#include "stomp.h"
#include "version.h"

typedef struct {
    sp_output base;
    sp_publisher *p;
    const sp_amq_conf *conf;
    sp_stomp_options stomp;
    sp_stomp_client *client;        /* NULL until connected */
    int failed;                     /* the broker in use failed: fail over */
    sp_rulemap dates;               /* date attributes go out in epoch ms */
    sp_buf body;
} amq_output;

static int put(sp_buf *b, const char *s) { return sp_buf_append(b, s, strlen(s)); }

static int put_string_field(sp_buf *b, const char *name, const char *value)
{
    return put(b, ",\"") || put(b, name) || put(b, "\":") || sp_json_append_string(b, value ? value : "");
}

/* The notification of one document into a->body. 0, or -1 out of memory. */
static int envelope(amq_output *a, const Spider__Document *d)
{
    sp_buf *b = &a->body;
    sp_docjson_opts o = { &a->dates, sp_git_hash() };
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)d->record_time * 1000);
    b->len = 0;
    if (put(b, "{\"data\":") || sp_docjson_write(b, d, &o) != 0 ||
        put(b, ",\"metadata\":{\"producer\":") || sp_json_append_string(b, a->conf->producer) ||
        put_string_field(b, "type", a->conf->type) || put_string_field(b, "_id", d->id) ||
        put(b, ",\"timestamp\":") || put(b, ts) || put_string_field(b, "version", SPIDER_VERSION))
        return -1;
    const Spider__Metadata *m = d->metadata;
    if (m && (put_string_field(b, "spider_git_hash", m->spider_git_hash) ||
              put_string_field(b, "spider_hostname", m->spider_hostname)))
        return -1;
    return put_string_field(b, "publisher_git_hash", sp_git_hash()) || put(b, "}}");
}

/* Connected to some broker of the list. 0, or -1 with err. */
static int ensure_connected(amq_output *a, char *err, size_t errlen)
{
    if (a->client && !a->failed)
        return 0;
    if (a->client ? sp_stomp_reconnect(a->client, err, errlen) != 0
                  : !(a->client = sp_stomp_connect(&a->stomp, err, errlen)))
        return -1;
    a->failed = 0;
    sp_info("publish.amq_connected", "broker", sp_stomp_broker(a->client));
    return 0;
}

/* Sends every item not done and waits for the receipts. 0 when all were
 * confirmed (and marks them done), -1 with err. */
static int send_batch(amq_output *a, sp_item *items, size_t n, char *err, size_t errlen)
{
    const sp_publish_metrics *m = sp_publish_metrics_of(a->p);
    const char *l[] = { a->base.name };
    const sp_stomp_header h[] = {
        { "persistent", "true" }, { "content-type", "application/json" },
        { "producer", (char *)a->conf->producer }, { "type", (char *)a->conf->type },
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
        } else if ((rc = sp_stomp_send_async(a->client, a->conf->destination, h, sizeof(h) / sizeof(h[0]),
                                             a->body.data, a->body.len, err, errlen)) == 0) {
            sent++;
        }
    }
    sp_metric_add(m->amq_sent, l, (double)sent);
    if (rc == 0)
        rc = sp_stomp_wait_receipts(a->client, a->conf->timeout_ms, err, errlen);
    if (rc != 0) {
        sp_metric_add(m->amq_failed, l, (double)sent);
        a->failed = 1;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        items[i].done = 1;
    sp_metric_add(m->amq_confirmed, l, (double)sent);
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
        sp_publish_retried(a->p, a->base.name, "send", 0);
        if (sp_publish_backoff(a->p, a->base.name, err, &backoff) != 0)
            return -1;
    }
}

static void amq_free(sp_output *o)
{
    amq_output *a = (amq_output *)o;
    sp_stomp_close(a->client);
    sp_rulemap_free(&a->dates);
    sp_buf_free(&a->body);
    free(a);
}

sp_output *sp_out_amq_new(sp_publisher *p, const sp_amq_conf *conf, char *err, size_t errlen)
{
    amq_output *a = calloc(1, sizeof(*a));
    if (!a || sp_rulemap_init(&a->dates) != 0) {
        free(a);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    a->base = (sp_output){ "amq", NULL, amq_deliver, amq_free, 0 };
    a->p = p;
    a->conf = conf;
    a->stomp = *conf->stomp;
    return &a->base;
}
