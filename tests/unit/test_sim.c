/* test_sim.c - spider-sim prints ads exactly as HTCondor does (-json,
 * -jsonl, -long), reproducibly, and its jobs live plausible lives: valid
 * state changes, a steady queue, every job that leaves reaches history;
 * its truth of what changed between polls agrees with the queues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <jansson.h>

#include "pool.h"
#include "simad.h"

static char *print(sim_ad *ads, size_t n, sim_format f)
{
    size_t len;
    return sim_ads_text(ads, n, f, &len);
}

static void tricky(sim_ad *ad)
{
    memset(ad, 0, sizeof(*ad));
    sim_ad_str(ad, "Str", "q\"b\\s\nt\x01 caf\xc3\xa9");
    sim_ad_int(ad, "ClusterId", 42);
    sim_ad_real(ad, "zero", 0.0);
    sim_ad_real(ad, "Whole", 3.0);
    sim_ad_real(ad, "big", 1e20);
    sim_ad_real(ad, "half", 2.5);
    sim_ad_bool(ad, "flag", 1);
    sim_ad_undefined(ad, "Nothing");
    sim_ad_expr(ad, "Req", "TARGET.Name == \"x\"");
    const char *items[] = { "a", "b\"c" };
    sim_ad_list(ad, "Items", items, 2);
}

static void test_json_exact(void **state)
{
    (void)state;
    sim_ad ads[2];
    tricky(&ads[0]);
    memset(&ads[1], 0, sizeof(ads[1]));
    sim_ad_int(&ads[1], "b", 1);
    sim_ad_int(&ads[1], "A", 2);
    char *text = print(ads, 2, SIM_FORMAT_JSON);
    const char *want =
        "[\n"
        "{\n"
        "  \"big\": 1E+20,\n"
        "  \"ClusterId\": 42,\n"
        "  \"flag\": true,\n"
        "  \"half\": 2.5,\n"
        "  \"Items\": [\n"
        "    \"a\",\n"
        "    \"b\\\"c\"\n"
        "  ],\n"
        "  \"Nothing\": null,\n"
        "  \"Req\": \"\\/Expr(TARGET.Name == \\\"x\\\")\\/\",\n"
        "  \"Str\": \"q\\\"b\\\\s\\nt\\u0001 caf\xc3\xa9\",\n"
        "  \"Whole\": 3.0,\n"
        "  \"zero\": 0.0\n"
        "}\n"
        ",\n"
        "{\n"
        "  \"A\": 2,\n"
        "  \"b\": 1\n"
        "}\n"
        "]\n";
    assert_string_equal(text, want);
    /* And it is JSON: a generic parser reads the Expr form as a string. */
    json_t *arr = json_loads(text, 0, NULL);
    assert_non_null(arr);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "Req")),
                        "/Expr(TARGET.Name == \"x\")/");
    json_decref(arr);
    free(text);
    sim_ad_free(&ads[0]);
    sim_ad_free(&ads[1]);
}

static void test_jsonl_and_long_exact(void **state)
{
    (void)state;
    sim_ad ad;
    tricky(&ad);
    char *text = print(&ad, 1, SIM_FORMAT_JSONL);
    assert_string_equal(text,
        "{\"big\": 1E+20,\"ClusterId\": 42,\"flag\": true,\"half\": 2.5,\"Items\": [\"a\",\"b\\\"c\"],"
        "\"Nothing\": null,\"Req\": \"\\/Expr(TARGET.Name == \\\"x\\\")\\/\","
        "\"Str\": \"q\\\"b\\\\s\\nt\\u0001 caf\xc3\xa9\",\"Whole\": 3.0,\"zero\": 0.0}\n");
    free(text);
    text = print(&ad, 1, SIM_FORMAT_LONG);
    assert_string_equal(text,
        "big = 1E+20\n"
        "ClusterId = 42\n"
        "flag = true\n"
        "half = 2.5\n"
        "Items = { \"a\",\"b\\\"c\" }\n"
        "Nothing = undefined\n"
        "Req = TARGET.Name == \"x\"\n"
        "Str = \"q\\\"b\\s\nt\x01 caf\xc3\xa9\"\n"
        "Whole = 3.0\n"
        "zero = 0.0\n"
        "\n");
    free(text);
    /* No ads: -json prints nothing at all, like condor_q. */
    text = print(NULL, 0, SIM_FORMAT_JSON);
    assert_string_equal(text, "");
    free(text);
    sim_ad_free(&ad);
}

