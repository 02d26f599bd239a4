/* itest_stomp.c - lib/stomp.c against the real ActiveMQ of the local stack:
 * receipts, client-individual ack, redelivery of unacked messages, binary
 * bodies, topics, a 1000-message batch, failover, ERROR frames (bad
 * password, no authorization), heart-beats and TLS. A broker that is down
 * fails the test.
 *
 * Also a helper for the interop test with python3-stomp:
 *   itest_stomp send DEST N      sends N messages "msg-<i>" with header seq:<i>
 *   itest_stomp receive DEST N   reads N messages, acks them, prints bodies */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "stomp.h"

static char broker[128], tls_broker[128];

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (!v) {
        fprintf(stderr, "%s is not set (run through tests/integration/run-with-stack.sh)\n", name);
        exit(2);
    }
    return v;
}

static sp_stomp_options options(const char *const *brokers, size_t n)
{
    sp_stomp_options o = { .brokers = brokers, .nbrokers = n, .login = need("STOMP_USER"),
                           .passcode = need("STOMP_PASSWORD"), .timeout_ms = 5000 };
    return o;
}

static sp_stomp_client *connect_ok(void)
{
    const char *b[] = { broker };
    sp_stomp_options o = options(b, 1);
    char err[512];
    sp_stomp_client *c = sp_stomp_connect(&o, err, sizeof(err));
    if (!c)
        fail_msg("cannot connect to ActiveMQ at %s: %s", broker, err);
    return c;
}

static void unique(char *out, size_t n, const char *kind, const char *name)
{
    static int seq;
    snprintf(out, n, "/%s/spider.itest.%s.%d.%ld.%d", kind, name, (int)getpid(), (long)time(NULL), ++seq);
}

static void test_send_receive_ack(void **state)
{
    (void)state;
    char q[128], err[512];
    unique(q, sizeof(q), "queue", "ack");
    sp_stomp_client *c = connect_ok();
    sp_stomp_header extra[] = { { "persistent", "true" }, { "x-spider", "a:b\\c" } };
    assert_int_equal(sp_stomp_send(c, q, extra, 2, "hello", 5, 5000, err, sizeof(err)), 0);
    assert_int_equal(sp_stomp_confirmed(c), 1);
    assert_int_equal(sp_stomp_subscribe(c, q, "s1", "client-individual", err, sizeof(err)), 0);
    sp_stomp_frame *m = sp_stomp_receive(c, 5000, err, sizeof(err));
    if (!m)
        fail_msg("no message: %s", err);
    assert_string_equal(m->body, "hello");
    assert_string_equal(sp_stomp_frame_header(m, "x-spider"), "a:b\\c");
    assert_int_equal(sp_stomp_ack(c, m, err, sizeof(err)), 0);
    sp_stomp_frame_free(m);
    sp_stomp_close(c);
    /* Acked: a new subscriber gets nothing. */
    c = connect_ok();
    assert_int_equal(sp_stomp_subscribe(c, q, "s2", "client-individual", err, sizeof(err)), 0);
    assert_null(sp_stomp_receive(c, 1500, err, sizeof(err)));
    assert_string_equal(err, "");
    sp_stomp_close(c);
}

