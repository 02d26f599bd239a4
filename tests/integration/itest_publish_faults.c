/* itest_publish_faults.c - the publishing loop (services/publisher/
 * publish.c) against the real Kafka and Elasticsearch, with faults:
 *   - a document the cluster can never take (a string where the mapping
 *     says long) goes to the dead-letter topic with the cluster's reason,
 *     and every other document is indexed;
 *   - a cluster that is down (nothing listens) does not hold back the
 *     other: all documents reach Elasticsearch meanwhile. */
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
#include <jansson.h>

#include "esconf.h"
#include "http.h"
#include "kafka.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "publish.h"
#include "record.h"
#include "testenv.h"

#define DOCS 200

static sp_kafka_props props;
static char topic[128], dead[160], tpl[64];

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        fail_msg("%s is not set (run through tests/integration/run-with-stack.sh)", name);
    return v;
}

/* DOCS documents into the topic; number `bad` has JobStatus as a string. */
static void produce_docs(int bad)
{
    char err[512];
    sp_kafka_producer *p = sp_kafka_producer_new(&props, NULL, NULL, err, sizeof(err));
    assert_non_null(p);
    sp_buf buf = { 0 };
    for (int i = 0; i < DOCS; i++) {
        char id[96], gj[64], index[96];
        snprintf(gj, sizeof(gj), "schedd1#%d.0#1763800000", i);
        snprintf(id, sizeof(id), "%s#1763800000", gj);
        snprintf(index, sizeof(index), "%s-2025-11-22", tpl);
        Spider__Value v = SPIDER__VALUE__INIT, s = SPIDER__VALUE__INIT;
        if (i == bad) {
            v.kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
            v.string_value = "not-a-number";
        } else {
            v.kind_case = SPIDER__VALUE__KIND_INT_VALUE;
            v.int_value = 2;
        }
        s.kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
        s.string_value = gj;
        Spider__Attribute a1 = SPIDER__ATTRIBUTE__INIT, a2 = SPIDER__ATTRIBUTE__INIT;
        a1.name = "JobStatus";
        a1.value = &v;
        a2.name = "GlobalJobId";
        a2.value = &s;
        Spider__Attribute *attrs[] = { &a1, &a2 };
        Spider__Metadata md = SPIDER__METADATA__INIT;
        md.spider_git_hash = "itest";
        Spider__Document d = SPIDER__DOCUMENT__INIT;
        d.id = id;
        d.index = index;
        d.global_job_id = gj;
        d.attributes = attrs;
        d.n_attributes = 2;
        d.metadata = &md;
        Spider__Record r = SPIDER__RECORD__INIT;
        r.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
        r.document = &d;
        assert_int_equal(sp_record_pack(&r, &buf), 0);
        assert_int_equal(sp_kafka_produce(p, topic, gj, strlen(gj), buf.data, buf.len, NULL), 0);
    }
    assert_int_equal(sp_kafka_producer_flush(p, 30000), 0);
    sp_kafka_producer_free(p, 1000);
    sp_buf_free(&buf);
}

static long long es_count(void)
{
    char err[512], path[160];
    sp_http_options o = { .base_url = need("ELASTICSEARCH_URL") };
    sp_http *h = sp_http_new(&o, err, sizeof(err));
    sp_http_response r;
    snprintf(path, sizeof(path), "/%s-*/_count", tpl);
    long long n = -1;
    if (h && sp_http_request(h, "GET", path, NULL, NULL, 0, &r, err, sizeof(err)) == 0 && r.status == 200) {
        json_t *j = json_loads(r.body, 0, NULL);
        n = json_integer_value(json_object_get(j, "count"));
        json_decref(j);
    }
    sp_http_free(h);
    return n;
}

static int setup(void **state)
{
    (void)state;
    sp_log_init("itest", SP_LOG_ERROR, SP_LOG_FORMAT_KV);
    if (tc_kafka_props(&props) != 0)
        return -1;
    tc_unique_name(topic, sizeof(topic), "publish");
    snprintf(dead, sizeof(dead), "%s.dead", topic);
    snprintf(tpl, sizeof(tpl), "itpubf%d", (int)getpid());
    return tc_kafka_topics(&props, 2, topic, (char *)NULL) == 0 && tc_kafka_topics(&props, 1, dead, (char *)NULL) == 0
               ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char err[512], path[160];
    sp_http_options o = { .base_url = getenv("ELASTICSEARCH_URL") };
    sp_http *h = o.base_url ? sp_http_new(&o, err, sizeof(err)) : NULL;
    sp_http_response r;
    snprintf(path, sizeof(path), "/%s-*", tpl);
    if (h)
        sp_http_request(h, "DELETE", path, NULL, NULL, 0, &r, err, sizeof(err));
    sp_http_free(h);
    sp_kafka_props_free(&props);
    sp_log_shutdown();
    return 0;
}

