/* test_classad_expr_fn.c - the functions of the ClassAd expression
 * evaluator (classad_expr_fn.c): type predicates, conversions, min/max/sum
 * over lists, string functions, and what is not supported (time(), unknown
 * functions, nested ad literals). */
#include "expr_check.h"

static void test_type_functions(void **state)
{
    (void)state;
    EXPECT_BOOL(NULL, "isUndefined(Missing)", 1);
    EXPECT_BOOL(NULL, "isundefined(1)", 0);
    EXPECT_BOOL(NULL, "isError(1/0)", 1);
    EXPECT_BOOL(NULL, "isError(undefined)", 0);
    EXPECT_BOOL(NULL, "isString(\"a\")", 1);
    EXPECT_BOOL(NULL, "isInteger(1)", 1);
    EXPECT_BOOL(NULL, "isInteger(1.0)", 0);
    EXPECT_BOOL(NULL, "isReal(1.0)", 1);
    EXPECT_BOOL(NULL, "isBoolean(false)", 1);
    EXPECT_BOOL(NULL, "isBoolean(0)", 0);
    EXPECT_BOOL(NULL, "isList({})", 1);
    EXPECT_BOOL(NULL, "isList(\"{}\")", 0);
    EXPECT_ERROR(NULL, "isUndefined()");
    EXPECT_ERROR(NULL, "isUndefined(1, 2)");
    EXPECT_INT(NULL, "IFTHENELSE(true, 1, 1/0)", 1);
    EXPECT_INT(NULL, "ifThenElse(0.0, 1/0, 2)", 2);
    EXPECT_UNDEF(NULL, "ifThenElse(Missing, 1, 2)");
    EXPECT_ERROR(NULL, "ifThenElse(\"yes\", 1, 2)");
    EXPECT_ERROR(NULL, "ifThenElse(error, 1, 2)");
    EXPECT_ERROR(NULL, "ifThenElse(true, 1)");
}

static void test_conversion_functions(void **state)
{
    (void)state;
    EXPECT_INT(NULL, "int(3.9)", 3);
    EXPECT_INT(NULL, "int(-3.9)", -3);
    EXPECT_INT(NULL, "int(\"42\")", 42);
    EXPECT_INT(NULL, "int(\"4.7e1\")", 47);
    EXPECT_INT(NULL, "int(true)", 1);
    EXPECT_ERROR(NULL, "int(\"abc\")");
    EXPECT_UNDEF(NULL, "int(Missing)");
    EXPECT_ERROR(NULL, "int({1})");
    EXPECT_INT(NULL, "int(1e300)", (-9223372036854775807LL - 1));   /* x86-64 cast */
    EXPECT_REAL(NULL, "real(3)", 3.0);
    EXPECT_REAL(NULL, "real(\"2.5\")", 2.5);
    EXPECT_REAL(NULL, "real(false)", 0.0);
    EXPECT_ERROR(NULL, "real(\"x\")");
    EXPECT_UNDEF(NULL, "real(undefined)");
    EXPECT_STR(NULL, "string(42)", "42");
    EXPECT_STR(NULL, "string(-1.5)", "-1.500000000000000E+00");
    EXPECT_STR(NULL, "string(0.0)", "0.0");
    EXPECT_STR(NULL, "string(true)", "true");
    EXPECT_STR(NULL, "string(\"s\")", "s");
    EXPECT_STR(NULL, "string({1, \"a\\\"b\", undefined})", "{ 1,\"a\\\"b\",undefined }");
    EXPECT_UNDEF(NULL, "string(Missing)");
    EXPECT_ERROR(NULL, "string(error)");
    EXPECT_INT(NULL, "floor(2.7)", 2);
    EXPECT_INT(NULL, "floor(-2.2)", -3);
    EXPECT_INT(NULL, "floor(5)", 5);
    EXPECT_INT(NULL, "floor(\"2.5\")", 2);
    EXPECT_ERROR(NULL, "floor(Missing)");          /* as doRound */
    EXPECT_INT(NULL, "ceiling(2.1)", 3);
    EXPECT_INT(NULL, "ceil(-2.1)", -2);
    EXPECT_INT(NULL, "round(2.5)", 2);              /* rint: half to even */
    EXPECT_INT(NULL, "round(3.5)", 4);
    EXPECT_INT(NULL, "round(-1.4)", -1);
    EXPECT_INT(NULL, "pow(2, 10)", 1024);
    EXPECT_INT(NULL, "pow(3, 0)", 1);
    EXPECT_REAL(NULL, "pow(2, -1)", 0.5);
    EXPECT_REAL(NULL, "pow(4.0, 0.5)", 2.0);
    EXPECT_ERROR(NULL, "pow(2, Missing)");
    EXPECT_INT(NULL, "pow(2, 1000)", (-9223372036854775807LL - 1));
    EXPECT_ERROR(NULL, "pow(1)");
}

