/* test_differ_amq.c - the compare report to ActiveMQ, against a fake STOMP
 * broker (one thread, lib/stomp.h's codec): the report arrives once on the
 * topic as the JSON report with the verdict in a header, the credentials
 * come from files, and a dead broker list is an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <jansson.h>

#include "amq.h"
#include "differ.h"
#include "log.h"
#include "stomp.h"

typedef struct {
    int listen_fd, port;
    char login[64], passcode[64], destination[128], pass_header[16];
    char *body;
    int sends;
} fake_broker;

static void reply(int fd, const char *command, const char *receipt)
{
    sp_buf out = { 0 };
    sp_stomp_header h[] = { { "receipt-id", (char *)receipt }, { "version", "1.2" } };
    if (receipt)
        sp_stomp_frame_encode(&out, command, h, 1, NULL, 0);
    else
        sp_stomp_frame_encode(&out, command, h + 1, 1, NULL, 0);
    if (write(fd, out.data, out.len) < 0)
        perror("fake broker");
    sp_buf_free(&out);
}

/* One frame: 1 to go on, 0 when the client said goodbye. */
static int on_frame(fake_broker *b, int fd, sp_stomp_frame *f)
{
    const char *v;
    if (strcmp(f->command, "CONNECT") == 0 || strcmp(f->command, "STOMP") == 0) {
        snprintf(b->login, sizeof(b->login), "%s", (v = sp_stomp_frame_header(f, "login")) ? v : "");
        snprintf(b->passcode, sizeof(b->passcode), "%s", (v = sp_stomp_frame_header(f, "passcode")) ? v : "");
        reply(fd, "CONNECTED", NULL);
    } else if (strcmp(f->command, "SEND") == 0) {
        b->sends++;
        snprintf(b->destination, sizeof(b->destination), "%s", sp_stomp_frame_header(f, "destination"));
        snprintf(b->pass_header, sizeof(b->pass_header), "%s",
                 (v = sp_stomp_frame_header(f, "spider-differ-pass")) ? v : "");
        free(b->body);
        b->body = strndup(f->body, f->body_len);
        reply(fd, "RECEIPT", sp_stomp_frame_header(f, "receipt"));
    } else if (strcmp(f->command, "DISCONNECT") == 0) {
        reply(fd, "RECEIPT", sp_stomp_frame_header(f, "receipt"));
        return 0;
    }
    return 1;
}

static void *serve(void *arg)
{
    fake_broker *b = arg;
    int fd = accept(b->listen_fd, NULL, NULL);
    sp_stomp_parser *p = sp_stomp_parser_new(0);
    char buf[65536], err[256];
    ssize_t n;
    int go = 1;
    while (go && fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
        sp_stomp_parser_feed(p, buf, (size_t)n);
        sp_stomp_frame *f;
        while (go && sp_stomp_parser_next(p, &f, err, sizeof(err)) == 1) {
            go = on_frame(b, fd, f);
            sp_stomp_frame_free(f);
        }
    }
    sp_stomp_parser_free(p);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void start(fake_broker *b)
{
    memset(b, 0, sizeof(*b));
    b->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(b->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(b->listen_fd, 4), 0);
    socklen_t len = sizeof(a);
    getsockname(b->listen_fd, (struct sockaddr *)&a, &len);
    b->port = ntohs(a.sin_port);
}

static char *temp_with(const char *content)
{
    static char paths[2][64];
    static int k;
    char *p = paths[k++ % 2];
    snprintf(p, 64, "/tmp/test_differ_amq_XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return p;
}

static void test_report_sent_once_with_receipt(void **state)
{
    (void)state;
    fake_broker b;
    start(&b);
    pthread_t t;
    pthread_create(&t, NULL, serve, &b);

    differ_opts o;
    differ_opts_defaults(&o);
    differ_report r;
    differ_report_init(&r, "left.jsonl", "right.jsonl", &o);
    r.left_count = r.right_count = r.matched = r.identical = 10;
    differ_report_finish(&r);
    assert_true(r.pass);

    char broker[32], err[512];
    snprintf(broker, sizeof(broker), "127.0.0.1:%d", b.port);
    const char *brokers[] = { "127.0.0.1:1", broker };   /* the first is dead: failover */
    char *user = temp_with("spider\n"), *pass = temp_with("s3cret\n");
    differ_amq_opts a = { .brokers = brokers, .nbrokers = 2, .topic = "/topic/spider.differ.reports",
                          .username_file = user, .password_file = pass, .timeout_ms = 3000 };
    if (differ_amq_send(&a, &r, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    pthread_join(t, NULL);
    close(b.listen_fd);
    unlink(user);
    unlink(pass);

    assert_int_equal(b.sends, 1);
    assert_string_equal(b.destination, "/topic/spider.differ.reports");
    assert_string_equal(b.login, "spider");
    assert_string_equal(b.passcode, "s3cret");
    assert_string_equal(b.pass_header, "true");
    json_t *j = json_loads(b.body, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "matched")), 10);
    assert_string_equal(json_string_value(json_object_get(j, "left")), "left.jsonl");
    assert_true(json_is_true(json_object_get(j, "pass")));
    json_decref(j);
    free(b.body);
    differ_report_free(&r);
}

static void test_no_broker_is_an_error(void **state)
{
    (void)state;
    differ_opts o;
    differ_opts_defaults(&o);
    differ_report r;
    differ_report_init(&r, "l", "r", &o);
    differ_report_finish(&r);
    const char *brokers[] = { "127.0.0.1:1" };
    differ_amq_opts a = { .brokers = brokers, .nbrokers = 1, .topic = "/topic/x", .timeout_ms = 1000 };
    char err[512];
    assert_int_equal(differ_amq_send(&a, &r, err, sizeof(err)), -1);
    assert_true(strlen(err) > 0);
    a.password_file = "/nonexistent/password";
    assert_int_equal(differ_amq_send(&a, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "AMQ credentials"));
    differ_report_free(&r);
}

int main(void)
{
    sp_log_init("test", SP_LOG_ERROR, SP_LOG_FORMAT_KV);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_sent_once_with_receipt),
        cmocka_unit_test(test_no_broker_is_an_error),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sp_log_shutdown();
    return rc;
}
