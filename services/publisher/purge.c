/* purge.c - delete a collector build's documents from a cluster (see
 * purge.h). Queries and responses are small: jansson. */
#include "purge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bulk.h"

#define PAGE 1000
#define MAX_ROUNDS 100000

static json_t *query_of(const sp_purge_opts *o)
{
    json_t *filter = json_pack("[{s:{s:s}}]", "term", "metadata.spider_git_hash", o->git_hash);
    if (o->since > 0)
        json_array_append_new(filter, json_pack("{s:{s:{s:I}}}", "range", "RecordTime", "gte", (json_int_t)o->since));
    return json_pack("{s:{s:o}}", "bool", "filter", filter);
}

/* POST path with a JSON body; the parsed response when the status is 200. */
static json_t *post(sp_http *h, const char *path, json_t *body, long *status, char *err, size_t errlen)
{
    char *text = json_dumps(body, JSON_COMPACT);
    sp_http_response r;
    int rc = sp_http_request(h, "POST", path, NULL, text, strlen(text), &r, err, errlen);
    free(text);
    if (rc != 0)
        return NULL;
    *status = r.status;
    if (r.status != 200) {
        snprintf(err, errlen, "%s%s: status %ld: %.300s", sp_http_base_url(h), path, r.status, r.body);
        return NULL;
    }
    json_t *j = json_loadb(r.body, r.len, 0, NULL);
    if (!j)
        snprintf(err, errlen, "%s%s: response is not JSON", sp_http_base_url(h), path);
    return j;
}

static int count_docs(sp_http *h, const sp_purge_opts *o, long long *count, char *err, size_t errlen)
{
    char path[512];
    long status;
    snprintf(path, sizeof(path), "/%s/_count?ignore_unavailable=true&allow_no_indices=true", o->indices);
    json_t *body = json_pack("{s:o}", "query", query_of(o));
    json_t *r = post(h, path, body, &status, err, errlen);
    json_decref(body);
    if (!r)
        return -1;
    *count = json_integer_value(json_object_get(r, "count"));
    json_decref(r);
    return 0;
}

static int by_query(sp_http *h, const sp_purge_opts *o, long long *count, int *unsupported, char *err, size_t errlen)
{
    char path[512];
    long status = 0;
    snprintf(path, sizeof(path), "/%s/_delete_by_query?conflicts=proceed&refresh=true&ignore_unavailable=true&allow_no_indices=true",
             o->indices);
    json_t *body = json_pack("{s:o}", "query", query_of(o));
    json_t *r = post(h, path, body, &status, err, errlen);
    json_decref(body);
    *unsupported = !r && (status == 400 || status == 404 || status == 405 || status == 500) &&
                   (strstr(err, "delete_by_query") || strstr(err, "no handler") || strstr(err, "Incorrect HTTP method") ||
                    strstr(err, "reindex"));
    if (!r)
        return -1;
    *count = json_integer_value(json_object_get(r, "deleted"));
    json_t *failures = json_object_get(r, "failures");
    int rc = json_array_size(failures) ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "%s: %zu failures in _delete_by_query", sp_http_base_url(h), json_array_size(failures));
    json_decref(r);
    return rc;
}

/* One page of matching ids deleted with _bulk; how many in *n. */
static int delete_page(sp_http *h, const sp_purge_opts *o, long long *n, char *err, size_t errlen)
{
    char path[512];
    long status;
    snprintf(path, sizeof(path), "/%s/_search?ignore_unavailable=true&allow_no_indices=true", o->indices);
    json_t *body = json_pack("{s:i,s:b,s:o}", "size", PAGE, "_source", 0, "query", query_of(o));
    json_t *r = post(h, path, body, &status, err, errlen);
    json_decref(body);
    if (!r)
        return -1;
    json_t *hits = json_object_get(json_object_get(r, "hits"), "hits");
    sp_bulk b;
    sp_bulk_init(&b);
    size_t i;
    json_t *hit;
    json_array_foreach(hits, i, hit)
        sp_bulk_delete(&b, json_string_value(json_object_get(hit, "_index")), json_string_value(json_object_get(hit, "_id")));
    *n = (long long)b.items;
    json_decref(r);
    int rc = 0;
    if (b.items) {
        sp_http_response resp;
        sp_bulk_result res;
        rc = sp_http_request(h, "POST", "/_bulk?refresh=true", "application/x-ndjson", b.buf.data, b.buf.len, &resp, err, errlen);
        if (rc == 0 && sp_bulk_parse_response(resp.body, resp.len, b.items, &res, err, errlen) == 0) {
            if (res.ok != b.items) {
                snprintf(err, errlen, "%s: %zu of %zu deletes failed", sp_http_base_url(h), b.items - res.ok, b.items);
                rc = -1;
            }
            sp_bulk_result_free(&res);
        } else {
            rc = -1;
        }
    }
    sp_bulk_free(&b);
    return rc;
}

int sp_purge(sp_http *h, const sp_purge_opts *o, long long *count, const char **method, char *err, size_t errlen)
{
    *count = 0;
    if (o->dry_run) {
        *method = "count";
        return count_docs(h, o, count, err, errlen);
    }
    int unsupported = 0;
    *method = "delete_by_query";
    if (by_query(h, o, count, &unsupported, err, errlen) == 0)
        return 0;
    if (!unsupported)
        return -1;
    *method = "search+bulk";
    for (int round = 0; round < MAX_ROUNDS; round++) {
        long long n;
        if (delete_page(h, o, &n, err, errlen) != 0)
            return -1;
        *count += n;
        if (n == 0)
            return 0;
    }
    snprintf(err, errlen, "%s: still matching documents after %d pages", sp_http_base_url(h), MAX_ROUNDS);
    return -1;
}
