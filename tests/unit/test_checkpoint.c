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

/* ---------- the overlap window's seen sets ---------- */

static void test_seen_set_add_has_prune(void **state)
{
    (void)state;
    sp_seen *s = sp_seen_new();
    assert_non_null(s);
    assert_int_equal(sp_seen_add(s, "a#1.0#100", 1000), 0);
    assert_int_equal(sp_seen_add(s, "a#2.0#100", 1010.5), 0);
    assert_int_equal(sp_seen_has(s, "a#1.0#100", 1000), 1);
    assert_int_equal(sp_seen_has(s, "a#2.0#100", 1010.5), 1);
    /* Same job, another completion: not the record Kafka has. */
    assert_int_equal(sp_seen_has(s, "a#1.0#100", 1001), 0);
    assert_int_equal(sp_seen_has(s, "a#3.0#100", 1000), 0);
    /* A later completion replaces an earlier one, never the reverse. */
    assert_int_equal(sp_seen_add(s, "a#1.0#100", 1020), 0);
    assert_int_equal(sp_seen_add(s, "a#1.0#100", 990), 0);
    assert_int_equal(sp_seen_has(s, "a#1.0#100", 1020), 1);
    assert_int_equal(sp_seen_count(s), 2);
    /* Pruning drops what completed before the floor only. */
    assert_int_equal(sp_seen_prune(s, 1010.5), 0);
    assert_int_equal(sp_seen_prune(s, 1011), 1);
    assert_int_equal(sp_seen_count(s), 1);
    assert_int_equal(sp_seen_has(s, "a#2.0#100", 1010.5), 0);
    /* JSON round trip (the scale-out topic's value). */
    char *text = sp_seen_dump(s);
    assert_string_equal(text, "{\"a#1.0#100\":1020}");
    sp_seen *back_s = sp_seen_parse(text, strlen(text));
    free(text);
    assert_non_null(back_s);
    assert_int_equal(sp_seen_has(back_s, "a#1.0#100", 1020), 1);
    sp_seen_free(back_s);
    assert_null(sp_seen_parse("{\"x\": \"1\"}", 10));
    assert_null(sp_seen_parse("[1]", 3));
    assert_null(sp_seen_parse("1763800000", 10));   /* a checkpoint value is not a seen set */
    sp_seen_free(s);
}

/* A pool in which records complete every step (`interval` s apart) and a
 * few reach the history `late` steps after completing; polls every step
 * with sp_history_since's overlap and sp_seen_next's window send each
 * record exactly once, and the seen set never holds more than the overlap. */
typedef struct {
    char id[32];
    double ecs;
    long visible_step;
} rec;

static void test_seen_window_sends_each_record_once(void **state)
{
    (void)state;
    enum { STEPS = 60, PER_STEP = 7, INTERVAL = 30, OVERLAP = 3 * INTERVAL, LATE = 2 };
    static rec pool[STEPS * PER_STEP];
    static int sent[STEPS * PER_STEP];
    const double t0 = 1763800000;
    size_t n = 0;
    for (long k = 0; k < STEPS; k++) {
        for (int j = 0; j < PER_STEP; j++, n++) {
            snprintf(pool[n].id, sizeof(pool[n].id), "s#%ld.%d#1", k, j);
            pool[n].ecs = t0 + (double)(k * INTERVAL) - 1 - j;      /* before the poll of step k */
            pool[n].visible_step = j == PER_STEP - 1 ? k + LATE : k;  /* the earliest of a step is late */
        }
    }
    sp_seen *seen = sp_seen_new();
    double cp = t0 - 3600;
    size_t most = 0;
    for (long k = 0; k < STEPS + LATE; k++) {
        sp_seen *fresh = sp_seen_new();
        long long since = sp_history_since(cp, OVERLAP);
        double max_ecs = cp;
        for (size_t i = 0; i < n; i++) {
            if (pool[i].visible_step > k || pool[i].ecs < (double)since)
                continue;                                          /* not in this answer */
            if (pool[i].ecs > max_ecs)
                max_ecs = pool[i].ecs;
            if (sp_seen_has(seen, pool[i].id, pool[i].ecs))
                continue;
            sent[i]++;
            assert_int_equal(sp_seen_add(fresh, pool[i].id, pool[i].ecs), 0);
        }
        cp = max_ecs;
        assert_int_equal(sp_seen_next(seen, fresh, cp, OVERLAP), 0);
        sp_seen_free(fresh);
        if (sp_seen_count(seen) > most)
            most = sp_seen_count(seen);
    }
    for (size_t i = 0; i < n; i++) {
        if (sent[i] != 1)
            fail_msg("%s (ecs %.0f, visible at step %ld) sent %d times", pool[i].id, pool[i].ecs,
                     pool[i].visible_step, sent[i]);
    }
    /* Bounded: at most the records of the overlap (3 steps) and the step
     * on its edge, whatever the length of the run. */
    assert_true(most <= (size_t)(OVERLAP / INTERVAL + 1) * PER_STEP);
    assert_true(most >= (size_t)PER_STEP);
    sp_seen_free(seen);
}

static void test_seen_sets_in_the_reference_file(void **state)
{
    (void)state;
    char err[512];
    write_text(path, "{\"vocms0155.cern.ch\": 1763800000}");
    sp_checkpoints *c = sp_checkpoints_load(path, err, sizeof(err));
    assert_non_null(c);
    sp_seen *s = sp_checkpoints_seen(c, "vocms0155.cern.ch");  /* a reference file: none */
    assert_non_null(s);
    assert_int_equal(sp_seen_count(s), 0);
    assert_int_equal(sp_seen_add(s, "vocms0155.cern.ch#1.0#1763790000", 1763799990), 0);
    assert_int_equal(sp_checkpoints_set_seen(c, "vocms0155.cern.ch", s), 0);
    sp_seen_free(s);
    assert_int_equal(sp_checkpoints_save(c, path, err, sizeof(err)), 0);
    sp_checkpoints_free(c);
    /* The reference's keys as they were, ours under a key no schedd has. */
    assert_string_equal(read_text(path), "{\"spider.history_seen\": {\"vocms0155.cern.ch\": "
                                         "{\"vocms0155.cern.ch#1.0#1763790000\": 1763799990}}, "
                                         "\"vocms0155.cern.ch\": 1763800000}");
    c = sp_checkpoints_load(path, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(sp_checkpoints_count(c), 1);                /* schedds only */
    double t;
    assert_int_equal(sp_checkpoints_get(c, SP_SEEN_KEY, &t), 0);
    s = sp_checkpoints_seen(c, "vocms0155.cern.ch");
    assert_int_equal(sp_seen_has(s, "vocms0155.cern.ch#1.0#1763790000", 1763799990), 1);
    sp_seen_free(s);
    sp_checkpoints_free(c);
    /* A malformed seen set costs a resend, never the checkpoint. */
    write_text(path, "{\"a\": 100, \"spider.history_seen\": {\"a\": [1]}}");
    c = sp_checkpoints_load(path, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(sp_checkpoints_get(c, "a", &t), 1);
    assert_true(t == 100);
    s = sp_checkpoints_seen(c, "a");
    assert_int_equal(sp_seen_count(s), 0);
    sp_seen_free(s);
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
        cmocka_unit_test(test_seen_set_add_has_prune),
        cmocka_unit_test(test_seen_window_sends_each_record_once),
        cmocka_unit_test_teardown(test_seen_sets_in_the_reference_file, clean),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
