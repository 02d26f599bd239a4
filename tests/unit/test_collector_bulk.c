/* test_collector_bulk.c - spider-collector --output bulk writes, byte for
 * byte, the _bulk body the publisher's Elasticsearch output (out_es.c,
 * prepare) builds for the same documents: every spider-sim queue and history
 * ad of a small pool converted, handed to the bulk sink (sp_sink_open with
 * output "bulk", sp_sink_emit_document: the collector's path) into a file,
 * and given to the publisher's output one batch each; the two byte strings
 * must be equal. Each action names the document's index and id, and each
 * source carries this build's metadata.publisher_git_hash. */
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

#include "adreader.h"
#include "convert.h"
#include "document.h"
#include "output.h"
#include "pool.h"
#include "sink.h"
#include "version.h"

typedef struct {
    sp_converter *conv;
    sp_expr_cache *cache;
    sp_ad *res;
    sp_arena docs, sink_docs;    /* sink_docs: the sink's own Documents */
    sp_buf scratch, publisher;   /* publisher: the out_es bodies, one after another */
    sp_sink *sink;
    sp_track track;
    sp_output *es;
    long long now;
    int n;
} ctx;

/* The document through the publisher's prepare(), appended to c->publisher. */
static void publisher_body(ctx *c, const Spider__Document *d)
{
    sp_item item = { 0 };
    item.doc = d;
    sp_batch batch = { &item, 1, { { 0 }, 0 } };
    sp_bulk_init(&batch.body);
    c->es->prepare(c->es, &batch);
    assert_int_equal(batch.body.items, 1);
    assert_int_equal(sp_buf_append(&c->publisher, batch.body.buf.data, batch.body.buf.len), 0);
    sp_bulk_free(&batch.body);
}

static int on_ad(void *arg, sp_ad *ad)
{
    ctx *c = arg;
    char err[256];
    sp_convert_job job = { "Global", c->n % 2, c->now, c->cache };
    assert_int_equal(sp_convert(c->conv, &job, ad, c->res, NULL, err, sizeof(err)), 1);
    sp_arena_reset(&c->docs);
    sp_document_meta meta = { "cms", "host1", 1763800000123LL,
                              c->n % 2 ? SPIDER__SOURCE__CONDOR_HISTORY : SPIDER__SOURCE__CONDOR_QUEUE, NULL, c->n % 2 ? 0 : c->now };
    Spider__Document *d = sp_document_build(&c->docs, c->res, &meta, err, sizeof(err));
    assert_non_null(d);
    char id[1024];
    sp_sink_doc doc = { .res = c->res, .meta = &meta, .scratch = &c->scratch, .arena = &c->sink_docs, .id = id,
                        .idlen = sizeof(id) };
    if (sp_sink_emit_document(c->sink, &c->track, "jobs.history", &doc, err, sizeof(err)) != 0)
        fail_msg("emit: %s", err);
    assert_string_equal(id, d->id);
    publisher_body(c, d);
    c->n++;
    return 0;
}

static void convert_pool(ctx *c)
{
    char err[256];
    sim_pool pool;
    sim_pool_defaults(&pool);
    pool.jobs = 40;
    for (int s = 0; s < 2; s++)
        for (int kind = 0; kind < 2; kind++) {
            sim_ad *ads;
            size_t n = kind ? sim_history(&pool, s, 12, 0, &ads) : sim_queue(&pool, s, 12, &ads), len;
            char *text = sim_ads_text(ads, n, SIM_FORMAT_JSON, &len);
            sp_adreader *r = sp_adreader_new(0, on_ad, NULL, c);
            assert_int_equal(sp_adreader_feed(r, text, len, err, sizeof(err)), 0);
            assert_int_equal(sp_adreader_finish(r, err, sizeof(err)), 0);
            sp_adreader_free(r);
            free(text);
            for (size_t i = 0; i < n; i++)
                sim_ad_free(&ads[i]);
            free(ads);
        }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)size, f);
    assert_int_equal(*len, (size_t)size);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Every pair of lines: the action names the document's index and id. */
