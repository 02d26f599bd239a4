/* test_classad_expr_parse.c - the parse side of the ClassAd expression
 * evaluator (classad_expr_lex.c, classad_expr_parse.c): literals of every
 * kind, syntax errors and their messages, and the nesting limits that keep
 * hostile input from exhausting the stack. */
#include "expr_check.h"

static void test_literals(void **state)
{
    (void)state;
    EXPECT_INT(NULL, "42", 42);
    EXPECT_INT(NULL, "-42", -42);
    /* out of range: clamped, as libclassad's strtoll (tests/oracle) */
    EXPECT_INT(NULL, "99999999999999999999", 9223372036854775807LL);
    EXPECT_INT(NULL, "-9223372036854775809", (-9223372036854775807LL - 1));
    EXPECT_REAL(NULL, "1e999", INFINITY);
    EXPECT_INT(NULL, "9223372036854775807", 9223372036854775807LL);
    EXPECT_INT(NULL, "-9223372036854775808", (-9223372036854775807LL - 1));
    EXPECT_REAL(NULL, "1.5", 1.5);
    EXPECT_REAL(NULL, ".5", 0.5);
    EXPECT_REAL(NULL, "-2.5e3", -2500.0);
    EXPECT_REAL(NULL, "1E-2", 0.01);
    EXPECT_REAL(NULL, "3e2", 300.0);
    EXPECT_STR(NULL, "\"abc\"", "abc");
    EXPECT_STR(NULL, "\"a\\\"b\\\\c\\n\\t\"", "a\"b\\c\n\t");
    EXPECT_STR(NULL, "\"\\101\\x\"", "Ax");    /* octal; unknown escape kept */
    EXPECT_STR(NULL, "\"ab\"  \"cd\"", "abcd"); /* adjacent literals */
    EXPECT_STR(NULL, "\"\"", "");
    EXPECT_BOOL(NULL, "true", 1);
    EXPECT_BOOL(NULL, "FALSE", 0);
    EXPECT_UNDEF(NULL, "undefined");
    EXPECT_UNDEF(NULL, "UNDEFINED");
    EXPECT_ERROR(NULL, "error");
    EXPECT_INT(NULL, "/* c */ 1 // trailing", 1);

    sp_cval v = ev(NULL, "{ 1, \"two\", 3.0, { } , }");
    assert_int_equal(v.type, SP_CV_LIST);
    assert_int_equal(v.u.list.n, 4);
    assert_int_equal(v.u.list.items[0].type, SP_CV_INT);
    assert_string_equal(v.u.list.items[1].u.str.s, "two");
    assert_int_equal(v.u.list.items[3].type, SP_CV_LIST);
    assert_int_equal(v.u.list.items[3].u.list.n, 0);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    static const char *bad[] = {
        "", "   ", "1 +", "(1", "1)", "\"abc", "'abc", "1 2", "a.", "a =?",
        "a = 1", "09", "0x", "1.", "1e", "1.e5", "f(1,", "{1 2}", "? 1 : 2",
        "true ? 1", "/* open", "@", "a b", "010", "0x1F", "\"\\0\"",
        ".(1)", "x.f(1)", "[ a 1 ]", "{,}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_syntax_error(bad[i]);
    char err[128];
    sp_cval v;
    assert_int_equal(sp_expr_eval_text("1 +", 3, NULL, &arena, &v, err, sizeof(err)), -1);
    assert_int_equal(v.type, SP_CV_ERROR);
    assert_non_null(strstr(err, "offset 3"));
    sp_expr_free(NULL);
    /* no message buffer at all */
    assert_null(sp_expr_parse("(", 1, NULL, 0));
    /* len bounds the text: only "1 + 2" is read */
    EXPECT_INT(NULL, "size({1, 2,})", 2);
    assert_int_equal(sp_expr_eval_text("1 + 2 garbage", 5, NULL, &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.u.i, 3);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    char *s = nested(150);
    EXPECT_INT(NULL, s, 1);
    free(s);
    s = nested(250);
    expect_syntax_error(s);
    free(s);
    s = nested(100000);
    expect_syntax_error(s);
    free(s);
    s = repeat("", "!", 150, "true");
    EXPECT_BOOL(NULL, s, 1);
    free(s);
    s = repeat("", "-", 100000, "1");
    expect_syntax_error(s);
    free(s);
    s = repeat("", "{", 100000, "");
    expect_syntax_error(s);
    free(s);
    s = repeat("", "f(", 100000, "");
    expect_syntax_error(s);
    free(s);
    s = repeat("", "a ?: ", 100000, "1");
    expect_syntax_error(s);
    free(s);
    s = repeat("", "true ? 1 : ", 100000, "2");
    expect_syntax_error(s);
    free(s);
    /* long flat chains: fine up to the tree height limit, then an error */
    s = repeat("1", " + 1", 900, "");
    EXPECT_INT(NULL, s, 901);
    free(s);
    s = repeat("1", " + 1", 100000, "");
    expect_syntax_error(s);
    free(s);
    s = repeat("{", "1, ", 100000, "1}");        /* wide is fine */
    sp_cval v = ev(NULL, s);
    assert_int_equal(v.type, SP_CV_LIST);
    assert_int_equal(v.u.list.n, 100001);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_literals, teardown),
        cmocka_unit_test_teardown(test_syntax_errors, teardown),
        cmocka_unit_test_teardown(test_deep_nesting, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
