/* test_golden.c - the collector's conversion against documents written by
 * hand from the reference spider's rules (convert_to_json.py), field by
 * field: tests/fixtures/golden/<case>.ad.json is the job ad as condor_q
 * -json prints it, <case>.expected.json the fields the reference would
 * produce ("_job": now/pool/reduce_data; "_absent": fields it would not
 * produce). Numbers compare exactly (doubles within 1e-12 relative), so
 * int/float types must match too. ctest runs this with TZ set to a non-UTC
 * zone. Plus the two ads that are no document: TaskType ROOT, no GlobalJobId. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "adjson.h"
#include "convert.h"
#include "docjson.h"
#include "document.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read %s", path);
    char *buf = NULL;
    *len = 0;
    size_t cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        buf = realloc(buf, cap = *len + n + 1);
        memcpy(buf + *len, chunk, n);
        *len += n;
    }
    fclose(f);
    if (buf)
        buf[*len] = '\0';
    (void)cap;
    return buf;
}

static sp_ad *load_ad(const char *path)
{
    size_t len;
    char *text = slurp(path, &len), err[256];
    sp_ad *ad = sp_ad_new();
    sp_adjson *p = sp_adjson_new(0);
    assert_int_equal(sp_adjson_feed(p, text, len), 0);
    if (sp_adjson_next(p, sp_ad_on_event, ad, err, sizeof(err)) != 1)
        fail_msg("%s: %s", path, err);
    sp_adjson_free(p);
    free(text);
    return ad;
}

static int same(json_t *want, json_t *got)
{
    if (json_is_real(want) || json_is_real(got)) {
        if (!json_is_real(want) || !json_is_real(got))
            return 0;                    /* 1 and 1.0 are different documents */
        double a = json_real_value(want), b = json_real_value(got);
        return a == b || fabs(a - b) <= 1e-12 * fabs(a);
    }
    if (json_is_array(want)) {
        if (!json_is_array(got) || json_array_size(want) != json_array_size(got))
            return 0;
        for (size_t i = 0; i < json_array_size(want); i++)
            if (!same(json_array_get(want, i), json_array_get(got, i)))
                return 0;
        return 1;
    }
    return json_equal(want, got);
}

static void check_case(const char *name)
{
    char path[1024], err[256];
    const char *src = getenv("SPIDER_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/tests/fixtures/golden/%s.expected.json", src, name);
    json_error_t je;
    json_t *want = json_load_file(path, 0, &je);
    if (!want)
        fail_msg("%s: %s", path, je.text);
    json_t *job = json_object_get(want, "_job");
    snprintf(path, sizeof(path), "%s/tests/fixtures/golden/%s.ad.json", src, name);
    sp_ad *ad = load_ad(path);
    sp_converter *c = sp_converter_new(NULL, err, sizeof(err));
    sp_ad *res = sp_ad_new();
    sp_convert_job j = { json_string_value(json_object_get(job, "pool")),
                         (int)json_integer_value(json_object_get(job, "reduce_data")),
                         json_integer_value(json_object_get(job, "now")), NULL };
    assert_int_equal(sp_convert(c, &j, ad, res, NULL, err, sizeof(err)), 1);
    /* through the document and its JSON, as it will be indexed */
    sp_arena a = { 0 };
    sp_document_meta meta = { "cms", "golden", 1, SPIDER__SOURCE__CONDOR_HISTORY, NULL };
    Spider__Document *d = sp_document_build(&a, res, &meta, err, sizeof(err));
    assert_non_null(d);
    sp_buf b = { 0 };
    assert_int_equal(sp_docjson_write(&b, d, NULL), 0);
    json_t *got = json_loadb((const char *)b.data, b.len, 0, &je);
    assert_non_null(got);
    int bad = 0;
    const char *key;
    json_t *value;
    json_object_foreach(want, key, value) {
        if (key[0] == '_')
            continue;
        json_t *g = json_object_get(got, key);
        if (!g || !same(value, g)) {
            char *w = json_dumps(value, JSON_ENCODE_ANY), *h = g ? json_dumps(g, JSON_ENCODE_ANY) : NULL;
            fprintf(stderr, "%s: %s: expected %s, got %s\n", name, key, w, h ? h : "(absent)");
            free(w);
            free(h);
            bad++;
        }
    }
    size_t i;
    json_array_foreach(json_object_get(want, "_absent"), i, value) {
        if (json_object_get(got, json_string_value(value))) {
            fprintf(stderr, "%s: %s: expected absent, got a value\n", name, json_string_value(value));
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    json_decref(got);
    json_decref(want);
    sp_buf_free(&b);
    sp_arena_free(&a);
    sp_ad_free(res);
    sp_ad_free(ad);
    sp_converter_free(c);
}

static void test_crab_completed(void **state) { (void)state; check_case("crab_completed"); }
static void test_production_running(void **state) { (void)state; check_case("production_running"); }
static void test_removed_types(void **state) { (void)state; check_case("removed_types"); }

static void test_not_documents(void **state)
{
    (void)state;
    char err[256];
    sp_converter *c = sp_converter_new(NULL, err, sizeof(err));
    sp_ad *res = sp_ad_new(), *ad = sp_ad_new();
    sp_adjson *p = sp_adjson_new(0);
    const char *root = "{\"GlobalJobId\": \"s#1.0#1\", \"TaskType\": \"ROOT\", \"JobStatus\": 1}\n"
                       "{\"JobStatus\": 1}\n";
    sp_adjson_feed(p, root, strlen(root));
    sp_convert_job j = { "Unknown", 0, 1700000000, NULL };
    assert_int_equal(sp_adjson_next(p, sp_ad_on_event, ad, err, sizeof(err)), 1);
    assert_int_equal(sp_convert(c, &j, ad, res, NULL, err, sizeof(err)), 0);      /* TaskType ROOT */
    sp_ad_reset(ad);
    assert_int_equal(sp_adjson_next(p, sp_ad_on_event, ad, err, sizeof(err)), 1);
    assert_int_equal(sp_convert(c, &j, ad, res, NULL, err, sizeof(err)), -1);     /* no GlobalJobId */
    assert_non_null(strstr(err, "GlobalJobId"));
    sp_adjson_free(p);
    sp_ad_free(ad);
    sp_ad_free(res);
    sp_converter_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crab_completed),
        cmocka_unit_test(test_production_running),
        cmocka_unit_test(test_removed_types),
        cmocka_unit_test(test_not_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
