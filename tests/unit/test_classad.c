/* test_classad.c - lib/classad.c, lib/adreader.c and lib/pyfmt.c: ads built
 * from parser events with case-insensitive lookup, set/remove/filter, the
 * arena across resets; format detection of ad streams (JSON, -long,
 * garbage); Python's float repr and str() forms used in documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "adreader.h"
#include "classad.h"
#include "pyfmt.h"

static sp_ad *parse_one(const char *json)
{
    sp_ad *ad = sp_ad_new();
    sp_adjson *p = sp_adjson_new(0);
    char err[256];
    assert_int_equal(sp_adjson_feed(p, json, strlen(json)), 0);
    assert_int_equal(sp_adjson_next(p, sp_ad_on_event, ad, err, sizeof(err)), 1);
    sp_adjson_free(p);
    return ad;
}

static void test_build_and_lookup(void **state)
{
    (void)state;
    sp_ad *ad = parse_one("{\"JobStatus\": 2, \"Owner\": \"alice\", \"RemoteWallClockTime\": 12.5,"
                          " \"Sites\": [\"T2_CH_CERN\", \"T1_US_FNAL\"], \"Nested\": {\"A\": true},"
                          " \"RequestMemory\": \"\\/Expr(MemoryUsage * 2)\\/\", \"Gone\": null}");
    assert_int_equal(ad->n, 7);
    const sp_cval *v = sp_ad_getz(ad, "jobstatus");
    assert_non_null(v);
    assert_int_equal(v->type, SP_CV_INT);
    assert_int_equal(v->u.i, 2);
    assert_string_equal(sp_ad_getz(ad, "OWNER")->u.str.s, "alice");
    assert_true(sp_ad_getz(ad, "RemoteWallClockTime")->u.r == 12.5);
    v = sp_ad_getz(ad, "Sites");
    assert_int_equal(v->type, SP_CV_LIST);
    assert_int_equal(v->u.list.n, 2);
    assert_string_equal(v->u.list.items[1].u.str.s, "T1_US_FNAL");
    v = sp_ad_getz(ad, "Nested");
    assert_int_equal(v->type, SP_CV_AD);
    assert_int_equal(sp_ad_getz(v->u.ad, "a")->u.b, 1);
    assert_int_equal(sp_ad_getz(ad, "RequestMemory")->type, SP_CV_EXPR);
    assert_string_equal(sp_ad_getz(ad, "RequestMemory")->u.str.s, "MemoryUsage * 2");
    assert_int_equal(sp_ad_getz(ad, "Gone")->type, SP_CV_UNDEFINED);
    assert_null(sp_ad_getz(ad, "Missing"));
    sp_ad_free(ad);
}

static void test_set_remove_filter_reset(void **state)
{
    (void)state;
    sp_ad *ad = sp_ad_new();
    char name[32];
    for (int round = 0; round < 3; round++) {
        sp_ad_reset(ad);
        for (int i = 0; i < 500; i++) {         /* grows past the first index */
            snprintf(name, sizeof(name), "Attr%d", i);
            sp_cval v = sp_cv_int(i);
            assert_int_equal(sp_ad_set(ad, name, strlen(name), &v), 0);
        }
        sp_cval v = sp_cv_int(-1);
        assert_int_equal(sp_ad_set(ad, "ATTR7", 5, &v), 0);     /* replaces in place */
        assert_int_equal(ad->n, 500);
        assert_string_equal(ad->attrs[7].name, "Attr7");
        assert_int_equal(sp_ad_getz(ad, "attr7")->u.i, -1);
        assert_int_equal(sp_ad_remove(ad, "Attr3", 5), 1);
        assert_int_equal(sp_ad_remove(ad, "Attr3", 5), 0);
        assert_null(sp_ad_getz(ad, "Attr3"));
        assert_string_equal(ad->attrs[3].name, "Attr4");           /* order kept */
        assert_int_equal(sp_ad_getz(ad, "Attr499")->u.i, 499);
    }
    sp_ad_free(ad);
}

