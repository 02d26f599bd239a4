/* out_es.c - the search cluster output plugin (output.h), sp_out_es_plugin:
 * one output per Elasticsearch or OpenSearch cluster of es_conf.json
 * (--es-conf, --ca-file, shared with purge and setup), named as the
 * cluster; with --current also one per cluster into the current-state
 * index (--current-index, default <index-template>-current), named
 * "<cluster>.current": one document per queued job, _id its GlobalJobId,
 * indexed on ADDED and CHANGED, deleted on REMOVED; every other record is
 * skipped. Its own options: --max-request-bytes, --current, --current-index.
 *
 * For a batch: writes one _bulk of "index" actions straight from the
 * protobuf documents (docjson.h, with metadata.publisher_git_hash) into the
 * batch's reused body (prepare, while the previous batch is in flight),
 * creates each daily index it has not seen with the reference mapping
 * (mapping.h; `setup`'s index template has the same body, and adds its
 * alias and retention policy), sends the _bulk and reads the per-item results. Items the cluster can take
 * later (429, 5xx, timeouts, the cluster down) are sent again with backoff;
 * items it never can (mapping and parse errors) go to the dead-letter topic
 * with the cluster's reason. Document ids are the collector's, so a batch
 * sent twice after a crash writes nothing twice.
 *
 * Ownership: the output owns its HTTP handle, its JSON buffers and the
 * names of the indices it knows; the clusters loaded from es_conf.json are
 * shared by the plugin's outputs, freed with the last of them. prepare()
 * and deliver() run in two threads, so each has its own JSON buffer. */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bulk.h"
#include "docjson.h"
#include "esconf.h"
#include "http.h"
#include "log.h"
#include "mapping.h"
#include "output.h"
#include "version.h"
#include "clock.h"

#define MAX_INDICES 64              /* remembered (daily indices: plenty) */

/* es_conf.json's clusters, shared by the outputs opened from them. Outputs
 * are opened and freed by one thread at a time: a plain count. */
typedef struct {
    sp_esconf cl;
    int refs;
} es_clusters;

/* The plugin's metric families, by output. */
typedef struct {
    sp_metric *indexed, *retried, *bulk_seconds, *max_request_bytes;
} es_metrics;

typedef struct {
    sp_output base;
    es_metrics m;
    es_clusters *shared;            /* one reference */
    const sp_esconf_cluster *conf;    /* into shared */
    sp_http *http;
    char *known[MAX_INDICES];       /* indices created or found, oldest first (deliver's) */
    size_t nknown;
    sp_buf json_prepare, json_deliver;
    size_t max_request;             /* bytes of one document's _bulk item at most: the cluster's limit */
    atomic_size_t bulk_cap;         /* bytes of one _bulk body at most: max_request, or less once a
                                     * 413 (a proxy's smaller limit) taught us; kept across batches */
    char *current;                  /* the current-state index; NULL: the documents' own indices */
    char *name;                     /* "<cluster>.current"; NULL: the cluster's name */
} es_output;

/* Where an item goes, and under which id: the document's own, or for a
 * current-state output the current index and the GlobalJobId. */
static const char *index_of(const es_output *c, const sp_item *it) { return c->current ? c->current : it->doc->index; }
static const char *id_of(const es_output *c, const sp_item *it) { return c->current ? it->doc->global_job_id : it->doc->id; }

/* A REMOVED change event (only a current-state output gets them). */
static int is_removed(const sp_item *it)
{
    return it->rec && it->rec->kind_case == SPIDER__RECORD__KIND_CHANGE &&
           it->rec->change->kind == SPIDER__CHANGE_EVENT__KIND__REMOVED;
}

#define DEFAULT_MAX_REQUEST (100ull * 1024 * 1024)   /* http.max_content_length's default */

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

/* The error type and reason of a cluster's error body, or the body. */
static void error_of(const char *body, char *type, size_t tlen, char *reason, size_t rlen)
{
    json_t *j = json_loads(body, 0, NULL), *e = json_object_get(j, "error");
    const char *t = json_string_value(json_object_get(e, "type")), *r = json_string_value(json_object_get(e, "reason"));
    snprintf(type, tlen, "%s", t ? t : "index_creation_refused");
    snprintf(reason, rlen, "%.400s", r ? r : body);
    json_decref(j);
}

