/* pyfmt.c - Python's text forms of values (see pyfmt.h). */
#include "pyfmt.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shortest decimal digits that read back as v (no trailing zeros, at
 * least one) into digits[24], and the decimal exponent of the first one.
 * A value with at most 15 significant digits (DBL_DIG) prints exactly with
 * 15, so when 15 read back the shortest is those without trailing zeros;
 * otherwise 16, otherwise 17 (subnormals, with less precision, are tried
 * from 1 digit up). Integral values need no reading back. */
/* The decimal digits of k > 0 into digits; returns how many. */
static int int_digits(unsigned long long k, char *digits)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + k % 10);
    while (k /= 10);
    for (int i = 0; i < n; i++)
        digits[i] = tmp[n - 1 - i];
    return n;
}

/* The fast path of shortest_digits for a (normal, not integral): the first
 * d (decimal places) where k = round(a * 10^d), under 10^15, reads back as
 * a. k / 10^d is one correctly rounded division of two exact doubles, so it
 * is what strtod makes of the decimal; no other decimal of at most 15
 * digits (DBL_DIG) reads back as a, so it is the one the slow path finds.
 * a * 10^d is within 0.11 of a * 10^d exactly, and a decimal that reads
 * back as a within 0.11 of it too, so that k is never missed. -1 when a
 * needs more than 15 digits (a * 10^d reached 10^15 first: a is under
 * 10^15 and not integral, so no decimal without places is a), 0 when a is
 * over 10^15 or needs more than 22 places (10^22 is the largest exact
 * power). */
static int short_decimal(double a, char *digits, int *exp)
{
    static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
    if (a >= 1e15)
        return 0;
    for (int d = 1; d <= 22; d++) {
        double x = a * p10[d];
        if (x >= 1e15)
            return -1;
        double k = nearbyint(x);
        if (k >= 1 && k / p10[d] == a) {
            int nd = int_digits((unsigned long long)k, digits);
            *exp = nd - 1 - d;
            return nd;
        }
    }
    return 0;
}

static int shortest_digits(double v, char *digits, int *exp)
{
    double a = fabs(v);
    int nd, fast = 0;
    if (a < 1e15 && a == floor(a)) {
        nd = int_digits((unsigned long long)a, digits);
        *exp = nd - 1;
    } else if (a >= DBL_MIN && (fast = short_decimal(a, digits, exp)) > 0) {
        nd = fast;                                 /* digits and exp are set */
    } else {
        char sci[40];
        for (int prec = fast < 0 ? 16 : a < DBL_MIN ? 1 : 15;; prec++) {     /* subnormals have fewer digits */
            snprintf(sci, sizeof(sci), "%.*e", prec - 1, a);
            if (prec == 17 || strtod(sci, NULL) == a)
                break;
        }
        nd = 0;                                    /* sci is d[.ddd]e[+-]XX */
        const char *p = sci;
        for (; *p && *p != 'e'; p++)
            if (isdigit((unsigned char)*p))
                digits[nd++] = *p;
        *exp = atoi(p + 1);
    }
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    return nd;
}

int sp_py_float_repr(double v, char *out, size_t outlen)
{
    if (isnan(v))
        return snprintf(out, outlen, "nan");
    if (isinf(v))
        return snprintf(out, outlen, v < 0 ? "-inf" : "inf");
    char digits[24];
    int exp, neg = signbit(v) != 0;
    int nd = shortest_digits(v, digits, &exp);
    char *o = out, *end = out + outlen - 1;
#define PUT(c) do { if (o < end) *o++ = (c); } while (0)
    if (neg)
        PUT('-');
    if (exp >= 16 || exp < -4) {                   /* 1e+16, 1.5e-05 */
        PUT(digits[0]);
        if (nd > 1) {
            PUT('.');
            for (int i = 1; i < nd; i++)
                PUT(digits[i]);
        }
        o += snprintf(o, (size_t)(end - o) + 1, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        if (o > end)
            o = end;
    } else if (exp < 0) {                          /* 0.000123 */
        PUT('0');
        PUT('.');
        for (int i = -1; i > exp; i--)
            PUT('0');
        for (int i = 0; i < nd; i++)
            PUT(digits[i]);
    } else {                                       /* 123.45, 100.0 */
        for (int i = 0; i <= exp; i++)
            PUT(i < nd ? digits[i] : '0');
        PUT('.');
        if (nd > exp + 1)
            for (int i = exp + 1; i < nd; i++)
                PUT(digits[i]);
        else
            PUT('0');
    }
#undef PUT
    *o = '\0';
    return (int)(o - out);
}

static int put(sp_buf *b, const char *s, size_t n)
{
    return sp_buf_append(b, s, n);
}

static int putz(sp_buf *b, const char *s)
{
    return put(b, s, strlen(s));
}

static int escaped(sp_buf *b, const unsigned char *s, size_t len, int bytes)
{
    size_t sq = 0, dq = 0;
    for (size_t i = 0; i < len; i++) {
        sq += s[i] == '\'';
        dq += s[i] == '"';
    }
    char quote = sq && !dq ? '"' : '\'';
    int rc = put(b, &quote, 1);
    for (size_t i = 0; i < len && rc == 0; i++) {
        unsigned char c = s[i];
        char esc[8];
        if (c == '\\' || c == (unsigned char)quote) {
            esc[0] = '\\';
            esc[1] = (char)c;
            rc = put(b, esc, 2);
        } else if (c == '\n') {
            rc = putz(b, "\\n");
        } else if (c == '\r') {
            rc = putz(b, "\\r");
        } else if (c == '\t') {
            rc = putz(b, "\\t");
        } else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            rc = putz(b, esc);
        } else {
            rc = put(b, (const char *)&c, 1);
        }
    }
    return rc ? rc : put(b, &quote, 1);
}

