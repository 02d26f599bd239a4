/* convert_py.c - Python's view of ClassAd values where the reference's
 * documents show it and more than one file of the conversion needs it:
 * str() of a value, int() (and where it raises), the int64 limit of what
 * int() gives (compatibility.md D3), str.upper()/lower(), and the IntEnum
 * values the bindings compare as numbers. The text forms themselves are
 * lib/pyfmt.c's and lib/pycase.c's.
 *
 * Ownership: strings made here are in the arena passed in; a string of the
 * ad is returned as it is (borrowed). */
#include "convert_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pycase.h"
#include "pyfmt.h"

/* Python's str() of a value, for the string_vals. */
sp_cval sp_conv_py_str(sp_arena *a, const sp_cval *v)
{
    sp_buf b = { 0 };
    sp_cval out;
    char num[48];
    if (is_error_literal(v))
        return sp_cv_string(a, "Error", 5);
    if (v->type == SP_CV_STRING || v->type == SP_CV_EXPR) {
        out = *v;                        /* shared: the ad outlives the document */
        out.type = SP_CV_STRING;
        return out;
    }
    if (v->type == SP_CV_INT)
        return sp_cv_string(a, num, (size_t)snprintf(num, sizeof(num), "%lld", v->u.i));
    if (v->type == SP_CV_REAL)
        return sp_cv_string(a, num, (size_t)sp_py_float_repr(v->u.r, num, sizeof(num)));
    if (v->type == SP_CV_BOOL)
        return sp_cv_string(a, v->u.b ? "True" : "False", v->u.b ? 4 : 5);
    sp_py_repr(&b, v);
    out = sp_cv_string(a, b.data ? (const char *)b.data : "", b.len);
    sp_buf_free(&b);
    return out;
}

/* Python's int() of a value: 1 and *out, or 0 when it would raise. */
int sp_conv_py_int(const sp_cval *v, long long *out)
{
    switch (v->type) {
    case SP_CV_INT: *out = v->u.i; return 1;
    case SP_CV_BOOL: *out = v->u.b; return 1;
    case SP_CV_REAL:
        if (!isfinite(v->u.r) || v->u.r >= 9223372036854775808.0 || v->u.r < -9223372036854775808.0)
            return 0;
        *out = (long long)v->u.r;
        return 1;
    case SP_CV_STRING: return sp_py_parse_int(v->u.str.s, out);
    default: return 0;
    }
}

/* A finite real whose int() is outside int64: the reference writes that
 * integer, which no search cluster can index (compatibility.md D3). */
int sp_conv_big_real(const sp_cval *v)
{
    return v->type == SP_CV_REAL && isfinite(v->u.r) &&
           (v->u.r >= 9223372036854775808.0 || v->u.r < -9223372036854775808.0);
}

/* Python's int() of a number: reals truncated, kept as a real (exact)
 * when outside int64. */
sp_cval sp_conv_py_trunc(sp_cval v)
{
    if (v.type != SP_CV_REAL || !isfinite(v.u.r))
        return v;
    double t = trunc(v.u.r);
    return sp_conv_big_real(&v) ? sp_cv_real(t) : sp_cv_int((long long)t);
}

/* Python's s.upper() or s.lower() of s[0..len), in the arena (ASCII
 * without a detour). */
const char *sp_conv_py_case(sp_arena *a, const char *s, size_t len, int upper)
{
    size_t i = 0;
    while (i < len && (unsigned char)s[i] < 0x80)
        i++;
    if (i == len) {
        char *out = sp_arena_strndup(a, s, len);
        for (char *p = out; p && *p; p++)
            *p = (char)(upper ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
        return out ? out : "";
    }
    sp_buf b = { 0 };
    if ((upper ? sp_py_upper(&b, s, len) : sp_py_lower(&b, s, len)) != 0) {
        sp_buf_free(&b);
        return "";
    }
    char *out = sp_arena_strndup(a, b.data ? (const char *)b.data : "", b.len);
    sp_buf_free(&b);
    return out ? out : "";
}

/* A raw value as Python compares it with numbers: the Value enum is an
 * IntEnum (Undefined 2, Error 1). 0 when it is no number. */
int sp_conv_py_number(const sp_cval *v, double *out)
{
    if (is_error_literal(v) || v->type == SP_CV_ERROR) {
        *out = 1;
        return 1;
    }
    if (v->type == SP_CV_UNDEFINED) {
        *out = 2;
        return 1;
    }
    if (!is_num(v))
        return 0;
    *out = num_of(v);
    return 1;
}
