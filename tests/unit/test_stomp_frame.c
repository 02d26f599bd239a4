/* test_stomp_frame.c - the STOMP 1.2 codec: encoding, escaping, binary
 * bodies, CRLF, byte-by-byte input, heart-beats and every error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stomp.h"

/* Parses exactly one frame from the bytes given. */
static sp_stomp_frame *parse1(const void *data, size_t len)
{
    sp_stomp_parser *p = sp_stomp_parser_new(0);
    sp_stomp_frame *f = NULL;
    char err[200];
    assert_int_equal(sp_stomp_parser_feed(p, data, len), 0);
    int rc = sp_stomp_parser_next(p, &f, err, sizeof(err));
    if (rc != 1)
        fail_msg("parse failed (%d): %s", rc, rc < 0 ? err : "incomplete");
    sp_stomp_parser_free(p);
    return f;
}

/* Returns the parser's verdict on bytes and the error text. */
static int verdict(const char *data, size_t len, char *err, size_t errlen)
{
    sp_stomp_parser *p = sp_stomp_parser_new(64 * 1024);
    sp_stomp_frame *f = NULL;
    sp_stomp_parser_feed(p, data, len);
    err[0] = '\0';
    int rc = sp_stomp_parser_next(p, &f, err, errlen);
    sp_stomp_frame_free(f);
    if (rc < 0) {   /* broken streams stay broken */
        char again[200];
        assert_int_equal(sp_stomp_parser_next(p, &f, again, sizeof(again)), -1);
    }
    sp_stomp_parser_free(p);
    return rc;
}

static void test_encode_exact_and_escaped(void **state)
{
    (void)state;
    sp_buf out = {0};
    sp_stomp_header h[] = { { "destination", "/queue/a:b" }, { "weird\nname", "back\\slash\r" } };
    assert_int_equal(sp_stomp_frame_encode(&out, "SEND", h, 2, "hi", 2), 0);
    const char want[] = "SEND\ndestination:/queue/a\\cb\nweird\\nname:back\\\\slash\\r\ncontent-length:2\n\nhi";
    assert_int_equal(out.len, sizeof(want));          /* includes the NUL */
    assert_memory_equal(out.data, want, sizeof(want));
    /* CONNECT values are not escaped. */
    out.len = 0;
    sp_stomp_header c[] = { { "passcode", "a:b\\c" } };
    assert_int_equal(sp_stomp_frame_encode(&out, "CONNECT", c, 1, NULL, 0), 0);
    const char wantc[] = "CONNECT\npasscode:a:b\\c\n\n";
    assert_memory_equal(out.data, wantc, sizeof(wantc));
    /* A caller's content-length is replaced by the body's real length. */
    out.len = 0;
    sp_stomp_header stale[] = { { "content-length", "99" } };
    assert_int_equal(sp_stomp_frame_encode(&out, "SEND", stale, 1, "abc", 3), 0);
    const char wants[] = "SEND\ncontent-length:3\n\nabc";
    assert_int_equal(out.len, sizeof(wants));
    assert_memory_equal(out.data, wants, sizeof(wants));
    sp_buf_free(&out);
}

static void test_round_trip_binary_body(void **state)
{
    (void)state;
    unsigned char body[300];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (unsigned char)i;             /* NULs and everything else */
    sp_buf out = {0};
    sp_stomp_header h[] = { { "destination", "/topic/x" }, { "k", "v:\\\n" } };
    assert_int_equal(sp_stomp_frame_encode(&out, "MESSAGE", h, 2, body, sizeof(body)), 0);
    sp_stomp_frame *f = parse1(out.data, out.len);
    assert_string_equal(f->command, "MESSAGE");
    assert_string_equal(sp_stomp_frame_header(f, "k"), "v:\\\n");
    assert_string_equal(sp_stomp_frame_header(f, "content-length"), "300");
    assert_int_equal(f->body_len, sizeof(body));
    assert_memory_equal(f->body, body, sizeof(body));
    sp_stomp_frame_free(f);
    sp_buf_free(&out);
}

static void test_crlf_repeated_headers_nul_body(void **state)
{
    (void)state;
    const char in[] = "MESSAGE\r\nfoo:first\r\nfoo:second\r\nempty:\r\n\r\ntext body\0";
    sp_stomp_frame *f = parse1(in, sizeof(in) - 1);
    assert_string_equal(sp_stomp_frame_header(f, "foo"), "first");
    assert_string_equal(sp_stomp_frame_header(f, "empty"), "");
    assert_null(sp_stomp_frame_header(f, "missing"));
    assert_string_equal(f->body, "text body");
    assert_int_equal(f->nheaders, 3);
    sp_stomp_frame_free(f);
    /* CONNECTED with an escape-looking value is taken literally. */
    const char c[] = "CONNECTED\nversion:1.2\nserver:a\\b\n\n\0";
    f = parse1(c, sizeof(c) - 1);
    assert_string_equal(sp_stomp_frame_header(f, "server"), "a\\b");
    sp_stomp_frame_free(f);
}