static void test_min_max_sum(void **state)
{
    (void)state;
    EXPECT_REAL(NULL, "min({3, 1.5, 2})", 1.5);
    EXPECT_REAL(NULL, "max({3, 1.5, undefined, 2})", 3.0);   /* a real makes it real */
    EXPECT_UNDEF(NULL, "min({})");
    EXPECT_UNDEF(NULL, "max(Missing)");
    EXPECT_ERROR(NULL, "max({1, \"a\"})");
    EXPECT_ERROR(NULL, "min(1, 2)");                /* HTCondor: one list */
    EXPECT_ERROR(NULL, "min(3)");
    EXPECT_INT(NULL, "sum({1, 2, 3})", 6);
    EXPECT_REAL(NULL, "sum({1, 2.5})", 3.5);
    EXPECT_REAL(NULL, "avg({1, 2})", 1.5);
    EXPECT_INT(NULL, "size({1, 2, 3})", 3);
    EXPECT_INT(NULL, "size(\"hello\")", 5);
    EXPECT_UNDEF(NULL, "size(Missing)");
    EXPECT_ERROR(NULL, "size(3)");
    EXPECT_BOOL(NULL, "member(2, {1, 2, 3})", 1);
    EXPECT_BOOL(NULL, "member(2.0, {1, 2, 3})", 1);
    EXPECT_BOOL(NULL, "member(\"B\", {\"a\", \"b\"})", 1);    /* == folds case */
    EXPECT_BOOL(NULL, "member(\"c\", {\"a\", \"b\", 3})", 0);
    EXPECT_BOOL(NULL, "member(4, {})", 0);
    EXPECT_UNDEF(NULL, "member(Missing, {1})");
    EXPECT_UNDEF(NULL, "member(1, Missing)");
    EXPECT_ERROR(NULL, "member(1, 1)");
    EXPECT_ERROR(NULL, "member({1}, {1})");
    EXPECT_BOOL(NULL, "identicalMember(\"B\", {\"a\", \"b\"})", 0);
    EXPECT_BOOL(NULL, "identicalMember(undefined, {1, undefined})", 1);
}

