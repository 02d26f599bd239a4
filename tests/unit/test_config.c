/* test_config.c - precedence, types and error messages of lib/config.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static const sp_opt opts[] = {
    { "poll.interval", SP_OPT_INT, "720", "poll-interval", "seconds between polls" },
    { "poll.ratio", SP_OPT_DOUBLE, "0.5", "ratio", "a number" },
    { "name", SP_OPT_STRING, "spider", "name", "a name" },
    { "dry-run", SP_OPT_BOOL, "false", "dry-run", "do not write" },
    { "schedds", SP_OPT_LIST, NULL, "schedds", "schedd names" },
    { "kafka.properties", SP_OPT_OBJECT, NULL, "kafka-prop", "librdkafka properties" },
    { "secret.file", SP_OPT_STRING, NULL, NULL, "file/env only" },
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static char tmpdir[] = "/tmp/spider-test-config-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "%s/c.json", tmpdir);
    unlink(cmd);
    return rmdir(tmpdir);
}

static const char *write_file(const char *text)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/c.json", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static sp_config_result load(sp_config **cfg, char **argv, char **envp, char *err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    *cfg = sp_config_new("spider-test", "", "", opts, NOPTS);
    assert_non_null(*cfg);
    err[0] = '\0';
    return sp_config_load(*cfg, argc, argv, envp, err, 512);
}

static void test_defaults(void **state)
{
    (void)state;
    char err[512], *argv[] = { "t", NULL }, *envp[] = { NULL };
    sp_config *cfg;
    assert_int_equal(load(&cfg, argv, envp, err), SP_CONFIG_OK);
    assert_int_equal(sp_config_int(cfg, "poll.interval"), 720);
    assert_true(sp_config_double(cfg, "poll.ratio") == 0.5);
    assert_string_equal(sp_config_str(cfg, "name"), "spider");
    assert_false(sp_config_bool(cfg, "dry-run"));
    assert_null(sp_config_json(cfg, "schedds"));
    assert_string_equal(sp_config_origin(cfg, "name"), "default");
    assert_string_equal(sp_config_origin(cfg, "schedds"), "unset");
    sp_config_free(cfg);
}

static void test_precedence(void **state)
{
    (void)state;
    const char *path = write_file(
        "{\"poll\": {\"interval\": 60, \"ratio\": 2}, \"name\": \"from-file\","
        " \"schedds\": [\"a\", \"b\"], \"kafka\": {\"properties\": {\"linger.ms\": 5, \"acks\": \"all\"}}}");
    char err[512];
    char *argv[] = { "t", "--config", (char *)path, "pos1", "--name=from-flag", "--kafka-prop", "client.id=x",
                     "--dry-run", "pos2", NULL };   /* flags may follow positional arguments */
    char *envp[] = { "SPIDER_POLL_INTERVAL=90", "SPIDER_NAME=from-env", "OTHER=1", NULL };
    sp_config *cfg;
    assert_int_equal(load(&cfg, argv, envp, err), SP_CONFIG_OK);
    assert_int_equal(sp_config_int(cfg, "poll.interval"), 90);
    assert_string_equal(sp_config_origin(cfg, "poll.interval"), "env");
    assert_true(sp_config_double(cfg, "poll.ratio") == 2.0);
    assert_string_equal(sp_config_str(cfg, "name"), "from-flag");
    assert_string_equal(sp_config_origin(cfg, "name"), "flag");
    assert_true(sp_config_bool(cfg, "dry-run"));
    json_t *schedds = sp_config_json(cfg, "schedds");
    assert_int_equal(json_array_size(schedds), 2);
    assert_string_equal(json_string_value(json_array_get(schedds, 1)), "b");
    json_t *props = sp_config_json(cfg, "kafka.properties");
    assert_string_equal(json_string_value(json_object_get(props, "linger.ms")), "5");
    assert_string_equal(json_string_value(json_object_get(props, "acks")), "all");
    assert_string_equal(json_string_value(json_object_get(props, "client.id")), "x");
    char **args;
    assert_int_equal(sp_config_args(cfg, &args), 2);
    assert_string_equal(args[1], "pos2");
    sp_config_free(cfg);
}

