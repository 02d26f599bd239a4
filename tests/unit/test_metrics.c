/* test_metrics.c - Prometheus text exactly as rendered, label escaping,
 * histograms, and /metrics and /healthz served by libmicrohttpd on a free
 * loopback port, read back with our HTTP client. */
#include <setjmp.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "http.h"
#include "metrics.h"
#include "version.h"

static char *render(sp_metrics *m)
{
    sp_buf out = {0};
    assert_int_equal(sp_metrics_render(m, &out), 0);
    assert_int_equal(sp_buf_reserve(&out, 1), 0);
    out.data[out.len] = '\0';
    return (char *)out.data;
}

static void test_text_format(void **state)
{
    (void)state;
    sp_metrics *m = sp_metrics_new();
    sp_metric *c = sp_metrics_counter(m, "spider_docs_total", "Documents \\ produced\nby schedd",
                                      (const char *[]){ "schedd", "source", NULL });
    assert_ptr_equal(sp_metrics_counter(m, "spider_docs_total", "again", NULL), c);
    sp_metric_add(c, (const char *[]){ "vocms01", "condor_queue" }, 2);
    sp_metric_add(c, (const char *[]){ "vocms01", "condor_queue" }, 3);
    sp_metric_add(c, (const char *[]){ "we\"ird\\\n", "h" }, 1);
    sp_metric *g = sp_metrics_gauge(m, "spider_lag", "Lag", NULL);
    sp_metric_set(g, NULL, 7.5);
    sp_metric_add(g, NULL, -0.5);
    const double b[] = { 0.1, 1 };
    sp_metric *h = sp_metrics_histogram(m, "spider_poll_seconds", "Poll time", NULL, b, 2);
    sp_metric_observe(h, NULL, 0.05);
    sp_metric_observe(h, NULL, 0.5);
    sp_metric_observe(h, NULL, 5);
    char *text = render(m);
    const char *want =
        "# HELP spider_docs_total Documents \\\\ produced\\nby schedd\n"
        "# TYPE spider_docs_total counter\n"
        "spider_docs_total{schedd=\"vocms01\",source=\"condor_queue\"} 5\n"
        "spider_docs_total{schedd=\"we\\\"ird\\\\\\n\",source=\"h\"} 1\n"
        "# HELP spider_lag Lag\n"
        "# TYPE spider_lag gauge\n"
        "spider_lag 7\n"
        "# HELP spider_poll_seconds Poll time\n"
        "# TYPE spider_poll_seconds histogram\n"
        "spider_poll_seconds_bucket{le=\"0.1\"} 1\n"
        "spider_poll_seconds_bucket{le=\"1\"} 2\n"
        "spider_poll_seconds_bucket{le=\"+Inf\"} 3\n"
        "spider_poll_seconds_sum 5.55\n"
        "spider_poll_seconds_count 3\n";
    assert_string_equal(text, want);
    assert_true(sp_metric_value(c, (const char *[]){ "vocms01", "condor_queue" }) == 5);
    assert_true(sp_metric_value(h, NULL) == 3);
    free(text);
    sp_metrics_free(m);
}

static int unhealthy(void *ctx, char *why, size_t len)
{
    int *ok = ctx;
    if (!*ok)
        snprintf(why, len, "kafka unreachable");
    return *ok;
}

static long get(int port, const char *path, char *body, size_t len)
{
    char base[64], err[256];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    sp_http_options o = { .base_url = base };
    sp_http *h = sp_http_new(&o, err, sizeof(err));
    sp_http_response r;
    if (sp_http_request(h, "GET", path, NULL, NULL, 0, &r, err, sizeof(err)) != 0)
        fail_msg("GET %s%s: %s", base, path, err);
    snprintf(body, len, "%s", r.body);
    long status = r.status;
    sp_http_free(h);
    return status;
}

static int not_ready(void *ctx, char *why, size_t len)
{
    if (*(int *)ctx)
        return 1;
    snprintf(why, len, "output es1: stalled for 61 s");
    return 0;
}

