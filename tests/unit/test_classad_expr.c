/* test_classad_expr.c - the ClassAd expression evaluator (classad_expr.h):
 * literals, operators and their precedence, ClassAd's three-valued logic,
 * UNDEFINED/ERROR propagation, meta-equality, attribute references (MY.,
 * TARGET., recursive and circular expressions), every supported function,
 * the expressions the reference pipeline evaluates, syntax errors, nesting
 * limits and the budget that keeps hostile input from hanging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "classad_expr.h"

static sp_arena arena;   /* results of every test; freed in teardown */

/* Evaluates text against ad, asserting it is supported. */
static sp_cval ev(const sp_ad *ad, const char *text)
{
    char err[256] = "";
    sp_cval v;
    int rc = sp_expr_eval_text(text, strlen(text), ad, &arena, &v, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s: rc %d: %s", text, rc, err);
    return v;
}

#define EXPECT_INT(ad, text, want) do {                                  \
        sp_cval v_ = ev((ad), (text));                                   \
        if (v_.type != SP_CV_INT || v_.u.i != (want))                    \
            fail_msg("%s: type %d, want int %lld", (text), v_.type,      \
                     (long long)(want));                                 \
    } while (0)
#define EXPECT_REAL(ad, text, want) do {                                 \
        sp_cval v_ = ev((ad), (text));                                   \
        if (v_.type != SP_CV_REAL || v_.u.r != (want))                   \
            fail_msg("%s: type %d, want real %g", (text), v_.type,       \
                     (double)(want));                                    \
    } while (0)
#define EXPECT_BOOL(ad, text, want) do {                                 \
        sp_cval v_ = ev((ad), (text));                                   \
        if (v_.type != SP_CV_BOOL || v_.u.b != (want))                   \
            fail_msg("%s: type %d (%d), want bool %d", (text), v_.type,  \
                     v_.type == SP_CV_BOOL ? v_.u.b : -1, (want));       \
    } while (0)
#define EXPECT_STR(ad, text, want) do {                                  \
        sp_cval v_ = ev((ad), (text));                                   \
        if (v_.type != SP_CV_STRING || v_.u.str.len != strlen(want) ||   \
            memcmp(v_.u.str.s, (want), strlen(want)) != 0)               \
            fail_msg("%s: type %d '%s', want string '%s'", (text),       \
                     v_.type, v_.type == SP_CV_STRING ? v_.u.str.s : "", \
                     (want));                                            \
    } while (0)
#define EXPECT_TYPE(ad, text, want) do {                                 \
        sp_cval v_ = ev((ad), (text));                                   \
        if (v_.type != (want))                                           \
            fail_msg("%s: type %d, want %d", (text), v_.type, (want));   \
    } while (0)
#define EXPECT_UNDEF(ad, text) EXPECT_TYPE(ad, text, SP_CV_UNDEFINED)
#define EXPECT_ERROR(ad, text) EXPECT_TYPE(ad, text, SP_CV_ERROR)

static void expect_unsupported(const sp_ad *ad, const char *text, const char *msg)
{
    char err[256] = "";
    sp_cval v;
    int rc = sp_expr_eval_text(text, strlen(text), ad, &arena, &v, err, sizeof(err));
    if (rc != -1)
        fail_msg("%s: rc %d type %d, want -1", text, rc, v.type);
    if (msg && !strstr(err, msg))
        fail_msg("%s: message '%s' lacks '%s'", text, err, msg);
}

static void expect_syntax_error(const char *text)
{
    char err[256] = "";
    sp_expr *e = sp_expr_parse(text, strlen(text), err, sizeof(err));
    if (e)
        fail_msg("'%s' parsed", text);
    if (!strstr(err, "syntax error"))
        fail_msg("'%s': message '%s'", text, err);
}

/* ---- ads ---- */

static void set_int(sp_ad *ad, const char *name, long long i)
{
    sp_cval v = sp_cv_int(i);
    assert_int_equal(sp_ad_set(ad, name, strlen(name), &v), 0);
}

