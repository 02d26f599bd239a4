/* test_adlong.c - the streaming HTCondor -long parser: spider-sim's ads
 * printed with --format long and --format jsonl give identical event
 * sequences through adlong and adjson (whole, in pieces, one byte at a
 * time, with CRLF line ends); old ClassAd string rules (backslash-quote,
 * strings over several lines); lists, nested ads and expressions typed as
 * the JSON printer types them; and bad ads skipped one by one with a message
 * naming the line and attribute, oversized ones without being buffered. */
#include <malloc.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "adjson.h"
#include "adlong.h"
#include "pool.h"
#include "simad.h"

/* ---- events flattened into text: "Name=i:42;" and so on ---- */

typedef struct {
    char *text;
    size_t len, cap;
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

/* -long prints expressions in old syntax (=!=), -json in the new one
 * (isnt), as HTCondor does; compare_formats records both in the -json form
 * (which the conversion leaves as it is for spider-sim's expressions). */
static int json_form_exprs;

static int record(void *ctx, const sp_adjson_event *ev)
{
    recorder *r = ctx;
    if (ev->depth)
        rec_put(r, "%d:", ev->depth);
    if (ev->name)
        rec_put(r, "%.*s=", (int)ev->name_len, ev->name);
    switch (ev->type) {
    case SP_ADJSON_NULL: rec_put(r, "null;"); break;
    case SP_ADJSON_BOOL: rec_put(r, "b:%lld;", ev->i); break;
    case SP_ADJSON_INT: rec_put(r, "i:%lld;", ev->i); break;
    case SP_ADJSON_REAL: rec_put(r, "r:%.17g;", ev->r); break;
    case SP_ADJSON_STRING: rec_put(r, "s:%.*s;", (int)ev->len, ev->str); break;
    case SP_ADJSON_EXPR: {
        if (!json_form_exprs) {
            rec_put(r, "e:%.*s;", (int)ev->len, ev->str);
            break;
        }
        char *old = strndup(ev->str, ev->len), *text = sim_expr_json_text(old);
        rec_put(r, "e:%s;", text);
        free(text);
        free(old);
        break;
    }
    case SP_ADJSON_LIST_BEGIN: rec_put(r, "["); break;
    case SP_ADJSON_LIST_END: rec_put(r, "];"); break;
    case SP_ADJSON_AD_BEGIN: rec_put(r, "{"); break;
    case SP_ADJSON_AD_END: rec_put(r, "};"); break;
    }
    return 0;
}

/* ---- running either parser over a text ---- */

/* What a whole run gave: one recorder per delivered ad, and the sequence of
 * next() results ("+" ad, "x" skipped) with the first error. */
typedef struct {
    recorder ads[400];
    int n;
    char seq[512];
    char first_err[512];
} result;

static void result_free(result *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->ads[i].text);
    free(r);
}

static void note(result *r, int rc, const char *err)
{
    if (rc > 0)
        r->n++;
    else
        free(r->ads[r->n].text), r->ads[r->n] = (recorder){0};   /* a bad ad's events go */
    size_t k = strlen(r->seq);
    if (k + 1 < sizeof(r->seq))
        r->seq[k] = rc > 0 ? '+' : 'x', r->seq[k + 1] = '\0';
    if (rc < 0 && !r->first_err[0])
        snprintf(r->first_err, sizeof(r->first_err), "%s", err);
}

static void drain_long(sp_adlong *p, result *r)
{
    char err[512];
    int rc;
    while (r->n < 399 && (rc = sp_adlong_next(p, record, &r->ads[r->n], err, sizeof(err))) != 0)
        note(r, rc, err);
}

/* adlong over text fed in pieces of `chunk` bytes, with a max ad size. */
static result *run_long_max(const char *text, size_t len, size_t chunk, size_t max)
{
    result *r = calloc(1, sizeof(*r));
    sp_adlong *p = sp_adlong_new(max);
    char err[512];
    for (size_t off = 0; off < len; off += chunk) {
        assert_int_equal(sp_adlong_feed(p, text + off, off + chunk > len ? len - off : chunk), 0);
        drain_long(p, r);
    }
    assert_int_equal(sp_adlong_finish(p, err, sizeof(err)), 0);
    drain_long(p, r);
    assert_int_equal(sp_adlong_ads(p), r->n);
    assert_int_equal(sp_adlong_skipped(p), strlen(r->seq) - (size_t)r->n);
    assert_int_equal(sp_adlong_next(p, record, &r->ads[r->n], err, sizeof(err)), 0);
    sp_adlong_free(p);
    return r;
}

