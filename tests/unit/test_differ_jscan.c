/* test_differ_jscan.c - the key scanner of JSON lines (jscan.c): the keys it
 * finds are the ones differ_key() finds on jansson's DOM, it refuses what
 * jansson refuses, and on 200,000 random mutations of real lines it never
 * accepts a line jansson rejects or keys a line differently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "differ.h"

static int scan(const differ_opts *o, const char *line, char *key)
{
    return differ_jscan_key(o, line, strlen(line), key, 256);
}

static void test_keys(void **state)
{
    (void)state;
    differ_opts o;
    differ_opts_defaults(&o);
    char key[256];
    assert_int_equal(scan(&o, "{\"GlobalJobId\":\"s#1.0#2\",\"RecordTime\":17,\"x\":[1,{\"RecordTime\":3}]}", key), 10);
    assert_string_equal(key, "s#1.0#2#17");
    assert_true(scan(&o, " {\"_id\": \"explicit\", \"GlobalJobId\": \"g\", \"RecordTime\": 1}  \n", key) > 0);
    assert_string_equal(key, "explicit");
    assert_true(scan(&o, "{\"GlobalJobId\":\"\xc3\xa9t\xc3\xa9\",\"RecordTime\":-5,\"a\":\"\\u00e9\\n\"}", key) > 0);
    assert_string_equal(key, "\xc3\xa9t\xc3\xa9#-5");
    const char *fields[] = { "Owner", "Done" };
    differ_opts k = o;
    k.key_fields = fields;
    k.nkey_fields = 2;
    assert_true(scan(&k, "{\"Owner\":\"u\",\"Done\":true}", key) > 0);
    assert_string_equal(key, "u#true");
}

static void test_unsure_or_invalid(void **state)
{
    (void)state;
    differ_opts o;
    differ_opts_defaults(&o);
    char key[256];
    static const char *const lines[] = {
        "{\"GlobalJobId\":\"g\"}",                                  /* no RecordTime */
        "{\"GlobalJobId\":\"g\",\"RecordTime\":1.5}",               /* a real key part */
        "{\"GlobalJobId\":\"g\\u0041\",\"RecordTime\":1}",          /* escaped key value */
        "{\"GlobalJobId\":\"g\",\"RecordTime\":1,\"RecordTime\":2}",/* twice */
        "{\"GlobalJobId\":\"g\",\"RecordTime\":-0}",
        "{\"GlobalJobId\":\"g\",\"RecordTime\":12345678901234567890}",
        "{\"_id\":7,\"GlobalJobId\":\"g\",\"RecordTime\":1}",
        "{\"GlobalJobId\":\"g\",\"RecordTime\":1,}",
        "{\"GlobalJobId\":\"g\",\"RecordTime\":1} x",
        "{\"GlobalJobId\":\"g\",\"RecordTime\":01}",
        "{\"GlobalJobId\":\"g\",\"RecordTime\":1,\"s\":\"\\ud800\"}",
        "{\"GlobalJobId\":\"g\",\"RecordTime\":1,\"s\":\"\xff\"}",
        "{\"GlobalJobId\":\"g\",\"RecordTime\":1,\"s\":\"a\tb\"}",
        "{\"GlobalJobId\":\"g\",\"RecordTime\":1,\"s\":1e400}",
        "{\"GlobalJobId\":\"g\",\"RecordTime\":1,\"s\":tru}",
        "[1,2]",
        "",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        if (scan(&o, lines[i], key) != -1)
            fail_msg("accepted: %s", lines[i]);
}

/* Whatever the scanner accepts, jansson parses to the same key. */
static void check_agrees(const differ_opts *o, const char *line, size_t n, int *accepted)
{
    char key[256], want[256];
    int k = differ_jscan_key(o, line, n, key, sizeof(key));
    if (k < 0)
        return;
    (*accepted)++;
    json_error_t je;
    json_t *j = json_loadb(line, n, JSON_ALLOW_NUL, &je);
    if (!j || !json_is_object(j))
        fail_msg("scanner accepted what jansson refuses (%s): %.*s", j ? "not an object" : je.text, (int)n, line);
    int w = differ_key(o, j, want, sizeof(want));
    json_decref(j);
    if (w != k || strcmp(key, want) != 0)
        fail_msg("key %s, jansson's %s: %.*s", key, w < 0 ? "(none)" : want, (int)n, line);
}

static void test_mutations_agree_with_jansson(void **state)
{
    (void)state;
    differ_opts o;
    differ_opts_defaults(&o);
    static const char *const seeds[] = {
        "{\"GlobalJobId\":\"vocms01#1.0#2\",\"RecordTime\":1763800000,\"CpuEff\":0.25,\"Site\":\"T2_CH_CERN\","
        "\"DESIRED_Sites\":[\"a\",\"b\"],\"Done\":false,\"x\":null,\"metadata\":{\"spider_runtime\":12,\"s\":\"\\u00e9\"}}",
        "{\"_id\":\"id-1\",\"GlobalJobId\":\"g\",\"RecordTime\":5,\"n\":-1.5e-3,\"u\":\"\xe2\x82\xac\",\"e\":{},\"a\":[]}",
    };
    srandom(42);
    static const char alphabet[] = "{}[]\",:\\u0123456789.eE+-tfnl \t\xc3\xa9\x80\xff";
    int accepted = 0;
    for (int round = 0; round < 200000; round++) {
        const char *seed = seeds[round % 2];
        char line[512];
        size_t n = strlen(seed);
        memcpy(line, seed, n);
        int edits = 1 + (int)(random() % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)random() % n;
            char c = alphabet[random() % (sizeof(alphabet) - 1)];
            switch (random() % 3) {
            case 0:
                line[at] = c;
                break;
            case 1:
                if (n + 1 < sizeof(line)) {
                    memmove(line + at + 1, line + at, n - at);
                    line[at] = c;
                    n++;
                }
                break;
            default:
                memmove(line + at, line + at + 1, n - at - 1);
                n--;
                break;
            }
        }
        check_agrees(&o, line, n, &accepted);
    }
    /* the mutations must leave some lines valid, or this proves nothing */
    assert_true(accepted > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_unsure_or_invalid),
        cmocka_unit_test(test_mutations_agree_with_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
