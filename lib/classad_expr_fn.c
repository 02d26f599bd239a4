/* classad_expr_fn.c - conversions (value.cpp) and the function
 * library of the ClassAd evaluator (fnCall.cpp, compat_classad.cpp); the
 * table of functions is at the end (see classad_expr_internal.h). */
#include "classad_expr_internal.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* Conversions (value.cpp).                                             */

/* A growable string in the arena (for unparsing). */
typedef struct {
    evctx *c;
    char *s;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = sp_expr_ev_alloc(b->c, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        if (b->len)
            memcpy(d, b->s, b->len);
        b->s = d;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_addz(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void unparse_real(sbuf *b, double r)
{
    char tmp[64];
    if (r == 0.0)
        snprintf(tmp, sizeof(tmp), "%.1f", r);
    else
        snprintf(tmp, sizeof(tmp), "%1.15E", r);
    sb_addz(b, tmp);
}

static void unparse_string(sbuf *b, const char *s, size_t n)
{
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = NULL;
        char tmp[8];
        switch (ch) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\a': esc = "\\a"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\v': esc = "\\v"; break;
        default:
            if (!isprint(ch)) {
                snprintf(tmp, sizeof(tmp), "\\%03o", ch);
                esc = tmp;
            }
        }
        if (esc)
            sb_addz(b, esc);
        else
            sb_add(b, (const char *)&s[i], 1);
    }
    sb_add(b, "\"", 1);
}

static int unparse(evctx *c, const sp_ad *ad, const sp_cval *v, sbuf *b, int depth);

/* A nested ad as "[ a = 1; b = x + 1 ]": values unparsed, expressions as
 * the ad's text has them (HTCondor printed them). */
static int unparse_ad(evctx *c, const sp_ad *nested, sbuf *b, int depth)
{
    sb_addz(b, "[ ");
    for (size_t i = 0; i < nested->n; i++) {
        const sp_ad_attr *at = &nested->attrs[i];
        sb_add(b, at->name, at->name_len);
        sb_addz(b, " = ");
        if (unparse(c, nested, &at->v, b, depth + 1) < 0)
            return -1;
        if (i + 1 < nested->n)
            sb_addz(b, "; ");
    }
    sb_addz(b, " ]");
    return 0;
}

/* ClassAdUnParser::Unparse of a value. */
static int unparse(evctx *c, const sp_ad *ad, const sp_cval *v, sbuf *b, int depth)
{
    char tmp[32];
    if (depth > MAX_TREE_HEIGHT)
        return sp_expr_unsupported(c, "list nested too deeply");
    switch (v->type) {
    case SP_CV_UNDEFINED: sb_addz(b, "undefined"); return 0;
    case SP_CV_ERROR: sb_addz(b, "error"); return 0;
    case SP_CV_BOOL: sb_addz(b, v->u.b ? "true" : "false"); return 0;
    case SP_CV_INT: snprintf(tmp, sizeof(tmp), "%lld", v->u.i); sb_addz(b, tmp); return 0;
    case SP_CV_REAL: unparse_real(b, v->u.r); return 0;
    case SP_CV_STRING: unparse_string(b, v->u.str.s, v->u.str.len); return 0;
    case SP_CV_LIST:
        sb_addz(b, "{ ");
        for (size_t i = 0; i < v->u.list.n; i++) {
            sp_cval item;
            if (sp_expr_resolve(c, ad, &v->u.list.items[i], &item) < 0 ||
                unparse(c, ad, &item, b, depth + 1) < 0)
                return -1;
            if (i + 1 < v->u.list.n)
                sb_add(b, ",", 1);
        }
        sb_addz(b, " }");
        return 0;
    case SP_CV_AD: return unparse_ad(c, v->u.ad, b, depth);
    default:   /* SP_CV_EXPR, inside lists and nested ads: as printed */
        sb_add(b, v->u.str.s, v->u.str.len);
        return 0;
    }
}

/* convertValueToStringValue: 1 converted, 0 not (out UNDEFINED/ERROR),
 * -1 unsupported. */
static int to_string(evctx *c, const sp_ad *ad, const sp_cval *v, sp_cval *out)
{
    if (v->type == SP_CV_STRING) {
        *out = *v;
        return 1;
    }
    if (is_exceptional(v)) {
        set_type(out, v->type);
        return 0;
    }
    sbuf b = { .c = c };
    if (unparse(c, ad, v, &b, 0) < 0)
        return -1;
    if (b.failed)
        return sp_expr_ev_nomem(c);
    return sp_expr_make_string(c, b.s ? b.s : "", b.len, out) < 0 ? -1 : 1;
}

/* strtod on a value's string (which is NUL-terminated). */
static int parse_num(const sp_cval *v, double *r)
{
    char *end;
    errno = 0;
    *r = strtod(v->u.str.s, &end);
    return !(end == v->u.str.s && *r == 0.0);
}

/* convertValueToRealValue: 1 converted, 0 not (out UNDEFINED/ERROR). */
static int to_real(const sp_cval *v, sp_cval *out)
{
    double r;
    switch (v->type) {
    case SP_CV_UNDEFINED: set_type(out, SP_CV_UNDEFINED); return 0;
    case SP_CV_BOOL: case SP_CV_INT: case SP_CV_REAL:
        set_real(out, num_real(v));
        return out->type == SP_CV_REAL;
    case SP_CV_STRING:
        if (!parse_num(v, &r)) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
        set_real(out, r);
        return out->type == SP_CV_REAL;
    default: set_type(out, SP_CV_ERROR); return 0;
    }
}

/* convertValueToIntegerValue: 1 converted, 0 not (out UNDEFINED/ERROR). */
static int to_int(const sp_cval *v, sp_cval *out)
{
    double r;
    switch (v->type) {
    case SP_CV_UNDEFINED: set_type(out, SP_CV_UNDEFINED); return 0;
    case SP_CV_BOOL: set_int(out, v->u.b); return 1;
    case SP_CV_INT: *out = *v; return 1;
    case SP_CV_REAL: r = v->u.r; break;
    case SP_CV_STRING:
        if (!parse_num(v, &r)) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
        break;
    default: set_type(out, SP_CV_ERROR); return 0;
    }
    set_int(out, real_to_ll(r));
    return 1;
}

/* ------------------------------------------------------------------ */
/* Functions (fnCall.cpp, compat_classad.cpp).                          */

typedef int (*fn_impl)(evctx *c, const sp_ad *ad, const char *name,
                       node *const *args, size_t n, sp_cval *out);

/* Evaluates args[0..n) into v[]. */
static int eval_args(evctx *c, const sp_ad *ad, node *const *args, size_t n, sp_cval *v)
{
    for (size_t i = 0; i < n; i++)
        if (sp_expr_eval_node(c, args[i], ad, &v[i]) < 0)
            return -1;
    return 0;
}

/* Exactly `want` arguments evaluated into v, or out = ERROR and 1. */
static int args_exact(evctx *c, const sp_ad *ad, node *const *args, size_t n,
                      size_t want, sp_cval *v, sp_cval *out)
{
    if (n != want) {
        set_type(out, SP_CV_ERROR);
        return 1;
    }
    return eval_args(c, ad, args, n, v) < 0 ? -1 : 0;
}

#define ARGS(want, v) do {                                               \
        int rc_ = args_exact(c, ad, args, n, (want), (v), out);          \
        if (rc_) return rc_ < 0 ? -1 : 0;                                \
    } while (0)

