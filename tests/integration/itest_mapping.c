/* itest_mapping.c - the reference index mapping (services/publisher/
 * mapping.c) on both real clusters of the local stack, OpenSearch behind
 * nginx /es and Elasticsearch (integ-test distributions, no analysis-common
 * module): the index is created, and every document the collector makes
 * from a spider-sim pool (queue and history, CRAB and production) is
 * indexed without one mapping error, then found by id and by a date range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "adreader.h"
#include "bulk.h"
#include "convert.h"
#include "docjson.h"
#include "document.h"
#include "http.h"
#include "mapping.h"
#include "pool.h"

typedef struct {
    sp_converter *conv;
    sp_ad *res;
    sp_arena docs;
    sp_bulk bulk;
    sp_buf json;
    const char *index;
    char first_id[256];
    int n;
} ctx;

static int on_ad(void *arg, sp_ad *ad)
{
    ctx *c = arg;
    char err[256];
    sp_convert_job job = { "Global", c->n % 2, 1763800000 + 12 * 720, NULL };
    assert_int_equal(sp_convert(c->conv, &job, ad, c->res, NULL, err, sizeof(err)), 1);
    sp_arena_reset(&c->docs);
    sp_document_meta meta = { "cms", "itest", 1763808640123LL, SPIDER__SOURCE__CONDOR_HISTORY, NULL, 0 };
    Spider__Document *d = sp_document_build(&c->docs, c->res, &meta, err, sizeof(err));
    assert_non_null(d);
    c->json.len = 0;
    sp_docjson_opts o = { NULL, "publisher-itest" };
    assert_int_equal(sp_docjson_write(&c->json, d, &o), 0);
    assert_int_equal(sp_bulk_index(&c->bulk, c->index, d->id, (const char *)c->json.data, c->json.len), 0);
    if (!c->n)
        snprintf(c->first_id, sizeof(c->first_id), "%s", d->id);
    c->n++;
    return 0;
}

static long request(sp_http *h, const char *method, const char *path, const char *ctype, const void *body, size_t len,
                    sp_http_response *r)
{
    char err[512];
    if (sp_http_request(h, method, path, ctype, body, len, r, err, sizeof(err)) != 0)
        fail_msg("%s is not reachable: %s", sp_http_base_url(h), err);
    return r->status;
}

static void on_cluster(sp_http *h)
{
    char index[96], path[512], err[512];
    snprintf(index, sizeof(index), "spider-itest-mapping-%d-%ld", (int)getpid(), (long)random() % 100000);
    json_t *body = sp_mapping_index_body();
    json_object_set_new(json_object_get(json_object_get(body, "settings"), "index"), "number_of_replicas", json_integer(0));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    sp_http_response r;
    snprintf(path, sizeof(path), "/%s", index);
    if (request(h, "PUT", path, NULL, text, strlen(text), &r) != 200)
        fail_msg("%s: index creation with the reference mapping: %ld %.400s", sp_http_base_url(h), r.status, r.body);
    free(text);

    ctx c = { .index = index };
    c.conv = sp_converter_new(NULL, err, sizeof(err));
    c.res = sp_ad_new();
    sp_bulk_init(&c.bulk);
    sim_pool pool;
    sim_pool_defaults(&pool);
    pool.jobs = 40;
    for (int s = 0; s < 3; s++)
        for (int kind = 0; kind < 2; kind++) {
            sim_ad *ads;
            size_t n = kind ? sim_history(&pool, s, 12, 0, &ads) : sim_queue(&pool, s, 12, &ads);
            size_t len;
            char *t = sim_ads_text(ads, n, SIM_FORMAT_JSONL, &len);
            sp_adreader *rd = sp_adreader_new(0, on_ad, NULL, &c);
            assert_int_equal(sp_adreader_feed(rd, t, len, err, sizeof(err)), 0);
            assert_int_equal(sp_adreader_finish(rd, err, sizeof(err)), 0);
            sp_adreader_free(rd);
            free(t);
            for (size_t i = 0; i < n; i++)
                sim_ad_free(&ads[i]);
            free(ads);
        }
    assert_true(c.n > 100);
    request(h, "POST", "/_bulk?refresh=true", "application/x-ndjson", c.bulk.buf.data, c.bulk.buf.len, &r);
    assert_int_equal(r.status, 200);
    sp_bulk_result res;
    assert_int_equal(sp_bulk_parse_response(r.body, r.len, c.bulk.items, &res, err, sizeof(err)), 0);
    for (size_t i = 0; i < res.n; i++)
        if (res.items[i].outcome != SP_BULK_OK)
            fail_msg("%s: document %s refused: %s: %s", sp_http_base_url(h), res.items[i].id ? res.items[i].id : "?",
                     res.items[i].error_type ? res.items[i].error_type : "", res.items[i].reason ? res.items[i].reason : "");
    assert_int_equal(res.ok, (size_t)c.n);
    sp_bulk_result_free(&res);
    /* a date range on QDate (epoch seconds) finds them all */
    snprintf(path, sizeof(path), "/%s/_count", index);
    const char *q = "{\"query\":{\"range\":{\"QDate\":{\"gte\":\"2025-01-01\",\"format\":\"yyyy-MM-dd\"}}}}";
    assert_int_equal(request(h, "POST", path, NULL, q, strlen(q), &r), 200);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), c.n);
    json_decref(j);
    snprintf(path, sizeof(path), "/%s", index);
    request(h, "DELETE", path, NULL, NULL, 0, &r);
    sp_converter_free(c.conv);
    sp_ad_free(c.res);
    sp_arena_free(&c.docs);
    sp_bulk_free(&c.bulk);
    sp_buf_free(&c.json);
}

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        fail_msg("%s is not set (run through tests/integration/run-with-stack.sh)", name);
    return v;
}

static void test_opensearch(void **state)
{
    (void)state;
    char err[512];
    sp_http_options o = { .base_url = need("OPENSEARCH_URL"), .user = need("OPENSEARCH_USER"),
                          .password = need("OPENSEARCH_PASSWORD"), .ca_file = need("OPENSEARCH_CA") };
    sp_http *h = sp_http_new(&o, err, sizeof(err));
    assert_non_null(h);
    on_cluster(h);
    sp_http_free(h);
}

static void test_elasticsearch(void **state)
{
    (void)state;
    char err[512];
    sp_http_options o = { .base_url = need("ELASTICSEARCH_URL") };
    sp_http *h = sp_http_new(&o, err, sizeof(err));
    assert_non_null(h);
    on_cluster(h);
    sp_http_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opensearch),
        cmocka_unit_test(test_elasticsearch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