int sp_py_str_repr(sp_buf *b, const char *s, size_t len)
{
    return escaped(b, (const unsigned char *)s, len, 0);
}

int sp_py_bytes_repr(sp_buf *b, const unsigned char *s, size_t len)
{
    return putz(b, "b") || escaped(b, s, len, 1);
}

/* repr() of a value inside a list or a dict, as the classad bindings hand
 * them to Python: strings quoted, undefined and error as the Value enum's
 * repr, expressions as their text. */
static int item_repr(sp_buf *b, const sp_cval *v)
{
    if (v->type == SP_CV_STRING)
        return sp_py_str_repr(b, v->u.str.s, v->u.str.len);
    if (v->type == SP_CV_UNDEFINED)
        return putz(b, "classad.classad.Value.Undefined");
    if (v->type == SP_CV_ERROR)
        return putz(b, "classad.classad.Value.Error");
    return sp_py_repr(b, v);
}

int sp_py_repr(sp_buf *b, const sp_cval *v)
{
    char num[48];
    switch (v->type) {
    case SP_CV_UNDEFINED: return putz(b, "Undefined");
    case SP_CV_ERROR: return putz(b, "Error");
    case SP_CV_BOOL: return putz(b, v->u.b ? "True" : "False");
    case SP_CV_INT:
        snprintf(num, sizeof(num), "%lld", v->u.i);
        return putz(b, num);
    case SP_CV_REAL:
        sp_py_float_repr(v->u.r, num, sizeof(num));
        return putz(b, num);
    case SP_CV_STRING:
    case SP_CV_EXPR: return put(b, v->u.str.s, v->u.str.len);
    case SP_CV_LIST: {
        int rc = putz(b, "[");
        for (size_t i = 0; i < v->u.list.n && rc == 0; i++)
            rc = (i ? putz(b, ", ") : 0) || item_repr(b, &v->u.list.items[i]);
        return rc ? rc : putz(b, "]");
    }
    case SP_CV_AD: {                 /* the bindings give a nested ad as a dict */
        int rc = putz(b, "{");
        for (size_t i = 0; i < v->u.ad->n && rc == 0; i++)
            rc = (i ? putz(b, ", ") : 0) ||
                 sp_py_str_repr(b, v->u.ad->attrs[i].name, v->u.ad->attrs[i].name_len) || putz(b, ": ") ||
                 item_repr(b, &v->u.ad->attrs[i].v);
        return rc ? rc : putz(b, "}");
    }
    }
    return 0;
}

/* Python's int() and float() allow white space around the number only. */
static int only_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

int sp_py_parse_int(const char *s, long long *out)
{
    while (isspace((unsigned char)*s))
        s++;
    const char *start = s;
    if (*s == '+' || *s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return 0;
    errno = 0;
    char *end;
    long long v = strtoll(start, &end, 10);
    if (errno == ERANGE || !only_space(end))
        return 0;
    *out = v;
    return 1;
}

int sp_py_parse_float(const char *s, double *out)
{
    while (isspace((unsigned char)*s))
        s++;
    const char *p = s + (*s == '+' || *s == '-');
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return 0;                                  /* strtod reads hex, Python does not */
    char *end;
    double v = strtod(s, &end);
    if (end == s || !only_space(end))
        return 0;
    *out = v;
    return 1;
}