static char *queue_text(const sim_pool *p, int s, long long k, sim_format f, size_t *count)
{
    sim_ad *ads;
    size_t n = sim_queue(p, s, k, &ads);
    char *text = print(ads, n, f);
    for (size_t i = 0; i < n; i++)
        sim_ad_free(&ads[i]);
    free(ads);
    if (count)
        *count = n;
    return text;
}

static void test_queue_is_condor_like_and_reproducible(void **state)
{
    (void)state;
    sim_pool p;
    sim_pool_defaults(&p);
    size_t n;
    char *a = queue_text(&p, 0, 5, SIM_FORMAT_JSON, &n);
    char *b = queue_text(&p, 0, 5, SIM_FORMAT_JSON, NULL);
    assert_string_equal(a, b);                   /* same seed, same bytes */
    p.seed = 2;
    char *c = queue_text(&p, 0, 5, SIM_FORMAT_JSON, NULL);
    assert_string_not_equal(a, c);
    json_t *arr = json_loads(a, 0, NULL);
    assert_non_null(arr);
    assert_int_equal(json_array_size(arr), n);
    assert_true(n > 40);
    size_t i;
    json_t *ad;
    json_array_foreach(arr, i, ad) {
        assert_true(json_object_size(ad) >= 100);   /* CMS-sized ads */
        assert_int_equal(json_integer_value(json_object_get(ad, "JobUniverse")), 5);
        int st = (int)json_integer_value(json_object_get(ad, "JobStatus"));
        assert_true(st == SIM_IDLE || st == SIM_RUNNING || st == SIM_HELD);
        const char *gid = json_string_value(json_object_get(ad, "GlobalJobId"));
        assert_non_null(strstr(gid, "crab3@vocms0100.cern.ch#"));
        /* Keys in case-insensitive order. */
        const char *prev = "";
        for (void *it = json_object_iter(ad); it; it = json_object_iter_next(ad, it)) {
            const char *key = json_object_iter_key(it);
            assert_true(strcasecmp(prev, key) <= 0);
            prev = key;
        }
    }
    json_decref(arr);
    free(a);
    free(b);
    free(c);
}

/* Valid HTCondor state changes between consecutive polls; 0 is "not in the
 * queue": jobs arrive idle and leave from running (done) or held (removed). */
static int valid_change(int from, int to)
{
    if (from == to)
        return 1;
    if (from == 0)
        return to == SIM_IDLE;
    if (to == 0)
        return from == SIM_RUNNING || from == SIM_HELD;
    return (from == SIM_IDLE && to == SIM_RUNNING) || (from == SIM_RUNNING && (to == SIM_IDLE || to == SIM_HELD));
}