static size_t check_pairs(char *text)
{
    size_t pairs = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *source = strtok_r(NULL, "\n", &save);
        assert_non_null(source);
        json_t *a = json_loads(line, 0, NULL), *d = json_loads(source, 0, NULL);
        assert_non_null(a);
        assert_non_null(d);
        json_t *idx = json_object_get(a, "index");
        char id[600];
        snprintf(id, sizeof(id), "%s#%lld", json_string_value(json_object_get(d, "GlobalJobId")),
                 (long long)json_integer_value(json_object_get(d, "RecordTime")));
        assert_string_equal(json_string_value(json_object_get(idx, "_id")), id);
        assert_memory_equal(json_string_value(json_object_get(idx, "_index")), "cms-20", 6);
        assert_string_equal(json_string_value(json_object_get(json_object_get(d, "metadata"), "publisher_git_hash")),
                            sp_version_git_hash());
        json_decref(a);
        json_decref(d);
        pairs++;
    }
    return pairs;
}

/* The es plugin's output (output.h) as run opens it, for one cluster
 * nobody listens on: only bodies are prepared, nothing is published, so
 * the loop's host is never called. What fx holds is the caller's to free. */
typedef struct {
    sp_opt *opts;
    sp_config *cfg;
    sp_metrics *m;
} es_fixture;

/* sp_output_env's add(): the one output into *ctx. */
static int keep_output(void *ctx, sp_output *o, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    assert_null(*(sp_output **)ctx);
    *(sp_output **)ctx = o;
    return 0;
}

static sp_output *es_output(const char *dir, es_fixture *fx)
{
    static const sp_opt shared[] = {
        { "es-conf", SP_OPT_STRING, "", "es-conf", "" },
        { "ca-file", SP_OPT_STRING, "", "ca-file", "" },
        { "index-template", SP_OPT_STRING, "cms", "index-template", "" },
    };
    static const sp_output_host no_host = { 0 };
    size_t n;
    char conf[256], err[512];
    snprintf(conf, sizeof(conf), "%s.es_conf.json", dir);
    FILE *cf = fopen(conf, "w");
    assert_non_null(cf);
    fputs("[{\"host\": \"127.0.0.1\", \"port\": 1, \"scheme\": \"http\"}]", cf);
    fclose(cf);
    assert_non_null(fx->opts = sp_output_options(shared, 3, NULL, 0, &n));
    fx->cfg = sp_config_new("test", "", "", fx->opts, n);
    char *argv[] = { "test", "--es-conf", conf, NULL };
    assert_int_equal(sp_config_load(fx->cfg, 3, argv, NULL, err, sizeof(err)), SP_CONFIG_OK);
    fx->m = sp_metrics_new();
    sp_output *es = NULL;
    sp_output_env env = { .cfg = fx->cfg, .metrics = fx->m, .host = &no_host, .add = keep_output, .ctx = &es };
    const sp_output_plugin *const *pl = sp_output_plugins;
    while (*pl && strcmp((*pl)->name, "es"))
        pl++;
    assert_non_null(*pl);
    int rc = (*pl)->open(&env, err, sizeof(err));
    unlink(conf);
    if (rc != 0)
        print_error("es plugin: %s\n", err);
    assert_int_equal(rc, 0);
    assert_non_null(es);
    return es;
}

static void test_bulk_equals_publisher(void **state)
{
    (void)state;
    char err[256], path[] = "/tmp/spider-test-bulk-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    ctx c = { .now = 1763800000 + 12 * 720 };
    c.conv = sp_converter_new(NULL, err, sizeof(err));
    c.cache = sp_expr_cache_new();
    c.res = sp_ad_new();
    c.sink = sp_sink_open(&(sp_sink_conf){ .output = "bulk", .path = path }, err, sizeof(err));
    assert_non_null(c.sink);
    assert_int_equal(sp_sink_max_bytes(c.sink), 0);    /* documents whole, never truncated */
    es_fixture fx;
    c.es = es_output(path, &fx);
    assert_non_null(c.es);
    convert_pool(&c);
    assert_int_equal(sp_sink_wait(c.sink, &c.track, 0), 0);
    sp_sink_free(c.sink);
    size_t len;
    char *file = slurp(path, &len);
    assert_true(c.n > 100);
    assert_int_equal(len, c.publisher.len);
    assert_memory_equal(file, c.publisher.data, len);
    assert_int_equal(check_pairs(file), (size_t)c.n);
    free(file);
    unlink(path);
    c.es->free(c.es);
    sp_config_free(fx.cfg);
    sp_metrics_free(fx.m);
    free(fx.opts);
    sp_converter_free(c.conv);
    sp_expr_cache_free(c.cache);
    sp_ad_free(c.res);
    sp_arena_free(&c.docs);
    sp_arena_free(&c.sink_docs);
    sp_buf_free(&c.scratch);
    sp_buf_free(&c.publisher);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bulk_equals_publisher),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