static int fn_is_type(evctx *c, const sp_ad *ad, const char *name,
                      node *const *args, size_t n, sp_cval *out)
{
    static const struct { const char *name; sp_cv_type t; } types[] = {
        { "isundefined", SP_CV_UNDEFINED }, { "iserror", SP_CV_ERROR },
        { "isstring", SP_CV_STRING }, { "isinteger", SP_CV_INT },
        { "isreal", SP_CV_REAL }, { "isboolean", SP_CV_BOOL },
        { "islist", SP_CV_LIST }, { "isclassad", SP_CV_AD },
    };
    sp_cval v;
    ARGS(1, &v);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(name, types[i].name) == 0)
            set_bool(out, v.type == types[i].t);
    return 0;
}

static int fn_if_then_else(evctx *c, const sp_ad *ad, const char *name,
                           node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval cond;
    int b;
    if (n != 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (sp_expr_eval_node(c, args[0], ad, &cond) < 0)
        return -1;
    if (bool_equiv(&cond, &b))
        return sp_expr_eval_node(c, args[b ? 1 : 2], ad, out);
    set_type(out, cond.type == SP_CV_UNDEFINED ? SP_CV_UNDEFINED : SP_CV_ERROR);
    return 0;
}

static int fn_int(evctx *c, const sp_ad *ad, const char *name,
                  node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v;
    ARGS(1, &v);
    to_int(&v, out);
    return 0;
}

static int fn_real(evctx *c, const sp_ad *ad, const char *name,
                   node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v;
    ARGS(1, &v);
    to_real(&v, out);
    return 0;
}

static int fn_string(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v;
    ARGS(1, &v);
    return to_string(c, ad, &v, out) < 0 ? -1 : 0;
}

/* floor, ceiling, round: an int stays, anything else goes through real. */
static int fn_round(evctx *c, const sp_ad *ad, const char *name,
                    node *const *args, size_t n, sp_cval *out)
{
    sp_cval v, r;
    ARGS(1, &v);
    if (v.type == SP_CV_INT) {
        *out = v;
        return 0;
    }
    if (!to_real(&v, &r)) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    double x = strcasecmp(name, "floor") == 0 ? floor(r.u.r)
             : strcasecmp(name, "round") == 0 ? rint(r.u.r) : ceil(r.u.r);
    set_int(out, real_to_ll(x));
    return 0;
}

static int fn_pow(evctx *c, const sp_ad *ad, const char *name,
                  node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[2], x, y;
    ARGS(2, v);
    if (v[0].type == SP_CV_INT && v[1].type == SP_CV_INT && v[1].u.i >= 0) {
        /* as HTCondor: (long long)(pow + 0.5), truncating */
        set_int(out, real_to_ll(pow((double)v[0].u.i, (double)v[1].u.i) + 0.5));
        return 0;
    }
    if (!to_real(&v[0], &x) || !to_real(&v[1], &y))
        set_type(out, SP_CV_ERROR);
    else
        set_real(out, pow(x.u.r, y.u.r));
    return 0;
}

/* The one list argument of min/max/sum/avg: 1 ok, 0 out is set, -1. */
static int list_arg(evctx *c, const sp_ad *ad, node *const *args, size_t n,
                    sp_cval *list, sp_cval *out)
{
    int rc = args_exact(c, ad, args, n, 1, list, out);
    if (rc)
        return rc < 0 ? -1 : 0;
    if (list->type == SP_CV_LIST)
        return 1;
    set_type(out, list->type == SP_CV_UNDEFINED ? SP_CV_UNDEFINED : SP_CV_ERROR);
    return 0;
}

static int fn_min_max(evctx *c, const sp_ad *ad, const char *name,
                      node *const *args, size_t n, sp_cval *out)
{
    sp_cval list, item, cmp, best = { .type = SP_CV_UNDEFINED };
    int rc = list_arg(c, ad, args, n, &list, out);
    if (rc <= 0)
        return rc;
    tok_type op = tolower((unsigned char)name[1]) == 'i' ? T_LT : T_GT;
    int any_real = 0;
    for (size_t i = 0; i < list.u.list.n; i++) {
        if (sp_expr_resolve(c, ad, &list.u.list.items[i], &item) < 0)
            return -1;
        if (item.type == SP_CV_UNDEFINED)
            continue;
        if (!is_number(&item)) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
        any_real |= item.type == SP_CV_REAL;
        if (best.type == SP_CV_UNDEFINED) {
            best = item;
            continue;
        }
        sp_expr_compare(op, item, best, &cmp);
        if (cmp.type == SP_CV_BOOL && cmp.u.b)
            best = item;
    }
    if (any_real && best.type != SP_CV_REAL)   /* one real makes the result real */
        set_real(&best, num_real(&best));
    *out = best;
    return 0;
}

static int fn_sum_avg(evctx *c, const sp_ad *ad, const char *name,
                      node *const *args, size_t n, sp_cval *out)
{
    sp_cval list, item, sum;
    size_t count = 0;
    int rc = list_arg(c, ad, args, n, &list, out);
    if (rc <= 0)
        return rc;
    set_int(&sum, 0);
    for (size_t i = 0; i < list.u.list.n; i++) {
        if (sp_expr_resolve(c, ad, &list.u.list.items[i], &item) < 0)
            return -1;
        if (item.type == SP_CV_UNDEFINED)
            continue;
        if (!is_number(&item)) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
        if (count++ == 0)
            sum = item;
        else
            sp_expr_arith(T_PLUS, sum, item, &sum);
    }
    if (strcasecmp(name, "avg") == 0 && count > 0) {
        sp_cval len;
        set_real(&len, (double)count);
        if (!is_exceptional(&sum))
            sp_expr_arith(T_DIV, sum, len, &sum);
    }
    *out = sum;
    return 0;
}

static int fn_size(evctx *c, const sp_ad *ad, const char *name,
                   node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v;
    ARGS(1, &v);
    switch (v.type) {
    case SP_CV_UNDEFINED: set_type(out, SP_CV_UNDEFINED); break;
    case SP_CV_LIST: set_int(out, (long long)v.u.list.n); break;
    case SP_CV_AD: set_int(out, (long long)v.u.ad->n); break;
    case SP_CV_STRING: set_int(out, (long long)v.u.str.len); break;
    default: set_type(out, SP_CV_ERROR); break;
    }
    return 0;
}

static int fn_strcat(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sbuf b = { .c = c };
    for (size_t i = 0; i < n; i++) {
        sp_cval v, s = { 0 };   /* = { 0 }: GCC -O3 (Release) warns maybe-uninitialized, a false positive */
        if (sp_expr_eval_node(c, args[i], ad, &v) < 0)
            return -1;
        int rc = to_string(c, ad, &v, &s);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            set_type(out, s.type);
            return 0;
        }
        sb_add(&b, s.u.str.s, s.u.str.len);
    }
    if (b.failed)
        return sp_expr_ev_nomem(c);
    return sp_expr_make_string(c, b.s ? b.s : "", b.len, out);
}