static void set_str(sp_ad *ad, const char *name, const char *s)
{
    sp_cval v = sp_cv_string(ad->arena, s, strlen(s));
    assert_int_equal(sp_ad_set(ad, name, strlen(name), &v), 0);
}

static void set_expr(sp_ad *ad, const char *name, const char *text)
{
    sp_cval v = sp_cv_string(ad->arena, text, strlen(text));
    v.type = SP_CV_EXPR;
    assert_int_equal(sp_ad_set(ad, name, strlen(name), &v), 0);
}

static void set_val(sp_ad *ad, const char *name, sp_cval v)
{
    assert_int_equal(sp_ad_set(ad, name, strlen(name), &v), 0);
}

static int teardown(void **state)
{
    (void)state;
    sp_arena_free(&arena);
    memset(&arena, 0, sizeof(arena));
    return 0;
}

/* ---- tests ---- */

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

static void test_arithmetic(void **state)
{
    (void)state;
    EXPECT_INT(NULL, "1 + 2 * 3", 7);
    EXPECT_INT(NULL, "(1 + 2) * 3", 9);
    EXPECT_INT(NULL, "2 - 3 - 4", -5);
    EXPECT_INT(NULL, "100 / 10 / 5", 2);
    EXPECT_INT(NULL, "7 / 2", 3);
    EXPECT_INT(NULL, "-7 / 2", -3);
    EXPECT_INT(NULL, "7 % 3", 1);
    EXPECT_INT(NULL, "-7 % 3", -1);
    EXPECT_INT(NULL, "5 -3", 2);                 /* binary minus after a value */
    EXPECT_INT(NULL, "10 - -5", 15);
    EXPECT_INT(NULL, "-2 * -3", 6);
    EXPECT_INT(NULL, "- (2 + 3)", -5);
    EXPECT_INT(NULL, "+4", 4);
    EXPECT_REAL(NULL, "7 / 2.0", 3.5);
    EXPECT_REAL(NULL, "1 + 0.5", 1.5);
    EXPECT_REAL(NULL, "2.0 * 3", 6.0);
    EXPECT_INT(NULL, "true + true", 2);
    EXPECT_INT(NULL, "true * 5", 5);
    EXPECT_ERROR(NULL, "1 / 0");
    EXPECT_ERROR(NULL, "1 % 0");
    EXPECT_ERROR(NULL, "1.0 / 0");               /* +inf is ERROR, */
    EXPECT_REAL(NULL, "-1.0 / 0", -INFINITY);    /* -inf and NaN are reals */
    EXPECT_TYPE(NULL, "0.0 / 0", SP_CV_REAL);
    EXPECT_ERROR(NULL, "1e308 * 10");
    EXPECT_ERROR(NULL, "5.5 % 2");               /* HTCondor: EDOM */
    EXPECT_ERROR(NULL, "\"a\" + 1");
    EXPECT_ERROR(NULL, "{1} + 1");
    EXPECT_ERROR(NULL, "-true");
    EXPECT_ERROR(NULL, "-\"a\"");
    EXPECT_ERROR(NULL, "+\"a\"");
    EXPECT_UNDEF(NULL, "undefined + 1");
    EXPECT_UNDEF(NULL, "1 * Missing");
    EXPECT_UNDEF(NULL, "-Missing");
    EXPECT_ERROR(NULL, "undefined + error");
    EXPECT_ERROR(NULL, "error * undefined");
    EXPECT_ERROR(NULL, "\"a\" + undefined + error");
    EXPECT_UNDEF(NULL, "\"a\" + undefined");     /* strictness before types */
    EXPECT_INT(NULL, "-9223372036854775808 / -1", 9223372036854775807LL);
    EXPECT_INT(NULL, "-9223372036854775808 % -1", 0);
    EXPECT_INT(NULL, "9223372036854775807 + 1", (-9223372036854775807LL - 1));
    EXPECT_INT(NULL, "6 & 3", 2);
    EXPECT_INT(NULL, "6 | 3", 7);
    EXPECT_INT(NULL, "6 ^ 3", 5);
    EXPECT_INT(NULL, "~0", -1);
    EXPECT_INT(NULL, "1 << 4", 16);
    EXPECT_INT(NULL, "-16 >> 2", -4);
    EXPECT_INT(NULL, "-1 >>> 60", 15);
    /* shift counts as libclassad on x86-64 computes them (tests/oracle) */
    EXPECT_INT(NULL, "1 << 64", 1);
    EXPECT_INT(NULL, "-8 >> -1", -8);
    EXPECT_INT(NULL, "-8 >> 64", -1);
    EXPECT_INT(NULL, "8 >> 64", 8);
    EXPECT_INT(NULL, "-8 >>> 0", 0);
    EXPECT_INT(NULL, "-8 >>> 65", 9223372036854775804LL);
    EXPECT_INT(NULL, "1 + 6 & 3", 3);            /* & below + */
    EXPECT_ERROR(NULL, "1.5 & 1");
}