static void test_unacked_is_redelivered(void **state)
{
    (void)state;
    char q[128], err[512];
    unique(q, sizeof(q), "queue", "redeliver");
    sp_stomp_client *c = connect_ok();
    assert_int_equal(sp_stomp_send(c, q, NULL, 0, "once", 4, 5000, err, sizeof(err)), 0);
    assert_int_equal(sp_stomp_subscribe(c, q, "s1", "client-individual", err, sizeof(err)), 0);
    sp_stomp_frame *m = sp_stomp_receive(c, 5000, err, sizeof(err));
    assert_non_null(m);
    sp_stomp_frame_free(m);
    sp_stomp_close(c);                       /* gone without ACK */
    c = connect_ok();
    assert_int_equal(sp_stomp_subscribe(c, q, "s2", "client-individual", err, sizeof(err)), 0);
    m = sp_stomp_receive(c, 5000, err, sizeof(err));
    if (!m)
        fail_msg("unacked message was not redelivered: %s", err);
    assert_string_equal(m->body, "once");
    assert_int_equal(sp_stomp_ack(c, m, err, sizeof(err)), 0);
    sp_stomp_frame_free(m);
    /* NACK is accepted by the broker (confirmed by its receipt) and the
     * message leaves the queue for the dead-letter queue. */
    assert_int_equal(sp_stomp_send(c, q, NULL, 0, "poison", 6, 5000, err, sizeof(err)), 0);
    m = sp_stomp_receive(c, 5000, err, sizeof(err));
    assert_non_null(m);
    assert_string_equal(m->body, "poison");
    assert_int_equal(sp_stomp_nack(c, m, err, sizeof(err)), 0);
    sp_stomp_frame_free(m);
    sp_stomp_close(c);
}

static void test_binary_body(void **state)
{
    (void)state;
    char q[128], err[512];
    unique(q, sizeof(q), "queue", "binary");
    unsigned char body[4096];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (unsigned char)(i * 7);
    sp_stomp_client *c = connect_ok();
    sp_stomp_header ct = { "content-type", "application/octet-stream" };
    assert_int_equal(sp_stomp_send(c, q, &ct, 1, body, sizeof(body), 5000, err, sizeof(err)), 0);
    assert_int_equal(sp_stomp_subscribe(c, q, "s", "auto", err, sizeof(err)), 0);
    sp_stomp_frame *m = sp_stomp_receive(c, 5000, err, sizeof(err));
    assert_non_null(m);
    assert_int_equal(m->body_len, sizeof(body));
    assert_memory_equal(m->body, body, sizeof(body));
    sp_stomp_frame_free(m);
    sp_stomp_close(c);
}

static void test_topic_and_batch(void **state)
{
    (void)state;
    char t[128], q[128], err[512];
    unique(t, sizeof(t), "topic", "topic");
    unique(q, sizeof(q), "queue", "batch");
    sp_stomp_client *c = connect_ok();
    assert_int_equal(sp_stomp_subscribe(c, t, "t", "auto", err, sizeof(err)), 0);
    assert_int_equal(sp_stomp_send(c, t, NULL, 0, "to-topic", 8, 5000, err, sizeof(err)), 0);
    sp_stomp_frame *m = sp_stomp_receive(c, 5000, err, sizeof(err));
    assert_non_null(m);
    assert_string_equal(m->body, "to-topic");
    sp_stomp_frame_free(m);

    size_t before = sp_stomp_confirmed(c);
    for (int i = 0; i < 1000; i++) {
        char body[32];
        int n = snprintf(body, sizeof(body), "batch-%d", i);
        assert_int_equal(sp_stomp_send_async(c, q, NULL, 0, body, (size_t)n, err, sizeof(err)), 0);
    }
    if (sp_stomp_wait_receipts(c, 30000, err, sizeof(err)) != 0)
        fail_msg("batch: %s", err);
    assert_int_equal(sp_stomp_confirmed(c) - before, 1000);
    assert_int_equal(sp_stomp_pending(c), 0);
    assert_int_equal(sp_stomp_subscribe(c, q, "b", "client-individual", err, sizeof(err)), 0);
    for (int i = 0; i < 1000; i++) {
        m = sp_stomp_receive(c, 5000, err, sizeof(err));
        if (!m)
            fail_msg("message %d missing: %s", i, err);
        char want[32];
        snprintf(want, sizeof(want), "batch-%d", i);
        assert_string_equal(m->body, want);
        assert_int_equal(sp_stomp_ack(c, m, err, sizeof(err)), 0);
        sp_stomp_frame_free(m);
    }
    sp_stomp_close(c);
}

