/* test_document.c - services/collector/document.c: the direct protobuf
 * encoder gives byte for byte what protobuf-c packs from the built Document,
 * for every spider-sim ad (queue and history, CRAB and production, lists,
 * nested ads, negative numbers, empty strings); the JSON document of each
 * is valid JSON with the id's fields; daily index names are UTC dates
 * whatever TZ says (ctest runs this with TZ=America/Chicago). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "adreader.h"
#include "convert.h"
#include "docjson.h"
#include "document.h"
#include "pool.h"

typedef struct {
    sp_converter *conv;
    sp_expr_cache *cache;
    sp_ad *res;
    sp_arena docs;
    sp_buf a, b, json;
    long long now;
    int n;
} ctx;

static int on_ad(void *arg, sp_ad *ad)
{
    ctx *c = arg;
    char err[256], id[512];
    sp_convert_job job = { "Global", c->n % 2, c->now, c->cache };
    assert_int_equal(sp_convert(c->conv, &job, ad, c->res, NULL, err, sizeof(err)), 1);
    /* a few awkward values the sim does not have */
    sp_cval neg = sp_cv_int(-5), empty = sp_cv_string(c->res->arena, "", 0), undef = sp_cv_undefined();
    sp_ad_set(c->res, "NegativeThing", 13, &neg);
    sp_ad_set(c->res, "EmptyThing", 10, &empty);
    sp_ad_set(c->res, "NoneThing", 9, &undef);
    sp_arena_reset(&c->docs);
    sp_document_meta meta = { "cms", "host1", 1763800000123LL, SPIDER__SOURCE__CONDOR_QUEUE, c->n % 3 ? "snap-1" : NULL, 0 };
    Spider__Document *d = sp_document_build(&c->docs, c->res, &meta, err, sizeof(err));
    assert_non_null(d);
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    rec.document = d;
    assert_int_equal(sp_record_pack(&rec, &c->a), 0);
    assert_int_equal(sp_document_pack(c->res, &meta, &c->b, id, sizeof(id), err, sizeof(err)), 0);
    assert_int_equal(c->a.len, c->b.len);
    assert_memory_equal(c->a.data, c->b.data, c->a.len);
    assert_string_equal(id, d->id);
    c->json.len = 0;
    assert_int_equal(sp_docjson_write(&c->json, d, NULL), 0);
    json_error_t je;
    json_t *j = json_loadb((const char *)c->json.data, c->json.len, 0, &je);
    if (!j)
        fail_msg("invalid JSON document: %s", je.text);
    assert_string_equal(json_string_value(json_object_get(j, "GlobalJobId")), d->global_job_id);
    assert_int_equal(json_integer_value(json_object_get(j, "NegativeThing")), -5);
    assert_true(json_is_null(json_object_get(j, "NoneThing")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "metadata"), "spider_source")), "condor_queue");
    json_decref(j);
    c->n++;
    return 0;
}

static void test_direct_pack_equals_protobuf_c(void **state)
{
    (void)state;
    char err[256];
    ctx c = { .now = 1763800000 + 12 * 720 };
    c.conv = sp_converter_new(NULL, err, sizeof(err));
    c.cache = sp_expr_cache_new();
    c.res = sp_ad_new();
    sim_pool pool;
    sim_pool_defaults(&pool);
    pool.jobs = 60;
    for (int s = 0; s < 3; s++) {
        for (int kind = 0; kind < 2; kind++) {
            sim_ad *ads;
            size_t n = kind ? sim_history(&pool, s, 12, 0, &ads) : sim_queue(&pool, s, 12, &ads);
            size_t len;
            char *text = sim_ads_text(ads, n, SIM_FORMAT_JSON, &len);
            sp_adreader *r = sp_adreader_new(0, on_ad, NULL, &c);
            assert_int_equal(sp_adreader_feed(r, text, len, err, sizeof(err)), 0);
            assert_int_equal(sp_adreader_finish(r, err, sizeof(err)), 0);
            assert_int_equal(sp_adreader_ads(r), n);
            sp_adreader_free(r);
            free(text);
            for (size_t i = 0; i < n; i++)
                sim_ad_free(&ads[i]);
            free(ads);
        }
    }
    assert_true(c.n > 100);
    sp_converter_free(c.conv);
    sp_expr_cache_free(c.cache);
    sp_ad_free(c.res);
    sp_arena_free(&c.docs);
    sp_buf_free(&c.a);
    sp_buf_free(&c.b);
    sp_buf_free(&c.json);
}

static void test_index_is_utc(void **state)
{
    (void)state;
    char out[64];
    sp_document_index("cms", 1763855999, out, sizeof(out));   /* 2025-11-22 23:59:59 UTC */
    assert_string_equal(out, "cms-2025-11-22");
    sp_document_index("cms", 1763856000, out, sizeof(out));
    assert_string_equal(out, "cms-2025-11-23");
    sp_document_index("x", 951782400, out, sizeof(out));      /* 2000-02-29 */
    assert_string_equal(out, "x-2000-02-29");
    sp_document_index("x", 0, out, sizeof(out));
    assert_string_equal(out, "x-1970-01-01");
    sp_document_index("x", -1, out, sizeof(out));
    assert_string_equal(out, "x-1969-12-31");
    sp_document_index("x", -86400, out, sizeof(out));
    assert_string_equal(out, "x-1969-12-31");
    sp_document_index("x", -86401, out, sizeof(out));
    assert_string_equal(out, "x-1969-12-30");
    /* the ends of the range (a QDate of -2^63 is in the reference corpus):
     * no overflow (UBSan), some day far away */
    sp_document_index("x", -9223372036854775807LL - 1, out, sizeof(out));
    assert_string_equal(out, "x--292277022657-01-27");
    sp_document_index("x", 9223372036854775807LL, out, sizeof(out));
    assert_string_equal(out, "x-292277026596-12-04");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_pack_equals_protobuf_c),
        cmocka_unit_test(test_index_is_utc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