static void test_byte_by_byte_and_many_frames(void **state)
{
    (void)state;
    sp_buf out = {0};
    sp_stomp_header h[] = { { "receipt-id", "r-1" } };
    assert_int_equal(sp_stomp_frame_encode(&out, "RECEIPT", h, 1, NULL, 0), 0);
    assert_int_equal(sp_buf_reserve(&out, 2), 0);
    out.data[out.len++] = '\n';                 /* heart-beats between frames */
    out.data[out.len++] = '\n';
    sp_stomp_header m[] = { { "destination", "/queue/q" } };
    assert_int_equal(sp_stomp_frame_encode(&out, "MESSAGE", m, 1, "a\0b", 3), 0);
    sp_stomp_parser *p = sp_stomp_parser_new(0);
    sp_stomp_frame *frames[4] = {0};
    int nf = 0;
    char err[200];
    for (size_t i = 0; i < out.len; i++) {
        assert_int_equal(sp_stomp_parser_feed(p, out.data + i, 1), 0);
        sp_stomp_frame *f;
        int rc;
        while ((rc = sp_stomp_parser_next(p, &f, err, sizeof(err))) == 1)
            frames[nf++] = f;
        assert_int_equal(rc, 0);
    }
    assert_int_equal(nf, 2);
    assert_string_equal(frames[0]->command, "RECEIPT");
    assert_string_equal(sp_stomp_frame_header(frames[0], "receipt-id"), "r-1");
    assert_int_equal(frames[1]->body_len, 3);
    assert_memory_equal(frames[1]->body, "a\0b", 3);
    assert_int_equal(sp_stomp_parser_heartbeats(p), 2);
    sp_stomp_frame_free(frames[0]);
    sp_stomp_frame_free(frames[1]);
    /* And all at once. */
    sp_stomp_parser_free(p);
    p = sp_stomp_parser_new(0);
    sp_stomp_parser_feed(p, out.data, out.len);
    nf = 0;
    sp_stomp_frame *f;
    while (sp_stomp_parser_next(p, &f, err, sizeof(err)) == 1) {
        nf++;
        sp_stomp_frame_free(f);
    }
    assert_int_equal(nf, 2);
    sp_stomp_parser_free(p);
    sp_buf_free(&out);
}

static void expect_error(const char *in, size_t len, const char *want)
{
    char err[200];
    assert_int_equal(verdict(in, len, err, sizeof(err)), -1);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("BOGUS\n\n\0", 8, "unknown command \"BOGUS\"");
    expect_error("send\nx:y\n\n\0", 11, "unknown command");
    expect_error("SEND\nno-colon\n\n\0", 16, "header line without ':'");
    expect_error("SEND\nk:bad\\tescape\n\n\0", 21, "invalid escape");
    expect_error("SEND\nk:trailing\\\n\n\0", 19, "invalid escape");
    expect_error("SEND\ncontent-length:abc\n\n\0", 26, "invalid content-length");
    expect_error("SEND\ncontent-length:-1\n\n\0", 25, "invalid content-length");
    expect_error("SEND\ncontent-length:2\n\nabc\0", 27, "no NUL after a 2 byte body");
    expect_error("SEND\ncontent-length:99999999\n\n", 30, "over the 65536 byte limit");
    /* An unknown command fails as soon as its line is complete. */
    expect_error("HELLO\nk:v", 9, "unknown command \"HELLO\"");

    /* Oversized frames: no NUL within the limit. */
    size_t big = 70 * 1024;
    char *s = malloc(big);
    memcpy(s, "SEND\n\n", 6);
    memset(s + 6, 'x', big - 6);
    expect_error(s, big, "frame larger than 65536 bytes");
    memcpy(s, "SEND\nk:", 7);
    memset(s + 7, 'y', big - 7);
    expect_error(s, big, "frame headers larger than 65536 bytes");
    free(s);

    char hdrs[8192] = "SEND\n";
    for (int i = 0; i < SP_STOMP_MAX_HEADERS + 1; i++)
        strcat(hdrs, "h:v\n");
    strcat(hdrs, "\n");
    expect_error(hdrs, strlen(hdrs) + 1, "more than 256 headers");
}

static void test_incomplete_is_not_an_error(void **state)
{
    (void)state;
    char err[200];
    assert_int_equal(verdict("SEND\nk:v\n\nbody-without-nul", 26, err, sizeof(err)), 0);
    assert_int_equal(verdict("SEND\ncontent-length:10\n\n12345", 30, err, sizeof(err)), 0);
    assert_int_equal(verdict("SEN", 3, err, sizeof(err)), 0);
    assert_int_equal(verdict("\n\r\n\n", 4, err, sizeof(err)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_exact_and_escaped),
        cmocka_unit_test(test_round_trip_binary_body),
        cmocka_unit_test(test_crlf_repeated_headers_nul_body),
        cmocka_unit_test(test_byte_by_byte_and_many_frames),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_incomplete_is_not_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
