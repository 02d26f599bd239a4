/* itest_search.c - lib/http.c and lib/bulk.c against the real clusters of
 * the local stack: OpenSearch through nginx at /es (TLS with our CA, basic
 * auth) and Elasticsearch. Bulk-indexes, reads back, sees a mapping error as
 * a permanent per-item failure while the rest succeed; wrong password and
 * unknown CA fail clearly. A cluster that is down fails the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "bulk.h"
#include "http.h"
#include "log.h"

#define DOCS 300

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        fail_msg("%s is not set (run through tests/integration/run-with-stack.sh)", name);
    return v;
}

static sp_http *opensearch(const char *password, const char *ca)
{
    char err[512];
    sp_http_options o = { .base_url = need("OPENSEARCH_URL"), .user = need("OPENSEARCH_USER"),
                          .password = password, .ca_file = ca };
    sp_http *h = sp_http_new(&o, err, sizeof(err));
    assert_non_null(h);
    return h;
}

static sp_http *elasticsearch(void)
{
    char err[512];
    sp_http_options o = { .base_url = need("ELASTICSEARCH_URL") };
    sp_http *h = sp_http_new(&o, err, sizeof(err));
    assert_non_null(h);
    return h;
}

static json_t *request_json(sp_http *h, const char *method, const char *path, const char *body, long want)
{
    char err[512];
    sp_http_response r;
    if (sp_http_request(h, method, path, NULL, body, body ? strlen(body) : 0, &r, err, sizeof(err)) != 0)
        fail_msg("%s is not reachable: %s", sp_http_base_url(h), err);
    if (r.status != want)
        fail_msg("%s %s%s: status %ld, want %ld: %.300s", method, sp_http_base_url(h), path, r.status, want, r.body);
    return json_loads(r.body, 0, NULL);
}

/* The whole round trip on one cluster. */
static void bulk_round_trip(sp_http *h)
{
    char index[96], path[160], err[512];
    snprintf(index, sizeof(index), "spider-itest-%d-%ld", (int)getpid(), (long)random() % 100000);
    snprintf(path, sizeof(path), "/%s", index);
    json_decref(request_json(h, "PUT", path,
        "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0},"
        "\"mappings\":{\"properties\":{\"n\":{\"type\":\"long\"},\"site\":{\"type\":\"keyword\"}}}}", 200));

    sp_bulk b;
    sp_bulk_init(&b);
    for (int i = 0; i < DOCS; i++) {
        char id[32], doc[128];
        snprintf(id, sizeof(id), "job#%d", i);
        int n = i == 123 ? snprintf(doc, sizeof(doc), "{\"n\":\"not-a-number\",\"site\":\"T2_CH_CERN\"}")
                         : snprintf(doc, sizeof(doc), "{\"n\":%d,\"site\":\"T2_CH_CERN\"}", i);
        assert_int_equal(sp_bulk_index(&b, index, id, doc, (size_t)n), 0);
    }
    sp_http_response r;
    assert_int_equal(sp_http_request(h, "POST", "/_bulk", "application/x-ndjson", b.buf.data, b.buf.len,
                                     &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 200);
    sp_bulk_result res;
    if (sp_bulk_parse_response(r.body, r.len, b.items, &res, err, sizeof(err)) != 0)
        fail_msg("bulk response: %s", err);
    assert_int_equal(res.ok, DOCS - 1);
    assert_int_equal(res.reject, 1);
    assert_int_equal(res.retry, 0);
    assert_int_equal(res.items[123].outcome, SP_BULK_REJECT);
    assert_int_equal(res.items[123].status, 400);
    assert_string_equal(res.items[123].id, "job#123");
    fprintf(stderr, "%s: mapping error type %s\n", sp_http_base_url(h), res.items[123].error_type);
    assert_non_null(strstr(res.items[123].error_type, "parsing_exception"));
    sp_bulk_result_free(&res);

    /* Re-sending the same ids changes nothing: ids make writes idempotent. */
    assert_int_equal(sp_http_request(h, "POST", "/_bulk", "application/x-ndjson", b.buf.data, b.buf.len,
                                     &r, err, sizeof(err)), 0);
    sp_bulk_free(&b);

    snprintf(path, sizeof(path), "/%s/_refresh", index);
    json_decref(request_json(h, "POST", path, NULL, 200));
    snprintf(path, sizeof(path), "/%s/_count", index);
    json_t *count = request_json(h, "GET", path, NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(count, "count")), DOCS - 1);
    json_decref(count);
    snprintf(path, sizeof(path), "/%s/_doc/job%%2342", index);
    json_t *doc = request_json(h, "GET", path, NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "_source"), "n")), 42);
    json_decref(doc);
    snprintf(path, sizeof(path), "/%s", index);
    json_decref(request_json(h, "DELETE", path, NULL, 200));
}

static void test_opensearch_through_nginx(void **state)
{
    (void)state;
    sp_http *h = opensearch(need("OPENSEARCH_PASSWORD"), need("OPENSEARCH_CA"));
    bulk_round_trip(h);
    sp_http_free(h);
}

static void test_elasticsearch(void **state)
{
    (void)state;
    sp_http *h = elasticsearch();
    bulk_round_trip(h);
    sp_http_free(h);
}

static void test_opensearch_wrong_password_is_401(void **state)
{
    (void)state;
    sp_http *h = opensearch("not-the-password", need("OPENSEARCH_CA"));
    char err[512];
    sp_http_response r;
    assert_int_equal(sp_http_request(h, "GET", "/_cluster/health", NULL, NULL, 0, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 401);
    sp_http_free(h);
}

static void test_opensearch_unknown_ca_fails_tls(void **state)
{
    (void)state;
    sp_http *h = opensearch(need("OPENSEARCH_PASSWORD"), NULL);   /* system CAs only */
    char err[512];
    sp_http_response r;
    assert_int_equal(sp_http_request(h, "GET", "/_cluster/health", NULL, NULL, 0, &r, err, sizeof(err)), -1);
    if (!strstr(err, "certificate") && !strstr(err, "SSL"))
        fail_msg("expected a TLS verification error, got: %s", err);
    assert_null(strstr(err, need("OPENSEARCH_PASSWORD")));
    sp_http_free(h);
}

int main(void)
{
    sp_log_init("itest", SP_LOG_WARN, SP_LOG_FORMAT_KV);
    srandom((unsigned)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opensearch_through_nginx),
        cmocka_unit_test(test_elasticsearch),
        cmocka_unit_test(test_opensearch_wrong_password_is_401),
        cmocka_unit_test(test_opensearch_unknown_ca_fails_tls),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sp_log_shutdown();
    return rc;
}