static void test_comparisons(void **state)
{
    (void)state;
    EXPECT_BOOL(NULL, "1 < 2", 1);
    EXPECT_BOOL(NULL, "2 <= 2", 1);
    EXPECT_BOOL(NULL, "3 > 4", 0);
    EXPECT_BOOL(NULL, "4 >= 4.0", 1);
    EXPECT_BOOL(NULL, "1 == 1.0", 1);
    EXPECT_BOOL(NULL, "1 != 1.0", 0);
    EXPECT_BOOL(NULL, "true == 1", 1);
    EXPECT_BOOL(NULL, "false < true", 1);
    EXPECT_BOOL(NULL, "\"abc\" == \"ABC\"", 1);
    EXPECT_BOOL(NULL, "\"abc\" != \"ABC\"", 0);
    EXPECT_BOOL(NULL, "\"abc\" < \"ABD\"", 1);
    EXPECT_BOOL(NULL, "\"b\" > \"A\"", 1);
    EXPECT_BOOL(NULL, "\"ab\" < \"abc\"", 1);
    EXPECT_ERROR(NULL, "\"1\" == 1");
    EXPECT_ERROR(NULL, "{1} == {1}");
    EXPECT_UNDEF(NULL, "undefined == 1");
    EXPECT_UNDEF(NULL, "Missing != \"x\"");
    EXPECT_ERROR(NULL, "error == undefined");
    EXPECT_BOOL(NULL, "1 < 2 == 2 < 3", 1);      /* == below < */
    EXPECT_BOOL(NULL, "1 + 1 == 2", 1);
}

static void test_meta_equality(void **state)
{
    (void)state;
    EXPECT_BOOL(NULL, "\"abc\" =?= \"abc\"", 1);
    EXPECT_BOOL(NULL, "\"abc\" =?= \"ABC\"", 0);
    EXPECT_BOOL(NULL, "\"abc\" =!= \"ABC\"", 1);
    EXPECT_BOOL(NULL, "1 =?= 1.0", 0);
    EXPECT_BOOL(NULL, "1 =?= 1", 1);
    EXPECT_BOOL(NULL, "1.5 is 1.5", 1);
    EXPECT_BOOL(NULL, "true =?= 1", 0);
    EXPECT_BOOL(NULL, "true is true", 1);
    EXPECT_BOOL(NULL, "undefined =?= undefined", 1);
    EXPECT_BOOL(NULL, "undefined is error", 0);
    EXPECT_BOOL(NULL, "error =?= error", 1);
    EXPECT_BOOL(NULL, "Missing is undefined", 1);
    EXPECT_BOOL(NULL, "Missing isnt undefined", 0);
    EXPECT_BOOL(NULL, "Missing =!= undefined", 0);
    EXPECT_BOOL(NULL, "1 isnt undefined", 1);
    EXPECT_BOOL(NULL, "1 IS 1", 1);
    EXPECT_BOOL(NULL, "\"x\" ISNT \"X\"", 1);
    EXPECT_ERROR(NULL, "{1} =?= {1}");           /* as operators.cpp */
}

