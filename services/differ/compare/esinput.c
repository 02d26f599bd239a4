/* esinput.c - a search index as a compare side: `es:CLUSTER/INDEX`, where
 * CLUSTER is an entry of es_conf.json (--es-conf, the reference format read
 * by the publisher's esconf.c) named by its host ("es-cms.cern.ch/es"),
 * host:port, or 1-based position, and INDEX an index or pattern
 * (cms-2026-11-*). Every document is read once with a scroll (sorted by
 * _doc, --es-page documents per page), which Elasticsearch and OpenSearch
 * both serve; the scroll is cleared at the end. A hit is its _id and
 * _source.
 *
 * Ownership: the reader owns its HTTP handle, cluster list and the page it
 * last fetched; an id and source it hands out live until the next call. */
#include <stdlib.h>
#include <string.h>

#include "esconf.h"
#include "esinput.h"

struct differ_es {
    sp_esconf clusters;
    sp_http *http;
    char *index;
    char *scroll_id;
    json_t *page;        /* the last response */
    size_t next;         /* next hit in it */
    int page_size, done;
};

static const sp_esconf_cluster *find_cluster(const sp_esconf *cl, const char *name, size_t len)
{
    char *end;
    long k = strtol(name, &end, 10);
    if (end == name + len && k >= 1 && (size_t)k <= cl->n)
        return &cl->items[k - 1];
    for (size_t i = 0; i < cl->n; i++)
        if (strlen(cl->items[i].name) == len && strncmp(cl->items[i].name, name, len) == 0)
            return &cl->items[i];
    return NULL;
}

void differ_es_close(differ_es *e)
{
    if (!e)
        return;
    if (e->http && e->scroll_id) {
        char body[4096], err[256];
        sp_http_response resp;
        snprintf(body, sizeof(body), "{\"scroll_id\":\"%s\"}", e->scroll_id);
        sp_http_request(e->http, "DELETE", "/_search/scroll", NULL, body, strlen(body), &resp, err, sizeof(err));
    }
    sp_http_free(e->http);
    sp_esconf_free(&e->clusters);
    json_decref(e->page);
    free(e->scroll_id);
    free(e->index);
    free(e);
}

differ_es *differ_es_open(const char *spec, const char *es_conf, const char *ca, int page_size,
                          char *err, size_t errlen)
{
    /* the cluster name may hold '/' (host/es): the index follows the last one */
    const char *slash = strrchr(spec, '/');
    if (!slash || slash == spec || !slash[1]) {
        snprintf(err, errlen, "es:%s: expected es:CLUSTER/INDEX", spec);
        return NULL;
    }
    if (!es_conf || !*es_conf) {
        snprintf(err, errlen, "es:%s: --es-conf is needed for search-index inputs", spec);
        return NULL;
    }
    differ_es *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->page_size = page_size > 0 ? page_size : 1000;
    e->index = strdup(slash + 1);
    if (sp_esconf_load(es_conf, ca, &e->clusters, err, errlen) != 0) {
        differ_es_close(e);
        return NULL;
    }
    const sp_esconf_cluster *c = find_cluster(&e->clusters, spec, (size_t)(slash - spec));
    if (!c) {
        snprintf(err, errlen, "es:%s: no cluster \"%.*s\" in %s", spec, (int)(slash - spec), spec, es_conf);
        differ_es_close(e);
        return NULL;
    }
    if (!(e->http = sp_esconf_http(c, 120000, err, errlen))) {
        differ_es_close(e);
        return NULL;
    }
    return e;
}

/* Fetches the first or next page; 0, or -1 with err. */
static int fetch(differ_es *e, char *err, size_t errlen)
{
    char path[1024], body[4096];
    const char *method = "POST";
    if (!e->scroll_id) {
        snprintf(path, sizeof(path), "/%s/_search?scroll=5m", e->index);
        snprintf(body, sizeof(body), "{\"size\":%d,\"sort\":[\"_doc\"]}", e->page_size);
    } else {
        snprintf(path, sizeof(path), "/_search/scroll");
        snprintf(body, sizeof(body), "{\"scroll\":\"5m\",\"scroll_id\":\"%s\"}", e->scroll_id);
    }
    sp_http_response resp;
    char why[512];
    if (sp_http_request(e->http, method, path, NULL, body, strlen(body), &resp, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s%s: %s", sp_http_base_url(e->http), path, why);
        return -1;
    }
    if (resp.status != 200) {
        snprintf(err, errlen, "%s%s: HTTP %ld: %.300s", sp_http_base_url(e->http), path, resp.status, resp.body);
        return -1;
    }
    json_decref(e->page);
    e->page = json_loadb(resp.body, resp.len, 0, NULL);
    const char *sid = json_string_value(json_object_get(e->page, "_scroll_id"));
    if (!e->page || !json_is_array(json_object_get(json_object_get(e->page, "hits"), "hits"))) {
        snprintf(err, errlen, "%s%s: not a search response", sp_http_base_url(e->http), path);
        return -1;
    }
    if (sid && (!e->scroll_id || strcmp(sid, e->scroll_id) != 0)) {
        free(e->scroll_id);
        e->scroll_id = strdup(sid);
    }
    e->next = 0;
    return 0;
}

int differ_es_next(differ_es *e, const char **id, json_t **source, char *err, size_t errlen)
{
    for (;;) {
        if (e->done)
            return 0;
        json_t *hits = e->page ? json_object_get(json_object_get(e->page, "hits"), "hits") : NULL;
        if (hits && e->next < json_array_size(hits)) {
            json_t *h = json_array_get(hits, e->next++);
            *id = json_string_value(json_object_get(h, "_id"));
            *source = json_object_get(h, "_source");
            if (!*id || !json_is_object(*source)) {
                snprintf(err, errlen, "hit without _id or _source");
                return 2;          /* a bad record: counted by the caller */
            }
            return 1;
        }
        if (hits && json_array_size(hits) == 0) {
            e->done = 1;
            return 0;
        }
        if (fetch(e, err, errlen) != 0)
            return -1;
    }
}