/* The value of header name of msg as a string ("" when absent), in a
 * static buffer. */
static const char *header(rd_kafka_message_t *msg, const char *name)
{
    static char out[1024];
    rd_kafka_headers_t *hs = NULL;
    const void *v;
    size_t n;
    out[0] = 0;
    if (rd_kafka_message_headers(msg, &hs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(hs, name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR && v)
        snprintf(out, sizeof(out), "%.*s", (int)n, (const char *)v);
    return out;
}

/* Elasticsearch and a cluster nobody listens on, both in one es_conf. */
static void test_dead_letter_and_dead_cluster(void **state)
{
    (void)state;
    char dir[] = "/tmp/itest-publish-XXXXXX", conf[128], err[1024];
    assert_non_null(mkdtemp(dir));
    snprintf(conf, sizeof(conf), "%s/es_conf.json", dir);
    const char *es = need("ELASTICSEARCH_URL") + 7;                  /* after http:// */
    const char *colon = strrchr(es, ':');
    FILE *f = fopen(conf, "w");
    fprintf(f, "[{\"host\": \"%.*s\", \"port\": %s, \"scheme\": \"http\"},"
               " {\"host\": \"127.0.0.1\", \"port\": 1, \"scheme\": \"http\"}]", (int)(colon - es), es, colon + 1);
    fclose(f);
    /* the configuration run has for --es-conf conf: every plugin's options */
    static const sp_opt shared[] = {
        { "es-conf", SP_OPT_STRING, "", "es-conf", "" },
        { "ca-file", SP_OPT_STRING, "", "ca-file", "" },
        { "index-template", SP_OPT_STRING, "cms", "index-template", "" },
    };
    size_t nopts;
    sp_opt *opts = sp_output_options(shared, 3, NULL, 0, &nopts);
    assert_non_null(opts);
    sp_config *cfg = sp_config_new("itest", "", "", opts, nopts);
    char *argv[] = { "itest", "--es-conf", conf, NULL };
    assert_int_equal(sp_config_load(cfg, 3, argv, NULL, err, sizeof(err)), SP_CONFIG_OK);
    produce_docs(57);
    const char *topics[] = { topic };
    char group[200];
    snprintf(group, sizeof(group), "%s.group", topic);
    sp_publish_opts o = { .kafka = &props, .topics = topics, .ntopics = 1, .group = group, .deadletter_topic = dead,
                          .batch_docs = 100, .batch_bytes = 1 << 20, .batch_ms = 200, .prefetch_bytes = 1 << 20,
                          .stall_s = 120 };
    sp_metrics *m = sp_metrics_new();
    sp_publisher *p = sp_publisher_start(&o, cfg, m, err, sizeof(err));
    assert_non_null(p);
    long long n = -1;
    for (int i = 0; i < 120 && n != DOCS - 1; i++) {
        usleep(500000);
        n = es_count();
    }
    sp_publisher_stop(p);
    assert_int_equal(n, DOCS - 1);              /* all but the bad one, despite the dead cluster */

    /* the dead-letter topic has the bad document and Elasticsearch's reason */
    char dgroup[200];
    snprintf(dgroup, sizeof(dgroup), "%s.reader", dead);
    const char *dt[] = { dead };
    sp_kafka_consumer *c = sp_kafka_consumer_new(&props, dgroup, dt, 1, NULL, NULL, err, sizeof(err));
    assert_non_null(c);
    int got = 0;
    for (int i = 0; i < 100 && !got; i++) {
        rd_kafka_message_t *msg = sp_kafka_consume(c, 200);
        if (!msg)
            continue;
        if (!msg->err) {
            /* Kafka Connect's DLQ convention: the original record, the cause in headers */
            Spider__Record *r = spider__record__unpack(NULL, msg->len, msg->payload);
            assert_non_null(r);
            assert_int_equal(r->kind_case, SPIDER__RECORD__KIND_DOCUMENT);
            assert_string_equal(r->document->id, "schedd1#57.0#1763800000#1763800000");
            spider__record__free_unpacked(r, NULL);
            assert_string_equal(header(msg, "spider.id"), "schedd1#57.0#1763800000#1763800000");
            assert_string_equal(header(msg, "__connect.errors.topic"), topic);
            assert_non_null(strstr(header(msg, "__connect.errors.exception.class.name"), "parsing_exception"));
            assert_true(strlen(header(msg, "__connect.errors.exception.message")) > 0);
            got = 1;
        }
        rd_kafka_message_destroy(msg);
    }
    sp_kafka_consumer_free(c);
    assert_true(got);
    const char *l[] = { "127.0.0.1:1" };
    assert_true(sp_metric_value(sp_metrics_counter(m, "spider_publisher_documents_indexed_total", "", (const char *[]){ "output", NULL }), l) == 0);
    sp_metrics_free(m);
    sp_config_free(cfg);
    free(opts);
    unlink(conf);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dead_letter_and_dead_cluster),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