/* The full table of && and || over true, false, undefined, error. */
static void test_three_valued_logic(void **state)
{
    (void)state;
    static const char *vals[] = { "true", "false", "undefined", "error" };
    /* results: t f u e */
    static const char and_tab[4][4] = {
        { 't', 'f', 'u', 'e' },
        { 'f', 'f', 'f', 'f' },
        { 'u', 'f', 'u', 'e' },
        { 'e', 'e', 'e', 'e' },
    };
    static const char or_tab[4][4] = {
        { 't', 't', 't', 't' },
        { 't', 'f', 'u', 'e' },
        { 't', 'u', 'u', 'e' },
        { 'e', 'e', 'e', 'e' },
    };
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 2; k++) {
                char text[64];
                snprintf(text, sizeof(text), "%s %s %s", vals[i], k ? "||" : "&&", vals[j]);
                char want = k ? or_tab[i][j] : and_tab[i][j];
                sp_cval v = ev(NULL, text);
                char got = v.type == SP_CV_BOOL ? (v.u.b ? 't' : 'f')
                         : v.type == SP_CV_UNDEFINED ? 'u' : v.type == SP_CV_ERROR ? 'e' : '?';
                if (got != want)
                    fail_msg("%s: got %c want %c", text, got, want);
            }
    EXPECT_UNDEF(NULL, "!undefined");
    EXPECT_ERROR(NULL, "!error");
    EXPECT_BOOL(NULL, "!0", 1);
    EXPECT_BOOL(NULL, "!2.5", 0);
    EXPECT_ERROR(NULL, "!\"a\"");
    EXPECT_BOOL(NULL, "1 && true", 1);           /* numbers are boolean-equivalent */
    EXPECT_BOOL(NULL, "0 || 0.0", 0);
    EXPECT_ERROR(NULL, "\"a\" && true");
    EXPECT_ERROR(NULL, "true && \"a\"");
    EXPECT_BOOL(NULL, "false && \"a\"", 0);      /* short-circuit */
    EXPECT_BOOL(NULL, "true || 1/0", 1);
    EXPECT_BOOL(NULL, "true || false && false", 1);  /* && binds tighter */
    EXPECT_BOOL(NULL, "!false && false", 0);
    EXPECT_BOOL(NULL, "!(false && false)", 1);
}

static void test_conditionals(void **state)
{
    (void)state;
    EXPECT_INT(NULL, "true ? 1 : 2", 1);
    EXPECT_INT(NULL, "0 ? 1 : 2", 2);
    EXPECT_UNDEF(NULL, "undefined ? 1 : 2");
    EXPECT_ERROR(NULL, "error ? 1 : 2");
    EXPECT_ERROR(NULL, "\"x\" ? 1 : 2");
    EXPECT_INT(NULL, "false ? 1 : true ? 2 : 3", 2);     /* right-assoc */
    EXPECT_INT(NULL, "1 > 2 || 3 > 2 ? 10 : 20", 10);    /* ?: lowest */
}

static void test_elvis_and_subscript(void **state)
{
    (void)state;
    EXPECT_INT(NULL, "Missing ?: 7", 7);
    EXPECT_INT(NULL, "3 ?: 7", 3);
    EXPECT_ERROR(NULL, "error ?: 7");
    EXPECT_INT(NULL, "Missing ?: Other ?: 9", 9);
    EXPECT_INT(NULL, "{10, 20, 30}[1]", 20);
    EXPECT_ERROR(NULL, "{10}[1]");
    EXPECT_ERROR(NULL, "{10}[-1]");
    EXPECT_UNDEF(NULL, "Missing[0]");
}