static void test_failover_to_second_broker(void **state)
{
    (void)state;
    const char *b[] = { "127.0.0.1:1", broker };
    sp_stomp_options o = options(b, 2);
    char err[512];
    sp_stomp_client *c = sp_stomp_connect(&o, err, sizeof(err));
    if (!c)
        fail_msg("failover: %s", err);
    assert_string_equal(sp_stomp_broker(c), broker);
    /* Reconnecting moves on from the broker in use, around the list. */
    assert_int_equal(sp_stomp_reconnect(c, err, sizeof(err)), 0);
    assert_string_equal(sp_stomp_broker(c), broker);
    sp_stomp_close(c);
    /* No broker at all: the error names each one. */
    const char *none[] = { "127.0.0.1:1", "127.0.0.1:2" };
    o = options(none, 2);
    assert_null(sp_stomp_connect(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "127.0.0.1:1: "));
    assert_non_null(strstr(err, "127.0.0.1:2: "));
}

static void test_error_frames(void **state)
{
    (void)state;
    char err[512];
    const char *b[] = { broker };
    sp_stomp_options o = options(b, 1);
    o.passcode = "wrong-password";
    /* ActiveMQ 5.17 at times closes a refused connection before its ERROR
     * frame is written (about 1 in 80 raw CONNECTs here), so a refusal is
     * either the broker's ERROR or the plain close; the ERROR must come
     * within five tries, and each refusal must say which it was. */
    int saw_error = 0;
    for (int try = 0; try < 5 && !saw_error; try++) {
        assert_null(sp_stomp_connect(&o, err, sizeof(err)));
        assert_null(strstr(err, "wrong-password"));
        saw_error = strstr(err, "ERROR") && strstr(err, "password is invalid");
        if (!saw_error && !strstr(err, "closed the connection before CONNECTED"))
            fail_msg("expected the broker's ERROR message or its close, got: %s", err);
    }
    if (!saw_error)
        fail_msg("five refused CONNECTs and no ERROR frame; last: %s", err);

    o = options(b, 1);
    o.login = need("STOMP_DENIED_USER");
    o.passcode = need("STOMP_DENIED_PASSWORD");
    sp_stomp_client *c = sp_stomp_connect(&o, err, sizeof(err));
    assert_non_null(c);
    char q[128];
    unique(q, sizeof(q), "queue", "denied");
    assert_int_equal(sp_stomp_send(c, q, NULL, 0, "x", 1, 5000, err, sizeof(err)), -1);
    if (!strstr(err, "not authorized"))
        fail_msg("expected an authorization ERROR, got: %s", err);
    assert_int_equal(sp_stomp_confirmed(c), 0);
    sp_stomp_close(c);
}

static void test_heartbeats_keep_connection(void **state)
{
    (void)state;
    const char *b[] = { broker };
    sp_stomp_options o = options(b, 1);
    o.heartbeat_ms = 500;
    char err[512], q[128];
    unique(q, sizeof(q), "queue", "hb");
    sp_stomp_client *c = sp_stomp_connect(&o, err, sizeof(err));
    assert_non_null(c);
    /* Idle for 4 s, far past the broker's 750 ms inactivity limit for a
     * client that promised 500 ms heart-beats: it stays up only if ours go. */
    assert_int_equal(sp_stomp_subscribe(c, q, "s", "auto", err, sizeof(err)), 0);
    assert_null(sp_stomp_receive(c, 4000, err, sizeof(err)));
    assert_string_equal(err, "");
    assert_int_equal(sp_stomp_send(c, q, NULL, 0, "alive", 5, 5000, err, sizeof(err)), 0);
    sp_stomp_frame *m = sp_stomp_receive(c, 5000, err, sizeof(err));
    assert_non_null(m);
    sp_stomp_frame_free(m);
    sp_stomp_close(c);
}