static result *run_long(const char *text, size_t len, size_t chunk)
{
    return run_long_max(text, len, chunk, 0);
}

static result *run_json(const char *text, size_t len)
{
    result *r = calloc(1, sizeof(*r));
    sp_adjson *p = sp_adjson_new(0);
    char err[512];
    int rc;
    sp_adjson_feed(p, text, len);
    while (r->n < 399 && (rc = sp_adjson_next(p, record, &r->ads[r->n], err, sizeof(err))) != 0)
        note(r, rc, err);
    assert_int_equal(sp_adjson_finish(p, err, sizeof(err)), 0);
    sp_adjson_free(p);
    return r;
}

static void assert_same(const result *a, const result *b)
{
    assert_string_equal(a->seq, b->seq);
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        const char *x = a->ads[i].text, *y = b->ads[i].text;
        size_t k = 0;
        while (x[k] && x[k] == y[k])
            k++;
        if (x[k] != y[k]) {
            size_t from = k > 60 ? k - 60 : 0;
            fail_msg("ad %d differs at %zu:\n  %.120s\n  %.120s", i, k, x + from, y + from);
        }
    }
}

/* ---- spider-sim: -long and -jsonl agree ---- */

static void free_ads(sim_ad *ads, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sim_ad_free(&ads[i]);
    free(ads);
}

/* Both formats of the same ads through both parsers, long in pieces. */
static void compare_formats(sim_ad *ads, size_t n, const size_t *chunks, size_t nchunks)
{
    size_t llen, jlen;
    char *lng = sim_ads_text(ads, n, SIM_FORMAT_LONG, &llen);
    char *jsl = sim_ads_text(ads, n, SIM_FORMAT_JSONL, &jlen);
    json_form_exprs = 1;
    result *want = run_json(jsl, jlen);
    assert_int_equal(want->n, (int)n);
    for (size_t k = 0; k < nchunks; k++) {
        result *got = run_long(lng, llen, chunks[k]);
        assert_same(got, want);
        result_free(got);
    }
    result_free(want);
    json_form_exprs = 0;
    free(lng);
    free(jsl);
}

static void test_sim_queue_long_equals_jsonl(void **state)
{
    (void)state;
    sim_pool pool;
    sim_pool_defaults(&pool);
    const size_t chunks[] = { 1 << 20, 4093, 1 };    /* whole, split ads, one byte at a time */
    for (int s = 0; s < 4; s++) {
        sim_ad *ads;
        size_t n = sim_queue(&pool, s, 5, &ads);
        assert_true(n > 20 && n < 400);
        compare_formats(ads, n, chunks, 3);
        free_ads(ads, n);
    }
}

static void test_sim_history_long_equals_jsonl(void **state)
{
    (void)state;
    sim_pool pool;
    sim_pool_defaults(&pool);
    sim_ad *ads;
    size_t n = sim_history(&pool, 0, 12, 0, &ads);
    assert_true(n > 50 && n < 400);
    const size_t chunks[] = { 1 << 20, 7 };
    compare_formats(ads, n, chunks, 2);
    free_ads(ads, n);
}

/* The ad test_sim.c prints exactly: raw newline, backslash, control byte. */
static void tricky(sim_ad *ad)
{
    memset(ad, 0, sizeof(*ad));
    sim_ad_str(ad, "Str", "q\"b\\s\nt\x01 caf\xc3\xa9");
    sim_ad_int(ad, "ClusterId", 42);
    sim_ad_real(ad, "zero", 0.0);
    sim_ad_real(ad, "Whole", 3.0);
    sim_ad_real(ad, "big", 1e20);
    sim_ad_real(ad, "half", 2.5);
    sim_ad_bool(ad, "flag", 1);
    sim_ad_undefined(ad, "Nothing");
    sim_ad_expr(ad, "Req", "TARGET.Name == \"x\"");
    const char *items[] = { "a", "b\"c" };
    sim_ad_list(ad, "Items", items, 2);
    sim_ad_str(ad, "Path", "C:\\dir\\");             /* printed "C:\dir\": ends in a backslash */
    sim_ad_str(ad, "Eq", "a = b \" = \" c");
    sim_ad_real(ad, "Nan", NAN);
    sim_ad_real(ad, "Tiny", -2.5e-7);
}

