/* out_es.c - the search cluster output (output.h): one Elasticsearch or
 * OpenSearch cluster of es_conf.json.
 *
 * For a batch: writes one _bulk of "index" actions straight from the
 * protobuf documents (docjson.h, with metadata.publisher_git_hash) into the
 * batch's reused body (prepare, while the previous batch is in flight),
 * creates each daily index it has not seen with the reference mapping
 * (mapping.h), sends the _bulk and reads the per-item results. Items the cluster can take
 * later (429, 5xx, timeouts, the cluster down) are sent again with backoff;
 * items it never can (mapping and parse errors) go to the dead-letter topic
 * with the cluster's reason. Document ids are the collector's, so a batch
 * sent twice after a crash writes nothing twice.
 *
 * Ownership: the output owns its HTTP handle, its JSON buffers and the
 * names of the indices it knows; the cluster configuration belongs to the
 * caller. prepare() and deliver() run in two threads, so each has its own
 * JSON buffer. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulk.h"
#include "docjson.h"
#include "log.h"
#include "mapping.h"
#include "output.h"
#include "version.h"

#define MAX_INDICES 64              /* remembered (daily indices: plenty) */

typedef struct {
    sp_output base;
    sp_publisher *p;
    const sp_cluster_conf *conf;
    sp_http *http;
    char *known[MAX_INDICES];       /* indices created or found, oldest first (deliver's) */
    size_t nknown;
    sp_buf json_prepare, json_deliver;
} es_output;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- indices ---------- */

static int known_index(es_output *c, const char *index)
{
    for (size_t i = 0; i < c->nknown; i++)
        if (!strcmp(c->known[i], index))
            return 1;
    return 0;
}

static void remember_index(es_output *c, const char *index)
{
    if (c->nknown == MAX_INDICES) {
        free(c->known[0]);
        memmove(c->known, c->known + 1, (MAX_INDICES - 1) * sizeof(char *));
        c->nknown--;
    }
    c->known[c->nknown++] = strdup(index);
}

/* Creates the index with the reference mapping unless it exists. 0, or -1
 * when the cluster could not be asked (retry later). */
static int ensure_index(es_output *c, const char *index, char *err, size_t errlen)
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
    remember_index(c, index);
    return 0;
}

/* Every daily index of the items left exists. 0, or -1 with err. */
static int ensure_indices(es_output *c, const sp_item *items, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (!items[i].done && ensure_index(c, items[i].doc->index, err, errlen) != 0)
            return -1;
    return 0;
}

/* ---------- one _bulk ---------- */

/* The _bulk of the items not done yet into b->body, each item's slot set. */
static void build_bulk(sp_batch *b, sp_buf *json)
{
    sp_docjson_opts o = { NULL, sp_git_hash() };
    sp_bulk_reset(&b->body);
    for (size_t i = 0; i < b->n; i++) {
        sp_item *it = &b->items[i];
        it->slot = -1;
        if (it->done)
            continue;
        json->len = 0;
        if (sp_docjson_write(json, it->doc, &o) != 0 || sp_buf_append(json, "", 1) != 0)
            continue;
        it->slot = (int)b->body.items;
        sp_bulk_index(&b->body, it->doc->index, it->doc->id, (const char *)json->data, json->len - 1);
    }
}

static void es_prepare(sp_output *o, sp_batch *b)
{
    build_bulk(b, &((es_output *)o)->json_prepare);
}

/* Marks each item by the cluster's answer. 1 when some must be sent again. */
static int apply_results(es_output *c, sp_batch *batch, const sp_bulk_result *res)
{
    const sp_publish_metrics *m = sp_publish_metrics_of(c->p);
    const char *l[] = { c->base.name };
    for (size_t i = 0; i < batch->n; i++) {
        sp_item *it = &batch->items[i];
        if (it->done || it->slot < 0)
            continue;
        const sp_bulk_item *b = &res->items[it->slot];
        if (b->outcome == SP_BULK_OK) {
            it->done = 1;
            sp_metric_add(m->indexed, l, 1);
        } else if (b->outcome == SP_BULK_REJECT) {
            it->done = 1;
            sp_publish_dead_letter(c->p, c->base.name, it, b->error_type, b->reason);
        } else {
            sp_metric_add(m->retried, l, 1);
        }
    }
    return res->retry > 0;
}

/* Sends b->body. 0 when every item in it is settled; -1 with err when the
 * cluster did not answer or some items must be sent again. */
static int send_bulk(es_output *c, sp_batch *b, char *err, size_t errlen)
{
    const char *l[] = { c->base.name };
    sp_http_response r;
    long long t0 = now_ms();
    int rc = sp_http_request(c->http, "POST", "/_bulk", "application/x-ndjson", b->body.buf.data,
                             b->body.buf.len, &r, err, errlen);
    sp_metric_observe(sp_publish_metrics_of(c->p)->bulk_seconds, l, (double)(now_ms() - t0) / 1000.0);
    if (rc != 0)
        return -1;
    if (r.status != 200) {
        snprintf(err, errlen, "bulk status %ld: %.300s", r.status, r.body);
        return -1;
    }
    sp_bulk_result res;
    if (sp_bulk_parse_response(r.body, r.len, b->body.items, &res, err, errlen) != 0)
        return -1;
    int retry = apply_results(c, b, &res);
    sp_bulk_result_free(&res);
    if (retry)
        snprintf(err, errlen, "some items were refused for now (429/5xx)");
    return retry ? -1 : 0;
}

static int left(const sp_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (!b->items[i].done)
            return 1;
    return 0;
}

/* Sends the prepared body, then bodies of what is left, until all is
 * settled. */
static int es_deliver(sp_output *o, sp_batch *b)
{
    es_output *c = (es_output *)o;
    char err[1024];
    long backoff = 200;
    int fresh = b->body.items > 0;          /* prepare()d and not sent yet */
    while (left(b)) {
        if (!fresh)
            build_bulk(b, &c->json_deliver);
        fresh = 0;
        if (ensure_indices(c, b->items, b->n, err, sizeof(err)) == 0 && send_bulk(c, b, err, sizeof(err)) == 0)
            continue;
        if (sp_publish_backoff(c->p, c->base.name, err, &backoff) != 0)
            return -1;
    }
    return 0;
}

static void es_free(sp_output *o)
{
    es_output *c = (es_output *)o;
    sp_http_free(c->http);
    sp_buf_free(&c->json_prepare);
    sp_buf_free(&c->json_deliver);
    for (size_t k = 0; k < c->nknown; k++)
        free(c->known[k]);
    free(c);
}

sp_output *sp_out_es_new(sp_publisher *p, const sp_cluster_conf *conf, char *err, size_t errlen)
{
    es_output *c = calloc(1, sizeof(*c));
    if (!c)
        return snprintf(err, errlen, "out of memory"), NULL;
    c->base = (sp_output){ conf->name, es_prepare, es_deliver, es_free };
    c->p = p;
    c->conf = conf;
    if (!(c->http = sp_cluster_http(conf, 120000, err, errlen))) {
        es_free(&c->base);
        return NULL;
    }
    return &c->base;
}
