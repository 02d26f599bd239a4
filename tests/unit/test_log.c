/* test_log.c - line format, escaping, levels and secret redaction of lib/log.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "log.h"

static char *buf;
static size_t len;
static FILE *out;

static int open_out(void **state)
{
    (void)state;
    out = open_memstream(&buf, &len);
    sp_log_set_output(out);
    return 0;
}

static int close_out(void **state)
{
    (void)state;
    sp_log_set_output(NULL);
    fclose(out);
    free(buf);
    buf = NULL;
    sp_log_shutdown();
    return 0;
}

static const char *captured(void)
{
    fflush(out);
    return buf;
}

static void test_kv_line(void **state)
{
    (void)state;
    sp_log_init("collector", SP_LOG_INFO, SP_LOG_FORMAT_KV);
    sp_info("poll.done", "schedd", "vocms01.cern.ch", "docs", SP_LOG_INT(1234), "msg", "two words \"q\"");
    const char *l = captured();
    assert_non_null(strstr(l, " level=info service=collector event=poll.done schedd=vocms01.cern.ch docs=1234"));
    assert_non_null(strstr(l, " msg=\"two words \\\"q\\\"\"\n"));
    assert_int_equal(l[4], '-');          /* 2026-... timestamp first */
    assert_non_null(strstr(l, "Z level="));
    assert_int_equal(strchr(l, '\n') - l + 1, (long)strlen(l)); /* exactly one line */
}

static void test_levels(void **state)
{
    (void)state;
    sp_log_init("t", SP_LOG_WARN, SP_LOG_FORMAT_KV);
    sp_info("hidden");
    sp_debug("hidden");
    assert_true(captured() == NULL || strstr(captured(), "hidden") == NULL);
    sp_error("shown", "k", "v");
    assert_non_null(strstr(captured(), "level=error"));
    sp_log_level lvl;
    assert_int_equal(sp_log_level_parse("DEBUG", &lvl), 0);
    assert_int_equal(lvl, SP_LOG_DEBUG);
    assert_int_equal(sp_log_level_parse("loud", &lvl), -1);
    sp_log_format fmt;
    assert_int_equal(sp_log_format_parse("json", &fmt), 0);
    assert_int_equal(fmt, SP_LOG_FORMAT_JSON);
    assert_int_equal(sp_log_format_parse("xml", &fmt), -1);
}

static void test_json_line_parses(void **state)
{
    (void)state;
    sp_log_init("publisher", SP_LOG_DEBUG, SP_LOG_FORMAT_JSON);
    sp_debug("bulk.sent", "cluster", "os\n1", "ctrl", "\x01tab\t", "n", SP_LOG_DBL(0.25));
    json_error_t jerr;
    json_t *j = json_loads(captured(), JSON_DISABLE_EOF_CHECK, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "event")), "bulk.sent");
    assert_string_equal(json_string_value(json_object_get(j, "service")), "publisher");
    assert_string_equal(json_string_value(json_object_get(j, "cluster")), "os\n1");
    assert_string_equal(json_string_value(json_object_get(j, "ctrl")), "\x01tab\t");
    assert_string_equal(json_string_value(json_object_get(j, "n")), "0.25");
    json_decref(j);
}

static void test_secrets_never_printed(void **state)
{
    (void)state;
    sp_log_init("t", SP_LOG_INFO, SP_LOG_FORMAT_KV);
    sp_log_add_secret("hunter2");
    sp_info("connect", "password", "plain-pw", "url", "https://u:hunter2@h/es", "Authorization", "Basic xyz",
            "user", "alice");
    const char *l = captured();
    assert_null(strstr(l, "plain-pw"));
    assert_null(strstr(l, "hunter2"));
    assert_null(strstr(l, "xyz"));
    assert_non_null(strstr(l, "password=***"));
    assert_non_null(strstr(l, "url=https://u:***@h/es"));
    assert_non_null(strstr(l, "user=alice"));
}

static void test_long_line_truncated(void **state)
{
    (void)state;
    sp_log_init("t", SP_LOG_INFO, SP_LOG_FORMAT_KV);
    char *big = malloc(20000);
    memset(big, 'a', 19999);
    big[19999] = '\0';
    sp_info("big", "v", big);
    free(big);
    const char *l = captured();
    size_t n = strlen(l);
    assert_true(n < 8200);
    assert_memory_equal(l + n - 4, "...\n", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kv_line, open_out, close_out),
        cmocka_unit_test_setup_teardown(test_levels, open_out, close_out),
        cmocka_unit_test_setup_teardown(test_json_line_parses, open_out, close_out),
        cmocka_unit_test_setup_teardown(test_secrets_never_printed, open_out, close_out),
        cmocka_unit_test_setup_teardown(test_long_line_truncated, open_out, close_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