static void test_sim_tricky_ad(void **state)
{
    (void)state;
    sim_ad ads[2];
    tricky(&ads[0]);
    memset(&ads[1], 0, sizeof(ads[1]));
    sim_ad_str(&ads[1], "Blank", "x\n\ny");             /* a blank line inside a string */
    sim_ad_int(&ads[1], "After", -7);
    const size_t chunks[] = { 1 << 20, 1, 2, 3 };
    compare_formats(ads, 2, chunks, 4);
    size_t len;
    char *lng = sim_ads_text(ads, 2, SIM_FORMAT_LONG, &len);
    result *r = run_long(lng, len, 1 << 20);
    assert_string_equal(r->ads[0].text,
        "big=r:1e+20;ClusterId=i:42;Eq=s:a = b \" = \" c;flag=b:1;half=r:2.5;Items=[1:s:a;1:s:b\"c;];"
        "Nan=e:real(\"NaN\");Nothing=null;Path=s:C:\\dir\\;Req=e:TARGET.Name == \"x\";"
        "Str=s:q\"b\\s\nt\x01 caf\xc3\xa9;Tiny=r:-2.4999999999999999e-07;Whole=r:3;zero=r:0;");
    assert_string_equal(r->ads[1].text, "After=i:-7;Blank=s:x\n\ny;");
    result_free(r);
    free(lng);
    sim_ad_free(&ads[0]);
    sim_ad_free(&ads[1]);
}

static char *to_crlf(const char *s, size_t len, size_t *out_len)
{
    char *o = malloc(2 * len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            o[n++] = '\r';
        o[n++] = s[i];
    }
    *out_len = n;
    return o;
}

static void test_crlf(void **state)
{
    (void)state;
    sim_pool pool;
    sim_pool_defaults(&pool);
    sim_ad *ads;
    size_t n = sim_queue(&pool, 1, 5, &ads), len, clen;
    char *lng = sim_ads_text(ads, n, SIM_FORMAT_LONG, &len);
    char *crlf = to_crlf(lng, len, &clen);
    result *a = run_long(lng, len, 1 << 20);
    result *b = run_long(crlf, clen, 4093);
    assert_int_equal(a->n, (int)n);
    assert_same(a, b);
    result_free(a);
    result_free(b);
    /* A string ending in a backslash, before CRLF; a blank CRLF line ends the ad. */
    const char *t = "P = \"C:\\dir\\\"\r\nQ = 1\r\n\r\nR = 2\r\n";
    b = run_long(t, strlen(t), 1);
    assert_string_equal(b->seq, "++");
    assert_string_equal(b->ads[0].text, "P=s:C:\\dir\\;Q=i:1;");
    assert_string_equal(b->ads[1].text, "R=i:2;");
    result_free(b);
    free(crlf);
    free(lng);
    free_ads(ads, n);
}

/* ---- values: the same events as HTCondor's -json gives for them ---- */

