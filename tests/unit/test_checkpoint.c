/* test_checkpoint.c - checkpoint.json as the reference spider writes it,
 * atomic saves with .back, recovery from a torn save, and the reference
 * rules for where a history poll starts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "checkpoint.h"
#include "log.h"

static char dir[] = "/tmp/spider-test-checkpoint-XXXXXX";
static char path[256], back[256];

static int setup(void **state)
{
    (void)state;
    sp_log_init("test", SP_LOG_ERROR, SP_LOG_FORMAT_KV);
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/checkpoint.json", dir);
    snprintf(back, sizeof(back), "%s/checkpoint.json.back", dir);
    return 0;
}

static int clean(void **state)
{
    (void)state;
    unlink(path);
    unlink(back);
    return 0;
}

static int teardown(void **state)
{
    clean(state);
    return rmdir(dir);
}

static void write_text(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *p)
{
    static char buf[4096];
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_first_run_is_empty(void **state)
{
    (void)state;
    char err[512];
    sp_checkpoints *c = sp_checkpoints_load(path, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(sp_checkpoints_count(c), 0);
    sp_checkpoints_free(c);
}

static void test_reference_file_round_trip_and_back(void **state)
{
    (void)state;
    char err[512];
    write_text(path, "{\"vocms0155.cern.ch\": 1763800000, \"crab3@vocms0199.cern.ch\": 1763799000.5}");
    sp_checkpoints *c = sp_checkpoints_load(path, err, sizeof(err));
    assert_non_null(c);
    double t;
    assert_int_equal(sp_checkpoints_get(c, "vocms0155.cern.ch", &t), 1);
    assert_true(t == 1763800000.0);
    assert_int_equal(sp_checkpoints_get(c, "crab3@vocms0199.cern.ch", &t), 1);
    assert_true(t == 1763799000.5);
    assert_int_equal(sp_checkpoints_get(c, "unknown", &t), 0);
    /* Forward only. */
    assert_int_equal(sp_checkpoints_advance(c, "vocms0155.cern.ch", 1763700000), 0);
    assert_int_equal(sp_checkpoints_advance(c, "vocms0155.cern.ch", 1763800720), 0);
    assert_int_equal(sp_checkpoints_advance(c, "new.cern.ch", 1763800001), 0);
    assert_int_equal(sp_checkpoints_save(c, path, err, sizeof(err)), 0);
    sp_checkpoints_free(c);
    assert_string_equal(read_text(path), "{\"crab3@vocms0199.cern.ch\": 1763799000.5, "
                                         "\"new.cern.ch\": 1763800001, \"vocms0155.cern.ch\": 1763800720}");
    /* The previous file is kept as .back, byte for byte. */
    assert_string_equal(read_text(back), "{\"vocms0155.cern.ch\": 1763800000, \"crab3@vocms0199.cern.ch\": 1763799000.5}");
    assert_int_equal(access("/tmp/no-such-file-at-all", F_OK), -1);
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);
}

static void test_torn_save_recovers_from_back(void **state)
{
    (void)state;
    char err[512];
    write_text(back, "{\"a\": 100}");
    /* A crash between the two renames leaves no checkpoint.json at all. */
    sp_checkpoints *c = sp_checkpoints_load(path, err, sizeof(err));
    assert_non_null(c);
    double t;
    assert_int_equal(sp_checkpoints_get(c, "a", &t), 1);
    assert_true(t == 100);
    sp_checkpoints_free(c);
    /* A truncated file also falls back. */
    write_text(path, "{\"a\": 2");
    c = sp_checkpoints_load(path, err, sizeof(err));
    assert_non_null(c);
    sp_checkpoints_free(c);
}

static void test_bad_files_are_errors(void **state)
{
    (void)state;
    char err[512];
    write_text(path, "{\"a\": \"yesterday\"}");
    assert_null(sp_checkpoints_load(path, err, sizeof(err)));
    assert_non_null(strstr(err, "checkpoint.json: key \"a\": expected epoch seconds"));
    write_text(path, "[1, 2]");
    assert_null(sp_checkpoints_load(path, err, sizeof(err)));
    assert_non_null(strstr(err, "expected a JSON object"));
    write_text(back, "nonsense");
    assert_null(sp_checkpoints_load(path, err, sizeof(err)));
    assert_non_null(strstr(err, "and its .back:"));
}

static void test_history_start_rules(void **state)
{
    (void)state;
    char err[512];
    const double now = 1763800000;
    write_text(path, "{\"old.cern.ch\": 1759000000, \"crab3@fresh\": 1763796400, \"crab3@stale\": 1763750000,"
                     " \"plain\": 1763750000}");
    sp_checkpoints *c = sp_checkpoints_load(path, err, sizeof(err));
    assert_non_null(c);
    /* No checkpoint: the configured window (default 12 h). */
    assert_true(sp_history_start(c, "unknown", now, 720) == now - 720 * 60);
    /* 55 days old: clamped to the 39-day retention. */
    assert_true(sp_history_start(c, "old.cern.ch", now, 720) == now - 39 * 86400.0);
    /* crab*, 1 h old: the checkpoint. */
    assert_true(sp_history_start(c, "crab3@fresh", now, 720) == 1763796400);
    /* crab*, 13.9 h old: back to the window only for crab schedds. */
    assert_true(sp_history_start(c, "crab3@stale", now, 720) == now - 720 * 60);
    assert_true(sp_history_start(c, "crab3@stale", now, 48 * 60) == now - 48 * 3600.0);
    assert_true(sp_history_start(c, "plain", now, 720) == 1763750000);
    /* One poll period of overlap. */
    assert_int_equal(sp_history_since(1763796400.9, 720), 1763795680);
    sp_checkpoints_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_first_run_is_empty, clean),
        cmocka_unit_test_teardown(test_reference_file_round_trip_and_back, clean),
        cmocka_unit_test_teardown(test_torn_save_recovers_from_back, clean),
        cmocka_unit_test_teardown(test_bad_files_are_errors, clean),
        cmocka_unit_test_teardown(test_history_start_rules, clean),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
