/* test_source.c - services/collector/source.c: the exec source runs the
 * HTCondor tools with argv only (a constraint full of shell syntax reaches
 * the tool as one argument and runs nothing), reports exit status with the
 * tool's stderr, kills a tool that hangs past the deadline; the file source
 * replays saved answers; the HTTP source reads spider-sim serve's answers,
 * its errors and its time-outs. Uses spider-sim's fake tools (build/sim-bin). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "source.h"

typedef struct {
    size_t bytes;
    char head[256];
} got;

static int collect(void *ctx, const void *data, size_t len)
{
    got *g = ctx;
    if (g->bytes < sizeof(g->head) - 1) {
        size_t n = len < sizeof(g->head) - 1 - g->bytes ? len : sizeof(g->head) - 1 - g->bytes;
        memcpy(g->head + g->bytes, data, n);
        g->head[g->bytes + n] = '\0';
    }
    g->bytes += len;
    return 0;
}

static char simbin[512];

static int setup(void **state)
{
    (void)state;
    const char *b = getenv("SPIDER_BUILD_DIR");
    if (!b)
        return -1;
    snprintf(simbin, sizeof(simbin), "exec:%s/sim-bin", b);
    setenv("SPIDER_SIM_SCHEDDS", "3", 1);
    setenv("SPIDER_SIM_JOBS", "20", 1);
    setenv("SPIDER_SIM_STEP", "4", 1);
    return 0;
}

static void test_exec_answers(void **state)
{
    (void)state;
    char err[512];
    sp_source *s = sp_source_new(simbin, err, sizeof(err));
    assert_non_null(s);
    got g = { 0 };
    sp_query q = { SP_QUERY_QUEUE, "vocms0101.cern.ch", NULL, "JobStatus == 2", sp_source_now_ms() + 10000 };
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), 0);
    assert_true(g.bytes > 1000);
    assert_int_equal(g.head[0], '[');
    sp_source_describe(s, &q, err, sizeof(err));
    assert_string_equal(err, "condor_q -allusers -name vocms0101.cern.ch -constraint 'JobStatus == 2' -json");
    sp_source_free(s);
}

static void test_exec_failures(void **state)
{
    (void)state;
    char err[512];
    sp_source *s = sp_source_new(simbin, err, sizeof(err));
    got g = { 0 };
    setenv("SPIDER_SIM_FAIL", "vocms0101.cern.ch=exit,vocms0102.cern.ch=hang", 1);
    sp_query q = { SP_QUERY_HISTORY, "vocms0101.cern.ch", NULL, NULL, sp_source_now_ms() + 10000 };
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "condor_history: exit status 1"));
    assert_non_null(strstr(err, "Failed to fetch ads"));          /* the tool's stderr */
    long long t0 = sp_source_now_ms();
    q.schedd = "vocms0102.cern.ch";
    q.deadline_ms = t0 + 700;
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "deadline"));
    assert_true(sp_source_now_ms() - t0 < 5000);
    unsetenv("SPIDER_SIM_FAIL");
    q.schedd = "no-such-schedd";
    q.deadline_ms = 0;
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Couldn't contact"));
    sp_source_free(s);
    assert_null(sp_source_new("exec:/nonexistent-dir", err, sizeof(err)));
    assert_null(sp_source_new("ftp://x", err, sizeof(err)));
}

/* A fake condor_q that writes its arguments, one per line, to a file. */
static void test_exec_never_uses_a_shell(void **state)
{
    (void)state;
    char dir[] = "/tmp/spider-source-XXXXXX", path[256], out[256], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/condor_q", dir);
    snprintf(out, sizeof(out), "%s/args", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "#!/bin/sh\nfor a in \"$@\"; do printf '%%s\\n' \"$a\"; done > '%s'\n", out);
    fclose(f);
    chmod(path, 0755);
    char spec[300];
    snprintf(spec, sizeof(spec), "exec:%s", dir);
    sp_source *s = sp_source_new(spec, err, sizeof(err));
    const char *evil = "JobStatus == 2 && x == \"$(touch /tmp/spider-pwned)\"; touch /tmp/spider-pwned2 `id`";
    sp_query q = { SP_QUERY_QUEUE, "s1; rm -rf /", "pool host", evil, 0 };
    got g = { 0 };
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), 0);
    char want[1024], have[1024] = "";
    snprintf(want, sizeof(want), "-allusers\n-name\ns1; rm -rf /\n-pool\npool host\n-constraint\n%s\n-json\n", evil);
    f = fopen(out, "r");
    assert_non_null(f);
    size_t n = fread(have, 1, sizeof(have) - 1, f);
    have[n] = '\0';
    fclose(f);
    assert_string_equal(have, want);
    assert_int_equal(access("/tmp/spider-pwned", F_OK), -1);
    assert_int_equal(access("/tmp/spider-pwned2", F_OK), -1);
    sp_source_free(s);
    unlink(path);
    unlink(out);
    rmdir(dir);
}