static void test_values_match_json(void **state)
{
    (void)state;
    const char *lng =
        "A = undefined\nB = true\nC = FALSE\nD = -5\nE = -2.5E-07\nF = 1E+20\nG = 0.0\n"
        "H = \"x = y\"\nI = \"a \\\" = \\\" b\"\nJ = error\nK = real(\"INF\")\n"
        "L = { 1,\"a\",x + 1,{  },[ a = 1; b = \"x\" ],f(1, 2) }\n"
        "M = [ a = 1; b = { true,undefined }; c = y; d = [  ] ]\n"
        "N = {  }\nO = {1,2}[0]\nP = [ a = 1 ].a\n"
        "RequestMemory = ifThenElse(MemoryUsage =!= undefined,MemoryUsage,2000)\n"
        "S = strcat(\"a,b\", \"}\")\nT = 'odd name' + 1\nU = \"\"\nV = 007\nW = 1.\n"
        "X.Y = 3\n  Z_1 = \t\"padded\" \t\n";
    const char *json =
        "{\"A\": null,\"B\": true,\"C\": false,\"D\": -5,\"E\": -2.5E-07,\"F\": 1E+20,\"G\": 0.0,"
        "\"H\": \"x = y\",\"I\": \"a \\\" = \\\" b\",\"J\": \"\\/Expr(error)\\/\","
        "\"K\": \"\\/Expr(real(\\\"INF\\\"))\\/\","
        "\"L\": [1,\"a\",\"\\/Expr(x + 1)\\/\",[],{\"a\": 1,\"b\": \"x\"},\"\\/Expr(f(1, 2))\\/\"],"
        "\"M\": {\"a\": 1,\"b\": [true,null],\"c\": \"\\/Expr(y)\\/\",\"d\": {}},"
        "\"N\": [],\"O\": \"\\/Expr({1,2}[0])\\/\",\"P\": \"\\/Expr([ a = 1 ].a)\\/\","
        "\"RequestMemory\": \"\\/Expr(ifThenElse(MemoryUsage =!= undefined,MemoryUsage,2000))\\/\","
        "\"S\": \"\\/Expr(strcat(\\\"a,b\\\", \\\"}\\\"))\\/\",\"T\": \"\\/Expr('odd name' + 1)\\/\","
        "\"U\": \"\",\"V\": \"\\/Expr(007)\\/\",\"W\": \"\\/Expr(1.)\\/\",\"X.Y\": 3,\"Z_1\": \"padded\"}\n";
    result *want = run_json(json, strlen(json));
    result *got = run_long(lng, strlen(lng), 1 << 20);
    assert_string_equal(want->seq, "+");
    assert_same(got, want);
    result_free(want);
    result_free(got);
}

/* A text with every construct; every split point gives the same events. */
static const char splits[] =
    "*** ad 1\n"
    "Multi = \"line one\n\n*** not a separator\nQ \\\" = \\\" \\\"\r\n"
    "Back = \"ends in \\\"\n"
    "L = { \"a,b\",[ x = 1; y = { 2.5 } ],z }\n"
    "\n\n\n"
    "*** ad 2\n"
    "C = caf\xc3\xa9 + \"\xe2\x82\xac\"\n"
    "D = 12";

static void test_every_split_position(void **state)
{
    (void)state;
    const char *want0 = "Multi=s:line one\n\n*** not a separator\nQ \" = \" \\;Back=s:ends in \\;"
                        "L=[1:s:a,b;1:{2:x=i:1;2:y=[3:r:2.5;2:];1:};1:e:z;];";
    const char *want1 = "C=e:caf\xc3\xa9 + \"\xe2\x82\xac\";D=i:12;";
    size_t len = sizeof(splits) - 1;
    for (size_t split = 0; split <= len; split++) {
        result *r = calloc(1, sizeof(*r));
        sp_adlong *p = sp_adlong_new(0);
        char err[512];
        sp_adlong_feed(p, splits, split);
        drain_long(p, r);
        sp_adlong_feed(p, splits + split, len - split);
        drain_long(p, r);
        if (strcmp(r->seq, "+") != 0)
            fail_msg("split at %zu: %s %s", split, r->seq, r->first_err);
        sp_adlong_finish(p, err, sizeof(err));
        drain_long(p, r);
        assert_string_equal(r->seq, "++");
        assert_string_equal(r->ads[0].text, want0);
        assert_string_equal(r->ads[1].text, want1);
        sp_adlong_free(p);
        result_free(r);
    }
}

/* ---- bad ads ---- */

static void expect_run_n(const char *text, size_t len, const char *want_seq, const char *want_err)
{
    for (size_t chunk = 1; chunk <= len + 1; chunk += len) {     /* one byte at a time, and whole */
        result *r = run_long(text, len, chunk);
        if (strcmp(r->seq, want_seq) != 0 || (want_err && !strstr(r->first_err, want_err)) ||
            (!want_err && r->first_err[0]))
            fail_msg("input %.40s: got seq \"%s\" err \"%s\"; want \"%s\" \"%s\"", text, r->seq, r->first_err,
                     want_seq, want_err ? want_err : "");
        result_free(r);
        if (len == 0)
            break;
    }
}