static void test_env_list_and_object(void **state)
{
    (void)state;
    char err[512], *argv[] = { "t", NULL };
    char *envp[] = { "SPIDER_SCHEDDS= s1 , s2,,s3", "SPIDER_KAFKA_PROPERTIES={\"bootstrap.servers\":\"h:1,h:2\"}",
                     "SPIDER_DRY_RUN=yes", NULL };
    sp_config *cfg;
    assert_int_equal(load(&cfg, argv, envp, err), SP_CONFIG_OK);
    json_t *schedds = sp_config_json(cfg, "schedds");
    assert_int_equal(json_array_size(schedds), 3);
    assert_string_equal(json_string_value(json_array_get(schedds, 0)), "s1");
    assert_string_equal(json_string_value(json_array_get(schedds, 2)), "s3");
    assert_string_equal(json_string_value(json_object_get(sp_config_json(cfg, "kafka.properties"),
                                                          "bootstrap.servers")), "h:1,h:2");
    assert_true(sp_config_bool(cfg, "dry-run"));
    sp_config_free(cfg);
}

/* Each bad input must name where it came from, the key and what was expected. */
static void expect_error(char **argv, char **envp, const char *want1, const char *want2)
{
    char err[512];
    sp_config *cfg;
    assert_int_equal(load(&cfg, argv, envp, err), SP_CONFIG_ERROR);
    if (!strstr(err, want1) || (want2 && !strstr(err, want2)))
        fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err, want1, want2 ? want2 : "");
    sp_config_free(cfg);
}

static void test_errors(void **state)
{
    (void)state;
    char *noenv[] = { NULL };
    const char *path = write_file("{\"poll\": {\"interval\": \"soon\"}}");
    expect_error((char *[]){ "t", "-c", (char *)path, NULL }, noenv,
                 "c.json: key \"poll.interval\": expected an integer, got string", NULL);
    path = write_file("{\"name\": \"x\",\n \"nmae\": 1}");
    expect_error((char *[]){ "t", "-c", (char *)path, NULL }, noenv, "unknown key \"nmae\"", NULL);
    path = write_file("{\"name\": \"x\",\n  oops}");
    expect_error((char *[]){ "t", "-c", (char *)path, NULL }, noenv, "c.json:2:", NULL);
    path = write_file("[1]");
    expect_error((char *[]){ "t", "-c", (char *)path, NULL }, noenv, "expected a JSON object", NULL);
    expect_error((char *[]){ "t", "-c", "/nonexistent/x.json", NULL }, noenv, "/nonexistent/x.json", NULL);
    expect_error((char *[]){ "t", NULL }, (char *[]){ "SPIDER_POLL_INTERVAL=12x", NULL },
                 "environment SPIDER_POLL_INTERVAL", "expected an integer");
    expect_error((char *[]){ "t", "--dry-run=maybe", NULL }, noenv, "flag --dry-run", "boolean");
    expect_error((char *[]){ "t", "--kafka-prop", "novalue", NULL }, noenv, "key=value", NULL);
    expect_error((char *[]){ "t", "--bogus", NULL }, noenv, "unknown option --bogus", NULL);
    expect_error((char *[]){ "t", "--name", NULL }, noenv, "needs a value", NULL);
    path = write_file("{\"kafka\": {\"properties\": {\"a\": [1]}}}");
    expect_error((char *[]){ "t", "-c", (char *)path, NULL }, noenv, "\"kafka.properties.a\"", "got array");
}

static void test_help_and_version(void **state)
{
    (void)state;
    char err[512], *envp[] = { NULL };
    sp_config *cfg;
    assert_int_equal(load(&cfg, (char *[]){ "t", "--version", NULL }, envp, err), SP_CONFIG_EXIT_OK);
    sp_config_free(cfg);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cfg = sp_config_new("spider-test", "CMD", "About text.", opts, NOPTS);
    sp_config_usage(cfg, out);
    fclose(out);
    assert_non_null(strstr(buf, "Usage: spider-test [OPTIONS] CMD"));
    assert_non_null(strstr(buf, "--poll-interval N"));
    assert_non_null(strstr(buf, "env SPIDER_POLL_INTERVAL, default 720"));
    assert_non_null(strstr(buf, "(file/env only)"));
    free(buf);
    sp_config_free(cfg);
}

static void test_read_file_trimmed(void **state)
{
    (void)state;
    char err[256];
    const char *path = write_file("s3cret\n\n");
    char *s = sp_config_read_file_trimmed(path, err, sizeof(err));
    assert_string_equal(s, "s3cret");
    free(s);
    assert_null(sp_config_read_file_trimmed("/nonexistent/pw", err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/pw: No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_env_list_and_object),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_read_file_trimmed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