/* "true ? 1/0 > 0 ? 5 : 6 : 7": 1/0 is ERROR so the inner ?: is ERROR. */
static void test_ternary_error_condition(void **state)
{
    (void)state;
    EXPECT_ERROR(NULL, "true ? 1/0 > 0 ? 5 : 6 : 7");
}

static sp_ad *job_ad(void)
{
    sp_ad *ad = sp_ad_new();
    assert_non_null(ad);
    set_int(ad, "JobUniverse", 5);
    set_str(ad, "CMS_Type", "production");
    set_int(ad, "JobStatus", 2);
    set_int(ad, "EnteredCurrentStatus", 1763700000);
    set_int(ad, "MemoryUsage", 3500);
    set_int(ad, "RequestCpus", 4);
    set_str(ad, "Owner", "alice");
    set_expr(ad, "RequestMemory",
             "ifThenElse(MemoryUsage =!= undefined, MemoryUsage, 2000)");
    set_val(ad, "MachineAttrHAS_SINGULARITY0", sp_cv_bool(1));
    set_val(ad, "MachineAttrDIRACBenchmark0", sp_cv_real(12.5));
    return ad;
}

static const char *queue_constraint =
    "(JobUniverse == 5) && (CMS_Type != \"DONOTMONIT\") && "
    "(JobStatus < 3 || EnteredCurrentStatus >= 1763800000)";