static int fn_change_case(evctx *c, const sp_ad *ad, const char *name,
                          node *const *args, size_t n, sp_cval *out)
{
    sp_cval v, s;
    ARGS(1, &v);
    int rc = to_string(c, ad, &v, &s);
    if (rc <= 0) {
        if (rc == 0)
            set_type(out, s.type);
        return rc;
    }
    if (sp_expr_make_string(c, s.u.str.s, s.u.str.len, out) < 0)
        return -1;
    int lower = strcasecmp(name, "tolower") == 0;
    char *d = (char *)out->u.str.s;
    for (size_t i = 0; i < out->u.str.len; i++)
        d[i] = (char)(lower ? tolower((unsigned char)d[i]) : toupper((unsigned char)d[i]));
    return 0;
}

/* The low 32 bits as a signed int: libclassad reads substr's offsets into
 * an int. */
static long long clamp_int(long long v)
{
    return (long long)(int32_t)(uint32_t)(unsigned long long)v;
}

/* substr(s, offset [, length]), perl-like negative offset and length. */
static int fn_substr(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[3];
    if (n < 2 || n > 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (v[i].type == SP_CV_UNDEFINED) {
            set_type(out, SP_CV_UNDEFINED);
            return 0;
        }
    if (v[0].type != SP_CV_STRING || v[1].type != SP_CV_INT ||
        (n > 2 && v[2].type != SP_CV_INT)) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    long long alen = (long long)v[0].u.str.len, off = clamp_int(v[1].u.i);
    long long len = n > 2 ? clamp_int(v[2].u.i) : 0;
    if (off < 0) {
        off += alen;
        if (off < 0)
            off = 0;
    } else if (off >= alen) {
        off = alen;
    }
    if (len <= 0) {
        len = alen - off + len;
        if (len < 0)
            len = 0;
    } else if (len > alen - off) {
        len = alen - off;
    }
    if (n > 2 && v[2].u.i == 0)
        len = 0;
    return sp_expr_make_string(c, v[0].u.str.s + off, (size_t)len, out);
}

static int fn_strcmp(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    sp_cval v[2], s[2];
    ARGS(2, v);
    if (v[0].type == SP_CV_UNDEFINED || v[1].type == SP_CV_UNDEFINED) {
        set_type(out, SP_CV_UNDEFINED);
        return 0;
    }
    for (int i = 0; i < 2; i++) {
        int rc = to_string(c, ad, &v[i], &s[i]);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
    }
    int fold = strcasecmp(name, "stricmp") == 0;
    set_int(out, ci_cmp(s[0].u.str.s, s[0].u.str.len, s[1].u.str.s, s[1].u.str.len, fold));
    return 0;
}

/* member / identicalMember: x equal (==, or =?=) to an element. */
static int fn_member(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    sp_cval v[2], item, r;
    int is = strcasecmp(name, "identicalmember") == 0;
    ARGS(2, v);
    if (v[1].type == SP_CV_UNDEFINED || (!is && v[0].type == SP_CV_UNDEFINED)) {
        set_type(out, SP_CV_UNDEFINED);
        return 0;
    }
    if (v[1].type != SP_CV_LIST || v[0].type == SP_CV_LIST || v[0].type == SP_CV_AD ||
        (!is && v[0].type == SP_CV_ERROR)) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    for (size_t i = 0; i < v[1].u.list.n; i++) {
        if (sp_expr_resolve(c, ad, &v[1].u.list.items[i], &item) < 0)
            return -1;
        if (!is && sp_expr_strict_exceptional(&item, NULL, &r))
            continue;
        sp_expr_compare(is ? T_META_EQ : T_EQ, item, v[0], &r);
        if (r.type == SP_CV_BOOL && r.u.b) {
            set_bool(out, 1);
            return 0;
        }
    }
    set_bool(out, 0);
    return 0;
}

/* StringTokenIterator: the next token of s[*pos..len) split at any byte
 * of delims, white space trimmed, empty tokens skipped. 0 at the end. */
static int next_token(const char *s, size_t len, const char *delims, size_t *pos,
                      const char **tok, size_t *toklen)
{
    size_t i = *pos;
    while (i < len && s[i] && (strchr(delims, s[i]) || sp_expr_is_space((unsigned char)s[i])))
        i++;
    size_t start = i, end = i;
    while (i < len && s[i] && !strchr(delims, s[i])) {
        if (!sp_expr_is_space((unsigned char)s[i]))
            end = i + 1;
        i++;
    }
    *pos = i;
    if (i <= start)
        return 0;
    *tok = s + start;
    *toklen = end - start;
    return 1;
}

/* The delimiter set of argument v, or dflt; NULL when v is not a string. */
static const char *delims_of(const sp_cval *v, int given, const char *dflt)
{
    if (!given || v->type == SP_CV_UNDEFINED)
        return dflt;
    return v->type == SP_CV_STRING ? v->u.str.s : NULL;
}

static int fn_string_list_size(evctx *c, const sp_ad *ad, const char *name,
                               node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[2];
    if (n < 1 || n > 2) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    const char *delims = n > 1 && v[1].type == SP_CV_STRING ? v[1].u.str.s : ", ";
    if (v[0].type != SP_CV_STRING || (n > 1 && v[1].type != SP_CV_STRING)) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    size_t pos = 0, toklen, count = 0;
    const char *tok;
    while (next_token(v[0].u.str.s, v[0].u.str.len, delims, &pos, &tok, &toklen))
        count++;
    set_int(out, (long long)count);
    return 0;
}

/* stringListMember(item, list [, delims]) and stringListIMember. */
static int fn_string_list_member(evctx *c, const sp_ad *ad, const char *name,
                                 node *const *args, size_t n, sp_cval *out)
{
    sp_cval v[3];
    if (n < 2 || n > 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    const char *delims = delims_of(&v[2], n > 2, ", \t\r\n");
    for (int i = 0; i < 2; i++)
        if (v[i].type != SP_CV_UNDEFINED && v[i].type != SP_CV_STRING)
            delims = NULL;
    if (!delims) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (v[0].type == SP_CV_UNDEFINED && v[1].type == SP_CV_UNDEFINED) {
        set_type(out, SP_CV_UNDEFINED);
        return 0;
    }
    const char *item = v[0].type == SP_CV_STRING ? v[0].u.str.s : "";
    size_t item_len = v[0].type == SP_CV_STRING ? v[0].u.str.len : 0;
    const char *list = v[1].type == SP_CV_STRING ? v[1].u.str.s : "";
    size_t list_len = v[1].type == SP_CV_STRING ? v[1].u.str.len : 0;
    int fold = tolower((unsigned char)name[10]) == 'i';
    size_t pos = 0, toklen;
    const char *tok;
    set_bool(out, 0);
    while (next_token(list, list_len, delims, &pos, &tok, &toklen))
        if (ci_cmp(tok, toklen, item, item_len, fold) == 0)
            set_bool(out, 1);
    return 0;
}

/* stringListsIntersect(a, b [, delims]): a token of a is a token of b
 * (case-sensitive; real Requirements use it, e.g. FNAL jobsub's). */
static int fn_string_lists_intersect(evctx *c, const sp_ad *ad, const char *name,
                                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[3];
    if (n < 2 || n > 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    /* an ERROR argument wins, then an UNDEFINED one, then a non-string */
    int error = 0, undef = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        error |= v[i].type == SP_CV_ERROR;
        undef |= v[i].type == SP_CV_UNDEFINED;
        other |= v[i].type != SP_CV_STRING;
    }
    if (error || undef || other) {
        set_type(out, !error && undef ? SP_CV_UNDEFINED : SP_CV_ERROR);
        return 0;
    }
    const char *delims = n > 2 ? v[2].u.str.s : ", ";
    size_t pa = 0, la;
    const char *ta;
    set_bool(out, 0);
    while (!out->u.b && next_token(v[0].u.str.s, v[0].u.str.len, delims, &pa, &ta, &la)) {
        size_t pb = 0, lb;
        const char *tb;
        while (next_token(v[1].u.str.s, v[1].u.str.len, delims, &pb, &tb, &lb))
            if (ci_cmp(ta, la, tb, lb, 0) == 0) {
                set_bool(out, 1);
                break;
            }
    }
    return 0;
}

/* PCRE to POSIX ERE: \d and \D outside brackets are rewritten; other
 * PCRE-only syntax is refused (0) rather than matched differently. */
static int pcre_to_ere(const char *pat, sbuf *b)
{
    int in_bracket = 0;
    for (size_t i = 0; pat[i]; i++) {
        char ch = pat[i], nx = pat[i + 1];
        if (in_bracket) {
            if (ch == '[' && nx == ':') {
                const char *end = strstr(pat + i + 2, ":]");
                if (!end)
                    return 0;
                sb_add(b, pat + i, (size_t)(end + 2 - (pat + i)));
                i = (size_t)(end + 1 - pat);
                in_bracket++;
                continue;
            }
            if (ch == '\\' || (ch == '[' && (nx == '.' || nx == '=')))
                return 0;
            if (ch == ']' && in_bracket > 1)
                in_bracket = 0;
            else
                in_bracket++;
            sb_add(b, &pat[i], 1);
            continue;
        }
        if (ch == '[') {
            in_bracket = 1;
            if (nx == '^') {
                sb_add(b, "[^", 2);
                i++;
            } else {
                sb_add(b, "[", 1);
            }
            continue;
        }
        if ((ch == '(' && nx == '?') ||
            ((ch == '*' || ch == '+' || ch == '?' || ch == '}') && (nx == '?' || nx == '+')))
            return 0;
        if (ch == '\\') {
            if (nx == 'd' || nx == 'D') {
                sb_addz(b, nx == 'd' ? "[0-9]" : "[^0-9]");
                i++;
                continue;
            }
            if (!nx || !strchr(".[]()*+?{}|^$\\/-wWsSbB", nx))
                return 0;
            sb_add(b, &pat[i], 2);
            i++;
            continue;
        }
        sb_add(b, &pat[i], 1);
    }
    if (in_bracket)
        return 0;
    sb_add(b, "", 0);
    return 1;
}

static int fn_regexp(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[3];
    if (n < 2 || n > 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (v[i].type == SP_CV_ERROR) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
    for (size_t i = 0; i < n; i++)
        if (v[i].type == SP_CV_UNDEFINED) {
            set_type(out, SP_CV_UNDEFINED);
            return 0;
        }
    for (size_t i = 0; i < n; i++)
        if (v[i].type != SP_CV_STRING) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
    sbuf b = { .c = c };
    if (!pcre_to_ere(v[0].u.str.s, &b))
        return sp_expr_unsupported(c, "regexp: PCRE-only pattern syntax is not supported");
    if (b.failed)
        return sp_expr_ev_nomem(c);
    int flags = REG_EXTENDED | REG_NOSUB;
    if (n > 2 && strchr(v[2].u.str.s, 'i'))
        flags |= REG_ICASE;
    regex_t re;
    if (regcomp(&re, b.s ? b.s : "", flags) != 0) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    set_bool(out, regexec(&re, v[1].u.str.s, 0, NULL, 0) == 0);
    regfree(&re);
    return 0;
}

static const struct {
    const char *name;
    fn_impl fn;
} functions[] = {
    { "isundefined", fn_is_type }, { "iserror", fn_is_type },
    { "isstring", fn_is_type }, { "isinteger", fn_is_type },
    { "isreal", fn_is_type }, { "isboolean", fn_is_type },
    { "islist", fn_is_type }, { "isclassad", fn_is_type },
    { "ifthenelse", fn_if_then_else },
    { "int", fn_int }, { "real", fn_real }, { "string", fn_string },
    { "floor", fn_round }, { "ceil", fn_round }, { "ceiling", fn_round },
    { "round", fn_round }, { "pow", fn_pow },
    { "min", fn_min_max }, { "max", fn_min_max },
    { "sum", fn_sum_avg }, { "avg", fn_sum_avg },
    { "size", fn_size }, { "strcat", fn_strcat },
    { "tolower", fn_change_case }, { "toupper", fn_change_case },
    { "substr", fn_substr }, { "strcmp", fn_strcmp }, { "stricmp", fn_strcmp },
    { "member", fn_member }, { "identicalmember", fn_member },
    { "regexp", fn_regexp },
    { "stringlistsize", fn_string_list_size },
    { "stringlistmember", fn_string_list_member },
    { "stringlistimember", fn_string_list_member },
    { "stringlistsintersect", fn_string_lists_intersect },
};

int sp_expr_eval_call(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
        if (strcasecmp(n->name, functions[i].name) == 0)
            return functions[i].fn(c, ad, functions[i].name, n->args, n->n, out);
    if (strcasecmp(n->name, "time") == 0 || strcasecmp(n->name, "currenttime") == 0 ||
        strcasecmp(n->name, "random") == 0)
        return sp_expr_unsupported(c, "function %.64s() depends on when it is evaluated", n->name);
    return sp_expr_unsupported(c, "function %.64s() is not supported", n->name);
}
