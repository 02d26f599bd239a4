/* test_setup.c - services/publisher/setup.c's bodies: the index template
 * carries exactly the index body run creates an index with (mapping.h),
 * the alias and pattern of the family, the ILM policy name only when asked;
 * the ILM and ISM policies delete after --retention-days; each body's
 * digest is the one of its content, so it changes with what would be
 * written and only then. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mapping.h"
#include "setup.h"

static const char *str_at(json_t *j, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(j, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    return json_string_value(v);
}

static void test_names(void **state)
{
    (void)state;
    sp_setup_result r;
    sp_setup_names("cms", &r);
    assert_string_equal(r.template_name, "spider-cms-daily");
    assert_string_equal(r.policy_name, "spider-cms-retention");
    assert_string_equal(r.pattern, "cms-2*");   /* cms-2026-11-22, not cms-test-2026-11-22 */
    assert_string_equal(r.alias, "cms");
}

static void test_template_is_run_mapping(void **state)
{
    (void)state;
    json_t *t = sp_setup_template_body("cms", NULL), *index = sp_mapping_index_body();
    assert_non_null(t);
    json_t *tt = json_object_get(t, "template");
    assert_true(json_equal(json_object_get(tt, "mappings"), json_object_get(index, "mappings")));
    assert_true(json_equal(json_object_get(tt, "settings"), json_object_get(index, "settings")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(t, "index_patterns"), 0)), "cms-2*");
    assert_int_equal(json_array_size(json_object_get(t, "index_patterns")), 1);
    assert_int_equal(json_integer_value(json_object_get(t, "priority")), SP_SETUP_PRIORITY);
    assert_true(json_is_object(json_object_get(json_object_get(tt, "aliases"), "cms")));
    assert_string_equal(str_at(t, "_meta", "managed_by", NULL), "spider-publisher setup");
    json_decref(index);
    json_decref(t);
}

static void test_template_with_ilm(void **state)
{
    (void)state;
    json_t *t = sp_setup_template_body("cms", "spider-cms-retention"), *plain = sp_setup_template_body("cms", NULL);
    json_t *idx = json_object_get(json_object_get(json_object_get(t, "template"), "settings"), "index");
    assert_string_equal(json_string_value(json_object_get(idx, "lifecycle.name")), "spider-cms-retention");
    assert_int_equal(json_integer_value(json_object_get(idx, "mapping.total_fields.limit")), 2000);
    assert_null(json_object_get(json_object_get(json_object_get(json_object_get(plain, "template"), "settings"),
                                                "index"), "lifecycle.name"));
    assert_string_not_equal(str_at(t, "_meta", "digest", NULL), str_at(plain, "_meta", "digest", NULL));
    json_decref(t);
    json_decref(plain);
}

/* The digest in _meta is the digest of the body without _meta. */
static void test_digest_of_content(void **state)
{
    (void)state;
    json_t *t = sp_setup_template_body("cms", NULL);
    char want[17], d[17];
    json_t *copy = json_deep_copy(t);
    json_object_del(copy, "_meta");
    sp_setup_digest(copy, want);
    assert_string_equal(str_at(t, "_meta", "digest", NULL), want);
    assert_int_equal(strlen(want), 16);
    json_t *again = sp_setup_template_body("cms", NULL), *other = sp_setup_template_body("cmsx", NULL);
    assert_string_equal(str_at(again, "_meta", "digest", NULL), want);
    assert_string_not_equal(str_at(other, "_meta", "digest", NULL), want);
    /* key order does not change it */
    json_t *a = json_pack("{s:i,s:i}", "x", 1, "y", 2), *b = json_pack("{s:i,s:i}", "y", 2, "x", 1);
    sp_setup_digest(a, want);
    sp_setup_digest(b, d);
    assert_string_equal(d, want);
    json_decref(a);
    json_decref(b);
    json_decref(copy);
    json_decref(t);
    json_decref(again);
    json_decref(other);
}

static void test_ilm(void **state)
{
    (void)state;
    json_t *p = sp_setup_ilm_body(39), *q = sp_setup_ilm_body(40);
    json_t *del = json_object_get(json_object_get(json_object_get(p, "policy"), "phases"), "delete");
    assert_string_equal(json_string_value(json_object_get(del, "min_age")), "39d");
    assert_true(json_is_object(json_object_get(json_object_get(del, "actions"), "delete")));
    assert_int_equal(json_object_size(json_object_get(json_object_get(p, "policy"), "phases")), 1);
    assert_string_equal(str_at(p, "policy", "_meta", "managed_by"), "spider-publisher setup");
    assert_string_not_equal(str_at(p, "policy", "_meta", "digest"), str_at(q, "policy", "_meta", "digest"));
    json_decref(p);
    json_decref(q);
}

static void test_ism(void **state)
{
    (void)state;
    json_t *p = sp_setup_ism_body("cms", 39), *q = sp_setup_ism_body("cms", 7);
    json_t *pol = json_object_get(p, "policy"), *states = json_object_get(pol, "states");
    assert_string_equal(json_string_value(json_object_get(pol, "default_state")), "hot");
    assert_int_equal(json_array_size(states), 2);
    json_t *hot = json_array_get(states, 0), *del = json_array_get(states, 1);
    json_t *tr = json_array_get(json_object_get(hot, "transitions"), 0);
    assert_string_equal(json_string_value(json_object_get(tr, "state_name")), "delete");
    assert_string_equal(str_at(tr, "conditions", "min_index_age", NULL), "39d");
    assert_string_equal(json_string_value(json_object_get(del, "name")), "delete");
    assert_true(json_is_object(json_object_get(json_array_get(json_object_get(del, "actions"), 0), "delete")));
    json_t *it = json_array_get(json_object_get(pol, "ism_template"), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(it, "index_patterns"), 0)), "cms-2*");
    assert_int_equal(json_integer_value(json_object_get(it, "priority")), SP_SETUP_PRIORITY);
    /* the description carries the digest of the policy without it */
    json_t *copy = json_deep_copy(p);
    json_object_del(json_object_get(copy, "policy"), "description");
    char d[17], want[64];
    sp_setup_digest(copy, d);
    snprintf(want, sizeof(want), "(digest %s)", d);
    assert_non_null(strstr(json_string_value(json_object_get(pol, "description")), want));
    assert_null(strstr(str_at(q, "policy", "description", NULL), want));
    json_decref(copy);
    json_decref(p);
    json_decref(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_template_is_run_mapping),
        cmocka_unit_test(test_template_with_ilm),
        cmocka_unit_test(test_digest_of_content),
        cmocka_unit_test(test_ilm),
        cmocka_unit_test(test_ism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
