/* test_bulk.c - `_bulk` bodies byte for byte, JSON escaping, and per-item
 * response parsing on the shapes Elasticsearch and OpenSearch answer with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "bulk.h"

static void test_body_exact(void **state)
{
    (void)state;
    sp_bulk b;
    sp_bulk_init(&b);
    const char *doc = "{\"a\":1}";
    assert_int_equal(sp_bulk_index(&b, "cms-2026-11-22", "crab3@s#1.0#17#18", doc, strlen(doc)), 0);
    assert_int_equal(sp_bulk_delete(&b, "cms-2026-11-21", "x"), 0);
    const char *want =
        "{\"index\":{\"_index\":\"cms-2026-11-22\",\"_id\":\"crab3@s#1.0#17#18\"}}\n{\"a\":1}\n"
        "{\"delete\":{\"_index\":\"cms-2026-11-21\",\"_id\":\"x\"}}\n";
    assert_int_equal(b.buf.len, strlen(want));
    assert_memory_equal(b.buf.data, want, strlen(want));
    assert_int_equal(b.items, 2);
    sp_bulk_reset(&b);
    assert_int_equal(b.buf.len, 0);
    assert_int_equal(b.items, 0);
    sp_bulk_free(&b);
}

static void test_id_escaping_parses_back(void **state)
{
    (void)state;
    const char *id = "q\"b\\s\x01\n\tcaf\xc3\xa9";
    sp_buf out = {0};
    assert_int_equal(sp_buf_append_json_string(&out, id), 0);
    assert_int_equal(sp_buf_reserve(&out, 1), 0);
    out.data[out.len] = '\0';
    assert_string_equal((char *)out.data, "\"q\\\"b\\\\s\\u0001\\n\\tcaf\xc3\xa9\"");
    json_t *back = json_loads((char *)out.data, JSON_DECODE_ANY, NULL);
    assert_non_null(back);
    assert_string_equal(json_string_value(back), id);
    json_decref(back);
    sp_buf_free(&out);
}

static void test_fast_path(void **state)
{
    (void)state;
    const char *body = "{\"took\":30,\"errors\":false,\"items\":[{\"index\":{\"_id\":\"1\",\"status\":201}},"
                       "{\"index\":{\"_id\":\"2\",\"status\":200}}]}";
    sp_bulk_result r;
    char err[256];
    assert_int_equal(sp_bulk_parse_response(body, strlen(body), 2, &r, err, sizeof(err)), 0);
    assert_int_equal(r.ok, 2);
    assert_int_equal(r.retry + r.reject, 0);
    sp_bulk_result_free(&r);
}

static void test_mixed_items(void **state)
{
    (void)state;
    /* Shapes as Elasticsearch 8 and OpenSearch 2 answer them. */
    const char *body =
        "{\"took\":3,\"errors\":true,\"items\":["
        "{\"index\":{\"_index\":\"i\",\"_id\":\"ok\",\"_version\":1,\"result\":\"created\",\"status\":201}},"
        "{\"index\":{\"_index\":\"i\",\"_id\":\"bad\",\"status\":400,\"error\":{\"type\":\"document_parsing_exception\","
        "\"reason\":\"[1:6] failed to parse field [n] of type [long]\"}}},"
        "{\"index\":{\"_index\":\"i\",\"_id\":\"busy\",\"status\":429,\"error\":{\"type\":\"es_rejected_execution_exception\","
        "\"reason\":\"rejected execution\"}}},"
        "{\"index\":{\"_index\":\"i\",\"_id\":\"down\",\"status\":503,\"error\":{\"type\":\"unavailable_shards_exception\","
        "\"reason\":\"primary shard is not active\"}}},"
        "{\"delete\":{\"_index\":\"i\",\"_id\":\"gone\",\"result\":\"not_found\",\"status\":404}},"
        "{\"index\":{\"_index\":\"i\",\"_id\":\"map\",\"status\":400,\"error\":{\"type\":\"mapper_parsing_exception\","
        "\"reason\":\"failed to parse\"}}}]}";
    sp_bulk_result r;
    char err[256];
    assert_int_equal(sp_bulk_parse_response(body, strlen(body), 6, &r, err, sizeof(err)), 0);
    assert_int_equal(r.ok, 2);
    assert_int_equal(r.retry, 2);
    assert_int_equal(r.reject, 2);
    assert_int_equal(r.items[1].outcome, SP_BULK_REJECT);
    assert_string_equal(r.items[1].id, "bad");
    assert_string_equal(r.items[1].error_type, "document_parsing_exception");
    assert_non_null(strstr(r.items[1].reason, "of type [long]"));
    assert_int_equal(r.items[2].outcome, SP_BULK_RETRY);
    assert_int_equal(r.items[3].outcome, SP_BULK_RETRY);
    assert_int_equal(r.items[4].outcome, SP_BULK_OK);
    assert_int_equal(r.items[5].status, 400);
    sp_bulk_result_free(&r);
}