static int keep_even(void *ctx, const sp_ad_attr *a)
{
    (void)ctx;
    return a->v.u.i % 2 == 0;
}

static void test_filter(void **state)
{
    (void)state;
    sp_ad *ad = sp_ad_new();
    char name[16];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "A%d", i);
        sp_cval v = sp_cv_int(i);
        sp_ad_set(ad, name, strlen(name), &v);
    }
    sp_ad_filter(ad, keep_even, NULL);
    assert_int_equal(ad->n, 5);
    assert_null(sp_ad_getz(ad, "A3"));
    assert_int_equal(sp_ad_getz(ad, "a8")->u.i, 8);
    sp_cval v = sp_cv_int(11);
    sp_ad_set(ad, "A11", 3, &v);
    assert_int_equal(ad->n, 6);
    sp_ad_free(ad);
}

typedef struct {
    int ads, bad;
    char last_owner[32];
} counts;

static int on_ad(void *ctx, sp_ad *ad)
{
    counts *c = ctx;
    c->ads++;
    const sp_cval *o = sp_ad_getz(ad, "Owner");
    snprintf(c->last_owner, sizeof(c->last_owner), "%s", o && o->type == SP_CV_STRING ? o->u.str.s : "");
    return 0;
}

static void on_bad(void *ctx, const char *err)
{
    (void)err;
    ((counts *)ctx)->bad++;
}

static int read_all(const char *text, counts *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    sp_adreader *r = sp_adreader_new(0, on_ad, on_bad, c);
    int rc = 0;
    for (size_t i = 0; text[i] && rc == 0; i++)      /* byte by byte */
        rc = sp_adreader_feed(r, text + i, 1, err, errlen);
    if (rc == 0)
        rc = sp_adreader_finish(r, err, errlen);
    sp_adreader_free(r);
    return rc;
}