static void expect_run(const char *text, const char *want_seq, const char *want_err)
{
    expect_run_n(text, strlen(text), want_seq, want_err);
}

/* Numbers beyond the range, as HTCondor's lexer reads them: integers
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
    const char *text = "A = 99999999999999999999\nB = -99999999999999999999\nC = 1E+999\n"
                       "D = -1.797693134862316E+308\nE = 1e-400\nF = 4.940656458412465E-324\n";
    double got[16] = { 0 };
    char err[256];
    sp_adlong *p = sp_adlong_new(0);
    assert_int_equal(sp_adlong_feed(p, text, strlen(text)), 0);
    assert_int_equal(sp_adlong_finish(p, err, sizeof(err)), 0);
    assert_int_equal(sp_adlong_next(p, keep_numbers, got, err, sizeof(err)), 1);
    assert_true(got[0] == 9223372036854775807.0 && got[8] == 1);
    assert_true(got[1] == -9223372036854775808.0 && got[9] == 1);
    assert_true(isinf(got[2]) && got[2] > 0);
    assert_true(isinf(got[3]) && got[3] < 0);
    assert_true(got[4] == 0.0 && got[12] == 0);
    assert_true(got[5] == 4.9406564584124654e-324);
    sp_adlong_free(p);
}

static void test_bad_input(void **state)
{
    (void)state;
    expect_run("", "", NULL);                                   /* condor_q -long with no ads */
    expect_run("\n\n*** \n\n", "", NULL);
    expect_run("A = 1\n\nB = 2", "++", NULL);                   /* last ad: no newline at all */
    expect_run("A = 1\n\n\n*** ad\n***\nB = 2\n\n\n", "++", NULL);
    /* A line that is not "Name = value": that ad only; quotes on it do not count. */
    expect_run("A = 1\n\nB = 1\nError: can't contact \"schedd\nC = 1\n\nD = 3\n", "+x+",
               "line 4: expected 'Name = value', got \"Error: can't contact \"schedd\"");
    expect_run("Foo \"a = b\" = 1\n\nB = 2\n", "x+", "line 1: expected 'Name = value', got \"Foo \"a = b\" = 1\"");
    expect_run("A = 1\nB\nC = 2\n\nD = 4\n", "x+", "line 2: expected 'Name = value', got \"B\"");
    expect_run("* = 1\n\nD = 4\n", "x+", "line 1: expected 'Name = value', got \"* = 1\"");
    expect_run("= 1\n\nD = 4\n", "x+", "line 1: expected 'Name = value'");
    expect_run("A == 1\n\nD = 4\n", "x+", "line 1: expected 'Name = value', got \"A == 1\"");
    expect_run("A =   \nB = 1\n\nD = 4\n", "x+", "line 1: attribute \"A\": missing value");
    /* Content errors name the line and attribute. */
    expect_run("Good = 1\n\nX = 1\nBad = \"\xff\"\n\nGood = 2\n", "+x+", "line 4: attribute \"Bad\": invalid UTF-8");
    expect_run("E = caf\xc3\n\nG = 1\n", "x+", "attribute \"E\": invalid UTF-8");
    expect_run_n("N = \"a\0b\"\n\nG = 1\n", 17, "x+", "line 1: attribute \"N\": NUL byte");
    expect_run("F = f(x\n\nG = 1\n", "x+", "attribute \"F\": unbalanced brackets");
    expect_run("F = { 1, 2 ]\n\nG = 1\n", "x+", "attribute \"F\": unbalanced brackets");
    expect_run("F = \"(\" )\n\nG = 1\n", "x+", "attribute \"F\": unbalanced brackets");
    /* A string left open by the end of input: the last ad is truncated. */
    expect_run("A = 1\n\nB = 2\nS = \"abc\nC = 2\n", "+x", "line 4: attribute \"S\": truncated");
    expect_run("A = 1\n\nS = \"abc\\", "+x", "line 3: attribute \"S\": truncated");
    /* Backslash-quote then the end of input ends the string. */
    expect_run("A = 1\n\nS = \"abc\\\"", "++", NULL);
    /* Line numbers count the lines inside strings. */
    expect_run("A = \"1\n2\n\n3\"\nB = \"x\"\nC = (\n\nG = 1\n", "x+", "line 6: attribute \"C\"");
}