static void test_string_functions(void **state)
{
    (void)state;
    EXPECT_STR(NULL, "strcat(\"a\", \"b\", 1, true)", "ab1true");
    EXPECT_STR(NULL, "strcat()", "");
    EXPECT_UNDEF(NULL, "strcat(\"a\", Missing)");
    EXPECT_ERROR(NULL, "strcat(\"a\", error)");
    EXPECT_STR(NULL, "substr(\"abcdef\", 2)", "cdef");
    EXPECT_STR(NULL, "substr(\"abcdef\", 2, 3)", "cde");
    EXPECT_STR(NULL, "substr(\"abcdef\", -2)", "ef");
    EXPECT_STR(NULL, "substr(\"abcdef\", 1, -2)", "bcd");
    EXPECT_STR(NULL, "substr(\"abcdef\", 10)", "");
    EXPECT_STR(NULL, "substr(\"abcdef\", -10, 2)", "ab");
    EXPECT_STR(NULL, "substr(\"abcdef\", 2, 0)", "");
    EXPECT_STR(NULL, "substr(\"abc\", 1, 100)", "bc");
    EXPECT_UNDEF(NULL, "substr(Missing, 1)");
    EXPECT_ERROR(NULL, "substr(\"abc\", 1.5)");
    EXPECT_ERROR(NULL, "substr(\"abc\")");
    EXPECT_STR(NULL, "toLower(\"MiXeD 1\")", "mixed 1");
    EXPECT_STR(NULL, "toUpper(\"MiXeD\")", "MIXED");
    EXPECT_STR(NULL, "toUpper(12)", "12");
    EXPECT_UNDEF(NULL, "toLower(Missing)");
    EXPECT_INT(NULL, "strcmp(\"a\", \"b\")", -1);
    EXPECT_INT(NULL, "strcmp(\"b\", \"a\")", 1);
    EXPECT_INT(NULL, "strcmp(\"A\", \"a\")", -1);
    EXPECT_INT(NULL, "stricmp(\"A\", \"a\")", 0);
    EXPECT_INT(NULL, "strcmp(1, \"1\")", 0);
    EXPECT_UNDEF(NULL, "strcmp(Missing, \"a\")");
    EXPECT_BOOL(NULL, "regexp(\"^ab+c$\", \"abbbc\")", 1);
    EXPECT_BOOL(NULL, "regexp(\"^AB\", \"abc\")", 0);
    EXPECT_BOOL(NULL, "regexp(\"^AB\", \"abc\", \"i\")", 1);
    EXPECT_BOOL(NULL, "regexp(\"T2_.*_CERN\", \"T2_CH_CERN\")", 1);
    EXPECT_BOOL(NULL, "regexp(\"^\\\\d+$\", \"123\")", 1);   /* \d translated */
    EXPECT_BOOL(NULL, "regexp(\"^\\\\d+$\", \"12a\")", 0);
    EXPECT_BOOL(NULL, "regexp(\"^[[:digit:]]+$\", \"42\")", 1);
    EXPECT_BOOL(NULL, "regexp(\"a|b\", \"xbx\")", 1);
    EXPECT_ERROR(NULL, "regexp(\"(\", \"x\")");
    EXPECT_UNDEF(NULL, "regexp(\"a\", Missing)");
    EXPECT_ERROR(NULL, "regexp(\"a\", 1)");
    EXPECT_ERROR(NULL, "regexp(\"a\")");
    expect_unsupported(NULL, "regexp(\"(?i)a\", \"A\")", "PCRE");
    expect_unsupported(NULL, "regexp(\"a+?\", \"a\")", "PCRE");
    expect_unsupported(NULL, "regexp(\"[\\\\d]\", \"1\")", "PCRE");
    EXPECT_BOOL(NULL, "stringListMember(\"b\", \"a, b,c\")", 1);
    EXPECT_BOOL(NULL, "stringListMember(\"B\", \"a,b,c\")", 0);
    EXPECT_BOOL(NULL, "stringListIMember(\"B\", \"a,b,c\")", 1);
    EXPECT_BOOL(NULL, "stringListMember(\"d\", \"a,b,c\")", 0);
    EXPECT_BOOL(NULL, "stringListMember(\"b\", \"a;b\", \";\")", 1);
    EXPECT_BOOL(NULL, "stringListMember(\"a b\", \"a b;c\", \";\")", 1);
    EXPECT_BOOL(NULL, "stringListMember(\"x\", Missing)", 0);
    EXPECT_UNDEF(NULL, "stringListMember(Missing, Missing)");
    EXPECT_ERROR(NULL, "stringListMember(1, \"1\")");
    EXPECT_INT(NULL, "stringListSize(\"a, b,,c \")", 3);
    EXPECT_INT(NULL, "stringListSize(\"\")", 0);
    EXPECT_INT(NULL, "stringListSize(\"a;b;c\", \";\")", 3);
    EXPECT_ERROR(NULL, "stringListSize(Missing)");
}

static void test_unsupported(void **state)
{
    (void)state;
    expect_unsupported(NULL, "time()", "time");
    expect_unsupported(NULL, "time() - 3600 > 5", "time");
    expect_unsupported(NULL, "noSuchFunction(1)", "noSuchFunction");
    expect_unsupported(NULL, "isError(time())", "time");
    expect_unsupported(NULL, "[ a = 1; b = 2 ].a", "nested ad");
    /* not reached: fine */
    EXPECT_INT(NULL, "ifThenElse(true, 1, time())", 1);
    EXPECT_BOOL(NULL, "false && nosuch()", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_type_functions, teardown),
        cmocka_unit_test_teardown(test_conversion_functions, teardown),
        cmocka_unit_test_teardown(test_min_max_sum, teardown),
        cmocka_unit_test_teardown(test_string_functions, teardown),
        cmocka_unit_test_teardown(test_unsupported, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
