/* test_kafka.c - lib/kafka.c on librdkafka's own mock cluster (the tool made
 * for fault injection): delivery reports, injected produce errors retried
 * without duplicates, group commit and resume, reachability, property
 * pass-through. (A topic created after the subscription is tested on the
 * real Kafka, integration.new_topics: the mock cluster finds it anyway.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kafka.h"
#include <librdkafka/rdkafka_mock.h>
#include "log.h"

#define API_PRODUCE 0   /* Kafka protocol ApiKey of Produce */

static rd_kafka_t *mock_owner;
static rd_kafka_mock_cluster_t *mock;
static sp_kafka_props props;

static int setup(void **state)
{
    (void)state;
    sp_log_init("test", SP_LOG_WARN, SP_LOG_FORMAT_KV);
    char why[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "3", why, sizeof(why));
    mock_owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (!mock_owner)
        return -1;
    mock = rd_kafka_handle_mock_cluster(mock_owner);
    sp_kafka_props_init(&props);
    sp_kafka_props_set(&props, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock));
    /* The mock coordinator waits out a departed member's session. */
    sp_kafka_props_set(&props, "session.timeout.ms", "6000");
    sp_kafka_props_set(&props, "heartbeat.interval.ms", "500");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sp_kafka_props_free(&props);
    rd_kafka_destroy(mock_owner);
    rd_kafka_wait_destroyed(5000);
    sp_log_shutdown();
    return 0;
}

typedef struct {
    int ok;
    int failed;
    int seen[1000];
} deliveries;

static void on_delivery(void *ctx, void *opaque, rd_kafka_resp_err_t err, const char *topic,
                        int32_t partition, int64_t offset)
{
    (void)topic;
    (void)partition;
    deliveries *d = ctx;
    if (err) {
        d->failed++;
        return;
    }
    assert_true(offset >= 0);
    d->ok++;
    d->seen[(intptr_t)opaque]++;
}

