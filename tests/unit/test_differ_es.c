/* test_differ_es.c - a search index as a compare side (es:CLUSTER/INDEX),
 * against a fake cluster (libmicrohttpd) that serves a scroll in pages:
 * every page is read, ids are the hits' _id, the scroll is cleared, and an
 * unknown cluster or an HTTP error is an input error. */
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
#include <microhttpd.h>

#include "differ.h"
#include "log.h"

#define NDOCS 250
#define PAGE 100

static struct MHD_Daemon *daemon_;
static int port, cleared, page_next, requests;
static char conf[64] = "/tmp/test_differ_es_XXXXXX", jsonl[64] = "/tmp/test_differ_es_l_XXXXXX";

static json_t *make_doc(int i)
{
    char g[64];
    snprintf(g, sizeof(g), "schedd#%d.0#1", i);
    return json_pack("{s:s, s:I, s:s, s:{s:I}}", "GlobalJobId", g, "RecordTime", (json_int_t)(1763800000 + i),
                     "Site", "T2_CH_CERN", "metadata", "spider_runtime", (json_int_t)i);
}

static json_t *page(int from)
{
    json_t *hits = json_array();
    for (int i = from; i < from + PAGE && i < NDOCS; i++) {
        char id[64];
        snprintf(id, sizeof(id), "schedd#%d.0#1#%d", i, 1763800000 + i);
        json_array_append_new(hits, json_pack("{s:s, s:s, s:o}", "_index", "cms-2026-11-22", "_id", id,
                                              "_source", make_doc(i)));
    }
    return json_pack("{s:s, s:{s:o}}", "_scroll_id", "scroll-1", "hits", "hits", hits);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **state)
{
    (void)cls, (void)version, (void)data;
    if (!*state) {           /* first call: headers only */
        *state = (void *)1;
        return MHD_YES;
    }
    if (*size) {             /* the body: not needed */
        *size = 0;
        return MHD_YES;
    }
    requests++;
    json_t *j = NULL;
    unsigned status = 200;
    if (strcmp(method, "DELETE") == 0) {
        cleared++;
        j = json_pack("{s:b}", "succeeded", 1);
    } else if (strcmp(url, "/cms-2026-11-22/_search") == 0) {
        page_next = PAGE;
        j = page(0);
    } else if (strcmp(url, "/_search/scroll") == 0) {
        j = page(page_next);
        page_next += PAGE;
    } else {
        status = 404;
        j = json_pack("{s:s}", "error", "index_not_found_exception");
    }
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static void write_files(void)
{
    FILE *f = fopen(conf, "w");
    fprintf(f, "[{\"host\": \"127.0.0.1\", \"port\": %d, \"scheme\": \"http\", \"username\": \"u\", \"password\": \"p\"}]\n", port);
    fclose(f);
    f = fopen(jsonl, "w");
    for (int i = 0; i < NDOCS; i++) {
        if (i == 42)
            continue;                     /* only in the index */
        json_t *d = make_doc(i);
        if (i == 7)
            json_object_set_new(d, "Site", json_string("T1_US_FNAL"));
        char *s = json_dumps(d, JSON_COMPACT);
        fprintf(f, "%s\n", s);
        free(s);
        json_decref(d);
    }
    fclose(f);
}

static void test_index_against_dump(void **state)
{
    (void)state;
    differ_opts o;
    differ_opts_defaults(&o);
    o.es_conf = conf;
    differ_report r;
    char err[512], spec[128];
    snprintf(spec, sizeof(spec), "es:127.0.0.1:%d/cms-2026-11-22", port);
    if (differ_compare(spec, jsonl, &o, &r, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(r.left_count, NDOCS);
    assert_int_equal(r.right_count, NDOCS - 1);
    assert_int_equal(r.only_left, 1);
    assert_string_equal(r.only_left_examples[0], "schedd#42.0#1#1763800042");
    assert_int_equal(r.identical, NDOCS - 2);
    assert_int_equal(r.nfields, 1);
    assert_string_equal(r.fields[0].field, "Site");
    assert_int_equal(cleared, 1);
    /* 3 full pages and the empty one that ends the scroll, then the clear */
    assert_int_equal(requests, 5);
    differ_report_free(&r);

    /* by position in es_conf.json too */
    assert_int_equal(differ_compare("es:1/cms-2026-11-22", jsonl, &o, &r, err, sizeof(err)), 0);
    assert_int_equal(r.left_count, NDOCS);
    differ_report_free(&r);
}

static void test_errors(void **state)
{
    (void)state;
    differ_opts o;
    differ_opts_defaults(&o);
    o.es_conf = conf;
    differ_report r;
    char err[512];
    assert_int_equal(differ_compare("es:nope/cms", jsonl, &o, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no cluster \"nope\""));
    differ_report_free(&r);
    assert_int_equal(differ_compare("es:1/missing-index", jsonl, &o, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "HTTP 404"));
    differ_report_free(&r);
    o.es_conf = NULL;
    assert_int_equal(differ_compare("es:1/cms", jsonl, &o, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "--es-conf"));
    differ_report_free(&r);
}

static int setup(void **state)
{
    (void)state;
    sp_log_init("test", SP_LOG_ERROR, SP_LOG_FORMAT_KV);
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, NULL,
                               MHD_OPTION_END);
    if (!daemon_)
        return -1;
    port = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
    int a = mkstemp(conf), b = mkstemp(jsonl);
    if (a < 0 || b < 0)
        return -1;
    close(a);
    close(b);
    write_files();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    unlink(conf);
    unlink(jsonl);
    sp_log_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_against_dump),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
