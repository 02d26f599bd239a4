/* test_esconf.c - es_conf.json in the reference format: the /es convention,
 * ports, credentials from files, TLS choices, and errors that name the
 * entry and the field. */
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

static char dir[] = "/tmp/spider-test-esconf-XXXXXX";
static char conf[256], pwfile[256];

static int setup(void **state)
{
    (void)state;
    sp_log_init("test", SP_LOG_ERROR, SP_LOG_FORMAT_KV);
    if (!mkdtemp(dir))
        return -1;
    snprintf(conf, sizeof(conf), "%s/es_conf.json", dir);
    snprintf(pwfile, sizeof(pwfile), "%s/pw", dir);
    FILE *f = fopen(pwfile, "w");
    fputs("from-file\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(conf);
    unlink(pwfile);
    sp_log_shutdown();
    return rmdir(dir);
}

static int load(const char *text, sp_esconf *c, char *err)
{
    FILE *f = fopen(conf, "w");
    fputs(text, f);
    fclose(f);
    return sp_esconf_load(conf, "/etc/ssl/certs/ca-certificates.crt", c, err, 512);
}

static void test_reference_format(void **state)
{
    (void)state;
    char err[512];
    sp_esconf c;
    char text[1024];
    snprintf(text, sizeof(text),
             "[{\"host\": \"es-cmsX.cern.ch\", \"port\": 9203, \"username\": \"user\", \"password\": \"pass\"},"
             " {\"host\": \"es-cmsY.cern.ch/es\", \"username\": \"user\", \"password_file\": \"%s\"},"
             " {\"host\": \"monit.cern.ch/os\", \"username\": \"u\", \"password\": \"p\", \"verify\": false},"
             " {\"host\": \"127.0.0.1:9443/es\", \"ca\": \"/tmp/ca.pem\"},"
             " {\"host\": \"127.0.0.1\", \"port\": 9200, \"scheme\": \"http\"}]", pwfile);
    if (load(text, &c, err) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.items[0].base_url, "https://es-cmsX.cern.ch:9203");
    assert_string_equal(c.items[0].name, "es-cmsX.cern.ch:9203");
    assert_false(c.items[0].opensearch);
    assert_string_equal(c.items[0].ca_file, "/etc/ssl/certs/ca-certificates.crt");
    assert_string_equal(c.items[1].base_url, "https://es-cmsY.cern.ch/es");
    assert_string_equal(c.items[1].password, "from-file");
    assert_true(c.items[1].opensearch);
    assert_false(c.items[1].insecure);              /* verified unless said otherwise */
    assert_true(c.items[2].opensearch);             /* the reference code's /os */
    assert_true(c.items[2].insecure);
    assert_string_equal(c.items[3].base_url, "https://127.0.0.1:9443/es");
    assert_string_equal(c.items[3].ca_file, "/tmp/ca.pem");
    assert_null(c.items[3].user);
    assert_string_equal(c.items[4].base_url, "http://127.0.0.1:9200");
    sp_esconf_free(&c);
}

static void expect(const char *text, const char *want)
{
    char err[512];
    sp_esconf c;
    assert_int_equal(load(text, &c, err), -1);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    assert_int_equal(c.n, 0);
}

static void test_errors_name_entry_and_field(void **state)
{
    (void)state;
    expect("[]", "es_conf.json: expected a non-empty list of clusters");
    expect("{\"host\": \"x\"}", "expected a non-empty list");
    expect("[{\"host\": \"a.cern.ch\"}]", "entry 1 (host \"a.cern.ch\"): field \"port\": required for an Elasticsearch");
    expect("[{\"host\": \"a/es\"}, {\"host\": \"https://b.cern.ch/es\"}]",
           "entry 2 (host \"https://b.cern.ch/es\"): field \"host\": no scheme");
    expect("[{\"host\": \"a\", \"port\": \"9200\"}]", "field \"port\": expected a port number");
    expect("[{\"host\": \"a/es\", \"verify\": \"no\"}]", "field \"verify\": expected true or false");
    expect("[{\"host\": \"a/es\", \"scheme\": \"ftp\"}]", "field \"scheme\"");
    expect("[{\"host\": \"a/es\", \"password\": 5}]", "field \"password\": expected a string");
    expect("[{\"host\": \"a/es\", \"password_file\": \"/nonexistent/pw\"}]",
           "field \"password_file\": /nonexistent/pw: No such file");
    expect("[{\"port\": 1}]", "entry 1: field \"host\": expected a host name");
    expect("[1]", "entry 1: expected an object");
    expect("[{\"host\": \"a/es\"},", "es_conf.json:1:");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_format),
        cmocka_unit_test(test_errors_name_entry_and_field),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