static void test_reader_formats(void **state)
{
    (void)state;
    counts c;
    char err[256];
    assert_int_equal(read_all("[\n{\n  \"Owner\": \"a\"\n}\n,\n{\n  \"Owner\": \"b\"\n}\n]\n", &c, err, sizeof(err)), 0);
    assert_int_equal(c.ads, 2);
    assert_string_equal(c.last_owner, "b");
    assert_int_equal(read_all("{\"Owner\": \"a\"}\n{\"Owner\": \"c\"}\n", &c, err, sizeof(err)), 0);
    assert_int_equal(c.ads, 2);
    assert_string_equal(c.last_owner, "c");
    assert_int_equal(read_all("Owner = \"a\"\nJobStatus = 2\n\nOwner = \"d\"\nJobStatus = 1\n\n", &c, err, sizeof(err)), 0);
    assert_int_equal(c.ads, 2);
    assert_string_equal(c.last_owner, "d");
    assert_int_equal(read_all("", &c, err, sizeof(err)), 0);      /* no jobs: condor_q prints nothing */
    assert_int_equal(c.ads, 0);
    assert_int_equal(read_all("<html><body>503</body></html>\n", &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not HTCondor ad output"));
    assert_int_equal(read_all("[\n{\n  \"Owner\": \"a\"\n}\n,\n{\n  \"Own", &c, err, sizeof(err)), -1);
    assert_int_equal(c.ads, 1);                        /* the whole ad before the cut arrived */
    assert_int_equal(read_all("{\"Owner\": \"caf\xc3\"}\n{\"Owner\": \"e\"}\n", &c, err, sizeof(err)), 0);
    assert_int_equal(c.ads, 1);
    assert_int_equal(c.bad, 1);
    assert_string_equal(c.last_owner, "e");
}

static void check_repr(double v, const char *want)
{
    char out[48];
    sp_py_float_repr(v, out, sizeof(out));
    assert_string_equal(out, want);
}

static void test_python_forms(void **state)
{
    (void)state;
    /* what Python 3 prints for repr(float) */
    check_repr(0.0, "0.0");
    check_repr(-0.0, "-0.0");
    check_repr(1.0, "1.0");
    check_repr(0.1, "0.1");
    check_repr(100.0, "100.0");
    check_repr(1e16, "1e+16");
    check_repr(1e15, "1000000000000000.0");
    check_repr(123456789.125, "123456789.125");
    check_repr(0.0001, "0.0001");
    check_repr(0.00001, "1e-05");
    check_repr(1.5e-7, "1.5e-07");
    check_repr(2.243333333333333, "2.243333333333333");
    check_repr(96.35000000000001, "96.35000000000001");
    check_repr(1.0 / 3.0, "0.3333333333333333");
    check_repr(-2.5e22, "-2.5e+22");
    /* the 15-digit fast path and its edges (values checked against Python 3) */
    check_repr(999999999999999.0, "999999999999999.0");
    check_repr(9999999999999998.0, "9999999999999998.0");
    check_repr(123456789012345678.0, "1.2345678901234568e+17");
    check_repr(9007199254740993.0, "9007199254740992.0");
    check_repr(0.30000000000000004, "0.30000000000000004");
    check_repr(1234.5678, "1234.5678");
    /* decimals of at most 15 digits without printf (short_decimal), and what
     * it leaves to the slow path (values checked against Python 3) */
    check_repr(123.456, "123.456");
    check_repr(0.000123, "0.000123");
    check_repr(2.675, "2.675");
    check_repr(7.0e-10, "7e-10");
    check_repr(3e-22, "3e-22");
    check_repr(1.2345678901234e-20, "1.2345678901234e-20");   /* over 22 places */
    check_repr(0.1 + 0.7, "0.7999999999999999");              /* 16 digits */
    check_repr(99999999999999.99, "99999999999999.98");
    check_repr(999999999999999.9, "999999999999999.9");
    check_repr(4503599627370495.5, "4503599627370495.5");
    check_repr(8.57e22, "8.57e+22");                          /* integral, over 10^15 */
    check_repr(6.85e21, "6.85e+21");
    check_repr(5e-324, "5e-324");                             /* subnormals: fewer digits */
    check_repr(2.1662825196604e-311, "2.1662825196604e-311");
    check_repr(2.2250738585072014e-308, "2.2250738585072014e-308");
    sp_buf b = { 0 };
    sp_cval items[3] = { sp_cv_int(1), sp_cv_bool(1), sp_cv_real(2.5) };
    items[0].type = SP_CV_INT;
    sp_cval list = { .type = SP_CV_LIST };
    list.u.list.items = items;
    list.u.list.n = 3;
    sp_py_repr(&b, &list);
    sp_buf_append(&b, "", 1);
    assert_string_equal((char *)b.data, "[1, True, 2.5]");
    b.len = 0;
    sp_py_str_repr(&b, "it's", 4);
    sp_buf_append(&b, "", 1);
    assert_string_equal((char *)b.data, "\"it's\"");
    b.len = 0;
    sp_py_bytes_repr(&b, (const unsigned char *)"a\nb\x01\xff'", 6);
    sp_buf_append(&b, "", 1);
    assert_string_equal((char *)b.data, "b\"a\\nb\\x01\\xff'\"");
    sp_buf_free(&b);
    long long i;
    double d;
    assert_int_equal(sp_py_parse_int(" 42 ", &i), 1);
    assert_int_equal(i, 42);
    assert_int_equal(sp_py_parse_int("4.2", &i), 0);
    assert_int_equal(sp_py_parse_int("Unknown", &i), 0);
    assert_int_equal(sp_py_parse_float("1e3", &d), 1);
    assert_true(d == 1000.0);
    assert_int_equal(sp_py_parse_float("0x10", &d), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_lookup),
        cmocka_unit_test(test_set_remove_filter_reset),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_reader_formats),
        cmocka_unit_test(test_python_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