static void test_bad_responses(void **state)
{
    (void)state;
    sp_bulk_result r;
    char err[256];
    const char *short_body = "{\"errors\":true,\"items\":[{\"index\":{\"status\":201}}]}";
    assert_int_equal(sp_bulk_parse_response(short_body, strlen(short_body), 2, &r, err, sizeof(err)), -1);
    assert_string_equal(err, "bulk response has 1 items for 2 actions");
    assert_int_equal(sp_bulk_parse_response("<html>", 6, 1, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not JSON"));
    const char *no_items = "{\"error\":{\"type\":\"illegal_argument_exception\"},\"status\":400}";
    assert_int_equal(sp_bulk_parse_response(no_items, strlen(no_items), 1, &r, err, sizeof(err)), -1);
    assert_string_equal(err, "bulk response has no items array");
}

/* The rules Elasticsearch and OpenSearch apply to index names. */
static void test_index_names(void **state)
{
    (void)state;
    char why[512], big[300];
    assert_int_equal(sp_bulk_index_name_check("cms-2026-11-22", why, sizeof(why)), 0);
    assert_int_equal(sp_bulk_index_name_check("demo.x_y+z-2026", why, sizeof(why)), 0);
    assert_int_equal(sp_bulk_index_name_check("", why, sizeof(why)), -1);
    assert_string_equal(why, "index name is empty");
    assert_int_equal(sp_bulk_index_name_check(NULL, why, sizeof(why)), -1);
    assert_int_equal(sp_bulk_index_name_check("CMS-2026-11-22", why, sizeof(why)), -1);
    assert_string_equal(why, "index name \"CMS-2026-11-22\" must be lowercase");
    const char *bad[] = { "a\\b", "a/b", "a*b", "a?b", "a\"b", "a<b", "a>b", "a|b", "a b", "a,b", "a#b", "a:b" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sp_bulk_index_name_check(bad[i], why, sizeof(why)), -1);
        assert_non_null(strstr(why, "must not contain"));
    }
    assert_int_equal(sp_bulk_index_name_check("a\tb", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "control characters"));
    assert_int_equal(sp_bulk_index_name_check("-x", why, sizeof(why)), -1);
    assert_int_equal(sp_bulk_index_name_check("_x", why, sizeof(why)), -1);
    assert_int_equal(sp_bulk_index_name_check("+x", why, sizeof(why)), -1);
    assert_string_equal(why, "index name \"+x\" must not start with '+'");
    assert_int_equal(sp_bulk_index_name_check(".", why, sizeof(why)), -1);
    assert_int_equal(sp_bulk_index_name_check("..", why, sizeof(why)), -1);
    memset(big, 'a', 255);
    big[255] = '\0';
    assert_int_equal(sp_bulk_index_name_check(big, why, sizeof(why)), 0);
    big[255] = 'a';
    big[256] = '\0';
    assert_int_equal(sp_bulk_index_name_check(big, why, sizeof(why)), -1);
    assert_string_equal(why, "index name is 256 bytes, more than 255");
}

static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(sp_bulk_classify(201, NULL), SP_BULK_OK);
    assert_int_equal(sp_bulk_classify(429, "x"), SP_BULK_RETRY);
    assert_int_equal(sp_bulk_classify(500, NULL), SP_BULK_RETRY);
    assert_int_equal(sp_bulk_classify(400, "mapper_parsing_exception"), SP_BULK_REJECT);
    assert_int_equal(sp_bulk_classify(403, "cluster_block_exception"), SP_BULK_RETRY);
    assert_int_equal(sp_bulk_classify(409, "version_conflict_engine_exception"), SP_BULK_REJECT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_exact),
        cmocka_unit_test(test_id_escaping_parses_back),
        cmocka_unit_test(test_fast_path),
        cmocka_unit_test(test_mixed_items),
        cmocka_unit_test(test_bad_responses),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_index_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