static void test_jobs_live_plausible_lives(void **state)
{
    (void)state;
    sim_pool p;
    sim_pool_defaults(&p);
    p.jobs = 200;
    enum { STEPS = 30, JOBS = 2000 };
    static int status[STEPS][JOBS];
    static long long end[JOBS], hist[JOBS];
    for (int k = 0; k < STEPS; k++) {
        size_t in_queue = 0;
        for (long long j = 0; j < JOBS; j++) {
            sim_job job;
            sim_job_at(&p, 1, j, k, &job);
            status[k][j] = job.status;
            in_queue += job.status != 0;
            if (job.end) {
                end[j] = job.end;
                hist[j] = job.history_time;
            }
            if (k > 0) {
                if (!valid_change(status[k - 1][j], status[k][j]))
                    fail_msg("job %lld: %d -> %d at step %d", j, status[k - 1][j], status[k][j], k);
                /* Once gone, never back. */
                assert_false(status[k - 1][j] == 0 && status[k][j] != 0 && k > 1 && status[k - 2][j] != 0);
            }
        }
        if (k >= 5)
            assert_true(in_queue > (size_t)p.jobs / 2 && in_queue < (size_t)p.jobs * 2);   /* steady queue */
    }
    /* Every job that left shows up in history, at most two polls late. */
    int left = 0, late = 0;
    for (long long j = 0; j < 1000; j++) {
        if (!end[j])
            continue;
        left++;
        assert_true(hist[j] >= end[j]);
        assert_true(hist[j] - end[j] <= 2 * p.interval);
        late += hist[j] > end[j];
    }
    assert_true(left > 500);
    assert_true(late > 0);            /* some history is late, as in real pools */

    /* History at a step holds exactly the ended jobs visible by then. */
    sim_ad *ads;
    size_t n = sim_history(&p, 1, 20, 0, &ads);
    assert_true(n > 100);
    long long poll = p.t0 + 20LL * p.interval;
    for (size_t i = 0; i < n; i++) {
        const sim_attr *st = sim_ad_get(&ads[i], "JobStatus");
        assert_true(st->i == SIM_COMPLETED || st->i == SIM_REMOVED);
        assert_true(sim_ad_get(&ads[i], "EnteredCurrentStatus")->i < poll);
        sim_ad_free(&ads[i]);
    }
    free(ads);
}

static int by_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The GlobalJobIds of schedd s's queue at step k, sorted. */
static size_t queue_ids(const sim_pool *p, int s, long long k, char (**ids)[128])
{
    sim_ad *ads;
    size_t n = sim_queue(p, s, k, &ads);
    *ids = calloc(n ? n : 1, sizeof(**ids));
    assert_non_null(*ids);
    for (size_t i = 0; i < n; i++) {
        snprintf((*ids)[i], sizeof((*ids)[i]), "%s", sim_ad_get(&ads[i], "GlobalJobId")->s);
        sim_ad_free(&ads[i]);
    }
    free(ads);
    qsort(*ids, n, sizeof(**ids), by_id);
    return n;
}

static int in(char (*ids)[128], size_t n, const char *id)
{
    return bsearch(id, ids, n, sizeof(*ids), by_id) != NULL;
}

/* The truth of sim_changes agrees with the queues it compares: ADDED jobs
 * are new in the later queue, REMOVED ones gone from it, CHANGED ones in
 * both with another JobStatus, EnteredCurrentStatus or NumJobStarts. */
static void test_changes_are_the_queues_difference(void **state)
{
    (void)state;
    sim_pool p;
    sim_pool_defaults(&p);
    size_t kinds[4] = { 0 };
    for (long long k = 6; k <= 9; k++) {
        char (*before)[128], (*after)[128];
        size_t nb = queue_ids(&p, 2, k - 1, &before), na = queue_ids(&p, 2, k, &after);
        sim_change *c;
        size_t n = sim_changes(&p, 2, k - 1, k, &c);
        long long added = 0, gone = 0;
        for (size_t i = 0; i < n; i++) {
            kinds[c[i].kind]++;
            int b = in(before, nb, c[i].gjid), a = in(after, na, c[i].gjid);
            assert_int_equal(a, c[i].kind != SIM_GONE);
            assert_int_equal(b, c[i].kind != SIM_ADDED);
            added += c[i].kind == SIM_ADDED;
            gone += c[i].kind == SIM_GONE;
        }
        assert_int_equal((long long)na, (long long)nb + added - gone);
        free(c);
        free(before);
        free(after);
    }
    assert_true(kinds[SIM_ADDED] > 0 && kinds[SIM_CHANGED] > 0 && kinds[SIM_GONE] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_exact),
        cmocka_unit_test(test_jsonl_and_long_exact),
        cmocka_unit_test(test_queue_is_condor_like_and_reproducible),
        cmocka_unit_test(test_jobs_live_plausible_lives),
        cmocka_unit_test(test_changes_are_the_queues_difference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