/* Every item left for index goes to the dead-letter topic. */
static void dead_letter_index(es_output *c, sp_batch *b, const char *index, const char *type, const char *reason)
{
    for (size_t i = 0; i < b->n; i++) {
        sp_item *it = &b->items[i];
        if (!it->done && !strcmp(index_of(c, it), index)) {
            it->done = 1;
            sp_output_dead_letter(&c->base, it, type, reason);
        }
    }
}

/* Creates the index with the reference mapping unless it exists. 0 when it
 * does, 1 when the cluster refused the name (its items dead-lettered), -1
 * when the cluster could not be asked or must be asked again (err). */
static int ensure_index(es_output *c, sp_batch *b, const char *index, char *err, size_t errlen)
{
    if (known_index(c, index))
        return 0;
    char path[512];
    snprintf(path, sizeof(path), "/%s", index);
    json_t *body = !c->current && strstr(index, "-summary-") ? sp_mapping_summary_body() : sp_mapping_index_body();
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    sp_http_response r;
    int rc = sp_http_request(c->http, "PUT", path, NULL, text, strlen(text), &r, err, errlen);
    free(text);
    if (rc == 0 && (r.status == 200 || (r.status == 400 && strstr(r.body, "already_exists")))) {
        remember_index(c, index);
        return 0;
    }
    if (rc == 0 && r.status >= 400 && r.status < 500 && r.status != 401 && r.status != 403 && r.status != 408 &&
        r.status != 429) {
        char type[128], reason[512];
        error_of(r.body, type, sizeof(type), reason, sizeof(reason));
        dead_letter_index(c, b, index, type, reason);
        return 1;
    }
    if (rc == 0)
        snprintf(err, errlen, "creating %s: status %ld: %.300s", index, r.status, r.body);
    sp_output_retried(&c->base, "create_index");
    return -1;
}

/* Every daily index of the items in the body exists. 0, 1 when some items
 * were dead-lettered (the body must be built again), -1 with err. */
static int ensure_indices(es_output *c, sp_batch *b, char *err, size_t errlen)
{
    int dead = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].done || b->items[i].slot < 0)
            continue;
        int rc = ensure_index(c, b, index_of(c, &b->items[i]), err, errlen);
        if (rc < 0)
            return -1;
        dead |= rc;
    }
    return dead;
}

/* ---------- one _bulk ---------- */

/* The bytes an item takes in a _bulk: its action line and source, with
 * room for escaping. */
static size_t item_bytes(const es_output *c, const sp_item *it, size_t json_len)
{
    return json_len + strlen(index_of(c, it)) * 6 + strlen(id_of(c, it)) * 6 + 48;
}

/* The _bulk of the items not done yet into b->body, each item's slot set,
 * at most cap bytes (the items after are left for the next body). Items
 * that can never be written (a bad index name, a document over the
 * cluster's limit alone, one that cannot be encoded) are dead-lettered. */