static void test_tls(void **state)
{
    (void)state;
    const char *b[] = { tls_broker };
    sp_stomp_options o = options(b, 1);
    o.tls = 1;
    o.ca_file = need("OPENSEARCH_CA");
    char err[512], q[128];
    unique(q, sizeof(q), "queue", "tls");
    sp_stomp_client *c = sp_stomp_connect(&o, err, sizeof(err));
    if (!c)
        fail_msg("TLS connect to %s: %s", tls_broker, err);
    assert_int_equal(sp_stomp_send(c, q, NULL, 0, "over-tls", 8, 5000, err, sizeof(err)), 0);
    sp_stomp_close(c);
    o.ca_file = NULL;   /* system CAs do not know the stack's CA */
    assert_null(sp_stomp_connect(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "TLS certificate verification failed"));
}

/* ---- helpers for the python3-stomp interop test ---- */

static int interop_send(const char *dest, int n)
{
    sp_stomp_client *c = connect_ok();
    char err[512];
    for (int i = 0; i < n; i++) {
        char body[32], seq[16];
        int len = snprintf(body, sizeof(body), "msg-%d", i);
        snprintf(seq, sizeof(seq), "%d", i);
        sp_stomp_header h[] = { { "seq", seq }, { "persistent", "true" } };
        if (sp_stomp_send_async(c, dest, h, 2, body, (size_t)len, err, sizeof(err)) != 0) {
            fprintf(stderr, "send: %s\n", err);
            return 1;
        }
    }
    if (sp_stomp_wait_receipts(c, 30000, err, sizeof(err)) != 0) {
        fprintf(stderr, "receipts: %s\n", err);
        return 1;
    }
    printf("sent %zu confirmed\n", sp_stomp_confirmed(c));
    sp_stomp_close(c);
    return 0;
}

static int interop_receive(const char *dest, int n)
{
    sp_stomp_client *c = connect_ok();
    char err[512];
    if (sp_stomp_subscribe(c, dest, "interop", "client-individual", err, sizeof(err)) != 0) {
        fprintf(stderr, "subscribe: %s\n", err);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        sp_stomp_frame *m = sp_stomp_receive(c, 10000, err, sizeof(err));
        if (!m) {
            fprintf(stderr, "message %d missing: %s\n", i, err[0] ? err : "timeout");
            return 1;
        }
        const char *seq = sp_stomp_frame_header(m, "seq");
        printf("%s seq=%s\n", m->body, seq ? seq : "-");
        sp_stomp_ack(c, m, err, sizeof(err));
        sp_stomp_frame_free(m);
    }
    sp_stomp_close(c);
    return 0;
}

int main(int argc, char **argv)
{
    sp_log_init("itest", SP_LOG_WARN, SP_LOG_FORMAT_KV);
    snprintf(broker, sizeof(broker), "%s:%s", need("STOMP_HOST"), need("STOMP_PORT"));
    snprintf(tls_broker, sizeof(tls_broker), "%s:%s", need("STOMP_HOST"), need("STOMP_TLS_PORT"));
    int rc;
    if (argc == 4 && strcmp(argv[1], "send") == 0) {
        rc = interop_send(argv[2], atoi(argv[3]));
    } else if (argc == 4 && strcmp(argv[1], "receive") == 0) {
        rc = interop_receive(argv[2], atoi(argv[3]));
    } else {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_send_receive_ack),
            cmocka_unit_test(test_unacked_is_redelivered),
            cmocka_unit_test(test_binary_body),
            cmocka_unit_test(test_topic_and_batch),
            cmocka_unit_test(test_failover_to_second_broker),
            cmocka_unit_test(test_error_frames),
            cmocka_unit_test(test_heartbeats_keep_connection),
            cmocka_unit_test(test_tls),
        };
        rc = cmocka_run_group_tests(tests, NULL, NULL);
    }
    sp_log_shutdown();
    return rc;
}
