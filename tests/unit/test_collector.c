/* test_collector.c - services/collector/collector.c end to end without
 * Kafka: a spider-sim pool through the fake condor_q/condor_history into
 * JSON lines. Each kind of bad schedd (exit status, hang past the deadline,
 * garbage, truncated output, a 50 MB ad, invalid UTF-8) gives a clear error
 * and a counter, and every other schedd's documents are all there. With
 * librdkafka's mock cluster: documents over message.max.bytes are truncated
 * (or dropped when they cannot fit) and the polls still succeed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "collector.h"
#include <librdkafka/rdkafka_mock.h>
#include "log.h"
#include "metrics.h"
#include "pool.h"

static char dir[64], out[128], cp[128], srcspec[600];

static int setup(void **state)
{
    (void)state;
    if (!getenv("SPIDER_BUILD_DIR"))
        return -1;
    sp_log_init("test", SP_LOG_ERROR, SP_LOG_FORMAT_KV);
    snprintf(dir, sizeof(dir), "/tmp/spider-collector-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(out, sizeof(out), "%s/out.jsonl", dir);
    snprintf(cp, sizeof(cp), "%s/checkpoint.json", dir);
    snprintf(srcspec, sizeof(srcspec), "exec:%s/sim-bin", getenv("SPIDER_BUILD_DIR"));
    setenv("SPIDER_SIM_SCHEDDS", "8", 1);
    setenv("SPIDER_SIM_JOBS", "30", 1);
    setenv("SPIDER_SIM_STEP", "6", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(out);
    unlink(cp);
    char back[160];
    snprintf(back, sizeof(back), "%s.back", cp);
    unlink(back);
    rmdir(dir);
    sp_log_shutdown();
    return 0;
}

/* Documents per schedd in the JSON lines. */
static int count_docs(const char *schedd)
{
    FILE *f = fopen(out, "r");
    char line[1 << 16], needle[128];
    int n = 0;
    snprintf(needle, sizeof(needle), "\"ScheddName\":\"%s\"", schedd);
    while (f && fgets(line, sizeof(line), f))
        n += strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return n;
}

static void test_bad_schedds_fail_alone(void **state)
{
    (void)state;
    sim_pool p;
    sim_pool_defaults(&p);
    p.schedds = 8;
    p.jobs = 30;
    char names[8][64], fail[1024] = "";
    static const char *const modes[] = { "exit", "hang", "garbage", "truncate", "huge", "badutf8" };
    for (int i = 0; i < 8; i++) {
        sim_schedd_name(&p, i, names[i], sizeof(names[i]));
        if (i < 6)
            snprintf(fail + strlen(fail), sizeof(fail) - strlen(fail), "%s%s=%s", i ? "," : "", names[i], modes[i]);
    }
    setenv("SPIDER_SIM_FAIL", fail, 1);
    sp_collector_opts o = {
        .source = srcspec, .output = "jsonl", .output_file = out, .checkpoint_file = cp,
        .index_template = "cms", .hostname = "test", .process_queue = 1, .process_history = 1,
        .workers = 4, .schedd_timeout_s = 8, .cycle_timeout_s = 60, .history_max_minutes = 720, .history_overlap_s = 720,
        .max_ad_bytes = 16u << 20,
    };
    char *schedds[9];
    for (int i = 0; i < 8; i++)
        schedds[i] = names[i];
    schedds[8] = NULL;
    o.schedds = schedds;
    char err[512];
    sp_metrics *m = sp_metrics_new();
    sp_collector *c = sp_collector_new(&o, m, err, sizeof(err));
    assert_non_null(c);
    sp_cycle_stats st;
    assert_int_equal(sp_collector_cycle(c, p.t0 + 6 * p.interval, SP_POLL_QUEUE | SP_POLL_HISTORY, &st), 1);
    unsetenv("SPIDER_SIM_FAIL");
    assert_int_equal(st.schedds, 8);
    /* exit, hang, garbage, truncate fail whole (queue and history each) */
    assert_int_equal(st.polls_failed, 8);
    assert_int_equal(st.polls_ok, 8);
    /* huge and badutf8: the one bad ad is skipped in each answer, the rest arrive */
    assert_int_equal(st.bad_ads, 4);
    for (int i = 4; i < 8; i++) {                  /* every good ad of those schedds is there */
        sim_ad *ads;
        int s = sim_schedd_index(&p, names[i]);
        size_t nq = sim_queue(&p, s, 6, &ads);
        for (size_t k = 0; k < nq; k++)
            sim_ad_free(&ads[k]);
        free(ads);
        assert_true(count_docs(names[i]) >= (int)nq - 2);
        assert_true(count_docs(names[i]) > 0);
    }
    for (int i = 0; i < 2; i++)                    /* exit and hang sent nothing */
        assert_int_equal(count_docs(names[i]), 0);
    sp_buf text = { 0 };
    sp_metrics_render(m, &text);
    sp_buf_append(&text, "", 1);
    assert_non_null(strstr((char *)text.data, "spider_collector_polls_total{kind=\"queue\",result=\"failed\"} 4"));
    assert_non_null(strstr((char *)text.data, "spider_collector_bad_ads_total{kind=\"queue\"} 2"));
    /* Per schedd: the one that exits failed its queue poll, a good one did not. */
    char line[256];
    snprintf(line, sizeof(line), "spider_collector_schedd_polls_total{schedd=\"%s\",kind=\"queue\",result=\"failed\"} 1\n", names[0]);
    assert_non_null(strstr((char *)text.data, line));
    snprintf(line, sizeof(line), "spider_collector_schedd_polls_total{schedd=\"%s\",kind=\"queue\",result=\"ok\"} 0\n", names[0]);
    assert_non_null(strstr((char *)text.data, line));
    snprintf(line, sizeof(line), "spider_collector_schedd_polls_total{schedd=\"%s\",kind=\"history\",result=\"failed\"} 0\n", names[7]);
    assert_non_null(strstr((char *)text.data, line));
    snprintf(line, sizeof(line), "spider_collector_schedd_polls_total{schedd=\"%s\",kind=\"history\",result=\"ok\"} 1\n", names[7]);
    assert_non_null(strstr((char *)text.data, line));
    sp_buf_free(&text);
    sp_collector_free(c);
    sp_metrics_free(m);
}