static void test_server(void **state)
{
    (void)state;
    sp_metrics *m = sp_metrics_new();
    sp_metric_add(sp_metrics_counter(m, "spider_up_total", "x", NULL), NULL, 1);
    int ok = 1;
    char err[256], body[4096];
    sp_metrics_server *s = sp_metrics_serve(m, "127.0.0.1", 0, unhealthy, &ok, err, sizeof(err));
    if (!s)
        fail_msg("%s", err);
    int port = sp_metrics_server_port(s);
    assert_true(port > 0);
    assert_int_equal(get(port, "/metrics", body, sizeof(body)), 200);
    assert_non_null(strstr(body, "spider_up_total 1\n"));
    assert_int_equal(get(port, "/healthz", body, sizeof(body)), 200);
    assert_string_equal(body, "ok\n");
    ok = 0;
    assert_int_equal(get(port, "/healthz", body, sizeof(body)), 503);
    assert_string_equal(body, "kafka unreachable\n");
    /* /readyz follows /healthz until a readiness check is set, then its own. */
    assert_int_equal(get(port, "/readyz", body, sizeof(body)), 503);
    assert_string_equal(body, "kafka unreachable\n");
    int ready = 0;
    sp_metrics_server_set_ready(s, not_ready, &ready);
    ok = 1;
    assert_int_equal(get(port, "/healthz", body, sizeof(body)), 200);
    assert_int_equal(get(port, "/readyz", body, sizeof(body)), 503);
    assert_string_equal(body, "output es1: stalled for 61 s\n");
    ready = 1;
    assert_int_equal(get(port, "/readyz", body, sizeof(body)), 200);
    assert_string_equal(body, "ok\n");
    assert_int_equal(get(port, "/other", body, sizeof(body)), 404);
    /* The same port cannot be bound twice: a clear error. */
    assert_null(sp_metrics_serve(m, "127.0.0.1", port, NULL, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot listen on 127.0.0.1:"));
    assert_null(sp_metrics_serve(m, "not-an-ip", 0, NULL, NULL, err, sizeof(err)));
    sp_metrics_server_stop(s);
    sp_metrics_free(m);
}

/* The shortest text that reads back as the same double. */
static void test_shortest_doubles(void **state)
{
    (void)state;
    const struct { double v; const char *want; } cases[] = {
        { 0.1, "0.1" }, { 1e-7, "1e-07" }, { 123456789.125, "123456789.125" }, { 1e300, "1e+300" },
        { 0.1 + 0.2, "0.30000000000000004" }, { 5, "5" }, { -2.5, "-2.5" }, { 0, "0" },
        { 180, "180" }, { 10, "10" }, { 120, "120" }, { -300, "-300" }, { 1e20, "1e+20" },
        { 104857600, "104857600" }, { 1e6, "1e+06" }, { INFINITY, "+Inf" }, { -INFINITY, "-Inf" }, { NAN, "NaN" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[40];
        sp_metrics_format_double(cases[i].v, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
    sp_metrics *m = sp_metrics_new();
    sp_metric *g = sp_metrics_gauge(m, "g", "", (const char *[]){ "x", NULL });
    sp_metric_set(g, (const char *[]){ "a" }, 0.1);
    sp_metric_set(g, (const char *[]){ "b" }, INFINITY);
    char *text = render(m);
    assert_non_null(strstr(text, "g{x=\"a\"} 0.1\n"));
    assert_non_null(strstr(text, "g{x=\"b\"} +Inf\n"));
    free(text);
    sp_metrics_free(m);
}

/* Declared label values are exported at 0 before any event; a declared
 * histogram has all its buckets, _sum and _count at 0. */
static void test_declared_zero(void **state)
{
    (void)state;
    sp_metrics *m = sp_metrics_new();
    sp_metric *c = sp_metrics_counter(m, "spider_polls_total", "Polls", (const char *[]){ "kind", "result", NULL });
    sp_metric_declare(c, (const char *[]){ "queue", "failed" });
    sp_metric_declare(sp_metrics_counter(m, "spider_lost_total", "Lost", NULL), NULL);
    const double b[] = { 0.5 };
    sp_metric *h = sp_metrics_histogram(m, "spider_poll_seconds", "Poll", (const char *[]){ "kind", NULL }, b, 1);
    sp_metric_declare(h, (const char *[]){ "history" });
    char *text = render(m);
    assert_non_null(strstr(text, "spider_polls_total{kind=\"queue\",result=\"failed\"} 0\n"));
    assert_non_null(strstr(text, "spider_lost_total 0\n"));
    assert_non_null(strstr(text, "spider_poll_seconds_bucket{kind=\"history\",le=\"0.5\"} 0\n"
                                 "spider_poll_seconds_bucket{kind=\"history\",le=\"+Inf\"} 0\n"
                                 "spider_poll_seconds_sum{kind=\"history\"} 0\n"
                                 "spider_poll_seconds_count{kind=\"history\"} 0\n"));
    free(text);
    /* Declaring again keeps the count; an event after it adds to it. */
    sp_metric_add(c, (const char *[]){ "queue", "failed" }, 2);
    sp_metric_declare(c, (const char *[]){ "queue", "failed" });
    sp_metric_observe(h, (const char *[]){ "history" }, 0.25);
    text = render(m);
    assert_non_null(strstr(text, "spider_polls_total{kind=\"queue\",result=\"failed\"} 2\n"));
    assert_non_null(strstr(text, "spider_poll_seconds_bucket{kind=\"history\",le=\"0.5\"} 1\n"));
    assert_non_null(strstr(text, "spider_poll_seconds_sum{kind=\"history\"} 0.25\n"));
    assert_non_null(strstr(text, "spider_poll_seconds_count{kind=\"history\"} 1\n"));
    free(text);
    sp_metrics_free(m);
}

/* The value of the unlabelled sample "name value" in text, or NAN. */
static double sample(const char *text, const char *name)
{
    char key[128];
    snprintf(key, sizeof(key), "\n%s ", name);
    const char *p = strstr(text, key);
    return p ? strtod(p + strlen(key), NULL) : NAN;
}

/* A served registry has spider_build_info and the process metrics. */
static void test_standard_metrics(void **state)
{
    (void)state;
    sp_metrics *m = sp_metrics_new();
    char err[256], body[8192], want[256];
    sp_metrics_server *s = sp_metrics_serve(m, "127.0.0.1", 0, NULL, NULL, err, sizeof(err));
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(get(sp_metrics_server_port(s), "/metrics", body, sizeof(body)), 200);
    snprintf(want, sizeof(want), "spider_build_info{version=\"%s\",git_hash=\"%s\"} 1\n", SPIDER_VERSION, sp_version_git_hash());
    assert_non_null(strstr(body, want));
    assert_non_null(strstr(body, "# TYPE process_cpu_seconds_total counter\n"));
    double now = (double)time(NULL);
    double rss = sample(body, "process_resident_memory_bytes"), fds = sample(body, "process_open_fds");
    double start = sample(body, "process_start_time_seconds"), cpu = sample(body, "process_cpu_seconds_total");
    assert_true(rss > 1e5 && rss < 1e11);
    assert_true(fds >= 3 && fds < 10000);
    assert_true(start > now - 60 && start <= now + 1);
    assert_true(cpu >= 0 && cpu < 600);
    /* Read at scrape time: memory grows with a large touched allocation. */
    size_t big = 64u << 20;
    char *mem = malloc(big);
    assert_non_null(mem);
    memset(mem, 1, big);
    assert_int_equal(get(sp_metrics_server_port(s), "/metrics", body, sizeof(body)), 200);
    assert_true(sample(body, "process_resident_memory_bytes") > rss + (double)(big / 2));
    free(mem);
    sp_metrics_server_stop(s);
    sp_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_format),
        cmocka_unit_test(test_server),
        cmocka_unit_test(test_shortest_doubles),
        cmocka_unit_test(test_declared_zero),
        cmocka_unit_test(test_standard_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
