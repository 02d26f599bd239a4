/* fuzz_classad_expr.c - libFuzzer target for the ClassAd expression
 * evaluator: the first line of the input is an expression, every further
 * line "Name=text" becomes an SP_CV_EXPR attribute of the ad it is
 * evaluated against (so recursive and circular references are reached),
 * and each attribute is also evaluated on its own. Results must be
 * readable values; nothing may crash, hang or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classad_expr.h"

/* Touches every byte a value points to, so ASan catches bad pointers. */
static void check_value(const sp_cval *v, int depth)
{
    volatile char sink = 0;
    if (depth > 2000)
        abort();
    switch (v->type) {
    case SP_CV_STRING:
        for (size_t i = 0; i <= v->u.str.len; i++)   /* NUL included */
            sink ^= v->u.str.s[i];
        if (v->u.str.s[v->u.str.len] != '\0')
            abort();
        break;
    case SP_CV_LIST:
        for (size_t i = 0; i < v->u.list.n; i++)
            check_value(&v->u.list.items[i], depth + 1);
        break;
    case SP_CV_UNDEFINED: case SP_CV_ERROR: case SP_CV_BOOL:
    case SP_CV_INT: case SP_CV_REAL: case SP_CV_AD:
        break;
    default:
        abort();      /* EXPR never leaves the evaluator */
    }
    (void)sink;
}

/* Adds "Name=text" (name up to '=', at most 64 bytes) as an EXPR. */
static void add_line(sp_ad *ad, const char *line, size_t len)
{
    const char *eq = memchr(line, '=', len);
    if (!eq || eq == line || eq - line > 64)
        return;
    size_t nlen = (size_t)(eq - line);
    sp_cval v = sp_cv_string(ad->arena, eq + 1, len - nlen - 1);
    if (v.type != SP_CV_STRING)
        return;
    v.type = SP_CV_EXPR;
    sp_ad_set(ad, line, nlen, &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_arena arena;
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t first = nl ? (size_t)(nl - text) : size;
    sp_ad *ad = sp_ad_new();
    if (!ad)
        return 0;
    sp_cval fixed = sp_cv_int(5);
    sp_ad_set(ad, "JobUniverse", 11, &fixed);
    fixed = sp_cv_string(ad->arena, "cms", 3);
    sp_ad_set(ad, "Owner", 5, &fixed);
    for (size_t pos = first + 1; pos < size;) {
        const char *end = memchr(text + pos, '\n', size - pos);
        size_t len = end ? (size_t)(end - (text + pos)) : size - pos;
        add_line(ad, text + pos, len);
        pos += len + 1;
    }

    char err[256];
    sp_cval out;
    sp_expr *e = sp_expr_parse(text, first, err, sizeof(err));
    if (e) {
        if (sp_expr_eval(e, ad, &arena, &out, err, sizeof(err)) == 0)
            check_value(&out, 0);
        if (sp_expr_eval(e, NULL, &arena, &out, err, sizeof(err)) == 0)
            check_value(&out, 0);
        sp_expr_free(e);
    }
    for (size_t i = 0; i < ad->n && i < 16; i++)
        if (sp_expr_eval_attr(ad, ad->attrs[i].name, &arena, &out, err, sizeof(err)) == 0)
            check_value(&out, 0);
    sp_ad_free(ad);
    sp_arena_reset(&arena);
    return 0;
}
