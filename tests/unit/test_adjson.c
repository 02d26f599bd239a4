/* test_adjson.c - the streaming HTCondor JSON parser: every ad spider-sim
 * prints (-json and -jsonl) comes back with the same names, types and
 * values; input split at every byte; escapes and the Expr form; and bad
 * input skipped ad by ad with a message naming the byte and attribute. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "adjson.h"
#include "pool.h"
#include "simad.h"

/* Events of the current ad, flattened into text: "Name=i:42;" etc. */
typedef struct {
    char *text;
    size_t len, cap;
    int ads;
} recorder;

static void rec_put(recorder *r, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (r->len + (size_t)n + 1 > r->cap) {
        r->cap = (r->len + (size_t)n + 1) * 2;
        r->text = realloc(r->text, r->cap);
    }
    memcpy(r->text + r->len, buf, (size_t)n + 1);
    r->len += (size_t)n;
}

static int record(void *ctx, const sp_adjson_event *ev)
{
    recorder *r = ctx;
    if (ev->name)
        rec_put(r, "%.*s=", (int)ev->name_len, ev->name);
    switch (ev->type) {
    case SP_ADJSON_NULL: rec_put(r, "null;"); break;
    case SP_ADJSON_BOOL: rec_put(r, "b:%lld;", ev->i); break;
    case SP_ADJSON_INT: rec_put(r, "i:%lld;", ev->i); break;
    case SP_ADJSON_REAL: rec_put(r, "r:%.15g;", ev->r); break;
    case SP_ADJSON_STRING: rec_put(r, "s:%.*s;", (int)ev->len, ev->str); break;
    case SP_ADJSON_EXPR: rec_put(r, "e:%.*s;", (int)ev->len, ev->str); break;
    case SP_ADJSON_LIST_BEGIN: rec_put(r, "["); break;
    case SP_ADJSON_LIST_END: rec_put(r, "];"); break;
    case SP_ADJSON_AD_BEGIN: rec_put(r, "{"); break;
    case SP_ADJSON_AD_END: rec_put(r, "};"); break;
    }
    return 0;
}

/* The same flattening from spider-sim's typed ad. */
static void expect_ad(recorder *r, const sim_ad *ad)
{
    for (size_t k = 0; k < ad->n; k++) {
        const sim_attr *a = &ad->attrs[k];
        rec_put(r, "%s=", a->name);
        switch (a->kind) {
        case SIM_INT: rec_put(r, "i:%lld;", a->i); break;
        case SIM_BOOL: rec_put(r, "b:%lld;", a->i); break;
        case SIM_REAL: rec_put(r, "r:%.15g;", a->r); break;   /* HTCondor prints 16 digits */
        case SIM_STRING: rec_put(r, "s:%s;", a->s); break;
        case SIM_EXPR: {                     /* -json has the new syntax (isnt for =!=) */
            char *text = sim_expr_json_text(a->s);
            rec_put(r, "e:%s;", text);
            free(text);
            break;
        }
        case SIM_UNDEFINED: rec_put(r, "null;"); break;
        case SIM_LIST:
            rec_put(r, "[");
            for (size_t i = 0; i < a->nitems; i++)
                rec_put(r, "s:%s;", a->items[i]);
            rec_put(r, "];");
            break;
        }
    }
}

/* Parses text fed in chunks of `chunk` bytes; one recorder entry per ad. */
static int parse_all(const char *text, size_t len, size_t chunk, recorder *per_ad, int max_ads, char *err)
{
    sp_adjson *p = sp_adjson_new(0);
    int n = 0;
    for (size_t off = 0; off < len; off += chunk) {
        assert_int_equal(sp_adjson_feed(p, text + off, off + chunk > len ? len - off : chunk), 0);
        int rc;
        while (n < max_ads && (rc = sp_adjson_next(p, record, &per_ad[n], err, 512)) != 0) {
            if (rc < 0)
                fail_msg("unexpected error: %s", err);
            n++;
        }
    }
    assert_int_equal(sp_adjson_finish(p, err, 512), 0);
    assert_int_equal(sp_adjson_ads(p), n);
    sp_adjson_free(p);
    return n;
}

static void round_trip(sim_format f, size_t chunk)
{
    sim_pool pool;
    sim_pool_defaults(&pool);
    sim_ad *ads;
    size_t n = sim_history(&pool, 0, 12, 0, &ads);
    assert_true(n > 50);
    size_t len;
    char *text = sim_ads_text(ads, n, f, &len);   /* sorts each ad too */
    recorder *got = calloc(n + 1, sizeof(*got));
    char err[512];
    assert_int_equal(parse_all(text, len, chunk, got, (int)n + 1, err), (int)n);
    for (size_t i = 0; i < n; i++) {
        recorder want = {0};
        expect_ad(&want, &ads[i]);
        assert_string_equal(got[i].text, want.text);
        free(want.text);
        free(got[i].text);
        sim_ad_free(&ads[i]);
    }
    free(got);
    free(ads);
    free(text);
}

