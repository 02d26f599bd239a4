/* itest_esconf.c - an es_conf.json describing the local stack (OpenSearch
 * behind nginx /es with the stack's CA and a password file; Elasticsearch
 * on its port) reaches both real clusters; a cluster that is down fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "esconf.h"
#include "log.h"

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        fail_msg("%s is not set (run through tests/integration/run-with-stack.sh)", name);
    return v;
}

static void test_local_stack_clusters(void **state)
{
    (void)state;
    char dir[] = "/tmp/spider-itest-esconf-XXXXXX", conf[300], pw[300], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(conf, sizeof(conf), "%s/es_conf.json", dir);
    snprintf(pw, sizeof(pw), "%s/os_password", dir);
    FILE *f = fopen(pw, "w");
    fprintf(f, "%s\n", need("OPENSEARCH_PASSWORD"));
    fclose(f);
    /* https://127.0.0.1:9443/es -> host "127.0.0.1:9443/es"; http://127.0.0.1:9200 -> host + port. */
    const char *os = need("OPENSEARCH_URL") + strlen("https://");
    const char *es = need("ELASTICSEARCH_URL") + strlen("http://");
    f = fopen(conf, "w");
    fprintf(f, "[{\"host\": \"%s\", \"username\": \"%s\", \"password_file\": \"%s\", \"ca\": \"%s\"},"
               " {\"host\": \"%.*s\", \"port\": %s, \"scheme\": \"http\"}]",
            os, need("OPENSEARCH_USER"), pw, need("OPENSEARCH_CA"), (int)(strchr(es, ':') - es), es,
            strchr(es, ':') + 1);
    fclose(f);
    sp_esconf c;
    if (sp_esconf_load(conf, NULL, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n, 2);
    for (size_t i = 0; i < c.n; i++) {
        sp_http *h = sp_esconf_http(&c.items[i], 10000, err, sizeof(err));
        assert_non_null(h);
        sp_http_response r;
        if (sp_http_request(h, "GET", "/_cluster/health", NULL, NULL, 0, &r, err, sizeof(err)) != 0)
            fail_msg("cluster %s (%s) not reachable: %s", c.items[i].name, c.items[i].base_url, err);
        if (r.status != 200 || !strstr(r.body, "\"status\""))
            fail_msg("cluster %s: status %ld: %.200s", c.items[i].name, r.status, r.body);
        sp_http_free(h);
    }
    assert_true(c.items[0].opensearch);
    sp_esconf_free(&c);
    unlink(conf);
    unlink(pw);
    rmdir(dir);
}

int main(void)
{
    sp_log_init("itest", SP_LOG_ERROR, SP_LOG_FORMAT_KV);
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_local_stack_clusters) };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sp_log_shutdown();
    return rc;
}
