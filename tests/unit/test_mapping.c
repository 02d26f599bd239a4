/* test_mapping.c - services/publisher/mapping.c: the index body carries
 * the reference's field types under the names documents use, the special
 * not-indexed fields, metadata.spider_runtime in epoch ms, string fields as
 * keywords by default, and no analyzer (the test clusters lack the module). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mapping.h"

static const char *type_of(json_t *props, const char *name)
{
    return json_string_value(json_object_get(json_object_get(props, name), "type"));
}

static void test_index_body(void **state)
{
    (void)state;
    json_t *body = sp_mapping_index_body();
    assert_non_null(body);
    json_t *props = json_object_get(json_object_get(body, "mappings"), "properties");
    assert_non_null(props);
    assert_string_equal(type_of(props, "JobStatus"), "long");
    assert_string_equal(type_of(props, "ResidentSetSize"), "long");       /* ResidentSetSize_RAW */
    assert_null(json_object_get(props, "ResidentSetSize_RAW"));
    assert_string_equal(type_of(props, "QDate"), "date");
    assert_string_equal(json_string_value(json_object_get(json_object_get(props, "QDate"), "format")), "epoch_second");
    assert_string_equal(type_of(props, "HasBeenTimingTuned"), "boolean");
    assert_true(json_is_false(json_object_get(json_object_get(props, "Cmd"), "index")));
    assert_true(json_is_false(json_object_get(json_object_get(props, "Args"), "index")));
    json_t *rt = json_object_get(json_object_get(json_object_get(props, "metadata"), "properties"), "spider_runtime");
    assert_string_equal(json_string_value(json_object_get(rt, "format")), "epoch_millis");
    json_t *dyn = json_array_get(json_object_get(json_object_get(body, "mappings"), "dynamic_templates"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(dyn, "strings_as_keywords"),
                                                                          "mapping"), "type")), "keyword");
    json_t *settings = json_object_get(json_object_get(body, "settings"), "index");
    assert_int_equal(json_integer_value(json_object_get(settings, "mapping.total_fields.limit")), 2000);
    assert_null(json_object_get(settings, "analysis"));
    json_decref(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
