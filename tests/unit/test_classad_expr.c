/* test_classad_expr.c - the evaluation side of the ClassAd expression
 * evaluator (classad_expr.c): operators and their precedence, ClassAd's
 * three-valued logic, UNDEFINED/ERROR propagation, meta-equality, attribute
 * references (MY., TARGET., recursive and circular expressions), the
 * expressions the reference pipeline evaluates, the budget that keeps
 * hostile input from hanging, result ownership and the parse cache.
 * Parsing is tested in test_classad_expr_parse.c, the functions in
 * test_classad_expr_fn.c. */
#include "expr_check.h"

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

/* "true ? 1/0 > 0 ? 5 : 6 : 7": 1/0 is ERROR so the inner ?: is ERROR. */
static void test_ternary_error_condition(void **state)
{
    (void)state;
    EXPECT_ERROR(NULL, "true ? 1/0 > 0 ? 5 : 6 : 7");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_full_during_nested_eval),
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
        cmocka_unit_test_teardown(test_budget, teardown),
        cmocka_unit_test_teardown(test_result_ownership, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