static void test_file_source(void **state)
{
    (void)state;
    char dir[] = "/tmp/spider-replay-XXXXXX", path[256], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/schedd1", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/schedd1/queue.jsonl", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"GlobalJobId\": \"schedd1#1.0#1\"}\n", f);
    fclose(f);
    char spec[300];
    snprintf(spec, sizeof(spec), "file:%s", dir);
    sp_source *s = sp_source_new(spec, err, sizeof(err));
    assert_non_null(s);
    got g = { 0 };
    sp_query q = { SP_QUERY_QUEUE, "schedd1", NULL, NULL, 0 };
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), 0);
    assert_non_null(strstr(g.head, "schedd1#1.0#1"));
    q.kind = SP_QUERY_HISTORY;
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "history"));
    q.kind = SP_QUERY_SCHEDDS;
    memset(&g, 0, sizeof(g));
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), 0);
    assert_string_equal(g.head, "{\"Name\": \"schedd1\"}\n");
    q.kind = SP_QUERY_QUEUE;
    q.schedd = "../etc";
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), -1);
    sp_source_free(s);
    unlink(path);
    snprintf(path, sizeof(path), "%s/schedd1", dir);
    rmdir(path);
    rmdir(dir);
}

/* spider-sim serve on a port of its own, stopped by the teardown even when
 * an assertion fails. */
static pid_t server = -1;
static int server_port;

static int start_server(void **state)
{
    (void)state;
    char exe[512], port[16];
    server_port = 20000 + (int)(getpid() % 20000);
    snprintf(exe, sizeof(exe), "%s/spider-sim", getenv("SPIDER_BUILD_DIR"));
    snprintf(port, sizeof(port), "%d", server_port);
    setenv("SPIDER_SIM_FAIL", "vocms0102.cern.ch=hang,crab3@vocms0100.cern.ch=exit", 1);
    server = fork();
    if (server == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(exe, exe, "serve", "--port", port, (char *)NULL);
        _exit(127);
    }
    unsetenv("SPIDER_SIM_FAIL");
    return server > 0 ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    if (server > 0) {
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
    }
    return 0;
}

static void test_http_source(void **state)
{
    (void)state;
    char spec[64], err[512];
    snprintf(spec, sizeof(spec), "http://127.0.0.1:%d/", server_port);
    sp_source *s = sp_source_new(spec, err, sizeof(err));
    assert_non_null(s);
    got g = { 0 };
    sp_query q = { SP_QUERY_QUEUE, "vocms0101.cern.ch", NULL, "JobStatus == 2 && Owner =!= \"a&b=c\"", 0 };
    int rc = -1;
    for (int i = 0; i < 50 && rc != 0; i++) {       /* until the server listens */
        memset(&g, 0, sizeof(g));
        q.deadline_ms = sp_source_now_ms() + 5000;
        rc = sp_source_run(s, &q, collect, &g, err, sizeof(err));
        if (rc != 0)
            usleep(100000);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(g.head[0], '[');
    assert_true(g.bytes > 1000);
    q.schedd = "crab3@vocms0100.cern.ch";
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "status 502"));
    assert_non_null(strstr(err, "Failed to fetch ads"));
    q.schedd = "vocms0102.cern.ch";
    long long t0 = sp_source_now_ms();
    q.deadline_ms = t0 + 800;
    assert_int_equal(sp_source_run(s, &q, collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "deadline"));
    assert_true(sp_source_now_ms() - t0 < 5000);
    sp_source_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_answers),
        cmocka_unit_test(test_exec_failures),
        cmocka_unit_test(test_exec_never_uses_a_shell),
        cmocka_unit_test(test_file_source),
        cmocka_unit_test_setup_teardown(test_http_source, start_server, stop_server),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