static void build_bulk(es_output *c, sp_batch *b, sp_buf *json, size_t cap)
{
    sp_docjson_opts o = { NULL, sp_version_git_hash() };
    char why[512];
    int full = 0;
    sp_bulk_reset(&b->body);
    for (size_t i = 0; i < b->n; i++) {
        sp_item *it = &b->items[i];
        it->slot = -1;
        if (it->done || full)
            continue;
        if (c->current && (!it->rec || it->rec->kind_case != SPIDER__RECORD__KIND_CHANGE)) {
            it->done = 1;                  /* history, queue documents, summaries: not the queue's state */
            continue;
        }
        if (c->current && (!it->doc->global_job_id || !*it->doc->global_job_id)) {
            it->done = 1;
            sp_output_dead_letter(&c->base, it, "missing_id", "change event without a GlobalJobId");
            continue;
        }
        if (is_removed(it)) {
            if (b->body.items && b->body.buf.len + item_bytes(c, it, 0) > cap) {
                full = 1;
                continue;
            }
            it->slot = (int)b->body.items;
            sp_bulk_delete(&b->body, c->current, it->doc->global_job_id);
            continue;
        }
        if (sp_bulk_index_name_check(index_of(c, it), why, sizeof(why)) != 0) {
            it->done = 1;
            sp_output_dead_letter(&c->base, it, "invalid_index_name_exception", why);
            continue;
        }
        json->len = 0;
        if (sp_docjson_write(json, it->doc, &o) != 0 || sp_buf_append(json, "", 1) != 0) {
            it->done = 1;
            sp_output_dead_letter(&c->base, it, "unencodable_document", "the document cannot be written as JSON");
            continue;
        }
        size_t need = item_bytes(c, it, json->len - 1);
        if (need > c->max_request) {
            snprintf(why, sizeof(why), "document of %zu bytes in a _bulk, more than the %zu the cluster takes", need,
                     c->max_request);
            it->done = 1;
            sp_output_dead_letter(&c->base, it, "document_too_large", why);
            continue;
        }
        if (b->body.items && b->body.buf.len + need > cap) {
            full = 1;                      /* the rest goes in the next body */
            continue;
        }
        it->slot = (int)b->body.items;
        sp_bulk_index(&b->body, index_of(c, it), id_of(c, it), (const char *)json->data, json->len - 1);
    }
}

static void es_prepare(sp_output *o, sp_batch *b)
{
    es_output *c = (es_output *)o;
    build_bulk(c, b, &c->json_prepare, atomic_load(&c->bulk_cap));
}

/* Marks each item by the cluster's answer. 1 when some must be sent again. */
static int apply_results(es_output *c, sp_batch *batch, const sp_bulk_result *res)
{
    const char *l[] = { c->base.name };
    for (size_t i = 0; i < batch->n; i++) {
        sp_item *it = &batch->items[i];
        if (it->done || it->slot < 0)
            continue;
        const sp_bulk_item *b = &res->items[it->slot];
        if (b->outcome == SP_BULK_OK) {
            it->done = 1;
            sp_metric_add(c->m.indexed, l, 1);
        } else if (b->outcome == SP_BULK_REJECT) {
            it->done = 1;
            sp_output_dead_letter(&c->base, it, b->error_type, b->reason);
        } else {
            sp_metric_add(c->m.retried, l, 1);   /* this document is sent again */
        }
    }
    return res->retry > 0;
}

/* Sends b->body. 0 when every item in it is settled; 413 when the cluster
 * found the body too large; -1 with err when the cluster did not answer or
 * some items must be sent again (each retried request counted). */
static int send_bulk(es_output *c, sp_batch *b, char *err, size_t errlen)
{
    const char *l[] = { c->base.name };
    sp_http_response r;
    long long t0 = sp_clock_mono_ms();
    int rc = sp_http_request(c->http, "POST", "/_bulk", "application/x-ndjson", b->body.buf.data,
                             b->body.buf.len, &r, err, errlen);
    sp_metric_observe(c->m.bulk_seconds, l, (double)(sp_clock_mono_ms() - t0) / 1000.0);
    if (rc == 0 && r.status == 413)
        return 413;
    sp_bulk_result res;
    if (rc == 0 && r.status != 200)
        snprintf(err, errlen, "bulk status %ld: %.300s", r.status, r.body);
    if (rc != 0 || r.status != 200 || sp_bulk_parse_response(r.body, r.len, b->body.items, &res, err, errlen) != 0) {
        sp_output_retried(&c->base, "bulk");
        sp_metric_add(c->m.retried, l, (double)b->body.items);
        return -1;
    }
    int retry = apply_results(c, b, &res);
    sp_bulk_result_free(&res);
    if (retry) {
        sp_output_retried(&c->base, "bulk");
        snprintf(err, errlen, "some items were refused for now (429/5xx)");
    }
    return retry ? -1 : 0;
}

static int left(const sp_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (!b->items[i].done)
            return 1;
    return 0;
}

/* A 413 for a body of one item: that document alone is too large. */
static void dead_letter_single(es_output *c, sp_batch *b, const char *why)
{
    for (size_t i = 0; i < b->n; i++)
        if (!b->items[i].done && b->items[i].slot == 0) {
            b->items[i].done = 1;
            sp_output_dead_letter(&c->base, &b->items[i], "document_too_large", why);
        }
}