static void test_sim_round_trip_json(void **state)
{
    (void)state;
    round_trip(SIM_FORMAT_JSON, 1 << 20);
    round_trip(SIM_FORMAT_JSON, 4093);     /* ads split across feeds */
}

static void test_sim_round_trip_jsonl(void **state)
{
    (void)state;
    round_trip(SIM_FORMAT_JSONL, 1 << 20);
    round_trip(SIM_FORMAT_JSONL, 7);
}

static const char tricky[] =
    "[\n{\n  \"A\": \"q\\\"b\\\\s\\/\\n\\u00e9\\ud83d\\ude00\\u0001\",\n  \"B\": -12,\n  \"C\": 1E+20,\n"
    "  \"D\": \"\\/Expr(ifThenElse(X =!= undefined,X,\\\"a/b\\\"))\\/\",\n  \"E\": [\n    1,\n    \"x\",\n"
    "    [],\n    {\"n\": null}\n  ],\n  \"F\": {\"G\": true, \"H\": false},\n  \"I\": -0.0,\n"
    "  \"J\": \"caf\xc3\xa9\",\n  \"K\": \"/Expr(not one: no backslashes in the raw text\",\n"
    "  \"L\": \"/Expr(x)/\",\n  \"M\": \"\\/expr(1)\\/\",\n  \"N\": \"\\/Expr(y)/\"\n}\n]\n";

static void test_every_split_position(void **state)
{
    (void)state;
    const char *want =
        "A=s:q\"b\\s/\n\xc3\xa9\xf0\x9f\x98\x80\x01;B=i:-12;C=r:1e+20;"
        "D=e:ifThenElse(X =!= undefined,X,\"a/b\");E=[i:1;s:x;[];{n=null;};];F={G=b:1;H=b:0;};I=r:-0;"
        "J=s:caf\xc3\xa9;K=s:/Expr(not one: no backslashes in the raw text;"
        /* HTCondor's JSON parser takes an expression only from \/Expr(..)\/ with
         * both slashes escaped in the raw text (any case of Expr): what its
         * unparser prints for a string value "/Expr(x)/" stays a string */
        "L=s:/Expr(x)/;M=e:1;N=s:/Expr(y)/;";
    size_t len = sizeof(tricky) - 1;
    for (size_t split = 1; split < len; split++) {
        sp_adjson *p = sp_adjson_new(0);
        recorder r = {0};
        char err[512];
        sp_adjson_feed(p, tricky, split);
        int rc = sp_adjson_next(p, record, &r, err, sizeof(err));
        sp_adjson_feed(p, tricky + split, len - split);
        if (rc == 0)
            rc = sp_adjson_next(p, record, &r, err, sizeof(err));
        if (rc != 1)
            fail_msg("split at %zu: rc %d: %s", split, rc, err);
        assert_string_equal(r.text, want);
        assert_int_equal(sp_adjson_next(p, record, &r, err, sizeof(err)), 0);
        assert_int_equal(sp_adjson_finish(p, err, sizeof(err)), 0);
        free(r.text);
        sp_adjson_free(p);
    }
}

/* Feeds text whole; returns the rc sequence as a string ("1-1" etc.) and the
 * first error. */
static void run(const char *text, size_t len, size_t max, char *seq, char *first_err, int *finish)
{
    sp_adjson *p = sp_adjson_new(max);
    sp_adjson_feed(p, text, len);
    char err[512];
    int rc;
    seq[0] = first_err[0] = '\0';
    for (int guard = 0; guard < 20 && (rc = sp_adjson_next(p, NULL, NULL, err, sizeof(err))) != 0; guard++) {
        strcat(seq, rc > 0 ? "+" : "x");
        if (rc < 0 && !first_err[0])
            strcpy(first_err, err);
        if (rc < 0 && sp_adjson_broken(p))
            break;
    }
    *finish = sp_adjson_finish(p, err, sizeof(err));
    if (*finish && !first_err[0])
        strcpy(first_err, err);
    sp_adjson_free(p);
}

static void expect_run(const char *text, const char *want_seq, const char *want_err, int want_finish)
{
    char seq[64], err[512];
    int finish;
    run(text, strlen(text), 0, seq, err, &finish);
    if (strcmp(seq, want_seq) != 0 || (want_err && !strstr(err, want_err)) || finish != want_finish)
        fail_msg("input %.40s: got seq \"%s\" err \"%s\" finish %d; want \"%s\" \"%s\" %d", text, seq, err,
                 finish, want_seq, want_err ? want_err : "", want_finish);
}

/* Numbers beyond the range, as HTCondor's library reads them: integers
 * clamped to 64 bits, reals infinite, or 0 when too small. */