static void produce_n(const char *topic, int n, deliveries *d)
{
    char err[512];
    sp_kafka_producer *p = sp_kafka_producer_new(&props, on_delivery, d, err, sizeof(err));
    assert_non_null(p);
    for (intptr_t i = 0; i < n; i++) {
        char key[16], val[32];
        snprintf(key, sizeof(key), "k%ld", (long)(i % 7));
        snprintf(val, sizeof(val), "message-%ld", (long)i);
        assert_int_equal(sp_kafka_produce(p, topic, key, strlen(key), val, strlen(val), (void *)i), 0);
    }
    assert_int_equal(sp_kafka_producer_flush(p, 10000), 0);
    char reason[256];
    assert_int_equal(sp_kafka_producer_fatal(p, reason, sizeof(reason)), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(sp_kafka_producer_free(p, 1000), 0);
}

static void test_produce_delivery_reports(void **state)
{
    (void)state;
    rd_kafka_mock_topic_create(mock, "t.delivery", 3, 1);
    deliveries d = {0};
    produce_n("t.delivery", 500, &d);
    assert_int_equal(d.ok, 500);
    assert_int_equal(d.failed, 0);
    for (int i = 0; i < 500; i++)
        assert_int_equal(d.seen[i], 1);
}

static void test_injected_errors_retried_without_duplicates(void **state)
{
    (void)state;
    rd_kafka_mock_topic_create(mock, "t.faults", 1, 1);
    /* The next produce requests fail with retriable errors. */
    rd_kafka_mock_push_request_errors(mock, API_PRODUCE, 3,
                                      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    deliveries d = {0};
    produce_n("t.faults", 200, &d);
    assert_int_equal(d.ok, 200);
    assert_int_equal(d.failed, 0);

    /* Exactly 200 messages in the log: idempotence kept retries single. */
    char err[512];
    sp_kafka_consumer *c = sp_kafka_consumer_new(&props, "g.faults", (const char *[]){ "t.faults" }, 1,
                                                 NULL, NULL, err, sizeof(err));
    assert_non_null(c);
    int got = 0, empty = 0;
    while (empty < 10) {
        rd_kafka_message_t *m = sp_kafka_consume(c, 500);
        if (!m) {
            empty += got >= 200;
            continue;
        }
        if (!m->err)
            got++;
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(got, 200);
    sp_kafka_consumer_free(c);
}

static void test_permanent_error_reported(void **state)
{
    (void)state;
    rd_kafka_mock_topic_create(mock, "t.denied", 1, 1);
    rd_kafka_mock_topic_set_error(mock, "t.denied", RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    deliveries d = {0};
    char err[512];
    sp_kafka_props p2;
    sp_kafka_props_init(&p2);
    sp_kafka_props_set(&p2, "bootstrap.servers", sp_kafka_props_get(&props, "bootstrap.servers"));
    sp_kafka_props_set(&p2, "message.timeout.ms", "3000");
    sp_kafka_producer *p = sp_kafka_producer_new(&p2, on_delivery, &d, err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(sp_kafka_produce(p, "t.denied", "k", 1, "v", 1, (void *)0), 0);
    sp_kafka_producer_flush(p, 10000);
    assert_int_equal(d.failed, 1);
    assert_int_equal(d.ok, 0);
    assert_int_equal(sp_kafka_producer_failed(p), 1);
    sp_kafka_producer_free(p, 100);
    sp_kafka_props_free(&p2);
}

/* Consumes up to max messages, committing each; returns the values seen. */
static int consume_some(const char *group, const char *topic, int max, char seen[][32])
{
    char err[512];
    sp_kafka_consumer *c = sp_kafka_consumer_new(&props, group, (const char *[]){ topic }, 1,
                                                 NULL, NULL, err, sizeof(err));
    assert_non_null(c);
    /* Up to 30 s for the group to form, then 2 s of silence ends it. */
    int got = 0, idle = 0;
    while (got < max && idle < (got ? 8 : 120)) {
        rd_kafka_message_t *m = sp_kafka_consume(c, 250);
        if (!m) {
            idle++;
            continue;
        }
        idle = 0;
        if (!m->err) {
            snprintf(seen[got], 32, "%.*s", (int)m->len, (const char *)m->payload);
            got++;
            assert_int_equal(sp_kafka_commit(c, m, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        rd_kafka_message_destroy(m);
    }
    sp_kafka_consumer_free(c);
    return got;
}

static void test_group_resumes_after_commit(void **state)
{
    (void)state;
    rd_kafka_mock_topic_create(mock, "t.group", 1, 1);
    deliveries d = {0};
    produce_n("t.group", 100, &d);
    static char first[100][32], rest[100][32];
    assert_int_equal(consume_some("g.resume", "t.group", 40, first), 40);
    assert_string_equal(first[0], "message-0");
    assert_string_equal(first[39], "message-39");
    /* A new member of the same group starts after the last commit. */
    assert_int_equal(consume_some("g.resume", "t.group", 100, rest), 60);
    assert_string_equal(rest[0], "message-40");
    assert_string_equal(rest[59], "message-99");
}

/* sp_kafka_reachable: the mock answers; a closed port does not, and says so. */
static void test_reachable(void **state)
{
    (void)state;
    char err[512], why[256] = "";
    sp_kafka_producer *p = sp_kafka_producer_new(&props, NULL, NULL, err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(sp_kafka_reachable(sp_kafka_producer_handle(p), 5000, why, sizeof(why)), 1);
    sp_kafka_producer_free(p, 100);
    sp_kafka_props closed;
    sp_kafka_props_init(&closed);
    sp_kafka_props_set(&closed, "bootstrap.servers", "127.0.0.1:1");
    p = sp_kafka_producer_new(&closed, NULL, NULL, err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(sp_kafka_reachable(sp_kafka_producer_handle(p), 1000, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "kafka unreachable: "));
    sp_kafka_producer_free(p, 100);
    sp_kafka_props_free(&closed);
}

static void test_properties_pass_through(void **state)
{
    (void)state;
    char err[512];
    sp_kafka_props p2;
    sp_kafka_props_init(&p2);
    sp_kafka_props_set(&p2, "bootstrap.servers", sp_kafka_props_get(&props, "bootstrap.servers"));
    sp_kafka_props_set(&p2, "client.id", "spider-test-client");
    sp_kafka_props_set(&p2, "linger.ms", "7");
    sp_kafka_producer *p = sp_kafka_producer_new(&p2, NULL, NULL, err, sizeof(err));
    assert_non_null(p);
    const rd_kafka_conf_t *conf = rd_kafka_conf(sp_kafka_producer_handle(p));
    char val[128];
    size_t n = sizeof(val);
    assert_int_equal(rd_kafka_conf_get(conf, "client.id", val, &n), RD_KAFKA_CONF_OK);
    assert_string_equal(val, "spider-test-client");
    n = sizeof(val);
    assert_int_equal(rd_kafka_conf_get(conf, "linger.ms", val, &n), RD_KAFKA_CONF_OK);
    assert_string_equal(val, "7");                      /* overrides our default 20 */
    n = sizeof(val);
    assert_int_equal(rd_kafka_conf_get(conf, "enable.idempotence", val, &n), RD_KAFKA_CONF_OK);
    assert_string_equal(val, "true");                   /* our default */
    sp_kafka_producer_free(p, 0);

    sp_kafka_props_set(&p2, "no.such.property", "1");
    assert_null(sp_kafka_producer_new(&p2, NULL, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "kafka property \"no.such.property\""));
    sp_kafka_props_free(&p2);
}

static const char *conf_of(rd_kafka_t *rk, const char *key, char *val, size_t n)
{
    assert_int_equal(rd_kafka_conf_get(rd_kafka_conf(rk), key, val, &n), RD_KAFKA_CONF_OK);
    return val;
}

/* "producer:" properties reach producers only, "consumer:" ones consumers
 * only, and win over an unprefixed one whatever the order. */
static void test_properties_kept_apart(void **state)
{
    (void)state;
    char err[512], val[128];
    assert_int_equal(sp_kafka_property_scope("session.timeout.ms"), 'C');
    assert_int_equal(sp_kafka_property_scope("linger.ms"), 'P');
    assert_int_equal(sp_kafka_property_scope("bootstrap.servers"), '*');
    assert_int_equal(sp_kafka_property_scope("no.such.property"), 0);
    sp_kafka_props p2;
    sp_kafka_props_init(&p2);
    sp_kafka_props_set(&p2, "bootstrap.servers", sp_kafka_props_get(&props, "bootstrap.servers"));
    sp_kafka_props_set(&p2, SP_KAFKA_PRODUCER_PREFIX "linger.ms", "9");
    sp_kafka_props_set(&p2, "client.id", "plain");
    sp_kafka_props_set(&p2, SP_KAFKA_PRODUCER_PREFIX "client.id", "producer");
    sp_kafka_props_set(&p2, SP_KAFKA_CONSUMER_PREFIX "session.timeout.ms", "7000");
    assert_string_equal(sp_kafka_props_get(&p2, "session.timeout.ms"), "7000");
    assert_string_equal(sp_kafka_props_get_producer(&p2, "client.id"), "producer");
    assert_null(sp_kafka_props_get_producer(&p2, "session.timeout.ms"));
    sp_kafka_producer *p = sp_kafka_producer_new(&p2, NULL, NULL, err, sizeof(err));
    assert_non_null(p);
    assert_string_equal(conf_of(sp_kafka_producer_handle(p), "linger.ms", val, sizeof(val)), "9");
    assert_string_equal(conf_of(sp_kafka_producer_handle(p), "client.id", val, sizeof(val)), "producer");
    assert_string_equal(conf_of(sp_kafka_producer_handle(p), "session.timeout.ms", val, sizeof(val)), "45000");
    sp_kafka_producer_free(p, 0);
    const char *topics[] = { "t.apart" };
    sp_kafka_consumer *c = sp_kafka_consumer_new(&p2, "g.apart", topics, 1, NULL, NULL, err, sizeof(err));
    assert_non_null(c);
    assert_string_equal(conf_of(sp_kafka_consumer_handle(c), "session.timeout.ms", val, sizeof(val)), "7000");
    assert_string_equal(conf_of(sp_kafka_consumer_handle(c), "client.id", val, sizeof(val)), "plain");
    assert_string_equal(conf_of(sp_kafka_consumer_handle(c), "linger.ms", val, sizeof(val)), "5");
    sp_kafka_consumer_free(c);
    sp_kafka_props_free(&p2);
}

/* The metadata check: quick yes from the mock cluster; from a closed port,
 * a no within the timeout that names the brokers and the cause. */
static void test_producer_check(void **state)
{
    (void)state;
    char err[1024];
    sp_kafka_producer *p = sp_kafka_producer_new(&props, NULL, NULL, err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(sp_kafka_producer_check(p, 5000, err, sizeof(err)), 0);
    sp_kafka_producer_free(p, 0);
    sp_kafka_props down;
    sp_kafka_props_init(&down);
    sp_kafka_props_set(&down, "bootstrap.servers", "127.0.0.1:1");
    p = sp_kafka_producer_new(&down, NULL, NULL, err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(sp_kafka_producer_check(p, 2000, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Kafka brokers 127.0.0.1:1 unreachable: no metadata within 2000 ms"));
    assert_non_null(strstr(err, "Connection refused"));
    sp_kafka_producer_free(p, 0);
    sp_kafka_props_free(&down);
}

static void test_props_from_json(void **state)
{
    (void)state;
    char err[256];
    sp_kafka_props p2;
    sp_kafka_props_init(&p2);
    json_t *ok = json_pack("{s:s, s:s}", "acks", "1", "client.id", "x");
    assert_int_equal(sp_kafka_props_from_json(&p2, ok, err, sizeof(err)), 0);
    assert_string_equal(sp_kafka_props_get(&p2, "acks"), "1");
    json_t *bad = json_pack("{s:i}", "linger.ms", 5);
    assert_int_equal(sp_kafka_props_from_json(&p2, bad, err, sizeof(err)), -1);
    assert_string_equal(err, "kafka property \"linger.ms\": expected a string");
    json_decref(ok);
    json_decref(bad);
    sp_kafka_props_free(&p2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_produce_delivery_reports),
        cmocka_unit_test(test_injected_errors_retried_without_duplicates),
        cmocka_unit_test(test_permanent_error_reported),
        cmocka_unit_test(test_group_resumes_after_commit),
        cmocka_unit_test(test_reachable),
        cmocka_unit_test(test_properties_pass_through),
        cmocka_unit_test(test_props_from_json),
        cmocka_unit_test(test_properties_kept_apart),
        cmocka_unit_test(test_producer_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