static void test_reference_pipeline(void **state)
{
    (void)state;
    sp_ad *ad = job_ad();
    char err[128];
    sp_cval v;

    EXPECT_INT(ad, "RequestMemory", 3500);
    assert_int_equal(sp_expr_eval_attr(ad, "requestmemory", &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.type, SP_CV_INT);
    assert_int_equal(v.u.i, 3500);
    EXPECT_INT(ad, "ifThenElse(MemoryUsage =!= undefined, MemoryUsage, 2000)", 3500);
    EXPECT_INT(ad, "RequestCpus", 4);
    assert_int_equal(sp_expr_eval_attr(ad, "RequestCpus", &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.u.i, 4);
    EXPECT_BOOL(ad, "MachineAttrHAS_SINGULARITY0 is true", 1);
    EXPECT_BOOL(ad, "MachineAttrDIRACBenchmark0 isnt undefined", 1);
    EXPECT_BOOL(ad, queue_constraint, 1);

    /* without MemoryUsage the default applies */
    assert_int_equal(sp_ad_remove(ad, "memoryusage", 11), 1);
    EXPECT_INT(ad, "RequestMemory", 2000);
    EXPECT_BOOL(ad, "MachineAttrHAS_SINGULARITY0 is true && MachineAttrNope0 is true", 0);
    assert_int_equal(sp_ad_remove(ad, "MachineAttrHAS_SINGULARITY0", 27), 1);
    assert_int_equal(sp_ad_remove(ad, "MachineAttrDIRACBenchmark0", 26), 1);
    EXPECT_BOOL(ad, "MachineAttrHAS_SINGULARITY0 is true", 0);
    EXPECT_BOOL(ad, "MachineAttrDIRACBenchmark0 isnt undefined", 0);
    set_str(ad, "MachineAttrHAS_SINGULARITY0", "true");
    EXPECT_BOOL(ad, "MachineAttrHAS_SINGULARITY0 is true", 0);  /* string, not bool */

    /* the queue constraint: each clause */
    set_str(ad, "CMS_Type", "donotmonit");                      /* != folds case */
    EXPECT_BOOL(ad, queue_constraint, 0);
    set_str(ad, "CMS_Type", "analysis");
    set_int(ad, "JobStatus", 4);
    EXPECT_BOOL(ad, queue_constraint, 0);
    set_int(ad, "EnteredCurrentStatus", 1763800000);
    EXPECT_BOOL(ad, queue_constraint, 1);
    set_int(ad, "JobUniverse", 12);
    EXPECT_BOOL(ad, queue_constraint, 0);
    set_int(ad, "JobUniverse", 5);
    assert_int_equal(sp_ad_remove(ad, "CMS_Type", 8), 1);       /* undefined != "x" */
    EXPECT_UNDEF(ad, queue_constraint);
    set_str(ad, "CMS_Type", "x");
    assert_int_equal(sp_ad_remove(ad, "JobStatus", 9), 1);      /* undefined || true */
    EXPECT_BOOL(ad, queue_constraint, 1);
    sp_ad_free(ad);
}

static void test_attribute_references(void **state)
{
    (void)state;
    sp_ad *ad = job_ad();
    EXPECT_STR(ad, "owner", "alice");
    EXPECT_STR(ad, "OWNER", "alice");
    EXPECT_STR(ad, "MY.Owner", "alice");
    EXPECT_STR(ad, "my.owner", "alice");
    EXPECT_STR(ad, ".Owner", "alice");
    EXPECT_STR(ad, "'Owner'", "alice");
    EXPECT_UNDEF(ad, "TARGET.Owner");
    EXPECT_UNDEF(ad, "target.Memory");
    EXPECT_UNDEF(ad, "NoSuchAttr");
    EXPECT_UNDEF(NULL, "Owner");
    EXPECT_UNDEF(NULL, "MY.Owner");

    set_expr(ad, "Double", "RequestMemory * 2");      /* chained expressions */
    EXPECT_INT(ad, "Double + 1", 7001);
    set_expr(ad, "Greeting", "strcat(\"hi \", Owner)");
    EXPECT_STR(ad, "Greeting", "hi alice");
    EXPECT_STR(ad, "toUpper(Greeting)", "HI ALICE");

    set_expr(ad, "A", "A + 1");                        /* self reference */
    EXPECT_ERROR(ad, "A");
    EXPECT_ERROR(ad, "MY.A");
    set_expr(ad, "B", "C * 2");                        /* mutual */
    set_expr(ad, "C", "B + 1");
    EXPECT_ERROR(ad, "B");
    /* a circular reference fails the whole evaluation in libclassad, so
     * nothing above it can test it (tests/oracle) */
    EXPECT_ERROR(ad, "isError(C)");
    set_expr(ad, "D", "A =?= error");
    EXPECT_ERROR(ad, "D");
    EXPECT_BOOL(ad, "true || A", 1);
    set_expr(ad, "Bad", "1 +");
    expect_unsupported(ad, "Bad", "syntax error");
    set_expr(ad, "Later", "time()");
    expect_unsupported(ad, "Later + 1", "time");

    /* a chain of 40 attributes is deeper than 32: ERROR */
    for (int i = 0; i < 40; i++) {
        char name[16], text[32];
        snprintf(name, sizeof(name), "L%d", i);
        snprintf(text, sizeof(text), "L%d + 1", i + 1);
        set_expr(ad, name, text);
    }
    set_int(ad, "L40", 0);
    EXPECT_INT(ad, "L20", 20);
    EXPECT_ERROR(ad, "L0");

    /* a nested ad */
    sp_ad *inner = sp_ad_new();
    assert_non_null(inner);
    set_int(inner, "X", 3);
    set_expr(inner, "Y", "X * 10");
    sp_cval adv = { .type = SP_CV_AD };
    adv.u.ad = inner;
    set_val(ad, "Inner", adv);
    EXPECT_INT(ad, "Inner.X", 3);
    EXPECT_INT(ad, "Inner.y + 1", 31);
    EXPECT_UNDEF(ad, "Inner.Z");
    EXPECT_UNDEF(ad, "Missing.X");
    EXPECT_ERROR(ad, "Owner.X");
    EXPECT_INT(ad, "Inner[\"X\"]", 3);
    EXPECT_INT(ad, "size(Inner)", 2);
    EXPECT_BOOL(ad, "isClassAd(Inner)", 1);
    sp_ad_free(inner);
    sp_ad_free(ad);
}

static void test_eval_attr(void **state)
{
    (void)state;
    sp_ad *ad = job_ad();
    char err[128];
    sp_cval v;
    assert_int_equal(sp_expr_eval_attr(ad, "Owner", &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.type, SP_CV_STRING);
    assert_string_equal(v.u.str.s, "alice");
    assert_int_equal(sp_expr_eval_attr(ad, "Absent", &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.type, SP_CV_UNDEFINED);
    set_expr(ad, "S", "\"lit\" + 0 =?= error ? \"from expr\" : \"no\"");
    assert_int_equal(sp_expr_eval_attr(ad, "S", &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.type, SP_CV_STRING);
    assert_string_equal(v.u.str.s, "from expr");
    set_expr(ad, "Self", "Self");
    assert_int_equal(sp_expr_eval_attr(ad, "Self", &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.type, SP_CV_ERROR);
    set_expr(ad, "T", "time() - 5");
    assert_int_equal(sp_expr_eval_attr(ad, "T", &arena, &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "time"));
    assert_int_equal(sp_expr_eval_attr(NULL, "T", &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.type, SP_CV_UNDEFINED);
    sp_ad_free(ad);
}

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

static char *repeat(const char *head, const char *unit, int n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * (size_t)n + tl + 1);
    assert_non_null(s);
    memcpy(s, head, hl);
    for (int i = 0; i < n; i++)
        memcpy(s + hl + ul * (size_t)i, unit, ul);
    memcpy(s + hl + ul * (size_t)n, tail, tl + 1);
    return s;
}

static char *nested(int n)
{
    char *s = malloc((size_t)n * 2 + 2);
    assert_non_null(s);
    memset(s, '(', (size_t)n);
    s[n] = '1';
    memset(s + n + 1, ')', (size_t)n);
    s[2 * n + 1] = '\0';
    return s;
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

/* Attributes whose evaluation doubles at every level must not hang or
 * eat memory: they stop at the budget as unsupported. */
static void test_budget(void **state)
{
    (void)state;
    sp_ad *ad = sp_ad_new();
    assert_non_null(ad);
    for (int i = 0; i < 31; i++) {
        char name[16], text[64];
        snprintf(name, sizeof(name), "E%d", i);
        snprintf(text, sizeof(text), "E%d + E%d", i + 1, i + 1);
        set_expr(ad, name, text);
        snprintf(name, sizeof(name), "S%d", i);
        snprintf(text, sizeof(text), "strcat(S%d, S%d)", i + 1, i + 1);
        set_expr(ad, name, text);
    }
    set_int(ad, "E31", 1);
    set_str(ad, "S31", "0123456789abcdef0123456789abcdef");
    EXPECT_INT(ad, "E20", 2048);
    expect_unsupported(ad, "E0", "too many steps");
    expect_unsupported(ad, "S0", "memory");
    /* a 900-deep chain referenced from a 30-deep attribute chain is fine;
     * three such chains on top of each other are too deep: ERROR */
    char *chain = repeat("1", " + 1", 900, "");
    set_expr(ad, "Deep", chain);
    free(chain);
    chain = repeat("Deep", " + 1", 900, "");
    set_expr(ad, "Deeper", chain);
    free(chain);
    chain = repeat("Deeper", " + 1", 900, "");
    set_expr(ad, "Deepest", chain);
    free(chain);
    EXPECT_INT(ad, "Deeper", 1801);
    EXPECT_ERROR(ad, "Deepest");
    for (int i = 0; i < 30; i++) {
        char name[16], text[32];
        snprintf(name, sizeof(name), "R%d", i);
        snprintf(text, sizeof(text), "0 + R%d", i + 1);
        set_expr(ad, name, text);
    }
    set_expr(ad, "R30", "Deep");
    EXPECT_INT(ad, "R28", 901);
    EXPECT_INT(ad, "R0 + R0", 1802);
    sp_ad_free(ad);
}

/* Results outlive the expression: strings are copied into the arena. */
static void test_result_ownership(void **state)
{
    (void)state;
    char err[64];
    sp_cval v;
    char *text = strdup("{\"x\", \"yz\"}");
    sp_expr *e = sp_expr_parse(text, strlen(text), err, sizeof(err));
    assert_non_null(e);
    free(text);                                  /* the tree keeps no pointer */
    assert_int_equal(sp_expr_eval(e, NULL, &arena, &v, err, sizeof(err)), 0);
    sp_expr_free(e);
    assert_int_equal(v.type, SP_CV_LIST);
    assert_string_equal(v.u.list.items[1].u.str.s, "yz");
    v = ev(NULL, "\"kept\"");
    assert_string_equal(v.u.str.s, "kept");
    /* the same expression evaluated against several ads */
    e = sp_expr_parse("Owner == \"alice\"", 16, err, sizeof(err));
    assert_non_null(e);
    sp_ad *ad = job_ad();
    assert_int_equal(sp_expr_eval(e, ad, &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.u.b, 1);
    set_str(ad, "Owner", "bob");
    assert_int_equal(sp_expr_eval(e, ad, &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.u.b, 0);
    assert_int_equal(sp_expr_eval(e, NULL, &arena, &v, err, sizeof(err)), 0);
    assert_int_equal(v.type, SP_CV_UNDEFINED);
    sp_expr_free(e);
    sp_ad_free(ad);
}

/* The parse cache filling up while cached expressions are being evaluated
 * up the stack (X -> Y -> Z) must not free them (fuzz_convert found it). */
static void test_cache_full_during_nested_eval(void **state)
{
    (void)state;
    sp_expr_cache *cache = sp_expr_cache_new();
    sp_ad *ad = sp_ad_new();
    char text[64], err[128];
    for (int i = 0; i < 3000; i++) {
        sp_ad_reset(ad);
        snprintf(text, sizeof(text), "Y + %d", i);
        set_expr(ad, "X", text);
        snprintf(text, sizeof(text), "Z * 2 + %d", i);
        set_expr(ad, "Y", text);
        snprintf(text, sizeof(text), "1 + %d", i);
        set_expr(ad, "Z", text);
        sp_cval v;
        assert_int_equal(sp_expr_eval_attr_cached(ad, "X", cache, ad->arena, &v, err, sizeof(err)), 0);
        assert_int_equal(v.type, SP_CV_INT);
        assert_int_equal(v.u.i, 2 * (1 + i) + 2 * i);
    }
    sp_ad_free(ad);
    sp_expr_cache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_full_during_nested_eval),
        cmocka_unit_test_teardown(test_literals, teardown),
        cmocka_unit_test_teardown(test_arithmetic, teardown),
        cmocka_unit_test_teardown(test_comparisons, teardown),
        cmocka_unit_test_teardown(test_meta_equality, teardown),
        cmocka_unit_test_teardown(test_three_valued_logic, teardown),
        cmocka_unit_test_teardown(test_conditionals, teardown),
        cmocka_unit_test_teardown(test_ternary_error_condition, teardown),
        cmocka_unit_test_teardown(test_elvis_and_subscript, teardown),
        cmocka_unit_test_teardown(test_reference_pipeline, teardown),
        cmocka_unit_test_teardown(test_attribute_references, teardown),
        cmocka_unit_test_teardown(test_eval_attr, teardown),
        cmocka_unit_test_teardown(test_type_functions, teardown),
        cmocka_unit_test_teardown(test_conversion_functions, teardown),
        cmocka_unit_test_teardown(test_min_max_sum, teardown),
        cmocka_unit_test_teardown(test_string_functions, teardown),
        cmocka_unit_test_teardown(test_unsupported, teardown),
        cmocka_unit_test_teardown(test_syntax_errors, teardown),
        cmocka_unit_test_teardown(test_deep_nesting, teardown),
        cmocka_unit_test_teardown(test_budget, teardown),
        cmocka_unit_test_teardown(test_result_ownership, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