static const char *metric_line(const sp_buf *text, const char *line)
{
    return strstr((const char *)text->data, line);
}

/* One cycle of 2 schedds into the mock cluster with message.max.bytes max;
 * the huge jobs of SPIDER_SIM_HUGE set by the caller. */
static void cycle_to_mock(const char *max, sp_metrics *m, sp_cycle_stats *st)
{
    char why[256], err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", why, sizeof(why));
    rd_kafka_t *owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    assert_non_null(owner);
    sp_kafka_props props;
    sp_kafka_props_init(&props);
    sp_kafka_props_set(&props, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(rd_kafka_handle_mock_cluster(owner)));
    sp_kafka_props_set(&props, SP_KAFKA_PRODUCER_PREFIX "message.max.bytes", max);
    sim_pool p;
    sim_pool_defaults(&p);
    char names[2][64], *schedds[3] = { names[0], names[1], NULL };
    for (int i = 0; i < 2; i++)
        sim_schedd_name(&p, i, names[i], sizeof(names[i]));
    sp_collector_opts o = {
        .source = srcspec, .output = "kafka", .kafka = &props, .topic_queue = "t.queue", .topic_history = "t.history",
        .checkpoint_file = cp, .index_template = "cms", .hostname = "test", .process_queue = 1, .process_history = 1,
        .workers = 2, .schedd_timeout_s = 20, .cycle_timeout_s = 60, .history_max_minutes = 720, .history_overlap_s = 720,
        .max_ad_bytes = 16u << 20, .keep_full_queue_data = 1, .kafka_timeout_s = 10, .schedds = schedds,
    };
    unlink(cp);
    sp_collector *c = sp_collector_new(&o, m, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(sp_collector_cycle(c, p.t0 + 6 * p.interval, SP_POLL_QUEUE | SP_POLL_HISTORY, st), 0);
    sp_collector_free(c);
    sp_kafka_props_free(&props);
    rd_kafka_destroy(owner);
}

static void test_oversized_documents_lose_only_themselves(void **state)
{
    (void)state;
    sim_pool p;
    sim_pool_defaults(&p);
    p.schedds = 8;
    p.jobs = 30;
    sim_ad *ads;
    size_t nq = sim_queue(&p, 0, 6, &ads);
    assert_true(nq > 0);
    long long qjob = sim_ad_get(&ads[0], "ClusterId")->i - 1000000;
    for (size_t k = 0; k < nq; k++)
        sim_ad_free(&ads[k]);
    free(ads);
    size_t nh = sim_history(&p, 1, 6, 0, &ads);
    assert_true(nh > 0);
    long long hjob = sim_ad_get(&ads[0], "ClusterId")->i - 1000000;
    for (size_t k = 0; k < nh; k++)
        sim_ad_free(&ads[k]);
    free(ads);
    char huge[128];
    snprintf(huge, sizeof(huge), "0:%lld:3000000,1:%lld:3000000", qjob, hjob);
    setenv("SPIDER_SIM_HUGE", huge, 1);

    sp_metrics *m = sp_metrics_new();
    sp_cycle_stats st;
    cycle_to_mock("1000000", m, &st);
    assert_int_equal(st.polls_ok, 4);
    assert_int_equal(st.polls_failed, 0);
    assert_int_equal(st.documents, st.ads);                 /* none lost, the two huge ones included */
    sp_buf text = { 0 };
    sp_metrics_render(m, &text);
    sp_buf_append(&text, "", 1);
    assert_non_null(metric_line(&text, "spider_collector_oversized_documents_total{kind=\"queue\",action=\"truncated\"} 1\n"));
    assert_non_null(metric_line(&text, "spider_collector_oversized_documents_total{kind=\"history\",action=\"truncated\"} 1\n"));
    sp_buf_free(&text);
    sp_metrics_free(m);

    m = sp_metrics_new();                                   /* nothing fits 1000 bytes: all dropped, polls ok */
    cycle_to_mock("1000", m, &st);
    unsetenv("SPIDER_SIM_HUGE");
    assert_int_equal(st.polls_ok, 4);
    assert_int_equal(st.documents, 0);
    assert_true(st.ads > 0);
    text = (sp_buf){ 0 };
    sp_metrics_render(m, &text);
    sp_buf_append(&text, "", 1);
    assert_non_null(metric_line(&text, "spider_collector_oversized_documents_total{kind=\"queue\",action=\"dropped\"}"));
    sp_buf_free(&text);
    sp_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_schedds_fail_alone),
        cmocka_unit_test(test_oversized_documents_lose_only_themselves),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
