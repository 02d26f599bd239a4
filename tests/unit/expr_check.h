/* expr_check.h - what the tests of the ClassAd expression evaluator share
 * (test_classad_expr_parse.c, test_classad_expr.c, test_classad_expr_fn.c):
 * evaluating a text with assertions on its value (EXPECT_*), building
 * test ads, and long generated inputs. Header-only and static: each test
 * program has its own result arena, freed by teardown() after each test;
 * repeat() and nested() return malloc'd text the caller frees. */
#ifndef SPIDER_TEST_EXPR_CHECK_H
#define SPIDER_TEST_EXPR_CHECK_H

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
static inline sp_cval ev(const sp_ad *ad, const char *text)
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

static inline void expect_unsupported(const sp_ad *ad, const char *text, const char *msg)
{
    char err[256] = "";
    sp_cval v;
    int rc = sp_expr_eval_text(text, strlen(text), ad, &arena, &v, err, sizeof(err));
    if (rc != -1)
        fail_msg("%s: rc %d type %d, want -1", text, rc, v.type);
    if (msg && !strstr(err, msg))
        fail_msg("%s: message '%s' lacks '%s'", text, err, msg);
}

static inline void expect_syntax_error(const char *text)
{
    char err[256] = "";
    sp_expr *e = sp_expr_parse(text, strlen(text), err, sizeof(err));
    if (e)
        fail_msg("'%s' parsed", text);
    if (!strstr(err, "syntax error"))
        fail_msg("'%s': message '%s'", text, err);
}

/* ---- ads ---- */

static inline void set_int(sp_ad *ad, const char *name, long long i)
{
    sp_cval v = sp_cv_int(i);
    assert_int_equal(sp_ad_set(ad, name, strlen(name), &v), 0);
}

static inline void set_str(sp_ad *ad, const char *name, const char *s)
{
    sp_cval v = sp_cv_string(ad->arena, s, strlen(s));
    assert_int_equal(sp_ad_set(ad, name, strlen(name), &v), 0);
}

static inline void set_expr(sp_ad *ad, const char *name, const char *text)
{
    sp_cval v = sp_cv_string(ad->arena, text, strlen(text));
    v.type = SP_CV_EXPR;
    assert_int_equal(sp_ad_set(ad, name, strlen(name), &v), 0);
}

static inline void set_val(sp_ad *ad, const char *name, sp_cval v)
{
    assert_int_equal(sp_ad_set(ad, name, strlen(name), &v), 0);
}

static inline int teardown(void **state)
{
    (void)state;
    sp_arena_free(&arena);
    memset(&arena, 0, sizeof(arena));
    return 0;
}

/* ---- long inputs ---- */

static inline char *repeat(const char *head, const char *unit, int n, const char *tail)
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

static inline char *nested(int n)
{
    char *s = malloc((size_t)n * 2 + 2);
    assert_non_null(s);
    memset(s, '(', (size_t)n);
    s[n] = '1';
    memset(s + n + 1, ')', (size_t)n);
    s[2 * n + 1] = '\0';
    return s;
}

#endif