/* A 413 for a body of several items: something on the way (a proxy's
 * client_max_body_size) takes less than the cluster said. Later bodies are
 * cut at half of this one from now on, so each batch does not pay for the
 * same 413 again; a single document still goes alone, and only its own
 * 413 proves it too large. */
static void learn_cap(es_output *c, size_t cap)
{
    atomic_store(&c->bulk_cap, cap);
    const char *l[] = { c->base.name };
    sp_metric_set(c->m.max_request_bytes, l, (double)cap);
    sp_warn("publish.bulk_cap", "output", c->base.name, "max_request_bytes", SP_LOG_INT((long long)cap),
            "hint", "a proxy in front of the cluster takes less than its http.max_content_length");
}

/* Sends the prepared body, then bodies of what is left, until all is
 * settled. */
static int es_deliver(sp_output *o, sp_batch *b)
{
    es_output *c = (es_output *)o;
    char err[1024];
    long backoff = 200;
    size_t cap = atomic_load(&c->bulk_cap);
    int fresh = b->body.items > 0;          /* prepare()d and not sent yet */
    while (left(b)) {
        if (!fresh)
            build_bulk(c, b, &c->json_deliver, cap);
        fresh = 0;
        if (!b->body.items)
            continue;                        /* what was left was dead-lettered */
        int rc = ensure_indices(c, b, err, sizeof(err));
        if (rc > 0)
            continue;                        /* some items went: build again */
        if (rc == 0 && (rc = send_bulk(c, b, err, sizeof(err))) == 0)
            continue;
        if (rc == 413) {
            sp_warn("publish.too_large", "output", c->base.name, "bytes", SP_LOG_INT((long long)b->body.buf.len),
                    "items", SP_LOG_INT((long long)b->body.items));
            if (b->body.items == 1)
                dead_letter_single(c, b, "the cluster answered 413: the document alone is over its http.max_content_length");
            else
                learn_cap(c, cap = b->body.buf.len / 2);
            continue;
        }
        if (sp_output_backoff(&c->base, err, &backoff) != 0)
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
    free(c->current);
    free(c->name);
    if (c->shared && --c->shared->refs == 0) {
        sp_esconf_free(&c->shared->cl);
        free(c->shared);
    }
    free(c);
}

/* "100mb", "1gb", "512kb", "2048b" (Elasticsearch byte sizes) in bytes; 0
 * when it is none. */
static unsigned long long byte_size(const char *s)
{
    char *end;
    double v = s ? strtod(s, &end) : 0;
    if (!s || end == s || v <= 0)
        return 0;
    static const struct { const char *unit; double mul; } units[] = {
        { "", 1 }, { "b", 1 }, { "kb", 1024.0 }, { "mb", 1024.0 * 1024 }, { "gb", 1024.0 * 1024 * 1024 },
        { "tb", 1024.0 * 1024 * 1024 * 1024 }, { "k", 1024.0 }, { "m", 1024.0 * 1024 }, { "g", 1024.0 * 1024 * 1024 },
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (!strcasecmp(end, units[i].unit))
            return (unsigned long long)(v * units[i].mul);
    return 0;
}

/* http.max_content_length from a flat _cluster/settings answer (transient
 * over persistent over defaults); 0 when absent. */
static unsigned long long max_content_length(const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    unsigned long long n = 0;
    static const char *const where[] = { "transient", "persistent", "defaults" };
    for (size_t i = 0; !n && i < 3; i++)
        n = byte_size(json_string_value(json_object_get(json_object_get(j, where[i]), "http.max_content_length")));
    json_decref(j);
    return n;
}

/* Asks the cluster its settings. -1 with err on a configuration error
 * (TLS, login refused); 0 otherwise, the largest body it takes in *limit
 * (0 when the cluster did not say: down, or the settings not readable). */
static int probe(es_output *c, unsigned long long *limit, char *err, size_t errlen)
{
    char why[1024];
    sp_http_response r;
    *limit = 0;
    if (sp_http_request(c->http, "GET", "/_cluster/settings?include_defaults=true&flat_settings=true", NULL, NULL,
                        0, &r, why, sizeof(why)) != 0) {
        if (sp_http_tls_error(c->http)) {
            snprintf(err, errlen, "cluster %s: TLS failed, check its CA (\"ca\" in es_conf.json or --ca-file): %s",
                     c->base.name, why);
            return -1;
        }
        sp_warn("publish.cluster_unreachable", "output", c->base.name, "error", why,
                "hint", "not reachable at start: its documents wait in Kafka until it is");
        return 0;
    }
    if (r.status == 401 || r.status == 403) {
        snprintf(err, errlen, "cluster %s: authentication refused (HTTP %ld): check username/password in es_conf.json",
                 c->base.name, r.status);
        return -1;
    }
    if (r.status == 200)
        *limit = max_content_length(r.body);
    else
        sp_warn("publish.cluster_settings", "output", c->base.name, "status", SP_LOG_INT(r.status),
                "hint", "http.max_content_length unknown: the default 100mb is assumed");
    return 0;
}

static void es_declare(sp_output *o)
{
    es_output *c = (es_output *)o;
    const char *l[] = { o->name };
    sp_metric_declare(c->m.indexed, l);
    sp_metric_declare(c->m.retried, l);
    sp_metric_declare(c->m.bulk_seconds, l);
}

static const char *const es_requests[] = { "bulk", "create_index", NULL };

/* The output of cluster conf (in shared, which it takes a reference of).
 * max_request: bytes of a _bulk body at most (0: the cluster's
 * http.max_content_length). NULL with err naming the cluster on a
 * configuration error (TLS, login refused). */
static sp_output *es_new(const sp_output_env *env, const es_metrics *m, es_clusters *shared,
                         const sp_esconf_cluster *conf, long long max_request, char *err, size_t errlen)
{
    es_output *c = calloc(1, sizeof(*c));
    if (!c)
        return snprintf(err, errlen, "out of memory"), NULL;
    c->base = (sp_output){ .name = conf->name, .prepare = es_prepare, .deliver = es_deliver, .free = es_free,
                           .declare = es_declare, .requests = es_requests, .host = env->host };
    c->m = *m;
    c->shared = shared;
    shared->refs++;
    c->conf = conf;
    unsigned long long limit = 0;
    if (!(c->http = sp_esconf_http(conf, 120000, err, errlen)) || probe(c, &limit, err, errlen) != 0) {
        es_free(&c->base);
        return NULL;
    }
    c->max_request = limit ? (size_t)limit : DEFAULT_MAX_REQUEST;
    if (max_request > 0 && (size_t)max_request < c->max_request)
        c->max_request = (size_t)max_request;
    atomic_init(&c->bulk_cap, c->max_request);
    const char *l[] = { conf->name };
    sp_metric_set(m->max_request_bytes, l, (double)c->max_request);
    sp_info("publish.cluster", "output", conf->name, "max_request_bytes", SP_LOG_INT((long long)c->max_request),
            "cluster_limit", SP_LOG_INT((long long)limit));
    return &c->base;
}

/* The same cluster's current-state output into the index current. */
static sp_output *es_current_new(const sp_output_env *env, const es_metrics *m, es_clusters *shared,
                                 const sp_esconf_cluster *conf, long long max_request, const char *current,
                                 char *err, size_t errlen)
{
    char why[512];
    if (sp_bulk_index_name_check(current, why, sizeof(why)) != 0)
        return snprintf(err, errlen, "current-state index \"%s\": %s", current, why), NULL;
    es_output *c = (es_output *)es_new(env, m, shared, conf, max_request, err, errlen);
    if (!c)
        return NULL;
    size_t n = strlen(conf->name) + sizeof(".current");
    c->current = strdup(current);
    if (!c->current || !(c->name = malloc(n))) {
        es_free(&c->base);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    snprintf(c->name, n, "%s.current", conf->name);
    c->base.name = c->name;
    c->base.removed = 1;
    return &c->base;
}

/* --es-conf (with --ca-file) into cl. 0, or -1 with err. */
static int load_clusters(sp_config *cfg, sp_esconf *cl, char *err, size_t errlen)
{
    const char *ca = sp_config_str(cfg, "ca-file");
    return sp_esconf_load(sp_config_str(cfg, "es-conf"), *ca ? ca : NULL, cl, err, errlen);
}

/* --index-template checked (bulk.h), an output per cluster in
 * es_conf.json's order; then, with --current, a current-state output per
 * cluster. */
static int es_open(const sp_output_env *env, char *err, size_t errlen)
{
    static const char *const ol[] = { "output", NULL };
    static const double buckets[] = { 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
    sp_metrics *mm = env->metrics;
    es_metrics m = {
        .indexed = sp_metrics_counter(mm, "spider_publisher_documents_indexed_total", "Documents the cluster acknowledged", ol),
        .retried = sp_metrics_counter(mm, "spider_publisher_documents_retried_total", "Documents sent again (429, 5xx, a _bulk that failed whole)", ol),
        .max_request_bytes = sp_metrics_gauge(mm, "spider_publisher_max_request_bytes", "Largest _bulk body sent: http.max_content_length, --max-request-bytes, or half a body a proxy refused (413)", ol),
        .bulk_seconds = sp_metrics_histogram(mm, "spider_publisher_bulk_seconds", "Latency of one _bulk", ol, buckets, 10),
    };
    char why[512];
    const char *t = sp_config_str(env->cfg, "index-template");
    if (sp_bulk_index_template_check(t, why, sizeof(why)) != 0)
        return snprintf(err, errlen, "--index-template \"%s\": %s", t, why), -1;
    es_clusters *shared = calloc(1, sizeof(*shared));
    if (!shared)
        return snprintf(err, errlen, "out of memory"), -1;
    if (load_clusters(env->cfg, &shared->cl, err, errlen) != 0) {
        sp_esconf_free(&shared->cl);
        free(shared);
        return -1;
    }
    shared->refs = 1;                       /* open()'s own, dropped at the end */
    long long max_request = sp_config_int(env->cfg, "max.request.bytes");
    char current[300];
    snprintf(current, sizeof(current), "%s-current", t);
    const char *named = sp_config_str(env->cfg, "current-index");
    int rc = 0;
    for (int pass = 0; rc == 0 && pass < (sp_config_bool(env->cfg, "current") ? 2 : 1); pass++)
        for (size_t i = 0; rc == 0 && i < shared->cl.n; i++) {
            const sp_esconf_cluster *conf = &shared->cl.items[i];
            sp_output *o = pass ? es_current_new(env, &m, shared, conf, max_request, *named ? named : current, err, errlen)
                                : es_new(env, &m, shared, conf, max_request, err, errlen);
            if (!o || (rc = env->add(env->ctx, o, err, errlen)) != 0) {
                rc = -1;
                break;
            }
        }
    if (--shared->refs == 0) {
        sp_esconf_free(&shared->cl);
        free(shared);
    }
    return rc;
}

static int es_names(sp_config *cfg, void (*each)(void *ctx, const char *name), void *ctx, char *err, size_t errlen)
{
    sp_esconf cl = { 0 };
    int rc = load_clusters(cfg, &cl, err, errlen);
    for (size_t i = 0; rc == 0 && i < cl.n; i++)
        each(ctx, cl.items[i].name);
    sp_esconf_free(&cl);
    return rc;
}

static const sp_opt es_options[] = {
    { "max.request.bytes", SP_OPT_INT, "0", "max-request-bytes", "a _bulk body at most (0: each cluster's http.max_content_length); a document alone over it is dead-lettered" },
    { "current", SP_OPT_BOOL, "false", "current", "also keep a current-state index per cluster: one document per queued job (jobs.changes)" },
    { "current-index", SP_OPT_STRING, "", "current-index", "its name (default: <index-template>-current)" },
};

static const sp_opt_rule es_rules[] = {
    { "current", NULL, "run" },
    { "current-index", NULL, "run" },
};

const sp_output_plugin sp_out_es_plugin = {
    .name = "es",
    .options = es_options,
    .noptions = sizeof(es_options) / sizeof(es_options[0]),
    .rules = es_rules,
    .nrules = sizeof(es_rules) / sizeof(es_rules[0]),
    .open = es_open,
    .names = es_names,
};