static int stop_at_b(void *ctx, const sp_adjson_event *ev)
{
    (void)ctx;
    return ev->name && ev->name_len == 1 && ev->name[0] == 'B';
}

static void test_callback_stops_an_ad(void **state)
{
    (void)state;
    const char *t = "A = 1\nB = 2\n\nA = 3\n\n";
    sp_adlong *p = sp_adlong_new(0);
    char err[512];
    sp_adlong_feed(p, t, strlen(t));
    assert_int_equal(sp_adlong_next(p, stop_at_b, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 2: attribute \"B\": stopped by the caller"));
    assert_int_equal(sp_adlong_next(p, stop_at_b, NULL, err, sizeof(err)), 1);
    assert_int_equal(sp_adlong_next(p, stop_at_b, NULL, err, sizeof(err)), 0);
    assert_int_equal(sp_adlong_finish(p, err, sizeof(err)), 0);
    assert_int_equal(sp_adlong_finish(p, err, sizeof(err)), -1);     /* only once */
    assert_int_equal(sp_adlong_feed(p, "A = 1\n", 6), -1);           /* nothing after the end */
    assert_int_equal(sp_adlong_ads(p), 1);
    assert_int_equal(sp_adlong_skipped(p), 1);
    sp_adlong_free(p);
}

/* Heap in use, where the allocator tells (not under ASan). */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void test_huge_ad_skipped_unbuffered(void **state)
{
    (void)state;
    /* A 16 MB ad with a 1 MB limit, fed in 64 KiB pieces, between two good
     * ones; half of it is one string holding blank lines. */
    static char piece[65536], bad[5000];
    memset(bad, 'y', sizeof(bad));
    memset(piece, 'x', sizeof(piece));
    for (size_t i = 0; i < sizeof(piece); i += 1024)
        memcpy(piece + i, "\n\n", 2);
    sp_adlong *p = sp_adlong_new(1u << 20);
    result *r = calloc(1, sizeof(*r));
    const char *head = "A = 1\n\nHuge = \"";
    sp_adlong_feed(p, head, strlen(head));
    drain_long(p, r);
    size_t before = heap_in_use();
    for (int i = 0; i < 128; i++) {
        sp_adlong_feed(p, piece, sizeof(piece));
        drain_long(p, r);
    }
    const char *mid = "\"\n";
    sp_adlong_feed(p, mid, strlen(mid));
    for (int i = 0; i < 128; i++) {
        sp_adlong_feed(p, "Filler = 1234567890\n", 20);
        drain_long(p, r);
        sp_adlong_feed(p, bad, sizeof(bad));                       /* bad lines, no blank */
        sp_adlong_feed(p, "\n", 1);
        drain_long(p, r);
    }
    size_t after = heap_in_use();
    if (before && after > before + (3u << 20))
        fail_msg("heap grew by %zu bytes", after - before);
    const char *tail = "\nA = 2\n\n";
    sp_adlong_feed(p, tail, strlen(tail));
    drain_long(p, r);
    assert_string_equal(r->seq, "+x+");
    assert_non_null(strstr(r->first_err, "line 3: ad larger than 1048576 bytes, skipped"));
    assert_int_equal(sp_adlong_skipped(p), 1);
    assert_string_equal(r->ads[1].text, "A=i:2;");
    sp_adlong_free(p);
    result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_queue_long_equals_jsonl),
        cmocka_unit_test(test_sim_history_long_equals_jsonl),
        cmocka_unit_test(test_sim_tricky_ad),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_values_match_json),
        cmocka_unit_test(test_every_split_position),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_numbers_beyond_range),
        cmocka_unit_test(test_callback_stops_an_ad),
        cmocka_unit_test(test_huge_ad_skipped_unbuffered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
