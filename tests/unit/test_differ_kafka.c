/* test_differ_kafka.c - spider-differ compare with a Kafka topic as one side,
 * on librdkafka's mock cluster: every partition is read to its end (snapshot
 * markers skipped, documents and change events compared), and --since /
 * --until bound the message timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "differ.h"
#include <librdkafka/rdkafka_mock.h>
#include "log.h"

#define NDOCS 300

static rd_kafka_t *mock_owner;
static rd_kafka_mock_cluster_t *mock;
static sp_kafka_props props;
static char jsonl[64] = "/tmp/test_differ_kafka_XXXXXX";

static json_t *make_doc(int i)
{
    char gjid[64];
    snprintf(gjid, sizeof(gjid), "schedd#%d.0#1", i);
    return json_pack("{s:s, s:I, s:I, s:s, s:f}", "GlobalJobId", gjid, "RecordTime", (json_int_t)(1763800000 + i),
                     "QDate", (json_int_t)(1763700000 + i), "Site", i % 2 ? "T2_CH_CERN" : "T1_US_FNAL",
                     "CpuEff", i / 1000.0);
}

static void produce_record(rd_kafka_t *rk, const char *topic, const Spider__Record *rec, int64_t ts_ms)
{
    sp_buf buf = { 0 };
    assert_int_equal(sp_record_pack(rec, &buf), 0);
    rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(buf.data, buf.len),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                              RD_KAFKA_V_TIMESTAMP(ts_ms), RD_KAFKA_V_END);
    assert_int_equal(e, RD_KAFKA_RESP_ERR_NO_ERROR);
    sp_buf_free(&buf);
}

/* Topic: a snapshot begin, NDOCS documents (the first half at t=1000 s, the
 * rest at t=2000 s, every tenth as a change event), a snapshot end. */
static void fill_topic(const char *topic)
{
    char err[512];
    rd_kafka_mock_topic_create(mock, topic, 3, 1);
    sp_kafka_producer *p = sp_kafka_producer_new(&props, NULL, NULL, err, sizeof(err));
    assert_non_null(p);
    rd_kafka_t *rk = sp_kafka_producer_handle(p);
    Spider__SnapshotBegin b = SPIDER__SNAPSHOT_BEGIN__INIT;
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_BEGIN;
    rec.snapshot_begin = &b;
    produce_record(rk, topic, &rec, 500000);
    for (int i = 0; i < NDOCS; i++) {
        json_t *j = make_doc(i);
        char id[64];
        snprintf(id, sizeof(id), "schedd#%d.0#1#%d", i, 1763800000 + i);
        Spider__Document *d = differ_document_from_json(j, id, err, sizeof(err));
        assert_non_null(d);
        Spider__Record r = SPIDER__RECORD__INIT;
        Spider__ChangeEvent ch = SPIDER__CHANGE_EVENT__INIT;
        if (i % 10 == 0) {
            ch.document = d;
            r.kind_case = SPIDER__RECORD__KIND_CHANGE;
            r.change = &ch;
        } else {
            r.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
            r.document = d;
        }
        produce_record(rk, topic, &r, i < NDOCS / 2 ? 1000000 : 2000000);
        spider__document__free_unpacked(d, NULL);
        json_decref(j);
    }
    Spider__SnapshotEnd e = SPIDER__SNAPSHOT_END__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_END;
    rec.snapshot_end = &e;
    produce_record(rk, topic, &rec, 2500000);
    assert_int_equal(sp_kafka_producer_flush(p, 10000), 0);
    sp_kafka_producer_free(p, 1000);
}

static void write_jsonl(int from, int to, int changed)
{
    FILE *f = fopen(jsonl, "w");
    assert_non_null(f);
    for (int i = from; i < to; i++) {
        json_t *d = make_doc(i);
        if (i == changed)
            json_object_set_new(d, "Site", json_string("T3_XX_Changed"));
        char *s = json_dumps(d, JSON_COMPACT);
        fprintf(f, "%s\n", s);
        free(s);
        json_decref(d);
    }
    fclose(f);
}

static void test_topic_against_dump(void **state)
{
    (void)state;
    fill_topic("jobs.left");
    write_jsonl(0, NDOCS, 7);
    differ_opts o;
    differ_opts_defaults(&o);
    o.kafka = &props;
    o.partitions = 2;            /* size unknown: partitioned on disk */
    differ_report r;
    char err[512], spec[64];
    snprintf(spec, sizeof(spec), "kafka:%s", "jobs.left");
    if (differ_compare(spec, jsonl, &o, &r, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(r.left_count, NDOCS);
    assert_int_equal(r.right_count, NDOCS);
    assert_int_equal(r.matched, NDOCS);
    assert_int_equal(r.identical, NDOCS - 1);
    assert_int_equal(r.nfields, 1);
    assert_string_equal(r.fields[0].field, "Site");
    assert_int_equal(r.fields[0].count, 1);
    assert_int_equal(r.bad_left, 0);
    differ_report_free(&r);

    /* only the second half by timestamp */
    write_jsonl(NDOCS / 2, NDOCS, -1);
    o.since_ms = 1500000;
    o.until_ms = 2200000;
    if (differ_compare(spec, jsonl, &o, &r, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(r.left_count, NDOCS / 2);
    assert_int_equal(r.identical, NDOCS / 2);
    assert_int_equal(r.only_left + r.only_right, 0);
    differ_report_free(&r);
}

static int setup(void **state)
{
    (void)state;
    sp_log_init("test", SP_LOG_ERROR, SP_LOG_FORMAT_KV);
    char why[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", why, sizeof(why));
    mock_owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (!mock_owner)
        return -1;
    mock = rd_kafka_handle_mock_cluster(mock_owner);
    sp_kafka_props_init(&props);
    sp_kafka_props_set(&props, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock));
    sp_kafka_props_set(&props, "session.timeout.ms", "6000");
    sp_kafka_props_set(&props, "heartbeat.interval.ms", "500");
    int fd = mkstemp(jsonl);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(jsonl);
    sp_kafka_props_free(&props);
    rd_kafka_destroy(mock_owner);
    rd_kafka_wait_destroyed(5000);
    sp_log_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_against_dump),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
