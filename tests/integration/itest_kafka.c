/* itest_kafka.c - lib/kafka.c against the real Kafka of the local stack
 * (KAFKA_BOOTSTRAP): confirmed delivery of 1000 messages, a group that
 * commits, stops mid-way and resumes with nothing lost or repeated, and a
 * rewind of the group to a timestamp. A broker that is down fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "kafka.h"
#include "log.h"
#include "clock.h"
#include "testenv.h"

#define N 1000

static sp_kafka_props props;
static char topic[96], group[128];

static int setup(void **state)
{
    (void)state;
    sp_log_init("itest", SP_LOG_WARN, SP_LOG_FORMAT_KV);
    if (tc_kafka_props(&props) != 0)
        return -1;
    sp_kafka_props_set(&props, "socket.timeout.ms", "10000");
    tc_unique_name(topic, sizeof(topic), "kafka");
    snprintf(group, sizeof(group), "%s.group", topic);
    return tc_kafka_topics(&props, 3, topic, (char *)NULL);
}

static int teardown(void **state)
{
    (void)state;
    sp_kafka_props_free(&props);
    sp_log_shutdown();
    return 0;
}

typedef struct {
    int ok, failed;
    int64_t last_offset[3];
    int out_of_order;
} acks;

static void on_delivery(void *ctx, void *opaque, rd_kafka_resp_err_t err, const char *t,
                        int32_t partition, int64_t offset)
{
    (void)opaque;
    (void)t;
    acks *a = ctx;
    if (err) {
        a->failed++;
        return;
    }
    a->ok++;
    if (offset <= a->last_offset[partition])
        a->out_of_order++;
    a->last_offset[partition] = offset;
}

static void produce_range(int from, int to)
{
    char err[512];
    acks a = { 0, 0, { -1, -1, -1 }, 0 };
    sp_kafka_producer *p = sp_kafka_producer_new(&props, on_delivery, &a, err, sizeof(err));
    assert_non_null(p);
    for (int i = from; i < to; i++) {
        char key[16], val[32];
        snprintf(key, sizeof(key), "schedd-%d", i % 11);
        snprintf(val, sizeof(val), "%d", i);
        assert_int_equal(sp_kafka_produce(p, topic, key, strlen(key), val, strlen(val), NULL), 0);
    }
    assert_int_equal(sp_kafka_producer_flush(p, 30000), 0);
    assert_int_equal(a.ok, to - from);
    assert_int_equal(a.failed, 0);
    assert_int_equal(a.out_of_order, 0);
    assert_int_equal(sp_kafka_producer_free(p, 1000), 0);
}

/* Reads up to max messages in the group, committing each; counts into seen. */
static int consume(int max, int *seen)
{
    char err[512];
    sp_kafka_consumer *c = sp_kafka_consumer_new(&props, group, (const char *[]){ topic }, 1,
                                                 NULL, NULL, err, sizeof(err));
    assert_non_null(c);
    int got = 0, idle = 0;
    while (got < max && idle < (got ? 12 : 120)) {
        rd_kafka_message_t *m = sp_kafka_consume(c, 250);
        if (!m) {
            idle++;
            continue;
        }
        idle = 0;
        if (!m->err) {
            int v = atoi((const char *)m->payload);
            assert_true(v >= 0 && v < N + 100);
            seen[v]++;
            got++;
            assert_int_equal(sp_kafka_commit(c, m, got % 2), RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        rd_kafka_message_destroy(m);
    }
    sp_kafka_consumer_free(c);
    return got;
}

static void test_round_trip_resume_and_rewind(void **state)
{
    (void)state;
    produce_range(0, N);
    static int seen[N + 100];
    memset(seen, 0, sizeof(seen));
    assert_int_equal(consume(400, seen), 400);
    /* A new member resumes after the commits: the other 600, no repeats. */
    assert_int_equal(consume(N, seen), N - 400);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);

    /* Rewind to just before a second batch: exactly that batch again. */
    sleep(1);
    int64_t mark = sp_clock_wall_ms();
    produce_range(N, N + 100);
    char err[512];
    assert_int_equal(consume(100, seen), 100);   /* the group reads the new batch */
    int parts = sp_kafka_rewind_group(&props, group, topic, mark, 10000, err, sizeof(err));
    if (parts < 0)
        fail_msg("rewind: %s", err);
    assert_int_equal(parts, 3);
    assert_int_equal(consume(1000, seen), 100);  /* and after the rewind, again */
    for (int i = N; i < N + 100; i++)
        assert_int_equal(seen[i], 2);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
}

static void test_create_topic_is_idempotent(void **state)
{
    (void)state;
    char err[512];
    const char *cfg[] = { "cleanup.policy", "compact" };
    char name[128];
    snprintf(name, sizeof(name), "%s.compacted", topic);
    assert_int_equal(sp_kafka_create_topic(&props, name, 2, cfg, 1, 15000, err, sizeof(err)), 0);
    assert_int_equal(sp_kafka_create_topic(&props, name, 2, cfg, 1, 15000, err, sizeof(err)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_resume_and_rewind),
        cmocka_unit_test(test_create_topic_is_idempotent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