static int keep_numbers(void *ctx, const sp_adjson_event *ev)
{
    double *out = ctx;
    if (ev->depth == 0 && (ev->type == SP_ADJSON_INT || ev->type == SP_ADJSON_REAL) && ev->name_len == 1)
        out[ev->name[0] - 'A'] = ev->type == SP_ADJSON_INT ? (double)ev->i : ev->r;
    if (ev->depth == 0 && ev->type == SP_ADJSON_INT && ev->name_len == 1)
        out[8 + ev->name[0] - 'A'] = 1;          /* typed int */
    return 0;
}

static void test_numbers_beyond_range(void **state)
{
    (void)state;
    const char *text = "[{\"A\": 99999999999999999999, \"B\": -99999999999999999999, \"C\": 1E+999,"
                       " \"D\": -1.797693134862316E+308, \"E\": 1e-400, \"F\": 4.940656458412465E-324}]";
    double got[16] = { 0 };
    char err[256];
    sp_adjson *p = sp_adjson_new(0);
    assert_int_equal(sp_adjson_feed(p, text, strlen(text)), 0);
    assert_int_equal(sp_adjson_next(p, keep_numbers, got, err, sizeof(err)), 1);
    assert_true(got[0] == 9223372036854775807.0 && got[8] == 1);
    assert_true(got[1] == -9223372036854775808.0 && got[9] == 1);
    assert_true(isinf(got[2]) && got[2] > 0);
    assert_true(isinf(got[3]) && got[3] < 0);
    assert_true(got[4] == 0.0 && got[12] == 0);
    assert_true(got[5] == 4.9406564584124654e-324);
    sp_adjson_free(p);
}

static void test_bad_input(void **state)
{
    (void)state;
    expect_run("", "", NULL, 0);                                    /* condor_q -json with no ads */
    expect_run("[\n]\n", "", NULL, 0);
    expect_run("{\"a\": 1}\n{\"a\": 2}\n", "++", NULL, 0);          /* JSON lines */
    /* Content errors skip one ad; the next still parses. */
    expect_run("{\"Good\": 1}\n{\"Bad\": \"\xff\"}\n{\"Good\": 2}\n", "+x+", "attribute \"Bad\": invalid UTF-8", 0);
    expect_run("[{\"X\": \"\\q\"},{\"Y\": 1}]", "x+", "attribute \"X\": bad escape \\q", 0);
    expect_run("[{\"S\": \"\\ud800\"}]", "x", "unpaired surrogate", 0);
    expect_run("[{\"M\" 1}]", "x", "attribute \"M\": expected ':'", 0);
    expect_run("[{\"L\": [1 2]}]", "x", "expected ',' or ']'", 0);
    expect_run("[{\"T\": tru}]", "x", "unexpected 't'", 0);
    expect_run("[{\"C\": \"a\tb\"}]", "x", "control character 0x09", 0);
    expect_run("{\"a\": [1}]\n{\"b\": 2}\n", "x+", "brackets do not match", 0);
    expect_run("[[1,2]]", "x", "byte 1: expected '{', got '['", -1);
    /* Truncation is found at the end. */
    expect_run("[{\"a\": 1}, {\"b\": ", "+", "truncated: the ad starting here never ends", -1);
    expect_run("[{\"a\": 1}", "+", "truncated: the list of ads is not closed", -1);
    /* Not ads at all: the stream breaks, with the byte offset. */
    expect_run("Error: couldn't contact schedd\n", "x", "byte 0: expected '[' or '{'", -1);
    expect_run("[{\"a\": 1}] x", "+x", "data after the end of the array", -1);
    expect_run("[{\"a\": 1} {\"b\": 2}]", "+x", "byte 10: expected ',' or ']'", -1);
}

static void test_huge_ad_skipped_unbuffered(void **state)
{
    (void)state;
    /* A 3 MB ad with a 1 MB limit, fed in 64 KiB pieces, between two good ones. */
    size_t big = 3u << 20;
    char *s = malloc(big + 64);
    size_t n = (size_t)sprintf(s, "{\"a\": 1}\n{\"Huge\": \"");
    memset(s + n, 'x', big);
    n += big;
    n += (size_t)sprintf(s + n, "\"}\n{\"a\": 2}\n");
    sp_adjson *p = sp_adjson_new(1u << 20);
    char err[512] = "", seq[16] = "";
    for (size_t off = 0; off < n; off += 65536) {
        sp_adjson_feed(p, s + off, off + 65536 > n ? n - off : 65536);
        int rc;
        while ((rc = sp_adjson_next(p, NULL, NULL, err, sizeof(err))) != 0)
            strcat(seq, rc > 0 ? "+" : "x");
    }
    assert_string_equal(seq, "+x+");
    assert_int_equal(sp_adjson_skipped(p), 1);
    assert_int_equal(sp_adjson_finish(p, err, sizeof(err)), 0);
    sp_adjson_free(p);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_round_trip_json),
        cmocka_unit_test(test_sim_round_trip_jsonl),
        cmocka_unit_test(test_every_split_position),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_numbers_beyond_range),
        cmocka_unit_test(test_huge_ad_skipped_unbuffered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
